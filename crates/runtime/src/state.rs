//! What a store carries during one plugin call: the (empty) WASI context, the limiter, and
//! the host context every import reads (who the plugin is, what it was granted, how many
//! host calls it has made).

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::limits::Limits;
use super::manifest::HostPattern;
use crate::secrets::Secrets;
use helloword_telemetry::Metrics;

/// Bytes of a guest's stdout/stderr kept per call (panic messages end up here).
const CAPTURED_OUTPUT_BYTES: usize = 16 << 10;

/// Services shared by every plugin of a gateway.
pub struct Services {
    /// Secret values by name.
    pub secrets: Arc<Secrets>,
    /// The metrics registry.
    pub metrics: Metrics,
    /// The client behind the `http` import (no redirects, no cookies).
    pub http: reqwest::Client,
    /// OAuth access tokens, fetched and refreshed on use.
    pub tokens: super::tokens::Tokens,
    /// The names and series of plugin metrics (the `metrics` import's rules).
    pub plugin_metrics: super::host::PluginMetrics,
}

impl Services {
    /// Services with the given secrets and metrics and a fresh HTTP client.
    pub fn new(secrets: Arc<Secrets>, metrics: Metrics) -> anyhow::Result<Services> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("helloword/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Services {
            secrets,
            metrics,
            http,
            tokens: super::tokens::Tokens::default(),
            plugin_metrics: Default::default(),
        })
    }
}

/// What one plugin version is and may do (what it requested and was granted); shared by
/// all its calls.
pub struct Grants {
    /// Plugin id.
    pub plugin: String,
    /// Effective limits.
    pub limits: Limits,
    /// Hosts the `http` import may reach.
    pub allowed_hosts: Vec<HostPattern>,
    /// Secret names the plugin may use (required and optional).
    pub secrets: Vec<String>,
    /// For a connection: the [secrets] entry behind each secret name the plugin uses
    /// (a name not listed is its own entry).
    pub secret_sources: BTreeMap<String, String>,
    /// Plugin config.
    pub config: BTreeMap<String, String>,
    /// What the `cache` import keeps for this plugin version across its calls.
    pub cache: super::host::GuestCache,
    /// Gateway services.
    pub services: Arc<Services>,
}

impl Grants {
    /// The [secrets] entry holding the plugin's secret `name`.
    pub fn source<'a>(&'a self, name: &'a str) -> &'a str {
        self.secret_sources.get(name).map_or(name, String::as_str)
    }

    /// Why secret `name` cannot be used, and how to let the plugin use it.
    pub fn secret_not_granted(&self, name: &str) -> String {
        format!(
            "secret `{name}` is not granted to plugin `{id}`; it needs `{name}` in `secrets` \
             or `optional_secrets` of its plugin.toml and in `secrets` of \
             [plugins.grants.{id}] in the gateway config",
            id = self.plugin
        )
    }

    /// Why `wanted` (`host` or `host:port`) cannot be reached, and how to let the plugin.
    pub fn host_not_granted(&self, wanted: &str) -> String {
        format!(
            "{wanted} is not in allowed_hosts of plugin `{id}`; it needs \"{wanted}\" in \
             `allowed_hosts` of its plugin.toml and in `allowed_hosts` of \
             [plugins.grants.{id}] in the gateway config",
            id = self.plugin
        )
    }
}

/// Memory and table caps for one call; remembers a breach so the error can say which.
pub struct CallLimiter {
    memory_bytes: u64,
    table_elements: u32,
    /// Set when the guest asked for more memory or table than its cap.
    pub breached: bool,
    /// The most linear memory the guest asked for, granted or not, in bytes.
    pub peak_memory_bytes: u64,
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.peak_memory_bytes = self.peak_memory_bytes.max(desired as u64);
        if desired as u64 > self.memory_bytes || maximum.is_some_and(|m| desired > m) {
            self.breached = true;
            wasmtime::bail!("memory cap of {} bytes exceeded", self.memory_bytes);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > u64::from(self.table_elements) || maximum.is_some_and(|m| desired > m) {
            self.breached = true;
            wasmtime::bail!("table cap of {} elements exceeded", self.table_elements);
        }
        Ok(true)
    }
}

/// The store's data for one call.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Memory and table caps.
    pub limiter: CallLimiter,
    /// What the imports need.
    pub host: HostContext,
    output: MemoryOutputPipe,
}

/// Per-call context for host imports.
pub struct HostContext {
    /// What the plugin may do.
    pub grants: Arc<Grants>,
    calls: u32,
    /// Set when the guest exceeded its host-call quota.
    pub quota_exceeded: bool,
    /// Epoch ticks the guest has run in this call.
    pub ticks: u64,
    /// The connector said the request verified but cannot be read (`delivery` import).
    pub verified_unreadable: bool,
}

impl HostContext {
    /// Count one host call; past the quota the call traps.
    pub fn count_call(&mut self) -> wasmtime::Result<()> {
        self.calls += 1;
        if self.calls > self.grants.limits.host_call_quota {
            self.quota_exceeded = true;
            wasmtime::bail!(
                "host-call quota of {} exceeded",
                self.grants.limits.host_call_quota
            );
        }
        Ok(())
    }

    /// Start counting afresh, as for a new call (used when one instance serves several calls).
    pub fn reset(&mut self) {
        self.calls = 0;
        self.quota_exceeded = false;
        self.ticks = 0;
        self.verified_unreadable = false;
    }

    /// Host calls made so far in this call.
    pub fn calls(&self) -> u32 {
        self.calls
    }

    /// Whether `name` is granted to the plugin.
    pub fn secret_granted(&self, name: &str) -> bool {
        self.grants.secrets.iter().any(|s| s == name)
    }
}

impl CallState {
    /// Fresh state for one call of the plugin with `grants`: no files, no sockets, no
    /// environment, no arguments; stdout and stderr captured in memory.
    pub fn new(grants: Arc<Grants>) -> CallState {
        let output = MemoryOutputPipe::new(CAPTURED_OUTPUT_BYTES);
        let wasi = WasiCtx::builder()
            .stdout(output.clone())
            .stderr(output.clone())
            .build();
        CallState {
            wasi,
            table: ResourceTable::new(),
            limiter: CallLimiter {
                memory_bytes: grants.limits.memory_bytes,
                table_elements: grants.limits.table_elements,
                breached: false,
                peak_memory_bytes: 0,
            },
            host: HostContext {
                grants,
                calls: 0,
                quota_exceeded: false,
                ticks: 0,
                verified_unreadable: false,
            },
            output,
        }
    }

    /// What the guest wrote to stdout/stderr in this call (a panic message, typically).
    pub fn captured_output(&self) -> String {
        String::from_utf8_lossy(&self.output.contents())
            .trim()
            .to_string()
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
