//! A loaded plugin version and its calls. Every call gets a fresh store and instance from
//! the plugin's `InstancePre`, runs under the plugin's limits, and is dropped afterwards,
//! so a trap never leaves a broken instance behind.
//!
//! A call looks up only the function it calls, at a place found once at load, and its
//! signature is type-checked on its call site's first call only. The generated bindings'
//! `instantiate_async` would look up and type-check every function of the world on every
//! instantiation: 12 % of a webhook call's CPU under load (BENCHMARKS.md, plugin runtime).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use tracing::Instrument as _;
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentNamedList, Lift, Lower, TypedFunc, types,
};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use super::bindings::types as model;
use super::bindings::{
    self, connector_api, locale_api, orders_api, policy_api, tips_api, translate_api,
};
use super::cache::CacheOutcome;
use super::engine::EPOCH_TICK;
use super::limits::PluginError;
use super::manifest::{Manifest, PluginKind};
use super::output_size::output_bytes;
use super::runtime::Runtime;
use super::state::{CallState, Grants};

#[derive(Clone)]
pub(crate) enum WorldPre {
    Connector(bindings::connector::MarketplaceConnectorPre<CallState>),
    Locale(bindings::locale::LocalePackPre<CallState>),
    Policy(bindings::policy::CompensationPolicyPre<CallState>),
    Translator(bindings::translator::TranslatorPre<CallState>),
}

/// What a plugin said about itself when it loaded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Description {
    /// A connector's `describe`.
    MarketplaceConnector(connector_api::Info),
    /// A locale pack's `describe`.
    LocalePack(locale_api::PackInfo),
    /// Policies have no `describe`.
    CompensationPolicy,
    /// Translators have no `describe`.
    Translator,
}

/// One loaded plugin version.
pub struct Plugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// Hex SHA-256 of its component.
    pub content_hash: String,
    /// Whether loading compiled it or took the cached artifact.
    pub cache: CacheOutcome,
    /// What `describe` returned.
    pub description: Description,
    /// What it asked for and loaded without (optional secrets not granted), for people.
    pub warnings: Vec<String>,
    runtime: Runtime,
    grants: Arc<Grants>,
    world: WorldPre,
    exports: ExportIndices,
    /// Where a connector's optional `orders` export is, when it has one.
    pub(crate) orders: Option<ExportIndices>,
    /// Where a locale pack's optional `tips` export is, when it has one.
    pub(crate) tips: Option<ExportIndices>,
    /// Where the local runner reads what each call used (`None` in the gateway).
    probe: Option<Arc<std::sync::Mutex<Vec<Usage>>>>,
    /// For a connection (`[[connections]]`): the plugin it runs.
    pub connection_of: Option<String>,
}

/// What one call used, as the local runner reports it (`helloword plugin run`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// The export called.
    pub export: &'static str,
    /// Guest execution time, in epoch ticks (milliseconds).
    pub cpu_ms: u64,
    /// Whole-call wall-clock time, in microseconds.
    pub wall_us: u64,
    /// The most linear memory the guest asked for.
    pub peak_memory_bytes: u64,
    /// Bytes of the result (0 when the call failed).
    pub output_bytes: u64,
    /// Host-import calls made.
    pub host_calls: u32,
}

/// Instantiate from `$pre` and call export `$export` with `($args)` under the plugin's
/// limits. `$signature` is the generated accessor of that export's typed function
/// (`Guest::func_*`), which gives its Rust types.
macro_rules! export_call {
    ($self:ident, $pre:expr, $export:literal, $signature:path, ($($arg:expr),*)) => {
        export_call!($self, $pre, $export, $signature, ($($arg),*), |out, _state: &CallState| out)
    };
    // `$finish` makes the call's value from the export's result and what the call's host
    // imports recorded in the store.
    ($self:ident, $pre:expr, $export:literal, $signature:path, ($($arg:expr),*), $finish:expr) => {
        export_call!(@in $self.exports, $self, $pre, $export, $signature, ($($arg),*), $finish)
    };
    // The function is in `$exports` (an optional export's indices) instead of the world's.
    (@in $exports:expr, $self:ident, $pre:expr, $export:literal, $signature:path, ($($arg:expr),*), $finish:expr) => {{
        // This call site, told apart from every other by the address of a static of its own
        // (writable, so never folded with another): its signature is checked once per
        // plugin and site.
        static SITE: AtomicU8 = AtomicU8::new(0);
        let pre = $pre.instance_pre();
        match $exports.get(&$self.manifest.id, $export) {
            Err(e) => Err(e),
            Ok(export) => {
                $self
                    .call($export, move |mut store| async move {
                        let result = async {
                            let instance = pre.instantiate_async(&mut store).await?;
                            let (out,) = export
                                .typed(&instance, &mut store, &SITE, $signature)?
                                .call_async(&mut store, ($($arg,)*))
                                .await?;
                            Ok(($finish)(out, store.data()))
                        }
                        .await;
                        (store, result)
                    })
                    .await
            }
        }
    }};
}

