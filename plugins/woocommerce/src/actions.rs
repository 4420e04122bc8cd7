//! Actions through the REST API v3: refunds (`POST /orders/<id>/refunds`, the payment
//! gateway refunds the money), messages to the buyer (`POST /orders/<id>/notes` as a
//! customer note, which WooCommerce e-mails to the buyer) and coupons (`POST /coupons`, a
//! fixed amount off one cart, usable once, only by the order's buyer).
//!
//! The API takes no idempotency key, so what the connector creates carries
//! [`reference`](crate::reference) text with the action's key. Before creating anything, and
//! in `reconcile`, the order's refunds or customer notes are searched for it: a retried action
//! finds what the first attempt made instead of refunding twice. A coupon is found again by
//! its code, which is the action's own or derived from its key.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money::{to_decimal_string, to_minor_units};
use helloword_sdk::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, CouponSpec, MessageSpec, Money,
    RefundSpec, Timestamp,
};
use serde_json::json;

use crate::api::{Api, Failure};
use crate::reference;
use crate::settings;

/// Refunds listed per page while looking for one (the REST API's maximum).
const PAGE: usize = 100;
/// Pages looked at before giving up: no order has thousands of refunds.
const MAX_PAGES: usize = 20;

/// Carry out `action`; `now` is the host's clock (a coupon must not expire in the past).
pub fn execute(action: &Action, now: Timestamp) -> Result<ActionOutcome, ActionError> {
    match &action.kind {
        ActionKind::Refund(spec) => refund(action, spec),
        ActionKind::Message(spec) => message(action, spec),
        ActionKind::Coupon(spec) => coupon(action, spec, now),
        other => Ok(not_supported(other)),
    }
}

/// Whether `action` already happened: its refund or note, found by its reference.
pub fn reconcile(action: &Action) -> Result<Option<ActionOutcome>, ActionError> {
    match &action.kind {
        ActionKind::Refund(spec) => {
            let order_id = order_id(action)?;
            let api = Api::for_shop(&action.shop)?;
            let Some(found) = find_refund(&api, &order_id, &action.idempotency_key)? else {
                return Ok(None);
            };
            let currency = match &spec.amount {
                Some(amount) => amount.currency.clone(),
                None => order_currency(&api.get(&format!("/orders/{order_id}"))?, &order_id)?,
            };
            Ok(Some(refund_outcome(&found, &currency, "found")))
        }
        ActionKind::Message(_) => {
            let order_id = order_id(action)?;
            let api = Api::for_shop(&action.shop)?;
            let found = find_note(&api, &order_id, &action.idempotency_key)?;
            Ok(found.map(|note| note_outcome(&note, &order_id, "found")))
        }
        ActionKind::Coupon(spec) => {
            let api = Api::for_shop(&action.shop)?;
            let found = find_coupon(&api, &coupon_code(action, spec))?;
            Ok(found.map(|coupon| coupon_outcome(&coupon, "found")))
        }
        _ => Ok(None),
    }
}

fn refund(action: &Action, spec: &RefundSpec) -> Result<ActionOutcome, ActionError> {
    let order_id = order_id(action)?;
    let api = Api::for_shop(&action.shop)?;
    let order = api.get(&format!("/orders/{order_id}"))?;
    let currency = order_currency(&order, &order_id)?;
    if let Some(found) = find_refund(&api, &order_id, &action.idempotency_key)? {
        return Ok(refund_outcome(&found, &currency, "already made"));
    }
    let reason = reference::append(spec.note.as_deref(), &action.idempotency_key);
    let body = plan_refund(&order, spec, &reason, settings::restock_refunded_items())
        .map_err(ActionError::Permanent)?;
    match api.post(&format!("/orders/{order_id}/refunds"), &body) {
        Ok(created) => Ok(refund_outcome(&created, &currency, "created")),
        Err(Failure::Refused(why)) => Ok(rejected(format!(
            "WooCommerce did not refund order {order_id}: {why}"
        ))),
        Err(other) => Err(other.into()),
    }
}

