//! Against a real PostgreSQL that speaks TLS with a certificate made here (a CA of the test's
//! own signs the server's, for `db.helloword.test` only), reached at 127.0.0.1 through
//! `hostaddr`. PostgreSQL's own `pg_stat_ssl` says whether a connection is encrypted.

use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

use super::*;
use crate::{Store, StoreError};

/// The host name on the server's certificate.
const HOST: &str = "db.helloword.test";

struct Setup {
    /// The TLS server's port.
    port: u16,
    /// The database the tests use.
    database: String,
    /// PEM files: the CA that signed the server's certificate, and one that did not.
    right_ca: String,
    wrong_ca: String,
    _dir: tempfile::TempDir,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let ca = |name: &str| {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params
                .distinguished_name
                .push(rcgen::DnType::CommonName, name);
            CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
        };
        let right = ca("HelloWord test CA");
        let wrong = ca("Another CA");
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec![HOST.to_string()])
            .unwrap()
            .signed_by(&server_key, &right)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let right_ca = dir.path().join("right-ca.pem");
        let wrong_ca = dir.path().join("wrong-ca.pem");
        std::fs::write(&right_ca, right.pem()).unwrap();
        std::fs::write(&wrong_ca, wrong.pem()).unwrap();
        let postgres = helloword_testkit::postgres::Server::start_with_tls(
            &server.pem(),
            &server_key.serialize_pem(),
        );
        let url = postgres.fresh_database();
        Setup {
            port: postgres.port(),
            database: url.rsplit('/').next().unwrap().to_string(),
            right_ca: right_ca.display().to_string(),
            wrong_ca: wrong_ca.display().to_string(),
            _dir: dir,
        }
    })
}

/// The URL of the test database at `host` (127.0.0.1 through `hostaddr` for the
/// certificate's name) with the query `params`.
fn url(host: &str, params: &str) -> String {
    let s = setup();
    let hostaddr = if host == HOST {
        "hostaddr=127.0.0.1&"
    } else {
        ""
    };
    format!(
        "postgres://postgres@{host}:{}/{}?{hostaddr}{params}",
        s.port, s.database
    )
}

/// Whether PostgreSQL sees the connection made from `url` as encrypted.
fn encrypted(url: &str) -> Result<bool, String> {
    let target = Target::parse(url)?;
    let text = |e: postgres::Error| match super::super::backend::pg_error(e) {
        StoreError::Postgres(text) => text,
        other => other.to_string(),
    };
    let mut client = target.connect().map_err(text)?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .map_err(text)?;
    Ok(row.get(0))
}

#[test]
fn sslmode_require_encrypts_the_connection() {
    assert_eq!(encrypted(&url("127.0.0.1", "sslmode=require")), Ok(true));
    // libpq's default, prefer, encrypts when the server offers TLS; disable does not.
    assert_eq!(encrypted(&url("127.0.0.1", "")), Ok(true));
    assert_eq!(encrypted(&url("127.0.0.1", "sslmode=disable")), Ok(false));
}

#[test]
fn verify_full_with_the_right_ca_and_host_name_connects_encrypted() {
    let s = setup();
    let params = format!("sslmode=verify-full&sslrootcert={}", s.right_ca);
    assert_eq!(encrypted(&url(HOST, &params)), Ok(true));
    // verify-ca checks the CA, not the name; require with a root file does as well (libpq).
    let params = format!("sslmode=verify-ca&sslrootcert={}", s.right_ca);
    assert_eq!(encrypted(&url("127.0.0.1", &params)), Ok(true));
    let params = format!("sslmode=require&sslrootcert={}", s.wrong_ca);
    let refused = encrypted(&url("127.0.0.1", &params)).unwrap_err();
    assert!(
        refused.contains("not signed by a CA in sslrootcert"),
        "{refused}"
    );
}

