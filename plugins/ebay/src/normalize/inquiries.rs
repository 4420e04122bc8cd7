//! Post-Order item-not-received inquiries (`inquiry/search` members, `GET inquiry/{id}`).
//! eBay pushes no notification for them, so they arrive only by polling.

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, Reason, TicketEvent};

use super::{Origin, attribute, buyer, order_ref, phase_of};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError, humanize};

/// One event for an inquiry.
pub fn from_post_order(origin: &Origin, value: &Value) -> Result<TicketEvent, PayloadError> {
    let p = Payload::new("inquiry", value);
    let id = p.required_id("/inquiryId")?;
    let case = CaseRef::Inquiry(id.clone());
    let status = p.first_text(&["/inquiryStatusEnum", "/status", "/state"]);
    let phase = status
        .as_deref()
        .map_or_else(|| "open".to_string(), phase_of);
    let summary = format!(
        "Item not received inquiry{}",
        status
            .as_deref()
            .map(|s| format!(": {}", humanize(s)))
            .unwrap_or_default()
    );
    let mut event = origin.event(IssueKind::NotReceived, &case, &phase, summary);
    event.status = status;
    event.amount = p.money("/claimAmount")?;
    event.platform_deadline = p.time("/respondByDate")?;
    event.occurred_at = p.time("/creationDate")?;
    event.reason = Some(Reason {
        code: "ITEM_NOT_RECEIVED".into(),
        network_code: None,
        text: None,
    });
    event.customer = buyer(
        p.first_text(&["/buyer", "/buyerLoginName"]),
        p.text("/marketplaceId").as_deref(),
    );
    event.order = p.id("/orderId").map(order_ref);
    attribute(&mut event, "inquiry_id", Some(id));
    attribute(&mut event, "item_id", p.id("/itemId"));
    attribute(&mut event, "transaction_id", p.id("/transactionId"));
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use helloword_sdk::json;

    #[test]
    fn an_inquiry_is_not_received_with_its_deadline() {
        let v = json::parse(
            br#"{"inquiryId": "5100000001", "inquiryStatusEnum": "WAITING_SELLER_RESPONSE",
            "claimAmount": {"value": 19.99, "currency": "EUR"}, "buyer": "b",
            "respondByDate": {"value": "2026-02-03T00:00:00.000Z"}}"#,
        )
        .unwrap();
        let e = from_post_order(&Origin::poll("s", "inquiry/search"), &v).unwrap();
        assert_eq!(e.kind, IssueKind::NotReceived);
        assert_eq!(
            e.dedupe.business,
            "inquiry:5100000001:waiting_seller_response"
        );
        assert_eq!(e.amount.as_ref().map(|m| m.minor_units), Some(1999));
        assert!(e.platform_deadline.is_some());
        assert_eq!(
            e.summary,
            "Item not received inquiry: waiting seller response"
        );
    }
}
