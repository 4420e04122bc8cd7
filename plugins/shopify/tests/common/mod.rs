//! Shared setup for the Shopify connector's tests: the built component loaded through the
//! real host runtime, signed deliveries of the fixtures, and a loopback stand-in for the
//! Admin API.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use helloword_testkit::connector_api::IncomingRequest;
use helloword_testkit::{Answer, Plugin, StandIn, TestKit, hmac_sha256_base64, request};

/// The app client secret the tests configure.
pub const CLIENT_SECRET: &str = "shopify-test-client-secret";
/// The client secret before a rotation.
pub const PREVIOUS_SECRET: &str = "shopify-test-previous-client-secret";
/// The Admin API token the host adds to requests.
pub const ADMIN_TOKEN: &str = "shpat_test_admin_token";
/// The shop every delivery comes from.
pub const SHOP: &str = "helloword-test.myshopify.com";
/// The `X-Shopify-Triggered-At` of every delivery.
pub const TRIGGERED_AT: &str = "2025-07-10T16:15:47.000000Z";

/// The crate's folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's exact bytes (`webhooks/x.json`, `api/y.json`).
pub fn fixture(relative: &str) -> Vec<u8> {
    helloword_testkit::fixture(crate_dir().join("tests/fixtures").join(relative))
}

/// A fixture as text.
pub fn fixture_text(relative: &str) -> String {
    String::from_utf8(fixture(relative)).expect("fixtures are UTF-8")
}

/// A stand-in for the Admin API answering `(method, target)` from `table`, and with
/// Shopify's 404 otherwise.
pub async fn admin_api(table: Vec<(&'static str, String, Answer)>) -> StandIn {
    StandIn::table(table, Answer::json_text(404, r#"{"errors":"Not Found"}"#))
        .await
        .expect("a loopback port")
}

/// A kit with the client secret, as every gateway running the connector has.
pub fn kit() -> TestKit {
    TestKit::new().with_secret("shopify_client_secret", CLIENT_SECRET)
}

/// Load the built connector with its own plugin.toml.
pub async fn load(kit: TestKit) -> Plugin {
    kit.load(
        &crate_dir().join("plugin.toml"),
        Path::new(test_artifacts::SHOPIFY),
    )
    .await
    .expect("the Shopify connector loads")
}

/// The headers of a delivery of `topic` signed with `signature`; `id` makes the webhook
/// and event ids.
pub fn headers(topic: &str, signature: &str, id: &str) -> Vec<(String, String)> {
    [
        ("X-Shopify-Topic", topic.to_string()),
        ("X-Shopify-Hmac-Sha256", signature.to_string()),
        ("X-Shopify-Shop-Domain", SHOP.to_string()),
        ("X-Shopify-API-Version", "2026-07".to_string()),
        ("X-Shopify-Webhook-Id", format!("webhook-{id}")),
        ("X-Shopify-Event-Id", format!("event-{id}")),
        ("X-Shopify-Triggered-At", TRIGGERED_AT.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A POST with these headers and body.
pub fn post(headers: &[(String, String)], body: &[u8]) -> IncomingRequest {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    request("POST", "/", &pairs, body)
}

/// A delivery of `body` under `topic`, signed with `secret`.
pub fn delivery(topic: &str, body: &[u8], secret: &str) -> IncomingRequest {
    let signature = hmac_sha256_base64(secret.as_bytes(), body);
    post(&headers(topic, &signature, "1"), body)
}
