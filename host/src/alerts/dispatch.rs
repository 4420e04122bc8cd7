//! Delivers planned alerts: rate limits per recipient and channel (red passes), the daily
//! SMS budget, retries with backoff, and each alert's status recorded with its ticket.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tracing::Instrument as _;

use super::send::Senders;
use super::{Alert, AlertState, Channel};
use crate::actions::Record;
use crate::tickets::Engine;
use crate::tickets::engine::ChangeError;
use crate::tickets::model::Happening;
use crate::tickets::sla::Severity;

/// Attempts before an alert is given up.
const MAX_ATTEMPTS: u32 = 5;

/// The alert dispatcher.
pub struct AlertDispatcher {
    engine: Arc<Engine>,
    senders: Arc<Senders>,
    // Deliveries in the last hour per (recipient, channel), and SMS spend today.
    recent: tokio::sync::Mutex<Budget>,
}

#[derive(Default)]
struct Budget {
    recent: HashMap<(String, Channel), VecDeque<Timestamp>>,
    sms_day: Option<jiff::civil::Date>,
    sms_cents: u32,
}

impl AlertDispatcher {
    /// A dispatcher for the engine's alerts; counts what was delivered in the last hour and
    /// today so limits survive a restart.
    pub fn new(engine: Arc<Engine>, senders: Arc<Senders>) -> Result<AlertDispatcher, ChangeError> {
        let now = Timestamp::now();
        let mut budget = Budget::default();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        budget.sms_day = Some(today);
        for alert in engine
            .store()
            .alerts_since(now - SignedDuration::from_hours(24))?
        {
            if let AlertState::Delivered { at, .. } = alert.state {
                if at >= now - SignedDuration::from_hours(1) {
                    budget
                        .recent
                        .entry((alert.recipient.clone(), alert.channel))
                        .or_default()
                        .push_back(at);
                }
                if alert.channel == Channel::Sms
                    && at.to_zoned(jiff::tz::TimeZone::UTC).date() == today
                {
                    budget.sms_cents += senders.config().sms_cost_cents;
                }
            }
        }
        Ok(AlertDispatcher {
            engine,
            senders,
            recent: tokio::sync::Mutex::new(budget),
        })
    }

    /// Deliver due alerts until `shutdown` changes.
    pub async fn run(self: Arc<Self>, shutdown: tokio::sync::watch::Receiver<bool>) {
        let pace = crate::worker::Pace {
            max_wait: Duration::from_millis(250),
            idle: Duration::from_secs(1),
        };
        let wake = self.engine.alerts_changed();
        crate::worker::run("alerts", pace, wake, shutdown, |now| self.run_due(now)).await;
    }

