//! Numbers as Java spells them: `Double.toString` / `Float.toString` (what Flink's JSON
//! and print output show) and the string-to-number parsing of `Double.parseDouble` and
//! `Long.parseLong` (what Flink's formats use for numeric strings).

/// Appends `v` as Java's `Double.toString` does: the shortest digits that round-trip,
/// plain between 10^-3 and 10^7 (`90.451`, `1.0`), computerized scientific notation
/// outside (`1.0E10`, `1.0E-4`), and `NaN` / `Infinity` / `-Infinity`.
pub fn write_java_double(out: &mut Vec<u8>, v: f64) {
    if !v.is_finite() {
        out.extend_from_slice(non_finite(v.is_nan(), v > 0.0));
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    let abs = v.abs();
    if (abs >= 1e-3 && abs < 1e7) && !s.as_bytes().contains(&b'e') {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    rewrite_java(out, s, v.is_sign_negative(), abs == 0.0);
}

/// Appends `v` as Java's `Float.toString` does (same layout rules as doubles).
pub fn write_java_float(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        out.extend_from_slice(non_finite(v.is_nan(), v > 0.0));
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    let abs = v.abs();
    if (abs >= 1e-3 && abs < 1e7) && !s.as_bytes().contains(&b'e') {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    rewrite_java(out, s, v.is_sign_negative(), abs == 0.0);
}

/// The same as `write_java_double`, into a `String`.
pub fn java_double_string(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_java_double(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// The same as `write_java_float`, into a `String`.
pub fn java_float_string(v: f32) -> String {
    let mut out = Vec::with_capacity(24);
    write_java_float(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

fn non_finite(nan: bool, positive: bool) -> &'static [u8] {
    if nan {
        b"NaN"
    } else if positive {
        b"Infinity"
    } else {
        b"-Infinity"
    }
}

/// Re-lays out ryu's shortest digits (`1e16`, `1.5e-5`, `0.0001`) the Java way.
fn rewrite_java(out: &mut Vec<u8>, ryu_text: &str, negative: bool, zero: bool) {
    if negative {
        out.push(b'-');
    }
    if zero {
        out.extend_from_slice(b"0.0");
        return;
    }
    let text = ryu_text.trim_start_matches('-');
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    // value = 0.DIGITS * 10^point
    let mut point = int_part.len() as i32 + exp;
    let leading = digits.iter().take_while(|d| **d == b'0').count();
    digits.drain(..leading);
    point -= leading as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        out.extend_from_slice(b"0.0");
        return;
    }
    let sci = point - 1;
    if (-3..7).contains(&sci) {
        if point <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-point) as usize));
            out.extend_from_slice(&digits);
        } else if point as usize >= digits.len() {
            out.extend_from_slice(&digits);
            out.extend(std::iter::repeat_n(b'0', point as usize - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..point as usize]);
            out.push(b'.');
            out.extend_from_slice(&digits[point as usize..]);
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        let mut b = itoa::Buffer::new();
        out.extend_from_slice(b.format(sci).as_bytes());
    }
}

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
    fn formats_like_java() {
        let cases: &[(f64, &str)] = &[
            (90.451, "90.451"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e10, "1.0E10"),
            (1.0e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (1.0e-4, "1.0E-4"),
            (0.001, "0.001"),
            (123456.789, "123456.789"),
            (-1.5e-7, "-1.5E-7"),
            (1.2345e20, "1.2345E20"),
            (100.0, "100.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (78.885, "78.885"),
        ];
        for (v, want) in cases {
            assert_eq!(java_double_string(*v), *want, "{v}");
        }
        assert_eq!(java_float_string(0.1f32), "0.1");
        assert_eq!(java_float_string(1e10f32), "1.0E10");
    }

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
