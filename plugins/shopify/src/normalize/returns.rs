//! `returns/*` and `reverse_deliveries/attach_deliverable`: a return's life, from the
//! buyer's request to its close, and the tracking of the parcel coming back.
//!
//! A return's case id is its GraphQL id (`gid://shopify/Return/…`): it is the only id every
//! return topic carries (`returns/update` has no numeric id), and the return mutations take
//! it as is.

use helloword_sdk::types::{IssueKind, Reason, Shipment, TicketEvent};

use super::{Context, attribute, humanize, order_ref};
use crate::payload::{Payload, PayloadError};

/// The return's GraphQL id, from `admin_graphql_api_id` or built from `id`.
fn return_gid(p: &Payload<'_>, prefix: &str) -> Result<String, PayloadError> {
    if let Some(gid) = p.text(&format!("{prefix}/admin_graphql_api_id")) {
        return Ok(gid);
    }
    p.required_id(&format!("{prefix}/id"))
        .map(|id| format!("gid://shopify/Return/{id}"))
}

/// `returns/request`, `approve`, `decline`, `cancel`, `close` and `reopen`.
pub(super) fn return_state(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let gid = return_gid(&p, "")?;
    let status = p.text("/status");
    // The business key names what happened rather than the payload's status: approving and
    // reopening both leave the return "open", and close/reopen can repeat, so those two
    // carry the merchant action that caused them.
    let (business, what) = match ctx.verb() {
        "request" => (
            format!("return:{gid}:requested"),
            "Return requested".to_string(),
        ),
        "approve" => (
            format!("return:{gid}:approved"),
            "Return approved".to_string(),
        ),
        "decline" => (
            format!("return:{gid}:declined"),
            "Return declined".to_string(),
        ),
        "cancel" => (
            format!("return:{gid}:canceled"),
            "Return canceled".to_string(),
        ),
        "close" => (
            format!("return:{gid}:closed:{}", ctx.action_or_delivery()),
            "Return closed".to_string(),
        ),
        "reopen" => (
            format!("return:{gid}:reopened:{}", ctx.action_or_delivery()),
            "Return reopened".to_string(),
        ),
        other => (
            format!("return:{gid}:{other}:{}", ctx.action_or_delivery()),
            format!("Return {}", humanize(other)),
        ),
    };

    let decline_reason = p.text("/decline/reason");
    let decline_note = p.text("/decline/note");
    let mut line_items = Vec::new();
    let mut return_reasons = Vec::new();
    let mut customer_notes = Vec::new();
    for line in p.array("/return_line_items") {
        let line = p.nested(line);
        let quantity = line.count("/quantity")?;
        for pointer in ["/fulfillment_line_item/line_item", "/line_item"] {
            if let Some(item) = line.at(pointer) {
                line_items.extend(p.nested(item).line_item(quantity, None)?);
                break;
            }
        }
        if let Some(reason) = line.text("/return_reason")
            && !return_reasons.contains(&reason)
        {
            return_reasons.push(reason);
        }
        customer_notes.extend(line.text("/customer_note"));
    }

    let requested = p.count("/total_return_line_items")?;
    let mut summary = what;
    if let Some(n) = requested.filter(|n| *n > 0) {
        summary.push_str(&format!(" ({n} item{})", if n == 1 { "" } else { "s" }));
    }
    if let Some(reason) = &decline_reason {
        summary.push_str(&format!(": {}", humanize(reason)));
    } else if let Some(reason) = return_reasons.first() {
        summary.push_str(&format!(": {}", humanize(&reason.to_ascii_lowercase())));
    }

    let mut event = ctx.event(IssueKind::ReturnRequest, business, summary);
    event.case_id = Some(gid);
    event.status = status;
    event.order = p.id("/order/id").or_else(|| p.id("/order_id")).map(|id| {
        let mut order = order_ref(id);
        order.line_items = line_items;
        order
    });
    event.reason = match decline_reason {
        Some(code) => Some(Reason {
            code,
            network_code: None,
            text: decline_note,
        }),
        None => return_reasons.first().map(|code| Reason {
            code: code.clone(),
            network_code: None,
            text: p.text("/return_line_items/0/return_reason_note"),
        }),
    };
    event.buyer_text = (!customer_notes.is_empty()).then(|| customer_notes.join("\n"));
    event.occurred_at = ctx.triggered_at();
    attribute(&mut event, "return_id", p.id("/id"));
    attribute(&mut event, "return_name", p.text("/name"));
    let fees: Vec<String> = p
        .array("/return_shipping_fees")
        .iter()
        .filter_map(|fee| {
            let fee = p.nested(fee);
            let amount = fee.text("/price/shop_money/amount")?;
            let currency = fee.text("/price/shop_money/currency_code")?;
            Some(format!("{amount} {currency}"))
        })
        .collect();
    attribute(
        &mut event,
        "return_shipping_fees",
        (!fees.is_empty()).then(|| fees.join(", ")),
    );
    attribute(
        &mut event,
        "exchange_line_items",
        p.count("/total_exchange_line_items")?
            .filter(|n| *n > 0)
            .map(|n| n.to_string()),
    );
    Ok(event)
}

