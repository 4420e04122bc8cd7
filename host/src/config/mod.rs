//! The gateway's TOML config: raw (as written, strict) → validated ([`Config`]), with no
//! I/O in validation. Relative paths are resolved against the config file's folder.
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8080"
//! max_body_bytes = 1048576
//!
//! [storage]
//! data_dir = "data"          # evidence files, plugin cache, and the sled store
//! store = "sled"             # or "postgres://user@host:5432/helloword" for several gateways
//! password_secret = "pg"     # PostgreSQL only: the [secrets] entry holding the password
//! min_free_mb = 64           # sled only: refuse writes (503) below this much free disk
//!
//! [plugins]
//! dir = "plugins"            # one folder per plugin, each with a plugin.toml
//! watch_interval_ms = 1000   # hot reload; 0 turns it off
//!
//! [plugins.limits]           # defaults for every plugin; a manifest may ask for less
//! cpu_ms = 200
//!
//! [plugins.grants.shopify]    # what plugin `shopify` may have of what it requests
//! secrets = ["shopify_client_secret"]
//! allowed_hosts = ["*.myshopify.com"]
//! limits = { wall_clock_ms = 25000 }
//!
//! [plugins.config.shopify]    # plugin `shopify`'s config, over its plugin.toml's [config]
//! api_version = "2025-10"
//!
//! [secrets]
//! shopify_client_secret = { env = "SHOPIFY_CLIENT_SECRET" }
//!
//! [telemetry]                # traces are off without an otlp_endpoint
//! otlp_endpoint = "http://127.0.0.1:4318"   # OTLP/HTTP collector; spans go to /v1/traces
//! service_name = "helloword"
//! sample_ratio = 1.0         # share of deliveries traced
//! export_delay_ms = 5000     # longest wait before finished spans are posted
//! ```

/// Config error words, shared with plugin manifests (they live with the plugin runtime).
pub(crate) use helloword_runtime::messages;
/// Secrets are resolved by the plugin runtime, which hands them to plugins' host calls; the
/// config names them.
pub use helloword_runtime::secrets;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use crate::ingest::poll::PollingConfig;
pub use crate::tickets::engine::RetentionConfig;
pub use crate::web::tokens::{self, Scope, TokenConfig, TokenSource};
pub use secrets::{BasicSource, ClientAuth, OAuthSource, SecretSource, Secrets};

use crate::plugin::{
    EngineSettings, Grant, GrantConfig, GrantPolicy, LimitOverrides, Limits, PluginConfigs,
    RuntimeSettings,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    plugins: RawPlugins,
    #[serde(default)]
    api: RawApi,
    #[serde(default)]
    tickets: crate::tickets::TicketsConfig,
    #[serde(default)]
    replies: RepliesConfig,
    #[serde(default)]
    actions: ActionsConfig,
    #[serde(default)]
    polling: PollingConfig,
    #[serde(default)]
    lookups: crate::ingest::lookup::LookupsConfig,
    #[serde(default)]
    logistics: crate::ingest::stalls::LogisticsConfig,
    alerts: Option<crate::alerts::AlertsConfig>,
    #[serde(default)]
    secrets: BTreeMap<String, SecretSource>,
    #[serde(default)]
    telemetry: crate::telemetry::traces::RawTelemetry,
    #[serde(default)]
    retention: RetentionConfig,
    #[serde(default)]
    care: crate::actions::care::CareConfig,
    #[serde(default)]
    reports: crate::reports::ReportsConfig,
    #[serde(default)]
    connections: Vec<RawConnection>,
}

/// One `[[connections]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    id: String,
    plugin: String,
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApi {
    /// Token name (who acts, as the audit trail shows it) → the secret holding it, or its
    /// SHA-256, and its scopes ([`tokens`]).
    #[serde(default)]
    tokens: BTreeMap<String, TokenConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    max_body_bytes: Option<u64>,
    log_format: Option<String>,
    api_requests_per_minute: Option<u32>,
    sign_in_attempts_per_minute: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    limits: Option<crate::web::limits::RawLimits>,
}

/// The PEM files HTTPS is served with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    data_dir: Option<PathBuf>,
    cache_mb: Option<u64>,
    min_free_mb: Option<u64>,
    store: Option<String>,
    password_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlugins {
    dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    watch_interval_ms: Option<u64>,
    pooling: Option<bool>,
    max_concurrent_instances: Option<u32>,
    max_memory_bytes: Option<u64>,
    max_stack_bytes: Option<usize>,
    max_component_bytes: Option<u64>,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    grants: BTreeMap<String, GrantConfig>,
    #[serde(default)]
    config: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

/// The `[actions]` section: how the dispatcher retries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsConfig {
    /// Wait before the first retry, in milliseconds; doubles per attempt up to 5 minutes.
    #[serde(default = "default_retry_base_ms")]
    pub retry_base_ms: u64,
    /// Attempts before an action fails for a human to look at.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Ask the compensation policy for a proposal as soon as a case opens.
    #[serde(default = "default_true")]
    pub auto_propose: bool,
}

