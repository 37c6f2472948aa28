//! The JSON functions: `IS JSON [VALUE|SCALAR|ARRAY|OBJECT]`, `JSON_EXISTS`,
//! `JSON_VALUE` (`RETURNING`, `ON EMPTY`, `ON ERROR`), `JSON_QUERY` (wrappers, `ON EMPTY`,
//! `ON ERROR`, `RETURNING ARRAY<STRING>`), `JSON_STRING`, `JSON_OBJECT` and `JSON_ARRAY`.
//!
//! What Flink 2.3 does, measured with the oracle (case `102_fn_json_query`): a NULL
//! document gives NULL (and `IS JSON` false); a path that finds nothing is an *error* for
//! `JSON_VALUE` and `JSON_QUERY` in lax mode too (so `ON ERROR` applies, not `ON EMPTY`),
//! while lax `JSON_EXISTS` answers false; text that is not JSON is an error as well; JSON
//! `null` is empty. `JSON_VALUE .. RETURNING INT|DOUBLE|BOOLEAN` casts the JSON value as
//! Java would (an integer for `INT`, a fraction for `DOUBLE`), and any other JSON value
//! fails the job, as Flink's `ClassCastException` does.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int32Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::*;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::json_doc::{self, parse, parse_path, select, Json, JsonPath, PathMode, Selected};
use super::registry::{any_nullable, coerce, literal_string, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{array_value, EvalContext, EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "JSON_VALUE", "JSON_QUERY", "JSON_EXISTS", "JSON_STRING", "JSON_OBJECT", "JSON_ARRAY", "IS JSON", "JSON_QUOTE",
    "JSON_UNQUOTE", "JSON", "JSON NODE",
];

/// What `ON EMPTY` / `ON ERROR` / `ON NULL` clauses choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonBehavior {
    Null,
    Error,
    /// `DEFAULT expr`: the expression is an extra argument of the call.
    Default,
    EmptyArray,
    EmptyObject,
    True,
    False,
    Unknown,
}

/// `JSON_QUERY`'s wrapper clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonWrapper {
    Without,
    Conditional,
    Unconditional,
}

/// `IS JSON [VALUE|SCALAR|ARRAY|OBJECT]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Value,
    Scalar,
    Array,
    Object,
}

/// A JSON function with its SQL/JSON clauses, as the parser reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum JsonFunction {
    /// Arguments: document, path, then the `DEFAULT` expressions of `on_empty` and
    /// `on_error` when they are `Default`.
    Value { returning: Option<DataType>, on_empty: JsonBehavior, on_error: JsonBehavior },
    Query { returning: Option<DataType>, wrapper: JsonWrapper, on_empty: JsonBehavior, on_error: JsonBehavior },
    Exists { on_error: JsonBehavior },
    IsJson(JsonType),
    /// Arguments: key, value, key, value, ..
    Object { absent_on_null: bool },
    Array { absent_on_null: bool },
}

/// How `JSON_VALUE` hands its value over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonReturning {
    String,
    Int,
    Double,
    Boolean,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonValueSpec {
    pub returning: JsonReturning,
    pub on_empty: JsonBehavior,
    pub on_error: JsonBehavior,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonQuerySpec {
    pub wrapper: JsonWrapper,
    pub on_empty: JsonBehavior,
    pub on_error: JsonBehavior,
    /// `RETURNING ARRAY<STRING>`: the selected array's items as strings.
    pub array: bool,
}

fn null_literal() -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))
}

/// `JSON_VALUE(json, path[, 'TYPE'])` and the plain call forms of the others.
pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let f = match name {
        "JSON_VALUE" => {
            let returning = if args.len() == 3 {
                let t = args.pop().unwrap_or_else(null_literal);
                let name = literal_string(&t).map(|s| s.trim().to_ascii_uppercase());
                Some(match name.as_deref() {
                    Some("STRING" | "VARCHAR") => DataType::string(),
                    Some("INT" | "INTEGER") => DataType::int(),
                    Some("DOUBLE") => DataType::double(),
                    Some("BOOLEAN") => DataType::boolean(),
                    _ => return Err(FunctionError::BadArgument("JSON_VALUE returns STRING, INT, DOUBLE or BOOLEAN".into())),
                })
            } else {
                None
            };
            JsonFunction::Value { returning, on_empty: JsonBehavior::Null, on_error: JsonBehavior::Null }
        }
        "JSON_QUERY" => JsonFunction::Query {
            returning: None,
            wrapper: JsonWrapper::Without,
            on_empty: JsonBehavior::Null,
            on_error: JsonBehavior::Null,
        },
        "JSON_EXISTS" => JsonFunction::Exists { on_error: JsonBehavior::False },
        "IS JSON" => JsonFunction::IsJson(JsonType::Value),
        "JSON_OBJECT" => JsonFunction::Object { absent_on_null: false },
        "JSON_ARRAY" => JsonFunction::Array { absent_on_null: true },
        "JSON NODE" => {
            // A value's JSON text as the JSON aggregates collect it (NULL stays NULL).
            if args.len() != 1 {
                return Err(no_match(name, &args, &["JSON NODE(ANY)"]));
            }
            let raw = is_json_call(&args[0]);
            return Ok(make_call(Func::JsonNode { raw }, args, DataType::new(string_kind())));
        }
        "JSON_QUOTE" | "JSON_UNQUOTE" | "JSON" => {
            if args.len() != 1 || !stringish(args[0].data_type()) {
                return Err(no_match(name, &args, &[&format!("{name}(STRING)")]));
            }
            let nullable = any_nullable(&args);
            let func = match name {
                "JSON_QUOTE" => Func::JsonQuote,
                "JSON_UNQUOTE" => Func::JsonUnquote,
                _ => Func::JsonRaw,
            };
            let args = args.into_iter().map(|a| coerce(a, &string_kind())).collect();
            return Ok(make_call(func, args, DataType { kind: string_kind(), nullable }));
        }
        _ => {
            let temporal = args.first().is_some_and(|a| {
                matches!(
                    a.data_type().kind,
                    TypeKind::Date | TypeKind::Time { .. } | TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. }
                )
            });
            if args.len() != 1 || temporal {
                return Err(no_match(name, &args, &["JSON_STRING(ANY)"]));
            }
            let nullable = any_nullable(&args);
            return Ok(make_call(Func::JsonString, args, DataType { kind: string_kind(), nullable }));
        }
    };
    resolve_json(f, args)
}