/// `returns/update`: line items, restocking fees or return shipping fees were changed. The
/// payload has only deltas and no state.
pub(super) fn return_update(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let gid = return_gid(&p, "")?;
    let mut changes = Vec::new();
    for (field, one, many) in [
        ("return_line_items", "line item", "line items"),
        ("restocking_fees", "restocking fee", "restocking fees"),
        (
            "return_shipping_fees",
            "return shipping fee",
            "return shipping fees",
        ),
    ] {
        for (delta, verb) in [("updates", "updated"), ("removals", "removed")] {
            let n = p.array(&format!("/{field}/{delta}")).len();
            if n > 0 {
                changes.push(format!("{n} {} {verb}", if n == 1 { one } else { many }));
            }
        }
    }
    let summary = if changes.is_empty() {
        "Return updated".to_string()
    } else {
        format!("Return updated: {}", changes.join(", "))
    };
    let business = format!("return:{gid}:updated:{}", ctx.action_or_delivery());
    let mut event = ctx.event(IssueKind::ReturnRequest, business, summary);
    event.case_id = Some(gid);
    event.occurred_at = ctx.triggered_at();
    Ok(event)
}

/// `reverse_deliveries/attach_deliverable`: the return parcel got a label and tracking.
pub(super) fn reverse_delivery(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let gid = return_gid(&p, "/return")?;
    let tracking = "/shipping_deliverable/tracking";
    let carrier = p.text(&format!("{tracking}/carrier_name"));
    let number = p.text(&format!("{tracking}/tracking_number"));
    let summary = match (&carrier, &number) {
        (Some(c), Some(n)) => format!("Return shipment tracking attached: {c} {n}"),
        (None, Some(n)) => format!("Return shipment tracking attached: {n}"),
        _ => "Return shipment label attached".to_string(),
    };
    let business = format!(
        "reverse_delivery:{id}:{}",
        number.as_deref().unwrap_or("label")
    );
    let mut event = ctx.event(IssueKind::ReturnRequest, business, summary);
    event.case_id = Some(gid);
    event.shipment = Some(Shipment {
        carrier,
        tracking_number: number,
        tracking_url: p.text(&format!("{tracking}/tracking_url")),
        status: None,
        delivered_at: None,
        delivery_proof: None,
        estimated_delivery: None,
    });
    event.occurred_at = p
        .time("/shipping_deliverable/label/created_at")?
        .or_else(|| ctx.triggered_at());
    attribute(&mut event, "reverse_delivery_id", Some(id));
    attribute(
        &mut event,
        "return_label_url",
        p.text("/shipping_deliverable/label/public_file_url"),
    );
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::IssueKind;

    const GID: &str = "gid://shopify/Return/123134564567890";

    #[test]
    fn each_return_state_is_one_case_with_its_own_business_key() {
        let request = one(
            "returns/request",
            include_bytes!("../../tests/fixtures/webhooks/returns__request.json"),
        );
        assert_eq!(request.kind, IssueKind::ReturnRequest);
        assert_eq!(request.case_id.as_deref(), Some(GID));
        assert_eq!(request.status.as_deref(), Some("requested"));
        assert_eq!(request.order.as_ref().unwrap().id, "4783296544821");
        assert_eq!(request.dedupe.business, format!("return:{GID}:requested"));
        assert_eq!(request.summary, "Return requested (2 items)");

        let approve = one(
            "returns/approve",
            include_bytes!("../../tests/fixtures/webhooks/returns__approve.json"),
        );
        let reopen = one(
            "returns/reopen",
            include_bytes!("../../tests/fixtures/webhooks/returns__reopen.json"),
        );
        // Both leave the return "open"; they are still different effects.
        assert_eq!(approve.status, reopen.status);
        assert_ne!(approve.dedupe.business, reopen.dedupe.business);
        assert_eq!(
            reopen.dedupe.business,
            format!("return:{GID}:reopened:event-1")
        );
        assert_eq!(attr(&approve, "return_shipping_fees"), Some("10.0 XXX"));
        // cancel, close and reopen name the order flat.
        assert_eq!(reopen.order.as_ref().unwrap().id, "4783296544821");
    }

    #[test]
    fn a_decline_carries_its_reason_and_note() {
        let e = one(
            "returns/decline",
            include_bytes!("../../tests/fixtures/webhooks/returns__decline.json"),
        );
        let reason = e.reason.as_ref().unwrap();
        assert_eq!(reason.code, "return_period_ended");
        assert_eq!(
            reason.text.as_deref(),
            Some("As discussed on the phone, the 30-day return window has ended.")
        );
        assert_eq!(e.summary, "Return declined: return period ended");
    }

    #[test]
    fn an_update_has_only_the_gid_and_its_deltas() {
        let e = one(
            "returns/update",
            include_bytes!("../../tests/fixtures/webhooks/returns__update.json"),
        );
        assert_eq!(e.case_id.as_deref(), Some(GID));
        assert_eq!(e.order, None);
        assert_eq!(e.summary, "Return updated: 1 line item removed");
    }

    #[test]
    fn return_lines_give_items_reasons_and_buyer_notes() {
        let body = br#"{"id": 1, "status": "requested", "order": {"id": 2},
            "total_return_line_items": 1,
            "return_line_items": [{"id": 3, "quantity": 1, "return_reason": "SIZE_TOO_SMALL",
              "return_reason_note": "", "customer_note": "Runs small",
              "fulfillment_line_item": {"line_item": {"id": 9007199254740993, "sku": "S-1",
                "name": "Shoe - 42", "quantity": 2, "price": "10.00"}}}]}"#;
        let e = one("returns/request", body);
        assert_eq!(e.case_id.as_deref(), Some("gid://shopify/Return/1"));
        let item = &e.order.as_ref().unwrap().line_items[0];
        assert_eq!(item.id, "9007199254740993");
        assert_eq!(item.quantity, 1);
        assert_eq!(e.reason.as_ref().unwrap().code, "SIZE_TOO_SMALL");
        assert_eq!(e.buyer_text.as_deref(), Some("Runs small"));
        assert_eq!(e.summary, "Return requested (1 item): size too small");
    }

    #[test]
    fn a_reverse_delivery_joins_the_return_with_its_tracking() {
        let e = one(
            "reverse_deliveries/attach_deliverable",
            include_bytes!(
                "../../tests/fixtures/webhooks/reverse_deliveries__attach_deliverable.json"
            ),
        );
        assert_eq!(e.case_id.as_deref(), Some(GID));
        let s = e.shipment.as_ref().unwrap();
        assert_eq!(s.carrier.as_deref(), Some("USPS"));
        assert_eq!(s.tracking_number.as_deref(), Some("123345345"));
        assert_eq!(
            e.dedupe.business,
            "reverse_delivery:9080907654321:123345345"
        );
    }
}
