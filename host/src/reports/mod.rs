//! Reports over the store's tickets: the after-sales heatmap (SKU or batch × issue kind),
//! carrier problem rates, the account-health rates the connectors declare (an order defect
//! rate, a transaction defect rate: `[[rules.health]]`), SLA compliance per agent, the monthly hotspot report, customer segments for the seller's own
//! marketing tools, and the proactive-care list.
//!
//! Everything is computed on demand from what the store holds — tickets, their timelines and
//! the normalized events of the deliveries those timelines name — and only read. What the
//! marketplaces do not tell the gateway (how many orders a shop had, who cancelled an eBay
//! order) is not invented: a rate needs a denominator the caller gives, and the report says
//! so in its `notes` when it has none.

mod care;
mod carriers;
mod health;
mod heatmap;
mod hotspots;
mod segment;
mod sla;
pub mod svg;
pub mod table;

pub use care::{care, reason_label as care_reason};
pub use carriers::carriers;
pub use health::health;
pub use heatmap::heatmap;
pub use hotspots::{hotspots, month_bounds};
pub use segment::{connector_rules, relay_of, segment};
pub use sla::sla;

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::plugin::bindings::types::{IssueKind, Money};
use crate::store::{InboxRecord, Store, StoreError};
use crate::tickets::model::{Happening, Ticket, case_key};
use table::Table;

/// An order worth at least this many minor units (of its own currency) is high-value for
/// the proactive-care list unless the caller says otherwise.
pub const DEFAULT_HIGH_VALUE_MINOR: i64 = 20_000;
/// Days without shipment news after which the care list calls a shipment stalled (the
/// alerts' `logistics_stalled_days` default).
pub const DEFAULT_STALLED_DAYS: i64 = 5;

/// The language of a report's words: its title, chart and notes. Its numbers and column
/// names, which tools read, are the same in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese, as the dashboard's `zh-CN`.
    ZhCn,
}

impl Lang {
    /// The language named by `tag` (`en` or `zh-CN`, as the dashboard names them).
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "zh-CN" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The tag that names it, as [`Lang::parse`] reads it: `en` or `zh-CN`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// `en` or `zh`, whichever is in this language.
    fn pick(self, en: String, zh: String) -> String {
        match self {
            Lang::En => en,
            Lang::ZhCn => zh,
        }
    }

    /// An issue kind (`logistics-delay`) as a chart shows it: its name in English, the
    /// dashboard's word for it in Chinese.
    fn kind(self, kind: &str) -> String {
        let zh = match (self, kind) {
            (Lang::En, _) => None,
            (Lang::ZhCn, kind) => KINDS_ZH.iter().find(|(k, _)| *k == kind).map(|(_, z)| *z),
        };
        zh.unwrap_or(kind).to_string()
    }
}

/// The problem kinds' Chinese names, as the dashboard's tables head them (`reports.js`).
const KINDS_ZH: [(&str, &str); 15] = [
    ("not-received", "未收到"),
    ("delivered-not-received", "显示已签收但未收到"),
    ("damaged", "商品损坏"),
    ("wrong-item", "发错商品"),
    ("quality", "质量问题"),
    ("logistics-delay", "物流延误"),
    ("customs-hold", "海关扣留"),
    ("return-request", "退货请求"),
    ("cancellation-request", "取消请求"),
    ("a-to-z-claim", "A-to-z 索赔"),
    ("chargeback", "拒付"),
    ("payment-dispute", "支付争议"),
    ("negative-review", "差评"),
    ("buyer-message", "买家消息"),
    ("other", "其他"),
];

/// A ticket with what its events said beyond the ticket's own fields.
#[derive(Debug, Clone)]
pub struct Case {
    /// The ticket.
    pub ticket: Ticket,
    /// The order lines' SKUs with their batch when the event named one, deduplicated.
    pub items: Vec<Item>,
    /// The latest star rating an event carried (reviews and feedback).
    pub rating: Option<u8>,
    /// The order's total, when an event carried it.
    pub order_total: Option<Money>,
    /// When the latest marketplace event of the ticket arrived.
    pub last_event_at: Option<Timestamp>,
    /// When the order was placed, when an event said.
    pub placed_at: Option<Timestamp>,
}