/// One function of a plugin's exported interface: where it is in the component, and which
/// call site's signature has been checked against it.
struct ExportFunction {
    name: String,
    index: ComponentExportIndex,
    /// The address of the call site's `SITE` static whose signature passed the check (0:
    /// none yet).
    checked_site: AtomicUsize,
}

impl ExportFunction {
    /// The function in `instance`, typed with the signature of the generated accessor
    /// `_signature`, as called from the call site `site`.
    ///
    /// The site's first call type-checks it (`Instance::get_typed_func`); its later calls,
    /// on new instances of the same component, reuse that verdict instead of checking every
    /// nested record again.
    fn typed<'g, G, P, R>(
        &self,
        instance: &wasmtime::component::Instance,
        store: &mut Store<CallState>,
        site: &'static AtomicU8,
        _signature: fn(&'g G) -> TypedFunc<P, R>,
    ) -> wasmtime::Result<TypedFunc<P, R>>
    where
        P: ComponentNamedList + Lower,
        R: ComponentNamedList + Lift,
    {
        let site = std::ptr::from_ref(site) as usize;
        if self.checked_site.load(Ordering::Acquire) != site {
            let typed = instance.get_typed_func::<P, R>(&mut *store, self.index)?;
            self.checked_site.store(site, Ordering::Release);
            return Ok(typed);
        }
        let func = instance
            .get_func(&mut *store, self.index)
            .ok_or_else(|| wasmtime::format_err!("the instance has no export `{}`", self.name))?;
        // SAFETY: `TypedFunc::new_unchecked` needs `func`'s component type to match `P` and
        // `R`. The check through `get_typed_func` passed for this export of this component
        // (every instance of a component has its types), called from this very site, and a
        // site's macro expansion passes one accessor, so one `P` and one `R`.
        Ok(unsafe { TypedFunc::new_unchecked(func) })
    }
}

impl Clone for ExportFunction {
    /// The same place; its signature is checked again at the first call of each site.
    fn clone(&self) -> Self {
        ExportFunction {
            name: self.name.clone(),
            index: self.index,
            checked_site: AtomicUsize::new(0),
        }
    }
}

/// Where each function of a plugin's exported interface is in its component, found once
/// when the plugin loads.
#[derive(Clone)]
pub(crate) struct ExportIndices {
    interface: String,
    functions: Vec<ExportFunction>,
}

impl ExportIndices {
    /// The functions of `interface`, an export of `component`.
    pub(crate) fn find(
        engine: &Engine,
        component: &Component,
        interface: &str,
    ) -> Result<ExportIndices, String> {
        let not_an_interface = || format!("the component's export {interface} is not an interface");
        let (item, at) = component
            .get_export(None, interface)
            .ok_or_else(not_an_interface)?;
        let types::ComponentItem::ComponentInstance(instance) = item else {
            return Err(not_an_interface());
        };
        let functions = instance
            .exports(engine)
            .filter(|(_, item)| matches!(item.ty, types::ComponentItem::ComponentFunc(_)))
            .filter_map(|(name, _)| {
                Some(ExportFunction {
                    name: name.to_string(),
                    index: component.get_export_index(Some(&at), name)?,
                    checked_site: AtomicUsize::new(0),
                })
            })
            .collect();
        Ok(ExportIndices {
            interface: interface.to_string(),
            functions,
        })
    }

    /// Whether the interface has a function `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f.name == name)
    }

    /// The place of function `name` of plugin `plugin`. (The world's `Pre` has checked that
    /// every function is there, so the error is for a world and an export that disagree.)
    fn get(&self, plugin: &str, name: &str) -> Result<&ExportFunction, PluginError> {
        self.functions
            .iter()
            .find(|function| function.name == name)
            .ok_or_else(|| PluginError::Instantiation {
                plugin: plugin.to_string(),
                message: format!("its export {} has no function `{name}`", self.interface),
            })
    }
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("id", &self.manifest.id)
            .field("kind", &self.manifest.kind)
            .field("content_hash", &self.content_hash)
            .finish_non_exhaustive()
    }
}

