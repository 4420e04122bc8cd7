//! A marketplace's account-health rate per shop, as its connector declares it
//! (`[[rules.health]]` in plugin.toml): units with a defect in a rolling window over all
//! units, graded by the marketplace's bands.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Lang, Report, order_key, percent, since, svg};
use crate::plugin::bindings::rules::{Defect, HealthMetric};
use crate::plugin::bindings::types::IssueKind;

/// `metric` of the connector `connector` over its cases of the last `days`. `counts` gives
/// a shop's count of all units in the window where the seller knows it; without it the
/// rate is not shown.
pub fn health(
    metric: &HealthMetric,
    connector: &str,
    cases: &[Case],
    now: Timestamp,
    days: i64,
    counts: &HashMap<String, u64>,
    lang: Lang,
) -> Report {
    let zh = lang == Lang::ZhCn;
    let from = since(now, days);
    #[derive(Default)]
    struct Shop {
        found: Vec<u64>,
        defective: BTreeSet<String>,
    }
    let fresh = || Shop {
        found: vec![0; metric.defects.len()],
        defective: BTreeSet::new(),
    };
    let mut shops: BTreeMap<String, Shop> = counts.keys().map(|s| (s.clone(), fresh())).collect();
    for case in cases {
        let t = &case.ticket;
        if t.marketplace != connector {
            continue;
        }
        let shop = shops.entry(t.shop.clone()).or_insert_with(fresh);
        if t.opened_at < from {
            continue;
        }
        let status = t.platform_status.as_deref();
        let Some(at) = metric
            .defects
            .iter()
            .position(|d| matches(d, t.kind, case.rating, status))
        else {
            continue;
        };
        shop.found[at] += 1;
        shop.defective.insert(order_key(t));
    }
    let per = &metric.per;
    let mut columns = vec!["shop".to_string()];
    columns.extend(metric.defects.iter().map(|d| d.name.clone()));
    columns.extend([
        format!("{per}_with_defect"),
        per.clone(),
        "rate_percent".into(),
        "limit_percent".into(),
        "status".into(),
    ]);
    let mut table = Table::new(columns);
    let mut bars = Vec::new();
    let mut unknown = Vec::new();
    for (name, shop) in &shops {
        let known = counts.get(name).copied();
        let rate = known.and_then(|n| percent(shop.defective.len() as u64, n));
        let status = match rate {
            Some(r) => metric.grade(r).to_string(),
            None => {
                unknown.push(name.clone());
                format!("{per}-unknown")
            }
        };
        let mut row = vec![Value::from(name.clone())];
        row.extend(shop.found.iter().map(|n| Value::from(*n)));
        row.extend([
            Value::from(shop.defective.len()),
            Value::from(known),
            Value::from(rate),
            Value::from(metric.limit),
            Value::from(status),
        ]);
        table.rows.push(row);
        bars.push(svg::Bar {
            label: name.clone(),
            value: rate,
            note: match rate {
                Some(r) => format!("{r} %"),
                None => lang.pick(
                    format!("{} defects; {per} unknown", shop.defective.len()),
                    format!(
                        "{} 个缺陷；{}数未知",
                        shop.defective.len(),
                        metric.per_label.pick(true)
                    ),
                ),
            },
        });
    }
    let labels: Vec<&str> = metric.defects.iter().map(|d| d.label.pick(zh)).collect();
    let unit = metric.per_label.pick(zh);
    let mut notes = vec![lang.pick(
        format!(
            "Defects: {} in cases opened in the last {days} days; a {unit} with several \
             defects counts once.",
            labels.join(", ")
        ),
        format!(
            "缺陷：近 {days} 天内开启的工单中的{}；同一{unit}有多个缺陷时只计一次。",
            labels.join("、")
        ),
    )];
    if !unknown.is_empty() {
        let shops = unknown.join(", ");
        notes.push(lang.pick(
            format!(
                "The gateway sees only the {per} with after-sales events, so it cannot know \
                 how many {per} {shops} had; give it as `{per}=<shop>:<count>` to see the rate."
            ),
            format!(
                "网关只能看到有售后事件的{unit}，因此不知道 {shops} 的{unit}总数；\
                 请以 `{per}=<店铺>:<数量>` 提供以显示比率。"
            ),
        ));
    }
    if let Some(note) = &metric.note {
        notes.push(note.pick(zh).to_string());
    }
    let title = lang.pick(
        format!("{} ({connector}), last {days} days", metric.title.en),
        format!("{}（{connector}），近 {days} 天", metric.title.pick(true)),
    );
    let limit = metric.limit.map(|l| (l, format!("{l} %")));
    Report {
        name: metric.name.clone(),
        svg: Some(svg::bars(
            &title,
            &bars,
            limit.as_ref().map(|(l, text)| (*l, text.as_str())),
        )),
        title,
        table,
        notes,
    }
}

/// Whether a case of `kind`, rated `rating`, in marketplace status `status`, is `defect`.
fn matches(defect: &Defect, kind: IssueKind, rating: Option<u8>, status: Option<&str>) -> bool {
    if !defect.kinds.is_empty() && !defect.kinds.contains(&kind) {
        return false;
    }
    if let Some(max) = defect.max_rating
        && rating.is_some_and(|r| r > max)
    {
        return false;
    }
    match &defect.status_contains {
        Some(needle) => status.is_some_and(|s| {
            s.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        }),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::manifest::Manifest;

    /// eBay's transaction defect rate, as plugins/ebay/plugin.toml declares it.
    fn ebay_rate() -> HealthMetric {
        let file =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/ebay/plugin.toml");
        let manifest = Manifest::load(&file).unwrap();
        manifest.rules.health.into_iter().next().unwrap()
    }

    fn case(id: u64, kind: IssueKind, order: &str, status: Option<&str>) -> Case {
        let mut ticket = crate::tickets::sample_ticket(id);
        ticket.marketplace = "ebay".into();
        ticket.shop = "EBAY_US".into();
        ticket.kind = kind;
        ticket.order_id = Some(order.into());
        ticket.platform_status = status.map(str::to_string);
        Case {
            ticket,
            items: Vec::new(),
            rating: None,
            order_total: None,
            last_event_at: None,
            placed_at: None,
        }
    }

    #[test]
    fn a_case_counts_under_its_first_defect_and_a_transaction_once() {
        let metric = ebay_rate();
        let opened = crate::tickets::sample_ticket(0).opened_at;
        let cases = [
            case(1, IssueKind::CancellationRequest, "o-1", None),
            // Escalated: a defect of its own kind; the same transaction counts once.
            case(2, IssueKind::NotReceived, "o-1", Some("CS_ESCALATED")),
            case(3, IssueKind::Damaged, "o-2", Some("Escalated to eBay")),
            case(4, IssueKind::Damaged, "o-3", Some("OPEN")),
        ];
        let counts = HashMap::from([("EBAY_US".to_string(), 200_u64)]);
        let report = health(&metric, "ebay", &cases, opened, 90, &counts, Lang::En);
        let json = report.to_json();
        assert_eq!(
            json["columns"],
            serde_json::json!([
                "shop",
                "cancellations",
                "cases_escalated",
                "transactions_with_defect",
                "transactions",
                "rate_percent",
                "limit_percent",
                "status"
            ])
        );
        assert_eq!(
            json["rows"][0],
            serde_json::json!(["EBAY_US", 1, 2, 2, 200, 1.0, 2.0, "above-standard"])
        );
        // Another connector's cases are not eBay's.
        let report = health(&metric, "ebay-eu", &cases, opened, 90, &counts, Lang::En);
        assert_eq!(report.to_json()["rows"][0][3], 0);
    }
}
