//! Real mail servers for tests: an SMTP server process (Python's aiosmtpd, writing a
//! maildir) and an IMAP server (Dovecot, from Debian's `dovecot-imapd`), each on a free
//! loopback port in the test's own folder. `scripts/test-deps` installs both.
//!
//! Every message the SMTP server accepted is read again, when the server is dropped, by a
//! parser nobody here wrote: Python's `email` package under its strict policy, which must
//! find RFC 5322 and MIME well-formed, with a Message-ID and `MIME-Version: 1.0`
//! ([`Smtp::check_well_formed`]).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An SMTP server process writing every message it accepts into a maildir.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A test that already failed says why itself.
        if !std::thread::panicking() {
            self.check_well_formed();
        }
    }
}

/// Parses each message file named on the command line with Python's `email` package under
/// `email.policy.strict` (defects raise), reads every header (they are parsed when read)
/// and every part's content, and requires the headers every sent mail must have. Prints one
/// line per problem.
const STRICT_CHECK: &str = r#"
import sys
from email import policy
from email.parser import BytesParser

problems = []
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            message = BytesParser(policy=policy.strict).parse(f)
        for name, value in message.items():
            if getattr(value, "defects", None):
                problems.append(f"{path}: {name}: {value.defects}")
        for name in ("Message-ID", "MIME-Version", "Date", "From", "To", "Subject"):
            if len(message.get_all(name, [])) != 1:
                problems.append(f"{path}: not exactly one {name} header")
        if str(message.get("MIME-Version", "")).strip() != "1.0":
            problems.append(f"{path}: MIME-Version is {message.get('MIME-Version')!r}")
        for part in message.walk():
            if not part.is_multipart():
                part.get_content()
    except Exception as e:
        problems.append(f"{path}: {type(e).__name__}: {e}")
print("\n".join(problems))
sys.exit(1 if problems else 0)
"#;

impl Smtp {
    /// A server that takes any mail.
    pub fn start(dir: &Path) -> Smtp {
        Smtp::spawn(dir, |port, maildir| {
            let mut command = Command::new("python3");
            command
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(maildir);
            command
        })
    }

    /// Run the server `command` builds for a free port and a maildir in `dir`; wait for it.
    fn spawn(dir: &Path, command: impl FnOnce(u16, &Path) -> Command) -> Smtp {
        let port = super::free_port();
        std::fs::create_dir_all(dir).unwrap();
        let maildir = dir.join("maildir");
        let child = command(port, &maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (aiosmtpd: run scripts/test-deps)");
        wait_for_port(port, "aiosmtpd");
        Smtp {
            child,
            port,
            maildir,
        }
    }

    /// A server that takes mail only after an AUTH PLAIN or LOGIN as `user` / `password`
    /// (over plain text: it listens on loopback only).
    pub fn start_with_login(dir: &Path, user: &str, password: &str) -> Smtp {
        const SERVER: &str = r#"
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword
port, maildir, user, password = sys.argv[1:5]
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login.decode() == user \
        and data.password.decode() == password
    return AuthResult(success=ok, handled=False)
Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), authenticator=check,
           auth_required=True, auth_require_tls=False).start()
threading.Event().wait()
"#;
        Smtp::spawn(dir, |port, maildir| {
            let mut command = Command::new("python3");
            command
                .arg("-c")
                .arg(SERVER)
                .arg(port.to_string())
                .arg(maildir)
                .args([user, password]);
            command
        })
    }

    /// Check every message accepted so far with a strict RFC 5322 / MIME parser (Python's
    /// `email` package, `policy.strict`): well-formed, with exactly one Message-ID, Date,
    /// From, To and Subject, and `MIME-Version: 1.0`. Panics naming each problem.
    pub fn check_well_formed(&self) {
        let files = self.message_files();
        if files.is_empty() {
            return;
        }
        let out = Command::new("python3")
            .arg("-c")
            .arg(STRICT_CHECK)
            .args(&files)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "mail the SMTP server accepted is not well-formed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn message_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries.filter_map(|e| Some(e.ok()?.path())).collect()
    }

    /// Every message accepted so far, as text.
    pub fn messages(&self) -> Vec<String> {
        self.message_files()
            .into_iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect()
    }
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}; install the test servers with scripts/test-deps"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A Dovecot IMAP server with one account (`USER` / `PASSWORD`, or the test's own) whose
/// INBOX is a maildir the test delivers into.
pub struct Dovecot {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    /// The account's maildir.
    pub maildir: PathBuf,
    user: String,
    owner: Option<(u32, u32)>,
    delivered: u32,
}

