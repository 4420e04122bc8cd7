//! A fourth marketplace with no host change: `helloword serve` runs without the
//! WooCommerce connector; its built component and manifest are dropped into the plugin
//! folder while it runs; the connector is picked up without a restart, answers
//! WooCommerce's creation ping, and a signed order delivery (the REST API docs' published
//! example, an order with refunds) updates its order record — context, so no ticket. A
//! forged signature is refused.

mod common;

use std::path::Path;
use std::time::Duration;

use common::TEST_GRANTS;
use common::served::{Served, serve};
use serde_json::Value;

const SECRET: &str = "wc-webhook-secret-1";
const TOKEN: &str = "wc-lead-token";

async fn get(gw: &Served, path: &str) -> Option<Value> {
    gw.get(path, Some(TOKEN)).await
}

async fn post_hook(gw: &Served, headers: &[(&str, String)], body: &[u8]) -> u16 {
    let mut req = gw
        .client
        .post(format!("{}/hooks/woocommerce", gw.base))
        .body(body.to_vec());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.unwrap().status().as_u16()
}

fn order_headers(signature: String, delivery: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        (
            "User-Agent",
            "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)".into(),
        ),
        ("X-WC-Webhook-Source", "https://shop.example.com/".into()),
        ("X-WC-Webhook-Topic", "order.updated".into()),
        ("X-WC-Webhook-Resource", "order".into()),
        ("X-WC-Webhook-Event", "updated".into()),
        ("X-WC-Webhook-Signature", signature),
        ("X-WC-Webhook-ID", "7".into()),
        ("X-WC-Webhook-Delivery-ID", delivery.into()),
    ]
}

#[tokio::test]
async fn a_woocommerce_connector_dropped_into_a_running_gateway_keeps_its_orders() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let gw = serve(
        tmp.path(),
        &format!(
            "[plugins]\ndir = \"plugins\"\nwatch_interval_ms = 100\n{TEST_GRANTS}\
             [api.tokens]\nlead = \"lead_token\"\n\
             [secrets]\nwoocommerce_webhook_secret = {{ value = \"{SECRET}\" }}\n\
             lead_token = {{ value = \"{TOKEN}\" }}\n"
        ),
    )
    .await;
    let ready = get(&gw, "/readyz").await.expect("/readyz answers");
    assert_eq!(ready["plugins_loaded"], serde_json::json!([]), "{ready}");
    // Before the connector is there, WooCommerce's deliveries have nowhere to go.
    assert_eq!(post_hook(&gw, &[], b"webhook_id=7").await, 404);

    // Drop it in, as an author would: the built file and its manifest.
    common::drop_in_woocommerce(&plugins);
    let mut loaded = false;
    for _ in 0..400 {
        if get(&gw, "/readyz")
            .await
            .is_some_and(|r| r["plugins_loaded"] == serde_json::json!(["woocommerce"]))
        {
            loaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(loaded, "the connector was not picked up without a restart");
    // The gateway reports the contract version the component was built for.
    let listed = get(&gw, "/api/plugins").await.unwrap();
    let plugin = &listed["plugins"][0];
    assert_eq!(plugin["id"], "woocommerce", "{listed}");
    assert_eq!(plugin["kind"], "marketplace-connector", "{listed}");
    assert_eq!(plugin["contract"], "0.1.0", "{listed}");
    assert!(plugin["error"].is_null(), "{listed}");
    // Granted everything it requests: it goes without nothing.
    assert_eq!(plugin["warnings"], serde_json::json!([]), "{listed}");

    // Saving a webhook in WooCommerce sends an unsigned ping that must get a 200.
    assert_eq!(
        post_hook(
            &gw,
            &[("Content-Type", "application/x-www-form-urlencoded".into())],
            b"webhook_id=7"
        )
        .await,
        200
    );

    let body =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../plugins/woocommerce/tests/fixtures/webhooks/order-723-completed-refunds.json",
        ))
        .unwrap();
    let signature = helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body);
    let forged = helloword_testkit::hmac_sha256_base64(b"not-the-secret", &body);
    assert_eq!(
        post_hook(&gw, &order_headers(forged, "d-forged"), &body).await,
        401
    );
    assert_eq!(
        post_hook(&gw, &order_headers(signature, "d-723"), &body).await,
        200
    );

    // An order with refunds is context: no ticket, an order record with its refunds.
    let mut order = Value::Null;
    for _ in 0..400 {
        if let Some(found) = get(&gw, "/api/orders/woocommerce/shop.example.com/723").await
            && found["order"].is_object()
        {
            order = found["order"].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(order["id"], "723", "no WooCommerce order appeared: {order}");
    assert_eq!(order["marketplace"], "woocommerce", "{order}");
    assert!(!order["refunds"].as_array().unwrap().is_empty(), "{order}");
    assert!(!order["items"].as_array().unwrap().is_empty(), "{order}");
    let tickets = get(&gw, "/api/tickets?limit=50").await.unwrap();
    assert_eq!(tickets["tickets"], serde_json::json!([]), "{tickets}");
}