fn message(action: &Action, spec: &MessageSpec) -> Result<ActionOutcome, ActionError> {
    let order_id = order_id(action)?;
    if spec.body.trim().is_empty() {
        return Err(ActionError::Permanent("the message has no text".into()));
    }
    let api = Api::for_shop(&action.shop)?;
    if let Some(found) = find_note(&api, &order_id, &action.idempotency_key)? {
        return Ok(note_outcome(&found, &order_id, "already sent"));
    }
    let text = match spec.subject.as_deref().map(str::trim) {
        Some(subject) if !subject.is_empty() => format!("{subject}\n\n{}", spec.body.trim()),
        _ => spec.body.trim().to_string(),
    };
    let body = json!({
        "note": reference::append(Some(&text), &action.idempotency_key),
        "customer_note": true,
        "added_by_user": false,
    });
    match api.post(&format!("/orders/{order_id}/notes"), &body) {
        Ok(created) => Ok(note_outcome(&created, &order_id, "sent")),
        Err(Failure::Refused(why)) => Ok(rejected(format!(
            "WooCommerce did not add the note to order {order_id}: {why}"
        ))),
        Err(other) => Err(other.into()),
    }
}

/// The code the coupon gets: the action's own, else one derived from its key (the same on a
/// retry). WooCommerce keeps codes in lower case.
fn coupon_code(action: &Action, spec: &CouponSpec) -> String {
    spec.code
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map_or_else(
            || helloword_sdk::idempotency::coupon_code(&action.idempotency_key),
            str::to_string,
        )
        .to_lowercase()
}

