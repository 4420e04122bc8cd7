//! The dispatcher: carries outbox actions out through their connectors, exactly once.
//!
//! For each due action:
//! 1. if an earlier attempt's outcome is unknown (it was being sent when the gateway
//!    stopped, or the marketplace or network failed mid-way), ask the connector to
//!    `reconcile` — did the marketplace already do it? — and record that answer instead of
//!    sending again;
//! 2. mark the action as being sent and wait until that mark is on disk;
//! 3. `execute` it with its idempotency key, and record the outcome with the ticket.
//!
//! A transient failure is retried with exponential backoff, reconciling first; a refusal,
//! a missing API or configuration, or too many attempts fails the action for a human to
//! decide, with the reason on the ticket.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tracing::Instrument as _;

use super::{ActionState, AuditEntry, OutboxEntry, Record, describe};
use crate::plugin::PluginSet;
use crate::plugin::bindings::types::{ActionError, ActionOutcome, ActionStatus};
use crate::store::StoreError;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::model::Happening;

/// How the dispatcher retries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Wait before the first retry; doubles each time, up to `max_backoff`.
    pub base: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
    /// Attempts before the action fails for a human to look at.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    fn after(&self, attempts: u32) -> SignedDuration {
        let factor = 1u32 << attempts.saturating_sub(1).min(16);
        let wait = self.base.saturating_mul(factor).min(self.max_backoff);
        SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_secs(300))
    }
}

