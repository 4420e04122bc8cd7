//! Native test kit for HelloWord plugins: runs a built plugin through the real host
//! runtime (the same engine, limits, host imports and error names as the gateway), so a
//! plugin's tests see exactly what production will.
//!
//! ```no_run
//! # async fn t() -> anyhow::Result<()> {
//! use helloword_testkit::{TestKit, request};
//! let kit = TestKit::new().with_secret("webhook_secret", "test-secret");
//! let plugin = kit.build_and_load(env!("CARGO_MANIFEST_DIR")).await?;
//! let outcome = plugin.handle_webhook(&request("POST", "/", &[], b"{}")).await?;
//! # Ok(()) }
//! ```
//!
//! A connector's actions call the marketplace's API; [`StandIn`] answers in its place on a
//! loopback port.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use hmac::{Hmac, Mac};

use helloword_runtime::Secrets;
pub use helloword_runtime::bindings::{
    connector_api, locale_api, policy_api, translate_api, types,
};
use helloword_runtime::manifest::HostPattern;
use helloword_runtime::{GrantPolicy, Manifest, Runtime, RuntimeSettings, Services};
pub use helloword_runtime::{Limits, Plugin, PluginError};
pub use helloword_telemetry::Metrics;

pub mod fuzz;
pub mod postgres;
pub mod stand_in;
pub use stand_in::{Answer, Recorded, StandIn};

/// A host runtime for tests, with the secrets and limits a test chooses. The plugin under
/// test is granted what its manifest requests (and the hosts [`TestKit::with_allowed_host`]
/// adds), as an operator would grant it.
pub struct TestKit {
    secrets: Vec<(String, Vec<u8>)>,
    limits: Limits,
    config: Vec<(String, String)>,
    allowed_hosts: Vec<String>,
    metrics: Metrics,
}

impl Default for TestKit {
    fn default() -> Self {
        TestKit::new()
    }
}

impl TestKit {
    /// Default limits, no secrets.
    pub fn new() -> TestKit {
        TestKit {
            secrets: Vec::new(),
            limits: Limits::default(),
            config: Vec::new(),
            allowed_hosts: Vec::new(),
            metrics: Metrics::default(),
        }
    }

    /// Give the gateway a secret (the plugin still needs to request it in its manifest).
    pub fn with_secret(mut self, name: &str, value: impl Into<Vec<u8>>) -> TestKit {
        self.secrets.push((name.to_string(), value.into()));
        self
    }

    /// Override a plugin config value.
    pub fn with_config(mut self, key: &str, value: &str) -> TestKit {
        self.config.push((key.to_string(), value.to_string()));
        self
    }

    /// The metrics registry plugins loaded by this kit report into (e.g. to assert a
    /// plugin's counters with [`Metrics::counter_value`]).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Also grant `host` (e.g. "127.0.0.1:8080", a local stand-in for a marketplace API).
    pub fn with_allowed_host(mut self, host: &str) -> TestKit {
        self.allowed_hosts.push(host.to_string());
        self
    }

    /// Use these default limits.
    pub fn with_limits(mut self, limits: Limits) -> TestKit {
        self.limits = limits;
        self
    }

    fn runtime(&self) -> anyhow::Result<Runtime> {
        let secrets = Secrets::from_pairs(self.secrets.clone());
        let services = Arc::new(Services::new(Arc::new(secrets), self.metrics.clone())?);
        let settings = RuntimeSettings {
            default_limits: self.limits.clone(),
            grants: GrantPolicy::AsRequested,
            ..RuntimeSettings::default()
        };
        Runtime::new(settings, services)
    }

    /// Load the plugin whose manifest is `manifest`, using the component at `wasm` instead of
    /// the file the manifest names.
    pub async fn load(&self, manifest: &Path, wasm: &Path) -> anyhow::Result<Plugin> {
        let mut manifest = Manifest::load(manifest)?;
        manifest.component = wasm.to_path_buf();
        for (k, v) in &self.config {
            manifest.config.insert(k.clone(), v.clone());
        }
        for host in &self.allowed_hosts {
            let pattern = HostPattern::parse(host)
                .with_context(|| format!("{host:?} is not a host, host:port or *.domain"))?;
            manifest.allowed_hosts.push(pattern);
        }
        Ok(self.runtime()?.load(manifest).await?)
    }

    /// Build the plugin crate at `crate_dir` for wasm32-wasip2 and load it with its
    /// `plugin.toml`.
    pub async fn build_and_load(&self, crate_dir: impl AsRef<Path>) -> anyhow::Result<Plugin> {
        let crate_dir = crate_dir.as_ref();
        let wasm = build(crate_dir)?;
        self.load(&crate_dir.join("plugin.toml"), &wasm).await
    }
}

/// Build the plugin crate at `crate_dir` (release, wasm32-wasip2) into its
/// `target/testkit` folder (or `$HELLOWORD_TESTKIT_TARGET_DIR`, to share one between
/// plugins) and return the component's path.
pub fn build(crate_dir: &Path) -> anyhow::Result<PathBuf> {
    let target_dir = std::env::var_os("HELLOWORD_TESTKIT_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir.join("target").join("testkit"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(crate_dir)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--lib"])
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .context("running cargo build for wasm32-wasip2")?;
    if !status.success() {
        bail!(
            "cargo build --target wasm32-wasip2 failed in {}",
            crate_dir.display()
        );
    }
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml"))?;
    let name = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("name = "))
        .map(|n| n.trim_matches('"').replace('-', "_"))
        .context("Cargo.toml has no package name")?;
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("release")
        .join(format!("{name}.wasm"));
    if !wasm.exists() {
        bail!("{} was not produced", wasm.display());
    }
    Ok(wasm)
}

/// An incoming webhook request as the gateway would hand it to a connector.
pub fn request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> connector_api::IncomingRequest {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    connector_api::IncomingRequest {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

/// A loopback port nobody listens on right now (for a server a test starts itself).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Base64 HMAC-SHA256 of `body` under `secret`, as Shopify, WooCommerce and others sign.
pub fn hmac_sha256_base64(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Read a fixture file.
pub fn fixture(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}
