//! SLA clock arithmetic of the ticket engine: the seller's business calendar, marketplace
//! answer deadlines, the first-response deadline of a ticket, its escalation ladder and the
//! off-hours answer promise.
//!
//! Everything here is pure: no I/O beyond jiff's time zone database, no clock reads — "now"
//! is always a parameter — and every function is total, so a deadline can always be shown.
//! Results beyond jiff's range are held at [`Timestamp::MAX`].
//!
//! Two clocks, never mixed:
//! - **Severity targets run on the seller's business time**: only while the seller's
//!   [`BusinessCalendar`] is open (opening hours in the seller's time zone, holidays closed).
//! - **Marketplace deadlines run on calendar time**: Amazon counts weekends and holidays, eBay
//!   counts weekdays in its own time zone, Shopify gives an instant. The seller's calendar
//!   never stretches them.
//!
//! A ticket's first-response deadline is the earlier of the two ([`first_response_deadline`]).
//!
//! Opening hours are wall-clock times. A wall-clock time `t` on a date means the first instant
//! at which the seller's clock reads `t` or later: around a fall-back it is the first of the
//! two readings, in a spring-forward gap it is the end of the gap. So business time inside an
//! interval is real elapsed time: 09:00–18:00 is 9 hours on either transition day, and an
//! interval that contains the change is an hour shorter (spring) or longer (autumn).

use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};
use serde::{Deserialize, Serialize};

/// How urgent a ticket is; it picks the ticket's [`SeverityTargets`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Account health at stake: A-to-z claims, chargebacks, 1–2 star reviews.
    Red,
    /// Logistics queries and returns.
    Yellow,
    /// Everything else.
    Blue,
}

impl Severity {
    /// Every severity, most urgent first.
    pub const ALL: [Severity; 3] = [Severity::Red, Severity::Yellow, Severity::Blue];

    /// The name as config and the API write it ("red", "yellow", "blue").
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Red => "red",
            Severity::Yellow => "yellow",
            Severity::Blue => "blue",
        }
    }
}

/// How much of the seller's business time a first answer may take, per severity.
///
/// Config shape: `{ red = "4h", yellow = "12h", blue = "24h" }`; a missing key keeps its
/// default and each value must be a positive duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityTargets {
    /// Target for [`Severity::Red`] (default 4 h).
    #[serde(deserialize_with = "positive_duration")]
    pub red: SignedDuration,
    /// Target for [`Severity::Yellow`] (default 12 h).
    #[serde(deserialize_with = "positive_duration")]
    pub yellow: SignedDuration,
    /// Target for [`Severity::Blue`] (default 24 h).
    #[serde(deserialize_with = "positive_duration")]
    pub blue: SignedDuration,
}

impl Default for SeverityTargets {
    fn default() -> Self {
        SeverityTargets {
            red: SignedDuration::from_hours(4),
            yellow: SignedDuration::from_hours(12),
            blue: SignedDuration::from_hours(24),
        }
    }
}

impl SeverityTargets {
    /// The business time a ticket of `severity` may wait for its first answer.
    pub fn target(&self, severity: Severity) -> SignedDuration {
        match severity {
            Severity::Red => self.red,
            Severity::Yellow => self.yellow,
            Severity::Blue => self.blue,
        }
    }
}

mod calendar;
#[cfg(test)]
mod tests;

pub use calendar::*;

use helloword_contract::rules::positive_duration;
pub use helloword_contract::rules::{MarketplaceRule, ResponseWindow};

/// When `window` ends for a case that arrived at `received_at`.
pub fn window_end(window: &ResponseWindow, received_at: Timestamp) -> Timestamp {
    match window {
        ResponseWindow::Calendar(duration) => shift(received_at, *duration),
        ResponseWindow::BusinessDays { days, time_zone } => {
            let local = time_zone.to_datetime(received_at);
            (0..*days)
                .try_fold(local.date(), |date, _| next_weekday(date))
                .and_then(|date| wall_clock_instant(time_zone, date.to_datetime(local.time())))
                .unwrap_or(Timestamp::MAX)
        }
    }
}

/// A buyer's data-protection request (access or erasure): answered within a month
/// (GDPR Art. 12(3); 30 days here, the stricter reading), calendar time, on every
/// marketplace.
pub fn privacy_rule() -> MarketplaceRule {
    MarketplaceRule::calendar(
        "privacy.legal_deadline",
        SignedDuration::from_hours(24 * 30),
    )
}

/// A deadline and what set it, so the UI can explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// When the answer is due.
    pub at: Timestamp,
    /// What set it.
    pub source: DeadlineSource,
}

/// What set a [`Deadline`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlineSource {
    /// The ticket's severity target, in the seller's business time.
    SeverityTarget,
    /// A marketplace's published answer time ([`MarketplaceRule::window`]).
    MarketplaceRule {
        /// [`MarketplaceRule::name`].
        name: String,
    },
    /// The deadline the platform sent with the case, less the rule's margin.
    PlatformDeadline,
}

