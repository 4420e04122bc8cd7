//! The gateway over real HTTP on loopback: webhooks, health, readiness, metrics, and clear
//! errors for bad requests, while hostile plugins misbehave next to good ones.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use helloword::config::Config;
use helloword::gateway::Gateway;

struct Running {
    app: Arc<helloword::web::App>,
    base: String,
    client: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start(dir: &Path, extra_config: &str) -> Running {
    let config_text = format!(
        "[server]\nmax_body_bytes = 65536\n[plugins]\ndir = \"plugins\"\nwatch_interval_ms = 0\n{TEST_GRANTS}\
         [secrets]\necho_secret = {{ value = \"{ECHO_SECRET}\" }}\n{extra_config}"
    );
    let config = Config::parse(&dir.join("helloword.toml"), &config_text).unwrap();
    let gateway = Gateway::start(&config).await.unwrap();
    let app = gateway.app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));
    Running {
        app,
        base,
        client: reqwest::Client::new(),
        stop,
        done,
    }
}

fn gateway_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = tmp.path().join("plugins");
    echo_folder(&plugins, "echo", "");
    hostile_folder(&plugins, "looper", "loop", "cpu_ms = 100");
    let de = plugins.join("locale-de");
    std::fs::create_dir_all(&de).unwrap();
    std::fs::copy(test_artifacts::LOCALE_DE, de.join("locale_de.wasm")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/locale-de/plugin.toml"),
        de.join("plugin.toml"),
    )
    .unwrap();
    tmp
}

async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

#[tokio::test]
async fn a_signed_delivery_is_on_disk_when_acknowledged_and_a_repeat_changes_nothing() {
    let tmp = gateway_dir();
    let gw = start(tmp.path(), "").await;
    let body = br#"{"order": 1001}"#.to_vec();
    let deliver = || {
        gw.client
            .post(format!("{}/hooks/echo", gw.base))
            .header("X-Echo-Signature", sign(&body))
            .header("X-Echo-Delivery", "delivery-1")
            .body(body.clone())
            .send()
    };
    let (status, reply) = json(deliver().await.unwrap()).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["accepted"], 1);
    let seq = reply["delivery"].as_u64().unwrap();
    let (record, stored_body) = gw.app.store.delivery(seq).unwrap().unwrap();
    assert_eq!(stored_body, body);
    assert_eq!(record.delivery_id.as_deref(), Some("delivery-1"));
    assert_eq!(
        record.events[0].buyer_text.as_deref(),
        Some(r#"{"order": 1001}"#)
    );

    let (status, reply) = json(deliver().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(reply["duplicate_of"].as_u64(), Some(seq));
    assert_eq!(gw.app.store.inbox_len(), 1);
}

#[tokio::test]
async fn bad_requests_get_clear_statuses_and_messages() {
    let tmp = gateway_dir();
    let gw = start(tmp.path(), "").await;
    let post = |path: &str| gw.client.post(format!("{}{path}", gw.base));

    let (status, reply) = json(
        post("/hooks/echo")
            .header("x-echo-signature", sign(b"something else"))
            .body("tampered")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (401, Some("unauthorized"))
    );
    assert_eq!(reply["message"], "x-echo-signature does not match the body");

    let (status, reply) = json(post("/hooks/nope").body("{}").send().await.unwrap()).await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (404, Some("unknown-plugin"))
    );
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("no plugin `nope` is loaded")
    );

    let (status, reply) = json(post("/hooks/locale-de").body("{}").send().await.unwrap()).await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (404, Some("not-a-connector"))
    );

    let (status, reply) = json(
        post("/hooks/echo")
            .body(vec![b'x'; 70_000])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (413, Some("body-too-large"))
    );

    let (status, reply) = json(
        post("/hooks/echo")
            .header("x-echo-signature", "%%%")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, reply["error"].as_str()),
        (400, Some("bad-request"))
    );
}

#[tokio::test]
async fn a_connector_reply_is_passed_through() {
    let tmp = gateway_dir();
    let gw = start(tmp.path(), "").await;
    let response = gw
        .client
        .get(format!("{}/hooks/echo/reply", gw.base))
        .body("pong")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "pong");
}

