//! `poll`: the SQS queue (when `sqs_queue_url` is set), the scheduled reports (when
//! `report_types` is not empty) and the seller's mailbox (when `mailbox_host` is set), one
//! step of each per call.
//!
//! **Delete after commit.** The host stores a poll's events durably and only then its
//! `next-cursor`. So the receipt handles of the messages a poll returned travel in the
//! cursor (`ack`), and the *next* poll deletes them (`DeleteMessageBatch`) before it receives
//! new ones. A crash before the commit loses the cursor, not the messages: SQS shows them
//! again after their visibility timeout and the business keys drop what was already stored.
//! While a poll has handles to delete it answers `more`, so the host polls again at once and
//! the deletion does not wait for the next scheduled poll.
//!
//! **Poison messages.** A message that is not JSON, not an SP-API notification, or whose
//! notification is unusable (missing ids, another application) becomes a dead-letter record
//! (an `other` event with the raw body, business key `dead-letter:sqs:<MessageId>`) and is
//! deleted like any other: it is never retried. A message that fails for a reason that may
//! pass (its report cannot be downloaded now) stays in the queue, until SQS has delivered it
//! `sqs_max_receives` times; then it too becomes a dead-letter record.
//!
//! **Reports** run as a small state machine in the cursor: `idle` until `next` →
//! `createReport` → `waiting` (`getReport` each poll) → `DONE`: download and read the
//! document, remember the end of the covered range for that type, go on with the next type
//! (at once) or, after the last, wait `report_interval_minutes`.
//!
//! **Mail** ([`crate::mailbox`]): the folder's UIDVALIDITY and the highest UID read travel in
//! the cursor as `mail` (absent until the first read; older cursors without it read the
//! folder from its start).
//!
//! **Failures.** A failed SQS step fails the poll (nothing moves). The report step and the
//! mail read fail on their own: when another part of the poll worked, the failure becomes a
//! warning and that part's cursor stays where it was; when no part worked, the poll fails.
//!
//! ```json
//! {"v":1,"ack":["AQEB…"],"report":{"state":"waiting","type":"GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
//!  "id":"54517018502","end":"2026-02-01T10:00:00Z","since":"2026-02-01T10:00:00Z","index":0},
//!  "marks":{"GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE":"2026-01-31T10:00:00Z"},
//!  "mail":{"validity":1712345678,"uid":4711}}
//! ```

use std::collections::BTreeMap;

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{ActionError, TicketEvent, Timestamp};
use serde_json::json;

use crate::envelope;
use crate::intake::{self, Processed};
use crate::io::{Crypto, Mailbox, Transport};
use crate::mailbox::{self, MailMark};
use crate::reports;
use crate::settings::{RETURNS_REPORT, Settings};
use crate::spapi::SpApi;
use crate::sqs::Queue;

/// How often SQS may deliver a message that keeps failing before it is set aside.
const MAX_RECEIVES: u32 = 5;
/// A report still not done after this long is given up (seconds).
const REPORT_PATIENCE: i64 = 86_400;

/// Where the report state machine stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportState {
    /// Nothing requested; the next report is due at `next` (now, when `None`).
    Idle {
        /// When the next report is due.
        next: Option<Timestamp>,
        /// Index of the next type in `report_types`.
        index: usize,
    },
    /// A report was requested and is being prepared.
    Waiting {
        /// Its type.
        report_type: String,
        /// `reportId`.
        id: String,
        /// End of the range it covers (the request time).
        end: Timestamp,
        /// When it was requested.
        since: Timestamp,
        /// Index of its type in `report_types`.
        index: usize,
    },
}

/// Where the next poll resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Receipt handles of the messages the last poll returned, to delete now.
    pub ack: Vec<String>,
    /// The report state machine.
    pub report: ReportState,
    /// Per report type, the end of the range the last finished report covered.
    pub marks: BTreeMap<String, Timestamp>,
    /// Where reading the mailbox resumes; `None` before the first read.
    pub mail: Option<MailMark>,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            ack: Vec::new(),
            report: ReportState::Idle {
                next: None,
                index: 0,
            },
            marks: BTreeMap::new(),
            mail: None,
        }
    }
}

