//! Buyer messages that Amazon relays by e-mail, read from the seller's mailbox and turned
//! into `buyer-message` events.
//!
//! **What a relayed message looks like.** Amazon's Buyer-Seller Messaging gives every buyer
//! an anonymized alias per seller ("a unique, anonymized email alias to each buyer … the
//! same for all future contact with the same buyer": Seller Central help, *Buyer-Seller
//! Messages FAQ*, `sellercentral.amazon.com/help/hub/reference/external/G200383320`) at
//! `marketplace.amazon.<store domain>`, and the seller may answer that alias from the
//! e-mail address registered in Seller Central ("using your authorized email account":
//! Seller Central help 200389080). Attachments of up to 10 MB go both ways (same page).
//! Amazon publishes no sample message; the layout below is how relayed messages quoted in
//! public code and support threads look, and every part of it is optional here:
//!
//! ```text
//! From: "Jane Doe - Amazon Marketplace" <q8x1z2v7m4k9p3t@marketplace.amazon.com>
//! Subject: Item damaged (Order: 113-1234567-1234567)
//!
//! Order ID 113-1234567-1234567:
//! 1 of Ceramic mug, blue [ASIN: B0EXAMPLE1]
//!
//! ------------- Begin message -------------
//!
//! <what the buyer wrote>
//!
//! ------------- End message -------------
//!
//! For Your Information: To help arbitrate disputes and preserve trust and safety, we
//! retain all messages buyers and sellers send through Amazon.com for two years. …
//! ```
//!
//! The buyer's text is what lies between the first two marker lines (a line of at least
//! five dashes, words, and five dashes, so localized markers count too); with one marker,
//! what lies after a begin marker or before an end marker; without markers, the whole body.
//! A quoted earlier message (`--- Original message ---` and its translations) is cut off.
//! The order id (`ddd-ddddddd-ddddddd`) comes from the subject, else the body.
//!
//! Messages from other senders (Amazon's own notices, copies of the seller's own messages,
//! anything else in the mailbox) give no event; [`read`] names why, for the metrics.

use helloword_sdk::base64::Engine;
use helloword_sdk::base64::engine::general_purpose::STANDARD;
use helloword_sdk::connector::mail;
use helloword_sdk::types::{Customer, DedupeKey, IssueKind, Order, TicketEvent, Timestamp};

use crate::market;
use crate::mime::Mail;
use crate::settings::Settings;

/// Files larger than this are not kept (Amazon's own limit is 10 MB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 << 20;
/// At most this many files of one message are kept.
pub const MAX_ATTACHMENTS: usize = 10;
/// Longest summary, in characters.
const SUMMARY_CHARS: usize = 200;
/// Local parts Amazon sends its own notices from, at marketplace or store domains.
const NOTICE_SENDERS: [&str; 8] = [
    "donotreply",
    "do-not-reply",
    "no-reply",
    "noreply",
    "notification",
    "notifications",
    "seller-notification",
    "seller-notifications",
];

/// What one stored message came to.
#[derive(Debug)]
pub enum Read {
    /// An event for the ticket engine.
    Event(Box<TicketEvent>),
    /// Not a buyer message; the reason, a metric label (`amazon-notice`, `not-from-amazon`,
    /// `seller-copy`, `empty`).
    Ignored(&'static str),
}

/// Who sent a message, judged by its `From` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A buyer's relay alias at `marketplace.amazon.<store>`; the store's marketplace id.
    Buyer(&'static str),
    /// Amazon itself (a notice, a bounce).
    Amazon,
    /// Anyone else.
    Other,
}

/// Judge `address` (a bare address, any case).
pub fn sender(address: &str) -> Sender {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Sender::Other;
    };
    let domain = domain.to_ascii_lowercase();
    let local = local.to_ascii_lowercase();
    if let Some(store) = domain.strip_prefix("marketplace.amazon.")
        && let Some(marketplace) = market::by_domain(store)
    {
        if NOTICE_SENDERS.contains(&local.as_str()) {
            return Sender::Amazon;
        }
        return Sender::Buyer(marketplace);
    }
    let amazon = domain
        .split_once("amazon.")
        .filter(|(before, _)| before.is_empty() || before.ends_with('.'))
        .is_some_and(|(_, store)| market::by_domain(store).is_some());
    if amazon {
        Sender::Amazon
    } else {
        Sender::Other
    }
}

/// Whether `address` is a buyer's relay alias.
pub fn is_relay_address(address: &str) -> bool {
    matches!(sender(address), Sender::Buyer(_))
}

/// Read one stored message of the folder whose UIDVALIDITY is `validity`. Attachments are
/// kept while their `data:` URLs fit in `budget` bytes.
pub fn read(message: &mail::Message, validity: u32, settings: &Settings, budget: usize) -> Read {
    if message.raw.is_empty() {
        if message.size == 0 {
            return Read::Ignored("empty");
        }
        return Read::Event(Box::new(too_large(settings, validity, message)));
    }
    let mail = match Mail::parse(&message.raw) {
        Ok(mail) => mail,
        Err(why) => return Read::Event(Box::new(dead_letter(settings, validity, message, &why))),
    };
    let Some((address, display)) = mail.header("from").and_then(parse_address) else {
        return Read::Ignored("not-from-amazon");
    };
    let marketplace = match sender(&address) {
        Sender::Buyer(marketplace) => marketplace,
        Sender::Amazon => return Read::Ignored("amazon-notice"),
        Sender::Other => return Read::Ignored("not-from-amazon"),
    };
    let body = mail.body_text().unwrap_or_default();
    let subject = mail.decoded_header("subject").unwrap_or_default();
    if is_seller_copy(&subject, &body) {
        return Read::Ignored("seller-copy");
    }
    let relayed = Relayed {
        address,
        name: display.as_deref().and_then(buyer_name),
        order: order_id(&subject)
            .or_else(|| order_id(&body))
            .or_else(|| mail.html.as_deref().and_then(order_id)),
        text: buyer_text(&body),
        date: mail.header("date").and_then(parse_date),
        message_id: mail
            .header("message-id")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty()),
        subject,
        marketplace,
    };
    Read::Event(Box::new(relayed.event(
        settings,
        validity,
        message.uid,
        &mail,
        budget,
    )))
}

