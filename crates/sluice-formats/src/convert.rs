//! Converting one scalar token (a JSON string, number or boolean, or a CSV field) into a
//! column value, with the rules of Flink's `JsonToRowDataConverters` /
//! `CsvToRowDataConverters`: numeric strings are read into numeric columns, numbers into
//! string columns keep their text, booleans follow `Boolean.parseBoolean`, and so on.

use sluice_types::temporal::MICROS_PER_MILLI;

use crate::column::{ColData, Column};
use crate::decimal::parse_decimal;
use crate::java_number::{parse_java_double, parse_java_long, write_java_double};
use crate::{base64, temporal_text};

/// Why a value or a record cannot be decoded.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The record as a whole is broken (bad syntax, a NULL in a NOT NULL column): it
    /// cannot be decoded at all.
    Record(String),
    /// One value does not convert to its column's type. The value has been consumed, so
    /// with `ignore-parse-errors` the decoder may store NULL and go on.
    Value(String),
}

impl Fail {
    pub fn message(self) -> String {
        match self {
            Fail::Record(m) | Fail::Value(m) => m,
        }
    }

    /// Adds the field name in front: `field "a": ...`, or `field "a.b": ...` when the
    /// message already names a nested field.
    pub fn in_field(self, name: &str) -> Fail {
        let wrap = |m: String| match m.strip_prefix("field \"") {
            Some(rest) => format!("field \"{name}.{rest}"),
            None => format!("field \"{name}\": {m}"),
        };
        match self {
            Fail::Record(m) => Fail::Record(wrap(m)),
            Fail::Value(m) => Fail::Value(wrap(m)),
        }
    }
}

/// A scalar as it appears in the input.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tok<'a> {
    /// Text, already unescaped (a JSON string, a CSV field).
    Text(&'a [u8]),
    /// A JSON number literal; `int` when it has no fraction and no exponent.
    Num { raw: &'a [u8], int: bool },
    Bool(bool),
    /// A JSON object or array (already skipped) going into a scalar column.
    Container,
}

/// Settings of the conversion that depend on the table, not the value.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ConvEnv {
    /// Whether the schema has a DECIMAL column: Flink then reads floating-point numbers as
    /// BigDecimal, so a number into a STRING column keeps its exact text.
    pub exact_numbers: bool,
    /// The only separator between date and time that timestamps may use (`' '` for
    /// JSON's SQL standard, `'T'` for ISO-8601), as Flink's JSON format insists; `None`
    /// accepts both.
    pub timestamp_separator: Option<u8>,
}

fn separator_ok(t: &[u8], env: &ConvEnv) -> bool {
    match env.timestamp_separator {
        Some(sep) => t.get(10) == Some(&sep),
        None => true,
    }
}

fn timestamp_shape(env: &ConvEnv, ltz: bool) -> &'static str {
    match (env.timestamp_separator, ltz) {
        (Some(b'T'), false) => "a TIMESTAMP as \"yyyy-MM-ddTHH:mm:ss[.SSS]\" (json.timestamp-format.standard is ISO-8601)",
        (Some(b'T'), true) => "a TIMESTAMP_LTZ as \"yyyy-MM-ddTHH:mm:ss[.SSS]Z\" (json.timestamp-format.standard is ISO-8601)",
        (_, false) => "a TIMESTAMP as \"yyyy-MM-dd HH:mm:ss[.SSS]\"",
        (_, true) => "a TIMESTAMP_LTZ as \"yyyy-MM-dd HH:mm:ss[.SSS]Z\"",
    }
}

fn as_str(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// The token's text as Jackson's `asText()` gives it, for the error message and for
/// conversions from text.
fn token_text<'a>(tok: &Tok<'a>) -> &'a str {
    match tok {
        Tok::Text(t) => as_str(t),
        Tok::Num { raw, .. } => as_str(raw),
        Tok::Bool(true) => "true",
        Tok::Bool(false) => "false",
        Tok::Container => "",
    }
}

