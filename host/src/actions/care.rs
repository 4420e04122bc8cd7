//! Proactive care without a click: `[care] automatic = true` has the gateway send the
//! `proactive-care` message itself, every `every_minutes`, to each order the care rules pick
//! (the same rules, exclusions and path as `POST /api/care`: the compliance guard, a care
//! case, the outbox). Off by default: the care list and its button are the approval.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::desk::{CareRefused, care};
use crate::replies::Replies;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use helloword_model::care::{CareRules, assess, inputs};

/// The `[care]` section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CareConfig {
    /// Send care messages without an agent's click.
    #[serde(default)]
    pub automatic: bool,
    /// A first order worth at least this many minor units is high-value.
    #[serde(default = "default_high_value")]
    pub high_value: i64,
    /// A tracked shipment without news for this many days is stalled.
    #[serde(default = "default_stalled_days")]
    pub stalled_days: i64,
    /// Minutes between two automatic rounds.
    #[serde(default = "default_every")]
    pub every_minutes: u64,
}

fn default_high_value() -> i64 {
    crate::reports::DEFAULT_HIGH_VALUE_MINOR
}

fn default_stalled_days() -> i64 {
    crate::reports::DEFAULT_STALLED_DAYS
}

fn default_every() -> u64 {
    60
}

impl Default for CareConfig {
    fn default() -> Self {
        CareConfig {
            automatic: false,
            high_value: default_high_value(),
            stalled_days: default_stalled_days(),
            every_minutes: default_every(),
        }
    }
}

impl CareConfig {
    /// The rules these thresholds make.
    pub fn rules(&self) -> CareRules {
        CareRules {
            high_value_minor: self.high_value,
            stalled_days: self.stalled_days,
        }
    }

    /// Check the thresholds; the message names the key.
    pub fn check(&self) -> Result<(), String> {
        if self.high_value < 1 {
            return Err("[care] high_value must be at least 1 (minor units)".into());
        }
        if !(1..=365).contains(&self.stalled_days) {
            return Err("[care] stalled_days must be from 1 to 365".into());
        }
        if self.every_minutes == 0 {
            return Err("[care] every_minutes must be at least 1".into());
        }
        Ok(())
    }
}

/// One automatic round: send the care message to every order the rules pick, as `system`.
/// Returns how many were queued; an order refused on the way (the guard, no template, no
/// channel) is logged and left for a human.
pub async fn sweep(
    engine: &Engine,
    replies: &Arc<Replies>,
    rules: CareRules,
) -> Result<usize, ChangeError> {
    let store = engine.store();
    let orders = store
        .all_orders()
        .collect::<Result<Vec<_>, _>>()
        .map_err(ChangeError::Store)?;
    let mut customers = std::collections::HashMap::new();
    let mut orders_per_buyer = std::collections::HashMap::new();
    for order in &orders {
        if let Some(key) = &order.customer {
            *orders_per_buyer.entry(key.clone()).or_insert(0) += 1;
            if !customers.contains_key(key)
                && let Some(profile) = store.customer(key).map_err(ChangeError::Store)?
            {
                customers.insert(key.clone(), profile);
            }
        }
    }
    let now = jiff::Timestamp::now();
    let mut sent = 0;
    for order in &orders {
        let inputs = inputs(order, &customers, &orders_per_buyer, &|t| {
            store.ticket(t).ok().flatten()
        });
        if assess(
            order,
            inputs.buyer,
            inputs.orders_of_buyer,
            &inputs.tickets,
            now,
            rules,
        )
        .is_err()
        {
            continue;
        }
        let key = (
            order.marketplace.as_str(),
            order.shop.as_str(),
            order.id.as_str(),
        );
        match care(engine, replies, key, rules, "system").await {
            Ok(_) => sent += 1,
            Err(CareRefused::Change(ChangeError::Store(e))) => return Err(ChangeError::Store(e)),
            Err(why) => tracing::warn!(
                message = "No automatic care message for an order.",
                marketplace = %order.marketplace,
                order = %order.id,
                why = ?why
            ),
        }
    }
    Ok(sent)
}

/// Run [`sweep`] every `config.every_minutes` until shutdown, when `config.automatic`.
pub async fn run(
    engine: Arc<Engine>,
    replies: Arc<Replies>,
    config: CareConfig,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if !config.automatic {
        return;
    }
    let every = Duration::from_secs(config.every_minutes * 60);
    let pace = crate::worker::Pace {
        max_wait: every,
        idle: every,
    };
    let never = tokio::sync::Notify::new();
    let rules = config.rules();
    crate::worker::run("care", pace, &never, shutdown, |now| {
        let (engine, replies) = (engine.clone(), replies.clone());
        async move {
            let sent = sweep(&engine, &replies, rules).await?;
            if sent > 0 {
                tracing::info!(message = "Sent proactive care messages.", orders = sent);
            }
            Ok::<_, ChangeError>(Some(
                now + jiff::SignedDuration::try_from(every).unwrap_or_default(),
            ))
        }
    })
    .await;
}
