//! The reference the connector writes into what it creates at WooCommerce.
//!
//! The REST API takes no idempotency key, so a refund's reason and a note's text end with
//! `[ref: <idempotency key>]`. Reconciling lists the order's refunds or notes and looks for
//! that exact text; the closing bracket keeps `…-1]` from matching `…-12]`.

/// The reference for an action's idempotency key.
pub fn for_key(idempotency_key: &str) -> String {
    format!("[ref: {idempotency_key}]")
}

/// `text` followed by the reference on its own, or the reference alone when there is no text.
pub fn append(text: Option<&str>, idempotency_key: &str) -> String {
    let reference = for_key(idempotency_key);
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => format!("{text}\n\n{reference}"),
        None => reference,
    }
}

/// The idempotency key of the reference `text` ends with, if it ends with one (a note or
/// refund this connector created).
pub fn key_in(text: &str) -> Option<&str> {
    let text = text.trim_end();
    let start = text.rfind("[ref: ")?;
    let key = text[start..].strip_prefix("[ref: ")?.strip_suffix(']')?;
    (!key.is_empty() && !key.contains(['[', ']'])).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_found_again_and_only_whole() {
        let text = append(Some(" Sorry for the damaged mug. "), "hw-t4-agent-1");
        assert_eq!(text, "Sorry for the damaged mug.\n\n[ref: hw-t4-agent-1]");
        assert_eq!(key_in(&text), Some("hw-t4-agent-1"));
        assert!(text.contains(&for_key("hw-t4-agent-1")));
        assert!(!text.contains(&for_key("hw-t4-agent-12")));
        assert!(!for_key("hw-t4-agent-12").contains(&for_key("hw-t4-agent-1")));
        assert_eq!(append(None, "k"), "[ref: k]");
        assert_eq!(append(Some("  "), "k"), "[ref: k]");
    }

    #[test]
    fn text_without_a_trailing_reference_has_none() {
        assert_eq!(key_in("Order ok!!!"), None);
        assert_eq!(key_in("[ref: a] and more"), None);
        assert_eq!(key_in("[ref: ]"), None);
        assert_eq!(key_in("see [ref: a]\n"), Some("a"));
    }
}
