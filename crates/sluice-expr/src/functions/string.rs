//! String functions: `||`/`CONCAT`, `CONCAT_WS`, `UPPER`, `LOWER`, `TRIM`/`LTRIM`/`RTRIM`,
//! `CHAR_LENGTH`, `POSITION`, `LOCATE`, `SUBSTRING`, `OVERLAY`, `REPLACE`, the
//! `REGEXP_*` family, `SPLIT_INDEX`, `LPAD`/`RPAD`, `INITCAP`, `LEFT`/`RIGHT`, `REPEAT`,
//! `REVERSE`, `ASCII`, `CHR`, base64, `UUID`, `TRANSLATE`, `ELT`, `STARTSWITH` and `ENDSWITH`. Positions count characters
//! (not bytes), 1-based as in Flink. Regular expressions are compiled once per pattern.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use regex::Regex;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::registry::{any_nullable, arity, coerce, literal_string, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func, TrimSide};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "||", "CONCAT", "CONCAT_WS", "UPPER", "LOWER", "TRIM", "LTRIM", "RTRIM", "BTRIM", "CHAR_LENGTH", "CHARACTER_LENGTH",
    "POSITION", "LOCATE", "INSTR", "SUBSTRING", "SUBSTR", "OVERLAY", "REPLACE", "REGEXP_EXTRACT", "REGEXP_REPLACE",
    "REGEXP", "SPLIT_INDEX", "LPAD", "RPAD", "INITCAP", "LEFT", "RIGHT", "REPEAT", "REVERSE", "ASCII", "CHR",
    "TO_BASE64", "FROM_BASE64", "UUID", "TRANSLATE", "ELT", "STARTSWITH", "ENDSWITH",
];

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

/// Java regular-expression syntax the `regex` crate lacks: lookaround, atomic groups,
/// backreferences and possessive quantifiers.
fn java_only_syntax(pattern: &str) -> bool {
    ["(?=", "(?!", "(?<=", "(?<!", "(?>", "*+", "++", "?+", "}+"].iter().any(|s| pattern.contains(s))
        || pattern.as_bytes().windows(2).any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]))
}

/// Why a pattern Java would accept cannot run here, or `None`.
fn unsupported_pattern(pattern: &str) -> Option<String> {
    (Regex::new(pattern).is_err() && java_only_syntax(pattern)).then(|| {
        format!("the Java regular-expression syntax of '{pattern}' (lookaround, backreferences, atomic groups, possessive quantifiers)")
    })
}

/// At planning: a literal pattern with Java-only syntax is "not supported yet", never a
/// silent NULL.
pub(crate) fn check_pattern(arg: Option<&ScalarExpr>) -> Result<(), FunctionError> {
    match arg.and_then(literal_string).and_then(unsupported_pattern) {
        Some(what) => Err(FunctionError::NotSupportedYet(what)),
        None => Ok(()),
    }
}

/// A pattern that compiles, `None` for one that is simply invalid (Flink catches those
/// and gives NULL or false), an error for Java-only syntax (it would match in Flink).
pub(crate) fn regex_or_none(pattern: &str) -> Result<Option<Regex>, EvalError> {
    match cached_regex(pattern) {
        Ok(r) => Ok(Some(r)),
        Err(_) => match unsupported_pattern(pattern) {
            Some(what) => Err(EvalError::Runtime(format!("{what} is not supported yet"))),
            None => Ok(None),
        },
    }
}

/// A compiled regular expression, cached per thread by pattern text. A pattern with
/// Java-only syntax fails the job (it would match in Flink), whatever the function does
/// with patterns that are simply invalid.
pub(crate) fn cached_regex(pattern: &str) -> Result<Regex, EvalError> {
    REGEX_CACHE.with(|cache| {
        if let Some(r) = cache.borrow().get(pattern) {
            return Ok(r.clone());
        }
        let r = Regex::new(pattern).map_err(|e| EvalError::Runtime(format!("invalid regular expression '{pattern}': {e}")))?;
        let mut c = cache.borrow_mut();
        if c.len() >= 256 {
            c.clear();
        }
        c.insert(pattern.to_string(), r.clone());
        Ok(r)
    })
}

