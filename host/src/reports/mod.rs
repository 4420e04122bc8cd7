//! Reports over the store's tickets: the after-sales heatmap (SKU or batch × issue kind),
//! carrier problem rates, Amazon's Order Defect Rate, eBay's transaction defect rate, SLA
//! compliance per agent, the monthly hotspot report, customer segments for the seller's own
//! marketing tools, and the proactive-care list.
//!
//! Everything is computed on demand from what the store holds — tickets, their timelines and
//! the normalized events of the deliveries those timelines name — and only read. What the
//! marketplaces do not tell the gateway (how many orders a shop had, who cancelled an eBay
//! order) is not invented: a rate needs a denominator the caller gives, and the report says
//! so in its `notes` when it has none.

pub mod svg;
pub mod table;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::plugin::bindings::types::{IssueKind, Money};
use crate::store::{InboxRecord, Store, StoreError};
use crate::tickets::customers::{Customer, Tag};
use crate::tickets::model::{Happening, Ticket, case_key, kind_name};
use table::Table;

/// Amazon's Order Defect Rate window.
pub const ODR_WINDOW_DAYS: i64 = 60;
/// Amazon's ODR limit, in percent: at or above it the account can be deactivated.
pub const ODR_LIMIT_PERCENT: f64 = 1.0;
/// eBay's Top Rated limit of the transaction defect rate, in percent.
pub const EBAY_TOP_RATED_PERCENT: f64 = 0.5;
/// eBay's Above Standard limit of the transaction defect rate, in percent.
pub const EBAY_ABOVE_STANDARD_PERCENT: f64 = 2.0;
/// An order worth at least this many minor units (of its own currency) is high-value for
/// the proactive-care list unless the caller says otherwise.
pub const DEFAULT_HIGH_VALUE_MINOR: i64 = 20_000;
/// Days without shipment news after which the care list calls a shipment stalled (the
/// alerts' `logistics_stalled_days` default).
pub const DEFAULT_STALLED_DAYS: i64 = 5;

/// The language of a report's words: its title, chart and notes. Its numbers and column
/// names, which tools read, are the same in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese, as the dashboard's `zh-CN`.
    ZhCn,
}

impl Lang {
    /// The language named by `tag` (`en` or `zh-CN`, as the dashboard names them).
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "zh-CN" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// `en` or `zh`, whichever is in this language.
    fn pick(self, en: String, zh: String) -> String {
        match self {
            Lang::En => en,
            Lang::ZhCn => zh,
        }
    }

    /// An issue kind (`logistics-delay`) as a chart shows it: its name in English, the
    /// dashboard's word for it in Chinese.
    fn kind(self, kind: &str) -> String {
        let zh = match (self, kind) {
            (Lang::En, _) => None,
            (Lang::ZhCn, kind) => KINDS_ZH.iter().find(|(k, _)| *k == kind).map(|(_, z)| *z),
        };
        zh.unwrap_or(kind).to_string()
    }
}

/// The problem kinds' Chinese names, as the dashboard's tables head them (`reports.js`).
const KINDS_ZH: [(&str, &str); 15] = [
    ("not-received", "未收到"),
    ("delivered-not-received", "显示已签收但未收到"),
    ("damaged", "商品损坏"),
    ("wrong-item", "发错商品"),
    ("quality", "质量问题"),
    ("logistics-delay", "物流延误"),
    ("customs-hold", "海关扣留"),
    ("return-request", "退货请求"),
    ("cancellation-request", "取消请求"),
    ("a-to-z-claim", "A-to-z 索赔"),
    ("chargeback", "拒付"),
    ("payment-dispute", "支付争议"),
    ("negative-review", "差评"),
    ("buyer-message", "买家消息"),
    ("other", "其他"),
];

/// A ticket with what its events said beyond the ticket's own fields.
#[derive(Debug, Clone)]
pub struct Case {
    /// The ticket.
    pub ticket: Ticket,
    /// The order lines' SKUs with their batch when the event named one, deduplicated.
    pub items: Vec<Item>,
    /// The latest star rating an event carried (reviews and feedback).
    pub rating: Option<u8>,
    /// The order's total, when an event carried it.
    pub order_total: Option<Money>,
    /// When the latest marketplace event of the ticket arrived.
    pub last_event_at: Option<Timestamp>,
}

/// An order line as the reports key it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    /// The seller's SKU (`None` when the line had none).
    pub sku: Option<String>,
    /// The production batch or lot, from the line or the event's `batch` attribute.
    pub batch: Option<String>,
}

