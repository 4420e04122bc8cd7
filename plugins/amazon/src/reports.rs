//! The Reports API (2021-06-30) and the reports the connector reads:
//!
//! | report type | document | events |
//! |---|---|---|
//! | `GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE` | tab-separated, one row per returned item | `return-request` per row; an `a-to-z-claim` too when the row's A-to-z flag is set |
//! | `GET_V2_SELLER_PERFORMANCE_REPORT` | JSON (`accountHealthReport-2020-11-18`) | `account-health` for an account status other than NORMAL, a WARNED health rating, or an order defect rate whose status is not GOOD |
//!
//! Calls: `createReport` (`POST /reports/2021-06-30/reports`), `getReport`
//! (`GET …/reports/{id}`), `getReportDocument` (`GET …/documents/{id}`), then the document's
//! pre-signed URL, gzip-inflated when `compressionAlgorithm` is `GZIP`.

use helloword_sdk::json::{self, Value};
use helloword_sdk::money;
use helloword_sdk::types::{
    ActionError, DedupeKey, IssueKind, LineItem, Money, Order, Reason, Shipment, TicketEvent,
    Timestamp,
};
use serde_json::json;

use crate::envelope::{ci_path, text};
use crate::settings::{ACCOUNT_HEALTH_REPORT, RETURNS_REPORT, Settings};
use crate::spapi::{SpApi, encode};

/// Largest decompressed report the connector reads, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 32 << 20;

/// What a report turned into.
#[derive(Debug, Default)]
pub struct ReportEvents {
    /// Events, one or more per row.
    pub events: Vec<TicketEvent>,
    /// Rows that could not be read.
    pub warnings: Vec<String>,
}

/// `createReport`: ask for `report_type` covering `[start, end)` (types with a data range).
pub fn create(
    api: &SpApi<'_>,
    report_type: &str,
    range: Option<(Timestamp, Timestamp)>,
) -> Result<String, ActionError> {
    let mut body = json!({
        "reportType": report_type,
        "marketplaceIds": [api.settings().marketplace_id],
    });
    if let Some((start, end)) = range {
        body["dataStartTime"] = json!(start.to_rfc3339());
        body["dataEndTime"] = json!(end.to_rfc3339());
    }
    let answer = api.call("POST", "/reports/2021-06-30/reports", Some(&body))?;
    json::id_at(&answer, "/reportId").ok_or_else(|| {
        ActionError::Permanent("Amazon's answer to createReport has no reportId".into())
    })
}

/// A report's processing state (`getReport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `CANCELLED` or `FATAL`.
    pub processing: String,
    /// `reportDocumentId`, once there is a document.
    pub document_id: Option<String>,
}

/// `getReport`.
pub fn status(api: &SpApi<'_>, report_id: &str) -> Result<Status, ActionError> {
    let answer = api.call(
        "GET",
        &format!("/reports/2021-06-30/reports/{}", encode(report_id)),
        None,
    )?;
    Ok(Status {
        processing: json::str_at(&answer, "/processingStatus")
            .unwrap_or("IN_QUEUE")
            .to_string(),
        document_id: json::str_at(&answer, "/reportDocumentId").map(str::to_string),
    })
}

