//! `GET /api/tickets`: the queue as agents work it, one page at a time.
//!
//! Open tickets come in queue order (red, yellow, blue; each by deadline, then id), closed
//! ones by id, search results newest first. Each answer holds at most `limit` tickets and
//! a `next` cursor when more match: there is no cap on how far an agent can page. The
//! cursor is opaque to clients; it is the queue key (or the ticket id) of the page's last
//! ticket, so a page is read from the index without counting through the earlier ones, and
//! a ticket that changes lane while an agent pages is neither lost nor shown twice in the
//! place it left.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::{Desk, error, json};
use crate::store::QueueFields;
use crate::tickets::model::{Status, Ticket, kind_from_name};
use crate::tickets::sla::Severity;
use helloword_model::types::IssueKind;

/// How many tickets a search reads at most before the other filters apply.
const SEARCH_CANDIDATES: usize = 500;

/// What `GET /api/tickets` asks for.
#[derive(Debug, Default)]
pub(super) struct Filter {
    severity: Option<Severity>,
    status: Option<Status>,
    marketplace: Option<String>,
    shop: Option<String>,
    agent: Option<String>,
    /// Only tickets nobody owns.
    unassigned: bool,
    /// Only tickets past their deadline.
    overdue: bool,
    kind: Option<IssueKind>,
    /// The buyer's language (its primary subtag: `de` takes `de-AT`).
    language: Option<String>,
    /// Words to find (order number, buyer name, e-mail, tracking number, message text).
    q: Option<String>,
    cursor: Option<Cursor>,
    limit: usize,
}

/// Where the previous page ended.
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    /// After this queue key (open tickets).
    Queue(Vec<u8>),
    /// After this ticket id (closed tickets: above it; search results: below it).
    Id(u64),
}

impl Cursor {
    fn encode(&self) -> String {
        match self {
            Cursor::Queue(key) => {
                let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
                format!("q{hex}")
            }
            Cursor::Id(id) => format!("i{id}"),
        }
    }

    fn decode(text: &str) -> Option<Cursor> {
        if let Some(hex) = text.strip_prefix('q') {
            if hex.len() % 2 != 0 || hex.len() > 64 {
                return None;
            }
            let key = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect::<Option<Vec<u8>>>()?;
            return Some(Cursor::Queue(key));
        }
        text.strip_prefix('i')?.parse().ok().map(Cursor::Id)
    }
}

pub(super) fn parse_filter(query: &str, who: &str) -> Result<Filter, String> {
    let mut filter = Filter {
        limit: 50,
        ..Filter::default()
    };
    let quoted = |v: &str| serde_json::Value::String(v.to_string());
    let yes = |name: &str, v: &str| match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("`{name}` is {v:?}; expected true or false")),
    };
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "severity" => {
                filter.severity = Some(serde_json::from_value(quoted(&value)).map_err(|_| {
                    format!("`severity` is {value:?}; expected red, yellow or blue")
                })?)
            }
            "status" => {
                filter.status = Some(serde_json::from_value(quoted(&value)).map_err(|_| {
                    format!(
                        "`status` is {value:?}; expected new, waiting-on-us, waiting-on-buyer, \
                         waiting-on-marketplace, resolved or closed"
                    )
                })?)
            }
            "marketplace" => filter.marketplace = Some(value.into_owned()),
            "shop" => filter.shop = Some(value.into_owned()),
            "agent" => filter.agent = Some(value.into_owned()),
            // The caller's own tickets: the agent the token belongs to.
            "mine" => {
                if yes("mine", &value)? {
                    filter.agent = Some(who.to_string());
                }
            }
            "unassigned" => filter.unassigned = yes("unassigned", &value)?,
            "overdue" => filter.overdue = yes("overdue", &value)?,
            "kind" => {
                filter.kind = Some(kind_from_name(&value).ok_or_else(|| {
                    format!("`kind` is {value:?}; expected an issue kind such as chargeback")
                })?)
            }
            "language" => filter.language = Some(value.to_ascii_lowercase()),
            "q" => {
                if value.chars().count() > 200 {
                    return Err("`q` is longer than 200 characters".into());
                }
                filter.q = Some(value.into_owned())
            }
            "cursor" => {
                filter.cursor = Some(Cursor::decode(&value).ok_or_else(|| {
                    format!("`cursor` is {value:?}, which is no cursor this API gave")
                })?)
            }
            "limit" => {
                filter.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|l| (1..=500).contains(l))
                    .ok_or_else(|| format!("`limit` is {value:?}; expected 1 to 500"))?
            }
            other => {
                return Err(format!(
                    "unknown query parameter `{other}`; expected severity, status, marketplace, \
                     shop, agent, mine, unassigned, overdue, kind, language, q, cursor or limit"
                ));
            }
        }
    }
    if filter.unassigned && filter.agent.is_some() {
        return Err("`unassigned` goes with neither `agent` nor `mine`".into());
    }
    Ok(filter)
}

