//! Erasure on an operator's request and the retention policy: the engine's side, so both
//! take turns with every other ticket change.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::Engine;
use crate::store::{Erased, Purged, StoreError, Subject};
use helloword_model::actions::AuditEntry;

/// The `[retention]` section: how long the gateway keeps what it no longer needs, and when
/// it rewrites its store so that nothing removed lingers on disk.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days a delivery's raw body is kept after it arrived (0: for ever). The normalized
    /// events stay, so tickets and reports are unchanged; only replaying it is no longer
    /// possible.
    #[serde(default = "default_raw_days")]
    pub raw_deliveries_days: u32,
    /// Days after its last change a resolved or closed ticket keeps the buyer's personal
    /// data (0: for ever). Then it is anonymized like an erasure: amounts, reasons,
    /// deadlines and outcomes stay for the books and the reports.
    #[serde(default = "default_closed_days")]
    pub closed_tickets_days: u32,
    /// The hour (UTC, 0–23) at which a running gateway rewrites its store once something
    /// was erased or purged, so no stale copy stays in the store's log. It pauses for the
    /// rewrite (seconds for a small store); marketplaces retry what they could not deliver.
    #[serde(default = "default_compact_hour")]
    pub compact_hour: u8,
}

fn default_raw_days() -> u32 {
    30
}

fn default_closed_days() -> u32 {
    365
}

fn default_compact_hour() -> u8 {
    3
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            raw_deliveries_days: default_raw_days(),
            closed_tickets_days: default_closed_days(),
            compact_hour: default_compact_hour(),
        }
    }
}

/// Closed tickets anonymized per turn of the engine.
const PURGE_BATCH: usize = 200;

/// How often the retention policy is applied.
const PURGE_EVERY: Duration = Duration::from_secs(6 * 3600);

impl Engine {
    /// Erase `subject`'s personal data on `who`'s request (an operator, through the API or
    /// `helloword erase`). The audit log records who asked, when, and how much was erased,
    /// never whom it was about. Returns once it is on disk.
    pub async fn erase(&self, subject: &Subject, who: &str) -> Result<Erased, StoreError> {
        let _one_writer = self.lock.lock().await;
        erase_and_audit(
            &self.store,
            subject,
            who,
            self.settings.files_dir.as_deref(),
        )
        .await
    }

    /// Apply the retention policy as of `now`; returns what it removed.
    pub async fn purge(
        &self,
        retention: &RetentionConfig,
        now: Timestamp,
    ) -> Result<Purged, StoreError> {
        let (mut raw_before, closed_before) = cutoffs(retention, now);
        let mut total = Purged::default();
        loop {
            let _one_writer = self.lock.lock().await;
            let round = self
                .store
                .purge(
                    raw_before.take(),
                    closed_before,
                    self.settings.files_dir.as_deref(),
                    PURGE_BATCH,
                )
                .await?;
            total.raw_deliveries += round.raw_deliveries;
            total.tickets += round.tickets;
            total.orders += round.orders;
            if round.tickets < PURGE_BATCH && round.orders < PURGE_BATCH {
                return Ok(total);
            }
        }
    }

    /// Apply the retention policy now and every six hours until `shutdown` changes.
    pub async fn run_retention(
        self: Arc<Self>,
        retention: RetentionConfig,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let pace = crate::worker::Pace {
            max_wait: PURGE_EVERY,
            idle: PURGE_EVERY,
        };
        let never = tokio::sync::Notify::new();
        crate::worker::run("retention", pace, &never, shutdown, |now| {
            let engine = self.clone();
            let retention = retention.clone();
            async move {
                let purged = engine.purge(&retention, now).await?;
                if purged != Purged::default() {
                    tracing::info!(
                        message = "Applied the retention policy.",
                        raw_deliveries = purged.raw_deliveries,
                        tickets = purged.tickets,
                        orders = purged.orders
                    );
                }
                Ok::<_, StoreError>(Some(
                    now + SignedDuration::try_from(PURGE_EVERY).unwrap_or_default(),
                ))
            }
        })
        .await;
    }
}

/// When raw bodies and closed tickets become due for removal at `now` (`None`: kept for
/// ever).
fn cutoffs(retention: &RetentionConfig, now: Timestamp) -> (Option<Timestamp>, Option<Timestamp>) {
    let days_before =
        |days: u32| (days > 0).then(|| now - SignedDuration::from_hours(24 * i64::from(days)));
    (
        days_before(retention.raw_deliveries_days),
        days_before(retention.closed_tickets_days),
    )
}

/// Erase `subject` from `store` and write the audit line (the offline command's path, and
/// the engine's under its lock).
pub async fn erase_and_audit(
    store: &crate::store::Store,
    subject: &Subject,
    who: &str,
    files_dir: Option<&std::path::Path>,
) -> Result<Erased, StoreError> {
    let (erased, _) = store.erase(subject, files_dir, None).await?;
    let whom = if subject.shop.is_some() {
        "every buyer of a shop"
    } else {
        "a buyer"
    };
    store
        .append_audit(&AuditEntry {
            at: Timestamp::now(),
            who: who.to_string(),
            ticket: 0,
            what: format!(
                "erased the personal data of {whom} at {} on request: {} profile(s), {} \
                 order(s), {} ticket(s), {} delivery(ies), {} file(s)",
                subject.marketplace,
                erased.profiles,
                erased.orders,
                erased.tickets,
                erased.deliveries,
                erased.files
            ),
        })
        .await?;
    Ok(erased)
}
