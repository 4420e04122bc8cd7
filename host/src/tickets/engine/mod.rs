//! The ticket engine: reads verified deliveries from the inbox in arrival order and turns
//! their events into tickets — dedupe on business keys, find or open the case's ticket,
//! triage, set the first-response deadline and escalation ladder, append the timeline —
//! committing each inbox record's changes together with the inbox cursor.

mod apply;
mod care;
mod commands;
pub mod compensation;
mod delivery;
mod privacy;
mod settings;
mod timers;

pub use privacy::{RetentionConfig, erase_and_audit};
pub use settings::{EngineSettings, TicketsConfig};

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::customers::Customer;
use super::model::{Happening, Ticket, TimelineEntry};
use crate::store::{Store, StoreError, TicketWrite};
use helloword_model::actions::Record;
use helloword_model::orders::OrderRecord;

/// Tickets whose timers one [`Engine::fire_due`] call handles before letting go of the
/// engine.
pub const TIMER_BATCH: usize = 256;

/// The `reason.code` of the event ingest writes about a signed delivery that its connector
/// cannot read and that is kept for replay; its ticket alerts
/// ([`Trigger::UnreadableDelivery`](helloword_model::alerts::Trigger)).
pub const UNREADABLE_DELIVERY: &str = "unreadable-delivery";

/// Open tickets per assignee.
fn count_loads(store: &Store) -> Result<HashMap<String, u32>, StoreError> {
    let mut loads = HashMap::new();
    for ticket in store.open_tickets(None) {
        if let Some(agent) = ticket?.assignee {
            *loads.entry(agent).or_insert(0) += 1;
        }
    }
    Ok(loads)
}

/// Held while the engine changes tickets (see [`Engine::writer`]).
struct Writer<'a> {
    // The shared lock is let go before the local one, so a task of this gateway waiting
    // for the local lock finds the shared one free of this gateway's claim.
    _shared: crate::store::WriterGuard,
    _local: tokio::sync::MutexGuard<'a, ()>,
}

/// The engine. One runs per gateway; it owns every change to tickets. Gateways sharing a
/// PostgreSQL store take turns as the writer.
pub struct Engine {
    store: Store,
    settings: EngineSettings,
    // Open tickets per assignee; changed only under `lock`.
    loads: std::sync::Mutex<HashMap<String, u32>>,
    // Serialises ticket changes between the inbox loop and API actions.
    lock: tokio::sync::Mutex<()>,
    // Wakes the timer loop after any change that may have added an earlier timer.
    timers_changed: tokio::sync::Notify,
    // Wakes the action dispatcher after a change that queued actions.
    actions_changed: tokio::sync::Notify,
    // Wakes the alert dispatcher after a change that planned alerts.
    alerts_changed: tokio::sync::Notify,
    // Wakes the attachment fetcher after a change that named files to fetch.
    files_changed: tokio::sync::Notify,
    // Wakes the order lookups after a change that asked for one.
    lookups_changed: tokio::sync::Notify,
    // Policies for automatic proposals.
    plugins: Arc<crate::plugin::PluginSet>,
    // Writes automatic replies (the off-hours acknowledgement).
    replies: Arc<crate::replies::Replies>,
    // Where SLA breaches are counted.
    metrics: crate::telemetry::Metrics,
    /// The trace of the latest work on each ticket, for the alerts and actions it causes.
    pub traces: crate::telemetry::TraceLinks,
}

impl Engine {
    /// An engine over `store`, deciding by `settings`, asking the policy plugins among
    /// `plugins` for proposals, writing automatic replies with `replies` and counting SLA
    /// breaches in `metrics`. It has everything it works with from the start: there is no
    /// moment in which a timer fires without them.
    pub fn new(
        store: Store,
        settings: EngineSettings,
        plugins: Arc<crate::plugin::PluginSet>,
        replies: Arc<crate::replies::Replies>,
        metrics: crate::telemetry::Metrics,
    ) -> Result<Arc<Engine>, StoreError> {
        let loads = count_loads(&store)?;
        Ok(Arc::new(Engine {
            store,
            settings,
            loads: std::sync::Mutex::new(loads),
            lock: tokio::sync::Mutex::new(()),
            timers_changed: tokio::sync::Notify::new(),
            replies,
            plugins,
            actions_changed: tokio::sync::Notify::new(),
            alerts_changed: tokio::sync::Notify::new(),
            files_changed: tokio::sync::Notify::new(),
            lookups_changed: tokio::sync::Notify::new(),
            metrics,
            traces: crate::telemetry::TraceLinks::default(),
        }))
    }

    /// The gateway's metrics.
    pub fn metrics(&self) -> &crate::telemetry::Metrics {
        &self.metrics
    }

    /// Become the one writer of tickets: first among this gateway's tasks, then, on a store
    /// shared by several gateways, among the gateways. When another gateway wrote since
    /// this one last did, the agents' loads are counted again from the queue.
    async fn writer(&self) -> Result<Writer<'_>, StoreError> {
        let local = self.lock.lock().await;
        let shared = self.store.writer_lock().await?;
        if shared.handed_over {
            *self.loads() = count_loads(&self.store)?;
        }
        Ok(Writer {
            _shared: shared,
            _local: local,
        })
    }

    fn loads(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        self.loads.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep the load count in step with a ticket going from `before` to `after`.
    fn track_load(&self, before: Option<&Ticket>, after: &Ticket) {
        let holds = |t: &Ticket| t.status.is_open().then(|| t.assignee.clone()).flatten();
        let (old, new) = (before.and_then(holds), holds(after));
        if old == new {
            return;
        }
        let mut loads = self.loads();
        if let Some(old) = old
            && let Some(n) = loads.get_mut(&old)
        {
            *n = n.saturating_sub(1);
        }
        if let Some(new) = new {
            *loads.entry(new).or_insert(0) += 1;
        }
    }
}

