//! What the connector's tests share: the plugin built once and loaded by the real host
//! runtime, deliveries signed and headed the way WooCommerce sends them, and a stand-in of
//! the WooCommerce REST API v3 on a loopback port that answers with the documentation's
//! shapes (tests/fixtures/api) and checks HTTP Basic authentication.

#![allow(dead_code)] // Each test file uses its own part of this module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use helloword_sdk::base64::{Engine as _, engine::general_purpose::STANDARD};
use helloword_testkit::connector_api::IncomingRequest;
use helloword_testkit::{Answer, Plugin, Recorded, StandIn, TestKit, hmac_sha256_base64};
use serde_json::{Value, json};

/// The value of `woocommerce_webhook_secret` in these tests.
pub const SECRET: &str = "wc-webhook-secret-for-tests";
/// A REST API key as WooCommerce generates them.
pub const CONSUMER_KEY: &str = "ck_4d6a1c5e0e0f9b3a7c2d8e1f6a5b4c3d2e1f0a9b";
pub const CONSUMER_SECRET: &str = "cs_9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6";

/// The component, built for wasm32-wasip2 once per test binary.
pub fn wasm() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        helloword_testkit::build(Path::new(env!("CARGO_MANIFEST_DIR")))
            .expect("the connector builds for wasm32-wasip2")
    })
}

/// A gateway with the webhook secret.
pub fn kit() -> TestKit {
    TestKit::new().with_secret("woocommerce_webhook_secret", SECRET)
}

/// The plugin, with its plugin.toml, in the runtime `kit` describes.
pub async fn load(kit: TestKit) -> Plugin {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin.toml");
    kit.load(&manifest, wasm()).await.expect("the plugin loads")
}

/// A fixture file's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    helloword_testkit::fixture(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// A fixture file as JSON.
pub fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("fixtures are JSON")
}

/// A delivery of `topic` with `body`, signed with [`SECRET`], with every header WooCommerce's
/// `WC_Webhook::deliver` sets.
pub fn delivery(topic: &str, delivery_id: &str, body: &[u8]) -> IncomingRequest {
    signed_with(SECRET, topic, delivery_id, body)
}

/// As [`delivery`], signed with `secret`.
pub fn signed_with(secret: &str, topic: &str, delivery_id: &str, body: &[u8]) -> IncomingRequest {
    let signature = hmac_sha256_base64(secret.as_bytes(), body);
    let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
    helloword_testkit::request(
        "POST",
        "/",
        &[
            ("content-type", "application/json"),
            ("user-agent", "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)"),
            ("x-wc-webhook-source", "https://example.com/"),
            ("x-wc-webhook-topic", topic),
            ("x-wc-webhook-resource", resource),
            ("x-wc-webhook-event", event),
            ("x-wc-webhook-signature", &signature),
            ("x-wc-webhook-id", "3"),
            ("x-wc-webhook-delivery-id", delivery_id),
        ],
        body,
    )
}

/// JSON the way PHP's `json_encode` writes it (WooCommerce's `wp_json_encode`): compact,
/// slashes escaped, everything beyond ASCII as `\uXXXX`.
pub fn php_json(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    for c in value.to_string().chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.into_bytes()
}

/// The `Authorization` header WooCommerce expects for [`CONSUMER_KEY`].
pub fn basic_auth() -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{CONSUMER_KEY}:{CONSUMER_SECRET}"))
    )
}

/// A stand-in of one store's REST API v3, holding orders 723, 727 and 728 of the
/// documentation, with the refunds and notes of order 723, the store's coupons (none at
/// first) and its currency setting (USD).
pub struct Store {
    pub api: StandIn,
    state: Arc<Mutex<State>>,
}

struct State {
    orders: BTreeMap<String, Value>,
    refunds: BTreeMap<String, Vec<Value>>,
    notes: BTreeMap<String, Vec<Value>>,
    coupons: Vec<Value>,
    next_id: u64,
    refuse_refunds: Option<String>,
}