/// One string-typed signature: which arguments are strings (`S`) and which integers (`I`).
fn check(name: &str, args: &[ScalarExpr], shape: &str, sig: &str) -> Result<(), FunctionError> {
    let ok = args.len() <= shape.len()
        && args.iter().zip(shape.chars()).all(|(a, c)| match c {
            'S' => stringish(a.data_type()),
            _ => a.data_type().kind.is_integer() || a.data_type().kind == TypeKind::Null,
        });
    if ok {
        Ok(())
    } else {
        Err(no_match(name, args, &[sig]))
    }
}

/// Casts arguments to STRING / INT by the shape.
fn shape_args(args: Vec<ScalarExpr>, shape: &str) -> Vec<ScalarExpr> {
    let string = string_kind();
    args.into_iter()
        .zip(shape.chars())
        .map(|(a, c)| if c == 'S' { coerce(a, &string) } else { coerce(a, &TypeKind::Int) })
        .collect()
}

fn string_type(nullable: bool) -> DataType {
    DataType { kind: string_kind(), nullable }
}

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let nullable = any_nullable(&args);
    // (function, shape of arguments, minimum count, result type)
    let simple = |func: Func, shape: &str, min: usize, ret: DataType, args: Vec<ScalarExpr>| {
        arity(name, &args, min, shape.len(), &[name])?;
        check(name, &args, shape, name)?;
        Ok(make_call(func, shape_args(args, shape), ret))
    };
    let int = DataType { kind: TypeKind::Int, nullable };
    match name {
        "||" | "CONCAT" => {
            if args.is_empty() {
                return Err(no_match(name, &args, &["CONCAT(STRING, ..)"]));
            }
            let shape = "S".repeat(args.len());
            simple(Func::Concat, &shape, 1, string_type(nullable), args)
        }
        "CONCAT_WS" => {
            if args.len() < 2 {
                return Err(no_match(name, &args, &["CONCAT_WS(STRING, STRING, ..)"]));
            }
            let shape = "S".repeat(args.len());
            let nullable = args[0].data_type().nullable;
            simple(Func::ConcatWs, &shape, 2, string_type(nullable), args)
        }
        "UPPER" => simple(Func::Upper, "S", 1, string_type(nullable), args),
        "LOWER" => simple(Func::Lower, "S", 1, string_type(nullable), args),
        "TRIM" | "BTRIM" | "LTRIM" | "RTRIM" => {
            // TRIM(side, chars, x) from the parser; LTRIM/RTRIM/BTRIM(x[, chars]).
            let (side, chars, x) = if name == "TRIM" && args.len() == 3 {
                let side = match literal_string(&args[0]).map(|s| s.to_ascii_uppercase()) {
                    Some(s) if s == "LEADING" => TrimSide::Leading,
                    Some(s) if s == "TRAILING" => TrimSide::Trailing,
                    _ => TrimSide::Both,
                };
                let x = args.pop();
                let chars = args.pop();
                (side, chars, x)
            } else {
                arity(name, &args, 1, 2, &["TRIM(STRING)"])?;
                let side = match name {
                    "LTRIM" => TrimSide::Leading,
                    "RTRIM" => TrimSide::Trailing,
                    _ => TrimSide::Both,
                };
                let chars = if args.len() == 2 { args.pop() } else { None };
                (side, chars, args.pop())
            };
            let x = x.ok_or_else(|| no_match(name, &[], &["TRIM(STRING)"]))?;
            let chars = chars.unwrap_or_else(|| ScalarExpr::literal(ScalarValue::String(" ".into()), DataType::not_null(string_kind())));
            let args = vec![x, chars];
            let nullable = any_nullable(&args);
            simple(Func::Trim(side), "SS", 2, string_type(nullable), args)
        }
        "CHAR_LENGTH" | "CHARACTER_LENGTH" => simple(Func::CharLength, "S", 1, int, args),
        "POSITION" => simple(Func::Position, "SS", 2, int, args),
        "LOCATE" => simple(Func::Locate, "SSI", 2, int, args),
        "INSTR" => {
            // INSTR(haystack, needle) = POSITION(needle IN haystack).
            arity(name, &args, 2, 2, &["INSTR(STRING, STRING)"])?;
            args.swap(0, 1);
            simple(Func::Position, "SS", 2, int, args)
        }
        "SUBSTRING" | "SUBSTR" => simple(Func::Substring, "SII", 2, string_type(nullable), args),
        "OVERLAY" => simple(Func::Overlay, "SSII", 3, string_type(nullable), args),
        "REPLACE" => simple(Func::Replace, "SSS", 3, string_type(nullable), args),
        "REGEXP_EXTRACT" => {
            check_pattern(args.get(1))?;
            simple(Func::RegexpExtract, "SSI", 2, string_type(true), args)
        }
        "REGEXP_REPLACE" => {
            check_pattern(args.get(1))?;
            simple(Func::RegexpReplace, "SSS", 3, string_type(nullable), args)
        }
        "REGEXP" => {
            check_pattern(args.get(1))?;
            simple(Func::Regexp, "SS", 2, DataType { kind: TypeKind::Boolean, nullable }, args)
        }
        "SPLIT_INDEX" => simple(Func::SplitIndex, "SSI", 3, string_type(true), args),
        "LPAD" => simple(Func::Lpad, "SIS", 3, string_type(true), args),
        "RPAD" => simple(Func::Rpad, "SIS", 3, string_type(true), args),
        "INITCAP" => simple(Func::Initcap, "S", 1, string_type(nullable), args),
        "LEFT" => simple(Func::Left, "SI", 2, string_type(nullable), args),
        "RIGHT" => simple(Func::Right, "SI", 2, string_type(nullable), args),
        "REPEAT" => simple(Func::Repeat, "SI", 2, string_type(nullable), args),
        "REVERSE" => simple(Func::Reverse, "S", 1, string_type(nullable), args),
        "ASCII" => simple(Func::Ascii, "S", 1, int, args),
        "CHR" => simple(Func::Chr, "I", 1, string_type(true), args),
        "TO_BASE64" => simple(Func::ToBase64, "S", 1, string_type(nullable), args),
        "FROM_BASE64" => simple(Func::FromBase64, "S", 1, string_type(true), args),
        "TRANSLATE" => simple(Func::Translate, "SSS", 3, string_type(nullable), args),
        "ELT" => resolve_elt(args),
        "STARTSWITH" | "ENDSWITH" => {
            let func = if name == "STARTSWITH" { Func::StartsWith } else { Func::EndsWith };
            let ret = DataType { kind: TypeKind::Boolean, nullable };
            let binary = args.iter().all(|a| a.data_type().is_binary() || a.data_type().kind == TypeKind::Null)
                && args.iter().any(|a| a.data_type().is_binary());
            if args.len() == 2 && binary {
                let bytes = TypeKind::Varbinary { length: sluice_types::MAX_VARCHAR_LENGTH };
                return Ok(make_call(func, args.into_iter().map(|a| coerce(a, &bytes)).collect(), ret));
            }
            simple(func, "SS", 2, ret, args)
        }
        "UUID" => {
            arity(name, &args, 0, 0, &["UUID()"])?;
            Ok(make_call(Func::Uuid, args, DataType::not_null(string_kind())))
        }
        other => Err(FunctionError::NotFound(other.to_string())),
    }
}

