//! Refunds and messages against a stand-in of the WooCommerce REST API v3 on 127.0.0.1,
//! through the built component in the real host runtime: HTTP Basic authentication, the
//! request shapes, and reconciling so a retry never refunds or writes twice.

mod common;

use common::{Store, kit, load};
use helloword_testkit::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, CouponSpec, EvidenceSpec,
    MessageSpec, Money, RefundSpec, ReshipSpec, ReturnDecision, Timestamp,
};
use helloword_testkit::{Plugin, StandIn};
use serde_json::json;

fn action(store: &Store, key: &str, order: &str, kind: ActionKind) -> Action {
    Action {
        idempotency_key: key.into(),
        shop: store.shop(),
        order_id: Some(order.into()),
        case_id: None,
        kind,
        reply_context: Vec::new(),
    }
}

fn refund_kind(amount: Option<i64>, lines: &[(&str, u32)], note: &str) -> ActionKind {
    ActionKind::Refund(RefundSpec {
        amount: amount.map(|minor_units| Money {
            minor_units,
            currency: "USD".into(),
        }),
        line_items: lines.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
        include_shipping: false,
        note: Some(note.into()),
        notify_buyer: true,
    })
}

fn message_kind(body: &str) -> ActionKind {
    ActionKind::Message(MessageSpec {
        subject: None,
        body: body.into(),
        language: "en".into(),
    })
}

async fn execute(plugin: &Plugin, action: &Action) -> Result<ActionOutcome, ActionError> {
    plugin.execute(action).await.expect("the call completes")
}

async fn reconcile(plugin: &Plugin, action: &Action) -> Option<ActionOutcome> {
    plugin
        .reconcile(action)
        .await
        .expect("the call completes")
        .expect("reconcile succeeds")
}

#[tokio::test]
async fn a_refund_is_created_once_and_reconcile_finds_it() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let refund = action(
        &store,
        "hw-t7-agent-0",
        "727",
        refund_kind(Some(500), &[], "Mug arrived broken"),
    );

    assert_eq!(reconcile(&plugin, &refund).await, None, "nothing yet");

    let done = execute(&plugin, &refund).await.unwrap();
    assert_eq!(done.status, ActionStatus::Done);
    assert_eq!(done.marketplace_ref.as_deref(), Some("901"));
    assert_eq!(
        done.amount,
        Some(Money {
            minor_units: 500,
            currency: "USD".into()
        })
    );
    assert!(
        done.detail.contains("refund 901 of 5.00 USD created"),
        "{}",
        done.detail
    );

    let posts = store.requests("POST", "/wp-json/wc/v3/orders/727/refunds");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].header("authorization"),
        Some(common::basic_auth().as_str())
    );
    assert_eq!(posts[0].header("content-type"), Some("application/json"));
    assert_eq!(
        posts[0].json(),
        json!({
            "amount": "5.00",
            "reason": "Mug arrived broken\n\n[ref: hw-t7-agent-0]",
            "api_refund": true,
            "api_restock": false,
        })
    );

    let found = reconcile(&plugin, &refund)
        .await
        .expect("the refund is found");
    assert_eq!(found.status, ActionStatus::Done);
    assert_eq!(found.marketplace_ref.as_deref(), Some("901"));
    assert_eq!(found.amount, done.amount);

    // A retry (the host lost the first answer) finds the refund instead of making another.
    let retried = execute(&plugin, &refund).await.unwrap();
    assert_eq!(retried.marketplace_ref.as_deref(), Some("901"));
    assert!(
        retried.detail.contains("already made"),
        "{}",
        retried.detail
    );
    assert_eq!(store.requests("POST", "/refunds").len(), 1);
    assert_eq!(store.refunds("727").len(), 1);

    // Another action on the same order is not mistaken for this one.
    let other = action(
        &store,
        "hw-t7-agent-00",
        "727",
        refund_kind(Some(100), &[], "x"),
    );
    assert_eq!(reconcile(&plugin, &other).await, None);
}

