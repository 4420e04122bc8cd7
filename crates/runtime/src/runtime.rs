//! The plugin runtime: one engine, one linker per world, the artifact cache, the pool of
//! instance slots, and loading a plugin from its manifest.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::bindings;
use super::cache::{ArtifactCache, CacheOutcome};
use super::engine::{self, EngineSettings};
use super::files::read_capped;
use super::grants::GrantPolicy;
use super::instance::{ExportIndices, Plugin, WorldPre};
use super::limits::Limits;
use super::manifest::{Manifest, PluginKind};
use super::overrides::PluginConfigs;
use super::state::{CallState, Grants, Services};

/// A plugin that did not load: the file to look at and what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct LoadError {
    /// The manifest or component file at fault.
    pub file: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl From<super::manifest::ManifestError> for LoadError {
    fn from(e: super::manifest::ManifestError) -> Self {
        LoadError {
            file: e.file,
            message: e.message,
        }
    }
}

/// The largest component loaded unless the gateway config says otherwise
/// (`plugins.max_component_bytes`): far above the bundled plugins, which are under 2 MiB.
pub const DEFAULT_MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// How the runtime is set up.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    /// Engine-wide settings.
    pub engine: EngineSettings,
    /// Folder of compiled artifacts; `None` compiles at every load.
    pub cache_dir: Option<PathBuf>,
    /// Limits for plugins whose manifest does not ask for others.
    pub default_limits: Limits,
    /// What each plugin is granted beyond the defaults.
    pub grants: GrantPolicy,
    /// What the operator sets of each plugin's config (`[plugins.config.<id>]`).
    pub config: PluginConfigs,
    /// The largest component file loaded, in bytes; a larger one is refused unread.
    pub max_component_bytes: u64,
    /// Connections (`[[connections]]`): plugins serving many shops.
    pub connections: Vec<super::connections::Connection>,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        RuntimeSettings {
            engine: EngineSettings::default(),
            cache_dir: None,
            default_limits: Limits::default(),
            grants: GrantPolicy::default(),
            config: PluginConfigs::default(),
            max_component_bytes: DEFAULT_MAX_COMPONENT_BYTES,
            connections: Vec::new(),
        }
    }
}

pub(crate) struct Linkers {
    connector: Linker<CallState>,
    locale: Linker<CallState>,
    policy: Linker<CallState>,
    translator: Linker<CallState>,
}

pub(crate) struct RuntimeInner {
    pub(crate) engine: Engine,
    pub(crate) pooling: bool,
    pub(crate) slots: Semaphore,
    pub(crate) services: Arc<Services>,
    linkers: Linkers,
    cache: ArtifactCache,
    pub(crate) settings: RuntimeSettings,
}

/// The plugin runtime. Cloning shares it.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
}

fn linker(
    engine: &Engine,
    add: impl FnOnce(&mut Linker<CallState>) -> wasmtime::Result<()>,
) -> anyhow::Result<Linker<CallState>> {
    let mut linker = Linker::new(engine);
    // Rust's standard library imports a few WASI interfaces; the context behind them grants
    // nothing (no preopened folders, no environment, no sockets, captured stdio).
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    add(&mut linker).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    Ok(linker)
}

