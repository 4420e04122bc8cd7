//! eBay's transaction defect rate per shop.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;
use serde_json::Value;

use super::table::Table;
use super::{
    Case, EBAY_ABOVE_STANDARD_PERCENT, EBAY_TOP_RATED_PERCENT, Lang, Report, order_key, percent,
    since, svg,
};
use crate::plugin::bindings::types::IssueKind;

/// eBay's transaction defect rate per shop over the last `days` days; `transactions` as
/// for [`odr`].
pub fn ebay_defects(
    cases: &[Case],
    now: Timestamp,
    days: i64,
    transactions: &HashMap<String, u64>,
    lang: Lang,
) -> Report {
    let from = since(now, days);
    #[derive(Default)]
    struct Shop {
        cancellations: u64,
        escalated: u64,
        defective: BTreeSet<String>,
    }
    let mut shops: BTreeMap<String, Shop> = transactions
        .keys()
        .map(|s| (s.clone(), Shop::default()))
        .collect();
    for case in cases {
        let t = &case.ticket;
        if t.marketplace != "ebay" {
            continue;
        }
        let shop = shops.entry(t.shop.clone()).or_default();
        if t.opened_at < from {
            continue;
        }
        let escalated = t
            .platform_status
            .as_deref()
            .is_some_and(|s| s.to_ascii_lowercase().contains("escalat"));
        if t.kind == IssueKind::CancellationRequest {
            shop.cancellations += 1;
        } else if escalated {
            shop.escalated += 1;
        } else {
            continue;
        }
        shop.defective.insert(order_key(t));
    }
    let mut table = Table::new([
        "shop",
        "cancellations",
        "cases_escalated",
        "transactions_with_defect",
        "transactions",
        "defect_rate_percent",
        "status",
    ]);
    let mut bars = Vec::new();
    for (name, shop) in &shops {
        let known = transactions.get(name).copied();
        let rate = known.and_then(|n| percent(shop.defective.len() as u64, n));
        let status = match rate {
            None => "transactions-unknown",
            Some(r) if r <= EBAY_TOP_RATED_PERCENT => "top-rated",
            Some(r) if r <= EBAY_ABOVE_STANDARD_PERCENT => "above-standard",
            Some(_) => "below-standard",
        };
        table.rows.push(vec![
            Value::from(name.clone()),
            Value::from(shop.cancellations),
            Value::from(shop.escalated),
            Value::from(shop.defective.len()),
            Value::from(known),
            Value::from(rate),
            Value::from(status),
        ]);
        bars.push(svg::Bar {
            label: name.clone(),
            value: rate,
            note: rate.map_or_else(
                || {
                    lang.pick(
                        format!("{} defects; transactions unknown", shop.defective.len()),
                        format!("{} 个缺陷；交易数未知", shop.defective.len()),
                    )
                },
                |r| format!("{r} %"),
            ),
        });
    }
    let title = lang.pick(
        format!("eBay transaction defect rate, last {days} days"),
        format!("eBay 交易缺陷率，近 {days} 天"),
    );
    Report {
        name: "ebay-defects",
        svg: Some(svg::bars(
            &title,
            &bars,
            Some((EBAY_ABOVE_STANDARD_PERCENT, "2 %")),
        )),
        title,
        table,
        notes: vec![
            lang.pick(
                "eBay counts seller-cancelled transactions and cases closed without seller \
                 resolution. The events do not say who cancelled, so `cancellations` counts \
                 every cancellation case (an upper bound); `cases_escalated` counts cases \
                 whose eBay status says escalated — the closest signal the events carry of a \
                 case eBay closed without the seller."
                    .into(),
                "eBay 统计卖家取消的交易，以及未经卖家解决即被关闭的纠纷。事件不说明由谁取消，\
                 因此 `cancellations` 计入所有取消请求（上限值）；`cases_escalated` 计入 eBay \
                 状态为已升级的纠纷，这是事件中最接近“eBay 在卖家未解决时关闭纠纷”的信号。"
                    .into(),
            ),
            lang.pick(
                "Give the transaction count as `transactions=<shop>:<count>` (from Seller \
                 Hub) to see the rate; limits: 0.5 % Top Rated, 2 % Above Standard."
                    .into(),
                "请以 `transactions=<店铺>:<交易数>` 提供交易数（见 Seller Hub）以显示缺陷率；\
                 标准：优秀评级卖家 0.5%，高于标准 2%。"
                    .into(),
            ),
        ],
    }
}
