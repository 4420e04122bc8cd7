//! `refunds/create`: a refund was issued (by the merchant, an app, or this gateway).

use helloword_sdk::json::Value;
use helloword_sdk::types::{IssueKind, Money, Order, TicketEvent};

use super::{Context, attribute, format_money};
use crate::payload::{Payload, PayloadError};

/// One event per refund. Refunds are context for the order's open cases; a refund that
/// belongs to a return joins the return's case.
pub(super) fn refund(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let currency = fallback_currency(&p);
    let moved = refunded_amount(&p, currency.as_deref())?;

    let mut line_items = Vec::new();
    for (i, line) in p.array("/refund_line_items").iter().enumerate() {
        let line = p.nested(line);
        let quantity = line.count("/quantity")?;
        let item = p
            .nested(line.at("/line_item").unwrap_or(&Value::Null))
            .line_item(quantity, currency.as_deref())
            .map_err(|e| PayloadError(format!("{e} (in refund_line_items[{i}])")))?;
        // A line without its nested line item still names the item it refunds.
        let item = match item {
            Some(item) => Some(item),
            None => line
                .id("/line_item_id")
                .map(|id| helloword_sdk::types::LineItem {
                    id,
                    sku: None,
                    batch: None,
                    title: String::new(),
                    quantity: quantity.unwrap_or(0),
                    unit_price: None,
                }),
        };
        line_items.extend(item);
    }
    let units: u32 = line_items.iter().map(|l| l.quantity).sum();
    let note = p.text("/note");

    let mut summary = match &moved.amount {
        Some(m) => format!("Refund issued: {}", format_money(m)),
        None => "Refund recorded without a payment".to_string(),
    };
    if units > 0 {
        summary.push_str(&format!(
            " for {units} item{}",
            if units == 1 { "" } else { "s" }
        ));
    }
    if let Some(note) = &note {
        summary.push_str(&format!(" ({note})"));
    }

    let mut event = ctx.event(IssueKind::RefundIssued, format!("refund:{id}"), summary);
    event.case_id = p.first_text(&["/return/admin_graphql_api_id"]).or_else(|| {
        p.id("/return/id")
            .map(|id| format!("gid://shopify/Return/{id}"))
    });
    event.order = p.id("/order_id").map(|id| Order {
        id,
        display_name: None,
        placed_at: None,
        total: None,
        line_items,
    });
    event.amount = moved.amount;
    event.status = moved.status;
    event.occurred_at = p
        .time("/processed_at")?
        .or(p.time("/created_at")?)
        .or_else(|| ctx.triggered_at());
    attribute(&mut event, "refund_id", Some(id));
    attribute(&mut event, "note", note);
    attribute(
        &mut event,
        "restock",
        p.at("/restock").map(Value::to_string),
    );
    Ok(event)
}

/// The currency of a refund when its transactions do not say (Shopify's sample sends
/// `"currency": null`): the presentment currency of its lines or duties, in which
/// transaction amounts are written.
fn fallback_currency(p: &Payload<'_>) -> Option<String> {
    p.first_text(&[
        "/refund_line_items/0/subtotal_set/presentment_money/currency_code",
        "/total_duties_set/presentment_money/currency_code",
        "/order_adjustments/0/amount_set/presentment_money/currency_code",
    ])
}

/// What the refund's transactions moved.
#[derive(Debug, Default, PartialEq, Eq)]
struct Moved {
    /// The sum of the successful refund transactions, when they share one currency.
    amount: Option<Money>,
    /// The transactions' status when they all have the same one ("success", "pending").
    status: Option<String>,
}

/// Sum the successful `refund` transactions of a refund (or of an Admin API response).
fn refunded_amount(
    p: &Payload<'_>,
    fallback_currency: Option<&str>,
) -> Result<Moved, PayloadError> {
    let mut total: Option<Money> = None;
    let mut statuses: Vec<String> = Vec::new();
    for (i, tx) in p.array("/transactions").iter().enumerate() {
        let tx = p.nested(tx);
        if tx.text("/kind").as_deref() != Some("refund") {
            continue;
        }
        let status = tx.text("/status");
        if let Some(s) = &status
            && !statuses.contains(s)
        {
            statuses.push(s.clone());
        }
        if status.as_deref() != Some("success") {
            continue;
        }
        let currency = tx
            .text("/currency")
            .or(fallback_currency.map(str::to_string));
        let Some(currency) = currency else {
            // No currency anywhere: the amount cannot be stated exactly, so it is left out.
            return Ok(Moved::default());
        };
        let amount = tx
            .money("/amount", &currency)
            .map_err(|e| PayloadError(format!("{e} (in transactions[{i}])")))?;
        let Some(amount) = amount else { continue };
        total = match total {
            None => Some(amount),
            Some(sum) if sum.currency == amount.currency => Some(Money {
                minor_units: sum.minor_units.saturating_add(amount.minor_units),
                currency: sum.currency,
            }),
            // Refund transactions in two currencies have no single total.
            Some(_) => return Ok(Moved::default()),
        };
    }
    Ok(Moved {
        amount: total,
        status: (statuses.len() == 1).then(|| statuses.remove(0)),
    })
}

/// The money a refund moved, for the actions that read refunds back from the Admin API.
pub(crate) fn refund_total(
    refund: &Value,
    currency: Option<&str>,
) -> Result<(Option<Money>, Option<String>), PayloadError> {
    let p = Payload::new("refund", refund);
    let fallback = currency
        .map(str::to_string)
        .or_else(|| fallback_currency(&p));
    let moved = refunded_amount(&p, fallback.as_deref())?;
    Ok((moved.amount, moved.status))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::{IssueKind, Money};

    const SAMPLE: &[u8] = include_bytes!("../../tests/fixtures/webhooks/refunds__create.json");

    #[test]
    fn the_refunded_amount_is_the_sum_of_successful_refund_transactions() {
        let e = one("refunds/create", SAMPLE);
        assert_eq!(e.kind, IssueKind::RefundIssued);
        // 75.00 + 10.00; the transactions say `"currency": null`, the lines say USD.
        assert_eq!(
            e.amount,
            Some(Money {
                minor_units: 8500,
                currency: "USD".into()
            })
        );
        assert_eq!(e.status.as_deref(), Some("success"));
        assert_eq!(e.dedupe.business, "refund:890088186047892319");
        assert_eq!(e.case_id, None);
        let order = e.order.as_ref().unwrap();
        assert_eq!(order.id, "820982911946154508");
        assert_eq!(order.line_items.len(), 5);
        assert_eq!(order.line_items[0].id, "487817672276298554");
        assert_eq!(order.line_items[0].sku.as_deref(), Some("SKU2006-001"));
        assert_eq!(
            order.line_items[0].unit_price,
            Some(Money {
                minor_units: 8999,
                currency: "USD".into()
            })
        );
        assert_eq!(
            e.summary,
            "Refund issued: 85.00 USD for 5 items (Things were damaged)"
        );
    }

    #[test]
    fn failed_transactions_do_not_count() {
        let body = String::from_utf8(SAMPLE.to_vec()).unwrap().replacen(
            "\"status\": \"success\"",
            "\"status\": \"failure\"",
            1,
        );
        let e = one("refunds/create", body.as_bytes());
        assert_eq!(e.amount.map(|m| m.minor_units), Some(1000));
        assert_eq!(e.status, None, "mixed statuses have no single status");
    }
}