impl Store {
    pub async fn start() -> Store {
        let mut orders = BTreeMap::new();
        for name in [
            "webhooks/order-723-completed-refunds.json",
            "webhooks/order-727-processing.json",
            "webhooks/order-728-pending.json",
        ] {
            let order = fixture_json(name);
            orders.insert(order["id"].to_string(), order);
        }
        let mut refunds = BTreeMap::new();
        refunds.insert(
            "723".to_string(),
            array(fixture_json("api/refunds-723.json")),
        );
        let mut notes = BTreeMap::new();
        notes.insert("723".to_string(), array(fixture_json("api/notes-723.json")));
        let state = Arc::new(Mutex::new(State {
            orders,
            refunds,
            notes,
            coupons: Vec::new(),
            next_id: 900,
            refuse_refunds: None,
        }));
        let shared = Arc::clone(&state);
        let api = StandIn::start(move |req| answer(&mut shared.lock().unwrap(), req))
            .await
            .expect("the stand-in listens on 127.0.0.1");
        Store { api, state }
    }

    /// A gateway with the webhook secret, the API key, this store as `store_url` and its
    /// address granted.
    pub fn kit(&self) -> TestKit {
        kit()
            .with_secret(
                "woocommerce_api_credentials",
                STANDARD.encode(format!("{CONSUMER_KEY}:{CONSUMER_SECRET}")),
            )
            .with_allowed_host(&self.api.host())
            .with_config("store_url", &self.api.url())
    }

    /// The shop events and actions of this store are tagged with.
    pub fn shop(&self) -> String {
        self.api.host()
    }

    pub fn refunds(&self, order: &str) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .refunds
            .get(order)
            .cloned()
            .unwrap_or_default()
    }

    pub fn notes(&self, order: &str) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .notes
            .get(order)
            .cloned()
            .unwrap_or_default()
    }

    /// The coupons created so far.
    pub fn coupons(&self) -> Vec<Value> {
        self.state.lock().unwrap().coupons.clone()
    }

    /// From now on, answer refunds as WooCommerce does when the payment gateway refuses.
    pub fn refuse_refunds(&self, message: &str) {
        self.state.lock().unwrap().refuse_refunds = Some(message.to_string());
    }

    /// The requests with `method` whose path ends with `suffix`.
    pub fn requests(&self, method: &str, suffix: &str) -> Vec<Recorded> {
        self.api
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.ends_with(suffix))
            .collect()
    }
}

fn array(value: Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer::json(
        status,
        &json!({"code": code, "message": message, "data": {"status": status}}),
    )
}

/// Answer one request as WooCommerce would.
fn answer(state: &mut State, req: &Recorded) -> Answer {
    if req.header("authorization") != Some(basic_auth().as_str()) {
        return error(
            401,
            "woocommerce_rest_authentication_error",
            "Consumer key is invalid.",
        );
    }
    let Some(route) = req.path.strip_prefix("/wp-json/wc/v3/") else {
        return error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        );
    };
    let parts: Vec<&str> = route.split('/').collect();
    let order_id = match parts.as_slice() {
        ["orders", id, ..] => id.to_string(),
        ["coupons"] => return coupons(state, req),
        ["settings", "general", "woocommerce_currency"] if req.method == "GET" => {
            return Answer::json(
                200,
                &json!({
                    "id": "woocommerce_currency", "label": "Currency",
                    "description": "This controls what currency prices are listed at in the catalog and which currency gateways will take payments in.",
                    "type": "select", "default": "GBP", "tip": "", "value": "USD",
                }),
            );
        }
        _ => {
            return error(
                404,
                "rest_no_route",
                "No route was found matching the URL and request method.",
            );
        }
    };
    if !state.orders.contains_key(&order_id) {
        return error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.");
    }
    match (req.method.as_str(), &parts[2..]) {
        ("GET", []) => Answer::json(200, &state.orders[&order_id]),
        ("GET", ["refunds"]) => {
            let all = state.refunds.get(&order_id).cloned().unwrap_or_default();
            let param = |name: &str| {
                req.query
                    .split('&')
                    .find_map(|p| p.strip_prefix(&format!("{name}=")))
                    .and_then(|v| v.parse::<usize>().ok())
            };
            let per_page = param("per_page").unwrap_or(10);
            let page = param("page").unwrap_or(1);
            let shown: Vec<Value> = all
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            Answer::json(200, &Value::Array(shown))
        }
        ("POST", ["refunds"]) => create_refund(state, &order_id, &req.json()),
        ("GET", ["notes"]) => {
            let customer_only = req.query.split('&').any(|p| p == "type=customer");
            let notes: Vec<Value> = state
                .notes
                .get(&order_id)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|n| !customer_only || n["customer_note"] == json!(true))
                .collect();
            Answer::json(200, &Value::Array(notes))
        }
        ("POST", ["notes"]) => create_note(state, &order_id, &req.json()),
        _ => error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ),
    }
}