/// `getReportDocument` and the download: the document's text.
pub fn document(api: &SpApi<'_>, document_id: &str) -> Result<String, ActionError> {
    let answer = api.call(
        "GET",
        &format!("/reports/2021-06-30/documents/{}", encode(document_id)),
        None,
    )?;
    let url = json::str_at(&answer, "/url").ok_or_else(|| {
        ActionError::Permanent("Amazon's answer to getReportDocument has no url".into())
    })?;
    let bytes = api.download(url)?;
    let bytes = match json::str_at(&answer, "/compressionAlgorithm") {
        Some(a) if a.eq_ignore_ascii_case("GZIP") => {
            crate::inflate::gunzip(&bytes, MAX_DOCUMENT_BYTES).map_err(|e| {
                ActionError::Permanent(format!("report document {document_id}: {e}"))
            })?
        }
        _ => bytes,
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Download document `document_id` of `report_type` and read it.
pub fn fetch_events(
    api: &SpApi<'_>,
    report_type: &str,
    report_id: &str,
    document_id: &str,
) -> Result<ReportEvents, ActionError> {
    let text = document(api, document_id)?;
    Ok(read(report_type, report_id, &text, api.settings()))
}

/// Read a report document of `report_type`.
pub fn read(report_type: &str, report_id: &str, text: &str, settings: &Settings) -> ReportEvents {
    match report_type {
        RETURNS_REPORT => returns(report_id, text, settings),
        ACCOUNT_HEALTH_REPORT => account_health(report_id, text, settings),
        other => ReportEvents {
            events: Vec::new(),
            warnings: vec![format!("report type {other} is not read")],
        },
    }
}

/// A column name as a key: lower case, runs of other characters as one `_`
/// ("Amazon RMA ID" → `amazon_rma_id`, "A-to-z claim" → `a_to_z_claim`).
fn column_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').to_string()
}

/// A report date: RFC 3339, a bare date, or `04-Mar-2024`.
fn report_date(text: &str) -> Option<Timestamp> {
    if let Ok(t) = Timestamp::parse(text) {
        return Some(t);
    }
    let mut parts = text.trim().split(['-', ' ', '/']);
    let day: i64 = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_ascii_lowercase();
    let year: i64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS.iter().position(|m| month.starts_with(m))? as i64 + 1;
    Timestamp::parse(&format!("{year:04}-{month:02}-{day:02}")).ok()
}

/// `GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`: one row per returned item.
fn returns(report_id: &str, document: &str, settings: &Settings) -> ReportEvents {
    let mut out = ReportEvents::default();
    let mut lines = document.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return out;
    };
    let columns: Vec<String> = header.split('\t').map(column_key).collect();
    let shop = settings.shop(None);
    for (n, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split('\t').collect();
        let cell = |names: &[&str]| -> Option<String> {
            names.iter().find_map(|name| {
                let i = columns.iter().position(|c| c == name)?;
                cells
                    .get(i)
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            })
        };
        let Some(order_id) = cell(&["order_id"]) else {
            out.warnings.push(format!(
                "row {} of report {report_id} has no Order ID",
                n + 2
            ));
            continue;
        };
        let rma = cell(&["amazon_rma_id"]);
        let status =
            cell(&["return_request_status", "return_status"]).unwrap_or_else(|| "unknown".into());
        let sku = cell(&["merchant_sku", "seller_sku", "sku"]);
        let currency = cell(&["currency_code", "currency"]).map(|c| c.to_ascii_uppercase());
        let money_of = |names: &[&str]| -> Option<Money> {
            let amount = cell(names)?;
            let currency = currency.as_deref().filter(|c| *c != "XXX")?;
            money::to_minor_units(&amount, currency)
                .ok()
                .map(|minor_units| Money {
                    minor_units,
                    currency: currency.to_string(),
                })
        };
        let quantity = cell(&["return_quantity", "quantity"])
            .and_then(|q| q.parse().ok())
            .unwrap_or(1);
        let case_id = format!("return:{}", rma.as_deref().unwrap_or(&order_id));
        let requested_at = cell(&["return_request_date"]).and_then(|d| report_date(&d));
        let reason = cell(&["return_reason", "return_reason_code", "reason"]);
        let order = Order {
            id: order_id.clone(),
            display_name: None,
            placed_at: cell(&["order_date"]).and_then(|d| report_date(&d)),
            total: money_of(&["order_amount"]),
            line_items: vec![LineItem {
                id: sku.clone().or_else(|| cell(&["asin"])).unwrap_or_default(),
                sku: sku.clone(),
                batch: None,
                title: cell(&["item_name", "product_name"]).unwrap_or_default(),
                quantity,
                unit_price: None,
            }],
        };
        let mut e = TicketEvent::new(
            IssueKind::ReturnRequest,
            shop.clone(),
            format!(
                "Return {} for order {order_id}: {status}{}",
                rma.as_deref().unwrap_or("(no RMA)"),
                reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            DedupeKey::business(format!(
                "{case_id}:{}:{}",
                sku.as_deref().unwrap_or("-"),
                status.to_ascii_lowercase().replace(' ', "_")
            )),
        );
        e.case_id = Some(case_id);
        e.order = Some(order.clone());
        e.amount = money_of(&["refunded_amount", "refund_amount"]);
        e.reason = reason.map(|code| Reason {
            code,
            network_code: None,
            text: None,
        });
        e.status = Some(status.clone());
        e.occurred_at = requested_at;
        let carrier = cell(&["return_carrier"]);
        let tracking = cell(&["tracking_id"]);
        if carrier.is_some() || tracking.is_some() {
            e.shipment = Some(Shipment {
                carrier,
                tracking_number: tracking,
                tracking_url: None,
                status: None,
                delivered_at: cell(&["return_delivery_date"]).and_then(|d| report_date(&d)),
                delivery_proof: None,
                estimated_delivery: None,
            });
        }
        e.attributes
            .push(("report_id".into(), report_id.to_string()));
        for (attr, names) in [
            ("asin", &["asin"][..]),
            ("in_policy", &["in_policy"]),
            ("resolution", &["resolution"]),
            ("return_type", &["return_type"]),
            ("label_type", &["label_type"]),
            ("label_paid_by", &["label_to_be_paid_by"]),
            ("is_prime", &["is_prime"]),
            ("seller_rma_id", &["seller_rma_id", "merchant_rma_id"]),
            ("safet_claim_id", &["safet_claim_id"]),
        ] {
            if let Some(v) = cell(names) {
                e.attributes.push((attr.into(), v));
            }
        }
        let a_to_z = cell(&["a_to_z_claim"])
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "y" | "yes" | "true"));
        if a_to_z {
            let mut claim = TicketEvent::new(
                IssueKind::AToZClaim,
                shop.clone(),
                format!("A-to-z Guarantee claim on order {order_id} (returns report)"),
                DedupeKey::business(format!("a-to-z:{order_id}:reported")),
            );
            claim.case_id = Some(format!("a-to-z:{order_id}"));
            claim.order = Some(order);
            claim.amount = money_of(&["order_amount"]);
            claim.occurred_at = requested_at;
            claim.status = Some("claimed".into());
            claim
                .attributes
                .push(("report_id".into(), report_id.to_string()));
            if let Some(rma) = &rma {
                claim.attributes.push(("amazon_rma_id".into(), rma.clone()));
            }
            out.events.push(claim);
        }
        out.events.push(e);
    }
    out
}