fn coupon(
    action: &Action,
    spec: &CouponSpec,
    now: Timestamp,
) -> Result<ActionOutcome, ActionError> {
    let value = &spec.value;
    if value.minor_units <= 0 {
        return Err(ActionError::Permanent(format!(
            "a coupon's value must be positive; got {} {}",
            to_decimal_string(value.minor_units, &value.currency),
            value.currency
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
    let code = coupon_code(action, spec);
    let api = Api::for_shop(&action.shop)?;
    if let Some(found) = find_coupon(&api, &code)? {
        return Ok(coupon_outcome(&found, "already made"));
    }
    // The store's currency and, with an order, the buyer the coupon is kept for.
    let (currency, buyer) = if action.order_id.is_some() {
        let order_id = order_id(action)?;
        let order = api.get(&format!("/orders/{order_id}"))?;
        let buyer = json::str_at(&order, "/billing/email")
            .map(str::trim)
            .filter(|email| !email.is_empty())
            .map(str::to_string);
        (order_currency(&order, &order_id)?, buyer)
    } else {
        (store_currency(&api)?, None)
    };
    if currency != value.currency {
        return Err(ActionError::Permanent(format!(
            "the coupon is in {}, but WooCommerce coupons are in the store's currency, {currency}",
            value.currency
        )));
    }
    let mut body = json!({
        "code": code,
        "discount_type": "fixed_cart",
        "amount": to_decimal_string(value.minor_units, &currency),
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        // Shown to the seller only.
        "description": reference::append(Some("Compensation from HelloWord."), &action.idempotency_key),
    });
    if let Some(buyer) = buyer {
        body["email_restrictions"] = json!([buyer]);
    }
    if let Some(expires) = &spec.expires_at {
        // WooCommerce reads a date without an offset; `_gmt` makes it UTC.
        body["date_expires_gmt"] = json!(
            expires
                .to_rfc3339()
                .split(['.', 'Z'])
                .next()
                .unwrap_or_default()
        );
    }
    match api.post("/coupons", &body) {
        Ok(created) => Ok(coupon_outcome(&created, "created")),
        // Two attempts racing for the same code: the other one made it.
        Err(Failure::Refused(why)) => match find_coupon(&api, &code)? {
            Some(found) => Ok(coupon_outcome(&found, "already made")),
            None => Ok(rejected(format!(
                "WooCommerce did not create coupon {code}: {why}"
            ))),
        },
        Err(other) => Err(other.into()),
    }
}

/// The store's currency (`GET /settings/general/woocommerce_currency`).
fn store_currency(api: &Api) -> Result<String, ActionError> {
    let setting = api.get("/settings/general/woocommerce_currency")?;
    json::str_at(&setting, "/value")
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
        .ok_or_else(|| {
            ActionError::Permanent("WooCommerce sent the store's currency setting empty".into())
        })
}

/// The coupon with `code` (WooCommerce compares codes in lower case).
fn find_coupon(api: &Api, code: &str) -> Result<Option<Value>, ActionError> {
    let listed = api.get(&format!("/coupons?code={}", percent_encode(code)))?;
    Ok(listed.as_array().and_then(|coupons| {
        coupons
            .iter()
            .find(|c| json::str_at(c, "/code").is_some_and(|c| c.eq_ignore_ascii_case(code)))
            .cloned()
    }))
}

/// `text` as a query value: unreserved characters kept, everything else percent-encoded.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn coupon_outcome(coupon: &Value, how: &str) -> ActionOutcome {
    let id = json::id_at(coupon, "/id");
    let code = json::str_at(coupon, "/code").unwrap_or("?");
    ActionOutcome {
        status: ActionStatus::Done,
        detail: format!(
            "WooCommerce coupon {code} ({}) {how}",
            json::str_at(coupon, "/amount").unwrap_or("?")
        ),
        marketplace_ref: id,
        amount: None,
    }
}

/// The refund request for `order`: amount as a decimal string, the reason carrying the
/// reference, the line items (quantity, amount and tax per tax rate of each), and
/// `api_refund` so the payment gateway returns the money.
///
/// Without an amount, the refund is the lines' (and shipping's) share, or what is left of the
/// order when no line is named. Shares of a line are rounded down to the minor unit, never
/// refunding more than the line cost.
pub fn plan_refund(
    order: &Value,
    spec: &RefundSpec,
    reason: &str,
    restock: bool,
) -> Result<Value, String> {
    let order_id = json::id_at(order, "/id").unwrap_or_default();
    let currency = currency_of(order)
        .ok_or_else(|| format!("WooCommerce sent order {order_id} without a currency"))?;
    if let Some(amount) = &spec.amount
        && !amount.currency.eq_ignore_ascii_case(&currency)
    {
        return Err(format!(
            "the refund is in {} but order {order_id} is in {currency}",
            amount.currency
        ));
    }
    let mut lines = Vec::new();
    let mut share_total: i64 = 0;
    for (line_id, quantity) in &spec.line_items {
        let line = find_line(order, "/line_items", line_id)
            .ok_or_else(|| format!("line item {line_id} is not on order {order_id}"))?;
        let ordered = json::at(line, "/quantity")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if *quantity == 0 || u64::from(*quantity) > ordered {
            return Err(format!(
                "line item {line_id} of order {order_id} has {ordered} units; cannot refund {quantity}"
            ));
        }
        let (entry, share) = line_share(line, &currency, u64::from(*quantity), ordered)?;
        let mut entry = entry;
        entry["quantity"] = json!(quantity);
        lines.push(entry);
        share_total = share_total.saturating_add(share);
    }
    if spec.include_shipping {
        for shipping in json::at(order, "/shipping_lines")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (entry, share) = line_share(shipping, &currency, 1, 1)?;
            lines.push(entry);
            share_total = share_total.saturating_add(share);
        }
    }
    let amount = match &spec.amount {
        Some(amount) => amount.minor_units,
        None if !lines.is_empty() => share_total,
        None => remaining(order, &currency)?,
    };
    if amount <= 0 {
        return Err(format!("nothing to refund on order {order_id}"));
    }
    let mut body = json!({
        "amount": to_decimal_string(amount, &currency),
        "reason": reason,
        "api_refund": true,
        "api_restock": restock,
    });
    if !lines.is_empty() {
        body["line_items"] = Value::Array(lines);
    }
    Ok(body)
}

/// A refund `line_items` entry for `quantity` of `ordered` units of `line`, and its amount
/// with tax in minor units.
fn line_share(
    line: &Value,
    currency: &str,
    quantity: u64,
    ordered: u64,
) -> Result<(Value, i64), String> {
    let id = json::id_at(line, "/id").unwrap_or_default();
    let share = |minor: i64| -> i64 {
        // Floor of minor × quantity / ordered, in i128 so no product overflows.
        let part = i128::from(minor) * i128::from(quantity) / i128::from(ordered.max(1));
        i64::try_from(part).unwrap_or(i64::MAX)
    };
    let total = share(rounded_at(line, "/total", currency)?);
    let mut taxes = Vec::new();
    let mut sum = total;
    for tax in json::at(line, "/taxes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(rate) = json::id_at(tax, "/id") else {
            continue;
        };
        let part = share(rounded_at(tax, "/total", currency)?);
        sum = sum.saturating_add(part);
        taxes.push(json!({"id": rate, "refund_total": to_decimal_string(part, currency)}));
    }
    let entry = json!({
        "id": id,
        "refund_total": to_decimal_string(total, currency),
        "refund_tax": taxes,
    });
    Ok((entry, sum))
}

/// What is left of the order: its total less every refund it lists.
fn remaining(order: &Value, currency: &str) -> Result<i64, String> {
    let mut left = rounded_at(order, "/total", currency)?;
    for refund in json::at(order, "/refunds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        left -= rounded_at(refund, "/total", currency)?.abs();
    }
    Ok(left)
}

/// An amount at `pointer` in minor units (0 when absent). WooCommerce keeps taxes unrounded
/// ("1.125" USD); those are rounded half up to the currency's minor unit, as WooCommerce
/// shows them.
fn rounded_at(value: &Value, pointer: &str, currency: &str) -> Result<i64, String> {
    let text = match json::at(value, pointer) {
        None => return Ok(0),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("`{pointer}` is {other}, not an amount")),
    };
    let exact = |t: &str| to_minor_units(t, currency).map_err(|e| e.to_string());
    let text = text.trim();
    let places = helloword_sdk::money::exponent(currency) as usize;
    let Some((whole, fraction)) = text.split_once('.') else {
        return exact(text);
    };
    if fraction.len() <= places {
        return exact(text);
    }
    let (kept, dropped) = fraction.split_at(places);
    let truncated = exact(&format!("{whole}.{kept}"))?;
    let up = dropped.as_bytes().first().is_some_and(|d| *d >= b'5');
    let sign = if text.starts_with('-') { -1 } else { 1 };
    Ok(truncated + if up { sign } else { 0 })
}

