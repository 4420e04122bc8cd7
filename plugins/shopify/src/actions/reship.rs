//! Replacements, as a zero-priced order: a draft order for the same variants, each line
//! 100 % discounted and shipping free, sent to the original shipping address, then
//! completed. Shopify has no replacement object; this is what merchants do by hand, and the
//! new order goes through the shop's normal fulfilment (and stock) like any other.
//!
//! The draft is tagged with a fingerprint of the idempotency key. A retry first looks for
//! that tag: a completed draft means the reship happened; an open one (a crash between
//! creating and completing) is completed instead of creating a second one.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, ReshipSpec};
use serde_json::json;

use super::{order_id, unexpected};
use crate::admin::{Admin, user_errors};
use crate::ids::{note_marker, numeric, reship_tag};

/// Drafts carrying the action's tag.
pub const FIND: &str = "query ReshipFind($query: String!) { draftOrders(first: 1, query: $query) { nodes { id name status order { id name } } } }";
/// What the replacement copies from the original order.
pub const SOURCE: &str = "query ReshipSource($id: ID!) { order(id: $id) { id name email currencyCode customer { id } shippingAddress { firstName lastName company address1 address2 city provinceCode countryCodeV2 zip phone } lineItems(first: 250) { nodes { id title quantity variant { id } } } } }";
/// Create the draft.
pub const CREATE: &str = "mutation ReshipCreate($input: DraftOrderInput!) { draftOrderCreate(input: $input) { draftOrder { id name status } userErrors { field message } } }";
/// Turn the draft into an order.
pub const COMPLETE: &str = "mutation ReshipComplete($id: ID!) { draftOrderComplete(id: $id) { draftOrder { id name status order { id name } } userErrors { field message } } }";

/// Create (or finish) the replacement order.
pub(super) fn execute(
    admin: &Admin<'_>,
    action: &Action,
    spec: &ReshipSpec,
) -> Result<ActionOutcome, ActionError> {
    let order = order_id(action, "reship")?;
    if spec.line_items.is_empty() {
        return Err(ActionError::Permanent(
            "a reship needs at least one line item".into(),
        ));
    }
    let draft = match find(admin, action)? {
        Some(draft) if json::str_at(&draft, "/status") == Some("COMPLETED") => {
            return Ok(outcome(&draft, spec));
        }
        Some(open) => open,
        None => {
            let data = admin.graphql(
                SOURCE,
                json!({ "id": format!("gid://shopify/Order/{order}") }),
            )?;
            let source = data.get("order").filter(|o| !o.is_null()).ok_or_else(|| {
                ActionError::Permanent(format!("order {order} does not exist in the shop"))
            })?;
            let input = draft_input(source, spec, &action.idempotency_key)?;
            let data = admin.graphql(CREATE, json!({ "input": input }))?;
            let payload = data
                .get("draftOrderCreate")
                .ok_or_else(|| unexpected("draftOrderCreate", "draftOrderCreate"))?;
            if let Some(errors) = user_errors(payload) {
                return Err(ActionError::Permanent(format!(
                    "Shopify refused the replacement draft order: {errors}"
                )));
            }
            payload
                .get("draftOrder")
                .filter(|d| !d.is_null())
                .cloned()
                .ok_or_else(|| unexpected("draftOrderCreate", "draftOrder"))?
        }
    };
    let draft_id =
        json::str_at(&draft, "/id").ok_or_else(|| unexpected("the draft order", "id"))?;
    let data = admin.graphql(COMPLETE, json!({ "id": draft_id }))?;
    let payload = data
        .get("draftOrderComplete")
        .ok_or_else(|| unexpected("draftOrderComplete", "draftOrderComplete"))?;
    if let Some(errors) = user_errors(payload) {
        return Err(ActionError::Permanent(format!(
            "Shopify could not complete replacement draft {draft_id}: {errors}"
        )));
    }
    let completed = payload
        .get("draftOrder")
        .ok_or_else(|| unexpected("draftOrderComplete", "draftOrder"))?;
    Ok(outcome(completed, spec))
}

/// A completed draft with the action's tag.
pub(super) fn reconcile(
    admin: &Admin<'_>,
    action: &Action,
    spec: &ReshipSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    Ok(find(admin, action)?
        .filter(|d| json::str_at(d, "/status") == Some("COMPLETED"))
        .map(|d| outcome(&d, spec)))
}

/// The draft order tagged for this action, if any.
fn find(admin: &Admin<'_>, action: &Action) -> Result<Option<Value>, ActionError> {
    let tag = reship_tag(&action.idempotency_key);
    let data = admin.graphql(FIND, json!({ "query": format!("tag:'{tag}'") }))?;
    Ok(json::at(&data, "/draftOrders/nodes/0").cloned())
}