/// Types a JSON function with its clauses (what `JSON_VALUE(j, p RETURNING INT DEFAULT 0
/// ON EMPTY)` and friends bind to).
pub fn resolve_json(f: JsonFunction, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let string = string_kind();
    let doc_and_path = |name: &str, args: &[ScalarExpr], extra: usize| -> Result<JsonPath, FunctionError> {
        let sig = format!("{name}(STRING, STRING)");
        if args.len() != 2 + extra || !stringish(args[0].data_type()) {
            return Err(no_match(name, args, &[&sig]));
        }
        match literal_string(&args[1]) {
            Some(p) => parse_path(p).map_err(FunctionError::BadArgument),
            None => Err(FunctionError::BadArgument(format!("the path of {name} must be a string literal"))),
        }
    };
    match f {
        JsonFunction::IsJson(kind) => {
            if args.len() != 1 || !stringish(args[0].data_type()) {
                return Err(no_match("IS JSON", &args, &["STRING IS JSON"]));
            }
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::IsJson(kind), args, DataType::not_null(TypeKind::Boolean)))
        }
        JsonFunction::Exists { on_error } => {
            doc_and_path("JSON_EXISTS", &args, 0)?;
            if !matches!(on_error, JsonBehavior::True | JsonBehavior::False | JsonBehavior::Unknown | JsonBehavior::Error) {
                return Err(FunctionError::BadArgument("JSON_EXISTS takes TRUE, FALSE, UNKNOWN or ERROR ON ERROR".into()));
            }
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::JsonExists(on_error), args, DataType::boolean()))
        }
        JsonFunction::Value { returning, on_empty, on_error } => {
            let defaults = usize::from(on_empty == JsonBehavior::Default) + usize::from(on_error == JsonBehavior::Default);
            doc_and_path("JSON_VALUE", &args, defaults)?;
            let behaviors_ok = [on_empty, on_error].iter().all(|b| matches!(b, JsonBehavior::Null | JsonBehavior::Error | JsonBehavior::Default));
            if !behaviors_ok {
                return Err(FunctionError::BadArgument("JSON_VALUE takes NULL, ERROR or DEFAULT ON EMPTY and ON ERROR".into()));
            }
            let (kind, ret) = match returning.as_ref().map(|t| &t.kind) {
                None => (string.clone(), JsonReturning::String),
                Some(TypeKind::Char { .. } | TypeKind::Varchar { .. }) => (string.clone(), JsonReturning::String),
                Some(TypeKind::Int) => (TypeKind::Int, JsonReturning::Int),
                Some(TypeKind::Double) => (TypeKind::Double, JsonReturning::Double),
                Some(TypeKind::Boolean) => (TypeKind::Boolean, JsonReturning::Boolean),
                Some(other) => {
                    return Err(FunctionError::BadArgument(format!("unsupported type '{other}' for RETURNING in JSON_VALUE()")));
                }
            };
            // Defaults are computed as the returned type.
            let args = args
                .into_iter()
                .enumerate()
                .map(|(i, a)| if i < 2 { coerce(a, &string) } else { crate::cast::implicit(a, &kind) })
                .collect();
            let spec = JsonValueSpec { returning: ret, on_empty, on_error };
            Ok(make_call(Func::JsonValue(spec), args, DataType::new(kind)))
        }
        JsonFunction::Query { returning, wrapper, on_empty, on_error } => {
            doc_and_path("JSON_QUERY", &args, 0)?;
            if [on_empty, on_error].iter().any(|b| !matches!(b, JsonBehavior::Null | JsonBehavior::Error | JsonBehavior::EmptyArray | JsonBehavior::EmptyObject)) {
                return Err(FunctionError::BadArgument("JSON_QUERY takes NULL, ERROR, EMPTY ARRAY or EMPTY OBJECT ON EMPTY and ON ERROR".into()));
            }
            let (kind, array) = match returning.as_ref().map(|t| &t.kind) {
                None | Some(TypeKind::Char { .. } | TypeKind::Varchar { .. }) => (string.clone(), false),
                Some(TypeKind::Array(e)) if e.is_string() => (TypeKind::Array(Box::new(DataType::string())), true),
                Some(other) => {
                    return Err(FunctionError::BadArgument(format!("unsupported type '{other}' for RETURNING in JSON_QUERY()")));
                }
            };
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            let spec = JsonQuerySpec { wrapper, on_empty, on_error, array };
            Ok(make_call(Func::JsonQuery(spec), args, DataType::new(kind)))
        }
        JsonFunction::Object { absent_on_null } => {
            if args.len() % 2 == 1 || !args.iter().step_by(2).all(|k| stringish(k.data_type())) {
                return Err(no_match("JSON_OBJECT", &args, &["JSON_OBJECT(KEY STRING VALUE ANY, ..)"]));
            }
            if args.iter().step_by(2).any(|k| k.data_type().kind == TypeKind::Null || k.as_literal().is_some_and(|v| v.is_null())) {
                return Err(FunctionError::BadArgument("a JSON_OBJECT key must not be NULL".into()));
            }
            check_json_values(args.iter().skip(1).step_by(2))?;
            let raw = args.iter().map(is_json_call).collect();
            let args = args.into_iter().enumerate().map(|(i, a)| if i % 2 == 0 { coerce(a, &string) } else { a }).collect();
            Ok(make_call(Func::JsonObject { absent_on_null, raw }, args, DataType::not_null(string)))
        }
        JsonFunction::Array { absent_on_null } => {
            check_json_values(args.iter())?;
            let raw = args.iter().map(is_json_call).collect();
            Ok(make_call(Func::JsonArray { absent_on_null, raw }, args, DataType::not_null(string)))
        }
    }
}

