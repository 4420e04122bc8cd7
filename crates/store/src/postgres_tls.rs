//! TLS for the PostgreSQL store, with libpq's `sslmode` and `sslrootcert` written in the
//! `storage.store` URL, over rustls (ring, as reqwest and the mail client use it).
//!
//! | `sslmode` | encrypted | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (the default) | when the server offers TLS | not checked |
//! | `require` | always | not checked; with `sslrootcert`, checked as `verify-ca` (as libpq does) |
//! | `verify-ca` | always | signed by a CA in `sslrootcert` |
//! | `verify-full` | always | signed by a CA in `sslrootcert` and naming the host |
//!
//! `sslrootcert` is a PEM file of CA certificates, or `system` for the Mozilla roots that
//! webpki-roots carries (only with `verify-full`, as libpq has it). Unlike libpq, nothing is
//! read from `~/.postgresql/`: `verify-ca` and `verify-full` need `sslrootcert`. The host name
//! checked is the URL's host; `hostaddr=` can give the address to connect to. Both keys are
//! read here and taken out of the URL; everything else is tokio-postgres's to read.
//!
//! A TLS failure says what was checked and what to change (a CA that did not sign the
//! server's certificate, a host name the certificate does not carry). The whole file is the
//! connection's setup; nothing here runs once a connection is open.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use postgres::config::SslMode;
use postgres::tls::{MakeTlsConnect, TlsConnect};
use postgres::{NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> Result<Mode, String> {
        Ok(match value {
            "disable" => Mode::Disable,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            // libpq's `allow` tries plain text first; the store never starts in clear when
            // the server offers TLS.
            other => {
                return Err(format!(
                    "`storage.store`: sslmode={other:?} is not one of disable, prefer, require, \
                     verify-ca, verify-full"
                ));
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }
}

/// Where the store connects and how: the connection settings and the TLS connector, read
/// once from the URL.
pub struct Target {
    config: postgres::Config,
    tls: Option<Connector>,
}

impl Target {
    /// Read `url` (a `postgres://` URL with libpq's `sslmode` and `sslrootcert`) and the
    /// `sslrootcert` file. The error names the key to change.
    pub fn parse(url: &str) -> Result<Target, String> {
        let (config, mode, root) = settings(url)?;
        let tls = match mode {
            Mode::Disable => None,
            _ => Some(Connector::new(mode, root.as_deref())?),
        };
        Ok(Target { config, tls })
    }

    /// Open a connection.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls {
            None => self.config.connect(NoTls),
            Some(tls) => self.config.connect(tls.clone()),
        }
    }

    /// The `sslmode` in force.
    #[cfg(test)]
    pub fn mode(&self) -> Mode {
        self.tls.as_ref().map_or(Mode::Disable, |t| t.mode)
    }
}

/// Check `url` as [`Target::parse`] reads it, without reading the `sslrootcert` file (config
/// validation does no I/O; the store reads the file when it opens).
pub fn check_url(url: &str) -> Result<(), String> {
    settings(url).map(|_| ())
}

/// The connection settings of `url`, its `sslmode` in force and its `sslrootcert`.
fn settings(url: &str) -> Result<(postgres::Config, Mode, Option<String>), String> {
    let (rest, mode, root) = take_tls_params(url)?;
    let mut config: postgres::Config = rest
        .parse()
        .map_err(|e| format!("`storage.store` is not a PostgreSQL URL: {e}"))?;
    let mode = match (mode, root.as_deref()) {
        (Some(mode), _) => mode,
        // libpq: with the system roots, the name is checked unless told otherwise.
        (None, Some("system")) => Mode::VerifyFull,
        (None, _) => Mode::Prefer,
    };
    if root.as_deref() == Some("system") && mode != Mode::VerifyFull {
        return Err(format!(
            "`storage.store`: sslmode={} may not be used with sslrootcert=system (use \
             sslmode=verify-full)",
            mode.name()
        ));
    }
    if matches!(mode, Mode::VerifyCa | Mode::VerifyFull) && root.is_none() {
        return Err(format!(
            "`storage.store`: sslmode={} needs sslrootcert=<PEM file of the CA that signed the \
             server's certificate> (or sslrootcert=system for the public CAs)",
            mode.name()
        ));
    }
    let mode = match (mode, &root) {
        (Mode::Require, Some(_)) => Mode::VerifyCa,
        _ => mode,
    };
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
    });
    Ok((config, mode, root))
}

