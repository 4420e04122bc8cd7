//! Post-Order cases (`casemanagement/search` members, `GET casemanagement/{id}`): Money Back
//! Guarantee cases that eBay has stepped into, and the phases that eBay Buyer Protection
//! notifications (`EBPMyResponseDue`, …) share with them.

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, LineItem, Reason, TicketEvent};

use super::{Origin, attribute, buyer, order_ref};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError, humanize};

/// The phase of a case from its status (`CaseStatusEnum` and the EBP statuses).
pub fn phase(status: Option<&str>) -> String {
    let status = status.unwrap_or("").to_ascii_uppercase();
    let has = |word: &str| status.contains(word);
    if status.is_empty() {
        "open".into()
    } else if has("APPEAL") && has("CLOSED") {
        "appeal_closed".into()
    } else if has("CLOSED") {
        "closed".into()
    } else if has("APPEAL") {
        "appealed".into()
    } else if has("HOLD") {
        "on_hold".into()
    } else if has("SELLER") || has("MY_RESPONSE") {
        "seller_response_due".into()
    } else if has("BUYER") || has("OTHER_PARTY") {
        "buyer_response_due".into()
    } else if has("PAYMENT_DUE") {
        "payment_due".into()
    } else if has("ESCALATED") || has("CS_") {
        "escalated".into()
    } else {
        status.to_ascii_lowercase()
    }
}

/// The phase an eBay Buyer Protection notification announces; `None` for other events.
pub fn phase_of_event(event: &str) -> Option<&'static str> {
    Some(match event {
        "EBPMyResponseDue" => "seller_response_due",
        "EBPOtherPartyResponseDue" => "buyer_response_due",
        "EBPEscalatedCase" => "escalated",
        "EBPAppealedCase" => "appealed",
        "EBPClosedCase" => "closed",
        "EBPClosedAppeal" => "appeal_closed",
        "EBPOnHoldCase" => "on_hold",
        "EBPMyPaymentDue" => "payment_due",
        "EBPPaymentDone" => "paid",
        _ => return None,
    })
}

/// One event for a Post-Order case.
pub fn from_post_order(origin: &Origin, value: &Value) -> Result<TicketEvent, PayloadError> {
    let p = Payload::new("case", value);
    let id = p.required_id("/caseId")?;
    let case = CaseRef::Case(id.clone());
    let status = p.first_text(&["/caseStatusEnum", "/status"]);
    let case_type = p.text("/caseType");
    let phase = phase(status.as_deref());
    let mut summary = format!("eBay case {}", phase.replace('_', " "));
    if let Some(t) = &case_type {
        summary.push_str(&format!(": {}", humanize(t)));
    }
    let mut event = origin.event(IssueKind::AToZClaim, &case, &phase, summary);
    event.status = status.clone();
    event.amount = p.money("/claimAmount")?;
    event.platform_deadline = p.time("/respondByDate")?;
    event.occurred_at = p.time("/creationDate")?;
    event.reason = case_type.clone().map(|code| Reason {
        code,
        network_code: None,
        text: None,
    });
    let buyer_name = p.first_text(&["/buyer", "/buyerLoginName"]);
    event.customer = buyer(buyer_name, p.text("/marketplaceId").as_deref());
    let item = p.id("/itemId");
    let transaction = p.id("/transactionId");
    if let Some(order_id) = p.id("/orderId") {
        let mut order = order_ref(order_id);
        if let (Some(item), Some(transaction)) = (&item, &transaction) {
            order.line_items.push(LineItem {
                id: format!("{item}-{transaction}"),
                sku: None,
                batch: None,
                title: String::new(),
                quantity: p.count("/caseQuantity")?.unwrap_or(1),
                unit_price: None,
            });
        }
        event.order = Some(order);
    }
    attribute(&mut event, "case_id", Some(id));
    attribute(&mut event, "case_type", case_type);
    attribute(&mut event, "item_id", item);
    attribute(&mut event, "transaction_id", transaction);
    attribute(&mut event, "return_id", p.id("/returnId"));
    attribute(
        &mut event,
        "last_modified_at",
        p.time("/lastModifiedDate")?.map(|t| t.to_rfc3339()),
    );
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use helloword_sdk::json;

    #[test]
    fn a_case_member_is_an_a_to_z_claim_with_its_deadline() {
        let v = json::parse(
            br#"{"caseId": "5000000001", "caseType": "SNAD",
            "caseStatusEnum": "WAITING_SELLER_RESPONSE",
            "claimAmount": {"value": 25.5, "currency": "GBP"},
            "creationDate": {"value": "2026-01-02T03:04:05.000Z"},
            "respondByDate": {"value": "2026-01-05T03:04:05.000Z"},
            "buyer": "buyer_1", "itemId": "11", "transactionId": "22", "orderId": "01-1"}"#,
        )
        .unwrap();
        let e = from_post_order(&Origin::poll("s", "casemanagement/search"), &v).unwrap();
        assert_eq!(e.kind, IssueKind::AToZClaim);
        assert_eq!(e.case_id.as_deref(), Some("case:5000000001"));
        assert_eq!(e.dedupe.business, "case:5000000001:seller_response_due");
        assert_eq!(e.amount.as_ref().map(|m| m.minor_units), Some(2550));
        assert_eq!(
            e.platform_deadline.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-01-05T03:04:05Z")
        );
        assert_eq!(e.order.as_ref().unwrap().line_items[0].id, "11-22");
        assert_eq!(e.summary, "eBay case seller response due: snad");
    }

    #[test]
    fn statuses_and_notifications_share_phases() {
        assert_eq!(phase(Some("CLOSED")), "closed");
        assert_eq!(phase_of_event("EBPClosedCase"), Some("closed"));
        assert_eq!(phase(Some("MY_RESPONSE_DUE")), "seller_response_due");
        assert_eq!(
            phase_of_event("EBPMyResponseDue"),
            Some("seller_response_due")
        );
        assert_eq!(
            phase(Some("OTHER_PARTY_RESPONSE_DUE")),
            "buyer_response_due"
        );
        assert_eq!(phase(None), "open");
    }
}
