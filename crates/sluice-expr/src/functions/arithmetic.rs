//! `+ - * / %` and unary minus on numbers, and datetime/interval arithmetic
//! (`ts + INTERVAL '1' HOUR`, `date - INTERVAL '1' MONTH`, `INTERVAL '1' SECOND * 5`).
//!
//! Integers wrap on overflow as Java does; integer division truncates and fails on a zero
//! divisor; DECIMAL results follow Flink's precision/scale rules and round HALF_UP.

use std::sync::Arc;

use arrow_arith::arity::{binary, try_binary};
use arrow_arith::numeric;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_schema::ArrowError;
use chrono::Months;
use sluice_types::temporal::{datetime_from_micros, micros_from_datetime, MICROS_PER_DAY, MILLIS_PER_DAY};
use sluice_types::{DataType, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match, typed};
use super::{CallCtx, Func};
use crate::coercion::{as_decimal, common_numeric, decimal};
use crate::scalar::rescale;
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["+", "-", "*", "/", "%", "MOD", "NEGATE"];

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if name == "NEGATE" {
        arity(name, &args, 1, 1, &["-NUMERIC", "-INTERVAL"])?;
        let t = args[0].data_type().clone();
        if !(t.is_numeric() || t.is_interval()) {
            return Err(no_match(name, &args, &["-NUMERIC", "-INTERVAL"]));
        }
        return Ok(make_call(Func::Negate, args, t));
    }
    arity(name, &args, 2, 2, &["NUMERIC op NUMERIC"])?;
    // An untyped NULL takes the other side's type.
    for (i, j) in [(0, 1), (1, 0)] {
        if args[i].data_type().kind == TypeKind::Null && args[j].data_type().kind != TypeKind::Null {
            let kind = args[j].data_type().kind.clone();
            let a = std::mem::replace(&mut args[i], ScalarExpr::literal(sluice_types::ScalarValue::Null, DataType::new(TypeKind::Null)));
            args[i] = coerce(a, &kind);
        }
    }
    let func = match name {
        "+" => Func::Plus,
        "-" => Func::Minus,
        "*" => Func::Multiply,
        "/" => Func::Divide,
        _ => Func::Mod,
    };
    let (a, b) = (args[0].data_type().kind.clone(), args[1].data_type().kind.clone());
    if a.is_numeric() && b.is_numeric() {
        return resolve_numeric(func, args, &a, &b);
    }
    let result = temporal_result(&func, &a, &b).ok_or_else(|| no_match(name, &args, &["NUMERIC op NUMERIC"]))?;
    let ty = typed(result, &args);
    Ok(make_call(func, args, ty))
}

fn resolve_numeric(func: Func, args: Vec<ScalarExpr>, a: &TypeKind, b: &TypeKind) -> Result<ScalarExpr, FunctionError> {
    let common = common_numeric(a, b).ok_or_else(|| no_match("+", &args, &[]))?;
    let nullable = any_nullable(&args);
    if let TypeKind::Decimal { .. } = common {
        let (p1, s1) = as_decimal(a).unwrap_or((38, 0));
        let (p2, s2) = as_decimal(b).unwrap_or((38, 0));
        let (p1, s1, p2, s2) = (p1 as i32, s1, p2 as i32, s2);
        let result = match func {
            Func::Plus | Func::Minus => {
                let s = s1.max(s2);
                decimal(((p1 - s1).max(p2 - s2) + s + 1) as u32, s)
            }
            Func::Multiply => decimal((p1 + p2) as u32, s1 + s2),
            Func::Divide => {
                let s = 6.max(s1 + p2 + 1);
                decimal((p1 - s1 + s2 + s) as u32, s)
            }
            _ => {
                let s = s1.max(s2);
                decimal(((p1 - s1).min(p2 - s2) + s) as u32, s)
            }
        };
        let args = args
            .into_iter()
            .map(|e| {
                let k = e.data_type().kind.clone();
                match as_decimal(&k) {
                    Some((p, s)) if k.is_integer() => coerce(e, &TypeKind::Decimal { precision: p as u8, scale: s as i8 }),
                    _ => e,
                }
            })
            .collect::<Vec<_>>();
        let nullable = nullable || func == Func::Divide;
        return Ok(make_call(func, args, DataType { kind: result, nullable }));
    }
    let args = args.into_iter().map(|e| coerce(e, &common)).collect::<Vec<_>>();
    Ok(make_call(func, args, DataType { kind: common, nullable }))
}