/// An order line as the reports key it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    /// The seller's SKU (`None` when the line had none).
    pub sku: Option<String>,
    /// The production batch or lot, from the line or the event's `batch` attribute.
    pub batch: Option<String>,
}

impl Item {
    fn label(&self, lang: Lang) -> String {
        match (&self.sku, &self.batch) {
            (Some(s), Some(b)) => format!("{s} · {b}"),
            (Some(s), None) => s.clone(),
            (None, Some(b)) => lang.pick(format!("batch {b}"), format!("批次 {b}")),
            (None, None) => lang.pick("(no SKU)".into(), "（无 SKU）".into()),
        }
    }
}

/// The `[reports]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsConfig {
    /// Production batches of the seller's SKUs, for order lines the marketplace sent
    /// without one.
    #[serde(default)]
    pub batches: Vec<BatchRule>,
}

/// `[[reports.batches]]`: the units of `sku` sold from `from` on came from `batch`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRule {
    /// The seller's SKU, as the order lines name it.
    pub sku: String,
    /// The batch or lot.
    pub batch: String,
    /// The first day (UTC) of orders from this batch; from the start when absent.
    #[serde(default)]
    pub from: Option<jiff::civil::Date>,
}

impl ReportsConfig {
    /// A rule that names no SKU or batch, or two rules for one SKU and day, named.
    pub fn check(&self) -> Result<(), String> {
        for (i, rule) in self.batches.iter().enumerate() {
            if rule.sku.trim().is_empty() || rule.batch.trim().is_empty() {
                return Err(format!(
                    "`reports.batches[{i}]` needs a `sku` and a `batch`"
                ));
            }
            if self.batches[..i]
                .iter()
                .any(|r| r.sku == rule.sku && r.from == rule.from)
            {
                return Err(format!(
                    "`reports.batches[{i}]`: SKU {:?} has two batches from the same day",
                    rule.sku
                ));
            }
        }
        Ok(())
    }

    /// The batch of `sku` for an order placed (or a case opened) at `at`: the rule for the
    /// SKU with the latest `from` on or before that day.
    pub fn batch_of(&self, sku: &str, at: Timestamp) -> Option<&str> {
        let day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
        self.batches
            .iter()
            .filter(|r| r.sku == sku && r.from.is_none_or(|from| from <= day))
            .max_by_key(|r| r.from)
            .map(|r| r.batch.as_str())
    }
}

/// Give every order line of `cases` that has a SKU but no batch the batch `config` names for
/// it, by the day its order was placed (else the day its case opened).
pub fn assign_batches(cases: &mut [Case], config: &ReportsConfig) {
    if config.batches.is_empty() {
        return;
    }
    for case in cases {
        let at = case.placed_at.unwrap_or(case.ticket.opened_at);
        for item in &mut case.items {
            if item.batch.is_none()
                && let Some(sku) = &item.sku
            {
                item.batch = config.batch_of(sku, at).map(str::to_string);
            }
        }
        case.items.sort();
        case.items.dedup();
    }
}

