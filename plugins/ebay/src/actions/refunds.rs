//! Refunds: through the Post-Order object the case is about (return, inquiry, case), or
//! through the Fulfillment API's `issue_refund` on the order.
//!
//! Fulfillment amounts are decimal strings; Post-Order amounts are JSON numbers. Both are
//! written from exact minor units, never through a float.
//!
//! Reconciliation reads what eBay records: a return's refund (`sellerTotalRefund.
//! actualRefundAmount`), else the order's `paymentSummary.refunds`, where a refund of the
//! action's amount that did not fail counts as this action's.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, Money, RefundSpec};
use serde_json::json;

use super::{not_supported, order_id, path_id, unexpected};
use crate::api::{Api, Service};
use crate::case_id::CaseRef;
use crate::normalize::{format_money, orders};
use crate::payload::Payload;

/// eBay's limit on a Fulfillment refund `comment`.
const COMMENT_LIMIT: usize = 100;

/// Carry out a refund.
pub(super) fn execute(
    api: &Api<'_>,
    action: &Action,
    case: Option<&CaseRef>,
    spec: &RefundSpec,
) -> Result<ActionOutcome, ActionError> {
    if let Some(amount) = &spec.amount
        && amount.minor_units <= 0
    {
        return Err(ActionError::Permanent(format!(
            "a refund amount must be positive; got {}",
            format_money(amount)
        )));
    }
    match case {
        Some(CaseRef::Return(id)) => return_refund(api, path_id(id)?, spec),
        Some(CaseRef::Inquiry(id)) if spec.amount.is_none() => full_refund(
            api,
            &format!("/inquiry/{}/issue_refund", path_id(id)?),
            spec,
            "inquiry",
        ),
        Some(CaseRef::Case(id)) if spec.amount.is_none() => full_refund(
            api,
            &format!("/casemanagement/{}/issue_refund", path_id(id)?),
            spec,
            "case",
        ),
        Some(CaseRef::Inquiry(_)) => order_refund(api, action, spec, "ITEM_NOT_RECEIVED"),
        Some(CaseRef::Case(_)) => order_refund(api, action, spec, "ITEM_NOT_AS_DESCRIBED"),
        Some(CaseRef::Dispute(id)) => Ok(not_supported(&format!(
            "eBay does not refund an order under payment dispute {id} through the refund API; \
             accept the dispute (return decision: approve) or answer it in Seller Hub"
        ))),
        Some(CaseRef::Cancel(id)) => Ok(not_supported(&format!(
            "approve cancellation {id} (return decision: approve); eBay then refunds the buyer"
        ))),
        Some(CaseRef::Privacy(_)) => Ok(not_supported("a privacy request has nothing to refund")),
        _ => order_refund(api, action, spec, "OTHER_ADJUSTMENT"),
    }
}

/// Whether the refund already happened.
pub(super) fn reconcile(
    api: &Api<'_>,
    action: &Action,
    case: Option<&CaseRef>,
    spec: &RefundSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    if let Some(CaseRef::Return(id)) = case {
        let value = api.call(
            Service::PostOrder,
            "GET",
            &format!("/return/{}", path_id(id)?),
            None,
        )?;
        let p = Payload::new("return", &value);
        let summary = p.object("/summary").unwrap_or(p);
        let refunded = summary
            .money("/sellerTotalRefund/actualRefundAmount")
            .map_err(|e| ActionError::Permanent(e.0))?;
        return Ok(refunded.map(|amount| ActionOutcome {
            status: ActionStatus::Done,
            marketplace_ref: Some(format!("return:{id}")),
            detail: format!("Return {id} already refunded {}", format_money(&amount)),
            amount: Some(amount),
        }));
    }
    if matches!(
        case,
        Some(CaseRef::Dispute(_) | CaseRef::Cancel(_) | CaseRef::Privacy(_))
    ) {
        return Ok(None);
    }
    let Some(order) = action.order_id.as_deref().filter(|o| !o.is_empty()) else {
        // Without the order there is no refund list to read.
        return Ok(None);
    };
    let value = api.call(
        Service::Fulfillment,
        "GET",
        &format!("/order/{}", path_id(order)?),
        None,
    )?;
    let p = Payload::new("order", &value);
    for refund in p.array("/paymentSummary/refunds") {
        let r = p.nested(refund);
        let status = r.text("/refundStatus").unwrap_or_default();
        if status.eq_ignore_ascii_case("FAILED") {
            continue;
        }
        let amount = r
            .money("/amount")
            .map_err(|e| ActionError::Permanent(e.0))?;
        let matches = match (&spec.amount, &amount) {
            (Some(wanted), Some(got)) => wanted == got,
            (None, _) => true,
            (Some(_), None) => false,
        };
        if matches {
            let id = r.first_text(&["/refundId", "/refundReferenceId"]);
            return Ok(Some(ActionOutcome {
                status: if status.eq_ignore_ascii_case("PENDING") {
                    ActionStatus::Pending
                } else {
                    ActionStatus::Done
                },
                detail: format!(
                    "Order {order} already has a refund{} ({})",
                    amount
                        .as_ref()
                        .map(|a| format!(" of {}", format_money(a)))
                        .unwrap_or_default(),
                    if status.is_empty() {
                        "status unknown"
                    } else {
                        &status
                    }
                ),
                marketplace_ref: id,
                amount,
            }));
        }
    }
    Ok(None)
}