fn shown(tok: &Tok) -> String {
    let t = token_text(tok);
    match tok {
        Tok::Container => "an object or array".to_string(),
        _ if t.chars().count() > 40 => format!("\"{}...\"", t.chars().take(40).collect::<String>()),
        _ => format!("\"{t}\""),
    }
}

fn expected(what: &str, tok: &Tok) -> Fail {
    Fail::Value(format!("expected {what}, found {}", shown(tok)))
}

/// Parses a JSON number literal's digits as an i64 when it is an integer in range.
#[inline]
pub(crate) fn int_literal(raw: &[u8]) -> Option<i64> {
    let (neg, digits) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        _ => (false, raw),
    };
    if digits.is_empty() || digits.len() > 19 {
        return if digits.len() > 19 { as_str(raw).parse().ok() } else { None };
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v * 10 + (d - b'0') as u64;
    }
    if neg {
        if v <= i64::MAX as u64 + 1 {
            Some((v as i64).wrapping_neg())
        } else {
            None
        }
    } else if v <= i64::MAX as u64 {
        Some(v as i64)
    } else {
        None
    }
}

/// Parses a JSON number literal as a double, exactly rounded: a fast exact path for short
/// decimals (`78.885`), the standard library's correct parser otherwise.
#[inline]
pub(crate) fn float_literal(raw: &[u8]) -> f64 {
    const POW10: [f64; 16] =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let (neg, body) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        _ => (false, raw),
    };
    if body.len() <= 16 {
        let mut mantissa: u64 = 0;
        let mut frac: Option<usize> = None;
        let mut ok = true;
        for (i, &c) in body.iter().enumerate() {
            match c {
                b'0'..=b'9' => mantissa = mantissa * 10 + (c - b'0') as u64,
                b'.' if frac.is_none() => frac = Some(body.len() - i - 1),
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && mantissa < (1u64 << 53) {
            let v = mantissa as f64 / POW10[frac.unwrap_or(0)];
            return if neg { -v } else { v };
        }
    }
    as_str(raw).parse::<f64>().unwrap_or(f64::NAN)
}

/// Java's `Long.parseLong(text.trim())` with a range check for narrower integer types.
fn text_int(tok: &Tok, min: i64, max: i64, what: &str) -> Result<i64, Fail> {
    let t = token_text(tok).trim_matches(|c: char| c <= ' ');
    match parse_java_long(t) {
        Some(v) if v >= min && v <= max => Ok(v),
        _ => Err(expected(what, tok)),
    }
}

/// `canConvertToInt/Long` then `intValue/longValue` for numbers; text parsing otherwise.
fn wide_int(tok: &Tok, min: i64, max: i64, what: &str) -> Result<i64, Fail> {
    match tok {
        Tok::Num { raw, int: true } => match int_literal(raw) {
            Some(v) if v >= min && v <= max => Ok(v),
            _ => Err(expected(what, tok)),
        },
        Tok::Num { raw, int: false } => {
            let f = float_literal(raw);
            if f >= min as f64 && f <= max as f64 {
                Ok(f as i64)
            } else {
                Err(expected(what, tok))
            }
        }
        _ => text_int(tok, min, max, what),
    }
}

fn text_double(tok: &Tok) -> Result<f64, Fail> {
    match tok {
        Tok::Num { raw, .. } => Ok(float_literal(raw)),
        _ => parse_java_double(token_text(tok)).ok_or_else(|| expected("a number", tok)),
    }
}

/// Appends one scalar to a scalar column. `Ok(false)` means the value converts to NULL
/// (an out-of-range DECIMAL, a non-string into BYTES) and nothing was appended.
pub(crate) fn append_scalar(col: &mut Column, tok: Tok, env: ConvEnv) -> Result<bool, Fail> {
    match &mut col.data {
        ColData::Null => return Ok(false),
        ColData::Bool(v) => v.push(match tok {
            Tok::Bool(b) => b,
            other => token_text(&other).trim_matches(|c: char| c <= ' ').eq_ignore_ascii_case("true"),
        }),
        ColData::I8(v) => v.push(text_int(&tok, i8::MIN as i64, i8::MAX as i64, "a TINYINT")? as i8),
        ColData::I16(v) => {
            v.push(text_int(&tok, i16::MIN as i64, i16::MAX as i64, "a SMALLINT")? as i16)
        }
        ColData::I32(v) | ColData::YearMonth(v) => {
            v.push(wide_int(&tok, i32::MIN as i64, i32::MAX as i64, "an INT")? as i32)
        }
        ColData::I64(v) | ColData::Duration(v) => {
            v.push(wide_int(&tok, i64::MIN, i64::MAX, "a BIGINT")?)
        }
        ColData::F32(v) => v.push(match tok {
            Tok::Num { raw, int: true } => as_str(raw).parse::<f32>().unwrap_or(f32::NAN),
            _ => text_double(&tok)? as f32,
        }),
        ColData::F64(v) => v.push(text_double(&tok)?),
        ColData::Decimal { values, precision, scale } => {
            let text = token_text(&tok);
            match parse_decimal(text, *precision, *scale) {
                Ok(Some(d)) => values.push(d),
                Ok(None) => return Ok(false),
                Err(()) => return Err(expected("a DECIMAL", &tok)),
            }
        }
        ColData::Date(v) => match tok {
            Tok::Text(t) => v.push(temporal_text::parse_date(t).ok_or_else(|| expected("a DATE as \"yyyy-MM-dd\"", &tok))?),
            _ => return Err(expected("a DATE as \"yyyy-MM-dd\"", &tok)),
        },
        ColData::Time(v) => match tok {
            Tok::Text(t) => {
                let micros = temporal_text::parse_time(t)
                    .ok_or_else(|| expected("a TIME as \"HH:mm:ss\"", &tok))?;
                v.push((micros / MICROS_PER_MILLI) as i32)
            }
            _ => return Err(expected("a TIME as \"HH:mm:ss\"", &tok)),
        },
        ColData::Timestamp(v) => match tok {
            Tok::Text(t) if !separator_ok(t, &env) => {
                return Err(expected(timestamp_shape(&env, false), &tok))
            }
            Tok::Text(t) => v.push(temporal_text::parse_timestamp(t, false).ok_or_else(|| {
                expected("a TIMESTAMP as \"yyyy-MM-dd HH:mm:ss[.SSS]\"", &tok)
            })?),
            _ => return Err(expected("a TIMESTAMP as \"yyyy-MM-dd HH:mm:ss[.SSS]\"", &tok)),
        },
        ColData::TimestampLtz(v) => match tok {
            Tok::Text(t) if !separator_ok(t, &env) => {
                return Err(expected(timestamp_shape(&env, true), &tok))
            }
            Tok::Text(t) => v.push(temporal_text::parse_timestamp(t, true).ok_or_else(|| {
                expected("a TIMESTAMP_LTZ as \"yyyy-MM-dd HH:mm:ss[.SSS]Z\"", &tok)
            })?),
            _ => {
                return Err(expected("a TIMESTAMP_LTZ as \"yyyy-MM-dd HH:mm:ss[.SSS]Z\"", &tok))
            }
        },
        ColData::Utf8 { offsets, data } => {
            match tok {
                Tok::Text(t) => data.extend_from_slice(t),
                Tok::Num { raw, int } => {
                    if int || env.exact_numbers {
                        data.extend_from_slice(raw)
                    } else {
                        write_java_double(data, float_literal(raw))
                    }
                }
                Tok::Bool(b) => data.extend_from_slice(if b { b"true" } else { b"false" }),
                Tok::Container => {}
            }
            offsets.push(data.len() as i32);
        }
        ColData::Binary { offsets, data } => match tok {
            Tok::Text(t) => {
                let before = data.len();
                if base64::decode(t, data).is_none() {
                    data.truncate(before);
                    return Err(expected("base64 text", &tok));
                }
                offsets.push(data.len() as i32);
            }
            _ => return Ok(false),
        },
        ColData::List { .. } | ColData::Struct { .. } | ColData::Map { .. } => {
            return Err(Fail::Value(format!("expected a nested value, found {}", shown(&tok))))
        }
    }
    col.mark_valid();
    Ok(true)
}