/// Stop the process at a named point when `HELLOWORD_FAILPOINT` names it: the crash tests
/// kill the gateway between the steps of sending an action.
pub fn failpoint(name: &str) {
    static ARMED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let armed = ARMED.get_or_init(|| std::env::var("HELLOWORD_FAILPOINT").ok());
    if armed.as_deref() == Some(name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// The dispatcher.
pub struct Dispatcher {
    engine: Arc<Engine>,
    plugins: Arc<PluginSet>,
    retry: RetryPolicy,
}

/// What an attempt ended in.
enum Step {
    Record(ActionState),
    Retry(String),
}

impl Dispatcher {
    /// A dispatcher over the engine's outbox, sending through `plugins`.
    pub fn new(engine: Arc<Engine>, plugins: Arc<PluginSet>, retry: RetryPolicy) -> Dispatcher {
        Dispatcher {
            engine,
            plugins,
            retry,
        }
    }

    /// Send due actions until `shutdown` changes.
    pub async fn run(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        let pace = crate::worker::Pace {
            max_wait: Duration::from_millis(250),
            idle: Duration::from_secs(1),
        };
        let wake = self.engine.actions_changed();
        crate::worker::run("actions", pace, wake, shutdown, |now| self.run_due(now)).await;
    }

    /// Attempt every action due at `now`; returns when the next one is due.
    pub async fn run_due(&self, now: Timestamp) -> Result<Option<Timestamp>, ChangeError> {
        let mut next: Option<Timestamp> = None;
        for entry in self.engine.store().open_actions()? {
            if entry.next_attempt_at > now {
                next = Some(next.map_or(entry.next_attempt_at, |n| n.min(entry.next_attempt_at)));
                continue;
            }
            // Gateways sharing a store each take an action only while they hold it; the
            // one that got it may have finished it since the list was read.
            let store = self.engine.store();
            let Some(_claim) = store.claim(crate::store::Work::Action(entry.id))? else {
                continue;
            };
            let Some(entry) = store
                .action(entry.ticket, entry.id)?
                .filter(|e| e.state.is_open() && e.next_attempt_at <= now)
            else {
                continue;
            };
            // Joins the trace of the engine work that last touched the ticket.
            let span = tracing::debug_span!(
                parent: None,
                "action.dispatch",
                action.id = entry.id,
                action.kind = %describe(&entry.action.kind),
                action.origin = %entry.origin,
                ticket.id = entry.ticket,
                plugin.id = %entry.connector,
            );
            self.engine.traces.continue_for(entry.ticket, &span);
            if let Some(again) = self.attempt(entry).instrument(span).await? {
                next = Some(next.map_or(again, |n| n.min(again)));
            }
        }
        Ok(next)
    }

    /// One attempt at `entry`; returns when it should be tried again, if ever.
    async fn attempt(&self, mut entry: OutboxEntry) -> Result<Option<Timestamp>, ChangeError> {
        let Some(connector) = self.plugins.get(&entry.connector) else {
            let error = format!("connector {:?} is not loaded", entry.connector);
            return self.settle(entry, Step::Retry(error)).await;
        };
        // 1. An earlier attempt may have reached the marketplace: ask before sending again.
        if matches!(
            entry.state,
            ActionState::Sending | ActionState::Unknown { .. }
        ) {
            match connector.reconcile(&entry.action).await {
                Ok(Ok(Some(outcome))) => {
                    return self
                        .settle(entry, Step::Record(ActionState::Done { outcome }))
                        .await;
                }
                Ok(Ok(None)) => {}
                Ok(Err(ActionError::Transient(e))) => {
                    return self
                        .settle(entry, Step::Retry(format!("reconciling: {e}")))
                        .await;
                }
                Ok(Err(ActionError::Permanent(e) | ActionError::Misconfigured(e))) => {
                    // Sending again could do it twice: a human checks at the marketplace.
                    let error = format!(
                        "cannot tell whether the earlier attempt reached the marketplace ({e}); \
                         check there before doing it by hand"
                    );
                    return self
                        .settle(entry, Step::Record(ActionState::Failed { error }))
                        .await;
                }
                Err(e) => {
                    return self
                        .settle(entry, Step::Retry(format!("reconciling: {e}")))
                        .await;
                }
            }
        }
        // 2. Durably mark it as being sent.
        failpoint("outbox:before-mark");
        entry.state = ActionState::Sending;
        entry.attempts += 1;
        let marked = entry.clone();
        self.engine
            .change_with_records(entry.ticket, |_, _| {
                Ok((Vec::new(), vec![Record::Outbox(marked)]))
            })
            .await?;
        // 3. Send.
        failpoint("outbox:before-send");
        let result = connector.execute(&entry.action).await;
        failpoint("outbox:after-send");
        let step = match result {
            Ok(Ok(outcome)) => Step::Record(outcome_state(outcome)),
            Ok(Err(ActionError::Transient(e))) => Step::Retry(e),
            Ok(Err(ActionError::Permanent(e))) => Step::Record(ActionState::Failed {
                error: format!("the marketplace refused: {e}"),
            }),
            Ok(Err(ActionError::Misconfigured(e))) => Step::Record(ActionState::Failed {
                error: format!("the connector is misconfigured: {e}"),
            }),
            Err(e) => Step::Retry(format!("the connector failed: {e}")),
        };
        self.settle(entry, step).await
    }

    /// Record where `entry` ended, with the ticket.
    async fn settle(
        &self,
        mut entry: OutboxEntry,
        step: Step,
    ) -> Result<Option<Timestamp>, ChangeError> {
        failpoint("outbox:before-record");
        let now = Timestamp::now();
        let what = describe(&entry.action.kind);
        let (state, again) = match step {
            Step::Record(state) => (state, None),
            Step::Retry(error) if entry.attempts >= self.retry.max_attempts => (
                ActionState::Failed {
                    error: format!("gave up after {} attempts: {error}", entry.attempts),
                },
                None,
            ),
            Step::Retry(error) => {
                let at = now + self.retry.after(entry.attempts.max(1));
                entry.next_attempt_at = at;
                (ActionState::Unknown { error }, Some(at))
            }
        };
        entry.state = state;
        let mut happenings = Vec::new();
        let mut records = Vec::new();
        match &entry.state {
            ActionState::Done { outcome } => {
                happenings.push(Happening::ActionDone {
                    action: entry.id,
                    what: what.clone(),
                    detail: outcome.detail.clone(),
                    marketplace_ref: outcome.marketplace_ref.clone(),
                });
                records.push(audit(
                    &entry,
                    format!("{what} done: {}", outcome.detail),
                    now,
                ));
            }
            ActionState::Failed { error } => {
                happenings.push(Happening::ActionFailed {
                    action: entry.id,
                    what: what.clone(),
                    error: error.clone(),
                });
                records.push(audit(&entry, format!("{what} failed: {error}"), now));
            }
            _ => {}
        }
        let ticket = entry.ticket;
        match self.engine.settle_action(entry, happenings, records).await {
            Ok(_) => Ok(again),
            Err(ChangeError::Store(e)) => Err(ChangeError::Store(e)),
            Err(other) => {
                tracing::error!(message = "Recording an action's outcome failed.", ticket, error = ?other);
                Err(ChangeError::Store(StoreError::Flush(format!("{other:?}"))))
            }
        }
    }
}

fn audit(entry: &OutboxEntry, what: String, at: Timestamp) -> Record {
    Record::Audit(AuditEntry {
        at,
        who: "system".into(),
        ticket: entry.ticket,
        what: format!("{what} [{}]", entry.action.idempotency_key),
    })
}

/// The outbox state for a marketplace's answer.
fn outcome_state(outcome: ActionOutcome) -> ActionState {
    match outcome.status {
        ActionStatus::Done | ActionStatus::Pending => ActionState::Done { outcome },
        ActionStatus::Rejected => ActionState::Failed {
            error: format!("the marketplace refused: {}", outcome.detail),
        },
        ActionStatus::NotSupported => ActionState::Failed {
            error: format!(
                "this marketplace has no API for it; do it by hand ({})",
                outcome.detail
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = RetryPolicy {
            base: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_attempts: 8,
        };
        let secs: Vec<i64> = (1..=7).map(|n| retry.after(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
    }
}