#[tokio::test]
async fn a_looping_plugin_gets_503_while_health_and_other_plugins_answer() {
    let tmp = gateway_dir();
    let gw = Arc::new(start(tmp.path(), "").await);
    let looping = {
        let gw = gw.clone();
        tokio::spawn(async move {
            json(
                gw.client
                    .post(format!("{}/hooks/looper", gw.base))
                    .body("{}")
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        })
    };
    for _ in 0..5 {
        let health = gw
            .client
            .get(format!("{}/healthz", gw.base))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status().as_u16(), 200);
        let body = b"x";
        let echo = gw
            .client
            .post(format!("{}/hooks/echo", gw.base))
            .header("x-echo-signature", sign(body))
            .body(&body[..])
            .send()
            .await
            .unwrap();
        assert_eq!(echo.status().as_u16(), 200);
    }
    let (status, reply) = looping.await.unwrap();
    assert_eq!(
        (status, reply["error"].as_str()),
        (503, Some("timeout")),
        "{reply}"
    );

    let metrics = gw
        .client
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "helloword_plugin_calls_total{export=\"handle-webhook\",outcome=\"timeout\",plugin=\"looper\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("helloword_ext_echo_deliveries_total{plugin=\"echo\"} 5"),
        "{metrics}"
    );
}

#[tokio::test]
async fn readiness_lists_plugins_and_errors_and_shutdown_drains() {
    let tmp = gateway_dir();
    plugin_folder(
        &tmp.path().join("plugins"),
        "broken",
        test_artifacts::ECHO,
        "colour = 1",
        "",
    );
    let gw = start(tmp.path(), "").await;
    let (status, ready) = json(
        gw.client
            .get(format!("{}/readyz", gw.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        ready["plugins_loaded"],
        serde_json::json!(["echo", "locale-de", "looper"])
    );
    assert!(
        ready["plugin_errors"][0]
            .as_str()
            .unwrap()
            .contains("unknown field `colour`")
    );

    gw.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), gw.done)
        .await
        .expect("the gateway stops")
        .unwrap()
        .unwrap();
}

/// The dashboard's files went out uncompressed. Each is asked for with and without
/// `Accept-Encoding: gzip`, and the sizes printed (`--nocapture`).
#[tokio::test]
async fn dashboard_files_are_gzipped_for_browsers_that_accept_it_and_api_answers_are_not() {
    let tmp = gateway_dir();
    let gw = start(tmp.path(), "").await;
    let (mut plain_total, mut gzip_total) = (0, 0);
    // The page and every file of the dashboard (its script is ES modules, one file each).
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/ui/assets");
    let mut files: Vec<String> = std::fs::read_dir(&assets)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "index.html")
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f == "router.js"), "{files:?}");
    files.insert(0, String::new());
    for file in &files {
        let url = format!("{}/ui/{file}", gw.base);
        let plain = gw.client.get(&url).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let etag = plain.headers()["etag"].clone();
        let plain = plain.bytes().await.unwrap().len();
        let gzipped = gw
            .client
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(gzipped.status(), 200);
        assert_eq!(gzipped.headers()["content-encoding"], "gzip", "{file}");
        assert_eq!(gzipped.headers()["vary"], "accept-encoding", "{file}");
        assert_eq!(
            gzipped.headers()["etag"],
            etag,
            "one weak validator for both"
        );
        assert!(
            gzipped.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        let gzipped = gzipped.bytes().await.unwrap().len();
        eprintln!("/ui/{file}: {plain} bytes, {gzipped} gzipped");
        assert!(gzipped < plain, "{file}: {gzipped} of {plain}");
        plain_total += plain;
        gzip_total += gzipped;
    }
    eprintln!("dashboard files: {plain_total} bytes, {gzip_total} gzipped");
    // Under 40 % in all: each of the script's modules is compressed on its own, so the whole
    // shrinks less than one file would (36 % when they became modules, 28 % before).
    assert!(
        gzip_total * 5 < plain_total * 2,
        "{gzip_total} of {plain_total}"
    );
    // A revalidation with the weak validator is still a 304.
    let app_js = gw
        .client
        .get(format!("{}/ui/app.js", gw.base))
        .send()
        .await
        .unwrap();
    let etag = app_js.headers()["etag"].clone();
    assert!(etag.to_str().unwrap().starts_with("W/\""), "{etag:?}");
    let again = gw
        .client
        .get(format!("{}/ui/app.js", gw.base))
        .header("if-none-match", etag)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // Answers that may carry a secret (a session's CSRF token) are never compressed.
    let health = gw
        .client
        .get(format!("{}/healthz", gw.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(health.headers().get("content-encoding").is_none());
}
