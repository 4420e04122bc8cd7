//! Ticket actions carried out through the Shopify Admin API, and their reconciliation after
//! a crash.
//!
//! | action | API | why this one |
//! |---|---|---|
//! | refund | REST `refunds/calculate.json` then `refunds.json` | the calculate step gives the parent transaction and gateway a refund must name; the idempotency key rides in the note, where `reconcile` finds it |
//! | dispute evidence | REST `shopify_payments/disputes/{id}/dispute_evidences.json` | the published request/response pairs; a submitted response is refused before any write |
//! | return decision | GraphQL `returnApproveRequest` / `returnDeclineRequest` | returns exist only in GraphQL |
//! | reship | GraphQL draft order, 100 % discounted, then `draftOrderComplete` | Shopify has no "replacement" object; a zero-priced order is what merchants do by hand, and it goes through the normal fulfilment flow |
//! | coupon | GraphQL `discountCodeBasicCreate` | one call, limited to the buyer and to one use; the REST price-rule pair needs two |
//! | message | none: e-mail through the seller's SMTP server (`crate::email`) | Shopify has no API to message a buyer |

mod coupon;
mod evidence;
mod refund;
mod reship;
mod returns;

use helloword_sdk::types::{Action, ActionError, ActionKind, ActionOutcome, Timestamp};

use crate::admin::Admin;
use crate::ids::numeric;

/// Carry out `action`. `now` is the host's clock (coupons start now).
pub fn execute(
    admin: &Admin<'_>,
    action: &Action,
    now: Timestamp,
) -> Result<ActionOutcome, ActionError> {
    match &action.kind {
        ActionKind::Refund(spec) => refund::execute(admin, action, spec),
        ActionKind::DisputeEvidence(spec) => evidence::execute(admin, action, spec),
        ActionKind::ReturnDecision(spec) => returns::execute(admin, action, spec),
        ActionKind::Reship(spec) => reship::execute(admin, action, spec),
        ActionKind::Coupon(spec) => coupon::execute(admin, action, spec, now),
        // `crate::email` sends messages; the Admin API has none.
        ActionKind::Message(_) => Err(ActionError::Permanent(
            "a message goes by e-mail, not through the Admin API".into(),
        )),
    }
}

/// Whether `action` already happened at Shopify, and how it ended.
pub fn reconcile(admin: &Admin<'_>, action: &Action) -> Result<Option<ActionOutcome>, ActionError> {
    match &action.kind {
        ActionKind::Refund(_) => refund::reconcile(admin, action),
        ActionKind::DisputeEvidence(spec) => evidence::reconcile(admin, action, spec),
        ActionKind::ReturnDecision(spec) => returns::reconcile(admin, action, spec),
        ActionKind::Reship(spec) => reship::reconcile(admin, action, spec),
        ActionKind::Coupon(spec) => coupon::reconcile(admin, action, spec),
        // Sent mail cannot be read back; a retry resends the same message (`crate::email`).
        ActionKind::Message(_) => Ok(None),
    }
}

/// The action's order id as a number, or an error naming what is missing.
fn order_id(action: &Action, what: &str) -> Result<u64, ActionError> {
    let text = action.order_id.as_deref().ok_or_else(|| {
        ActionError::Permanent(format!(
            "a {what} needs action.order_id, the Shopify order id"
        ))
    })?;
    numeric(text).ok_or_else(|| {
        ActionError::Permanent(format!(
            "action.order_id {text:?} is not a Shopify order id (digits, or gid://shopify/Order/…)"
        ))
    })
}

/// The action's case id, which `what` needs.
fn case_id<'a>(action: &'a Action, what: &str) -> Result<&'a str, ActionError> {
    action
        .case_id
        .as_deref()
        .ok_or_else(|| ActionError::Permanent(format!("a {what} needs action.case_id")))
}

/// A Shopify answer that lacks a field the action reads.
fn unexpected(what: &str, missing: &str) -> ActionError {
    ActionError::Permanent(format!("Shopify's answer to {what} has no `{missing}`"))
}

#[cfg(test)]
pub(crate) mod test_support {
    use helloword_sdk::types::{Action, ActionKind};

    /// An action for example.myshopify.com with key "key-1".
    pub fn action(kind: ActionKind, order_id: Option<&str>, case_id: Option<&str>) -> Action {
        Action {
            idempotency_key: "key-1".into(),
            reply_context: Vec::new(),
            shop: "example.myshopify.com".into(),
            order_id: order_id.map(str::to_string),
            case_id: case_id.map(str::to_string),
            kind,
        }
    }
}