impl Plugin {
    /// Whether it is a connector whose `describe` lists `capability`.
    pub fn can(&self, capability: connector_api::Capability) -> bool {
        matches!(&self.description, Description::MarketplaceConnector(info)
            if info.capabilities.contains(&capability))
    }

    pub(crate) async fn new(
        runtime: Runtime,
        manifest: Manifest,
        content_hash: String,
        cache: CacheOutcome,
        grants: Arc<Grants>,
        world: WorldPre,
        exports: ExportIndices,
    ) -> Result<Plugin, (PathBuf, PluginError)> {
        let mut plugin = Plugin {
            manifest,
            content_hash,
            cache,
            description: Description::CompensationPolicy,
            warnings: Vec::new(),
            runtime,
            grants,
            world,
            exports,
            orders: None,
            tips: None,
            probe: None,
            connection_of: None,
        };
        let file = plugin.manifest.component.clone();
        plugin.description = match &plugin.world {
            WorldPre::Connector(pre) => {
                let p = &plugin;
                let info =
                    export_call!(p, pre, "describe", connector_api::Guest::func_describe, ())
                        .map_err(|e| (file, e))?;
                Description::MarketplaceConnector(info)
            }
            WorldPre::Locale(pre) => {
                let p = &plugin;
                let info = export_call!(p, pre, "describe", locale_api::Guest::func_describe, ())
                    .map_err(|e| (file, e))?;
                Description::LocalePack(info)
            }
            WorldPre::Policy(_) => Description::CompensationPolicy,
            WorldPre::Translator(_) => Description::Translator,
        };
        Ok(plugin)
    }

    /// The plugin's id.
    pub fn id(&self) -> &str {
        &self.manifest.id
    }

    /// The id of the plugin it runs: its own, or for a connection the plugin's.
    pub fn plugin_id(&self) -> &str {
        self.connection_of.as_deref().unwrap_or(&self.manifest.id)
    }

    /// What it is granted (config, secrets, limits).
    pub(crate) fn grants(&self) -> &Arc<Grants> {
        &self.grants
    }

    /// This plugin's component as connection `id` with `grants`: the same compiled code
    /// (nothing is compiled again), its own config and secrets, and `describe` asked anew
    /// (what a connector offers may depend on its config).
    pub(crate) async fn as_connection(
        &self,
        id: &str,
        grants: Arc<Grants>,
    ) -> Result<Plugin, (PathBuf, PluginError)> {
        let mut manifest = self.manifest.clone();
        manifest.id = id.to_string();
        let mut plugin = Plugin::new(
            self.runtime.clone(),
            manifest,
            self.content_hash.clone(),
            self.cache,
            grants,
            self.world.clone(),
            self.exports.clone(),
        )
        .await?;
        plugin.orders = self.orders.clone();
        plugin.tips = self.tips.clone();
        plugin.warnings = self.warnings.clone();
        plugin.connection_of = Some(self.manifest.id.clone());
        Ok(plugin)
    }

    /// The limits in force.
    pub fn limits(&self) -> &super::Limits {
        &self.grants.limits
    }

    /// Record what every call from now on uses; the returned list fills as calls finish.
    pub fn probe(&mut self) -> Arc<std::sync::Mutex<Vec<Usage>>> {
        self.probe.get_or_insert_with(Default::default).clone()
    }

