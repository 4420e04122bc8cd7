//! Actions through the real host runtime against a loopback stand-in for the Messaging and
//! Solicitations APIs: the exact requests (methods, paths, `marketplaceIds`, the token the
//! host adds, bodies shaped like `tests/fixtures/api/messaging_*.request.json`), outcomes,
//! reconciliation, the actions SP-API has no operation for, and answers to buyers who wrote
//! by e-mail, which go through the host's `mail` import instead.

mod common;

use common::*;
use helloword_testkit::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, CouponSpec, MessageSpec, Money,
    RefundSpec, ReshipSpec,
};
use helloword_testkit::{Answer, Plugin, Recorded, StandIn, TestKit};
use serde_json::{Value, json};

const ORDER: &str = "123-1234567-1234567";
const MARKETPLACE_QUERY: &str = "marketplaceIds=ATVPDKIKX0DER";

fn message(subject: Option<&str>, body: &str, language: &str) -> Action {
    Action {
        idempotency_key: "ticket-9:action:1".into(),
        reply_context: Vec::new(),
        shop: SELLER.into(),
        order_id: Some(ORDER.into()),
        case_id: None,
        kind: ActionKind::Message(MessageSpec {
            subject: subject.map(str::to_string),
            body: body.into(),
            language: language.into(),
        }),
    }
}

