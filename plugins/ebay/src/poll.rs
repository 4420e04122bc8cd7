//! Polling what eBay does not push reliably: Post-Order returns, cases, inquiries and
//! cancellations, and Fulfillment payment disputes.
//!
//! A *sweep* runs the configured searches (`poll_stages`) in order over one creation-date
//! window `[from, to)`, one page per call. The cursor records where the next call resumes:
//!
//! ```json
//! {"v": 1, "stage": "cases", "offset": 50, "from": "2026-01-01T00:00:00.000Z", "to": "2026-01-31T00:00:00.000Z"}
//! ```
//!
//! - `to` is fixed when a sweep starts (the clock at that moment), so pages do not shift
//!   while the sweep walks them; cases created later belong to the next sweep.
//! - After the last page of the last stage, the next sweep starts at the watermark `to`,
//!   reaching back `poll_revisit_days` so that recent cases are seen again and their state
//!   changes become events (the business keys drop unchanged states). Its `to` is empty
//!   until it starts.
//! - The first sweep reaches back `poll_lookback_days`. A window is never longer than 90
//!   days, the longest range eBay's searches accept.
//! - `more` is true while the sweep has pages or stages left, false once it is complete.
//!
//! The host stores the cursor only after the page's events are durable, so a crash repeats
//! at most one page.

use helloword_sdk::json::{self, Value};
use helloword_sdk::time::format_rfc3339;
use helloword_sdk::types::{ActionError, TicketEvent, Timestamp};
use serde_json::json;

use crate::api::{Api, Service};
use crate::normalize::{Origin, cancellations, cases, disputes, inquiries, returns};
use crate::payload::PayloadError;
use crate::settings::{Settings, Stage};

/// The longest window eBay's searches accept, in days.
const MAX_WINDOW_DAYS: i64 = 90;
const DAY: i64 = 86_400;

/// Where the next poll resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The search to run.
    pub stage: Stage,
    /// Entries of that search already seen in this sweep.
    pub offset: u32,
    /// Start of the sweep's creation-date window.
    pub from: Timestamp,
    /// End of the window; `None` until the sweep starts.
    pub to: Option<Timestamp>,
}

impl Cursor {
    /// The first sweep: `poll_lookback_days` back from `now`.
    pub fn first(settings: &Settings, now: Timestamp) -> Cursor {
        Cursor {
            stage: settings.stages[0],
            offset: 0,
            from: Timestamp {
                seconds: now.seconds - settings.lookback_days * DAY,
                nanoseconds: 0,
            },
            to: None,
        }
    }

    /// The cursor as the host stores it.
    pub fn encode(&self) -> String {
        json!({
            "v": 1,
            "stage": self.stage.name(),
            "offset": self.offset,
            "from": ebay_time(&self.from),
            "to": self.to.as_ref().map(ebay_time),
        })
        .to_string()
    }

    /// Read a stored cursor; the error says what is wrong with it.
    pub fn decode(text: &str) -> Result<Cursor, String> {
        let v = json::parse(text.as_bytes()).map_err(|e| format!("poll cursor: {e}"))?;
        if json::id_at(&v, "/v").as_deref() != Some("1") {
            return Err("poll cursor has no version 1".into());
        }
        let stage = json::str_at(&v, "/stage")
            .and_then(Stage::from_name)
            .ok_or("poll cursor names no known stage")?;
        let offset = json::id_at(&v, "/offset")
            .and_then(|o| o.parse().ok())
            .ok_or("poll cursor has no offset")?;
        let time = |field: &str| -> Result<Option<Timestamp>, String> {
            json::str_at(&v, field)
                .map(|t| Timestamp::parse(t).map_err(|e| format!("poll cursor {field}: {e}")))
                .transpose()
        };
        Ok(Cursor {
            stage,
            offset,
            from: time("/from")?.ok_or("poll cursor has no `from`")?,
            to: time("/to")?,
        })
    }
}

/// A timestamp as eBay's search parameters take it: `2026-01-31T00:00:00.000Z`.
pub fn ebay_time(t: &Timestamp) -> String {
    let text = format_rfc3339(t.seconds, 0);
    format!(
        "{}.{:03}Z",
        text.trim_end_matches('Z'),
        t.nanoseconds / 1_000_000
    )
}

/// What one poll call produced, with notes for the log.
pub struct Page {
    /// Events of this page.
    pub events: Vec<TicketEvent>,
    /// The cursor to store once the events are durable.
    pub next: Cursor,
    /// Another page or stage is ready right away.
    pub more: bool,
    /// Entries that could not be read (skipped), and other notes worth a warning.
    pub warnings: Vec<String>,
}

