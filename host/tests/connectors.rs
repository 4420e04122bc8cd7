//! Every bundled connector in one gateway, set up as an operator does it: the plugin folders
//! hold the manifests exactly as shipped, and everything the seller's shop needs is in the
//! gateway config (`[plugins.config.<id>]` beside `[plugins.grants.<id>]`).
//!
//! - Signed traffic through each connector, then `/metrics` is checked by Prometheus's own
//!   `promtool check metrics` (Debian's `prometheus` package, installed by
//!   scripts/test-deps): this test fails, never skips, without it.
//! - A validly signed delivery that each connector cannot read is kept, answered 202 (so
//!   the marketplace keeps its subscription), listed by `GET /api/deliveries/kept` and
//!   opens a ticket that alerts; `helloword replay` stores it once the connector is fixed.
//! - A key in `[plugins.config.<id>]` that the plugin does not declare stops its load with
//!   the gateway config's file, line and key.

mod common;

use std::path::Path;
use std::time::Duration;

use common::ebay_keys::EbayKey;
use common::gateway::*;
use helloword::plugin::bindings::types::IssueKind;

const WC_SECRET: &str = "wc-webhook-secret-1";
const EVENTBRIDGE_KEY: &str = "eventbridge-api-key-1";
const PREVIOUS_SECRET: &str = "shopify-previous-secret";
/// eBay's published challenge test vector.
const EBAY_TOKEN: &str = "71745723-d031-455c-bfa5-f90d11b4f20a";
const EBAY_ENDPOINT: &str = "http://www.testendpoint.com/webhook";
const EBAY_CODE: &str = "a8628072-3d33-45ee-9004-bee86830a22d";
const EBAY_EXPECTED: &str = "ca527df75caa230092d7e90484071e8f05d63068f1317973d6a3a42593734bbb";
const EBAY_FIXTURE_KID: &str = "9936261a-7d7b-4621-a0f1-96ccb428af49";

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The plugin folder `id` as shipped: its built component and its plugin.toml, unchanged.
fn install(dir: &Path, id: &str, wasm: &str, file: &str) {
    let folder = dir.join("plugins").join(id);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(wasm, folder.join(file)).unwrap();
    std::fs::copy(
        repo(&format!("plugins/{id}/plugin.toml")),
        folder.join("plugin.toml"),
    )
    .unwrap();
}

/// The key that signs the eBay notifications this test makes up.
fn ebay_key() -> EbayKey {
    EbayKey::new(5, "4f6a2b1c-8d3e-4f5a-9b6c-7d8e9f0a1b2c")
}

/// Secrets, and each connector's settings in the gateway config. `ebay_extra` goes into
/// `[plugins.config.ebay]`.
fn config(ebay_extra: &str, extra: &str) -> String {
    let fixture_key: serde_json::Value = serde_json::from_slice(&read(
        "plugins/ebay/tests/fixtures/commerce_notification/public_key_response.json",
    ))
    .unwrap();
    format!(
        "ebay_verification_token = {{ value = \"{EBAY_TOKEN}\" }}\n\
         amazon_eventbridge_key = {{ value = \"{EVENTBRIDGE_KEY}\" }}\n\
         woocommerce_webhook_secret = {{ value = \"{WC_SECRET}\" }}\n\
         shopify_previous_client_secret = {{ value = \"{PREVIOUS_SECRET}\" }}\n\
         [polling]\ninterval_secs = 0\n\
         [plugins.config.ebay]\nendpoint = \"{EBAY_ENDPOINT}\"\n\
         \"public_key.{EBAY_FIXTURE_KID}\" = {}\n\"public_key.{}\" = \"{}\"\n{ebay_extra}\
         [plugins.config.amazon]\nseller_id = \"A3TH9S8BH6GOGM\"\nreport_types = \"\"\n\
         [plugins.config.woocommerce]\nstore_url = \"https://shop.example.com\"\n{extra}",
        fixture_key["key"],
        ebay_key().kid,
        ebay_key().pem(),
    )
}

/// A gateway with every bundled connector (Shopify is installed by `start_with`).
async fn start_all(dir: &Path, config: &str) -> Running {
    install(dir, "ebay", test_artifacts::EBAY, "ebay_connector.wasm");
    install(
        dir,
        "amazon",
        test_artifacts::AMAZON,
        "amazon_connector.wasm",
    );
    install(
        dir,
        "woocommerce",
        test_artifacts::WOOCOMMERCE,
        "woocommerce_connector.wasm",
    );
    let gw = start_with(dir, config).await;
    gw.assert_every_plugin_loaded();
    gw
}

