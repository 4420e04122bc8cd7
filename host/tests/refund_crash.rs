//! A crash in the refund path: the gateway process is stopped (abort, like kill -9) at each
//! step of sending a refund — before marking it, after marking and before sending, after
//! Shopify answered, before recording the answer — then restarted. Every time, the Admin
//! API stand-in ends with exactly one refund for the action's idempotency key.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TEST_GRANTS, free_port, shopify_admin};

const BIN: &str = env!("CARGO_BIN_EXE_helloword");
const SECRET: &str = "refund-crash-secret";
const TOKEN: &str = "refund-crash-token";

/// The gateway process; killed when dropped.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(dir: &Path, port: u16, failpoint: Option<&str>) -> (Gateway, String) {
    std::fs::write(
        dir.join("helloword.toml"),
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[plugins]\nwatch_interval_ms = 0\n{TEST_GRANTS}\
             [api.tokens]\nops = \"api_token\"\n[actions]\nretry_base_ms = 50\n[secrets]\n\
             shopify_client_secret = {{ value = \"{SECRET}\" }}\napi_token = {{ value = \"{TOKEN}\" }}\n\
             shopify_admin_token = {{ value = \"{}\" }}\n",
            shopify_admin::ADMIN_TOKEN
        ),
    )
    .unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--config"])
        .arg(dir.join("helloword.toml"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(fp) = failpoint {
        command.env("HELLOWORD_FAILPOINT", fp);
    }
    let gateway = Gateway(command.spawn().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (gateway, base);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the gateway did not become ready");
}

async fn api(base: &str, method: &str, path: &str, body: Option<String>) -> serde_json::Value {
    let client = reqwest::Client::new();
    let mut req = client
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .bearer_auth(TOKEN);
    if let Some(body) = body {
        req = req.body(body);
    }
    let text = req.send().await.unwrap().text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

async fn crash_at(failpoint: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (admin, admin_port) = shopify_admin::start().await;
    shopify_admin::install_connector(tmp.path(), admin_port);
    let port = free_port();

    let (mut gateway, base) = start(tmp.path(), port, Some(failpoint)).await;
    let body = common::gateway::fixture("returns__request.json");
    let delivered = reqwest::Client::new()
        .post(format!("{base}/hooks/shopify"))
        .header("X-Shopify-Topic", "returns/request")
        .header(
            "X-Shopify-Hmac-Sha256",
            helloword_testkit::hmac_sha256_base64(SECRET.as_bytes(), &body),
        )
        .header("X-Shopify-Shop-Domain", "crash.myshopify.com")
        .header("X-Shopify-Api-Version", "2026-07")
        .header("X-Shopify-Webhook-Id", "refund-crash-1")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status().as_u16(), 200);
    let mut id = None;
    for _ in 0..200 {
        let listed = api(&base, "GET", "/api/tickets", None).await;
        if let Some(t) = listed["tickets"].as_array().and_then(|t| t.first()) {
            id = t["id"].as_u64();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let id = id.expect("the return became a ticket");
    let refund = serde_json::json!({ "actions": [{ "Refund": {
        "amount": null, "line_items": [["518995019", 1]], "include_shipping": true,
        "note": "damaged", "notify_buyer": true } }] });
    // The answer may or may not arrive before the process stops.
    let _ = reqwest::Client::new()
        .post(format!("{base}/api/tickets/{id}/actions"))
        .bearer_auth(TOKEN)
        .body(refund.to_string())
        .send()
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if gateway.0.try_wait().unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "{failpoint} was never reached");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(gateway);

    // Restart without the failpoint: the action finishes, once.
    let (_gateway, base) = start(tmp.path(), port, None).await;
    let mut shown = serde_json::Value::Null;
    for _ in 0..500 {
        shown = api(&base, "GET", &format!("/api/tickets/{id}"), None).await;
        if shown["actions"][0]["state"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(shown["actions"][0]["state"], "done", "{failpoint}: {shown}");
    let key = shown["actions"][0]["action"]["idempotency_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        admin.refunds_with(&key),
        1,
        "{failpoint}: exactly one refund for {key}"
    );
    assert_eq!(admin.refund_count(), 1, "{failpoint}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_marking_the_refund() {
    crash_at("outbox:before-mark").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_marking_before_sending() {
    crash_at("outbox:before-send").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_shopify_answered() {
    crash_at("outbox:after-send").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_recording_the_answer() {
    crash_at("outbox:before-record").await;
}
