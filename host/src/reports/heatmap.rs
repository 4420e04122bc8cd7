//! The after-sales heatmap: problem tickets per SKU (or batch) and issue kind.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Item, Lang, Report, is_problem, since, svg};
use crate::tickets::model::kind_name;

/// The after-sales heatmap: problem tickets opened in the last `days` days, per SKU (and
/// batch) and issue kind.
pub fn heatmap(cases: &[Case], now: Timestamp, days: i64, lang: Lang) -> Report {
    let from = since(now, days);
    let mut counts: BTreeMap<Item, BTreeMap<&'static str, u64>> = BTreeMap::new();
    let mut kinds: BTreeSet<&'static str> = BTreeSet::new();
    let mut without = 0u64;
    for case in cases.iter().filter(|c| c.ticket.opened_at >= from) {
        if !is_problem(case.ticket.kind) {
            continue;
        }
        let kind = kind_name(case.ticket.kind);
        kinds.insert(kind);
        if case.items.is_empty() {
            without += 1;
        }
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
                .entry(item.clone())
                .or_default()
                .entry(kind)
                .or_default() += 1;
        }
    }
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let mut table = Table::new(["sku", "batch"]);
    table.columns.extend(kinds.iter().map(|k| k.to_string()));
    table.columns.push("total".into());
    let mut labels = Vec::new();
    let mut matrix = Vec::new();
    for (item, by_kind) in &counts {
        let row: Vec<u64> = kinds
            .iter()
            .map(|k| by_kind.get(k).copied().unwrap_or(0))
            .collect();
        let mut cells = vec![
            Value::from(item.sku.clone()),
            Value::from(item.batch.clone()),
        ];
        cells.extend(row.iter().map(|&n| Value::from(n)));
        cells.push(Value::from(row.iter().sum::<u64>()));
        table.rows.push(cells);
        labels.push(item.label(lang));
        matrix.push(row);
    }
    let title = lang.pick(
        format!("After-sales heatmap: SKU × issue kind, last {days} days"),
        format!("售后热力图：SKU × 问题类型，近 {days} 天"),
    );
    let columns: Vec<String> = kinds.iter().map(|k| lang.kind(k)).collect();
    let mut notes =
        vec![lang.pick(
        "SKUs and batches come from the order lines of each ticket's marketplace events; a \
         batch shows when the connector sends one or `[[reports.batches]]` in the gateway config \
         names the SKU's batch."
            .into(),
        "SKU 和批次取自每个工单的平台事件中的订单行；连接器提供批次，或网关配置的 `[[reports.batches]]` 指定了该 SKU 的批次时，才会显示批次。"
            .into(),
    )];
    if without > 0 {
        notes.push(lang.pick(
            format!(
                "{without} problem tickets had no order lines in their events; they are \
                 counted in the row without a SKU."
            ),
            format!("{without} 个问题工单的事件中没有订单行，计入“无 SKU”一行。"),
        ));
    }
    Report {
        name: "heatmap".into(),
        svg: Some(svg::heatmap(&title, &labels, &columns, &matrix)),
        title,
        table,
        notes,
    }
}
