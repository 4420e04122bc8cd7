//! Post-Order returns (`return/search` members, or `GET return/{id}` with its `summary` and
//! `detail`), and the phase vocabulary that return notifications share with them.
//!
//! Post-Order dates are wrapped and its amounts are numbers; [`Payload`] reads both. The
//! seller's deadline is `sellerResponseDue.respondByDate`; the buyer's own deadline
//! (`buyerResponseDue`) is not the seller's and is only kept as an attribute.

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, LineItem, Reason, Shipment, TicketEvent};

use super::{Origin, attribute, buyer, format_money, order_ref};
use crate::case_id::CaseRef;
use crate::payload::{Payload, PayloadError, humanize};

/// The phase of a return from its Post-Order `state` and `status`.
pub fn phase(state: Option<&str>, status: Option<&str>) -> String {
    let state = state.unwrap_or("").to_ascii_uppercase();
    let status = status.unwrap_or("").to_ascii_uppercase();
    if state.contains("ESCALATED") || status.contains("ESCALATED") {
        return "escalated".into();
    }
    match state.as_str() {
        "CLOSED" | "REPLACEMENT_CLOSED" => "closed",
        "RETURN_REQUESTED"
        | "RETURN_REQUESTED_TIMEOUT"
        | "WAITING_FOR_RMA"
        | "REPLACEMENT_REQUEST_PENDING" => "requested",
        "ITEM_READY_TO_SHIP"
        | "RETURN_LABEL_REQUESTED"
        | "WAITING_FOR_RETURN_LABEL"
        | "REPLACEMENT_LABEL_REQUESTED"
        | "REPLACEMENT_WAITING_FOR_RMA"
        | "REPLACEMENT_STARTED" => "approved",
        "ITEM_SHIPPED" | "REPLACEMENT_SHIPPED" => "shipped",
        "ITEM_DELIVERED" | "REPLACEMENT_DELIVERED" => "delivered",
        "RETURN_REJECTED" | "PARTIAL_REFUND_DECLINED" => "declined",
        "REFUND_INITIATED"
        | "REFUND_SENT_PENDING_CONFIRMATION"
        | "PARTIAL_REFUND_INITIATED"
        | "REFUND_AS_PER_POLICY"
        | "LESS_THAN_A_FULL_REFUND_ISSUED"
        | "REPLACED" => "refunded",
        "PARTIAL_REFUND_REQUESTED" => "partial_refund_offered",
        "" => "updated",
        other => return other.to_ascii_lowercase(),
    }
    .to_string()
}

/// The phase a return notification (`ReturnCreated`, …) announces; `None` for an event
/// that is not about returns.
pub fn phase_of_event(event: &str) -> Option<&'static str> {
    Some(match event {
        "ReturnCreated" => "requested",
        "ReturnShipped" => "shipped",
        "ReturnDelivered" => "delivered",
        "ReturnClosed" => "closed",
        "ReturnEscalated" => "escalated",
        "ReturnWaitingForSellerInfo" => "seller_info_requested",
        "ReturnRefundOverdue" => "refund_overdue",
        "ReturnSellerInfoOverdue" => "seller_info_overdue",
        _ => return None,
    })
}

/// An escalated return is a Money Back Guarantee case; every other phase is a return.
pub fn kind(phase: &str) -> IssueKind {
    if phase == "escalated" {
        IssueKind::AToZClaim
    } else {
        IssueKind::ReturnRequest
    }
}

/// "Return requested", "Return seller info requested".
pub fn headline(phase: &str) -> String {
    format!("Return {}", phase.replace('_', " "))
}