/// The marketplace's deadline for a case that arrived at `received_at`: the earlier of the
/// rule's window and `platform_deadline` less the rule's margin (a platform deadline, when
/// given, always counts; on a tie it is the one named). `None` when neither applies.
pub fn marketplace_deadline(
    rule: &MarketplaceRule,
    received_at: Timestamp,
    platform_deadline: Option<Timestamp>,
) -> Option<Deadline> {
    let from_platform = platform_deadline.map(|at| Deadline {
        at: shift(at, -rule.platform_margin),
        source: DeadlineSource::PlatformDeadline,
    });
    let from_window = rule.window.as_ref().map(|window| Deadline {
        at: window_end(window, received_at),
        source: DeadlineSource::MarketplaceRule {
            name: rule.name.clone(),
        },
    });
    from_platform
        .into_iter()
        .chain(from_window)
        .min_by_key(|deadline| deadline.at)
}

/// A ticket's first-response deadline: the earlier of its severity target, added in the
/// seller's business time from `received_at`, and the `marketplace` deadline from
/// [`marketplace_deadline`] (on a tie the marketplace is named, as its deadline is the one
/// that protects the account).
pub fn first_response_deadline(
    calendar: &BusinessCalendar,
    targets: &SeverityTargets,
    severity: Severity,
    received_at: Timestamp,
    marketplace: Option<Deadline>,
) -> Deadline {
    let target = Deadline {
        at: calendar.add_business_time(received_at, targets.target(severity)),
        source: DeadlineSource::SeverityTarget,
    };
    match marketplace {
        Some(marketplace) if marketplace.at <= target.at => marketplace,
        _ => target,
    }
}

/// When reminders and escalation fire, in per mille (‰) of the span from a ticket's opening
/// to its deadline: integers, so 80 % is exactly 800 and no float rounding moves a step.
///
/// Each step is 1 to 1000 and the steps strictly increase; the default is `[500, 800, 1000]`
/// (reminders at half and four fifths, escalation to a lead at the deadline). Config shape:
/// `[500, 800, 1000]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<u16>")]
pub struct EscalationLadder(Vec<u16>);

/// An escalation ladder that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LadderError {
    /// No step at all.
    #[error("the escalation ladder is empty; give steps in per mille such as [500, 800, 1000]")]
    Empty,
    /// A step outside 1..=1000.
    #[error("escalation step {0} is out of range; expected 1 to 1000 per mille of the SLA")]
    OutOfRange(u16),
    /// A step not above the one before it.
    #[error("escalation steps must increase; {previous} is followed by {next}")]
    NotIncreasing {
        /// The earlier step.
        previous: u16,
        /// The step that does not exceed it.
        next: u16,
    },
}

impl EscalationLadder {
    /// Validate steps given in per mille.
    pub fn new(per_mille: Vec<u16>) -> Result<Self, LadderError> {
        if per_mille.is_empty() {
            return Err(LadderError::Empty);
        }
        if let Some(&step) = per_mille.iter().find(|step| !(1..=1000).contains(*step)) {
            return Err(LadderError::OutOfRange(step));
        }
        if let Some(pair) = per_mille.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(LadderError::NotIncreasing {
                previous: pair[0],
                next: pair[1],
            });
        }
        Ok(EscalationLadder(per_mille))
    }

    /// The steps, in per mille, increasing.
    pub fn per_mille(&self) -> &[u16] {
        &self.0
    }
}

impl Default for EscalationLadder {
    fn default() -> Self {
        EscalationLadder(vec![500, 800, 1000])
    }
}

impl TryFrom<Vec<u16>> for EscalationLadder {
    type Error = LadderError;

    fn try_from(per_mille: Vec<u16>) -> Result<Self, LadderError> {
        EscalationLadder::new(per_mille)
    }
}

/// One rung of the escalation ladder: when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationStep {
    /// The rung, in per mille of the span.
    pub per_mille: u16,
    /// When it fires.
    pub at: Timestamp,
}

/// When each rung of `ladder` fires for a ticket opened at `opened_at` and due at `deadline`.
///
/// Each instant is its share of the span, rounded down to the start of its minute (so a
/// reminder never fires late). Rungs that round to the same minute fire once, as the higher
/// rung, so the instants strictly increase. A deadline at or before the opening leaves one
/// rung, the top one, at the opening minute.
pub fn escalation_steps(
    opened_at: Timestamp,
    deadline: Timestamp,
    ladder: &EscalationLadder,
) -> Vec<EscalationStep> {
    let span = opened_at.duration_until(deadline).max(SignedDuration::ZERO);
    let to_the_minute = TimestampRound::new()
        .smallest(Unit::Minute)
        .mode(RoundMode::Floor);
    let mut steps: Vec<EscalationStep> = Vec::with_capacity(ladder.0.len());
    for &per_mille in &ladder.0 {
        // A span between two jiff timestamps is under 10^12 s, so × 1000 fits.
        let exact = shift(opened_at, span * i32::from(per_mille) / 1000);
        let at = exact.round(to_the_minute).unwrap_or(exact);
        if steps.last().is_some_and(|last| last.at == at) {
            steps.pop();
        }
        steps.push(EscalationStep { per_mille, at });
    }
    steps
}

/// When a human will answer a message that arrived at `received_at`: the next opening
/// instant (`received_at` itself if open). The off-hours acknowledgement quotes it.
pub fn answer_promise(calendar: &BusinessCalendar, received_at: Timestamp) -> Timestamp {
    calendar.next_open(received_at)
}

/// Whether `at` is outside the seller's working time, so the off-hours acknowledgement goes
/// out.
pub fn is_off_hours(calendar: &BusinessCalendar, at: Timestamp) -> bool {
    !calendar.is_open(at)
}
