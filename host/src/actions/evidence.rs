//! Dispute evidence: what the gateway knows about a case — the buyer, tracking, delivery
//! proof, the messages exchanged, the order — as the case file every connector's
//! `dispute-evidence` action gets (`case.*` fields, [`helloword_sdk::evidence`]). The
//! connector builds its marketplace's packet from it, within its marketplace's limits.

use helloword_sdk::evidence as case;

use crate::tickets::model::{Happening, Ticket, TimelineEntry};

/// The most history text the case file carries (64 KiB); a marketplace's own limit is
/// usually far lower, and its connector cuts again.
pub const HISTORY_LIMIT: usize = 64 * 1024;

/// The case file of `ticket`, for a connector's `dispute-evidence` action.
pub fn case_file(ticket: &Ticket, timeline: &[TimelineEntry]) -> Vec<(String, String)> {
    let facts = &ticket.facts;
    let mut fields = Vec::new();
    let mut put = |name: &str, value: String| fields.push((name.to_string(), value));
    if let Some(name) = &facts.buyer_name {
        put(case::BUYER_NAME, name.clone());
    }
    if let Some(carrier) = &facts.carrier {
        put(case::CARRIER, carrier.clone());
    }
    if let Some(number) = &facts.tracking_number {
        put(case::TRACKING_NUMBER, number.clone());
    }
    if let Some(url) = &facts.tracking_url {
        put(case::TRACKING_URL, url.clone());
    }
    if let Some(at) = facts.delivered_at {
        put(case::DELIVERED_AT, at.to_string());
    }
    put(case::HISTORY, narrative(ticket, timeline));
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
    case::cut_lines(&lines.join("\n"), HISTORY_LIMIT)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket_of(buyer: &str) -> Ticket {
        let mut ticket = crate::tickets::sample_ticket(1);
        ticket.facts.buyer_name = Some(buyer.into());
        ticket
    }

    #[test]
    fn the_case_file_names_the_buyer_the_shipment_and_the_history() {
        let mut ticket = ticket_of("山田 花子");
        ticket.facts.carrier = Some("DHL".into());
        ticket.facts.tracking_number = Some("00340434161094015902".into());
        let file = case_file(&ticket, &[]);
        assert_eq!(case::field(&file, case::BUYER_NAME), Some("山田 花子"));
        assert_eq!(case::field(&file, case::CARRIER), Some("DHL"));
        let history = case::field(&file, case::HISTORY).unwrap();
        assert!(
            history.contains("Shipped with DHL, tracking number 00340434161094015902."),
            "{history}"
        );
        assert!(file.iter().all(|(k, _)| case::is_case_field(k)), "{file:?}");
    }
}
