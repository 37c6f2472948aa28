//! `PRINTF(format, args..)`: Java's `java.util.Formatter` with `Locale.US`, which Flink
//! calls with its internal values. Supported conversions: `%s %S %b %B %c %d %o %x %X %e
//! %E %f %g %n %%`, with argument indexes (`%2$s`, `%<s`), flags (`-#+ 0,(`), width and
//! precision. A NULL format gives NULL; a NULL argument prints `null` (cut to the
//! precision, `false` for `%b`).
//! A specifier that does not fit its argument gives NULL, as it does in Flink 2.3.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::*;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::registry::{arity, coerce, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::to_string::write_value_as_string;
use crate::value::{expand, ColumnarValue};
use crate::{array_value, EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["PRINTF"];

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    arity(name, &args, 1, usize::MAX, &["PRINTF(STRING, ANY..)"])?;
    if !stringish(args[0].data_type()) {
        return Err(no_match(name, &args, &["PRINTF(STRING, ANY..)"]));
    }
    args[0] = coerce(args[0].clone(), &string_kind());
    Ok(make_call(Func::Printf, args, DataType::new(string_kind())))
}

fn bad(msg: impl Into<String>) -> EvalError {
    EvalError::Runtime(msg.into())
}

/// One parsed `%` specifier.
#[derive(Default)]
struct Spec {
    index: Option<usize>,
    previous: bool,
    left: bool,
    alternate: bool,
    plus: bool,
    space: bool,
    zero: bool,
    group: bool,
    paren: bool,
    width: Option<usize>,
    precision: Option<usize>,
    conversion: char,
}

/// Formats one row; `value(k)` is argument `k` (0-based) with its type.
fn format_row(fmt: &str, args: &[(ScalarValue, String)], out: &mut String) -> Result<(), EvalError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    let mut last_arg: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        // argument index: digits followed by '$', or '<'
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        if j < chars.len() && chars[j] == '$' && j > i {
            let n: usize = chars[i..j].iter().collect::<String>().parse().map_err(|_| bad("bad argument index"))?;
            spec.index = Some(n);
            i = j + 1;
        }
        while i < chars.len() {
            match chars[i] {
                '-' => spec.left = true,
                '#' => spec.alternate = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                ',' => spec.group = true,
                '(' => spec.paren = true,
                '<' => spec.previous = true,
                _ => break,
            }
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            spec.width = chars[start..i].iter().collect::<String>().parse().ok();
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return Err(bad(format!("Unknown format conversion in '{fmt}'")));
            }
            spec.precision = chars[start..i].iter().collect::<String>().parse().ok();
        }
        let Some(&conv) = chars.get(i) else {
            return Err(bad(format!("Format specifier '%' is incomplete in '{fmt}'")));
        };
        i += 1;
        spec.conversion = conv;
        if conv == '%' {
            pad(out, "%", &spec);
            continue;
        }
        if conv == 'n' {
            out.push('\n');
            continue;
        }
        let k = if spec.previous {
            last_arg.ok_or_else(|| bad("MissingFormatArgumentException: Format specifier '%<'"))?
        } else if let Some(n) = spec.index {
            n.checked_sub(1).ok_or_else(|| bad("Illegal format argument index = 0"))?
        } else {
            next_arg += 1;
            next_arg - 1
        };
        last_arg = Some(k);
        let (value, text) = args.get(k).ok_or_else(|| bad(format!("Format specifier '%{conv}' has no argument")))?;
        let body = if value.is_null() && !matches!(conv, 'b' | 'B') {
            // Java prints `null` for any conversion, cut to the precision, in upper case for
            // an upper-case conversion, padded with spaces (never zeros).
            let mut t: String = "null".chars().take(spec.precision.unwrap_or(4)).collect();
            if conv.is_ascii_uppercase() {
                t = t.to_uppercase();
            }
            t
        } else {
            convert(&spec, value, text)?
        };
        pad(out, &body, &spec);
    }
    Ok(())
}

