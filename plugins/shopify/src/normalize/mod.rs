//! Shopify payloads → normalized ticket events, one module per family of topics.
//!
//! Everything here is pure: it reads the delivery's envelope and its parsed body and returns
//! events, so every topic is unit-tested natively against Shopify's published samples.
//!
//! Conventions shared by every topic:
//! - `shop` is the `X-Shopify-Shop-Domain` header, never a body field.
//! - `dedupe.delivery` is `X-Shopify-Webhook-Id`, `dedupe.action` is `X-Shopify-Event-Id`,
//!   and `dedupe.business` names the object and the state the event puts it in.
//! - `case_id` is the id of the case the event belongs to (the dispute id, the return's
//!   GraphQL id), so events of one case land on one ticket; order-level context (refunds,
//!   shipments, order changes) has none and is grouped by order and kind.
//! - Money is in exact minor units; ids above 2^53 are kept as their exact digits.
//! - `attributes` always carries the `topic`, and `triggered_at` when Shopify sent it (a
//!   retry carries the original payload, so the host can tell stale state from new); an
//!   event that names the buyer's e-mail carries it as `reply.email`, with the order's name
//!   as `reply.order`, for replies by e-mail (`crate::email`).

mod disputes;
mod orders;
mod payments;
mod privacy;
mod refunds;
mod returns;
mod shipping;

pub(crate) use refunds::refund_total;

use helloword_sdk::json::Value;
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{DedupeKey, IssueKind, Money, TicketEvent, Timestamp};

use crate::delivery::Delivery;
use crate::payload::{Payload, PayloadError};

/// Every topic this connector turns into events. Anything else is acknowledged and
/// ignored.
pub const TOPICS: &[&str] = &[
    "disputes/create",
    "disputes/update",
    "refunds/create",
    "returns/request",
    "returns/approve",
    "returns/decline",
    "returns/cancel",
    "returns/close",
    "returns/reopen",
    "returns/update",
    "reverse_deliveries/attach_deliverable",
    "fulfillment_events/create",
    "fulfillments/create",
    "fulfillments/update",
    "orders/updated",
    "orders/cancelled",
    "order_transactions/create",
    "customers/redact",
    "customers/data_request",
    "shop/redact",
];

/// Whether `topic` (lower case) is one of [`TOPICS`].
pub fn handles(topic: &str) -> bool {
    TOPICS.contains(&topic)
}

/// Normalize the body of a verified delivery of a topic in [`TOPICS`].
pub fn normalize(delivery: &Delivery, body: &Value) -> Result<Vec<TicketEvent>, PayloadError> {
    let payload = Payload::new(&delivery.topic, body);
    if !body.is_object() {
        return Err(PayloadError(format!(
            "{} payload is not a JSON object",
            delivery.topic
        )));
    }
    let ctx = Context { delivery, payload };
    let event = match delivery.topic.as_str() {
        "disputes/create" | "disputes/update" => disputes::dispute(&ctx)?,
        "refunds/create" => refunds::refund(&ctx)?,
        "returns/update" => returns::return_update(&ctx)?,
        topic if topic.starts_with("returns/") => returns::return_state(&ctx)?,
        "reverse_deliveries/attach_deliverable" => returns::reverse_delivery(&ctx)?,
        "fulfillment_events/create" => shipping::fulfillment_event(&ctx)?,
        "fulfillments/create" | "fulfillments/update" => shipping::fulfillment(&ctx)?,
        "orders/updated" | "orders/cancelled" => orders::order(&ctx)?,
        "order_transactions/create" => match payments::transaction(&ctx)? {
            Some(event) => event,
            None => return Ok(Vec::new()),
        },
        "customers/redact" | "customers/data_request" | "shop/redact" => privacy::request(&ctx)?,
        other => {
            return Err(PayloadError(format!(
                "topic {other} has no normalizer (a bug: it is listed in TOPICS)"
            )));
        }
    };
    let mut event = event;
    reply_context(&mut event);
    Ok(vec![event])
}

/// Where a reply to the buyer goes (`crate::email`): the buyer's e-mail as `reply.email`
/// and the order's name as `reply.order`. Not for data-protection requests, which are no
/// conversation.
fn reply_context(event: &mut TicketEvent) {
    if event.kind == IssueKind::PrivacyRequest {
        return;
    }
    let email = event
        .customer
        .as_ref()
        .and_then(|c| c.email.clone())
        .filter(|e| !e.trim().is_empty());
    let Some(email) = email else {
        return;
    };
    let order = event
        .order
        .as_ref()
        .map(|o| o.display_name.clone().unwrap_or_else(|| o.id.clone()));
    attribute(event, "reply.email", Some(email));
    attribute(event, "reply.order", order);
}

