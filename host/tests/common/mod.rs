//! Shared test setup: plugin folders in temporary directories, runtimes with test secrets.

#![allow(dead_code)]

pub mod alert_receivers;
pub mod binary;
pub mod ebay_keys;
pub mod gateway;
pub mod mail;
pub mod served;
pub mod shopify_admin;
pub mod stand_in;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use helloword::config::Secrets;
use helloword::plugin::{
    GrantPolicy, Limits, Manifest, Plugin, Runtime, RuntimeSettings, Services,
};
use helloword::telemetry::Metrics;

pub const ECHO_SECRET: &str = "echo-test-secret";

/// `[plugins.grants]` tables for gateway configs in tests: each bundled plugin gets what its
/// plugin.toml requests, plus loopback (any port) for the marketplace stand-ins tests run;
/// `echo` gets what [`echo_folder`] requests. Put it where a table may start.
pub const TEST_GRANTS: &str = r#"
[plugins.grants.shopify]
secrets = ["shopify_client_secret", "shopify_previous_client_secret", "shopify_admin_token", "shopify_mailbox_password", "shopify_smtp_password"]
allowed_hosts = ["*.myshopify.com", "127.0.0.1"]
limits = { wall_clock_ms = 25000 }
[plugins.grants.amazon]
secrets = ["amazon_lwa_token", "amazon_eventbridge_key", "aws_secret_access_key", "amazon_mailbox_password", "amazon_smtp_password"]
allowed_hosts = ["*.amazon.com", "*.amazonaws.com", "127.0.0.1", "localhost"]
limits = { wall_clock_ms = 30000, cpu_ms = 5000, max_output_bytes = 33554432, memory_bytes = 201326592 }
[plugins.grants.ebay]
secrets = ["ebay_verification_token", "ebay_app_token", "ebay_user_token", "ebay_dev_id", "ebay_app_id", "ebay_cert_id"]
allowed_hosts = ["api.ebay.com", "apiz.ebay.com", "127.0.0.1"]
limits = { wall_clock_ms = 20000 }
[plugins.grants.woocommerce]
secrets = ["woocommerce_webhook_secret", "woocommerce_previous_webhook_secret", "woocommerce_api_credentials"]
allowed_hosts = ["127.0.0.1"]
limits = { http_timeout_ms = 30000, wall_clock_ms = 90000 }
[plugins.grants.translate-deepl]
secrets = ["deepl_auth_key"]
allowed_hosts = ["api-free.deepl.com", "api.deepl.com", "127.0.0.1"]
[plugins.grants.echo]
secrets = ["echo_secret"]
allowed_hosts = ["127.0.0.1"]
"#;

/// Write `<dir>/<id>/plugin.toml` (with `extra` appended to the [plugin] section and
/// `tail` after it) and copy `wasm` beside it.
pub fn plugin_folder(dir: &Path, id: &str, wasm: &str, extra: &str, tail: &str) -> PathBuf {
    let folder = dir.join(id);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(wasm, folder.join("plugin.wasm")).unwrap();
    let manifest = format!(
        "[plugin]\nid = \"{id}\"\nkind = \"marketplace-connector\"\ncontract = \"0.1.0\"\n\
         component = \"plugin.wasm\"\n{extra}\n{tail}\n"
    );
    std::fs::write(folder.join("plugin.toml"), manifest).unwrap();
    folder
}

/// An echo plugin folder granted `echo_secret`.
pub fn echo_folder(dir: &Path, id: &str, tail: &str) -> PathBuf {
    plugin_folder(
        dir,
        id,
        test_artifacts::ECHO,
        "secrets = [\"echo_secret\"]\nallowed_hosts = [\"127.0.0.1\"]",
        tail,
    )
}

/// A hostile plugin folder with `behaviour`.
pub fn hostile_folder(dir: &Path, id: &str, behaviour: &str, limits: &str) -> PathBuf {
    plugin_folder(
        dir,
        id,
        test_artifacts::HOSTILE,
        "",
        &format!("[limits]\n{limits}\n[config]\nbehaviour = \"{behaviour}\"\n"),
    )
}

pub fn services(metrics: Metrics) -> Arc<Services> {
    let secrets = Secrets::from_pairs([("echo_secret", ECHO_SECRET)]);
    Arc::new(Services::new(Arc::new(secrets), metrics).unwrap())
}

