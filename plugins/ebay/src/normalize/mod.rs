//! eBay after-sales objects → normalized ticket events, one module per object.
//!
//! The same object reaches the connector by push (a Platform Notification, a Commerce
//! Notification) and by poll (a Post-Order or Fulfillment search). Conventions that keep
//! the two one stream:
//! - `case_id` is a [`CaseRef`](crate::case_id::CaseRef) (`return:<id>`, `case:<id>`, …),
//!   whichever way the object arrived;
//! - `dedupe.business` is `<case id>:<phase>`, where the phase is a small vocabulary both
//!   ways can name (a return `requested`, `escalated`, `closed`, …). The same return seen
//!   by a notification and by a poll in the same phase is one state change;
//! - `dedupe.delivery` is eBay's notification id when there is one; polls have none;
//! - `platform_deadline` is only ever eBay's own `respondByDate` for the seller. Without
//!   one it stays empty so the host applies eBay's 3 business days;
//! - `shop` is the configured `seller`; attributes carry `source` (`poll`,
//!   `notification`, `platform_notification`) and the topic or search.

pub mod cancellations;
pub mod cases;
pub mod disputes;
pub mod inquiries;
pub mod orders;
pub mod returns;

use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{Customer, DedupeKey, IssueKind, Money, Order, TicketEvent};

use crate::case_id::CaseRef;
use crate::market;

/// Where an event came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The shop every event is tagged with (config `seller`).
    pub shop: String,
    /// `poll`, `notification` or `platform_notification`.
    pub source: &'static str,
    /// The topic, notification event or search that produced it.
    pub topic: String,
    /// eBay's notification id, when the event was pushed with one.
    pub delivery: Option<String>,
}

impl Origin {
    /// Events found by the poll `search` for `shop`.
    pub fn poll(shop: &str, search: &str) -> Origin {
        Origin {
            shop: shop.to_string(),
            source: "poll",
            topic: search.to_string(),
            delivery: None,
        }
    }

    /// An event for `case` in `phase`, with the origin's fields filled in; its business
    /// key is `<case>:<phase>`.
    pub fn event(
        &self,
        kind: IssueKind,
        case: &CaseRef,
        phase: &str,
        summary: String,
    ) -> TicketEvent {
        let mut event = self.plain(kind, format!("{case}:{phase}"), summary);
        event.case_id = Some(case.to_string());
        event
    }

    /// An event that belongs to no case, with this business key.
    pub fn plain(&self, kind: IssueKind, business: String, summary: String) -> TicketEvent {
        let dedupe = DedupeKey {
            delivery: self.delivery.clone(),
            action: None,
            business,
        };
        let mut event = TicketEvent::new(kind, self.shop.clone(), summary, dedupe);
        event.attributes = vec![
            ("source".to_string(), self.source.to_string()),
            ("topic".to_string(), self.topic.clone()),
        ];
        event
    }
}

/// Add `name = value` to an event's attributes when there is a value.
pub fn attribute(event: &mut TicketEvent, name: &str, value: Option<String>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        event.attributes.push((name.to_string(), value));
    }
}

/// A buyer known by user name, on a marketplace (which gives country and language).
pub fn buyer(username: Option<String>, marketplace: Option<&str>) -> Option<Customer> {
    let country = marketplace.and_then(market::country);
    let preferred_locale = marketplace.and_then(market::locale);
    if username.is_none() && country.is_none() {
        return None;
    }
    Some(Customer {
        id: username,
        name: None,
        email: None,
        country,
        preferred_locale,
        vip: false,
    })
}

/// An order known only by id.
pub fn order_ref(id: String) -> Order {
    Order {
        id,
        display_name: None,
        placed_at: None,
        total: None,
        line_items: Vec::new(),
    }
}

/// "143.99 USD".
pub fn format_money(money: &Money) -> String {
    format!(
        "{} {}",
        to_decimal_string(money.minor_units, &money.currency),
        money.currency
    )
}

/// A state as a phase: "ITEM_READY_TO_SHIP" → "item_ready_to_ship".
pub fn phase_of(state: &str) -> String {
    state.trim().to_ascii_lowercase()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Fixtures and lookups shared by the normalizer tests.

    use helloword_sdk::json::{self, Value};
    use helloword_sdk::types::TicketEvent;

    /// The shared fixture at `relative` (under `fixtures/ebay/`), parsed.
    pub fn fixture(relative: &str) -> Value {
        let path = format!("{}/tests/fixtures/{relative}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        json::parse(&bytes).expect("fixture is JSON")
    }

    /// The value of attribute `name`.
    pub fn attr<'a>(event: &'a TicketEvent, name: &str) -> Option<&'a str> {
        event
            .attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
