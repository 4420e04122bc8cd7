//! A whole gateway on loopback with the real Shopify connector: start, deliver signed
//! webhooks, call the admin API.

use std::path::Path;
use std::time::Duration;

use helloword::config::Config;
use helloword::gateway::Gateway;
use helloword::tickets::model::Ticket;

use super::TEST_GRANTS;

pub const SECRET: &str = "shopify-test-secret";
pub const SHOP: &str = "helloword-test.myshopify.com";
pub const TOKEN: &str = "lead-token-123";
/// The token of agent `lin` (a lead in tests that configure agents).
pub const LIN_TOKEN: &str = "lin-token-456";
/// The token of agent `mei`.
pub const MEI_TOKEN: &str = "mei-token-789";

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/shopify/tests/fixtures/webhooks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub struct Running {
    pub app: std::sync::Arc<helloword::web::App>,
    pub base: String,
    pub client: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Shut the gateway down and wait until it has let go of its data folder.
    pub async fn stop(self) {
        let Running {
            app, stop, done, ..
        } = self;
        drop(app);
        let _ = stop.send(());
        done.await.unwrap().unwrap();
    }
}

pub async fn start(dir: &Path) -> Running {
    start_with(dir, "").await
}

/// Start a gateway in `dir` with the Shopify connector and every plugin already in
/// `dir/plugins`, and `tickets` appended to the config.
pub async fn start_with(dir: &Path, tickets: &str) -> Running {
    // A gateway that just stopped may still be closing the database for a moment.
    for _ in 0..100 {
        if let Ok(running) = try_start_with(dir, tickets).await {
            return running;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the gateway did not start");
}

/// The `[storage]` table for a gateway in `dir`: empty (sled in `dir/data`) unless
/// `HELLOWORD_TEST_STORE=postgres`, which runs the same tests on a PostgreSQL database of
/// the test kit's server, one per folder, so a restarted gateway finds its data again.
pub fn storage_for(dir: &Path) -> String {
    if std::env::var("HELLOWORD_TEST_STORE").as_deref() != Ok("postgres") {
        return String::new();
    }
    let remembered = dir.join("postgres-url");
    let url = std::fs::read_to_string(&remembered).unwrap_or_else(|_| {
        let url = helloword_testkit::postgres::server().fresh_database();
        std::fs::write(&remembered, &url).unwrap();
        url
    });
    format!("[storage]\nstore = \"{url}\"\n")
}

/// Start a gateway as [`start_with`] does, once: the error when it does not start.
pub async fn try_start_with(dir: &Path, tickets: &str) -> Result<Running, String> {
    let plugins = dir.join("plugins/shopify");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        test_artifacts::SHOPIFY,
        plugins.join("shopify_connector.wasm"),
    )
    .unwrap();
    // A test may have written its own manifest (an Admin API stand-in's address).
    if !plugins.join("plugin.toml").exists() {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/shopify/plugin.toml"),
            plugins.join("plugin.toml"),
        )
        .unwrap();
    }
    let text = format!(
        "{}[plugins]\ndir = \"plugins\"\nwatch_interval_ms = 0\n{TEST_GRANTS}\
         [api.tokens]\nlead = \"lead_token\"\nlin = \"lin_token\"\nmei = \"mei_token\"\n\
         [secrets]\nshopify_client_secret = {{ value = \"{SECRET}\" }}\nlead_token = {{ value = \"{TOKEN}\" }}\n\
         lin_token = {{ value = \"{LIN_TOKEN}\" }}\nmei_token = {{ value = \"{MEI_TOKEN}\" }}\n{tickets}",
        storage_for(dir)
    );
    let config = Config::parse(&dir.join("helloword.toml"), &text).unwrap();
    let gateway = Gateway::start(&config)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let app = gateway.app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(gateway.serve(listener, async {
        let _ = stopped.await;
    }));
    Ok(Running {
        app,
        base,
        client: reqwest::Client::new(),
        stop,
        done,
    })
}

impl Running {
    pub async fn deliver(&self, topic: &str, body: &[u8], webhook_id: &str) -> u16 {
        deliver_shopify(&self.client, &self.base, topic, body, webhook_id).await
    }

    /// Wait until the engine has applied everything stored so far.
    pub async fn settled(&self) {
        for _ in 0..200 {
            let pending = self.app.store.unapplied(1).unwrap();
            if pending.is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the engine did not apply the inbox");
    }

    /// Every plugin folder and connection loaded, or the errors of those that did not.
    pub fn assert_every_plugin_loaded(&self) {
        let errors: Vec<String> = self
            .app
            .plugins
            .statuses()
            .into_iter()
            .filter_map(|s| s.error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    pub fn queue(&self) -> Vec<Ticket> {
        self.app.store.queue(None, 100).unwrap()
    }
}

/// Post a Shopify webhook to the gateway at `base`, signed and headed as Shopify sends it;
/// returns the status.
pub async fn deliver_shopify(
    client: &reqwest::Client,
    base: &str,
    topic: &str,
    body: &[u8],
    webhook_id: &str,
) -> u16 {
    try_deliver_shopify(client, base, topic, body, webhook_id)
        .await
        .unwrap()
}

/// [`deliver_shopify`], with the error when nothing answered (a gateway that is gone).
pub async fn try_deliver_shopify(
    client: &reqwest::Client,
    base: &str,
    topic: &str,
    body: &[u8],
    webhook_id: &str,
) -> Result<u16, reqwest::Error> {
    let to = ShopifyHook {
        hook: "shopify",
        secret: SECRET,
        shop: SHOP,
    };
    deliver_shopify_to(client, base, &to, topic, body, webhook_id).await
}

/// Where a Shopify webhook goes: the hook (`/hooks/<hook>`), the secret that signs it and
/// the shop's domain.
pub struct ShopifyHook<'a> {
    pub hook: &'a str,
    pub secret: &'a str,
    pub shop: &'a str,
}

/// Post a Shopify webhook to `to` at the gateway at `base`, signed and headed as Shopify
/// sends it; returns the status.
pub async fn deliver_shopify_to(
    client: &reqwest::Client,
    base: &str,
    to: &ShopifyHook<'_>,
    topic: &str,
    body: &[u8],
    webhook_id: &str,
) -> Result<u16, reqwest::Error> {
    client
        .post(format!("{base}/hooks/{}", to.hook))
        .header("X-Shopify-Topic", topic)
        .header(
            "X-Shopify-Hmac-Sha256",
            helloword_testkit::hmac_sha256_base64(to.secret.as_bytes(), body),
        )
        .header("X-Shopify-Shop-Domain", to.shop)
        .header("X-Shopify-Api-Version", "2026-07")
        .header("X-Shopify-Webhook-Id", webhook_id)
        .header("X-Shopify-Event-Id", format!("event-{webhook_id}"))
        .header("X-Shopify-Triggered-At", "2025-07-10T16:15:47.000000Z")
        .body(body.to_vec())
        .send()
        .await
        .map(|response| response.status().as_u16())
}

/// An admin API call to the gateway at `base` with `token`: the status and the JSON body.
pub async fn api_call(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = client
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let response = req.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

impl Running {
    /// An admin API call with the operator's token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        self.as_token(TOKEN, method, path, body).await
    }

    /// An admin API call with `token`.
    pub async fn as_token(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> (u16, serde_json::Value) {
        api_call(&self.client, &self.base, token, method, path, body).await
    }
}
