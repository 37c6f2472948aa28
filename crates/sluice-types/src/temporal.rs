//! Calendar arithmetic shared by casts, formats and connectors.
//!
//! Timestamps are microseconds since 1970-01-01 00:00:00 (for `TIMESTAMP` that is the
//! wall-clock time read as if in UTC; for `TIMESTAMP_LTZ` it is the instant). Dates are
//! days since 1970-01-01, times are milliseconds of the day.

use std::fmt::Write;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike};
use chrono_tz::Tz;

pub const MICROS_PER_MILLI: i64 = 1_000;
pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
pub const MILLIS_PER_DAY: i64 = 86_400_000;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

/// The calendar date of a day number.
pub fn date_from_days(days: i32) -> Option<NaiveDate> {
    epoch().checked_add_signed(chrono::Duration::days(days as i64))
}

pub fn days_from_date(date: NaiveDate) -> i32 {
    (date - epoch()).num_days() as i32
}

/// The wall-clock date and time of a microsecond timestamp.
pub fn datetime_from_micros(micros: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_micros(micros).map(|d| d.naive_utc())
}

pub fn micros_from_datetime(dt: &NaiveDateTime) -> i64 {
    dt.and_utc().timestamp_micros()
}

/// How many fraction digits to print after the seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fraction {
    /// Exactly this many digits, zero-padded (Flink's `CAST(ts AS STRING)` and `print`).
    Fixed(u8),
    /// Up to this many digits with trailing zeros dropped, and no dot at all when the
    /// fraction is zero (Flink's JSON format, `SQL` standard).
    Trimmed(u8),
}

/// Appends `yyyy-MM-dd HH:mm:ss[.fff]` (or with a `T` between date and time when
/// `iso` is set) for a microsecond timestamp.
pub fn write_timestamp(out: &mut String, micros: i64, fraction: Fraction, iso: bool) {
    let Some(dt) = datetime_from_micros(micros) else {
        let _ = write!(out, "{micros}");
        return;
    };
    write_date(out, dt.date());
    out.push(if iso { 'T' } else { ' ' });
    write_time_of_day(out, dt.time(), fraction);
}

/// Appends `yyyy-MM-dd`. Years past 9999 get a leading `+` as in Java.
pub fn write_date(out: &mut String, date: NaiveDate) {
    let y = date.year();
    if (0..=9999).contains(&y) {
        let _ = write!(out, "{:04}-{:02}-{:02}", y, date.month(), date.day());
    } else {
        let _ = write!(out, "{:+05}-{:02}-{:02}", y, date.month(), date.day());
    }
}

pub fn write_date_days(out: &mut String, days: i32) {
    match date_from_days(days) {
        Some(d) => write_date(out, d),
        None => {
            let _ = write!(out, "{days}");
        }
    }
}

/// Appends `HH:mm:ss[.fff]`.
pub fn write_time_of_day(out: &mut String, time: NaiveTime, fraction: Fraction) {
    let _ = write!(out, "{:02}:{:02}:{:02}", time.hour(), time.minute(), time.second());
    let nanos = time.nanosecond() % 1_000_000_000;
    write_fraction(out, nanos, fraction);
}

/// Appends a `TIME` value held as milliseconds of the day.
pub fn write_time_millis(out: &mut String, millis: i32, fraction: Fraction) {
    let secs = millis.div_euclid(1000) as u32;
    let nanos = (millis.rem_euclid(1000) as u32) * 1_000_000;
    match NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos) {
        Some(t) => write_time_of_day(out, t, fraction),
        None => {
            let _ = write!(out, "{millis}");
        }
    }
}

fn write_fraction(out: &mut String, nanos: u32, fraction: Fraction) {
    match fraction {
        Fraction::Fixed(0) => {}
        Fraction::Fixed(p) => {
            let p = p.min(9) as usize;
            let digits = format!("{nanos:09}");
            out.push('.');
            out.push_str(&digits[..p]);
        }
        Fraction::Trimmed(p) => {
            let p = p.min(9) as usize;
            let digits = format!("{nanos:09}");
            let kept = digits[..p].trim_end_matches('0');
            if !kept.is_empty() {
                out.push('.');
                out.push_str(kept);
            }
        }
    }
}

/// Parses a timestamp the way Flink's `CAST(s AS TIMESTAMP)` and JSON format accept it:
/// `yyyy-MM-dd`, `yyyy-MM-dd HH:mm[:ss[.f…]]`, with a space or a `T`, and an optional
/// trailing `Z`. Returns microseconds.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let s = s.strip_suffix('Z').unwrap_or(s);
    let (date_part, time_part) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let days = parse_date(date_part)?;
    let mut micros = days as i64 * MICROS_PER_DAY;
    if let Some(t) = time_part {
        micros += parse_time_micros(t)?;
    }
    Some(micros)
}

/// Parses `yyyy-M-d` into a day number.
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let mut parts = s.splitn(3, '-');
    let (neg, y) = match parts.next()? {
        "" => (true, parts.next()?),
        y => (false, y),
    };
    let year: i32 = parse_digits(y)? as i32;
    let year = if neg { -year } else { year };
    let month = parse_digits(parts.next()?)? as u32;
    let day = parse_digits(parts.next()?)? as u32;
    NaiveDate::from_ymd_opt(year, month, day).map(days_from_date)
}