/// A Messaging/Solicitations stand-in. `actions` is the getMessagingActionsForOrder answer,
/// `send` the status of a send; the review request is offered when `review_offered`.
async fn amazon(actions: Value, send: Answer, review_offered: bool) -> StandIn {
    StandIn::start(move |r| {
        let messaging = format!("/messaging/v1/orders/{ORDER}");
        let solicitations = format!("/solicitations/v1/orders/{ORDER}");
        let path = r.path.clone();
        match r.method.as_str() {
            "GET" if path == messaging => Answer::json(200, &actions),
            "GET" if path == format!("{messaging}/attributes") => {
                Answer::json_text(200, fixture("api/messaging_getAttributes.response.json"))
            }
            "POST" if path.starts_with(&format!("{messaging}/messages/")) => send.clone(),
            "GET" if path == solicitations => {
                let list = if review_offered {
                    json!([{"href": format!("{solicitations}/solicitations/productReviewAndSellerFeedback?{MARKETPLACE_QUERY}"), "name": "productReviewAndSellerFeedback"}])
                } else {
                    json!([])
                };
                Answer::json(200, &json!({"_links": {"actions": list, "self": {"href": solicitations}}}))
            }
            "POST" if path == format!("{solicitations}/solicitations/productReviewAndSellerFeedback") => Answer::status(201),
            _ => Answer::json_text(404, r#"{"errors":[{"code":"NotFound","message":"no such resource"}]}"#),
        }
    })
    .await
    .expect("a loopback port")
}

fn sandbox_actions() -> Value {
    fixture_json("api/messaging_getMessagingActionsForOrder.sandbox_response.json")
}

async fn connector(stand_in: &StandIn) -> Plugin {
    load(
        TestKit::new()
            .with_secret("amazon_lwa_token", LWA_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await
}

async fn execute(plugin: &Plugin, action: &Action) -> Result<ActionOutcome, ActionError> {
    plugin
        .execute(action)
        .await
        .expect("the connector answers within its limits")
}

#[tokio::test]
async fn an_unexpected_problem_message_checks_the_order_and_the_buyer_locale_then_sends() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(
        &plugin,
        &message(Some("About your damaged mug"), "My Message", "en"),
    )
    .await
    .unwrap();
    assert_eq!(got.status, ActionStatus::Done, "{got:?}");
    assert!(got.detail.contains("unexpectedProblem"));
    let seen = stand_in.requests();
    let lines: Vec<String> = seen.iter().map(Recorded::line).collect();
    assert_eq!(
        lines,
        [
            format!("GET /messaging/v1/orders/{ORDER}?{MARKETPLACE_QUERY}"),
            format!("GET /messaging/v1/orders/{ORDER}/attributes?{MARKETPLACE_QUERY}"),
            format!(
                "POST /messaging/v1/orders/{ORDER}/messages/unexpectedProblem?{MARKETPLACE_QUERY}"
            ),
        ]
    );
    for r in &seen {
        assert_eq!(
            r.header("x-amz-access-token"),
            Some(LWA_TOKEN),
            "{}",
            r.target()
        );
    }
    // The body is exactly the published request shape.
    assert_eq!(
        seen[2].expect_json(),
        fixture_json("api/messaging_unexpectedProblem.request.json")
    );
    assert_eq!(seen[2].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn a_delivery_subject_sends_confirm_delivery_details() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(
        &plugin,
        &message(Some("Your delivery address"), "My Message", "en-US"),
    )
    .await
    .unwrap();
    assert_eq!(got.status, ActionStatus::Done, "{got:?}");
    let seen = stand_in.requests();
    assert_eq!(
        seen[2].path,
        format!("/messaging/v1/orders/{ORDER}/messages/confirmDeliveryDetails")
    );
    assert_eq!(
        seen[2].expect_json(),
        fixture_json("api/messaging_confirmDeliveryDetails.request.json")
    );
}

#[tokio::test]
async fn a_message_type_the_order_does_not_allow_is_rejected_naming_what_it_allows() {
    // The published example offers only negativeFeedbackRemoval (since removed).
    let actions = fixture_json("api/messaging_getMessagingActionsForOrder.response.json");
    let stand_in = amazon(actions, Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(&plugin, &message(None, "Sorry for the trouble", "en"))
        .await
        .unwrap();
    assert_eq!(got.status, ActionStatus::Rejected);
    assert!(
        got.detail
            .contains("does not allow a unexpectedProblem message"),
        "{}",
        got.detail
    );
    assert!(got.detail.contains("no text message"), "{}", got.detail);
    // Nothing was sent.
    assert_eq!(stand_in.requests().len(), 1);
}

#[tokio::test]
async fn a_message_not_in_the_buyers_language_is_rejected() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(&plugin, &message(None, "Es tut uns leid", "de"))
        .await
        .unwrap();
    assert_eq!(got.status, ActionStatus::Rejected);
    assert!(got.detail.contains("en-US"), "{}", got.detail);
    assert!(stand_in.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn amazons_400_is_a_rejection_with_its_error_text() {
    let stand_in = amazon(
        sandbox_actions(),
        Answer::json_text(
            400,
            fixture("api/messaging_error_400.sandbox_response.json"),
        ),
        false,
    )
    .await;
    let plugin = connector(&stand_in).await;
    let got = execute(&plugin, &message(None, "My Message", "en"))
        .await
        .unwrap();
    assert_eq!(got.status, ActionStatus::Rejected);
    assert!(
        got.detail.contains("InvalidInput: Invalid Input"),
        "{}",
        got.detail
    );
}

#[tokio::test]
async fn rate_limits_are_transient() {
    let stand_in = amazon(sandbox_actions(), Answer::json_text(429, "{}"), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(&plugin, &message(None, "My Message", "en")).await;
    assert!(matches!(got, Err(ActionError::Transient(_))), "{got:?}");
}

#[tokio::test]
async fn attachment_only_and_over_long_messages_are_not_sent() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let got = execute(
        &plugin,
        &message(Some("[warranty] Your warranty"), "text", "en"),
    )
    .await
    .unwrap();
    assert_eq!(got.status, ActionStatus::NotSupported);
    assert!(got.detail.contains("attachments"), "{}", got.detail);
    let got = execute(&plugin, &message(None, &"x".repeat(2001), "en"))
        .await
        .unwrap();
    assert_eq!(got.status, ActionStatus::Rejected);
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn a_review_request_is_sent_once_per_order() {
    let offered = amazon(sandbox_actions(), Answer::status(201), true).await;
    let plugin = connector(&offered).await;
    let action = message(Some("Review request"), "", "en");
    // Before: the order still offers it, so it has not been sent.
    assert_eq!(plugin.reconcile(&action).await.unwrap().unwrap(), None);
    let got = execute(&plugin, &action).await.unwrap();
    assert_eq!(got.status, ActionStatus::Done, "{got:?}");
    let lines: Vec<String> = offered.requests().iter().map(Recorded::line).collect();
    assert_eq!(
        lines[1..],
        [
            format!("GET /solicitations/v1/orders/{ORDER}?{MARKETPLACE_QUERY}"),
            format!(
                "POST /solicitations/v1/orders/{ORDER}/solicitations/productReviewAndSellerFeedback?{MARKETPLACE_QUERY}"
            ),
        ]
    );

    // Once sent, Amazon no longer offers it: execute refuses and reconcile reports it done.
    let sent = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&sent).await;
    let got = execute(&plugin, &action).await.unwrap();
    assert_eq!(got.status, ActionStatus::Rejected);
    assert!(got.detail.contains("one per order"), "{}", got.detail);
    let reconciled = plugin.reconcile(&action).await.unwrap().unwrap().unwrap();
    assert_eq!(reconciled.status, ActionStatus::Done);
    assert!(sent.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn refunds_replacements_and_coupons_are_not_supported_with_a_reason() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let base = message(None, "", "en");
    let kinds = [
        ActionKind::Refund(RefundSpec {
            amount: Some(Money {
                minor_units: 1999,
                currency: "USD".into(),
            }),
            line_items: vec![],
            include_shipping: false,
            note: None,
            notify_buyer: true,
        }),
        ActionKind::Reship(ReshipSpec {
            line_items: vec![("OIID1".into(), 1)],
            expedited: false,
            note: None,
        }),
        ActionKind::Coupon(CouponSpec {
            value: Money {
                minor_units: 500,
                currency: "USD".into(),
            },
            code: None,
            expires_at: None,
        }),
    ];
    for kind in kinds {
        let action = Action {
            kind,
            ..base.clone()
        };
        let got = execute(&plugin, &action).await.unwrap();
        assert_eq!(got.status, ActionStatus::NotSupported, "{got:?}");
        assert!(got.detail.contains("Seller Central"), "{}", got.detail);
        assert_eq!(plugin.reconcile(&action).await.unwrap().unwrap(), None);
    }
    let refund = execute(
        &plugin,
        &Action {
            kind: ActionKind::Refund(RefundSpec {
                amount: None,
                line_items: vec![],
                include_shipping: false,
                note: None,
                notify_buyer: true,
            }),
            ..base
        },
    )
    .await
    .unwrap();
    assert!(
        refund.detail.contains("no refund endpoint"),
        "{}",
        refund.detail
    );
    assert!(
        refund.detail.contains("POST_PAYMENT_ADJUSTMENT_DATA"),
        "{}",
        refund.detail
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn without_the_lwa_token_a_message_is_misconfigured_naming_it() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = load(
        TestKit::new()
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let got = execute(&plugin, &message(None, "Hello", "en")).await;
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`amazon_lwa_token`")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn a_message_without_an_order_is_permanent() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let plugin = connector(&stand_in).await;
    let action = Action {
        order_id: None,
        ..message(None, "Hello", "en")
    };
    assert!(matches!(
        execute(&plugin, &action).await,
        Err(ActionError::Permanent(_))
    ));
}

/// A buyer's relay alias, as a relayed message's event names it in `reply.to`.
const RELAY: &str = "q8x1z2v7m4k9p3t@marketplace.amazon.com";

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a loopback port")
        .local_addr()
        .expect("bound")
        .port()
}

fn e_mail_answer() -> Action {
    let mut action = message(
        Some("About your parcel"),
        "Your parcel arrives on Monday.",
        "en",
    );
    action.reply_context = vec![
        ("to".into(), RELAY.into()),
        (
            "message-id".into(),
            "<relay-1@marketplace.amazon.com>".into(),
        ),
        (
            "subject".into(),
            format!("Where is my parcel? (Order: {ORDER})"),
        ),
    ];
    action
}

#[tokio::test]
async fn an_answer_to_a_buyer_e_mail_goes_through_the_mail_import_not_the_sp_api() {
    let stand_in = amazon(sandbox_actions(), Answer::status(201), false).await;
    let port = closed_port();
    // No LWA token: an e-mail answer does not need one.
    let kit = TestKit::new()
        .with_secret("amazon_mailbox_password", "mailbox-password")
        .with_config("api_base", &stand_in.url())
        .with_config("smtp_host", "127.0.0.1")
        .with_config("smtp_port", &port.to_string())
        .with_config("smtp_security", "none")
        .with_config("smtp_username", "seller")
        .with_config("seller_email", "seller@example.com")
        .with_allowed_host(&stand_in.host())
        .with_allowed_host(&format!("127.0.0.1:{port}"));
    let got = execute(&load(kit).await, &e_mail_answer()).await;
    assert!(
        matches!(&got, Err(ActionError::Transient(m)) if m.contains(&format!("SMTP server 127.0.0.1:{port}"))),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty(), "no SP-API call");

    // Without an SMTP server the answer cannot go out, and says which key to set.
    let got = execute(&connector(&stand_in).await, &e_mail_answer()).await;
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`smtp_host`")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty(), "no SP-API call");
}