/// What a topic's normalizer works from.
struct Context<'a> {
    delivery: &'a Delivery,
    payload: Payload<'a>,
}

impl Context<'_> {
    /// The topic's verb: `create` for `disputes/create`.
    fn verb(&self) -> &str {
        self.delivery
            .topic
            .split_once('/')
            .map_or("", |(_, verb)| verb)
    }

    /// `X-Shopify-Triggered-At`, when sent and readable: the best time for events whose
    /// payload carries none.
    fn triggered_at(&self) -> Option<Timestamp> {
        self.delivery
            .triggered_at
            .as_deref()
            .and_then(|t| Timestamp::parse(t).ok())
    }

    /// Something that tells one merchant action from another, for business keys of states
    /// an object can enter more than once (a return closed, reopened, closed again).
    fn action_or_delivery(&self) -> &str {
        self.delivery
            .event_id
            .as_deref()
            .unwrap_or(&self.delivery.webhook_id)
    }

    /// An event with the envelope's fields filled in and nothing else.
    fn event(&self, kind: IssueKind, business: String, summary: String) -> TicketEvent {
        let mut attributes = vec![("topic".to_string(), self.delivery.topic.clone())];
        if let Some(at) = &self.delivery.triggered_at {
            attributes.push(("triggered_at".to_string(), at.clone()));
        }
        let dedupe = DedupeKey {
            delivery: Some(self.delivery.webhook_id.clone()),
            action: self.delivery.event_id.clone(),
            business,
        };
        let mut event = TicketEvent::new(kind, self.delivery.shop.clone(), summary, dedupe);
        event.attributes = attributes;
        event
    }
}

/// Add `name = value` to an event's attributes when there is a value.
fn attribute(event: &mut TicketEvent, name: &str, value: Option<String>) {
    if let Some(value) = value {
        event.attributes.push((name.to_string(), value));
    }
}

/// "11.50 CAD".
pub(crate) fn format_money(money: &Money) -> String {
    format!(
        "{} {}",
        to_decimal_string(money.minor_units, &money.currency),
        money.currency
    )
}

/// Shopify's snake_case states for people: "needs_response" → "needs response".
fn humanize(state: &str) -> String {
    state.replace('_', " ")
}

/// A minimal order record for payloads that only name the order.
fn order_ref(id: String) -> helloword_sdk::types::Order {
    helloword_sdk::types::Order {
        id,
        display_name: None,
        placed_at: None,
        total: None,
        line_items: Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Deliveries of the fixtures, as the webhook handler would see them.

    use super::*;

    /// A delivery of `topic` with fixed envelope values.
    pub fn delivery(topic: &str) -> Delivery {
        Delivery {
            topic: topic.to_string(),
            hmac: String::new(),
            shop: "helloword-test.myshopify.com".into(),
            webhook_id: "webhook-1".into(),
            api_version: "2026-07".into(),
            event_id: Some("event-1".into()),
            triggered_at: Some("2025-07-10T16:15:47.000000Z".into()),
        }
    }

    /// The single event `body` normalizes to under `topic`.
    pub fn one(topic: &str, body: &[u8]) -> TicketEvent {
        let value = helloword_sdk::json::parse(body).expect("fixture is JSON");
        let mut events = normalize(&delivery(topic), &value).expect("fixture normalizes");
        assert_eq!(events.len(), 1);
        events.remove(0)
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

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn every_topic_has_a_normalizer() {
        // An empty object fails on a missing field, never on a missing normalizer.
        for topic in TOPICS {
            let err = normalize(&delivery(topic), &Value::Object(Default::default()));
            if let Err(e) = err {
                assert!(!e.0.contains("no normalizer"), "{topic}: {e}");
            }
        }
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_by_name() {
        let err = normalize(&delivery("refunds/create"), &Value::Array(vec![])).unwrap_err();
        assert_eq!(err.0, "refunds/create payload is not a JSON object");
    }

    #[test]
    fn envelope_fields_reach_every_event() {
        let e = one(
            "returns/close",
            include_bytes!("../../tests/fixtures/webhooks/returns__close.json"),
        );
        assert_eq!(e.shop, "helloword-test.myshopify.com");
        assert_eq!(e.dedupe.delivery.as_deref(), Some("webhook-1"));
        assert_eq!(e.dedupe.action.as_deref(), Some("event-1"));
        assert_eq!(attr(&e, "topic"), Some("returns/close"));
        assert_eq!(
            attr(&e, "triggered_at"),
            Some("2025-07-10T16:15:47.000000Z")
        );
    }
}