fn default_retry_base_ms() -> u64 {
    2_000
}

fn default_max_attempts() -> u32 {
    8
}

impl Default for ActionsConfig {
    fn default() -> Self {
        ActionsConfig {
            retry_base_ms: default_retry_base_ms(),
            max_attempts: default_max_attempts(),
            auto_propose: true,
        }
    }
}

/// The `[replies]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepliesConfig {
    /// Signs replies of tickets that have no owner yet (the off-hours acknowledgement).
    #[serde(default = "default_team_name")]
    pub team_name: String,
    /// The translator plugin to use when several are installed.
    pub translator: Option<String>,
    /// Send an acknowledgement in the buyer's language when a case opens outside business
    /// hours.
    #[serde(default = "default_true")]
    pub off_hours_ack: bool,
}

fn default_team_name() -> String {
    "Customer Service".into()
}

fn default_true() -> bool {
    true
}

impl Default for RepliesConfig {
    fn default() -> Self {
        RepliesConfig {
            team_name: default_team_name(),
            translator: None,
            off_hours_ack: true,
        }
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    Human,
    /// One JSON object per event.
    Json,
}

/// A validated gateway config.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Largest request body accepted (413 above).
    pub max_body_bytes: u64,
    /// Admin API and dashboard requests a client may make a minute (`0`: no limit).
    pub api_requests_per_minute: u32,
    /// Sign-in attempts a client may make a minute (`0`: no limit).
    pub sign_in_attempts_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Serve HTTPS with this certificate chain and key (PEM files), when set.
    pub tls: Option<TlsFiles>,
    /// Timeouts, the connection cap and streams per client (`[server.limits]`).
    pub http_limits: crate::web::limits::Limits,
    /// Log format.
    pub log_format: LogFormat,
    /// Where the gateway keeps its data.
    pub data_dir: PathBuf,
    /// The store's page cache, in bytes (`storage.cache_mb`).
    pub store_cache_bytes: u64,
    /// Writes are refused below this much free disk (`storage.min_free_mb`; sled only).
    pub store_min_free_bytes: u64,
    /// `storage.store`: sled in `data_dir` (`None`), or this PostgreSQL URL.
    pub postgres_url: Option<String>,
    /// `storage.password_secret`: the [secrets] entry with the PostgreSQL password.
    pub postgres_password_secret: Option<String>,
    /// The plugin folder.
    pub plugin_dir: PathBuf,
    /// Compiled-artifact cache folder.
    pub cache_dir: PathBuf,
    /// How often the plugin folder is checked for changes; `None` turns hot reload off.
    pub watch_interval: Option<Duration>,
    /// Engine-wide plugin settings.
    pub engine: EngineSettings,
    /// Default per-call limits.
    pub default_limits: Limits,
    /// What each plugin (by id) is granted of what it requests (`[plugins.grants.<id>]`).
    pub plugin_grants: BTreeMap<String, Grant>,
    /// Each plugin's config as the operator sets it (`[plugins.config.<id>]`), over the
    /// defaults of its manifest.
    pub plugin_config: PluginConfigs,
    /// The largest plugin component loaded, in bytes (`plugins.max_component_bytes`).
    pub max_component_bytes: u64,
    /// Secret sources by name (resolved by [`Secrets::resolve`]).
    pub secrets: BTreeMap<String, SecretSource>,
    /// Admin API tokens: who (the token's name) → where its value comes from and its scopes.
    pub api_tokens: BTreeMap<String, TokenConfig>,
    /// The ticket engine's section, as written (built by `EngineSettings::from_config`).
    pub tickets: crate::tickets::TicketsConfig,
    /// Replies: signature, translator, off-hours acknowledgement.
    pub replies: RepliesConfig,
    /// Action retries.
    pub actions: ActionsConfig,
    /// `[polling]`.
    pub polling: PollingConfig,
    /// `[lookups]`: orders looked up for cases that lack their buyer.
    pub lookups: crate::ingest::lookup::LookupsConfig,
    /// `[logistics]`: when a parcel without carrier movement is stalled.
    pub logistics: crate::ingest::stalls::LogisticsConfig,
    /// Alerts (`[alerts]`); off when the section is absent.
    pub alerts: Option<crate::alerts::AlertsConfig>,
    /// OpenTelemetry trace export (`[telemetry]`); off without `telemetry.otlp_endpoint`.
    pub traces: Option<crate::telemetry::TracesConfig>,
    /// What is kept how long (`[retention]`).
    pub retention: RetentionConfig,
    /// Proactive care (`[care]`): automatic or by an agent's click.
    pub care: crate::actions::care::CareConfig,
    /// Reports (`[reports]`): the seller's SKU batches.
    pub reports: crate::reports::ReportsConfig,
    /// Connections (`[[connections]]`): a connector plugin serving many shops.
    pub connections: Vec<crate::plugin::Connection>,
    /// The file this config was read from.
    pub file: PathBuf,
}

