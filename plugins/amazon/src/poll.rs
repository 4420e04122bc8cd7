//! `poll`: the SQS queue (when `sqs_queue_url` is set) and the scheduled reports (when
//! `report_types` is not empty), one step of each per call.
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
//! ```json
//! {"v":1,"ack":["AQEB…"],"report":{"state":"waiting","type":"GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
//!  "id":"54517018502","end":"2026-02-01T10:00:00Z","since":"2026-02-01T10:00:00Z","index":0},
//!  "marks":{"GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE":"2026-01-31T10:00:00Z"}}
//! ```

use std::collections::BTreeMap;

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{ActionError, TicketEvent, Timestamp};
use serde_json::json;

use crate::envelope;
use crate::intake::{self, Processed};
use crate::io::{Crypto, Transport};
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
        json!({"v": 1, "ack": self.ack, "report": report, "marks": marks}).to_string()
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
        Ok(Cursor { ack, report, marks })
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
}

/// Run one poll from `cursor`.
pub fn poll(
    transport: &dyn Transport,
    crypto: &dyn Crypto,
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
    };
    if settings.sqs.is_none() && settings.report_types.is_empty() {
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

    if !settings.report_types.is_empty() {
        let stepped = SpApi::require_token(crypto)
            .and_then(|()| report_step(&api, settings, &mut page.next, now));
        match stepped {
            Ok(read) => {
                page.events.extend(read.events);
                page.warnings.extend(read.warnings);
            }
            // What SQS gave must still be recorded and deleted; the report waits.
            Err(e) if settings.sqs.is_some() => {
                page.next.report = cursor.report.clone();
                page.next.marks = cursor.marks.clone();
                page.warnings
                    .push(format!("report polling skipped: {}", error_text(&e)));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(page)
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
    use super::*;

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
        };
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        assert_eq!(
            Cursor::decode(&Cursor::default().encode()),
            Ok(Cursor::default())
        );
        assert!(Cursor::decode("{}").unwrap_err().contains("version"));
    }
}
