//! Order lookups: when a case opens on an order the gateway knows no buyer of (a Shopify
//! chargeback names none), the engine marks the order for a lookup in the same commit, and
//! this worker asks the connector (`orders.lookup-order`, through the host's HTTP import)
//! after the delivery was acknowledged — never inside a webhook's answer. What it finds is
//! stored in the inbox exactly as if the marketplace had pushed it, so the engine joins it
//! to the order and its open cases like any order update.
//!
//! A failed lookup leaves the case as it is (usable, without the buyer) and is tried again
//! with backoff, up to `[lookups] max_attempts`; then, or at once for a permanent refusal,
//! it is given up with one line on each open case of the order. An order whose buyer was
//! erased is never looked up again.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::plugin::PluginSet;
use crate::plugin::bindings::orders_api::FoundOrder;
use crate::plugin::bindings::types::ActionError;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::model::Happening;
use helloword_model::orders::{Lookup, OrderRecord};

/// The `[lookups]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupsConfig {
    /// Look orders up at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seconds before the first retry; each later one waits twice as long (at most an
    /// hour).
    #[serde(default = "default_first_retry")]
    pub first_retry_secs: u64,
    /// Attempts before a lookup is given up.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn yes() -> bool {
    true
}

fn default_first_retry() -> u64 {
    30
}

fn default_attempts() -> u32 {
    8
}

impl Default for LookupsConfig {
    fn default() -> Self {
        LookupsConfig {
            enabled: true,
            first_retry_secs: default_first_retry(),
            max_attempts: default_attempts(),
        }
    }
}

impl LookupsConfig {
    /// The wait after failed attempt number `attempts` (1 for the first).
    fn backoff(&self, attempts: u32) -> SignedDuration {
        let secs = self
            .first_retry_secs
            .max(1)
            .saturating_mul(1 << attempts.saturating_sub(1).min(16));
        SignedDuration::from_secs(secs.min(3600) as i64)
    }
}

/// The lookup worker.
pub struct Lookups {
    engine: Arc<Engine>,
    plugins: Arc<PluginSet>,
    inbox: Arc<tokio::sync::Notify>,
    config: LookupsConfig,
}

/// What one attempt settled.
enum Settled {
    /// Done, with its outcome and, for people, a line on the order's open cases.
    Done(&'static str, Option<String>),
    /// Try again (the reason), unless the attempts are used up.
    Again(String),
}

impl Lookups {
    /// A worker asking `plugins` for the orders `engine` marks, storing what they find in
    /// the inbox and waking the engine through `inbox`.
    pub fn new(
        engine: Arc<Engine>,
        plugins: Arc<PluginSet>,
        inbox: Arc<tokio::sync::Notify>,
        config: LookupsConfig,
    ) -> Lookups {
        Lookups {
            engine,
            plugins,
            inbox,
            config,
        }
    }

    /// Look up due orders until `shutdown` changes.
    pub async fn run(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        if !self.config.enabled {
            return;
        }
        let pace = crate::worker::Pace {
            max_wait: Duration::from_secs(60),
            idle: Duration::from_secs(60),
        };
        let wake = self.engine.lookups_changed();
        crate::worker::run("order lookups", pace, wake, shutdown, |now| {
            self.run_due(now)
        })
        .await;
    }

