//! Notifications through the real host runtime, delivered by an EventBridge API
//! destination: the API-key check, the EventBridge `detail`, and every fixture in
//! `tests/fixtures/notifications/` (a copy of `shared/fixtures/amazon/notifications/`).

mod common;

use common::*;
use helloword_testkit::connector_api::{WebhookError, WebhookOutcome};
use helloword_testkit::{Answer, StandIn, TestKit, request};
use serde_json::{Value, json};

fn kit() -> TestKit {
    TestKit::new().with_secret("amazon_eventbridge_key", API_KEY)
}

async fn deliver(
    kit: TestKit,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<WebhookOutcome, WebhookError> {
    load(kit)
        .await
        .handle_webhook(&request("POST", "/", headers, body))
        .await
        .expect("the connector answers within its limits")
}

/// The events (as JSON) that fixture `name`, wrapped by EventBridge, becomes.
async fn events_of(name: &str) -> Vec<Value> {
    let detail = fixture_json(&format!("notifications/{name}.json"));
    let body = eventbridge(name, &detail);
    match deliver(kit(), &[("X-API-Key", API_KEY)], &body).await {
        Ok(WebhookOutcome::Events(events)) => events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect(),
        other => panic!("{name}: {other:?}"),
    }
}

const NOTIFICATION_ID: &str = "d0e9e693-c3ad-4373-979f-ed4ec98dd746";

#[tokio::test]
async fn order_change_buyer_cancellation_is_a_cancellation_request_due_at_cancel_notify_date() {
    let e = &events_of("ORDER_CHANGE").await[..];
    assert_eq!(e.len(), 1);
    let e = &e[0];
    assert_eq!(e["kind"], "CancellationRequest");
    assert_eq!(e["shop"], "A3TH9S8BH6GOGM");
    assert_eq!(e["case_id"], "cancel:903-8868176-2219830");
    assert_eq!(e["order"]["id"], "903-8868176-2219830");
    // CancelNotifyDate 2022-12-07T19:42:04.284Z is the platform deadline.
    assert_eq!(
        e["platform_deadline"],
        json!({"seconds": 1_670_442_124, "nanoseconds": 284_000_000})
    );
    // TimeOfOrderChange, not EventTime, is when it happened.
    assert_eq!(e["occurred_at"]["seconds"], 1_669_750_924);
    assert_eq!(e["order"]["placed_at"]["seconds"], 1_657_741_324);
    assert_eq!(e["order"]["line_items"][0]["sku"], "SellerSKUID1");
    assert_eq!(e["order"]["line_items"][0]["quantity"], 10);
    assert_eq!(e["reason"]["code"], "BuyerRequestedChange");
    assert_eq!(e["reason"]["text"], "Buyer Requested Cancel");
    assert_eq!(e["status"], "Unshipped");
    assert_eq!(e["customer"]["country"], "US");
    assert_eq!(e["customer"]["preferred_locale"], "en-US");
    assert_eq!(e["dedupe"]["delivery"], NOTIFICATION_ID);
    assert_eq!(
        e["dedupe"]["business"],
        "order:903-8868176-2219830:cancel-requested"
    );
}

#[tokio::test]
async fn order_status_change_reads_epoch_millisecond_purchase_dates() {
    let e = &events_of("ORDER_STATUS_CHANGE").await[0];
    assert_eq!(e["kind"], "OrderUpdate");
    assert_eq!(e["status"], "Unshipped");
    assert_eq!(e["shop"], "AXXXXXXXXXXXXX");
    // 1595882000633 = 2020-07-27T20:33:20.633Z (reference test vector).
    assert_eq!(
        e["order"]["placed_at"],
        json!({"seconds": 1_595_882_000, "nanoseconds": 633_000_000})
    );
    assert_eq!(e["order"]["line_items"][0]["id"], "OIID34853450");
    assert_eq!(e["order"]["line_items"][0]["quantity"], 45);
    assert_eq!(
        e["dedupe"]["business"],
        "order:333-7777777-7777777:status:unshipped:OIID34853450"
    );
}

#[tokio::test]
async fn mfn_order_status_change_is_an_order_update() {
    let e = &events_of("MFN_ORDER_STATUS_CHANGE").await[0];
    assert_eq!(e["kind"], "OrderUpdate");
    assert_eq!(e["status"], "SHIPPING");
    assert_eq!(e["order"]["placed_at"]["seconds"], 1_595_882_000);
    assert_eq!(
        e["dedupe"]["business"],
        "order:333-7777777-7777777:status:shipping:OIID34853450"
    );
}

#[tokio::test]
async fn fulfillment_order_status_is_a_shipment_update_and_its_return_item_a_return() {
    let e = events_of("FULFILLMENT_ORDER_STATUS").await;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["kind"], "ShipmentUpdate");
    assert_eq!(e[0]["case_id"], "mcf:SFOID2345");
    assert_eq!(e[0]["shipment"]["carrier"], "2-930434");
    assert_eq!(e[0]["shipment"]["tracking_number"], "1Z84456456573405");
    assert_eq!(e[0]["shipment"]["status"], "PROCESSED");
    assert_eq!(
        e[0]["shipment"]["estimated_delivery"]["seconds"],
        1_594_669_324
    );
    assert_eq!(
        e[0]["dedupe"]["business"],
        "mcf:SFOID2345:ASID49535:processed/processed"
    );
    assert_eq!(e[1]["kind"], "ReturnRequest");
    assert_eq!(e[1]["case_id"], "mcf:SFOID2345");
    assert_eq!(e[1]["order"]["line_items"][0]["sku"], "SELLERSKU9345");
    assert_eq!(e[1]["order"]["line_items"][0]["quantity"], 12);
}

