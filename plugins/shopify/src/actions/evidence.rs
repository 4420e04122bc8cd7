//! Dispute evidence through the REST Admin API: write the fields, then submit when asked.
//!
//! A submitted response cannot be changed, so the current evidence is read first and a
//! submitted one is refused before anything is written.
//!
//! The gateway's case file (`case.*` fields, `helloword_sdk::evidence`) becomes Shopify's
//! fields here: the buyer's name as first and last name, the shipment as a fulfillment, the
//! history as `uncategorized_text` within Shopify's 20,000 characters. Shopify's own field
//! names are taken as they are, and win over what the case file gives.

use helloword_sdk::evidence as case;
use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{Action, ActionError, ActionOutcome, ActionStatus, EvidenceSpec};
use serde_json::json;

use super::case_id;
use crate::admin::Admin;
use crate::ids::numeric;

/// The writable fields of Shopify's `DisputeEvidence`. The `*_attributes` fields take JSON
/// (an address object, a list of fulfillments); the others take text.
pub const FIELDS: &[&str] = &[
    "access_activity_log",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_first_name",
    "customer_last_name",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "uncategorized_text",
    "shipping_address_attributes",
    "fulfillments_attributes",
];

/// Longest text Shopify accepts in one evidence text field (`uncategorized_text`,
/// `refund_refusal_explanation`, ...).
pub const TEXT_LIMIT: usize = 20_000;

/// Shopify's fields from the gateway's case file, then the fields given in Shopify's names.
pub fn shopify_fields(fields: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if let Some(name) = case::field(fields, case::BUYER_NAME) {
        let (given, family) = helloword_sdk::names::split_full_name(name);
        if let Some(given) = given {
            out.push(("customer_first_name".into(), given.to_string()));
        }
        if let Some(family) = family {
            out.push(("customer_last_name".into(), family.to_string()));
        }
    }
    let carrier = case::field(fields, case::CARRIER);
    let number = case::field(fields, case::TRACKING_NUMBER);
    if carrier.is_some() || number.is_some() {
        let mut fulfillment = serde_json::Map::new();
        if let Some(c) = carrier {
            fulfillment.insert("shipping_carrier".into(), c.into());
        }
        if let Some(n) = number {
            fulfillment.insert("shipping_tracking_number".into(), n.into());
        }
        if let Some(at) = case::field(fields, case::DELIVERED_AT) {
            fulfillment.insert("shipping_date".into(), at.into());
        }
        out.push((
            "fulfillments_attributes".into(),
            Value::Array(vec![fulfillment.into()]).to_string(),
        ));
    }
    if let Some(history) = case::field(fields, case::HISTORY) {
        out.push((
            "uncategorized_text".into(),
            case::cut_lines(history, TEXT_LIMIT),
        ));
    }
    for (name, value) in fields.iter().filter(|(k, _)| !case::is_case_field(k)) {
        out.retain(|(k, _)| k != name);
        out.push((name.clone(), value.clone()));
    }
    out
}

/// The dispute's evidence endpoint.
fn path(action: &Action) -> Result<(u64, String), ActionError> {
    let case = case_id(action, "dispute evidence action")?;
    let dispute = numeric(case).ok_or_else(|| {
        ActionError::Permanent(format!(
            "action.case_id {case:?} is not a Shopify Payments dispute id"
        ))
    })?;
    Ok((
        dispute,
        format!("/shopify_payments/disputes/{dispute}/dispute_evidences.json"),
    ))
}

/// Read, refuse if submitted, write the fields, submit.
pub(super) fn execute(
    admin: &Admin<'_>,
    action: &Action,
    spec: &EvidenceSpec,
) -> Result<ActionOutcome, ActionError> {
    let (dispute, path) = path(action)?;
    if spec.fields.is_empty() && !spec.submit {
        return Err(ActionError::Permanent(
            "a dispute evidence action needs fields, or submit = true".into(),
        ));
    }
    let update = update_body(&shopify_fields(&spec.fields))?;
    let current = admin.rest("GET", &path, None)?;
    if let Some(on) = json::str_at(&current, "/dispute_evidence/submitted_by_merchant_on") {
        return Err(ActionError::Permanent(format!(
            "the evidence for dispute {dispute} was submitted on {on}; Shopify does not allow \
             changes to a submitted response"
        )));
    }
    let mut last = current;
    if let Some(update) = update {
        last = admin.rest("PUT", &path, Some(&update))?;
    }
    if spec.submit {
        let submit = json!({ "dispute_evidence": { "submit_evidence": true } });
        last = admin.rest("PUT", &path, Some(&submit))?;
    }
    Ok(outcome(&last, dispute, spec))
}

