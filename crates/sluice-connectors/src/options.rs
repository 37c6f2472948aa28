//! Shared option parsing for connectors, in Flink's syntax: durations (`10 s`, `500 ms`),
//! booleans, memory sizes (`64 mb`), numbers, and the check of option keys against the
//! keys a connector knows (exact keys and per-field patterns such as `fields.#.kind`).
//!
//! The parsers return a plain `String` reason on failure; connectors wrap it into
//! `ConnectorError::InvalidOption` with the key and value (see `invalid`).

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_connector_api::ConnectorError;

/// Parses a duration as Flink's `TimeUtils.parseDuration` does: a non-negative integer
/// followed by an optional unit, with optional spaces between. Without a unit the number
/// is milliseconds. Units (case-insensitive): `ns`, `us`/`µs`, `ms`/`milli`/`millis`/
/// `millisecond(s)`, `s`/`sec`/`secs`/`second(s)`, `m`/`min`/`minute(s)`, `h`/`hour(s)`,
/// `d`/`day(s)`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("a duration cannot be empty".to_string());
    }
    let digits_end = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    if number.is_empty() {
        return Err("a duration must start with a number, e.g. \"10 s\"".to_string());
    }
    let value: u64 = number
        .parse()
        .map_err(|_| format!("the number \"{number}\" is too large for a duration"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let nanos_per_unit: u64 = match unit.as_str() {
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "us" | "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        other => {
            return Err(format!(
                "unknown time unit \"{other}\"; use one of ns, us, ms, s, min, h, d"
            ))
        }
    };
    let nanos = value
        .checked_mul(nanos_per_unit)
        .ok_or_else(|| format!("the duration \"{trimmed}\" is too large"))?;
    Ok(Duration::from_nanos(nanos))
}

/// Parses a boolean as Flink's configuration does: `true` or `false`, any case.
pub fn parse_bool(text: &str) -> Result<bool, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if t.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err("expected \"true\" or \"false\"".to_string())
    }
}

/// Parses a memory size as Flink's `MemorySize.parse` does: a number with an optional
/// unit, bytes by default. Units (case-insensitive): `b`/`bytes`, `k`/`kb`/`kibibytes`,
/// `m`/`mb`/`mebibytes`, `g`/`gb`/`gibibytes`, `t`/`tb`/`tebibytes`, all powers of 1024.
/// Returns bytes.
pub fn parse_memory_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    if number.is_empty() {
        return Err("a memory size must start with a number, e.g. \"64 mb\"".to_string());
    }
    let value: u64 = number
        .parse()
        .map_err(|_| format!("the number \"{number}\" is too large for a memory size"))?;
    let unit = unit.trim().to_ascii_lowercase();
    let multiplier: u64 = match unit.as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        other => {
            return Err(format!("unknown memory unit \"{other}\"; use one of b, kb, mb, gb, tb"))
        }
    };
    value
        .checked_mul(multiplier)
        .ok_or_else(|| format!("the memory size \"{trimmed}\" is too large"))
}

/// Parses a whole number (`u64`).
pub fn parse_u64(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| "expected a non-negative whole number".to_string())
}

/// Parses a floating point number.
pub fn parse_f64(text: &str) -> Result<f64, String> {
    let v: f64 = text.trim().parse().map_err(|_| "expected a number".to_string())?;
    if v.is_nan() {
        return Err("expected a number".to_string());
    }
    Ok(v)
}

/// Builds the `InvalidOption` error for `key = value` with the parser's reason.
pub fn invalid(key: &str, value: &str, reason: impl Into<String>) -> ConnectorError {
    ConnectorError::InvalidOption { key: key.to_string(), value: value.to_string(), reason: reason.into() }
}