    /// Attempt every lookup due at `now`; returns when the next one is due.
    pub async fn run_due(&self, now: Timestamp) -> Result<Option<Timestamp>, ChangeError> {
        let store = self.engine.store();
        let mut next: Option<Timestamp> = None;
        for order in store.pending_lookups()? {
            if let Some(due) = order
                .lookup
                .as_ref()
                .and_then(|l| l.due)
                .filter(|d| *d > now)
            {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            let key = crate::store::order_key(&order.marketplace, &order.shop, &order.id);
            let Some(_claim) = store.claim(crate::store::Work::Lookup(&key))? else {
                continue;
            };
            // Another gateway may have settled it since the list was read.
            let Some(order) = store
                .order(&order.marketplace, &order.shop, &order.id)?
                .filter(|o| o.lookup.as_ref().is_some_and(|l| l.pending))
            else {
                continue;
            };
            if let Some(at) = self.attempt(&order).await? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next)
    }

    /// One attempt at `order`'s lookup; when to try again, if ever.
    async fn attempt(&self, order: &OrderRecord) -> Result<Option<Timestamp>, ChangeError> {
        let settled = self.ask(order).await?;
        let attempts = order.lookup.as_ref().map_or(0, |l| l.attempts) + 1;
        let now = Timestamp::now();
        let (lookup, line, again) = match settled {
            Settled::Done(outcome, line) => (
                Lookup {
                    pending: false,
                    attempts,
                    due: None,
                    error: None,
                    outcome: Some(outcome.into()),
                },
                line,
                None,
            ),
            Settled::Again(reason) if attempts >= self.config.max_attempts.max(1) => (
                Lookup {
                    pending: false,
                    attempts,
                    due: None,
                    error: Some(reason.clone()),
                    outcome: Some("gave-up".into()),
                },
                Some(format!(
                    "Gave up looking order {} up at {} after {attempts} attempts ({reason}); \
                     the case goes on without what the order would have told.",
                    order.name.as_deref().unwrap_or(&order.id),
                    order.marketplace
                )),
                None,
            ),
            Settled::Again(reason) => {
                let due = now + self.config.backoff(attempts);
                tracing::warn!(message = "Order lookup failed; will try again.", order = %order.id, connector = %order.marketplace, attempts, error = %reason);
                (
                    Lookup {
                        pending: true,
                        attempts,
                        due: Some(due),
                        error: Some(reason),
                        outcome: None,
                    },
                    None,
                    Some(due),
                )
            }
        };
        self.engine
            .change_order(&order.marketplace, &order.shop, &order.id, |stored| {
                stored.lookup = Some(lookup);
                line.map(|text| Happening::Note {
                    by: "gateway".into(),
                    text,
                })
            })
            .await?;
        Ok(again)
    }

    /// Ask the connector, and store what it found.
    async fn ask(&self, order: &OrderRecord) -> Result<Settled, ChangeError> {
        if order.anonymized {
            return Ok(Settled::Done("erased", None));
        }
        let Some(plugin) = self.plugins.get(&order.marketplace) else {
            return Ok(Settled::Again(format!(
                "connector {:?} is not loaded",
                order.marketplace
            )));
        };
        let found = match plugin.lookup_order(&order.shop, &order.id).await {
            Ok(Ok(found)) => found,
            Ok(Err(ActionError::Transient(e))) => {
                return Ok(Settled::Again(format!(
                    "the marketplace is unavailable: {e}"
                )));
            }
            Ok(Err(ActionError::Misconfigured(e))) => {
                return Ok(Settled::Again(format!(
                    "the connector is misconfigured: {e}"
                )));
            }
            Ok(Err(ActionError::Permanent(e))) => {
                return Ok(Settled::Done(
                    "refused",
                    Some(format!(
                        "{} refused to look order {} up: {e}",
                        order.marketplace, order.id
                    )),
                ));
            }
            Err(e) => return Ok(Settled::Again(format!("the connector failed: {e}"))),
        };
        match found {
            FoundOrder::NotSupported => Ok(Settled::Done("not-supported", None)),
            FoundOrder::NotFound => Ok(Settled::Done(
                "not-found",
                Some(format!(
                    "{} has no order {} to look up.",
                    order.marketplace, order.id
                )),
            )),
            FoundOrder::Order(event) => {
                // An answer about another order would join the wrong case.
                let same_order = event.order.as_ref().is_some_and(|o| o.id == order.id);
                if !same_order || event.shop != order.shop {
                    return Ok(Settled::Done(
                        "refused",
                        Some(format!(
                            "The connector answered the lookup of order {} of {} with another \
                             order; nothing was joined.",
                            order.id, order.shop
                        )),
                    ));
                }
                let store = self.engine.store();
                store.append_lookup(&order.marketplace, vec![event]).await?;
                self.inbox.notify_one();
                Ok(Settled::Done("found", None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_an_hour() {
        let config = LookupsConfig::default();
        let waits: Vec<i64> = (1..=9).map(|n| config.backoff(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