#[tokio::test]
async fn a_line_item_refund_names_quantities_amounts_and_taxes() {
    let store = Store::start().await;
    let plugin = load(store.kit().with_config("restock_refunded_items", "true")).await;
    // Order 727, line 315: 2 × "Woo Single #1" for 6.00 with 0.45 tax (rate 75).
    let refund = action(
        &store,
        "hw-t8-policy-0",
        "727",
        refund_kind(None, &[("315", 1)], "One broken"),
    );
    let done = execute(&plugin, &refund).await.unwrap();
    assert_eq!(done.status, ActionStatus::Done);
    let posts = store.requests("POST", "/orders/727/refunds");
    assert_eq!(
        posts[0].json(),
        json!({
            "amount": "3.22",
            "reason": "One broken\n\n[ref: hw-t8-policy-0]",
            "api_refund": true,
            "api_restock": true,
            "line_items": [{
                "id": "315",
                "quantity": 1,
                "refund_total": "3.00",
                "refund_tax": [{"id": "75", "refund_total": "0.22"}],
            }],
        })
    );
    // Reconciling without an amount in the action reads the order's currency.
    let found = reconcile(&plugin, &refund).await.expect("found");
    assert_eq!(
        found.amount.map(|m| (m.minor_units, m.currency)),
        Some((322, "USD".into()))
    );
}

#[tokio::test]
async fn a_refund_woocommerce_will_not_make_is_rejected() {
    let store = Store::start().await;
    store.refuse_refunds("Refund failed: the payment gateway does not support automatic refunds.");
    let plugin = load(store.kit()).await;
    let refund = action(
        &store,
        "hw-t9-agent-0",
        "727",
        refund_kind(Some(500), &[], "x"),
    );
    let outcome = execute(&plugin, &refund).await.unwrap();
    assert_eq!(outcome.status, ActionStatus::Rejected);
    assert!(
        outcome
            .detail
            .contains("does not support automatic refunds"),
        "{}",
        outcome.detail
    );
    assert_eq!(reconcile(&plugin, &refund).await, None);
}

#[tokio::test]
async fn a_message_becomes_one_customer_note() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let text = "We are sorry about the mug. A refund of 5.00 USD is on its way.";
    let note = action(&store, "hw-t7-agent-1", "723", message_kind(text));

    assert_eq!(
        reconcile(&plugin, &note).await,
        None,
        "the order's notes are not ours"
    );

    let sent = execute(&plugin, &note).await.unwrap();
    assert_eq!(sent.status, ActionStatus::Done);
    assert_eq!(sent.marketplace_ref.as_deref(), Some("901"));
    let posts = store.requests("POST", "/wp-json/wc/v3/orders/723/notes");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].header("authorization"),
        Some(common::basic_auth().as_str())
    );
    assert_eq!(
        posts[0].json(),
        json!({
            "note": format!("{text}\n\n[ref: hw-t7-agent-1]"),
            "customer_note": true,
            "added_by_user": false,
        })
    );

    let found = reconcile(&plugin, &note).await.expect("the note is found");
    assert_eq!(found.marketplace_ref.as_deref(), Some("901"));
    let retried = execute(&plugin, &note).await.unwrap();
    assert_eq!(retried.marketplace_ref.as_deref(), Some("901"));
    assert_eq!(store.requests("POST", "/notes").len(), 1);
    assert_eq!(
        store.notes("723").len(),
        4,
        "three from the documentation and ours"
    );
}

#[tokio::test]
async fn wrong_or_missing_api_credentials_are_misconfigured() {
    let store = Store::start().await;
    let wrong = load(
        kit()
            .with_secret("woocommerce_api_credentials", "bm90OnRoZS1rZXk=")
            .with_allowed_host(&store.api.host())
            .with_config("store_url", &store.api.url()),
    )
    .await;
    let refund = action(&store, "k", "727", refund_kind(Some(500), &[], "x"));
    let Err(ActionError::Misconfigured(message)) = execute(&wrong, &refund).await else {
        panic!("a refused API key is a configuration problem");
    };
    assert!(message.contains("Consumer key is invalid."), "{message}");
    assert!(message.contains("woocommerce_api_credentials"), "{message}");

    let missing = load(
        kit()
            .with_allowed_host(&store.api.host())
            .with_config("store_url", &store.api.url()),
    )
    .await;
    let Err(ActionError::Misconfigured(message)) = execute(&missing, &refund).await else {
        panic!("missing credentials are a configuration problem");
    };
    assert!(message.contains("woocommerce_api_credentials"), "{message}");
    assert!(store.requests("POST", "/refunds").is_empty());
}