impl Cursor {
    /// The cursor as the host stores it.
    pub fn encode(&self) -> String {
        let report = match &self.report {
            ReportState::Idle { next, index } => json!({
                "state": "idle",
                "next": next.map(|t| t.to_rfc3339()),
                "index": index,
            }),
            ReportState::Waiting {
                report_type,
                id,
                end,
                since,
                index,
            } => json!({
                "state": "waiting",
                "type": report_type,
                "id": id,
                "end": end.to_rfc3339(),
                "since": since.to_rfc3339(),
                "index": index,
            }),
        };
        let marks: serde_json::Map<String, Value> = self
            .marks
            .iter()
            .map(|(k, v)| (k.clone(), json!(v.to_rfc3339())))
            .collect();
        let mut cursor = json!({"v": 1, "ack": self.ack, "report": report, "marks": marks});
        if let Some(mail) = self.mail {
            cursor["mail"] = json!({"validity": mail.validity, "uid": mail.uid});
        }
        cursor.to_string()
    }

    /// Read a stored cursor; the error says what is wrong with it.
    pub fn decode(text: &str) -> Result<Cursor, String> {
        let v = json::parse(text.as_bytes()).map_err(|e| format!("poll cursor: {e}"))?;
        if json::id_at(&v, "/v").as_deref() != Some("1") {
            return Err("poll cursor has no version 1".into());
        }
        let time = |p: &str| -> Result<Option<Timestamp>, String> {
            json::str_at(&v, p)
                .map(|t| Timestamp::parse(t).map_err(|e| format!("poll cursor {p}: {e}")))
                .transpose()
        };
        let index = json::id_at(&v, "/report/index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        let report = match json::str_at(&v, "/report/state") {
            Some("waiting") => ReportState::Waiting {
                report_type: json::str_at(&v, "/report/type")
                    .ok_or("poll cursor: a waiting report has no type")?
                    .to_string(),
                id: json::str_at(&v, "/report/id")
                    .ok_or("poll cursor: a waiting report has no id")?
                    .to_string(),
                end: time("/report/end")?.ok_or("poll cursor: a waiting report has no end")?,
                since: time("/report/since")?
                    .ok_or("poll cursor: a waiting report has no start")?,
                index,
            },
            _ => ReportState::Idle {
                next: time("/report/next")?,
                index,
            },
        };
        let ack = v
            .get("ack")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut marks = BTreeMap::new();
        if let Some(m) = v.get("marks").and_then(Value::as_object) {
            for (k, t) in m {
                if let Some(t) = t.as_str().and_then(|t| Timestamp::parse(t).ok()) {
                    marks.insert(k.clone(), t);
                }
            }
        }
        let number = |p: &str| json::id_at(&v, p).and_then(|n| n.parse::<u32>().ok());
        let mail = match (number("/mail/validity"), number("/mail/uid")) {
            (Some(validity), Some(uid)) => Some(MailMark { validity, uid }),
            _ => None,
        };
        Ok(Cursor {
            ack,
            report,
            marks,
            mail,
        })
    }
}