fn find_line<'a>(order: &'a Value, list: &str, line_id: &str) -> Option<&'a Value> {
    json::at(order, list)?
        .as_array()?
        .iter()
        .find(|line| json::id_at(line, "/id").as_deref() == Some(line_id))
}

/// The refund of `order_id` whose reason carries the action's reference.
fn find_refund(api: &Api, order_id: &str, key: &str) -> Result<Option<Value>, ActionError> {
    let wanted = reference::for_key(key);
    for page in 1..=MAX_PAGES {
        let listed = api.get(&format!(
            "/orders/{order_id}/refunds?per_page={PAGE}&page={page}"
        ))?;
        let refunds = listed.as_array().cloned().unwrap_or_default();
        let found = refunds.iter().find(|refund| {
            json::str_at(refund, "/reason").is_some_and(|reason| reason.contains(&wanted))
        });
        if let Some(found) = found {
            return Ok(Some(found.clone()));
        }
        if refunds.len() < PAGE {
            break;
        }
    }
    Ok(None)
}

/// The customer note of `order_id` carrying the action's reference.
fn find_note(api: &Api, order_id: &str, key: &str) -> Result<Option<Value>, ActionError> {
    let wanted = reference::for_key(key);
    let listed = api.get(&format!("/orders/{order_id}/notes?type=customer"))?;
    Ok(listed.as_array().and_then(|notes| {
        notes
            .iter()
            .find(|note| json::str_at(note, "/note").is_some_and(|text| text.contains(&wanted)))
            .cloned()
    }))
}