impl Dovecot {
    pub const USER: &'static str = "seller@example.com";
    pub const PASSWORD: &'static str = "imap-test-password";

    /// Start Dovecot in `dir` (which it owns from now on).
    pub fn start(dir: &Path) -> Dovecot {
        Dovecot::start_as(dir, Self::USER, Self::PASSWORD)
    }

    /// Start Dovecot in `dir` with the account `user` / `password` (any characters but `:`
    /// and line breaks: Dovecot's user name check is off, `auth_username_chars =`).
    pub fn start_as(dir: &Path, user: &str, password: &str) -> Dovecot {
        let binary = Path::new("/usr/sbin/dovecot");
        assert!(
            binary.exists(),
            "Dovecot is not installed (/usr/sbin/dovecot); install the test servers with \
             scripts/test-deps"
        );
        std::fs::create_dir_all(dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        let port = super::free_port();
        let maildir = dir.join("mail").join(user);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::write(dir.join("passwd"), format!("{user}:{{PLAIN}}{password}\n")).unwrap();
        // Dovecot refuses to run its login and mail processes as root: as root, they run as
        // the users the Debian package created; otherwise everything runs as the caller.
        let root = id("-u") == "0";
        let (internal, login, owner) = if root {
            let uid: u32 = id_of("-u", "dovecot");
            let gid: u32 = id_of("-g", "dovecot");
            (
                "dovecot".to_string(),
                "dovenull".to_string(),
                Some((uid, gid)),
            )
        } else {
            let me = id("-un");
            (me.clone(), me, None)
        };
        let (uid, gid) = match owner {
            Some((u, g)) => (u.to_string(), g.to_string()),
            None => (id("-u"), id("-g")),
        };
        let d = dir.display();
        let config = format!(
            "protocols = imap\n\
             listen = 127.0.0.1\n\
             base_dir = {d}/run\n\
             state_dir = {d}/state\n\
             log_path = {d}/dovecot.log\n\
             ssl = no\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             auth_username_chars =\n\
             first_valid_uid = 1\n\
             default_internal_user = {internal}\n\
             default_login_user = {login}\n\
             mail_location = maildir:{d}/mail/%u\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/home/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        if let Some((uid, gid)) = owner {
            use std::os::unix::fs::PermissionsExt;
            // The unprivileged processes must reach their folders.
            let mut folder = dir.clone();
            loop {
                let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
                let _ = std::fs::set_permissions(
                    &folder,
                    std::fs::Permissions::from_mode(mode | 0o711),
                );
                if !folder.pop() || folder.as_os_str() == "/" {
                    break;
                }
            }
            for path in [dir.join("mail"), dir.join("home")] {
                chown_all(&path, uid, gid);
            }
        }
        let child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        wait_for_port(port, "Dovecot");
        Dovecot {
            child,
            dir,
            port,
            maildir,
            user: user.to_string(),
            owner,
            delivered: 0,
        }
    }

    /// Deliver `raw` into `folder` (created when missing) through Dovecot's own `doveadm`,
    /// which names the folder on disk as Dovecot does (modified UTF-7 for non-ASCII).
    pub fn deliver_to(&mut self, folder: &str, raw: &[u8]) {
        use std::io::Write as _;
        let config = self.dir.join("dovecot.conf");
        let doveadm = |args: &[&str]| {
            let mut command = Command::new("doveadm");
            command.arg("-c").arg(&config).args(args);
            command
        };
        let _ = doveadm(&["mailbox", "create", "-u", &self.user, folder]).output();
        let mut save = doveadm(&["save", "-u", &self.user, "-m", folder])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("doveadm runs (Dovecot: run scripts/test-deps)");
        save.stdin.take().unwrap().write_all(raw).unwrap();
        let out = save.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "doveadm save into {folder:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Deliver `raw` (an RFC 5322 message) into the INBOX, as a local delivery agent
    /// would: written under `tmp/`, then renamed into `new/`.
    pub fn deliver(&mut self, raw: &[u8]) {
        self.delivered += 1;
        let name = format!("{}.{}.test", std::process::id(), self.delivered);
        let tmp = self.maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).unwrap();
        }
        std::fs::rename(&tmp, self.maildir.join("new").join(&name)).unwrap();
    }

    /// Dovecot's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its login and mail processes.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn id_of(flag: &str, user: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, user])
        .output()
        .expect("id runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no user {user:?}; is Dovecot installed (scripts/test-deps)?"))
}

fn chown_all(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid, gid);
        }
    }
}
