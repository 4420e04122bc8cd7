//! The demo `cargo demo` runs (through `xtask`, which checks the wasm target first): build
//! the bundled plugins (through `test-artifacts`), lay them out as a plugin folder under
//! `target/demo/plugins`, run the gateway with `demo/helloword.toml`, print the dashboard's
//! address and how to sign in, and replay Shopify's and WooCommerce's published webhook
//! samples to it with valid signatures, so the queue fills with real tickets within seconds.
//!
//! `cargo xtask bundle <dir>` only lays out the plugin folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use helloword::config::{Config, Secrets, TokenSource};

/// (plugin folder in the repository, built component)
const BUNDLED: &[(&str, &str)] = &[
    ("plugins/shopify", test_artifacts::SHOPIFY),
    ("plugins/amazon", test_artifacts::AMAZON),
    ("plugins/ebay", test_artifacts::EBAY),
    ("plugins/woocommerce", test_artifacts::WOOCOMMERCE),
    ("plugins/policy-standard", test_artifacts::POLICY_STANDARD),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the demo sits in the workspace")
        .to_path_buf()
}

/// The dashboard's address for a gateway listening on `address`.
fn dashboard_url(address: SocketAddr) -> String {
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        address.ip().to_string()
    };
    format!("http://{host}:{}/ui/", address.port())
}

/// The first token of `[api.tokens]` whose value is in the config: (user, token, scopes).
fn sign_in_token(config: &Config, secrets: &Secrets) -> Option<(String, String, String)> {
    config.api_tokens.iter().find_map(|(user, token)| {
        let TokenSource::Secret(secret) = &token.source else {
            return None;
        };
        let value = String::from_utf8(secrets.get(secret)?.to_vec()).ok()?;
        let scopes: Vec<&str> = token.scopes.iter().map(|s| s.name()).collect();
        Some((user.clone(), value, scopes.join(", ")))
    })
}

/// What the demo prints when it starts: where the dashboard is and how to sign in.
fn sign_in_help(config: &Config, secrets: &Secrets, address: SocketAddr) -> String {
    let url = dashboard_url(address);
    match sign_in_token(config, secrets) {
        Some((user, token, scopes)) => format!(
            "\nHelloWord demo: the dashboard is at {url}\n\
             Sign in with the demo token {token} (you are {user}; scopes {scopes}). It is\n\
             demo/helloword.toml's demo-only token: never use it, or this config, in production.\n\
             The admin API takes it too: curl -s -H 'Authorization: Bearer {token}' \
             http://{}/api/tickets\n",
            address
        ),
        None => format!(
            "\nHelloWord demo: the dashboard is at {url}\n\
             No token to sign in with: add one under [api.tokens] in demo/helloword.toml.\n"
        ),
    }
}

/// Copy each bundled plugin's manifest and component into `<out>/<name>/`.
fn bundle(out: &Path) -> anyhow::Result<()> {
    let root = repo_root();
    let packs = test_artifacts::LOCALE_PACKS
        .iter()
        .map(|(package, wasm)| (format!("plugins/{package}"), *wasm));
    let all = BUNDLED
        .iter()
        .map(|(folder, wasm)| (folder.to_string(), *wasm))
        .chain(packs);
    for (folder, wasm) in all {
        let source = root.join(&folder);
        let name = source.file_name().context("plugin folder name")?;
        let target = out.join(name);
        std::fs::create_dir_all(&target)?;
        let manifest = std::fs::read_to_string(source.join("plugin.toml"))?;
        let component = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("component = "))
            .map(|c| c.trim_matches('"').to_string())
            .with_context(|| format!("{folder}/plugin.toml names no component"))?;
        std::fs::write(target.join("plugin.toml"), &manifest)?;
        let dest = target.join(&component);
        // Copy only when changed, so the running gateway does not reload for nothing.
        let same = std::fs::read(&dest).ok() == std::fs::read(wasm).ok();
        if !same {
            std::fs::copy(wasm, &dest)
                .with_context(|| format!("copying {wasm} to {}", dest.display()))?;
        }
    }
    Ok(())
}

/// Post every WooCommerce order sample to the running gateway, signed as WooCommerce signs.
async fn replay_woocommerce(
    client: &reqwest::Client,
    base: &str,
    secret: &[u8],
) -> anyhow::Result<()> {
    let folder = repo_root().join("plugins/woocommerce/tests/fixtures/webhooks");
    let mut files: Vec<_> = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in &files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let body = std::fs::read(file)?;
        let status = client
            .post(format!("{base}/hooks/woocommerce"))
            .header("Content-Type", "application/json")
            .header("X-WC-Webhook-Source", "https://demo-shop.example.com/")
            .header("X-WC-Webhook-Topic", "order.updated")
            .header("X-WC-Webhook-Resource", "order")
            .header("X-WC-Webhook-Event", "updated")
            .header(
                "X-WC-Webhook-Signature",
                helloword_testkit::hmac_sha256_base64(secret, &body),
            )
            .header("X-WC-Webhook-ID", "1")
            .header("X-WC-Webhook-Delivery-ID", format!("demo-{stem}"))
            .body(body)
            .send()
            .await?
            .status();
        tracing::info!(
            message = "Replayed a WooCommerce sample.",
            sample = stem,
            status = status.as_u16()
        );
    }
    Ok(())
}

