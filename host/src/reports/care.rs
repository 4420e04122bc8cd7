//! The proactive-care list: orders whose buyer deserves a word before they complain, by the
//! model's care rules (`helloword_model::care`) — never an order with an open dispute for its
//! buyer, a cancelled one, or one already cared for.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{Case, Lang, Report};
use crate::tickets::customers::Customer;
use crate::tickets::model::Ticket;
use helloword_model::care::{CareReason, CareRules, assess, inputs};
use helloword_model::orders::OrderRecord;

/// A reason as the list shows it.
pub fn reason_label(reason: &CareReason, lang: Lang) -> String {
    match reason {
        CareReason::FirstHighValueOrder => {
            lang.pick("first high-value order".into(), "首单高价值".into())
        }
        CareReason::TrackingAnomaly { status } => lang.pick(
            format!("carrier reports: {status}"),
            format!("物流异常：{status}"),
        ),
        CareReason::Stalled { days } => lang.pick(
            format!("no shipment news for {days} days"),
            format!("{days} 天无物流更新"),
        ),
        CareReason::EarlierProblems { cases } => lang.pick(
            format!("{cases} earlier problem case(s)"),
            format!("此前 {cases} 个问题工单"),
        ),
    }
}

/// The proactive-care list over every order the gateway has seen.
pub fn care(
    orders: &[OrderRecord],
    cases: &[Case],
    customers: &HashMap<String, Customer>,
    now: Timestamp,
    rules: CareRules,
    lang: Lang,
) -> Report {
    let by_id: HashMap<u64, &Ticket> = cases.iter().map(|c| (c.ticket.id, &c.ticket)).collect();
    let mut orders_per_buyer: HashMap<String, usize> = HashMap::new();
    for order in orders {
        if let Some(key) = &order.customer {
            *orders_per_buyer.entry(key.clone()).or_default() += 1;
        }
    }
    let mut table = Table::new([
        "marketplace",
        "shop",
        "order_id",
        "order",
        "buyer",
        "language",
        "reasons",
        "value_minor_units",
        "currency",
        "carrier",
        "tracking_number",
        "last_news_at",
        "scenario",
    ]);
    for order in orders {
        let inputs = inputs(order, customers, &orders_per_buyer, &|id| {
            by_id.get(&id).map(|t| (*t).clone())
        });
        let Ok(reasons) = assess(
            order,
            inputs.buyer,
            inputs.orders_of_buyer,
            &inputs.tickets,
            now,
            rules,
        ) else {
            continue;
        };
        let shipment = order.shipment.as_ref();
        table.rows.push(vec![
            Value::from(order.marketplace.clone()),
            Value::from(order.shop.clone()),
            Value::from(order.id.clone()),
            Value::from(order.name.clone().unwrap_or_else(|| order.id.clone())),
            Value::from(order.buyer.clone()),
            Value::from(order.language.clone()),
            serde_json::json!(reasons.iter().map(CareReason::code).collect::<Vec<_>>()),
            Value::from(order.total.as_ref().map(|m| m.minor_units)),
            Value::from(order.total.as_ref().map(|m| m.currency.clone())),
            Value::from(shipment.and_then(|s| s.carrier.clone())),
            Value::from(shipment.and_then(|s| s.tracking_number.clone())),
            Value::from(order.updated_at.to_string()),
            Value::from("proactive-care"),
        ]);
    }
    Report {
        name: "care".into(),
        title: lang.pick(
            "Proactive care: orders to look after".into(),
            "主动关怀：需要关照的订单".into(),
        ),
        table,
        notes: vec![
            lang.pick(
                format!(
                    "An order is listed for a first order of at least {} minor units of its \
                     currency (`high_value=`), a carrier status that says something went wrong, \
                     a tracked shipment without news for {} days (`stalled_days=`), or a buyer \
                     with earlier problem cases. Never listed: a cancelled, voided or refunded \
                     order, a buyer with an open chargeback, payment dispute or A-to-z claim, \
                     an order cared for already.",
                    rules.high_value_minor, rules.stalled_days
                ),
                format!(
                    "列出的订单：首单金额至少为该币种的 {} 个最小单位（`high_value=`）、物流状态异常、\
                     有运单但 {} 天无更新（`stalled_days=`）、或买家此前有问题工单。\
                     从不列出：已取消、作废或已退款的订单，有未结拒付、支付争议或 A-to-z 索赔的买家，\
                     已发送过关怀的订单。",
                    rules.high_value_minor, rules.stalled_days
                ),
            ),
            lang.pick(
                "\"Send care message\" opens a care case for the order and queues the \
                 `proactive-care` template in the buyer's language through the compliance \
                 guard and the outbox (POST /api/care); its delivery shows on the case."
                    .into(),
                "“发送关怀消息”会为订单创建关怀工单，并通过合规检查和发件队列发送买家语言的 \
                 `proactive-care` 模板（POST /api/care）；送达状态显示在工单上。"
                    .into(),
            ),
        ],
        svg: None,
    }
}
