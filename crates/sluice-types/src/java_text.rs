//! Numbers as Java prints them (`Double.toString`, `Float.toString`): what Flink shows
//! for DOUBLE and FLOAT values in `print` rows, JSON and CSV output and
//! `CAST(x AS STRING)`. One implementation serves all of them.

/// Where Java number text is appended: a `String` or a byte buffer.
pub trait TextSink {
    fn put(&mut self, s: &str);
}

impl TextSink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

impl TextSink for Vec<u8> {
    fn put(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

/// Digits collected as bytes; always ASCII.
fn ascii(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).unwrap_or("")
}

/// Appends `v` as Java's `Double.toString` does: the shortest digits that round-trip,
/// plain between 10^-3 and 10^7 (`90.451`, `1.0`), computerized scientific notation
/// outside (`1.0E10`, `1.0E-4`), and `NaN` / `Infinity` / `-Infinity`.
pub fn write_java_double(out: &mut impl TextSink, v: f64) {
    if !v.is_finite() {
        out.put(non_finite(v.is_nan(), v > 0.0));
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    let abs = v.abs();
    if (abs >= 1e-3 && abs < 1e7) && !s.as_bytes().contains(&b'e') {
        out.put(s);
        return;
    }
    rewrite_java(out, s, v.is_sign_negative(), abs == 0.0);
}

/// Appends `v` as Java's `Float.toString` does (same layout rules as doubles).
pub fn write_java_float(out: &mut impl TextSink, v: f32) {
    if !v.is_finite() {
        out.put(non_finite(v.is_nan(), v > 0.0));
        return;
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    let abs = v.abs();
    if (abs >= 1e-3 && abs < 1e7) && !s.as_bytes().contains(&b'e') {
        out.put(s);
        return;
    }
    rewrite_java(out, s, v.is_sign_negative(), abs == 0.0);
}

/// The same as `write_java_double`, into a `String`.
pub fn java_double_string(v: f64) -> String {
    let mut out = String::with_capacity(24);
    write_java_double(&mut out, v);
    out
}

/// The same as `write_java_float`, into a `String`.
pub fn java_float_string(v: f32) -> String {
    let mut out = String::with_capacity(24);
    write_java_float(&mut out, v);
    out
}

fn non_finite(nan: bool, positive: bool) -> &'static str {
    if nan {
        "NaN"
    } else if positive {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Re-lays out ryu's shortest digits (`1e16`, `1.5e-5`, `0.0001`) the Java way.
fn rewrite_java(out: &mut impl TextSink, ryu_text: &str, negative: bool, zero: bool) {
    if negative {
        out.put("-");
    }
    if zero {
        out.put("0.0");
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
        out.put("0.0");
        return;
    }
    let sci = point - 1;
    if (-3..7).contains(&sci) {
        if point <= 0 {
            out.put("0.");
            for _ in 0..-point {
                out.put("0");
            }
            out.put(ascii(&digits));
        } else if point as usize >= digits.len() {
            out.put(ascii(&digits));
            for _ in digits.len()..point as usize {
                out.put("0");
            }
            out.put(".0");
        } else {
            out.put(ascii(&digits[..point as usize]));
            out.put(".");
            out.put(ascii(&digits[point as usize..]));
        }
    } else {
        out.put(ascii(&digits[..1]));
        out.put(".");
        if digits.len() > 1 {
            out.put(ascii(&digits[1..]));
        } else {
            out.put("0");
        }
        out.put("E");
        let mut b = itoa::Buffer::new();
        out.put(b.format(sci));
    }
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

}