/// Flink's JSON constructors refuse DATE and TIME values ("is not scalar or cannot be
/// converted into JSON"), though they take timestamps.
fn check_json_values<'a>(values: impl Iterator<Item = &'a ScalarExpr>) -> Result<(), FunctionError> {
    for v in values {
        if matches!(v.data_type().kind, TypeKind::Date | TypeKind::Time { .. }) {
            return Err(FunctionError::BadArgument(format!(
                "type '{}' is not scalar or cannot be converted into JSON",
                v.data_type()
            )));
        }
    }
    Ok(())
}

/// Whether a value is inserted as JSON rather than as a string: the result of another
/// `JSON_OBJECT` or `JSON_ARRAY`, or text marked with `JSON(..)`, as Flink does.
fn is_json_call(e: &ScalarExpr) -> bool {
    matches!(e, ScalarExpr::Call { func: Func::JsonObject { .. } | Func::JsonArray { .. } | Func::JsonRaw, .. })
}

// ---------------------------------------------------------------------------------------
// SQL values into JSON.

/// How a `DOUBLE` is written: `JSON_STRING` prints Java's `Double.toString` (`1.0E10`),
/// `JSON_OBJECT`/`JSON_ARRAY` go through a `BigDecimal` (`1.0E+10`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doubles {
    Java,
    BigDecimal,
}

/// Appends the JSON of one SQL value, as Flink's `JsonGenerateUtils` builds its nodes.
fn write_value(array: &dyn Array, ty: &DataType, row: usize, raw: bool, doubles: Doubles, ctx: &EvalContext, out: &mut String) {
    if is_null_at(array, row) {
        out.push_str("null");
        return;
    }
    let v = array_value(array, ty, row);
    write_scalar(&v, ty, raw, doubles, ctx, out);
}

