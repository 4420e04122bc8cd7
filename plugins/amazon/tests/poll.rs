//! Polling through the real host runtime against a loopback stand-in speaking SQS's JSON
//! protocol and the Reports API: the exact requests (SigV4 signatures recomputed here),
//! delete-after-commit through the cursor, dead-letter records for poison messages, the
//! report state machine, and a mailbox that cannot be reached beside them.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use helloword_testkit::types::ActionError;
use helloword_testkit::{Answer, Recorded, StandIn, TestKit};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const QUEUE_PATH: &str = "/123456789012/sp-api-notifications";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Recompute the SigV4 `Authorization` of an SQS request as received, independently of the
/// connector's signer, and compare.
fn assert_signed(r: &Recorded) {
    let date = r.header("x-amz-date").expect("x-amz-date");
    let names = ["content-type", "host", "x-amz-date", "x-amz-target"];
    let canonical_headers: String = names
        .iter()
        .map(|n| format!("{n}:{}\n", r.header(n).unwrap_or_else(|| panic!("no {n}"))))
        .collect();
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{}\n{}",
        names.join(";"),
        hex::encode(Sha256::digest(&r.body))
    );
    let scope = format!("{}/us-east-1/sqs/aws4_request", &date[..8]);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{SECRET_ACCESS_KEY}").as_bytes(), &date[..8]);
    for part in ["us-east-1", "sqs", "aws4_request"] {
        key = hmac(&key, part);
    }
    let expected = format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/{scope}, SignedHeaders={}, Signature={}",
        names.join(";"),
        hex::encode(hmac(&key, &to_sign))
    );
    assert_eq!(r.header("authorization"), Some(expected.as_str()));
}

/// The bodies the queue holds: every notification fixture, then two poison messages.
fn queued_bodies() -> Vec<(String, String)> {
    let mut bodies: Vec<(String, String)> = NOTIFICATIONS
        .iter()
        .map(|n| {
            (
                format!("msg-{n}"),
                fixture_text(&format!("notifications/{n}.json")),
            )
        })
        .collect();
    bodies.push(("msg-not-json".into(), "this is not JSON {".into()));
    bodies.push((
        "msg-not-sp-api".into(),
        r#"{"Type":"Notification","Message":"hello from somewhere else"}"#.into(),
    ));
    bodies
}

/// An SQS stand-in: the first ReceiveMessage answers `bodies`, later ones nothing;
/// DeleteMessageBatch succeeds for every entry.
async fn sqs(bodies: Vec<(String, String)>) -> StandIn {
    let receives = Arc::new(AtomicUsize::new(0));
    StandIn::start(move |r| {
        let answer = match r.header("x-amz-target") {
            Some("AmazonSQS.ReceiveMessage") => {
                if receives.fetch_add(1, Ordering::SeqCst) == 0 {
                    let messages: Vec<Value> = bodies
                        .iter()
                        .map(|(id, body)| {
                            json!({"MessageId": id, "ReceiptHandle": format!("rh-{id}"),
                                   "MD5OfBody": "x", "Body": body,
                                   "Attributes": {"ApproximateReceiveCount": "1"}})
                        })
                        .collect();
                    json!({ "Messages": messages })
                } else {
                    json!({})
                }
            }
            Some("AmazonSQS.DeleteMessageBatch") => {
                let ids: Vec<Value> = r.expect_json()["Entries"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| json!({"Id": e["Id"]}))
                    .collect();
                json!({"Successful": ids, "Failed": []})
            }
            _ => {
                return Answer::json_text(
                    400,
                    r#"{"__type":"com.amazonaws.sqs#InvalidAction","message":"?"}"#,
                );
            }
        };
        Answer::json(200, &answer)
    })
    .await
    .expect("a loopback port")
}

fn sqs_kit(stand_in: &StandIn) -> TestKit {
    TestKit::new()
        .with_secret("aws_secret_access_key", SECRET_ACCESS_KEY)
        .with_config(
            "sqs_queue_url",
            &format!("https://sqs.us-east-1.amazonaws.com{QUEUE_PATH}"),
        )
        .with_config("sqs_endpoint", &stand_in.url())
        .with_config("aws_access_key_id", ACCESS_KEY_ID)
        .with_config("report_types", "")
        .with_config("seller_id", SELLER)
        .with_allowed_host(&stand_in.host())
}