#[tokio::test]
async fn an_ungranted_store_or_plain_http_is_refused_before_anything_is_sent() {
    let store = Store::start().await;
    let refund = action(&store, "k", "727", refund_kind(Some(500), &[], "x"));
    let ungranted = load(
        kit()
            .with_secret("woocommerce_api_credentials", "eA==")
            .with_config("store_url", &store.api.url()),
    )
    .await;
    let Err(ActionError::Misconfigured(message)) = execute(&ungranted, &refund).await else {
        panic!("an ungranted host is a configuration problem");
    };
    assert!(message.contains("allowed_hosts"), "{message}");

    let plain = load(
        kit()
            .with_secret("woocommerce_api_credentials", "eA==")
            .with_config("store_url", "http://shop.example.com"),
    )
    .await;
    let Err(ActionError::Misconfigured(message)) = execute(&plain, &refund).await else {
        panic!("plain http is a configuration problem");
    };
    assert!(message.contains("not https"), "{message}");
    assert!(store.api.requests().is_empty());
}

#[tokio::test]
async fn a_refund_that_names_no_valid_order_is_permanent() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let mut refund = action(&store, "k", "727", refund_kind(Some(500), &[], "x"));
    refund.order_id = Some("727/../../users".into());
    assert!(matches!(
        execute(&plugin, &refund).await,
        Err(ActionError::Permanent(_))
    ));
    refund.order_id = None;
    assert!(matches!(
        execute(&plugin, &refund).await,
        Err(ActionError::Permanent(_))
    ));
    refund.order_id = Some("4040".into());
    let Err(ActionError::Permanent(message)) = execute(&plugin, &refund).await else {
        panic!("an unknown order is permanent");
    };
    assert!(message.contains("Invalid ID."), "{message}");
    assert!(store.requests("POST", "/refunds").is_empty());
}

#[tokio::test]
async fn an_unreachable_store_is_transient() {
    let gone = StandIn::start(|_| helloword_testkit::Answer::status(503))
        .await
        .unwrap();
    let plugin = load(
        kit()
            .with_secret("woocommerce_api_credentials", "eA==")
            .with_allowed_host(&gone.host())
            .with_config("store_url", &gone.url()),
    )
    .await;
    let refund = Action {
        idempotency_key: "k".into(),
        shop: gone.host(),
        order_id: Some("727".into()),
        case_id: None,
        kind: refund_kind(Some(500), &[], "x"),
        reply_context: Vec::new(),
    };
    assert!(matches!(
        execute(&plugin, &refund).await,
        Err(ActionError::Transient(_))
    ));
}

#[tokio::test]
async fn other_actions_are_answered_not_supported() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let kinds = [
        ActionKind::Reship(ReshipSpec {
            line_items: vec![("315".into(), 1)],
            expedited: false,
            note: None,
        }),
        ActionKind::ReturnDecision(ReturnDecision {
            approve: true,
            decline_reason: None,
            note: None,
        }),
        ActionKind::DisputeEvidence(EvidenceSpec {
            fields: Vec::new(),
            submit: false,
        }),
    ];
    for kind in kinds {
        let act = action(&store, "k", "727", kind);
        let outcome = execute(&plugin, &act).await.unwrap();
        assert_eq!(outcome.status, ActionStatus::NotSupported, "{outcome:?}");
        assert!(!outcome.detail.is_empty());
        assert_eq!(reconcile(&plugin, &act).await, None);
    }
    assert!(store.api.requests().is_empty());
}

fn coupon_kind(minor_units: i64, currency: &str, code: Option<&str>) -> ActionKind {
    ActionKind::Coupon(CouponSpec {
        value: Money {
            minor_units,
            currency: currency.into(),
        },
        code: code.map(str::to_string),
        expires_at: Some(Timestamp {
            seconds: 4_102_444_800, // 2100-01-01T00:00:00Z
            nanoseconds: 0,
        }),
    })
}

