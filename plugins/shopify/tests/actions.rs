//! Actions through the real host runtime against a loopback stand-in for the Admin API:
//! the requests Shopify would receive (with the token the host adds), and the outcomes read
//! from Shopify's published answers.

mod common;

use common::*;
use helloword_testkit::types::{
    Action, ActionError, ActionKind, ActionOutcome, ActionStatus, EvidenceSpec, MessageSpec, Money,
    RefundSpec, ReturnDecision,
};
use helloword_testkit::{Answer, Plugin, Recorded, StandIn};
use serde_json::{Value, json};

const ROOT: &str = "/admin/api/2025-07";

/// The connector, with the admin token, pointed at `stand_in`.
async fn connector(stand_in: &StandIn) -> Plugin {
    load(
        kit()
            .with_secret("shopify_admin_token", ADMIN_TOKEN)
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await
}

fn action(kind: ActionKind, order_id: Option<&str>, case_id: Option<&str>) -> Action {
    Action {
        idempotency_key: "ticket-42:refund:1".into(),
        reply_context: Vec::new(),
        shop: SHOP.into(),
        order_id: order_id.map(str::to_string),
        case_id: case_id.map(str::to_string),
        kind,
    }
}

fn refund_action() -> Action {
    action(
        ActionKind::Refund(RefundSpec {
            amount: None,
            line_items: vec![("518995019".into(), 1)],
            include_shipping: true,
            note: Some("wrong size".into()),
            notify_buyer: true,
        }),
        Some("450789469"),
        None,
    )
}

async fn execute(plugin: &Plugin, action: &Action) -> Result<ActionOutcome, ActionError> {
    plugin
        .execute(action)
        .await
        .expect("the connector answers without breaking a limit")
}

/// Every request carried the configured token, added by the host.
fn assert_token(requests: &[Recorded]) {
    for r in requests {
        assert_eq!(
            r.header("x-shopify-access-token"),
            Some(ADMIN_TOKEN),
            "{}",
            r.line()
        );
    }
}

/// The host-side types have no `PartialEq`; they compare through their serde form.
macro_rules! value {
    ($e:expr) => {
        serde_json::to_value(&$e).expect("host types serialize")
    };
}

fn json_of(fixture: &str) -> Value {
    serde_json::from_slice(&common::fixture(fixture)).unwrap()
}

#[tokio::test]
async fn a_refund_is_calculated_then_created_as_kind_refund() {
    let stand_in = admin_api(vec![
        (
            "POST",
            format!("{ROOT}/orders/450789469/refunds/calculate.json"),
            Answer::json_text(200, fixture("api/refund_calculate.response.json")),
        ),
        (
            "POST",
            format!("{ROOT}/orders/450789469/refunds.json"),
            Answer::json_text(201, fixture("api/refund_create.response.json")),
        ),
    ])
    .await;
    let out = execute(&connector(&stand_in).await, &refund_action()).await;

    let requests = stand_in.requests();
    let lines: Vec<String> = requests.iter().map(Recorded::line).collect();
    assert_eq!(
        lines,
        [
            format!("POST {ROOT}/orders/450789469/refunds/calculate.json"),
            format!("POST {ROOT}/orders/450789469/refunds.json"),
        ]
    );
    assert_token(&requests);

    // The calculation asks about the same lines and shipping as Shopify's own example.
    let calc = requests[0].expect_json();
    let expected = json_of("api/refund_calculate.request.json");
    assert_eq!(calc["refund"]["shipping"], expected["refund"]["shipping"]);
    assert_eq!(
        calc["refund"]["refund_line_items"],
        expected["refund"]["refund_line_items"]
    );

    // The creation is Shopify's example request with the suggested transaction.
    let create = requests[1].expect_json();
    let expected = json_of("api/refund_create.request.json");
    let tx = &create["refund"]["transactions"][0];
    let expected_tx = &expected["refund"]["transactions"][0];
    for field in ["parent_id", "kind", "gateway"] {
        assert_eq!(tx[field], expected_tx[field], "transactions[0].{field}");
    }
    // The example's amount (a JSON number there), as a decimal string written from minor
    // units: never a number a float could shorten (10.00 went out as 10.0).
    assert_eq!(expected_tx["amount"].to_string(), "41.94");
    assert_eq!(tx["amount"], "41.94", "transactions[0].amount");
    assert_eq!(tx["kind"], "refund", "suggested_refund must become refund");
    for field in ["currency", "notify", "shipping"] {
        assert_eq!(
            create["refund"][field], expected["refund"][field],
            "{field}"
        );
    }
    assert_eq!(
        create["refund"]["refund_line_items"][0]["line_item_id"],
        json!(518995019)
    );
    assert_eq!(
        create["refund"]["note"],
        "wrong size [helloword:ticket-42:refund:1]"
    );

    let out = out.unwrap();
    assert_eq!(out.status, ActionStatus::Done);
    assert_eq!(out.marketplace_ref.as_deref(), Some("929361466"));
    assert_eq!(
        value!(out.amount),
        value!(Some(Money {
            minor_units: 4194,
            currency: "USD".into()
        }))
    );
}

#[tokio::test]
async fn dispute_evidence_is_written_then_submitted() {
    let path = format!("{ROOT}/shopify_payments/disputes/598735659/dispute_evidences.json");
    let get = fixture("api/dispute_evidence_get.response.json");
    let updated = fixture("api/dispute_evidence_update.response.json");
    let submitted = fixture("api/dispute_evidence_submit.response.json");
    let stand_in = StandIn::start(move |r: &Recorded| match r.method.as_str() {
        "GET" => Answer::json_text(200, get.clone()),
        "PUT" if String::from_utf8_lossy(&r.body).contains("submit_evidence") => {
            Answer::json_text(200, submitted.clone())
        }
        "PUT" => Answer::json_text(200, updated.clone()),
        _ => Answer::json_text(404, "{}"),
    })
    .await
    .expect("a loopback port");

    // The fields of Shopify's example update: text as text, `*_attributes` as JSON.
    let example = json_of("api/dispute_evidence_update.request.json");
    let fields = example["dispute_evidence"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    let evidence = action(
        ActionKind::DisputeEvidence(EvidenceSpec {
            fields,
            submit: true,
        }),
        Some("625362839"),
        Some("598735659"),
    );
    let out = execute(&connector(&stand_in).await, &evidence)
        .await
        .unwrap();

    let requests = stand_in.requests();
    let lines: Vec<String> = requests.iter().map(Recorded::line).collect();
    assert_eq!(
        lines,
        [
            format!("GET {path}"),
            format!("PUT {path}"),
            format!("PUT {path}")
        ]
    );
    assert_token(&requests);
    assert_eq!(requests[1].expect_json(), example);
    assert_eq!(
        requests[2].expect_json(),
        json_of("api/dispute_evidence_submit.request.json")
    );
    assert_eq!(out.status, ActionStatus::Done);
    assert_eq!(out.marketplace_ref.as_deref(), Some("819974671"));
    assert!(
        out.detail
            .contains("submitted on 2023-10-03T13:19:26-04:00"),
        "{}",
        out.detail
    );
}

#[tokio::test]
async fn submitted_dispute_evidence_is_refused_before_any_write() {
    let path = format!("{ROOT}/shopify_payments/disputes/598735659/dispute_evidences.json");
    let stand_in = admin_api(vec![(
        "GET",
        path.clone(),
        Answer::json_text(200, fixture("api/dispute_evidence_submit.response.json")),
    )])
    .await;
    let evidence = action(
        ActionKind::DisputeEvidence(EvidenceSpec {
            fields: vec![("uncategorized_text".into(), "More".into())],
            submit: false,
        }),
        None,
        Some("598735659"),
    );
    let got = execute(&connector(&stand_in).await, &evidence).await;
    assert!(
        matches!(&got, Err(ActionError::Permanent(m)) if m.contains("was submitted on")),
        "{got:?}"
    );
    let lines: Vec<String> = stand_in.requests().iter().map(Recorded::line).collect();
    assert_eq!(lines, [format!("GET {path}")]);
}

#[tokio::test]
async fn a_return_is_declined_through_graphql() {
    let answer = br#"{"data":{"returnDeclineRequest":{"return":{"id":"gid://shopify/Return/491427904","status":"DECLINED"},"userErrors":[]}}}"#;
    let stand_in = admin_api(vec![(
        "POST",
        format!("{ROOT}/graphql.json"),
        Answer::json_text(200, answer),
    )])
    .await;
    let decline = action(
        ActionKind::ReturnDecision(ReturnDecision {
            approve: false,
            decline_reason: Some("return_period_ended".into()),
            note: None,
        }),
        None,
        Some("gid://shopify/Return/491427904"),
    );
    let out = execute(&connector(&stand_in).await, &decline)
        .await
        .unwrap();

    let requests = stand_in.requests();
    assert_eq!(requests.len(), 1);
    assert_token(&requests);
    let sent = requests[0].expect_json();
    let expected = json_of("api/graphql_returnDeclineRequest.request.json");
    assert_eq!(sent["query"], expected["query"]);
    assert_eq!(
        sent["variables"]["input"]["id"],
        expected["variables"]["input"]["id"]
    );
    assert_eq!(
        sent["variables"]["input"]["declineReason"],
        expected["variables"]["input"]["declineReason"]
    );
    assert_eq!(out.status, ActionStatus::Done);
    assert_eq!(
        out.marketplace_ref.as_deref(),
        Some("gid://shopify/Return/491427904")
    );
}

#[tokio::test]
async fn reconcile_finds_a_refund_by_its_idempotency_key() {
    let listed = fixture_text("api/refunds_list.response.json").replace(
        "\"note\": \"it broke during shipping\"",
        "\"note\": \"it broke during shipping [helloword:ticket-42:refund:1]\"",
    );
    let stand_in = admin_api(vec![(
        "GET",
        format!("{ROOT}/orders/450789469/refunds.json?limit=250"),
        Answer::json_text(200, listed),
    )])
    .await;
    let found = connector(&stand_in)
        .await
        .reconcile(&refund_action())
        .await
        .unwrap()
        .unwrap()
        .expect("the refund carrying the key is found");
    assert_token(&stand_in.requests());
    assert_eq!(found.status, ActionStatus::Done);
    assert_eq!(found.marketplace_ref.as_deref(), Some("509562969"));
    assert_eq!(
        value!(found.amount),
        value!(Some(Money {
            minor_units: 20900,
            currency: "USD".into()
        }))
    );
}

#[tokio::test]
async fn reconcile_finds_nothing_when_no_refund_carries_the_key() {
    let stand_in = admin_api(vec![(
        "GET",
        format!("{ROOT}/orders/450789469/refunds.json?limit=250"),
        Answer::json_text(200, fixture("api/refunds_list.response.json")),
    )])
    .await;
    let found = connector(&stand_in)
        .await
        .reconcile(&refund_action())
        .await
        .unwrap()
        .unwrap();
    assert!(found.is_none(), "{found:?}");
    assert_eq!(stand_in.requests().len(), 1);
}

/// The refund against a stand-in that answers the calculation with `status` and `body`.
async fn refund_answered(status: u16, body: &[u8]) -> Result<ActionOutcome, ActionError> {
    let stand_in = admin_api(vec![(
        "POST",
        format!("{ROOT}/orders/450789469/refunds/calculate.json"),
        Answer::json_text(status, body),
    )])
    .await;
    execute(&connector(&stand_in).await, &refund_action()).await
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let got = refund_answered(503, br#"{"errors":"Service Unavailable"}"#).await;
    assert!(
        matches!(&got, Err(ActionError::Transient(m)) if m.contains("503") && m.contains("Service Unavailable")),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_rate_limit_is_transient() {
    let got = refund_answered(
        429,
        br#"{"errors":"Exceeded 2 calls per second for api client."}"#,
    )
    .await;
    assert!(matches!(got, Err(ActionError::Transient(_))), "{got:?}");
}

#[tokio::test]
async fn an_unprocessable_refund_is_permanent_with_shopifys_message() {
    let got = refund_answered(
        422,
        br#"{"errors":{"refund_line_items":["Quantity cannot refund more items than were purchased"]}}"#,
    )
    .await;
    let Err(ActionError::Permanent(message)) = got else {
        panic!("{got:?}");
    };
    assert_eq!(
        message,
        "Shopify refused POST /orders/450789469/refunds/calculate.json (422): \
         refund_line_items Quantity cannot refund more items than were purchased"
    );
}

#[tokio::test]
async fn without_the_admin_token_actions_are_misconfigured() {
    let stand_in = admin_api(vec![]).await;
    let plugin = load(
        kit()
            .with_config("api_base", &stand_in.url())
            .with_allowed_host(&stand_in.host()),
    )
    .await;
    let got = execute(&plugin, &refund_action()).await;
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("shopify_admin_token")),
        "{got:?}"
    );
    assert!(stand_in.requests().is_empty());
}

#[tokio::test]
async fn a_host_that_is_not_granted_is_misconfigured() {
    let stand_in = admin_api(vec![]).await;
    let plugin = load(
        kit()
            .with_secret("shopify_admin_token", ADMIN_TOKEN)
            .with_config("api_base", &stand_in.url()),
    )
    .await;
    let got = execute(&plugin, &refund_action()).await;
    assert!(
        matches!(&got, Err(ActionError::Misconfigured(m)) if m.contains("allowed_hosts")),
        "{got:?}"
    );
}

#[tokio::test]
async fn messages_are_not_supported() {
    let stand_in = admin_api(vec![]).await;
    let message = action(
        ActionKind::Message(MessageSpec {
            subject: None,
            body: "Your replacement is on its way.".into(),
            language: "en".into(),
        }),
        Some("450789469"),
        None,
    );
    let plugin = connector(&stand_in).await;
    let out = execute(&plugin, &message).await.unwrap();
    assert_eq!(out.status, ActionStatus::NotSupported);
    assert!(out.detail.contains("e-mail"), "{}", out.detail);
    assert!(matches!(
        plugin.reconcile(&message).await.unwrap(),
        Ok(None)
    ));
    assert!(stand_in.requests().is_empty());
}
