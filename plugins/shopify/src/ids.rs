//! Identifiers the actions need: Shopify's numeric ids and GraphQL ids, names derived from
//! an action's idempotency key, and RFC 3339 text for GraphQL `DateTime`s.

pub use helloword_sdk::idempotency::{coupon_code, fingerprint};

/// The numeric id in `text`, which is either the number ("450789469") or a GraphQL id
/// ("gid://shopify/Order/450789469").
pub fn numeric(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = match text.strip_prefix("gid://shopify/") {
        Some(rest) => rest.rsplit('/').next()?,
        None => text,
    };
    // Query parameters on a gid ("…/1?inventory=1") are not part of the id.
    let digits = digits.split('?').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The GraphQL id of a `kind` ("Return", "Order") from a numeric id or a GraphQL id.
pub fn gid(kind: &str, text: &str) -> Option<String> {
    numeric(text).map(|n| format!("gid://shopify/{kind}/{n}"))
}

/// The marker put in a refund's note so [`crate::actions`] can find it again.
pub fn note_marker(idempotency_key: &str) -> String {
    format!("[helloword:{idempotency_key}]")
}

/// The tag on a replacement draft order (Shopify tags are at most 40 characters).
pub fn reship_tag(idempotency_key: &str) -> String {
    format!("helloword-{:016x}", fingerprint(idempotency_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_come_from_numbers_and_gids() {
        assert_eq!(numeric("450789469"), Some(450_789_469));
        assert_eq!(
            numeric("gid://shopify/Order/820982911946154508"),
            Some(820_982_911_946_154_508)
        );
        assert_eq!(numeric("gid://shopify/Return/1?x=1"), Some(1));
        assert_eq!(numeric("#1001"), None);
        assert_eq!(numeric(""), None);
        assert_eq!(
            gid("Return", "491427904").as_deref(),
            Some("gid://shopify/Return/491427904")
        );
    }

    #[test]
    fn derived_names_are_stable_and_short() {
        assert_eq!(reship_tag("k"), reship_tag("k"));
        assert_ne!(reship_tag("k1"), reship_tag("k2"));
        assert!(reship_tag(&"x".repeat(500)).len() <= 40);
    }
}
