//! The mandatory privacy topics: `customers/data_request` (send the merchant what is
//! stored about a customer), `customers/redact` (erase a customer) and `shop/redact` (erase
//! a shop, 48 hours after it uninstalled the app).
//!
//! Each becomes a `privacy-request` event whose attributes carry everything the host needs
//! to act: which customer, which orders, which shop, and what to do (`privacy_action`).

use helloword_sdk::types::{Customer, IssueKind, TicketEvent};

use super::{Context, attribute};
use crate::payload::PayloadError;

/// One event per privacy request.
pub(super) fn request(ctx: &Context<'_>) -> Result<TicketEvent, PayloadError> {
    let p = ctx.payload;
    let shop_id = p.id("/shop_id");
    let shop_domain = p.text("/shop_domain");
    let ids = |pointer: &str| -> Vec<String> {
        p.array(pointer)
            .iter()
            .filter_map(helloword_sdk::json::id)
            .collect()
    };

    let topic = ctx.delivery.topic.as_str();
    let (action, orders_field, orders, case, summary) = match topic {
        "shop/redact" => {
            let shop = shop_id
                .clone()
                .or(shop_domain.clone())
                .unwrap_or_else(|| ctx.delivery.shop.clone());
            (
                "erase_shop",
                None,
                Vec::new(),
                format!("privacy:shop/redact:{shop}"),
                // The header's domain, which the signature vouches for.
                format!("Privacy: erase all data of shop {}", ctx.delivery.shop),
            )
        }
        "customers/redact" => {
            let customer = customer_key(ctx)?;
            let orders = ids("/orders_to_redact");
            (
                "erase_customer",
                Some("orders_to_redact"),
                orders.clone(),
                // The same customer and orders erased twice is one effect.
                format!("privacy:customers/redact:{customer}:{}", orders.join(",")),
                format!(
                    "Privacy: erase the data of customer {customer}{}",
                    order_count(orders.len())
                ),
            )
        }
        _ => {
            let customer = customer_key(ctx)?;
            let request = p.id("/data_request/id");
            let orders = ids("/orders_requested");
            let key = request
                .clone()
                .unwrap_or_else(|| format!("{customer}:{}", ctx.action_or_delivery()));
            (
                "export_customer",
                Some("orders_requested"),
                orders.clone(),
                format!("privacy:customers/data_request:{key}"),
                format!(
                    "Privacy: send the merchant the data of customer {customer}{}",
                    order_count(orders.len())
                ),
            )
        }
    };

    let mut event = ctx.event(IssueKind::PrivacyRequest, case.clone(), summary);
    // Every request is its own case: it has its own one-month deadline.
    event.case_id = Some(case);
    let customer_id = p.id("/customer/id");
    let email = p.text("/customer/email");
    let phone = p.text("/customer/phone");
    if customer_id.is_some() || email.is_some() {
        event.customer = Some(Customer {
            id: customer_id.clone(),
            name: None,
            email: email.clone(),
            country: None,
            preferred_locale: None,
            vip: false,
        });
    }
    event.occurred_at = ctx.triggered_at();
    attribute(&mut event, "privacy_action", Some(action.to_string()));
    attribute(&mut event, "shop_id", shop_id);
    attribute(&mut event, "shop_domain", shop_domain);
    attribute(&mut event, "customer_id", customer_id);
    attribute(&mut event, "customer_email", email);
    attribute(&mut event, "customer_phone", phone);
    if let Some(field) = orders_field {
        attribute(&mut event, field, Some(orders.join(",")));
    }
    attribute(&mut event, "data_request_id", p.id("/data_request/id"));
    Ok(event)
}

/// Who a customer request is about: the id, or the e-mail when Shopify sends only that.
fn customer_key(ctx: &Context<'_>) -> Result<String, PayloadError> {
    let p = ctx.payload;
    p.id("/customer/id")
        .or_else(|| p.text("/customer/email"))
        .ok_or_else(|| p.error("/customer", "has neither `id` nor `email`"))
}

fn order_count(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " (1 order)".to_string(),
        n => format!(" ({n} orders)"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use helloword_sdk::types::IssueKind;

    #[test]
    fn a_redact_names_the_customer_and_every_order() {
        let e = one(
            "customers/redact",
            include_bytes!("../../tests/fixtures/webhooks/customers__redact.json"),
        );
        assert_eq!(e.kind, IssueKind::PrivacyRequest);
        assert_eq!(attr(&e, "privacy_action"), Some("erase_customer"));
        assert_eq!(attr(&e, "customer_id"), Some("191167"));
        assert_eq!(attr(&e, "customer_email"), Some("john@example.com"));
        assert_eq!(attr(&e, "orders_to_redact"), Some("299938,280263,220458"));
        assert_eq!(attr(&e, "shop_id"), Some("954889"));
        assert_eq!(
            e.summary,
            "Privacy: erase the data of customer 191167 (3 orders)"
        );
    }

    #[test]
    fn a_data_request_is_keyed_by_its_request_id() {
        let e = one(
            "customers/data_request",
            include_bytes!("../../tests/fixtures/webhooks/customers__data_request.json"),
        );
        assert_eq!(attr(&e, "privacy_action"), Some("export_customer"));
        assert_eq!(attr(&e, "data_request_id"), Some("9999"));
        assert_eq!(attr(&e, "orders_requested"), Some("299938,280263,220458"));
        assert_eq!(e.dedupe.business, "privacy:customers/data_request:9999");
    }

    #[test]
    fn a_shop_redact_names_the_shop() {
        let e = one(
            "shop/redact",
            include_bytes!("../../tests/fixtures/webhooks/shop__redact.json"),
        );
        assert_eq!(attr(&e, "privacy_action"), Some("erase_shop"));
        assert_eq!(e.customer, None);
        assert_eq!(e.dedupe.business, "privacy:shop/redact:954889");
    }

    #[test]
    fn a_customer_request_without_a_customer_is_refused() {
        let value = helloword_sdk::json::parse(br#"{"shop_id": 1}"#).unwrap();
        let err = super::super::normalize(&delivery("customers/redact"), &value).unwrap_err();
        assert!(err.0.contains("`customer` has neither"), "{err}");
    }
}
