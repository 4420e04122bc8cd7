//! Fulfillment orders (`GET order/{orderId}`): the buyer context and line items that
//! disputes, refunds and messages need. Fulfillment dates are plain strings and amounts
//! are decimal strings.

use helloword_sdk::json::Value;
use helloword_sdk::types::{Customer, LineItem, Order};

use crate::market;
use crate::payload::{Payload, PayloadError};

/// An order and its buyer, as the Fulfillment API describes them.
pub fn context(value: &Value) -> Result<(Order, Option<Customer>), PayloadError> {
    let p = Payload::new("order", value);
    let id = p.required_id("/orderId")?;
    let mut line_items = Vec::new();
    let mut marketplace = None;
    for line in p.array("/lineItems") {
        let line = p.nested(line);
        let Some(line_id) = line.id("/lineItemId") else {
            continue;
        };
        let quantity = line.count("/quantity")?.unwrap_or(1);
        let unit_price = match line.money("/lineItemCost")? {
            // `lineItemCost` is for the whole line; a unit price only when it divides.
            Some(mut cost) if quantity > 0 && cost.minor_units % i64::from(quantity) == 0 => {
                cost.minor_units /= i64::from(quantity);
                Some(cost)
            }
            _ => None,
        };
        marketplace = marketplace
            .or_else(|| line.first_text(&["/purchaseMarketplaceId", "/listingMarketplaceId"]));
        line_items.push(LineItem {
            id: line_id,
            sku: line.text("/sku"),
            batch: None,
            title: line.text("/title").unwrap_or_default(),
            quantity,
            unit_price,
        });
    }
    let order = Order {
        id,
        display_name: None,
        placed_at: p.time("/creationDate")?,
        total: p.money("/pricingSummary/total")?,
        line_items,
    };
    let ship_to = p
        .array("/fulfillmentStartInstructions")
        .iter()
        .find_map(|i| p.nested(i).object("/shippingStep/shipTo"));
    let country = ship_to
        .and_then(|s| s.text("/contactAddress/countryCode"))
        .or_else(|| p.text("/buyer/taxAddress/countryCode"))
        .or_else(|| marketplace.as_deref().and_then(market::country));
    let customer = p.text("/buyer/username").map(|username| Customer {
        id: Some(username),
        name: ship_to
            .and_then(|s| s.text("/fullName"))
            .or_else(|| p.text("/buyer/buyerRegistrationAddress/fullName")),
        email: ship_to
            .and_then(|s| s.text("/email"))
            .or_else(|| p.text("/buyer/buyerRegistrationAddress/email")),
        country,
        preferred_locale: marketplace.as_deref().and_then(market::locale),
        vip: false,
    });
    Ok((order, customer))
}

/// The order's line item whose `lineItemId`, `legacyItemId` or legacy
/// `<itemId>-<transactionId>` is `wanted`.
pub fn find_line<'a>(order: &'a Value, wanted: &str) -> Option<&'a Value> {
    let lines = order.get("lineItems")?.as_array()?;
    let item_part = wanted.split_once('-').map_or(wanted, |(item, _)| item);
    lines
        .iter()
        .find(|l| helloword_sdk::json::id_at(l, "/lineItemId").as_deref() == Some(wanted))
        .or_else(|| {
            lines.iter().find(|l| {
                helloword_sdk::json::id_at(l, "/legacyItemId").as_deref() == Some(item_part)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fixture;
    use super::*;

    #[test]
    fn the_order_gives_lines_total_and_a_german_buyer() {
        let v = fixture("schema-derived/fulfillment_order.get.json");
        let (order, customer) = context(&v).unwrap();
        assert_eq!(order.id, "01-23456-78901");
        assert_eq!(
            order
                .total
                .as_ref()
                .map(|m| (m.minor_units, m.currency.as_str())),
            Some((7528, "EUR"))
        );
        assert_eq!(order.line_items.len(), 1);
        assert_eq!(order.line_items[0].id, "10000000000000");
        assert_eq!(order.line_items[0].sku.as_deref(), Some("SKU-PLACEHOLDER"));
        assert_eq!(
            order.line_items[0]
                .unit_price
                .as_ref()
                .map(|m| m.minor_units),
            Some(7033)
        );
        let customer = customer.unwrap();
        assert_eq!(customer.id.as_deref(), Some("example_buyer"));
        assert_eq!(customer.country.as_deref(), Some("DE"));
        assert_eq!(customer.preferred_locale.as_deref(), Some("de-DE"));
        assert_eq!(customer.name.as_deref(), Some("Example Buyer"));
    }

    #[test]
    fn lines_are_found_by_new_and_legacy_ids() {
        let v = fixture("schema-derived/fulfillment_order.get.json");
        assert!(find_line(&v, "10000000000000").is_some());
        assert!(find_line(&v, "100000000000-1000000000000").is_some());
        assert!(find_line(&v, "999").is_none());
    }
}
