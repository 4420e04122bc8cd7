//! Order lookups through the real HTTP interface: a Shopify chargeback names no buyer, so
//! after its delivery is acknowledged the gateway asks the connector to look its order up
//! (the Admin API stand-in answers with Shopify's Order resource) and the case gets the
//! buyer; a lookup that fails is retried later while the case stays usable; an order
//! Shopify does not have is noted once and not asked again.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::gateway::*;
use common::shopify_admin;
use helloword_model::orders::OrderRecord;

const ORDER: &str = "820982911946154508";

fn config() -> String {
    format!(
        "shopify_admin_token = {{ value = \"{}\" }}\n[lookups]\nfirst_retry_secs = 1\n",
        shopify_admin::ADMIN_TOKEN
    )
}

/// Shopify's Order resource for the chargeback's order (the REST order is the body of
/// the `orders/updated` webhook).
fn order_resource() -> serde_json::Value {
    serde_json::from_slice(&fixture("orders__updated.json")).unwrap()
}

fn order(gw: &Running) -> OrderRecord {
    gw.app
        .store
        .order("shopify", SHOP, ORDER)
        .unwrap()
        .expect("the chargeback's order is recorded")
}

/// Wait (up to 20 s) until `done` holds for the chargeback's order.
async fn until_order(gw: &Running, done: impl Fn(&OrderRecord) -> bool) -> OrderRecord {
    for _ in 0..400 {
        let found = order(gw);
        if done(&found) {
            gw.settled().await;
            return order(gw);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the order never got there: {:?}", order(gw).lookup);
}

fn lookups_seen(admin: &shopify_admin::Admin) -> usize {
    let path = format!("GET {}/orders/{ORDER}.json", shopify_admin::ROOT);
    admin
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| **r == path)
        .count()
}

async fn chargeback(gw: &Running) -> u64 {
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "d-1")
            .await,
        200
    );
    gw.settled().await;
    gw.queue()
        .into_iter()
        .find(|t| t.case_key.starts_with("case:"))
        .expect("the chargeback is a case")
        .id
}

#[tokio::test]
async fn a_chargeback_gets_its_buyer_from_a_lookup_made_after_the_answer_and_retried_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let (admin, port) = shopify_admin::start().await;
    admin
        .orders
        .lock()
        .unwrap()
        .insert(ORDER.into(), order_resource());
    // Lookups hang until released, then the first one fails.
    admin.hold_lookups.store(true, Ordering::SeqCst);
    admin.fail_lookups.store(1, Ordering::SeqCst);
    shopify_admin::install_connector(tmp.path(), port);
    let gw = start_with(tmp.path(), &config()).await;

    // Acknowledged while the lookup is still unanswered: it is not part of the webhook's
    // answer.
    let id = chargeback(&gw).await;
    let ticket = gw.app.store.ticket(id).unwrap().unwrap();
    assert_eq!(ticket.facts.buyer_name, None, "a chargeback names no buyer");
    assert!(order(&gw).lookup.is_some_and(|l| l.pending));

    // The case is usable while the lookup waits.
    let (status, body) = gw
        .api(
            "POST",
            &format!("/api/tickets/{id}/notes"),
            Some(r#"{"text": "Looking into it"}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Released: the first attempt fails (503), the retry finds the order.
    admin.hold_lookups.store(false, Ordering::SeqCst);
    let settled = until_order(&gw, |o| o.lookup.as_ref().is_some_and(|l| !l.pending)).await;
    let lookup = settled.lookup.unwrap();
    assert_eq!(lookup.outcome.as_deref(), Some("found"), "{lookup:?}");
    assert_eq!(lookup.attempts, 2, "one failure, one success");
    assert_eq!(lookups_seen(&admin), 2);

    // The order update it stored joined the case like a pushed one.
    let ticket = gw.app.store.ticket(id).unwrap().unwrap();
    assert_eq!(ticket.facts.buyer_name.as_deref(), Some("John Smith"));
    assert_eq!(ticket.language.as_deref(), Some("en"));
    assert!(
        ticket
            .facts
            .reply_context
            .iter()
            .any(|(k, v)| k == "email" && v == "jon@example.com"),
        "{:?}",
        ticket.facts.reply_context
    );
    let order = order(&gw);
    assert_eq!(order.email.as_deref(), Some("jon@example.com"));

    // A later event of the same case asks nothing again.
    assert_eq!(
        gw.deliver("disputes/update", &fixture("disputes__create.json"), "d-2")
            .await,
        200
    );
    gw.settled().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(lookups_seen(&admin), 2);
    gw.stop().await;
}

#[tokio::test]
async fn an_order_shopify_does_not_have_is_noted_once_and_not_asked_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (admin, port) = shopify_admin::start().await;
    shopify_admin::install_connector(tmp.path(), port);
    let gw = start_with(tmp.path(), &config()).await;
    let id = chargeback(&gw).await;
    let settled = until_order(&gw, |o| o.lookup.as_ref().is_some_and(|l| !l.pending)).await;
    assert_eq!(
        settled.lookup.unwrap().outcome.as_deref(),
        Some("not-found")
    );
    let timeline = gw.app.store.timeline(id).unwrap();
    let notes: Vec<String> = timeline
        .iter()
        .filter_map(|e| match &e.what {
            helloword::tickets::model::Happening::Note { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [format!("shopify has no order {ORDER} to look up.")]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(lookups_seen(&admin), 1);
    gw.stop().await;
}

#[tokio::test]
async fn a_lookup_that_keeps_failing_is_given_up_with_one_note_and_the_case_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (admin, port) = shopify_admin::start().await;
    admin.fail_lookups.store(100, Ordering::SeqCst);
    shopify_admin::install_connector(tmp.path(), port);
    let config = format!("{}max_attempts = 2\n", config());
    let gw = start_with(tmp.path(), &config).await;
    let id = chargeback(&gw).await;
    let settled = until_order(&gw, |o| o.lookup.as_ref().is_some_and(|l| !l.pending)).await;
    let lookup = settled.lookup.unwrap();
    assert_eq!(lookup.outcome.as_deref(), Some("gave-up"));
    assert_eq!(lookup.attempts, 2);
    assert!(lookup.error.unwrap().contains("503"));
    let timeline = gw.app.store.timeline(id).unwrap();
    let notes = timeline
        .iter()
        .filter(|e| {
            matches!(&e.what, helloword::tickets::model::Happening::Note { text, .. }
                if text.starts_with("Gave up looking order"))
        })
        .count();
    assert_eq!(notes, 1);
    assert!(gw.app.store.ticket(id).unwrap().unwrap().status.is_open());
    gw.stop().await;
}
