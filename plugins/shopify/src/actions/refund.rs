//! Refunds through the REST Admin API: ask Shopify to calculate the refund (which names the
//! parent transaction and gateway to refund against), then create it.
//!
//! The idempotency key goes into the refund's note (`… [helloword:<key>]`): the REST API
//! takes no idempotency header, and the note is what `reconcile` can list and search.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money::to_decimal_string;
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, Money, RefundSpec};
use serde_json::json;

use super::{order_id, unexpected};
use crate::admin::Admin;
use crate::ids::{note_marker, numeric};
use crate::normalize::{format_money, refund_total};

/// Calculate, then create the refund.
pub(super) fn execute(
    admin: &Admin<'_>,
    action: &Action,
    spec: &RefundSpec,
) -> Result<ActionOutcome, ActionError> {
    let order = order_id(action, "refund")?;
    let calculate = calculate_body(spec)?;
    let suggestion = admin.rest(
        "POST",
        &format!("/orders/{order}/refunds/calculate.json"),
        Some(&calculate),
    )?;
    let create = create_body(&suggestion, spec, &action.idempotency_key, order)?;
    let created = admin.rest(
        "POST",
        &format!("/orders/{order}/refunds.json"),
        Some(&create),
    )?;
    let refund = created
        .get("refund")
        .ok_or_else(|| unexpected("the refund", "refund"))?;
    outcome(refund, json::str_at(&suggestion, "/refund/currency"))
}

/// Find the refund whose note carries the action's key among the order's refunds.
pub(super) fn reconcile(
    admin: &Admin<'_>,
    action: &Action,
) -> Result<Option<ActionOutcome>, ActionError> {
    let order = order_id(action, "refund")?;
    let listed = admin.rest(
        "GET",
        &format!("/orders/{order}/refunds.json?limit=250"),
        None,
    )?;
    let marker = note_marker(&action.idempotency_key);
    let refunds = listed
        .get("refunds")
        .and_then(Value::as_array)
        .ok_or_else(|| unexpected("the refund list", "refunds"))?;
    refunds
        .iter()
        .find(|r| json::str_at(r, "/note").is_some_and(|note| note.contains(&marker)))
        .map(|r| outcome(r, None))
        .transpose()
}

/// `POST …/refunds/calculate.json`: the lines and shipping to refund. Items are not
/// restocked: whether they come back is the return's business, not the refund's.
fn calculate_body(spec: &RefundSpec) -> Result<Value, ActionError> {
    if spec.line_items.is_empty() && !spec.include_shipping && spec.amount.is_none() {
        return Err(ActionError::Permanent(
            "a refund needs line items, shipping or an amount; this one has none".into(),
        ));
    }
    let mut lines = Vec::new();
    for (id, quantity) in &spec.line_items {
        let line_item_id = numeric(id).ok_or_else(|| {
            ActionError::Permanent(format!(
                "refund line item {id:?} is not a Shopify line item id"
            ))
        })?;
        if *quantity == 0 {
            return Err(ActionError::Permanent(format!(
                "refund line item {id} has quantity 0"
            )));
        }
        lines.push(json!({
            "line_item_id": line_item_id,
            "quantity": quantity,
            "restock_type": "no_restock",
        }));
    }
    let mut refund = json!({ "refund_line_items": lines });
    if spec.include_shipping {
        refund["shipping"] = json!({ "full_refund": true });
    }
    if let Some(amount) = &spec.amount {
        refund["currency"] = json!(amount.currency);
    }
    Ok(json!({ "refund": refund }))
}

