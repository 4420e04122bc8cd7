//! Customer segments for the seller's own marketing tools, and the marketplaces whose buyers they must not be used on.

use serde_json::Value;

use super::table::Table;
use super::{Lang, Report};
use crate::tickets::customers::{Customer, Tag};

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
