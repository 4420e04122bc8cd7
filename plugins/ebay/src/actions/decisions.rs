//! Return decisions: approve or decline a return (`decide`), a cancellation request
//! (`approve` / `reject`), or a payment dispute (`accept` / `contest`).
//!
//! A cancellation is rejected because the item already shipped; eBay takes the shipment's
//! date and tracking number, which the action carries in `decline-reason` as
//! `tracking=<number>;shipped=<RFC 3339 date>` (both optional).

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ReturnDecision};
use serde_json::json;

use super::{done, not_supported, path_id, unexpected};
use crate::api::{Api, Service};
use crate::case_id::CaseRef;
use crate::normalize::returns;

/// Approve or decline.
pub(super) fn execute(
    api: &Api<'_>,
    _action: &Action,
    case: Option<&CaseRef>,
    spec: &ReturnDecision,
) -> Result<ActionOutcome, ActionError> {
    let verb = if spec.approve { "approved" } else { "declined" };
    match case {
        Some(CaseRef::Return(id)) => {
            let id = path_id(id)?;
            let comments = text(&spec.note).or_else(|| text(&spec.decline_reason));
            let mut body = json!({ "decision": if spec.approve { "APPROVE" } else { "DECLINE" } });
            match comments {
                Some(c) => body["comments"] = json!({ "content": c }),
                None if !spec.approve => {
                    return Err(ActionError::Permanent(
                        "eBay needs a comment to decline a return; give the decision a note".into(),
                    ));
                }
                None => {}
            }
            api.call(
                Service::PostOrder,
                "POST",
                &format!("/return/{id}/decide"),
                Some(&body),
            )?;
            Ok(done(
                Some(format!("return:{id}")),
                format!("Return {id} {verb}"),
            ))
        }
        Some(CaseRef::Cancel(id)) => {
            let id = path_id(id)?;
            if spec.approve {
                api.call(
                    Service::PostOrder,
                    "POST",
                    &format!("/cancellation/{id}/approve"),
                    None,
                )?;
            } else {
                let body = reject_body(spec.decline_reason.as_deref())?;
                api.call(
                    Service::PostOrder,
                    "POST",
                    &format!("/cancellation/{id}/reject"),
                    Some(&body),
                )?;
            }
            Ok(done(
                Some(format!("cancel:{id}")),
                format!("Cancellation {id} {verb}"),
            ))
        }
        Some(CaseRef::Dispute(id)) => {
            let id = path_id(id)?;
            let dispute = api.call(
                Service::Disputes,
                "GET",
                &format!("/payment_dispute/{id}"),
                None,
            )?;
            let revision = json::at(&dispute, "/revision")
                .cloned()
                .ok_or_else(|| unexpected(&format!("GET payment_dispute/{id}"), "revision"))?;
            let (path, body) = if spec.approve {
                (
                    format!("/payment_dispute/{id}/accept"),
                    json!({ "revision": revision }),
                )
            } else {
                (
                    format!("/payment_dispute/{id}/contest"),
                    contest_body(
                        api,
                        revision,
                        text(&spec.note).or_else(|| text(&spec.decline_reason)),
                    ),
                )
            };
            api.call(Service::Disputes, "POST", &path, Some(&body))?;
            let what = if spec.approve {
                "accepted"
            } else {
                "contested"
            };
            Ok(done(
                Some(format!("dispute:{id}")),
                format!("Payment dispute {id} {what}"),
            ))
        }
        Some(other) => Ok(not_supported(&format!(
            "{} has no approve/decline in eBay's API; answer it with a refund, shipment \
             information or a message",
            other.describe()
        ))),
        None => Ok(not_supported(
            "a return decision needs the case it decides (return:<id>, cancel:<id> or dispute:<id>)",
        )),
    }
}