async fn post(gw: &Running, id: &str, headers: &[(&str, String)], body: Vec<u8>) -> (u16, String) {
    let mut req = gw.client.post(format!("{}/hooks/{id}", gw.base)).body(body);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let answer = req.send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

fn woocommerce_headers(body: &[u8], delivery: &str) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("X-WC-Webhook-Source", "https://shop.example.com/".into()),
        ("X-WC-Webhook-Topic", "order.updated".into()),
        ("X-WC-Webhook-Resource", "order".into()),
        ("X-WC-Webhook-Event", "updated".into()),
        (
            "X-WC-Webhook-Signature",
            helloword_testkit::hmac_sha256_base64(WC_SECRET.as_bytes(), body),
        ),
        ("X-WC-Webhook-ID", "7".into()),
        ("X-WC-Webhook-Delivery-ID", delivery.into()),
    ]
}

fn amazon_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("x-api-key", EVENTBRIDGE_KEY.into()),
    ]
}

fn ebay_headers(signature: String) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", "application/json".into()),
        ("X-EBAY-SIGNATURE", signature),
    ]
}

/// Signed deliveries each connector reads: Shopify (a dispute, an unhandled topic, one
/// signed with the previous secret), eBay (the challenge and a signed deletion, with the
/// endpoint and key from the gateway config), Amazon (an EventBridge notification) and
/// WooCommerce (an order).
async fn traffic(gw: &Running) {
    assert_eq!(
        gw.deliver("disputes/create", &fixture("disputes__create.json"), "m-1")
            .await,
        200
    );
    assert_eq!(gw.deliver("products/update", b"{}", "m-2").await, 200);
    let body = fixture("refunds__create.json");
    let old = gw
        .client
        .post(format!("{}/hooks/shopify", gw.base))
        .header("X-Shopify-Topic", "refunds/create")
        .header(
            "X-Shopify-Hmac-Sha256",
            helloword_testkit::hmac_sha256_base64(PREVIOUS_SECRET.as_bytes(), &body),
        )
        .header("X-Shopify-Shop-Domain", SHOP)
        .header("X-Shopify-Api-Version", "2026-07")
        .header("X-Shopify-Webhook-Id", "m-3")
        .header("X-Shopify-Event-Id", "event-m-3")
        .header("X-Shopify-Triggered-At", "2025-07-10T16:15:47.000000Z")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200);

    let challenge = gw
        .client
        .get(format!("{}/hooks/ebay?challenge_code={EBAY_CODE}", gw.base))
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 200);
    let answer: serde_json::Value = serde_json::from_str(&challenge.text().await.unwrap()).unwrap();
    assert_eq!(answer["challengeResponse"], EBAY_EXPECTED);
    let signature = String::from_utf8(read(
        "plugins/ebay/tests/fixtures/commerce_notification/x-ebay-signature.valid.txt",
    ))
    .unwrap();
    let deletion = read(
        "plugins/ebay/tests/fixtures/commerce_notification/marketplace_account_deletion.body.compact.json",
    );
    let (status, text) = post(gw, "ebay", &ebay_headers(signature.trim().into()), deletion).await;
    assert_eq!(status, 200, "{text}");

    let notification = read("plugins/amazon/tests/fixtures/notifications/ORDER_CHANGE.json");
    let (status, text) = post(gw, "amazon", &amazon_headers(), notification).await;
    assert_eq!(status, 200, "{text}");

    let order = read("plugins/woocommerce/tests/fixtures/webhooks/order-727-processing.json");
    let (status, text) = post(
        gw,
        "woocommerce",
        &woocommerce_headers(&order, "wc-1"),
        order,
    )
    .await;
    assert_eq!(status, 200, "{text}");
}

