//! The demo `cargo demo` runs (through `xtask`, which checks the wasm target first): build
//! the bundled plugins (through `test-artifacts`), lay them out as a plugin folder under
//! `target/demo/plugins`, run the gateway with `demo/helloword.toml`, and replay Shopify's
//! and WooCommerce's published webhook samples to it with valid signatures, so the queue
//! fills with real tickets within seconds.
//!
//! `cargo xtask bundle <dir>` only lays out the plugin folder.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

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
/// WooCommerce's order samples as WooCommerce signs, then print the queue.
async fn replay_samples(
    base: &str,
    secrets: &helloword::config::Secrets,
    app: &helloword::web::App,
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
    println!(
        "\nThe admin API: see docs/api.md (add a token under [api.tokens] in demo/helloword.toml).\n"
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => {
            let root = repo_root();
            bundle(&root.join("target/demo/plugins"))?;
            let config_path = root.join("demo/helloword.toml");
            let config = helloword::config::Config::load(&config_path)?;
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
                let secrets = helloword::config::Secrets::resolve(&config.secrets)
                    .map_err(anyhow::Error::msg)?;
                tokio::spawn(async move {
                    if let Err(e) =
                        replay_samples(&format!("http://{address}"), &secrets, &app).await
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
