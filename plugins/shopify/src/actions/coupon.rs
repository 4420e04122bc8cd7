//! Coupons as Shopify discount codes (GraphQL `discountCodeBasicCreate`): a fixed amount
//! off the whole order, usable once, and only by the order's buyer when the action names
//! an order.
//!
//! A code the action does not name is derived from its idempotency key, so a retry asks for
//! the same code and `reconcile` can look it up (`codeDiscountNodeByCode`).

use helloword_sdk::json;
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{
    Action, ActionError, ActionOutcome, ActionStatus, CouponSpec, Timestamp,
};
use serde_json::json;

use super::unexpected;
use crate::admin::{Admin, user_errors};
use crate::ids::{coupon_code, gid};
use crate::normalize::format_money;

/// The shop's currency (discount amounts are in it) and the order's buyer.
pub const CONTEXT_WITH_ORDER: &str = "query CouponContext($orderId: ID!) { shop { currencyCode } order(id: $orderId) { customer { id } } }";
/// The shop's currency, when the coupon is for no particular order.
pub const CONTEXT: &str = "query CouponContext { shop { currencyCode } }";
/// Create the code.
pub const CREATE: &str = "mutation CouponCreate($basicCodeDiscount: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) { codeDiscountNode { id } userErrors { field code message } } }";
/// Find a code.
pub const FIND: &str =
    "query CouponFind($code: String!) { codeDiscountNodeByCode(code: $code) { id } }";

/// The code the action creates.
fn code_of(action: &Action, spec: &CouponSpec) -> String {
    spec.code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map_or_else(|| coupon_code(&action.idempotency_key), str::to_string)
}

/// Create the discount code.
pub(super) fn execute(
    admin: &Admin<'_>,
    action: &Action,
    spec: &CouponSpec,
    now: Timestamp,
) -> Result<ActionOutcome, ActionError> {
    let code = code_of(action, spec);
    if spec.value.minor_units <= 0 {
        return Err(ActionError::Permanent(format!(
            "a coupon's value must be positive; got {}",
            format_money(&spec.value)
        )));
    }
    if let Some(expires) = &spec.expires_at
        && (expires.seconds, expires.nanoseconds) <= (now.seconds, now.nanoseconds)
    {
        return Err(ActionError::Permanent(format!(
            "the coupon would expire at {}, which has passed",
            expires.to_rfc3339()
        )));
    }
    let order = match action.order_id.as_deref() {
        Some(id) => Some(gid("Order", id).ok_or_else(|| {
            ActionError::Permanent(format!("action.order_id {id:?} is not a Shopify order id"))
        })?),
        None => None,
    };
    let context = match &order {
        Some(order) => admin.graphql(CONTEXT_WITH_ORDER, json!({ "orderId": order }))?,
        None => admin.graphql(CONTEXT, json!({}))?,
    };
    let shop_currency = json::str_at(&context, "/shop/currencyCode")
        .ok_or_else(|| unexpected("CouponContext", "shop.currencyCode"))?;
    if shop_currency != spec.value.currency {
        return Err(ActionError::Permanent(format!(
            "the coupon is worth {} but the shop's discounts are in {shop_currency}",
            format_money(&spec.value)
        )));
    }
    let customer_selection = match json::str_at(&context, "/order/customer/id") {
        Some(customer) => json!({ "customers": { "add": [customer] } }),
        None => json!({ "all": true }),
    };
    let amount = to_decimal_string(spec.value.minor_units, &spec.value.currency);
    let mut input = json!({
        "title": format!("HelloWord goodwill {code}"),
        "code": code,
        "startsAt": now.to_rfc3339(),
        // `customerSelection` is accepted by every API version HelloWord targets (its
        // replacement `context` is not in the older ones).
        "customerSelection": customer_selection,
        "customerGets": {
            "value": { "discountAmount": { "amount": amount, "appliesOnEachItem": false } },
            "items": { "all": true },
        },
        "appliesOncePerCustomer": true,
        "usageLimit": 1,
    });
    if let Some(expires) = &spec.expires_at {
        input["endsAt"] = json!(expires.to_rfc3339());
    }
    let data = admin.graphql(CREATE, json!({ "basicCodeDiscount": input }))?;
    let payload = data
        .get("discountCodeBasicCreate")
        .ok_or_else(|| unexpected("discountCodeBasicCreate", "discountCodeBasicCreate"))?;
    if let Some(errors) = user_errors(payload) {
        return Err(ActionError::Permanent(format!(
            "Shopify refused discount code {code}: {errors}"
        )));
    }
    let node = json::str_at(payload, "/codeDiscountNode/id")
        .ok_or_else(|| unexpected("discountCodeBasicCreate", "codeDiscountNode.id"))?;
    Ok(outcome(&code, node, spec))
}