/// Run one page of the sweep that `cursor` points into.
pub fn poll(api: &Api<'_>, cursor: Option<Cursor>, now: Timestamp) -> Result<Page, ActionError> {
    let settings = api.settings();
    let mut warnings = Vec::new();
    let mut cursor = cursor.unwrap_or_else(|| Cursor::first(settings, now));
    if !settings.stages.contains(&cursor.stage) {
        // `poll_stages` changed since the cursor was stored: restart this window.
        cursor.stage = settings.stages[0];
        cursor.offset = 0;
    }
    let to = match cursor.to {
        Some(to) => to,
        None => {
            let to = now;
            let earliest = to.seconds - MAX_WINDOW_DAYS * DAY;
            if cursor.from.seconds < earliest {
                warnings.push(format!(
                    "the poll window starting {} is longer than eBay's {MAX_WINDOW_DAYS} days; \
                     cases created before {} are not searched",
                    ebay_time(&cursor.from),
                    ebay_time(&Timestamp {
                        seconds: earliest,
                        nanoseconds: 0
                    })
                ));
                cursor.from = Timestamp {
                    seconds: earliest,
                    nanoseconds: 0,
                };
            }
            cursor.to = Some(to);
            to
        }
    };

    let search = Search::of(cursor.stage);
    let path = search.path(&cursor.from, &to, settings.page_size, cursor.offset);
    let page = api.call(search.service, "GET", &path, None)?;
    let members = search.members(&page);
    let origin = Origin::poll(&settings.seller, search.name);
    let mut events = Vec::new();
    for member in members {
        match (search.normalize)(&origin, member) {
            Ok(event) => events.push(event),
            Err(PayloadError(e)) => {
                warnings.push(format!("skipped an entry of {}: {e}", search.name))
            }
        }
    }
    let seen = cursor.offset + members.len() as u32;
    let has_next_page = !members.is_empty()
        && match total(&page) {
            Some(total) => u64::from(seen) < total,
            None => members.len() as u32 >= settings.page_size,
        };

    let (next, more) = if has_next_page {
        (
            Cursor {
                offset: seen,
                ..cursor
            },
            true,
        )
    } else {
        let position = settings.stages.iter().position(|s| *s == cursor.stage);
        match position.and_then(|i| settings.stages.get(i + 1)) {
            Some(next_stage) => (
                Cursor {
                    stage: *next_stage,
                    offset: 0,
                    ..cursor
                },
                true,
            ),
            None => (
                Cursor {
                    stage: settings.stages[0],
                    offset: 0,
                    from: Timestamp {
                        seconds: to.seconds - settings.revisit_days * DAY,
                        nanoseconds: to.nanoseconds,
                    },
                    to: None,
                },
                false,
            ),
        }
    };
    Ok(Page {
        events,
        next,
        more,
        warnings,
    })
}

/// The total number of entries a search answer announces.
fn total(page: &Value) -> Option<u64> {
    ["/paginationOutput/totalEntries", "/total"]
        .iter()
        .find_map(|p| json::id_at(page, p))
        .and_then(|t| t.parse().ok())
}

type Normalizer = fn(&Origin, &Value) -> Result<TicketEvent, PayloadError>;

/// One search.
struct Search {
    name: &'static str,
    service: Service,
    path: &'static str,
    from_param: &'static str,
    to_param: &'static str,
    extra: &'static str,
    lists: &'static [&'static str],
    normalize: Normalizer,
}

impl Search {
    fn of(stage: Stage) -> Search {
        match stage {
            Stage::Returns => Search {
                name: "return/search",
                service: Service::PostOrder,
                path: "/return/search",
                from_param: "creation_date_range_from",
                to_param: "creation_date_range_to",
                extra: "&role=SELLER",
                lists: &["members"],
                normalize: returns::from_post_order,
            },
            Stage::Cases => Search {
                name: "casemanagement/search",
                service: Service::PostOrder,
                path: "/casemanagement/search",
                from_param: "case_creation_date_range_from",
                to_param: "case_creation_date_range_to",
                extra: "",
                lists: &["members", "cases"],
                normalize: cases::from_post_order,
            },
            Stage::Inquiries => Search {
                name: "inquiry/search",
                service: Service::PostOrder,
                path: "/inquiry/search",
                from_param: "inquiry_creation_date_range_from",
                to_param: "inquiry_creation_date_range_to",
                extra: "",
                lists: &["members", "inquiries"],
                normalize: inquiries::from_post_order,
            },
            Stage::Cancellations => Search {
                name: "cancellation/search",
                service: Service::PostOrder,
                path: "/cancellation/search",
                from_param: "creation_date_range_from",
                to_param: "creation_date_range_to",
                extra: "",
                lists: &["cancellations", "members"],
                normalize: cancellations::from_post_order,
            },
            Stage::Disputes => Search {
                name: "payment_dispute_summary",
                service: Service::Disputes,
                path: "/payment_dispute_summary",
                from_param: "open_date_from",
                to_param: "open_date_to",
                extra: "",
                lists: &["paymentDisputeSummaries"],
                normalize: disputes::from_fulfillment,
            },
        }
    }

    fn path(&self, from: &Timestamp, to: &Timestamp, limit: u32, offset: u32) -> String {
        format!(
            "{}?{}={}&{}={}&limit={limit}&offset={offset}{}",
            self.path,
            self.from_param,
            ebay_time(from),
            self.to_param,
            ebay_time(to),
            self.extra
        )
    }