/// Post every Shopify webhook sample to the running gateway, signed as Shopify signs, and
/// WooCommerce's order samples as WooCommerce signs, then print the queue and `help`.
async fn replay_samples(
    base: &str,
    secrets: &Secrets,
    app: &helloword::web::App,
    help: &str,
) -> anyhow::Result<()> {
    let secret = secrets
        .get("shopify_client_secret")
        .context("demo/helloword.toml has no shopify_client_secret")?;
    let folder = repo_root().join("plugins/shopify/tests/fixtures/webhooks");
    let mut files: Vec<_> = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // `shop/redact` would erase every buyer of the demo shop a moment later.
        .filter(|p| !p.ends_with("shop__redact.json"))
        .collect();
    files.sort();
    let client = reqwest::Client::new();
    for file in &files {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let topic = stem.replacen("__", "/", 1);
        let body = std::fs::read(file)?;
        let status = client
            .post(format!("{base}/hooks/shopify"))
            .header("X-Shopify-Topic", &topic)
            .header(
                "X-Shopify-Hmac-Sha256",
                helloword_testkit::hmac_sha256_base64(secret, &body),
            )
            .header("X-Shopify-Shop-Domain", "demo-shop.myshopify.com")
            .header("X-Shopify-API-Version", "2026-07")
            .header("X-Shopify-Webhook-Id", format!("demo-{stem}"))
            .header("X-Shopify-Event-Id", format!("demo-event-{stem}"))
            .body(body)
            .send()
            .await?
            .status();
        tracing::info!(
            message = "Replayed a Shopify sample.",
            topic,
            status = status.as_u16()
        );
    }
    if let Some(secret) = secrets.get("woocommerce_webhook_secret") {
        replay_woocommerce(&client, base, secret).await?;
    }
    app.engine.process_pending().await?;
    println!(
        "\n{:<4} {:<7} {:<22} {:<22} {:<18} {:<6} SUMMARY",
        "ID", "SEV", "KIND", "DUE", "SET BY", "OWNER"
    );
    for ticket in app.store.queue(None, 50)? {
        let source = match &ticket.due.source {
            helloword::tickets::sla::DeadlineSource::SeverityTarget => {
                "severity target".to_string()
            }
            helloword::tickets::sla::DeadlineSource::MarketplaceRule { name } => name.clone(),
            helloword::tickets::sla::DeadlineSource::PlatformDeadline => {
                "platform deadline".to_string()
            }
        };
        println!(
            "{:<4} {:<7} {:<22} {:<22} {:<18} {:<6} {}",
            ticket.id,
            format!("{:?}", ticket.severity).to_lowercase(),
            helloword::tickets::model::kind_name(ticket.kind),
            ticket.due.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            source,
            ticket.assignee.as_deref().unwrap_or("-"),
            ticket.summary
        );
    }
    println!("{help}");
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => {
            let root = repo_root();
            bundle(&root.join("target/demo/plugins"))?;
            let config_path = root.join("demo/helloword.toml");
            let config = Config::load(&config_path)?;
            helloword::telemetry::init_logging("info", false);
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async {
                let gateway = helloword::gateway::Gateway::start(&config).await?;
                let listener = tokio::net::TcpListener::bind(config.listen).await?;
                tracing::info!(
                    message = "HelloWord demo is listening. Try: curl -s localhost:8080/readyz",
                    address = %listener.local_addr()?,
                    plugins = %gateway.app.plugins.ids().join(",")
                );
                let address = listener.local_addr()?;
                let app = gateway.app.clone();
                let secrets = Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
                let help = sign_in_help(&config, &secrets, address);
                println!("{help}");
                tokio::spawn(async move {
                    if let Err(e) =
                        replay_samples(&format!("http://{address}"), &secrets, &app, &help).await
                    {
                        tracing::error!(message = "Replaying the samples failed.", error = %e);
                    }
                });
                gateway
                    .serve(listener, async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await
            })
        }
        Some("bundle") => {
            let out = args.get(1).context("usage: cargo xtask bundle <dir>")?;
            bundle(Path::new(out))
        }
        _ => bail!("usage: cargo demo | cargo xtask bundle <dir>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_config() -> (Config, Secrets) {
        let config = Config::load(&repo_root().join("demo/helloword.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let secrets = Secrets::resolve(&config.secrets).unwrap();
        (config, secrets)
    }

    #[test]
    fn the_demo_prints_the_dashboard_and_its_demo_only_sign_in() {
        let (config, secrets) = demo_config();
        let (user, token, scopes) =
            sign_in_token(&config, &secrets).expect("demo/helloword.toml has a sign-in token");
        // An agent of the demo team, with what an agent does and nothing an operator does.
        assert_eq!(user, "mei");
        assert_eq!(scopes, "read, operate");
        let help = sign_in_help(&config, &secrets, config.listen);
        assert!(
            help.contains("the dashboard is at http://127.0.0.1:8080/ui/"),
            "{help}"
        );
        assert!(
            help.contains(&format!("Sign in with the demo token {token} ")),
            "{help}"
        );
        assert!(help.contains("demo-only"), "{help}");
    }

    /// The token the demo prints opens a dashboard session, as the sign-in form sends it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_printed_demo_token_signs_in_to_the_dashboard() {
        let (mut config, secrets) = demo_config();
        let (_, token, _) = sign_in_token(&config, &secrets).unwrap();
        // The demo's config, in a folder of the test's own and without plugins.
        let dir = tempfile::tempdir().unwrap();
        config.data_dir = dir.path().join("data");
        config.plugin_dir = dir.path().join("plugins");
        config.cache_dir = dir.path().join("plugin-cache");
        config.watch_interval = None;
        // No plugins, so nothing for the connections to run.
        config.connections.clear();
        std::fs::create_dir_all(&config.plugin_dir).unwrap();
        let gateway = helloword::gateway::Gateway::start(&config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(gateway.serve(listener, async {
            let _ = stopped.await;
        }));
        let answer = reqwest::Client::new()
            .post(format!("{base}/ui/session"))
            .body(serde_json::json!({ "token": token }).to_string())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["user"], "mei");
        let _ = stop.send(());
        served.await.unwrap().unwrap();
    }
}
