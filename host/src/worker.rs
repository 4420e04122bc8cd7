//! The loop every background worker runs (timers, action dispatch, alert delivery): do the
//! work that is due, then sleep until the next piece is due, a change wakes it, or the
//! gateway stops.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, watch};

/// How long a worker sleeps between rounds.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Longest sleep while something is scheduled.
    pub max_wait: Duration,
    /// Sleep with nothing scheduled: a safety net, since every change that adds work
    /// wakes the worker.
    pub idle: Duration,
}

/// Run `round` until `shutdown` changes. `round` returns when its next piece of work is due
/// (`None`: nothing scheduled); an error is logged under `what` and retried in a second.
pub async fn run<F, Fut, E>(
    what: &'static str,
    pace: Pace,
    wake: &Notify,
    mut shutdown: watch::Receiver<bool>,
    mut round: F,
) where
    F: FnMut(Timestamp) -> Fut,
    Fut: Future<Output = Result<Option<Timestamp>, E>>,
    E: Display,
{
    loop {
        let wait = match round(Timestamp::now()).await {
            Ok(Some(next)) => {
                let ms = next.duration_since(Timestamp::now()).as_millis().max(0) as u64;
                Duration::from_millis(ms).min(pace.max_wait)
            }
            Ok(None) => pace.idle,
            Err(e) => {
                tracing::error!(message = "A background worker failed; retrying in a second.", worker = what, error = %e);
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
            _ = shutdown.changed() => return,
        }
    }
}
