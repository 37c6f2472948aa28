//! Java `DateTimeFormatter` patterns (`yyyy-MM-dd`, `yyyy/MM/dd HH:mm:ss`) for dynamic
//! index names. Only the letters that make sense in an index name are supported: year,
//! month, day, hour, minute, second, fraction, day of year, AM/PM, and quoted literals.
//!
//! `sluice-expr` has a fuller formatter for `DATE_FORMAT`, private to that crate; this
//! one stays small because index patterns are compiled once per table.

use chrono::{Datelike, NaiveDateTime, Timelike};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
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
}

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JavaDatePattern {
    parts: Vec<Part>,
}

impl JavaDatePattern {
    /// Compiles `pattern`; a letter it does not support is an error naming the letter.
    pub fn compile(pattern: &str) -> Result<JavaDatePattern, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parts = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                // A quoted literal; '' is a single quote.
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(format!("unterminated quote in date pattern \"{pattern}\"")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                if text.is_empty() {
                    text.push('\'');
                }
                parts.push(Part::Literal(text));
                continue;
            }
            if !c.is_ascii_alphabetic() {
                parts.push(Part::Literal(c.to_string()));
                i += 1;
                continue;
            }
            let n = chars[i..].iter().take_while(|&&x| x == c).count();
            parts.push(match c {
                'y' | 'u' => Part::Year(n),
                'M' | 'L' => Part::Month(n),
                'd' => Part::Day(n),
                'D' => Part::DayOfYear(n),
                'H' => Part::Hour24(n),
                'h' => Part::Hour12(n),
                'm' => Part::Minute(n),
                's' => Part::Second(n),
                'S' => Part::Fraction(n),
                'a' => Part::AmPm,
                other => return Err(format!("unsupported letter '{other}' in date pattern \"{pattern}\"")),
            });
            i += n;
        }
        Ok(JavaDatePattern { parts })
    }

    /// Appends `dt` formatted by the pattern.
    pub fn format(&self, dt: &NaiveDateTime, out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Year(2) => pad(out, i64::from(dt.year()).rem_euclid(100), 2),
                Part::Year(n) => pad(out, i64::from(dt.year()), *n),
                Part::Month(n) if *n >= 4 => out.push_str(MONTHS[dt.month0() as usize]),
                Part::Month(3) => out.push_str(&MONTHS[dt.month0() as usize][..3]),
                Part::Month(n) => pad(out, i64::from(dt.month()), *n),
                Part::Day(n) => pad(out, i64::from(dt.day()), *n),
                Part::DayOfYear(n) => pad(out, i64::from(dt.ordinal()), *n),
                Part::Hour24(n) => pad(out, i64::from(dt.hour()), *n),
                Part::Hour12(n) => {
                    let h = dt.hour() % 12;
                    pad(out, i64::from(if h == 0 { 12 } else { h }), *n)
                }
                Part::Minute(n) => pad(out, i64::from(dt.minute()), *n),
                Part::Second(n) => pad(out, i64::from(dt.second()), *n),
                Part::Fraction(n) => {
                    let nanos = format!("{:09}", dt.nanosecond() % 1_000_000_000);
                    let digits = (*n).min(9);
                    out.push_str(&nanos[..digits]);
                    for _ in 9..*n {
                        out.push('0');
                    }
                }
                Part::AmPm => out.push_str(if dt.hour() < 12 { "AM" } else { "PM" }),
            }
        }
    }
}

/// Appends `value` zero-padded to `width` digits (a sign first when negative).
fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        out.push('-');
    }
    let digits = value.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn fmt(pattern: &str, dt: NaiveDateTime) -> String {
        let mut s = String::new();
        JavaDatePattern::compile(pattern).unwrap().format(&dt, &mut s);
        s
    }

    #[test]
    fn formats_the_common_patterns() {
        let dt = NaiveDate::from_ymd_opt(2024, 3, 7).unwrap().and_hms_milli_opt(14, 5, 9, 42).unwrap();
        assert_eq!(fmt("yyyy-MM-dd", dt), "2024-03-07");
        assert_eq!(fmt("yyyy/MM/dd HH:mm:ss", dt), "2024/03/07 14:05:09");
        assert_eq!(fmt("yyyy_MM_dd_HH_mm_ss", dt), "2024_03_07_14_05_09");
        assert_eq!(fmt("yyyy.MM.dd'T'HH.SSS", dt), "2024.03.07T14.042");
        assert_eq!(fmt("yy-M-d h a", dt), "24-3-7 2 PM");
        assert_eq!(fmt("dd MMM yyyy", dt), "07 Mar 2024");
        assert_eq!(fmt("'it''s' D", dt), "it's 67");
    }

    #[test]
    fn unknown_letters_are_errors() {
        assert!(JavaDatePattern::compile("yyyy-qq").unwrap_err().contains("'q'"));
        assert!(JavaDatePattern::compile("'open").is_err());
    }
}