/// A config that is wrong: which file and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// What is wrong, naming the key.
    pub message: String,
}

impl Config {
    /// Read and validate the config at `file`.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: file.to_path_buf(),
            message: format!("cannot read the config: {e}"),
        })?;
        Config::parse(file, &text)
    }

    /// Validate config `text` read from `file` (no I/O).
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            file: file.to_path_buf(),
            message,
        };
        messages::secrets_by_reference(text).map_err(err)?;
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| err(messages::toml_error(&e, text)))?;
        let base = file.parent().unwrap_or(Path::new("."));
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };

        let (listen, log_format) = raw.server.address_and_log_format().map_err(err)?;
        let data_dir = resolve(
            raw.storage
                .data_dir
                .clone()
                .unwrap_or_else(|| "data".into()),
        );
        let (store_cache_bytes, store_min_free_bytes, postgres_url) =
            raw.storage.validate(&raw.secrets).map_err(err)?;
        let plugin_dir = resolve(raw.plugins.dir.clone().unwrap_or_else(|| "plugins".into()));
        let cache_dir = raw
            .plugins
            .cache_dir
            .clone()
            .map(resolve)
            .unwrap_or_else(|| data_dir.join("plugin-cache"));
        let watch_interval_ms = raw.plugins.watch_interval_ms;
        let plugins = raw.plugins.validate(file, text).map_err(err)?;
        check_secrets(&raw.secrets, &raw.api.tokens).map_err(err)?;
        let connections = connections(&raw.connections, &raw.secrets, file, text).map_err(err)?;
        let traces = raw.telemetry.validate().map_err(err)?;
        if raw.retention.compact_hour > 23 {
            return Err(err(format!(
                "`retention.compact_hour` is {}; expected 0 to 23 (an hour, UTC)",
                raw.retention.compact_hour
            )));
        }
        let secrets = raw
            .secrets
            .into_iter()
            .map(|(name, mut source)| {
                source.file = source.file.map(resolve);
                (name, source)
            })
            .collect();
        let (tls, trusted_proxies, http_limits) = raw.server.front(resolve).map_err(err)?;
        Ok(Config {
            listen,
            max_body_bytes: raw.server.max_body_bytes.unwrap_or(1 << 20),
            api_requests_per_minute: raw.server.api_requests_per_minute.unwrap_or(1200),
            sign_in_attempts_per_minute: raw.server.sign_in_attempts_per_minute.unwrap_or(10),
            trusted_proxies,
            tls,
            http_limits,
            log_format,
            data_dir,
            store_cache_bytes,
            store_min_free_bytes,
            postgres_url,
            postgres_password_secret: raw.storage.password_secret.clone(),
            plugin_dir,
            cache_dir,
            watch_interval: match watch_interval_ms {
                Some(0) => None,
                Some(ms) => Some(Duration::from_millis(ms)),
                None => Some(Duration::from_secs(1)),
            },
            engine: plugins.engine,
            default_limits: plugins.default_limits,
            plugin_grants: plugins.grants,
            plugin_config: plugins.config,
            max_component_bytes: plugins.max_component_bytes,
            secrets,
            api_tokens: raw.api.tokens,
            tickets: raw.tickets,
            replies: raw.replies,
            actions: raw.actions,
            polling: raw.polling,
            lookups: raw.lookups,
            logistics: {
                raw.logistics.check().map_err(err)?;
                raw.logistics
            },
            alerts: raw.alerts,
            traces,
            retention: raw.retention,
            care: {
                raw.care.check().map_err(err)?;
                raw.care
            },
            reports: {
                raw.reports.check().map_err(err)?;
                raw.reports
            },
            connections,
            file: file.to_path_buf(),
        })
    }

    /// The plugin runtime settings this config asks for.
    pub fn runtime_settings(&self) -> RuntimeSettings {
        RuntimeSettings {
            engine: self.engine.clone(),
            cache_dir: Some(self.cache_dir.clone()),
            default_limits: self.default_limits.clone(),
            grants: GrantPolicy::Operator(self.plugin_grants.clone()),
            config: self.plugin_config.clone(),
            max_component_bytes: self.max_component_bytes,
            connections: self.connections.clone(),
        }
    }
}