/// What a relayed message says.
struct Relayed {
    address: String,
    name: Option<String>,
    order: Option<String>,
    text: Option<String>,
    date: Option<Timestamp>,
    message_id: Option<String>,
    subject: String,
    marketplace: &'static str,
}

impl Relayed {
    fn event(
        self,
        settings: &Settings,
        validity: u32,
        uid: u32,
        mail: &Mail,
        budget: usize,
    ) -> TicketEvent {
        let files = keep_attachments(mail, budget);
        let business = match &self.message_id {
            Some(id) => format!("message:{id}"),
            None => format!("mail:{validity}:{uid}"),
        };
        let mut e = TicketEvent::new(
            IssueKind::BuyerMessage,
            settings.shop(None),
            self.summary(&files),
            DedupeKey {
                delivery: self.message_id.clone(),
                action: None,
                business,
            },
        );
        e.case_id = Some(format!(
            "message:{}",
            self.order.as_deref().unwrap_or(self.address.as_str())
        ));
        e.order = self.order.clone().map(|id| Order {
            id,
            display_name: None,
            placed_at: None,
            total: None,
            line_items: Vec::new(),
        });
        e.customer = Some(Customer {
            id: self.address.split('@').next().map(str::to_string),
            name: self.name.clone(),
            email: Some(self.address.clone()),
            country: market::country(self.marketplace).map(str::to_string),
            preferred_locale: market::language(self.marketplace).map(str::to_string),
            vip: false,
        });
        // No `platform-deadline`: Amazon's 24-hour answer rule is the host's marketplace
        // rule, counted from the message's arrival.
        e.occurred_at = self.date;
        e.buyer_text = self.text.clone();
        e.attributes = self.attributes(validity, uid, files);
        e
    }

    fn summary(&self, files: &Files) -> String {
        let subject = one_line(&self.subject);
        let head = match (&self.order, subject.is_empty()) {
            (Some(order), false) => format!("Buyer message about order {order}: {subject}"),
            (Some(order), true) => format!("Buyer message about order {order}"),
            (None, false) => format!("Buyer message: {subject}"),
            (None, true) => "Buyer message".to_string(),
        };
        let mut summary = truncate(&head, SUMMARY_CHARS);
        if !files.skipped.is_empty() {
            let note = format!("; files not kept: {}", files.skipped.join(", "));
            summary.push_str(&truncate(&note, SUMMARY_CHARS));
        }
        summary
    }

    fn attributes(&self, validity: u32, uid: u32, files: Files) -> Vec<(String, String)> {
        let mut attributes = vec![("reply.to".to_string(), self.address.clone())];
        if let Some(id) = &self.message_id {
            attributes.push(("reply.message-id".into(), id.clone()));
        }
        attributes.push(("reply.subject".into(), self.subject.clone()));
        attributes.push(("mail.uid".into(), uid.to_string()));
        attributes.push(("mail.uid-validity".into(), validity.to_string()));
        for (n, (name, url)) in files.kept.into_iter().enumerate() {
            attributes.push((format!("attachment.{}.url", n + 1), url));
            attributes.push((format!("attachment.{}.name", n + 1), name));
        }
        if !files.skipped.is_empty() {
            attributes.push(("attachments.skipped".into(), files.skipped.join("; ")));
        }
        attributes
    }
}

/// The files of a message: kept ones as (name, `data:` URL), and notes on skipped ones.
#[derive(Debug, Default)]
struct Files {
    kept: Vec<(String, String)>,
    skipped: Vec<String>,
}

fn keep_attachments(mail: &Mail, budget: usize) -> Files {
    let mut files = Files::default();
    let mut used = 0;
    for file in &mail.attachments {
        let encoded = file.data.len().div_ceil(3) * 4 + file.content_type.len() + 13;
        let why = if file.data.is_empty() {
            continue;
        } else if file.data.len() > MAX_ATTACHMENT_BYTES {
            format!(
                "{} ({}, over 10 MiB)",
                file.name,
                size_text(file.data.len())
            )
        } else if files.kept.len() == MAX_ATTACHMENTS {
            format!("{} (more than {MAX_ATTACHMENTS} files)", file.name)
        } else if used + encoded > budget {
            format!(
                "{} ({}, over the size one poll can carry)",
                file.name,
                size_text(file.data.len())
            )
        } else {
            used += encoded;
            let url = format!(
                "data:{};base64,{}",
                data_url_type(&file.content_type),
                STANDARD.encode(&file.data)
            );
            files.kept.push((file.name.clone(), url));
            continue;
        };
        files.skipped.push(why);
    }
    files
}