/// Parses `H:m[:s[.f…]]` into microseconds of the day.
pub fn parse_time_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let h = parse_digits(parts.next()?)?;
    let m = parse_digits(parts.next()?)?;
    let sec = match parts.next() {
        Some(x) => parse_digits(x)?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let mut micros = ((h * 60 + m) * 60 + sec) as i64 * MICROS_PER_SECOND;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut digits = f.as_bytes().iter().take(6).map(|b| (b - b'0') as i64).collect::<Vec<_>>();
        while digits.len() < 6 {
            digits.push(0);
        }
        micros += digits.iter().fold(0, |acc, d| acc * 10 + d);
    }
    Some(micros)
}

fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses a session time zone id as Flink accepts it: a region (`Europe/Rome`), `UTC`,
/// `GMT`, `Z` or a fixed offset (`GMT+08:00`, `+08:00`).
pub fn parse_time_zone(id: &str) -> Option<SessionTimeZone> {
    let id = id.trim();
    if let Ok(tz) = id.parse::<Tz>() {
        return Some(SessionTimeZone::Region(tz));
    }
    let offset = id
        .strip_prefix("GMT")
        .or_else(|| id.strip_prefix("UTC"))
        .unwrap_or(id);
    if offset.is_empty() || offset == "Z" {
        return Some(SessionTimeZone::Fixed(0));
    }
    let (sign, rest) = match offset.as_bytes().first()? {
        b'+' => (1, &offset[1..]),
        b'-' => (-1, &offset[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None => (rest.parse::<i32>().ok()?, 0),
    };
    if h > 18 || m > 59 {
        return None;
    }
    Some(SessionTimeZone::Fixed(sign * (h * 3600 + m * 60)))
}

/// The session time zone (`table.local-time-zone`), used to turn instants into wall-clock
/// times and back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SessionTimeZone {
    Region(Tz),
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
}

impl Default for SessionTimeZone {
    fn default() -> Self {
        SessionTimeZone::Fixed(0)
    }
}

impl SessionTimeZone {
    pub fn is_utc(&self) -> bool {
        match self {
            SessionTimeZone::Fixed(0) => true,
            SessionTimeZone::Region(tz) => matches!(tz, Tz::UTC | Tz::Etc__UTC | Tz::GMT),
            _ => false,
        }
    }

    /// The offset in seconds east of UTC at the given instant.
    pub fn offset_at_instant(&self, micros: i64) -> i64 {
        match self {
            SessionTimeZone::Fixed(s) => *s as i64,
            SessionTimeZone::Region(tz) => match DateTime::from_timestamp_micros(micros) {
                Some(dt) => tz.offset_from_utc_datetime(&dt.naive_utc()).fix().local_minus_utc() as i64,
                None => 0,
            },
        }
    }

    /// Instant (LTZ micros) to wall-clock time (TIMESTAMP micros).
    pub fn to_local(&self, instant_micros: i64) -> i64 {
        instant_micros + self.offset_at_instant(instant_micros) * MICROS_PER_SECOND
    }

    /// Wall-clock time (TIMESTAMP micros) to instant. In a gap the later offset is used,
    /// in an overlap the earlier, as `java.time` does.
    pub fn to_instant(&self, local_micros: i64) -> i64 {
        match self {
            SessionTimeZone::Fixed(s) => local_micros - *s as i64 * MICROS_PER_SECOND,
            SessionTimeZone::Region(tz) => {
                let Some(naive) = datetime_from_micros(local_micros) else {
                    return local_micros;
                };
                let offset = match tz.offset_from_local_datetime(&naive) {
                    chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
                    chrono::LocalResult::Ambiguous(a, _) => a.fix().local_minus_utc(),
                    chrono::LocalResult::None => {
                        // In a gap: shift by the offset in force just after it.
                        let later = naive + chrono::Duration::hours(3);
                        tz.offset_from_local_datetime(&later)
                            .earliest()
                            .map(|o| o.fix().local_minus_utc())
                            .unwrap_or(0)
                    }
                };
                local_micros - offset as i64 * MICROS_PER_SECOND
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_timestamps() {
        let t = parse_timestamp("2021-10-11 12:53:34.845").unwrap();
        let mut s = String::new();
        write_timestamp(&mut s, t, Fraction::Fixed(3), false);
        assert_eq!(s, "2021-10-11 12:53:34.845");
        let t = parse_timestamp("2021-10-11T12:53:34.8Z").unwrap();
        s.clear();
        write_timestamp(&mut s, t, Fraction::Trimmed(3), false);
        assert_eq!(s, "2021-10-11 12:53:34.8");
        let t = parse_timestamp("2024-05-11 17:59:58").unwrap();
        s.clear();
        write_timestamp(&mut s, t, Fraction::Trimmed(3), true);
        assert_eq!(s, "2024-05-11T17:59:58");
        assert_eq!(parse_timestamp("2024-13-01 00:00:00"), None);
        assert_eq!(parse_timestamp("garbage"), None);
    }

    #[test]
    fn time_zones() {
        let rome = parse_time_zone("Europe/Rome").unwrap();
        let instant = parse_timestamp("2021-07-01 10:00:00").unwrap();
        assert_eq!(rome.to_local(instant) - instant, 2 * 3600 * MICROS_PER_SECOND);
        assert_eq!(rome.to_instant(rome.to_local(instant)), instant);
        assert_eq!(parse_time_zone("GMT+08:00"), Some(SessionTimeZone::Fixed(8 * 3600)));
        assert!(parse_time_zone("UTC").unwrap().is_utc());
    }
}
