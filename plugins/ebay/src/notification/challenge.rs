//! The endpoint challenge: when a destination is registered, eBay calls
//! `GET <endpoint>?challenge_code=<code>` and expects
//! `{"challengeResponse": hex(SHA-256(code + verification token + endpoint))}`.
//!
//! The hash is computed by the host's `sha256` import with the token as a secret part, so
//! the token never enters the plugin.

use helloword_sdk::connector::crypto::Part;

/// The parts to hash, in eBay's order: challenge code, verification token, endpoint URL.
pub fn parts(code: &str, token_secret: &str, endpoint: &str) -> Vec<Part> {
    vec![
        Part::Data(code.as_bytes().to_vec()),
        Part::Secret(token_secret.to_string()),
        Part::Data(endpoint.as_bytes().to_vec()),
    ]
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reply body.
pub fn body(digest: &[u8]) -> serde_json::Value {
    serde_json::json!({ "challengeResponse": hex(digest) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_code_token_endpoint() {
        let p = parts("c", "ebay_verification_token", "https://e/x");
        assert!(matches!(&p[0], Part::Data(d) if d == b"c"));
        assert!(matches!(&p[1], Part::Secret(s) if s == "ebay_verification_token"));
        assert!(matches!(&p[2], Part::Data(d) if d == b"https://e/x"));
        assert_eq!(p.len(), 3);
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
        assert_eq!(body(&[1]).to_string(), r#"{"challengeResponse":"01"}"#);
    }
}