/// Reads an optional option with a parser, turning a parse failure into `InvalidOption`.
pub fn get_parsed<T>(
    options: &BTreeMap<String, String>,
    key: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConnectorError> {
    match options.get(key) {
        None => Ok(None),
        Some(value) => parse(value).map(Some).map_err(|reason| invalid(key, value, reason)),
    }
}

/// Whether `key` matches `pattern`, where each `#` in the pattern stands for one
/// non-empty name (a field name, which may itself contain dots).
pub fn key_matches(pattern: &str, key: &str) -> bool {
    match pattern.split_once('#') {
        None => pattern == key,
        Some((prefix, suffix)) => {
            let Some(rest) = key.strip_prefix(prefix) else {
                return false;
            };
            // The placeholder takes at least one character; try every split so that a
            // field name containing dots still matches `fields.#.kind`.
            (1..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| key_matches(suffix, &rest[i..]))
        }
    }
}

/// Checks every option key against the keys a connector knows. `known` holds exact keys
/// and patterns with `#` (see `key_matches`); `connector` itself is always accepted. The
/// first unknown key is reported with the full `known` list, from which the planner
/// picks a "did you mean" suggestion.
pub fn check_known_keys(
    connector: &str,
    options: &BTreeMap<String, String>,
    known: &[&str],
) -> Result<(), ConnectorError> {
    for key in options.keys() {
        if key == "connector" {
            continue;
        }
        if !known.iter().any(|pattern| key_matches(pattern, key)) {
            return Err(ConnectorError::UnknownOption {
                connector: connector.to_string(),
                key: key.clone(),
                known: known.iter().map(|k| k.to_string()).collect(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_flink_syntax() {
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500 ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1 min"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1 d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("100"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("3 SECONDS"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("7µs"), Ok(Duration::from_micros(7)));
        assert_eq!(parse_duration("5 ns"), Ok(Duration::from_nanos(5)));
        assert_eq!(parse_duration(" 2 m "), Ok(Duration::from_secs(120)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("-1 s").is_err());
        assert!(parse_duration("10 fortnights").unwrap_err().contains("\"fortnights\""));
        assert!(parse_duration("99999999999999999999 d").is_err());
        assert!(parse_duration("999999999999 d").is_err());
    }

    #[test]
    fn booleans_and_sizes() {
        assert_eq!(parse_bool("TRUE"), Ok(true));
        assert_eq!(parse_bool("false"), Ok(false));
        assert!(parse_bool("yes").is_err());
        assert_eq!(parse_memory_size("64 mb"), Ok(64 << 20));
        assert_eq!(parse_memory_size("64mb"), Ok(64 << 20));
        assert_eq!(parse_memory_size("1k"), Ok(1024));
        assert_eq!(parse_memory_size("100"), Ok(100));
        assert_eq!(parse_memory_size("2 GB"), Ok(2 << 30));
        assert!(parse_memory_size("lots").is_err());
        assert!(parse_memory_size("1 pb").is_err());
    }

    #[test]
    fn key_patterns() {
        assert!(key_matches("fields.#.kind", "fields.id.kind"));
        assert!(key_matches("fields.#.kind", "fields.a.b.kind"));
        assert!(!key_matches("fields.#.kind", "fields..kind"));
        assert!(!key_matches("fields.#.kind", "fields.id.kinds"));
        assert!(key_matches("rows-per-second", "rows-per-second"));
        assert!(!key_matches("rows-per-second", "rows-per-secon"));
    }

    #[test]
    fn unknown_keys_are_reported_with_the_known_list() {
        let mut options = BTreeMap::new();
        options.insert("connector".to_string(), "datagen".to_string());
        options.insert("fields.id.kind".to_string(), "sequence".to_string());
        options.insert("rows-per-secnd".to_string(), "5".to_string());
        let known = ["rows-per-second", "fields.#.kind"];
        match check_known_keys("datagen", &options, &known) {
            Err(ConnectorError::UnknownOption { connector, key, known }) => {
                assert_eq!(connector, "datagen");
                assert_eq!(key, "rows-per-secnd");
                assert_eq!(known, vec!["rows-per-second".to_string(), "fields.#.kind".to_string()]);
            }
            other => panic!("expected an unknown option error, got {other:?}"),
        }
        options.remove("rows-per-secnd");
        assert!(check_known_keys("datagen", &options, &known).is_ok());
    }

    #[test]
    fn parsed_options_name_key_and_value() {
        let mut options = BTreeMap::new();
        options.insert("max-delay".to_string(), "ten seconds".to_string());
        let err = get_parsed(&options, "max-delay", parse_duration).unwrap_err();
        assert!(err.to_string().starts_with("invalid value \"ten seconds\" for option \"max-delay\""));
        assert_eq!(get_parsed(&options, "absent", parse_duration).unwrap(), None);
    }
}
