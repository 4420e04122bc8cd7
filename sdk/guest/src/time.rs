//! Timestamps from the notations marketplaces use, without a time-zone database: every
//! marketplace timestamp carries its own offset.

use std::fmt;

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeError(pub String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not an RFC 3339 timestamp", self.0)
    }
}

impl std::error::Error for TimeError {}

/// Parse "2025-07-10T16:15:47.000000Z", "2021-01-21 14:32:37-05:00", "2025-07-10T16:15:47+0200"
/// or a bare date "2025-07-17" (midnight UTC) into (seconds, nanoseconds) since the epoch.
pub fn parse_rfc3339(text: &str) -> Result<(i64, u32), TimeError> {
    let err = || TimeError(text.to_string());
    let s = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<i64, TimeError> {
        let part = s.get(range).ok_or_else(err)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(err());
        }
        Ok(part
            .iter()
            .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0')))
    };
    if s.len() < 10 || s[4] != b'-' || s[7] != b'-' {
        return Err(err());
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(err());
    }
    let days = days_from_civil(year, month, day);
    if s.len() == 10 {
        return Ok((days * 86_400, 0));
    }
    if !matches!(s[10], b'T' | b't' | b' ') || s.len() < 19 || s[13] != b':' || s[16] != b':' {
        return Err(err());
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return Err(err());
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(err());
        }
        for (k, b) in s[start..i].iter().take(9).enumerate() {
            nanos += u32::from(b - b'0') * 10u32.pow(8 - k as u32);
        }
    }
    let offset = match s.get(i) {
        Some(b'Z' | b'z') if i + 1 == s.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let rest = &s[i + 1..];
            let (h, m) = match rest.len() {
                5 if rest[2] == b':' => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                4 => (num(i + 1..i + 3)?, num(i + 3..i + 5)?),
                2 => (num(i + 1..i + 3)?, 0),
                _ => return Err(err()),
            };
            if h > 23 || m > 59 {
                return Err(err());
            }
            let minutes = h * 60 + m;
            if *sign == b'+' { minutes } else { -minutes }
        }
        // No offset at all: read as UTC rather than guess a local zone.
        None => 0,
        _ => return Err(err()),
    };
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset * 60;
    Ok((seconds, nanos))
}

/// (seconds, nanoseconds) since the epoch as RFC 3339 text in UTC: "2025-07-10T16:15:47Z",
/// with a fraction only when there is one ("…:47.250Z").
pub fn format_rfc3339(seconds: i64, nanoseconds: u32) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let fraction = if nanoseconds == 0 {
        String::new()
    } else {
        let digits = format!(".{nanoseconds:09}");
        digits.trim_end_matches('0').to_string()
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{fraction}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (Howard
/// Hinnant's algorithm, the inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketplace_notations_parse() {
        // Shopify X-Shopify-Triggered-At
        assert_eq!(
            parse_rfc3339("2025-07-10T16:15:47.000000Z"),
            Ok((1_752_164_147, 0))
        );
        assert_eq!(
            parse_rfc3339("2021-01-21T14:32:37-05:00"),
            Ok((1_611_257_557, 0))
        );
        assert_eq!(
            parse_rfc3339("2021-01-21T19:32:37.250+0000"),
            Ok((1_611_257_557, 250_000_000))
        );
        assert_eq!(parse_rfc3339("1970-01-01"), Ok((0, 0)));
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z"),
            Ok((1_709_164_800, 0))
        );
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Ok((-1, 0)));
    }

    #[test]
    fn formatting_inverts_parsing() {
        for text in [
            "2025-07-10T16:15:47Z",
            "1969-12-31T23:59:59Z",
            "2024-02-29T00:00:00.25Z",
            "1970-01-01T00:00:00Z",
        ] {
            let (s, n) = parse_rfc3339(text).unwrap();
            assert_eq!(format_rfc3339(s, n), text);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }

    #[test]
    fn malformed_text_is_rejected() {
        for bad in [
            "",
            "2025-13-01",
            "2023-02-29",
            "2025-07-10T25:00:00Z",
            "2025-07-10T16:15Z",
            "2025-07-10T16:15:47.Z",
            "2025-07-10T16:15:47Zjunk",
            "10/07/2025",
            "2025-07-10T16:15:47+5",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }
}
