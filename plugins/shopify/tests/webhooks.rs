//! Webhooks through the real host runtime: authenticity, the envelope, and every fixture
//! normalized against its snapshot.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;
use helloword_testkit::connector_api::{WebhookError, WebhookOutcome};
use helloword_testkit::{hmac_sha256_base64, request};

/// What a delivery of `body` under `topic` signed with `secret` comes to.
async fn outcome(
    kit: helloword_testkit::TestKit,
    req: &helloword_testkit::connector_api::IncomingRequest,
) -> Result<WebhookOutcome, WebhookError> {
    load(kit)
        .await
        .handle_webhook(req)
        .await
        .expect("the connector answers without breaking a limit")
}

fn dispute() -> Vec<u8> {
    fixture("webhooks/disputes__create.json")
}

#[tokio::test]
async fn a_signed_delivery_becomes_events() {
    let got = outcome(
        kit(),
        &delivery("disputes/create", &dispute(), CLIENT_SECRET),
    )
    .await;
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("{got:?}");
    };
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].case_id.as_deref(), Some("285332461850802063"));
    assert_eq!(events[0].shop, SHOP);
}

#[tokio::test]
async fn a_tampered_body_is_unauthorized() {
    let body = dispute();
    let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &body);
    // Same JSON, one byte changed: the amount.
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("\"11.50\"", "\"91.50\"");
    let req = post(
        &headers("disputes/create", &signature, "1"),
        tampered.as_bytes(),
    );
    let got = outcome(kit(), &req).await;
    assert!(
        matches!(&got, Err(WebhookError::Unauthorized(m)) if m.contains("X-Shopify-Hmac-Sha256 does not match")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_body_signed_with_another_secret_is_unauthorized() {
    let got = outcome(
        kit(),
        &delivery("disputes/create", &dispute(), "not-the-secret"),
    )
    .await;
    assert!(matches!(got, Err(WebhookError::Unauthorized(_))), "{got:?}");
}

#[tokio::test]
async fn a_signature_of_the_pretty_body_does_not_verify_the_compact_one() {
    // The HMAC covers the bytes as sent: re-serializing the JSON must not verify.
    let pretty = dispute();
    let compact =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&pretty).unwrap()).unwrap();
    let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &pretty);
    let got = outcome(
        kit(),
        &post(&headers("disputes/create", &signature, "1"), &compact),
    )
    .await;
    assert!(matches!(got, Err(WebhookError::Unauthorized(_))), "{got:?}");
}

#[tokio::test]
async fn each_missing_required_header_is_a_bad_request_naming_it() {
    let plugin = load(kit()).await;
    let body = dispute();
    let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &body);
    for name in [
        "X-Shopify-Topic",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Shop-Domain",
        "X-Shopify-Webhook-Id",
        "X-Shopify-API-Version",
    ] {
        let without: Vec<_> = headers("disputes/create", &signature, "1")
            .into_iter()
            .filter(|(k, _)| k != name)
            .collect();
        let got = plugin.handle_webhook(&post(&without, &body)).await.unwrap();
        assert!(
            matches!(&got, Err(WebhookError::BadRequest(m)) if m.contains(name)),
            "{name}: {got:?}"
        );
    }
}

#[tokio::test]
async fn headers_are_checked_before_the_signature() {
    // A forged delivery that also lacks a header is told about the header: nothing about
    // the secret is revealed to a request that is not even shaped like Shopify's.
    let without_topic: Vec<_> = headers("disputes/create", "forged", "1")
        .into_iter()
        .filter(|(k, _)| k != "X-Shopify-Topic")
        .collect();
    let got = outcome(kit(), &post(&without_topic, &dispute())).await;
    assert!(matches!(got, Err(WebhookError::BadRequest(_))), "{got:?}");
}

#[tokio::test]
async fn unprefixed_shopify_headers_are_accepted() {
    let body = dispute();
    let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &body);
    let bare: Vec<_> = headers("disputes/create", &signature, "1")
        .into_iter()
        .map(|(k, v)| (k.trim_start_matches("X-").to_string(), v))
        .collect();
    assert!(bare.iter().all(|(k, _)| k.starts_with("Shopify-")));
    let got = outcome(kit(), &post(&bare, &body)).await;
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("{got:?}");
    };
    assert_eq!(events[0].dedupe.delivery.as_deref(), Some("webhook-1"));
    assert_eq!(events[0].dedupe.action.as_deref(), Some("event-1"));
}

