//! E-mail for connectors whose buyers write, or can only be answered, by e-mail: the
//! settings of a mailbox (IMAP) and an SMTP server as a connector's config describes them,
//! the host `mail` import's servers built from them, its errors as `action-error`s that name
//! the key or secret to fix, and reply subjects.
//!
//! Every connector names its keys the same way (`mailbox_host`, `mailbox_port`,
//! `mailbox_security`, `mailbox_username`, `mailbox_folder`, `mailbox_batch`, `smtp_host`,
//! `smtp_port`, `smtp_security`, `smtp_username`) and its own secrets ([`MailNames`]), so an
//! operator who set up one connector's mail knows the next one's.

use crate::connector::mail;
use crate::types::ActionError;

/// Reading a buyer's e-mail answer (feature `mail-reader`).
#[cfg(feature = "mail-reader")]
pub mod answer;

/// What a connector calls its mail secrets and where its config is set, for the messages
/// that tell the operator what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailNames {
    /// The plugin's id, as in `plugins/<id>/plugin.toml` and `[plugins.config.<id>]`.
    pub plugin: &'static str,
    /// The secret holding the mailbox's password (or OAuth token); also SMTP's when
    /// `smtp_password` has no value.
    pub mailbox_password: &'static str,
    /// The secret holding the SMTP password when it differs from the mailbox's.
    pub smtp_password: &'static str,
    /// The config key of the address replies come from.
    pub from_key: &'static str,
}

impl MailNames {
    /// "in [plugins.config.<id>] of the gateway config".
    pub fn place(&self) -> String {
        format!("in [plugins.config.{}] of the gateway config", self.plugin)
    }
}

/// How a mail connection is protected (`mailbox_security`, `smtp_security`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSecurity {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Tls,
    /// STARTTLS before the login (IMAP 143, SMTP 587).
    Starttls,
    /// No encryption; the host allows it only to loopback addresses.
    None,
}

impl From<MailSecurity> for mail::Security {
    fn from(security: MailSecurity) -> Self {
        match security {
            MailSecurity::Tls => mail::Security::Tls,
            MailSecurity::Starttls => mail::Security::Starttls,
            MailSecurity::None => mail::Security::None,
        }
    }
}

/// A mailbox read over IMAP, when `mailbox_host` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxSettings {
    /// `mailbox_host`: the IMAP server (it must be in `allowed_hosts` with its port).
    pub host: String,
    /// `mailbox_port` (default 993).
    pub port: u16,
    /// `mailbox_security` (default `tls`).
    pub security: MailSecurity,
    /// `mailbox_username`: the login.
    pub username: String,
    /// `mailbox_folder` (default `INBOX`).
    pub folder: String,
    /// `mailbox_batch`: messages read per poll, 1..=100 (default 20).
    pub batch: u32,
}

/// The SMTP server replies go out through, when `smtp_host` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// `smtp_host` (it must be in `allowed_hosts` with its port).
    pub host: String,
    /// `smtp_port` (default 587).
    pub port: u16,
    /// `smtp_security` (default `starttls`).
    pub security: MailSecurity,
    /// `smtp_username` (default: `mailbox_username`).
    pub username: String,
}

/// `mailbox_*` through `text` (a trimmed, non-empty config value): `None` when
/// `mailbox_host` is not set.
pub fn mailbox_settings(
    text: &dyn Fn(&str) -> Option<String>,
    names: &MailNames,
) -> Result<Option<MailboxSettings>, String> {
    let Some(host) = text("mailbox_host") else {
        return Ok(None);
    };
    let username = text("mailbox_username").ok_or_else(|| {
        format!(
            "config `mailbox_username` is not set: `mailbox_host` needs the login of the \
             mailbox (its password is the secret `{}`); set it {}",
            names.mailbox_password,
            names.place()
        )
    })?;
    let folder = text("mailbox_folder").unwrap_or_else(|| "INBOX".to_string());
    if folder.chars().any(char::is_control) {
        return Err(format!(
            "config `mailbox_folder` = {folder:?} contains a control character"
        ));
    }
    Ok(Some(MailboxSettings {
        host: mail_host("mailbox_host", host)?,
        port: mail_port(text, "mailbox_port", 993)?,
        security: mail_security(text, "mailbox_security", MailSecurity::Tls)?,
        username,
        folder,
        batch: match text("mailbox_batch") {
            None => 20,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    format!("config `mailbox_batch` = {v:?} is not a whole number from 1 to 100")
                })?,
        },
    }))
}

/// `smtp_*` through `text`: `None` when `smtp_host` is not set.
pub fn smtp_settings(
    text: &dyn Fn(&str) -> Option<String>,
    mailbox: Option<&MailboxSettings>,
    names: &MailNames,
) -> Result<Option<SmtpSettings>, String> {
    let Some(host) = text("smtp_host") else {
        return Ok(None);
    };
    let username = text("smtp_username")
        .or_else(|| mailbox.map(|m| m.username.clone()))
        .ok_or_else(|| {
            format!(
                "config `smtp_username` is not set (nor `mailbox_username`, its default): \
                 `smtp_host` needs a login; set it {}",
                names.place()
            )
        })?;
    Ok(Some(SmtpSettings {
        host: mail_host("smtp_host", host)?,
        port: mail_port(text, "smtp_port", 587)?,
        security: mail_security(text, "smtp_security", MailSecurity::Starttls)?,
        username,
    }))
}