/// `GET_V2_SELLER_PERFORMANCE_REPORT` (JSON).
fn account_health(report_id: &str, document: &str, settings: &Settings) -> ReportEvents {
    let mut out = ReportEvents::default();
    let doc = match json::parse(document.as_bytes()) {
        Ok(d) => d,
        Err(e) => {
            out.warnings
                .push(format!("account health report {report_id}: {e}"));
            return out;
        }
    };
    let shop = settings.shop(None);
    let event = |summary: String, business: String, status: String, marketplace: &str| {
        let mut e = TicketEvent::new(
            IssueKind::AccountHealth,
            shop.clone(),
            summary,
            DedupeKey::business(business),
        );
        e.case_id = Some(format!("account-health:{marketplace}"));
        e.status = Some(status);
        e.attributes
            .push(("report_id".into(), report_id.to_string()));
        e.attributes
            .push(("marketplace_id".into(), marketplace.to_string()));
        e
    };
    let empty = Vec::new();
    for s in ci_path(&doc, &["accountStatuses"])
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let marketplace = text_or(s, &["marketplaceId"], "unknown");
        let status = text_or(s, &["status"], "UNKNOWN");
        if !status.eq_ignore_ascii_case("NORMAL") {
            out.events.push(event(
                format!(
                    "Amazon account status in {marketplace} is {status} (account health report)"
                ),
                format!("account-health:{marketplace}:status:{status}"),
                status,
                &marketplace,
            ));
        }
    }
    for m in ci_path(&doc, &["performanceMetrics"])
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let marketplace = text_or(m, &["marketplaceId"], "unknown");
        let rating = text(m, &["accountHealthRating", "accountHealthRatingStatus"]);
        let until = text(
            m,
            &[
                "accountHealthRating",
                "reportingDateRange",
                "reportingDateTo",
            ],
        )
        .unwrap_or_default();
        if let Some(rating) = rating.filter(|r| !r.eq_ignore_ascii_case("GREAT")) {
            out.events.push(event(
                format!("Amazon account health rating in {marketplace} is {rating}"),
                format!("account-health:{marketplace}:rating:{rating}:{until}"),
                rating,
                &marketplace,
            ));
        }
        for channel in ["mfn", "afn"] {
            let Some(odr) = ci_path(m, &["orderDefectRate", channel]) else {
                continue;
            };
            let Some(status) = text(odr, &["status"]).filter(|s| !s.eq_ignore_ascii_case("GOOD"))
            else {
                continue;
            };
            let rate = text(odr, &["rate"]).unwrap_or_else(|| "?".into());
            let mut e = event(
                format!(
                    "Order defect rate ({}) in {marketplace} is {status}: {rate} (target below 1%)",
                    channel.to_ascii_uppercase()
                ),
                format!(
                    "account-health:{marketplace}:odr:{channel}:{status}:{}",
                    text(odr, &["reportingDateRange", "reportingDateTo"]).unwrap_or_default()
                ),
                status,
                &marketplace,
            );
            for (attr, path) in [
                ("order_defect_rate", &["rate"][..]),
                ("order_count", &["orderCount"]),
                ("a_to_z_claims", &["claims", "count"]),
                ("chargebacks", &["chargebacks", "count"]),
                ("negative_feedbacks", &["negativeFeedbacks", "count"]),
            ] {
                if let Some(v) = text(odr, path) {
                    e.attributes.push((attr.into(), v));
                }
            }
            out.events.push(e);
        }
    }
    out
}

