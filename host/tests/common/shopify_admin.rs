//! A loopback stand-in for the part of Shopify's Admin API that refunds use, speaking the
//! shapes of Shopify's published examples (`plugins/shopify/tests/fixtures/api`): refund
//! calculation, refund creation (remembered, with its note), and the order's refund list.
//! It answers order lookups (`GET /orders/<id>.json`, the REST Order resource) from the
//! orders it is given. It counts refunds by the idempotency key in their note, can be told to lose its answer
//! after creating a refund, as a network failure would, and keeps every request body exactly
//! as sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;

/// The Admin API version the connector's manifest names.
pub const ROOT: &str = "/admin/api/2025-07";
/// The Admin API token the gateway holds.
pub const ADMIN_TOKEN: &str = "shpat_stand_in_token";

fn fixture(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/shopify/tests/fixtures/api")
        .join(name);
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The stand-in's state.
#[derive(Default)]
pub struct Admin {
    /// Refunds created, by order: their notes.
    pub refunds: Mutex<BTreeMap<String, Vec<String>>>,
    /// Create the next N refunds, then answer 502 as if the answer were lost.
    pub lose_answers: AtomicU32,
    /// Requests seen ("METHOD path").
    pub seen: Mutex<Vec<String>>,
    /// Dispute evidence writes: (dispute id, request body).
    pub evidence: Mutex<Vec<(String, serde_json::Value)>>,
    /// Every request with a body: ("METHOD path", the body exactly as sent).
    pub bodies: Mutex<Vec<(String, String)>>,
    /// Orders `GET /orders/<id>.json` answers with (REST Order resources), by id; any
    /// other id is 404.
    pub orders: Mutex<BTreeMap<String, serde_json::Value>>,
    /// Answer the next N order lookups 503, as an unavailable Shopify would.
    pub fail_lookups: AtomicU32,
    /// Hold order lookups unanswered while set.
    pub hold_lookups: std::sync::atomic::AtomicBool,
}

impl Admin {
    /// Refunds whose note carries `key`.
    pub fn refunds_with(&self, key: &str) -> usize {
        self.refunds
            .lock()
            .unwrap()
            .values()
            .flatten()
            .filter(|note| note.contains(&format!("[helloword:{key}]")))
            .count()
    }

    /// Every refund.
    pub fn refund_count(&self) -> usize {
        self.refunds.lock().unwrap().values().map(Vec::len).sum()
    }
}

/// Start the stand-in; returns its state and port.
pub async fn start() -> (Arc<Admin>, u16) {
    let admin = Arc::new(Admin::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = admin.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(answer(&state, req).await) }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (admin, port)
}

fn reply(
    status: u16,
    body: serde_json::Value,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .unwrap()
}

async fn answer(
    admin: &Admin,
    req: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let token = req
        .headers()
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    admin.seen.lock().unwrap().push(format!("{method} {path}"));
    if !body.is_empty() {
        admin.bodies.lock().unwrap().push((
            format!("{method} {path}"),
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    if token != ADMIN_TOKEN {
        return reply(
            401,
            serde_json::json!({"errors": "[API] Invalid API key or access token"}),
        );
    }
    if let Some(rest) = path.strip_prefix(&format!("{ROOT}/shopify_payments/disputes/")) {
        let dispute = rest.split('/').next().unwrap_or_default().to_string();
        return match method.as_str() {
            "GET" => reply(200, fixture("dispute_evidence_get.response.json")),
            "PUT" => {
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                admin
                    .evidence
                    .lock()
                    .unwrap()
                    .push((dispute, request.clone()));
                if request["dispute_evidence"]["submit_evidence"] == true {
                    reply(200, fixture("dispute_evidence_submit.response.json"))
                } else {
                    reply(200, fixture("dispute_evidence_update.response.json"))
                }
            }
            _ => reply(404, serde_json::json!({"errors": "Not Found"})),
        };
    }
    let Some(rest) = path.strip_prefix(&format!("{ROOT}/orders/")) else {
        return reply(404, serde_json::json!({"errors": "Not Found"}));
    };
    let (order, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if let ("GET", Some(id), "") = (method.as_str(), order.strip_suffix(".json"), tail) {
        while admin.hold_lookups.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if admin
            .fail_lookups
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return reply(503, serde_json::json!({"errors": "Service Unavailable"}));
        }
        return match admin.orders.lock().unwrap().get(id) {
            Some(found) => reply(200, serde_json::json!({ "order": found })),
            None => reply(404, serde_json::json!({"errors": "Not Found"})),
        };
    }
    match (method.as_str(), tail) {
        ("POST", "refunds/calculate.json") => reply(200, fixture("refund_calculate.response.json")),
        ("POST", "refunds.json") => {
            let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let note = request["refund"]["note"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let id = {
                let mut refunds = admin.refunds.lock().unwrap();
                let list = refunds.entry(order.to_string()).or_default();
                list.push(note.clone());
                list.len()
            };
            if admin
                .lose_answers
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return reply(502, serde_json::json!({"errors": "Bad Gateway"}));
            }
            let mut created = fixture("refund_create.response.json");
            created["refund"]["id"] = (900_000_000 + id as u64).into();
            created["refund"]["note"] = note.into();
            reply(201, created)
        }
        ("GET", "refunds.json?limit=250") => {
            let template = fixture("refunds_list.response.json")["refunds"][0].clone();
            let notes = admin
                .refunds
                .lock()
                .unwrap()
                .get(order)
                .cloned()
                .unwrap_or_default();
            let refunds: Vec<serde_json::Value> = notes
                .into_iter()
                .enumerate()
                .map(|(i, note)| {
                    let mut r = template.clone();
                    r["id"] = (900_000_001 + i as u64).into();
                    r["note"] = note.into();
                    r
                })
                .collect();
            reply(200, serde_json::json!({ "refunds": refunds }))
        }
        _ => reply(404, serde_json::json!({"errors": "Not Found"})),
    }
}

/// Write the Shopify connector's folder under `<dir>/plugins/shopify` with a manifest that
/// sends the Admin API to the stand-in on `port`.
pub fn install_connector(dir: &Path, port: u16) -> PathBuf {
    let folder = dir.join("plugins/shopify");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        test_artifacts::SHOPIFY,
        folder.join("shopify_connector.wasm"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
    )
    .unwrap()
    .replace(
        "allowed_hosts = [\"*.myshopify.com\"]",
        &format!("allowed_hosts = [\"127.0.0.1:{port}\"]"),
    )
    .replace(
        "# api_base = \"https://example.myshopify.com\"",
        &format!("api_base = \"http://127.0.0.1:{port}\""),
    );
    assert!(manifest.contains("127.0.0.1"), "the manifest changed shape");
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
    folder
}

/// Install the refund-everything test policy.
pub fn install_policy(dir: &std::path::Path) {
    install_policy_with(dir, "");
}

/// Install the refund-everything test policy with `config` (TOML lines) as its `[config]`.
pub fn install_policy_with(dir: &std::path::Path, config: &str) {
    let folder = dir.join("plugins/refund-policy");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(
        test_artifacts::REFUND_POLICY,
        folder.join("refund_policy.wasm"),
    )
    .unwrap();
    std::fs::write(
        folder.join("plugin.toml"),
        format!(
            "[plugin]\nid = \"refund-policy\"\nkind = \"compensation-policy\"\ncontract = \"0.1.0\"\n\
             component = \"refund_policy.wasm\"\ndescription = \"Refunds every case (tests).\"\n\
             [config]\n{config}"
        ),
    )
    .unwrap();
}