    /// Deliver every alert due at `now`, concurrently; returns when the next retry is due.
    pub async fn run_due(&self, now: Timestamp) -> Result<Option<Timestamp>, ChangeError> {
        let due: Vec<Alert> = self
            .engine
            .store()
            .open_alerts()?
            .into_iter()
            .filter(|a| a.next_attempt_at <= now)
            .collect();
        let later = self
            .engine
            .store()
            .open_alerts()?
            .into_iter()
            .filter(|a| a.next_attempt_at > now)
            .map(|a| a.next_attempt_at)
            .min();
        // Gateways sharing a store each deliver an alert only while they hold it, and
        // only if nobody delivered it since the list was read.
        let store = self.engine.store();
        let mut claimed = Vec::with_capacity(due.len());
        for alert in due {
            let Some(claim) = store.claim(crate::store::Work::Alert(alert.id))? else {
                continue;
            };
            if let Some(alert) = store
                .alert(alert.ticket, alert.id)?
                .filter(|a| a.state.is_open() && a.next_attempt_at <= now)
            {
                claimed.push((claim, alert));
            }
        }
        // Alerts go out together: a slow SMTP server does not hold up the SMS.
        let results = futures_util::future::join_all(claimed.into_iter().map(|(claim, a)| {
            // Joins the trace of the engine work that planned it.
            let span = tracing::debug_span!(
                parent: None,
                "alert.deliver",
                alert.id = a.id,
                alert.trigger = %a.trigger.id(),
                alert.channel = a.channel.as_str(),
                alert.outcome = tracing::field::Empty,
                ticket.id = a.ticket,
            );
            self.engine.traces.continue_for(a.ticket, &span);
            async move {
                let delivered = self.deliver(a).instrument(span).await;
                drop(claim);
                delivered
            }
        }))
        .await;
        let mut next = later;
        for result in results {
            if let Some(at) = result? {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        Ok(next)
    }

    /// Whether `alert` may go now; the reason when not.
    async fn allowed(&self, alert: &Alert, now: Timestamp) -> Option<String> {
        let config = self.senders.config();
        let mut budget = self.recent.lock().await;
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        if budget.sms_day != Some(today) {
            budget.sms_day = Some(today);
            budget.sms_cents = 0;
        }
        if alert.channel == Channel::Sms
            && budget.sms_cents + config.sms_cost_cents > config.sms_daily_budget_cents
        {
            return Some(format!(
                "the daily SMS budget ({} cents) is spent",
                config.sms_daily_budget_cents
            ));
        }
        let window = budget
            .recent
            .entry((alert.recipient.clone(), alert.channel))
            .or_default();
        while window
            .front()
            .is_some_and(|t| *t < now - SignedDuration::from_hours(1))
        {
            window.pop_front();
        }
        if alert.level != Severity::Red
            && alert.channel != Channel::App
            && window.len() as u32 >= config.max_per_hour
        {
            return Some(format!(
                "rate limit: {} {:?} alerts to {} in the last hour",
                window.len(),
                alert.channel,
                alert.recipient
            ));
        }
        window.push_back(now);
        if alert.channel == Channel::Sms {
            budget.sms_cents += config.sms_cost_cents;
        }
        None
    }

    async fn deliver(&self, mut alert: Alert) -> Result<Option<Timestamp>, ChangeError> {
        let now = Timestamp::now();
        let Some(ticket) = self.engine.store().ticket(alert.ticket)? else {
            return Ok(None);
        };
        let mut again = None;
        alert.state = match self.allowed(&alert, now).await {
            Some(reason) => AlertState::Skipped { reason },
            None => {
                alert.attempts += 1;
                match self.senders.send(&alert, &ticket).await {
                    Ok(reference) => AlertState::Delivered {
                        at: Timestamp::now(),
                        reference,
                    },
                    Err(error) if alert.attempts >= MAX_ATTEMPTS => {
                        AlertState::Undeliverable { error }
                    }
                    Err(error) => {
                        let wait = SignedDuration::from_secs(1 << alert.attempts.min(8));
                        alert.next_attempt_at = now + wait;
                        again = Some(alert.next_attempt_at);
                        AlertState::Failed { error }
                    }
                }
            }
        };
        let outcome = match &alert.state {
            AlertState::Delivered { .. } => "delivered",
            AlertState::Skipped { .. } => "skipped",
            AlertState::Undeliverable { .. } => "undeliverable",
            _ => "failed",
        };
        tracing::Span::current().record("alert.outcome", outcome);
        self.engine.metrics().counter_add(
            "helloword_alert_deliveries_total",
            "Alert delivery attempts by channel and outcome (delivered, failed, skipped, \
             undeliverable).",
            &[("channel", alert.channel.as_str()), ("outcome", outcome)],
            1,
        );
        let happening = match &alert.state {
            AlertState::Delivered { .. }
            | AlertState::Skipped { .. }
            | AlertState::Undeliverable { .. } => Some(Happening::Alerted {
                alert: alert.id,
                trigger: alert.trigger.id(),
                channel: alert.channel,
                recipient: alert.recipient.clone(),
                status: match &alert.state {
                    AlertState::Delivered { .. } => "delivered".into(),
                    AlertState::Skipped { reason } => format!("skipped: {reason}"),
                    AlertState::Undeliverable { error } => format!("undeliverable: {error}"),
                    _ => unreachable!(),
                },
            }),
            _ => None,
        };
        let ticket_id = alert.ticket;
        self.engine
            .record_quietly(ticket_id, happening, vec![Record::Alert(alert)])
            .await?;
        Ok(again)
    }
}