/// `DraftOrderInput` for the replacement.
fn draft_input(
    source: &Value,
    spec: &ReshipSpec,
    idempotency_key: &str,
) -> Result<Value, ActionError> {
    let name = json::str_at(source, "/name").unwrap_or("the order");
    let currency = json::str_at(source, "/currencyCode")
        .ok_or_else(|| unexpected("the order", "currencyCode"))?;
    // Nothing to pay, written in the currency's own decimals ("0.00", "0" for JPY).
    let zero = json!({
        "amount": to_decimal_string(0, &currency.to_ascii_uppercase()),
        "currencyCode": currency,
    });
    let nodes: &[Value] = json::at(source, "/lineItems/nodes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut lines = Vec::new();
    for (wanted, quantity) in &spec.line_items {
        let id = numeric(wanted).ok_or_else(|| {
            ActionError::Permanent(format!(
                "reship line item {wanted:?} is not a Shopify line item id"
            ))
        })?;
        let node = nodes
            .iter()
            .find(|n| json::str_at(n, "/id").and_then(numeric) == Some(id))
            .ok_or_else(|| ActionError::Permanent(format!("{name} has no line item {wanted}")))?;
        let ordered = node.get("quantity").and_then(Value::as_u64).unwrap_or(0);
        if *quantity == 0 || u64::from(*quantity) > ordered {
            return Err(ActionError::Permanent(format!(
                "cannot reship {quantity} of line item {wanted}: {name} has {ordered}"
            )));
        }
        lines.push(match json::str_at(node, "/variant/id") {
            Some(variant) => json!({
                "variantId": variant,
                "quantity": quantity,
                "appliedDiscount": { "value": 100, "valueType": "PERCENTAGE", "title": "Replacement" },
            }),
            // A custom item (or a deleted product): copy its title at no charge.
            None => json!({
                "title": json::str_at(node, "/title").unwrap_or("Replacement item"),
                "quantity": quantity,
                "originalUnitPriceWithCurrency": zero,
                "requiresShipping": true,
            }),
        });
    }
    let address = json::at(source, "/shippingAddress").ok_or_else(|| {
        ActionError::Permanent(format!(
            "{name} has no shipping address to send a replacement to"
        ))
    })?;
    let mut shipping_address = serde_json::Map::new();
    for (from, to) in [
        ("firstName", "firstName"),
        ("lastName", "lastName"),
        ("company", "company"),
        ("address1", "address1"),
        ("address2", "address2"),
        ("city", "city"),
        ("provinceCode", "provinceCode"),
        ("countryCodeV2", "countryCode"),
        ("zip", "zip"),
        ("phone", "phone"),
    ] {
        if let Some(v) = json::at(address, &format!("/{from}")) {
            shipping_address.insert(to.to_string(), v.clone());
        }
    }
    let mut note = format!("Replacement for order {name}.");
    if spec.expedited {
        note.push_str(" Ship expedited.");
    }
    if let Some(extra) = spec.note.as_deref().filter(|n| !n.trim().is_empty()) {
        note.push_str(&format!(" {extra}"));
    }
    note.push_str(&format!(" {}", note_marker(idempotency_key)));
    let mut input = json!({
        "lineItems": lines,
        "shippingAddress": shipping_address,
        "note": note,
        "tags": ["helloword-reship", reship_tag(idempotency_key)],
        "shippingLine": {
            "title": if spec.expedited { "Expedited replacement shipping" } else { "Replacement shipping" },
            "priceWithCurrency": zero,
        },
    });
    if let Some(email) = json::str_at(source, "/email") {
        input["email"] = json!(email);
    }
    if let Some(customer) = json::str_at(source, "/customer/id") {
        input["purchasingEntity"] = json!({ "customerId": customer });
    }
    Ok(input)
}

fn outcome(draft: &Value, spec: &ReshipSpec) -> ActionOutcome {
    let units: u32 = spec.line_items.iter().map(|(_, q)| q).sum();
    let order = json::str_at(draft, "/order/name")
        .or_else(|| json::str_at(draft, "/name"))
        .unwrap_or("?");
    ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: json::str_at(draft, "/order/id")
            .or_else(|| json::str_at(draft, "/id"))
            .map(str::to_string),
        amount: None,
        detail: format!(
            "Replacement order {order} created at no charge ({units} item{}{})",
            if units == 1 { "" } else { "s" },
            if spec.expedited { ", expedited" } else { "" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::ActionKind;

    const SOURCE_ANSWER: &str = r##"{"data": {"order": {"id": "gid://shopify/Order/450789469", "name": "#1001",
        "email": "bob@example.com", "currencyCode": "USD", "customer": {"id": "gid://shopify/Customer/207119551"},
        "shippingAddress": {"firstName": "Bob", "lastName": "Norman", "company": null, "address1": "Chestnut Street 92",
          "address2": "", "city": "Louisville", "provinceCode": "KY", "countryCodeV2": "US", "zip": "40202", "phone": "+1(502)-459-2181"},
        "lineItems": {"nodes": [
          {"id": "gid://shopify/LineItem/466157049", "title": "IPod Nano - 8gb", "quantity": 1, "variant": {"id": "gid://shopify/ProductVariant/39072856"}},
          {"id": "gid://shopify/LineItem/518995019", "title": "Gift wrap", "quantity": 2, "variant": null}]}}}}"##;
    const NONE_FOUND: &str = r##"{"data": {"draftOrders": {"nodes": []}}}"##;
    const CREATED: &str = r##"{"data": {"draftOrderCreate": {"draftOrder": {"id": "gid://shopify/DraftOrder/1", "name": "#D1", "status": "OPEN"}, "userErrors": []}}}"##;
    const COMPLETED: &str = r##"{"data": {"draftOrderComplete": {"draftOrder": {"id": "gid://shopify/DraftOrder/1", "name": "#D1", "status": "COMPLETED", "order": {"id": "gid://shopify/Order/1002", "name": "#1002"}}, "userErrors": []}}}"##;

    fn reship(lines: &[(&str, u32)]) -> (Action, ReshipSpec) {
        let spec = ReshipSpec {
            line_items: lines.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
            expedited: true,
            note: Some("Box was crushed".into()),
        };
        (
            action(ActionKind::Reship(spec.clone()), Some("450789469"), None),
            spec,
        )
    }

    #[test]
    fn a_reship_is_a_free_draft_order_completed() {
        let script = Script::new(&[
            (200, NONE_FOUND),
            (200, SOURCE_ANSWER),
            (200, CREATED),
            (200, COMPLETED),
        ]);
        let (a, spec) = reship(&[("466157049", 1), ("518995019", 2)]);
        let out = execute(&admin(&script), &a, &spec).unwrap();
        assert_eq!(script.calls().len(), 4);
        assert_eq!(
            script.body(0)["variables"]["query"],
            json!(format!("tag:'{}'", reship_tag("key-1")))
        );
        let input = &script.body(2)["variables"]["input"];
        assert_eq!(
            input["lineItems"][0]["variantId"],
            json!("gid://shopify/ProductVariant/39072856")
        );
        assert_eq!(
            input["lineItems"][0]["appliedDiscount"]["value"],
            json!(100)
        );
        assert_eq!(input["lineItems"][1]["title"], json!("Gift wrap"));
        assert_eq!(
            input["lineItems"][1]["originalUnitPriceWithCurrency"]["amount"],
            json!("0.00")
        );
        assert_eq!(input["shippingAddress"]["countryCode"], json!("US"));
        // Nulls are left out rather than sent.
        assert_eq!(input["shippingAddress"].get("company"), None);
        assert_eq!(
            input["shippingLine"]["title"],
            json!("Expedited replacement shipping")
        );
        assert_eq!(
            input["purchasingEntity"]["customerId"],
            json!("gid://shopify/Customer/207119551")
        );
        assert_eq!(
            input["note"],
            json!("Replacement for order #1001. Ship expedited. Box was crushed [helloword:key-1]")
        );
        assert_eq!(
            script.body(3)["variables"]["id"],
            json!("gid://shopify/DraftOrder/1")
        );
        assert_eq!(
            out.marketplace_ref.as_deref(),
            Some("gid://shopify/Order/1002")
        );
        assert_eq!(
            out.detail,
            "Replacement order #1002 created at no charge (3 items, expedited)"
        );
    }

    #[test]
    fn an_open_draft_from_an_earlier_try_is_completed_not_duplicated() {
        let open = r##"{"data": {"draftOrders": {"nodes": [{"id": "gid://shopify/DraftOrder/1", "name": "#D1", "status": "OPEN", "order": null}]}}}"##;
        let script = Script::new(&[(200, open), (200, COMPLETED)]);
        let (a, spec) = reship(&[("466157049", 1)]);
        execute(&admin(&script), &a, &spec).unwrap();
        assert_eq!(script.calls().len(), 2);
        assert!(
            script.body(1)["query"]
                .as_str()
                .unwrap()
                .starts_with("mutation ReshipComplete")
        );
    }

    #[test]
    fn lines_the_order_does_not_have_are_refused() {
        let script = Script::new(&[(200, NONE_FOUND), (200, SOURCE_ANSWER)]);
        let (a, spec) = reship(&[("466157049", 5)]);
        let err = execute(&admin(&script), &a, &spec).unwrap_err();
        assert_eq!(
            err,
            ActionError::Permanent("cannot reship 5 of line item 466157049: #1001 has 1".into())
        );
    }
}
