//! Amazon's Order Defect Rate per shop over the rolling 60 days.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{
    Case, Lang, ODR_LIMIT_PERCENT, ODR_WINDOW_DAYS, Report, order_key, percent, since, svg,
};
use crate::plugin::bindings::types::IssueKind;

/// Amazon's Order Defect Rate per shop over the rolling 60 days. `marketplace` is the
/// connector id (`amazon`); `orders` gives a shop's order count in the window where the
/// seller knows it — without it the rate is not shown.
pub fn odr(
    cases: &[Case],
    now: Timestamp,
    marketplace: &str,
    orders: &HashMap<String, u64>,
    lang: Lang,
) -> Report {
    let from = since(now, ODR_WINDOW_DAYS);
    #[derive(Default)]
    struct Shop {
        feedback: u64,
        claims: u64,
        chargebacks: u64,
        defective: BTreeSet<String>,
    }
    let mut shops: BTreeMap<String, Shop> = orders
        .keys()
        .map(|s| (s.clone(), Shop::default()))
        .collect();
    for case in cases {
        let t = &case.ticket;
        if t.marketplace != marketplace {
            continue;
        }
        let shop = shops.entry(t.shop.clone()).or_default();
        if t.opened_at < from {
            continue;
        }
        let slot = match t.kind {
            IssueKind::NegativeReview if case.rating.is_none_or(|r| r <= 2) => &mut shop.feedback,
            IssueKind::AToZClaim => &mut shop.claims,
            IssueKind::Chargeback => &mut shop.chargebacks,
            _ => continue,
        };
        *slot += 1;
        shop.defective.insert(order_key(t));
    }
    let mut table = Table::new([
        "shop",
        "negative_feedback",
        "a_to_z_claims",
        "chargebacks",
        "orders_with_defect",
        "orders",
        "odr_percent",
        "limit_percent",
        "status",
    ]);
    let mut bars = Vec::new();
    let mut unknown = Vec::new();
    for (name, shop) in &shops {
        let known = orders.get(name).copied();
        let rate = known.and_then(|n| percent(shop.defective.len() as u64, n));
        let status = match rate {
            None => {
                unknown.push(name.clone());
                "orders-unknown"
            }
            Some(r) if r >= ODR_LIMIT_PERCENT => "over-limit",
            Some(_) => "ok",
        };
        table.rows.push(vec![
            Value::from(name.clone()),
            Value::from(shop.feedback),
            Value::from(shop.claims),
            Value::from(shop.chargebacks),
            Value::from(shop.defective.len()),
            Value::from(known),
            Value::from(rate),
            Value::from(ODR_LIMIT_PERCENT),
            Value::from(status),
        ]);
        bars.push(svg::Bar {
            label: name.clone(),
            value: rate,
            note: match rate {
                Some(r) => format!("{r} %"),
                None => lang.pick(
                    format!("{} defects; order count unknown", shop.defective.len()),
                    format!("{} 个缺陷；订单数未知", shop.defective.len()),
                ),
            },
        });
    }
    let mut notes = vec![lang.pick(
        format!(
            "Defects: negative feedback (1–2 stars, or no rating given), A-to-z Guarantee \
             claims and chargebacks opened in the last {ODR_WINDOW_DAYS} days; an order with \
             several defects counts once."
        ),
        format!(
            "缺陷：近 {ODR_WINDOW_DAYS} 天内的负面反馈（1–2 星或未评分）、亚马逊商城交易保障\
             （A-to-z）索赔和信用卡拒付；同一订单有多个缺陷时只计一次。"
        ),
    )];
    if !unknown.is_empty() {
        let shops = unknown.join(", ");
        notes.push(lang.pick(
            format!(
                "The gateway does not see every order, only those with after-sales events, so \
                 it cannot know the order count of {shops}; give it as \
                 `orders=<shop>:<count>` (from Seller Central's Account Health) to see the rate."
            ),
            format!(
                "网关只能看到有售后事件的订单，看不到全部订单，因此不知道 {shops} 的订单数；\
                 请以 `orders=<店铺>:<订单数>` 提供（见卖家平台的账户状况页面）以显示缺陷率。"
            ),
        ));
    }
    let title = lang.pick(
        format!("Order Defect Rate ({marketplace}), rolling {ODR_WINDOW_DAYS} days"),
        format!("订单缺陷率（{marketplace}），滚动 {ODR_WINDOW_DAYS} 天"),
    );
    let limit = lang.pick("1 % limit".into(), "上限 1%".into());
    Report {
        name: "odr",
        svg: Some(svg::bars(&title, &bars, Some((ODR_LIMIT_PERCENT, &limit)))),
        title,
        table,
        notes,
    }
}