impl Item {
    fn label(&self, lang: Lang) -> String {
        match (&self.sku, &self.batch) {
            (Some(s), Some(b)) => format!("{s} · {b}"),
            (Some(s), None) => s.clone(),
            (None, Some(b)) => lang.pick(format!("batch {b}"), format!("批次 {b}")),
            (None, None) => lang.pick("(no SKU)".into(), "（无 SKU）".into()),
        }
    }
}

/// Read every ticket with the events of its deliveries.
pub fn gather(store: &Store) -> Result<Vec<Case>, StoreError> {
    let mut deliveries: HashMap<u64, Option<InboxRecord>> = HashMap::new();
    let mut cases = Vec::new();
    for ticket in store.all_tickets() {
        let ticket = ticket?;
        let mut case = Case {
            items: Vec::new(),
            rating: None,
            order_total: None,
            last_event_at: None,
            ticket,
        };
        for entry in store.timeline(case.ticket.id)? {
            let Happening::Event { delivery, .. } = entry.what else {
                continue;
            };
            case.last_event_at = Some(case.last_event_at.map_or(entry.at, |t| t.max(entry.at)));
            let record = match deliveries.entry(delivery) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(store.delivery(delivery)?.map(|(record, _body)| record))
                }
            };
            let Some(record) = record else {
                continue;
            };
            absorb(&mut case, record);
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Take what `record`'s events of this ticket's case say.
fn absorb(case: &mut Case, record: &InboxRecord) {
    let ticket = &case.ticket;
    if record.plugin != ticket.marketplace {
        return;
    }
    for event in &record.events {
        let order_id = event.order.as_ref().map(|o| o.id.as_str());
        let key = case_key(
            event.case_id.as_deref(),
            order_id,
            event.kind,
            &event.dedupe.business,
        );
        if event.shop != ticket.shop || key != ticket.case_key {
            continue;
        }
        let attribute_batch = event
            .attributes
            .iter()
            .find(|(k, _)| k == "batch")
            .map(|(_, v)| v.clone());
        if let Some(order) = &event.order {
            for line in &order.line_items {
                let item = Item {
                    sku: line.sku.clone().filter(|s| !s.is_empty()),
                    batch: line.batch.clone().or_else(|| attribute_batch.clone()),
                };
                if (item.sku.is_some() || item.batch.is_some()) && !case.items.contains(&item) {
                    case.items.push(item);
                }
            }
            if order.total.is_some() {
                case.order_total = order.total.clone();
            }
        }
        if event.rating.is_some() {
            case.rating = event.rating;
        }
    }
}

/// One computed report: a table, notes on what it could not know, and its chart.
#[derive(Debug, Clone)]
pub struct Report {
    /// Short name, used in file names (`odr`, `heatmap`, ...).
    pub name: &'static str,
    /// Title for people.
    pub title: String,
    /// The numbers.
    pub table: Table,
    /// What the numbers rest on and what is missing.
    pub notes: Vec<String>,
    /// The chart, for reports that have one.
    pub svg: Option<String>,
}

impl Report {
    /// The report as JSON for the API.
    pub fn to_json(&self) -> Value {
        let mut v = self.table.to_json();
        v["report"] = Value::from(self.name);
        v["title"] = Value::from(self.title.clone());
        v["notes"] = serde_json::json!(self.notes);
        v
    }
}

/// Kinds that are news rather than problems; the heatmap and hotspots leave them out.
fn is_problem(kind: IssueKind) -> bool {
    !matches!(
        kind,
        IssueKind::ShipmentUpdate
            | IssueKind::OrderUpdate
            | IssueKind::RefundIssued
            | IssueKind::PrivacyRequest
            | IssueKind::AccountHealth
    )
}

/// Kinds that point at the carrier.
fn is_delivery_problem(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::NotReceived
            | IssueKind::DeliveredNotReceived
            | IssueKind::Damaged
            | IssueKind::LogisticsDelay
            | IssueKind::CustomsHold
    )
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 10_000.0).round() / 100.0)
}

fn since(now: Timestamp, days: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(24 * days))
        .unwrap_or(Timestamp::MIN)
}

