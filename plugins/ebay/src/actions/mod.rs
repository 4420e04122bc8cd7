//! Ticket actions carried out through eBay's APIs, chosen by the action's kind and the form
//! of its case id (see [`crate::case_id`]), and their reconciliation after a crash.
//!
//! | action | case | eBay call |
//! |---|---|---|
//! | refund | `return:` | Post-Order `POST return/{id}/issue_refund` (amount from the action, else the return's estimate) |
//! | refund | `inquiry:` | Post-Order `POST inquiry/{id}/issue_refund` (full); with an amount, Fulfillment `issue_refund` on the order, reason `ITEM_NOT_RECEIVED` |
//! | refund | `case:` | Post-Order `POST casemanagement/{id}/issue_refund` (full); with an amount, Fulfillment `issue_refund`, reason `ITEM_NOT_AS_DESCRIBED` |
//! | refund | none, `message:`, `conversation:`, `feedback:` | Fulfillment `POST order/{orderId}/issue_refund`, reason `OTHER_ADJUSTMENT` |
//! | refund | `dispute:`, `cancel:` | not supported: accept the dispute / approve the cancellation |
//! | return decision | `return:` | Post-Order `POST return/{id}/decide` (`APPROVE` / `DECLINE`) |
//! | return decision | `cancel:` | Post-Order `POST cancellation/{id}/approve` / `reject` |
//! | return decision | `dispute:` | Fulfillment `POST payment_dispute/{id}/accept` / `contest` |
//! | dispute evidence | `dispute:` | Fulfillment `POST payment_dispute/{id}/add_evidence`, then `contest` when submitting |
//! | dispute evidence | `inquiry:` | Post-Order `POST inquiry/{id}/provide_shipment_info` |
//! | message | `return:` / `inquiry:` | Post-Order `POST return|inquiry/{id}/send_message` |
//! | message | `conversation:` / `message:` / an order | Message API `POST send_message` |
//! | reship, coupon | any | not supported |

mod decisions;
mod evidence;
mod messages;
mod refunds;

use helloword_sdk::types::{Action, ActionError, ActionKind, ActionOutcome, ActionStatus};

use crate::api::Api;
use crate::case_id::CaseRef;

/// Carry out `action`.
pub fn execute(api: &Api<'_>, action: &Action) -> Result<ActionOutcome, ActionError> {
    let case = case_of(action)?;
    match &action.kind {
        ActionKind::Refund(spec) => refunds::execute(api, action, case.as_ref(), spec),
        ActionKind::ReturnDecision(spec) => decisions::execute(api, action, case.as_ref(), spec),
        ActionKind::DisputeEvidence(spec) => evidence::execute(api, case.as_ref(), spec),
        ActionKind::Message(spec) => messages::execute(api, action, case.as_ref(), spec),
        ActionKind::Reship(_) => Ok(not_supported(
            "eBay has no API to send a replacement; create a new order or ship it from your \
             own system and add the tracking to the ticket",
        )),
        ActionKind::Coupon(_) => Ok(not_supported(
            "eBay has no API to give one buyer a coupon; send a volume or coded coupon from \
             Seller Hub (Marketing) and message the code to the buyer",
        )),
    }
}

/// Whether `action` already happened at eBay, and how it ended.
pub fn reconcile(api: &Api<'_>, action: &Action) -> Result<Option<ActionOutcome>, ActionError> {
    let case = case_of(action)?;
    match &action.kind {
        ActionKind::Refund(spec) => refunds::reconcile(api, action, case.as_ref(), spec),
        ActionKind::ReturnDecision(spec) => decisions::reconcile(api, case.as_ref(), spec),
        ActionKind::DisputeEvidence(spec) => evidence::reconcile(api, case.as_ref(), spec),
        ActionKind::Message(spec) => messages::reconcile(api, case.as_ref(), spec),
        // Nothing is ever sent, so nothing can have happened.
        ActionKind::Reship(_) | ActionKind::Coupon(_) => Ok(None),
    }
}

