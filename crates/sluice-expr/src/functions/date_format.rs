//! Java date-time patterns (`yyyy-MM-dd HH:mm:ss.SSS`, `MMM d, yyyy h:mm a`, ...) as used
//! by `DATE_FORMAT`, `TO_TIMESTAMP`, `TO_DATE`, `UNIX_TIMESTAMP` and `FROM_UNIXTIME`. A
//! pattern is compiled once into fields, then formats or parses many values.

use std::fmt::Write;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use sluice_types::temporal::{datetime_from_micros, micros_from_datetime};

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One element of a compiled pattern; numbers carry the letter count.
#[derive(Clone, Debug, PartialEq)]
enum Field {
    Literal(String),
    Year(usize),
    Month(usize),
    Day(usize),
    DayOfYear(usize),
    Hour24(usize),
    Hour12(usize),
    Minute(usize),
    Second(usize),
    Fraction(usize),
    AmPm,
    DayName(usize),
    DayNumber(usize),
    Week(usize),
    /// `X`, `Z`, `z`: the zone offset, in the style of the letter.
    Zone(char, usize),
}

impl Field {
    fn is_numeric(&self) -> bool {
        !matches!(self, Field::Literal(_) | Field::AmPm | Field::DayName(_) | Field::Zone(..))
            && !matches!(self, Field::Month(n) if *n >= 3)
    }
}

/// A compiled Java date-time pattern.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DatePattern {
    fields: Vec<Field>,
}

