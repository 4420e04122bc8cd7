//! The Commerce Notification API through the real host runtime: the endpoint challenge,
//! signatures checked against eBay's own SDK fixtures (key from config and from a stand-in
//! of `getPublicKey`), and the account-deletion event.

mod common;

use common::*;
use helloword_testkit::connector_api::{WebhookError, WebhookOutcome};
use helloword_testkit::{Answer, Plugin, TestKit};

/// The kit with eBay's SDK key configured for its kid.
fn with_config_key() -> TestKit {
    kit().with_config(&format!("public_key.{KID}"), &sdk_public_key())
}

fn valid_header() -> String {
    fixture_text("commerce_notification/x-ebay-signature.valid.txt")
}

async fn deliver(
    plugin: &Plugin,
    header: &str,
    body: &[u8],
) -> Result<WebhookOutcome, WebhookError> {
    plugin
        .handle_webhook(&req(
            "POST",
            "/",
            &[
                ("X-EBAY-SIGNATURE", header),
                ("Content-Type", "application/json"),
            ],
            body,
        ))
        .await
        .expect("the connector answers within its limits")
}

async fn challenge(kit: TestKit, query: &str) -> Result<WebhookOutcome, WebhookError> {
    load(kit)
        .await
        .handle_webhook(&req("GET", &format!("/?{query}"), &[], b""))
        .await
        .expect("the connector answers within its limits")
}

