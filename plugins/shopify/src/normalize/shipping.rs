//! `fulfillment_events/create`, `fulfillments/create` and `fulfillments/update`: what the
//! carrier reports about an outbound shipment.

use helloword_sdk::types::{Customer, IssueKind, Order, Reason, Shipment, TicketEvent};

use super::{Context, attribute, humanize};
use crate::payload::PayloadError;

/// What a carrier status means for a ticket. Shopify's shipment statuses are
/// `label_printed`, `label_purchased`, `attempted_delivery`, `ready_for_pickup`,
/// `picked_up`, `confirmed`, `in_transit`, `out_for_delivery`, `delivered`, `failure`,
/// `carrier_picked_up` and `delayed`; a fulfillment itself can end in `failure` or `error`.
fn kind_of(status: &str) -> IssueKind {
    match status {
        "failure" | "attempted_delivery" | "delayed" | "error" => IssueKind::LogisticsDelay,
        _ => IssueKind::ShipmentUpdate,
    }
}

/// `fulfillment_events/create`: one tracking event of a fulfillment.
pub(super) fn fulfillment_event(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let status = p.text("/status");
    let state = status.as_deref().unwrap_or("unknown");
    let kind = kind_of(state);
    let message = p.text("/message");
    let happened_at = p.time("/happened_at")?;

    let summary = match &message {
        Some(m) => format!("Shipment {}: {m}", humanize(state)),
        None => format!("Shipment {}", humanize(state)),
    };
    let mut event = ctx.event(kind, format!("fulfillment_event:{id}"), summary);
    event.order = p.id("/order_id").map(super::order_ref);
    event.shipment = Some(Shipment {
        carrier: None,
        tracking_number: None,
        tracking_url: None,
        status: status.clone(),
        delivered_at: if state == "delivered" {
            happened_at
        } else {
            None
        },
        delivery_proof: None,
        estimated_delivery: p.time("/estimated_delivery_at")?,
    });
    if kind == IssueKind::LogisticsDelay {
        event.reason = Some(Reason {
            code: state.to_string(),
            network_code: None,
            text: message.clone(),
        });
    }
    event.status = status;
    event.occurred_at = happened_at.or(p.time("/created_at")?);
    let location: Vec<String> = ["/city", "/province", "/zip", "/country"]
        .iter()
        .filter_map(|f| p.text(f))
        .collect();
    attribute(&mut event, "fulfillment_id", p.id("/fulfillment_id"));
    attribute(&mut event, "fulfillment_event_id", Some(id));
    attribute(
        &mut event,
        "location",
        (!location.is_empty()).then(|| location.join(", ")),
    );
    attribute(&mut event, "message", message);
    Ok(event)
}

