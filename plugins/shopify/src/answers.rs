//! Buyers' answers by e-mail. When `mailbox_host` is set, each poll reads the support
//! mailbox (IMAP, read-only: flags stay as they were) after the UID the cursor remembers,
//! and every message that answers one the gateway sent from `support_email` (its
//! In-Reply-To or References names a `<hw.…@<support domain>>` Message-ID) becomes a
//! `buyer-message` event: the buyer's new text (the quoted history cut off), the sender,
//! the date it was written, its files as `data:` URLs, and `thread.parents`, so the gateway
//! adds it to the conversation of the case its reply belongs to. Other mail in the mailbox
//! (the seller's own threads, newsletters, spam) is left alone.
//!
//! The cursor is `mail:<UIDVALIDITY>:<UID>`; when the server renumbered the folder, reading
//! starts again from its first message and the business keys (`email:<Message-ID>`) drop
//! what was already stored.

use helloword_sdk::base64::Engine;
use helloword_sdk::base64::engine::general_purpose::STANDARD;
use helloword_sdk::connector::{PollResult, mail};
use helloword_sdk::mail::answer::Answer;
use helloword_sdk::mail::{self as sdk_mail, MailboxSettings};
use helloword_sdk::types::{ActionError, Customer, DedupeKey, IssueKind, TicketEvent};

use crate::email::{EmailSettings, MAIL, MAILBOX_PASSWORD};

/// The most bytes the files of one poll carry (below the plugin's `max_output_bytes`).
pub const PAGE_BUDGET: usize = 16 << 20;
/// Longest summary, in characters.
const SUMMARY_CHARS: usize = 200;

/// Reading the mailbox through the host's `mail` import (a trait so tests can stand in).
pub trait Mailbox {
    /// Messages of `folder` above `after_uid` (when `uid_validity` is the folder's; from
    /// its start otherwise), at most `limit`, oldest first.
    fn fetch(
        &self,
        server: &mail::Server,
        folder: &str,
        uid_validity: Option<u32>,
        after_uid: u32,
        limit: u32,
    ) -> Result<mail::Fetched, mail::MailError>;
    /// Whether the secret `name` has a value.
    fn has_secret(&self, name: &str) -> bool;
}

/// Where reading resumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// The folder's UIDVALIDITY when `uid` was read.
    pub validity: u32,
    /// The highest UID read.
    pub uid: u32,
}

impl Mark {
    /// The cursor's mark; `None` for no cursor or one this connector did not write.
    pub fn parse(cursor: Option<&str>) -> Option<Mark> {
        let rest = cursor?.strip_prefix("mail:")?;
        let (validity, uid) = rest.split_once(':')?;
        Some(Mark {
            validity: validity.parse().ok()?,
            uid: uid.parse().ok()?,
        })
    }

    fn cursor(self) -> String {
        format!("mail:{}:{}", self.validity, self.uid)
    }
}

