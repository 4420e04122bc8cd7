//! Wiring: from a validated [`Config`] to a running gateway.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::config::{Config, Secrets};
use crate::plugin::{PluginSet, Runtime, Services};
use crate::replies::Replies;
use crate::store::Store;
use crate::telemetry::Metrics;
use crate::tickets::{Engine, EngineSettings};
use crate::web::App;

/// A gateway whose plugins are loaded and whose watcher runs; [`Gateway::serve`] answers
/// requests.
pub struct Gateway {
    /// Shared request state.
    pub app: Arc<App>,
    /// The plugin runtime.
    pub runtime: Runtime,
    stop_watching: tokio::sync::watch::Sender<bool>,
}

impl Gateway {
    /// Resolve secrets, build the plugin runtime, load the plugin folder and start hot reload.
    pub async fn start(config: &Config) -> anyhow::Result<Gateway> {
        let secrets = Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
        let api_tokens = crate::web::access::ApiToken::from_config(&config.api_tokens, &secrets);
        let metrics = Metrics::default();
        let secrets = Arc::new(secrets);
        let services = Arc::new(Services::new(secrets.clone(), metrics.clone())?);
        let runtime = Runtime::new(config.runtime_settings(), services)
            .context("cannot start the plugin runtime")?;
        let plugins = PluginSet::open(runtime.clone(), config.plugin_dir.clone()).await;
        // A connection that cannot serve (its plugin missing, a secret without a value) is
        // a config error: its shop's webhooks would find nothing at /hooks/<id>.
        let unconnected = plugins.connection_errors();
        if !unconnected.is_empty() {
            let lines: Vec<String> = unconnected.iter().map(ToString::to_string).collect();
            anyhow::bail!("{}", lines.join("\n"));
        }
        let (stop_watching, watching) = tokio::sync::watch::channel(false);
        let watching_engine = watching.clone();
        if let Some(interval) = config.watch_interval {
            plugins.watch(interval, watching);
        }
        let store = open_store(config, &secrets)?;
        let settings = engine_settings(config)?;
        let replies = Arc::new(Replies::new(
            plugins.clone(),
            config.replies.team_name.clone(),
        ));
        let connectors = plugins.of_kind(crate::plugin::PluginKind::MarketplaceConnector);
        for name in settings.unmatched_overrides(connectors.iter().map(|p| &p.manifest.rules)) {
            tracing::warn!(
                message = "A deadline override names no rule of a loaded connector; it changes nothing.",
                rule = %name,
                hint = "`tickets.rule_overrides` names rules as the connectors' plugin.toml do ([[rules.deadlines]] name)"
            );
        }
        let engine = Engine::new(
            store.clone(),
            settings,
            plugins.clone(),
            replies.clone(),
            metrics.clone(),
        )?;
        let inbox_notify = Arc::new(tokio::sync::Notify::new());
        tokio::spawn(
            engine
                .clone()
                .run(inbox_notify.clone(), watching_engine.clone()),
        );
        tokio::spawn(engine.clone().run_timers(watching_engine.clone()));
        tokio::spawn(
            engine
                .clone()
                .run_retention(config.retention.clone(), watching_engine.clone()),
        );
        let retry = crate::actions::dispatch::RetryPolicy {
            base: std::time::Duration::from_millis(config.actions.retry_base_ms.max(1)),
            max_attempts: config.actions.max_attempts.max(1),
            ..Default::default()
        };
        let dispatcher = Arc::new(crate::actions::dispatch::Dispatcher::new(
            engine.clone(),
            plugins.clone(),
            retry,
        ));
        tokio::spawn(dispatcher.run(watching_engine.clone()));
        tokio::spawn(crate::actions::care::run(
            engine.clone(),
            replies.clone(),
            config.care.clone(),
            watching_engine.clone(),
        ));
        let poller = Arc::new(crate::ingest::poll::Poller::new(
            store.clone(),
            plugins.clone(),
            inbox_notify.clone(),
            metrics.clone(),
            config.polling.clone(),
        ));
        tokio::spawn(poller.clone().run(watching_engine.clone()));
        let fetcher = Arc::new(crate::ingest::attachments::Fetcher::new(
            engine.clone(),
            plugins.clone(),
            runtime.services().http.clone(),
            config.data_dir.join("files"),
        ));
        tokio::spawn(fetcher.run(watching_engine.clone()));
        let lookups = Arc::new(crate::ingest::lookup::Lookups::new(
            engine.clone(),
            plugins.clone(),
            inbox_notify.clone(),
            config.lookups.clone(),
        ));
        tokio::spawn(lookups.run(watching_engine.clone()));
        let stalls = Arc::new(crate::ingest::stalls::Stalls::new(
            engine.clone(),
            inbox_notify.clone(),
            &config.logistics,
        ));
        tokio::spawn(stalls.run(watching_engine.clone()));
        let (live, _) = tokio::sync::broadcast::channel(1024);
        if let Some(alerts) = &config.alerts {
            let mut senders = alert_senders(config, alerts, &secrets, live.clone())?;
            if store.is_shared() {
                senders.share_live_through(store.clone());
                forward_shared_live(&store, live.clone(), watching_engine.clone());
            }
            let alerting = Arc::new(crate::alerts::dispatch::AlertDispatcher::new(
                engine.clone(),
                Arc::new(senders),
            )?);
            tokio::spawn(alerting.run(watching_engine));
        }
        let app = Arc::new(App {
            plugins,
            metrics,
            max_body_bytes: config.max_body_bytes,
            rate: crate::web::RateLimits {
                api: crate::web::rate::Limiter::new(config.api_requests_per_minute),
                sign_in: crate::web::rate::Limiter::new(config.sign_in_attempts_per_minute),
                trusted_proxies: config.trusted_proxies.clone(),
                streams: crate::web::rate::Slots::new(config.http_limits.streams_per_client),
            },
            tls: match &config.tls {
                Some(files) => Some(crate::web::tls::acceptor(&files.cert, &files.key)?),
                None => None,
            },
            ready: AtomicBool::new(false),
            store,
            inbox_notify,
            engine,
            api_tokens,
            replies,
            translator: config.replies.translator.clone(),
            live,
            files_dir: config.data_dir.join("files"),
            poller,
            started_at: jiff::Timestamp::now(),
            compact_now: Arc::new(tokio::sync::Notify::new()),
            webhook_calls: Arc::new(crate::plugin::Executor::for_this_machine()),
            limits: config.http_limits.clone(),
            reports: config.reports.clone(),
        });
        Ok(Gateway {
            app,
            runtime,
            stop_watching,
        })
    }

