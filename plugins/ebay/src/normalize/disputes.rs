//! Fulfillment payment disputes (`payment_dispute_summary` members, `GET
//! payment_dispute/{id}`): disputes the buyer raised through their payment method.
//!
//! eBay sets `respondByDate` only while the dispute is `ACTION_NEEDED`; an open evidence
//! request carries its own `respondByDate`, and the earlier of the two is the deadline.

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, Reason, TicketEvent, Timestamp};

use super::{Origin, attribute, buyer, order_ref, phase_of};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError, humanize};

/// One event for a payment dispute.
pub fn from_fulfillment(origin: &Origin, value: &Value) -> Result<TicketEvent, PayloadError> {
    let p = Payload::new("payment dispute", value);
    let id = p.required_id("/paymentDisputeId")?;
    let case = CaseRef::Dispute(id.clone());
    let status = p.text("/paymentDisputeStatus");
    let phase = status
        .as_deref()
        .map_or_else(|| "open".to_string(), phase_of);
    let reason = p.text("/reason");
    let summary = format!(
        "Payment dispute {}{}",
        humanize(status.as_deref().unwrap_or("open")),
        reason
            .as_deref()
            .map(|r| format!(": {}", humanize(r)))
            .unwrap_or_default()
    );
    let mut event = origin.event(IssueKind::Chargeback, &case, &phase, summary);
    event.status = status;
    event.amount = p.money("/amount")?;
    event.occurred_at = p.time("/openDate")?;
    let mut deadline = p.time("/respondByDate")?;
    let mut requested = Vec::new();
    for request in p.array("/evidenceRequests") {
        let request = p.nested(request);
        if let Some(at) = request.time("/respondByDate")? {
            deadline = Some(earlier(deadline, at));
        }
        requested.extend(request.text("/evidenceType"));
    }
    event.platform_deadline = deadline;
    event.reason = reason.map(|code| Reason {
        code,
        network_code: None,
        text: p.text("/buyerProvided/note"),
    });
    event.buyer_text = p.text("/buyerProvided/note");
    event.customer = buyer(p.text("/buyerUsername"), None);
    event.order = p.id("/orderId").map(order_ref);
    let choices: Vec<String> = p
        .array("/availableChoices")
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let lines: Vec<String> = p
        .array("/lineItems")
        .iter()
        .filter_map(|l| {
            let l = p.nested(l);
            Some(format!("{}/{}", l.id("/itemId")?, l.id("/lineItemId")?))
        })
        .collect();
    attribute(&mut event, "payment_dispute_id", Some(id));
    attribute(&mut event, "available_choices", Some(choices.join(",")));
    attribute(&mut event, "evidence_requested", Some(requested.join(",")));
    attribute(&mut event, "line_items", Some(lines.join(",")));
    attribute(&mut event, "revision", p.id("/revision"));
    attribute(&mut event, "seller_response", p.text("/sellerResponse"));
    attribute(
        &mut event,
        "closed_at",
        p.time("/closedDate")?.map(|t| t.to_rfc3339()),
    );
    Ok(event)
}

fn earlier(current: Option<Timestamp>, candidate: Timestamp) -> Timestamp {
    match current {
        Some(c) if (c.seconds, c.nanoseconds) <= (candidate.seconds, candidate.nanoseconds) => c,
        _ => candidate,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{attr, fixture};
    use super::*;
    use helloword_sdk::types::Money;

    #[test]
    fn the_schema_shape_gives_a_chargeback_with_its_deadline() {
        let v = fixture("schema-derived/fulfillment_payment_dispute.get.json");
        let e = from_fulfillment(&Origin::poll("s", "payment_dispute_summary"), &v).unwrap();
        assert_eq!(e.kind, IssueKind::Chargeback);
        assert_eq!(e.case_id.as_deref(), Some("dispute:5000000000"));
        assert_eq!(e.dedupe.business, "dispute:5000000000:action_needed");
        assert_eq!(
            e.amount,
            Some(Money {
                minor_units: 7528,
                currency: "EUR".into()
            })
        );
        assert_eq!(
            e.platform_deadline.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-10-11T10:00:00Z")
        );
        assert_eq!(e.order.as_ref().unwrap().id, "01-23456-78901");
        assert_eq!(e.buyer_text.as_deref(), Some("Parcel never arrived"));
        assert_eq!(
            e.summary,
            "Payment dispute action needed: item not received"
        );
        assert_eq!(attr(&e, "available_choices"), Some("CONTEST,ACCEPT"));
        assert_eq!(attr(&e, "evidence_requested"), Some("PROOF_OF_DELIVERY"));
        assert_eq!(attr(&e, "line_items"), Some("100000000000/10000000000000"));
        assert_eq!(attr(&e, "revision"), Some("1"));
    }

    #[test]
    fn an_earlier_evidence_request_sets_the_deadline() {
        let mut v = fixture("schema-derived/fulfillment_payment_dispute.get.json");
        v["evidenceRequests"][0]["respondByDate"] = "2026-10-05T10:00:00.000Z".into();
        let e = from_fulfillment(&Origin::poll("s", "x"), &v).unwrap();
        assert_eq!(
            e.platform_deadline.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-10-05T10:00:00Z")
        );
    }
}