/// `ELT(index, expr1, expr2, ..)`: the `index`-th expression (1-based), NULL when the index
/// is NULL or out of range. The expressions share their common string or binary type.
fn resolve_elt(args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let sig = ["ELT(INT, STRING, ..)", "ELT(INT, BYTES, ..)"];
    if args.len() < 2 || !(args[0].data_type().kind.is_integer() || args[0].data_type().kind == TypeKind::Null) {
        return Err(no_match("ELT", &args, &sig));
    }
    let types: Vec<DataType> = args[1..].iter().map(|a| a.data_type().clone()).collect();
    let common = crate::coercion::common_type(&types).ok_or_else(|| no_match("ELT", &args, &sig))?;
    let fits = common.is_string() || common.is_binary() || common.kind == TypeKind::Null;
    if !fits {
        return Err(no_match("ELT", &args, &sig));
    }
    let kind = if common.kind == TypeKind::Null { string_kind() } else { common.kind };
    let mut args = args.into_iter();
    let index = coerce(args.next().unwrap_or_else(|| ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))), &TypeKind::BigInt);
    let args = std::iter::once(index).chain(args.map(|a| coerce(a, &kind))).collect();
    Ok(make_call(Func::Elt, args, DataType::new(kind)))
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// Builds a string column row by row; `f` writes the value and returns false for NULL.
fn build_strings(n: usize, mut f: impl FnMut(usize, &mut String) -> Result<bool, EvalError>) -> Result<ArrayRef, EvalError> {
    let mut b = StringBuilder::with_capacity(n, n * 16);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        if f(i, &mut buf)? {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

fn s_at(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

fn i_at(a: &Int32Array, i: usize) -> Option<i32> {
    a.is_valid(i).then(|| a.value(i))
}

fn i_at64(a: &Int64Array, i: usize) -> Option<i64> {
    a.is_valid(i).then(|| a.value(i))
}

/// `TRANSLATE(s, from, to)`: each character of `from` becomes the character at the same
/// position of `to`, or is removed when `to` is shorter (the first occurrence in `from`
/// counts).
fn translate(s: &str, from: &str, to: &str, out: &mut String) {
    let to: Vec<char> = to.chars().collect();
    for c in s.chars() {
        match from.chars().position(|f| f == c) {
            None => out.push(c),
            Some(k) => {
                if let Some(r) = to.get(k) {
                    out.push(*r);
                }
            }
        }
    }
}

/// The byte offset of character `k` (clamped to the end).
fn char_offset(s: &str, k: usize) -> usize {
    s.char_indices().nth(k).map(|(o, _)| o).unwrap_or(s.len())
}

/// Flink's SUBSTRING on characters: `pos` 1-based, negative from the end, 0 as 1.
fn substring(s: &str, pos: i64, len: Option<i64>) -> &str {
    let n = s.chars().count() as i64;
    let start = if pos > 0 { pos - 1 } else if pos < 0 { n + pos } else { 0 };
    let end = match len {
        Some(l) => start.saturating_add(l),
        None => n,
    };
    let (start, end) = (start.clamp(0, n), end.clamp(0, n));
    if end <= start {
        return "";
    }
    &s[char_offset(s, start as usize)..char_offset(s, end as usize)]
}

/// Flink's 1-based character position of `needle` in `hay` from character `from`, or 0.
fn position(needle: &str, hay: &str, from: i64) -> i32 {
    if from < 1 {
        return 0;
    }
    let start = char_offset(hay, (from - 1) as usize);
    if start > hay.len() || (start == hay.len() && !needle.is_empty() && from as usize > hay.chars().count() + 1) {
        return 0;
    }
    match hay[start..].find(needle) {
        Some(b) => (hay[..start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

fn pad(s: &str, len: i32, fill: &str, left: bool, out: &mut String) -> bool {
    if len < 0 {
        return false;
    }
    let len = len as usize;
    let n = s.chars().count();
    if len <= n {
        out.push_str(&s[..char_offset(s, len)]);
        return true;
    }
    if fill.is_empty() {
        return false;
    }
    let need = len - n;
    if !left {
        out.push_str(s);
    }
    out.extend(fill.chars().cycle().take(need));
    if left {
        out.push_str(s);
    }
    true
}

fn initcap(s: &str, out: &mut String) {
    let mut start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn to_base64(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

fn from_base64(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        let mut pads = 0;
        for &c in chunk {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    pads += 1;
                    0
                }
                _ => return None,
            };
            n = n << 6 | v as u32;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pads.min(2)]);
    }
    Some(out)
}

/// A random version-4 UUID from the standard library's randomly seeded hasher.
fn uuid(out: &mut String) {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut h1 = state.build_hasher();
    h1.write_u64(0x9e37_79b9_7f4a_7c15);
    let mut h2 = state.build_hasher();
    h2.write_u64(h1.finish());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&h1.finish().to_le_bytes());
    bytes[8..].copy_from_slice(&h2.finish().to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    for (i, b) in bytes.iter().enumerate() {
        if [4, 6, 8, 10].contains(&i) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
}

/// `CountChar(s, c)` of the Nexmark suite: a BIGINT NOT NULL (its Java method returns a
/// `long`), 0 for a NULL `s`.
pub(crate) fn resolve_count_char(args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let name = "count_char";
    arity(name, &args, 2, 2, &["count_char(STRING, STRING)"])?;
    check(name, &args, "SS", name)?;
    Ok(make_call(Func::CountChar, shape_args(args, "SS"), DataType::not_null(TypeKind::BigInt)))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    if *func == Func::Uuid {
        let out = build_strings(cc.rows, |_, o| {
            uuid(o);
            Ok(true)
        })?;
        return Ok(ColumnarValue::Array(out));
    }
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let s = |k: usize| arrays[k].as_string::<i32>();
    let int = |k: usize| arrays[k].as_primitive::<Int32Type>();
    let out: ArrayRef = match func {
        Func::Concat => {
            let cols: Vec<&StringArray> = (0..arrays.len()).map(s).collect();
            build_strings(n, |i, o| {
                for c in &cols {
                    match s_at(c, i) {
                        Some(v) => o.push_str(v),
                        None => return Ok(false),
                    }
                }
                Ok(true)
            })?
        }
        Func::ConcatWs => {
            let cols: Vec<&StringArray> = (0..arrays.len()).map(s).collect();
            build_strings(n, |i, o| {
                let Some(sep) = s_at(cols[0], i) else {
                    return Ok(false);
                };
                let mut first = true;
                for c in &cols[1..] {
                    if let Some(v) = s_at(c, i) {
                        if !first {
                            o.push_str(sep);
                        }
                        o.push_str(v);
                        first = false;
                    }
                }
                Ok(true)
            })?
        }
        Func::Upper | Func::Lower => {
            let a = s(0);
            let upper = *func == Func::Upper;
            build_strings(n, |i, o| {
                Ok(s_at(a, i).map(|v| o.push_str(&if upper { v.to_uppercase() } else { v.to_lowercase() })).is_some())
            })?
        }
        Func::Trim(side) => {
            let (a, chars) = (s(0), s(1));
            build_strings(n, |i, o| {
                let (Some(v), Some(c)) = (s_at(a, i), s_at(chars, i)) else {
                    return Ok(false);
                };
                let set = |ch: char| c.contains(ch);
                o.push_str(match side {
                    TrimSide::Both => v.trim_matches(set),
                    TrimSide::Leading => v.trim_start_matches(set),
                    TrimSide::Trailing => v.trim_end_matches(set),
                });
                Ok(true)
            })?
        }
        Func::CharLength => {
            let a = s(0);
            Arc::new((0..n).map(|i| s_at(a, i).map(|v| v.chars().count() as i32)).collect::<Int32Array>())
        }
        Func::CountChar => {
            let (a, c) = (s(0), s(1));
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                // Java fails the same way: `character.toBytes()[0]` of NULL or ''.
                let Some(&byte) = s_at(c, i).and_then(|c| c.as_bytes().first()) else {
                    return Err(EvalError::Runtime(
                        "count_char (com.github.nexmark.flink.udf.CountChar): the character to count is NULL or empty".into(),
                    ));
                };
                out.push(s_at(a, i).map_or(0, |v| v.bytes().filter(|b| *b == byte).count() as i64));
            }
            Arc::new(Int64Array::from(out))
        }
        Func::Ascii => {
            let a = s(0);
            Arc::new((0..n).map(|i| s_at(a, i).map(|v| v.chars().next().map(|c| c as i32).unwrap_or(0))).collect::<Int32Array>())
        }
        Func::Position | Func::Locate => {
            let (needle, hay) = (s(0), s(1));
            let from = arrays.get(2).map(|a| a.as_primitive::<Int32Type>());
            Arc::new(
                (0..n)
                    .map(|i| {
                        let start = match from {
                            Some(f) => i_at(f, i)? as i64,
                            None => 1,
                        };
                        Some(position(s_at(needle, i)?, s_at(hay, i)?, start))
                    })
                    .collect::<Int32Array>(),
            )
        }
        Func::Regexp => {
            let (a, p) = (s(0), s(1));
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                out.push(match (s_at(a, i), s_at(p, i)) {
                    // An invalid pattern is false, as in Flink's SqlFunctionUtils.regExp.
                    (Some(v), Some(p)) => Some(regex_or_none(p)?.is_some_and(|re| re.is_match(v))),
                    _ => None,
                });
            }
            Arc::new(BooleanArray::from(out))
        }
        Func::Substring => {
            let (a, from) = (s(0), int(1));
            let len = arrays.get(2).map(|l| l.as_primitive::<Int32Type>());
            build_strings(n, |i, o| {
                let (Some(v), Some(f)) = (s_at(a, i), i_at(from, i)) else {
                    return Ok(false);
                };
                let l = match len {
                    Some(l) => match i_at(l, i) {
                        Some(l) => Some(l as i64),
                        None => return Ok(false),
                    },
                    None => None,
                };
                if l.is_some_and(|l| l < 0) {
                    return Ok(true);
                }
                o.push_str(substring(v, f as i64, l));
                Ok(true)
            })?
        }
        Func::Overlay => {
            let (a, placing, from) = (s(0), s(1), int(2));
            let len = arrays.get(3).map(|l| l.as_primitive::<Int32Type>());
            build_strings(n, |i, o| {
                let (Some(v), Some(p), Some(f)) = (s_at(a, i), s_at(placing, i), i_at(from, i)) else {
                    return Ok(false);
                };
                let l = match len {
                    Some(l) => match i_at(l, i) {
                        Some(l) => l as i64,
                        None => return Ok(false),
                    },
                    None => p.chars().count() as i64,
                };
                o.push_str(substring(v, 1, Some(f as i64 - 1)));
                o.push_str(p);
                o.push_str(substring(v, f as i64 + l, None));
                Ok(true)
            })?
        }
        Func::Replace => {
            let (a, from, to) = (s(0), s(1), s(2));
            build_strings(n, |i, o| {
                let (Some(v), Some(f), Some(t)) = (s_at(a, i), s_at(from, i), s_at(to, i)) else {
                    return Ok(false);
                };
                if f.is_empty() {
                    o.push_str(v);
                } else {
                    o.push_str(&v.replace(f, t));
                }
                Ok(true)
            })?
        }
        Func::RegexpExtract => {
            let (a, p) = (s(0), s(1));
            let group = arrays.get(2).map(|g| g.as_primitive::<Int32Type>());
            // The pattern is nearly always the same on every row: compile it once and keep
            // using one `Regex`, whose match cache then stays warm (a clone from the
            // per-thread cache starts cold on every row).
            let mut compiled: Option<(&str, Option<Regex>)> = None;
            build_strings(n, |i, o| {
                let (Some(v), Some(p)) = (s_at(a, i), s_at(p, i)) else {
                    return Ok(false);
                };
                let g = match group {
                    Some(g) => match i_at(g, i) {
                        Some(g) if g >= 0 => g as usize,
                        _ => return Ok(false),
                    },
                    None => 0,
                };
                if compiled.as_ref().is_none_or(|(last, _)| *last != p) {
                    compiled = Some((p, regex_or_none(p)?));
                }
                let Some(re) = compiled.as_ref().and_then(|(_, re)| re.as_ref()) else {
                    return Ok(false);
                };
                if g >= re.captures_len() {
                    return Ok(false);
                }
                match re.captures(v).and_then(|c| c.get(g)) {
                    Some(m) => {
                        o.push_str(m.as_str());
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })?
        }
        Func::RegexpReplace => {
            let (a, p, r) = (s(0), s(1), s(2));
            build_strings(n, |i, o| {
                let (Some(v), Some(p), Some(r)) = (s_at(a, i), s_at(p, i), s_at(r, i)) else {
                    return Ok(false);
                };
                // Flink quotes the replacement (Matcher.quoteReplacement): `$1` is literal
                // text; a pattern that does not compile gives NULL.
                let Some(re) = regex_or_none(p)? else {
                    return Ok(false);
                };
                o.push_str(&re.replace_all(v, regex::NoExpand(r)));
                Ok(true)
            })?
        }
        Func::SplitIndex => {
            let (a, d, k) = (s(0), s(1), int(2));
            build_strings(n, |i, o| {
                let (Some(v), Some(d), Some(k)) = (s_at(a, i), s_at(d, i), i_at(k, i)) else {
                    return Ok(false);
                };
                if k < 0 || d.is_empty() {
                    return Ok(false);
                }
                match v.split(d).nth(k as usize) {
                    Some(part) => {
                        o.push_str(part);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })?
        }
        Func::Lpad | Func::Rpad => {
            let (a, len, fill) = (s(0), int(1), s(2));
            let left = *func == Func::Lpad;
            build_strings(n, |i, o| {
                let (Some(v), Some(l), Some(f)) = (s_at(a, i), i_at(len, i), s_at(fill, i)) else {
                    return Ok(false);
                };
                Ok(pad(v, l, f, left, o))
            })?
        }
        Func::Initcap => {
            let a = s(0);
            build_strings(n, |i, o| Ok(s_at(a, i).map(|v| initcap(v, o)).is_some()))?
        }
        Func::Left | Func::Right => {
            let (a, k) = (s(0), int(1));
            let left = *func == Func::Left;
            build_strings(n, |i, o| {
                let (Some(v), Some(k)) = (s_at(a, i), i_at(k, i)) else {
                    return Ok(false);
                };
                let count = v.chars().count();
                let k = (k.max(0) as usize).min(count);
                o.push_str(if left { &v[..char_offset(v, k)] } else { &v[char_offset(v, count - k)..] });
                Ok(true)
            })?
        }
        Func::Repeat => {
            let (a, k) = (s(0), int(1));
            build_strings(n, |i, o| {
                let (Some(v), Some(k)) = (s_at(a, i), i_at(k, i)) else {
                    return Ok(false);
                };
                o.push_str(&v.repeat(k.max(0) as usize));
                Ok(true)
            })?
        }
        Func::Reverse => {
            let a = s(0);
            build_strings(n, |i, o| Ok(s_at(a, i).map(|v| o.extend(v.chars().rev())).is_some()))?
        }
        Func::Chr => {
            let a = int(0);
            build_strings(n, |i, o| {
                let Some(v) = i_at(a, i) else {
                    return Ok(false);
                };
                // Flink's SqlFunctionUtils.chr: '' for a negative code, else the low 8 bits.
                if v >= 0 {
                    o.push(char::from(v as u8));
                }
                Ok(true)
            })?
        }
        Func::ToBase64 => {
            let a = s(0);
            build_strings(n, |i, o| Ok(s_at(a, i).map(|v| to_base64(v.as_bytes(), o)).is_some()))?
        }
        Func::FromBase64 => {
            let a = s(0);
            build_strings(n, |i, o| {
                match s_at(a, i).and_then(from_base64) {
                    Some(bytes) => o.push_str(&String::from_utf8_lossy(&bytes)),
                    None => return Ok(false),
                }
                Ok(true)
            })?
        }
        Func::StartsWith | Func::EndsWith => {
            let start = *func == Func::StartsWith;
            let test = |v: &[u8], p: &[u8]| if start { v.starts_with(p) } else { v.ends_with(p) };
            let out: BooleanArray = if arrays[0].data_type() == &arrow_schema::DataType::Binary {
                let (a, b) = (arrays[0].as_binary::<i32>(), arrays[1].as_binary::<i32>());
                (0..n).map(|i| (a.is_valid(i) && b.is_valid(i)).then(|| test(a.value(i), b.value(i)))).collect()
            } else {
                let (a, b) = (s(0), s(1));
                (0..n).map(|i| Some(test(s_at(a, i)?.as_bytes(), s_at(b, i)?.as_bytes()))).collect()
            };
            Arc::new(out)
        }
        Func::Translate => {
            let (a, from, to) = (s(0), s(1), s(2));
            build_strings(n, |i, o| {
                let (Some(v), Some(f), Some(t)) = (s_at(a, i), s_at(from, i), s_at(to, i)) else {
                    return Ok(false);
                };
                translate(v, f, t, o);
                Ok(true)
            })?
        }
        Func::Elt => {
            // One gather over the candidate columns plus a NULL source for misses.
            let index = arrays[0].as_primitive::<Int64Type>();
            let choices = arrays.len() - 1;
            let null = arrow_array::new_null_array(arrays[1].data_type(), 1);
            let mut sources: Vec<&dyn Array> = arrays[1..].iter().map(|a| a.as_ref()).collect();
            sources.push(null.as_ref());
            let picks: Vec<(usize, usize)> = (0..n)
                .map(|i| match i_at64(index, i) {
                    Some(k) if k >= 1 && k as usize <= choices => (k as usize - 1, i),
                    _ => (choices, 0),
                })
                .collect();
            arrow_select::interleave::interleave(&sources, &picks)?
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a string function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
#[path = "string_tests.rs"]
mod tests;
