//! Shared setup for the Amazon connector's tests: the built component loaded through the
//! real host runtime and the fixtures' exact bytes. Amazon's APIs are stood in for by
//! `helloword_testkit::StandIn`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use helloword_testkit::{Plugin, TestKit};

/// The API key the EventBridge connection sends in the tests.
pub const API_KEY: &str = "eb-api-key-0123456789";
/// The Login with Amazon access token the host adds as `x-amz-access-token`.
pub const LWA_TOKEN: &str = "Atza|test-access-token";
/// AWS's example key pair (the SigV4 test suite's).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// See [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The seller the tests configure.
pub const SELLER: &str = "A3TH9S8BH6GOGM";

/// The crate's folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's exact bytes (`notifications/X.json`, `api/y.json`, `reports/z`).
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

/// Every notification fixture, by type name.
pub const NOTIFICATIONS: [&str; 7] = [
    "ACCOUNT_STATUS_CHANGED",
    "FBA_OUTBOUND_SHIPMENT_STATUS",
    "FULFILLMENT_ORDER_STATUS",
    "MFN_ORDER_STATUS_CHANGE",
    "ORDER_CHANGE",
    "ORDER_STATUS_CHANGE",
    "REPORT_PROCESSING_FINISHED",
];

/// Load the built connector with its own plugin.toml.
pub async fn load(kit: TestKit) -> Plugin {
    kit.load(
        &crate_dir().join("plugin.toml"),
        Path::new(test_artifacts::AMAZON),
    )
    .await
    .expect("the Amazon connector loads")
}

/// An EventBridge event carrying `detail` (AWS's generic event format).
pub fn eventbridge(detail_type: &str, detail: &serde_json::Value) -> Vec<u8> {
    serde_json::json!({
        "version": "0",
        "id": "0b3d1a0e-5f0a-4b8c-9a7e-1c2d3e4f5a6b",
        "detail-type": detail_type,
        "source": "aws.partner/sellingpartnerapi.amazon.com/123456789012/amzn1.sellerapps.app.x",
        "account": "123456789012",
        "time": "2020-07-13T19:42:04Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
    .to_string()
    .into_bytes()
}
