//! `helloword:gateway/mail`: a seller's mailbox read over IMAP ([`super::imap`]) and mail
//! sent over SMTP (lettre), only to servers granted in the plugin's `allowed_hosts`, with
//! the password (or OAuth token, sent as XOAUTH2) resolved from a named secret in the host,
//! within the plugin's `http_timeout_ms`; message bodies are capped at its
//! `max_http_response_bytes`. Sent mail carries `MIME-Version` and a Message-ID derived from
//! its content ([`message_id`]), so an action's resend is the same message to the recipient.

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest as _, Sha256};

use super::http::{SecretFailure, secret_value};
use super::imap::{self, Failure, Login};
use crate::bindings::mail::{Fetched, Host, MailError, Message, Outgoing, Security, Server};
use crate::state::{CallState, Grants};

impl Host for CallState {
    async fn fetch(
        &mut self,
        server: Server,
        folder: String,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> wasmtime::Result<Result<Fetched, MailError>> {
        self.host.count_call()?;
        let grants = self.host.grants.clone();
        let timeout = grants.limits.http_timeout;
        let work = fetch(&grants, server, folder, uid_validity, after_uid, limit);
        Ok(tokio::time::timeout(timeout, work)
            .await
            .unwrap_or(Err(MailError::Timeout)))
    }

    async fn send(
        &mut self,
        server: Server,
        message: Outgoing,
    ) -> wasmtime::Result<Result<String, MailError>> {
        self.host.count_call()?;
        let grants = self.host.grants.clone();
        let timeout = grants.limits.http_timeout;
        Ok(
            tokio::time::timeout(timeout, send(&grants, server, message))
                .await
                .unwrap_or(Err(MailError::Timeout)),
        )
    }
}

/// The most messages one fetch returns.
const MAX_BATCH: u32 = 100;

async fn fetch(
    grants: &Grants,
    server: Server,
    folder: String,
    uid_validity: Option<u32>,
    after_uid: u32,
    limit: u32,
) -> Result<Fetched, MailError> {
    if server.password_secret.is_empty() {
        return Err(MailError::InvalidRequest(
            "reading a mailbox needs a login: name the password's secret".into(),
        ));
    }
    let (password, oauth) = check(grants, &server).await?;
    let login = if oauth {
        Login::XOAuth2(&server.username, &password)
    } else {
        Login::Password(&server.username, &password)
    };
    let security = match server.security {
        Security::Tls => imap::Security::Tls,
        Security::Starttls => imap::Security::StartTls,
        Security::None => imap::Security::None,
    };
    let max_message = grants.limits.max_http_response_bytes;
    let mut session = imap::Session::open(&server.host, server.port, security, login, max_message)
        .await
        .map_err(failure)?;
    let limit = limit.clamp(1, MAX_BATCH);
    let found = imap::fetch(
        &mut session,
        &folder,
        uid_validity,
        after_uid,
        limit,
        max_message,
    )
    .await;
    session.logout().await;
    let (uid_validity, messages, more) = found.map_err(failure)?;
    Ok(Fetched {
        uid_validity,
        messages: messages
            .into_iter()
            .map(|m| Message {
                uid: m.uid,
                size: m.size,
                raw: m.raw,
            })
            .collect(),
        more,
    })
}

async fn send(grants: &Grants, server: Server, message: Outgoing) -> Result<String, MailError> {
    // No secret: a relay that takes mail without a login (a local MTA).
    let (password, oauth) = if server.password_secret.is_empty() {
        check_host(grants, &server)?;
        (None, false)
    } else {
        let (password, oauth) = check(grants, &server).await?;
        (Some(password), oauth)
    };
    let invalid =
        |what: &str, e: &dyn std::fmt::Display| MailError::InvalidRequest(format!("{what}: {e}"));
    let from: Mailbox = message
        .from
        .parse()
        .map_err(|e| invalid(&format!("sender {:?}", message.from), &e))?;
    if message.to.is_empty() {
        return Err(MailError::InvalidRequest(
            "a message needs a recipient".into(),
        ));
    }
    let id = message_id(&message, from.email.domain());
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(message.subject.clone())
        .message_id(Some(id.clone()));
    for to in &message.to {
        let to: Mailbox = to
            .parse()
            .map_err(|e| invalid(&format!("recipient {to:?}"), &e))?;
        builder = builder.to(to);
    }
    if let Some(parent) = &message.in_reply_to {
        builder = builder
            .in_reply_to(parent.clone())
            .references(parent.clone());
    }
    // `singlepart` and `multipart` write MIME-Version.
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(message.text.clone());
    let built = if message.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for file in &message.attachments {
            let kind = ContentType::parse(&file.content_type).map_err(|e| {
                invalid(
                    &format!("content type {:?} of {:?}", file.content_type, file.name),
                    &e,
                )
            })?;
            parts = parts
                .singlepart(MimeAttachment::new(file.name.clone()).body(file.data.clone(), kind));
        }
        builder.multipart(parts)
    }
    .map_err(|e| invalid("message", &e))?;

