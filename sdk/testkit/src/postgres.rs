//! A throwaway, real PostgreSQL server for tests: one cluster per test process, started on
//! first use from Debian's binaries (`scripts/test-deps` installs them), listening on
//! 127.0.0.1 only, on a free port, with its data in a fresh temporary directory. Each test
//! takes its own empty database with [`Server::fresh_database`].
//!
//! ```no_run
//! let url = helloword_testkit::postgres::server().fresh_database();
//! // url is "postgres://postgres@127.0.0.1:<port>/t_<pid>_<n>"
//! ```
//!
//! The cluster runs with `fsync` on (the crash tests depend on durability) and `trust`
//! authentication for the superuser `postgres`. It does not outlive the test process: the
//! small shell process that starts it also stops it (`-m immediate`) and removes its
//! directory once the test process has exited.
//!
//! PostgreSQL refuses to run as root; when the tests run as root, the cluster's directory is
//! given to the `postgres` system user (created by Debian's package) and `initdb` and
//! `pg_ctl` run through `runuser -u postgres`.

use std::fs;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many ports to try, in case the chosen free port is taken before the server binds it.
const START_ATTEMPTS: usize = 3;

/// The test process's PostgreSQL cluster (see [`server`]).
#[derive(Debug)]
pub struct Server {
    port: u16,
    psql: PathBuf,
    databases: AtomicU64,
}

/// The PostgreSQL server of this test process, started on first use.
///
/// Panics when PostgreSQL is not installed (run `scripts/test-deps`) or does not start (the
/// message carries its log).
pub fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(Server::start)
}

impl Server {
    /// The TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connection URL of `database` as the superuser `postgres` (no password):
    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Create a new, empty, uniquely named database (`t_<pid>_<n>`) and return its URL.
    ///
    /// Panics with psql's error output when the database cannot be created.
    pub fn fresh_database(&self) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let name = format!("t_{}_{n}", std::process::id());
        let output = Command::new(&self.psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-c", &format!("CREATE DATABASE {name}")])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL test server: cannot run {}: {e}",
                    self.psql.display()
                )
            });
        if !output.status.success() {
            panic!(
                "PostgreSQL test server: psql could not create database {name} ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        self.url(&name)
    }

    fn start() -> Server {
        Server::start_with(None)
    }

    /// A server of its own (not [`server`]'s) that also speaks TLS (`ssl = on`) with
    /// `certificate` (the server's certificate chain, PEM) and `key` (its private key, PEM).
    /// Clients choose: it takes TLS and plain connections alike.
    ///
    /// Panics as [`server`] does.
    pub fn start_with_tls(certificate: &str, key: &str) -> Server {
        Server::start_with(Some((certificate, key)))
    }

    fn start_with(tls: Option<(&str, &str)>) -> Server {
        let bin = find_bin_dir();
        let psql = [bin.join("psql"), PathBuf::from("/usr/bin/psql")]
            .into_iter()
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("psql"));
        let dir = make_temp_dir();
        let as_postgres = owned_by_root(&dir);
        let mut options = String::new();
        if let Some((certificate, key)) = tls {
            use std::os::unix::fs::PermissionsExt as _;
            let (cert_file, key_file) = (dir.join("server.crt"), dir.join("server.key"));
            fs::write(&cert_file, certificate)
                .and_then(|()| fs::write(&key_file, key))
                .and_then(|()| fs::set_permissions(&key_file, fs::Permissions::from_mode(0o600)))
                .unwrap_or_else(|e| {
                    panic!("PostgreSQL test server: cannot write its certificate: {e}")
                });
            options = format!(
                "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert_file.display(),
                key_file.display()
            );
        }
        let log = |name: &str| fs::read_to_string(dir.join(name)).unwrap_or_default();

        #[expect(
            clippy::zombie_processes,
            reason = "the shell exits only after this process has, so it is never left a zombie of ours"
        )]
        let mut supervisor = spawn_supervisor(&bin, &dir, as_postgres, &options);
        let mut to_supervisor = supervisor.stdin.take().expect("piped stdin");
        let mut from_supervisor = BufReader::new(supervisor.stdout.take().expect("piped stdout"));
        let mut next = || {
            let mut line = String::new();
            match from_supervisor.read_line(&mut line) {
                Ok(n) if n > 0 => line.trim().to_string(),
                _ => panic!(
                    "PostgreSQL test server: its supervising shell (sh) ended unexpectedly \
                     while starting the cluster in {}",
                    dir.display()
                ),
            }
        };

        match next().as_str() {
            "initdb-ok" => {}
            "chown-failed" => panic!(
                "PostgreSQL test server: chown -R postgres:postgres {} failed (is Debian's \
                 postgresql package installed? run scripts/test-deps):\n{}",
                dir.display(),
                log("initdb.log")
            ),
            _ => panic!(
                "PostgreSQL test server: {} failed for {}{}:\n{}",
                bin.join("initdb").display(),
                dir.join("data").display(),
                if as_postgres {
                    " (run as the postgres user, which must be able to reach that directory)"
                } else {
                    ""
                },
                log("initdb.log")
            ),
        }

        for attempt in 1..=START_ATTEMPTS {
            let port = crate::free_port();
            writeln!(to_supervisor, "{port}").unwrap_or_else(|e| {
                panic!("PostgreSQL test server: its supervising shell (sh) is gone: {e}")
            });
            if next() == "started" {
                return Server {
                    port,
                    psql,
                    databases: AtomicU64::new(0),
                };
            }
            let server_log = log("postgres.log");
            // The free port may have been taken between choosing it and binding it.
            if attempt < START_ATTEMPTS && server_log.contains("already in use") {
                continue;
            }
            panic!(
                "PostgreSQL test server: {} start failed for {} on port {port}:\n{}\n\
                 --- {} ---\n{server_log}",
                bin.join("pg_ctl").display(),
                dir.join("data").display(),
                log("pg_ctl.log"),
                dir.join("postgres.log").display()
            );
        }
        unreachable!("the last attempt returns or panics")
    }
}

