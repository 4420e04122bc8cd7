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

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::fmt::friendly::{Direction, SpanPrinter};
use jiff::tz::{AmbiguousOffset, TimeZone};
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

/// A seller's working time as written in config, before validation by
/// [`BusinessCalendar::from_config`].
///
/// ```toml
/// time_zone = "Europe/Berlin"
/// hours = { mon = ["09:00-12:00", "13:00-18:00"], tue = ["09:00-18:00"], sat = [] }
/// holidays = ["2026-12-25", "2026-12-26"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessCalendarConfig {
    /// IANA time zone name, such as "Europe/Berlin".
    pub time_zone: String,
    /// Opening hours per weekday.
    pub hours: WeeklyHoursConfig,
    /// Dates ("YYYY-MM-DD", in the seller's time zone) closed all day.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Opening intervals per weekday, each "HH:MM-HH:MM" in the seller's local time. An interval
/// ends on the day it starts ("24:00" is midnight at its end); a day left out or empty is
/// closed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHoursConfig {
    /// Monday.
    #[serde(default)]
    pub mon: Vec<String>,
    /// Tuesday.
    #[serde(default)]
    pub tue: Vec<String>,
    /// Wednesday.
    #[serde(default)]
    pub wed: Vec<String>,
    /// Thursday.
    #[serde(default)]
    pub thu: Vec<String>,
    /// Friday.
    #[serde(default)]
    pub fri: Vec<String>,
    /// Saturday.
    #[serde(default)]
    pub sat: Vec<String>,
    /// Sunday.
    #[serde(default)]
    pub sun: Vec<String>,
}

/// A calendar config that is wrong, naming the key and the value to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// `time_zone` is not in the time zone database.
    #[error("`time_zone` is {0:?}; expected an IANA time zone name such as \"Europe/Berlin\"")]
    UnknownTimeZone(String),
    /// An interval is not "HH:MM-HH:MM".
    #[error("`hours.{day}` has {value:?}; expected \"HH:MM-HH:MM\" such as \"09:00-18:00\"")]
    BadInterval {
        /// The weekday key ("mon" … "sun").
        day: &'static str,
        /// The interval as written.
        value: String,
    },
    /// An interval ends at or before its start, which includes crossing midnight.
    #[error(
        "`hours.{day}` has {value:?}, which does not end after it starts; an interval cannot \
         cross midnight: end it at \"24:00\" and go on from \"00:00\" the next day"
    )]
    NotAfterStart {
        /// The weekday key ("mon" … "sun").
        day: &'static str,
        /// The interval as written.
        value: String,
    },
    /// Two intervals of one day overlap.
    #[error("`hours.{day}` has {first:?} and {second:?}, which overlap; merge them into one")]
    Overlap {
        /// The weekday key ("mon" … "sun").
        day: &'static str,
        /// The interval that starts first, as written.
        first: String,
        /// The interval that starts inside it, as written.
        second: String,
    },
    /// A holiday is not a "YYYY-MM-DD" date.
    #[error("`holidays` has {0:?}; expected a date such as \"2026-12-25\"")]
    BadHoliday(String),
    /// No weekday has an interval, so the calendar would never open.
    #[error("`hours` opens on no day; add an interval such as `mon = [\"09:00-18:00\"]`")]
    NeverOpen,
}

/// One opening interval of a weekday, in local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpeningInterval {
    start: Time,
    /// `None` is "24:00", the midnight that ends the day.
    end: Option<Time>,
}

impl OpeningInterval {
    const WHOLE_DAY: OpeningInterval = OpeningInterval {
        start: Time::midnight(),
        end: None,
    };

    fn local_bounds(self, date: Date) -> Option<(DateTime, DateTime)> {
        let end = match self.end {
            Some(end) => date.to_datetime(end),
            None => date.tomorrow().ok()?.to_datetime(Time::midnight()),
        };
        Some((date.to_datetime(self.start), end))
    }
}

/// A seller's working time: time zone, weekly opening hours and holidays. Severity targets
/// are measured in it.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    zone: TimeZone,
    /// Sorted, non-overlapping intervals, Monday first.
    week: [Vec<OpeningInterval>; 7],
    holidays: BTreeSet<Date>,
}