/// A number with exactly these digits, as Post-Order amounts are written.
fn number(money: &Money) -> Result<Value, ActionError> {
    let text = to_decimal_string(money.minor_units, &money.currency);
    match json::parse(text.as_bytes()) {
        Ok(v @ Value::Number(_)) => Ok(v),
        _ => Err(ActionError::Permanent(format!(
            "{text:?} is not a decimal amount"
        ))),
    }
}

/// `POST return/{id}/issue_refund`: the action's amount, else the return's estimate.
fn return_refund(api: &Api<'_>, id: &str, spec: &RefundSpec) -> Result<ActionOutcome, ActionError> {
    let amount = match &spec.amount {
        Some(a) => a.clone(),
        None => {
            let value = api.call(Service::PostOrder, "GET", &format!("/return/{id}"), None)?;
            let p = Payload::new("return", &value);
            let summary = p.object("/summary").unwrap_or(p);
            summary
                .money("/sellerTotalRefund/estimatedRefundAmount")
                .map_err(|e| ActionError::Permanent(e.0))?
                .ok_or_else(|| {
                    unexpected(
                        &format!("GET return/{id}"),
                        "summary.sellerTotalRefund.estimatedRefundAmount",
                    )
                })?
        }
    };
    let value = number(&amount)?;
    let mut body = json!({
        "refundDetail": {
            "itemizedRefundDetail": [
                { "refundAmount": { "value": value, "currency": amount.currency }, "refundFeeType": "PURCHASE_PRICE" }
            ],
            "totalAmount": { "value": value, "currency": amount.currency },
        }
    });
    if let Some(note) = note(spec) {
        body["comments"] = json!({ "content": note });
    }
    let answer = api.call(
        Service::PostOrder,
        "POST",
        &format!("/return/{id}/issue_refund"),
        Some(&body),
    )?;
    Ok(outcome_from_status(
        &answer,
        Some(amount),
        &format!("return {id}"),
    ))
}

/// `POST inquiry|casemanagement/{id}/issue_refund`: eBay refunds the buyer in full.
fn full_refund(
    api: &Api<'_>,
    path: &str,
    spec: &RefundSpec,
    what: &str,
) -> Result<ActionOutcome, ActionError> {
    let body = match note(spec) {
        Some(n) => json!({ "comments": { "content": n } }),
        None => json!({}),
    };
    let answer = api.call(Service::PostOrder, "POST", path, Some(&body))?;
    Ok(outcome_from_status(&answer, None, what))
}

/// Read `refundStatus` (also nested in `refundResult`) into an outcome.
fn outcome_from_status(answer: &Value, amount: Option<Money>, what: &str) -> ActionOutcome {
    let status = ["/refundStatus", "/refundResult/refundStatus"]
        .iter()
        .find_map(|p| json::str_at(answer, p))
        .unwrap_or("SUCCESS")
        .to_ascii_uppercase();
    let moved = amount
        .as_ref()
        .map(|a| format!(" {}", format_money(a)))
        .unwrap_or_default();
    let (status, detail) = match status.as_str() {
        "FAILED" => (
            ActionStatus::Rejected,
            format!("eBay could not refund{moved} on {what}"),
        ),
        "PENDING" => (
            ActionStatus::Pending,
            format!("Refund{moved} on {what} is pending at eBay"),
        ),
        _ => (ActionStatus::Done, format!("Refunded{moved} on {what}")),
    };
    ActionOutcome {
        status,
        marketplace_ref: json::id_at(answer, "/refundId"),
        amount,
        detail,
    }
}