/// Only a submission needs reconciling: writing fields is a PUT, so running it again has
/// the same effect.
pub(super) fn reconcile(
    admin: &Admin<'_>,
    action: &Action,
    spec: &EvidenceSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    if !spec.submit {
        return Ok(None);
    }
    let (dispute, path) = path(action)?;
    let current = admin.rest("GET", &path, None)?;
    Ok(
        json::str_at(&current, "/dispute_evidence/submitted_by_merchant_on")
            .is_some()
            .then(|| outcome(&current, dispute, spec)),
    )
}

/// `{"dispute_evidence": {...}}` from the action's fields; `None` when there are none.
fn update_body(fields: &[(String, String)]) -> Result<Option<Value>, ActionError> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut evidence = serde_json::Map::new();
    for (name, text) in fields {
        if !FIELDS.contains(&name.as_str()) {
            return Err(ActionError::Permanent(format!(
                "dispute evidence has no field `{name}`; Shopify's fields are {}",
                FIELDS.join(", ")
            )));
        }
        let value = if name.ends_with("_attributes") {
            match json::parse(text.as_bytes()) {
                Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
                _ => {
                    return Err(ActionError::Permanent(format!(
                        "dispute evidence field `{name}` must be JSON (an object or a list)"
                    )));
                }
            }
        } else {
            Value::String(text.clone())
        };
        evidence.insert(name.clone(), value);
    }
    Ok(Some(json!({ "dispute_evidence": evidence })))
}

