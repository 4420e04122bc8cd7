//! Actions through the real host runtime against a loopback stand-in for eBay's APIs: the
//! exact requests eBay would receive (method, path, the token the host adds, JSON body,
//! checked against the request shapes in `fixtures/schema-derived/`), the outcomes, and
//! reconciliation.

mod common;

use common::*;
use helloword_testkit::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, EvidenceSpec, MessageSpec, Money,
    RefundSpec, ReshipSpec, ReturnDecision,
};
use helloword_testkit::{Answer, Plugin, Recorded, StandIn};
use serde_json::{Value, json};

const RETURN_ID: &str = "5300000000";
const DISPUTE_ID: &str = "5000000000";
const ORDER_ID: &str = "01-23456-78901";

async fn connector(stand_in: &StandIn) -> Plugin {
    connector_with(stand_in, kit()).await
}

async fn connector_with(stand_in: &StandIn, kit: helloword_testkit::TestKit) -> Plugin {
    load(
        kit.with_secret("ebay_user_token", USER_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_config("apiz_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await
}

fn action(kind: ActionKind, order_id: Option<&str>, case_id: Option<&str>) -> Action {
    Action {
        idempotency_key: "ticket-7:action:1".into(),
        reply_context: Vec::new(),
        shop: SELLER.into(),
        order_id: order_id.map(str::to_string),
        case_id: case_id.map(str::to_string),
        kind,
    }
}

async fn execute(plugin: &Plugin, action: &Action) -> Result<ActionOutcome, ActionError> {
    plugin
        .execute(action)
        .await
        .expect("the connector answers within its limits")
}

fn refund(amount: Option<(i64, &str)>, lines: &[(&str, u32)], note: Option<&str>) -> ActionKind {
    ActionKind::Refund(RefundSpec {
        amount: amount.map(|(minor_units, currency)| Money {
            minor_units,
            currency: currency.into(),
        }),
        line_items: lines.iter().map(|(id, q)| (id.to_string(), *q)).collect(),
        include_shipping: false,
        note: note.map(str::to_string),
        notify_buyer: true,
    })
}

fn decision(approve: bool, reason: Option<&str>, note: Option<&str>) -> ActionKind {
    ActionKind::ReturnDecision(ReturnDecision {
        approve,
        decline_reason: reason.map(str::to_string),
        note: note.map(str::to_string),
    })
}

fn message(body: &str) -> ActionKind {
    ActionKind::Message(MessageSpec {
        subject: None,
        body: body.into(),
        language: "en".into(),
    })
}

fn evidence(fields: &[(&str, &str)], submit: bool) -> ActionKind {
    ActionKind::DisputeEvidence(EvidenceSpec {
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        submit,
    })
}

/// Every request carried the user token in the scheme its API takes.
fn assert_tokens(received: &[Recorded]) {
    for r in received {
        let expected = if r.target().starts_with("/post-order/") {
            format!("IAF {USER_TOKEN}")
        } else {
            format!("Bearer {USER_TOKEN}")
        };
        assert_eq!(
            r.header("authorization"),
            Some(expected.as_str()),
            "{}",
            r.line()
        );
        if r.target().starts_with("/post-order/") {
            assert_eq!(
                r.header("x-ebay-c-marketplace-id"),
                Some("EBAY_US"),
                "{}",
                r.line()
            );
        }
    }
}

/// Every key of `sent` (recursively) is a key of eBay's request shape `shape`.
fn assert_shape(sent: &Value, shape: &Value, path: &str) {
    match (sent, shape) {
        (Value::Object(s), Value::Object(f)) => {
            for (k, v) in s {
                let other = f
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} is not in eBay's shape"));
                assert_shape(v, other, &format!("{path}.{k}"));
            }
        }
        (Value::Array(s), Value::Array(f)) if !f.is_empty() => {
            for v in s {
                assert_shape(v, &f[0], &format!("{path}[]"));
            }
        }
        (s, f) => assert_eq!(
            std::mem::discriminant(s),
            std::mem::discriminant(f),
            "{path}: {s} vs {f}"
        ),
    }
}

#[tokio::test]
async fn a_return_is_approved_with_decide() {
    let stand_in = ebay_api(vec![(
        "POST",
        format!("/post-order/v2/return/{RETURN_ID}/decide"),
        Answer::status(200),
    )])
    .await;
    let a = action(
        decision(
            true,
            None,
            Some("Please send the item back using the provided label."),
        ),
        None,
        Some("return:5300000000"),
    );
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    let received = stand_in.requests();
    assert_eq!(
        stand_in.lines(),
        [format!("POST /post-order/v2/return/{RETURN_ID}/decide")]
    );
    assert_tokens(&received);
    let sent = received[0].expect_json();
    assert_eq!(
        sent,
        json!({"decision": "APPROVE", "comments": {"content": "Please send the item back using the provided label."}})
    );
    let shape = fixture_json("schema-derived/post_order_return_decide.request.json");
    assert_shape(&sent, &shape, "decide");
    assert_eq!(sent["comments"], shape["comments"]);
    assert_eq!(out.status, ActionStatus::Done);
    assert_eq!(out.marketplace_ref.as_deref(), Some("return:5300000000"));
}

#[tokio::test]
async fn a_return_refund_sends_ebays_itemized_refund_with_number_amounts() {
    let stand_in = ebay_api(vec![(
        "POST",
        format!("/post-order/v2/return/{RETURN_ID}/issue_refund"),
        Answer::json_text(200, r#"{"refundStatus": "SUCCESS"}"#),
    )])
    .await;
    let a = action(
        refund(
            Some((1000, "USD")),
            &[],
            Some("Refund issued after inspection"),
        ),
        None,
        Some("return:5300000000"),
    );
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[0].expect_json(),
        fixture_json("schema-derived/post_order_return_issue_refund.request.json")
    );
    // A JSON number with eBay's digits, never a float's.
    assert!(String::from_utf8_lossy(&received[0].body).contains(r#""value":10.00"#));
    assert_eq!(out.status, ActionStatus::Done);
    assert_eq!(
        serde_json::to_value(&out.amount).unwrap(),
        json!({"minor_units": 1000, "currency": "USD"})
    );
}

#[tokio::test]
async fn a_return_message_goes_to_the_return() {
    let stand_in = ebay_api(vec![(
        "POST",
        format!("/post-order/v2/return/{RETURN_ID}/send_message"),
        Answer::status(200),
    )])
    .await;
    let text = "We have received your return and will refund within 2 business days.";
    let out = execute(
        &connector(&stand_in).await,
        &action(message(text), None, Some("return:5300000000")),
    )
    .await
    .unwrap();
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[0].expect_json(),
        fixture_json("schema-derived/post_order_send_message.request.json")
    );
    assert_eq!(out.status, ActionStatus::Done);
}

#[tokio::test]
async fn an_inquiry_gets_shipment_information_and_a_full_refund() {
    let stand_in = ebay_api(vec![
        (
            "POST",
            "/post-order/v2/inquiry/5100000001/provide_shipment_info".into(),
            Answer::status(200),
        ),
        (
            "POST",
            "/post-order/v2/inquiry/5100000001/issue_refund".into(),
            Answer::json_text(200, r#"{"refundResult": {"refundStatus": "PENDING"}}"#),
        ),
    ])
    .await;
    let plugin = connector(&stand_in).await;
    let shipped = action(
        evidence(
            &[
                ("carrier", "USPS"),
                ("tracking_number", "9400000000000000000000"),
                ("shipped_at", "2026-10-01T10:00:00.000Z"),
                ("comments", "Shipped with tracking"),
            ],
            true,
        ),
        None,
        Some("inquiry:5100000001"),
    );
    let out = execute(&plugin, &shipped).await.unwrap();
    assert_eq!(out.status, ActionStatus::Done);
    let full = action(refund(None, &[], None), None, Some("inquiry:5100000001"));
    let out = execute(&plugin, &full).await.unwrap();
    assert_eq!(out.status, ActionStatus::Pending);
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[0].expect_json(),
        fixture_json("schema-derived/post_order_inquiry_provide_shipment_info.request.json")
    );
    assert_eq!(
        received[1].line(),
        "POST /post-order/v2/inquiry/5100000001/issue_refund"
    );
    assert_eq!(received[1].expect_json(), json!({}));
}

#[tokio::test]
async fn a_case_is_refunded_through_the_case() {
    let stand_in = ebay_api(vec![(
        "POST",
        "/post-order/v2/casemanagement/5000000001/issue_refund".into(),
        Answer::json_text(200, r#"{"refundResult": {"refundStatus": "SUCCESS"}}"#),
    )])
    .await;
    let a = action(
        refund(None, &[], Some("Sorry for the trouble")),
        Some(ORDER_ID),
        Some("case:5000000001"),
    );
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    assert_eq!(out.status, ActionStatus::Done);
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[0].expect_json(),
        json!({"comments": {"content": "Sorry for the trouble"}})
    );
}

/// A stand-in that serves the payment dispute and accepts every dispute call.
async fn dispute_stand_in() -> StandIn {
    let dispute = fixture("schema-derived/fulfillment_payment_dispute.get.json");
    StandIn::start(move |r| match (r.method.as_str(), r.target().as_str()) {
        ("GET", t) if t == format!("/sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}") => {
            Answer::json_text(200, dispute.clone())
        }
        ("POST", t) if t.ends_with("/add_evidence") => {
            Answer::json_text(200, r#"{"evidenceId": "EV-1"}"#)
        }
        ("POST", _) => Answer::status(204),
        _ => Answer::status(404),
    })
    .await
    .expect("a loopback port")
}

#[tokio::test]
async fn a_payment_dispute_is_accepted_with_its_revision() {
    let stand_in = dispute_stand_in().await;
    let a = action(decision(true, None, None), None, Some("dispute:5000000000"));
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    assert_eq!(
        stand_in.lines(),
        [
            format!("GET /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}"),
            format!("POST /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}/accept"),
        ]
    );
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[1].expect_json(),
        fixture_json("schema-derived/fulfillment_payment_dispute_accept.request.json")
    );
    assert_eq!(out.detail, "Payment dispute 5000000000 accepted");
}

#[tokio::test]
async fn a_payment_dispute_is_contested_with_the_configured_return_address() {
    let stand_in = dispute_stand_in().await;
    let shape = fixture_json("schema-derived/fulfillment_payment_dispute_contest.request.json");
    let plugin = connector_with(
        &stand_in,
        kit().with_config(
            "dispute_return_address",
            &shape["returnAddress"].to_string(),
        ),
    )
    .await;
    let a = action(
        decision(false, None, Some("Tracking shows the parcel was delivered")),
        None,
        Some("dispute:5000000000"),
    );
    execute(&plugin, &a).await.unwrap();
    let received = stand_in.requests();
    assert_eq!(
        received[1].line(),
        format!("POST /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}/contest")
    );
    assert_eq!(received[1].expect_json(), shape);
}

#[tokio::test]
async fn dispute_evidence_is_added_for_the_requested_lines_then_contested() {
    let stand_in = dispute_stand_in().await;
    let a = action(
        evidence(
            &[
                ("evidence_type", "PROOF_OF_DELIVERY"),
                ("file_ids", "FILE-ID-FROM-UPLOAD-EVIDENCE-FILE"),
            ],
            true,
        ),
        None,
        Some("dispute:5000000000"),
    );
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    assert_eq!(
        stand_in.lines(),
        [
            format!("GET /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}"),
            format!("POST /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}/add_evidence"),
            format!("POST /sell/fulfillment/v1/payment_dispute/{DISPUTE_ID}/contest"),
        ]
    );
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[1].expect_json(),
        fixture_json("schema-derived/fulfillment_payment_dispute_add_evidence.request.json")
    );
    assert_eq!(received[2].expect_json(), json!({"revision": 1}));
    assert_eq!(out.marketplace_ref.as_deref(), Some("EV-1"));
}

/// A stand-in with the order and its refund endpoint.
async fn order_stand_in() -> StandIn {
    ebay_api(vec![
        (
            "GET",
            format!("/sell/fulfillment/v1/order/{ORDER_ID}"),
            Answer::json_text(200, fixture("schema-derived/fulfillment_order.get.json")),
        ),
        (
            "POST",
            format!("/sell/fulfillment/v1/order/{ORDER_ID}/issue_refund"),
            Answer::json_text(
                200,
                fixture("schema-derived/fulfillment_issue_refund.response.json"),
            ),
        ),
        (
            "POST",
            "/commerce/message/v1/send_message".into(),
            Answer::json_text(200, r#"{"messageId": "M-1"}"#),
        ),
    ])
    .await
}

#[tokio::test]
async fn an_order_line_is_refunded_through_the_fulfillment_api() {
    let stand_in = order_stand_in().await;
    let a = action(
        refund(
            Some((1000, "USD")),
            &[("100000000000-1000000000000", 1)],
            Some("Refund for returned item"),
        ),
        Some(ORDER_ID),
        None,
    );
    let out = execute(&connector(&stand_in).await, &a).await.unwrap();
    assert_eq!(
        stand_in.lines(),
        [
            format!("GET /sell/fulfillment/v1/order/{ORDER_ID}"),
            format!("POST /sell/fulfillment/v1/order/{ORDER_ID}/issue_refund"),
        ]
    );
    let received = stand_in.requests();
    assert_tokens(&received);
    let mut expected = fixture_json("schema-derived/fulfillment_issue_refund.request.json");
    // A refund without a case is an adjustment; eBay's example refunds a return.
    expected["reasonForRefund"] = json!("OTHER_ADJUSTMENT");
    assert_eq!(received[1].expect_json(), expected);
    assert_eq!(out.status, ActionStatus::Pending);
    assert_eq!(
        out.marketplace_ref.as_deref(),
        Some("REFUND-ID-PLACEHOLDER")
    );
}

#[tokio::test]
async fn a_partial_refund_of_a_case_is_an_order_level_refund() {
    let stand_in = order_stand_in().await;
    let a = action(
        refund(
            Some((500, "USD")),
            &[],
            Some("Partial refund agreed with buyer"),
        ),
        Some(ORDER_ID),
        Some("case:5000000001"),
    );
    execute(&connector(&stand_in).await, &a).await.unwrap();
    let received = stand_in.requests();
    assert_eq!(
        stand_in.lines(),
        [format!(
            "POST /sell/fulfillment/v1/order/{ORDER_ID}/issue_refund"
        )]
    );
    assert_eq!(
        received[0].expect_json(),
        fixture_json("schema-derived/fulfillment_issue_refund_order_level.request.json")
    );
}

#[tokio::test]
async fn messages_go_through_the_message_api_by_listing_or_by_order() {
    let stand_in = order_stand_in().await;
    let plugin = connector(&stand_in).await;
    let text = "Your refund has been issued.";
    let by_listing = action(
        message(text),
        None,
        Some("message:example_buyer:100000000000"),
    );
    let out = execute(&plugin, &by_listing).await.unwrap();
    assert_eq!(out.marketplace_ref.as_deref(), Some("M-1"));
    let by_order = action(message(text), Some(ORDER_ID), None);
    execute(&plugin, &by_order).await.unwrap();
    let received = stand_in.requests();
    assert_tokens(&received);
    let expected = fixture_json("schema-derived/commerce_message_send_message.request.json");
    assert_eq!(received[0].line(), "POST /commerce/message/v1/send_message");
    assert_eq!(received[0].expect_json(), expected);
    assert_eq!(
        received[1].line(),
        format!("GET /sell/fulfillment/v1/order/{ORDER_ID}")
    );
    assert_eq!(received[2].expect_json(), expected);
}

#[tokio::test]
async fn a_cancellation_is_rejected_with_the_shipment() {
    let stand_in = ebay_api(vec![(
        "POST",
        "/post-order/v2/cancellation/5000000123/reject".into(),
        Answer::status(200),
    )])
    .await;
    let a = action(
        decision(
            false,
            Some("tracking=9400000000000000000000;shipped=2026-10-01T10:00:00.000Z"),
            None,
        ),
        None,
        Some("cancel:5000000123"),
    );
    execute(&connector(&stand_in).await, &a).await.unwrap();
    let received = stand_in.requests();
    assert_tokens(&received);
    assert_eq!(
        received[0].expect_json(),
        fixture_json("schema-derived/post_order_cancellation_reject.request.json")
    );
}

#[tokio::test]
async fn reconcile_reads_the_return_state_and_the_orders_refunds() {
    let stand_in = ebay_api(vec![
        (
            "GET",
            format!("/post-order/v2/return/{RETURN_ID}"),
            Answer::json_text(
                200,
                fixture("schema-derived/post_order_return.get.third_party_shape.json"),
            ),
        ),
        (
            "GET",
            format!("/sell/fulfillment/v1/order/{ORDER_ID}"),
            Answer::json_text(200, fixture("schema-derived/fulfillment_order.get.json")),
        ),
    ])
    .await;
    let plugin = connector(&stand_in).await;
    // The sample return is ITEM_READY_TO_SHIP: an approval already happened…
    let approve = action(decision(true, None, None), None, Some("return:5300000000"));
    let found = plugin
        .reconcile(&approve)
        .await
        .unwrap()
        .unwrap()
        .expect("approved");
    assert_eq!(found.status, ActionStatus::Done);
    assert!(
        found.detail.contains("ITEM_READY_TO_SHIP"),
        "{}",
        found.detail
    );
    // …a decline did not, and neither did a refund (no actualRefundAmount).
    let decline = action(
        decision(false, None, Some("no")),
        None,
        Some("return:5300000000"),
    );
    assert!(plugin.reconcile(&decline).await.unwrap().unwrap().is_none());
    let return_refund = action(refund(None, &[], None), None, Some("return:5300000000"));
    assert!(
        plugin
            .reconcile(&return_refund)
            .await
            .unwrap()
            .unwrap()
            .is_none()
    );
    // The sample order has no refunds yet.
    let order_refund = action(refund(Some((500, "EUR")), &[], None), Some(ORDER_ID), None);
    assert!(
        plugin
            .reconcile(&order_refund)
            .await
            .unwrap()
            .unwrap()
            .is_none()
    );
    assert_tokens(&stand_in.requests());
    assert_eq!(stand_in.requests().len(), 4);
}

#[tokio::test]
async fn errors_are_classified_with_ebays_own_text() {
    for (status, check) in [
        (429u16, "transient"),
        (503, "transient"),
        (401, "misconfigured"),
        (409, "permanent"),
    ] {
        let stand_in = StandIn::start(move |_| {
            Answer::json_text(
                status,
                r#"{"error":[{"errorId":1,"message":"Return is not in an approvable state"}]}"#,
            )
        })
        .await
        .expect("a loopback port");
        let a = action(decision(true, None, None), None, Some("return:5300000000"));
        let got = execute(&connector(&stand_in).await, &a).await;
        let ok = match (check, &got) {
            ("transient", Err(ActionError::Transient(_))) => true,
            ("misconfigured", Err(ActionError::Misconfigured(m))) => {
                m.contains("`ebay_user_token`")
            }
            ("permanent", Err(ActionError::Permanent(m))) => {
                m.contains("Return is not in an approvable state") && m.contains("409")
            }
            _ => false,
        };
        assert!(ok, "{status}: {got:?}");
    }
}

#[tokio::test]
async fn without_the_user_token_actions_are_misconfigured_and_send_nothing() {
    let stand_in = ebay_api(vec![]).await;
    let plugin = load(
        kit()
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let got = execute(
        &plugin,
        &action(decision(true, None, None), None, Some("return:1")),
    )
    .await;
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("`ebay_user_token`")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn unsupported_combinations_say_what_to_do_by_hand() {
    let stand_in = ebay_api(vec![]).await;
    let plugin = connector(&stand_in).await;
    for (a, hint) in [
        (
            action(
                ActionKind::Reship(ReshipSpec {
                    line_items: vec![],
                    expedited: false,
                    note: None,
                }),
                Some(ORDER_ID),
                None,
            ),
            "replacement",
        ),
        (
            action(
                refund(None, &[], None),
                Some(ORDER_ID),
                Some("dispute:5000000000"),
            ),
            "accept the dispute",
        ),
        (
            action(refund(None, &[], None), None, Some("cancel:5000000123")),
            "approve cancellation",
        ),
        (
            action(decision(true, None, None), None, Some("inquiry:1")),
            "inquiry 1",
        ),
    ] {
        let out = execute(&plugin, &a).await.unwrap();
        assert_eq!(out.status, ActionStatus::NotSupported, "{a:?}");
        assert!(out.detail.contains(hint), "{}", out.detail);
    }
    assert!(stand_in.requests().is_empty());
}