#[tokio::test]
async fn an_unfulfillable_mcf_order_is_a_logistics_problem() {
    let mut detail = fixture_json("notifications/FULFILLMENT_ORDER_STATUS.json");
    let inner = &mut detail["Payload"]["FulfillmentOrderStatusNotification"];
    inner["FulfillmentOrderStatus"] = json!("UNFULFILLABLE");
    inner
        .as_object_mut()
        .unwrap()
        .remove("FulfillmentReturnItem");
    let got = deliver(
        kit(),
        &[("x-api-key", API_KEY)],
        &eventbridge("FULFILLMENT_ORDER_STATUS", &detail),
    )
    .await;
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("{got:?}")
    };
    assert_eq!(events.len(), 1);
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap()["kind"],
        "LogisticsDelay"
    );
}

#[tokio::test]
async fn fba_outbound_shipment_status_is_a_shipment_update() {
    let e = &events_of("FBA_OUTBOUND_SHIPMENT_STATUS").await[0];
    assert_eq!(e["kind"], "ShipmentUpdate");
    assert_eq!(e["order"]["id"], "113-2646096-4474645");
    assert_eq!(e["status"], "Created");
    assert_eq!(e["dedupe"]["delivery"], "requestId");
    assert_eq!(e["dedupe"]["business"], "fba-shipment:DrLqQwqvb:created");
}

#[tokio::test]
async fn account_status_changed_is_account_health_with_camel_case_keys() {
    let e = &events_of("ACCOUNT_STATUS_CHANGED").await[0];
    assert_eq!(e["kind"], "AccountHealth");
    assert_eq!(e["status"], "AT_RISK");
    assert_eq!(e["shop"], "amazon");
    assert_eq!(e["occurred_at"]["seconds"], 1_607_715_724);
    assert_eq!(e["dedupe"]["delivery"], NOTIFICATION_ID);
    assert_eq!(
        e["dedupe"]["business"],
        "account-status:NORMAL:AT_RISK:2020-12-11T19:42:04.284Z"
    );
}