/// The order a ticket counts as: its order id, else the ticket itself.
fn order_key(t: &Ticket) -> String {
    match &t.order_id {
        Some(o) => format!("{}\0{}\0{o}", t.marketplace, t.shop),
        None => format!("ticket\0{}", t.id),
    }
}

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
         batch shows only when the connector sends one (Shopify sends none)."
            .into(),
        "SKU 和批次取自每个工单的平台事件中的订单行；只有连接器提供批次时才会显示批次\
         （Shopify 不提供）。"
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
        name: "heatmap",
        svg: Some(svg::heatmap(&title, &labels, &columns, &matrix)),
        title,
        table,
        notes,
    }
}

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
        name: "carriers",
        svg: Some(svg::bars(&title, &bars, None)),
        title,
        table,
        notes: vec![
            lang.pick(
                "The denominator is the orders the gateway saw an event for with that carrier \
             (e.g. Shopify fulfillment updates), not every parcel the carrier took; \
             problems are not-received, delivered-not-received, damaged, logistics-delay \
             and customs-hold."
                    .into(),
                "分母是网关收到过该物流商相关事件的订单数（例如 Shopify 的履约更新），\
             而不是该物流商承运的全部包裹；问题包括未收到、显示已签收但未收到、商品损坏、\
             物流延误和海关扣留。"
                    .into(),
            ),
        ],
    }
}

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

/// The SLA report's row for tickets nobody owns.
const UNASSIGNED: &str = "(unassigned)";

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// SLA compliance and first-response time per agent, for tickets opened in the last
/// `days` days.
pub fn sla(cases: &[Case], now: Timestamp, days: i64, lang: Lang) -> Report {
    let from = since(now, days);
    #[derive(Default)]
    struct Agent {
        tickets: u64,
        on_time: u64,
        late: u64,
        overdue: u64,
        minutes: Vec<i64>,
    }
    let mut agents: BTreeMap<String, Agent> = BTreeMap::new();
    for case in cases.iter().filter(|c| c.ticket.opened_at >= from) {
        let t = &case.ticket;
        let agent = agents
            .entry(t.assignee.clone().unwrap_or_else(|| UNASSIGNED.into()))
            .or_default();
        agent.tickets += 1;
        match t.first_response_at {
            Some(at) => {
                if at <= t.due.at {
                    agent.on_time += 1;
                } else {
                    agent.late += 1;
                }
                agent
                    .minutes
                    .push(at.duration_since(t.opened_at).as_secs().max(0) / 60);
            }
            None if t.status.is_open() && now > t.due.at => agent.overdue += 1,
            None => {}
        }
    }
    let mut table = Table::new([
        "agent",
        "tickets",
        "answered_on_time",
        "answered_late",
        "overdue_unanswered",
        "compliance_percent",
        "median_first_response_minutes",
        "p90_first_response_minutes",
    ]);
    let mut bars = Vec::new();
    for (name, agent) in &mut agents {
        agent.minutes.sort_unstable();
        let judged = agent.on_time + agent.late + agent.overdue;
        let compliance = percent(agent.on_time, judged);
        table.rows.push(vec![
            Value::from(name.clone()),
            Value::from(agent.tickets),
            Value::from(agent.on_time),
            Value::from(agent.late),
            Value::from(agent.overdue),
            Value::from(compliance),
            Value::from(percentile(&agent.minutes, 0.5)),
            Value::from(percentile(&agent.minutes, 0.9)),
        ]);
        bars.push(svg::Bar {
            label: match (lang, name.as_str()) {
                (Lang::ZhCn, UNASSIGNED) => "（未分配）".into(),
                _ => name.clone(),
            },
            value: compliance,
            note: compliance.map_or("—".into(), |c| format!("{c} %")),
        });
    }
    let title = lang.pick(
        format!("SLA compliance per agent, last {days} days"),
        format!("各客服 SLA 达标率，近 {days} 天"),
    );
    Report {
        name: "sla",
        svg: Some(svg::bars(&title, &bars, None)),
        title,
        table,
        notes: vec![
            lang.pick(
                "On time: the first response (a reply or the first status change away from new) \
             came before the ticket's first-response deadline. Tickets still open past their \
             deadline without an answer count against the owner; first-response times are \
             minutes from opening, median and 90th percentile (nearest rank)."
                    .into(),
                "按时：首次响应（一次回复，或状态第一次离开“新建”）早于工单的首次响应截止时间。\
             已过截止时间仍未回复的未关闭工单计入负责人的未达标；首次响应时间为自创建起的\
             分钟数，取中位数和第 90 百分位（最近秩法）。"
                    .into(),
            ),
        ],
    }
}

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
        name: "hotspots",
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