/// `POST /orders/<id>/refunds`: the request must be what the documentation describes
/// (amount as a decimal string, `api_refund`), the answer is shaped like its example.
fn create_refund(state: &mut State, order_id: &str, body: &Value) -> Answer {
    if let Some(message) = &state.refuse_refunds {
        return error(500, "woocommerce_rest_cannot_create_order_refund", message);
    }
    let Some(amount) = body["amount"].as_str() else {
        return error(400, "rest_invalid_param", "Invalid parameter(s): amount");
    };
    let decimal = amount.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let positive = amount.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if !decimal || !positive || body["api_refund"] != json!(true) {
        return error(
            500,
            "woocommerce_rest_cannot_create_order_refund",
            "Invalid refund amount.",
        );
    }
    state.next_id += 1;
    let id = state.next_id;
    let mut refund = fixture_json("api/refund-726.json");
    refund["id"] = json!(id);
    refund["amount"] = json!(amount);
    refund["reason"] = body["reason"].clone();
    refund["refunded_payment"] = json!(true);
    refund["_links"]["self"][0]["href"] = json!(format!(
        "https://example.com/wp-json/wc/v3/orders/{order_id}/refunds/{id}"
    ));
    state
        .refunds
        .entry(order_id.to_string())
        .or_default()
        .insert(0, refund.clone());
    if let Some(order) = state.orders.get_mut(order_id) {
        let listed = json!({"id": id, "reason": body["reason"], "total": format!("-{amount}")});
        if let Some(list) = order["refunds"].as_array_mut() {
            list.insert(0, listed);
        }
    }
    Answer::json(201, &refund)
}

/// `POST /orders/<id>/notes`, answered like the documentation's example.
fn create_note(state: &mut State, order_id: &str, body: &Value) -> Answer {
    let Some(text) = body["note"].as_str().filter(|t| !t.is_empty()) else {
        return error(
            400,
            "rest_missing_callback_param",
            "Missing parameter(s): note",
        );
    };
    state.next_id += 1;
    let id = state.next_id;
    let mut note = fixture_json("api/note-281.json");
    note["id"] = json!(id);
    note["note"] = json!(text);
    note["customer_note"] = json!(body["customer_note"] == json!(true));
    note["_links"]["self"][0]["href"] = json!(format!(
        "https://example.com/wp-json/wc/v3/orders/{order_id}/notes/{id}"
    ));
    state
        .notes
        .entry(order_id.to_string())
        .or_default()
        .insert(0, note.clone());
    Answer::json(201, &note)
}

/// `GET /coupons?code=…` (exact code, compared in lower case) and `POST /coupons`, which
/// refuses a code already in use as WooCommerce does and keeps codes in lower case.
fn coupons(state: &mut State, req: &Recorded) -> Answer {
    match req.method.as_str() {
        "GET" => {
            let code = req
                .query
                .split('&')
                .find_map(|p| p.strip_prefix("code="))
                .map(|c| c.replace("%2D", "-").to_lowercase());
            let found: Vec<Value> = state
                .coupons
                .iter()
                .filter(|c| code.as_deref().is_none_or(|code| c["code"] == json!(code)))
                .cloned()
                .collect();
            Answer::json(200, &Value::Array(found))
        }
        "POST" => {
            let body = req.json();
            let Some(code) = body["code"].as_str().filter(|c| !c.is_empty()) else {
                return error(
                    400,
                    "rest_missing_callback_param",
                    "Missing parameter(s): code",
                );
            };
            let code = code.to_lowercase();
            if state.coupons.iter().any(|c| c["code"] == json!(code)) {
                return error(
                    400,
                    "woocommerce_rest_coupon_code_already_exists",
                    "The coupon code already exists",
                );
            }
            state.next_id += 1;
            let mut coupon = body.clone();
            coupon["id"] = json!(state.next_id);
            coupon["code"] = json!(code);
            coupon["usage_count"] = json!(0);
            state.coupons.push(coupon.clone());
            Answer::json(201, &coupon)
        }
        _ => error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ),
    }
}