/// Java's `BigDecimal.valueOf(d).toString()`: `Double.toString`'s digits, in scientific
/// notation only when the exponent is positive or below -6.
fn write_bigdecimal_double(out: &mut String, d: f64) {
    let mut java = String::new();
    sluice_types::java_text::write_java_double(&mut java, d);
    let Some((mantissa, exp)) = java.split_once('E') else {
        out.push_str(&java);
        return;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        out.push_str(&java);
        return;
    };
    let negative = mantissa.starts_with('-');
    let (int, frac) = mantissa.trim_start_matches('-').split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}").trim_start_matches('0').to_string();
    let digits = if digits.is_empty() { "0".to_string() } else { digits };
    let scale = frac.len() as i64 - exp;
    let adjusted = -scale + digits.len() as i64 - 1;
    if negative {
        out.push('-');
    }
    if scale >= 0 && adjusted >= -6 {
        // Plain notation.
        let scale = scale as usize;
        if digits.len() > scale {
            out.push_str(&digits[..digits.len() - scale]);
            if scale > 0 {
                out.push('.');
                out.push_str(&digits[digits.len() - scale..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        if adjusted >= 0 {
            out.push('+');
        }
        out.push_str(&adjusted.to_string());
    }
}

fn write_scalar(v: &ScalarValue, ty: &DataType, raw: bool, doubles: Doubles, ctx: &EvalContext, out: &mut String) {
    use std::fmt::Write;
    match (v, &ty.kind) {
        (ScalarValue::Null, _) => out.push_str("null"),
        (ScalarValue::String(s), _) if raw => match parse(s) {
            Some(j) => j.write(out),
            None => json_doc::write_json_string(s, out),
        },
        (ScalarValue::String(s), _) => json_doc::write_json_string(s, out),
        (ScalarValue::Boolean(b), _) => out.push_str(if *b { "true" } else { "false" }),
        (ScalarValue::TinyInt(_) | ScalarValue::SmallInt(_) | ScalarValue::Int(_) | ScalarValue::BigInt(_), _) => {
            let _ = write!(out, "{}", v.as_i64().unwrap_or(0));
        }
        (ScalarValue::Double(d), _) if doubles == Doubles::BigDecimal => write_bigdecimal_double(out, *d),
        (ScalarValue::Double(d), _) => sluice_types::java_text::write_java_double(out, *d),
        // A FLOAT goes through a double too: 0.33333334f is 0.3333333432674408.
        (ScalarValue::Float(f), _) if doubles == Doubles::BigDecimal => write_bigdecimal_double(out, *f as f64),
        (ScalarValue::Float(f), _) => sluice_types::java_text::write_java_float(out, *f),
        (ScalarValue::Decimal { value, scale, .. }, _) => crate::to_string::write_decimal(out, *value, *scale),
        // A VARIANT is JSON already (JSON_STRING(PARSE_JSON('{"a":1}')) is {"a":1}).
        (ScalarValue::Binary(b), TypeKind::Variant) => sluice_types::variant::write_variant_text(b, out),
        (ScalarValue::Binary(b), _) => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        (ScalarValue::Array(items), TypeKind::Array(elem)) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_scalar(item, elem, false, doubles, ctx, out);
            }
            out.push(']');
        }
        (ScalarValue::Map(entries), TypeKind::Map(k, val)) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let mut key_text = String::new();
                scalar_text(key, k, ctx, &mut key_text);
                json_doc::write_json_string(&key_text, out);
                out.push(':');
                write_scalar(value, val, false, doubles, ctx, out);
            }
            out.push('}');
        }
        (ScalarValue::Row(values), TypeKind::Row(fields)) => {
            out.push('{');
            for (i, (value, field)) in values.iter().zip(fields).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_doc::write_json_string(&field.name, out);
                out.push(':');
                write_scalar(value, &field.data_type, false, doubles, ctx, out);
            }
            out.push('}');
        }
        _ => {
            // Dates, times and timestamps as ISO text.
            let mut text = String::new();
            scalar_text(v, ty, ctx, &mut text);
            json_doc::write_json_string(&text, out);
        }
    }
}