#[tokio::test]
async fn a_cancelled_report_is_acknowledged_without_events() {
    let detail = fixture_json("notifications/REPORT_PROCESSING_FINISHED.json");
    let got = deliver(
        kit(),
        &[("x-api-key", API_KEY)],
        &eventbridge("REPORT_PROCESSING_FINISHED", &detail),
    )
    .await;
    assert!(
        matches!(&got, Ok(WebhookOutcome::Ignored(t)) if t == "REPORT_PROCESSING_FINISHED:CANCELLED"),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_finished_returns_report_is_downloaded_and_read() {
    let stand_in = StandIn::start(|r| {
        let base = format!("http://{}", r.header("host").unwrap());
        match r.path.as_str() {
            "/reports/2021-06-30/documents/DOC-1" => Answer::json(
                200,
                &json!({"reportDocumentId": "DOC-1", "url": format!("{base}/s3/doc-1?X-Amz-Signature=abc"), "compressionAlgorithm": "GZIP"}),
            ),
            "/s3/doc-1" => Answer::status(200).with_body(fixture("reports/returns.tsv.gz")),
            _ => Answer::json_text(404, "{}"),
        }
    })
    .await
    .expect("a loopback port");
    let mut detail = fixture_json("notifications/REPORT_PROCESSING_FINISHED.json");
    let inner = &mut detail["payload"]["reportProcessingFinishedNotification"];
    inner["processingStatus"] = json!("DONE");
    inner["reportType"] = json!("GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE");
    inner["reportDocumentId"] = json!("DOC-1");
    let kit = kit()
        .with_secret("amazon_lwa_token", LWA_TOKEN)
        .with_config("api_base", &stand_in.url())
        .with_config("seller_id", SELLER)
        .with_allowed_host(&stand_in.host());
    let got = deliver(
        kit,
        &[("x-api-key", API_KEY)],
        &eventbridge("REPORT_PROCESSING_FINISHED", &detail),
    )
    .await;
    let Ok(WebhookOutcome::Events(events)) = got else {
        panic!("{got:?}")
    };
    let kinds: Vec<Value> = events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap()["kind"].clone())
        .collect();
    assert_eq!(kinds, ["ReturnRequest", "AToZClaim", "ReturnRequest"]);
    let first = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(first["shop"], SELLER);
    assert_eq!(
        first["amount"],
        json!({"minor_units": 1999, "currency": "USD"})
    );
    let seen = stand_in.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target(), "/reports/2021-06-30/documents/DOC-1");
    assert_eq!(seen[0].header("x-amz-access-token"), Some(LWA_TOKEN));
    // The pre-signed document URL gets no token.
    assert_eq!(seen[1].target(), "/s3/doc-1?X-Amz-Signature=abc");
    assert_eq!(seen[1].header("x-amz-access-token"), None);
}

#[tokio::test]
async fn a_report_that_cannot_be_fetched_is_503_so_eventbridge_retries() {
    let stand_in = StandIn::start(|_| Answer::json_text(503, "{}"))
        .await
        .expect("a loopback port");
    let mut detail = fixture_json("notifications/REPORT_PROCESSING_FINISHED.json");
    let inner = &mut detail["payload"]["reportProcessingFinishedNotification"];
    inner["processingStatus"] = json!("DONE");
    inner["reportType"] = json!("GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE");
    let kit = kit()
        .with_secret("amazon_lwa_token", LWA_TOKEN)
        .with_config("api_base", &stand_in.url())
        .with_allowed_host(&stand_in.host());
    let got = deliver(
        kit,
        &[("x-api-key", API_KEY)],
        &eventbridge("REPORT_PROCESSING_FINISHED", &detail),
    )
    .await;
    assert!(matches!(got, Err(WebhookError::Unavailable(_))), "{got:?}");
}

