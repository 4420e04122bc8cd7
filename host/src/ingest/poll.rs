//! Polling: for connectors with the `polling` capability, fetch what the marketplace does
//! not push (eBay's Post-Order searches, payment disputes) and put it in the same durable
//! inbox as webhooks. Each connector keeps a cursor in the store, written only with (after)
//! the events it covers, so a restart resumes where the last durable poll stopped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use crate::plugin::PluginKind;
use crate::plugin::PluginSet;
use crate::plugin::bindings::connector_api::Capability;
use crate::plugin::bindings::types::ActionError;
use crate::plugin::instance::{Description, Plugin};
use crate::store::Store;
use crate::telemetry::Metrics;

/// The `[polling]` section: how often connectors with the `polling` capability fetch what
/// their marketplace does not push.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingConfig {
    /// Seconds between polls of each connector; 0 turns polling off.
    #[serde(default = "default_poll_interval")]
    pub interval_secs: u64,
    /// Per-connector intervals in seconds, overriding `interval_secs` (0: never poll it).
    #[serde(default)]
    pub plugins: BTreeMap<String, u64>,
    /// Pages one round fetches in a row when the connector says more are ready, before
    /// letting the others go first.
    #[serde(default = "default_poll_pages")]
    pub max_pages: u32,
}

fn default_poll_interval() -> u64 {
    300
}

fn default_poll_pages() -> u32 {
    20
}

impl Default for PollingConfig {
    fn default() -> Self {
        PollingConfig {
            interval_secs: default_poll_interval(),
            plugins: BTreeMap::new(),
            max_pages: default_poll_pages(),
        }
    }
}

impl PollingConfig {
    /// How often to poll connector `id`; `None`: not at all.
    pub fn interval(&self, id: &str) -> Option<Duration> {
        let secs = self.plugins.get(id).copied().unwrap_or(self.interval_secs);
        (secs > 0).then(|| Duration::from_secs(secs))
    }
}

/// The poller.
pub struct Poller {
    store: Store,
    plugins: Arc<PluginSet>,
    inbox: Arc<tokio::sync::Notify>,
    metrics: Metrics,
    config: PollingConfig,
    /// One poll at a time, so a poll asked for through the API and a scheduled one never
    /// start from the same cursor.
    one_at_a_time: tokio::sync::Mutex<()>,
}

/// What one round of polling a connector ended in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    /// Pages fetched and events stored; `more` when the connector still had pages ready.
    Stored {
        /// Pages fetched.
        pages: u32,
        /// Events stored.
        events: usize,
        /// The page limit stopped the round with more ready.
        more: bool,
    },
    /// The marketplace or the connector failed; the message says how. Nothing was lost:
    /// the cursor stays where the last stored page left it.
    Failed(String),
}

impl Poller {
    /// A poller over `plugins`, storing into `store` and waking the engine through `inbox`.
    pub fn new(
        store: Store,
        plugins: Arc<PluginSet>,
        inbox: Arc<tokio::sync::Notify>,
        metrics: Metrics,
        config: PollingConfig,
    ) -> Poller {
        Poller {
            store,
            plugins,
            inbox,
            metrics,
            config,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// The loaded connectors that poll, with their intervals.
    fn pollers(&self) -> Vec<(Arc<Plugin>, Duration)> {
        self.plugins
            .of_kind(PluginKind::MarketplaceConnector)
            .into_iter()
            .filter(|p| {
                matches!(&p.description, Description::MarketplaceConnector(info)
                    if info.capabilities.contains(&Capability::Polling))
            })
            .filter_map(|p| {
                let every = self.config.interval(&p.manifest.id)?;
                Some((p, every))
            })
            .collect()
    }

    /// Poll every polling connector on its interval until `shutdown` changes. The first
    /// round runs at start, so a restart catches up at once.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut next: HashMap<String, Instant> = HashMap::new();
        loop {
            let now = Instant::now();
            let mut wake = now + Duration::from_secs(60);
            for (plugin, every) in self.pollers() {
                let id = plugin.manifest.id.clone();
                let due = *next.entry(id.clone()).or_insert(now);
                if due > now {
                    wake = wake.min(due);
                    continue;
                }
                let at = match self.poll(&plugin).await {
                    Polled::Stored { more: true, .. } => Instant::now(),
                    Polled::Stored { .. } => Instant::now() + every,
                    // Try again sooner than a full interval, but not in a tight loop.
                    Polled::Failed(_) => Instant::now() + every.min(Duration::from_secs(60)),
                };
                next.insert(id, at);
                wake = wake.min(at);
            }
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// One round for `plugin`: fetch pages from its cursor while it has more ready (up to
    /// `max_pages`), storing each page and its cursor durably before asking for the next.
    pub async fn poll(&self, plugin: &Plugin) -> Polled {
        let _alone = self.one_at_a_time.lock().await;
        let id = plugin.manifest.id.as_str();
        // One gateway polls a connector at a time; the others find it claimed.
        let _claim = match self.store.claim(crate::store::Work::Poll(id)) {
            Ok(Some(claim)) => claim,
            Ok(None) => {
                return Polled::Stored {
                    pages: 0,
                    events: 0,
                    more: false,
                };
            }
            Err(e) => return self.failed(id, format!("claiming the poll: {e}")),
        };
        let mut pages = 0;
        let mut events = 0;
        loop {
            let cursor = match self.store.poll_cursor(id) {
                Ok(c) => c,
                Err(e) => return self.failed(id, format!("reading the poll cursor: {e}")),
            };
            let found = match plugin.poll(cursor.as_deref()).await {
                Ok(Ok(found)) => found,
                Ok(Err(ActionError::Transient(e))) => {
                    return self.failed(id, format!("the marketplace is unavailable: {e}"));
                }
                Ok(Err(ActionError::Permanent(e))) => {
                    return self.failed(id, format!("the marketplace refused the poll: {e}"));
                }
                Ok(Err(ActionError::Misconfigured(e))) => {
                    return self.failed(id, format!("the connector is misconfigured: {e}"));
                }
                Err(e) => return self.failed(id, format!("the connector failed: {e}")),
            };
            pages += 1;
            events += found.events.len();
            let count = found.events.len() as u64;
            match self
                .store
                .append_poll(id, found.events, found.next_cursor.as_deref())
                .await
            {
                Ok(stored) => {
                    if stored.is_some() {
                        self.inbox.notify_one();
                    }
                }
                Err(e) => return self.failed(id, format!("storing what the poll found: {e}")),
            }
            self.metrics.counter_add(
                "helloword_poll_events_total",
                "Events fetched by polling, by plugin.",
                &[("plugin", id)],
                count,
            );
            if !found.more || pages >= self.config.max_pages {
                return Polled::Stored {
                    pages,
                    events,
                    more: found.more,
                };
            }
        }
    }

    fn failed(&self, id: &str, message: String) -> Polled {
        tracing::warn!(message = "Polling failed; will try again.", plugin = id, error = %message);
        self.metrics.counter_add(
            "helloword_poll_failures_total",
            "Polls that failed, by plugin.",
            &[("plugin", id)],
            1,
        );
        Polled::Failed(message)
    }
}