impl DatePattern {
    /// Compiles a pattern; letters Java does not define here are an error.
    pub fn compile(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut fields = Vec::new();
        let mut i = 0;
        let push_literal = |fields: &mut Vec<Field>, s: &str| match fields.last_mut() {
            Some(Field::Literal(l)) => l.push_str(s),
            _ => fields.push(Field::Literal(s.to_string())),
        };
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    push_literal(&mut fields, "'");
                    i += 2;
                    continue;
                }
                let mut j = i + 1;
                let mut text = String::new();
                while j < chars.len() {
                    if chars[j] == '\'' {
                        if chars.get(j + 1) == Some(&'\'') {
                            text.push('\'');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    text.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(format!("unterminated quote in date pattern '{pattern}'"));
                }
                push_literal(&mut fields, &text);
                i = j + 1;
                continue;
            }
            if !c.is_ascii_alphabetic() {
                push_literal(&mut fields, &c.to_string());
                i += 1;
                continue;
            }
            let mut n = 1;
            while chars.get(i + n) == Some(&c) {
                n += 1;
            }
            fields.push(match c {
                'y' => Field::Year(n),
                'M' | 'L' => Field::Month(n),
                'd' => Field::Day(n),
                'D' => Field::DayOfYear(n),
                'H' | 'k' => Field::Hour24(n),
                'h' | 'K' => Field::Hour12(n),
                'm' => Field::Minute(n),
                's' => Field::Second(n),
                'S' => Field::Fraction(n),
                'a' => Field::AmPm,
                'E' => Field::DayName(n),
                'u' => Field::DayNumber(n),
                'w' => Field::Week(n),
                'X' | 'x' | 'Z' | 'z' => Field::Zone(c, n),
                other => return Err(format!("unsupported letter '{other}' in date pattern '{pattern}'")),
            });
            i += n;
        }
        Ok(DatePattern { fields })
    }

    /// Appends the wall-clock time `micros`; `offset_secs` is printed by zone letters.
    pub fn format(&self, micros: i64, offset_secs: i64, out: &mut String) {
        let Some(dt) = datetime_from_micros(micros) else {
            return;
        };
        for f in &self.fields {
            match f {
                Field::Literal(s) => out.push_str(s),
                Field::Year(2) => pad(out, dt.year().rem_euclid(100) as i64, 2),
                Field::Year(n) => pad(out, dt.year() as i64, *n),
                Field::Month(n) if *n >= 4 => out.push_str(MONTHS[dt.month0() as usize]),
                Field::Month(3) => out.push_str(&MONTHS[dt.month0() as usize][..3]),
                Field::Month(n) => pad(out, dt.month() as i64, *n),
                Field::Day(n) => pad(out, dt.day() as i64, *n),
                Field::DayOfYear(n) => pad(out, dt.ordinal() as i64, *n),
                Field::Hour24(n) => pad(out, dt.hour() as i64, *n),
                Field::Hour12(n) => pad(out, (dt.hour() as i64 + 11) % 12 + 1, *n),
                Field::Minute(n) => pad(out, dt.minute() as i64, *n),
                Field::Second(n) => pad(out, dt.second() as i64, *n),
                Field::Fraction(n) => {
                    let digits = format!("{:09}", dt.nanosecond() % 1_000_000_000);
                    let n = (*n).min(9);
                    out.push_str(&digits[..n]);
                }
                Field::AmPm => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
                Field::DayName(n) => {
                    let name = DAYS[dt.weekday().num_days_from_monday() as usize];
                    out.push_str(if *n >= 4 { name } else { &name[..3] });
                }
                Field::DayNumber(n) => pad(out, dt.weekday().number_from_monday() as i64, *n),
                Field::Week(n) => pad(out, dt.iso_week().week() as i64, *n),
                Field::Zone(c, n) => write_zone(out, *c, *n, offset_secs),
            }
        }
    }

    /// Parses text into a wall-clock microsecond timestamp; missing fields default to
    /// 1970-01-01 00:00:00. The whole text must match (trailing spaces aside).
    pub fn parse(&self, text: &str) -> Option<i64> {
        self.parse_inner(text, false).map(|(v, _)| v)
    }

    /// Like `parse`, but text after the pattern is ignored, as Java's `SimpleDateFormat`
    /// does (`UNIX_TIMESTAMP('2021-10-11 12:53:11.237')` reads the seconds and stops).
    pub fn parse_prefix(&self, text: &str) -> Option<i64> {
        self.parse_inner(text, true).map(|(v, _)| v)
    }

    /// Like `parse_prefix`, also returning the zone offset (seconds east of UTC) the text
    /// gave for a zone letter (`Z`, `X`, `z`), as `SimpleDateFormat` reads it.
    pub fn parse_prefix_zoned(&self, text: &str) -> Option<(i64, Option<i64>)> {
        self.parse_inner(text, true)
    }

    fn parse_inner(&self, text: &str, allow_trailing: bool) -> Option<(i64, Option<i64>)> {
        let s = text.as_bytes();
        let mut pos = 0;
        let (mut year, mut month, mut day, mut doy) = (1970i32, 1u32, 1u32, None::<u32>);
        let (mut hour, mut minute, mut second, mut nanos, mut pm) = (0u32, 0u32, 0u32, 0u32, None::<bool>);
        let mut hour12 = false;
        let mut offset = None;
        for (k, f) in self.fields.iter().enumerate() {
            let next_numeric = self.fields.get(k + 1).is_some_and(|n| n.is_numeric());
            let mut number = |count: usize, max: usize| -> Option<(i64, usize)> {
                let limit = if next_numeric && count >= 2 { count } else { max };
                let start = pos;
                let neg = false;
                while pos < s.len() && pos - start < limit && s[pos].is_ascii_digit() {
                    pos += 1;
                }
                if pos == start {
                    return None;
                }
                let v: i64 = std::str::from_utf8(&s[start..pos]).ok()?.parse().ok()?;
                Some((if neg { -v } else { v }, pos - start))
            };
            match f {
                Field::Literal(l) => {
                    let lb = l.as_bytes();
                    if s.get(pos..pos + lb.len())? != lb {
                        return None;
                    }
                    pos += lb.len();
                }
                Field::Year(n) => {
                    let (v, len) = number(*n, 9)?;
                    year = if *n == 2 && len == 2 { 2000 + v as i32 } else { v as i32 };
                }
                Field::Month(n) if *n >= 3 => {
                    let (i, len) = match_name(&s[pos..], &MONTHS, *n >= 4)?;
                    month = i as u32 + 1;
                    pos += len;
                }
                Field::Month(n) => month = number(*n, 2)?.0 as u32,
                Field::Day(n) => day = number(*n, 2)?.0 as u32,
                Field::DayOfYear(n) => doy = Some(number(*n, 3)?.0 as u32),
                Field::Hour24(n) => hour = number(*n, 2)?.0 as u32,
                Field::Hour12(n) => {
                    hour = number(*n, 2)?.0 as u32 % 12;
                    hour12 = true;
                }
                Field::Minute(n) => minute = number(*n, 2)?.0 as u32,
                Field::Second(n) => second = number(*n, 2)?.0 as u32,
                Field::Fraction(n) => {
                    let (v, len) = number(*n, 9)?;
                    nanos = (v as u32).saturating_mul(10u32.pow(9 - len.min(9) as u32));
                }
                Field::AmPm => {
                    let rest = std::str::from_utf8(&s[pos..]).ok()?;
                    let upper = rest.get(..2)?.to_ascii_uppercase();
                    pm = Some(match upper.as_str() {
                        "AM" => false,
                        "PM" => true,
                        _ => return None,
                    });
                    pos += 2;
                }
                Field::DayName(n) => pos += match_name(&s[pos..], &DAYS, *n >= 4)?.1,
                Field::DayNumber(n) | Field::Week(n) => {
                    number(*n, 2)?;
                }
                Field::Zone(..) => {
                    let (secs, len) = parse_zone(&s[pos..])?;
                    offset = Some(secs);
                    pos += len;
                }
            }
        }
        if !allow_trailing && !s[pos..].iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        if hour12 && pm == Some(true) {
            hour += 12;
        }
        let date = match doy {
            Some(d) => NaiveDate::from_yo_opt(year, d)?,
            None => NaiveDate::from_ymd_opt(year, month, day)?,
        };
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
        Some((micros_from_datetime(&NaiveDateTime::new(date, time)), offset))
    }
}

