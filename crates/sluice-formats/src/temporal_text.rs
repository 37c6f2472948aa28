//! Fast, allocation-free reading and writing of dates, times and timestamps as bytes,
//! in the layouts Flink's formats use (`yyyy-MM-dd`, `HH:mm:ss[.fffffffff]`, with a space
//! or a `T` between them). Years 0000 to 9999 are handled here; anything else is rejected
//! when parsing and printed by `sluice_types::temporal` when writing.

use sluice_types::temporal::{self, Fraction, MICROS_PER_DAY, MICROS_PER_SECOND};

/// Days since 1970-01-01 of a proleptic Gregorian date (no range checks).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

#[inline]
fn two(b: &[u8], i: usize) -> Option<u32> {
    let (a, c) = (*b.get(i)?, *b.get(i + 1)?);
    if a.is_ascii_digit() && c.is_ascii_digit() {
        Some(((a - b'0') * 10 + (c - b'0')) as u32)
    } else {
        None
    }
}

/// Parses exactly `yyyy-MM-dd` (ISO_LOCAL_DATE) into a day number.
pub fn parse_date(b: &[u8]) -> Option<i32> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = two(b, 0)? * 100 + two(b, 2)?;
    let (m, d) = (two(b, 5)?, two(b, 8)?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i64, m) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d) as i32)
}

/// Parses `HH:mm[:ss[.f{1,9}]]` into microseconds of the day (digits past micros dropped).
pub fn parse_time(b: &[u8]) -> Option<i64> {
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let (h, m) = (two(b, 0)?, two(b, 3)?);
    let mut s = 0;
    let mut micros = 0i64;
    if b.len() > 5 {
        if b[5] != b':' || b.len() < 8 {
            return None;
        }
        s = two(b, 6)?;
        if b.len() > 8 {
            if b[8] != b'.' {
                return None;
            }
            let frac = &b[9..];
            if frac.is_empty() || frac.len() > 9 || !frac.iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            for i in 0..6 {
                micros = micros * 10 + frac.get(i).map_or(0, |c| (c - b'0') as i64);
            }
        }
    }
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + s) as i64 * MICROS_PER_SECOND + micros)
}

/// Parses `yyyy-MM-dd HH:mm:ss[.f]` or `yyyy-MM-ddTHH:mm:ss[.f]`, with a trailing `Z`
/// when `allow_z` (TIMESTAMP_LTZ) and without otherwise. Returns microseconds.
pub fn parse_timestamp(b: &[u8], allow_z: bool) -> Option<i64> {
    if b.len() < 16 || (b[10] != b' ' && b[10] != b'T') {
        return None;
    }
    let days = parse_date(&b[..10])?;
    let mut time = &b[11..];
    if allow_z {
        if let Some(t) = time.strip_suffix(b"Z") {
            time = t;
        }
    }
    let micros = parse_time(time)?;
    Some(days as i64 * MICROS_PER_DAY + micros)
}

#[inline]
fn push2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// Appends `yyyy-MM-dd`.
pub fn write_date(out: &mut Vec<u8>, days: i32) {
    let (y, m, d) = civil_from_days(days as i64);
    if !(0..=9999).contains(&y) {
        let mut s = String::new();
        temporal::write_date_days(&mut s, days);
        out.extend_from_slice(s.as_bytes());
        return;
    }
    push2(out, (y / 100) as u32);
    push2(out, (y % 100) as u32);
    out.push(b'-');
    push2(out, m);
    out.push(b'-');
    push2(out, d);
}

/// Appends `HH:mm:ss` and the fraction of `micros_of_day` as `fraction` says.
pub fn write_time_of_day(out: &mut Vec<u8>, micros_of_day: i64, fraction: Fraction) {
    let secs = micros_of_day / MICROS_PER_SECOND;
    let sub_micros = (micros_of_day % MICROS_PER_SECOND) as u32;
    push2(out, (secs / 3600) as u32);
    out.push(b':');
    push2(out, ((secs / 60) % 60) as u32);
    out.push(b':');
    push2(out, (secs % 60) as u32);
    write_fraction(out, sub_micros * 1000, fraction);
}

fn write_fraction(out: &mut Vec<u8>, nanos: u32, fraction: Fraction) {
    let (max, trim) = match fraction {
        Fraction::Fixed(p) => (p.min(9) as usize, false),
        Fraction::Trimmed(p) => (p.min(9) as usize, true),
    };
    if max == 0 {
        return;
    }
    let mut digits = [0u8; 9];
    let mut n = nanos;
    for i in (0..9).rev() {
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut len = max;
    if trim {
        while len > 0 && digits[len - 1] == b'0' {
            len -= 1;
        }
        if len == 0 {
            return;
        }
    }
    out.push(b'.');
    out.extend_from_slice(&digits[..len]);
}

/// Appends a microsecond timestamp as `yyyy-MM-dd<sep>HH:mm:ss[.f]`.
pub fn write_timestamp(out: &mut Vec<u8>, micros: i64, fraction: Fraction, sep: u8) {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let of_day = micros.rem_euclid(MICROS_PER_DAY);
    let (y, _, _) = civil_from_days(days);
    if !(0..=9999).contains(&y) || days > i32::MAX as i64 || days < i32::MIN as i64 {
        let mut s = String::new();
        temporal::write_timestamp(&mut s, micros, fraction, sep == b'T');
        out.extend_from_slice(s.as_bytes());
        return;
    }
    write_date(out, days as i32);
    out.push(sep);
    write_time_of_day(out, of_day, fraction);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719468i64, -1, 0, 1, 18_911, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(parse_date(b"2021-10-11"), temporal::parse_date("2021-10-11"));
        assert_eq!(parse_date(b"2021-02-29"), None);
        assert_eq!(parse_date(b"20191112"), None);
    }

    #[test]
    fn timestamps() {
        let t = parse_timestamp(b"2021-10-11 12:53:34.84", false).unwrap();
        assert_eq!(Some(t), temporal::parse_timestamp("2021-10-11 12:53:34.84"));
        assert_eq!(parse_timestamp(b"2021-10-11T12:53:34Z", false), None);
        assert!(parse_timestamp(b"2021-10-11T12:53:34Z", true).is_some());
        let mut out = Vec::new();
        write_timestamp(&mut out, t, Fraction::Trimmed(9), b' ');
        assert_eq!(out, b"2021-10-11 12:53:34.84");
        out.clear();
        write_timestamp(&mut out, t, Fraction::Fixed(3), b'T');
        assert_eq!(out, b"2021-10-11T12:53:34.840");
        out.clear();
        write_timestamp(&mut out, -1, Fraction::Fixed(6), b' ');
        assert_eq!(out, b"1969-12-31 23:59:59.999999");
        assert_eq!(parse_time(b"18:00:243"), None);
    }
}
