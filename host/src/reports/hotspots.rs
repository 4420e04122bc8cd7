//! The monthly hotspot report: the most frequent root causes.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Item, Lang, Report, is_problem, order_key, percent, svg};
use crate::tickets::model::kind_name;

/// The first instant of month `month` (`YYYY-MM`, UTC) and of the month after it.
pub fn month_bounds(month: &str) -> Option<(Timestamp, Timestamp)> {
    let (year, mon) = month.split_once('-')?;
    let date = jiff::civil::Date::new(year.parse().ok()?, mon.parse().ok()?, 1).ok()?;
    let next = date.checked_add(jiff::Span::new().months(1)).ok()?;
    let start = date.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    let end = next.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some((start, end))
}

/// The monthly hotspot report: the most frequent root causes (issue kind × SKU/batch ×
/// carrier) among problem tickets opened in `[start, end)`.
pub fn hotspots(
    cases: &[Case],
    month: &str,
    (start, end): (Timestamp, Timestamp),
    limit: usize,
    lang: Lang,
) -> Report {
    let mut carrier_of: HashMap<String, String> = HashMap::new();
    for case in cases {
        if let Some(c) = &case.ticket.facts.carrier {
            carrier_of.insert(order_key(&case.ticket), c.clone());
        }
    }
    let mut counts: HashMap<(&'static str, Item, Option<String>), u64> = HashMap::new();
    let mut total = 0u64;
    for case in cases {
        let t = &case.ticket;
        if t.opened_at < start || t.opened_at >= end || !is_problem(t.kind) {
            continue;
        }
        total += 1;
        let carrier = t
            .facts
            .carrier
            .clone()
            .or_else(|| carrier_of.get(&order_key(t)).cloned());
        let none = [Item {
            sku: None,
            batch: None,
        }];
        let items: &[Item] = if case.items.is_empty() {
            &none
        } else {
            &case.items
        };
        for item in items {
            *counts
                .entry((kind_name(t.kind), item.clone(), carrier.clone()))
                .or_default() += 1;
        }
    }
    let mut ranked: Vec<_> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(limit);
    let mut table = Table::new([
        "rank",
        "issue_kind",
        "sku",
        "batch",
        "carrier",
        "tickets",
        "share_percent",
    ]);
    let mut bars = Vec::new();
    for (i, ((kind, item, carrier), n)) in ranked.into_iter().enumerate() {
        let share = percent(n, total);
        let label = match &carrier {
            Some(c) => format!("{} · {} · {c}", lang.kind(kind), item.label(lang)),
            None => format!("{} · {}", lang.kind(kind), item.label(lang)),
        };
        bars.push(svg::Bar {
            label,
            value: Some(n as f64),
            note: n.to_string(),
        });
        table.rows.push(vec![
            Value::from(i + 1),
            Value::from(kind),
            Value::from(item.sku),
            Value::from(item.batch),
            Value::from(carrier),
            Value::from(n),
            Value::from(share),
        ]);
    }
    let title = lang.pick(
        format!("Hotspots {month}: top root causes"),
        format!("{month} 热点：主要根因"),
    );
    Report {
        name: "hotspots".into(),
        svg: Some(svg::bars(&title, &bars, None)),
        title,
        table,
        notes: vec![lang.pick(
            format!(
                "{total} problem tickets opened in {month} (UTC); a ticket about several SKUs \
                 counts for each. The carrier is taken from any ticket of the same order."
            ),
            format!(
                "{month}（UTC）共创建 {total} 个问题工单；涉及多个 SKU 的工单对每个 SKU 各计一次。\
                 物流商取自同一订单的任一工单。"
            ),
        )],
    }
}
