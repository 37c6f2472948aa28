//! `CAST` / `TRY_CAST`: which casts Flink accepts (explicitly, implicitly and on
//! `INSERT INTO`) and how a column is converted. Numeric casts follow Java: narrowing
//! integers wrap, floating point to integer truncates toward zero and saturates.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, BooleanBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_schema::DataType as ArrowType;
use sluice_types::temporal::{self, MICROS_PER_DAY, MICROS_PER_SECOND};
use sluice_types::{DataType, TypeKind, MAX_VARCHAR_LENGTH};

use crate::to_string::format_column;
use crate::{EvalContext, EvalError, FunctionError, ScalarExpr};

fn is_string(k: &TypeKind) -> bool {
    matches!(k, TypeKind::Char { .. } | TypeKind::Varchar { .. })
}
fn is_binary(k: &TypeKind) -> bool {
    matches!(k, TypeKind::Binary { .. } | TypeKind::Varbinary { .. })
}
fn is_exact(k: &TypeKind) -> bool {
    k.is_integer() || matches!(k, TypeKind::Decimal { .. })
}

/// Whether Flink accepts `CAST(x AS to)` for `x` of type `from`.
pub(crate) fn can_cast(from: &TypeKind, to: &TypeKind) -> bool {
    use TypeKind::*;
    if from == to || *from == Null {
        return true;
    }
    match (from, to) {
        // Flink 2.3 casts nothing to or from VARIANT ("Cast function cannot convert value of
        // type VARIANT to type ..."); PARSE_JSON is the way in.
        (Variant, _) | (_, Variant) => false,
        (_, Char { .. } | Varchar { .. }) => true,
        (f, t) if is_string(f) => !matches!(t, Array(_) | Map(..) | Multiset(_) | Row(_) | Null),
        (f, t) if f.is_numeric() && t.is_numeric() => true,
        (Boolean, t) | (t, Boolean) if is_exact(t) || t.is_numeric() => true,
        (f, TimestampLtz { .. }) if f.is_numeric() => true,
        (TimestampLtz { .. }, t) if t.is_numeric() => true,
        (Timestamp { .. } | TimestampLtz { .. } | Date, Timestamp { .. } | TimestampLtz { .. }) => true,
        (Timestamp { .. } | TimestampLtz { .. }, Date | Time { .. }) => true,
        (Time { .. }, Time { .. } | Timestamp { .. }) => true,
        (f, t) if is_binary(f) && is_binary(t) => true,
        (IntervalDayTime, t) | (IntervalYearMonth, t) if t.is_integer() => true,
        (Array(a), Array(b)) => can_cast(&a.kind, &b.kind),
        (Map(k1, v1), Map(k2, v2)) => can_cast(&k1.kind, &k2.kind) && can_cast(&v1.kind, &v2.kind),
        (Row(a), Row(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_cast(&x.data_type.kind, &y.data_type.kind)),
        (Structured { class: c1, fields: a }, Structured { class: c2, fields: b }) => {
            c1 == c2 && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.name == y.name && can_cast(&x.data_type.kind, &y.data_type.kind))
        }
        _ => false,
    }
}

/// Whether Flink casts `from` to `to` implicitly (`supportsImplicitCast`): widening
/// numerics, strings and binaries of any length, timestamps of any precision and
/// between `TIMESTAMP` and `TIMESTAMP_LTZ`, and collections element-wise.
pub(crate) fn can_implicit_cast(from: &TypeKind, to: &TypeKind) -> bool {
    use TypeKind::*;
    if from == to || *from == Null {
        return true;
    }
    match (from, to) {
        (f, t) if is_string(f) && is_string(t) => true,
        (f, t) if is_binary(f) && is_binary(t) => true,
        // Flink's `LogicalTypeCasts`: DECIMAL and DOUBLE take any number, FLOAT any but
        // DOUBLE, integers only narrower integers.
        (f, Decimal { .. } | Double) if f.is_numeric() => true,
        (f, Float) if f.is_numeric() => *f != Double,
        (f, t) if f.is_integer() && t.is_integer() => {
            crate::coercion::numeric_rank(f).unwrap_or(0) <= crate::coercion::numeric_rank(t).unwrap_or(0)
        }
        (Timestamp { .. }, Date | Time { .. }) => true,
        (Timestamp { .. } | TimestampLtz { .. }, Timestamp { .. } | TimestampLtz { .. }) => true,
        (Time { .. }, Time { .. }) => true,
        (Array(a), Array(b)) => can_implicit_cast(&a.kind, &b.kind),
        (Map(k1, v1), Map(k2, v2)) => can_implicit_cast(&k1.kind, &k2.kind) && can_implicit_cast(&v1.kind, &v2.kind),
        (Row(a), Row(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_implicit_cast(&x.data_type.kind, &y.data_type.kind))
        }
        (Structured { class: c1, fields: a }, Structured { class: c2, fields: b }) => {
            c1 == c2
                && a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| x.name == y.name && can_implicit_cast(&x.data_type.kind, &y.data_type.kind))
        }
        _ => false,
    }
}