/// One event for a Post-Order return.
pub fn from_post_order(origin: &Origin, value: &Value) -> Result<TicketEvent, PayloadError> {
    let whole = Payload::new("return", value);
    // `GET return/{id}` nests the summary; search members are the summary.
    let summary = whole.object("/summary").unwrap_or(whole);
    let detail = whole.object("/detail");
    let id = summary.required_id("/returnId")?;
    let case = CaseRef::Return(id.clone());
    let state = summary.text("/state");
    let status = summary.text("/status");
    let phase = phase(state.as_deref(), status.as_deref());

    let reason_code = summary.text("/creationInfo/reason");
    let reason_type = summary.text("/creationInfo/reasonType");
    let comments = summary.text("/creationInfo/comments/content");
    let mut headline = headline(&phase);
    if let Some(code) = &reason_code {
        headline.push_str(&format!(": {}", humanize(code)));
        if let Some(kind) = &reason_type {
            headline.push_str(&format!(" ({kind})"));
        }
    }

    let mut event = origin.event(kind(&phase), &case, &phase, headline);
    event.status = state.clone().or(status.clone());
    event.platform_deadline = summary.time("/sellerResponseDue/respondByDate")?;
    event.occurred_at = summary.time("/creationInfo/creationDate")?;
    event.amount = match summary.money("/sellerTotalRefund/estimatedRefundAmount")? {
        Some(m) => Some(m),
        None => summary.money("/sellerTotalRefund/actualRefundAmount")?,
    };
    event.reason = reason_code.map(|code| Reason {
        code,
        network_code: None,
        text: comments.clone(),
    });
    event.buyer_text = comments;

    let marketplace = detail.and_then(|d| d.text("/marketplaceId"));
    event.customer = buyer(summary.text("/buyerLoginName"), marketplace.as_deref());
    let item_id = summary
        .id("/creationInfo/item/itemId")
        .or_else(|| detail.and_then(|d| d.id("/itemDetail/itemId")));
    let transaction_id = summary
        .id("/creationInfo/item/transactionId")
        .or_else(|| detail.and_then(|d| d.id("/itemDetail/transactionId")));
    event.order = summary
        .id("/orderId")
        .map(|order_id| {
            let mut order = order_ref(order_id);
            if let Some(item) = &item_id {
                order.line_items.push(LineItem {
                    // eBay's legacy order line item id, `<itemId>-<transactionId>`: the form the
                    // Fulfillment API's refund takes as `legacyReference`.
                    id: match &transaction_id {
                        Some(t) => format!("{item}-{t}"),
                        None => item.clone(),
                    },
                    sku: None,
                    batch: None,
                    title: detail
                        .and_then(|d| d.text("/itemDetail/itemTitle"))
                        .unwrap_or_default(),
                    quantity: summary
                        .count("/creationInfo/item/returnQuantity")
                        .ok()
                        .flatten()
                        .unwrap_or(1),
                    unit_price: detail
                        .map(|d| d.money("/itemDetail/itemPrice"))
                        .transpose()?
                        .flatten(),
                });
            }
            Ok::<_, PayloadError>(order)
        })
        .transpose()?;
    if let Some(tracking) = detail.and_then(|d| d.object("/returnShipmentInfo/shipmentTracking")) {
        event.shipment = Some(Shipment {
            carrier: tracking.first_text(&["/carrierName", "/carrierEnum"]),
            tracking_number: tracking.text("/trackingNumber"),
            tracking_url: None,
            status: tracking.text("/deliveryStatus"),
            delivered_at: tracking.time("/actualDeliveryDate")?,
            delivery_proof: None,
            estimated_delivery: None,
        });
    }

    attribute(&mut event, "return_id", Some(id));
    attribute(&mut event, "return_state", state);
    attribute(&mut event, "return_status", status);
    attribute(
        &mut event,
        "return_type",
        summary.first_text(&["/currentType", "/creationInfo/type"]),
    );
    attribute(&mut event, "reason_type", reason_type);
    attribute(&mut event, "item_id", item_id);
    attribute(&mut event, "transaction_id", transaction_id);
    attribute(&mut event, "marketplace_id", marketplace);
    attribute(
        &mut event,
        "seller_activity_due",
        summary.text("/sellerResponseDue/activityDue"),
    );
    attribute(
        &mut event,
        "buyer_refund",
        summary
            .money("/buyerTotalRefund/estimatedRefundAmount")?
            .map(|m| format_money(&m)),
    );
    attribute(
        &mut event,
        "timeout_at",
        summary.time("/timeoutDate")?.map(|t| t.to_rfc3339()),
    );
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{attr, fixture};
    use super::*;
    use helloword_sdk::types::{Money, Timestamp};

    fn third_party() -> TicketEvent {
        let value = fixture("schema-derived/post_order_return.get.third_party_shape.json");
        from_post_order(&Origin::poll("example_seller", "return/search"), &value).unwrap()
    }

    #[test]
    fn a_merged_return_gives_case_deadline_money_and_buyer() {
        let e = third_party();
        assert_eq!(e.kind, IssueKind::ReturnRequest);
        assert_eq!(e.case_id.as_deref(), Some("return:5300000000"));
        assert_eq!(e.dedupe.business, "return:5300000000:approved");
        assert_eq!(e.dedupe.delivery, None);
        assert_eq!(e.status.as_deref(), Some("ITEM_READY_TO_SHIP"));
        assert_eq!(
            e.platform_deadline,
            Some(Timestamp::parse("2025-12-04T07:59:59.000Z").unwrap())
        );
        assert_eq!(
            e.amount,
            Some(Money {
                minor_units: 14399,
                currency: "USD".into()
            })
        );
        let reason = e.reason.as_ref().unwrap();
        assert_eq!(reason.code, "DEFECTIVE_ITEM");
        assert_eq!(reason.text.as_deref(), Some("Item arrived locked"));
        assert_eq!(e.summary, "Return approved: defective item (SNAD)");
        let customer = e.customer.as_ref().unwrap();
        assert_eq!(customer.id.as_deref(), Some("example_buyer"));
        assert_eq!(customer.country.as_deref(), Some("US"));
        assert_eq!(customer.preferred_locale.as_deref(), Some("en-US"));
        let order = e.order.as_ref().unwrap();
        assert_eq!(order.id, "26-00000-00000");
        assert_eq!(order.line_items[0].id, "396200000000-10070000000000");
        assert_eq!(order.line_items[0].title, "Example item");
        assert_eq!(
            order.line_items[0]
                .unit_price
                .as_ref()
                .map(|m| m.minor_units),
            Some(14399)
        );
        let shipment = e.shipment.as_ref().unwrap();
        assert_eq!(
            shipment.tracking_number.as_deref(),
            Some("9300000000000000000000")
        );
        assert_eq!(attr(&e, "reason_type"), Some("SNAD"));
        assert_eq!(attr(&e, "buyer_refund"), Some("155.87 USD"));
        assert_eq!(attr(&e, "timeout_at"), Some("2025-12-18T07:59:59.999Z"));
        assert_eq!(
            attr(&e, "seller_activity_due"),
            Some("SELLER_APPROVE_REQUEST")
        );
    }

    #[test]
    fn a_search_member_is_the_summary_itself() {
        let value = fixture("schema-derived/post_order_return.get.third_party_shape.json");
        let member = value["summary"].clone();
        let e = from_post_order(&Origin::poll("s", "return/search"), &member).unwrap();
        assert_eq!(e.case_id.as_deref(), Some("return:5300000000"));
        // Without `detail` there is no marketplace, so no country is guessed.
        assert_eq!(e.customer.as_ref().unwrap().country, None);
    }

    #[test]
    fn phases_are_shared_by_states_and_notifications() {
        assert_eq!(phase(Some("RETURN_REQUESTED"), None), "requested");
        assert_eq!(phase_of_event("ReturnCreated"), Some("requested"));
        assert_eq!(phase(Some("CLOSED"), Some("CLOSED")), "closed");
        assert_eq!(phase_of_event("ReturnClosed"), Some("closed"));
        assert_eq!(phase(Some("ITEM_SHIPPED"), Some("ESCALATED")), "escalated");
        assert_eq!(phase_of_event("ReturnEscalated"), Some("escalated"));
        assert_eq!(kind("escalated"), IssueKind::AToZClaim);
        assert_eq!(phase(Some("SOMETHING_NEW"), None), "something_new");
        assert_eq!(phase_of_event("EBPClosedCase"), None);
    }

    #[test]
    fn a_return_without_an_id_is_refused_by_name() {
        let value = helloword_sdk::json::parse(br#"{"state": "CLOSED"}"#).unwrap();
        let err = from_post_order(&Origin::poll("s", "return/search"), &value).unwrap_err();
        assert_eq!(
            err.0,
            "eBay return payload: `returnId` is missing; eBay always sends it"
        );
    }
}
