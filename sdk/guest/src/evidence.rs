//! Dispute evidence: the case file the gateway gives a connector's `dispute-evidence` action,
//! and text cut to fit a marketplace's limit.
//!
//! `POST /api/tickets/{id}/evidence` gathers what the gateway knows about a case into
//! `evidence-spec.fields` under the `case.*` names below, the same for every marketplace. The
//! connector builds its marketplace's packet from them (Shopify: `customer_first_name`,
//! `fulfillments_attributes`, `uncategorized_text` …) and uses what its marketplace takes;
//! any other field is the marketplace's own, passed by an agent or a tool as it is.

/// The buyer's full name, in the order its script writes it (see [`crate::names`]).
pub const BUYER_NAME: &str = "case.buyer_name";
/// The carrier that took the parcel.
pub const CARRIER: &str = "case.carrier";
/// The parcel's tracking number.
pub const TRACKING_NUMBER: &str = "case.tracking_number";
/// The carrier's tracking page.
pub const TRACKING_URL: &str = "case.tracking_url";
/// When the carrier reported delivery (RFC 3339).
pub const DELIVERED_AT: &str = "case.delivered_at";
/// The case in words, one line each: the order, the shipment, then every marketplace event,
/// reply, action and file of the case, oldest first.
pub const HISTORY: &str = "case.history";

/// Whether `name` is a field of the gateway's case file rather than a marketplace's own.
pub fn is_case_field(name: &str) -> bool {
    name.starts_with("case.")
}

/// The value of field `name` among `fields`.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `text` within `limit` bytes: whole lines from the start, then a note that the history was
/// shortened. Text that fits is returned as it is.
pub fn cut_lines(text: &str, limit: usize) -> String {
    const NOTE: &str = "\n(history shortened to fit the marketplace's limit)";
    if text.len() <= limit {
        return text.to_string();
    }
    let mut out = String::new();
    for line in text.split('\n') {
        let sep = usize::from(!out.is_empty());
        if out.len() + sep + line.len() + NOTE.len() > limit {
            break;
        }
        if sep == 1 {
            out.push('\n');
        }
        out.push_str(line);
    }
    out.push_str(NOTE);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_histories_are_cut_at_a_line_within_the_limit() {
        let text: Vec<String> = (0..2_000)
            .map(|i| format!("line {i} of the history"))
            .collect();
        let cut = cut_lines(&text.join("\n"), 20_000);
        assert!(cut.len() <= 20_000);
        assert!(cut.ends_with("(history shortened to fit the marketplace's limit)"));
        assert!(cut.starts_with("line 0 of the history\nline 1"));
        assert!(!cut.contains("line 1999"));
        assert_eq!(cut_lines("short", 100), "short");
    }
}