/// A zone in the text: `Z`, `UTC`/`GMT` with an optional offset, or `+hh`, `+hhmm`,
/// `+hh:mm`; returns seconds east of UTC and the bytes read.
fn parse_zone(s: &[u8]) -> Option<(i64, usize)> {
    let mut pos = 0;
    if s.first() == Some(&b'Z') {
        return Some((0, 1));
    }
    let named = [b"GMT".as_slice(), b"UTC".as_slice()].into_iter().find(|p| s.starts_with(p));
    if let Some(p) = named {
        pos = p.len();
        if !matches!(s.get(pos), Some(b'+' | b'-')) {
            return Some((0, pos));
        }
    }
    let sign = match s.get(pos)? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    pos += 1;
    let digits = |p: usize, n: usize| -> Option<i64> {
        let d = s.get(p..p + n)?;
        d.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(d).ok()?.parse().ok())?
    };
    // GMT+8 style: one or two hour digits.
    let (hours, mut pos) = match digits(pos, 2) {
        Some(h) => (h, pos + 2),
        None => (digits(pos, 1)?, pos + 1),
    };
    let mut minutes = 0;
    if s.get(pos) == Some(&b':') {
        minutes = digits(pos + 1, 2)?;
        pos += 3;
    } else if let Some(m) = digits(pos, 2) {
        minutes = m;
        pos += 2;
    }
    (hours <= 23 && minutes <= 59).then_some((sign * (hours * 3600 + minutes * 60), pos))
}

fn pad(out: &mut String, v: i64, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

/// Matches a month or day name (full or 3-letter), case-insensitively; returns its index
/// and the bytes consumed.
fn match_name(s: &[u8], names: &[&str], full: bool) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(s).ok()?.to_ascii_lowercase();
    for (i, name) in names.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if full && text.starts_with(&name) {
            return Some((i, name.len()));
        }
        if text.starts_with(&name[..3]) {
            return Some((i, 3));
        }
    }
    None
}

fn write_zone(out: &mut String, letter: char, count: usize, offset: i64) {
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 3600, offset.abs() / 60 % 60);
    match letter {
        'X' if offset == 0 => out.push('Z'),
        'X' | 'x' if count == 1 => {
            let _ = write!(out, "{sign}{h:02}");
        }
        'X' | 'x' if count == 2 => {
            let _ = write!(out, "{sign}{h:02}{m:02}");
        }
        'X' | 'x' => {
            let _ = write!(out, "{sign}{h:02}:{m:02}");
        }
        'Z' => {
            let _ = write!(out, "{sign}{h:02}{m:02}");
        }
        _ if offset == 0 => out.push_str("UTC"),
        _ => {
            let _ = write!(out, "GMT{sign}{h:02}:{m:02}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_types::temporal::parse_timestamp;

    fn fmt(p: &str, ts: &str) -> String {
        let mut s = String::new();
        DatePattern::compile(p).unwrap().format(parse_timestamp(ts).unwrap(), 0, &mut s);
        s
    }

    #[test]
    fn formats_like_java() {
        assert_eq!(fmt("yyyy-MM-dd HH:mm:ss.SSS", "2021-10-11 12:53:34.84"), "2021-10-11 12:53:34.840");
        assert_eq!(fmt("yy/M/d h:mm a", "2021-03-04 15:07:00"), "21/3/4 3:07 PM");
        assert_eq!(fmt("EEE, MMM dd yyyy", "2021-10-11 00:00:00"), "Mon, Oct 11 2021");
        assert_eq!(fmt("EEEE MMMM D", "2021-02-01 00:00:00"), "Monday February 32");
        assert_eq!(fmt("yyyy-MM-dd'T'HH:mm:ss''X", "2021-10-11 01:02:03"), "2021-10-11T01:02:03'Z");
        assert!(DatePattern::compile("yyyy-qq").is_err());
    }

    #[test]
    fn parses_like_java() {
        let p = DatePattern::compile("yyyy-MM-dd HH:mm:ss").unwrap();
        assert_eq!(p.parse("2021-10-11 12:53:34"), parse_timestamp("2021-10-11 12:53:34"));
        assert_eq!(p.parse("2021-10-11 12:53"), None);
        assert_eq!(p.parse("2021-13-11 12:53:00"), None);
        let p = DatePattern::compile("yyyyMMddHHmmss").unwrap();
        assert_eq!(p.parse("20211011125334"), parse_timestamp("2021-10-11 12:53:34"));
        let p = DatePattern::compile("dd/MMM/yyyy:HH:mm:ss.SSS").unwrap();
        assert_eq!(p.parse("11/Oct/2021:12:53:34.5"), parse_timestamp("2021-10-11 12:53:34.5"));
        let p = DatePattern::compile("yyyy-MM-dd").unwrap();
        assert_eq!(p.parse("2021-10-11"), parse_timestamp("2021-10-11"));
        let p = DatePattern::compile("yyyy-MM-dd HH:mm:ss").unwrap();
        assert_eq!(p.parse("2021-10-11 12:53:11.237"), None);
        assert_eq!(p.parse_prefix("2021-10-11 12:53:11.237"), parse_timestamp("2021-10-11 12:53:11"));
    }
}