    /// Serve on `listener` until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let result = crate::web::run(listener, self.app.clone(), shutdown).await;
        let _ = self.stop_watching.send(true);
        result
    }
}

/// Open the store `config` names and sweep evidence files left without a record by a crash
/// (only when this gateway is alone on its store).
fn open_store(config: &Config, secrets: &Secrets) -> anyhow::Result<Store> {
    let location = config.store_location(secrets)?;
    let store = Store::open_at(&location).with_context(|| match &location {
        crate::store::Location::Sled { dir, .. } => {
            format!("cannot open the store in {}", dir.display())
        }
        crate::store::Location::Postgres { .. } => {
            "cannot open the PostgreSQL store (storage.store)".to_string()
        }
    })?;
    // Before anything can upload or fetch a file. Gateways sharing a store share the
    // files folder too, and another may be writing a file whose record is not yet
    // committed: only a gateway alone on its store sweeps.
    let swept = if store.is_shared() {
        0
    } else {
        crate::store::files::sweep_orphans(&config.data_dir.join("files"), |ticket| {
            Ok(store.files(ticket)?.into_iter().map(|f| f.id).collect())
        })
        .context("cannot sweep the evidence files")?
    };
    if swept > 0 {
        tracing::info!(
            message = "Deleted evidence files without a record (left by a crash).",
            files = swept
        );
    }
    Ok(store)
}

/// Send the app alerts any gateway on the shared `store` publishes to this gateway's live
/// stream, until `shutdown` changes.
fn forward_shared_live(
    store: &Store,
    live: crate::alerts::send::LiveSender,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let reader = store.clone();
    store.listen_live(move |message| {
        if *shutdown.borrow() {
            return false;
        }
        let Some(message) = message else {
            return true;
        };
        let mut words = message.split(' ');
        let (Some("alert"), Some(ticket), Some(alert)) = (words.next(), words.next(), words.next())
        else {
            return true;
        };
        let (Ok(ticket), Ok(alert)) = (ticket.parse::<u64>(), alert.parse::<u64>()) else {
            return true;
        };
        match (reader.ticket(ticket), reader.alert(ticket, alert)) {
            (Ok(Some(ticket)), Ok(Some(alert))) => {
                let _ = live.send(crate::alerts::send::live_event(&alert, &ticket));
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(message = "A shared live event could not be read.", error = %e);
            }
            _ => {}
        }
        true
    });
}

/// The ticket engine's settings from `config`.
fn engine_settings(config: &Config) -> anyhow::Result<EngineSettings> {
    let mut settings = EngineSettings::from_config(&config.tickets)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.file.display()))?;
    settings.off_hours_ack = config.replies.off_hours_ack;
    settings.auto_propose = config.actions.auto_propose;
    settings.alerts = config.alerts.clone();
    settings.files_dir = Some(config.data_dir.join("files"));
    Ok(settings)
}

