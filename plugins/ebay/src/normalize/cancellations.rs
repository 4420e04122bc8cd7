//! Post-Order cancellation requests (`cancellation/search` members). A cancellation the
//! buyer asked for is a `cancellation-request`; one the seller started is context
//! (`order-update`).

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, Reason, TicketEvent};

use super::{Origin, attribute, buyer, order_ref, phase_of};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError, humanize};

/// One event for a cancellation request.
pub fn from_post_order(origin: &Origin, value: &Value) -> Result<TicketEvent, PayloadError> {
    let p = Payload::new("cancellation", value);
    let id = p.required_id("/cancelId")?;
    let case = CaseRef::Cancel(id.clone());
    let state = p.text("/cancelState");
    let status = p.text("/cancelStatus");
    let phase = status
        .as_deref()
        .or(state.as_deref())
        .map_or_else(|| "requested".to_string(), phase_of);
    let by_seller = p
        .text("/requestorType")
        .is_some_and(|r| r.eq_ignore_ascii_case("SELLER"));
    let kind = if by_seller {
        IssueKind::OrderUpdate
    } else {
        IssueKind::CancellationRequest
    };
    let reason = p.text("/cancelReason");
    let mut summary = format!(
        "Cancellation {}",
        humanize(
            status
                .as_deref()
                .or(state.as_deref())
                .unwrap_or("requested")
        )
    );
    if let Some(r) = &reason {
        summary.push_str(&format!(": {}", humanize(r)));
    }
    let mut event = origin.event(kind, &case, &phase, summary);
    event.status = status.clone().or(state.clone());
    event.amount = p.money("/requestRefundAmount")?;
    event.platform_deadline = p.time("/sellerResponseDueDate")?;
    event.occurred_at = p.time("/cancelRequestDate")?;
    event.reason = reason.map(|code| Reason {
        code,
        network_code: None,
        text: None,
    });
    event.customer = buyer(
        p.text("/buyerLoginName"),
        p.text("/marketplaceId").as_deref(),
    );
    event.order = p.id("/legacyOrderId").map(order_ref);
    attribute(&mut event, "cancel_id", Some(id));
    attribute(&mut event, "cancel_state", state);
    attribute(&mut event, "requestor", p.text("/requestorType"));
    attribute(&mut event, "payment_status", p.text("/paymentStatus"));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use helloword_sdk::json;

    #[test]
    fn a_buyer_cancellation_is_a_request_and_a_seller_one_is_context() {
        let v = json::parse(br#"{"cancelId": "5000000123", "legacyOrderId": "110-1",
            "cancelState": "INITIAL", "cancelStatus": "CANCEL_REQUESTED", "cancelReason": "BUYER_ASKED_CANCEL",
            "requestorType": "BUYER", "buyerLoginName": "b", "marketplaceId": "EBAY_DE",
            "cancelRequestDate": {"value": "2026-03-01T10:00:00.000Z"},
            "sellerResponseDueDate": {"value": "2026-03-04T10:00:00.000Z"},
            "requestRefundAmount": {"value": 12.0, "currency": "EUR"}}"#).unwrap();
        let e = from_post_order(&Origin::poll("s", "cancellation/search"), &v).unwrap();
        assert_eq!(e.kind, IssueKind::CancellationRequest);
        assert_eq!(e.dedupe.business, "cancel:5000000123:cancel_requested");
        assert_eq!(
            e.customer.as_ref().unwrap().preferred_locale.as_deref(),
            Some("de-DE")
        );
        assert_eq!(e.amount.as_ref().map(|m| m.minor_units), Some(1200));
        assert_eq!(e.order.as_ref().unwrap().id, "110-1");
        assert!(e.platform_deadline.is_some());

        let mut seller = v.clone();
        seller["requestorType"] = "SELLER".into();
        let e = from_post_order(&Origin::poll("s", "cancellation/search"), &seller).unwrap();
        assert_eq!(e.kind, IssueKind::OrderUpdate);
    }
}