/// What one poll produced.
pub struct Page {
    /// Events to record.
    pub events: Vec<TicketEvent>,
    /// The cursor to store once the events are durable.
    pub next: Cursor,
    /// Poll again right away (messages to delete, or a full batch received).
    pub more: bool,
    /// Notes worth a warning in the log.
    pub warnings: Vec<String>,
    /// Notification types acknowledged without an event (for the metrics).
    pub ignored: Vec<String>,
    /// Mailbox messages that were no buyer message: (UID, reason), for the metrics.
    pub ignored_mail: Vec<(u32, &'static str)>,
}

/// Run one poll from `cursor`.
pub fn poll(
    transport: &dyn Transport,
    crypto: &dyn Crypto,
    mail: &dyn Mailbox,
    settings: &Settings,
    cursor: Cursor,
    now: Timestamp,
) -> Result<Page, ActionError> {
    let api = SpApi::new(transport, settings);
    let mut page = Page {
        events: Vec::new(),
        next: Cursor {
            ack: Vec::new(),
            ..cursor.clone()
        },
        more: false,
        warnings: Vec::new(),
        ignored: Vec::new(),
        ignored_mail: Vec::new(),
    };
    if settings.sqs.is_none() && settings.report_types.is_empty() && settings.mailbox.is_none() {
        return Ok(page);
    }

    if let Some(sqs) = &settings.sqs {
        Queue::require_secret(crypto)?;
        let queue = Queue::new(transport, crypto, sqs, now);
        if !cursor.ack.is_empty() {
            for failure in queue.delete(&cursor.ack)? {
                page.warnings
                    .push(format!("an SQS message could not be deleted: {failure}"));
            }
        }
        let messages = queue.receive()?;
        for message in &messages {
            let shop = settings.shop(None);
            match read_message(message, settings, &api, crypto) {
                Ok(Ok(Processed::Events(events, notes))) => {
                    page.events.extend(events);
                    page.warnings.extend(notes);
                }
                Ok(Ok(Processed::Ignored(topic))) => page.ignored.push(topic),
                Ok(Err(why)) => {
                    page.events
                        .push(intake::dead_letter(&shop, &message.id, &message.body, &why));
                    page.warnings
                        .push(format!("SQS message {} set aside: {why}", message.id));
                }
                Err(error) => {
                    let text = error_text(&error);
                    if message.receive_count.unwrap_or(1) >= MAX_RECEIVES {
                        let why = format!("failed {MAX_RECEIVES} times, last: {text}");
                        page.events.push(intake::dead_letter(
                            &shop,
                            &message.id,
                            &message.body,
                            &why,
                        ));
                        page.warnings
                            .push(format!("SQS message {} set aside: {why}", message.id));
                    } else {
                        page.warnings.push(format!(
                            "SQS message {} left in the queue to retry: {text}",
                            message.id
                        ));
                        continue;
                    }
                }
            }
            page.next.ack.push(message.receipt_handle.clone());
        }
        page.more = !page.next.ack.is_empty();
    }

    // What SQS gave must still be recorded and deleted; a failed part waits.
    let mut worked = settings.sqs.is_some();
    let mut failures: Vec<(&str, ActionError)> = Vec::new();
    if !settings.report_types.is_empty() {
        let stepped = SpApi::require_token(crypto)
            .and_then(|()| report_step(&api, settings, &mut page.next, now));
        match stepped {
            Ok(read) => {
                page.events.extend(read.events);
                page.warnings.extend(read.warnings);
                worked = true;
            }
            Err(e) => {
                page.next.report = cursor.report.clone();
                page.next.marks = cursor.marks.clone();
                failures.push(("report polling", e));
            }
        }
    }
    if let Some(config) = &settings.mailbox {
        match mailbox::read(mail, crypto, settings, config, cursor.mail) {
            Ok(read) => {
                page.events.extend(read.events);
                page.next.mail = Some(read.mark);
                page.more |= read.more;
                page.ignored_mail = read.ignored;
                worked = true;
            }
            Err(e) => failures.push(("mail intake", e)),
        }
    }
    if !worked && !failures.is_empty() {
        return Err(combine(failures));
    }
    for (part, e) in failures {
        page.warnings
            .push(format!("{part} skipped: {}", error_text(&e)));
    }
    Ok(page)
}

/// One error for several failed parts: the first one's kind, every part's text.
fn combine(mut failures: Vec<(&str, ActionError)>) -> ActionError {
    if failures.len() == 1 {
        return failures.remove(0).1;
    }
    let text = failures
        .iter()
        .map(|(part, e)| format!("{part}: {}", error_text(e)))
        .collect::<Vec<_>>()
        .join("; ");
    match &failures[0].1 {
        ActionError::Transient(_) => ActionError::Transient(text),
        ActionError::Permanent(_) => ActionError::Permanent(text),
        ActionError::Misconfigured(_) => ActionError::Misconfigured(text),
    }
}

fn error_text(e: &ActionError) -> String {
    match e {
        ActionError::Transient(m) | ActionError::Permanent(m) | ActionError::Misconfigured(m) => {
            m.clone()
        }
    }
}

fn read_message(
    message: &crate::sqs::Message,
    settings: &Settings,
    api: &SpApi<'_>,
    crypto: &dyn Crypto,
) -> Result<Result<Processed, String>, ActionError> {
    let body = match json::parse(message.body.as_bytes()) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let notification = match envelope::parse(intake::unwrap_eventbridge(&body)) {
        Ok(n) => n,
        Err(e) => return Ok(Err(e)),
    };
    intake::process(&notification, settings, api, crypto)
}

/// One step of the report state machine.
fn report_step(
    api: &SpApi<'_>,
    settings: &Settings,
    cursor: &mut Cursor,
    now: Timestamp,
) -> Result<reports::ReportEvents, ActionError> {
    let types = &settings.report_types;
    let mut out = reports::ReportEvents::default();
    let after = |index: usize| {
        let next_index = (index + 1) % types.len();
        let next = if next_index == 0 {
            Some(Timestamp {
                seconds: now.seconds + settings.report_interval_minutes * 60,
                nanoseconds: 0,
            })
        } else {
            None
        };
        ReportState::Idle {
            next,
            index: next_index,
        }
    };
    match cursor.report.clone() {
        ReportState::Idle { next, index } => {
            if next.is_some_and(|t| now.seconds < t.seconds) {
                return Ok(out);
            }
            let index = index % types.len();
            let report_type = types[index].clone();
            let range = (report_type == RETURNS_REPORT).then(|| {
                let start = match cursor.marks.get(&report_type) {
                    Some(mark) => mark.seconds - settings.report_overlap_hours * 3600,
                    None => now.seconds - settings.report_lookback_days * 86_400,
                };
                (
                    Timestamp {
                        seconds: start,
                        nanoseconds: 0,
                    },
                    Timestamp {
                        seconds: now.seconds,
                        nanoseconds: 0,
                    },
                )
            });
            let id = reports::create(api, &report_type, range)?;
            cursor.report = ReportState::Waiting {
                report_type,
                id,
                end: Timestamp {
                    seconds: now.seconds,
                    nanoseconds: 0,
                },
                since: now,
                index,
            };
        }
        ReportState::Waiting {
            report_type,
            id,
            end,
            since,
            index,
        } => {
            if !types.contains(&report_type) {
                cursor.report = ReportState::Idle {
                    next: None,
                    index: 0,
                };
                return Ok(out);
            }
            let status = reports::status(api, &id)?;
            match status.processing.as_str() {
                "DONE" => {
                    let document = status.document_id.ok_or_else(|| {
                        ActionError::Permanent(format!("report {id} is DONE without a document"))
                    })?;
                    out = reports::fetch_events(api, &report_type, &id, &document)?;
                    cursor.marks.insert(report_type, end);
                    cursor.report = after(index);
                }
                "CANCELLED" => {
                    // Amazon cancels a report that has no data: the range is covered.
                    cursor.marks.insert(report_type, end);
                    cursor.report = after(index);
                }
                "FATAL" => {
                    out.warnings.push(format!(
                        "report {id} ({report_type}) failed at Amazon (FATAL)"
                    ));
                    cursor.report = after(index);
                }
                _ if now.seconds - since.seconds > REPORT_PATIENCE => {
                    out.warnings.push(format!(
                        "report {id} ({report_type}) is still {} after a day; requesting anew",
                        status.processing
                    ));
                    cursor.report = ReportState::Idle { next: None, index };
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use helloword_sdk::connector::mail;
    use helloword_sdk::types::IssueKind;

    use super::*;
    use crate::io::test_support::{FakeCrypto, Script, ScriptedMailbox};
    use crate::settings::test_support::settings;

    const PLAIN: &[u8] = include_bytes!("../tests/data/plain-with-markers.eml");
    const NOTICE: &[u8] = include_bytes!("../tests/data/amazon-notice.eml");
    const GERMAN: &[u8] = include_bytes!("../tests/data/german-base64.eml");

    fn stored(uid: u32, raw: &[u8]) -> mail::Message {
        mail::Message {
            uid,
            size: raw.len() as u64,
            raw: raw.to_vec(),
        }
    }

    fn fetched(validity: u32, messages: Vec<mail::Message>, more: bool) -> mail::Fetched {
        mail::Fetched {
            uid_validity: validity,
            messages,
            more,
        }
    }

    fn mail_only() -> Settings {
        settings(&[
            ("seller_id", "A3TH9S8BH6GOGM"),
            ("report_types", ""),
            ("mailbox_host", "imap.example-shop.com"),
            ("mailbox_username", "support@example-shop.com"),
        ])
        .unwrap()
    }

    fn password() -> FakeCrypto {
        FakeCrypto::with(&[("amazon_mailbox_password", "pw")])
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-03-20T10:00:00Z").unwrap()
    }

    fn run(
        mailbox: &ScriptedMailbox,
        settings: &Settings,
        crypto: &FakeCrypto,
        cursor: Cursor,
    ) -> Result<Page, ActionError> {
        poll(&Script::new(&[]), crypto, mailbox, settings, cursor, now())
    }

    #[test]
    fn the_mail_cursor_advances_to_the_highest_uid_and_resumes_there() {
        let too_large = mail::Message {
            uid: 8,
            size: 12_000_000,
            raw: Vec::new(),
        };
        let mailbox = ScriptedMailbox::new(
            vec![
                Ok(fetched(
                    42,
                    vec![stored(3, PLAIN), stored(5, NOTICE), too_large],
                    true,
                )),
                // The server repeats UID 8 for `UID 9:*`; it is not read twice.
                Ok(fetched(
                    42,
                    vec![
                        mail::Message {
                            uid: 8,
                            size: 12_000_000,
                            raw: Vec::new(),
                        },
                        stored(9, GERMAN),
                    ],
                    false,
                )),
            ],
            Vec::new(),
        );
        let settings = mail_only();
        let first = run(&mailbox, &settings, &password(), Cursor::default()).unwrap();
        {
            let calls = mailbox.fetched.borrow();
            let call = &calls[0];
            assert_eq!(call.server.host, "imap.example-shop.com");
            assert_eq!(call.server.port, 993);
            assert_eq!(call.server.security, mail::Security::Tls);
            assert_eq!(call.server.username, "support@example-shop.com");
            assert_eq!(call.server.password_secret, "amazon_mailbox_password");
            assert_eq!(
                (
                    call.folder.as_str(),
                    call.uid_validity,
                    call.after_uid,
                    call.limit
                ),
                ("INBOX", None, 0, 20)
            );
        }
        let kinds: Vec<IssueKind> = first.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [IssueKind::BuyerMessage, IssueKind::Other]);
        assert_eq!(
            first.next.mail,
            Some(MailMark {
                validity: 42,
                uid: 8
            })
        );
        assert!(first.more, "the fetch said more");
        assert_eq!(first.ignored_mail, [(5, "amazon-notice")]);
        assert!(first.warnings.is_empty(), "{:?}", first.warnings);

        // The host stores the cursor as text and hands it back.
        let stored_cursor = Cursor::decode(&first.next.encode()).unwrap();
        let second = run(&mailbox, &settings, &password(), stored_cursor).unwrap();
        let call = mailbox.fetched.borrow()[1].clone();
        assert_eq!((call.uid_validity, call.after_uid), (Some(42), 8));
        assert_eq!(second.events.len(), 1);
        assert_eq!(
            second.events[0].order.as_ref().unwrap().id,
            "302-7654321-7654321"
        );
        assert_eq!(
            second.next.mail,
            Some(MailMark {
                validity: 42,
                uid: 9
            })
        );
        assert!(!second.more);
    }

    #[test]
    fn a_renumbered_folder_is_read_from_its_start() {
        let mailbox = ScriptedMailbox::new(
            vec![
                Ok(fetched(
                    77,
                    vec![stored(1, PLAIN), stored(2, NOTICE)],
                    false,
                )),
                Ok(fetched(77, Vec::new(), false)),
                Ok(fetched(78, Vec::new(), false)),
            ],
            Vec::new(),
        );
        let at = |validity, uid| Cursor {
            mail: Some(MailMark { validity, uid }),
            ..Cursor::default()
        };
        let settings = mail_only();
        let page = run(&mailbox, &settings, &password(), at(42, 900)).unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.next.mail, at(77, 2).mail);
        // Nothing new: the mark stays; a new UIDVALIDITY with nothing in it starts at 0.
        let page = run(&mailbox, &settings, &password(), at(77, 2)).unwrap();
        assert_eq!(page.next.mail, at(77, 2).mail);
        let page = run(&mailbox, &settings, &password(), at(77, 2)).unwrap();
        assert_eq!(page.next.mail, at(78, 0).mail);
    }

    #[test]
    fn a_message_whose_reading_killed_the_last_poll_is_set_aside_and_the_mailbox_moves_on() {
        let mailbox = ScriptedMailbox::new(
            vec![Ok(fetched(
                42,
                vec![stored(3, PLAIN), stored(5, GERMAN), stored(7, PLAIN)],
                false,
            ))],
            Vec::new(),
        );
        // The last poll died (a trap, a time-out) while it read UID 5: its note is left.
        *mailbox.reading.borrow_mut() = Some("42:5".into());
        let cursor = Cursor {
            mail: Some(MailMark {
                validity: 42,
                uid: 2,
            }),
            ..Cursor::default()
        };
        let page = run(&mailbox, &mail_only(), &password(), cursor).unwrap();
        let kinds: Vec<IssueKind> = page.events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                IssueKind::BuyerMessage,
                IssueKind::Other,
                IssueKind::BuyerMessage
            ]
        );
        let dead = &page.events[1];
        assert_eq!(dead.status.as_deref(), Some("dead-letter"));
        assert_eq!(
            dead.summary,
            "A message in mailbox folder INBOX (UID 5) could not be read (reading it stopped the \
             connector's poll (a crash or a time-out); it was set aside unread); open it in the \
             mailbox"
        );
        assert_eq!(
            page.next.mail,
            Some(MailMark {
                validity: 42,
                uid: 7
            })
        );
        // A poll that finishes leaves no note; a note from another folder state is ignored.
        assert_eq!(*mailbox.reading.borrow(), None);
    }

    #[test]
    fn a_cursor_from_before_mail_reads_the_folder_from_its_start() {
        let old = r#"{"v":1,"ack":["h1"],"report":{"state":"idle","index":0},"marks":{}}"#;
        let cursor = Cursor::decode(old).unwrap();
        assert_eq!(cursor.mail, None);
        assert_eq!(cursor.ack, ["h1"]);
        assert!(!Cursor::default().encode().contains("mail"));
    }

    #[test]
    fn one_poll_carries_a_bounded_amount_of_attachments() {
        let big = |uid: u32| {
            let photo = "A".repeat(9 << 20); // 6.75 MiB once decoded
            let raw = format!(
                "From: a1@marketplace.amazon.com\r\nSubject: Photo (Order: 113-4567890-1234567)\r\n\
                 Message-ID: <p{uid}@example>\r\n\
                 Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                 Content-Type: text/plain\r\n\r\nSee photo\r\n--b\r\n\
                 Content-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                 {photo}\r\n--b--\r\n"
            );
            stored(uid, raw.as_bytes())
        };
        let mailbox = ScriptedMailbox::new(
            vec![Ok(fetched(42, vec![big(1), big(2), big(3)], false))],
            Vec::new(),
        );
        let page = run(&mailbox, &mail_only(), &password(), Cursor::default()).unwrap();
        assert_eq!(
            page.events.len(),
            1,
            "a second 9 MiB data URL would pass the budget"
        );
        assert_eq!(
            page.next.mail,
            Some(MailMark {
                validity: 42,
                uid: 1
            })
        );
        assert!(page.more, "the rest waits for the next poll");
    }

    #[test]
    fn a_mail_failure_keeps_the_mail_cursor_and_lets_reports_go_on() {
        let settings = settings(&[
            ("mailbox_host", "imap.example-shop.com"),
            ("mailbox_username", "support@example-shop.com"),
        ])
        .unwrap();
        let crypto =
            FakeCrypto::with(&[("amazon_mailbox_password", "pw"), ("amazon_lwa_token", "t")]);
        let mailbox = ScriptedMailbox::new(vec![Err(mail::MailError::Timeout)], Vec::new());
        let cursor = Cursor {
            mail: Some(MailMark {
                validity: 42,
                uid: 8,
            }),
            ..Cursor::default()
        };
        let transport = Script::new(&[(202, r#"{"reportId":"R-1"}"#)]);
        let page = poll(
            &transport,
            &crypto,
            &mailbox,
            &settings,
            cursor.clone(),
            now(),
        )
        .unwrap();
        assert!(matches!(page.next.report, ReportState::Waiting { .. }));
        assert_eq!(page.next.mail, cursor.mail);
        assert_eq!(page.warnings.len(), 1);
        assert!(
            page.warnings[0]
                .starts_with("mail intake skipped: the mailbox imap.example-shop.com:993"),
            "{:?}",
            page.warnings
        );
    }

    #[test]
    fn when_every_part_fails_the_poll_fails() {
        // Mail alone: its error.
        let mailbox = ScriptedMailbox::new(
            vec![Err(mail::MailError::Connection("refused".into()))],
            Vec::new(),
        );
        let got = run(&mailbox, &mail_only(), &password(), Cursor::default());
        assert!(
            matches!(&got, Err(ActionError::Transient(m)) if m.contains("refused")),
            "{:?}",
            got.err()
        );
        // No password: misconfigured before any call.
        let mailbox = ScriptedMailbox::default();
        let got = run(
            &mailbox,
            &mail_only(),
            &FakeCrypto::with(&[]),
            Cursor::default(),
        );
        assert!(
            matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`amazon_mailbox_password`")),
            "{:?}",
            got.err()
        );
        assert!(mailbox.fetched.borrow().is_empty());
        // Reports without a token and the mailbox refusing the login: both named.
        let settings = settings(&[
            ("mailbox_host", "imap.example-shop.com"),
            ("mailbox_username", "support@example-shop.com"),
        ])
        .unwrap();
        let mailbox = ScriptedMailbox::new(
            vec![Err(mail::MailError::AuthFailed("NO LOGIN failed".into()))],
            Vec::new(),
        );
        let got = run(&mailbox, &settings, &password(), Cursor::default());
        let Err(ActionError::Misconfigured(m)) = &got else {
            panic!("{:?}", got.as_ref().err());
        };
        assert!(
            m.contains("report polling: secret `amazon_lwa_token`"),
            "{m}"
        );
        assert!(m.contains("mail intake: the mailbox"), "{m}");
        assert!(m.contains("`mailbox_username`"), "{m}");
    }

    #[test]
    fn mail_errors_name_what_to_fix() {
        let config = mail_only().mailbox.unwrap();
        for (error, kind, needle) in [
            (mail::MailError::Timeout, "transient", "did not answer"),
            (
                mail::MailError::HostNotGranted("imap.example-shop.com:993".into()),
                "misconfigured",
                "`mailbox_host`",
            ),
            (
                mail::MailError::InvalidRequest("folder".into()),
                "misconfigured",
                "`mailbox_folder`",
            ),
            (
                mail::MailError::Rejected("NO [NONEXISTENT]".into()),
                "misconfigured",
                "`mailbox_folder` = \"INBOX\"",
            ),
        ] {
            let got = mailbox::fetch_error(error, &config);
            let (k, text) = match &got {
                ActionError::Transient(t) => ("transient", t),
                ActionError::Permanent(t) => ("permanent", t),
                ActionError::Misconfigured(t) => ("misconfigured", t),
            };
            assert_eq!(k, kind, "{text}");
            assert!(text.contains(needle), "{text}");
        }
    }

    #[test]
    fn the_cursor_round_trips() {
        let t = Timestamp::parse("2026-02-01T10:00:00Z").unwrap();
        let mut marks = BTreeMap::new();
        marks.insert(RETURNS_REPORT.to_string(), t);
        let c = Cursor {
            ack: vec!["h1".into(), "h2".into()],
            report: ReportState::Waiting {
                report_type: RETURNS_REPORT.into(),
                id: "54517018502".into(),
                end: t,
                since: t,
                index: 0,
            },
            marks,
            mail: Some(MailMark {
                validity: 4_000_000_000,
                uid: 4711,
            }),
        };
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        assert_eq!(
            Cursor::decode(&Cursor::default().encode()),
            Ok(Cursor::default())
        );
        assert!(Cursor::decode("{}").unwrap_err().contains("version"));
    }
}
