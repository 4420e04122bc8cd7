//! The seller's mailbox and SMTP server through the host's `mail` import: the servers as the
//! settings describe them, one poll's read of the mailbox, and the import's errors as the
//! contract's `action-error`s, each naming the key or secret to fix.
//!
//! **Reading.** Each poll asks for the messages above the UID the cursor remembers (with
//! the folder's UIDVALIDITY; when the server renumbered the folder it starts again from the
//! first message, and the business keys drop what was already stored). The cursor moves to
//! the highest UID handed over. The events of one poll carry at most [`PAGE_BUDGET`] bytes
//! (attachments travel as `data:` URLs): when the next message would go beyond, the poll
//! stops before it and answers `more`, so the host polls again at once.
//!
//! **A message that cannot be read never stops the mailbox.** One the reader refuses becomes
//! a dead-letter ticket (`relay`). One whose reading kills the poll (a trap, a time-out: a
//! bug the fuzz targets have not found yet) would stop it for good, the cursor never moving
//! past it: so the UID being read is noted where the host keeps it across calls
//! ([`Mailbox::note_reading`]), and a poll that finds a note left by a poll that died sets
//! that message aside as a dead-letter ticket, unread.

use helloword_sdk::connector::mail;
use helloword_sdk::types::{ActionError, TicketEvent};

use crate::io::{Crypto, Mailbox};
use crate::relay::{self, Read};
use crate::settings::{MAIL, MAILBOX_PASSWORD, MailboxSettings, Settings, SmtpSettings};

/// The IMAP server of `mailbox`, logging in with the secret `amazon_mailbox_password`.
pub fn imap_server(mailbox: &MailboxSettings) -> mail::Server {
    helloword_sdk::mail::imap_server(mailbox, &MAIL)
}

/// The SMTP server of `smtp`, logging in with the secret `amazon_smtp_password`, else
/// `amazon_mailbox_password`; `misconfigured` when neither has a value.
pub fn smtp_server(smtp: &SmtpSettings, crypto: &dyn Crypto) -> Result<mail::Server, ActionError> {
    helloword_sdk::mail::smtp_server(smtp, &MAIL, &|name| crypto.has_secret(name))
}

/// A failed fetch as an action error naming what to fix.
pub fn fetch_error(error: mail::MailError, mailbox: &MailboxSettings) -> ActionError {
    helloword_sdk::mail::fetch_error(error, mailbox, &MAIL)
}

/// A failed send as an action error naming what to fix.
pub fn send_error(error: mail::MailError, server: &mail::Server, from: &str) -> ActionError {
    helloword_sdk::mail::send_error(error, server, from, &MAIL)
}

/// The most bytes the mail events of one poll carry (below the plugin's `max_output_bytes`,
/// leaving room for SQS and report events). One attachment of 10 MiB fits.
pub const PAGE_BUDGET: usize = 16 << 20;

/// Where reading the mailbox resumes: the folder's UIDVALIDITY and the highest UID read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailMark {
    /// The folder's UIDVALIDITY when `uid` was read.
    pub validity: u32,
    /// The highest UID read.
    pub uid: u32,
}

/// What one read of the mailbox produced.
#[derive(Debug)]
pub struct MailPage {
    /// Events to record.
    pub events: Vec<TicketEvent>,
    /// Where the next read resumes.
    pub mark: MailMark,
    /// More messages are waiting.
    pub more: bool,
    /// Messages that were no buyer message: (UID, reason), for the metrics and the log.
    pub ignored: Vec<(u32, &'static str)>,
}

/// Read the next messages of the mailbox after `mark` into events.
pub fn read(
    mailbox: &dyn Mailbox,
    crypto: &dyn Crypto,
    settings: &Settings,
    config: &MailboxSettings,
    mark: Option<MailMark>,
) -> Result<MailPage, ActionError> {
    if !crypto.has_secret(MAILBOX_PASSWORD) {
        return Err(ActionError::Misconfigured(format!(
            "secret `{MAILBOX_PASSWORD}` has no value: give the gateway the password of \
             `mailbox_username` = {:?} on `mailbox_host` = {:?} (plugins/amazon/plugin.toml \
             grants it as an optional secret), or unset `mailbox_host`",
            config.username, config.host
        )));
    }
    let fetched = mailbox
        .fetch(
            &imap_server(config),
            &config.folder,
            mark.map(|m| m.validity),
            mark.map_or(0, |m| m.uid),
            config.batch,
        )
        .map_err(|e| fetch_error(e, config))?;
    let validity = fetched.uid_validity;
    let after = mark.filter(|m| m.validity == validity).map_or(0, |m| m.uid);
    let mut page = MailPage {
        events: Vec::new(),
        mark: MailMark {
            validity,
            uid: after,
        },
        more: fetched.more,
        ignored: Vec::new(),
    };
    let mut used = 0;
    // A poll that died reading a message left its note: that message is set aside unread.
    let stopped = mailbox
        .noted_reading()
        .and_then(|note| {
            let (v, u) = note.split_once(':')?;
            Some((v.parse::<u32>().ok()?, u.parse::<u32>().ok()?))
        })
        .filter(|(v, u)| *v == validity && *u > after)
        .map(|(_, u)| u);
    // A server may answer `UID n:*` with the last message even when it is below n.
    for message in fetched.messages.iter().filter(|m| m.uid > after) {
        let read = if stopped == Some(message.uid) {
            relay::stopped_the_reader(message, validity, settings)
        } else {
            mailbox.note_reading(Some(&format!("{validity}:{}", message.uid)));
            relay::read(message, validity, settings, PAGE_BUDGET)
        };
        match read {
            Read::Event(event) => {
                let size = event_bytes(&event);
                if used + size > PAGE_BUDGET && !page.events.is_empty() {
                    page.more = true;
                    break;
                }
                used += size;
                page.events.push(*event);
            }
            Read::Ignored(reason) => page.ignored.push((message.uid, reason)),
        }
        page.mark.uid = page.mark.uid.max(message.uid);
    }
    mailbox.note_reading(None);
    Ok(page)
}

/// Roughly the bytes an event adds to the poll's answer.
fn event_bytes(event: &TicketEvent) -> usize {
    let attributes: usize = event
        .attributes
        .iter()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    1024 + event.summary.len() + event.buyer_text.as_ref().map_or(0, String::len) + attributes
}