/// `POST …/refunds.json` from Shopify's suggestion: its transactions with `kind` changed
/// from `suggested_refund` to `refund` (and the amount set when the action names one), its
/// lines, and the note carrying the idempotency key.
fn create_body(
    suggestion: &Value,
    spec: &RefundSpec,
    idempotency_key: &str,
    order: u64,
) -> Result<Value, ActionError> {
    let s = suggestion
        .get("refund")
        .ok_or_else(|| unexpected("the refund calculation", "refund"))?;
    let currency = json::str_at(s, "/currency").map(str::to_string);
    let suggested: &[Value] = s
        .get("transactions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);

    let transaction = |tx: &Value, amount: Value| {
        json!({
            "parent_id": tx.get("parent_id").cloned().unwrap_or(Value::Null),
            "amount": amount,
            "kind": "refund",
            "gateway": tx.get("gateway").cloned().unwrap_or(Value::Null),
        })
    };
    let mut transactions = Vec::new();
    match &spec.amount {
        None => {
            for tx in suggested {
                let (minor, in_currency) = decimal_text(tx, "/amount", currency.as_deref())?;
                if minor > 0 {
                    transactions.push(transaction(tx, decimal(minor, &in_currency)));
                }
            }
        }
        Some(wanted) => {
            if wanted.minor_units <= 0 {
                return Err(ActionError::Permanent(format!(
                    "a refund amount must be positive; got {}",
                    format_money(wanted)
                )));
            }
            if let Some(c) = &currency
                && *c != wanted.currency
            {
                return Err(ActionError::Permanent(format!(
                    "the refund is in {} but order {order} is refunded in {c}",
                    wanted.currency
                )));
            }
            // Spread the amount over the refundable transactions, in Shopify's order.
            let mut remaining = wanted.minor_units;
            for tx in suggested {
                if remaining == 0 {
                    break;
                }
                let limit = match tx.get("maximum_refundable") {
                    Some(_) => decimal_text(tx, "/maximum_refundable", Some(&wanted.currency))?.0,
                    None => decimal_text(tx, "/amount", Some(&wanted.currency))?.0,
                };
                let take = remaining.min(limit);
                if take > 0 {
                    transactions.push(transaction(tx, decimal(take, &wanted.currency)));
                    remaining -= take;
                }
            }
            if remaining > 0 {
                let refundable = Money {
                    minor_units: wanted.minor_units - remaining,
                    currency: wanted.currency.clone(),
                };
                return Err(ActionError::Permanent(format!(
                    "a refund of {} exceeds the {} Shopify can refund on order {order}",
                    format_money(wanted),
                    format_money(&refundable)
                )));
            }
        }
    }

    let lines: Vec<Value> = s
        .get("refund_line_items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .map(|line| {
            let mut out = json!({
                "line_item_id": line.get("line_item_id").cloned().unwrap_or(Value::Null),
                "quantity": line.get("quantity").cloned().unwrap_or(Value::Null),
                "restock_type": line.get("restock_type").cloned().unwrap_or(json!("no_restock")),
            });
            if let Some(location) = line.get("location_id").filter(|l| !l.is_null()) {
                out["location_id"] = location.clone();
            }
            out
        })
        .collect();

    let note = match spec
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(note) => format!("{note} {}", note_marker(idempotency_key)),
        None => format!("Refund by HelloWord {}", note_marker(idempotency_key)),
    };
    let mut refund = json!({
        "notify": spec.notify_buyer,
        "note": note,
        "refund_line_items": lines,
        "transactions": transactions,
    });
    if let Some(c) = currency {
        refund["currency"] = json!(c);
    }
    if spec.include_shipping {
        refund["shipping"] = json!({ "full_refund": true });
    }
    Ok(json!({ "refund": refund }))
}

/// A decimal field of a suggested transaction: its minor units and currency (upper case).
fn decimal_text(
    tx: &Value,
    pointer: &str,
    currency: Option<&str>,
) -> Result<(i64, String), ActionError> {
    let currency = json::str_at(tx, "/currency")
        .or(currency)
        .ok_or_else(|| {
            ActionError::Permanent("Shopify's refund calculation names no currency".into())
        })?
        .to_ascii_uppercase();
    let text = match json::at(tx, pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Ok((0, currency)),
    };
    let minor = helloword_sdk::money::to_minor_units(&text, &currency)
        .map_err(|e| ActionError::Permanent(format!("Shopify's refund calculation: {e}")))?;
    Ok((minor, currency))
}