/// Validate `[[connections]]`: ids like plugin ids, each once, each secret an entry of
/// [secrets]. (Whether the plugin exists is known once the plugin folder is read; that
/// error names the entry's line too.)
fn connections(
    raw: &[RawConnection],
    secrets: &BTreeMap<String, SecretSource>,
    file: &Path,
    text: &str,
) -> Result<Vec<crate::plugin::Connection>, String> {
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[connections]]"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    raw.iter()
        .enumerate()
        .map(|(n, c)| {
            // The n-th header is the n-th entry only when every entry has one.
            let line = if headers.len() == raw.len() {
                headers[n]
            } else {
                0
            };
            let at = |message: String| match line {
                0 => format!("[[connections]] {:?}: {message}", c.id),
                n => format!("line {n}: [[connections]] {:?}: {message}", c.id),
            };
            let id_ok = !c.id.is_empty()
                && c.id.len() <= 64
                && c.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !id_ok {
                return Err(at(
                    "`id` must be 1 to 64 lower-case letters, digits and '-' (it is the path \
                     /hooks/<id>)"
                        .into(),
                ));
            }
            if !seen.insert(c.id.clone()) {
                return Err(at("another connection has this `id`".into()));
            }
            if c.plugin.trim().is_empty() {
                return Err(at("`plugin` names no plugin".into()));
            }
            if let Some((name, entry)) = c.secrets.iter().find(|(_, e)| !secrets.contains_key(*e)) {
                return Err(at(format!(
                    "`secrets.{name}` names {entry:?}, which is not in [secrets]; write the \
                     name of a [secrets] entry there, never the secret itself"
                )));
            }
            Ok(crate::plugin::Connection {
                id: c.id.clone(),
                plugin: c.plugin.clone(),
                config: c.config.clone(),
                secrets: c.secrets.clone(),
                file: file.to_path_buf(),
                line,
            })
        })
        .collect()
}

impl RawServer {
    /// `server.listen` and `server.log_format`.
    fn address_and_log_format(&self) -> Result<(SocketAddr, LogFormat), String> {
        let listen_text = self
            .listen
            .clone()
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| {
            format!(
                "`server.listen` is {listen_text:?}; expected an address and port such as \"127.0.0.1:8080\""
            )
        })?;
        let log_format = match self.log_format.as_deref() {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "`server.log_format` is {other:?}; expected \"human\" or \"json\""
                ));
            }
        };
        Ok((listen, log_format))
    }

    /// HTTPS files (resolved against the config's folder), trusted proxies and the HTTP
    /// front's limits.
    fn front(
        &self,
        resolve: impl Fn(PathBuf) -> PathBuf,
    ) -> Result<
        (
            Option<TlsFiles>,
            Vec<std::net::IpAddr>,
            crate::web::limits::Limits,
        ),
        String,
    > {
        let tls = match (self.tls_cert.clone(), self.tls_key.clone()) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: resolve(cert),
                key: resolve(key),
            }),
            _ => {
                return Err(
                    "`server.tls_cert` and `server.tls_key` go together: set both to serve \
                     HTTPS, or neither (for plain HTTP, e.g. behind a TLS-terminating proxy)"
                        .to_string(),
                );
            }
        };
        let trusted_proxies = self
            .trusted_proxies
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.trim().parse::<std::net::IpAddr>().map_err(|_| {
                    format!(
                        "`server.trusted_proxies` has {p:?}; expected IP addresses such as \"127.0.0.1\""
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let http_limits = self.limits.clone().unwrap_or_default().validate()?;
        Ok((tls, trusted_proxies, http_limits))
    }
}

impl RawStorage {
    /// The page cache, the free-space floor and the PostgreSQL URL (`None`: sled), checked
    /// against `secrets` for the password's secret.
    fn validate(
        &self,
        secrets: &BTreeMap<String, SecretSource>,
    ) -> Result<(u64, u64, Option<String>), String> {
        let store_cache_bytes = match self.cache_mb {
            None => crate::store::DEFAULT_CACHE_BYTES,
            Some(mb @ 16..=65_536) => mb << 20,
            Some(other) => {
                return Err(format!(
                    "`storage.cache_mb` is {other}; expected 16 to 65536 (megabytes of page cache)"
                ));
            }
        };
        let store_min_free_bytes = match self.min_free_mb {
            None => crate::store::DEFAULT_MIN_FREE_BYTES,
            Some(mb @ 0..=1_048_576) => mb << 20,
            Some(other) => {
                return Err(format!(
                    "`storage.min_free_mb` is {other}; expected 0 (no check) to 1048576 \
                     (megabytes of free disk below which writes are refused)"
                ));
            }
        };
        let postgres_url = match self.store.as_deref() {
            None | Some("sled") => None,
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                crate::store::check_postgres_url(url)?;
                if url::Url::parse(url).is_ok_and(|u| u.password().is_some()) {
                    return Err(
                        "`storage.store` holds a password; name a [secrets] entry in \
                         `storage.password_secret` instead"
                            .into(),
                    );
                }
                Some(url.to_string())
            }
            Some(other) => {
                return Err(format!(
                    "`storage.store` is {other:?}; expected \"sled\" or a postgres:// URL"
                ));
            }
        };
        if let Some(secret) = &self.password_secret {
            if postgres_url.is_none() {
                return Err(
                    "`storage.password_secret` is set but `storage.store` is not PostgreSQL".into(),
                );
            }
            if !secrets.contains_key(secret) {
                return Err(format!(
                    "`storage.password_secret` names {secret:?}, which is not in [secrets]"
                ));
            }
        }
        Ok((store_cache_bytes, store_min_free_bytes, postgres_url))
    }
}

