//! Customer segments for the seller's own marketing tools, and the marketplaces whose buyers they must not be used on.

use serde_json::Value;

use super::table::Table;
use super::{Lang, Report};
use crate::plugin::bindings::rules::{MarketplaceRules, Verdict};
use crate::tickets::customers::{Customer, Tag};

/// The marketplace rules of every loaded connector, by connector id.
pub fn connector_rules(plugins: &crate::plugin::PluginSet) -> Vec<(String, MarketplaceRules)> {
    plugins
        .of_kind(crate::plugin::PluginKind::MarketplaceConnector)
        .iter()
        .map(|p| (p.manifest.id.clone(), p.manifest.rules.clone()))
        .collect()
}

/// The connector whose marketplace relays mail to `address` (the address it gives buyers),
/// as the connectors' `relay_domains` say.
pub fn relay_of<'a>(address: &str, rules: &'a [(String, MarketplaceRules)]) -> Option<&'a str> {
    let domain = address
        .rsplit_once('@')
        .map_or("", |(_, d)| d)
        .to_ascii_lowercase();
    rules
        .iter()
        .find(|(_, r)| r.relays(&domain))
        .map(|(id, _)| id.as_str())
}

/// A customer segment (customers with `tag`) as the seller's marketing tool needs it.
///
/// `rules` are the connectors' marketplace rules: a marketplace whose rules block marketing
/// in messages is listed in `no_marketing_via`, and its relay addresses are not e-mail.
pub fn segment(
    customers: &[Customer],
    tag: Tag,
    lang: Lang,
    rules: &[(String, MarketplaceRules)],
) -> Report {
    let forbids_marketing = |m: &str| {
        rules
            .iter()
            .any(|(id, r)| id == m && r.messages.marketing == Verdict::Block)
    };
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
            .filter(|e| relay_of(e, rules).is_none())
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
            .filter(|m| forbids_marketing(m))
            .cloned()
            .collect();
        if let Some(relay) = c
            .key
            .strip_prefix("email:")
            .and_then(|e| relay_of(e, rules))
            && forbids_marketing(relay)
            && !forbidden.iter().any(|f| f == relay)
        {
            forbidden.push(relay.to_string());
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
        name: "segment".into(),
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
                "Marketplaces whose rules forbid marketing in their messaging are listed in \
                 `no_marketing_via`; the gateway never sends marketing there. Reach these \
                 buyers only through your own channel, and only with their consent, which the \
                 gateway does not record."
                    .into(),
                "规则禁止通过平台消息营销的平台列在 `no_marketing_via` 中，网关从不在这些平台上\
                 发送营销信息。请只通过您自己的渠道、并在买家同意后联系他们；网关不记录买家的同意。"
                    .into(),
            ),
        ],
        svg: None,
    }
}