fn pad(out: &mut String, body: &str, spec: &Spec) {
    let len = body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(body);
    } else if spec.left {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', width - len));
    } else {
        out.extend(std::iter::repeat_n(' ', width - len));
        out.push_str(body);
    }
}

fn convert(spec: &Spec, value: &ScalarValue, text: &str) -> Result<String, EvalError> {
    let mismatch = || bad(format!("IllegalFormatConversionException: {} != {}", spec.conversion, java_class(value)));
    let truncate = |s: &str| match spec.precision {
        Some(p) => s.chars().take(p).collect::<String>(),
        None => s.to_string(),
    };
    Ok(match spec.conversion {
        's' => truncate(text),
        'S' => truncate(text).to_uppercase(),
        'b' | 'B' => {
            let v = match value {
                ScalarValue::Null => "false".to_string(),
                ScalarValue::Boolean(b) => b.to_string(),
                _ => "true".to_string(),
            };
            let v = truncate(&v);
            if spec.conversion == 'B' { v.to_uppercase() } else { v }
        }
        'c' | 'C' => {
            let ch = match value {
                ScalarValue::Null => return Ok("null".into()),
                ScalarValue::TinyInt(_) | ScalarValue::SmallInt(_) | ScalarValue::Int(_) => value
                    .as_i64()
                    .and_then(|v| char::from_u32(v as u32))
                    .ok_or_else(|| bad("IllegalFormatCodePointException"))?,
                _ => return Err(mismatch()),
            };
            if spec.conversion == 'C' { ch.to_uppercase().collect() } else { ch.to_string() }
        }
        'd' | 'o' | 'x' | 'X' => {
            if value.is_null() {
                return Ok("null".into());
            }
            let (v, bits) = match value {
                ScalarValue::TinyInt(v) => (*v as i64, 8),
                ScalarValue::SmallInt(v) => (*v as i64, 16),
                ScalarValue::Int(v) => (*v as i64, 32),
                ScalarValue::BigInt(v) => (*v, 64),
                _ => return Err(mismatch()),
            };
            if spec.conversion == 'd' {
                let digits = if spec.group { group(&v.unsigned_abs().to_string()) } else { v.unsigned_abs().to_string() };
                signed(spec, v < 0, &digits)
            } else {
                // Java prints the two's complement of the argument's own width.
                let u = if bits == 64 { v as u64 } else { (v as u64) & ((1u64 << bits) - 1) };
                let (digits, prefix) = match spec.conversion {
                    'o' => (format!("{u:o}"), "0"),
                    'x' => (format!("{u:x}"), "0x"),
                    _ => (format!("{u:X}"), "0X"),
                };
                let body = if spec.alternate { format!("{prefix}{digits}") } else { digits };
                zero_pad(spec, String::new(), body)
            }
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            if value.is_null() {
                return Ok("null".into());
            }
            let v = match value {
                ScalarValue::Float(v) => *v as f64,
                ScalarValue::Double(v) => *v,
                _ => return Err(mismatch()),
            };
            if v.is_nan() || v.is_infinite() {
                let t = if v.is_nan() { "NaN".to_string() } else if v > 0.0 { if spec.plus { "+Infinity".into() } else { "Infinity".into() } } else if spec.paren { "(Infinity)".into() } else { "-Infinity".into() };
                return Ok(t);
            }
            let p = spec.precision.unwrap_or(6);
            let body = match spec.conversion {
                'f' => {
                    let fixed = round_half_up(&decimal_digits(v.abs()), p);
                    if spec.group {
                        let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
                        if frac.is_empty() { group(int) } else { format!("{}.{frac}", group(int)) }
                    } else {
                        fixed
                    }
                }
                'e' | 'E' => {
                    let s = scientific(v.abs(), p);
                    if spec.conversion == 'E' { s.to_uppercase() } else { s }
                }
                _ => {
                    let p = if p == 0 { 1 } else { p };
                    let a = v.abs();
                    let s = if a != 0.0 && (a < 1e-4 || a >= 10f64.powi(p as i32)) {
                        scientific(a, p - 1)
                    } else {
                        let mag = if a == 0.0 { 0 } else { a.log10().floor() as i32 };
                        round_half_up(&decimal_digits(a), (p as i32 - 1 - mag).max(0) as usize)
                    };
                    if spec.conversion == 'G' { s.to_uppercase() } else { s }
                }
            };
            signed(spec, v.is_sign_negative() && v != 0.0 || (v == 0.0 && v.is_sign_negative()), &body)
        }
        other => return Err(bad(format!("UnknownFormatConversionException: Conversion = '{other}'"))),
    })
}