#[tokio::test]
async fn messages_are_deleted_only_by_the_poll_after_the_one_that_returned_them() {
    let stand_in = sqs(queued_bodies()).await;
    let plugin = load(sqs_kit(&stand_in)).await;

    // Poll 1: receive, normalize, and carry the receipt handles in the cursor. Nothing is
    // deleted yet: the host has not stored the events.
    let first = plugin.poll(None).await.unwrap().unwrap();
    let seen = stand_in.requests();
    assert_eq!(seen.len(), 1);
    let receive = &seen[0];
    assert_eq!(receive.method, "POST");
    assert_eq!(receive.target(), "/");
    assert_eq!(
        receive.header("x-amz-target"),
        Some("AmazonSQS.ReceiveMessage")
    );
    assert_eq!(
        receive.header("content-type"),
        Some("application/x-amz-json-1.0")
    );
    assert_eq!(
        receive.expect_json(),
        json!({
            "QueueUrl": format!("https://sqs.us-east-1.amazonaws.com{QUEUE_PATH}"),
            "MaxNumberOfMessages": 10,
            "WaitTimeSeconds": 0,
            "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
        })
    );
    assert!(
        receive
            .header("authorization")
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
    );
    assert_signed(receive);

    let events: Vec<Value> = first
        .events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "AccountHealth",
            "ShipmentUpdate",
            "ShipmentUpdate",
            "ReturnRequest",
            "OrderUpdate",
            "CancellationRequest",
            "OrderUpdate",
            "Other",
            "Other",
        ]
    );
    assert!(events.iter().all(|e| e["shop"] == SELLER));
    // The poison messages are dead-letter records holding the raw body, keyed by MessageId.
    let dead = &events[7];
    assert_eq!(dead["dedupe"]["business"], "dead-letter:sqs:msg-not-json");
    let attributes: Vec<(String, String)> =
        serde_json::from_value(dead["attributes"].clone()).unwrap();
    assert!(attributes.contains(&("raw_body".into(), "this is not JSON {".into())));
    assert!(attributes.contains(&("dead_letter".into(), "true".into())));
    assert_eq!(
        events[8]["dedupe"]["business"],
        "dead-letter:sqs:msg-not-sp-api"
    );

    let cursor: Value = serde_json::from_str(first.next_cursor.as_deref().unwrap()).unwrap();
    let handles: Vec<String> = queued_bodies()
        .iter()
        .map(|(id, _)| format!("rh-{id}"))
        .collect();
    // Every message is acknowledged: the ignored REPORT_PROCESSING_FINISHED and the poison
    // ones included, so none of them is received again and again.
    assert_eq!(cursor["ack"], json!(handles));
    assert!(first.more, "handles to delete: poll again at once");

    // Poll 2 (the host stored poll 1's events and cursor): delete, then receive.
    stand_in.clear();
    let second = plugin
        .poll(first.next_cursor.as_deref())
        .await
        .unwrap()
        .unwrap();
    let seen = stand_in.requests();
    let targets: Vec<&str> = seen
        .iter()
        .map(|r| r.header("x-amz-target").unwrap())
        .collect();
    assert_eq!(
        targets,
        ["AmazonSQS.DeleteMessageBatch", "AmazonSQS.ReceiveMessage"]
    );
    let deleted: Vec<String> = seen[0].expect_json()["Entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ReceiptHandle"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(deleted, handles);
    assert_eq!(
        seen[0].expect_json()["QueueUrl"],
        format!("https://sqs.us-east-1.amazonaws.com{QUEUE_PATH}")
    );
    assert_signed(&seen[0]);
    assert!(second.events.is_empty());
    assert!(!second.more);
    let cursor: Value = serde_json::from_str(second.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["ack"], json!([]));

    // Poll 3: nothing left to delete, so no DeleteMessageBatch.
    stand_in.clear();
    plugin
        .poll(second.next_cursor.as_deref())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stand_in.requests().len(), 1);
}

#[tokio::test]
async fn a_failed_delete_keeps_the_cursor_so_the_host_retries_it() {
    let stand_in = StandIn::start(|_| Answer::json_text(500, "{}"))
        .await
        .expect("a loopback port");
    let plugin = load(sqs_kit(&stand_in)).await;
    let cursor =
        json!({"v": 1, "ack": ["rh-1"], "report": {"state": "idle", "index": 0}, "marks": {}})
            .to_string();
    let got = plugin.poll(Some(&cursor)).await.unwrap();
    assert!(matches!(got, Err(ActionError::Transient(_))), "{got:?}");
    assert_eq!(
        stand_in.requests()[0].header("x-amz-target"),
        Some("AmazonSQS.DeleteMessageBatch")
    );
}