/// Whether `text` looks like a bare e-mail address (`local@domain.tld`, no blanks, no
/// angle brackets, no line breaks).
pub fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

/// A mail server's host name: no scheme, port, path or blanks.
fn mail_host(key: &str, host: String) -> Result<String, String> {
    let valid = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
        && !host.contains("://")
        && host.matches(':').count() != 1;
    if valid {
        Ok(host)
    } else {
        Err(format!(
            "config `{key}` = {host:?} is not a host name such as imap.example.com (no \
             scheme, and the port goes in its own key)"
        ))
    }
}

fn mail_port(
    text: &dyn Fn(&str) -> Option<String>,
    key: &str,
    default: u16,
) -> Result<u16, String> {
    match text(key) {
        None => Ok(default),
        Some(v) => v
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("config `{key}` = {v:?} is not a TCP port from 1 to 65535")),
    }
}

fn mail_security(
    text: &dyn Fn(&str) -> Option<String>,
    key: &str,
    default: MailSecurity,
) -> Result<MailSecurity, String> {
    match text(key).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("tls" | "ssl") => Ok(MailSecurity::Tls),
        Some("starttls") => Ok(MailSecurity::Starttls),
        Some("none") => Ok(MailSecurity::None),
        Some(other) => Err(format!(
            "config `{key}` = {other:?} is not one of tls, starttls, none"
        )),
    }
}

/// The IMAP server of `mailbox`, logging in with the secret `names.mailbox_password`.
pub fn imap_server(mailbox: &MailboxSettings, names: &MailNames) -> mail::Server {
    mail::Server {
        host: mailbox.host.clone(),
        port: mailbox.port,
        security: mailbox.security.into(),
        username: mailbox.username.clone(),
        password_secret: names.mailbox_password.to_string(),
    }
}

/// The SMTP server of `smtp`, logging in with the secret `names.smtp_password`, else
/// `names.mailbox_password` (whichever `has_secret` says has a value); `misconfigured`
/// when neither has one.
pub fn smtp_server(
    smtp: &SmtpSettings,
    names: &MailNames,
    has_secret: &dyn Fn(&str) -> bool,
) -> Result<mail::Server, ActionError> {
    let secret = [names.smtp_password, names.mailbox_password]
        .into_iter()
        .find(|name| has_secret(name))
        .ok_or_else(|| {
            ActionError::Misconfigured(format!(
                "neither secret `{}` nor `{}` has a value: give the gateway the password of \
                 `smtp_username` = {:?} on `smtp_host` = {:?} (plugins/{}/plugin.toml grants \
                 both as optional secrets)",
                names.smtp_password, names.mailbox_password, smtp.username, smtp.host, names.plugin
            ))
        })?;
    Ok(mail::Server {
        host: smtp.host.clone(),
        port: smtp.port,
        security: smtp.security.into(),
        username: smtp.username.clone(),
        password_secret: secret.to_string(),
    })
}

/// A failed fetch as an action error naming what to fix.
pub fn fetch_error(
    error: mail::MailError,
    mailbox: &MailboxSettings,
    names: &MailNames,
) -> ActionError {
    let server = format!("{}:{}", mailbox.host, mailbox.port);
    let secret = names.mailbox_password;
    match error {
        mail::MailError::Timeout => ActionError::Transient(format!(
            "the mailbox {server} did not answer within the plugin's http_timeout_ms"
        )),
        mail::MailError::Connection(m) => {
            ActionError::Transient(format!("could not read the mailbox {server}: {m}"))
        }
        mail::MailError::AuthFailed(m) => ActionError::Misconfigured(format!(
            "the mailbox {server} refused the login of `mailbox_username` = {:?} with the \
             password in secret `{secret}`: {m}",
            mailbox.username
        )),
        mail::MailError::HostNotGranted(m) => {
            ActionError::Misconfigured(format!("config `mailbox_host`: {m}"))
        }
        mail::MailError::InvalidRequest(m) => ActionError::Misconfigured(format!(
            "the host refused to read the mailbox {server} ({m}); check `mailbox_host`, \
             `mailbox_security`, `mailbox_folder` and secret `{secret}`"
        )),
        mail::MailError::Rejected(m) => ActionError::Misconfigured(format!(
            "the mailbox {server} refused to read `mailbox_folder` = {:?}: {m}",
            mailbox.folder
        )),
    }
}

