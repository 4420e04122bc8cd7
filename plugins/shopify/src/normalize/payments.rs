//! `order_transactions/create`: a payment that failed. Shopify sends one delivery per
//! transaction of an order (authorizations, captures, sales, voids, refunds); only one whose
//! `status` is `failure` or `error` needs the seller: the buyer was charged nothing, or a
//! capture of an authorized payment did not go through, and the order will not be paid
//! unless someone acts. Any other transaction carries nothing to record.

use helloword_sdk::types::{IssueKind, Reason, TicketEvent};

use super::{Context, attribute, format_money, humanize, order_ref};
use crate::payload::PayloadError;

/// The failed payment as an `order-update` with status `payment-failure` (or
/// `payment-error`), which opens a ticket; `None` for a transaction that did not fail.
pub(super) fn transaction(ctx: &Context<'_>) -> Result<Option<TicketEvent>, PayloadError> {
    let p = ctx.payload;
    let status = p.text("/status").unwrap_or_default().to_ascii_lowercase();
    if status != "failure" && status != "error" {
        return Ok(None);
    }
    let id = p.required_id("/id")?;
    let order_id = p.required_id("/order_id")?;
    let kind = p.text("/kind").unwrap_or_else(|| "sale".into());
    let amount = match p.text("/currency") {
        Some(currency) => p.money("/amount", &currency)?,
        None => None,
    };
    let message = p.text("/message").filter(|m| !m.trim().is_empty());
    let error_code = p.text("/error_code");
    let gateway = p.text("/gateway");

    let mut summary = format!("Payment {} for order {order_id}", humanize(&status));
    if let Some(amount) = &amount {
        summary.push_str(&format!(" ({}, {})", humanize(&kind), format_money(amount)));
    }
    if let Some(why) = message.as_ref().or(error_code.as_ref()) {
        summary.push_str(&format!(": {}", why.trim()));
    }
    let mut event = ctx.event(
        IssueKind::OrderUpdate,
        format!("transaction:{id}:{status}"),
        summary,
    );
    event.order = Some(order_ref(order_id));
    event.amount = amount;
    event.status = Some(format!("payment-{status}"));
    event.reason = error_code.map(|code| Reason {
        code,
        network_code: None,
        text: message.clone(),
    });
    event.occurred_at = p
        .time("/processed_at")?
        .or(p.time("/created_at")?)
        .or_else(|| ctx.triggered_at());
    attribute(&mut event, "transaction.id", Some(id));
    attribute(&mut event, "transaction.kind", Some(kind));
    attribute(&mut event, "payment.gateway", gateway);
    Ok(Some(event))
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::super::test_support::*;
    use helloword_sdk::types::IssueKind;

    const SAMPLE: &[u8] =
        include_bytes!("../../tests/fixtures/webhooks/order_transactions__create.json");

    fn with(status: &str, message: Option<&str>, code: Option<&str>) -> Vec<u8> {
        let mut t: serde_json::Value = serde_json::from_slice(SAMPLE).unwrap();
        t["status"] = status.into();
        t["kind"] = "sale".into();
        t["message"] = message.into();
        t["error_code"] = code.into();
        serde_json::to_vec(&t).unwrap()
    }

    #[test]
    fn a_declined_card_is_a_failed_payment_that_opens_a_ticket() {
        let e = one(
            "order_transactions/create",
            &with(
                "failure",
                Some("Your card was declined."),
                Some("card_declined"),
            ),
        );
        assert_eq!(e.kind, IssueKind::OrderUpdate);
        assert_eq!(e.status.as_deref(), Some("payment-failure"));
        assert_eq!(e.order.as_ref().unwrap().id, "820982911946154508");
        assert_eq!(e.amount.as_ref().unwrap().minor_units, 41995);
        assert_eq!(e.reason.as_ref().unwrap().code, "card_declined");
        assert_eq!(
            e.summary,
            "Payment failure for order 820982911946154508 (sale, 419.95 USD): Your card was declined."
        );
        assert_eq!(e.dedupe.business, "transaction:120560818172775265:failure");
        assert_eq!(attr(&e, "payment.gateway"), Some("visa"));
    }

    #[test]
    fn a_successful_or_pending_transaction_records_nothing() {
        for status in ["success", "pending", ""] {
            let body = with(status, None, None);
            let value = helloword_sdk::json::parse(&body).unwrap();
            let events = normalize(&delivery("order_transactions/create"), &value).unwrap();
            assert!(events.is_empty(), "{status}: {events:?}");
        }
    }
}
