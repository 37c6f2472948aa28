//! Numbers as Java spells them: `Double.toString` / `Float.toString` (what Flink's JSON
//! and print output show; shared with casts through `sluice_types::java_text`) and the
//! string-to-number parsing of `Double.parseDouble` and `Long.parseLong` (what Flink's
//! formats use for numeric strings).

pub use sluice_types::java_text::{java_double_string, java_float_string, write_java_double, write_java_float};

/// Java's `Double.parseDouble` on already trimmed text: decimal notation with an optional
/// exponent and an optional `d`/`f` suffix, `NaN`, `Infinity` with an optional sign.
pub fn parse_java_double(s: &str) -> Option<f64> {
    let s = s.trim_matches(|c: char| c <= ' ');
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    match body {
        "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        _ => {}
    }
    let s = s.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(s);
    let bytes = s.as_bytes();
    if bytes.is_empty()
        || !bytes.iter().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Java's `Long.parseLong` on text (after `trim()`): an optional sign and decimal digits.
pub fn parse_java_long(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = match b.first() {
        Some(b'+') | Some(b'-') => &b[1..],
        _ => b,
    };
    if digits.is_empty() || !digits.iter().all(|d| d.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_java() {
        assert_eq!(parse_java_double(" 1.5 "), Some(1.5));
        assert_eq!(parse_java_double("2d"), Some(2.0));
        assert_eq!(parse_java_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_java_double("inf"), None);
        assert_eq!(parse_java_double("112.013.123"), None);
        assert_eq!(parse_java_long("+12"), Some(12));
        assert_eq!(parse_java_long("1.0"), None);
        assert_eq!(parse_java_long(""), None);
    }
}