#[tokio::test]
async fn a_coupon_is_created_once_for_the_orders_buyer_and_reconcile_finds_it() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let coupon = action(
        &store,
        "hw-t7-proposal-3",
        "727",
        coupon_kind(500, "USD", Some("SORRY-7")),
    );

    assert_eq!(reconcile(&plugin, &coupon).await, None, "nothing yet");
    let done = execute(&plugin, &coupon).await.unwrap();
    assert_eq!(done.status, ActionStatus::Done, "{done:?}");
    assert_eq!(done.detail, "WooCommerce coupon sorry-7 (5.00) created");
    let created = store.coupons();
    assert_eq!(created.len(), 1);
    let sent = &store.requests("POST", "/wp-json/wc/v3/coupons")[0].json();
    assert_eq!(sent["code"], "sorry-7");
    assert_eq!(sent["discount_type"], "fixed_cart");
    assert_eq!(sent["amount"], "5.00");
    assert_eq!(sent["usage_limit"], 1);
    assert_eq!(sent["usage_limit_per_user"], 1);
    assert_eq!(sent["email_restrictions"], json!(["john.doe@example.com"]));
    assert_eq!(sent["date_expires_gmt"], "2100-01-01T00:00:00");
    assert!(
        sent["description"]
            .as_str()
            .unwrap()
            .ends_with("[ref: hw-t7-proposal-3]")
    );
    assert_eq!(done.marketplace_ref, Some(created[0]["id"].to_string()));

    // A retry, and reconcile, find the coupon instead of making a second.
    let again = execute(&plugin, &coupon).await.unwrap();
    assert_eq!(
        again.detail,
        "WooCommerce coupon sorry-7 (5.00) already made"
    );
    let found = reconcile(&plugin, &coupon).await.unwrap();
    assert_eq!(found.marketplace_ref, done.marketplace_ref);
    assert_eq!(store.coupons().len(), 1);
    assert_eq!(store.requests("POST", "/wp-json/wc/v3/coupons").len(), 1);
}

#[tokio::test]
async fn a_coupon_without_a_code_or_an_order_gets_a_derived_code_in_the_stores_currency() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let mut coupon = action(
        &store,
        "hw-t9-agent-2",
        "727",
        coupon_kind(1250, "USD", None),
    );
    coupon.order_id = None;
    let done = execute(&plugin, &coupon).await.unwrap();
    assert_eq!(done.status, ActionStatus::Done, "{done:?}");
    let code = helloword_sdk::idempotency::coupon_code("hw-t9-agent-2").to_lowercase();
    let sent = &store.requests("POST", "/wp-json/wc/v3/coupons")[0].json();
    assert_eq!(sent["code"], json!(code));
    assert_eq!(sent["amount"], "12.50");
    assert!(
        sent.get("email_restrictions").is_none(),
        "no buyer to keep it for"
    );
    assert_eq!(
        store
            .requests(
                "GET",
                "/wp-json/wc/v3/settings/general/woocommerce_currency"
            )
            .len(),
        1
    );
    assert_eq!(
        execute(&plugin, &coupon).await.unwrap().detail,
        format!("WooCommerce coupon {code} (12.50) already made")
    );
    assert_eq!(store.coupons().len(), 1);
}

#[tokio::test]
async fn a_coupon_woocommerce_cannot_make_is_refused_before_anything_is_created() {
    let store = Store::start().await;
    let plugin = load(store.kit()).await;
    let euros = action(&store, "k1", "727", coupon_kind(500, "EUR", Some("X")));
    assert_eq!(
        execute(&plugin, &euros).await,
        Err(ActionError::Permanent(
            "the coupon is in EUR, but WooCommerce coupons are in the store's currency, USD".into()
        ))
    );
    let nothing = action(&store, "k2", "727", coupon_kind(0, "USD", Some("X")));
    assert!(matches!(
        execute(&plugin, &nothing).await,
        Err(ActionError::Permanent(m)) if m.contains("must be positive")
    ));
    let mut expired = action(&store, "k3", "727", coupon_kind(500, "USD", Some("X")));
    if let ActionKind::Coupon(spec) = &mut expired.kind {
        spec.expires_at = Some(Timestamp {
            seconds: 1_000_000_000,
            nanoseconds: 0,
        });
    }
    assert!(matches!(
        execute(&plugin, &expired).await,
        Err(ActionError::Permanent(m)) if m.contains("which has passed")
    ));
    assert!(store.coupons().is_empty());
}
