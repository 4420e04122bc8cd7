//! Real mail servers for tests: an SMTP server process (Python's aiosmtpd, writing a
//! maildir) and an IMAP server (Dovecot, from Debian's `dovecot-imapd`), each on a free
//! loopback port in the test's own folder. `scripts/test-deps` installs both.

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
    }
}

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

    /// Every message accepted so far, as text.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
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

/// A Dovecot IMAP server with one account (`USER` / `PASSWORD`) whose INBOX is a maildir
/// the test delivers into.
pub struct Dovecot {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    /// The account's maildir.
    pub maildir: PathBuf,
    owner: Option<(u32, u32)>,
    delivered: u32,
}

impl Dovecot {
    pub const USER: &'static str = "seller@example.com";
    pub const PASSWORD: &'static str = "imap-test-password";

    /// Start Dovecot in `dir` (which it owns from now on).
    pub fn start(dir: &Path) -> Dovecot {
        let binary = Path::new("/usr/sbin/dovecot");
        assert!(
            binary.exists(),
            "Dovecot is not installed (/usr/sbin/dovecot); install the test servers with \
             scripts/test-deps"
        );
        std::fs::create_dir_all(dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        let port = super::free_port();
        let maildir = dir.join("mail").join(Self::USER);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        std::fs::create_dir_all(dir.join("run")).unwrap();
        std::fs::create_dir_all(dir.join("home")).unwrap();
        std::fs::write(
            dir.join("passwd"),
            format!("{}:{{PLAIN}}{}\n", Self::USER, Self::PASSWORD),
        )
        .unwrap();
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
            owner,
            delivered: 0,
        }
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