fn refund_outcome(refund: &Value, currency: &str, how: &str) -> ActionOutcome {
    let id = json::id_at(refund, "/id");
    let amount = json::minor_units_at(refund, "/amount", currency)
        .and_then(Result::ok)
        .map(|minor_units| Money {
            minor_units,
            currency: currency.to_string(),
        });
    let shown = amount.as_ref().map_or_else(String::new, |m| {
        format!(
            " of {} {currency}",
            to_decimal_string(m.minor_units, currency)
        )
    });
    let gateway = match json::at(refund, "/refunded_payment").and_then(Value::as_bool) {
        Some(false) => "; the payment gateway did not move the money, so refund it by hand",
        _ => "",
    };
    ActionOutcome {
        status: ActionStatus::Done,
        detail: format!(
            "WooCommerce refund {}{shown} {how}{gateway}",
            id.as_deref().unwrap_or("?")
        ),
        marketplace_ref: id,
        amount,
    }
}

fn note_outcome(note: &Value, order_id: &str, how: &str) -> ActionOutcome {
    let id = json::id_at(note, "/id");
    ActionOutcome {
        status: ActionStatus::Done,
        detail: format!(
            "Customer note {} on order {order_id} {how}; WooCommerce e-mails it to the buyer",
            id.as_deref().unwrap_or("?")
        ),
        marketplace_ref: id,
        amount: None,
    }
}

fn rejected(detail: String) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::Rejected,
        marketplace_ref: None,
        amount: None,
        detail,
    }
}

fn not_supported(kind: &ActionKind) -> ActionOutcome {
    let detail = match kind {
        ActionKind::Reship(_) => {
            "WooCommerce has no replacement API: create the replacement order in WooCommerce"
        }
        ActionKind::ReturnDecision(_) => {
            "WooCommerce itself has no returns: decide the return where the store keeps them"
        }
        ActionKind::DisputeEvidence(_) => {
            "WooCommerce has no disputes API: answer the dispute at the payment provider"
        }
        ActionKind::Refund(_) | ActionKind::Message(_) | ActionKind::Coupon(_) => {
            "handled elsewhere"
        }
    };
    ActionOutcome {
        status: ActionStatus::NotSupported,
        marketplace_ref: None,
        amount: None,
        detail: detail.to_string(),
    }
}

/// The action's order id, which must be a WooCommerce order id (digits): it goes into URLs.
fn order_id(action: &Action) -> Result<String, ActionError> {
    let id = action
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ActionError::Permanent("the action names no WooCommerce order".into()))?;
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ActionError::Permanent(format!(
            "{id:?} is not a WooCommerce order id"
        )));
    }
    Ok(id.to_string())
}

fn order_currency(order: &Value, order_id: &str) -> Result<String, ActionError> {
    currency_of(order).ok_or_else(|| {
        ActionError::Permanent(format!(
            "WooCommerce sent order {order_id} without a currency"
        ))
    })
}