/// Issue 24, item 3: plugin counters lacked `_total` and shared the gateway's names, and a
/// label came from a request's topic header; `promtool check metrics` refused the scrape.
#[tokio::test]
async fn a_scrape_after_traffic_through_every_bundled_connector_passes_promtool() {
    let tmp = tempfile::tempdir().unwrap();
    let gw = start_all(tmp.path(), &config("", "")).await;
    traffic(&gw).await;
    gw.settled().await;
    let scrape = gw
        .client
        .get(format!("{}/metrics", gw.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for plugin in ["shopify", "ebay", "amazon", "woocommerce"] {
        assert!(
            scrape.contains(&format!(
                "helloword_plugin_calls_total{{export=\"handle-webhook\",outcome=\"ok\",plugin=\"{plugin}\"}}"
            )),
            "{plugin}: {scrape}"
        );
    }
    // Plugin metrics are in their own namespace, counters end in _total, and no label value
    // comes from a request.
    assert!(
        scrape.contains("helloword_ext_ignored_topics_total{plugin=\"shopify\"} 1\n"),
        "{scrape}"
    );
    assert!(
        scrape.contains("helloword_ext_previous_secret_matches_total{plugin=\"shopify\"} 1\n"),
        "{scrape}"
    );
    assert!(!scrape.contains("topic="), "{scrape}");
    assert!(
        !scrape.contains("helloword_plugin_ignored_topics"),
        "{scrape}"
    );
    for line in scrape.lines().filter(|l| l.starts_with("helloword_ext_")) {
        assert!(line.contains("plugin=\""), "{line}");
    }
    promtool_check(&scrape);
    gw.stop().await;
}

/// Run `promtool check metrics` on `scrape`: no error and no lint problem.
fn promtool_check(scrape: &str) {
    use std::io::Write as _;
    let mut child = match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!(
            "promtool is needed to check the metrics scrape ({e}); install Debian's prometheus \
             package: scripts/test-deps does"
        ),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(scrape.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {:?}\n{said}\n--- scrape ---\n{scrape}",
        out.status
    );
}

/// Issue 24, item 6: a validly signed delivery the connector cannot read was answered 400
/// and dropped; the marketplace retries and in the end disables the subscription.
#[tokio::test]
async fn a_signed_delivery_each_connector_cannot_read_is_kept_answered_202_listed_and_alerted() {
    let tmp = tempfile::tempdir().unwrap();
    let alerts = "[alerts]\nred = [\"app\"]\nyellow = [\"app\"]\nblue = [\"app\"]\n\
                  [[tickets.agents]]\nname = \"lin\"\ncapacity = 10\nlead = true\n";
    let gw = start_all(tmp.path(), &config("", alerts)).await;
    let broken = b"{\"id\": 1052, \"amount\": ".to_vec();

    let shopify = gw.deliver("disputes/create", &broken, "u-1").await;
    let ebay = post(
        &gw,
        "ebay",
        &ebay_headers(ebay_key().sign(&broken)),
        broken.clone(),
    )
    .await;
    let amazon = post(&gw, "amazon", &amazon_headers(), broken.clone()).await;
    let woocommerce = post(
        &gw,
        "woocommerce",
        &woocommerce_headers(&broken, "wc-u-1"),
        broken.clone(),
    )
    .await;
    assert_eq!(shopify, 202);
    for (status, text) in [&ebay, &amazon, &woocommerce] {
        assert_eq!(*status, 202, "{text}");
        let answer: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(answer["kept"].is_u64(), "{text}");
    }
    // An unsigned one is still refused and not kept.
    let forged = post(
        &gw,
        "woocommerce",
        &[("X-WC-Webhook-Signature", "AAAA".into())],
        broken.clone(),
    )
    .await;
    assert_eq!(forged.0, 401);

    let (status, listed) = gw.api("GET", "/api/deliveries/kept", None).await;
    assert_eq!(status, 200, "{listed}");
    let kept = listed["kept"].as_array().unwrap();
    let mut plugins: Vec<&str> = kept.iter().map(|k| k["plugin"].as_str().unwrap()).collect();
    plugins.sort();
    assert_eq!(
        plugins,
        ["amazon", "ebay", "shopify", "woocommerce"],
        "{listed}"
    );
    for k in kept {
        assert_eq!(k["reason"], "unreadable", "{k}");
        assert_eq!(k["bytes"], broken.len(), "{k}");
        assert!(!k["error"].as_str().unwrap().is_empty(), "{k}");
    }

    // Each opened a ticket that alerts the team.
    gw.settled().await;
    let tickets: Vec<_> = gw
        .app
        .store
        .all_tickets()
        .map(Result::unwrap)
        .filter(|t| t.kind == IssueKind::Other)
        .collect();
    assert_eq!(tickets.len(), 4, "{tickets:?}");
    for ticket in &tickets {
        let mut alerted = false;
        for _ in 0..200 {
            alerted = gw
                .app
                .store
                .alerts(ticket.id)
                .unwrap()
                .iter()
                .any(|a| a.trigger.id() == "unreadable-delivery");
            if alerted {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(alerted, "ticket {} has no alert", ticket.id);
    }
    gw.stop().await;
}

/// Issue 24, item 6: `helloword replay` runs a kept delivery again once the connector is
/// fixed (here the "fix" is a config change of the echo test connector, set in the gateway
/// config), stores its events, and it leaves the kept list.
#[tokio::test]
async fn a_kept_delivery_is_stored_by_replay_once_the_connector_is_fixed() {
    let tmp = tempfile::tempdir().unwrap();
    let echo = tmp.path().join("plugins/echo");
    std::fs::create_dir_all(&echo).unwrap();
    std::fs::copy(test_artifacts::ECHO, echo.join("echo.wasm")).unwrap();
    std::fs::write(
        echo.join("plugin.toml"),
        "[plugin]\nid = \"echo\"\nkind = \"marketplace-connector\"\ncontract = \"0.1.0\"\n\
         component = \"echo.wasm\"\nsecrets = [\"echo_secret\"]\n[config]\nreads = \"text\"\n",
    )
    .unwrap();
    let with = |reads: &str| {
        format!(
            "echo_secret = {{ value = \"{}\" }}\n[plugins.config.echo]\nreads = \"{reads}\"\n",
            common::ECHO_SECRET
        )
    };
    let body = b"the parcel never came".to_vec();
    let signature = helloword_testkit::hmac_sha256_base64(common::ECHO_SECRET.as_bytes(), &body);
    let gw = start_with(tmp.path(), &with("json")).await;
    let (status, text) = post(&gw, "echo", &[("x-echo-signature", signature)], body).await;
    assert_eq!(status, 202, "{text}");
    let report = helloword::ingest::replay::replay(&gw.app.plugins, &gw.app.store)
        .await
        .unwrap();
    assert_eq!(report.kept.len(), 1, "still unreadable: {report:?}");
    gw.stop().await;

    let gw = start_with(tmp.path(), &with("text")).await;
    let report = helloword::ingest::replay::replay(&gw.app.plugins, &gw.app.store)
        .await
        .unwrap();
    assert_eq!(report.replayed.len(), 1, "{report:?}");
    assert!(report.kept.is_empty(), "{report:?}");
    let (_, listed) = gw.api("GET", "/api/deliveries/kept", None).await;
    assert_eq!(listed["kept"], serde_json::json!([]), "{listed}");
    gw.settled().await;
    let summaries: Vec<String> = gw
        .app
        .store
        .all_tickets()
        .map(Result::unwrap)
        .filter(|t| t.marketplace == "echo")
        .map(|t| t.summary.clone())
        .collect();
    assert_eq!(
        summaries.len(),
        2,
        "the ticket about the kept delivery and the case: {summaries:?}"
    );
    gw.stop().await;
}

/// Issue 24, item 5: the gateway refused every per-plugin config section, so operators had
/// to edit the plugin folder's plugin.toml. A key the plugin does not declare is refused
/// with the gateway config's file, line and key.
#[tokio::test]
async fn a_config_key_the_plugin_does_not_declare_names_file_line_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    install(
        tmp.path(),
        "ebay",
        test_artifacts::EBAY,
        "ebay_connector.wasm",
    );
    let gw = start_with(
        tmp.path(),
        &config("endpont = \"https://typo.example\"\n", ""),
    )
    .await;
    let statuses = gw.app.plugins.statuses();
    let error = statuses
        .iter()
        .find(|s| s.folder.ends_with("ebay"))
        .and_then(|s| s.error.clone())
        .unwrap_or_else(|| panic!("the eBay connector does not load: {statuses:?}"));
    // The config is parsed from text in this test, so its line is checked by its number's
    // shape here (the unit tests pin the number).
    let file = tmp.path().join("helloword.toml");
    let head = format!("{}: line ", file.display());
    assert!(error.starts_with(&head), "{error}");
    let rest = &error[head.len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    assert!(digits > 0, "{error}");
    assert!(
        rest[digits..]
            .starts_with(": `plugins.config.ebay.endpont` is not a config key of plugin `ebay`;"),
        "{error}"
    );
    assert!(error.contains("`endpoint`"), "{error}");
    gw.stop().await;
}