impl Runtime {
    /// Build the engine, linkers and cache, and start the epoch thread.
    pub fn new(settings: RuntimeSettings, services: Arc<Services>) -> anyhow::Result<Runtime> {
        let built = engine::build(&settings.engine)?;
        engine::start_epoch_ticker(&built.engine);
        use wasmtime::component::HasSelf;
        let linkers = Linkers {
            connector: linker(&built.engine, |l| {
                bindings::connector::MarketplaceConnector::add_to_linker::<_, HasSelf<_>>(l, |s| s)
            })?,
            locale: linker(&built.engine, |l| {
                bindings::locale::LocalePack::add_to_linker::<_, HasSelf<_>>(l, |s| s)
            })?,
            policy: linker(&built.engine, |l| {
                bindings::policy::CompensationPolicy::add_to_linker::<_, HasSelf<_>>(l, |s| s)
            })?,
            translator: linker(&built.engine, |l| {
                bindings::translator::Translator::add_to_linker::<_, HasSelf<_>>(l, |s| s)
            })?,
        };
        let cache = ArtifactCache::new(settings.cache_dir.clone(), &built.engine);
        tracing::info!(
            message = "Plugin runtime ready.",
            pooling = built.pooling,
            slots = settings.engine.max_concurrent_instances
        );
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine: built.engine,
                pooling: built.pooling,
                slots: Semaphore::new(settings.engine.max_concurrent_instances as usize),
                services,
                linkers,
                cache,
                settings,
            }),
        })
    }

    /// Whether the pooling allocator is in use.
    pub fn pooling(&self) -> bool {
        self.inner.pooling
    }

    /// The wasm engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The gateway services plugins use.
    pub fn services(&self) -> &Arc<Services> {
        &self.inner.services
    }

    /// Load the plugin described by `manifest`: check its requests against its grant and
    /// the limits, read the component within its size cap, compile or take the cached
    /// artifact, check the world and contract, pre-instantiate, and call `describe`.
    pub async fn load(&self, manifest: Manifest) -> Result<Plugin, LoadError> {
        let started = Instant::now();
        let on_manifest = |message: String| LoadError {
            file: manifest.file.clone(),
            message,
        };
        let on_component = |message: String| LoadError {
            file: manifest.component.clone(),
            message,
        };
        let inner = &self.inner;

        let admission = inner
            .settings
            .grants
            .admit(&manifest, &inner.settings.default_limits)
            .map_err(on_manifest)?;
        let limits = admission.limits;
        let config = inner
            .settings
            .config
            .merged(&manifest)
            .map_err(|unknown| LoadError {
                file: unknown.file,
                message: unknown.message,
            })?;
        if limits.memory_bytes > inner.settings.engine.max_memory_bytes {
            return Err(on_manifest(format!(
                "`limits.memory_bytes` is {}; this gateway allows at most {} \
                 (plugins.max_memory_bytes in the gateway config)",
                limits.memory_bytes, inner.settings.engine.max_memory_bytes
            )));
        }
        if limits.table_elements > inner.settings.engine.max_table_elements {
            return Err(on_manifest(format!(
                "`limits.table_elements` is {}; this gateway allows at most {}",
                limits.table_elements, inner.settings.engine.max_table_elements
            )));
        }
        // A plugin that connections run needs its secrets under their entries, checked
        // for each connection; by itself it is not served.
        if let Some(missing) = manifest
            .secrets
            .iter()
            .filter(|_| !self.is_connected(&manifest.id))
            .find(|s| inner.services.secrets.get(s).is_none())
        {
            return Err(on_manifest(format!(
                "secret `{missing}` (in `plugin.secrets`) has no value: add `{missing}` to the \
                 [secrets] table of the gateway config"
            )));
        }

        let path = manifest.component.clone();
        let cap = inner.settings.max_component_bytes;
        let wasm = tokio::task::spawn_blocking(move || {
            read_capped(
                &path,
                cap,
                "plugins.max_component_bytes in the gateway config",
            )
        })
        .await
        .map_err(|e| on_component(format!("reading the component panicked: {e}")))?
        .map_err(|e| on_component(format!("cannot load the component: {e}")))?;
        let content_hash = hex::encode(Sha256::digest(&wasm));
        if let Some(expected) = &manifest.sha256
            && *expected != content_hash
        {
            return Err(on_manifest(format!(
                "`plugin.sha256` is {expected} but the component's SHA-256 is {content_hash}"
            )));
        }
        if !wasm.starts_with(b"\0asm") {
            return Err(on_component(
                "not a WebAssembly file (no \\0asm header); build it with \
                 `cargo build --target wasm32-wasip2`"
                    .into(),
            ));
        }

        let engine = inner.engine.clone();
        let cache = inner.cache.clone();
        let hash = content_hash.clone();
        let (component, cache_outcome) =
            tokio::task::spawn_blocking(move || cache.load(&engine, &wasm, &hash))
                .await
                .map_err(|e| on_component(format!("compilation panicked: {e}")))?
                .map_err(|e| on_component(format!("not a valid WebAssembly component: {e:#}")))?;

        let exports = check_exports(&inner.engine, &component, &manifest).map_err(on_component)?;
        let orders = optional_export(
            &inner.engine,
            &component,
            &manifest,
            PluginKind::MarketplaceConnector,
            ("orders", "lookup-order"),
        )
        .map_err(on_component)?;
        let tips = optional_export(
            &inner.engine,
            &component,
            &manifest,
            PluginKind::LocalePack,
            ("tips", "culture-tips-in"),
        )
        .map_err(on_component)?;

        let linker = match manifest.kind {
            PluginKind::MarketplaceConnector => &inner.linkers.connector,
            PluginKind::LocalePack => &inner.linkers.locale,
            PluginKind::CompensationPolicy => &inner.linkers.policy,
            PluginKind::Translator => &inner.linkers.translator,
        };
        let instance_pre = linker.instantiate_pre(&component).map_err(|e| {
            on_component(format!(
                "the component needs an import a {} does not get: {e:#}",
                manifest.kind
            ))
        })?;
        let world = match manifest.kind {
            PluginKind::MarketplaceConnector => {
                bindings::connector::MarketplaceConnectorPre::new(instance_pre)
                    .map(WorldPre::Connector)
            }
            PluginKind::LocalePack => {
                bindings::locale::LocalePackPre::new(instance_pre).map(WorldPre::Locale)
            }
            PluginKind::CompensationPolicy => {
                bindings::policy::CompensationPolicyPre::new(instance_pre).map(WorldPre::Policy)
            }
            PluginKind::Translator => {
                bindings::translator::TranslatorPre::new(instance_pre).map(WorldPre::Translator)
            }
        }
        .map_err(|e| {
            on_component(format!(
                "the component's exports do not match world {} of contract {}: {e:#}",
                manifest.kind, manifest.contract
            ))
        })?;

        // Every host the manifest asks for is covered by its grant, or admission refused it.
        let grants = Arc::new(Grants {
            plugin: manifest.id.clone(),
            limits,
            allowed_hosts: manifest.allowed_hosts.clone(),
            secrets: admission.secrets,
            secret_sources: Default::default(),
            config,
            cache: Default::default(),
            services: inner.services.clone(),
        });
        let mut plugin = Plugin::new(
            self.clone(),
            manifest,
            content_hash,
            cache_outcome,
            grants,
            world,
            exports,
        )
        .await
        .map_err(|(file, e)| LoadError {
            file,
            message: format!("`describe` failed: {e}"),
        })?;
        for warning in &admission.warnings {
            tracing::warn!(message = "Plugin loads without something it asked for.", plugin = %plugin.manifest.id, warning = %warning);
        }
        plugin.warnings = admission.warnings;
        plugin.orders = orders;
        plugin.tips = tips;
        tracing::info!(
            message = "Plugin loaded.",
            plugin = %plugin.manifest.id,
            kind = %plugin.manifest.kind,
            cache = ?cache_outcome,
            ms = started.elapsed().as_millis() as u64
        );
        Ok(plugin)
    }
}

