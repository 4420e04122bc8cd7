//! Dispute evidence: files already uploaded for a payment dispute (`add_evidence`, then
//! `contest` when submitting), or shipment information for an item-not-received inquiry
//! (`provide_shipment_info`).
//!
//! | case | fields |
//! |---|---|
//! | `dispute:` | `evidence_type` (e.g. `PROOF_OF_DELIVERY`), `file_ids` (comma-separated ids from `upload_evidence_file`), optional `note` (sent with the contest) |
//! | `inquiry:` | `carrier`, `tracking_number`, optional `shipped_at` (RFC 3339), optional `comments` |
//!
//! Uploading the files themselves is a multipart call the contract's text fields cannot
//! carry; upload them in Seller Hub or with `upload_evidence_file`, then pass their ids.

use helloword_sdk::json::{self, Value};
use helloword_sdk::types::{ActionError, ActionOutcome, EvidenceSpec, Timestamp};
use serde_json::json;

use super::decisions::contest_body;
use super::{done, not_supported, path_id, unexpected};
use crate::api::{Api, Service};
use crate::case_id::CaseRef;
use crate::poll::ebay_time;

/// Add the evidence (and submit it).
pub(super) fn execute(
    api: &Api<'_>,
    case: Option<&CaseRef>,
    spec: &EvidenceSpec,
) -> Result<ActionOutcome, ActionError> {
    match case {
        Some(CaseRef::Dispute(id)) => dispute(api, path_id(id)?, spec),
        Some(CaseRef::Inquiry(id)) => {
            let id = path_id(id)?;
            let body = shipment_info(spec)?;
            api.call(
                Service::PostOrder,
                "POST",
                &format!("/inquiry/{id}/provide_shipment_info"),
                Some(&body),
            )?;
            Ok(done(
                Some(format!("inquiry:{id}")),
                format!("Shipment information sent for inquiry {id}"),
            ))
        }
        Some(other) => Ok(not_supported(&format!(
            "eBay takes evidence for payment disputes and inquiries only; answer {} in Seller Hub",
            other.describe()
        ))),
        None => Ok(not_supported(
            "dispute evidence needs a dispute:<id> or inquiry:<id> case",
        )),
    }
}

/// Whether the evidence is already there.
pub(super) fn reconcile(
    api: &Api<'_>,
    case: Option<&CaseRef>,
    spec: &EvidenceSpec,
) -> Result<Option<ActionOutcome>, ActionError> {
    let Some(CaseRef::Dispute(id)) = case else {
        // Shipment information sent twice is the same information.
        return Ok(None);
    };
    let value = api.call(
        Service::Disputes,
        "GET",
        &format!("/payment_dispute/{}", path_id(id)?),
        None,
    )?;
    let wanted_type = field(spec, "evidence_type").unwrap_or_default();
    let wanted_files = file_ids(spec);
    let added = value
        .get("evidence")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| {
            json::str_at(e, "/evidenceType") == Some(wanted_type.as_str())
                && wanted_files.iter().all(|f| {
                    e.get("files")
                        .and_then(Value::as_array)
                        .is_some_and(|files| {
                            files
                                .iter()
                                .any(|x| json::str_at(x, "/fileId") == Some(f.as_str()))
                        })
                })
        });
    let Some(added) = added else {
        return Ok(None);
    };
    let contested =
        json::str_at(&value, "/sellerResponse").is_some_and(|r| r.eq_ignore_ascii_case("CONTEST"));
    if spec.submit && !contested {
        // The evidence is there but the contest was not sent: let the host run it again.
        return Ok(None);
    }
    Ok(Some(done(
        json::id_at(added, "/evidenceId"),
        format!("Evidence {wanted_type} is already on payment dispute {id}"),
    )))
}

