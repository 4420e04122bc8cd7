//! Platform Notifications (SOAP) through the real host runtime: eBay's published return
//! samples, the keyset signature (with the published test vector), stale timestamps, and
//! one business key for a return seen by notification and by poll.
//!
//! eBay's samples have an empty SOAP header and no `Timestamp`; live deliveries carry
//! both. [`signed`] adds them the way eBay's Trading notifications do (KB 1201), leaving the
//! sample's own bytes untouched otherwise.

mod common;

use base64::Engine as _;
use common::*;
use helloword_testkit::connector_api::{WebhookError, WebhookOutcome};
use helloword_testkit::{Answer, StandIn, TestKit};
use md5::{Digest, Md5};

/// The keyset secrets.
fn keyset(kit: TestKit) -> TestKit {
    kit.with_secret("ebay_dev_id", KEYSET.0)
        .with_secret("ebay_app_id", KEYSET.1)
        .with_secret("ebay_cert_id", KEYSET.2)
}

/// base64(MD5(timestamp + DevID + AppID + CertID)).
fn sign(timestamp: &str, keyset: (&str, &str, &str)) -> String {
    let digest = Md5::digest(format!("{timestamp}{}{}{}", keyset.0, keyset.1, keyset.2));
    base64::engine::general_purpose::STANDARD.encode(digest)
}

/// The sample with a signature header and a `Timestamp` in the event.
fn signed(sample: &str, timestamp: &str, signature: &str) -> String {
    let text = fixture_text(&format!("platform_notifications/{sample}"));
    assert!(text.contains("<soapenv:Header/>") && text.contains("<NotificationEvent>"));
    text.replace(
        "<soapenv:Header/>",
        &format!(
            "<soapenv:Header>\n    <ebl:RequesterCredentials soapenv:mustUnderstand=\"0\" \
             xmlns:ns=\"urn:ebay:apis:eBLBaseComponents\" xmlns:ebl=\"urn:ebay:apis:eBLBaseComponents\">\n      \
             <ebl:NotificationSignature xmlns:ebl=\"urn:ebay:apis:eBLBaseComponents\">{signature}</ebl:NotificationSignature>\n    \
             </ebl:RequesterCredentials>\n  </soapenv:Header>"
        ),
    )
    .replace(
        "<NotificationEvent>",
        &format!("<NotificationEvent>\n      <Timestamp>{timestamp}</Timestamp>"),
    )
}

/// Now, as eBay writes it.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    rfc3339_millis(secs)
}

/// RFC 3339 with milliseconds for `secs` since the epoch.
fn rfc3339_millis(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

async fn deliver(kit: TestKit, body: &str) -> Result<WebhookOutcome, WebhookError> {
    load(kit)
        .await
        .handle_webhook(&req(
            "POST",
            "/",
            &[
                ("Content-Type", "text/xml; charset=utf-8"),
                (
                    "SOAPAction",
                    "\"http://developer.ebay.com/notification/ReturnCreated\"",
                ),
            ],
            body.as_bytes(),
        ))
        .await
        .expect("the connector answers within its limits")
}

fn one_event(got: Result<WebhookOutcome, WebhookError>) -> serde_json::Value {
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("expected events: {got:?}");
    };
    assert_eq!(events.len(), 1);
    serde_json::to_value(&events[0]).unwrap()
}

#[tokio::test]
async fn the_published_samples_unsigned_are_unauthorized() {
    for sample in ["ReturnCreated.xml", "ReturnClosed.xml"] {
        let text = fixture_text(&format!("platform_notifications/{sample}"));
        let got = deliver(keyset(kit()), &text).await;
        assert!(
            matches!(&got, Err(WebhookError::Unauthorized(m)) if m.contains("NotificationSignature")),
            "{sample}: {got:?}"
        );
    }
}

#[tokio::test]
async fn the_published_signature_vector_verifies_and_the_return_is_normalized() {
    // Timestamp, keyset and signature exactly as marketplaces.md lists them; the window is
    // widened because the vector's timestamp is from 2022.
    let body = signed(
        "ReturnCreated.xml",
        "2022-01-14T18:35:50.478Z",
        "pjcLNK7ZYjtpXsLxhL+YTg==",
    );
    let kit = keyset(kit()).with_config("soap_max_age_minutes", "100000000");
    let e = one_event(deliver(kit, &body).await);
    assert_eq!(e["kind"], "ReturnRequest");
    assert_eq!(e["shop"], SELLER);
    assert_eq!(e["case_id"], "return:5********8");
    assert_eq!(e["dedupe"]["business"], "return:5********8:requested");
    assert_eq!(e["status"], "MY_RESPONSE_DUE");
    assert_eq!(e["summary"], "Return requested");
    // No deadline from eBay: the host applies its 3 business days.
    assert_eq!(e["platform_deadline"], serde_json::Value::Null);
    assert_eq!(e["customer"]["id"], "c********3");
    assert_eq!(e["customer"]["country"], "US");
    assert_eq!(e["customer"]["preferred_locale"], "en-US");
    assert_eq!(e["occurred_at"]["seconds"], 1_252_327_806);
}