    /// Run one export call under the plugin's limits.
    async fn call<R, F, Fut>(&self, export: &'static str, run: F) -> Result<R, PluginError>
    where
        R: Serialize,
        F: FnOnce(Store<CallState>) -> Fut,
        Fut: Future<Output = (Store<CallState>, wasmtime::Result<R>)>,
    {
        let inner = &self.runtime.inner;
        let limits = &self.grants.limits;
        let plugin = self.manifest.id.clone();
        let started = Instant::now();
        let span = tracing::debug_span!(
            "plugin.call",
            plugin.id = %plugin,
            plugin.function = export,
            plugin.outcome = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );

        // The slot is held until the store is dropped, at the end of this function.
        let (_slot, outcome) = async {
            // With the pooling allocator a full pool fails instantiation instead of waiting;
            // the semaphore makes callers queue for a slot.
            let slot = inner
                .slots
                .acquire()
                .await
                .expect("the slot semaphore is never closed");

            let mut store = self.new_store();
            // Armed right before the guest runs (instantiation included).
            store.set_epoch_deadline(1);
            // On a wall-clock timeout the future, and the store inside it, are dropped.
            (
                slot,
                tokio::time::timeout(limits.wall_clock, run(store)).await,
            )
        }
        .instrument(span.clone())
        .await;

        let mut usage = Usage {
            export,
            wall_us: started.elapsed().as_micros() as u64,
            ..Usage::default()
        };
        if let Ok((store, _)) = &outcome {
            let state = store.data();
            usage.cpu_ms = state.host.ticks * EPOCH_TICK.as_millis() as u64;
            usage.peak_memory_bytes = state.limiter.peak_memory_bytes;
            usage.host_calls = state.host.calls();
        }
        let result = match outcome {
            Err(_elapsed) => Err(PluginError::Timeout {
                plugin: plugin.clone(),
                what: "wall-clock",
                limit_ms: limits.wall_clock.as_millis() as u64,
            }),
            Ok((store, Err(error))) => Err(classify(&plugin, limits, store.data(), &error)),
            Ok((_store, Ok(value))) => {
                let bytes = output_bytes(&value);
                usage.output_bytes = bytes;
                if bytes > limits.max_output_bytes {
                    Err(PluginError::OutputTooLarge {
                        plugin: plugin.clone(),
                        actual_bytes: bytes,
                        limit_bytes: limits.max_output_bytes,
                    })
                } else {
                    Ok(value)
                }
            }
        };
        if let Some(probe) = &self.probe {
            probe
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(usage);
        }
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.kind(),
        };
        span.record("plugin.outcome", outcome);
        if result.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        inner.services.metrics.counter_add(
            "helloword_plugin_calls_total",
            "Plugin calls by plugin, export and outcome.",
            &[
                ("plugin", &plugin),
                ("export", export),
                ("outcome", outcome),
            ],
            1,
        );
        if let Err(error) = &result {
            tracing::warn!(
                message = "Plugin call failed.",
                plugin = %plugin,
                export,
                error_kind = error.kind(),
                error = %error,
                ms = started.elapsed().as_millis() as u64
            );
        }
        // The store (and its instance) is dropped here, whatever happened.
        result
    }

