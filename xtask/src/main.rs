//! `cargo demo`: build the bundled plugins (through `test-artifacts`), lay them out as a
//! plugin folder under `target/demo/plugins`, and run the gateway with `demo/helloword.toml`.
//!
//! `cargo xtask bundle <dir>` only lays out the plugin folder.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

/// (plugin folder in the repository, built component)
const BUNDLED: &[(&str, &str)] = &[
    ("plugins/shopify", test_artifacts::SHOPIFY),
    ("plugins/amazon", test_artifacts::AMAZON),
    ("plugins/ebay", test_artifacts::EBAY),
    ("plugins/locale-de", test_artifacts::LOCALE_DE),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// Copy each bundled plugin's manifest and component into `<out>/<name>/`.
fn bundle(out: &Path) -> anyhow::Result<()> {
    let root = repo_root();
    for (folder, wasm) in BUNDLED {
        let source = root.join(folder);
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