/// `fulfillments/create` and `fulfillments/update`: a fulfillment's status, carrier and
/// tracking.
pub(super) fn fulfillment(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let fulfillment_status = p.text("/status");
    let shipment_status = p.text("/shipment_status");
    // The carrier's status says more than the fulfillment's own, when there is one.
    let state = shipment_status
        .clone()
        .or(fulfillment_status.clone())
        .unwrap_or_else(|| "unknown".into());
    let kind = kind_of(&state);
    let updated_at = p.time("/updated_at")?;
    let carrier = p.text("/tracking_company");
    let tracking_number = p
        .text("/tracking_number")
        .or_else(|| p.text("/tracking_numbers/0"));

    let mut line_items = Vec::new();
    for line in p.array("/line_items") {
        line_items.extend(p.nested(line).line_item(None, None)?);
    }

    let mut summary = format!("Shipment {}", humanize(&state));
    match (&carrier, &tracking_number) {
        (Some(c), Some(n)) => summary.push_str(&format!(" ({c} {n})")),
        (None, Some(n)) => summary.push_str(&format!(" (tracking {n})")),
        (Some(c), None) => summary.push_str(&format!(" ({c})")),
        (None, None) => {}
    }

    // Updates without a new status (a changed tracking number) are still new information;
    // `updated_at` tells them apart and repeats on a redelivery.
    let version = p
        .text("/updated_at")
        .unwrap_or_else(|| ctx.action_or_delivery().to_string());
    let business = format!("fulfillment:{id}:{state}:{version}");
    let mut event = ctx.event(kind, business, summary);
    event.order = p.id("/order_id").map(|id| Order {
        id,
        display_name: None,
        placed_at: None,
        total: None,
        line_items,
    });
    let email = p.text("/email");
    let country = p.text("/destination/country_code");
    if email.is_some() || country.is_some() {
        event.customer = Some(Customer {
            id: None,
            // The destination names the recipient, who need not be the buyer.
            name: None,
            email,
            country: country.map(|c| c.to_ascii_uppercase()),
            preferred_locale: None,
            vip: false,
        });
    }
    event.shipment = Some(Shipment {
        carrier,
        tracking_number,
        tracking_url: p
            .text("/tracking_url")
            .or_else(|| p.text("/tracking_urls/0")),
        status: Some(state.clone()),
        // The payload has no delivery time; the update that reports delivery is the closest.
        delivered_at: if state == "delivered" {
            updated_at
        } else {
            None
        },
        delivery_proof: None,
        estimated_delivery: None,
    });
    if kind == IssueKind::LogisticsDelay {
        event.reason = Some(Reason {
            code: state.clone(),
            network_code: None,
            text: None,
        });
    }
    event.status = Some(state);
    event.occurred_at = updated_at
        .or(p.time("/created_at")?)
        .or_else(|| ctx.triggered_at());
    attribute(&mut event, "fulfillment_id", Some(id));
    attribute(&mut event, "fulfillment_name", p.text("/name"));
    attribute(&mut event, "fulfillment_status", fulfillment_status);
    attribute(&mut event, "service", p.text("/service"));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::IssueKind;

    const EVENT: &[u8] =
        include_bytes!("../../tests/fixtures/webhooks/fulfillment_events__create.json");

    fn with_status(status: &str) -> helloword_sdk::types::TicketEvent {
        let body = String::from_utf8(EVENT.to_vec())
            .unwrap()
            .replace("\"in_transit\"", &format!("\"{status}\""));
        one("fulfillment_events/create", body.as_bytes())
    }

    #[test]
    fn in_transit_is_a_shipment_update() {
        let e = one("fulfillment_events/create", EVENT);
        assert_eq!(e.kind, IssueKind::ShipmentUpdate);
        assert_eq!(e.order.as_ref().unwrap().id, "820982911946154508");
        assert_eq!(e.summary, "Shipment in transit: Item is now in transit");
        assert_eq!(e.shipment.as_ref().unwrap().delivered_at, None);
        assert_eq!(attr(&e, "location"), Some("CA"));
    }

    #[test]
    fn delivered_carries_the_delivery_time() {
        let e = with_status("delivered");
        assert_eq!(e.kind, IssueKind::ShipmentUpdate);
        // 2021-12-31T19:00:00-05:00
        assert_eq!(
            e.shipment.as_ref().unwrap().delivered_at.map(|t| t.seconds),
            Some(1_640_995_200)
        );
    }

    #[test]
    fn failures_and_attempts_are_logistics_delays() {
        for status in ["failure", "attempted_delivery", "delayed"] {
            let e = with_status(status);
            assert_eq!(e.kind, IssueKind::LogisticsDelay, "{status}");
            assert_eq!(e.reason.as_ref().unwrap().code, status);
        }
    }

    #[test]
    fn a_fulfillment_update_has_carrier_tracking_and_lines() {
        let e = one(
            "fulfillments/update",
            include_bytes!("../../tests/fixtures/webhooks/fulfillments__update.json"),
        );
        assert_eq!(e.kind, IssueKind::ShipmentUpdate);
        let s = e.shipment.as_ref().unwrap();
        assert_eq!(s.carrier.as_deref(), Some("UPS"));
        assert_eq!(s.tracking_number.as_deref(), Some("1z827wk74630"));
        assert_eq!(s.status.as_deref(), Some("pending"));
        let order = e.order.as_ref().unwrap();
        assert_eq!(order.line_items.len(), 5);
        assert_eq!(order.line_items[1].id, "789012345678901234");
        assert_eq!(order.line_items[1].sku.as_deref(), Some("LENS-PROTECT-2YR"));
        let customer = e.customer.as_ref().unwrap();
        assert_eq!(customer.country.as_deref(), Some("US"));
        assert_eq!(e.summary, "Shipment pending (UPS 1z827wk74630)");
        assert_eq!(
            e.dedupe.business,
            "fulfillment:123456:pending:2021-12-31T19:00:00-05:00"
        );
    }
}
