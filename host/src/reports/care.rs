//! The proactive-care list: open orders at risk.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::table::Table;
use super::{Case, Lang, Report, order_key};
use crate::tickets::customers::Customer;

/// The proactive-care list: open orders at risk — a customer's first order seen that is
/// worth at least `high_value` minor units, or a tracked shipment without news for
/// `stalled_days` days.
pub fn care(
    cases: &[Case],
    customers: &HashMap<String, Customer>,
    now: Timestamp,
    high_value: i64,
    stalled_days: i64,
    lang: Lang,
) -> Report {
    let order_of: HashMap<u64, String> = cases
        .iter()
        .map(|c| (c.ticket.id, order_key(&c.ticket)))
        .collect();
    let quiet = SignedDuration::from_hours(24 * stalled_days);
    // One row per order: the ticket with the latest news.
    let mut rows: BTreeMap<String, (&Case, Vec<String>)> = BTreeMap::new();
    for case in cases {
        let t = &case.ticket;
        if !t.status.is_open() || t.order_id.is_none() {
            continue;
        }
        let mut reasons = Vec::new();
        let value = case.order_total.as_ref().or(t.amount.as_ref());
        let first_order = t.customer.as_ref().and_then(|k| customers.get(k)).map(|c| {
            c.tickets
                .iter()
                .filter_map(|(id, _)| order_of.get(id))
                .collect::<BTreeSet<_>>()
                .len()
                <= 1
        });
        if first_order == Some(true) && value.is_some_and(|m| m.minor_units >= high_value) {
            reasons.push("first-high-value-order".to_string());
        }
        let tracked = t.facts.tracking_number.is_some() || t.facts.carrier.is_some();
        let last = case.last_event_at.unwrap_or(t.opened_at);
        if tracked && t.facts.delivered_at.is_none() && now.duration_since(last) >= quiet {
            reasons.push(format!("stalled-{stalled_days}-days"));
        }
        if reasons.is_empty() {
            continue;
        }
        let entry = rows
            .entry(order_key(t))
            .or_insert_with(|| (case, Vec::new()));
        if case.last_event_at > entry.0.last_event_at {
            entry.0 = case;
        }
        for r in reasons {
            if !entry.1.contains(&r) {
                entry.1.push(r);
            }
        }
    }
    let mut table = Table::new([
        "ticket",
        "marketplace",
        "shop",
        "order",
        "buyer",
        "reasons",
        "value_minor_units",
        "currency",
        "carrier",
        "tracking_number",
        "last_news_at",
        "scenario",
    ]);
    for (case, reasons) in rows.values() {
        let t = &case.ticket;
        let value = case.order_total.as_ref().or(t.amount.as_ref());
        table.rows.push(vec![
            Value::from(t.id),
            Value::from(t.marketplace.clone()),
            Value::from(t.shop.clone()),
            Value::from(t.facts.order_name.clone().or_else(|| t.order_id.clone())),
            Value::from(t.facts.buyer_name.clone()),
            serde_json::json!(reasons),
            Value::from(value.map(|m| m.minor_units)),
            Value::from(value.map(|m| m.currency.clone())),
            Value::from(t.facts.carrier.clone()),
            Value::from(t.facts.tracking_number.clone()),
            Value::from(case.last_event_at.unwrap_or(t.opened_at).to_string()),
            Value::from("proactive-care"),
        ]);
    }
    Report {
        name: "care",
        title: lang.pick(
            "Proactive care: high-risk orders".into(),
            "主动关怀：高风险订单".into(),
        ),
        table,
        notes: vec![
            lang.pick(
                format!(
                    "High value: at least {high_value} minor units of the order's currency \
                     (`high_value=`); first order: the buyer's profile has no other order the \
                     gateway has seen. Stalled: a carrier or tracking number, no delivery, and \
                     no marketplace event for {stalled_days} days (`stalled_days=`)."
                ),
                format!(
                    "高价值：订单金额至少为该币种的 {high_value} 个最小单位（`high_value=`）；\
                     首单：买家档案中没有网关见过的其他订单。停滞：有物流商或运单号、尚未签收，\
                     且 {stalled_days} 天内没有平台事件（`stalled_days=`）。"
                ),
            ),
            lang.pick(
                "The care message is the `proactive-care` template in the buyer's language, \
                 sent with POST /api/tickets/{id}/reply, so the compliance guard checks it."
                    .into(),
                "关怀消息使用买家语言的 `proactive-care` 模板，通过 \
                 POST /api/tickets/{id}/reply 发送，因此会经过合规检查。"
                    .into(),
            ),
        ],
        svg: None,
    }
}