#[tokio::test]
async fn a_bare_notification_without_the_eventbridge_wrapper_is_accepted() {
    let body = fixture("notifications/ORDER_STATUS_CHANGE.json");
    let got = deliver(kit(), &[("x-api-key", API_KEY)], &body).await;
    assert!(
        matches!(&got, Ok(WebhookOutcome::Events(e)) if e.len() == 1),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_api_key_is_unauthorized() {
    let body = eventbridge(
        "ORDER_CHANGE",
        &fixture_json("notifications/ORDER_CHANGE.json"),
    );
    for headers in [
        vec![("x-api-key", "not-the-key")],
        vec![("x-api-key", "eb-api-key-012345678")],
        vec![],
    ] {
        let got = deliver(kit(), &headers, &body).await;
        assert!(
            matches!(got, Err(WebhookError::Unauthorized(_))),
            "{headers:?}: {got:?}"
        );
    }
}

#[tokio::test]
async fn the_api_key_header_name_is_configurable() {
    let body = eventbridge(
        "ORDER_CHANGE",
        &fixture_json("notifications/ORDER_CHANGE.json"),
    );
    let kit = kit().with_config("api_key_header", "X-HelloWord-Key");
    let got = deliver(kit, &[("x-helloword-key", API_KEY)], &body).await;
    assert!(matches!(got, Ok(WebhookOutcome::Events(_))), "{got:?}");
}

#[tokio::test]
async fn without_the_key_secret_the_webhook_is_misconfigured_naming_it() {
    let body = eventbridge(
        "ORDER_CHANGE",
        &fixture_json("notifications/ORDER_CHANGE.json"),
    );
    let got = deliver(TestKit::new(), &[("x-api-key", API_KEY)], &body).await;
    assert!(
        matches!(&got, Err(WebhookError::Misconfigured(m)) if m.contains("`amazon_eventbridge_key`")),
        "{got:?}"
    );
}

#[tokio::test]
async fn signed_bodies_it_cannot_read_and_other_applications_are_reported_unreadable() {
    let unreadable = |kit: TestKit, body: Vec<u8>| async move {
        let verdict = load(kit)
            .await
            .handle_webhook_verdict(&request("POST", "/", &[("x-api-key", API_KEY)], &body))
            .await
            .expect("the connector answers within its limits");
        verdict
            .unreadable()
            .map(str::to_string)
            .unwrap_or_else(|| panic!("not reported unreadable: {verdict:?}"))
    };
    unreadable(kit(), b"{not json".to_vec()).await;
    let why = unreadable(
        kit(),
        br#"{"detail-type":"x","detail":{"hello":1}}"#.to_vec(),
    )
    .await;
    assert!(why.contains("NotificationType"), "{why}");
    let body = eventbridge(
        "ORDER_CHANGE",
        &fixture_json("notifications/ORDER_CHANGE.json"),
    );
    let why = unreadable(
        kit().with_config("application_id", "amzn1.sellerapps.app.ours"),
        body,
    )
    .await;
    assert!(why.contains("application"), "{why}");
    // Without the API key nothing is reported: anyone could send it.
    let got = deliver(kit(), &[], b"{not json").await;
    assert!(matches!(got, Err(WebhookError::Unauthorized(_))), "{got:?}");
}

#[tokio::test]
async fn every_fixture_is_covered_and_the_plugin_loads_without_secrets() {
    // The demo config gives no Amazon secrets: the plugin must still load and describe itself.
    let plugin = load(TestKit::new()).await;
    let info = serde_json::to_value(&plugin.description).unwrap();
    assert_eq!(info["marketplace"], "amazon", "{info}");
    for name in NOTIFICATIONS {
        assert!(
            info["topics"].as_array().unwrap().contains(&json!(name)),
            "{name}"
        );
    }
    for name in NOTIFICATIONS {
        let body = eventbridge(name, &fixture_json(&format!("notifications/{name}.json")));
        let got = deliver(kit(), &[("x-api-key", API_KEY)], &body).await;
        assert!(
            matches!(
                got,
                Ok(WebhookOutcome::Events(_) | WebhookOutcome::Ignored(_))
            ),
            "{name}: {got:?}"
        );
    }
}

/// Fuzz target: every notification fixture wrapped by EventBridge, mutated, with the right
/// API key, through the real host runtime: the connector answers each, never traps.
#[test]
fn fuzz_keyed_eventbridge_deliveries_are_always_answered() {
    use helloword_testkit::fuzz::{self, proptest};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plugin = runtime.block_on(load(kit()));
    let samples = NOTIFICATIONS
        .iter()
        .map(|name| eventbridge(name, &fixture_json(&format!("notifications/{name}.json"))))
        .collect();
    let taken = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(fuzz::config(64));
    runner
        .run(&fuzz::mutated(samples, fuzz::JSON_PIECES), |body| {
            let req = request("POST", "/", &[("x-api-key", API_KEY)], &body);
            if fuzz::answered(runtime.block_on(plugin.handle_webhook(&req)), &body) {
                taken.set(taken.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(taken.get() > 0, "no case got past the signature check");
}
