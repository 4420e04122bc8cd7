//! Carrier × problem rate.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Lang, Report, is_delivery_problem, order_key, percent, since, svg};
use crate::tickets::model::kind_name;

/// Carrier × problem rate: of the orders the gateway saw with each carrier in the last
/// `days` days, how many had a delivery problem.
pub fn carriers(cases: &[Case], now: Timestamp, days: i64, lang: Lang) -> Report {
    let from = since(now, days);
    #[derive(Default)]
    struct Seen {
        orders: BTreeSet<String>,
        problems: BTreeSet<String>,
        kinds: BTreeMap<&'static str, u64>,
    }
    let mut by_carrier: BTreeMap<String, Seen> = BTreeMap::new();
    // The carrier is often only on the shipment event, not on the complaint: take it from
    // any ticket of the same order.
    let mut carrier_of: HashMap<String, String> = HashMap::new();
    for case in cases {
        if let Some(c) = &case.ticket.facts.carrier {
            carrier_of.insert(order_key(&case.ticket), c.clone());
        }
    }
    for case in cases.iter().filter(|c| c.ticket.opened_at >= from) {
        let key = order_key(&case.ticket);
        let Some(carrier) = case
            .ticket
            .facts
            .carrier
            .clone()
            .or_else(|| carrier_of.get(&key).cloned())
        else {
            continue;
        };
        let seen = by_carrier.entry(carrier).or_default();
        seen.orders.insert(key.clone());
        if is_delivery_problem(case.ticket.kind) {
            seen.problems.insert(key);
            *seen.kinds.entry(kind_name(case.ticket.kind)).or_default() += 1;
        }
    }
    let mut table = Table::new([
        "carrier",
        "orders_seen",
        "problem_orders",
        "problem_rate_percent",
        "top_problem",
    ]);
    let mut bars = Vec::new();
    for (carrier, seen) in &by_carrier {
        let rate = percent(seen.problems.len() as u64, seen.orders.len() as u64);
        let top = seen
            .kinds
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(k, _)| k.to_string());
        table.rows.push(vec![
            Value::from(carrier.clone()),
            Value::from(seen.orders.len()),
            Value::from(seen.problems.len()),
            Value::from(rate),
            Value::from(top),
        ]);
        bars.push(svg::Bar {
            label: carrier.clone(),
            value: rate,
            note: rate.map_or("—".into(), |r| {
                format!("{r} % ({}/{})", seen.problems.len(), seen.orders.len())
            }),
        });
    }
    let title = lang.pick(
        format!("Carrier problem rate, last {days} days"),
        format!("物流商问题率，近 {days} 天"),
    );
    Report {
        name: "carriers".into(),
        svg: Some(svg::bars(&title, &bars, None)),
        title,
        table,
        notes: vec![
            lang.pick(
                "The denominator is the orders the gateway saw an event for with that carrier \
             (e.g. fulfillment updates), not every parcel the carrier took; \
             problems are not-received, delivered-not-received, damaged, logistics-delay \
             and customs-hold."
                    .into(),
                "分母是网关收到过该物流商相关事件的订单数（例如履约更新），\
             而不是该物流商承运的全部包裹；问题包括未收到、显示已签收但未收到、商品损坏、\
             物流延误和海关扣留。"
                    .into(),
            ),
        ],
    }
}
