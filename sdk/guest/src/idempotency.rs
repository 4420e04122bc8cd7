//! Names derived from an action's idempotency key, for marketplace APIs that take no
//! idempotency key of their own: a retry derives the same name, so it finds what the first
//! attempt made (a discount code, a tag) instead of making a second one.

/// FNV-1a, 64 bits: a short, stable fingerprint of an idempotency key. Not for security;
/// only to derive names that marketplaces limit in length.
pub fn fingerprint(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The discount code for a coupon action that names none: `HW-` and ten hex digits of the
/// key's fingerprint, the same on every retry.
pub fn coupon_code(idempotency_key: &str) -> String {
    format!("HW-{:010X}", fingerprint(idempotency_key) & 0xff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_short_and_differ_by_key() {
        let code = coupon_code("ticket-7:coupon");
        assert_eq!(code, coupon_code("ticket-7:coupon"));
        assert_ne!(code, coupon_code("ticket-8:coupon"));
        assert_eq!(code.len(), 13);
        assert!(code.starts_with("HW-"));
        // FNV-1a test vector: "a" → af63dc4c8601ec8c.
        assert_eq!(fingerprint("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