/// An amount as the Admin API gets it: a decimal string written from minor units, with
/// every decimal of the currency ("10.00", never `10.0`). Even Shopify's own suggestion is
/// rewritten so: it may come as a number a float has shortened.
fn decimal(minor_units: i64, currency: &str) -> Value {
    Value::String(to_decimal_string(minor_units, currency))
}

/// Read a created (or listed) refund into an outcome.
fn outcome(refund: &Value, currency: Option<&str>) -> Result<ActionOutcome, ActionError> {
    let id = json::id_at(refund, "/id").ok_or_else(|| unexpected("the refund", "refund.id"))?;
    let (amount, _) = refund_total(refund, currency).map_err(|e| ActionError::Permanent(e.0))?;
    let refund_txs: Vec<&Value> = refund
        .get("transactions")
        .and_then(Value::as_array)
        .map(|txs| {
            txs.iter()
                .filter(|tx| json::str_at(tx, "/kind") == Some("refund"))
                .collect()
        })
        .unwrap_or_default();
    fn status_of<'v>(tx: &&'v Value) -> &'v str {
        json::str_at(tx, "/status").unwrap_or("")
    }
    let moved = amount.as_ref().map(format_money);
    let (status, detail) = if refund_txs.iter().any(|tx| status_of(tx) == "pending") {
        (
            ActionStatus::Pending,
            format!("Refund {id} is pending at the payment gateway"),
        )
    } else if !refund_txs.is_empty()
        && refund_txs
            .iter()
            .all(|tx| matches!(status_of(tx), "failure" | "error"))
    {
        let why = refund_txs
            .iter()
            .filter_map(|tx| json::str_at(tx, "/message"))
            .collect::<Vec<_>>()
            .join("; ");
        (
            ActionStatus::Rejected,
            format!("The payment gateway refused refund {id}: {why}"),
        )
    } else {
        let detail = match &moved {
            Some(m) => format!("Refunded {m} (refund {id})"),
            None => format!("Refund {id} recorded without a payment"),
        };
        (ActionStatus::Done, detail)
    };
    Ok(ActionOutcome {
        status,
        marketplace_ref: Some(id),
        amount,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::ActionKind;

    const CALCULATE: &str = include_str!("../../tests/fixtures/api/refund_calculate.response.json");
    const CREATED: &str = include_str!("../../tests/fixtures/api/refund_create.response.json");
    const LISTED: &str = include_str!("../../tests/fixtures/api/refunds_list.response.json");

    fn spec(amount: Option<i64>) -> RefundSpec {
        RefundSpec {
            amount: amount.map(|minor_units| Money {
                minor_units,
                currency: "USD".into(),
            }),
            line_items: vec![("518995019".into(), 1)],
            include_shipping: true,
            note: Some("wrong size".into()),
            notify_buyer: true,
        }
    }

    fn refund(spec: RefundSpec) -> helloword_sdk::types::Action {
        action(ActionKind::Refund(spec), Some("450789469"), None)
    }

    #[test]
    fn the_suggestion_becomes_a_refund_with_the_key_in_the_note() {
        let script = Script::new(&[(200, CALCULATE), (201, CREATED)]);
        let a = refund(spec(None));
        let out = execute(
            &admin(&script),
            &a,
            match &a.kind {
                ActionKind::Refund(s) => s,
                _ => unreachable!(),
            },
        )
        .unwrap();
        assert_eq!(
            script.calls(),
            [
                "POST /orders/450789469/refunds/calculate.json",
                "POST /orders/450789469/refunds.json"
            ]
        );
        let calc = script.body(0);
        assert_eq!(
            calc["refund"]["refund_line_items"][0]["line_item_id"],
            json!(518995019)
        );
        assert_eq!(calc["refund"]["shipping"]["full_refund"], json!(true));
        let create = script.body(1);
        let tx = &create["refund"]["transactions"][0];
        assert_eq!(tx["kind"], json!("refund"));
        assert_eq!(tx["parent_id"], json!(801038806));
        assert_eq!(tx["gateway"], json!("bogus"));
        // Shopify's suggestion, as a decimal string.
        assert_eq!(tx["amount"], json!("41.94"));
        assert_eq!(
            create["refund"]["note"],
            json!("wrong size [helloword:key-1]")
        );
        assert_eq!(create["refund"]["notify"], json!(true));
        assert_eq!(create["refund"]["currency"], json!("USD"));
        assert_eq!(out.status, ActionStatus::Done);
        assert_eq!(out.marketplace_ref.as_deref(), Some("929361466"));
        assert_eq!(
            out.amount,
            Some(Money {
                minor_units: 4194,
                currency: "USD".into()
            })
        );
        assert_eq!(out.detail, "Refunded 41.94 USD (refund 929361466)");
    }

    #[test]
    fn a_named_amount_replaces_the_suggested_one_within_what_is_refundable() {
        let value = json::parse(CALCULATE.as_bytes()).unwrap();
        let body = create_body(&value, &spec(Some(2000)), "k", 1).unwrap();
        assert_eq!(body["refund"]["transactions"][0]["amount"], json!("20.00"));
        let err = create_body(&value, &spec(Some(5000)), "k", 1).unwrap_err();
        assert_eq!(
            err,
            ActionError::Permanent(
                "a refund of 50.00 USD exceeds the 41.94 USD Shopify can refund on order 1".into()
            )
        );
        let mut eur = spec(Some(100));
        if let Some(m) = eur.amount.as_mut() {
            m.currency = "EUR".into();
        }
        assert!(
            matches!(create_body(&value, &eur, "k", 1), Err(ActionError::Permanent(m)) if m.contains("EUR"))
        );
    }

    #[test]
    fn a_suggestion_shortened_by_a_float_goes_out_as_a_two_decimal_string() {
        // Shopify's calculation may give `10.0` (a number) for a 10.00 USD refund.
        let value = json::parse(
            br#"{"refund": {"currency": "USD", "transactions": [{"parent_id": 1, "gateway": "bogus", "kind": "suggested_refund", "amount": 10.0, "maximum_refundable": 10.0}]}}"#,
        )
        .unwrap();
        for spec in [spec(None), spec(Some(1000))] {
            let body = create_body(&value, &spec, "k", 1).unwrap();
            assert_eq!(body["refund"]["transactions"][0]["amount"], json!("10.00"));
        }
    }

    #[test]
    fn reconcile_finds_the_refund_by_its_note() {
        let tagged = LISTED.replace(
            "\"note\": \"it broke during shipping\"",
            "\"note\": \"it broke during shipping [helloword:key-1]\"",
        );
        let script = Script::new(&[(200, &tagged)]);
        let found = reconcile(&admin(&script), &refund(spec(None)))
            .unwrap()
            .unwrap();
        assert_eq!(
            script.calls(),
            ["GET /orders/450789469/refunds.json?limit=250"]
        );
        assert_eq!(found.marketplace_ref.as_deref(), Some("509562969"));
        assert_eq!(found.amount.map(|m| m.minor_units), Some(20900));

        let script = Script::new(&[(200, LISTED)]);
        assert_eq!(
            reconcile(&admin(&script), &refund(spec(None))).unwrap(),
            None
        );
    }

    #[test]
    fn a_refund_without_anything_to_refund_is_refused_before_any_call() {
        let empty = RefundSpec {
            amount: None,
            line_items: vec![],
            include_shipping: false,
            note: None,
            notify_buyer: false,
        };
        assert!(matches!(
            calculate_body(&empty),
            Err(ActionError::Permanent(_))
        ));
        let script = Script::new(&[]);
        let a = action(ActionKind::Refund(empty.clone()), None, None);
        let err = execute(&admin(&script), &a, &empty).unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("action.order_id")));
    }
}