#[tokio::test]
async fn lower_case_headers_are_accepted() {
    let body = dispute();
    let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &body);
    let lower: Vec<_> = headers("disputes/create", &signature, "1")
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let got = outcome(kit(), &post(&lower, &body)).await;
    assert!(matches!(got, Ok(WebhookOutcome::Events(_))), "{got:?}");
}

#[tokio::test]
async fn the_previous_secret_is_accepted_during_a_rotation() {
    let req = delivery("disputes/create", &dispute(), PREVIOUS_SECRET);
    let rotating = kit().with_secret("shopify_previous_client_secret", PREVIOUS_SECRET);
    let got = outcome(rotating, &req).await;
    assert!(matches!(got, Ok(WebhookOutcome::Events(_))), "{got:?}");
    // Still the current one too.
    let rotating = kit().with_secret("shopify_previous_client_secret", PREVIOUS_SECRET);
    let current = delivery("disputes/create", &dispute(), CLIENT_SECRET);
    assert!(matches!(
        outcome(rotating, &current).await,
        Ok(WebhookOutcome::Events(_))
    ));
    // Once the previous secret is removed, its signatures stop verifying.
    let got = outcome(kit(), &req).await;
    assert!(matches!(got, Err(WebhookError::Unauthorized(_))), "{got:?}");
}

#[tokio::test]
async fn an_unknown_topic_is_acknowledged_and_ignored() {
    let body = br#"{"id": 1, "name": "Example shop"}"#;
    let kit = kit();
    let metrics = kit.metrics().clone();
    let got = outcome(kit, &delivery("app/uninstalled", body, CLIENT_SECRET)).await;
    assert!(
        matches!(&got, Ok(WebhookOutcome::Ignored(topic)) if topic == "app/uninstalled"),
        "{got:?}"
    );
    assert_eq!(
        metrics.counter_value(
            "helloword_ext_ignored_topics_total",
            &[("plugin", "shopify")]
        ),
        1,
        "the ignored topic is counted, without a label from the unsigned topic header"
    );
}

#[tokio::test]
async fn malformed_json_with_a_valid_signature_is_reported_as_verified_but_unreadable() {
    let body = br#"{"id": 285332461850802063, "amount": "#;
    let verdict = load(kit())
        .await
        .handle_webhook_verdict(&delivery("disputes/create", body, CLIENT_SECRET))
        .await
        .unwrap();
    assert!(
        verdict.unreadable().is_some_and(
            |m| m.contains("disputes/create delivery webhook-1: body is not valid JSON")
        ),
        "{verdict:?}"
    );
    // Unsigned, the same body is refused and not reported: anyone could send it.
    let forged = load(kit())
        .await
        .handle_webhook_verdict(&delivery("disputes/create", body, "not-the-secret"))
        .await
        .unwrap();
    assert!(!forged.verified_unreadable, "{forged:?}");
    assert!(
        matches!(forged.outcome, Err(WebhookError::Unauthorized(_))),
        "{forged:?}"
    );
}

#[tokio::test]
async fn a_request_that_is_not_a_post_is_a_bad_request() {
    let got = outcome(kit(), &request("GET", "/", &[], b"")).await;
    assert!(matches!(got, Err(WebhookError::BadRequest(m)) if m.contains("POST")));
}

#[tokio::test]
async fn describe_names_the_marketplace_capabilities_and_topics() {
    let plugin = load(kit()).await;
    let description = serde_json::to_value(&plugin.description).unwrap();
    assert_eq!(description["marketplace"], "shopify");
    let capabilities: Vec<&str> = description["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(
        capabilities,
        [
            "Webhooks",
            "Refund",
            "Reship",
            "Coupon",
            "ReturnDecision",
            "DisputeEvidence",
            "Reconcile"
        ]
    );
    let topics = description["topics"].as_array().unwrap();
    for topic in [
        "disputes/create",
        "refunds/create",
        "returns/request",
        "customers/redact",
    ] {
        assert!(topics.iter().any(|t| t == topic), "{topic}");
    }
}