fn same_language(wanted: &str, language: Option<&str>) -> bool {
    language.is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l == wanted || l.split(['-', '_']).next() == Some(wanted)
    })
}

impl Filter {
    /// Whether a ticket with these indexed fields may pass (severity is the index's lane).
    /// Fields an older index entry lacks pass; [`Filter::accepts`] checks the ticket.
    fn accepts_fields(&self, f: &QueueFields) -> bool {
        self.status.is_none_or(|s| f.status == s)
            && self
                .marketplace
                .as_ref()
                .is_none_or(|m| f.marketplace == *m)
            && self.shop.as_ref().is_none_or(|s| f.shop == *s)
            && self
                .agent
                .as_ref()
                .is_none_or(|a| f.assignee.as_ref() == Some(a))
            && (!self.unassigned || f.assignee.is_none())
            && self.kind.is_none_or(|k| f.kind.is_none_or(|fk| fk == k))
    }

    fn accepts(&self, t: &Ticket, now: jiff::Timestamp) -> bool {
        self.status.is_none_or(|s| t.status == s)
            && self
                .marketplace
                .as_ref()
                .is_none_or(|m| t.marketplace == *m)
            && self.shop.as_ref().is_none_or(|s| t.shop == *s)
            && self
                .agent
                .as_ref()
                .is_none_or(|a| t.assignee.as_ref() == Some(a))
            && (!self.unassigned || t.assignee.is_none())
            && self.severity.is_none_or(|s| t.severity == s)
            && self.kind.is_none_or(|k| t.kind == k)
            && self
                .language
                .as_deref()
                .is_none_or(|l| same_language(l, t.language.as_deref()))
            && (!self.overdue || (t.status.is_open() && !t.answered() && t.due.at < now))
    }
}

