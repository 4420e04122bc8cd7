//! `X-EBAY-SIGNATURE`: base64 of `{"alg":"ecdsa","kid":"…","signature":"<base64 DER>",
//! "digest":"SHA1"}`, and the public key it names (from config or from eBay's
//! `getPublicKey`, `{"key", "algorithm", "digest"}`).
//!
//! Everything here is parsing; the ECDSA check itself runs in the host.

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};
use helloword_sdk::json::{self, Value};

/// The header that carries the signature.
pub const HEADER: &str = "X-EBAY-SIGNATURE";

/// A decoded signature header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The key id.
    pub kid: String,
    /// The DER-encoded ECDSA signature.
    pub der: Vec<u8>,
    /// Whether the digest is SHA-1 (eBay's notifications) rather than SHA-256.
    pub sha1: bool,
}

/// Decode the header value. The error names the part that is malformed.
pub fn parse(header: &str) -> Result<Signature, String> {
    let decoded = STANDARD
        .decode(header.trim())
        .map_err(|_| format!("{HEADER} is not base64"))?;
    let value: Value =
        json::parse(&decoded).map_err(|_| format!("{HEADER} does not decode to JSON"))?;
    let field = |name: &str| -> Result<&str, String> {
        json::str_at(&value, &format!("/{name}"))
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| format!("{HEADER} has no `{name}`"))
    };
    let alg = field("alg")?;
    if !alg.eq_ignore_ascii_case("ecdsa") {
        return Err(format!(
            "{HEADER} names alg {alg:?}; eBay signs with \"ecdsa\""
        ));
    }
    let kid = field("kid")?.trim().to_string();
    if !kid
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!("{HEADER} names kid {kid:?}, which is not a key id"));
    }
    let der = STANDARD
        .decode(field("signature")?.trim())
        .map_err(|_| format!("{HEADER} `signature` is not base64"))?;
    let sha1 = digest_is_sha1(json::str_at(&value, "/digest").unwrap_or("SHA1"))
        .ok_or_else(|| format!("{HEADER} names an unknown `digest`; eBay uses \"SHA1\""))?;
    Ok(Signature { kid, der, sha1 })
}

/// "SHA1" → true, "SHA256" → false, anything else → None.
fn digest_is_sha1(digest: &str) -> Option<bool> {
    match digest.trim().to_ascii_uppercase().replace('-', "").as_str() {
        "SHA1" => Some(true),
        "SHA256" => Some(false),
        _ => None,
    }
}

/// The PEM of a `getPublicKey` answer, after checking it is an ECDSA key.
pub fn key_from_response(body: &[u8]) -> Result<String, String> {
    let value = json::parse(body).map_err(|e| format!("eBay's public key answer: {e}"))?;
    let key = json::str_at(&value, "/key")
        .filter(|k| k.contains("PUBLIC KEY"))
        .ok_or("eBay's public key answer has no `key`")?;
    if let Some(algorithm) = json::str_at(&value, "/algorithm")
        && !algorithm.eq_ignore_ascii_case("ECDSA")
    {
        return Err(format!(
            "eBay's public key answer names algorithm {algorithm:?}, not ECDSA"
        ));
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/commerce_notification/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_sdk_header_decodes_to_kid_der_and_sha1() {
        let header = String::from_utf8(fixture("x-ebay-signature.valid.txt")).unwrap();
        let s = parse(&header).unwrap();
        assert_eq!(s.kid, "9936261a-7d7b-4621-a0f1-96ccb428af49");
        assert!(s.sha1);
        // A DER ECDSA signature is a SEQUENCE.
        assert_eq!(s.der[0], 0x30);
    }

    #[test]
    fn malformed_headers_name_the_problem() {
        let encode = |json: &str| STANDARD.encode(json);
        for (header, expected) in [
            ("%%%".to_string(), "not base64"),
            (encode("nope"), "does not decode to JSON"),
            (encode(r#"{"alg":"ecdsa","signature":"MEYC"}"#), "no `kid`"),
            (
                encode(r#"{"alg":"rsa","kid":"k","signature":"MEYC"}"#),
                "alg \"rsa\"",
            ),
            (
                encode(r#"{"alg":"ecdsa","kid":"k","signature":"@@"}"#),
                "`signature` is not base64",
            ),
            (
                encode(r#"{"alg":"ecdsa","kid":"../x","signature":"MEYC"}"#),
                "not a key id",
            ),
            (
                encode(r#"{"alg":"ecdsa","kid":"k","signature":"MEYC","digest":"MD5"}"#),
                "`digest`",
            ),
        ] {
            let err = parse(&header).unwrap_err();
            assert!(err.contains(expected), "{err} lacks {expected}");
        }
    }

    #[test]
    fn the_published_key_answer_gives_its_pem() {
        let key = key_from_response(&fixture("public_key_response.json")).unwrap();
        assert!(key.starts_with("-----BEGIN PUBLIC KEY-----MFkw"));
        assert!(key_from_response(b"null").is_err());
        assert!(
            key_from_response(br#"{"key":"-----BEGIN PUBLIC KEY-----x","algorithm":"RSA"}"#)
                .is_err()
        );
    }
}