/// The code exists.
pub(super) fn reconcile(
    admin: &Admin<'_>,
    action: &Action,
    spec: &CouponSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    let code = code_of(action, spec);
    let data = admin.graphql(FIND, json!({ "code": code }))?;
    Ok(json::str_at(&data, "/codeDiscountNodeByCode/id").map(|node| outcome(&code, node, spec)))
}

fn outcome(code: &str, node: &str, spec: &CouponSpec) -> ActionOutcome {
    let until = spec
        .expires_at
        .as_ref()
        .map(|t| format!(", valid until {}", t.to_rfc3339()))
        .unwrap_or_default();
    ActionOutcome {
        status: ActionStatus::Done,
        // The code is what the agent gives the buyer.
        marketplace_ref: Some(code.to_string()),
        // A discount code moves no money when it is created.
        amount: None,
        detail: format!(
            "Discount code {code} worth {} created ({node}){until}",
            format_money(&spec.value)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::{ActionKind, Money};

    const NOW: Timestamp = Timestamp {
        seconds: 1_752_164_147,
        nanoseconds: 0,
    };

    fn coupon(currency: &str, code: Option<&str>) -> (Action, CouponSpec) {
        let spec = CouponSpec {
            value: Money {
                minor_units: 1000,
                currency: currency.into(),
            },
            code: code.map(str::to_string),
            expires_at: Some(Timestamp {
                seconds: NOW.seconds + 30 * 86_400,
                nanoseconds: 0,
            }),
        };
        (
            action(ActionKind::Coupon(spec.clone()), Some("450789469"), None),
            spec,
        )
    }

    const CONTEXT_ANSWER: &str = r#"{"data": {"shop": {"currencyCode": "USD"}, "order": {"customer": {"id": "gid://shopify/Customer/207119551"}}}}"#;

    #[test]
    fn a_coupon_is_a_single_use_code_for_the_buyer() {
        let created = r#"{"data": {"discountCodeBasicCreate": {"codeDiscountNode": {"id": "gid://shopify/DiscountCodeNode/1"}, "userErrors": []}}}"#;
        let script = Script::new(&[(200, CONTEXT_ANSWER), (200, created)]);
        let (a, spec) = coupon("USD", None);
        let out = execute(&admin(&script), &a, &spec, NOW).unwrap();
        assert_eq!(
            script.body(0)["variables"]["orderId"],
            json!("gid://shopify/Order/450789469")
        );
        let input = &script.body(1)["variables"]["basicCodeDiscount"];
        let code = coupon_code("key-1");
        assert_eq!(input["code"], json!(code));
        assert_eq!(input["startsAt"], json!("2025-07-10T16:15:47Z"));
        assert_eq!(input["endsAt"], json!("2025-08-09T16:15:47Z"));
        assert_eq!(
            input["customerGets"]["value"]["discountAmount"]["amount"],
            json!("10.00")
        );
        assert_eq!(
            input["customerSelection"]["customers"]["add"][0],
            json!("gid://shopify/Customer/207119551")
        );
        assert_eq!(input["usageLimit"], json!(1));
        assert_eq!(out.marketplace_ref.as_deref(), Some(code.as_str()));
    }

    #[test]
    fn a_coupon_in_another_currency_is_refused() {
        let script = Script::new(&[(200, CONTEXT_ANSWER)]);
        let (a, spec) = coupon("EUR", Some("SORRY10"));
        let err = execute(&admin(&script), &a, &spec, NOW).unwrap_err();
        assert_eq!(
            err,
            ActionError::Permanent(
                "the coupon is worth 10.00 EUR but the shop's discounts are in USD".into()
            )
        );
    }

    #[test]
    fn reconcile_looks_the_code_up() {
        let (a, spec) = coupon("USD", Some("SORRY10"));
        let script = Script::new(&[(
            200,
            r#"{"data": {"codeDiscountNodeByCode": {"id": "gid://shopify/DiscountCodeNode/9"}}}"#,
        )]);
        let found = reconcile(&admin(&script), &a, &spec).unwrap().unwrap();
        assert_eq!(script.body(0)["variables"]["code"], json!("SORRY10"));
        assert_eq!(found.marketplace_ref.as_deref(), Some("SORRY10"));
        let script = Script::new(&[(200, r#"{"data": {"codeDiscountNodeByCode": null}}"#)]);
        assert_eq!(reconcile(&admin(&script), &a, &spec).unwrap(), None);
    }
}