/// `GET /api/tickets`: a page of the queue (see the module documentation); `who` is the
/// caller, for `mine`.
pub(super) fn list(desk: &Desk<'_>, query: &str, who: &str) -> Response<Full<Bytes>> {
    let filter = match parse_filter(query, who) {
        Ok(f) => f,
        Err(message) => return error(StatusCode::BAD_REQUEST, "bad-query", &message),
    };
    let store = &desk.store;
    let now = jiff::Timestamp::now();
    // Tickets the filter rejects by their indexed fields are skipped without being decoded:
    // a filter that matches nothing must not cost a decode of every ticket.
    let indexed = |f: &QueueFields| filter.accepts_fields(f);
    let source: Box<dyn Iterator<Item = Result<(Cursor, Ticket), _>>> =
        match (&filter.q, filter.status, &filter.cursor) {
            // A search finds closed cases too (newest first), unless a status narrows it.
            (Some(q), _, cursor) => {
                let below = match cursor {
                    Some(Cursor::Id(id)) => *id,
                    Some(Cursor::Queue(_)) => return bad_cursor(),
                    None => u64::MAX,
                };
                match store.search(q, SEARCH_CANDIDATES) {
                    Ok(ids) => Box::new(
                        ids.into_iter()
                            .filter(move |id| *id < below)
                            .filter_map(|id| store.ticket(id).transpose())
                            .map(|t| t.map(|t| (Cursor::Id(t.id), t))),
                    ),
                    Err(e) => return super::api::storage_error(e),
                }
            }
            (None, Some(s), cursor) if !s.is_open() => {
                let after = match cursor {
                    Some(Cursor::Id(id)) => Some(*id),
                    Some(Cursor::Queue(_)) => return bad_cursor(),
                    None => None,
                };
                Box::new(
                    store
                        .all_tickets_after(after, indexed)
                        .map(|t| t.map(|t| (Cursor::Id(t.id), t))),
                )
            }
            (None, _, cursor) => {
                let after = match cursor {
                    Some(Cursor::Queue(key)) => Some(key.clone()),
                    Some(Cursor::Id(_)) => return bad_cursor(),
                    None => None,
                };
                Box::new(
                    store
                        .open_tickets_after(filter.severity, after, indexed)
                        .map(|t| t.map(|(key, t)| (Cursor::Queue(key), t))),
                )
            }
        };
    let mut tickets = Vec::new();
    let mut last = None;
    let mut more = false;
    for item in source {
        match item {
            Ok((cursor, t)) if filter.accepts(&t, now) => {
                if tickets.len() == filter.limit {
                    more = true;
                    break;
                }
                last = Some(cursor);
                tickets.push(t);
            }
            Ok(_) => {}
            Err(e) => return super::api::storage_error(e),
        }
    }
    let next = more.then(|| last.map(|c| c.encode())).flatten();
    json(
        StatusCode::OK,
        &serde_json::json!({ "tickets": tickets, "next": next }),
    )
}

fn bad_cursor() -> Response<Full<Bytes>> {
    error(
        StatusCode::BAD_REQUEST,
        "bad-query",
        "`cursor` belongs to another listing (a search, closed tickets or the open queue): \
         start again without it",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_bad_values_name_the_parameter() {
        let f = parse_filter(
            "severity=red&status=waiting-on-us&shop=a.myshopify.com&limit=5",
            "mei",
        )
        .unwrap();
        assert_eq!(f.severity, Some(Severity::Red));
        assert_eq!(f.status, Some(Status::WaitingOnUs));
        assert_eq!(f.limit, 5);
        assert_eq!(
            parse_filter("severity=purple", "mei").unwrap_err(),
            "`severity` is \"purple\"; expected red, yellow or blue"
        );
        assert!(
            parse_filter("limit=0", "mei")
                .unwrap_err()
                .starts_with("`limit`")
        );
        assert!(
            parse_filter("colour=x", "mei")
                .unwrap_err()
                .starts_with("unknown query parameter `colour`")
        );
        assert_eq!(
            parse_filter("mine=true", "mei").unwrap().agent.as_deref(),
            Some("mei")
        );
        assert!(parse_filter("mine=true&unassigned=true", "mei").is_err());
        assert!(
            parse_filter("kind=parcel", "mei")
                .unwrap_err()
                .starts_with("`kind`")
        );
        assert!(
            parse_filter("cursor=zz", "mei")
                .unwrap_err()
                .starts_with("`cursor`")
        );
    }

    #[test]
    fn cursors_read_back() {
        for cursor in [Cursor::Queue(vec![0, 1, 254, 255]), Cursor::Id(42)] {
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
        assert_eq!(Cursor::decode("q0"), None);
        assert_eq!(Cursor::decode("x1"), None);
    }

    #[test]
    fn a_language_matches_its_regional_forms() {
        assert!(same_language("de", Some("de-AT")));
        assert!(same_language("de", Some("DE")));
        assert!(!same_language("de", Some("da")));
        assert!(!same_language("de", None));
    }
}