/// Why a change asked through the API was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No ticket has this id.
    #[error("no ticket {0}")]
    NoSuchTicket(u64),
    /// The change makes no sense for this ticket.
    #[error("{0}")]
    Invalid(String),
    /// The ticket's connector does not offer an action asked for; nothing was queued.
    #[error("{0}")]
    NotSupported(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Engine {
    /// Change one ticket: `change` edits it and returns the timeline entries to append.
    async fn change(
        &self,
        id: u64,
        change: impl FnOnce(&mut Ticket, Timestamp) -> Result<Vec<Happening>, ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        self.change_with_customer(id, |ticket, now| Ok((change(ticket, now)?, None)))
            .await
    }

    /// Like `change`, with proposals, outbox entries and audit lines written in the same
    /// commit as the ticket change (a decision and the actions it causes are one commit).
    pub async fn change_with_records(
        &self,
        id: u64,
        change: impl FnOnce(
            &mut Ticket,
            Timestamp,
        ) -> Result<(Vec<Happening>, Vec<Record>), ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        self.commit_change(id, |ticket, now| {
            let (happenings, records) = change(ticket, now)?;
            Ok((happenings, None, records))
        })
        .await
    }

    /// The one path for API and dispatcher changes: under the engine's lock, apply `change`
    /// to ticket `id` and commit it with its timeline lines, profile and records.
    async fn commit_change(
        &self,
        id: u64,
        change: impl FnOnce(
            &mut Ticket,
            Timestamp,
        )
            -> Result<(Vec<Happening>, Option<Customer>, Vec<Record>), ChangeError>,
    ) -> Result<Ticket, ChangeError> {
        let _one_writer = self.writer().await?;
        let before = self
            .store
            .ticket(id)?
            .ok_or(ChangeError::NoSuchTicket(id))?;
        let mut after = before.clone();
        let now = Timestamp::now();
        let (happenings, customer, records) = change(&mut after, now)?;
        after.updated_at = now;
        self.track_load(Some(&before), &after);
        let write = TicketWrite {
            before: Some(before),
            after: after.clone(),
            entries: happenings
                .into_iter()
                .map(|what| TimelineEntry { at: now, what })
                .collect(),
            business_keys: Vec::new(),
            customer,
            records,
        };
        let alerts = write
            .records
            .iter()
            .any(|r| matches!(r, Record::Alert(a) if a.state.is_open()));
        self.store.commit_tickets(&[write]).await?;
        self.timers_changed.notify_one();
        self.actions_changed.notify_one();
        if alerts {
            self.alerts_changed.notify_one();
        }
        Ok(after)
    }

    /// Wakes the action dispatcher.
    pub fn actions_changed(&self) -> &tokio::sync::Notify {
        &self.actions_changed
    }

    /// Wakes the alert dispatcher.
    pub fn alerts_changed(&self) -> &tokio::sync::Notify {
        &self.alerts_changed
    }

    /// Wakes the attachment fetcher.
    pub fn files_changed(&self) -> &tokio::sync::Notify {
        &self.files_changed
    }

    /// Wakes the order lookups.
    pub fn lookups_changed(&self) -> &tokio::sync::Notify {
        &self.lookups_changed
    }

    /// Change order `id` of `shop` at `marketplace` under the engine's lock (the inbox
    /// writes orders too): `change` edits the record and may return a timeline line for
    /// each of its open cases. Nothing happens to an order the store does not have.
    pub async fn change_order(
        &self,
        marketplace: &str,
        shop: &str,
        id: &str,
        change: impl FnOnce(&mut OrderRecord) -> Option<Happening>,
    ) -> Result<(), ChangeError> {
        let _one_writer = self.writer().await?;
        let Some(mut order) = self.store.order(marketplace, shop, id)? else {
            return Ok(());
        };
        let line = change(&mut order);
        let now = Timestamp::now();
        let mut writes = Vec::new();
        if let Some(line) = line {
            for ticket in &order.tickets {
                let Some(ticket) = self.store.ticket(*ticket)?.filter(|t| t.status.is_open())
                else {
                    continue;
                };
                let mut write = TicketWrite::of(ticket);
                write.after.updated_at = now;
                write.entries.push(TimelineEntry {
                    at: now,
                    what: line.clone(),
                });
                writes.push(write);
            }
        }
        let context = crate::store::ContextWrite {
            orders: vec![order],
            ..Default::default()
        };
        self.store.commit_tickets_with(&writes, &context).await?;
        Ok(())
    }

    /// The team as the API shows it: each agent with open tickets and whether on shift.
    pub fn agents(&self, now: Timestamp) -> Vec<serde_json::Value> {
        let loads = self.loads();
        self.settings
            .agents
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.name,
                    "skills": a.skills.iter().map(|s| format!("{s:?}").to_lowercase()).collect::<Vec<_>>(),
                    "languages": a.languages,
                    "capacity": a.capacity,
                    "open_tickets": loads.get(&a.name).copied().unwrap_or(0),
                    "on_shift": a.hours.is_open(now),
                    "lead": a.lead,
                    "vip": a.vip,
                })
            })
            .collect()
    }

    /// The store behind the engine (read side).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// The ticket waits on the seller again (the buyer wrote, a follow-up came due, the case
/// reopened): the status and its timeline line.
pub(super) fn back_to_us(ticket: &mut Ticket, at: Timestamp) -> TimelineEntry {
    let from = ticket.status;
    ticket.status = crate::tickets::model::Status::WaitingOnUs;
    TimelineEntry {
        at,
        what: Happening::StatusChanged {
            from,
            to: crate::tickets::model::Status::WaitingOnUs,
            by: "system".into(),
        },
    }
}