/// A MIME type safe for a `data:` URL (`type/subtype` of token characters), else
/// `application/octet-stream`.
fn data_url_type(content_type: &str) -> &str {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    match content_type.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => content_type,
        _ => "application/octet-stream",
    }
}

/// `12.5 MiB`, `340 KiB`, `12 bytes`.
fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// The event for a message too large for the host to hand over.
fn too_large(settings: &Settings, validity: u32, message: &mail::Message) -> TicketEvent {
    let folder = settings
        .mailbox
        .as_ref()
        .map_or("INBOX", |m| m.folder.as_str());
    let key = format!("mail:{validity}:{}", message.uid);
    let mut e = TicketEvent::new(
        IssueKind::Other,
        settings.shop(None),
        format!(
            "A message of {} bytes in mailbox folder {folder} (UID {}) was too large to read; \
             open it in the mailbox",
            message.size, message.uid
        ),
        DedupeKey::business(key.clone()),
    );
    e.case_id = Some(key);
    e.attributes = vec![
        ("mail.uid".into(), message.uid.to_string()),
        ("mail.uid-validity".into(), validity.to_string()),
        ("mail.size".into(), message.size.to_string()),
        ("mail.folder".into(), folder.to_string()),
    ];
    e
}

/// The dead-letter event for a message whose reading stopped an earlier poll: set aside
/// unread (its headers only are looked at).
pub fn stopped_the_reader(message: &mail::Message, validity: u32, settings: &Settings) -> Read {
    let why = crate::mime::Unreadable::StoppedTheReader;
    Read::Event(Box::new(dead_letter(settings, validity, message, &why)))
}

/// The dead-letter event for a message the reader cannot read (see
/// [`crate::mime::Unreadable`]): a ticket that names it, so the agent opens it in the
/// mailbox, while the cursor moves on to the next message.
fn dead_letter(
    settings: &Settings,
    validity: u32,
    message: &mail::Message,
    why: &crate::mime::Unreadable,
) -> TicketEvent {
    let folder = settings
        .mailbox
        .as_ref()
        .map_or("INBOX", |m| m.folder.as_str());
    let key = format!("dead-letter:mail:{validity}:{}", message.uid);
    let head = Mail::headers_only(&message.raw);
    let from = head.decoded_header("from").unwrap_or_default();
    let subject = head.decoded_header("subject").unwrap_or_default();
    let mut e = TicketEvent::new(
        IssueKind::Other,
        settings.shop(None),
        format!(
            "A message in mailbox folder {folder} (UID {}) could not be read ({why}); open it \
             in the mailbox",
            message.uid
        ),
        DedupeKey::business(key.clone()),
    );
    e.case_id = Some(key);
    e.status = Some("dead-letter".into());
    e.attributes = vec![
        ("dead_letter".into(), "true".into()),
        ("error".into(), why.to_string()),
        ("mail.uid".into(), message.uid.to_string()),
        ("mail.uid-validity".into(), validity.to_string()),
        ("mail.size".into(), message.size.to_string()),
        ("mail.folder".into(), folder.to_string()),
        (
            "mail.from".into(),
            truncate(&one_line(&from), SUMMARY_CHARS),
        ),
        (
            "mail.subject".into(),
            truncate(&one_line(&subject), SUMMARY_CHARS),
        ),
    ];
    e
}

/// Amazon's copy of a message the seller sent ("Here is a copy of the e-mail that you sent
/// to …").
fn is_seller_copy(subject: &str, body: &str) -> bool {
    let copy = "here is a copy of the e-mail that you sent";
    let start: String = body.trim_start().chars().take(200).collect();
    subject.to_lowercase().contains(copy) || start.to_lowercase().contains(copy)
}

/// The address and display name of a `From` value: `"Name" <a@b>`, `Name <a@b>`, `a@b`,
/// `a@b (Name)`. The first mailbox of a list.
pub fn parse_address(value: &str) -> Option<(String, Option<String>)> {
    if let Some(open) = value.rfind('<') {
        let rest = &value[open + 1..];
        let address = rest[..rest.find('>')?].trim().to_string();
        let display = crate::mime::decode_words(unquote(value[..open].trim()).trim())
            .trim()
            .to_string();
        return crate::settings::is_address(&address)
            .then(|| (address, Some(display).filter(|d| !d.is_empty())));
    }
    let first = value.split(',').next().unwrap_or_default();
    let (address, comment) = match first.split_once('(') {
        Some((address, comment)) => (address, Some(comment.trim_end_matches(')').trim())),
        None => (first, None),
    };
    let address = address.trim().to_string();
    crate::settings::is_address(&address).then(|| {
        let comment = comment.map(crate::mime::decode_words);
        (address, comment.filter(|c| !c.is_empty()))
    })
}

fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_string(),
    }
}

/// The buyer's name from a relay display name: without Amazon's ` - Amazon Marketplace`.
fn buyer_name(display: &str) -> Option<String> {
    let trimmed = display.trim();
    let lower = trimmed.to_ascii_lowercase();
    let name = match lower.rfind("amazon marketplace") {
        Some(at) if at + "amazon marketplace".len() == lower.len() => trimmed[..at]
            .trim_end()
            .trim_end_matches(['-', '–', '|'])
            .trim(),
        _ => trimmed,
    };
    (!name.is_empty()).then(|| name.to_string())
}