/// The directory of `initdb`, `pg_ctl` and `psql`: the newest `/usr/lib/postgresql/<N>/bin`,
/// else wherever `initdb` is on PATH.
fn find_bin_dir() -> PathBuf {
    let newest = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version);
    if let Some((_, bin)) = newest {
        return bin;
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").is_file())
        .unwrap_or_else(|| {
            panic!(
                "PostgreSQL test server: no initdb found (neither /usr/lib/postgresql/<N>/bin/initdb \
                 nor initdb on PATH); run scripts/test-deps, which installs Debian's postgresql"
            )
        })
}

/// A new, empty directory under the system's temporary directory.
fn make_temp_dir() -> PathBuf {
    let base = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for n in 0..100 {
        let dir = base.join(format!("helloword-pg-{}-{nanos:x}-{n}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => return dir,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => panic!(
                "PostgreSQL test server: cannot create {}: {e}",
                dir.display()
            ),
        }
    }
    panic!(
        "PostgreSQL test server: no free directory name under {}",
        base.display()
    )
}

/// Whether this process runs as root (PostgreSQL refuses to), told by the owner of `dir`,
/// which it has just created.
fn owned_by_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    fs::metadata(dir)
        .map(|m| m.uid() == 0)
        .unwrap_or_else(|e| panic!("PostgreSQL test server: cannot read {}: {e}", dir.display()))
}

/// Start the shell that runs the cluster's whole life (`options`: more server settings, as
/// `-c name=value` arguments), one step after another: `initdb`
/// (after a `chown` to `postgres` when root), then `pg_ctl start` on each port it reads from
/// stdin until one works, then — once this test process has exited — `pg_ctl stop -m
/// immediate` and removal of the directory. Each step's outcome is a line on its stdout.
///
/// Doing it all in one process means a test process killed mid-start cannot leave a server
/// behind: the stop only comes after the start has finished. The shell runs in its own
/// process group (a Ctrl-C of the tests does not reach it or its commands) and holds none of
/// the test's standard streams (`cargo test` would wait for them to close).
fn spawn_supervisor(
    bin: &Path,
    dir: &Path,
    as_postgres: bool,
    options: &str,
) -> std::process::Child {
    const SCRIPT: &str = r#"
        pid=$1 bin=$2 dir=$3 as_postgres=$4 options=$5
        data=$dir/data
        trap '' PIPE  # the test process may be gone by the time a line is written
        as_pg() { if [ "$as_postgres" = 1 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
        started=0
        if [ "$as_postgres" = 1 ] && ! chown -R postgres:postgres "$dir" >"$dir/initdb.log" 2>&1
        then
            echo chown-failed
        elif as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale \
            >"$dir/initdb.log" 2>&1
        then
            echo initdb-ok
            while read -r port; do
                if as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -o "-h 127.0.0.1 \
                    -p $port -k '$dir' -c fsync=on -c max_connections=200 -c shared_buffers=32MB $options" \
                    start >"$dir/pg_ctl.log" 2>&1
                then
                    started=1
                    echo started
                    break
                fi
                echo failed
            done
        else
            echo initdb-failed
        fi
        exec </dev/null >/dev/null 2>&1
        while kill -0 "$pid" 2>/dev/null; do sleep 1; done
        if [ "$started" = 1 ]; then as_pg "$bin/pg_ctl" -D "$data" -m immediate stop; fi
        rm -rf "$dir"
    "#;
    use std::os::unix::process::CommandExt as _;
    Command::new("sh")
        .args(["-c", SCRIPT, "helloword-pg-supervisor"])
        .arg(std::process::id().to_string())
        .arg(bin)
        .arg(dir)
        .arg(if as_postgres { "1" } else { "0" })
        .arg(options)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("PostgreSQL test server: cannot start its shell (sh): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_server_gives_fresh_databases() {
        let server = server();
        let a = server.fresh_database();
        let b = server.fresh_database();
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("postgres://postgres@127.0.0.1:{}/", server.port())));
        assert_eq!(
            server.url("x"),
            format!("postgres://postgres@127.0.0.1:{}/x", server.port())
        );

        let db = a.rsplit('/').next().unwrap();
        let out = Command::new(&server.psql)
            .args(["-X", "-A", "-t", "-h", "127.0.0.1"])
            .args(["-p", &server.port().to_string(), "-U", "postgres", "-d", db])
            .args(["-c", "select 1"])
            .args(["-c", "show fsync", "-c", "show max_connections"])
            .args(["-c", "show listen_addresses", "-c", "show shared_buffers"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql select 1 failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .collect::<Vec<_>>(),
            ["1", "on", "200", "127.0.0.1", "32MB"]
        );
    }
}
