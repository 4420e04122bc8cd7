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

use jiff::fmt::friendly::{Direction, SpanPrinter};
use jiff::tz::TimeZone;
use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};
use serde::{Deserialize, Deserializer, Serialize, de::Error as _};

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

/// The time zone in which eBay counts business days unless the config says otherwise. eBay
/// does not publish one; its US headquarters' zone is the assumption.
pub const EBAY_DEFAULT_TIME_ZONE: &str = "America/Los_Angeles";

/// How long a marketplace gives the seller to answer, counted from when the case arrived.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponseWindow {
    /// Calendar time: nights, weekends and holidays count (`{ calendar = "24h" }`).
    Calendar(#[serde(deserialize_with = "positive_duration")] SignedDuration),
    /// Whole weekdays (Monday to Friday in `time_zone`), ending at the same local time of day
    /// (`{ business_days = { days = 3, time_zone = "America/Los_Angeles" } }`). A case that
    /// arrives at a weekend counts from that weekend's time of day. Public holidays are not
    /// skipped, so the deadline is never later than the marketplace's.
    BusinessDays {
        /// How many weekdays.
        days: u8,
        /// Where the weekdays are counted.
        #[serde(deserialize_with = "jiff::fmt::serde::tz::required::deserialize")]
        time_zone: TimeZone,
    },
}

impl ResponseWindow {
    fn end(&self, received_at: Timestamp) -> Timestamp {
        match self {
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
}

/// A marketplace's answer deadline for one kind of case: config-driven data, with the
/// defaults below taken from the marketplaces' published rules.
///
/// Config shape: `{ name = "amazon.buyer_message", window = { calendar = "12h" } }` (say,
/// for Amazon's December peak), or `{ name = "shopify.dispute", platform_margin = "24h" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceRule {
    /// Shown to the agent when this rule sets the deadline.
    pub name: String,
    /// The marketplace's published answer time; `None` when only the deadline the platform
    /// sends with the case counts.
    #[serde(default)]
    pub window: Option<ResponseWindow>,
    /// Taken off a deadline the platform sends with the case, to leave time to act.
    #[serde(default, deserialize_with = "non_negative_duration")]
    pub platform_margin: SignedDuration,
}

impl MarketplaceRule {
    /// Amazon buyer messages: 24 hours, weekends and holidays included.
    pub fn amazon_buyer_message() -> Self {
        Self::calendar("amazon.buyer_message", SignedDuration::from_hours(24))
    }

    /// Amazon A-to-z Guarantee requests for information: 48 hours (one Amazon page says 72 h;
    /// the stricter figure is the default).
    pub fn amazon_a_to_z_information_request() -> Self {
        Self::calendar(
            "amazon.a_to_z_information_request",
            SignedDuration::from_hours(48),
        )
    }

    /// eBay Money Back Guarantee cases: 3 business days, counted in `time_zone` (see
    /// [`EBAY_DEFAULT_TIME_ZONE`]).
    pub fn ebay_case(time_zone: TimeZone) -> Self {
        Self::business_days("ebay.case", 3, time_zone)
    }

    /// eBay return requests: 3 business days, counted in `time_zone` (see
    /// [`EBAY_DEFAULT_TIME_ZONE`]).
    pub fn ebay_return_request(time_zone: TimeZone) -> Self {
        Self::business_days("ebay.return_request", 3, time_zone)
    }

    /// Shopify Payments disputes: the dispute's `evidence_due_by`, less 24 hours, since a
    /// submitted response cannot be edited and the deadline cannot be extended.
    pub fn shopify_dispute() -> Self {
        MarketplaceRule {
            name: "shopify.dispute".into(),
            window: None,
            platform_margin: SignedDuration::from_hours(24),
        }
    }

    /// A buyer's data-protection request (access or erasure): answered within a month
    /// (GDPR Art. 12(3); 30 days here, the stricter reading), calendar time.
    pub fn privacy_request() -> Self {
        Self::calendar(
            "privacy.legal_deadline",
            SignedDuration::from_hours(24 * 30),
        )
    }

    fn calendar(name: &str, duration: SignedDuration) -> Self {
        MarketplaceRule {
            name: name.into(),
            window: Some(ResponseWindow::Calendar(duration)),
            platform_margin: SignedDuration::ZERO,
        }
    }

    fn business_days(name: &str, days: u8, time_zone: TimeZone) -> Self {
        MarketplaceRule {
            name: name.into(),
            window: Some(ResponseWindow::BusinessDays { days, time_zone }),
            platform_margin: SignedDuration::ZERO,
        }
    }
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
        at: window.end(received_at),
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

fn positive_duration<'de, D: Deserializer<'de>>(de: D) -> Result<SignedDuration, D::Error> {
    checked_duration(
        de,
        SignedDuration::is_positive,
        "a positive duration such as \"4h\"",
    )
}

fn non_negative_duration<'de, D: Deserializer<'de>>(de: D) -> Result<SignedDuration, D::Error> {
    checked_duration(
        de,
        |duration| !duration.is_negative(),
        "a duration of zero or more such as \"24h\"",
    )
}

/// Deserialize a duration and refuse it unless `ok`; `expected` says what would be.
fn checked_duration<'de, D: Deserializer<'de>>(
    de: D,
    ok: fn(&SignedDuration) -> bool,
    expected: &str,
) -> Result<SignedDuration, D::Error> {
    static PRINTER: SpanPrinter = SpanPrinter::new().direction(Direction::Sign);
    let duration = SignedDuration::deserialize(de)?;
    if ok(&duration) {
        Ok(duration)
    } else {
        let found = PRINTER.duration_to_string(&duration);
        Err(D::Error::custom(format_args!(
            "expected {expected}, found \"{found}\""
        )))
    }
}
