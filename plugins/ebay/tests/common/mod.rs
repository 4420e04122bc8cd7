//! Shared setup for the eBay connector's tests: the built component loaded through the
//! real host runtime, the fixtures' exact bytes, and a loopback stand-in for eBay's APIs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use helloword_testkit::connector_api::IncomingRequest;
use helloword_testkit::{Answer, Plugin, StandIn, TestKit, request};

/// The verification token the tests register.
pub const VERIFICATION_TOKEN: &str = "verification_token_0123456789_abcdefghijklmnop";
/// The endpoint the tests register.
pub const ENDPOINT: &str = "https://gateway.example.com/ebay/account-deletion";
/// The application token the host adds to public-key requests.
pub const APP_TOKEN: &str = "v^1.1#app-token";
/// The seller's user token the host adds to API requests.
pub const USER_TOKEN: &str = "v^1.1#user-token";
/// The seller every event is tagged with.
pub const SELLER: &str = "example_seller";
/// The key id of eBay's SDK test signature.
pub const KID: &str = "9936261a-7d7b-4621-a0f1-96ccb428af49";
/// The keyset that signs Platform Notifications in the tests.
pub const KEYSET: (&str, &str, &str) = ("DEVID", "APPID", "CERTID");

/// The crate's folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's exact bytes (`commerce_notification/x`, `schema-derived/y`, …).
pub fn fixture(relative: &str) -> Vec<u8> {
    helloword_testkit::fixture(crate_dir().join("tests/fixtures").join(relative))
}

/// A fixture as text.
pub fn fixture_text(relative: &str) -> String {
    String::from_utf8(fixture(relative)).expect("fixtures are UTF-8")
}

/// A fixture as JSON.
pub fn fixture_json(relative: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(relative)).expect("fixture is JSON")
}

/// A stand-in for eBay's APIs answering `(method, target)` from `table`, and with eBay's
/// 404 otherwise.
pub async fn ebay_api(table: Vec<(&'static str, String, Answer)>) -> StandIn {
    StandIn::table(
        table,
        Answer::json_text(404, r#"{"errors":[{"message":"no such resource"}]}"#),
    )
    .await
    .expect("a loopback port")
}

/// A kit with the verification token (which the manifest requires) and the seller.
pub fn kit() -> TestKit {
    TestKit::new()
        .with_secret("ebay_verification_token", VERIFICATION_TOKEN)
        .with_config("endpoint", ENDPOINT)
        .with_config("seller", SELLER)
}

/// Load the built connector with its own plugin.toml.
pub async fn load(kit: TestKit) -> Plugin {
    kit.load(
        &crate_dir().join("plugin.toml"),
        Path::new(test_artifacts::EBAY),
    )
    .await
    .expect("the eBay connector loads")
}

/// A request with these headers and body.
pub fn req(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> IncomingRequest {
    request(method, path, headers, body)
}

/// The PEM of eBay's SDK test key.
pub fn sdk_public_key() -> String {
    fixture_json("commerce_notification/public_key_response.json")["key"]
        .as_str()
        .expect("the key")
        .to_string()
}

/// The raw text of the object under `"key":` inside the object under `"case":` in a JSON
/// text, exactly as written (no re-serialization, so key order is kept).
pub fn raw_object<'a>(text: &'a str, case: &str, key: &str) -> &'a str {
    let start = text
        .find(&format!("\"{case}\""))
        .unwrap_or_else(|| panic!("no {case}"));
    let rest = &text[start..];
    let at = rest
        .find(&format!("\"{key}\""))
        .unwrap_or_else(|| panic!("no {case}.{key}"));
    let open = at + rest[at..].find('{').expect("an object");
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, b) in rest[open..].bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'{' if !in_string => depth += 1,
            b'}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return &rest[open..=open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced {case}.{key}")
}

/// `JSON.stringify` of a JSON text: whitespace outside strings removed, key order kept.
pub fn compact(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
            out.push(b);
        } else if !b.is_ascii_whitespace() {
            out.push(b);
        }
    }
    out
}
