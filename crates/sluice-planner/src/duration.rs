//! Flink's duration syntax for options such as `table.exec.source.idle-timeout`: a
//! non-negative whole number with an optional unit (`500`, `500 ms`, `10s`, `1 min`,
//! `2 h`, `1 d`); without a unit it is milliseconds.

use std::time::Duration;

/// Parses a duration as Flink's `TimeUtils.parseDuration` accepts it; the error says
/// what is wrong with `text` (callers name the option).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let digits_end = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    if number.is_empty() {
        return Err("expected a whole number with an optional unit, such as \"10 s\"".to_string());
    }
    let value: u64 = number.parse().map_err(|_| "the number is too large".to_string())?;
    let unit = unit.trim().to_ascii_lowercase();
    let nanos_per_unit: u64 = match unit.as_str() {
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "us" | "\u{b5}s" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "m" | "min" | "minute" | "minutes" => 60_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        other => {
            return Err(format!("unknown unit \"{other}\" (use ms, s, min, h or d)"))
        }
    };
    let nanos = value
        .checked_mul(nanos_per_unit)
        .ok_or_else(|| "the value is too large".to_string())?;
    Ok(Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_duration_forms() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("500"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1 min"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration(" 2 HOURS "), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
    }

    #[test]
    fn bad_durations() {
        assert!(parse_duration("").is_err());
        assert!(parse_duration("ten seconds").is_err());
        assert!(parse_duration("-5 s").is_err());
        assert!(parse_duration("5 fortnights").unwrap_err().contains("unknown unit \"fortnights\""));
        assert!(parse_duration("99999999999999999999 d").is_err());
    }
}