/// Whether the case already has the decided state.
pub(super) fn reconcile(
    api: &Api<'_>,
    case: Option<&CaseRef>,
    spec: &ReturnDecision,
) -> Result<Option<ActionOutcome>, ActionError> {
    match case {
        Some(CaseRef::Return(id)) => {
            let value = api.call(
                Service::PostOrder,
                "GET",
                &format!("/return/{}", path_id(id)?),
                None,
            )?;
            let summary = value.get("summary").unwrap_or(&value);
            let state = json::str_at(summary, "/state");
            let phase = returns::phase(state, json::str_at(summary, "/status"));
            let decided = if spec.approve {
                matches!(
                    phase.as_str(),
                    "approved" | "shipped" | "delivered" | "refunded"
                )
            } else {
                phase == "declined"
            };
            Ok(decided.then(|| {
                done(
                    Some(format!("return:{id}")),
                    format!("Return {id} is already {}", state.unwrap_or("decided")),
                )
            }))
        }
        Some(CaseRef::Cancel(id)) => {
            let value = api.call(
                Service::PostOrder,
                "GET",
                &format!("/cancellation/{}", path_id(id)?),
                None,
            )?;
            let detail = value.get("cancelDetail").unwrap_or(&value);
            let state = ["/cancelStatus", "/cancelState"]
                .iter()
                .filter_map(|p| json::str_at(detail, p))
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_uppercase();
            let decided = if spec.approve {
                state.contains("APPROVED") || state.contains("CLOSED_WITH_REFUND")
            } else {
                state.contains("REJECTED")
            };
            Ok(decided.then(|| {
                done(
                    Some(format!("cancel:{id}")),
                    format!("Cancellation {id} is already {state}"),
                )
            }))
        }
        Some(CaseRef::Dispute(id)) => {
            let value = api.call(
                Service::Disputes,
                "GET",
                &format!("/payment_dispute/{}", path_id(id)?),
                None,
            )?;
            let wanted = if spec.approve { "ACCEPT" } else { "CONTEST" };
            let decided = json::str_at(&value, "/sellerResponse")
                .is_some_and(|r| r.eq_ignore_ascii_case(wanted));
            Ok(decided.then(|| {
                done(
                    Some(format!("dispute:{id}")),
                    format!("Payment dispute {id} already answered {wanted}"),
                )
            }))
        }
        _ => Ok(None),
    }
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The body of a contest: the revision, the note, and the configured return address.
pub(super) fn contest_body(api: &Api<'_>, revision: Value, note: Option<String>) -> Value {
    let mut body = json!({ "revision": revision });
    if let Some(note) = note {
        body["note"] = json!(note);
    }
    if let Some(address) = &api.settings().dispute_return_address {
        body["returnAddress"] = address.clone();
    }
    body
}

/// `tracking=<number>;shipped=<date>` → `{"shipmentDate": {"value": …}, "trackingNumber": …}`.
fn reject_body(reason: Option<&str>) -> Result<Value, ActionError> {
    let mut body = json!({});
    for pair in reason
        .unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = value.trim();
        match key.trim() {
            "tracking" if !value.is_empty() => body["trackingNumber"] = json!(value),
            "shipped" => {
                let at = helloword_sdk::types::Timestamp::parse(value).map_err(|e| {
                    ActionError::Permanent(format!("decline reason `shipped`: {e}"))
                })?;
                body["shipmentDate"] = json!({ "value": crate::poll::ebay_time(&at) });
            }
            other => {
                return Err(ActionError::Permanent(format!(
                    "decline reason of a cancellation takes `tracking=<number>;shipped=<date>`, \
                     not {other:?}"
                )));
            }
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_support::fixture;

    #[test]
    fn a_reject_reason_becomes_ebays_reject_body() {
        let body = reject_body(Some(
            "tracking=9400000000000000000000; shipped=2026-10-01T10:00:00Z",
        ))
        .unwrap();
        assert_eq!(
            body,
            fixture("schema-derived/post_order_cancellation_reject.request.json")
        );
        assert_eq!(reject_body(None).unwrap(), json!({}));
        assert!(reject_body(Some("because")).is_err());
    }
}