#[tokio::test]
async fn poll_has_nothing_to_fetch() {
    let got = load(kit()).await.poll(None).await.unwrap().unwrap();
    assert!(got.events.is_empty());
    assert_eq!(got.next_cursor, None);
    assert!(!got.more);
}

/// One delivery of a fixture: snapshot name, fixture file, topic.
struct Case {
    name: String,
    file: String,
    topic: String,
}

/// Every webhook fixture under the topic its name spells, plus the samples Shopify shares
/// between topics.
fn cases() -> Vec<Case> {
    let dir = crate_dir().join("tests/fixtures/webhooks");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("the webhook fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    let mut cases: Vec<Case> = files
        .into_iter()
        .map(|file| {
            let name = file.trim_end_matches(".json").to_string();
            Case {
                topic: name.replace("__", "/"),
                name,
                file,
            }
        })
        .collect();
    for (name, file, topic) in [
        (
            "disputes__update",
            "disputes__create.json",
            "disputes/update",
        ),
        (
            "orders__cancelled",
            "orders__updated.json",
            "orders/cancelled",
        ),
    ] {
        cases.push(Case {
            name: name.into(),
            file: file.into(),
            topic: topic.into(),
        });
    }
    cases
}

/// Compares every fixture's outcome with `tests/snapshots/<name>.json`. With
/// `UPDATE_SNAPSHOTS=1` it rewrites them instead; read each rewritten file before
/// accepting it.
#[tokio::test]
async fn every_fixture_normalizes_to_its_snapshot() {
    let plugin = load(kit()).await;
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let dir = crate_dir().join("tests/snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    for case in cases() {
        // The exact bytes, signed as Shopify signs them; never re-serialized.
        let body = fixture(&format!("webhooks/{}", case.file));
        let signature = hmac_sha256_base64(CLIENT_SECRET.as_bytes(), &body);
        let req = post(&headers(&case.topic, &signature, &case.name), &body);
        let got = plugin
            .handle_webhook(&req)
            .await
            .expect("no limit is broken");
        let snapshot = serde_json::json!({
            "fixture": case.file,
            "topic": case.topic,
            "outcome": got,
        });
        let text = serde_json::to_string_pretty(&snapshot).unwrap() + "\n";
        let path: PathBuf = dir.join(format!("{}.json", case.name));
        names.insert(format!("{}.json", case.name));
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Err(_) => failures.push(format!(
                "{}: no snapshot; run with UPDATE_SNAPSHOTS=1 and review it",
                path.display()
            )),
            Ok(expected) if expected != text => {
                let line = expected
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .map_or(expected.lines().count().min(text.lines().count()), |i| i)
                    + 1;
                failures.push(format!(
                    "{}: differs from line {line}\n--- expected\n{}\n--- got\n{}",
                    path.display(),
                    expected.lines().nth(line - 1).unwrap_or("<end>"),
                    text.lines().nth(line - 1).unwrap_or("<end>"),
                ));
            }
            Ok(_) => {}
        }
    }
    let stale: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !names.contains(n))
        .collect();
    assert!(stale.is_empty(), "snapshots without a fixture: {stale:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Fuzz target: every webhook fixture, mutated and signed with the client secret, under
/// every topic, through the real host runtime: the connector answers each, never traps.
#[test]
fn fuzz_signed_deliveries_are_always_answered() {
    use helloword_testkit::fuzz::{self, proptest};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plugin = runtime.block_on(load(kit()));
    let dir = crate_dir().join("tests/fixtures/webhooks");
    let mut samples = Vec::new();
    let mut topics = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        samples.push(std::fs::read(&path).unwrap());
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        topics.push(stem.replace("__", "/"));
    }
    let strategy = (
        fuzz::mutated(samples, fuzz::JSON_PIECES),
        proptest::sample::select(topics),
    );
    let taken = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(fuzz::config(64));
    runner
        .run(&strategy, |(body, topic)| {
            let req = delivery(&topic, &body, CLIENT_SECRET);
            if fuzz::answered(runtime.block_on(plugin.handle_webhook(&req)), &body) {
                taken.set(taken.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(taken.get() > 0, "no case got past the signature check");
}