/// One poll: the answers after `cursor`. Nothing to do when no mailbox is set up.
pub fn poll(
    mailbox: &dyn Mailbox,
    settings: &EmailSettings,
    cursor: Option<&str>,
) -> Result<PollResult, ActionError> {
    let (Some(config), Some(support)) = (&settings.mailbox, &settings.support_email) else {
        return Ok(PollResult {
            events: Vec::new(),
            next_cursor: cursor.map(str::to_string),
            more: false,
        });
    };
    if !mailbox.has_secret(MAILBOX_PASSWORD) {
        return Err(ActionError::Misconfigured(format!(
            "secret `{MAILBOX_PASSWORD}` has no value: give the gateway the password of \
             `mailbox_username` = {:?} on `mailbox_host` = {:?} (plugins/shopify/plugin.toml \
             grants it as an optional secret), or unset `mailbox_host`",
            config.username, config.host
        )));
    }
    let domain = support.rsplit_once('@').map_or("", |(_, d)| d);
    let mark = Mark::parse(cursor);
    let fetched = mailbox
        .fetch(
            &sdk_mail::imap_server(config, &MAIL),
            &config.folder,
            mark.map(|m| m.validity),
            mark.map_or(0, |m| m.uid),
            config.batch,
        )
        .map_err(|e| sdk_mail::fetch_error(e, config, &MAIL))?;
    let validity = fetched.uid_validity;
    let after = mark.filter(|m| m.validity == validity).map_or(0, |m| m.uid);
    let mut next = Mark {
        validity,
        uid: after,
    };
    let mut events = Vec::new();
    let mut more = fetched.more;
    let mut used = 0;
    // A server may answer `UID n:*` with the last message even when it is below n.
    for message in fetched.messages.iter().filter(|m| m.uid > after) {
        let answer = Answer::read(&message.raw).filter(|a| a.answers_gateway(domain));
        if let Some(answer) = answer {
            let size: usize = answer.files.iter().map(|f| f.data.len() * 4 / 3).sum();
            if used + size > PAGE_BUDGET && !events.is_empty() {
                more = true;
                break;
            }
            used += size;
            events.push(event(&answer, domain, config, validity, message.uid));
        }
        next.uid = next.uid.max(message.uid);
    }
    Ok(PollResult {
        events,
        next_cursor: Some(next.cursor()),
        more,
    })
}