/// A failed send as an action error naming what to fix.
pub fn send_error(
    error: mail::MailError,
    server: &mail::Server,
    from: &str,
    names: &MailNames,
) -> ActionError {
    let at = format!("{}:{}", server.host, server.port);
    match error {
        mail::MailError::Timeout => ActionError::Transient(format!(
            "the SMTP server {at} did not answer within the plugin's http_timeout_ms"
        )),
        mail::MailError::Connection(m) => {
            ActionError::Transient(format!("could not reach the SMTP server {at}: {m}"))
        }
        mail::MailError::AuthFailed(m) => ActionError::Misconfigured(format!(
            "the SMTP server {at} refused the login of `smtp_username` = {:?} with the \
             password in secret `{}`: {m}",
            server.username, server.password_secret
        )),
        mail::MailError::HostNotGranted(m) => {
            ActionError::Misconfigured(format!("config `smtp_host`: {m}"))
        }
        mail::MailError::InvalidRequest(m) => ActionError::Misconfigured(format!(
            "the host refused to send through {at} ({m}); check `smtp_host`, `smtp_security`, \
             `{}` and secret `{}`",
            names.from_key, server.password_secret
        )),
        mail::MailError::Rejected(m) => ActionError::Permanent(format!(
            "the SMTP server {at} refused the reply from `{}` = {from:?}: {m}",
            names.from_key
        )),
    }
}

/// Reply prefixes mail programs put before a subject (`Re`, German `AW`, Swedish `SV`, …).
const REPLY_PREFIXES: [&str; 11] = [
    "re", "aw", "sv", "antw", "antwort", "r", "rif", "res", "odp", "ynt", "vs",
];

/// The subject without its reply prefixes (`RE: Re[2]: AW: x` → `x`).
pub fn strip_reply_prefixes(subject: &str) -> &str {
    let mut rest = subject.trim();
    while let Some((head, tail)) = rest.split_once(':') {
        let head = head.trim();
        let word = head
            .split_once(['[', '('])
            .map_or(head, |(word, _)| word)
            .trim();
        if !REPLY_PREFIXES.iter().any(|p| p.eq_ignore_ascii_case(word)) {
            break;
        }
        rest = tail.trim_start();
    }
    rest
}

/// `subject` on one line: control characters (a line break would start a header) become
/// blanks.
pub fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: MailNames = MailNames {
        plugin: "demo",
        mailbox_password: "demo_mailbox_password",
        smtp_password: "demo_smtp_password",
        from_key: "support_email",
    };

    fn text<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn smtp_defaults_to_starttls_on_587_with_the_mailbox_login() {
        let pairs = [
            ("mailbox_host", "imap.example.com"),
            ("mailbox_username", "support@example.com"),
            ("smtp_host", "smtp.example.com"),
        ];
        let text = text(&pairs);
        let mailbox = mailbox_settings(&text, &NAMES).unwrap().unwrap();
        assert_eq!((mailbox.port, mailbox.security), (993, MailSecurity::Tls));
        let smtp = smtp_settings(&text, Some(&mailbox), &NAMES)
            .unwrap()
            .unwrap();
        assert_eq!(
            (smtp.port, smtp.security, smtp.username.as_str()),
            (587, MailSecurity::Starttls, "support@example.com")
        );
    }

    #[test]
    fn a_missing_login_names_the_key_the_secret_and_where_to_set_it() {
        let pairs = [("mailbox_host", "imap.example.com")];
        let error = mailbox_settings(&text(&pairs), &NAMES).unwrap_err();
        assert!(error.contains("`mailbox_username`"), "{error}");
        assert!(error.contains("demo_mailbox_password"), "{error}");
        assert!(error.contains("[plugins.config.demo]"), "{error}");
    }

    #[test]
    fn a_host_with_a_scheme_or_port_is_refused() {
        for host in ["imaps://imap.example.com", "imap.example.com:993"] {
            let pairs = [("mailbox_host", host), ("mailbox_username", "u")];
            let error = mailbox_settings(&text(&pairs), &NAMES).unwrap_err();
            assert!(error.contains("`mailbox_host`"), "{error}");
        }
    }

    #[test]
    fn smtp_logs_in_with_its_own_secret_else_the_mailboxs() {
        let smtp = SmtpSettings {
            host: "smtp.example.com".into(),
            port: 587,
            security: MailSecurity::Starttls,
            username: "u".into(),
        };
        let own = smtp_server(&smtp, &NAMES, &|_| true).unwrap();
        assert_eq!(own.password_secret, "demo_smtp_password");
        let shared = smtp_server(&smtp, &NAMES, &|s| s == "demo_mailbox_password").unwrap();
        assert_eq!(shared.password_secret, "demo_mailbox_password");
        let ActionError::Misconfigured(m) = smtp_server(&smtp, &NAMES, &|_| false).unwrap_err()
        else {
            panic!("no secret is a configuration error");
        };
        assert!(m.contains("plugins/demo/plugin.toml"), "{m}");
    }

    #[test]
    fn reply_prefixes_in_many_languages_are_stripped() {
        assert_eq!(strip_reply_prefixes("RE: Re[2]: AW: Sv: parcel"), "parcel");
        assert_eq!(strip_reply_prefixes("Order: 123"), "Order: 123");
        assert_eq!(one_line("a\r\nBcc: x"), "a  Bcc: x");
    }

    #[test]
    fn addresses_are_bare_addresses() {
        assert!(is_address("support@example.com"));
        for bad in ["support", "a@b", "A <a@b.com>", "a@b.com,c@d.com", "a@.com"] {
            assert!(!is_address(bad), "{bad}");
        }
    }
}
