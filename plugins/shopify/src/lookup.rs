//! Looking an order up (`orders.lookup-order`): `GET /orders/<id>.json` on the Admin API,
//! read by the same normalizer as an `orders/updated` webhook, so a looked-up order and a
//! pushed one are the same event (and the same business key for the same version: the
//! host applies it once).
//!
//! The REST Order resource is what the `orders/updated` webhook carries, field for field;
//! the REST Admin API is legacy for new public apps, and a move to GraphQL's `order(id:)`
//! belongs with the other Admin calls' move (refunds, evidence).

use helloword_sdk::connector::FoundOrder;
use helloword_sdk::types::ActionError;

use crate::admin::Admin;
use crate::delivery::Delivery;
use crate::{ids, normalize};

/// Look up order `order_id` of `shop`.
pub fn lookup(admin: &Admin<'_>, shop: &str, order_id: &str) -> Result<FoundOrder, ActionError> {
    let Some(id) = ids::numeric(order_id) else {
        return Err(ActionError::Permanent(format!(
            "{order_id:?} is not a Shopify order id (a number, or gid://shopify/Order/<number>)"
        )));
    };
    let Some(body) = admin.get_if_found(&format!("/orders/{id}.json"))? else {
        return Ok(FoundOrder::NotFound);
    };
    let Some(order) = body.get("order").filter(|o| o.is_object()) else {
        return Err(ActionError::Permanent(format!(
            "Shopify's answer to GET /orders/{id}.json has no `order` object"
        )));
    };
    let delivery = Delivery {
        topic: "orders/updated".into(),
        hmac: String::new(),
        shop: shop.trim().to_ascii_lowercase(),
        webhook_id: format!("lookup:order:{id}"),
        api_version: String::new(),
        event_id: None,
        triggered_at: None,
    };
    let mut events = normalize::normalize(&delivery, order).map_err(|e| {
        ActionError::Permanent(format!("order {id} as Shopify returned it: {}", e.0))
    })?;
    match events.pop() {
        Some(mut event) if events.is_empty() => {
            event.attributes.push(("looked_up".into(), "true".into()));
            Ok(FoundOrder::Order(event))
        }
        _ => Err(ActionError::Permanent(format!(
            "order {id} as Shopify returned it did not read as one order"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::IssueKind;

    const ORDER: &str = include_str!("../tests/fixtures/webhooks/orders__updated.json");

    fn answer() -> String {
        format!("{{\"order\": {ORDER}}}")
    }

    #[test]
    fn an_order_reads_as_its_orders_updated_event() {
        let body = answer();
        let script = Script::new(&[(200, body.as_str())]);
        let found = lookup(
            &admin(&script),
            "Example.myshopify.com",
            "820982911946154508",
        )
        .unwrap();
        assert_eq!(script.calls(), ["GET /orders/820982911946154508.json"]);
        let FoundOrder::Order(event) = found else {
            panic!("{found:?}")
        };
        assert_eq!(event.kind, IssueKind::OrderUpdate);
        assert_eq!(event.shop, "example.myshopify.com");
        assert_eq!(event.order.as_ref().unwrap().id, "820982911946154508");
        assert!(
            event
                .dedupe
                .business
                .starts_with("order:820982911946154508:updated:")
        );
        assert!(event.customer.is_some());
        assert!(
            event
                .attributes
                .contains(&("looked_up".into(), "true".into()))
        );
    }

    #[test]
    fn missing_orders_errors_and_bad_ids_are_told_apart() {
        let script = Script::new(&[(404, "{\"errors\":\"Not Found\"}")]);
        assert!(matches!(
            lookup(&admin(&script), "s", "1"),
            Ok(FoundOrder::NotFound)
        ));

        let script = Script::new(&[(503, "")]);
        assert!(matches!(
            lookup(&admin(&script), "s", "1"),
            Err(ActionError::Transient(_))
        ));

        let script = Script::new(&[(200, "{\"orders\": []}")]);
        assert!(matches!(
            lookup(&admin(&script), "s", "1"),
            Err(ActionError::Permanent(m)) if m.contains("no `order` object")
        ));

        let script = Script::new(&[]);
        let err = lookup(&admin(&script), "s", "../customers").unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("not a Shopify order id")));
        assert!(script.calls().is_empty());
    }
}