#[tokio::test]
async fn a_current_signed_return_closed_is_its_own_state_change() {
    let ts = now();
    let body = signed("ReturnClosed.xml", &ts, &sign(&ts, KEYSET));
    let e = one_event(deliver(keyset(kit()), &body).await);
    assert_eq!(e["dedupe"]["business"], "return:5********8:closed");
    assert_eq!(e["summary"], "Return closed");
}

#[tokio::test]
async fn another_keyset_or_a_stale_timestamp_is_unauthorized() {
    let ts = now();
    let forged = signed(
        "ReturnCreated.xml",
        &ts,
        &sign(&ts, ("DEVID", "APPID", "OTHER")),
    );
    let got = deliver(keyset(kit()), &forged).await;
    assert!(
        matches!(&got, Err(WebhookError::Unauthorized(m)) if m.contains("does not match")),
        "{got:?}"
    );
    let old = "2022-01-14T18:35:50.478Z";
    let stale = signed("ReturnCreated.xml", old, "pjcLNK7ZYjtpXsLxhL+YTg==");
    let got = deliver(keyset(kit()), &stale).await;
    assert!(
        matches!(&got, Err(WebhookError::Unauthorized(m)) if m.contains("soap_max_age_minutes")),
        "{got:?}"
    );
}

#[tokio::test]
async fn without_the_keyset_the_connector_names_the_secret() {
    let ts = now();
    let body = signed("ReturnCreated.xml", &ts, &sign(&ts, KEYSET));
    let got = deliver(kit(), &body).await;
    assert!(
        matches!(&got, Err(WebhookError::Misconfigured(m)) if m.contains("`ebay_dev_id`")),
        "{got:?}"
    );
}

#[tokio::test]
async fn an_event_the_connector_does_not_handle_is_ignored() {
    let ts = now();
    let body = signed("ReturnCreated.xml", &ts, &sign(&ts, KEYSET)).replace(
        "<NotificationEventName>ReturnCreated</NotificationEventName>",
        "<NotificationEventName>FeedbackLeft</NotificationEventName>",
    );
    let got = deliver(keyset(kit()), &body).await;
    assert!(
        matches!(&got, Ok(WebhookOutcome::Ignored(name)) if name == "FeedbackLeft"),
        "{got:?}"
    );
}

#[tokio::test]
async fn xml_that_is_not_well_formed_is_a_bad_request() {
    let got = deliver(
        keyset(kit()),
        "<soapenv:Envelope><soapenv:Body></soapenv:Envelope>",
    )
    .await;
    assert!(
        matches!(&got, Err(WebhookError::BadRequest(m)) if m.contains("SOAP body is not XML")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_return_seen_by_notification_and_by_poll_is_one_state_change() {
    let ts = now();
    let body = signed("ReturnCreated.xml", &ts, &sign(&ts, KEYSET));
    let pushed = one_event(deliver(keyset(kit()), &body).await);

    let member = serde_json::json!({
        "members": [{
            "returnId": "5********8",
            "orderId": "26-00000-00000",
            "buyerLoginName": "c********3",
            "state": "RETURN_REQUESTED",
            "status": "RETURN_REQUESTED",
            "creationInfo": {"reason": "NOT_AS_DESCRIBED", "reasonType": "SNAD",
                             "creationDate": {"value": "2011-12-05T16:36:10.000Z"}},
            "sellerResponseDue": {"activityDue": "SELLER_APPROVE_REQUEST",
                                  "respondByDate": {"value": "2011-12-08T16:36:10.000Z"}}
        }],
        "paginationOutput": {"offset": 0, "limit": 50, "totalEntries": 1}
    });
    let stand_in = StandIn::start(move |r| {
        if r.target().starts_with("/post-order/v2/return/search?") {
            Answer::json(200, &member)
        } else {
            Answer::json_text(404, "{}")
        }
    })
    .await
    .expect("a loopback port");
    let plugin = load(
        kit()
            .with_secret("ebay_user_token", USER_TOKEN)
            .with_config("poll_stages", "returns")
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let polled = plugin.poll(None).await.unwrap().unwrap();
    let polled = serde_json::to_value(&polled.events[0]).unwrap();
    assert_eq!(polled["dedupe"]["business"], pushed["dedupe"]["business"]);
    assert_eq!(polled["case_id"], pushed["case_id"]);
    // The poll knows more: eBay's own deadline.
    assert_eq!(polled["platform_deadline"]["seconds"], 1_323_362_170);
}

/// Fuzz target: the published Platform Notification samples, signed now (the signature is
/// over the timestamp) and then mutated, through the real host runtime: the connector
/// answers each, never traps.
#[test]
fn fuzz_signed_platform_notifications_are_always_answered() {
    use helloword_testkit::fuzz::{self, proptest};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plugin = runtime.block_on(load(keyset(kit())));
    let timestamp = now();
    let signature = sign(&timestamp, KEYSET);
    let samples = ["ReturnCreated.xml", "ReturnClosed.xml"]
        .into_iter()
        .map(|sample| signed(sample, &timestamp, &signature).into_bytes())
        .collect();
    let taken = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(fuzz::config(64));
    runner
        .run(&fuzz::mutated(samples, fuzz::XML_PIECES), |body| {
            let req = req(
                "POST",
                "/",
                &[
                    ("Content-Type", "text/xml; charset=utf-8"),
                    (
                        "SOAPAction",
                        "\"http://developer.ebay.com/notification/ReturnCreated\"",
                    ),
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