fn field(spec: &EvidenceSpec, name: &str) -> Option<String> {
    spec.fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn file_ids(spec: &EvidenceSpec) -> Vec<String> {
    field(spec, "file_ids")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

fn check_fields(spec: &EvidenceSpec, allowed: &[&str]) -> Result<(), ActionError> {
    match spec
        .fields
        .iter()
        .find(|(k, _)| !allowed.contains(&k.as_str()))
    {
        Some((k, _)) => Err(ActionError::Permanent(format!(
            "evidence field {k:?} is not one eBay takes here; use {}",
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

fn dispute(api: &Api<'_>, id: &str, spec: &EvidenceSpec) -> Result<ActionOutcome, ActionError> {
    check_fields(spec, &["evidence_type", "file_ids", "note"])?;
    let evidence_type = field(spec, "evidence_type").ok_or_else(|| {
        ActionError::Permanent(
            "dispute evidence needs the field `evidence_type` (e.g. PROOF_OF_DELIVERY)".into(),
        )
    })?;
    let files = file_ids(spec);
    if files.is_empty() {
        return Err(ActionError::Permanent(
            "dispute evidence needs `file_ids`: upload the files with upload_evidence_file (or in \
             Seller Hub) and pass their ids"
                .into(),
        ));
    }
    let dispute = api.call(
        Service::Disputes,
        "GET",
        &format!("/payment_dispute/{id}"),
        None,
    )?;
    // The lines of the evidence request of this type, else the dispute's lines.
    let requested = dispute
        .get("evidenceRequests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| json::str_at(r, "/evidenceType") == Some(evidence_type.as_str()))
        .and_then(|r| r.get("lineItems"));
    let line_items = requested
        .or_else(|| dispute.get("lineItems"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    let body = json!({
        "evidenceType": evidence_type,
        "files": files.iter().map(|f| json!({ "fileId": f })).collect::<Vec<_>>(),
        "lineItems": line_items,
    });
    let added = api.call(
        Service::Disputes,
        "POST",
        &format!("/payment_dispute/{id}/add_evidence"),
        Some(&body),
    )?;
    let evidence_id = json::id_at(&added, "/evidenceId");
    if !spec.submit {
        return Ok(done(
            evidence_id,
            format!("Evidence {evidence_type} added to payment dispute {id}"),
        ));
    }
    let revision = json::at(&dispute, "/revision")
        .cloned()
        .ok_or_else(|| unexpected(&format!("GET payment_dispute/{id}"), "revision"))?;
    let contest = contest_body(api, revision, field(spec, "note"));
    api.call(
        Service::Disputes,
        "POST",
        &format!("/payment_dispute/{id}/contest"),
        Some(&contest),
    )?;
    Ok(done(
        evidence_id,
        format!("Evidence {evidence_type} added and payment dispute {id} contested"),
    ))
}

fn shipment_info(spec: &EvidenceSpec) -> Result<Value, ActionError> {
    check_fields(
        spec,
        &["carrier", "tracking_number", "shipped_at", "comments"],
    )?;
    let need = |name: &str| {
        field(spec, name).ok_or_else(|| {
            ActionError::Permanent(format!("shipment information needs the field `{name}`"))
        })
    };
    let mut body = json!({
        "shippingCarrierName": need("carrier")?,
        "trackingNumber": need("tracking_number")?,
        "shippedWithTracking": true,
    });
    if let Some(at) = field(spec, "shipped_at") {
        let at = Timestamp::parse(&at)
            .map_err(|e| ActionError::Permanent(format!("evidence field `shipped_at`: {e}")))?;
        body["shippingDate"] = json!({ "value": ebay_time(&at) });
    }
    if let Some(comments) = field(spec, "comments") {
        body["sellerComments"] = json!({ "content": comments });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::test_support::fixture;

    fn spec(fields: &[(&str, &str)]) -> EvidenceSpec {
        EvidenceSpec {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            submit: false,
        }
    }

    #[test]
    fn shipment_fields_become_ebays_shipment_info() {
        let body = shipment_info(&spec(&[
            ("carrier", "USPS"),
            ("tracking_number", "9400000000000000000000"),
            ("shipped_at", "2026-10-01T10:00:00Z"),
            ("comments", "Shipped with tracking"),
        ]))
        .unwrap();
        assert_eq!(
            body,
            fixture("schema-derived/post_order_inquiry_provide_shipment_info.request.json")
        );
        let err = shipment_info(&spec(&[("carrier", "USPS")])).unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("`tracking_number`")));
        let err = shipment_info(&spec(&[("tracking", "1")])).unwrap_err();
        assert!(matches!(err, ActionError::Permanent(m) if m.contains("\"tracking\"")));
    }
}