    fn members<'v>(&self, page: &'v Value) -> &'v [Value] {
        self.lists
            .iter()
            .find_map(|key| page.get(*key).and_then(Value::as_array))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::test_support::Script;
    use crate::settings::test_support::settings;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn the_cursor_round_trips_and_bad_ones_are_named() {
        let c = Cursor {
            stage: Stage::Cases,
            offset: 50,
            from: at("2026-01-01T00:00:00Z"),
            to: Some(at("2026-01-31T00:00:00.250Z")),
        };
        assert_eq!(
            c.encode(),
            r#"{"from":"2026-01-01T00:00:00.000Z","offset":50,"stage":"cases","to":"2026-01-31T00:00:00.250Z","v":1}"#
        );
        assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        assert!(Cursor::decode("{}").unwrap_err().contains("version"));
        assert!(
            Cursor::decode(r#"{"v":1,"stage":"x"}"#)
                .unwrap_err()
                .contains("stage")
        );
    }

    #[test]
    fn a_sweep_walks_pages_then_stages_then_starts_over_from_the_watermark() {
        let s = settings(&[("poll_stages", "returns,disputes"), ("poll_page_size", "1")]).unwrap();
        let now = at("2026-02-01T00:00:00Z");
        let member = r#"{"returnId": "1", "state": "RETURN_REQUESTED"}"#;
        let script = Script::new(&[
            (
                200,
                &format!(r#"{{"members": [{member}], "paginationOutput": {{"totalEntries": 2}}}}"#),
            ),
            (
                200,
                r#"{"members": [{"returnId": "2"}], "paginationOutput": {"totalEntries": 2}}"#,
            ),
            (200, r#"{"paymentDisputeSummaries": [], "total": 0}"#),
        ]);
        let api = Api::new(&script, &s);
        let first = poll(&api, None, now).unwrap();
        assert_eq!(first.events.len(), 1);
        assert!(first.more);
        assert_eq!(first.next.offset, 1);
        let second = poll(&api, Some(first.next), at("2026-02-01T00:05:00Z")).unwrap();
        assert!(second.more);
        assert_eq!(second.next.stage, Stage::Disputes);
        let third = poll(&api, Some(second.next), at("2026-02-01T00:06:00Z")).unwrap();
        assert!(!third.more);
        // The window was fixed when the sweep started, and the next sweep reaches back
        // `poll_revisit_days` (7) from it.
        assert_eq!(third.next.stage, Stage::Returns);
        assert_eq!(third.next.from, at("2026-01-25T00:00:00Z"));
        assert_eq!(third.next.to, None);
        let calls = script.calls();
        assert_eq!(
            calls[0],
            "GET https://api.ebay.com/post-order/v2/return/search?creation_date_range_from=2026-01-02T00:00:00.000Z&creation_date_range_to=2026-02-01T00:00:00.000Z&limit=1&offset=0&role=SELLER"
        );
        assert!(
            calls[1].ends_with("&limit=1&offset=1&role=SELLER"),
            "{}",
            calls[1]
        );
        assert!(calls[1].contains("creation_date_range_to=2026-02-01T00:00:00.000Z"));
        assert_eq!(
            calls[2],
            "GET https://apiz.ebay.com/sell/fulfillment/v1/payment_dispute_summary?open_date_from=2026-01-02T00:00:00.000Z&open_date_to=2026-02-01T00:00:00.000Z&limit=1&offset=0"
        );
    }

    #[test]
    fn an_unreadable_entry_is_skipped_with_a_warning() {
        let s = settings(&[("poll_stages", "inquiries")]).unwrap();
        let script = Script::new(&[(
            200,
            r#"{"members": [{"status": "OPEN"}, {"inquiryId": "7"}]}"#,
        )]);
        let page = poll(&Api::new(&script, &s), None, at("2026-02-01T00:00:00Z")).unwrap();
        assert_eq!(page.events.len(), 1);
        assert!(
            page.warnings[0].contains("`inquiryId` is missing"),
            "{:?}",
            page.warnings
        );
        assert!(!page.more);
    }

    #[test]
    fn a_long_absence_is_clamped_to_ninety_days_with_a_warning() {
        let s = settings(&[("poll_stages", "cases")]).unwrap();
        let script = Script::new(&[(200, r#"{"members": []}"#)]);
        let stale = Cursor {
            stage: Stage::Cases,
            offset: 0,
            from: at("2025-01-01T00:00:00Z"),
            to: None,
        };
        let page = poll(
            &Api::new(&script, &s),
            Some(stale),
            at("2026-02-01T00:00:00Z"),
        )
        .unwrap();
        assert!(page.warnings[0].contains("90 days"));
        assert!(
            script.calls()[0].contains("case_creation_date_range_from=2025-11-03T00:00:00.000Z")
        );
    }

    #[test]
    fn errors_stop_the_poll_without_moving_the_cursor() {
        let s = settings(&[]).unwrap();
        let script = Script::new(&[(503, "")]);
        assert!(matches!(
            poll(&Api::new(&script, &s), None, at("2026-02-01T00:00:00Z")),
            Err(ActionError::Transient(_))
        ));
    }
}