#[tokio::test]
async fn a_message_whose_report_cannot_be_fetched_is_retried_then_set_aside() {
    let mut done = fixture_json("notifications/REPORT_PROCESSING_FINISHED.json");
    let inner = &mut done["payload"]["reportProcessingFinishedNotification"];
    inner["processingStatus"] = json!("DONE");
    inner["reportType"] = json!("GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE");
    let body = done.to_string();
    for (receive_count, dead_letter) in [("1", false), ("5", true)] {
        let body = body.clone();
        let stand_in = StandIn::start(move |r| match r.header("x-amz-target") {
            Some("AmazonSQS.ReceiveMessage") => Answer::json(
                200,
                &json!({"Messages": [{"MessageId": "m-report", "ReceiptHandle": "rh-report", "Body": body,
                        "Attributes": {"ApproximateReceiveCount": receive_count}}]}),
            ),
            _ => Answer::json_text(503, r#"{"errors":[{"code":"QuotaExceeded","message":"busy"}]}"#),
        })
        .await
        .expect("a loopback port");
        let kit = sqs_kit(&stand_in)
            .with_secret("amazon_lwa_token", LWA_TOKEN)
            .with_config("api_base", &stand_in.url());
        let page = load(kit).await.poll(None).await.unwrap().unwrap();
        let cursor: Value = serde_json::from_str(page.next_cursor.as_deref().unwrap()).unwrap();
        if dead_letter {
            assert_eq!(page.events.len(), 1);
            let e = serde_json::to_value(&page.events[0]).unwrap();
            assert_eq!(e["kind"], "Other");
            assert_eq!(e["dedupe"]["business"], "dead-letter:sqs:m-report");
            assert_eq!(cursor["ack"], json!(["rh-report"]));
        } else {
            assert!(page.events.is_empty());
            assert_eq!(
                cursor["ack"],
                json!([]),
                "left in the queue for SQS to deliver again"
            );
        }
    }
}

/// A Reports API stand-in: createReport → "R-1", getReport DONE with "DOC-9", the document
/// (gzip) on the same stand-in.
async fn reports_api(processing: &'static str) -> StandIn {
    StandIn::start(move |r| {
        let base = format!("http://{}", r.header("host").unwrap());
        let body = match (r.method.as_str(), r.path.as_str()) {
            ("POST", "/reports/2021-06-30/reports") => json!({"reportId": "R-1"}),
            ("GET", "/reports/2021-06-30/reports/R-1") => json!({
                "reportId": "R-1", "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
                "processingStatus": processing, "reportDocumentId": "DOC-9"}),
            ("GET", "/reports/2021-06-30/documents/DOC-9") => json!({
                "reportDocumentId": "DOC-9", "url": format!("{base}/doc/9?sig=1"),
                "compressionAlgorithm": "GZIP"}),
            ("GET", "/doc/9") => {
                return Answer::status(200).with_body(fixture("reports/returns.tsv.gz"));
            }
            _ => {
                return Answer::json_text(404, r#"{"errors":[{"code":"NotFound","message":"?"}]}"#);
            }
        };
        Answer::json(200, &body)
    })
    .await
    .expect("a loopback port")
}

fn reports_kit(stand_in: &StandIn) -> TestKit {
    TestKit::new()
        .with_secret("amazon_lwa_token", LWA_TOKEN)
        .with_config("api_base", &stand_in.url())
        .with_config("marketplace_id", "A1PA6795UKMFR9")
        .with_allowed_host(&stand_in.host())
}

#[tokio::test]
async fn the_returns_report_is_requested_awaited_downloaded_and_read() {
    let stand_in = reports_api("DONE").await;
    let plugin = load(reports_kit(&stand_in)).await;

    let first = plugin.poll(None).await.unwrap().unwrap();
    assert!(first.events.is_empty());
    assert!(!first.more);
    let seen = stand_in.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target(), "/reports/2021-06-30/reports");
    assert_eq!(seen[0].header("x-amz-access-token"), Some(LWA_TOKEN));
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    let body = seen[0].expect_json();
    assert_eq!(
        body["reportType"],
        "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
    );
    assert_eq!(body["marketplaceIds"], json!(["A1PA6795UKMFR9"]));
    let start = body["dataStartTime"].as_str().unwrap().to_string();
    let end = body["dataEndTime"].as_str().unwrap().to_string();
    let cursor: Value = serde_json::from_str(first.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["report"]["state"], "waiting");
    assert_eq!(cursor["report"]["id"], "R-1");

    stand_in.clear();
    let second = plugin
        .poll(first.next_cursor.as_deref())
        .await
        .unwrap()
        .unwrap();
    let targets: Vec<String> = stand_in.requests().iter().map(Recorded::line).collect();
    assert_eq!(
        targets,
        [
            "GET /reports/2021-06-30/reports/R-1",
            "GET /reports/2021-06-30/documents/DOC-9",
            "GET /doc/9?sig=1",
        ]
    );
    assert_eq!(stand_in.requests()[2].header("x-amz-access-token"), None);
    let kinds: Vec<Value> = second
        .events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap()["kind"].clone())
        .collect();
    assert_eq!(kinds, ["ReturnRequest", "AToZClaim", "ReturnRequest"]);
    let cursor: Value = serde_json::from_str(second.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["report"]["state"], "idle");
    assert_eq!(
        cursor["marks"]["GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"],
        end
    );
    assert!(
        cursor["report"]["next"].is_string(),
        "waits report_interval_minutes"
    );

    // Not due yet: nothing is asked.
    stand_in.clear();
    plugin
        .poll(second.next_cursor.as_deref())
        .await
        .unwrap()
        .unwrap();
    assert!(stand_in.requests().is_empty());

    // Due again: the next report overlaps the last one by report_overlap_hours.
    let mut due = cursor.clone();
    due["report"]["next"] = Value::Null;
    plugin.poll(Some(&due.to_string())).await.unwrap().unwrap();
    let next = stand_in.requests()[0].expect_json();
    assert_ne!(next["dataStartTime"].as_str().unwrap(), start);
    assert!(next["dataStartTime"].as_str().unwrap() < end.as_str());
}