/// The first Amazon order id (`ddd-ddddddd-ddddddd`, not inside a longer number) in `text`.
pub fn order_id(text: &str) -> Option<String> {
    const SHAPE: &[u8] = b"ddd-ddddddd-ddddddd";
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(SHAPE.len() - 1)).find_map(|start| {
        let candidate = &bytes[start..start + SHAPE.len()];
        let fits = candidate.iter().zip(SHAPE).all(|(b, s)| match s {
            b'd' => b.is_ascii_digit(),
            _ => b == s,
        });
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(start + SHAPE.len()).copied();
        let isolated = !before.is_some_and(|b| b.is_ascii_digit() || b == b'-')
            && !after.is_some_and(|b| b.is_ascii_digit() || b == b'-');
        (fits && isolated).then(|| String::from_utf8_lossy(candidate).into_owned())
    })
}

/// Whether `line` is one of Amazon's marker lines (`------------- Begin message
/// -------------`, in any language).
fn is_marker(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("-----")
        && line.ends_with("-----")
        && line
            .trim_matches('-')
            .trim()
            .chars()
            .any(char::is_alphabetic)
}

/// Whether a marker line closes the message (`End message`, `Ende der Nachricht`, `Fin du
/// message`, `Fine messaggio`, `Fim da mensagem`, …).
fn is_end_marker(line: &str) -> bool {
    let words = line.trim_matches(['-', ' ']).to_lowercase();
    words.contains('終')
        || words.split_whitespace().any(|word| {
            [
                "end", "ende", "fin", "fine", "fim", "einde", "koniec", "slut", "sonu",
            ]
            .contains(&word)
        })
}

/// Whether `line` starts a quoted earlier message.
fn starts_quote(line: &str) -> bool {
    let words = line
        .trim()
        .trim_matches(['-', ' ', '_', '='])
        .to_lowercase();
    line.trim_start().starts_with("---")
        && [
            "original message",
            "ursprüngliche nachricht",
            "message d'origine",
            "mensaje original",
            "messaggio originale",
            "mensagem original",
            "oorspronkelijk bericht",
        ]
        .contains(&words.as_str())
}

/// What the buyer wrote: between Amazon's markers when present, without a quoted earlier
/// message, trimmed; `None` when nothing is left.
pub fn buyer_text(body: &str) -> Option<String> {
    let lines: Vec<&str> = body.lines().collect();
    let markers: Vec<usize> = (0..lines.len()).filter(|i| is_marker(lines[*i])).collect();
    let inside = match markers.as_slice() {
        [begin, end, ..] => &lines[begin + 1..*end],
        [only] if is_end_marker(lines[*only]) => &lines[..*only],
        [only] => &lines[only + 1..],
        [] => &lines[..],
    };
    let end = inside
        .iter()
        .position(|l| starts_quote(l))
        .unwrap_or(inside.len());
    let text = inside[..end].join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// One line: control characters and runs of blanks become one space.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, cut at a word when one ends near the limit, with `…`.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(at) if cut[at..].chars().count() < 20 => cut[..at].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// An RFC 5322 date (`Tue, 3 Mar 2026 14:05:09 +0100`, obsolete zones and two-digit years
/// too) as a timestamp; `None` when it cannot be read.
pub fn parse_date(value: &str) -> Option<Timestamp> {
    let mut text = String::with_capacity(value.len());
    let mut depth = 0usize;
    for c in value.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => text.push(' '),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let mut tokens = text.split_whitespace().peekable();
    if tokens
        .peek()
        .is_some_and(|t| t.chars().all(char::is_alphabetic))
    {
        tokens.next();
    }
    let day: i64 = tokens.next()?.parse().ok()?;
    let month = month_number(tokens.next()?)?;
    let year = match tokens.next()?.parse::<i64>().ok()? {
        y @ 0..=49 => 2000 + y,
        y @ 50..=999 => 1900 + y,
        y => y,
    };
    let mut clock = tokens.next()?.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: i64 = clock.next().map_or(Some(0), |s| s.parse().ok())?;
    let offset = tokens.next().map_or(Some(0), zone_seconds)?;
    let valid = (1..=31).contains(&day) && hour < 24 && minute < 60 && second <= 60;
    if !valid {
        return None;
    }
    let days = helloword_sdk::time::days_from_civil(year, month, day);
    Some(Timestamp {
        seconds: days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset,
        nanoseconds: 0,
    })
}

fn month_number(name: &str) -> Option<i64> {
    let prefix: String = name.chars().take(3).collect::<String>().to_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as i64 + 1)
}