/// `[plugins]` validated.
struct PluginSettings {
    engine: EngineSettings,
    default_limits: Limits,
    grants: BTreeMap<String, Grant>,
    config: PluginConfigs,
    max_component_bytes: u64,
}

impl RawPlugins {
    /// The runtime's engine settings, default limits, grants and plugin configs; `file` and
    /// `text` locate a bad key for the error.
    fn validate(self, file: &Path, text: &str) -> Result<PluginSettings, String> {
        let defaults = EngineSettings::default();
        let engine = EngineSettings {
            pooling: self.pooling.unwrap_or(defaults.pooling),
            max_concurrent_instances: self
                .max_concurrent_instances
                .unwrap_or(defaults.max_concurrent_instances),
            max_memory_bytes: self.max_memory_bytes.unwrap_or(defaults.max_memory_bytes),
            max_table_elements: defaults.max_table_elements,
            max_stack_bytes: self.max_stack_bytes.unwrap_or(defaults.max_stack_bytes),
        };
        if engine.max_concurrent_instances == 0 {
            return Err("`plugins.max_concurrent_instances` must be at least 1".into());
        }
        if !(64 << 10..=8 << 20).contains(&engine.max_stack_bytes) {
            return Err(format!(
                "`plugins.max_stack_bytes` is {}; expected 65536 to 8388608",
                engine.max_stack_bytes
            ));
        }
        let default_limits = Limits::default().with(&self.limits);
        if default_limits.memory_bytes > engine.max_memory_bytes {
            return Err(format!(
                "`plugins.limits.memory_bytes` ({}) exceeds `plugins.max_memory_bytes` ({})",
                default_limits.memory_bytes, engine.max_memory_bytes
            ));
        }
        let plugin_grants = grants(self.grants, &engine)?;
        let plugin_config = PluginConfigs::from_config(file.to_path_buf(), text, self.config)?;
        let max_component_bytes = match self.max_component_bytes {
            None => crate::plugin::runtime::DEFAULT_MAX_COMPONENT_BYTES,
            Some(0) => {
                return Err(
                    "`plugins.max_component_bytes` is 0, which refuses every plugin; expected \
                     a size in bytes such as 67108864 (64 MiB)"
                        .into(),
                );
            }
            Some(bytes) => bytes,
        };
        Ok(PluginSettings {
            engine,
            default_limits,
            grants: plugin_grants,
            config: plugin_config,
            max_component_bytes,
        })
    }
}

