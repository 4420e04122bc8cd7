//! Business days (Monday to Friday, UTC) for the investigation window.

use helloword_sdk::types::Timestamp;

const DAY: i64 = 86_400;

/// Day of the week of a day count since 1970-01-01 (a Thursday): 0 = Monday … 6 = Sunday.
pub fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// Whether the day is Monday to Friday.
pub fn is_business_day(days: i64) -> bool {
    weekday(days) < 5
}

/// The end of an investigation window of `business_days` opened at `opened_at`: 24:00 UTC
/// of the `business_days`-th business day after the day it opened. Opened on a Monday with
/// 2 days, it ends at Thursday 00:00; opened on a Friday or over the weekend, at Wednesday
/// 00:00.
pub fn window_end(opened_at: &Timestamp, business_days: u32) -> Timestamp {
    let mut day = opened_at.seconds.div_euclid(DAY);
    let mut counted = 0;
    while counted < business_days {
        day += 1;
        if is_business_day(day) {
            counted += 1;
        }
    }
    Timestamp {
        seconds: (day + 1) * DAY,
        nanoseconds: 0,
    }
}

/// Whether `a` is before `b`.
pub fn before(a: &Timestamp, b: &Timestamp) -> bool {
    (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
}

/// The English day name, for rationales.
pub fn day_name(at: &Timestamp) -> &'static str {
    match weekday(at.seconds.div_euclid(DAY)) {
        0 => "Monday",
        1 => "Tuesday",
        2 => "Wednesday",
        3 => "Thursday",
        4 => "Friday",
        5 => "Saturday",
        _ => "Sunday",
    }
}