/// Marketplaces whose rules forbid marketing messages to their buyers through their
/// messaging channel (Amazon buyer-seller messaging, eBay's member messages).
pub const NO_MARKETING_MARKETPLACES: [&str; 2] = ["amazon", "ebay"];

/// Whether `address` is a marketplace relay address (messages to it go through the
/// marketplace's channel and its rules).
pub fn is_relay_address(address: &str) -> bool {
    let domain = address
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_ascii_lowercase();
    domain.starts_with("marketplace.amazon.") || domain.contains("members.ebay.")
}

/// A customer segment (customers with `tag`) as the seller's marketing tool needs it.
pub fn segment(customers: &[Customer], tag: Tag, lang: Lang) -> Report {
    let mut table = Table::new([
        "customer_key",
        "name",
        "email",
        "country",
        "language",
        "marketplaces",
        "tickets",
        "last_ticket_at",
        "no_marketing_via",
        "contact_channel",
    ]);
    for c in customers.iter().filter(|c| c.tags.contains(&tag)) {
        let email = c
            .key
            .strip_prefix("email:")
            .filter(|e| !is_relay_address(e))
            .map(str::to_string);
        let mut marketplaces: Vec<String> = c
            .accounts
            .iter()
            .filter_map(|a| a.split_once(':').map(|(m, _)| m.to_string()))
            .collect();
        marketplaces.sort();
        marketplaces.dedup();
        let mut forbidden: Vec<String> = marketplaces
            .iter()
            .filter(|m| NO_MARKETING_MARKETPLACES.contains(&m.as_str()))
            .cloned()
            .collect();
        if let Some(relay) = c.key.strip_prefix("email:").filter(|e| is_relay_address(e)) {
            let m = if relay.contains("amazon") {
                "amazon"
            } else {
                "ebay"
            };
            if !forbidden.iter().any(|f| f == m) {
                forbidden.push(m.to_string());
            }
        }
        let last = c.tickets.iter().map(|(_, at)| *at).max();
        table.rows.push(vec![
            Value::from(c.key.clone()),
            Value::from(c.names.first().cloned()),
            Value::from(email.clone()),
            Value::from(c.countries.first().cloned()),
            Value::from(c.language.clone()),
            serde_json::json!(marketplaces),
            Value::from(c.tickets.len()),
            Value::from(last.map(|t| t.to_string())),
            serde_json::json!(forbidden),
            Value::from(if email.is_some() {
                "own-email-with-consent"
            } else {
                "none"
            }),
        ]);
    }
    let tag_name = serde_json::to_value(tag)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    Report {
        name: "segment",
        title: lang.pick(
            format!("Customer segment: {tag_name}"),
            format!("客户分群：{tag_name}"),
        ),
        table,
        notes: vec![
            lang.pick(
                "Only what a marketing tool needs: no order, ticket or message content. \
                 `email` is left empty for marketplace relay addresses."
                    .into(),
                "只含营销工具所需的信息：不含订单、工单或消息内容。平台中转邮箱不填入 `email`。"
                    .into(),
            ),
            lang.pick(
                "Amazon and eBay forbid marketing to their buyers through the marketplace's \
                 messaging (`no_marketing_via`); the gateway never sends marketing there. \
                 Reach these buyers only through your own channel, and only with their \
                 consent, which the gateway does not record."
                    .into(),
                "亚马逊和 eBay 禁止通过平台消息向买家营销（`no_marketing_via`），网关从不在平台上\
                 发送营销信息。请只通过您自己的渠道、并在买家同意后联系他们；网关不记录买家的同意。"
                    .into(),
            ),
        ],
        svg: None,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 0.5), Some(5));
        assert_eq!(percentile(&v, 0.9), Some(9));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn months_are_bounded_in_utc_and_bad_months_refused() {
        let (start, end) = month_bounds("2026-12").unwrap();
        assert_eq!(start.to_string(), "2026-12-01T00:00:00Z");
        assert_eq!(end.to_string(), "2027-01-01T00:00:00Z");
        assert!(month_bounds("2026-13").is_none());
        assert!(month_bounds("december").is_none());
    }

    #[test]
    fn relay_addresses_are_recognised() {
        assert!(is_relay_address("x7@marketplace.amazon.de"));
        assert!(is_relay_address("abc@members.ebay.com"));
        assert!(!is_relay_address("lily@example.com"));
    }
}