/// Read every ticket with the events of its deliveries.
pub fn gather(store: &Store) -> Result<Vec<Case>, StoreError> {
    let mut deliveries: HashMap<u64, Option<InboxRecord>> = HashMap::new();
    let mut cases = Vec::new();
    for ticket in store.all_tickets() {
        let ticket = ticket?;
        let mut case = Case {
            items: Vec::new(),
            rating: None,
            order_total: None,
            last_event_at: None,
            placed_at: None,
            ticket,
        };
        for entry in store.timeline(case.ticket.id)? {
            let Happening::Event { delivery, .. } = entry.what else {
                continue;
            };
            case.last_event_at = Some(case.last_event_at.map_or(entry.at, |t| t.max(entry.at)));
            let record = match deliveries.entry(delivery) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(store.delivery(delivery)?.map(|(record, _body)| record))
                }
            };
            let Some(record) = record else {
                continue;
            };
            absorb(&mut case, record);
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Take what `record`'s events of this ticket's case say.
fn absorb(case: &mut Case, record: &InboxRecord) {
    let ticket = &case.ticket;
    if record.plugin != ticket.marketplace {
        return;
    }
    for event in &record.events {
        let order_id = event.order.as_ref().map(|o| o.id.as_str());
        let key = case_key(
            event.case_id.as_deref(),
            order_id,
            event.kind,
            &event.dedupe.business,
        );
        if event.shop != ticket.shop || key != ticket.case_key {
            continue;
        }
        let attribute_batch = helloword_model::model::attribute(event, "batch").map(str::to_string);
        if let Some(order) = &event.order {
            for line in &order.line_items {
                let item = Item {
                    sku: line.sku.clone().filter(|s| !s.is_empty()),
                    batch: line.batch.clone().or_else(|| attribute_batch.clone()),
                };
                if (item.sku.is_some() || item.batch.is_some()) && !case.items.contains(&item) {
                    case.items.push(item);
                }
            }
            if order.total.is_some() {
                case.order_total = order.total.clone();
            }
            if let Some(at) = order
                .placed_at
                .as_ref()
                .and_then(|t| Timestamp::new(t.seconds, t.nanoseconds as i32).ok())
            {
                case.placed_at = Some(at);
            }
        }
        if event.rating.is_some() {
            case.rating = event.rating;
        }
    }
}

/// One computed report: a table, notes on what it could not know, and its chart.
#[derive(Debug, Clone)]
pub struct Report {
    /// Short name, used in file names (`heatmap`, a health rate's name, ...).
    pub name: String,
    /// Title for people.
    pub title: String,
    /// The numbers.
    pub table: Table,
    /// What the numbers rest on and what is missing.
    pub notes: Vec<String>,
    /// The chart, for reports that have one.
    pub svg: Option<String>,
}

impl Report {
    /// The report as JSON for the API.
    pub fn to_json(&self) -> Value {
        let mut v = self.table.to_json();
        v["report"] = Value::from(self.name.clone());
        v["title"] = Value::from(self.title.clone());
        v["notes"] = serde_json::json!(self.notes);
        v
    }
}

/// Kinds that are news rather than problems; the heatmap and hotspots leave them out.
fn is_problem(kind: IssueKind) -> bool {
    !matches!(
        kind,
        IssueKind::ShipmentUpdate
            | IssueKind::OrderUpdate
            | IssueKind::RefundIssued
            | IssueKind::PrivacyRequest
            | IssueKind::AccountHealth
    )
}

/// Kinds that point at the carrier.
fn is_delivery_problem(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::NotReceived
            | IssueKind::DeliveredNotReceived
            | IssueKind::Damaged
            | IssueKind::LogisticsDelay
            | IssueKind::CustomsHold
    )
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 10_000.0).round() / 100.0)
}

fn since(now: Timestamp, days: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * days))
        .unwrap_or(Timestamp::MIN)
}

/// The order a ticket counts as: its order id, else the ticket itself.
fn order_key(t: &Ticket) -> String {
    match &t.order_id {
        Some(o) => format!("{}\0{}\0{o}", t.marketplace, t.shop),
        None => format!("ticket\0{}", t.id),
    }
}

#[cfg(test)]
mod tests {
    use super::sla::percentile;
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 0.5), Some(5));
        assert_eq!(percentile(&v, 0.9), Some(9));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn months_are_bounded_in_utc_and_bad_months_refused() {
        let (start, end) = month_bounds("2026-12").unwrap();
        assert_eq!(start.to_string(), "2026-12-01T00:00:00Z");
        assert_eq!(end.to_string(), "2027-01-01T00:00:00Z");
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("december").is_none());
    }

    #[test]
    fn relay_addresses_are_recognised_by_the_connectors_rules() {
        let rules = |relay: &[&str]| crate::plugin::bindings::rules::MarketplaceRules {
            relay_domains: relay.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        let connectors = [
            ("amazon".to_string(), rules(&["marketplace.amazon."])),
            ("ebay".to_string(), rules(&["members.ebay."])),
        ];
        assert_eq!(
            relay_of("x7@marketplace.amazon.de", &connectors),
            Some("amazon")
        );
        assert_eq!(relay_of("abc@Members.eBay.com", &connectors), Some("ebay"));
        assert_eq!(relay_of("lily@example.com", &connectors), None);
    }
}
