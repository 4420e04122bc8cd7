//! Dispute evidence packets: what the gateway knows about a case — tracking, delivery proof,
//! the messages exchanged, the order — gathered into the marketplace's evidence fields
//! (Shopify's `DisputeEvidence` first), within its limits.

use crate::tickets::model::{Happening, Ticket, TimelineEntry};

/// Longest text Shopify accepts in one evidence text field (`uncategorized_text`,
/// `refund_refusal_explanation`, ...); longer packets are cut at a line boundary with a note.
pub const SHOPIFY_TEXT_LIMIT: usize = 20_000;

/// The evidence fields for `ticket`, for the Shopify connector's `dispute-evidence` action.
pub fn shopify_packet(ticket: &Ticket, timeline: &[TimelineEntry]) -> Vec<(String, String)> {
    let facts = &ticket.facts;
    let mut fields = Vec::new();
    if let Some(name) = &facts.buyer_name {
        // Family name first in a Chinese, Japanese or Korean name (see the SDK's `names`).
        let (given, family) = helloword_sdk::names::split_full_name(name);
        if let Some(given) = given {
            fields.push(("customer_first_name".into(), given.to_string()));
        }
        if let Some(family) = family {
            fields.push(("customer_last_name".into(), family.to_string()));
        }
    }
    if facts.carrier.is_some() || facts.tracking_number.is_some() {
        let mut fulfillment = serde_json::Map::new();
        if let Some(c) = &facts.carrier {
            fulfillment.insert("shipping_carrier".into(), c.clone().into());
        }
        if let Some(n) = &facts.tracking_number {
            fulfillment.insert("shipping_tracking_number".into(), n.clone().into());
        }
        if let Some(at) = facts.delivered_at {
            fulfillment.insert("shipping_date".into(), at.to_string().into());
        }
        fields.push((
            "fulfillments_attributes".into(),
            serde_json::Value::Array(vec![fulfillment.into()]).to_string(),
        ));
    }
    fields.push(("uncategorized_text".into(), narrative(ticket, timeline)));
    fields
}

/// The case in words: order, shipment and delivery proof, then every message, oldest first.
fn narrative(ticket: &Ticket, timeline: &[TimelineEntry]) -> String {
    let facts = &ticket.facts;
    let mut lines = Vec::new();
    let order = facts
        .order_name
        .clone()
        .or(ticket.order_id.clone())
        .unwrap_or_else(|| "(unknown)".into());
    lines.push(format!("Order {order}, opened {}.", ticket.opened_at));
    if let Some(amount) = &ticket.amount {
        lines.push(format!(
            "Amount at stake: {} {}.",
            amount.currency,
            helloword_sdk::money::to_decimal_string(amount.minor_units, &amount.currency)
        ));
    }
    match (&facts.carrier, &facts.tracking_number) {
        (Some(c), Some(n)) => lines.push(format!("Shipped with {c}, tracking number {n}.")),
        (None, Some(n)) => lines.push(format!("Tracking number {n}.")),
        (Some(c), None) => lines.push(format!("Shipped with {c}.")),
        (None, None) => {}
    }
    if let Some(url) = &facts.tracking_url {
        lines.push(format!("Tracking: {url}"));
    }
    if let Some(at) = facts.delivered_at {
        lines.push(format!("The carrier reports delivery at {at}."));
    }
    let mut messages = Vec::new();
    for entry in timeline {
        match &entry.what {
            Happening::ReplySent { by, body, .. } => {
                messages.push(format!("[{}] Seller ({by}): {}", entry.at, one_line(body)))
            }
            Happening::AutoReply { body, .. } => messages.push(format!(
                "[{}] Seller (automatic): {}",
                entry.at,
                one_line(body)
            )),
            Happening::Event { summary, .. } => {
                messages.push(format!("[{}] Marketplace: {}", entry.at, one_line(summary)))
            }
            Happening::EvidenceReceived {
                name,
                content_type,
                bytes,
                ..
            } => messages.push(format!(
                "[{}] Buyer sent {name} ({content_type}, {} KB)",
                entry.at,
                bytes.div_ceil(1024)
            )),
            Happening::ActionDone { what, detail, .. } => messages.push(format!(
                "[{}] Done: {what} — {}",
                entry.at,
                one_line(detail)
            )),
            _ => {}
        }
    }
    if !messages.is_empty() {
        lines.push(String::new());
        lines.push("History of the case:".into());
        lines.extend(messages);
    }
    cut(lines, SHOPIFY_TEXT_LIMIT)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Join `lines`, dropping whole lines from the end of the history so the text fits `limit`.
fn cut(lines: Vec<String>, limit: usize) -> String {
    const NOTE: &str = "\n(history shortened to fit the marketplace's limit)";
    let all = lines.join("\n");
    if all.len() <= limit {
        return all;
    }
    let mut out = String::new();
    for line in lines {
        if out.len() + line.len() + 1 + NOTE.len() > limit {
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out.push_str(NOTE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_histories_are_cut_at_a_line_within_the_limit() {
        let lines: Vec<String> = (0..2_000)
            .map(|i| format!("line {i} of the history"))
            .collect();
        let text = cut(lines, SHOPIFY_TEXT_LIMIT);
        assert!(text.len() <= SHOPIFY_TEXT_LIMIT);
        assert!(text.ends_with("(history shortened to fit the marketplace's limit)"));
        assert!(text.starts_with("line 0 of the history\nline 1"));
        assert_eq!(cut(vec!["short".into()], 100), "short");
    }

    fn ticket_of(buyer: &str) -> Ticket {
        let mut ticket = crate::tickets::sample_ticket(1);
        ticket.facts.buyer_name = Some(buyer.into());
        ticket
    }

    #[test]
    fn the_buyers_first_and_last_name_follow_the_order_of_their_script() {
        let names = |buyer: &str| -> Vec<(String, String)> {
            shopify_packet(&ticket_of(buyer), &[])
                .into_iter()
                .filter(|(k, _)| k.starts_with("customer_"))
                .collect()
        };
        let pair = |first: &str, last: &str| {
            vec![
                ("customer_first_name".to_string(), first.to_string()),
                ("customer_last_name".to_string(), last.to_string()),
            ]
        };
        assert_eq!(names("山田 花子"), pair("花子", "山田"));
        assert_eq!(names("김 민준"), pair("민준", "김"));
        assert_eq!(names("Jane van Doe"), pair("Jane", "van Doe"));
    }
}