/// Whether a cast from `from` to `to` can fail on some value.
pub(crate) fn cast_may_fail(from: &DataType, to: &DataType) -> bool {
    is_string(&from.kind) && !is_string(&to.kind) && !is_binary(&to.kind)
}

/// `CAST` / `TRY_CAST` with Flink's castability rules. Casts of literals are folded.
pub fn cast(expr: ScalarExpr, to: DataType, try_cast: bool) -> Result<ScalarExpr, FunctionError> {
    let from = expr.data_type().clone();
    if !can_cast(&from.kind, &to.kind) {
        return Err(FunctionError::BadArgument(format!("cannot cast {} to {}", from.kind, to.kind)));
    }
    let nullable = from.nullable || try_cast || from.kind == TypeKind::Null;
    let data_type = DataType { kind: to.kind, nullable };
    if from.kind == data_type.kind {
        return Ok(retype(expr, data_type));
    }
    Ok(fold(ScalarExpr::Cast { expr: Box::new(expr), data_type, try_cast }))
}

/// The same expression with another nullability (the kind is unchanged).
fn retype(expr: ScalarExpr, data_type: DataType) -> ScalarExpr {
    if expr.data_type() == &data_type {
        return expr;
    }
    match expr {
        ScalarExpr::Literal { value, .. } => ScalarExpr::Literal { value, data_type },
        other => ScalarExpr::Cast { expr: Box::new(other), data_type, try_cast: false },
    }
}

/// Evaluates a cast of a literal now; a cast that fails stays a cast (and fails when run).
pub(crate) fn fold(expr: ScalarExpr) -> ScalarExpr {
    if let ScalarExpr::Cast { expr: inner, .. } = &expr {
        if matches!(**inner, ScalarExpr::Literal { .. }) {
            if let Ok(value) = expr.evaluate_constant(&EvalContext::default()) {
                // Casts between time zones depend on the session: keep them.
                if !involves_zone(inner.data_type(), expr.data_type()) {
                    return ScalarExpr::Literal { value, data_type: expr.data_type().clone() };
                }
            }
        }
    }
    expr
}

fn involves_zone(from: &DataType, to: &DataType) -> bool {
    let ltz = |k: &TypeKind| matches!(k, TypeKind::TimestampLtz { .. });
    ltz(&from.kind) != ltz(&to.kind) && !matches!(from.kind, TypeKind::Null)
}

/// An implicit cast to `kind` (nullability kept), skipped when the Arrow layout and the
/// meaning are already the same.
pub(crate) fn implicit(expr: ScalarExpr, kind: &TypeKind) -> ScalarExpr {
    let from = expr.data_type();
    if &from.kind == kind {
        return expr;
    }
    let same_layout = from.kind.to_arrow() == kind.to_arrow()
        && !matches!(kind, TypeKind::Decimal { .. } | TypeKind::Char { .. })
        && !matches!((&from.kind, kind), (TypeKind::Timestamp { precision: p }, TypeKind::Timestamp { precision: q }) if q < p);
    let nullable = from.nullable || from.kind == TypeKind::Null;
    let data_type = DataType { kind: kind.clone(), nullable };
    if same_layout {
        return match expr {
            ScalarExpr::Literal { value, .. } => ScalarExpr::Literal { value, data_type },
            other => ScalarExpr::Cast { expr: Box::new(other), data_type, try_cast: false },
        };
    }
    fold(ScalarExpr::Cast { expr: Box::new(expr), data_type, try_cast: false })
}