fn outcome(answer: &Value, dispute: u64, spec: &EvidenceSpec) -> ActionOutcome {
    let submitted = json::str_at(answer, "/dispute_evidence/submitted_by_merchant_on");
    let fields = match shopify_fields(&spec.fields).len() {
        0 => String::new(),
        1 => ", 1 field written".to_string(),
        n => format!(", {n} fields written"),
    };
    let (status, detail) = match (spec.submit, submitted) {
        (true, Some(on)) => (
            ActionStatus::Done,
            format!("Evidence for dispute {dispute} submitted on {on}{fields}"),
        ),
        (true, None) => (
            ActionStatus::Pending,
            format!(
                "Evidence for dispute {dispute} sent for submission{fields}; Shopify has not marked it submitted yet"
            ),
        ),
        (false, _) => (
            ActionStatus::Done,
            format!("Evidence for dispute {dispute} updated{fields}; not submitted"),
        ),
    };
    ActionOutcome {
        status,
        marketplace_ref: json::id_at(answer, "/dispute_evidence/id"),
        amount: None,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::action;
    use super::*;
    use crate::admin::test_support::{Script, admin};
    use helloword_sdk::types::ActionKind;

    const GET: &str = include_str!("../../tests/fixtures/api/dispute_evidence_get.response.json");
    const UPDATED: &str =
        include_str!("../../tests/fixtures/api/dispute_evidence_update.response.json");
    const SUBMITTED: &str =
        include_str!("../../tests/fixtures/api/dispute_evidence_submit.response.json");

    fn evidence(
        fields: &[(&str, &str)],
        submit: bool,
    ) -> (helloword_sdk::types::Action, EvidenceSpec) {
        let spec = EvidenceSpec {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            submit,
        };
        (
            action(
                ActionKind::DisputeEvidence(spec.clone()),
                None,
                Some("598735659"),
            ),
            spec,
        )
    }

    #[test]
    fn fields_are_written_then_submitted() {
        let script = Script::new(&[(200, GET), (200, UPDATED), (200, SUBMITTED)]);
        let (a, spec) = evidence(
            &[
                ("uncategorized_text", "Any additional notes"),
                (
                    "fulfillments_attributes",
                    r#"[{"shipping_carrier": "FedEx", "shipping_tracking_number": 4321}]"#,
                ),
            ],
            true,
        );
        let out = execute(&admin(&script), &a, &spec).unwrap();
        let path = "/shopify_payments/disputes/598735659/dispute_evidences.json";
        assert_eq!(
            script.calls(),
            [
                format!("GET {path}"),
                format!("PUT {path}"),
                format!("PUT {path}")
            ]
        );
        let update = script.body(1);
        assert_eq!(
            update["dispute_evidence"]["uncategorized_text"],
            json!("Any additional notes")
        );
        assert_eq!(
            update["dispute_evidence"]["fulfillments_attributes"][0]["shipping_tracking_number"],
            json!(4321)
        );
        assert_eq!(
            script.body(2),
            json!({"dispute_evidence": {"submit_evidence": true}})
        );
        assert_eq!(out.status, ActionStatus::Done);
        assert_eq!(out.marketplace_ref.as_deref(), Some("819974671"));
        assert_eq!(
            out.detail,
            "Evidence for dispute 598735659 submitted on 2023-10-03T13:19:26-04:00, 2 fields written"
        );
    }

    #[test]
    fn the_gateways_case_file_becomes_shopifys_fields() {
        let history: Vec<String> = (0..2_000)
            .map(|i| format!("line {i} of the history"))
            .collect();
        let file = [
            ("case.buyer_name", "山田 花子"),
            ("case.carrier", "DHL"),
            ("case.tracking_number", "00340434161094015902"),
            ("case.delivered_at", "2026-11-02T10:00:00Z"),
            ("case.tracking_url", "https://track.example/1"),
            ("case.history", &history.join("\n")),
            ("refund_refusal_explanation", "The lamp arrived intact."),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let fields = shopify_fields(&file);
        let get = |name: &str| case::field(&fields, name).unwrap_or_default().to_string();
        assert_eq!(get("customer_first_name"), "花子");
        assert_eq!(get("customer_last_name"), "山田");
        let shipment: Value = serde_json::from_str(&get("fulfillments_attributes")).unwrap();
        assert_eq!(
            shipment,
            json!([{"shipping_carrier": "DHL", "shipping_tracking_number": "00340434161094015902", "shipping_date": "2026-11-02T10:00:00Z"}])
        );
        let text = get("uncategorized_text");
        assert!(text.len() <= TEXT_LIMIT && text.starts_with("line 0 of the history"));
        assert_eq!(
            get("refund_refusal_explanation"),
            "The lamp arrived intact."
        );
        assert!(
            fields.iter().all(|(k, _)| FIELDS.contains(&k.as_str())),
            "{fields:?}"
        );
        // Shopify's own name for a field wins over the case file's.
        let own = shopify_fields(&[
            ("case.history".into(), "from the case".into()),
            ("uncategorized_text".into(), "from the agent".into()),
        ]);
        assert_eq!(
            own,
            [(
                "uncategorized_text".to_string(),
                "from the agent".to_string()
            )]
        );
    }

    #[test]
    fn submitted_evidence_is_never_written_again() {
        let script = Script::new(&[(200, SUBMITTED)]);
        let (a, spec) = evidence(&[("uncategorized_text", "late")], false);
        let err = execute(&admin(&script), &a, &spec).unwrap_err();
        assert!(
            matches!(&err, ActionError::Permanent(m) if m.contains("was submitted on 2023-10-03T13:19:26-04:00")),
            "{err:?}"
        );
        assert_eq!(script.calls().len(), 1, "nothing may be written");
    }

    #[test]
    fn unknown_fields_and_bad_json_are_refused_by_name() {
        let err = update_body(&[("tracking".into(), "x".into())]).unwrap_err();
        assert!(
            matches!(&err, ActionError::Permanent(m) if m.contains("no field `tracking`")),
            "{err:?}"
        );
        let err = update_body(&[(
            "shipping_address_attributes".into(),
            "1 Infinite Loop".into(),
        )])
        .unwrap_err();
        assert!(
            matches!(&err, ActionError::Permanent(m) if m.contains("must be JSON")),
            "{err:?}"
        );
    }

    #[test]
    fn reconcile_sees_a_submission_that_already_happened() {
        let (a, spec) = evidence(&[], true);
        let script = Script::new(&[(200, SUBMITTED)]);
        let found = reconcile(&admin(&script), &a, &spec).unwrap().unwrap();
        assert_eq!(found.status, ActionStatus::Done);
        let script = Script::new(&[(200, GET)]);
        assert_eq!(reconcile(&admin(&script), &a, &spec).unwrap(), None);
    }
}