#[test]
fn verify_full_with_a_wrong_ca_fails_saying_so() {
    let s = setup();
    let params = format!("sslmode=verify-full&sslrootcert={}", s.wrong_ca);
    let error = encrypted(&url(HOST, &params)).unwrap_err();
    assert!(
        error.contains(&format!(
            "TLS with the PostgreSQL server {HOST} (sslmode=verify-full, sslrootcert={})",
            s.wrong_ca
        )) && error.contains("UnknownIssuer")
            && error.contains(
                "the server's certificate is not signed by a CA in sslrootcert: name the CA \
                 that signed it"
            ),
        "{error}"
    );
}

#[test]
fn verify_full_with_a_wrong_host_name_fails_saying_so() {
    let s = setup();
    let params = format!("sslmode=verify-full&sslrootcert={}", s.right_ca);
    let error = encrypted(&url("127.0.0.1", &params)).unwrap_err();
    assert!(
        error.contains("TLS with the PostgreSQL server 127.0.0.1 (sslmode=verify-full")
            && error.contains("not valid for name")
            && error.contains(
                "the server's certificate does not name the host of `storage.store`: connect \
                 by a name the certificate carries (hostaddr= can give the address)"
            ),
        "{error}"
    );
}

#[test]
fn the_store_runs_over_verify_full_and_refuses_to_start_on_a_wrong_ca() {
    let s = setup();
    let params = format!("sslmode=verify-full&sslrootcert={}", s.right_ca);
    let store = Store::open_postgres(&url(HOST, &params)).unwrap();
    drop(store);
    let params = format!("sslmode=verify-full&sslrootcert={}", s.wrong_ca);
    match Store::open_postgres(&url(HOST, &params)) {
        Err(StoreError::Postgres(e)) => assert!(e.contains("UnknownIssuer"), "{e}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a server signed by another CA was trusted"),
    }
}

#[test]
fn sslmode_require_refuses_a_server_without_tls() {
    // The shared test server runs without TLS.
    let plain = helloword_testkit::postgres::server().fresh_database();
    let error = encrypted(&format!("{plain}?sslmode=require")).unwrap_err();
    assert!(error.contains("server does not support TLS"), "{error}");
    assert_eq!(
        encrypted(&plain),
        Ok(false),
        "prefer falls back to plain text"
    );
}

#[test]
fn sslmode_and_sslrootcert_are_checked_before_anything_starts() {
    let check = |url: &str| Target::parse(url).map(|t| t.mode());
    assert_eq!(check("postgres://h/db"), Ok(Mode::Prefer));
    assert_eq!(check("postgres://h/db?sslmode=disable"), Ok(Mode::Disable));
    assert_eq!(
        check("postgres://h/db?sslmode=verify-full&sslrootcert=system"),
        Ok(Mode::VerifyFull)
    );
    assert_eq!(
        check("postgres://h/db?sslrootcert=system"),
        Ok(Mode::VerifyFull)
    );
    assert_eq!(
        check("postgres://h/db?sslmode=verify-ca"),
        Err(
            "`storage.store`: sslmode=verify-ca needs sslrootcert=<PEM file of the CA that \
             signed the server's certificate> (or sslrootcert=system for the public CAs)"
                .to_string()
        )
    );
    assert_eq!(
        check("postgres://h/db?sslmode=allow"),
        Err(
            "`storage.store`: sslmode=\"allow\" is not one of disable, prefer, require, \
             verify-ca, verify-full"
                .to_string()
        )
    );
    assert_eq!(
        check("postgres://h/db?sslmode=require&sslrootcert=system"),
        Err(
            "`storage.store`: sslmode=require may not be used with sslrootcert=system (use \
             sslmode=verify-full)"
                .to_string()
        )
    );
    let missing =
        check("postgres://h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").unwrap_err();
    assert!(
        missing.starts_with("`storage.store`: sslrootcert=\"/nonexistent/ca.pem\" cannot be read:"),
        "{missing}"
    );
    assert!(
        check("postgres://h/db?sslkey=/k.pem")
            .unwrap_err()
            .contains("sslkey is not supported")
    );
    // The other parameters stay tokio-postgres's to read.
    assert_eq!(
        check("postgres://h/db?connect_timeout=5&sslmode=require&application_name=hw"),
        Ok(Mode::Require)
    );
    assert!(check("postgres://h/db?bogus=1").is_err());
}