/// The refund note, trimmed; `None` when empty.
fn note(spec: &RefundSpec) -> Option<String> {
    spec.note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// `POST order/{orderId}/issue_refund` on the Fulfillment API.
fn order_refund(
    api: &Api<'_>,
    action: &Action,
    spec: &RefundSpec,
    reason: &str,
) -> Result<ActionOutcome, ActionError> {
    let order = path_id(order_id(action, "a refund through the Fulfillment API")?)?;
    let mut body = json!({ "reasonForRefund": reason });
    if let Some(note) = note(spec) {
        body["comment"] = json!(note.chars().take(COMMENT_LIMIT).collect::<String>());
    }
    let total = if spec.line_items.is_empty() {
        let amount = spec.amount.clone().ok_or_else(|| {
            ActionError::Permanent(
                "a refund needs an amount or line items; this one has neither".into(),
            )
        })?;
        body["orderLevelRefundAmount"] = simple_amount(&amount);
        amount
    } else {
        let value = api.call(
            Service::Fulfillment,
            "GET",
            &format!("/order/{order}"),
            None,
        )?;
        let (items, total) = refund_items(&value, spec)?;
        body["refundItems"] = Value::Array(items);
        total
    };
    let answer = api.call(
        Service::Fulfillment,
        "POST",
        &format!("/order/{order}/issue_refund"),
        Some(&body),
    )?;
    let id =
        json::id_at(&answer, "/refundId").ok_or_else(|| unexpected("issue_refund", "refundId"))?;
    let status = json::str_at(&answer, "/refundStatus").unwrap_or("PENDING");
    let (status, detail) = match status {
        "FAILED" => (
            ActionStatus::Rejected,
            format!("eBay refused refund {id} of {}", format_money(&total)),
        ),
        "PENDING" => (
            ActionStatus::Pending,
            format!(
                "Refund {id} of {} issued; eBay processes it asynchronously",
                format_money(&total)
            ),
        ),
        _ => (
            ActionStatus::Done,
            format!("Refunded {} (refund {id})", format_money(&total)),
        ),
    };
    Ok(ActionOutcome {
        status,
        marketplace_ref: Some(id),
        amount: Some(total),
        detail,
    })
}

/// `{"value": "10.00", "currency": "USD"}`.
fn simple_amount(money: &Money) -> Value {
    json!({ "value": to_decimal_string(money.minor_units, &money.currency), "currency": money.currency })
}

/// `refundItems` for the action's lines, priced from the order: the line's cost for the
/// refunded share of its quantity (plus its shipping when the whole line and shipping are
/// refunded); with one line and an amount, that amount.
fn refund_items(order: &Value, spec: &RefundSpec) -> Result<(Vec<Value>, Money), ActionError> {
    if spec.amount.is_some() && spec.line_items.len() > 1 {
        return Err(ActionError::Permanent(
            "eBay needs an amount per refunded line; name one line with the amount, or lines \
             without an amount to refund their price"
                .into(),
        ));
    }
    let p = Payload::new("order", order);
    let mut items = Vec::new();
    let mut total: Option<Money> = None;
    for (wanted, quantity) in &spec.line_items {
        let line = orders::find_line(order, wanted)
            .ok_or_else(|| ActionError::Permanent(format!("order has no line item {wanted:?}")))?;
        let l = p.nested(line);
        let amount = match &spec.amount {
            Some(a) => a.clone(),
            None => line_share(&l, *quantity, spec.include_shipping)?,
        };
        let mut item = json!({
            "lineItemId": l.id("/lineItemId").unwrap_or_default(),
            "refundAmount": simple_amount(&amount),
        });
        // A legacy `<itemId>-<transactionId>` id also names the legacy reference.
        if let Some((item_id, transaction)) = wanted.split_once('-')
            && !item_id.is_empty()
            && item_id.bytes().all(|b| b.is_ascii_digit())
            && transaction.bytes().all(|b| b.is_ascii_digit())
        {
            item["legacyReference"] =
                json!({ "legacyItemId": item_id, "legacyTransactionId": transaction });
        }
        items.push(item);
        total = Some(match total {
            None => amount,
            Some(mut t) if t.currency == amount.currency => {
                t.minor_units += amount.minor_units;
                t
            }
            Some(t) => {
                return Err(ActionError::Permanent(format!(
                    "order lines are priced in {} and {}",
                    t.currency, amount.currency
                )));
            }
        });
    }
    let total = total.ok_or_else(|| ActionError::Permanent("a refund needs line items".into()))?;
    Ok((items, total))
}

/// The price of `quantity` units of an order line, exactly (an uneven share is refused).
fn line_share(line: &Payload<'_>, quantity: u32, shipping: bool) -> Result<Money, ActionError> {
    let read = |pointer: &str| line.money(pointer).map_err(|e| ActionError::Permanent(e.0));
    let cost =
        read("/lineItemCost")?.ok_or_else(|| unexpected("GET order", "lineItems.lineItemCost"))?;
    let ordered = line
        .count("/quantity")
        .map_err(|e| ActionError::Permanent(e.0))?
        .unwrap_or(1);
    if quantity == 0 || quantity > ordered {
        return Err(ActionError::Permanent(format!(
            "refund quantity {quantity} is not within the {ordered} ordered"
        )));
    }
    let scaled = cost.minor_units * i64::from(quantity);
    if scaled % i64::from(ordered) != 0 {
        return Err(ActionError::Permanent(format!(
            "{quantity} of {ordered} units of {} is not a whole amount; name the amount",
            format_money(&cost)
        )));
    }
    let mut amount = Money {
        minor_units: scaled / i64::from(ordered),
        currency: cost.currency.clone(),
    };
    if shipping
        && quantity == ordered
        && let Some(ship) = read("/deliveryCost/shippingCost")?
        && ship.currency == amount.currency
    {
        amount.minor_units += ship.minor_units;
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::api::test_support::{Script, default_settings};
    use crate::normalize::test_support::fixture;
    use helloword_sdk::types::ActionKind;

    fn spec(amount: Option<(i64, &str)>, lines: &[(&str, u32)], shipping: bool) -> RefundSpec {
        RefundSpec {
            amount: amount.map(|(minor_units, c)| Money {
                minor_units,
                currency: c.into(),
            }),
            line_items: lines.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
            include_shipping: shipping,
            note: None,
            notify_buyer: true,
        }
    }

    #[test]
    fn a_line_is_priced_from_the_order_with_its_shipping() {
        let order = fixture("schema-derived/fulfillment_order.get.json");
        let (items, total) =
            refund_items(&order, &spec(None, &[("10000000000000", 1)], true)).unwrap();
        assert_eq!(total.minor_units, 7528);
        assert_eq!(
            items[0]["refundAmount"],
            json!({"value": "75.28", "currency": "EUR"})
        );
        assert_eq!(items[0].get("legacyReference"), None);
        let (items, _) = refund_items(
            &order,
            &spec(
                Some((1000, "USD")),
                &[("100000000000-1000000000000", 1)],
                false,
            ),
        )
        .unwrap();
        // The request shape of eBay's schema, with the legacy reference.
        let expected = fixture("schema-derived/fulfillment_issue_refund.request.json");
        assert_eq!(items[0], expected["refundItems"][0]);
    }

    #[test]
    fn uneven_or_ambiguous_amounts_are_refused() {
        let mut order = fixture("schema-derived/fulfillment_order.get.json");
        order["lineItems"][0]["quantity"] = json!(3);
        order["lineItems"][0]["lineItemCost"]["value"] = json!("10.00");
        let err = refund_items(&order, &spec(None, &[("10000000000000", 1)], false)).unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("not a whole amount")));
        let err = refund_items(
            &order,
            &spec(Some((1, "EUR")), &[("a", 1), ("b", 1)], false),
        )
        .unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("one line")));
    }

    #[test]
    fn a_return_refund_uses_the_estimate_as_a_number() {
        let ret =
            fixture("schema-derived/post_order_return.get.third_party_shape.json").to_string();
        let script = Script::new(&[(200, &ret), (200, r#"{"refundStatus": "SUCCESS"}"#)]);
        let api = Api::new(&script, default_settings());
        let a = action(
            ActionKind::Refund(spec(None, &[], false)),
            None,
            Some("return:5300000000"),
        );
        let ActionKind::Refund(s) = &a.kind else {
            unreachable!()
        };
        let out = execute(&api, &a, Some(&CaseRef::Return("5300000000".into())), s).unwrap();
        assert_eq!(out.status, ActionStatus::Done);
        let body = script.body(1);
        assert_eq!(
            body["refundDetail"]["totalAmount"]["value"].to_string(),
            "143.99"
        );
        assert_eq!(out.amount.map(|m| m.minor_units), Some(14399));
    }

    #[test]
    fn reconcile_matches_an_order_refund_by_amount() {
        let mut order = fixture("schema-derived/fulfillment_order.get.json");
        order["paymentSummary"]["refunds"] = json!([
            {"refundId": "R-1", "refundStatus": "FAILED", "amount": {"value": "5.00", "currency": "USD"}},
            {"refundId": "R-2", "refundStatus": "REFUNDED", "amount": {"value": "5.00", "currency": "USD"}}
        ]);
        let text = order.to_string();
        let script = Script::new(&[(200, &text), (200, &text)]);
        let api = Api::new(&script, default_settings());
        let a = action(
            ActionKind::Refund(spec(Some((500, "USD")), &[], false)),
            Some("01-23456-78901"),
            None,
        );
        let found = reconcile(&api, &a, None, &spec(Some((500, "USD")), &[], false))
            .unwrap()
            .unwrap();
        assert_eq!(found.marketplace_ref.as_deref(), Some("R-2"));
        assert_eq!(found.status, ActionStatus::Done);
        assert_eq!(
            reconcile(&api, &a, None, &spec(Some((501, "USD")), &[], false)).unwrap(),
            None
        );
    }
}