fn alert_senders(
    config: &Config,
    alerts: &crate::alerts::AlertsConfig,
    secrets: &Secrets,
    live: crate::alerts::send::LiveSender,
) -> anyhow::Result<crate::alerts::send::Senders> {
    crate::alerts::send::Senders::new(alerts.clone(), secrets, live)
        .map_err(|e| anyhow::anyhow!("{}: {e}", config.file.display()))
}

/// Everything [`Gateway::start`] checks about `config` before it opens anything: secrets
/// resolve, the team and business hours make sense, alert channels can be set up, the TLS
/// files load. No network, no store (`helloword config check`).
pub fn check(config: &Config) -> anyhow::Result<Secrets> {
    let secrets = Secrets::resolve(&config.secrets).map_err(anyhow::Error::msg)?;
    engine_settings(config)?;
    if let Some(alerts) = &config.alerts {
        let (live, _) = tokio::sync::broadcast::channel(1);
        alert_senders(config, alerts, &secrets, live)?;
    }
    if let Some(files) = &config.tls {
        crate::web::tls::acceptor(&files.cert, &files.key)?;
    }
    Ok(secrets)
}

/// Why [`run`]'s gateway stopped.
enum Stopped {
    /// `shutdown` resolved.
    ShutDown,
    /// It is time to compact the store.
    Compact,
    /// A write to the store failed and its folder looks fine again: reopening it clears
    /// sled's sticky error.
    Reopen,
}

/// `helloword serve`: run the gateway on `config.listen` until `shutdown` resolves. When the
/// store is due for compaction (an erasure or a purge happened) at `retention.compact_hour`,
/// or when `POST /api/compact` asks, the gateway stops taking requests, reopens its store
/// (which compacts it) and starts again in place. It does the same when the store failed a
/// write (a full disk) and its folder can take writes again.
pub async fn run(config: &Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    tokio::pin!(shutdown);
    let mut restarting = false;
    loop {
        let gateway = if restarting {
            start_after_restart(config).await?
        } else {
            Gateway::start(config).await?
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        tracing::info!(
            message = "HelloWord is listening.",
            address = %listener.local_addr()?,
            plugins = %gateway.app.plugins.ids().join(",")
        );
        let store = gateway.app.store.clone();
        let asked = gateway.app.compact_now.clone();
        let hour = config.retention.compact_hour;
        let mut stopped = Stopped::ShutDown;
        gateway
            .serve(listener, async {
                tokio::select! {
                    () = &mut shutdown => {}
                    () = asked.notified() => stopped = Stopped::Compact,
                    () = compaction_window(&store, hour) => stopped = Stopped::Compact,
                    () = reopen_needed(&store) => stopped = Stopped::Reopen,
                }
            })
            .await?;
        drop(store);
        match stopped {
            Stopped::ShutDown => return Ok(()),
            Stopped::Compact => {
                tracing::info!(message = "Restarting in place to compact the store.");
                restarting = true;
            }
            Stopped::Reopen => {
                tracing::warn!(
                    message = "Restarting in place to reopen the store after a failed write."
                );
                restarting = true;
            }
        }
    }
}

/// Start again once the previous gateway's workers have let go of the store.
async fn start_after_restart(config: &Config) -> anyhow::Result<Gateway> {
    let mut attempts = 0;
    loop {
        match Gateway::start(config).await {
            Ok(gateway) => return Ok(gateway),
            Err(e) if attempts < 600 => {
                attempts += 1;
                tracing::debug!(message = "The store is still closing.", error = %e);
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Resolves once `store` failed a write and its folder can take writes again
/// ([`Store::needs_reopen`]).
async fn reopen_needed(store: &Store) {
    while !store.needs_reopen() {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// Resolves at the first `hour`:00 UTC at which `store` is due for compaction.
async fn compaction_window(store: &Store, hour: u8) {
    loop {
        let now = jiff::Timestamp::now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let at = |date: jiff::civil::Date| {
            date.at(i8::try_from(hour).unwrap_or(3), 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp())
        };
        let next = match at(today) {
            Ok(t) if t > now => t,
            _ => today
                .tomorrow()
                .ok()
                .and_then(|d| at(d).ok())
                .unwrap_or(now + jiff::SignedDuration::from_hours(24)),
        };
        let wait = next.duration_since(now).unsigned_abs();
        tokio::time::sleep(wait).await;
        if store.compaction_due().unwrap_or(false) {
            return;
        }
    }
}