/// Each secret has exactly one origin, and each API token names a plain secret that exists.
fn check_secrets(
    secrets: &BTreeMap<String, SecretSource>,
    tokens: &BTreeMap<String, TokenConfig>,
) -> Result<(), String> {
    for (name, source) in secrets {
        if source.origins() != 1 {
            return Err(format!(
                "`secrets.{name}`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
            ));
        }
    }
    for (who, token) in tokens {
        let TokenSource::Secret(secret) = &token.source else {
            continue;
        };
        match secrets.get(secret) {
            // Not echoed: what is written there may be the token itself.
            None => {
                return Err(format!(
                    "`api.tokens.{who}` names a secret that is not in [secrets]; write the \
                         name of a [secrets] entry there, never the token itself"
                ));
            }
            Some(source) if source.oauth.is_some() => {
                return Err(format!(
                    "`api.tokens.{who}` names `{secret}`, an OAuth token the gateway \
                         fetches; an API token is a plain secret ({{ env }} or {{ file }})"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Validate `[plugins.grants]`: each table named after a plugin id, within the engine's caps.
fn grants(
    raw: BTreeMap<String, GrantConfig>,
    engine: &EngineSettings,
) -> Result<BTreeMap<String, Grant>, String> {
    raw.into_iter()
        .map(|(id, grant)| {
            let table = format!("plugins.grants.{id}");
            if !crate::plugin::manifest::is_identifier(&id) {
                return Err(format!(
                    "`[plugins.grants.{id:?}]`: {id:?} is not a plugin id; name the table after \
                     the `plugin.id` of the plugin's plugin.toml (1 to 64 lower-case letters, \
                     digits and '-')"
                ));
            }
            let grant = Grant::from_config(&table, grant)?;
            if let Some(bytes) = grant.limits().memory_bytes
                && bytes > engine.max_memory_bytes
            {
                return Err(format!(
                    "`{table}.limits.memory_bytes` ({bytes}) exceeds `plugins.max_memory_bytes` \
                     ({})",
                    engine.max_memory_bytes
                ));
            }
            Ok((id, grant))
        })
        .collect()
}

impl Config {
    /// Where the store lives, with the PostgreSQL password from `secrets`.
    pub fn store_location(&self, secrets: &Secrets) -> anyhow::Result<crate::store::Location> {
        let Some(url) = &self.postgres_url else {
            return Ok(crate::store::Location::Sled {
                dir: self.data_dir.join("db"),
                cache_bytes: self.store_cache_bytes,
                min_free_bytes: self.store_min_free_bytes,
            });
        };
        let mut url = url.clone();
        if let Some(name) = &self.postgres_password_secret {
            let password = secrets.get(name).ok_or_else(|| {
                anyhow::anyhow!("secret {name:?} (storage.password_secret) is not set")
            })?;
            let password = std::str::from_utf8(password).map_err(|_| {
                anyhow::anyhow!("secret {name:?} (storage.password_secret) is not UTF-8")
            })?;
            let mut parsed = url::Url::parse(&url)?;
            parsed
                .set_password(Some(password))
                .map_err(|()| anyhow::anyhow!("`storage.store` cannot carry a password"))?;
            url = parsed.to_string();
        }
        Ok(crate::store::Location::Postgres { url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("/etc/helloword/helloword.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_config_has_working_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.plugin_dir, Path::new("/etc/helloword/plugins"));
        assert_eq!(c.cache_dir, Path::new("/etc/helloword/data/plugin-cache"));
        assert_eq!(c.watch_interval, Some(Duration::from_secs(1)));
    }

    #[test]
    fn misplaced_key_names_line_and_choices() {
        assert_eq!(
            parse("[server]\nlisten = \"127.0.0.1:1\"\ndata_dir = \"x\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 3: unknown field `data_dir`, expected one of \
             `listen`, `max_body_bytes`, `log_format`, `api_requests_per_minute`, \
             `sign_in_attempts_per_minute`, `trusted_proxies`, `tls_cert`, `tls_key`, `limits`"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        assert_eq!(
            parse("[server]\nlisten = \"localhost\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `server.listen` is \"localhost\"; expected an address \
             and port such as \"127.0.0.1:8080\""
        );
        assert_eq!(
            parse("[secrets]\nx = { env = \"A\", value = \"b\" }\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `secrets.x`: set exactly one of `env`, `file`, `value`, `oauth` or `basic`"
        );
        assert_eq!(
            parse("[plugins.limits]\nmemory_bytes = 999999999999\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `plugins.limits.memory_bytes` (999999999999) exceeds \
             `plugins.max_memory_bytes` (268435456)"
        );
        assert_eq!(
            parse("[storage]\ncache_mb = 1\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `storage.cache_mb` is 1; expected 16 to 65536 \
             (megabytes of page cache)"
        );
    }

    #[test]
    fn telemetry_mistakes_name_the_key() {
        assert_eq!(parse("").unwrap().traces, None);
        assert_eq!(
            parse("[telemetry]\notlp_endpoint = \"http://127.0.0.1:4318\"\n")
                .unwrap()
                .traces
                .map(|t| t.traces_url),
            Some("http://127.0.0.1:4318/v1/traces".into())
        );
        assert_eq!(
            parse("[telemetry]\nendpoint = \"http://127.0.0.1:4318\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: unknown field `endpoint`, expected one of \
             `otlp_endpoint`, `service_name`, `sample_ratio`, `export_delay_ms`"
        );
        assert_eq!(
            parse("[telemetry]\notlp_endpoint = \"127.0.0.1:4318\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `telemetry.otlp_endpoint` is \"127.0.0.1:4318\"; \
             expected the http:// or https:// URL of an OTLP/HTTP collector such as \
             \"http://127.0.0.1:4318\""
        );
        assert_eq!(
            parse("[telemetry]\notlp_endpoint = \"grpc://collector:4317\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `telemetry.otlp_endpoint` is \"grpc://collector:4317\"; \
             expected the http:// or https:// URL of an OTLP/HTTP collector such as \
             \"http://127.0.0.1:4318\""
        );
        assert_eq!(
            parse("[telemetry]\nsample_ratio = 1.5\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `telemetry.sample_ratio` is 1.5; expected 0.0 to 1.0 \
             (the share of deliveries traced)"
        );
        assert_eq!(
            parse("[telemetry]\nservice_name = \" \"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `telemetry.service_name` is empty; expected a name \
             such as \"helloword\""
        );
        assert_eq!(
            parse("[telemetry]\nexport_delay_ms = 0\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `telemetry.export_delay_ms` is 0; expected 1 to 60000"
        );
    }

    #[test]
    fn storage_cache_and_replies_have_defaults_and_can_be_set() {
        let c = parse("").unwrap();
        assert_eq!(c.store_cache_bytes, 256 << 20);
        assert_eq!(c.replies.team_name, "Customer Service");
        assert!(c.replies.off_hours_ack);
        let c = parse(
            "[storage]\ncache_mb = 64\n[replies]\nteam_name = \"Shop\"\noff_hours_ack = false\n\
             translator = \"translate-deepl\"\n",
        )
        .unwrap();
        assert_eq!(c.store_cache_bytes, 64 << 20);
        assert_eq!(c.replies.translator.as_deref(), Some("translate-deepl"));
        assert!(!c.replies.off_hours_ack);
    }

    #[test]
    fn a_toml_syntax_error_names_its_line() {
        assert_eq!(
            parse("[server]\nlisten = 127.0.0.1:8080\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: expected newline, `#` (is a text value \
             missing its quotes? e.g. listen = \"127.0.0.1:8080\")"
        );
        assert_eq!(
            parse("[server]\nlisten = \"127.0.0.1:8080\"\nlog_format = json\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 3: invalid string; expected `\"`, `'`"
        );
    }

    #[test]
    fn a_duplicate_key_names_its_line() {
        assert_eq!(
            parse("[server]\nlisten = \"127.0.0.1:8080\"\nlisten = \"0.0.0.0:8080\"\n")
                .unwrap_err(),
            "/etc/helloword/helloword.toml: line 3: duplicate key `listen` in table `server`"
        );
        assert_eq!(
            parse("[server]\nlisten = \"127.0.0.1:8080\"\n[storage]\n[server]\nlog_format = \"json\"\n")
                .unwrap_err(),
            "/etc/helloword/helloword.toml: line 4: invalid table header; duplicate key `server` \
             in document root"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_names_line_and_type() {
        assert_eq!(
            parse("[server]\nmax_body_bytes = \"big\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: `server.max_body_bytes` is the text \"big\"; \
             expected a whole number"
        );
        assert_eq!(
            parse(
                "[alerts]
red = \"sms\"\n"
            )
            .unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: `alerts.red` is the text \"sms\"; expected a \
             list such as [\"a\", \"b\"]"
        );
        assert_eq!(
            parse("[actions]\nauto_propose = 1\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: `actions.auto_propose` is the number 1; \
             expected true or false"
        );
    }

    #[test]
    fn a_missing_required_key_names_its_table() {
        assert_eq!(
            parse("[[tickets.agents]]\nname = \"mei\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 1: `tickets.agents` needs `capacity`"
        );
    }

    #[test]
    fn a_secret_written_as_its_value_is_refused_without_echoing_it() {
        for text in [
            "[secrets]\nshopify_client_secret = \"canary-5be1\"\n",
            "[secrets]\nshopify_client_secret = 51822\n",
        ] {
            let message = parse(text).unwrap_err();
            assert_eq!(
                message,
                "/etc/helloword/helloword.toml: line 2: `secrets.shopify_client_secret` says \
                 where the secret comes from — { env = \"VAR\" }, { file = \"path\" } or \
                 { oauth = { … } } — never the secret itself"
            );
        }
        let message = parse("[secrets]\nx = { value = 51822 }\n").unwrap_err();
        assert_eq!(
            message,
            "/etc/helloword/helloword.toml: line 2: `secrets.x.value` must be text in quotes"
        );
        assert!(!message.contains("51822"));
    }

    #[test]
    fn an_unknown_section_names_the_sections() {
        assert_eq!(
            parse("[sever]\nlisten = \"127.0.0.1:8080\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 1: unknown field `sever`, expected one of \
             `server`, `storage`, `plugins`, `api`, `tickets`, `replies`, `actions`, `polling`, \
             `lookups`, `logistics`, `alerts`, `secrets`, `telemetry`, `retention`, `care`, `reports`, \
             `connections`"
        );
    }

    #[test]
    fn an_unknown_agent_key_names_the_agent_keys() {
        assert_eq!(
            parse("[[tickets.agents]]\nname = \"mei\"\ncapacity = 20\nskill = [\"payment\"]\n")
                .unwrap_err(),
            "/etc/helloword/helloword.toml: line 4: unknown field `skill`, expected one of \
             `name`, `skills`, `languages`, `capacity`, `lead`, `vip`, `hours`, `contact`"
        );
    }

    #[test]
    fn an_unknown_alerts_key_names_the_alerts_keys() {
        assert_eq!(
            parse("[alerts]\nred = [\"sms\"]\nvip_phones = [\"+4915100000099\"]\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 3: unknown field `vip_phones`, expected one of \
             `red`, `yellow`, `blue`, `max_per_hour`, `sms_daily_budget_cents`, `sms_cost_cents`, \
             `vip_phone`, `logistics_stalled_days`, `email`, `sms`, `webhook`, `public_url`"
        );
    }

    #[test]
    fn an_unknown_retention_key_names_the_retention_keys() {
        assert_eq!(
            parse("[retention]\nraw_days = 7\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: unknown field `raw_days`, expected one of \
             `raw_deliveries_days`, `closed_tickets_days`, `compact_hour`"
        );
    }

    #[test]
    fn an_unknown_log_format_names_the_choices() {
        assert_eq!(
            parse("[server]\nlog_format = \"text\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `server.log_format` is \"text\"; expected \"human\" or \"json\""
        );
    }

    #[test]
    fn tls_cert_without_tls_key_says_they_go_together() {
        assert_eq!(
            parse("[server]\ntls_cert = \"fullchain.pem\"\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `server.tls_cert` and `server.tls_key` go together: \
             set both to serve HTTPS, or neither (for plain HTTP, e.g. behind a TLS-terminating \
             proxy)"
        );
    }

    #[test]
    fn compact_hour_24_is_out_of_range() {
        assert_eq!(
            parse("[retention]\ncompact_hour = 24\n").unwrap_err(),
            "/etc/helloword/helloword.toml: `retention.compact_hour` is 24; expected 0 to 23 (an \
             hour, UTC)"
        );
    }

    #[test]
    fn a_token_naming_a_missing_secret_names_both() {
        assert_eq!(
            parse(
                "[api.tokens]\nlead = \"lead_token\"\n[secrets]\nled_token = { env = \"LEAD\" }\n"
            )
            .unwrap_err(),
            "/etc/helloword/helloword.toml: `api.tokens.lead` names a secret that is not in \
             [secrets]; write the name of a [secrets] entry there, never the token itself"
        );
        // What was written may be the token itself: it is not repeated.
        let message = parse("[api.tokens]\nlead = \"hw_live_canary_93f1\"\n").unwrap_err();
        assert!(!message.contains("hw_live_canary_93f1"), "{message}");
        assert_eq!(
            parse(
                "[api.tokens]\nlead = \"t\"\n[secrets.t.oauth]\ntoken_url = \"https://a.example/t\"\n\
                 client_id = \"c\"\nclient_secret = \"s\"\n[secrets]\ns = { env = \"S\" }\n"
            )
            .unwrap_err(),
            "/etc/helloword/helloword.toml: `api.tokens.lead` names `t`, an OAuth token the \
             gateway fetches; an API token is a plain secret ({ env } or { file })"
        );
    }

    #[test]
    fn plugin_config_sits_beside_the_grants_and_names_line_and_key() {
        let c = parse(
            "[plugins.grants.ebay]\nsecrets = [\"ebay_verification_token\"]\n\
             [plugins.config.ebay]\nendpoint = \"https://gw.example/hooks/ebay\"\npoll_page_size = 10\n",
        )
        .unwrap();
        let ebay = &c.plugin_config.by_plugin["ebay"];
        assert_eq!(ebay["endpoint"].value, "https://gw.example/hooks/ebay");
        assert_eq!(ebay["poll_page_size"].value, "10");
        assert_eq!(ebay["poll_page_size"].line, 5);
        assert_eq!(c.runtime_settings().config, c.plugin_config);
        assert_eq!(
            parse("[plugins.config.ebay]\nseller = { name = \"x\" }\n").unwrap_err(),
            "/etc/helloword/helloword.toml: line 2: `plugins.config.ebay.seller` is a table; \
             plugin config values are text, numbers or booleans (a key with a dot in it goes in \
             quotes: \"seller.…\" = \"…\")"
        );
    }

    #[test]
    fn a_rejected_secret_source_does_not_show_its_value() {
        let message =
            parse("[secrets]\nx = { value = \"canary-7f3a\", file = \"x\" }\n").unwrap_err();
        assert_eq!(
            message,
            "/etc/helloword/helloword.toml: `secrets.x`: set exactly one of `env`, `file`, `value`, \
             `oauth` or `basic`"
        );
        assert!(!message.contains("canary-7f3a"));
    }
}
