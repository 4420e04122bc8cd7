//! Stalled parcels: a tracked, undelivered shipment whose carrier reported no movement
//! (no new status, no new tracking number) for the days its route allows (`[logistics]`:
//! a default, per carrier and destination country) opens a case — or joins its order's
//! open one — even though no marketplace event says so. The gateway writes the event
//! itself (a `logistics-delay` with status `stalled`) into its inbox, so the engine applies
//! it like any delivery, once per stop of the parcel (its business key names the stop).
//!
//! The orders watched are those the store indexes as in transit, so a round reads the
//! parcels on their way, not every order.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::plugin::bindings::types::{IssueKind, Order, TicketEvent};
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use helloword_model::model::gateway_event;
use helloword_model::orders::{OrderRecord, STALLED, StallRoute, StallRules};

/// The `[logistics]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticsConfig {
    /// Days a parcel may go without the carrier reporting movement (default 5).
    #[serde(default = "default_days")]
    pub stalled_days: u32,
    /// Routes with days of their own: `carrier`, `country` (destination) or both, `days`.
    #[serde(default)]
    pub routes: Vec<StallRoute>,
    /// Seconds between two looks at the parcels in transit (default 600).
    #[serde(default = "default_check")]
    pub check_secs: u64,
}

fn default_days() -> u32 {
    StallRules::default().stalled_days
}

fn default_check() -> u64 {
    600
}

impl Default for LogisticsConfig {
    fn default() -> Self {
        LogisticsConfig {
            stalled_days: default_days(),
            routes: Vec::new(),
            check_secs: default_check(),
        }
    }
}

impl LogisticsConfig {
    /// The stall rules it sets.
    pub fn rules(&self) -> StallRules {
        StallRules {
            stalled_days: self.stalled_days,
            routes: self.routes.clone(),
        }
    }

    /// Check it; the message names the key.
    pub fn check(&self) -> Result<(), String> {
        if self.check_secs == 0 {
            return Err("[logistics] check_secs must be at least 1".into());
        }
        self.rules().check()
    }
}

/// The stall watcher.
pub struct Stalls {
    engine: Arc<Engine>,
    inbox: Arc<tokio::sync::Notify>,
    rules: StallRules,
    every: Duration,
}

impl Stalls {
    /// A watcher over `engine`'s orders, writing stall events into the inbox and waking the
    /// engine through `inbox`.
    pub fn new(
        engine: Arc<Engine>,
        inbox: Arc<tokio::sync::Notify>,
        config: &LogisticsConfig,
    ) -> Stalls {
        Stalls {
            engine,
            inbox,
            rules: config.rules(),
            every: Duration::from_secs(config.check_secs.max(1)),
        }
    }

    /// Look at the parcels in transit every `check_secs` until `shutdown` changes.
    pub async fn run(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        let pace = crate::worker::Pace {
            max_wait: self.every,
            idle: self.every,
        };
        // Nothing wakes it early: a stall is a matter of days, a round of `check_secs`.
        let never = tokio::sync::Notify::new();
        crate::worker::run("stalled parcels", pace, &never, shutdown, |now| {
            self.run_due(now)
        })
        .await;
    }

    /// Report every parcel stalled at `now`; returns when the next one would stall.
    pub async fn run_due(&self, now: Timestamp) -> Result<Option<Timestamp>, ChangeError> {
        let store = self.engine.store();
        let mut next: Option<Timestamp> = None;
        for order in store.orders_in_transit()? {
            let Some(due) = self.rules.stalls_at(&order) else {
                continue;
            };
            if due > now {
                next = Some(next.map_or(due, |n| n.min(due)));
                continue;
            }
            let key = crate::store::order_key(&order.marketplace, &order.shop, &order.id);
            let Some(_claim) = store.claim(crate::store::Work::Stall(&key))? else {
                continue;
            };
            // Another gateway may have reported it, or the parcel moved, since.
            let Some(order) = store
                .order(&order.marketplace, &order.shop, &order.id)?
                .filter(|o| self.rules.stalls_at(o).is_some_and(|d| d <= now))
            else {
                continue;
            };
            self.report(&order, now).await?;
        }
        Ok(next)
    }

    /// Write the stall event, then mark the stop reported (a crash in between writes the
    /// event again, which its business key makes a duplicate).
    async fn report(&self, order: &OrderRecord, now: Timestamp) -> Result<(), ChangeError> {
        let shipment = order.shipment.clone().unwrap_or_default();
        let since = shipment.moved_at.unwrap_or(order.updated_at);
        let days = self
            .rules
            .days_for(shipment.carrier.as_deref(), order.country.as_deref());
        let event = stall_event(order, since, days, now);
        self.engine
            .store()
            .append_own(&order.marketplace, "STALL", vec![event])
            .await?;
        self.inbox.notify_one();
        self.engine
            .change_order(&order.marketplace, &order.shop, &order.id, |stored| {
                if let Some(s) = stored.shipment.as_mut() {
                    s.stall_reported = Some(since);
                }
                None
            })
            .await
    }
}

/// The event of `order`'s parcel standing still since `since` (its route allows `days`).
fn stall_event(order: &OrderRecord, since: Timestamp, days: u32, now: Timestamp) -> TicketEvent {
    let shipment = order.shipment.clone().unwrap_or_default();
    let carrier = shipment
        .carrier
        .clone()
        .unwrap_or_else(|| "the carrier".into());
    let tracking = shipment.tracking_number.clone().unwrap_or_default();
    let quiet = now.duration_since(since).as_hours() / 24;
    let summary = format!(
        "Shipment stalled: no movement from {carrier} for {quiet} days (tracking {tracking}; \
         this route allows {days})"
    );
    let mut event = gateway_event(
        IssueKind::LogisticsDelay,
        &order.shop,
        summary,
        format!("stalled:{}:{}", order.id, since.as_second()),
    );
    event.order = Some(Order {
        id: order.id.clone(),
        display_name: order.name.clone(),
        placed_at: None,
        total: None,
        line_items: Vec::new(),
    });
    event.status = Some(STALLED.into());
    event.attributes = vec![
        ("stalled.since".into(), since.to_string()),
        ("stalled.days".into(), days.to_string()),
    ];
    if let Some(c) = &shipment.carrier {
        event.attributes.push(("carrier".into(), c.clone()));
    }
    event
}