impl BusinessCalendar {
    /// Validate a calendar config. A holiday listed twice is fine.
    pub fn from_config(config: &BusinessCalendarConfig) -> Result<Self, CalendarError> {
        let zone = TimeZone::get(&config.time_zone)
            .map_err(|_| CalendarError::UnknownTimeZone(config.time_zone.clone()))?;
        let h = &config.hours;
        let days = [
            ("mon", &h.mon),
            ("tue", &h.tue),
            ("wed", &h.wed),
            ("thu", &h.thu),
            ("fri", &h.fri),
            ("sat", &h.sat),
            ("sun", &h.sun),
        ];
        let mut week: [Vec<OpeningInterval>; 7] = Default::default();
        for (intervals, (day, texts)) in week.iter_mut().zip(days) {
            let mut parsed = texts
                .iter()
                .map(|text| Ok((parse_interval(day, text)?, text)))
                .collect::<Result<Vec<_>, CalendarError>>()?;
            parsed.sort_by_key(|(interval, _)| interval.start);
            if let Some(pair) = parsed
                .windows(2)
                .find(|pair| pair[0].0.end.is_none_or(|end| end > pair[1].0.start))
            {
                return Err(CalendarError::Overlap {
                    day,
                    first: pair[0].1.clone(),
                    second: pair[1].1.clone(),
                });
            }
            *intervals = parsed.into_iter().map(|(interval, _)| interval).collect();
        }
        if week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NeverOpen);
        }
        let holidays = config
            .holidays
            .iter()
            .map(|text| {
                text.parse::<Date>()
                    .map_err(|_| CalendarError::BadHoliday(text.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(BusinessCalendar {
            zone,
            week,
            holidays,
        })
    }

    /// A calendar that is always open, for sellers who answer around the clock: business time
    /// is real time.
    pub fn always_open(zone: TimeZone) -> Self {
        BusinessCalendar {
            zone,
            week: std::array::from_fn(|_| vec![OpeningInterval::WHOLE_DAY]),
            holidays: BTreeSet::new(),
        }
    }

    /// The seller's time zone, for showing instants in it.
    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Whether the seller is open at `at`. Intervals include their start, not their end.
    pub fn is_open(&self, at: Timestamp) -> bool {
        self.open_periods(at)
            .next()
            .is_some_and(|(open, _)| open == at)
    }

    /// The first instant at or after `at` when the seller is open: `at` itself if open.
    pub fn next_open(&self, at: Timestamp) -> Timestamp {
        self.open_periods(at)
            .next()
            .map_or(Timestamp::MAX, |(open, _)| open)
    }

    /// The earliest instant by which `duration` of open time has passed since `start`.
    ///
    /// A target that runs out exactly at closing ends at closing, not at the next opening. A
    /// duration that is not positive adds nothing: the result is `start`, open or not.
    pub fn add_business_time(&self, start: Timestamp, duration: SignedDuration) -> Timestamp {
        if !duration.is_positive() {
            return start;
        }
        let mut left = duration;
        for (open, close) in self.open_periods(start) {
            let length = open.duration_until(close);
            if left <= length {
                return shift(open, left);
            }
            left -= length;
        }
        Timestamp::MAX
    }

    /// The open time between `from` and `to` ("SLA used so far", first-response times);
    /// negative when `to` is before `from`.
    pub fn business_time_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to < from {
            return -self.business_time_between(to, from);
        }
        self.open_periods(from)
            .take_while(|&(open, _)| open < to)
            .map(|(open, close)| open.duration_until(close.min(to)))
            .sum()
    }

    /// The open periods, as instants in order, that end after `from`; the first one is cut to
    /// start no earlier than `from`.
    fn open_periods(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> {
        // Intervals cannot cross midnight, so no earlier date can still be open at `from`.
        let first = self.zone.to_datetime(from).date();
        std::iter::successors(Some(first), |date| date.tomorrow().ok())
            .flat_map(move |date| self.periods_on(date))
            .filter(move |&(_, close)| close > from)
            .map(move |(open, close)| (open.max(from), close))
    }

    fn periods_on(&self, date: Date) -> impl Iterator<Item = (Timestamp, Timestamp)> {
        let intervals = if self.holidays.contains(&date) {
            &[][..]
        } else {
            &self.week[date.weekday().to_monday_zero_offset() as usize][..]
        };
        intervals.iter().filter_map(move |interval| {
            let (start, end) = interval.local_bounds(date)?;
            let open = wall_clock_instant(&self.zone, start)?;
            let close = wall_clock_instant(&self.zone, end)?;
            // An interval inside a spring-forward gap never happens.
            (open < close).then_some((open, close))
        })
    }
}

/// Parse "HH:MM-HH:MM" (a lone "24:00" end is the midnight ending the day).
fn parse_interval(day: &'static str, text: &str) -> Result<OpeningInterval, CalendarError> {
    let bad = || CalendarError::BadInterval {
        day,
        value: text.to_owned(),
    };
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let start = parse_clock(start.trim()).ok_or_else(bad)?;
    let end = match end.trim() {
        "24:00" => None,
        end => Some(parse_clock(end).ok_or_else(bad)?),
    };
    if end.is_some_and(|end| end <= start) {
        return Err(CalendarError::NotAfterStart {
            day,
            value: text.to_owned(),
        });
    }
    Ok(OpeningInterval { start, end })
}

/// Parse "HH:MM", 00:00 to 23:59, exactly two digits each.
fn parse_clock(text: &str) -> Option<Time> {
    let (hour, minute) = text.split_once(':')?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !(two_digits(hour) && two_digits(minute)) {
        return None;
    }
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

/// The first instant at which the clock in `zone` reads `local` or later (see the module
/// header): the earlier reading in a fold, the end of the gap in a gap.
fn wall_clock_instant(zone: &TimeZone, local: DateTime) -> Option<Timestamp> {
    let ambiguous = zone.to_ambiguous_timestamp(local);
    let earliest = ambiguous.earlier().ok()?;
    match ambiguous.offset() {
        // `earliest` reads `local` with the offset after the gap, so it lies before the gap;
        // the next transition is where the clock jumps past `local`.
        AmbiguousOffset::Gap { .. } => zone
            .following(earliest)
            .next()
            .map(|transition| transition.timestamp()),
        AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => Some(earliest),
    }
}

/// The first Monday-to-Friday date after `date`.
fn next_weekday(date: Date) -> Option<Date> {
    std::iter::successors(date.tomorrow().ok(), |date| date.tomorrow().ok())
        .find(|date| !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday))
}

/// `at + duration`, held at the ends of jiff's range instead of failing.
fn shift(at: Timestamp, duration: SignedDuration) -> Timestamp {
    at.checked_add(duration)
        .unwrap_or(if duration.is_negative() {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A wall-clock reading in `zone` (compatible disambiguation).
    fn local(zone: &str, datetime: &str) -> Timestamp {
        format!("{datetime}[{zone}]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn hours(n: i64) -> SignedDuration {
        SignedDuration::from_hours(n)
    }

    fn minutes(n: i64) -> SignedDuration {
        SignedDuration::from_mins(n)
    }

    fn calendar(text: &str) -> Result<BusinessCalendar, String> {
        let config: BusinessCalendarConfig =
            toml::from_str(text).map_err(|e| e.message().to_string())?;
        BusinessCalendar::from_config(&config).map_err(|e| e.to_string())
    }

    /// Mon–Fri 09:00–18:00 in Berlin, closed on Christmas Day (listed twice).
    fn berlin_office() -> BusinessCalendar {
        calendar(
            r#"
            time_zone = "Europe/Berlin"
            holidays = ["2026-12-25", "2026-12-25"]
            [hours]
            mon = ["09:00-18:00"]
            tue = ["09:00-18:00"]
            wed = ["09:00-18:00"]
            thu = ["09:00-18:00"]
            fri = ["09:00-18:00"]
            sat = []
            "#,
        )
        .unwrap()
    }

    /// The same interval on all seven days.
    fn every_day(time_zone: &str, interval: &str) -> BusinessCalendar {
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .map(|day| format!("{day} = [\"{interval}\"]"))
            .join("\n");
        calendar(&format!("time_zone = \"{time_zone}\"\n[hours]\n{days}\n")).unwrap()
    }

    const BERLIN: &str = "Europe/Berlin";
    const NEW_YORK: &str = "America/New_York";

    // Business time, Mon–Fri 09:00–18:00 Berlin (CET is UTC+1 in January and December).

    #[test]
    fn four_hours_from_friday_1700_end_monday_1200() {
        let cal = berlin_office();
        let friday = local(BERLIN, "2026-01-09T17:00");
        assert_eq!(
            cal.add_business_time(friday, hours(4)),
            utc("2026-01-12T11:00Z")
        );
        assert_eq!(
            cal.business_time_between(friday, utc("2026-01-12T11:00Z")),
            hours(4)
        );
    }

    #[test]
    fn holidays_are_closed_all_day() {
        let cal = berlin_office();
        let christmas_eve = local(BERLIN, "2026-12-24T17:00");
        assert_eq!(
            cal.add_business_time(christmas_eve, hours(2)),
            utc("2026-12-28T09:00Z")
        );
        assert!(!cal.is_open(local(BERLIN, "2026-12-25T12:00")));
        // A week with the holiday holds 36 h, so 45 h runs into the next Monday's close.
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-12-21T09:00"), hours(45)),
            utc("2026-12-28T17:00Z")
        );
    }

    #[test]
    fn starting_before_opening_counts_from_opening() {
        let cal = berlin_office();
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-01-12T07:30"), hours(2)),
            utc("2026-01-12T10:00Z")
        );
    }

    #[test]
    fn starting_after_closing_counts_from_next_opening() {
        let cal = berlin_office();
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-01-12T19:00"), hours(2)),
            utc("2026-01-13T10:00Z")
        );
    }

    #[test]
    fn lunch_break_is_skipped() {
        let cal = calendar(
            r#"
            time_zone = "Europe/Berlin"
            hours = { mon = ["13:00-18:00", "09:00-12:00"] }
            "#,
        )
        .unwrap();
        let monday = local(BERLIN, "2026-01-12T11:00");
        assert_eq!(
            cal.add_business_time(monday, hours(2)),
            utc("2026-01-12T13:00Z")
        );
        assert!(!cal.is_open(local(BERLIN, "2026-01-12T12:30")));
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-01-12T00:00"),
                local(BERLIN, "2026-01-13T00:00")
            ),
            hours(8)
        );
    }

    #[test]
    fn zero_or_negative_duration_adds_nothing_even_when_closed() {
        let cal = berlin_office();
        let saturday = local(BERLIN, "2026-01-10T10:00");
        assert_eq!(
            cal.add_business_time(saturday, SignedDuration::ZERO),
            saturday
        );
        assert_eq!(cal.add_business_time(saturday, hours(-1)), saturday);
    }

    #[test]
    fn target_running_out_at_closing_ends_at_closing() {
        let cal = berlin_office();
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-01-09T17:00"), hours(1)),
            utc("2026-01-09T17:00Z")
        );
    }

    #[test]
    fn durations_spanning_several_weeks() {
        let cal = berlin_office();
        let monday = local(BERLIN, "2026-01-05T09:00");
        // 45 h a week: three weeks end on the third Friday at closing.
        assert_eq!(
            cal.add_business_time(monday, hours(135)),
            utc("2026-01-23T17:00Z")
        );
        assert_eq!(
            cal.add_business_time(monday, hours(136)),
            utc("2026-01-26T09:00Z")
        );
        assert_eq!(
            cal.business_time_between(monday, utc("2026-01-26T09:00Z")),
            hours(136)
        );
    }

    #[test]
    fn business_time_between_is_negative_backwards() {
        let cal = berlin_office();
        let (friday, monday) = (
            local(BERLIN, "2026-01-09T17:00"),
            local(BERLIN, "2026-01-12T12:00"),
        );
        assert_eq!(cal.business_time_between(monday, friday), hours(-4));
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-01-10T00:00"),
                local(BERLIN, "2026-01-12T00:00")
            ),
            SignedDuration::ZERO
        );
    }

    #[test]
    fn opening_includes_its_start_and_not_its_end() {
        let cal = berlin_office();
        let opening = local(BERLIN, "2026-01-12T09:00");
        assert!(cal.is_open(opening));
        assert_eq!(cal.next_open(opening), opening);
        let closing = local(BERLIN, "2026-01-12T18:00");
        assert!(!cal.is_open(closing));
        assert_eq!(cal.next_open(closing), utc("2026-01-13T08:00Z"));
    }

    #[test]
    fn off_hours_promise_is_the_next_opening() {
        let cal = berlin_office();
        let saturday = local(BERLIN, "2026-01-10T10:00");
        assert!(is_off_hours(&cal, saturday));
        assert_eq!(answer_promise(&cal, saturday), utc("2026-01-12T08:00Z"));
        let tuesday = local(BERLIN, "2026-01-13T10:00");
        assert!(!is_off_hours(&cal, tuesday));
        assert_eq!(answer_promise(&cal, tuesday), tuesday);
    }

    // DST. Berlin: 2026-03-29 02:00 CET → 03:00 CEST (01:00Z); 2026-10-25 03:00 CEST → 02:00
    // CET (01:00Z). New York: 2026-03-08 02:00 EST → 03:00 EDT (07:00Z); 2026-11-01 02:00 EDT
    // → 01:00 EST (06:00Z).

    #[test]
    fn always_open_is_real_time_across_berlin_spring_forward() {
        let cal = BusinessCalendar::always_open(zone(BERLIN));
        let start = local(BERLIN, "2026-03-28T12:00");
        assert_eq!(start, utc("2026-03-28T11:00Z"));
        assert_eq!(
            cal.add_business_time(start, hours(24)),
            utc("2026-03-29T11:00Z")
        );
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-03-29T00:00"),
                local(BERLIN, "2026-03-30T00:00")
            ),
            hours(23)
        );
        assert!(cal.is_open(utc("2026-03-29T01:00Z")));
    }

    #[test]
    fn always_open_is_real_time_across_berlin_fall_back() {
        let cal = BusinessCalendar::always_open(zone(BERLIN));
        let midnight = local(BERLIN, "2026-10-25T00:00");
        assert_eq!(midnight, utc("2026-10-24T22:00Z"));
        // 02:00 CEST, 02:00 CET, then 01:00Z.
        assert_eq!(
            cal.add_business_time(midnight, hours(3)),
            utc("2026-10-25T01:00Z")
        );
        assert_eq!(
            cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
            hours(25)
        );
    }

    #[test]
    fn interval_holding_the_spring_forward_is_an_hour_shorter() {
        let cal = every_day(BERLIN, "01:00-04:00");
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-03-28T00:00"),
                local(BERLIN, "2026-03-30T00:00")
            ),
            hours(3) + hours(2)
        );
        // 01:00 CET (00:00Z) to 04:00 CEST (02:00Z), then 30 min from 01:00 CEST on the 30th.
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-03-29T00:00"), minutes(150)),
            utc("2026-03-29T23:30Z")
        );
    }

    #[test]
    fn interval_holding_the_fall_back_is_an_hour_longer() {
        let cal = every_day(BERLIN, "01:00-04:00");
        let midnight = local(BERLIN, "2026-10-25T00:00");
        assert_eq!(
            cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
            hours(4)
        );
        // 01:00 CEST is 23:00Z; 3.5 h later the clock reads 03:30 CET.
        assert_eq!(
            cal.add_business_time(midnight, minutes(210)),
            utc("2026-10-25T02:30Z")
        );
    }

    #[test]
    fn nine_to_six_stays_nine_hours_on_transition_days() {
        let cal = every_day(BERLIN, "09:00-18:00");
        for day in ["2026-03-29", "2026-10-25"] {
            assert_eq!(
                cal.business_time_between(
                    local(BERLIN, &format!("{day}T00:00")),
                    local(BERLIN, &format!("{day}T23:00"))
                ),
                hours(9),
                "{day}"
            );
        }
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-03-28T17:00"), hours(2)),
            utc("2026-03-29T08:00Z")
        );
    }

    #[test]
    fn hours_to_2359_follow_the_clock_across_transitions() {
        let cal = every_day(BERLIN, "00:00-23:59");
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-03-29T00:00"),
                local(BERLIN, "2026-03-30T00:00")
            ),
            hours(23) - minutes(1)
        );
        assert_eq!(
            cal.business_time_between(
                local(BERLIN, "2026-10-25T00:00"),
                local(BERLIN, "2026-10-26T00:00")
            ),
            hours(25) - minutes(1)
        );
        // The minute 23:59 CET on the 28th is closed: 1 h from 23:58 ends at 00:59 CET.
        assert_eq!(
            cal.add_business_time(local(BERLIN, "2026-03-28T23:58"), hours(1)),
            utc("2026-03-28T23:59Z")
        );
    }

    #[test]
    fn opening_inside_the_gap_opens_when_the_gap_ends() {
        let cal = every_day(BERLIN, "02:30-05:00");
        let midnight = local(BERLIN, "2026-03-29T00:00");
        // The clock jumps from 02:00 to 03:00 CEST (01:00Z), past 02:30.
        assert_eq!(cal.next_open(midnight), utc("2026-03-29T01:00Z"));
        assert_eq!(
            cal.business_time_between(midnight, local(BERLIN, "2026-03-30T00:00")),
            hours(2)
        );
    }

    #[test]
    fn opening_inside_the_fold_opens_at_the_first_reading() {
        let cal = every_day(BERLIN, "02:30-05:00");
        let midnight = local(BERLIN, "2026-10-25T00:00");
        // 02:30 CEST (00:30Z) until 05:00 CET (04:00Z).
        assert_eq!(cal.next_open(midnight), utc("2026-10-25T00:30Z"));
        assert_eq!(
            cal.business_time_between(midnight, local(BERLIN, "2026-10-26T00:00")),
            minutes(210)
        );
    }

    #[test]
    fn new_york_transitions() {
        let always = BusinessCalendar::always_open(zone(NEW_YORK));
        assert_eq!(
            always.add_business_time(local(NEW_YORK, "2026-03-08T00:00"), hours(3)),
            utc("2026-03-08T08:00Z")
        );
        assert_eq!(
            always.add_business_time(local(NEW_YORK, "2026-11-01T00:00"), hours(3)),
            utc("2026-11-01T07:00Z")
        );
        let office = every_day(NEW_YORK, "09:00-18:00");
        // Saturday 17:00 EST (22:00Z): 1 h, then Sunday 09:00 EDT (13:00Z) + 1 h.
        assert_eq!(
            office.add_business_time(local(NEW_YORK, "2026-03-07T17:00"), hours(2)),
            utc("2026-03-08T14:00Z")
        );
        assert_eq!(
            office.add_business_time(local(NEW_YORK, "2026-10-31T17:00"), hours(2)),
            utc("2026-11-01T15:00Z")
        );
        let night = every_day(NEW_YORK, "01:00-04:00");
        assert_eq!(
            night.business_time_between(
                local(NEW_YORK, "2026-11-01T00:00"),
                local(NEW_YORK, "2026-11-02T00:00")
            ),
            hours(4)
        );
    }

    #[test]
    fn always_open_is_real_time_where_clocks_change_at_midnight() {
        // Santiago: 2026-04-05 00:00 → 04-04 23:00, 2026-09-06 00:00 → 01:00.
        let cal = BusinessCalendar::always_open(zone("America/Santiago"));
        for start in ["2026-04-01T12:34:56Z", "2026-09-03T12:34:56Z"] {
            let start = utc(start);
            let two_weeks = hours(14 * 24);
            let end = start.checked_add(two_weeks).unwrap();
            assert_eq!(cal.add_business_time(start, two_weeks), end);
            assert_eq!(cal.business_time_between(start, end), two_weeks);
        }
    }

    // Marketplace deadlines, calendar time.

    fn rule_source(name: &str) -> DeadlineSource {
        DeadlineSource::MarketplaceRule { name: name.into() }
    }

    #[test]
    fn amazon_24_hours_on_a_saturday_lands_on_sunday() {
        let rule = MarketplaceRule::amazon_buyer_message();
        assert_eq!(
            marketplace_deadline(&rule, utc("2026-01-10T10:00Z"), None),
            Some(Deadline {
                at: utc("2026-01-11T10:00Z"),
                source: rule_source("amazon.buyer_message"),
            })
        );
    }

    #[test]
    fn ebay_three_business_days_from_friday_afternoon_is_wednesday() {
        let la = zone(EBAY_DEFAULT_TIME_ZONE);
        let rule = MarketplaceRule::ebay_case(la.clone());
        let deadline = |received: &str| {
            marketplace_deadline(&rule, utc(received), None).map(|deadline| deadline.at)
        };
        // Friday 15:00 PST → Wednesday 15:00 PST.
        assert_eq!(
            deadline("2026-01-09T23:00Z"),
            Some(utc("2026-01-14T23:00Z"))
        );
        // Across the spring-forward, still 15:00 local: PDT is UTC−7.
        assert_eq!(
            deadline("2026-03-06T23:00Z"),
            Some(utc("2026-03-11T22:00Z"))
        );
        // A Saturday 10:00 case counts from Saturday's time of day.
        assert_eq!(
            deadline("2026-01-10T18:00Z"),
            Some(utc("2026-01-14T18:00Z"))
        );
        assert_eq!(
            MarketplaceRule::ebay_return_request(la).name,
            "ebay.return_request"
        );
    }

    #[test]
    fn shopify_is_evidence_due_by_less_the_margin() {
        let rule = MarketplaceRule::shopify_dispute();
        let received = utc("2026-02-10T09:00Z");
        assert_eq!(
            marketplace_deadline(&rule, received, Some(utc("2026-02-20T23:00Z"))),
            Some(Deadline {
                at: utc("2026-02-19T23:00Z"),
                source: DeadlineSource::PlatformDeadline,
            })
        );
        assert_eq!(marketplace_deadline(&rule, received, None), None);
    }

    #[test]
    fn platform_deadline_counts_when_it_is_earlier_than_the_rule() {
        let rule = MarketplaceRule::amazon_a_to_z_information_request();
        let received = utc("2026-01-05T10:00Z");
        let with = |platform: &str| marketplace_deadline(&rule, received, Some(utc(platform)));
        assert_eq!(
            with("2026-01-06T10:00Z"),
            Some(Deadline {
                at: utc("2026-01-06T10:00Z"),
                source: DeadlineSource::PlatformDeadline,
            })
        );
        assert_eq!(
            with("2026-01-09T10:00Z"),
            Some(Deadline {
                at: utc("2026-01-07T10:00Z"),
                source: rule_source("amazon.a_to_z_information_request"),
            })
        );
    }

    #[test]
    fn first_response_deadline_is_the_earlier_and_names_its_source() {
        let cal = berlin_office();
        let targets = SeverityTargets::default();
        let amazon = MarketplaceRule::amazon_buyer_message();
        let shopify = MarketplaceRule::shopify_dispute();
        let monday = local(BERLIN, "2026-01-12T10:00");
        let friday = local(BERLIN, "2026-01-09T17:00");

        // Red 4 business hours beats Amazon's 24 h.
        let deadline = first_response_deadline(
            &cal,
            &targets,
            Severity::Red,
            monday,
            marketplace_deadline(&amazon, monday, None),
        );
        assert_eq!(
            deadline,
            Deadline {
                at: utc("2026-01-12T13:00Z"),
                source: DeadlineSource::SeverityTarget,
            }
        );

        // Blue 24 business hours from Friday evening is Wednesday; Amazon wants Saturday.
        let deadline = first_response_deadline(
            &cal,
            &targets,
            Severity::Blue,
            friday,
            marketplace_deadline(&amazon, friday, None),
        );
        assert_eq!(
            deadline,
            Deadline {
                at: utc("2026-01-10T16:00Z"),
                source: rule_source("amazon.buyer_message"),
            }
        );

        // A dispute due in 25 h leaves 1 h after the margin, before red's 4 h.
        let deadline = first_response_deadline(
            &cal,
            &targets,
            Severity::Red,
            monday,
            marketplace_deadline(&shopify, monday, Some(utc("2026-01-13T10:00Z"))),
        );
        assert_eq!(
            deadline,
            Deadline {
                at: utc("2026-01-12T10:00Z"),
                source: DeadlineSource::PlatformDeadline,
            }
        );

        // No marketplace deadline: the severity target.
        let deadline = first_response_deadline(&cal, &targets, Severity::Yellow, friday, None);
        assert_eq!(
            deadline,
            Deadline {
                at: utc("2026-01-13T10:00Z"),
                source: DeadlineSource::SeverityTarget,
            }
        );

        // A tie names the marketplace.
        let tie = Deadline {
            at: utc("2026-01-12T13:00Z"),
            source: DeadlineSource::PlatformDeadline,
        };
        assert_eq!(
            first_response_deadline(&cal, &targets, Severity::Red, monday, Some(tie.clone())),
            tie
        );
    }

    // Escalation ladder.

    fn steps(opened: &str, deadline: &str, ladder: &EscalationLadder) -> Vec<(u16, Timestamp)> {
        escalation_steps(utc(opened), utc(deadline), ladder)
            .into_iter()
            .map(|step| (step.per_mille, step.at))
            .collect()
    }

    #[test]
    fn escalation_at_50_80_100_percent() {
        assert_eq!(
            steps(
                "2026-01-12T10:00Z",
                "2026-01-12T14:00Z",
                &EscalationLadder::default()
            ),
            [
                (500, utc("2026-01-12T12:00Z")),
                (800, utc("2026-01-12T13:12Z")),
                (1000, utc("2026-01-12T14:00Z")),
            ]
        );
    }

    #[test]
    fn escalation_rounds_down_to_the_minute() {
        // 645 s: 322.5 s, 516 s, 645 s.
        assert_eq!(
            steps(
                "2026-01-12T10:00:00Z",
                "2026-01-12T10:10:45Z",
                &EscalationLadder::default()
            ),
            [
                (500, utc("2026-01-12T10:05Z")),
                (800, utc("2026-01-12T10:08Z")),
                (1000, utc("2026-01-12T10:10Z")),
            ]
        );
        assert_eq!(
            steps(
                "2026-01-12T10:00:30Z",
                "2026-01-12T14:00:30Z",
                &EscalationLadder::default()
            ),
            [
                (500, utc("2026-01-12T12:00Z")),
                (800, utc("2026-01-12T13:12Z")),
                (1000, utc("2026-01-12T14:00Z")),
            ]
        );
    }

    #[test]
    fn rungs_in_one_minute_fire_once_as_the_higher() {
        let ladder = EscalationLadder::default();
        assert_eq!(
            steps("2026-01-12T10:00:00Z", "2026-01-12T10:00:50Z", &ladder),
            [(1000, utc("2026-01-12T10:00Z"))]
        );
        let fine = EscalationLadder::new(vec![100, 150, 1000]).unwrap();
        assert_eq!(
            steps("2026-01-12T10:00Z", "2026-01-12T10:10Z", &fine),
            [
                (150, utc("2026-01-12T10:01Z")),
                (1000, utc("2026-01-12T10:10Z"))
            ]
        );
    }

    #[test]
    fn overdue_at_opening_escalates_at_once() {
        assert_eq!(
            steps(
                "2026-01-12T10:00:30Z",
                "2026-01-12T09:00Z",
                &EscalationLadder::default()
            ),
            [(1000, utc("2026-01-12T10:00Z"))]
        );
    }

    #[test]
    fn escalation_ladder_errors() {
        let error = |steps: Vec<u16>| EscalationLadder::new(steps).unwrap_err().to_string();
        assert_eq!(
            error(vec![]),
            "the escalation ladder is empty; give steps in per mille such as [500, 800, 1000]"
        );
        assert_eq!(
            error(vec![0, 1000]),
            "escalation step 0 is out of range; expected 1 to 1000 per mille of the SLA"
        );
        assert_eq!(
            error(vec![500, 1001]),
            "escalation step 1001 is out of range; expected 1 to 1000 per mille of the SLA"
        );
        assert_eq!(
            error(vec![800, 500]),
            "escalation steps must increase; 800 is followed by 500"
        );
        assert_eq!(
            error(vec![500, 500]),
            "escalation steps must increase; 500 is followed by 500"
        );
    }

    // Config.

    #[test]
    fn calendar_config_errors_name_the_key_and_value() {
        let with_hours = |hours: &str| {
            calendar(&format!(
                "time_zone = \"Europe/Berlin\"\nhours = {{ {hours} }}\n"
            ))
            .unwrap_err()
        };
        assert_eq!(
            calendar("time_zone = \"Europe/Berln\"\nhours = { mon = [\"09:00-18:00\"] }")
                .unwrap_err(),
            "`time_zone` is \"Europe/Berln\"; expected an IANA time zone name such as \
             \"Europe/Berlin\""
        );
        assert_eq!(
            with_hours("tue = [\"9-18\"]"),
            "`hours.tue` has \"9-18\"; expected \"HH:MM-HH:MM\" such as \"09:00-18:00\""
        );
        assert_eq!(
            with_hours("wed = [\"09:00-24:30\"]"),
            "`hours.wed` has \"09:00-24:30\"; expected \"HH:MM-HH:MM\" such as \"09:00-18:00\""
        );
        assert_eq!(
            with_hours("fri = [\"22:00-02:00\"]"),
            "`hours.fri` has \"22:00-02:00\", which does not end after it starts; an interval \
             cannot cross midnight: end it at \"24:00\" and go on from \"00:00\" the next day"
        );
        assert_eq!(
            with_hours("sat = [\"10:00-10:00\"]"),
            "`hours.sat` has \"10:00-10:00\", which does not end after it starts; an interval \
             cannot cross midnight: end it at \"24:00\" and go on from \"00:00\" the next day"
        );
        assert_eq!(
            with_hours("mon = [\"12:00-18:00\", \"09:00-12:30\"]"),
            "`hours.mon` has \"09:00-12:30\" and \"12:00-18:00\", which overlap; merge them into \
             one"
        );
        assert_eq!(
            with_hours("sun = [\"18:00-24:00\", \"20:00-21:00\"]"),
            "`hours.sun` has \"18:00-24:00\" and \"20:00-21:00\", which overlap; merge them into \
             one"
        );
        assert_eq!(
            with_hours("mon = [], sat = []"),
            "`hours` opens on no day; add an interval such as `mon = [\"09:00-18:00\"]`"
        );
        assert_eq!(
            calendar(
                "time_zone = \"Europe/Berlin\"\nhours = { mon = [\"09:00-18:00\"] }\n\
                 holidays = [\"2026-02-30\"]"
            )
            .unwrap_err(),
            "`holidays` has \"2026-02-30\"; expected a date such as \"2026-12-25\""
        );
        assert_eq!(
            with_hours("monday = [\"09:00-18:00\"]"),
            "unknown field `monday`, expected one of `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, \
             `sun`"
        );
    }

    #[test]
    fn touching_intervals_and_midnight_ends_are_fine() {
        let cal = every_day(BERLIN, "18:00-24:00");
        let evening = local(BERLIN, "2026-01-12T23:00");
        // 1 h to midnight, then 18:00 the next day.
        assert_eq!(
            cal.add_business_time(evening, hours(2)),
            utc("2026-01-13T18:00Z")
        );
        let split = calendar(
            "time_zone = \"Europe/Berlin\"\nhours = { mon = [\"09:00-12:00\", \"12:00-18:00\"] }",
        )
        .unwrap();
        assert_eq!(
            split.business_time_between(
                local(BERLIN, "2026-01-12T00:00"),
                local(BERLIN, "2026-01-13T00:00")
            ),
            hours(9)
        );
    }

    #[test]
    fn sla_settings_read_from_toml() {
        #[derive(Deserialize)]
        struct Settings {
            severity: Severity,
            #[serde(default)]
            targets: SeverityTargets,
            escalation: EscalationLadder,
            rules: Vec<MarketplaceRule>,
        }
        let settings: Settings = toml::from_str(
            r#"
            severity = "yellow"
            targets = { red = "2h", blue = "PT48H" }
            escalation = [250, 1000]
            [[rules]]
            name = "amazon.buyer_message"
            window = { calendar = "12h" }
            [[rules]]
            name = "ebay.case"
            window = { business_days = { days = 3, time_zone = "America/Los_Angeles" } }
            [[rules]]
            name = "shopify.dispute"
            platform_margin = "24h"
            "#,
        )
        .unwrap();
        assert_eq!(settings.severity, Severity::Yellow);
        assert_eq!(
            settings.targets,
            SeverityTargets {
                red: hours(2),
                yellow: hours(12),
                blue: hours(48),
            }
        );
        assert_eq!(settings.escalation.per_mille(), [250, 1000]);
        assert_eq!(
            settings.rules,
            [
                MarketplaceRule::calendar("amazon.buyer_message", hours(12)),
                MarketplaceRule::ebay_case(zone(EBAY_DEFAULT_TIME_ZONE)),
                MarketplaceRule::shopify_dispute(),
            ]
        );
    }

    #[test]
    fn bad_sla_settings_are_refused() {
        let message = |text: &str| {
            toml::from_str::<SeverityTargets>(text)
                .map(drop)
                .unwrap_err()
                .message()
                .to_string()
        };
        assert_eq!(
            message("red = \"-4h\""),
            "expected a positive duration such as \"4h\", found \"-4h\""
        );
        assert_eq!(
            message("red = \"0s\""),
            "expected a positive duration such as \"4h\", found \"0s\""
        );
        assert_eq!(
            toml::from_str::<MarketplaceRule>("name = \"x\"\nplatform_margin = \"-1h\"")
                .unwrap_err()
                .message(),
            "expected a duration of zero or more such as \"24h\", found \"-1h\""
        );
        assert_eq!(
            toml::from_str::<std::collections::BTreeMap<String, EscalationLadder>>(
                "escalation = [800, 500]"
            )
            .unwrap_err()
            .message(),
            "escalation steps must increase; 800 is followed by 500"
        );
    }
}