/// The result type of datetime/interval arithmetic, if the operands fit.
fn temporal_result(func: &Func, a: &TypeKind, b: &TypeKind) -> Option<TypeKind> {
    use TypeKind::*;
    let interval = |k: &TypeKind| matches!(k, IntervalDayTime | IntervalYearMonth);
    let datetime = |k: &TypeKind| matches!(k, Timestamp { .. } | TimestampLtz { .. } | Date | Time { .. });
    match func {
        Func::Plus | Func::Minus => {
            if datetime(a) && interval(b) {
                Some(a.clone())
            } else if *func == Func::Plus && interval(a) && datetime(b) {
                Some(b.clone())
            } else if interval(a) && a == b {
                Some(a.clone())
            } else {
                None
            }
        }
        Func::Multiply if interval(a) && b.is_numeric() => Some(a.clone()),
        Func::Multiply if a.is_numeric() && interval(b) => Some(b.clone()),
        Func::Divide if interval(a) && b.is_numeric() => Some(a.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation.

fn zero_divisor() -> ArrowError {
    ArrowError::DivideByZero
}

pub(crate) fn eval(func: &Func, mut args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    if *func == Func::Negate {
        let v = args.remove(0);
        let scalar = v.is_scalar();
        let a = v.array();
        let out = match cc.ret.kind {
            TypeKind::Float | TypeKind::Double => numeric::neg(a.as_ref())?,
            TypeKind::IntervalYearMonth => {
                Arc::new(a.as_primitive::<IntervalYearMonthType>().unary::<_, IntervalYearMonthType>(|v| v.wrapping_neg()))
            }
            TypeKind::IntervalDayTime => {
                Arc::new(a.as_primitive::<DurationMillisecondType>().unary::<_, DurationMillisecondType>(|v| v.wrapping_neg()))
            }
            TypeKind::Decimal { precision, scale } => Arc::new(
                a.as_primitive::<Decimal128Type>()
                    .unary::<_, Decimal128Type>(|v| -v)
                    .with_precision_and_scale(precision, scale)?,
            ),
            _ => numeric::neg_wrapping(a.as_ref())?,
        };
        return Ok(ColumnarValue::wrap(out, scalar));
    }
    let (ta, tb) = (&cc.arg_types[0].kind, &cc.arg_types[1].kind);
    if ta.is_numeric() && tb.is_numeric() {
        return eval_numeric(func, args, ta, tb, cc);
    }
    eval_temporal(func, args, ta, tb, cc)
}

fn eval_numeric(
    func: &Func,
    args: Vec<ColumnarValue>,
    ta: &TypeKind,
    tb: &TypeKind,
    cc: &CallCtx,
) -> Result<ColumnarValue, EvalError> {
    let scalar = args.iter().all(|a| a.is_scalar());
    if let TypeKind::Decimal { precision, scale } = cc.ret.kind {
        let (arrays, scalar) = expand(args, cc.rows)?;
        let (s1, s2) = (as_decimal(ta).map(|d| d.1).unwrap_or(0) as i8, as_decimal(tb).map(|d| d.1).unwrap_or(0) as i8);
        let out = decimal_op(func, arrays[0].as_primitive(), s1, arrays[1].as_primitive(), s2, scale)?;
        return Ok(ColumnarValue::wrap(Arc::new(out.with_precision_and_scale(precision, scale)?), scalar));
    }
    let float = matches!(cc.ret.kind, TypeKind::Float | TypeKind::Double);
    let (l, r) = (&args[0], &args[1]);
    let out = match func {
        Func::Plus if float => numeric::add(l, r)?,
        Func::Minus if float => numeric::sub(l, r)?,
        Func::Multiply if float => numeric::mul(l, r)?,
        Func::Divide if float => numeric::div(l, r)?,
        Func::Mod if float => numeric::rem(l, r)?,
        Func::Plus => numeric::add_wrapping(l, r)?,
        Func::Minus => numeric::sub_wrapping(l, r)?,
        Func::Multiply => numeric::mul_wrapping(l, r)?,
        Func::Divide | Func::Mod => {
            let (arrays, _) = expand(args, cc.rows)?;
            int_div(func == &Func::Divide, &arrays[0], &arrays[1])?
        }
        _ => return Err(EvalError::Internal(format!("{func:?} is not arithmetic"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

/// Integer `/` or `%` with Java semantics: truncating, wrapping, failing on zero.
fn int_div(divide: bool, a: &ArrayRef, b: &ArrayRef) -> Result<ArrayRef, EvalError> {
    macro_rules! go {
        ($t:ty) => {{
            let (x, y) = (a.as_primitive::<$t>(), b.as_primitive::<$t>());
            let out: PrimitiveArray<$t> = try_binary(x, y, |p, q| {
                if q == 0 {
                    Err(zero_divisor())
                } else if divide {
                    Ok(p.wrapping_div(q))
                } else {
                    Ok(p.wrapping_rem(q))
                }
            })?;
            Arc::new(out) as ArrayRef
        }};
    }
    Ok(match a.data_type() {
        arrow_schema::DataType::Int8 => go!(Int8Type),
        arrow_schema::DataType::Int16 => go!(Int16Type),
        arrow_schema::DataType::Int32 => go!(Int32Type),
        _ => go!(Int64Type),
    })
}

/// DECIMAL arithmetic on unscaled values; overflow gives NULL as in Flink.
fn decimal_op(
    func: &Func,
    a: &Decimal128Array,
    s1: i8,
    b: &Decimal128Array,
    s2: i8,
    scale: i8,
) -> Result<Decimal128Array, EvalError> {
    let mut out = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        if a.is_null(i) || b.is_null(i) {
            out.push(None);
            continue;
        }
        let (x, y) = (a.value(i), b.value(i));
        let v = match func {
            Func::Plus | Func::Minus | Func::Mod => {
                let s = s1.max(s2);
                let (x, y) = (rescale(x, s1, s), rescale(y, s2, s));
                let r = match func {
                    Func::Plus => x.checked_add(y),
                    Func::Minus => x.checked_sub(y),
                    _ if y == 0 => return Err(EvalError::Runtime("division by zero".into())),
                    _ => Some(x % y),
                };
                r.map(|r| rescale(r, s, scale))
            }
            Func::Multiply => x.checked_mul(y).map(|r| rescale(r, s1 + s2, scale)),
            _ => {
                if y == 0 {
                    return Err(EvalError::Runtime("division by zero".into()));
                }
                div_half_up(x, s1, y, s2, scale)
            }
        };
        out.push(v.filter(|v| v.unsigned_abs() < 10u128.pow(38)));
    }
    Ok(Decimal128Array::from(out))
}

/// `x / y` (unscaled at scales `s1`, `s2`) at `scale`, rounded HALF_UP.
fn div_half_up(x: i128, s1: i8, y: i128, s2: i8, scale: i8) -> Option<i128> {
    // x/10^s1 / (y/10^s2) * 10^scale = x * 10^(scale - s1 + s2) / y
    let shift = scale as i32 - s1 as i32 + s2 as i32;
    let (num, den) = if shift >= 0 {
        (x.checked_mul(10i128.checked_pow(shift as u32)?)?, y)
    } else {
        (x, y.checked_mul(10i128.checked_pow((-shift) as u32)?)?)
    };
    let q = num / den;
    let r = num % den;
    if r.unsigned_abs() * 2 >= den.unsigned_abs() {
        Some(q + if (num < 0) == (den < 0) { 1 } else { -1 })
    } else {
        Some(q)
    }
}

fn add_months_micros(micros: i64, months: i32) -> i64 {
    let Some(dt) = datetime_from_micros(micros) else {
        return micros;
    };
    let moved = if months >= 0 {
        dt.checked_add_months(Months::new(months as u32))
    } else {
        dt.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    moved.map(|d| micros_from_datetime(&d)).unwrap_or(micros)
}

fn eval_temporal(
    func: &Func,
    args: Vec<ColumnarValue>,
    ta: &TypeKind,
    tb: &TypeKind,
    cc: &CallCtx,
) -> Result<ColumnarValue, EvalError> {
    use TypeKind::*;
    let (mut arrays, scalar) = expand(args, cc.rows)?;
    let (mut ta, mut tb) = (ta, tb);
    if matches!(ta, IntervalDayTime | IntervalYearMonth) && !matches!(tb, IntervalDayTime | IntervalYearMonth) && !tb.is_numeric() {
        arrays.swap(0, 1);
        std::mem::swap(&mut ta, &mut tb);
    }
    let sign: i64 = if *func == Func::Minus { -1 } else { 1 };
    let (a, b) = (&arrays[0], &arrays[1]);
    let tz = &cc.ctx.time_zone;
    let out: ArrayRef = match (ta, tb) {
        (Timestamp { .. } | TimestampLtz { .. }, IntervalDayTime) => {
            let o: TimestampMicrosecondArray = binary(
                a.as_primitive::<TimestampMicrosecondType>(),
                b.as_primitive::<DurationMillisecondType>(),
                |t, ms| t.wrapping_add(sign.wrapping_mul(ms).wrapping_mul(1000)),
            )?;
            ltz_if(o, matches!(ta, TimestampLtz { .. }))
        }
        (Timestamp { .. }, IntervalYearMonth) => {
            let o: TimestampMicrosecondArray = binary(
                a.as_primitive::<TimestampMicrosecondType>(),
                b.as_primitive::<IntervalYearMonthType>(),
                |t, m| add_months_micros(t, (sign as i32).wrapping_mul(m)),
            )?;
            Arc::new(o)
        }
        (TimestampLtz { .. }, IntervalYearMonth) => {
            let o: TimestampMicrosecondArray = binary(
                a.as_primitive::<TimestampMicrosecondType>(),
                b.as_primitive::<IntervalYearMonthType>(),
                |t, m| tz.to_instant(add_months_micros(tz.to_local(t), (sign as i32).wrapping_mul(m))),
            )?;
            ltz_if(o, true)
        }
        (Date, IntervalDayTime) => {
            let o: Date32Array = binary(a.as_primitive::<Date32Type>(), b.as_primitive::<DurationMillisecondType>(), |d, ms| {
                d.wrapping_add((sign * ms).div_euclid(MILLIS_PER_DAY) as i32)
            })?;
            Arc::new(o)
        }
        (Date, IntervalYearMonth) => {
            let o: Date32Array = binary(a.as_primitive::<Date32Type>(), b.as_primitive::<IntervalYearMonthType>(), |d, m| {
                (add_months_micros(d as i64 * MICROS_PER_DAY, (sign as i32).wrapping_mul(m)).div_euclid(MICROS_PER_DAY)) as i32
            })?;
            Arc::new(o)
        }
        (Time { .. }, IntervalDayTime) => {
            let o: Time32MillisecondArray =
                binary(a.as_primitive::<Time32MillisecondType>(), b.as_primitive::<DurationMillisecondType>(), |t, ms| {
                    (t as i64 + sign * ms).rem_euclid(MILLIS_PER_DAY) as i32
                })?;
            Arc::new(o)
        }
        (Time { .. }, IntervalYearMonth) => a.clone(),
        (IntervalDayTime, IntervalDayTime) => {
            let o: DurationMillisecondArray = binary(
                a.as_primitive::<DurationMillisecondType>(),
                b.as_primitive::<DurationMillisecondType>(),
                |x, y| x.wrapping_add(sign.wrapping_mul(y)),
            )?;
            Arc::new(o)
        }
        (IntervalYearMonth, IntervalYearMonth) => {
            let o: IntervalYearMonthArray = binary(
                a.as_primitive::<IntervalYearMonthType>(),
                b.as_primitive::<IntervalYearMonthType>(),
                |x, y| x.wrapping_add((sign as i32).wrapping_mul(y)),
            )?;
            Arc::new(o)
        }
        (IntervalDayTime | IntervalYearMonth, n) if n.is_numeric() => {
            let factors = arrow_cast::cast(b, &arrow_schema::DataType::Float64)?;
            let f = factors.as_primitive::<Float64Type>();
            let divide = *func == Func::Divide;
            if divide && f.iter().any(|v| v == Some(0.0)) {
                return Err(EvalError::Runtime("division by zero".into()));
            }
            let apply = move |x: f64, y: f64| if divide { x / y } else { x * y };
            if *ta == IntervalDayTime {
                let o: DurationMillisecondArray =
                    binary(a.as_primitive::<DurationMillisecondType>(), f, |x, y| apply(x as f64, y).round() as i64)?;
                Arc::new(o)
            } else {
                let o: IntervalYearMonthArray =
                    binary(a.as_primitive::<IntervalYearMonthType>(), f, |x, y| apply(x as f64, y).round() as i32)?;
                Arc::new(o)
            }
        }
        (n, IntervalDayTime | IntervalYearMonth) if n.is_numeric() => {
            arrays.swap(0, 1);
            let types = vec![cc.arg_types[1], cc.arg_types[0]];
            let swapped = CallCtx { arg_types: types, ret: cc.ret, rows: cc.rows, ctx: cc.ctx };
            let args = arrays.into_iter().map(|a| ColumnarValue::wrap(a, scalar)).collect();
            return eval_temporal(func, args, tb, ta, &swapped);
        }
        _ => return Err(EvalError::Internal(format!("no arithmetic for {ta} and {tb}"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

fn ltz_if(a: TimestampMicrosecondArray, ltz: bool) -> ArrayRef {
    if ltz {
        Arc::new(a.with_timezone("UTC"))
    } else {
        Arc::new(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::{EvalContext, ScalarExpr};
    use arrow_schema::{Field, Schema};
    use sluice_types::ScalarValue;

    fn col(i: usize, t: DataType) -> ScalarExpr {
        ScalarExpr::Column { index: i, data_type: t }
    }
    fn int(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn batch(cols: Vec<ArrayRef>) -> RecordBatch {
        let fields: Vec<Field> =
            cols.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    }

    #[test]
    fn typing() {
        let e = resolve_call("+", vec![col(0, DataType::int()), col(1, DataType::not_null(TypeKind::BigInt))]).unwrap();
        assert_eq!(e.data_type(), &DataType::bigint());
        let e = resolve_call("/", vec![int(7), int(2)]).unwrap();
        assert_eq!(e, ScalarExpr::literal(ScalarValue::Int(3), DataType::not_null(TypeKind::Int)));
        let dec = DataType::not_null(TypeKind::Decimal { precision: 10, scale: 2 });
        let e = resolve_call("*", vec![col(0, dec.clone()), col(1, dec.clone())]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Decimal { precision: 20, scale: 4 });
        let e = resolve_call("/", vec![col(0, dec.clone()), col(1, dec)]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Decimal { precision: 23, scale: 13 });
        let e = resolve_call("+", vec![col(0, DataType::int()), col(1, DataType::double())]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Double);
        assert!(resolve_call("+", vec![col(0, DataType::string()), int(1)]).is_err());
    }

    #[test]
    fn integer_division_and_errors() {
        let b = batch(vec![Arc::new(Int32Array::from(vec![Some(7), Some(-7), None, Some(i32::MAX)]))]);
        let ctx = EvalContext::default();
        let e = resolve_call("/", vec![col(0, DataType::int()), int(2)]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(3), Some(-3), None, Some(i32::MAX / 2)]);
        let e = resolve_call("+", vec![col(0, DataType::int()), int(1)]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Int32Type>().value(3), i32::MIN);
        let e = resolve_call("%", vec![col(0, DataType::int()), int(0)]).unwrap();
        assert_eq!(e.evaluate(&b, &ctx).unwrap_err().to_string(), "division by zero");
    }

    #[test]
    fn decimal_math() {
        let t = DataType::new(TypeKind::Decimal { precision: 10, scale: 2 });
        let a: ArrayRef = Arc::new(Decimal128Array::from(vec![Some(1000), Some(-250), None]).with_precision_and_scale(10, 2).unwrap());
        let b = batch(vec![a]);
        let ctx = EvalContext::default();
        let e = resolve_call("/", vec![col(0, t.clone()), int(3)]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        let mut s = String::new();
        crate::write_value_as_string(out.as_ref(), e.data_type(), 0, &ctx, &mut s);
        assert_eq!(s, "3.3333333333333");
        let e = resolve_call("+", vec![col(0, t), int(1)]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Decimal { precision: 13, scale: 2 });
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Decimal128Type>().iter().collect::<Vec<_>>(), vec![Some(1100), Some(-150), None]);
    }

    #[test]
    fn datetime_arithmetic() {
        let ts = sluice_types::temporal::parse_timestamp("2021-01-31 10:00:00").unwrap();
        let b = batch(vec![Arc::new(TimestampMicrosecondArray::from(vec![ts]))]);
        let ctx = EvalContext::default();
        let month = ScalarExpr::literal(ScalarValue::IntervalYearMonth(1), DataType::not_null(TypeKind::IntervalYearMonth));
        let e = resolve_call("+", vec![col(0, DataType::timestamp(3)), month]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        let mut s = String::new();
        crate::write_value_as_string(out.as_ref(), e.data_type(), 0, &ctx, &mut s);
        assert_eq!(s, "2021-02-28 10:00:00.000");
        let ten = ScalarExpr::literal(ScalarValue::IntervalDayTime(10_000), DataType::not_null(TypeKind::IntervalDayTime));
        let e = resolve_call("-", vec![col(0, DataType::timestamp(3)), ten.clone()]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_primitive::<TimestampMicrosecondType>().value(0), ts - 10_000_000);
        let e = resolve_call("*", vec![ten, int(6)]).unwrap();
        assert_eq!(e.as_literal(), Some(&ScalarValue::IntervalDayTime(60_000)));
    }
}