/// `url` without `sslmode` and `sslrootcert`, and their values.
fn take_tls_params(url: &str) -> Result<(String, Option<Mode>, Option<String>), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None, None));
    };
    let (mut mode, mut root) = (None, None);
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = || {
            url::form_urlencoded::parse(format!("v={}", value.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        match key {
            "sslmode" => mode = Some(Mode::parse(&decoded())?),
            "sslrootcert" => root = Some(decoded()).filter(|r| !r.is_empty()),
            "sslcert" | "sslkey" | "sslpassword" | "sslcrl" | "sslcrldir" => {
                return Err(format!(
                    "`storage.store`: {key} is not supported (client certificates and CRLs); \
                     log in with `storage.password_secret`"
                ));
            }
            _ => kept.push(pair),
        }
    }
    let rest = match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Ok((rest, mode, root))
}

/// The rustls connector for one `sslmode` and root store, adding what was checked to its
/// errors.
#[derive(Clone)]
struct Connector {
    inner: MakeRustlsConnect,
    mode: Mode,
    root: Option<Arc<str>>,
}

impl Connector {
    fn new(mode: Mode, root: Option<&str>) -> Result<Connector, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match mode {
            Mode::Disable | Mode::Prefer | Mode::Require => Arc::new(Unchecked(provider.clone())),
            Mode::VerifyCa | Mode::VerifyFull => {
                // settings() requires sslrootcert with these modes.
                let root = root.unwrap_or("system");
                let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots(root)?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("`storage.store`: sslrootcert={root:?}: {e}"))?;
                match mode {
                    Mode::VerifyCa => Arc::new(AnyName(webpki)),
                    _ => webpki,
                }
            }
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS for PostgreSQL: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Connector {
            inner: MakeRustlsConnect::new(config),
            mode,
            root: root.map(Arc::from),
        })
    }
}

/// The CA certificates of `root`: a PEM file, or `system` (webpki-roots).
fn roots(root: &str) -> Result<rustls::RootCertStore, String> {
    let mut store = rustls::RootCertStore::empty();
    if root == "system" {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    }
    let certificates = CertificateDer::pem_file_iter(root)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("`storage.store`: sslrootcert={root:?} cannot be read: {e}"))?;
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(format!(
            "`storage.store`: sslrootcert={root:?} holds no CA certificate (PEM, \
             -----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(store)
}

type Inner = <MakeRustlsConnect as MakeTlsConnect<Socket>>::TlsConnect;
type Stream = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Stream;

impl MakeTlsConnect<Socket> for Connector {
    type Stream = Stream;
    type TlsConnect = Connect;
    type Error = <MakeRustlsConnect as MakeTlsConnect<Socket>>::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<Connect, Self::Error> {
        let root = self
            .root
            .as_deref()
            .map_or(String::new(), |r| format!(", sslrootcert={r}"));
        Ok(Connect {
            inner: MakeTlsConnect::<Socket>::make_tls_connect(&mut self.inner, host)?,
            mode: self.mode,
            context: format!(
                "TLS with the PostgreSQL server {host} (sslmode={}{root})",
                self.mode.name()
            ),
        })
    }
}

/// One connection's handshake.
pub struct Connect {
    inner: Inner,
    mode: Mode,
    context: String,
}

impl TlsConnect<Socket> for Connect {
    type Stream = Stream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Stream>> + Send>>;

    fn connect(self, socket: Socket) -> Self::Future {
        let Connect {
            inner,
            mode,
            context,
        } = self;
        let handshake = inner.connect(socket);
        Box::pin(async move {
            handshake
                .await
                .map_err(|e| io::Error::new(e.kind(), format!("{context}: {}", explain(&e, mode))))
        })
    }
}

/// A handshake error with what to change, where rustls says why.
fn explain(error: &io::Error, mode: Mode) -> String {
    let certificate = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .and_then(|e| match e {
            rustls::Error::InvalidCertificate(c) => Some(c),
            _ => None,
        });
    let hint = match certificate {
        Some(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
            "; the server's certificate is not signed by a CA in sslrootcert: name the CA \
             that signed it"
        }
        Some(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => match mode {
            Mode::VerifyFull => {
                "; the server's certificate does not name the host of `storage.store`: \
                     connect by a name the certificate carries (hostaddr= can give the address)"
            }
            _ => "",
        },
        Some(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
            "; the server's certificate has expired"
        }
        _ => "",
    };
    format!("{error}{hint}")
}

/// `prefer` and `require` without a root: any certificate is taken (the connection is
/// encrypted, not authenticated, as with libpq), but the handshake's signatures are still
/// checked.
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain is checked against the roots, the host name is not.
#[derive(Debug)]
struct AnyName(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first and the name last: a name error means the chain held.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests;
