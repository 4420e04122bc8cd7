//! Deliveries as WooCommerce sends them, through the built component in the real host
//! runtime: the documentation's orders normalize to the expected events, signatures are
//! checked, the creation ping is answered.

mod common;

use common::{Store, delivery, fixture, fixture_json, kit, load, php_json, signed_with};
use helloword_testkit::connector_api::{IncomingRequest, WebhookError, WebhookOutcome};
use helloword_testkit::types::{IssueKind, Money, TicketEvent, Timestamp};
use helloword_testkit::{Plugin, request};
use serde_json::{Value, json};

async fn events(plugin: &Plugin, req: &IncomingRequest) -> Vec<TicketEvent> {
    match plugin.handle_webhook(req).await {
        Ok(Ok(WebhookOutcome::Events(events))) => events,
        other => panic!("expected events, got {other:?}"),
    }
}

async fn refusal(plugin: &Plugin, req: &IncomingRequest) -> WebhookError {
    match plugin.handle_webhook_verdict(req).await {
        Ok(verdict) if verdict.unreadable().is_some() => {
            panic!("expected a plain refusal, got a verified but unreadable delivery: {verdict:?}")
        }
        Ok(verdict) => match verdict.outcome {
            Err(error) => error,
            other => panic!("expected a refusal, got {other:?}"),
        },
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// What the connector says it cannot read of a signed delivery (the host keeps it, 202).
async fn unreadable(plugin: &Plugin, req: &IncomingRequest) -> String {
    let verdict = plugin.handle_webhook_verdict(req).await.unwrap();
    match verdict.unreadable() {
        Some(why) => why.to_string(),
        None => panic!("expected a verified but unreadable delivery, got {verdict:?}"),
    }
}

fn header(req: &IncomingRequest, name: &str) -> String {
    req.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn usd(minor_units: i64) -> Option<Money> {
    Some(Money {
        minor_units,
        currency: "USD".into(),
    })
}

fn at(seconds: i64) -> Option<Timestamp> {
    Some(Timestamp {
        seconds,
        nanoseconds: 0,
    })
}

/// Order 727 of the documentation with some fields changed.
fn order_727_with(changes: Value) -> Vec<u8> {
    let mut order = fixture_json("webhooks/order-727-processing.json");
    for (key, value) in changes.as_object().into_iter().flatten() {
        order[key] = value.clone();
    }
    order.to_string().into_bytes()
}

#[tokio::test]
async fn a_paid_order_in_good_standing_opens_nothing() {
    let plugin = load(kit()).await;
    let body = fixture("webhooks/order-727-processing.json");
    assert!(
        events(&plugin, &delivery("order.created", "d-727", &body))
            .await
            .is_empty()
    );
    let body = fixture("webhooks/order-728-pending.json");
    assert!(
        events(&plugin, &delivery("order.created", "d-728", &body))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn each_refund_of_an_order_becomes_a_refund_event_with_the_order_and_buyer() {
    let plugin = load(kit()).await;
    let body = fixture("webhooks/order-723-completed-refunds.json");
    let found = events(&plugin, &delivery("order.updated", "d-723", &body)).await;
    assert_eq!(found.len(), 2, "{found:#?}");
    let (first, second) = (&found[0], &found[1]);

    assert_eq!(first.kind, IssueKind::RefundIssued);
    assert_eq!(first.shop, "example.com");
    assert_eq!(first.summary, "Refund of 10.00 USD on order #723");
    assert_eq!(first.status.as_deref(), Some("refunded"));
    assert_eq!(first.amount, usd(1000));
    assert_eq!(first.dedupe.business, "refund:726");
    let signature = header(
        &delivery("order.updated", "d-723", &body),
        "x-wc-webhook-signature",
    );
    assert_eq!(
        first.dedupe.delivery.as_deref(),
        Some(format!("d-723/{signature}").as_str())
    );
    assert_eq!(first.occurred_at, at(1_490_126_091));
    assert!(
        first
            .attributes
            .contains(&("refund_id".to_string(), "726".to_string()))
    );
    assert_eq!(second.dedupe.business, "refund:724");
    assert_eq!(second.amount, usd(900));

    let order = first.order.as_ref().expect("the order");
    assert_eq!(order.id, "723");
    assert_eq!(order.display_name.as_deref(), Some("#723"));
    assert_eq!(order.placed_at, at(1_490_123_760));
    assert_eq!(order.total, usd(3900));
    let lines: Vec<(&str, &str, u32, Option<i64>)> = order
        .line_items
        .iter()
        .map(|l| {
            (
                l.id.as_str(),
                l.title.as_str(),
                l.quantity,
                l.unit_price.as_ref().map(|m| m.minor_units),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("311", "Woo Album #2", 1, Some(900)),
            ("313", "Woo Ninja", 1, Some(2000))
        ]
    );

    let buyer = first.customer.as_ref().expect("the buyer");
    assert_eq!(buyer.id.as_deref(), Some("26"));
    assert_eq!(buyer.name.as_deref(), Some("João Silva"));
    assert_eq!(buyer.email.as_deref(), Some("joao.silva@example.com"));
    assert_eq!(buyer.country.as_deref(), Some("BR"));
}

#[tokio::test]
async fn repeated_updates_of_an_order_carry_the_same_business_keys() {
    let plugin = load(kit()).await;
    let body = fixture("webhooks/order-723-completed-refunds.json");
    let once = events(&plugin, &delivery("order.updated", "d-1", &body)).await;
    let again = events(&plugin, &delivery("order.updated", "d-2", &body)).await;
    let keys = |events: &[TicketEvent]| {
        events
            .iter()
            .map(|e| e.dedupe.business.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&once), keys(&again));
    assert_ne!(once[0].dedupe.delivery, again[0].dedupe.delivery);
}

#[tokio::test]
async fn a_body_encoded_like_php_reads_the_same() {
    let plugin = load(kit()).await;
    let pretty = fixture("webhooks/order-723-completed-refunds.json");
    let wire = php_json(&serde_json::from_slice(&pretty).unwrap());
    assert!(String::from_utf8_lossy(&wire).contains("Jo\\u00e3o"));
    let from_pretty = events(&plugin, &delivery("order.updated", "d-1", &pretty)).await;
    let from_wire = events(&plugin, &delivery("order.updated", "d-1", &wire)).await;
    assert_eq!(from_pretty[0].customer, from_wire[0].customer);
    assert_eq!(from_pretty[0].order, from_wire[0].order);
}

#[tokio::test]
async fn failed_payments_and_trouble_after_payment_become_order_updates() {
    let plugin = load(kit()).await;
    for (status, summary) in [
        ("failed", "Payment failed for order #727"),
        ("cancelled", "Order #727 cancelled after it was paid"),
        ("on-hold", "Order #727 put on hold after it was paid"),
    ] {
        let body = order_727_with(json!({"status": status}));
        let found = events(&plugin, &delivery("order.updated", "d", &body)).await;
        assert_eq!(found.len(), 1, "{status}: {found:#?}");
        let event = &found[0];
        assert_eq!(event.kind, IssueKind::OrderUpdate);
        assert_eq!(event.summary, summary);
        assert_eq!(event.status.as_deref(), Some(status));
        assert_eq!(event.amount, usd(2935));
        assert_eq!(event.dedupe.business, format!("order:727:status:{status}"));
        assert_eq!(event.occurred_at, at(1_490_210_888));
        let buyer = event.customer.as_ref().unwrap();
        assert_eq!(buyer.id, None, "order 727 is a guest checkout");
        assert_eq!(buyer.name.as_deref(), Some("John Doe"));
        assert_eq!(buyer.country.as_deref(), Some("US"));
        let lines = &event.order.as_ref().unwrap().line_items;
        assert_eq!(
            lines[1].title,
            "Ship Your Idea – Color: Black, Size: M Test"
        );
        assert_eq!(lines[1].sku.as_deref(), Some("Bar3"));
    }
}

#[tokio::test]
async fn unpaid_orders_cancelled_or_on_hold_are_the_normal_course() {
    let plugin = load(kit()).await;
    for status in ["cancelled", "on-hold", "pending"] {
        let mut order = fixture_json("webhooks/order-728-pending.json");
        order["status"] = json!(status);
        let body = order.to_string().into_bytes();
        let found = events(&plugin, &delivery("order.updated", "d", &body)).await;
        assert!(found.is_empty(), "{status}: {found:#?}");
    }
}

#[tokio::test]
async fn a_fully_refunded_order_without_listed_refunds_is_a_refund_of_its_total() {
    let plugin = load(kit()).await;
    let body = order_727_with(json!({"status": "refunded"}));
    let found = events(&plugin, &delivery("order.updated", "d", &body)).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, IssueKind::RefundIssued);
    assert_eq!(found[0].amount, usd(2935));
    assert_eq!(found[0].dedupe.business, "order:727:status:refunded");
}

#[tokio::test]
async fn the_buyers_checkout_note_becomes_a_buyer_message() {
    let plugin = load(kit()).await;
    let note = "Please leave the parcel with the neighbour at number 12.";
    let body = order_727_with(json!({"customer_note": note}));
    let found = events(&plugin, &delivery("order.created", "d", &body)).await;
    assert_eq!(found.len(), 1);
    let event = &found[0];
    assert_eq!(event.kind, IssueKind::BuyerMessage);
    assert_eq!(event.buyer_text.as_deref(), Some(note));
    assert_eq!(event.summary, format!("Buyer's note on order #727: {note}"));
    assert_eq!(event.dedupe.business, "order:727:buyer-note");
    assert_eq!(event.occurred_at, at(1_490_210_882));
}

#[tokio::test]
async fn a_trashed_order_is_an_order_update() {
    let plugin = load(kit()).await;
    let found = events(&plugin, &delivery("order.deleted", "d", br#"{"id":723}"#)).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, IssueKind::OrderUpdate);
    assert_eq!(found[0].status.as_deref(), Some("trash"));
    assert_eq!(found[0].order.as_ref().unwrap().id, "723");
    assert_eq!(found[0].dedupe.business, "order:723:status:trash");
}

#[tokio::test]
async fn a_note_the_store_writes_to_the_buyer_is_an_order_update() {
    let plugin = load(kit()).await;
    let note = "Your replacement left our warehouse today.";
    let body = json!({"action": "woocommerce_new_customer_note", "arg": {"order_id": 727, "customer_note": note}});
    let req = delivery(
        "action.woocommerce_new_customer_note",
        "d",
        body.to_string().as_bytes(),
    );
    let found = events(&plugin, &req).await;
    assert_eq!(found.len(), 1);
    let event = &found[0];
    assert_eq!(event.kind, IssueKind::OrderUpdate);
    assert_eq!(event.buyer_text, None, "the store wrote it, not the buyer");
    assert!(
        event
            .attributes
            .contains(&("note".to_string(), note.to_string()))
    );
    assert!(event.dedupe.business.starts_with("order:727:note:"));
    let again = events(&plugin, &req).await;
    assert_eq!(again[0].dedupe.business, event.dedupe.business);

    let mine = json!({"action": "woocommerce_new_customer_note",
                      "arg": {"order_id": 727, "customer_note": "Sorry!\n\n[ref: hw-t1-agent-0]"}});
    let req = delivery(
        "action.woocommerce_new_customer_note",
        "d",
        mine.to_string().as_bytes(),
    );
    assert!(events(&plugin, &req).await.is_empty());
}

#[tokio::test]
async fn an_order_refunded_action_reads_the_order_through_the_api() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let body = br#"{"action":"woocommerce_order_refunded","arg":723}"#;
    let found = events(
        &plugin,
        &delivery("action.woocommerce_order_refunded", "d", body),
    )
    .await;
    let keys: Vec<&str> = found.iter().map(|e| e.dedupe.business.as_str()).collect();
    assert_eq!(keys, ["refund:726", "refund:724"]);
    assert_eq!(found[0].shop, store.shop());
    let reads = store.requests("GET", "/orders/723");
    assert_eq!(reads.len(), 1);
    assert_eq!(
        reads[0].header("authorization"),
        Some(common::basic_auth().as_str())
    );
}

#[tokio::test]
async fn an_order_action_without_api_credentials_is_misconfigured() {
    let plugin = load(kit().with_config("store_url", "https://shop.example.com")).await;
    let body = br#"{"action":"woocommerce_order_refunded","arg":723}"#;
    let error = refusal(
        &plugin,
        &delivery("action.woocommerce_order_refunded", "d", body),
    )
    .await;
    let WebhookError::Misconfigured(message) = error else {
        panic!("{error:?}");
    };
    assert!(message.contains("woocommerce_api_credentials"), "{message}");
}

#[tokio::test]
async fn the_creation_ping_is_answered_with_200() {
    let plugin = load(kit()).await;
    let ping = request(
        "POST",
        "/",
        &[("user-agent", "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)")],
        b"webhook_id=3",
    );
    match plugin.handle_webhook(&ping).await {
        Ok(Ok(WebhookOutcome::Reply(reply))) => assert_eq!(reply.status, 200),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_signature_is_refused_as_unauthorized() {
    let plugin = load(kit()).await;
    let body = fixture("webhooks/order-723-completed-refunds.json");
    let forged = signed_with("not-the-secret", "order.updated", "d", &body);
    let WebhookError::Unauthorized(message) = refusal(&plugin, &forged).await else {
        panic!("a forged signature must be unauthorized");
    };
    assert!(message.contains("does not match"), "{message}");

    let mut tampered = delivery("order.updated", "d", &body);
    tampered.body.push(b' ');
    assert!(matches!(
        refusal(&plugin, &tampered).await,
        WebhookError::Unauthorized(_)
    ));

    let mut garbled = delivery("order.updated", "d", &body);
    for (name, value) in &mut garbled.headers {
        if name == "x-wc-webhook-signature" {
            *value = "not base64!".into();
        }
    }
    let WebhookError::Unauthorized(message) = refusal(&plugin, &garbled).await else {
        panic!("a garbled signature must be unauthorized");
    };
    assert!(message.contains("not a base64"), "{message}");
}

#[tokio::test]
async fn a_missing_signature_is_refused_as_unauthorized() {
    let plugin = load(kit()).await;
    let body = fixture("webhooks/order-723-completed-refunds.json");
    let mut unsigned = delivery("order.updated", "d", &body);
    unsigned
        .headers
        .retain(|(name, _)| name != "x-wc-webhook-signature");
    let WebhookError::Unauthorized(message) = refusal(&plugin, &unsigned).await else {
        panic!("an unsigned delivery must be unauthorized");
    };
    assert!(message.contains("X-WC-Webhook-Signature"), "{message}");
}

#[tokio::test]
async fn the_previous_secret_is_accepted_during_a_rotation() {
    let body = fixture("webhooks/order-723-completed-refunds.json");
    let old = signed_with("the-old-secret", "order.updated", "d", &body);
    let plugin = load(kit()).await;
    assert!(matches!(
        refusal(&plugin, &old).await,
        WebhookError::Unauthorized(_)
    ));
    let rotating =
        load(kit().with_secret("woocommerce_previous_webhook_secret", "the-old-secret")).await;
    assert_eq!(events(&rotating, &old).await.len(), 2);
}

#[tokio::test]
async fn topics_it_does_not_handle_are_ignored() {
    let plugin = load(kit()).await;
    for topic in [
        "product.updated",
        "customer.created",
        "action.woocommerce_add_to_cart",
    ] {
        match plugin.handle_webhook(&delivery(topic, "d", b"{}")).await {
            Ok(Ok(WebhookOutcome::Ignored(named))) => assert_eq!(named, topic),
            other => panic!("{topic}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn signed_deliveries_it_cannot_read_are_reported_unreadable_naming_the_problem() {
    let plugin = load(kit()).await;
    let cases: [(&str, &[u8], &str); 5] = [
        ("order.updated", b"<html>", "not valid JSON"),
        ("order.updated", br#"{"status": "failed"}"#, "no `id`"),
        (
            "order.updated",
            br#"{"id": 1, "total": "1.00"}"#,
            "no `currency`",
        ),
        (
            "order.updated",
            br#"{"id": 1, "currency": "USD", "total": "1.005"}"#,
            "`total`",
        ),
        ("order.deleted", br#"{"ID": 1}"#, "no `id`"),
    ];
    for (topic, body, expected) in cases {
        let message = unreadable(&plugin, &delivery(topic, "d", body)).await;
        assert!(message.contains(expected), "{topic}: {message}");
    }
    let mut no_topic = delivery("order.updated", "d", b"{}");
    no_topic
        .headers
        .retain(|(name, _)| name != "x-wc-webhook-topic");
    let message = unreadable(&plugin, &no_topic).await;
    assert!(message.contains("X-WC-Webhook-Topic"), "{message}");
}

/// Fuzz target: every webhook fixture, mutated and signed with the webhook secret, under
/// each order topic, through the real host runtime: the connector answers each, never traps.
#[test]
fn fuzz_signed_deliveries_are_always_answered() {
    use helloword_testkit::fuzz::{self, proptest};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let plugin = runtime.block_on(load(kit()));
    let samples = [
        "order-723-completed-refunds.json",
        "order-727-processing.json",
        "order-728-pending.json",
    ]
    .into_iter()
    .map(|name| fixture(&format!("webhooks/{name}")))
    .collect();
    let topics = vec![
        "order.created",
        "order.updated",
        "order.deleted",
        "order.restored",
        "action.woocommerce_new_order",
    ];
    let strategy = (
        fuzz::mutated(samples, fuzz::JSON_PIECES),
        proptest::sample::select(topics),
    );
    let taken = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(fuzz::config(64));
    runner
        .run(&strategy, |(body, topic)| {
            let req = delivery(topic, "41", &body);
            if fuzz::answered(runtime.block_on(plugin.handle_webhook(&req)), &body) {
                taken.set(taken.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(taken.get() > 0, "no case got past the signature check");
}