/// The export a world must have, checked by name first so that a component built for
/// another world or contract version gets an error that says so. Returns where that
/// export's functions are in the component.
fn check_exports(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
) -> Result<ExportIndices, String> {
    let wanted = format!(
        "helloword:gateway/{}@{}",
        manifest.kind.export_interface(),
        manifest.contract
    );
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    if exports.contains(&wanted) {
        return ExportIndices::find(engine, component, &wanted);
    }
    // Name the world's own export (a connector's `connector`, not its optional `orders`).
    let world_export = |e: &&String| {
        PluginKind::ALL
            .iter()
            .any(|k| e.starts_with(&format!("helloword:gateway/{}@", k.export_interface())))
    };
    let hint = exports
        .iter()
        .find(world_export)
        .or_else(|| exports.iter().find(|e| e.starts_with("helloword:gateway/")))
        .map(|e| format!(" (the component exports {e}: check `plugin.kind` and `plugin.contract`)"))
        .unwrap_or_default();
    Err(format!(
        "a {} plugin for contract {} must export {wanted}{hint}",
        manifest.kind, manifest.contract
    ))
}

/// Where an optional export of a `kind` plugin is: `(interface, function)` names it and
/// the function it must have (a connector's `orders` with `lookup-order`, a locale pack's
/// `tips` with `culture-tips-in`). `None`: the plugin is of another kind, or the component
/// has no such export, as every component built before it existed. One that exports it
/// without the function this gateway calls is refused, naming it.
fn optional_export(
    engine: &Engine,
    component: &Component,
    manifest: &Manifest,
    kind: PluginKind,
    (interface, function): (&str, &str),
) -> Result<Option<ExportIndices>, String> {
    if manifest.kind != kind {
        return Ok(None);
    }
    let name = format!("helloword:gateway/{interface}@{}", manifest.contract);
    if component.get_export(None, &name).is_none() {
        return Ok(None);
    }
    let found = ExportIndices::find(engine, component, &name)?;
    if !found.has(function) {
        return Err(format!("its export {name} has no function `{function}`"));
    }
    Ok(Some(found))
}

impl CacheOutcome {
    /// Whether the artifact came from the cache.
    pub fn is_hit(self) -> bool {
        self == CacheOutcome::Hit
    }
}