    let relay = match server.security {
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&server.host),
        Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&server.host),
        Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            server.host.clone(),
        )),
    }
    .map_err(|e| MailError::Connection(format!("{}: {e}", server.host)))?;
    let mut relay = relay
        .port(server.port)
        .timeout(Some(grants.limits.http_timeout));
    if let Some(password) = password {
        relay = relay.credentials(Credentials::new(
            server.username.clone(),
            String::from_utf8_lossy(&password).into_owned(),
        ));
    }
    if oauth {
        relay = relay.authentication(vec![Mechanism::Xoauth2]);
    }
    let transport = relay.build();
    match transport.send(built).await {
        Ok(_) => Ok(id),
        Err(e) if e.is_permanent() => {
            let text = e.to_string();
            if text.contains("535") || text.to_ascii_lowercase().contains("auth") {
                Err(MailError::AuthFailed(text))
            } else {
                Err(MailError::Rejected(text))
            }
        }
        Err(e) => Err(MailError::Connection(e.to_string())),
    }
}

/// Check the server against the grants and resolve its password: (bytes, is an OAuth token).
async fn check(grants: &Grants, server: &Server) -> Result<(Vec<u8>, bool), MailError> {
    check_host(grants, server)?;
    secret_value(grants, &server.password_secret)
        .await
        .map_err(|e| match e {
            SecretFailure::Invalid(m) => MailError::InvalidRequest(m),
            SecretFailure::Unavailable(m) => MailError::Connection(m),
        })
}

/// Whether the plugin may reach `server`, and how.
fn check_host(grants: &Grants, server: &Server) -> Result<(), MailError> {
    if server.host.is_empty() {
        return Err(MailError::InvalidRequest(
            "the mail server has no host".into(),
        ));
    }
    if !grants
        .allowed_hosts
        .iter()
        .any(|p| p.allows(&server.host, server.port))
    {
        let wanted = format!("{}:{}", server.host, server.port);
        return Err(MailError::HostNotGranted(grants.host_not_granted(&wanted)));
    }
    if server.security == Security::None && !is_loopback(&server.host) {
        return Err(MailError::InvalidRequest(format!(
            "security `none` sends the password in clear text and is allowed only to \
             loopback addresses, not {}; use `tls` or `starttls`",
            server.host
        )));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn failure(f: Failure) -> MailError {
    match f {
        Failure::Auth(m) => MailError::AuthFailed(m),
        Failure::Rejected(m) => MailError::Rejected(m),
        Failure::Connection(m) => MailError::Connection(m),
    }
}

/// The Message-ID of `message`: a digest of everything that makes it this message (sender,
/// recipients, subject, text, the message it answers, attachments) at the sender's domain.
///
/// A connector builds an action's mail from the action alone, so every attempt at the action
/// — a resend after an answer that was lost — carries the same id, and the recipient's mail
/// system keeps one copy. The id is not drawn from the action's idempotency key because the
/// import is not told which action a call serves; the content is a function of that key.
fn message_id(message: &Outgoing, domain: &str) -> String {
    let mut digest = Sha256::new();
    // Each field with its length before it, so no two different messages run together alike.
    let mut field = |bytes: &[u8]| {
        digest.update((bytes.len() as u64).to_be_bytes());
        digest.update(bytes);
    };
    field(message.from.as_bytes());
    for to in &message.to {
        field(to.as_bytes());
    }
    field(message.subject.as_bytes());
    field(message.text.as_bytes());
    field(
        message
            .in_reply_to
            .as_deref()
            .unwrap_or_default()
            .as_bytes(),
    );
    for file in &message.attachments {
        field(file.name.as_bytes());
        field(file.content_type.as_bytes());
        field(&file.data);
    }
    format!("<hw.{}@{domain}>", hex::encode(&digest.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("[::1]"));
        assert!(is_loopback("localhost"));
        assert!(!is_loopback("imap.example.com"));
        assert!(!is_loopback("10.0.0.1"));
    }

    fn reply(text: &str) -> Outgoing {
        Outgoing {
            from: "seller@example.com".into(),
            to: vec!["buyer+abc@marketplace.amazon.com".into()],
            subject: "Re: Your order".into(),
            text: text.into(),
            in_reply_to: Some("<relay-1@marketplace.amazon.com>".into()),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn a_resent_message_carries_the_message_id_of_its_first_attempt() {
        let first = message_id(&reply("It arrives on Monday."), "example.com");
        assert_eq!(
            first,
            message_id(&reply("It arrives on Monday."), "example.com")
        );
        assert!(
            first.starts_with("<hw.") && first.ends_with("@example.com>") && first.len() == 49,
            "{first}"
        );
        assert_ne!(
            first,
            message_id(&reply("It arrives on Tuesday."), "example.com")
        );
        // Fields do not run into each other: moving text between them changes the id.
        let mut moved = reply("Monday.");
        moved.subject = "Re: Your orderIt arrives on ".into();
        assert_ne!(first, message_id(&moved, "example.com"));
    }
}