fn currency_of(order: &Value) -> Option<String> {
    json::str_at(order, "/currency")
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Order 728 of the REST API documentation (unrounded taxes such as "1.125").
    fn order_728() -> Value {
        json::parse(include_bytes!(
            "../tests/fixtures/webhooks/order-728-pending.json"
        ))
        .unwrap()
    }

    fn spec(amount: Option<i64>, lines: &[(&str, u32)], shipping: bool) -> RefundSpec {
        RefundSpec {
            amount: amount.map(|minor_units| Money {
                minor_units,
                currency: "USD".into(),
            }),
            line_items: lines.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
            include_shipping: shipping,
            note: None,
            notify_buyer: true,
        }
    }

    #[test]
    fn an_amount_refund_sends_the_amount_as_a_decimal_string() {
        let body = plan_refund(
            &order_728(),
            &spec(Some(1050), &[], false),
            "[ref: k]",
            false,
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"amount": "10.50", "reason": "[ref: k]", "api_refund": true, "api_restock": false})
        );
    }

    #[test]
    fn line_shares_include_tax_rounded_down() {
        // Line 319: 1 × "15.00" with tax "1.125" (1.13 rounded half up, as its total_tax).
        let body = plan_refund(&order_728(), &spec(None, &[("319", 1)], true), "r", true).unwrap();
        let lines = body["line_items"].as_array().unwrap();
        assert_eq!(lines.len(), 2, "{body}");
        assert_eq!(lines[0]["quantity"], json!(1));
        assert_eq!(lines[0]["refund_total"], json!("15.00"));
        assert_eq!(lines[0]["refund_tax"][0]["refund_total"], json!("1.13"));
        // Shipping 30.00 without tax.
        assert_eq!(lines[1]["refund_total"], json!("30.00"));
        assert_eq!(body["amount"], json!("46.13"));
        assert_eq!(body["api_restock"], json!(true));
    }

    #[test]
    fn wrong_lines_and_currencies_are_refused_before_calling_woocommerce() {
        let order = order_728();
        let err = plan_refund(&order, &spec(None, &[("999", 1)], false), "r", false).unwrap_err();
        assert_eq!(err, "line item 999 is not on order 728");
        let err = plan_refund(&order, &spec(None, &[("320", 2)], false), "r", false).unwrap_err();
        assert!(err.contains("has 1 units"), "{err}");
        let mut euros = spec(Some(100), &[], false);
        if let Some(m) = euros.amount.as_mut() {
            m.currency = "EUR".into();
        }
        let err = plan_refund(&order, &euros, "r", false).unwrap_err();
        assert_eq!(err, "the refund is in EUR but order 728 is in USD");
    }

    #[test]
    fn without_amount_or_lines_the_rest_of_the_order_is_refunded() {
        let order = json::parse(
            br#"{"id": 723, "currency": "USD", "total": "39.00",
                 "refunds": [{"id": 726, "total": "-10.00"}, {"id": 724, "total": "-9.00"}]}"#,
        )
        .unwrap();
        let body = plan_refund(&order, &spec(None, &[], false), "r", false).unwrap();
        assert_eq!(body["amount"], json!("20.00"));
        let done = json::parse(br#"{"id": 1, "currency": "USD", "total": "5.00", "refunds": [{"id": 2, "total": "-5.00"}]}"#).unwrap();
        assert_eq!(
            plan_refund(&done, &spec(None, &[], false), "r", false).unwrap_err(),
            "nothing to refund on order 1"
        );
    }

    #[test]
    fn unrounded_amounts_round_half_up() {
        let v =
            json::parse(br#"{"a": "1.125", "b": "0.225", "c": "-0.335", "d": "0.9", "e": 2.5}"#)
                .unwrap();
        assert_eq!(rounded_at(&v, "/a", "USD"), Ok(113));
        assert_eq!(rounded_at(&v, "/b", "USD"), Ok(23));
        assert_eq!(rounded_at(&v, "/c", "USD"), Ok(-34));
        assert_eq!(rounded_at(&v, "/d", "USD"), Ok(90));
        assert_eq!(rounded_at(&v, "/e", "JPY"), Ok(3));
        assert_eq!(rounded_at(&v, "/missing", "USD"), Ok(0));
    }
}