/// A zone's offset east of UTC, in seconds: `+0100`, `-0500`, `GMT`, `EST`, … Unknown
/// military zones count as UTC, as RFC 5322 says.
fn zone_seconds(zone: &str) -> Option<i64> {
    if let Some(sign) = zone
        .strip_prefix('+')
        .map(|z| (1, z))
        .or_else(|| zone.strip_prefix('-').map(|z| (-1, z)))
    {
        let (sign, digits) = sign;
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hours: i64 = digits[..2].parse().ok()?;
        let minutes: i64 = digits[2..].parse().ok()?;
        return Some(sign * (hours * 3600 + minutes * 60));
    }
    let hours = match zone.to_ascii_uppercase().as_str() {
        "EDT" => -4,
        "EST" | "CDT" => -5,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ => 0,
    };
    Some(hours * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::PAGE_BUDGET;
    use crate::mime::Attachment;
    use crate::settings::test_support::settings;

    const SELLER: &str = "A3TH9S8BH6GOGM";

    fn config() -> Settings {
        settings(&[
            ("seller_id", SELLER),
            ("mailbox_host", "imap.example-shop.com"),
            ("mailbox_username", "support@example-shop.com"),
        ])
        .unwrap()
    }

    fn stored(uid: u32, raw: &[u8]) -> mail::Message {
        mail::Message {
            uid,
            size: raw.len() as u64,
            raw: raw.to_vec(),
        }
    }

    fn event(raw: &[u8]) -> TicketEvent {
        match read(&stored(7, raw), 42, &config(), PAGE_BUDGET) {
            Read::Event(e) => *e,
            other => panic!("no event: {other:?}"),
        }
    }

    fn attribute<'a>(e: &'a TicketEvent, name: &str) -> Option<&'a str> {
        e.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn time(text: &str) -> Option<Timestamp> {
        Some(Timestamp::parse(text).unwrap())
    }

    #[test]
    fn a_plain_relayed_message_is_a_buyer_message() {
        let e = event(include_bytes!("../tests/data/plain-with-markers.eml"));
        let id =
            "<0100018e0a1b2c3d-4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8-000000@email.amazonses.com>";
        assert_eq!(e.kind, IssueKind::BuyerMessage);
        assert_eq!(e.shop, SELLER);
        assert_eq!(e.case_id.as_deref(), Some("message:113-4567890-1234567"));
        assert_eq!(e.order.as_ref().unwrap().id, "113-4567890-1234567");
        assert_eq!(
            e.customer,
            Some(Customer {
                id: Some("q8x1z2v7m4k9p3t".into()),
                name: Some("Jane Doe".into()),
                email: Some("q8x1z2v7m4k9p3t@marketplace.amazon.com".into()),
                country: Some("US".into()),
                preferred_locale: Some("en-US".into()),
                vip: false,
            })
        );
        assert_eq!(
            e.buyer_text.as_deref(),
            Some(
                "Hello,\n\nthe mug arrived with a crack in the handle. The box was dented too.\n\
                 Can you send a replacement?\n\nThanks,\nJane"
            )
        );
        assert_eq!(e.occurred_at, time("2026-03-03T13:14:58Z"));
        assert_eq!(e.platform_deadline, None);
        assert_eq!(
            e.summary,
            "Buyer message about order 113-4567890-1234567: Item arrived damaged (Order: \
             113-4567890-1234567)"
        );
        assert_eq!(
            e.dedupe,
            DedupeKey {
                delivery: Some(id.into()),
                action: None,
                business: format!("message:{id}"),
            }
        );
        let expected: Vec<(String, String)> = [
            ("reply.to", "q8x1z2v7m4k9p3t@marketplace.amazon.com"),
            ("reply.message-id", id),
            (
                "reply.subject",
                "Item arrived damaged (Order: 113-4567890-1234567)",
            ),
            ("mail.uid", "7"),
            ("mail.uid-validity", "42"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(e.attributes, expected);
    }

    #[test]
    fn the_plain_text_part_of_an_alternative_wins_and_quoted_printable_is_decoded() {
        let e = event(include_bytes!(
            "../tests/data/alternative-quoted-printable.eml"
        ));
        assert_eq!(
            e.buyer_text.as_deref(),
            Some(
                "Thanks for the quick answer. The tracking page still says “in transit” since \
                 Friday – could you check with the carrier? I need it before the 14th."
            )
        );
        assert_eq!(e.order.as_ref().unwrap().id, "204-1111111-2222222");
        let customer = e.customer.as_ref().unwrap();
        assert_eq!(customer.name.as_deref(), Some("Tom Smith"));
        assert_eq!(customer.country.as_deref(), Some("GB"));
        assert_eq!(
            attribute(&e, "reply.subject"),
            Some("RE: Delivery question (Order: 204-1111111-2222222)")
        );
        assert_eq!(e.occurred_at, time("2026-03-09T17:42:10Z"));
    }

    #[test]
    fn an_html_only_message_is_read_from_its_html() {
        let raw = "From: Ana <a1b2c3d4e5f6g7h@marketplace.amazon.es>\r\n\
                   Subject: Pregunta (Pedido: 405-1212121-3434343)\r\n\
                   Content-Type: text/html; charset=utf-8\r\n\r\n\
                   <p>------------- Begin message -------------</p><p>&iquest;Cu&aacute;ndo \
                   llega?<br>Gracias</p><p>------------- End message -------------</p>";
        let e = event(raw.as_bytes());
        assert_eq!(e.buyer_text.as_deref(), Some("¿Cuándo llega?\nGracias"));
        assert_eq!(e.dedupe.delivery, None);
        assert_eq!(e.dedupe.business, "mail:42:7");
        assert_eq!(attribute(&e, "reply.message-id"), None);
        assert_eq!(e.occurred_at, None);
    }

    #[test]
    fn german_base64_text_and_encoded_words_are_decoded() {
        let e = event(include_bytes!("../tests/data/german-base64.eml"));
        let subject = "Reklamation: Thermoskanne hält nicht warm (Bestellung: 302-7654321-7654321)";
        assert_eq!(attribute(&e, "reply.subject"), Some(subject));
        assert_eq!(
            e.summary,
            format!("Buyer message about order 302-7654321-7654321: {subject}")
        );
        assert_eq!(
            e.buyer_text.as_deref(),
            Some(
                "Guten Tag,\n\ndie Thermoskanne hält den Kaffee nur noch eine Stunde warm. \
                 Außerdem\nschließt der Deckel nicht mehr richtig. Können Sie mir bitte ein \
                 Rücksendeetikett\nschicken? Grüße aus Köln"
            )
        );
        let customer = e.customer.as_ref().unwrap();
        assert_eq!(customer.name.as_deref(), Some("Jürgen Müller"));
        assert_eq!(customer.preferred_locale.as_deref(), Some("de-DE"));
        assert_eq!(e.occurred_at, time("2026-03-11T08:03:44Z"));
    }

    #[test]
    fn attachments_become_data_urls() {
        let e = event(include_bytes!("../tests/data/attachments.eml"));
        let jpeg = include_bytes!("../tests/data/attachment-colis.jpg");
        let pdf = include_bytes!("../tests/data/attachment-facture.pdf");
        assert_eq!(attribute(&e, "attachment.1.name"), Some("colis.jpg"));
        assert_eq!(
            attribute(&e, "attachment.1.url"),
            Some(format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg)).as_str())
        );
        assert_eq!(
            attribute(&e, "attachment.2.name"),
            Some("facture transporteur n°12.pdf")
        );
        assert_eq!(
            attribute(&e, "attachment.2.url"),
            Some(format!("data:application/pdf;base64,{}", STANDARD.encode(pdf)).as_str())
        );
        assert_eq!(attribute(&e, "attachment.3.url"), None);
        assert_eq!(attribute(&e, "attachments.skipped"), None);
        assert_eq!(
            e.buyer_text.as_deref(),
            Some("Bonjour, voici la photo du colis abîmé et la facture du transporteur.")
        );
        assert_eq!(e.order.as_ref().unwrap().id, "402-3333333-4444444");
        assert_eq!(
            attribute(&e, "reply.subject"),
            Some("Colis abîmé (Commande : 402-3333333-4444444)")
        );
    }

    #[test]
    fn the_order_id_is_found_in_the_body_when_the_subject_has_none() {
        let e = event(include_bytes!("../tests/data/order-in-body.eml"));
        assert_eq!(e.order.as_ref().unwrap().id, "701-5555555-6666666");
        assert_eq!(
            e.summary,
            "Buyer message about order 701-5555555-6666666: Question from a buyer"
        );
        assert_eq!(
            e.buyer_text.as_deref(),
            Some(
                "Order ID: 701-5555555-6666666\n\nDoes the blender come with a Canadian plug? I \
                 could not find it on the\nproduct page."
            )
        );
        assert_eq!(e.occurred_at, time("2026-03-16T02:10:05Z"));
        assert_eq!(e.customer.as_ref().unwrap().country.as_deref(), Some("CA"));
    }

    #[test]
    fn a_message_without_any_order_is_kept_per_buyer() {
        let raw =
            b"From: x1y2z3@marketplace.amazon.com\r\nSubject: Before I buy\r\n\r\nIs it BPA free?";
        let e = event(raw);
        assert_eq!(e.order, None);
        assert_eq!(
            e.case_id.as_deref(),
            Some("message:x1y2z3@marketplace.amazon.com")
        );
        assert_eq!(e.summary, "Buyer message: Before I buy");
        assert_eq!(e.customer.as_ref().unwrap().name, None);
    }

    #[test]
    fn notices_copies_and_strangers_give_no_event() {
        let settings = config();
        let ignored = |raw: &[u8]| match read(&stored(3, raw), 1, &settings, PAGE_BUDGET) {
            Read::Ignored(reason) => reason,
            Read::Event(e) => panic!("an event: {e:?}"),
        };
        assert_eq!(
            ignored(include_bytes!("../tests/data/amazon-notice.eml")),
            "amazon-notice"
        );
        assert_eq!(
            ignored(b"From: Spam <win@prizes.example>\r\n\r\nYou won 113-4567890-1234567"),
            "not-from-amazon"
        );
        assert_eq!(ignored(b"Subject: no sender\r\n\r\nhi"), "not-from-amazon");
        assert_eq!(
            ignored(
                b"From: a1@marketplace.amazon.com\r\nSubject: Here is a copy of the e-mail that \
                  you sent to Jane Doe\r\n\r\nDear customer"
            ),
            "seller-copy"
        );
        let empty = mail::Message {
            uid: 4,
            size: 0,
            raw: Vec::new(),
        };
        assert!(matches!(
            read(&empty, 1, &settings, PAGE_BUDGET),
            Read::Ignored("empty")
        ));
    }

    #[test]
    fn a_message_too_large_to_read_is_an_other_event_to_open_by_hand() {
        let big = mail::Message {
            uid: 9,
            size: 12_000_000,
            raw: Vec::new(),
        };
        let Read::Event(e) = read(&big, 42, &config(), PAGE_BUDGET) else {
            panic!("no event");
        };
        assert_eq!(e.kind, IssueKind::Other);
        assert_eq!(e.shop, SELLER);
        assert_eq!(
            e.summary,
            "A message of 12000000 bytes in mailbox folder INBOX (UID 9) was too large to \
             read; open it in the mailbox"
        );
        assert_eq!(e.dedupe, DedupeKey::business("mail:42:9"));
        assert_eq!(attribute(&e, "mail.size"), Some("12000000"));
    }

    #[test]
    fn a_message_the_reader_cannot_read_is_a_dead_letter_ticket_naming_it() {
        let mut raw = b"From: \"Jane - Amazon Marketplace\" <j1@marketplace.amazon.com>\r\n\
                        Subject: =?utf-8?Q?Sch=C3=A4den?=\r\n"
            .to_vec();
        for i in 0..=crate::mime::MAX_DEPTH {
            raw.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n")
                    .as_bytes(),
            );
        }
        let Read::Event(e) = read(&stored(7, &raw), 42, &config(), PAGE_BUDGET) else {
            panic!("no event");
        };
        assert_eq!(e.kind, IssueKind::Other);
        assert_eq!(e.status.as_deref(), Some("dead-letter"));
        assert_eq!(e.dedupe, DedupeKey::business("dead-letter:mail:42:7"));
        assert_eq!(
            e.summary,
            "A message in mailbox folder INBOX (UID 7) could not be read (its MIME multiparts \
             nest deeper than 8 levels); open it in the mailbox"
        );
        assert_eq!(
            attribute(&e, "mail.from"),
            Some("\"Jane - Amazon Marketplace\" <j1@marketplace.amazon.com>")
        );
        assert_eq!(attribute(&e, "mail.subject"), Some("Schäden"));
        assert_eq!(attribute(&e, "dead_letter"), Some("true"));
        assert_eq!(attribute(&e, "mail.uid"), Some("7"));
    }

    fn file(name: &str, bytes: usize) -> Attachment {
        Attachment {
            name: name.into(),
            content_type: "image/jpeg".into(),
            data: vec![0xFF; bytes],
        }
    }

    #[test]
    fn oversized_surplus_and_empty_files_are_not_kept_but_named() {
        let mut attachments: Vec<Attachment> =
            (1..=11).map(|n| file(&format!("p{n}.jpg"), 30)).collect();
        attachments.insert(0, file("video.mov", MAX_ATTACHMENT_BYTES + 1));
        attachments.insert(1, file("empty.jpg", 0));
        let mail = Mail {
            attachments,
            ..Mail::default()
        };
        let files = keep_attachments(&mail, PAGE_BUDGET);
        let names: Vec<&str> = files.kept.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            (1..=10).map(|n| format!("p{n}.jpg")).collect::<Vec<_>>()
        );
        assert_eq!(
            files.skipped,
            [
                "video.mov (10.0 MiB, over 10 MiB)",
                "p11.jpg (more than 10 files)"
            ]
        );
        let small_budget = keep_attachments(&mail, 100);
        assert_eq!(small_budget.kept.len(), 1);
        assert!(
            small_budget.skipped[2].contains("over the size one poll can carry"),
            "{:?}",
            small_budget.skipped
        );
    }

    #[test]
    fn skipped_files_are_named_in_the_summary() {
        let relayed = Relayed {
            address: "a@marketplace.amazon.com".into(),
            name: None,
            order: Some("113-4567890-1234567".into()),
            text: None,
            date: None,
            message_id: None,
            subject: "Photos".into(),
            marketplace: "ATVPDKIKX0DER",
        };
        let files = Files {
            kept: Vec::new(),
            skipped: vec!["video.mov (12.0 MiB, over 10 MiB)".into()],
        };
        assert_eq!(
            relayed.summary(&files),
            "Buyer message about order 113-4567890-1234567: Photos; files not kept: video.mov \
             (12.0 MiB, over 10 MiB)"
        );
    }

    #[test]
    fn damaged_messages_never_panic() {
        let samples: [&[u8]; 6] = [
            include_bytes!("../tests/data/plain-with-markers.eml"),
            include_bytes!("../tests/data/alternative-quoted-printable.eml"),
            include_bytes!("../tests/data/german-base64.eml"),
            include_bytes!("../tests/data/attachments.eml"),
            include_bytes!("../tests/data/amazon-notice.eml"),
            include_bytes!("../tests/data/order-in-body.eml"),
        ];
        let settings = config();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..600 {
            let mut raw = samples[round % samples.len()].to_vec();
            for _ in 0..(next() % 12 + 1) {
                let at = (next() as usize) % raw.len();
                match next() % 4 {
                    0 => raw[at] = next() as u8,
                    1 => raw.truncate(at),
                    2 => raw.insert(at, b"=?\r\n-<>:;\"\\"[(next() % 10) as usize]),
                    _ => {
                        raw.remove(at);
                    }
                }
                if raw.is_empty() {
                    raw.push(b'x');
                }
            }
            let _ = read(&stored(1, &raw), 1, &settings, PAGE_BUDGET);
        }
    }

    #[test]
    fn relay_aliases_are_told_from_amazon_and_strangers() {
        assert_eq!(
            sender("q8x1z2v7m4k9p3t@marketplace.amazon.com"),
            Sender::Buyer("ATVPDKIKX0DER")
        );
        assert_eq!(
            sender("Q8X1@Marketplace.Amazon.Co.UK"),
            Sender::Buyer("A1F83G8C2ARO7P")
        );
        assert_eq!(
            sender("x@marketplace.amazon.com.br"),
            Sender::Buyer("A2Q3Y263D00KWC")
        );
        assert_eq!(sender("donotreply@marketplace.amazon.de"), Sender::Amazon);
        assert_eq!(sender("seller-notification@amazon.de"), Sender::Amazon);
        assert_eq!(
            sender("no-reply@sellercentral.amazon.co.jp"),
            Sender::Amazon
        );
        assert_eq!(
            sender("x@marketplace.amazon.com.evil.example"),
            Sender::Other
        );
        assert_eq!(sender("x@notamazon.com"), Sender::Other);
        assert_eq!(sender("x@marketplace.amazon.example"), Sender::Other);
        assert_eq!(sender("no address"), Sender::Other);
    }

    #[test]
    fn from_values_give_address_and_name() {
        assert_eq!(
            parse_address("\"Jane Doe - Amazon Marketplace\" <a1@marketplace.amazon.com>"),
            Some((
                "a1@marketplace.amazon.com".into(),
                Some("Jane Doe - Amazon Marketplace".into())
            ))
        );
        assert_eq!(
            parse_address("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller_-_Amazon_Marketplace?= <b@x.de>"),
            Some((
                "b@x.de".into(),
                Some("Jürgen Müller - Amazon Marketplace".into())
            ))
        );
        assert_eq!(
            parse_address("c@x.de (Carla)"),
            Some(("c@x.de".into(), Some("Carla".into())))
        );
        assert_eq!(
            parse_address("d@x.de, e@x.de"),
            Some(("d@x.de".into(), None))
        );
        assert_eq!(parse_address("Name <broken"), None);
        assert_eq!(parse_address("undisclosed-recipients:;"), None);
    }

    #[test]
    fn the_marketplace_suffix_leaves_the_name() {
        assert_eq!(
            buyer_name("Jane Doe - Amazon Marketplace").as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(buyer_name("Jane Doe").as_deref(), Some("Jane Doe"));
        assert_eq!(buyer_name(" - Amazon Marketplace"), None);
    }

    #[test]
    fn order_ids_are_found_alone() {
        assert_eq!(
            order_id("Item damaged (Order: 113-1234567-1234567)").as_deref(),
            Some("113-1234567-1234567")
        );
        assert_eq!(order_id("call 0113-1234567-1234567"), None);
        assert_eq!(order_id("113-1234567-12345678"), None);
        assert_eq!(order_id("113-1234567-123456"), None);
        assert_eq!(
            order_id("é113-1234567-1234567é").as_deref(),
            Some("113-1234567-1234567")
        );
        assert_eq!(order_id(""), None);
    }

    #[test]
    fn the_buyer_text_is_cut_from_the_markers() {
        let body = "Order ID 113-1234567-1234567:\n1 of Mug\n\n\
                    ------------- Begin message -------------\n\nIt broke.\n\nHelp!\n\n\
                    ------------- End message -------------\n\nFor Your Information: …";
        assert_eq!(buyer_text(body).as_deref(), Some("It broke.\n\nHelp!"));
        let localized = "----- Beginn der Nachricht -----\nKaputt.\n----- Ende der Nachricht -----";
        assert_eq!(buyer_text(localized).as_deref(), Some("Kaputt."));
        assert_eq!(
            buyer_text("Kaputt.\n------------- End message -------------\nFYI").as_deref(),
            Some("Kaputt.")
        );
        assert_eq!(
            buyer_text("Header\n------------- Begin message -------------\nKaputt.").as_deref(),
            Some("Kaputt.")
        );
        assert_eq!(
            buyer_text("Do you have 12/14?\n\n--- Original message ---\n\nWe have 14/16.")
                .as_deref(),
            Some("Do you have 12/14?")
        );
        assert_eq!(buyer_text("  \n"), None);
        assert_eq!(buyer_text("a --- b"), Some("a --- b".into()));
    }

    #[test]
    fn dates_are_read_in_utc() {
        let t = |s: &str| parse_date(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("Tue, 3 Mar 2026 14:05:09 +0100").as_deref(),
            Some("2026-03-03T13:05:09Z")
        );
        assert_eq!(
            t("3 Mar 2026 14:05 -0500 (EST)").as_deref(),
            Some("2026-03-03T19:05:00Z")
        );
        assert_eq!(
            t("Tue, 03 Mar 26 14:05:09 GMT").as_deref(),
            Some("2026-03-03T14:05:09Z")
        );
        assert_eq!(
            t("Tue, 3 Mar 2026 14:05:09 PDT").as_deref(),
            Some("2026-03-03T21:05:09Z")
        );
        assert_eq!(t("yesterday"), None);
        assert_eq!(t("Tue, 3 Foo 2026 14:05:09 +0100"), None);
        assert_eq!(t("Tue, 3 Mar 2026 25:05:09 +0100"), None);
        assert_eq!(t("Tue, 3 Mar 2026 14:05:09 +01"), None);
    }

    #[test]
    fn summaries_are_one_short_line() {
        assert_eq!(one_line("a\r\n\tb  c"), "a b c");
        let long = "word ".repeat(100);
        let cut = truncate(long.trim(), 50);
        assert!(cut.chars().count() <= 50, "{cut}");
        assert!(cut.ends_with("word…"), "{cut}");
        assert_eq!(truncate("short", 50), "short");
    }

    #[test]
    fn data_urls_carry_a_safe_type() {
        assert_eq!(data_url_type("image/jpeg"), "image/jpeg");
        assert_eq!(data_url_type("image/svg+xml"), "image/svg+xml");
        assert_eq!(data_url_type("text/html;x"), "application/octet-stream");
        assert_eq!(data_url_type("weird"), "application/octet-stream");
        assert_eq!(size_text(12 << 20), "12.0 MiB");
        assert_eq!(size_text(2048), "2 KiB");
    }
}
