//! `orders/updated` and `orders/cancelled`: the order, its buyer and its lines, the context
//! every other Shopify event lacks (disputes, refunds and returns name only the order id).

use helloword_sdk::types::{Customer, IssueKind, Order, Reason, TicketEvent};

use super::{Context, attribute, format_money, humanize};
use crate::payload::{Payload, PayloadError};

/// One event per order delivery.
///
/// `orders/cancelled` is a cancellation request when the buyer asked for it
/// (`cancel_reason: customer`); a cancellation for fraud, stock or a declined payment is
/// the merchant's decision and only changes the order.
pub(super) fn order(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let id = p.required_id("/id")?;
    let name = p.text("/name");
    let cancel_reason = p.text("/cancel_reason");
    let cancelled_at = p.time("/cancelled_at")?;
    let financial_status = p.text("/financial_status");
    let cancelled = ctx.verb() == "cancelled";
    let kind = if cancelled && cancel_reason.as_deref() == Some("customer") {
        IssueKind::CancellationRequest
    } else {
        IssueKind::OrderUpdate
    };
    let status = if cancelled || cancelled_at.is_some() {
        Some("cancelled".to_string())
    } else {
        financial_status.clone()
    };

    let order = read_order(&p, id.clone())?;
    let label = name.clone().unwrap_or_else(|| id.clone());
    let summary = if cancelled {
        match &cancel_reason {
            Some(r) => format!("Order {label} cancelled: {}", humanize(r)),
            None => format!("Order {label} cancelled"),
        }
    } else {
        let mut parts: Vec<String> = Vec::new();
        if cancelled_at.is_some() {
            parts.push("cancelled".into());
        }
        parts.extend(financial_status.as_deref().map(humanize));
        parts.extend(p.text("/fulfillment_status").as_deref().map(humanize));
        if let Some(total) = &order.total {
            parts.push(format_money(total));
        }
        if parts.is_empty() {
            format!("Order {label} updated")
        } else {
            format!("Order {label} updated: {}", parts.join(", "))
        }
    };

    let business = if cancelled {
        format!("order:{id}:cancelled")
    } else {
        // Any change fires `orders/updated`; its `updated_at` names the version.
        let version = p
            .text("/updated_at")
            .unwrap_or_else(|| ctx.action_or_delivery().to_string());
        format!("order:{id}:updated:{version}")
    };
    let mut event = ctx.event(kind, business, summary);
    event.order = Some(order);
    event.customer = Some(read_customer(&p));
    event.reason = cancel_reason.map(|code| Reason {
        code,
        network_code: None,
        text: None,
    });
    event.status = status;
    event.occurred_at = if cancelled {
        cancelled_at.or(p.time("/updated_at")?)
    } else {
        p.time("/updated_at")?
    }
    .or_else(|| ctx.triggered_at());
    // The order note is what the buyer wrote at checkout.
    event.buyer_text = p.text("/note");
    attribute(&mut event, "financial_status", financial_status);
    attribute(
        &mut event,
        "fulfillment_status",
        p.text("/fulfillment_status"),
    );
    attribute(&mut event, "cancelled_at", p.text("/cancelled_at"));
    attribute(
        &mut event,
        "presentment_currency",
        p.text("/presentment_currency"),
    );
    attribute(&mut event, "order_status_url", p.text("/order_status_url"));
    if p.at("/test").and_then(|v| v.as_bool()) == Some(true) {
        attribute(&mut event, "test_order", Some("true".into()));
    }
    Ok(event)
}

/// The order record: name, placement time, current total and lines.
fn read_order(p: &Payload<'_>, id: String) -> Result<Order, PayloadError> {
    let currency = p.text("/currency");
    let total = match p.shop_money("/current_total_price_set")? {
        Some(total) => Some(total),
        None => match &currency {
            Some(c) => match p.money("/current_total_price", c)? {
                Some(total) => Some(total),
                None => p.money("/total_price", c)?,
            },
            None => None,
        },
    };
    let mut line_items = Vec::new();
    for line in p.array("/line_items") {
        line_items.extend(p.nested(line).line_item(None, currency.as_deref())?);
    }
    Ok(Order {
        id,
        display_name: p.text("/name"),
        placed_at: p.time("/created_at")?.or(p.time("/processed_at")?),
        total,
        line_items,
    })
}

