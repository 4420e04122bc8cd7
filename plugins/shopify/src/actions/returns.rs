//! Approving or declining a return request (GraphQL: returns have no REST API).
//!
//! The buyer is notified (`notifyCustomer: true`): the return decision's note is, by the
//! contract, shown to the buyer, and Shopify's notification is how it gets there.

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, ReturnDecision};
use serde_json::json;

use super::{case_id, unexpected};
use crate::admin::{Admin, user_errors};
use crate::ids::gid;

/// `returnApproveRequest`.
pub const APPROVE: &str = "mutation ReturnApproveRequest($input: ReturnApproveRequestInput!) { returnApproveRequest(input: $input) { return { id status } userErrors { code field message } } }";
/// `returnDeclineRequest`, as in Shopify's own example.
pub const DECLINE: &str = "mutation ReturnDeclineRequest($input: ReturnDeclineRequestInput!) { returnDeclineRequest(input: $input) { return { id status } userErrors { code field message } } }";
/// A return's status, for reconciling.
pub const STATUS: &str = "query ReturnStatus($id: ID!) { return(id: $id) { id status } }";

/// The return's GraphQL id from the action.
fn return_gid(action: &Action) -> Result<String, ActionError> {
    let case = case_id(action, "return decision")?;
    gid("Return", case).ok_or_else(|| {
        ActionError::Permanent(format!(
            "action.case_id {case:?} is not a Shopify return id (gid://shopify/Return/…)"
        ))
    })
}

/// Approve or decline.
pub(super) fn execute(
    admin: &Admin<'_>,
    action: &Action,
    spec: &ReturnDecision,
) -> Result<ActionOutcome, ActionError> {
    let id = return_gid(action)?;
    let (query, field, input) = if spec.approve {
        (
            APPROVE,
            "returnApproveRequest",
            json!({ "id": id, "notifyCustomer": true }),
        )
    } else {
        // Shopify's reasons are RETURN_PERIOD_ENDED, FINAL_SALE and OTHER; the webhook
        // spells them in lower case, so both spellings are accepted.
        let reason = spec
            .decline_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("other")
            .to_ascii_uppercase();
        let mut input = json!({ "id": id, "declineReason": reason, "notifyCustomer": true });
        if let Some(note) = spec.note.as_deref().filter(|n| !n.trim().is_empty()) {
            input["declineNote"] = json!(note);
        }
        (DECLINE, "returnDeclineRequest", input)
    };
    let data = admin.graphql(query, json!({ "input": input }))?;
    let payload = data.get(field).ok_or_else(|| unexpected(field, field))?;
    let verb = if spec.approve { "approve" } else { "decline" };
    if let Some(errors) = user_errors(payload) {
        return Err(ActionError::Permanent(format!(
            "Shopify refused to {verb} return {id}: {errors}"
        )));
    }
    let status = json::str_at(payload, "/return/status").unwrap_or("unknown");
    let mut detail = format!("Return {verb}d (now {status})");
    if spec.approve && spec.note.is_some() {
        // returnApproveRequest takes no note; say so rather than drop it silently.
        detail.push_str("; the note was not sent: Shopify's approval takes none");
    }
    Ok(ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: Some(json::str_at(payload, "/return/id").map_or(id, str::to_string)),
        amount: None,
        detail,
    })
}

/// The return already has the state the decision gives it.
pub(super) fn reconcile(
    admin: &Admin<'_>,
    action: &Action,
    spec: &ReturnDecision,
) -> Result<Option<ActionOutcome>, ActionError> {
    let id = return_gid(action)?;
    let data = admin.graphql(STATUS, json!({ "id": id }))?;
    let status = data
        .get("return")
        .filter(|r| !r.is_null())
        .and_then(|r| r.get("status"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let done = if spec.approve {
        // An approved return is open, and closed once everything is processed.
        matches!(status, "OPEN" | "CLOSED")
    } else {
        status == "DECLINED"
    };
    Ok(done.then(|| ActionOutcome {
        status: ActionStatus::Done,
        marketplace_ref: Some(id),
        amount: None,
        detail: format!("Return already {status}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::ActionKind;

    const DECLINE_REQUEST: &str =
        include_str!("../../tests/fixtures/api/graphql_returnDeclineRequest.request.json");

    fn decision(
        approve: bool,
        reason: Option<&str>,
        note: Option<&str>,
    ) -> (Action, ReturnDecision) {
        let spec = ReturnDecision {
            approve,
            decline_reason: reason.map(str::to_string),
            note: note.map(str::to_string),
        };
        (
            action(
                ActionKind::ReturnDecision(spec.clone()),
                None,
                Some("491427904"),
            ),
            spec,
        )
    }

    #[test]
    fn a_decline_sends_shopifys_own_mutation() {
        let answer = r#"{"data": {"returnDeclineRequest": {"return": {"id": "gid://shopify/Return/491427904", "status": "DECLINED"}, "userErrors": []}}}"#;
        let script = Script::new(&[(200, answer)]);
        let (a, spec) = decision(false, Some("return_period_ended"), Some("Window closed"));
        let out = execute(&admin(&script), &a, &spec).unwrap();
        let expected = json::parse(DECLINE_REQUEST.as_bytes()).unwrap();
        let sent = script.body(0);
        assert_eq!(sent["query"], expected["query"]);
        assert_eq!(
            sent["variables"]["input"]["id"],
            expected["variables"]["input"]["id"]
        );
        assert_eq!(
            sent["variables"]["input"]["declineReason"],
            expected["variables"]["input"]["declineReason"]
        );
        assert_eq!(
            sent["variables"]["input"]["declineNote"],
            json!("Window closed")
        );
        assert_eq!(
            out.marketplace_ref.as_deref(),
            Some("gid://shopify/Return/491427904")
        );
        assert_eq!(out.detail, "Return declined (now DECLINED)");
    }

    #[test]
    fn user_errors_are_permanent_with_shopifys_words() {
        let answer = r#"{"data": {"returnApproveRequest": {"return": null, "userErrors": [{"code": "INVALID_STATE", "field": ["id"], "message": "Return is not approvable. Only returns with status REQUESTED can be approved."}]}}}"#;
        let script = Script::new(&[(200, answer)]);
        let (a, spec) = decision(true, None, None);
        let err = execute(&admin(&script), &a, &spec).unwrap_err();
        assert_eq!(
            err,
            ActionError::Permanent(
                "Shopify refused to approve return gid://shopify/Return/491427904: id: Return is not approvable. Only returns with status REQUESTED can be approved.".into()
            )
        );
    }

    #[test]
    fn reconcile_reads_the_return_state() {
        let (a, spec) = decision(true, None, None);
        let script = Script::new(&[(
            200,
            r#"{"data": {"return": {"id": "x", "status": "OPEN"}}}"#,
        )]);
        assert!(reconcile(&admin(&script), &a, &spec).unwrap().is_some());
        let script = Script::new(&[(
            200,
            r#"{"data": {"return": {"id": "x", "status": "REQUESTED"}}}"#,
        )]);
        assert_eq!(reconcile(&admin(&script), &a, &spec).unwrap(), None);
    }
}