/// Whether the action needs a token at all (unsupported kinds never call eBay).
pub fn calls_ebay(action: &Action) -> bool {
    !matches!(action.kind, ActionKind::Reship(_) | ActionKind::Coupon(_))
}

/// The action's case, when it has one; a case id that is not this connector's is an error.
fn case_of(action: &Action) -> Result<Option<CaseRef>, ActionError> {
    match action
        .case_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => Ok(None),
        Some(text) => CaseRef::parse(text).map(Some).ok_or_else(|| {
            ActionError::Permanent(format!(
                "action.case_id {text:?} is not an eBay case id (return:<id>, inquiry:<id>, \
                 case:<id>, cancel:<id>, dispute:<id>, conversation:<id>, message:<buyer>:<item>)"
            ))
        }),
    }
}

/// An outcome for something eBay cannot do through its APIs; `what` says what to do by hand.
fn not_supported(what: &str) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::NotSupported,
        marketplace_ref: None,
        amount: None,
        detail: what.to_string(),
    }
}

/// A finished action.
fn done(marketplace_ref: Option<String>, detail: String) -> ActionOutcome {
    ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref,
        amount: None,
        detail,
    }
}

/// The action's order id, which `what` needs.
fn order_id<'a>(action: &'a Action, what: &str) -> Result<&'a str, ActionError> {
    action
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            ActionError::Permanent(format!("{what} needs action.order_id, the eBay order id"))
        })
}

/// An id safe to put in a URL path (eBay ids are digits, letters and '-').
fn path_id(id: &str) -> Result<&str, ActionError> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(id)
    } else {
        Err(ActionError::Permanent(format!(
            "{id:?} is not an eBay id (letters, digits and '-')"
        )))
    }
}

/// An eBay answer that lacks a field the action reads.
fn unexpected(what: &str, missing: &str) -> ActionError {
    ActionError::Permanent(format!("eBay's answer to {what} has no `{missing}`"))
}

#[cfg(test)]
pub(crate) mod test_support {
    use helloword_sdk::types::{Action, ActionKind};

    /// An action for the seller with key "key-1".
    pub fn action(kind: ActionKind, order_id: Option<&str>, case_id: Option<&str>) -> Action {
        Action {
            idempotency_key: "key-1".into(),
            reply_context: Vec::new(),
            shop: "example_seller".into(),
            order_id: order_id.map(str::to_string),
            case_id: case_id.map(str::to_string),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::action;
    use super::*;
    use crate::api::test_support::{Script, default_settings};
    use helloword_sdk::types::{CouponSpec, Money, ReshipSpec};

    #[test]
    fn reships_and_coupons_are_not_supported_and_call_nothing() {
        let script = Script::new(&[]);
        let api = Api::new(&script, default_settings());
        let reship = action(
            ActionKind::Reship(ReshipSpec {
                line_items: vec![],
                expedited: false,
                note: None,
            }),
            Some("1"),
            None,
        );
        let coupon = action(
            ActionKind::Coupon(CouponSpec {
                value: Money {
                    minor_units: 500,
                    currency: "EUR".into(),
                },
                code: None,
                expires_at: None,
            }),
            None,
            None,
        );
        for a in [reship, coupon] {
            let out = execute(&api, &a).unwrap();
            assert_eq!(out.status, ActionStatus::NotSupported);
            assert!(!calls_ebay(&a));
            assert_eq!(reconcile(&api, &a).unwrap(), None);
        }
        assert!(script.sent.borrow().is_empty());
    }

    #[test]
    fn a_foreign_case_id_is_refused_by_name() {
        let script = Script::new(&[]);
        let api = Api::new(&script, default_settings());
        let a = action(
            ActionKind::ReturnDecision(helloword_sdk::types::ReturnDecision {
                approve: true,
                decline_reason: None,
                note: None,
            }),
            None,
            Some("gid://shopify/Return/1"),
        );
        let err = execute(&api, &a).unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("not an eBay case id")));
    }
}
