//! The seller's business calendar: opening hours in the seller's time zone, holidays, and
//! business time added and measured across them (see the module above for how wall-clock
//! times are read around clock changes).

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use std::collections::BTreeSet;

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
pub(super) struct OpeningInterval {
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
pub(super) fn parse_interval(
    day: &'static str,
    text: &str,
) -> Result<OpeningInterval, CalendarError> {
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
pub(super) fn parse_clock(text: &str) -> Option<Time> {
    let (hour, minute) = text.split_once(':')?;
    let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !(two_digits(hour) && two_digits(minute)) {
        return None;
    }
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

/// The first instant at which the clock in `zone` reads `local` or later (see the module
/// header): the earlier reading in a fold, the end of the gap in a gap.
pub(super) fn wall_clock_instant(zone: &TimeZone, local: DateTime) -> Option<Timestamp> {
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
pub(super) fn next_weekday(date: Date) -> Option<Date> {
    std::iter::successors(date.tomorrow().ok(), |date| date.tomorrow().ok())
        .find(|date| !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday))
}

/// `at + duration`, held at the ends of jiff's range instead of failing.
pub(super) fn shift(at: Timestamp, duration: SignedDuration) -> Timestamp {
    at.checked_add(duration)
        .unwrap_or(if duration.is_negative() {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
}