/// The event of one answer.
fn event(
    answer: &Answer,
    domain: &str,
    config: &MailboxSettings,
    validity: u32,
    uid: u32,
) -> TicketEvent {
    let id = answer
        .message_id
        .clone()
        .unwrap_or_else(|| format!("<{validity}.{uid}@{}>", config.host));
    let subject = if answer.subject.is_empty() {
        String::new()
    } else {
        format!(": {}", answer.subject)
    };
    let summary: String = format!("E-mail answer from the buyer{subject}")
        .chars()
        .take(SUMMARY_CHARS)
        .collect();
    let dedupe = DedupeKey {
        delivery: Some(id.clone()),
        action: None,
        business: format!("email:{id}"),
    };
    let mut event = TicketEvent::new(IssueKind::BuyerMessage, domain.to_string(), summary, dedupe);
    event.customer = Some(Customer {
        id: None,
        name: answer.from_name.clone(),
        email: Some(answer.from.clone()),
        country: None,
        preferred_locale: None,
        vip: false,
    });
    event.occurred_at = answer.date;
    event.buyer_text = Some(answer.text.clone());
    let mut attributes = vec![
        ("channel".to_string(), "email".to_string()),
        ("message_id".to_string(), id.clone()),
        ("thread.parents".to_string(), answer.parents.join(" ")),
        ("reply.email".to_string(), answer.from.clone()),
        ("reply.message-id".to_string(), id),
        ("reply.subject".to_string(), answer.subject.clone()),
    ];
    for (n, file) in answer.files.iter().enumerate() {
        attributes.push((
            format!("attachment.{}.url", n + 1),
            format!(
                "data:{};base64,{}",
                file.content_type,
                STANDARD.encode(&file.data)
            ),
        ));
        attributes.push((format!("attachment.{}.name", n + 1), file.name.clone()));
    }
    if !answer.skipped.is_empty() {
        attributes.push(("attachments.skipped".into(), answer.skipped.join("; ")));
    }
    event.attributes = attributes;
    event
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::EmailSettings;

    struct Folder {
        validity: u32,
        messages: Vec<(u32, String)>,
    }

    impl Mailbox for Folder {
        fn fetch(
            &self,
            server: &mail::Server,
            folder: &str,
            uid_validity: Option<u32>,
            after_uid: u32,
            limit: u32,
        ) -> Result<mail::Fetched, mail::MailError> {
            assert_eq!(
                (server.password_secret.as_str(), folder),
                (MAILBOX_PASSWORD, "INBOX")
            );
            // As the import promises: another UIDVALIDITY starts from the first message.
            let after_uid = if uid_validity == Some(self.validity) {
                after_uid
            } else {
                0
            };
            let messages: Vec<mail::Message> = self
                .messages
                .iter()
                .filter(|(uid, _)| *uid > after_uid)
                .take(limit as usize)
                .map(|(uid, raw)| mail::Message {
                    uid: *uid,
                    size: raw.len() as u64,
                    raw: raw.clone().into_bytes(),
                })
                .collect();
            Ok(mail::Fetched {
                uid_validity: self.validity,
                messages,
                more: false,
            })
        }
        fn has_secret(&self, _: &str) -> bool {
            true
        }
    }

    fn settings() -> EmailSettings {
        let pairs = [
            ("mailbox_host", "imap.shop.example"),
            ("mailbox_username", "support@shop.example"),
            ("support_email", "support@shop.example"),
        ];
        EmailSettings::from_config(|k| {
            pairs
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    fn mail(id: &str, in_reply_to: &str, text: &str) -> String {
        format!(
            "From: Jon <jon@example.com>\r\nTo: support@shop.example\r\nSubject: Re: Your order \
             #9999\r\nMessage-ID: <{id}>\r\nIn-Reply-To: <{in_reply_to}>\r\nDate: Mon, 07 Dec \
             2026 09:30:00 +0000\r\n\r\n{text}\r\n\r\nOn Mon, Shop wrote:\r\n> earlier\r\n"
        )
    }

    #[test]
    fn answers_to_the_gateways_mail_become_buyer_messages_and_other_mail_is_left() {
        let folder = Folder {
            validity: 7,
            messages: vec![
                (
                    3,
                    mail(
                        "a1@example.com",
                        "hw.abc@shop.example",
                        "It arrived, thanks!",
                    ),
                ),
                (
                    4,
                    mail("n1@news.example", "x@news.example", "Our sale starts now"),
                ),
                (
                    5,
                    mail("a2@example.com", "hw.abc@other.example", "Wrong shop"),
                ),
            ],
        };
        let got = poll(&folder, &settings(), None).unwrap();
        assert_eq!(got.events.len(), 1, "{:?}", got.events);
        assert_eq!(got.next_cursor.as_deref(), Some("mail:7:5"));
        let event = &got.events[0];
        assert_eq!(event.kind, IssueKind::BuyerMessage);
        assert_eq!(event.buyer_text.as_deref(), Some("It arrived, thanks!"));
        assert_eq!(event.dedupe.business, "email:<a1@example.com>");
        let attribute = |name: &str| {
            event
                .attributes
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(attribute("thread.parents"), Some("<hw.abc@shop.example>"));
        assert_eq!(attribute("reply.email"), Some("jon@example.com"));
        assert_eq!(attribute("reply.message-id"), Some("<a1@example.com>"));
        assert_eq!(attribute("channel"), Some("email"));

        // The next poll starts after the cursor; a renumbered folder starts again.
        let again = poll(&folder, &settings(), got.next_cursor.as_deref()).unwrap();
        assert!(again.events.is_empty());
        let renumbered = Folder {
            validity: 8,
            ..folder
        };
        let fresh = poll(&renumbered, &settings(), Some("mail:7:5")).unwrap();
        assert_eq!(fresh.events.len(), 1);
        assert_eq!(fresh.next_cursor.as_deref(), Some("mail:8:5"));
    }

    #[test]
    fn without_a_mailbox_a_poll_reads_nothing_and_keeps_its_cursor() {
        let folder = Folder {
            validity: 1,
            messages: Vec::new(),
        };
        let got = poll(&folder, &EmailSettings::default(), Some("mail:1:9")).unwrap();
        assert!(got.events.is_empty());
        assert_eq!(got.next_cursor.as_deref(), Some("mail:1:9"));
    }
}