/// A runtime that grants each plugin what it requests (host/tests/grants.rs tests grants).
pub fn runtime_with(cache_dir: Option<PathBuf>, limits: Limits) -> Runtime {
    let settings = RuntimeSettings {
        cache_dir,
        default_limits: limits,
        grants: GrantPolicy::AsRequested,
        ..RuntimeSettings::default()
    };
    Runtime::new(settings, services(Metrics::default())).unwrap()
}

pub fn runtime() -> Runtime {
    runtime_with(None, Limits::default())
}

pub async fn load(runtime: &Runtime, folder: &Path) -> Plugin {
    let manifest = Manifest::load(&folder.join("plugin.toml")).unwrap();
    runtime.load(manifest).await.unwrap()
}

pub fn sign(body: &[u8]) -> String {
    helloword_testkit::hmac_sha256_base64(ECHO_SECRET.as_bytes(), body)
}

pub use helloword_testkit::free_port;

/// Copy every bundled locale pack into `<dir>/plugins`.
pub fn install_locale_packs(dir: &Path) {
    for (package, wasm) in test_artifacts::LOCALE_PACKS {
        let folder = dir.join("plugins").join(package);
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("plugins")
            .join(package)
            .join("plugin.toml");
        std::fs::copy(&manifest, folder.join("plugin.toml")).unwrap();
        let name = Path::new(wasm).file_name().unwrap();
        std::fs::copy(wasm, folder.join(name)).unwrap();
    }
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// WooCommerce order 727 (the REST API docs' example) with `note` as what the buyer wrote at
/// checkout, as the body of an `order.updated` webhook.
pub fn woo_order_with_note(note: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/woocommerce/tests/fixtures/webhooks/order-727-processing.json");
    let mut order: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    order["customer_note"] = note.into();
    serde_json::to_vec(&order).unwrap()
}

/// POST `body` to `<base>/hooks/woocommerce` as WooCommerce sends an `order.updated`
/// webhook of shop.example.com, signed with `secret`; the status answered.
pub async fn deliver_woo_order(
    client: &reqwest::Client,
    base: &str,
    secret: &str,
    body: &[u8],
    delivery: &str,
) -> u16 {
    let signature = helloword_testkit::hmac_sha256_base64(secret.as_bytes(), body);
    client
        .post(format!("{base}/hooks/woocommerce"))
        .header("Content-Type", "application/json")
        .header("X-WC-Webhook-Source", "https://shop.example.com/")
        .header("X-WC-Webhook-Topic", "order.updated")
        .header("X-WC-Webhook-Resource", "order")
        .header("X-WC-Webhook-Event", "updated")
        .header("X-WC-Webhook-Signature", signature)
        .header("X-WC-Webhook-ID", "7")
        .header("X-WC-Webhook-Delivery-ID", delivery)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// POST `body` to `<base>/hooks/<connector>`, an echo test connector, signed with
/// [`ECHO_SECRET`] and with delivery id `delivery`; the status answered.
pub async fn deliver_echo(
    client: &reqwest::Client,
    base: &str,
    connector: &str,
    body: &[u8],
    delivery: &str,
) -> u16 {
    let signature = helloword_testkit::hmac_sha256_base64(ECHO_SECRET.as_bytes(), body);
    client
        .post(format!("{base}/hooks/{connector}"))
        .header("x-echo-signature", signature)
        .header("x-echo-delivery", delivery)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Put the bundled Amazon connector (its built component and its plugin.toml) into
/// `plugins`; it needs no secret to load.
pub fn install_amazon(plugins: &Path) {
    let amazon = plugins.join("amazon");
    std::fs::create_dir_all(&amazon).unwrap();
    std::fs::copy(test_artifacts::AMAZON, amazon.join("amazon_connector.wasm")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/amazon/plugin.toml"),
        amazon.join("plugin.toml"),
    )
    .unwrap();
}

/// Drop the WooCommerce connector into `plugins` as an author would: built and written
/// beside the folder, then moved in whole, so a watching gateway never sees half of it.
pub fn drop_in_woocommerce(plugins: &Path) {
    let staging = plugins.with_file_name("woocommerce.staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(
        test_artifacts::WOOCOMMERCE,
        staging.join("woocommerce_connector.wasm"),
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/woocommerce/plugin.toml"),
        staging.join("plugin.toml"),
    )
    .unwrap();
    std::fs::rename(&staging, plugins.join("woocommerce")).unwrap();
}