/// The ISO-8601 text of a temporal value (`2024-02-29T10:00:00`), else the value's text.
fn scalar_text(v: &ScalarValue, ty: &DataType, ctx: &EvalContext, out: &mut String) {
    use sluice_types::temporal::{write_date_days, write_time_millis, write_timestamp, Fraction};
    match v {
        ScalarValue::String(s) => out.push_str(s),
        ScalarValue::Date(d) => write_date_days(out, *d),
        ScalarValue::Time(ms) => write_time_millis(out, *ms, Fraction::Trimmed(9)),
        ScalarValue::Timestamp(us) => write_timestamp(out, *us, Fraction::Trimmed(9), true),
        ScalarValue::TimestampLtz(us) => {
            write_timestamp(out, *us, Fraction::Trimmed(9), true);
            out.push('Z');
        }
        other => {
            let arr = crate::scalar_to_array(other, ty, 1);
            if let Ok(a) = arr {
                crate::write_value_as_string(a.as_ref(), ty, 0, ctx, out);
            }
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            out.push(if k <= chunk.len() { B64[(n >> (18 - 6 * k) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// Whether a row is NULL, also in an untyped NULL column (which has no validity buffer).
fn is_null_at(array: &dyn Array, row: usize) -> bool {
    array.data_type() == &arrow_schema::DataType::Null || array.is_null(row)
}

/// The outcome of applying a path to one document.
enum Found<'a> {
    Value(&'a Json),
    Values(Vec<&'a Json>),
    Empty,
    Error(String),
}

fn find<'a>(doc: &'a Option<Json>, path: &JsonPath) -> Found<'a> {
    // A document that is JSON `null` cannot be searched either (Flink gives NULL).
    let Some(doc) = doc.as_ref().filter(|d| **d != Json::Null) else {
        return Found::Error("the input is not valid JSON".into());
    };
    match select(doc, path) {
        Selected::One(Json::Null) => Found::Empty,
        Selected::One(v) => Found::Value(v),
        Selected::Many(vs) => Found::Values(vs),
        Selected::Missing => Found::Error("no such path in the JSON document".into()),
    }
}

fn path_at(arrays: &[ArrayRef]) -> Result<JsonPath, EvalError> {
    let p = arrays[1].as_string::<i32>();
    if p.is_null(0) {
        return Err(EvalError::Internal("a JSON path is NULL".into()));
    }
    parse_path(p.value(0)).map_err(EvalError::Runtime)
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(if scalar { 1 } else { cc.rows });
    let out: ArrayRef = match func {
        Func::IsJson(kind) => {
            let a = arrays[0].as_string::<i32>();
            let mut b = BooleanBuilder::with_capacity(n);
            for i in 0..n {
                let ok = a.is_valid(i)
                    && match (parse(a.value(i)), kind) {
                        (None, _) => false,
                        (Some(_), JsonType::Value) => true,
                        (Some(j), JsonType::Scalar) => j.is_scalar(),
                        (Some(j), JsonType::Array) => matches!(j, Json::Array(_)),
                        (Some(j), JsonType::Object) => matches!(j, Json::Object(_)),
                    };
                b.append_value(ok);
            }
            Arc::new(b.finish())
        }
        Func::JsonExists(on_error) => {
            let a = arrays[0].as_string::<i32>();
            let path = path_at(&arrays)?;
            let mut b = BooleanBuilder::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
                    b.append_null();
                    continue;
                }
                let doc = parse(a.value(i)).filter(|d| *d != Json::Null);
                let found = match (&doc, path.mode) {
                    (None, PathMode::Lax) => Some(false),
                    (None, PathMode::Strict) => None,
                    (Some(d), mode) => match select(d, &path) {
                        Selected::One(_) => Some(true),
                        // A path that may select several values answers a list, even an
                        // empty one, and a list exists (Flink's `context.obj != null`).
                        Selected::Many(_) => Some(true),
                        Selected::Missing => (mode == PathMode::Lax).then_some(false),
                    },
                };
                match (found, on_error) {
                    (Some(v), _) => b.append_value(v),
                    (None, JsonBehavior::True) => b.append_value(true),
                    (None, JsonBehavior::False) => b.append_value(false),
                    (None, JsonBehavior::Error) => {
                        return Err(EvalError::Runtime(format!("no such path in the JSON document '{}'", a.value(i))));
                    }
                    (None, _) => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        Func::JsonNode { raw } => {
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if is_null_at(arrays[0].as_ref(), i) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                write_value(arrays[0].as_ref(), cc.arg_types[0], i, *raw, Doubles::BigDecimal, cc.ctx, &mut buf);
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        Func::JsonRaw => {
            // `JSON(text)`: the text itself, which must be JSON.
            let a = arrays[0].as_string::<i32>();
            if let Some(bad) = (0..n).find(|&i| a.is_valid(i) && parse(a.value(i)).is_none()) {
                return Err(EvalError::Runtime(format!("Invalid JSON string in JSON(value) function: '{}'", a.value(bad))));
            }
            arrays[0].clone()
        }
        Func::JsonQuote | Func::JsonUnquote => {
            let a = arrays[0].as_string::<i32>();
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if a.is_null(i) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                if *func == Func::JsonQuote {
                    json_quote(a.value(i), &mut buf);
                } else {
                    json_unquote(a.value(i), &mut buf)?;
                }
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        Func::JsonValue(spec) => eval_json_value(spec, &arrays, n, cc)?,
        Func::JsonQuery(spec) => eval_json_query(spec, &arrays, n)?,
        Func::JsonString => {
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                if is_null_at(arrays[0].as_ref(), i) {
                    b.append_null();
                    continue;
                }
                buf.clear();
                write_value(arrays[0].as_ref(), cc.arg_types[0], i, false, Doubles::Java, cc.ctx, &mut buf);
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        Func::JsonObject { absent_on_null, raw } | Func::JsonArray { absent_on_null, raw } => {
            let object = matches!(func, Func::JsonObject { .. });
            let mut b = StringBuilder::with_capacity(n, n * 32);
            let mut buf = String::new();
            let step = if object { 2 } else { 1 };
            let mut order: Vec<usize> = (0..arrays.len()).step_by(step).collect();
            for i in 0..n {
                buf.clear();
                buf.push(if object { '{' } else { '[' });
                let mut first = true;
                if object {
                    // Flink prints an object's keys sorted (in UTF-16 order, as Java compares).
                    let key = |k: usize| {
                        let a = arrays[k].as_string::<i32>();
                        a.is_valid(i).then(|| a.value(i).encode_utf16().collect::<Vec<u16>>())
                    };
                    order.sort_by_key(|&k| key(k));
                }
                for &k in &order {
                    let v = if object { k + 1 } else { k };
                    if *absent_on_null && is_null_at(arrays[v].as_ref(), i) {
                        continue;
                    }
                    if !first {
                        buf.push(',');
                    }
                    first = false;
                    if object {
                        let key = arrays[k].as_string::<i32>();
                        if key.is_null(i) {
                            return Err(EvalError::Runtime("a JSON_OBJECT key is NULL".into()));
                        }
                        json_doc::write_json_string(key.value(i), &mut buf);
                        buf.push(':');
                    }
                    write_value(arrays[v].as_ref(), cc.arg_types[v], i, raw[v], Doubles::BigDecimal, cc.ctx, &mut buf);
                }
                buf.push(if object { '}' } else { ']' });
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a JSON function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

/// Flink's `JSON_QUOTE`: a JSON string literal that also escapes `/` and writes every
/// character above U+007F as `\uXXXX`. Like Flink, it reads a code point at every UTF-16
/// index, so a character outside the BMP prints as its code point and then its low
/// surrogate (`🍍` is `\u1f34d\udf4d`).
fn json_quote(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    let units: Vec<u16> = s.encode_utf16().collect();
    for (i, &u) in units.iter().enumerate() {
        let cp = match (u, units.get(i + 1)) {
            (0xD800..=0xDBFF, Some(&low)) if (0xDC00..=0xDFFF).contains(&low) => {
                0x10000 + ((u as u32 - 0xD800) << 10) + (low as u32 - 0xDC00)
            }
            _ => u as u32,
        };
        match char::from_u32(cp) {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('/') => out.push_str("\\/"),
            Some('\u{08}') => out.push_str("\\b"),
            Some('\u{0C}') => out.push_str("\\f"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some('\t') => out.push_str("\\t"),
            Some(c) if cp <= 127 => out.push(c),
            _ => {
                let _ = write!(out, "\\u{cp:04x}");
            }
        }
    }
    out.push('"');
}

/// Flink's `JSON_UNQUOTE`: a JSON string literal loses its quotes and escapes; any other
/// text, JSON or not, comes back as is.
fn json_unquote(s: &str, out: &mut String) -> Result<(), EvalError> {
    let quoted = s.len() >= 2 && s.starts_with('"') && s.ends_with('"');
    if !quoted || parse(s).is_none() {
        out.push_str(s);
        return Ok(());
    }
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut res: Vec<u16> = Vec::with_capacity(units.len());
    let mut i = 1;
    while i + 1 < units.len() {
        if units[i] == u16::from(b'\\') && i + 1 < units.len() {
            let c = units[i + 1];
            i += 2;
            match char::from_u32(c as u32).unwrap_or('?') {
                '"' | '\\' | '/' => res.push(c),
                'b' => res.push(8),
                'f' => res.push(12),
                'n' => res.push(10),
                'r' => res.push(13),
                't' => res.push(9),
                'u' => {
                    let hex = String::from_utf16_lossy(units.get(i..i + 4).unwrap_or(&[]));
                    let code = u16::from_str_radix(&hex, 16)
                        .map_err(|_| EvalError::Runtime(format!("Illegal escape sequence in '{s}'")))?;
                    res.push(code);
                    i += 4;
                }
                other => return Err(EvalError::Runtime(format!("Illegal escape sequence: \\{other}"))),
            }
        } else {
            res.push(units[i]);
            i += 1;
        }
    }
    out.push_str(&String::from_utf16_lossy(&res));
    Ok(())
}

/// The value `JSON_VALUE` hands over for one row, before `RETURNING`.
enum Picked<'a> {
    Json(&'a Json),
    Default(usize),
    Null,
}

fn eval_json_value(spec: &JsonValueSpec, arrays: &[ArrayRef], n: usize, cc: &CallCtx) -> Result<ArrayRef, EvalError> {
    let a = arrays[0].as_string::<i32>();
    let path = path_at(arrays)?;
    let empty_default = 2;
    let error_default = 2 + usize::from(spec.on_empty == JsonBehavior::Default);
    let mut s = StringBuilder::new();
    let mut ints = Int32Builder::new();
    let mut doubles = Float64Builder::new();
    let mut bools = BooleanBuilder::new();
    let mut buf = String::new();
    for i in 0..n {
        let doc = if a.is_valid(i) { parse(a.value(i)) } else { None };
        let behavior = |b: JsonBehavior, default: usize, why: &str| -> Result<Picked, EvalError> {
            match b {
                JsonBehavior::Error => Err(EvalError::Runtime(format!("JSON_VALUE: {why}"))),
                JsonBehavior::Default => Ok(Picked::Default(default)),
                _ => Ok(Picked::Null),
            }
        };
        let picked = if a.is_null(i) {
            Picked::Null
        } else {
            match find(&doc, &path) {
                Found::Value(v) if v.is_scalar() => Picked::Json(v),
                Found::Value(_) | Found::Values(_) => behavior(spec.on_error, error_default, "the value is not a scalar")?,
                Found::Empty => behavior(spec.on_empty, empty_default, "the value is empty")?,
                Found::Error(why) => behavior(spec.on_error, error_default, &why)?,
            }
        };
        let class_cast = |v: &Json, to: &str| {
            EvalError::Runtime(format!(
                "java.lang.ClassCastException: JSON_VALUE cannot return {} as {to}",
                {
                    let mut t = String::new();
                    v.write(&mut t);
                    t
                }
            ))
        };
        match spec.returning {
            JsonReturning::String => match picked {
                Picked::Json(v) => {
                    buf.clear();
                    java_text_of(v, &mut buf);
                    s.append_value(&buf);
                }
                Picked::Default(k) => {
                    let d = arrays[k].as_string::<i32>();
                    s.append_option(d.is_valid(i).then(|| d.value(i)));
                }
                Picked::Null => s.append_null(),
            },
            JsonReturning::Int => match picked {
                Picked::Json(Json::Number(t)) if t.parse::<i32>().is_ok() => ints.append_option(t.parse::<i32>().ok()),
                Picked::Json(v) => return Err(class_cast(v, "java.lang.Integer")),
                Picked::Default(k) => ints.append_option(arrays[k].as_primitive::<arrow_array::types::Int32Type>().iter().nth(i).flatten()),
                Picked::Null => ints.append_null(),
            },
            JsonReturning::Double => match picked {
                Picked::Json(Json::Number(t)) if t.contains(['.', 'e', 'E']) => doubles.append_option(t.parse::<f64>().ok()),
                Picked::Json(v) => return Err(class_cast(v, "java.lang.Double")),
                Picked::Default(k) => doubles.append_option(arrays[k].as_primitive::<arrow_array::types::Float64Type>().iter().nth(i).flatten()),
                Picked::Null => doubles.append_null(),
            },
            JsonReturning::Boolean => match picked {
                Picked::Json(Json::Bool(v)) => bools.append_value(*v),
                Picked::Json(v) => return Err(class_cast(v, "java.lang.Boolean")),
                Picked::Default(k) => bools.append_option(arrays[k].as_boolean().iter().nth(i).flatten()),
                Picked::Null => bools.append_null(),
            },
        }
    }
    let _ = cc;
    Ok(match spec.returning {
        JsonReturning::String => Arc::new(s.finish()),
        JsonReturning::Int => Arc::new(ints.finish()),
        JsonReturning::Double => Arc::new(doubles.finish()),
        JsonReturning::Boolean => Arc::new(bools.finish()),
    })
}

/// `String.valueOf` of the Java object Jackson makes of a scalar: integers as written,
/// fractions through `Double.toString`.
fn java_text_of(v: &Json, out: &mut String) {
    match v {
        Json::String(s) => out.push_str(s),
        Json::Number(t) if t.contains(['.', 'e', 'E']) => match t.parse::<f64>() {
            Ok(d) => sluice_types::java_text::write_java_double(out, d),
            Err(_) => out.push_str(t),
        },
        other => other.write(out),
    }
}

fn eval_json_query(spec: &JsonQuerySpec, arrays: &[ArrayRef], n: usize) -> Result<ArrayRef, EvalError> {
    let a = arrays[0].as_string::<i32>();
    let path = path_at(arrays)?;
    let mut texts: Vec<Option<String>> = Vec::with_capacity(n);
    for i in 0..n {
        if a.is_null(i) {
            texts.push(None);
            continue;
        }
        let doc = parse(a.value(i));
        let found = find(&doc, &path);
        let wrap = |v: Json| -> Json {
            match (spec.wrapper, &v) {
                (JsonWrapper::Without, _) => v,
                (JsonWrapper::Conditional, Json::Array(_)) => v,
                _ => Json::Array(vec![v]),
            }
        };
        let value: Result<Option<Json>, String> = match found {
            Found::Value(v) => Ok(Some(wrap(v.clone()))),
            Found::Values(vs) => Ok(Some(wrap(Json::Array(vs.into_iter().cloned().collect())))),
            Found::Empty => Ok(None),
            Found::Error(why) => Err(why),
        };
        let behave = |b: JsonBehavior, why: &str| -> Result<Option<String>, EvalError> {
            match b {
                JsonBehavior::Error => Err(EvalError::Runtime(format!("JSON_QUERY: {why}"))),
                JsonBehavior::EmptyArray => Ok(Some("[]".into())),
                JsonBehavior::EmptyObject => Ok(Some("{}".into())),
                _ => Ok(None),
            }
        };
        let text = match value {
            Err(why) => behave(spec.on_error, &why)?,
            Ok(None) => behave(spec.on_empty, "the value is empty")?,
            Ok(Some(v)) if v.is_scalar() && path.mode == PathMode::Lax => behave(spec.on_empty, "the value is a scalar")?,
            Ok(Some(v)) if v.is_scalar() => behave(spec.on_error, "strict mode needs an array or an object")?,
            Ok(Some(v)) => {
                let mut t = String::new();
                v.write(&mut t);
                Some(t)
            }
        };
        texts.push(text);
    }
    if !spec.array {
        return Ok(Arc::new(texts.into_iter().collect::<StringArray>()));
    }
    // RETURNING ARRAY<STRING>: the items of the selected array, scalars as their text.
    let field = Arc::new(DataType::string().to_field("element"));
    let mut b = ListBuilder::new(StringBuilder::new()).with_field(field);
    for t in texts {
        match t.as_deref().and_then(parse) {
            Some(Json::Array(items)) => {
                for item in items {
                    match item {
                        Json::Null => b.values().append_null(),
                        Json::String(s) => b.values().append_value(s),
                        other => {
                            let mut s = String::new();
                            other.write(&mut s);
                            b.values().append_value(s);
                        }
                    }
                }
                b.append(true);
            }
            _ => b.append_null(),
        }
    }
    Ok(Arc::new(b.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;

    fn s(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 200 }))
    }
    fn call(e: Result<ScalarExpr, FunctionError>) -> ScalarValue {
        e.unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }
    fn st(v: &str) -> ScalarValue {
        ScalarValue::String(v.into())
    }
    const DOC: &str = r#"{"a": 1, "b": "x", "c": [1, 2.50, {"d": true}], "e": null}"#;

    #[test]
    fn value_and_behaviors() {
        let value = |p: &str, on_empty, on_error, extra: Vec<ScalarExpr>| {
            let mut args = vec![s(DOC), s(p)];
            args.extend(extra);
            call(resolve_json(JsonFunction::Value { returning: None, on_empty, on_error }, args))
        };
        use JsonBehavior::*;
        assert_eq!(value("$.b", Null, Null, vec![]), st("x"));
        assert_eq!(value("$.c[1]", Null, Null, vec![]), st("2.5"));
        assert_eq!(value("$.c", Null, Default, vec![s("bad")]), st("bad"));
        assert_eq!(value("$.zz", Default, Default, vec![s("empty"), s("err")]), st("err"));
        assert_eq!(value("$.e", Default, Default, vec![s("empty"), s("err")]), st("empty"));
        let int = call(resolve_json(
            JsonFunction::Value { returning: Some(DataType::int()), on_empty: Null, on_error: Null },
            vec![s(DOC), s("$.a")],
        ));
        assert_eq!(int, ScalarValue::Int(1));
        let bad = resolve_json(
            JsonFunction::Value { returning: Some(DataType::int()), on_empty: Null, on_error: Null },
            vec![s(DOC), s("$.b")],
        )
        .unwrap();
        assert!(bad.evaluate_constant(&EvalContext::default()).is_err());
        assert_eq!(call(resolve_call("JSON_VALUE", vec![s(DOC), s("$.a"), s("INT")])), ScalarValue::Int(1));
    }

    #[test]
    fn query_exists_is_json() {
        let query = |p: &str, wrapper| {
            call(resolve_json(
                JsonFunction::Query { returning: None, wrapper, on_empty: JsonBehavior::Null, on_error: JsonBehavior::EmptyObject },
                vec![s(DOC), s(p)],
            ))
        };
        assert_eq!(query("$.c", JsonWrapper::Without), st(r#"[1,2.50,{"d":true}]"#));
        assert_eq!(query("$.b", JsonWrapper::Without), ScalarValue::Null);
        assert_eq!(query("$.b", JsonWrapper::Conditional), st(r#"["x"]"#));
        assert_eq!(query("$.c", JsonWrapper::Unconditional), st(r#"[[1,2.50,{"d":true}]]"#));
        assert_eq!(query("strict $.b", JsonWrapper::Without), st("{}"));
        assert_eq!(query("$.zz", JsonWrapper::Without), st("{}"));
        let exists = |p: &str| call(resolve_json(JsonFunction::Exists { on_error: JsonBehavior::Unknown }, vec![s(DOC), s(p)]));
        assert_eq!(exists("$.a"), ScalarValue::Boolean(true));
        assert_eq!(exists("$.zz"), ScalarValue::Boolean(false));
        assert_eq!(exists("strict $.zz"), ScalarValue::Null);
        assert_eq!(exists("$..zz"), ScalarValue::Boolean(true));
        let on_null = |p: &str| call(resolve_json(JsonFunction::Exists { on_error: JsonBehavior::Unknown }, vec![s("null"), s(p)]));
        assert_eq!(on_null("$"), ScalarValue::Boolean(false));
        let is = |t, text: &str| call(resolve_json(JsonFunction::IsJson(t), vec![s(text)]));
        assert_eq!(is(JsonType::Object, DOC), ScalarValue::Boolean(true));
        assert_eq!(is(JsonType::Scalar, "\"x\""), ScalarValue::Boolean(true));
        assert_eq!(is(JsonType::Value, "{"), ScalarValue::Boolean(false));
    }

    #[test]
    fn quote_unquote() {
        let mut out = String::new();
        json_quote("a\"/é\n", &mut out);
        assert_eq!(out, r#""a\"\/\u00e9\n""#);
        let mut back = String::new();
        json_unquote(&out, &mut back).unwrap();
        assert_eq!(back, "a\"/é\n");
        let mut raw = String::new();
        json_unquote("not json", &mut raw).unwrap();
        assert_eq!(raw, "not json");
        let mut arr = String::new();
        json_unquote("[1,2]", &mut arr).unwrap();
        assert_eq!(arr, "[1,2]");
        let mut pine = String::new();
        json_quote("🍍", &mut pine);
        assert_eq!(pine, r#""\u1f34d\udf4d""#);
    }

    #[test]
    fn constructors() {
        let int = |v: i32| ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int));
        let null = ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Int));
        let inner = resolve_json(JsonFunction::Array { absent_on_null: true }, vec![int(1), null.clone(), int(2)]).unwrap();
        let obj = resolve_json(
            JsonFunction::Object { absent_on_null: false },
            vec![s("a"), s("x\"y"), s("n"), null, s("arr"), inner],
        );
        assert_eq!(call(obj), st(r#"{"a":"x\"y","arr":[1,2],"n":null}"#));
        let mut out = String::new();
        for d in [1e10, 1e-5, 1e-7, 100.0, -2.5e-3] {
            write_bigdecimal_double(&mut out, d);
            out.push(' ');
        }
        assert_eq!(out, "1.0E+10 0.000010 1.0E-7 100.0 -0.0025 ");
        assert_eq!(call(resolve_call("JSON_STRING", vec![s("a")])), st("\"a\""));
        assert_eq!(call(resolve_call("JSON_STRING", vec![int(3)])), st("3"));
    }
}
