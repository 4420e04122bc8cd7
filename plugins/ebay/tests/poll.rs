//! Polling through the real host runtime against a stand-in for the Post-Order and
//! Fulfillment searches: the requests eBay receives, the cursor, pagination and errors.

mod common;

use common::*;
use helloword_testkit::types::ActionError;
use helloword_testkit::{Answer, Plugin, Recorded, StandIn};
use serde_json::{Value, json};

async fn connector(stand_in: &StandIn, stages: &str, page_size: &str) -> Plugin {
    load(
        kit()
            .with_secret("ebay_user_token", USER_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_config("apiz_base", &stand_in.url())
            .with_config("marketplace_id", "EBAY_DE")
            .with_config("poll_stages", stages)
            .with_config("poll_page_size", page_size)
            .with_allowed_host(&stand_in.host()),
    )
    .await
}

/// The search answers, by path, for a seller with one of everything (two returns).
fn answer(r: &Recorded) -> Answer {
    let target = r.target();
    let path = target.split('?').next().unwrap_or_default();
    let offset: u32 = target
        .split('&')
        .find_map(|p| p.strip_prefix("offset="))
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let body = match path {
        "/post-order/v2/return/search" => {
            let ret = fixture_json("schema-derived/post_order_return.get.third_party_shape.json");
            let mut second = ret["summary"].clone();
            second["returnId"] = json!("5300000001");
            second["state"] = json!("CLOSED");
            let member = if offset == 0 {
                ret["summary"].clone()
            } else {
                second
            };
            json!({"members": [member], "paginationOutput": {"offset": offset, "limit": 1, "totalEntries": 2}})
        }
        "/post-order/v2/casemanagement/search" => json!({"members": [{
            "caseId": "5000000001", "caseType": "INR", "caseStatusEnum": "OPEN",
            "claimAmount": {"value": 75.28, "currency": "EUR"}, "buyer": "example_buyer",
            "respondByDate": {"value": "2026-10-04T10:00:00.000Z"}}],
            "paginationOutput": {"totalEntries": 1}}),
        "/post-order/v2/inquiry/search" => {
            json!({"members": [], "paginationOutput": {"totalEntries": 0}})
        }
        "/post-order/v2/cancellation/search" => json!({"cancellations": [{
            "cancelId": "5000000123", "legacyOrderId": "01-23456-78901", "cancelStatus": "CANCEL_REQUESTED",
            "requestorType": "BUYER", "marketplaceId": "EBAY_DE"}], "total": 1}),
        "/sell/fulfillment/v1/payment_dispute_summary" => {
            let d = fixture_json("schema-derived/fulfillment_payment_dispute.get.json");
            json!({"paymentDisputeSummaries": [d], "total": 1, "offset": 0, "limit": 1})
        }
        _ => return Answer::json_text(404, r#"{"errors":[{"message":"unknown"}]}"#),
    };
    Answer::json(200, &body)
}

#[tokio::test]
async fn a_sweep_walks_every_search_page_by_page_and_resumes_from_its_cursor() {
    let stand_in = StandIn::start(answer).await.expect("a loopback port");
    let plugin = connector(
        &stand_in,
        "returns,cases,inquiries,cancellations,disputes",
        "1",
    )
    .await;
    let mut cursor: Option<String> = None;
    let mut kinds = Vec::new();
    let mut businesses = Vec::new();
    let mut cursors = Vec::new();
    for _ in 0..6 {
        let page = plugin.poll(cursor.as_deref()).await.unwrap().unwrap();
        for e in &page.events {
            let e = serde_json::to_value(e).unwrap();
            kinds.push(e["kind"].as_str().unwrap().to_string());
            businesses.push(e["dedupe"]["business"].as_str().unwrap().to_string());
            assert_eq!(e["shop"], SELLER);
        }
        cursor = page.next_cursor.clone();
        cursors.push(serde_json::from_str::<Value>(cursor.as_deref().unwrap()).unwrap());
        if !page.more {
            break;
        }
    }
    assert_eq!(
        businesses,
        [
            "return:5300000000:approved",
            "return:5300000001:closed",
            "case:5000000001:open",
            "cancel:5000000123:cancel_requested",
            "dispute:5000000000:action_needed",
        ]
    );
    assert_eq!(
        kinds,
        [
            "ReturnRequest",
            "ReturnRequest",
            "AToZClaim",
            "CancellationRequest",
            "Chargeback"
        ]
    );
    // Six calls: two return pages, then one per other stage; the last completes the sweep.
    assert_eq!(cursors.len(), 6);
    let stages: Vec<&str> = cursors
        .iter()
        .map(|c| c["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "returns",
            "cases",
            "inquiries",
            "cancellations",
            "disputes",
            "returns"
        ]
    );
    assert_eq!(cursors[0]["offset"], 1);
    // The window is fixed for the sweep; the next sweep has none until it starts, and
    // starts 7 days (poll_revisit_days) before the previous end.
    let to = cursors[0]["to"].as_str().unwrap().to_string();
    assert!(cursors[..5].iter().all(|c| c["to"] == to.as_str()));
    assert_eq!(cursors[5]["to"], Value::Null);
    assert_eq!(cursors[5]["offset"], 0);

    let received = stand_in.requests();
    let lines: Vec<String> = received
        .iter()
        .map(|r| r.target().split('?').next().unwrap().to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "/post-order/v2/return/search",
            "/post-order/v2/return/search",
            "/post-order/v2/casemanagement/search",
            "/post-order/v2/inquiry/search",
            "/post-order/v2/cancellation/search",
            "/sell/fulfillment/v1/payment_dispute_summary",
        ]
    );
    let from = cursors[0]["from"].as_str().unwrap();
    assert_eq!(
        received[0].target(),
        format!(
            "/post-order/v2/return/search?creation_date_range_from={from}&creation_date_range_to={to}&limit=1&offset=0&role=SELLER"
        )
    );
    assert!(
        received[1]
            .target()
            .ends_with("&limit=1&offset=1&role=SELLER")
    );
    assert_eq!(
        received[2].target(),
        format!(
            "/post-order/v2/casemanagement/search?case_creation_date_range_from={from}&case_creation_date_range_to={to}&limit=1&offset=0"
        )
    );
    assert!(
        received[3]
            .target()
            .contains("inquiry_creation_date_range_from=")
    );
    assert_eq!(
        received[5].target(),
        format!(
            "/sell/fulfillment/v1/payment_dispute_summary?open_date_from={from}&open_date_to={to}&limit=1&offset=0"
        )
    );
    for r in &received[..5] {
        assert_eq!(
            r.header("authorization"),
            Some(format!("IAF {USER_TOKEN}").as_str())
        );
        assert_eq!(r.header("x-ebay-c-marketplace-id"), Some("EBAY_DE"));
    }
    assert_eq!(
        received[5].header("authorization"),
        Some(format!("Bearer {USER_TOKEN}").as_str())
    );
}

#[tokio::test]
async fn polled_events_carry_ebays_deadlines_money_and_buyer() {
    let stand_in = StandIn::start(answer).await.expect("a loopback port");
    let plugin = connector(&stand_in, "cases", "50").await;
    let page = plugin.poll(None).await.unwrap().unwrap();
    let e = serde_json::to_value(&page.events[0]).unwrap();
    assert_eq!(e["case_id"], "case:5000000001");
    assert_eq!(e["amount"], json!({"minor_units": 7528, "currency": "EUR"}));
    assert_eq!(e["platform_deadline"]["seconds"], 1_791_108_000);
    assert_eq!(e["customer"]["id"], "example_buyer");
    assert!(!page.more);
}

async fn poll_answered(
    status: u16,
) -> Result<helloword_testkit::connector_api::PollResult, ActionError> {
    let stand_in =
        StandIn::start(move |_| Answer::json_text(status, r#"{"errors":[{"message":"busy"}]}"#))
            .await
            .expect("a loopback port");
    connector(&stand_in, "returns", "10")
        .await
        .poll(None)
        .await
        .unwrap()
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_transient() {
    for status in [429, 500, 503] {
        let got = poll_answered(status).await;
        assert!(
            matches!(got, Err(ActionError::Transient(_))),
            "{status}: {got:?}"
        );
    }
}

#[tokio::test]
async fn a_refused_token_is_misconfigured_naming_the_secret() {
    for status in [401, 403] {
        let got = poll_answered(status).await;
        assert!(
            matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`ebay_user_token`")),
            "{status}: {got:?}"
        );
    }
}

#[tokio::test]
async fn without_the_user_token_polling_is_misconfigured_and_calls_nothing() {
    let stand_in = StandIn::start(answer).await.expect("a loopback port");
    let plugin = load(
        kit()
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let got = plugin.poll(None).await.unwrap();
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`ebay_user_token`")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn an_unreadable_cursor_starts_a_new_sweep() {
    let stand_in = StandIn::start(answer).await.expect("a loopback port");
    let plugin = connector(&stand_in, "cases", "50").await;
    let page = plugin.poll(Some("not a cursor")).await.unwrap().unwrap();
    assert_eq!(page.events.len(), 1);
    assert!(stand_in.requests()[0].target().contains("&offset=0"));
}