fn text_or(value: &Value, keys: &[&str], default: &str) -> String {
    text(value, keys).unwrap_or_else(|| default.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::test_support::settings;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/reports/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn returns_rows_become_return_requests_and_a_to_z_flags_claims() {
        let out = read(
            RETURNS_REPORT,
            "R1",
            &fixture("returns.tsv"),
            &settings(&[]).unwrap(),
        );
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        let kinds: Vec<IssueKind> = out.events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                IssueKind::ReturnRequest,
                IssueKind::AToZClaim,
                IssueKind::ReturnRequest
            ]
        );
        let first = &out.events[0];
        assert_eq!(first.case_id.as_deref(), Some("return:DkXq1234RMA"));
        assert_eq!(
            first.dedupe.business,
            "return:DkXq1234RMA:MUG-BLUE-350:approved"
        );
        assert_eq!(
            first.amount,
            Some(Money {
                minor_units: 1999,
                currency: "USD".into()
            })
        );
        assert_eq!(first.reason.as_ref().unwrap().code, "DEFECTIVE");
        let claim = &out.events[1];
        assert_eq!(claim.case_id.as_deref(), Some("a-to-z:114-7654321-7654321"));
        assert_eq!(
            claim.amount,
            Some(Money {
                minor_units: 5990,
                currency: "USD".into()
            })
        );
        assert_eq!(
            out.events[2]
                .order
                .as_ref()
                .unwrap()
                .placed_at
                .unwrap()
                .to_rfc3339(),
            "2024-03-04T00:00:00Z"
        );
    }

    #[test]
    fn account_health_flags_what_is_not_healthy() {
        let out = read(
            ACCOUNT_HEALTH_REPORT,
            "R2",
            &fixture("account_health.json"),
            &settings(&[]).unwrap(),
        );
        let businesses: Vec<&str> = out
            .events
            .iter()
            .map(|e| e.dedupe.business.as_str())
            .collect();
        assert_eq!(
            businesses,
            [
                "account-health:ATVPDKIKX0DER:status:AT_RISK",
                "account-health:ATVPDKIKX0DER:rating:WARNED:2024-03-15T00:00:00Z",
                "account-health:ATVPDKIKX0DER:odr:mfn:BAD:2024-03-15T00:00:00Z",
            ]
        );
        assert!(
            out.events[2]
                .attributes
                .contains(&("a_to_z_claims".into(), "3".into()))
        );
    }

    #[test]
    fn column_names_become_keys() {
        assert_eq!(column_key("Amazon RMA ID"), "amazon_rma_id");
        assert_eq!(column_key("A-to-z claim"), "a_to_z_claim");
        assert_eq!(column_key("\u{feff}Order ID"), "order_id");
    }
}