#[tokio::test]
async fn a_report_still_in_progress_is_asked_again_next_time() {
    let stand_in = reports_api("IN_PROGRESS").await;
    let plugin = load(reports_kit(&stand_in)).await;
    let first = plugin.poll(None).await.unwrap().unwrap();
    let second = plugin
        .poll(first.next_cursor.as_deref())
        .await
        .unwrap()
        .unwrap();
    assert!(second.events.is_empty());
    let cursor: Value = serde_json::from_str(second.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["report"]["state"], "waiting");
}

#[tokio::test]
async fn without_secrets_polling_is_misconfigured_naming_the_secret_and_calls_nothing() {
    let stand_in = sqs(Vec::new()).await;
    // Reports on by default: the LWA token is missing.
    let got = load(
        TestKit::new()
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await
    .poll(None)
    .await
    .unwrap();
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`amazon_lwa_token`")),
        "{got:?}"
    );
    // SQS configured without its secret key.
    let kit = TestKit::new()
        .with_config("sqs_queue_url", "https://sqs.us-east-1.amazonaws.com/1/q")
        .with_config("sqs_endpoint", &stand_in.url())
        .with_config("aws_access_key_id", ACCESS_KEY_ID)
        .with_allowed_host(&stand_in.host());
    let got = load(kit).await.poll(None).await.unwrap();
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`aws_secret_access_key`")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn a_refused_signature_is_misconfigured() {
    let stand_in = StandIn::start(|_| {
        Answer::json_text(
            403,
            r#"{"__type":"com.amazon.coral.service#SignatureDoesNotMatch","message":"bad"}"#,
        )
    })
    .await
    .expect("a loopback port");
    let got = load(sqs_kit(&stand_in)).await.poll(None).await.unwrap();
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("aws_secret_access_key")),
        "{got:?}"
    );
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a loopback port")
        .local_addr()
        .expect("bound")
        .port()
}

/// `kit` with a mailbox on `port` (plain IMAP to loopback) and its password.
fn with_mailbox(kit: TestKit, port: u16) -> TestKit {
    kit.with_secret("amazon_mailbox_password", "mailbox-password")
        .with_config("mailbox_host", "127.0.0.1")
        .with_config("mailbox_port", &port.to_string())
        .with_config("mailbox_security", "none")
        .with_config("mailbox_username", "seller@example.com")
        .with_allowed_host(&format!("127.0.0.1:{port}"))
}

#[tokio::test]
async fn an_unreachable_mailbox_beside_sqs_is_a_warning_and_alone_fails_the_poll() {
    let stand_in = sqs(vec![(
        "msg-ORDER_CHANGE".into(),
        fixture_text("notifications/ORDER_CHANGE.json"),
    )])
    .await;
    let port = closed_port();
    let kit = with_mailbox(sqs_kit(&stand_in), port);
    let metrics = kit.metrics().clone();
    let page = load(kit).await.poll(None).await.unwrap().unwrap();
    // SQS's message still comes through and is acknowledged; the mail cursor stays unset.
    assert_eq!(page.events.len(), 1);
    let cursor: Value = serde_json::from_str(page.next_cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor["ack"], json!(["rh-msg-ORDER_CHANGE"]));
    assert!(cursor.get("mail").is_none(), "{cursor}");
    assert_eq!(
        metrics.counter_value("helloword_ext_poll_warnings_total", &[("plugin", "amazon")]),
        1,
        "the mail failure is a poll warning"
    );

    let alone = with_mailbox(TestKit::new().with_config("report_types", ""), port);
    let got = load(alone).await.poll(None).await.unwrap();
    assert!(
        matches!(&got, Err(ActionError::Transient(m)) if m.contains(&format!("mailbox 127.0.0.1:{port}"))),
        "{got:?}"
    );
}