fn signed(spec: &Spec, negative: bool, digits: &str) -> String {
    let (prefix, suffix) = if negative {
        if spec.paren { ("(", ")") } else { ("-", "") }
    } else if spec.plus {
        ("+", "")
    } else if spec.space {
        (" ", "")
    } else {
        ("", "")
    };
    let body = zero_pad(spec, prefix.to_string(), digits.to_string());
    format!("{body}{suffix}")
}

/// `0` flag: zeros between the sign and the digits up to the width.
fn zero_pad(spec: &Spec, prefix: String, digits: String) -> String {
    let width = spec.width.unwrap_or(0);
    let used = prefix.chars().count() + digits.chars().count() + usize::from(spec.paren && prefix == "(");
    if spec.zero && used < width {
        format!("{prefix}{}{digits}", "0".repeat(width - used))
    } else {
        format!("{prefix}{digits}")
    }
}

fn group(int: &str) -> String {
    let mut out = String::new();
    for (k, c) in int.chars().enumerate() {
        if k > 0 && (int.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The shortest decimal digits of a non-negative double in plain notation, which Java's
/// Formatter rounds from (`Double.toString`'s digits, not the exact binary value).
fn decimal_digits(v: f64) -> String {
    let s = format!("{v:?}");
    if !s.contains('e') {
        return s;
    }
    format!("{v:.400}").trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Rounds a plain decimal string HALF_UP to `p` fraction digits.
fn round_half_up(s: &str, p: usize) -> String {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let int_len = int.len();
    let keep = int_len + p;
    let round_up = digits.get(keep).is_some_and(|&d| d >= 5);
    digits.truncate(keep);
    while digits.len() < keep {
        digits.push(0);
    }
    let mut int_len = int_len;
    if round_up {
        let mut k = keep;
        loop {
            if k == 0 {
                digits.insert(0, 1);
                int_len += 1;
                break;
            }
            k -= 1;
            if digits[k] == 9 {
                digits[k] = 0;
            } else {
                digits[k] += 1;
                break;
            }
        }
    }
    let text: String = digits.iter().map(|d| (d + b'0') as char).collect();
    let (i, f) = text.split_at(int_len);
    let i = if i.is_empty() { "0" } else { i };
    if p == 0 { i.to_string() } else { format!("{i}.{f}") }
}

/// Java's `%.pe`: one digit, `p` fraction digits, an exponent of at least two digits.
fn scientific(v: f64, p: usize) -> String {
    if v == 0.0 {
        let frac = if p == 0 { String::new() } else { format!(".{}", "0".repeat(p)) };
        return format!("0{frac}e+00");
    }
    let digits = decimal_digits(v);
    let (int, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let all: String = format!("{int}{frac}");
    let first = all.find(|c: char| c != '0').unwrap_or(0);
    let mut exp = int.len() as i32 - 1 - first as i32;
    let significant = &all[first..];
    let mantissa = format!("{}.{}", &significant[..1], &significant[1..]);
    let mut rounded = round_half_up(&mantissa, p);
    if rounded.starts_with("10") {
        exp += 1;
        rounded = round_half_up(&format!("1.{}", &rounded[2..].replace('.', "")), p);
    }
    format!("{rounded}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

fn java_class(v: &ScalarValue) -> &'static str {
    match v {
        ScalarValue::String(_) => "org.apache.flink.table.data.binary.BinaryStringData",
        ScalarValue::Int(_) => "java.lang.Integer",
        ScalarValue::BigInt(_) => "java.lang.Long",
        ScalarValue::Double(_) => "java.lang.Double",
        ScalarValue::Float(_) => "java.lang.Float",
        ScalarValue::Boolean(_) => "java.lang.Boolean",
        ScalarValue::Decimal { .. } => "org.apache.flink.table.data.DecimalData",
        _ => "java.lang.Object",
    }
}

pub(crate) fn eval(_func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let fmt = arrays[0].as_string::<i32>();
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut buf = String::new();
    let mut values: Vec<(ScalarValue, String)> = Vec::with_capacity(arrays.len());
    for i in 0..n {
        if fmt.is_null(i) {
            b.append_null();
            continue;
        }
        values.clear();
        for (a, ty) in arrays[1..].iter().zip(&cc.arg_types[1..]) {
            let v = array_value(a.as_ref(), ty, i);
            let mut text = String::new();
            if a.is_null(i) {
                text.push_str("null");
            } else if ty.kind == TypeKind::Boolean {
                // Flink passes a java.lang.Boolean, printed in lowercase.
                text.push_str(if matches!(v, ScalarValue::Boolean(true)) { "true" } else { "false" });
            } else {
                write_value_as_string(a.as_ref(), ty, i, cc.ctx, &mut text);
            }
            values.push((v, text));
        }
        buf.clear();
        match format_row(fmt.value(i), &values, &mut buf) {
            Ok(()) => b.append_value(&buf),
            Err(_) => b.append_null(),
        }
    }
    Ok(ColumnarValue::wrap(Arc::new(b.finish()), scalar))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: Vec<ScalarValue>) -> String {
        let args: Vec<(ScalarValue, String)> = args
            .into_iter()
            .map(|v| {
                let t = match &v {
                    ScalarValue::String(s) => s.clone(),
                    ScalarValue::Int(i) => i.to_string(),
                    ScalarValue::Null => "null".into(),
                    other => format!("{other:?}"),
                };
                (v, t)
            })
            .collect();
        let mut out = String::new();
        format_row(fmt, &args, &mut out).unwrap();
        out
    }

    #[test]
    fn conversions() {
        use ScalarValue::*;
        assert_eq!(f("%s-%d", vec![String("a".into()), Int(5)]), "a-5");
        assert_eq!(f("%5d|%-5d|%05d", vec![Int(42), Int(42), Int(-42)]), "   42|42   |-0042");
        assert_eq!(f("%x %X %o", vec![Int(-1), BigInt(255), Int(8)]), "ffffffff FF 10");
        assert_eq!(f("%.2f %.1f %f", vec![Double(1.23456), Double(0.25), Double(1.0)]), "1.23 0.3 1.000000");
        assert_eq!(f("%,d %+d", vec![Int(1234567), Int(3)]), "1,234,567 +3");
        assert_eq!(f("%e", vec![Double(12345.678)]), "1.234568e+04");
        assert_eq!(f("%2$s %1$s %<s", vec![String("a".into()), String("b".into())]), "b a a");
        assert_eq!(f("%s %b %%", vec![Null, Null]), "null false %");
        assert_eq!(f("[%10.3f|%-4.2E|%08d|%.0f]", vec![Null, Null, Null, Null]), "[       nul|NU  |    null|]");
        assert_eq!(f("%.3s", vec![String("abcdef".into())]), "abc");
        let mut out = std::string::String::new();
        assert!(format_row("%d", &[(String("x".into()), "x".into())], &mut out).is_err());
    }
}