/// The buyer as the order tells: the order's own contact e-mail first (it is where replies
/// go), the shipping country (else billing), and the checkout language.
fn read_customer(p: &Payload<'_>) -> Customer {
    // Family name first for a name in Chinese, Japanese or Korean script.
    let name = helloword_sdk::names::full_name(
        p.text("/customer/first_name").as_deref(),
        p.text("/customer/last_name").as_deref(),
    )
    .unwrap_or_default();
    let tags = [p.text("/tags"), p.text("/customer/tags")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(",");
    Customer {
        id: p.id("/customer/id"),
        name: if name.is_empty() {
            p.text("/billing_address/name")
        } else {
            Some(name)
        },
        email: p.first_text(&["/email", "/contact_email", "/customer/email"]),
        country: p
            .first_text(&[
                "/shipping_address/country_code",
                "/billing_address/country_code",
            ])
            .map(|c| c.to_ascii_uppercase()),
        preferred_locale: p.text("/customer_locale"),
        // Shopify has no VIP flag; merchants tag their VIPs, on the order or the customer.
        vip: tags
            .split(',')
            .any(|tag| tag.trim().eq_ignore_ascii_case("vip")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::{IssueKind, Money};

    const SAMPLE: &[u8] = include_bytes!("../../tests/fixtures/webhooks/orders__updated.json");

    #[test]
    fn an_order_update_carries_buyer_lines_and_total() {
        let e = one("orders/updated", SAMPLE);
        assert_eq!(e.kind, IssueKind::OrderUpdate);
        let order = e.order.as_ref().unwrap();
        assert_eq!(order.id, "820982911946154508");
        assert_eq!(order.display_name.as_deref(), Some("#9999"));
        assert_eq!(
            order.total,
            Some(Money {
                minor_units: 41495,
                currency: "USD".into()
            })
        );
        assert_eq!(order.line_items.len(), 5);
        assert_eq!(order.line_items[4].sku.as_deref(), Some("SKU2006-035"));
        let c = e.customer.as_ref().unwrap();
        assert_eq!(c.id.as_deref(), Some("115310627314723954"));
        assert_eq!(c.name.as_deref(), Some("John Smith"));
        assert_eq!(c.email.as_deref(), Some("jon@example.com"));
        assert_eq!(c.country.as_deref(), Some("US"));
        assert_eq!(c.preferred_locale.as_deref(), Some("en"));
        assert!(!c.vip);
        assert_eq!(e.status.as_deref(), Some("cancelled"));
        assert_eq!(attr(&e, "test_order"), Some("true"));
    }

    #[test]
    fn a_buyer_cancellation_is_a_cancellation_request() {
        let e = one("orders/cancelled", SAMPLE);
        assert_eq!(e.kind, IssueKind::CancellationRequest);
        assert_eq!(e.summary, "Order #9999 cancelled: customer");
        assert_eq!(e.dedupe.business, "order:820982911946154508:cancelled");
        let merchant = String::from_utf8(SAMPLE.to_vec()).unwrap().replace(
            "\"cancel_reason\": \"customer\"",
            "\"cancel_reason\": \"inventory\"",
        );
        let e = one("orders/cancelled", merchant.as_bytes());
        assert_eq!(e.kind, IssueKind::OrderUpdate);
    }

    #[test]
    fn the_billing_country_stands_in_and_vip_tags_count() {
        let body = String::from_utf8(SAMPLE.to_vec())
            .unwrap()
            .replacen("\"country_code\": \"US\"", "\"country_code\": \"DE\"", 1)
            .replace("\"tags\": \"tag1, tag2\"", "\"tags\": \"tag1, VIP\"");
        let value = helloword_sdk::json::parse(body.as_bytes()).unwrap();
        let mut value = value;
        if let Some(o) = value.as_object_mut() {
            o.remove("shipping_address");
        }
        let d = delivery("orders/updated");
        let e = super::super::normalize(&d, &value).unwrap().remove(0);
        let c = e.customer.unwrap();
        // The first country_code in the file is the billing address's.
        assert_eq!(c.country.as_deref(), Some("DE"));
        assert!(c.vip);
    }
}