/// The `challengeResponse` of a reply.
fn challenge_response(outcome: Result<WebhookOutcome, WebhookError>) -> String {
    let Ok(WebhookOutcome::Reply(reply)) = outcome else {
        panic!("expected a reply: {outcome:?}");
    };
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("content-type") && v == "application/json"),
        "{:?}",
        reply.headers
    );
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["challengeResponse"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_challenge_is_answered_with_the_published_test_vectors() {
    // (challenge code, verification token, endpoint, expected) from marketplaces.md.
    for (code, token, endpoint, expected) in [
        (
            "a8628072-3d33-45ee-9004-bee86830a22d",
            "71745723-d031-455c-bfa5-f90d11b4f20a",
            "http://www.testendpoint.com/webhook",
            "ca527df75caa230092d7e90484071e8f05d63068f1317973d6a3a42593734bbb",
        ),
        (
            "71745723-d031-455c-bfa5-f90d11b4f20a",
            "71745723-d031-455c-bfa5-f90d11b4f20a",
            "http://www.testendpoint.com/webhook",
            "048de9ffd0e35021fefc0388d5c52e0f475324f582f3778ca81a53354ccbbc97",
        ),
        (
            "71745723-d031-455c-bfa5-f90d11b4f20a",
            VERIFICATION_TOKEN,
            ENDPOINT,
            "50f7a0f9840e4b340c8b4576e8d60840a024a8f157d69e9b993e0b00b7991b82",
        ),
    ] {
        let kit = TestKit::new()
            .with_secret("ebay_verification_token", token)
            .with_config("endpoint", endpoint);
        let got = challenge_response(challenge(kit, &format!("challenge_code={code}")).await);
        assert_eq!(got, expected, "{code} / {endpoint}");
    }
}

#[tokio::test]
async fn a_challenge_without_the_endpoint_config_is_misconfigured_naming_it() {
    let kit = TestKit::new().with_secret("ebay_verification_token", VERIFICATION_TOKEN);
    let got = challenge(kit, "challenge_code=abc").await;
    assert!(
        matches!(&got, Err(WebhookError::Misconfigured(m)) if m.contains("config `endpoint`")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_get_without_a_challenge_code_is_a_bad_request() {
    let got = challenge(kit(), "other=1").await;
    assert!(
        matches!(&got, Err(WebhookError::BadRequest(m)) if m.contains("challenge_code")),
        "{got:?}"
    );
}

#[tokio::test]
async fn the_valid_sdk_signature_verifies_with_the_configured_key() {
    let plugin = load(with_config_key()).await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, &valid_header(), &body).await;
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("{got:?}");
    };
    assert_eq!(events.len(), 1);
    let e = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(e["kind"], "PrivacyRequest");
    assert_eq!(e["shop"], SELLER);
    assert_eq!(e["customer"]["id"], "ma8vp1jySJC");
    let id = "49feeaeb-4982-42d9-a377-9645b8479411_33f7e043-fed8-442b-9d44-791923bd9a6d";
    assert_eq!(e["dedupe"]["business"], format!("account_deletion:{id}"));
    assert_eq!(e["dedupe"]["delivery"], id);
    let attributes: Vec<(String, String)> = events[0].attributes.clone();
    for (name, value) in [
        ("privacy_action", "erase_customer"),
        ("customer_id", "ma8vp1jySJC"),
        ("customer_username", "test_user"),
        (
            "eias_token",
            "nY+sHZ2PrBmdj6wVnY+sEZ2PrA2dj6wJnY+gAZGEpwmdj6x9nY+seQ==",
        ),
    ] {
        assert!(
            attributes.iter().any(|(k, v)| k == name && v == value),
            "{name}={value} in {attributes:?}"
        );
    }
}

#[tokio::test]
async fn the_key_is_fetched_from_ebay_with_the_application_token() {
    let stand_in = ebay_api(vec![(
        "GET",
        format!("/commerce/notification/v1/public_key/{KID}"),
        Answer::json_text(
            200,
            fixture("commerce_notification/public_key_response.json"),
        ),
    )])
    .await;
    let plugin = load(
        kit()
            .with_secret("ebay_app_token", APP_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, &valid_header(), &body).await;
    assert!(
        matches!(got, Ok(WebhookOutcome::Events(ref e)) if e.len() == 1),
        "{got:?}"
    );
    let received = stand_in.requests();
    assert_eq!(
        stand_in.lines(),
        [format!("GET /commerce/notification/v1/public_key/{KID}")]
    );
    assert_eq!(
        received[0].header("authorization"),
        Some(format!("Bearer {APP_TOKEN}").as_str())
    );
}

#[tokio::test]
async fn altered_bodies_and_the_mismatched_signature_are_precondition_failures() {
    let plugin = load(with_config_key()).await;
    let compact = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    for (header, body, case) in [
        (
            valid_header(),
            fixture(
                "commerce_notification/marketplace_account_deletion.tampered_body.compact.json",
            ),
            "tampered compact body",
        ),
        (
            valid_header(),
            fixture("commerce_notification/marketplace_account_deletion.message.json"),
            "pretty-printed body",
        ),
        (
            valid_header(),
            fixture("commerce_notification/marketplace_account_deletion.tampered_message.json"),
            "tampered pretty message",
        ),
        (
            fixture_text("commerce_notification/x-ebay-signature.signature_mismatch.txt"),
            compact.clone(),
            "mismatched signature",
        ),
    ] {
        let got = deliver(&plugin, &header, &body).await;
        assert!(
            matches!(&got, Err(WebhookError::PreconditionFailed(m)) if m.contains(KID)),
            "{case}: {got:?}"
        );
    }
}

#[tokio::test]
async fn every_case_of_ebays_node_sdk_test_file_ends_as_the_sdk_expects() {
    let text = fixture_text("commerce_notification/nodejs_sdk_test.json");
    let cases = fixture_json("commerce_notification/nodejs_sdk_test.json");
    let compact_valid = compact(raw_object(&text, "VALID", "message"));
    // The compaction reproduces JSON.stringify: the bytes the VALID signature covers.
    assert_eq!(
        compact_valid,
        fixture("commerce_notification/marketplace_account_deletion.body.compact.json")
    );
    // Every case's header names the same kid; the stand-in answers with that case's key
    // response (`null` for ERROR, so the key lookup fails).
    for (name, expect) in [
        ("VALID", "events"),
        ("INVALID", "412"),
        ("SIGNATURE_MISMATCH", "412"),
        ("ERROR", "503"),
    ] {
        let case = &cases[name];
        let key_answer = serde_json::to_vec(&case["response"]).unwrap();
        let stand_in = ebay_api(vec![(
            "GET",
            format!("/commerce/notification/v1/public_key/{KID}"),
            Answer::json_text(200, key_answer),
        )])
        .await;
        let plugin = load(
            kit()
                .with_secret("ebay_app_token", APP_TOKEN)
                .with_config("api_base", &stand_in.url())
                .with_allowed_host(&stand_in.host()),
        )
        .await;
        let body = compact(raw_object(&text, name, "message"));
        let got = deliver(&plugin, case["signature"].as_str().unwrap(), &body).await;
        let ok = match expect {
            "events" => matches!(got, Ok(WebhookOutcome::Events(_))),
            "412" => matches!(got, Err(WebhookError::PreconditionFailed(_))),
            _ => matches!(got, Err(WebhookError::Unavailable(_))),
        };
        assert!(ok, "{name}: expected {expect}, got {got:?}");
    }
}

#[tokio::test]
async fn an_unknown_kid_at_ebay_is_a_precondition_failure() {
    let stand_in = ebay_api(vec![]).await;
    let plugin = load(
        kit()
            .with_secret("ebay_app_token", APP_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, &valid_header(), &body).await;
    assert!(
        matches!(&got, Err(WebhookError::PreconditionFailed(m)) if m.contains("404")),
        "{got:?}"
    );
}

#[tokio::test]
async fn without_a_key_or_an_app_token_the_connector_says_what_to_add() {
    let plugin = load(kit()).await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, &valid_header(), &body).await;
    assert!(
        matches!(&got, Err(WebhookError::Misconfigured(m))
            if m.contains(&format!("public_key.{KID}")) && m.contains("ebay_app_token")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_malformed_or_missing_signature_header_is_a_bad_request() {
    let plugin = load(with_config_key()).await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, "not base64!", &body).await;
    assert!(
        matches!(&got, Err(WebhookError::BadRequest(m)) if m.contains("X-EBAY-SIGNATURE is not base64")),
        "{got:?}"
    );
    let got = plugin
        .handle_webhook(&req(
            "POST",
            "/",
            &[("content-type", "application/json")],
            &body,
        ))
        .await
        .unwrap();
    assert!(
        matches!(&got, Err(WebhookError::BadRequest(m)) if m.contains("missing header X-EBAY-SIGNATURE")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_configured_key_that_is_not_a_key_is_misconfigured_naming_the_key() {
    let plugin = load(kit().with_config(
        &format!("public_key.{KID}"),
        "-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----",
    ))
    .await;
    let body = fixture("commerce_notification/marketplace_account_deletion.body.compact.json");
    let got = deliver(&plugin, &valid_header(), &body).await;
    assert!(
        matches!(&got, Err(WebhookError::Misconfigured(m)) if m.contains(&format!("`public_key.{KID}`"))),
        "{got:?}"
    );
}

#[tokio::test]
async fn describe_names_capabilities_and_topics() {
    let plugin = load(kit()).await;
    let d = serde_json::to_value(&plugin.description).unwrap();
    assert_eq!(d["marketplace"], "ebay");
    let caps: Vec<&str> = d["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(
        caps,
        [
            "Webhooks",
            "Polling",
            "Refund",
            "Message",
            "ReturnDecision",
            "DisputeEvidence",
            "Reconcile"
        ]
    );
    let topics = d["topics"].as_array().unwrap();
    for t in [
        "MARKETPLACE_ACCOUNT_DELETION",
        "ReturnCreated",
        "EBPMyResponseDue",
        "AskSellerQuestion",
    ] {
        assert!(topics.iter().any(|x| x == t), "{t}");
    }
}

#[tokio::test]
async fn other_methods_are_bad_requests() {
    let got = load(kit())
        .await
        .handle_webhook(&req("PUT", "/", &[], b""))
        .await
        .unwrap();
    assert!(matches!(got, Err(WebhookError::BadRequest(m)) if m.contains("PUT")));
}

/// Fuzz target: the account-deletion samples, mutated and then signed as eBay signs (ECDSA
/// P-256 over SHA-1 of the raw body, a key of the test's own configured for its kid), and
/// with mutated signature headers now and then, through the real host runtime: the connector
/// answers each, never traps, and takes some (the parsers behind the signature are reached).
#[test]
fn fuzz_signed_commerce_notifications_are_always_answered() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use helloword_testkit::fuzz::{self, proptest};
    use p256::ecdsa::signature::hazmat::PrehashSigner as _;
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::pkcs8::EncodePublicKey as _;
    use sha1::Digest as _;

    const FUZZ_KID: &str = "fuzz-key-1";
    let key = SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let der = VerifyingKey::from(&key).to_public_key_der().unwrap();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----{}-----END PUBLIC KEY-----",
        STANDARD.encode(der.as_bytes())
    );
    let sign = |body: &[u8]| {
        let signature: Signature = key.sign_prehash(&sha1::Sha1::digest(body)).unwrap();
        let header = serde_json::json!({
            "alg": "ecdsa",
            "kid": FUZZ_KID,
            "signature": STANDARD.encode(signature.to_der().as_bytes()),
            "digest": "SHA1",
        });
        STANDARD.encode(header.to_string()).into_bytes()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plugin = runtime.block_on(load(
        kit().with_config(&format!("public_key.{FUZZ_KID}"), &pem),
    ));
    let samples = vec![
        fixture("commerce_notification/marketplace_account_deletion.body.compact.json"),
        fixture("commerce_notification/marketplace_account_deletion.message.json"),
    ];
    let header_samples = vec![sign(&samples[0])];
    let strategy = (
        fuzz::mutated(samples, fuzz::JSON_PIECES),
        proptest::option::weighted(0.1, fuzz::mutated(header_samples, fuzz::JSON_PIECES)),
    );
    let taken = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(fuzz::config(64));
    runner
        .run(&strategy, |(body, header)| {
            let header = header.unwrap_or_else(|| sign(&body));
            let header = String::from_utf8_lossy(&header).into_owned();
            let req = req(
                "POST",
                "/",
                &[
                    ("X-EBAY-SIGNATURE", &header),
                    ("Content-Type", "application/json"),
                ],
                &body,
            );
            if fuzz::answered(runtime.block_on(plugin.handle_webhook(&req)), &body) {
                taken.set(taken.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(taken.get() > 0, "no case got past the signature check");
}