    /// A store with the plugin's memory caps and CPU budget (epoch deadline not yet armed).
    fn new_store(&self) -> Store<CallState> {
        let mut store = Store::new(
            &self.runtime.inner.engine,
            CallState::new(self.grants.clone()),
        );
        store.limiter(|state| &mut state.limiter);
        let budget_ticks =
            (self.grants.limits.cpu.as_micros() / EPOCH_TICK.as_micros()).max(1) as u64;
        store.epoch_deadline_callback(move |mut ctx| {
            let ticks = &mut ctx.data_mut().host.ticks;
            *ticks += 1;
            if *ticks > budget_ticks {
                Err(Trap::Interrupt.into())
            } else {
                // Give the tokio worker back every tick: no guest holds a worker for long.
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }

    /// One live connector instance for repeated calls. The gateway never does this (every
    /// call gets a fresh instance); benchmarks and the local runner use it to tell the cost
    /// of a call from the cost of an instantiation.
    pub async fn warm_connector(&self) -> anyhow::Result<WarmConnector> {
        let pre = self.connector()?.clone();
        let mut store = self.new_store();
        store.set_epoch_deadline(1);
        let bindings = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        Ok(WarmConnector { store, bindings })
    }

    fn connector(
        &self,
    ) -> Result<&bindings::connector::MarketplaceConnectorPre<CallState>, PluginError> {
        match &self.world {
            WorldPre::Connector(pre) => Ok(pre),
            _ => Err(self.wrong_kind(PluginKind::MarketplaceConnector)),
        }
    }

    fn locale(&self) -> Result<&bindings::locale::LocalePackPre<CallState>, PluginError> {
        match &self.world {
            WorldPre::Locale(pre) => Ok(pre),
            _ => Err(self.wrong_kind(PluginKind::LocalePack)),
        }
    }

    fn policy(&self) -> Result<&bindings::policy::CompensationPolicyPre<CallState>, PluginError> {
        match &self.world {
            WorldPre::Policy(pre) => Ok(pre),
            _ => Err(self.wrong_kind(PluginKind::CompensationPolicy)),
        }
    }

    fn translator(&self) -> Result<&bindings::translator::TranslatorPre<CallState>, PluginError> {
        match &self.world {
            WorldPre::Translator(pre) => Ok(pre),
            _ => Err(self.wrong_kind(PluginKind::Translator)),
        }
    }

    fn wrong_kind(&self, wanted: PluginKind) -> PluginError {
        PluginError::WrongKind {
            plugin: self.manifest.id.clone(),
            kind: self.manifest.kind.world(),
            wanted: wanted.world(),
        }
    }

    /// `connector.handle-webhook`.
    pub async fn handle_webhook(
        &self,
        req: &connector_api::IncomingRequest,
    ) -> Result<Result<connector_api::WebhookOutcome, connector_api::WebhookError>, PluginError>
    {
        self.handle_webhook_verdict(req)
            .await
            .map(|verdict| verdict.outcome)
    }

    /// `connector.handle-webhook`, with what the connector told the host on the way
    /// (`delivery.verified-unreadable`).
    pub async fn handle_webhook_verdict(
        &self,
        req: &connector_api::IncomingRequest,
    ) -> Result<WebhookVerdict, PluginError> {
        export_call!(
            self,
            self.connector()?,
            "handle-webhook",
            connector_api::Guest::func_handle_webhook,
            (req),
            |outcome, state: &CallState| WebhookVerdict {
                outcome,
                verified_unreadable: state.host.verified_unreadable,
            }
        )
    }

    /// `connector.poll`.
    pub async fn poll(
        &self,
        cursor: Option<&str>,
    ) -> Result<Result<connector_api::PollResult, model::ActionError>, PluginError> {
        export_call!(
            self,
            self.connector()?,
            "poll",
            connector_api::Guest::func_poll,
            (cursor)
        )
    }

    /// `connector.execute`.
    pub async fn execute(
        &self,
        action: &model::Action,
    ) -> Result<Result<model::ActionOutcome, model::ActionError>, PluginError> {
        export_call!(
            self,
            self.connector()?,
            "execute",
            connector_api::Guest::func_execute,
            (action)
        )
    }

    /// `connector.reconcile`.
    pub async fn reconcile(
        &self,
        action: &model::Action,
    ) -> Result<Result<Option<model::ActionOutcome>, model::ActionError>, PluginError> {
        export_call!(
            self,
            self.connector()?,
            "reconcile",
            connector_api::Guest::func_reconcile,
            (action)
        )
    }

    /// Whether the connector exports `orders` (a component built before it existed does
    /// not; one that exports it may still answer `not-supported`).
    pub fn exports_order_lookup(&self) -> bool {
        self.orders.is_some()
    }

    /// `orders.lookup-order`; `not-supported` for a connector without the export.
    pub async fn lookup_order(
        &self,
        shop: &str,
        order_id: &str,
    ) -> Result<Result<orders_api::FoundOrder, model::ActionError>, PluginError> {
        let Some(orders) = &self.orders else {
            return Ok(Ok(orders_api::FoundOrder::NotSupported));
        };
        export_call!(
            @in orders,
            self,
            self.connector()?,
            "lookup-order",
            orders_api::Guest::func_lookup_order,
            (shop, order_id),
            |out, _state: &CallState| out
        )
    }

    /// `locale.render`.
    pub async fn render(
        &self,
        req: &locale_api::RenderRequest,
    ) -> Result<Result<locale_api::Rendered, locale_api::RenderError>, PluginError> {
        export_call!(
            self,
            self.locale()?,
            "render",
            locale_api::Guest::func_render,
            (req)
        )
    }

    /// `locale.culture-tips`.
    pub async fn culture_tips(
        &self,
        market: &str,
    ) -> Result<Vec<locale_api::CultureTip>, PluginError> {
        export_call!(
            self,
            self.locale()?,
            "culture-tips",
            locale_api::Guest::func_culture_tips,
            (market)
        )
    }

    /// Whether the pack exports `tips` (a component built before it existed does not; one
    /// that exports it may still answer in English only).
    pub fn exports_tips_in_language(&self) -> bool {
        self.tips.is_some()
    }

    /// `tips.culture-tips-in`: the tips for buyers from `market` in `language` (the agent's)
    /// when the pack has them in it, else in English. A pack without the export gets
    /// `locale.culture-tips`, its English tips, so an old pack still shows its tips.
    pub async fn culture_tips_in(
        &self,
        market: &str,
        language: &str,
    ) -> Result<Vec<locale_api::CultureTip>, PluginError> {
        let Some(tips) = &self.tips else {
            return self.culture_tips(market).await;
        };
        export_call!(
            @in tips,
            self,
            self.locale()?,
            "culture-tips-in",
            tips_api::Guest::func_culture_tips_in,
            (market, language),
            // The `culture-tips` world has its own copy of the record (see
            // `helloword_contract::tips`): the same two fields.
            |out: Vec<tips_api::CultureTip>, _state: &CallState| out
                .into_iter()
                .map(|tip| locale_api::CultureTip {
                    title: tip.title,
                    text: tip.text,
                })
                .collect()
        )
    }

    /// `locale.compliance-phrases`.
    pub async fn compliance_phrases(
        &self,
        language: &str,
    ) -> Result<Vec<locale_api::CompliancePhrase>, PluginError> {
        export_call!(
            self,
            self.locale()?,
            "compliance-phrases",
            locale_api::Guest::func_compliance_phrases,
            (language)
        )
    }

    /// `locale.language-markers`.
    pub async fn language_markers(&self, language: &str) -> Result<Vec<String>, PluginError> {
        export_call!(
            self,
            self.locale()?,
            "language-markers",
            locale_api::Guest::func_language_markers,
            (language)
        )
    }

    /// `translate.translate`.
    pub async fn translate(
        &self,
        req: &translate_api::TranslateRequest,
    ) -> Result<Result<translate_api::Translation, translate_api::TranslateError>, PluginError>
    {
        export_call!(
            self,
            self.translator()?,
            "translate",
            translate_api::Guest::func_translate,
            (req)
        )
    }

    /// `policy.decide`.
    pub async fn decide(
        &self,
        ctx: &policy_api::TicketContext,
    ) -> Result<Result<policy_api::Proposal, policy_api::PolicyError>, PluginError> {
        export_call!(
            self,
            self.policy()?,
            "decide",
            policy_api::Guest::func_decide,
            (ctx)
        )
    }
}

/// What `handle-webhook` returned, and what the connector said about the request.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookVerdict {
    /// The connector's answer.
    pub outcome: Result<connector_api::WebhookOutcome, connector_api::WebhookError>,
    /// The connector called `delivery.verified-unreadable`: the request's signature verified
    /// but the connector cannot read it. Only a `bad-request` answer makes use of it.
    pub verified_unreadable: bool,
}

impl WebhookVerdict {
    /// The reason a verified delivery cannot be read, when that is what the connector said:
    /// it called `delivery.verified-unreadable` and refused with `bad-request`.
    pub fn unreadable(&self) -> Option<&str> {
        match &self.outcome {
            Err(connector_api::WebhookError::BadRequest(why)) if self.verified_unreadable => {
                Some(why)
            }
            _ => None,
        }
    }
}

/// A live connector instance (see [`Plugin::warm_connector`]).
pub struct WarmConnector {
    store: Store<CallState>,
    bindings: bindings::connector::MarketplaceConnector,
}

impl WarmConnector {
    /// `connector.handle-webhook` on this instance.
    pub async fn handle_webhook(
        &mut self,
        req: &connector_api::IncomingRequest,
    ) -> anyhow::Result<Result<connector_api::WebhookOutcome, connector_api::WebhookError>> {
        self.store.data_mut().host.reset();
        self.store.set_epoch_deadline(1);
        self.bindings
            .helloword_gateway_connector()
            .call_handle_webhook(&mut self.store, req)
            .await
            .map_err(|e| anyhow::anyhow!("{e:#}"))
    }
}

/// Name what stopped a call, from the store's flags first (they are exact) and the trap
/// code second.
fn classify(
    plugin: &str,
    limits: &super::Limits,
    state: &CallState,
    error: &wasmtime::Error,
) -> PluginError {
    let plugin = plugin.to_string();
    if state.host.quota_exceeded {
        return PluginError::HostCallQuota {
            plugin,
            quota: limits.host_call_quota,
        };
    }
    if state.limiter.breached {
        return PluginError::OutOfMemory {
            plugin,
            limit_bytes: limits.memory_bytes,
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginError::Timeout {
            plugin,
            what: "cpu",
            limit_ms: limits.cpu.as_millis() as u64,
        },
        Some(Trap::StackOverflow) => PluginError::StackOverflow { plugin },
        Some(trap) => {
            let output = state.captured_output();
            let message = if output.is_empty() {
                trap.to_string()
            } else {
                format!("{trap}; the plugin printed: {output}")
            };
            PluginError::Trap { plugin, message }
        }
        None => PluginError::Trap {
            plugin,
            message: format!("{error:#}"),
        },
    }
}