/// The implicit cast `INSERT INTO` applies from a query column to a sink column; `None`
/// when Flink rejects the assignment.
pub fn assignment_cast(expr: ScalarExpr, to: &DataType) -> Option<ScalarExpr> {
    let from = expr.data_type().clone();
    if from.kind == to.kind {
        return Some(expr);
    }
    if !can_implicit_cast(&from.kind, &to.kind) {
        return None;
    }
    Some(implicit_exact(expr, &to.kind))
}

/// Like `implicit` but always converts (VARCHAR(n) truncation aside: Flink does not trim
/// on assignment).
fn implicit_exact(expr: ScalarExpr, kind: &TypeKind) -> ScalarExpr {
    if is_string(&expr.data_type().kind) && is_string(kind) {
        let data_type = DataType { kind: kind.clone(), nullable: expr.data_type().nullable };
        return retype_kind(expr, data_type);
    }
    implicit(expr, kind)
}

fn retype_kind(expr: ScalarExpr, data_type: DataType) -> ScalarExpr {
    match expr {
        ScalarExpr::Literal { value, .. } => ScalarExpr::Literal { value, data_type },
        other => ScalarExpr::Cast { expr: Box::new(other), data_type: data_type.clone(), try_cast: false },
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation.

fn bad_value(text: &str, to: &DataType) -> EvalError {
    EvalError::Runtime(format!("cannot cast '{text}' to {}", to.kind))
}

/// Converts a column of type `from` into type `to`.
pub(crate) fn cast_array(
    array: &ArrayRef,
    from: &DataType,
    to: &DataType,
    try_cast: bool,
    ctx: &EvalContext,
) -> Result<ArrayRef, EvalError> {
    use TypeKind::*;
    let len = array.len();
    if from.kind == to.kind {
        return Ok(array.clone());
    }
    Ok(match (&from.kind, &to.kind) {
        (Null, _) => new_null_array(&to.to_arrow(), len),
        (f, Char { length } | Varchar { length }) => {
            let strings = if is_string(f) { array.clone() } else { format_column(array.as_ref(), from, ctx)? };
            fit_length(strings, *length, matches!(to.kind, Char { .. }), is_string(f))
        }
        (f, t) if is_string(f) => from_string(array.as_string::<i32>(), t, to, try_cast, ctx)?,
        (Boolean, t) => {
            let ints: Int32Array = array.as_boolean().iter().map(|b| b.map(|b| b as i32)).collect();
            numeric_cast(&(Arc::new(ints) as ArrayRef), t)?
        }
        (f, Boolean) if f.is_numeric() => {
            let doubles = arrow_cast::cast(array, &ArrowType::Float64)?;
            let out: BooleanArray = doubles.as_primitive::<Float64Type>().iter().map(|v| v.map(|v| v != 0.0)).collect();
            Arc::new(out)
        }
        (f, t) if f.is_numeric() && t.is_numeric() => numeric_cast(array, t)?,
        (Timestamp { .. }, Timestamp { precision }) => map_micros(array, false, |v| truncate_micros(v, *precision)),
        (TimestampLtz { .. }, TimestampLtz { precision }) => map_micros(array, true, |v| truncate_micros(v, *precision)),
        (Timestamp { .. }, TimestampLtz { precision }) => {
            map_micros(array, true, |v| truncate_micros(ctx.time_zone.to_instant(v), *precision))
        }
        (TimestampLtz { .. }, Timestamp { precision }) => {
            map_micros(array, false, |v| truncate_micros(ctx.time_zone.to_local(v), *precision))
        }
        (Date, Timestamp { .. }) => {
            let out: TimestampMicrosecondArray =
                array.as_primitive::<Date32Type>().unary(|d| d as i64 * MICROS_PER_DAY);
            Arc::new(out)
        }
        (Date, TimestampLtz { .. }) => {
            let out: TimestampMicrosecondArray =
                array.as_primitive::<Date32Type>().unary(|d| ctx.time_zone.to_instant(d as i64 * MICROS_PER_DAY));
            Arc::new(out.with_timezone("UTC"))
        }
        (Time { .. }, Timestamp { .. }) => {
            let out: TimestampMicrosecondArray =
                array.as_primitive::<Time32MillisecondType>().unary(|t| t as i64 * 1000);
            Arc::new(out)
        }
        (Time { .. }, Time { precision }) => {
            let p = *precision;
            let out: Time32MillisecondArray = array
                .as_primitive::<Time32MillisecondType>()
                .unary(|t| if p >= 3 { t } else { t - t.rem_euclid(10i32.pow(3 - p as u32)) });
            Arc::new(out)
        }
        (Timestamp { .. } | TimestampLtz { .. }, Date) => {
            let ltz = matches!(from.kind, TimestampLtz { .. });
            let out: Date32Array = array.as_primitive::<TimestampMicrosecondType>().unary(|v| {
                let v = if ltz { ctx.time_zone.to_local(v) } else { v };
                v.div_euclid(MICROS_PER_DAY) as i32
            });
            Arc::new(out)
        }
        (Timestamp { .. } | TimestampLtz { .. }, Time { .. }) => {
            let ltz = matches!(from.kind, TimestampLtz { .. });
            let out: Time32MillisecondArray = array.as_primitive::<TimestampMicrosecondType>().unary(|v| {
                let v = if ltz { ctx.time_zone.to_local(v) } else { v };
                (v.rem_euclid(MICROS_PER_DAY) / 1000) as i32
            });
            Arc::new(out)
        }
        (f, TimestampLtz { precision }) if f.is_numeric() => {
            let secs = arrow_cast::cast(array, &ArrowType::Float64)?;
            let p = *precision;
            let out: TimestampMicrosecondArray = secs
                .as_primitive::<Float64Type>()
                .unary(|s| truncate_micros((s * MICROS_PER_SECOND as f64) as i64, p));
            Arc::new(out.with_timezone("UTC"))
        }
        (TimestampLtz { .. }, t) if t.is_numeric() => {
            let secs: Int64Array =
                array.as_primitive::<TimestampMicrosecondType>().unary(|v| v.div_euclid(MICROS_PER_SECOND));
            numeric_cast(&(Arc::new(secs) as ArrayRef), t)?
        }
        (f, t) if is_binary(f) && is_binary(t) => array.clone(),
        (IntervalDayTime, t) => {
            let ms: Int64Array = array.as_primitive::<DurationMillisecondType>().unary(|v| v);
            numeric_cast(&(Arc::new(ms) as ArrayRef), t)?
        }
        (IntervalYearMonth, t) => {
            let m: Int32Array = array.as_primitive::<IntervalYearMonthType>().unary(|v| v);
            numeric_cast(&(Arc::new(m) as ArrayRef), t)?
        }
        (Array(a), Array(b)) => {
            let list = array.as_list::<i32>();
            let values = cast_array(list.values(), a, b, try_cast, ctx)?;
            Arc::new(ListArray::try_new(
                Arc::new(b.to_field("element")),
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?)
        }
        (Map(k1, v1), Map(k2, v2)) => {
            let map = array.as_map();
            let keys = cast_array(map.keys(), k1, k2, try_cast, ctx)?;
            let values = cast_array(map.values(), v1, v2, try_cast, ctx)?;
            let ArrowType::Map(entries_field, _) = to.to_arrow() else {
                return Err(EvalError::Internal("map type without entries".into()));
            };
            let ArrowType::Struct(fields) = entries_field.data_type().clone() else {
                return Err(EvalError::Internal("map entries are not a struct".into()));
            };
            let entries = StructArray::try_new(fields, vec![keys, values], None)?;
            Arc::new(MapArray::try_new(entries_field, map.offsets().clone(), entries, map.nulls().cloned(), false)?)
        }
        (Row(f1), Row(f2)) | (Structured { fields: f1, .. }, Structured { fields: f2, .. }) => {
            let s = array.as_struct();
            let columns = f1
                .iter()
                .zip(f2)
                .enumerate()
                .map(|(i, (a, b))| cast_array(s.column(i), &a.data_type, &b.data_type, try_cast, ctx))
                .collect::<Result<Vec<_>, _>>()?;
            let fields = columns
                .iter()
                .zip(f2)
                .map(|(c, f)| Arc::new(arrow_schema::Field::new(&f.name, c.data_type().clone(), true)))
                .collect::<Vec<_>>();
            Arc::new(StructArray::try_new(fields.into(), columns, s.nulls().cloned())?)
        }
        _ => {
            return Err(EvalError::Internal(format!("no cast from {} to {}", from.kind, to.kind)));
        }
    })
}

/// Drops the sub-`precision` digits of a microsecond timestamp.
pub(crate) fn truncate_micros(v: i64, precision: u8) -> i64 {
    if precision >= 6 {
        v
    } else {
        let unit = 10i64.pow(6 - precision as u32);
        v - v.rem_euclid(unit)
    }
}

fn map_micros(array: &ArrayRef, ltz: bool, f: impl Fn(i64) -> i64) -> ArrayRef {
    let out: TimestampMicrosecondArray = array.as_primitive::<TimestampMicrosecondType>().unary(f);
    if ltz {
        Arc::new(out.with_timezone("UTC"))
    } else {
        Arc::new(out)
    }
}

/// `VARCHAR(n)` truncates and `CHAR(n)` pads, as Flink's casts do (strings cast from
/// strings to STRING are passed through).
fn fit_length(strings: ArrayRef, length: u32, pad: bool, from_string: bool) -> ArrayRef {
    let _ = from_string;
    if length >= MAX_VARCHAR_LENGTH {
        return strings;
    }
    let s = strings.as_string::<i32>();
    let n = length as usize;
    let needs = s.iter().flatten().any(|v| {
        let c = v.chars().count();
        c > n || (pad && c < n)
    });
    if !needs {
        return strings;
    }
    let mut b = StringBuilder::with_capacity(s.len(), s.len() * n);
    for v in s.iter() {
        match v {
            None => b.append_null(),
            Some(v) => {
                let mut t: String = v.chars().take(n).collect();
                if pad {
                    let c = t.chars().count();
                    t.extend(std::iter::repeat_n(' ', n.saturating_sub(c)));
                }
                b.append_value(&t);
            }
        }
    }
    Arc::new(b.finish())
}

/// Numeric to numeric with Java semantics.
fn numeric_cast(array: &ArrayRef, to: &TypeKind) -> Result<ArrayRef, EvalError> {
    let from_float = matches!(array.data_type(), ArrowType::Float32 | ArrowType::Float64);
    macro_rules! to_int {
        ($t:ty, $native:ty) => {{
            if from_float {
                let f = arrow_cast::cast(array, &ArrowType::Float64)?;
                let out: PrimitiveArray<$t> = f.as_primitive::<Float64Type>().unary(|v| v as $native);
                Arc::new(out) as ArrayRef
            } else {
                let opts = arrow_cast::CastOptions { safe: true, ..Default::default() };
                let i = arrow_cast::cast_with_options(array, &ArrowType::Int64, &opts)?;
                let out: PrimitiveArray<$t> = i.as_primitive::<Int64Type>().unary(|v| v as $native);
                Arc::new(out) as ArrayRef
            }
        }};
    }
    Ok(match to {
        TypeKind::TinyInt => to_int!(Int8Type, i8),
        TypeKind::SmallInt => to_int!(Int16Type, i16),
        TypeKind::Int => to_int!(Int32Type, i32),
        TypeKind::BigInt => to_int!(Int64Type, i64),
        other => {
            let opts = arrow_cast::CastOptions { safe: true, ..Default::default() };
            arrow_cast::cast_with_options(array, &other.to_arrow(), &opts)?
        }
    })
}

/// Parses an integer as Flink does: surrounding spaces ignored, a fraction truncated.
pub(crate) fn parse_integer(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    let (int, frac) = s.split_once('.')?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match int {
        "" | "-" | "+" => Some(0),
        i => i.parse::<i64>().ok(),
    }
}

/// Parses a decimal string into an unscaled value at `scale` (HALF_UP).
pub(crate) fn parse_decimal(s: &str, precision: u8, scale: i8) -> Option<i128> {
    let s = s.trim();
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let value: i128 = if digits.is_empty() { 0 } else { digits.get(..digits.len().min(38))?.parse().ok()? };
    let extra = digits.len().saturating_sub(38) as i32;
    let from_scale = frac.len() as i32 - exp - extra;
    let v = if !(-127..=127).contains(&from_scale) {
        return None;
    } else {
        crate::scalar::rescale(value, from_scale as i8, scale)
    };
    if v.unsigned_abs() >= 10u128.pow(precision as u32) {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Flink's string-to-boolean words.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn from_string(
    s: &StringArray,
    kind: &TypeKind,
    to: &DataType,
    try_cast: bool,
    ctx: &EvalContext,
) -> Result<ArrayRef, EvalError> {
    // Parses each value; a failure is NULL for TRY_CAST and an error for CAST.
    macro_rules! parse_prim {
        ($arr:ty, $f:expr) => {{
            let mut out: Vec<Option<_>> = Vec::with_capacity(s.len());
            for v in s.iter() {
                out.push(match v {
                    None => None,
                    Some(text) => match $f(text) {
                        Some(x) => Some(x),
                        None if try_cast => None,
                        None => return Err(bad_value(text, to)),
                    },
                });
            }
            <$arr>::from(out)
        }};
    }
    Ok(match kind {
        TypeKind::Boolean => {
            let mut b = BooleanBuilder::with_capacity(s.len());
            for v in s.iter() {
                match v.map(|t| (t, parse_bool(t))) {
                    None => b.append_null(),
                    Some((_, Some(x))) => b.append_value(x),
                    Some(_) if try_cast => b.append_null(),
                    Some((t, None)) => return Err(bad_value(t, to)),
                }
            }
            Arc::new(b.finish())
        }
        TypeKind::TinyInt => Arc::new(parse_prim!(Int8Array, |t| parse_integer(t).and_then(|v| i8::try_from(v).ok()))),
        TypeKind::SmallInt => {
            Arc::new(parse_prim!(Int16Array, |t| parse_integer(t).and_then(|v| i16::try_from(v).ok())))
        }
        TypeKind::Int => Arc::new(parse_prim!(Int32Array, |t| parse_integer(t).and_then(|v| i32::try_from(v).ok()))),
        TypeKind::BigInt => Arc::new(parse_prim!(Int64Array, parse_integer)),
        TypeKind::Float => Arc::new(parse_prim!(Float32Array, |t: &str| t.trim().parse::<f32>().ok())),
        TypeKind::Double => Arc::new(parse_prim!(Float64Array, |t: &str| t.trim().parse::<f64>().ok())),
        TypeKind::Decimal { precision, scale } => Arc::new(
            parse_prim!(Decimal128Array, |t| parse_decimal(t, *precision, *scale))
                .with_precision_and_scale(*precision, *scale)?,
        ),
        TypeKind::Date => Arc::new(parse_prim!(Date32Array, |t: &str| temporal::parse_date(t)
            .or_else(|| temporal::parse_timestamp(t).map(|m| m.div_euclid(MICROS_PER_DAY) as i32)))),
        TypeKind::Time { .. } => Arc::new(parse_prim!(Time32MillisecondArray, |t| temporal::parse_time_micros(t)
            .map(|m| (m / 1000) as i32))),
        TypeKind::Timestamp { precision } => Arc::new(parse_prim!(TimestampMicrosecondArray, |t| {
            temporal::parse_timestamp(t).map(|m| truncate_micros(m, *precision))
        })),
        TypeKind::TimestampLtz { precision } => Arc::new(
            parse_prim!(TimestampMicrosecondArray, |t| {
                temporal::parse_timestamp(t).map(|m| truncate_micros(ctx.time_zone.to_instant(m), *precision))
            })
            .with_timezone("UTC"),
        ),
        TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
            let mut b = BinaryBuilder::with_capacity(s.len(), s.value_data().len());
            for v in s.iter() {
                match v {
                    Some(v) => b.append_value(v.as_bytes()),
                    None => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("no cast from a string to {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_types::ScalarValue;

    fn lit_str(s: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(s.into()), DataType::not_null(TypeKind::Varchar { length: 10 }))
    }

    #[test]
    fn folds_literal_casts() {
        let e = cast(lit_str(" 42 "), DataType::int(), false).unwrap();
        assert_eq!(e, ScalarExpr::literal(ScalarValue::Int(42), DataType::not_null(TypeKind::Int)));
        let e = cast(lit_str("1.5"), DataType::new(TypeKind::Decimal { precision: 5, scale: 2 }), false).unwrap();
        assert_eq!(e.as_literal(), Some(&ScalarValue::Decimal { value: 150, precision: 5, scale: 2 }));
    }

    #[test]
    fn rejects_what_flink_rejects() {
        let b = ScalarExpr::literal(ScalarValue::Boolean(true), DataType::boolean());
        let err = cast(b, DataType::new(TypeKind::Date), false).unwrap_err();
        assert_eq!(err.to_string(), "cannot cast BOOLEAN to DATE");
    }

    #[test]
    fn bad_string_fails_or_is_null() {
        let ctx = EvalContext::default();
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("12"), Some("x"), None]));
        let err = cast_array(&a, &DataType::string(), &DataType::int(), false, &ctx).unwrap_err();
        assert_eq!(err.to_string(), "cannot cast 'x' to INT");
        let out = cast_array(&a, &DataType::string(), &DataType::int(), true, &ctx).unwrap();
        let out = out.as_primitive::<Int32Type>();
        assert_eq!(out.iter().collect::<Vec<_>>(), vec![Some(12), None, None]);
    }

    #[test]
    fn java_numeric_semantics() {
        let ctx = EvalContext::default();
        let a: ArrayRef = Arc::new(Float64Array::from(vec![2.9, -2.9, 1e20, f64::NAN]));
        let out = cast_array(&a, &DataType::double(), &DataType::int(), false, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Int32Type>().values().to_vec(), vec![2, -2, i32::MAX, 0]);
        let a: ArrayRef = Arc::new(Int32Array::from(vec![300]));
        let out = cast_array(&a, &DataType::int(), &DataType::new(TypeKind::TinyInt), false, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Int8Type>().value(0), 44);
    }

    #[test]
    fn to_string_and_timestamps() {
        let ctx = EvalContext::default();
        let ts = temporal::parse_timestamp("2021-10-11 12:53:34.84").unwrap();
        let a: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![ts]));
        let out = cast_array(&a, &DataType::timestamp(3), &DataType::string(), false, &ctx).unwrap();
        assert_eq!(out.as_string::<i32>().value(0), "2021-10-11 12:53:34.840");
        let out = cast_array(&a, &DataType::timestamp(6), &DataType::timestamp(0), false, &ctx).unwrap();
        let mut s = String::new();
        temporal::write_timestamp(&mut s, out.as_primitive::<TimestampMicrosecondType>().value(0), temporal::Fraction::Fixed(3), false);
        assert_eq!(s, "2021-10-11 12:53:34.000");
        let b: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
        let out = cast_array(&b, &DataType::boolean(), &DataType::string(), false, &ctx).unwrap();
        assert_eq!(out.as_string::<i32>().value(0), "TRUE");
        let rome = EvalContext { time_zone: temporal::parse_time_zone("Europe/Rome").unwrap(), ..Default::default() };
        let out = cast_array(&a, &DataType::timestamp(3), &DataType::timestamp_ltz(3), false, &rome).unwrap();
        assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), ts - 2 * 3600 * MICROS_PER_SECOND);
    }

    #[test]
    fn assignment_rules() {
        let c = ScalarExpr::Column { index: 0, data_type: DataType::int() };
        assert!(assignment_cast(c.clone(), &DataType::bigint()).is_some());
        assert!(assignment_cast(c.clone(), &DataType::string()).is_none());
        let l = ScalarExpr::Column { index: 0, data_type: DataType::timestamp_ltz(3) };
        assert!(assignment_cast(l, &DataType::timestamp(3)).is_some());
        let d = ScalarExpr::Column { index: 0, data_type: DataType::bigint() };
        assert!(assignment_cast(d.clone(), &DataType::int()).is_none());
        assert!(assignment_cast(d, &DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })).is_some());
        let f = ScalarExpr::Column { index: 0, data_type: DataType::double() };
        assert!(assignment_cast(f.clone(), &DataType::new(TypeKind::Float)).is_none());
        assert!(assignment_cast(f, &DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })).is_some());
    }
}
