//! Math functions: `ABS`, `ROUND`, `TRUNCATE`, `FLOOR`, `CEIL`, `POWER`, `SQRT`, logs,
//! `EXP`, trigonometry, `RADIANS`/`DEGREES`, `PI`, `E`, `SIGN`, `RAND`, `RAND_INTEGER`.
//! Rounding is HALF_UP on the decimal value, as Java's `BigDecimal` does, also for DOUBLE
//! (`ROUND(2.675, 2)` is `2.68`). `FLOOR(x, unit)`/`CEIL(x, unit)` are the datetime forms.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use sluice_types::{DataType, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match, numericish};
use super::{CallCtx, Func};
use crate::coercion::decimal;
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "ABS", "ROUND", "TRUNCATE", "FLOOR", "CEIL", "CEILING", "POWER", "POW", "SQRT", "LN", "LOG10", "LOG2", "LOG", "EXP",
    "SIN", "COS", "TAN", "COT", "ASIN", "ACOS", "ATAN", "ATAN2", "SINH", "COSH", "TANH", "RADIANS", "DEGREES", "PI",
    "E", "SIGN", "RAND", "RAND_INTEGER",
];

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if args.len() == 2 && matches!(name, "FLOOR" | "CEIL" | "CEILING") {
        return super::temporal::resolve(if name == "FLOOR" { "FLOOR_TO" } else { "CEIL_TO" }, args);
    }
    let nullable = any_nullable(&args);
    if !args.iter().all(|a| numericish(a.data_type())) {
        return Err(no_match(name, &args, &[&format!("{name}(NUMERIC)")]));
    }
    let double = DataType { kind: TypeKind::Double, nullable };
    let to_double = |args: Vec<ScalarExpr>| args.into_iter().map(|a| coerce(a, &TypeKind::Double)).collect::<Vec<_>>();
    let first_kind = args.first().map(|a| a.data_type().kind.clone()).unwrap_or(TypeKind::Null);
    let first_kind = if first_kind == TypeKind::Null { TypeKind::Double } else { first_kind };
    match name {
        "ABS" | "SIGN" => {
            arity(name, &args, 1, 1, &["ABS(NUMERIC)"])?;
            let func = if name == "ABS" { Func::Abs } else { Func::Sign };
            let args = vec![coerce(args.remove(0), &first_kind)];
            Ok(make_call(func, args, DataType { kind: first_kind, nullable }))
        }
        "ROUND" | "TRUNCATE" => {
            arity(name, &args, 1, 2, &["ROUND(NUMERIC[, INT])"])?;
            let digits = match args.get(1) {
                None => 0,
                Some(d) => match d.as_literal().and_then(|v| v.as_i64()) {
                    Some(v) => v as i32,
                    None if d.data_type().kind.is_integer() => i32::MIN,
                    None => return Err(no_match(name, &args, &["ROUND(NUMERIC[, INT])"])),
                },
            };
            let kind = match &first_kind {
                TypeKind::Decimal { precision, scale } if digits != i32::MIN && digits < *scale as i32 => {
                    let d = digits.max(0);
                    decimal((*precision as i32 - *scale as i32 + d + 1).max(1) as u32, d)
                }
                k => k.clone(),
            };
            let func = if name == "ROUND" { Func::Round } else { Func::Truncate };
            let mut args = args;
            args[0] = coerce(args[0].clone(), &first_kind);
            if args.len() == 2 {
                args[1] = coerce(args[1].clone(), &TypeKind::Int);
            }
            Ok(make_call(func, args, DataType { kind, nullable }))
        }
        "FLOOR" | "CEIL" | "CEILING" => {
            arity(name, &args, 1, 1, &["FLOOR(NUMERIC)"])?;
            let kind = match &first_kind {
                TypeKind::Decimal { precision, .. } => TypeKind::Decimal { precision: *precision, scale: 0 },
                k => k.clone(),
            };
            let func = if name == "FLOOR" { Func::Floor } else { Func::Ceil };
            Ok(make_call(func, vec![coerce(args.remove(0), &first_kind)], DataType { kind, nullable }))
        }
        "PI" | "E" => {
            arity(name, &args, 0, 0, &["PI()"])?;
            let func = if name == "PI" { Func::Pi } else { Func::E };
            Ok(make_call(func, args, DataType::not_null(TypeKind::Double)))
        }
        "RAND" => {
            arity(name, &args, 0, 1, &["RAND([INT])"])?;
            Ok(make_call(Func::Rand, to_double(args), DataType::not_null(TypeKind::Double)))
        }
        "RAND_INTEGER" => {
            arity(name, &args, 1, 2, &["RAND_INTEGER([INT, ]INT)"])?;
            let bound = args.pop().map(|a| coerce(a, &TypeKind::Int)).into_iter().collect::<Vec<_>>();
            Ok(make_call(Func::RandInteger, bound, DataType { kind: TypeKind::Int, nullable }))
        }
        "POWER" | "POW" | "ATAN2" => {
            arity(name, &args, 2, 2, &["POWER(NUMERIC, NUMERIC)"])?;
            let func = if name == "ATAN2" { Func::Atan2 } else { Func::Power };
            Ok(make_call(func, to_double(args), double))
        }
        "LOG" => {
            arity(name, &args, 1, 2, &["LOG([NUMERIC, ]NUMERIC)"])?;
            Ok(make_call(Func::Log, to_double(args), double))
        }
        _ => {
            arity(name, &args, 1, 1, &[&format!("{name}(NUMERIC)")])?;
            let func = match name {
                "SQRT" => Func::Sqrt,
                "LN" => Func::Ln,
                "LOG10" => Func::Log10,
                "LOG2" => Func::Log2,
                "EXP" => Func::Exp,
                "SIN" => Func::Sin,
                "COS" => Func::Cos,
                "TAN" => Func::Tan,
                "COT" => Func::Cot,
                "ASIN" => Func::Asin,
                "ACOS" => Func::Acos,
                "ATAN" => Func::Atan,
                "SINH" => Func::Sinh,
                "COSH" => Func::Cosh,
                "TANH" => Func::Tanh,
                "RADIANS" => Func::Radians,
                _ => Func::Degrees,
            };
            Ok(make_call(func, to_double(args), double))
        }
    }
}

/// Rounds (or truncates) a double at `digits` decimal places on its shortest decimal
/// text, as `BigDecimal.valueOf(x).setScale(digits, HALF_UP)` does.
pub(crate) fn round_double(x: f64, digits: i32, truncate: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{:e}", x);
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits_str: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    // value = 0.d1d2d3... * 10^(exp + 1)
    let point = exp + 1;
    let keep = point + digits;
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    if keep >= digits_str.len() {
        return x;
    }
    let mut kept: Vec<u8> = digits_str.as_bytes()[..keep].iter().map(|b| b - b'0').collect();
    if !truncate && digits_str.as_bytes()[keep] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, 1);
                break;
            }
            i -= 1;
            if kept[i] == 9 {
                kept[i] = 0;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let carried = kept.len() as i32 - keep as i32;
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str("0.");
    if kept.is_empty() {
        s.push('0');
    }
    for d in &kept {
        s.push((b'0' + d) as char);
    }
    s.push('e');
    s.push_str(&(point + carried).to_string());
    // Through a BigDecimal, as in Java, a result of zero has no sign: TRUNCATE(-0.5) is 0.
    s.parse::<f64>().map(|v| v + 0.0).unwrap_or(x)
}

/// Rounds an unscaled decimal value at `scale` to `digits` places (HALF_UP or toward
/// zero), returning it at `out_scale`.
fn round_decimal(v: i128, scale: i8, digits: i32, out_scale: i8, truncate: bool) -> i128 {
    let drop = scale as i32 - digits;
    let rounded = if drop <= 0 {
        v
    } else if drop > 38 {
        0
    } else {
        let p = 10i128.pow(drop as u32);
        let q = v / p;
        let r = v % p;
        let q = if !truncate && r.abs() * 2 >= p { q + v.signum() } else { q };
        q * p
    };
    crate::scalar::rescale(rounded, scale, out_scale)
}

fn round_int(v: i64, digits: i32, truncate: bool) -> i64 {
    if digits >= 0 {
        return v;
    }
    if -digits > 18 {
        return 0;
    }
    let p = 10i64.pow((-digits) as u32);
    let q = v / p;
    let r = v % p;
    let q = if !truncate && r.abs() * 2 >= p { q + v.signum() } else { q };
    q.wrapping_mul(p)
}

/// A small xorshift generator seeded from the standard library's random hasher keys.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x2545_f491_4f6c_dd1d);
    h.finish() | 1
}

fn next_random(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    match func {
        Func::Pi => return Ok(ColumnarValue::Scalar(Arc::new(Float64Array::from(vec![std::f64::consts::PI])))),
        Func::E => return Ok(ColumnarValue::Scalar(Arc::new(Float64Array::from(vec![std::f64::consts::E])))),
        Func::Rand => {
            let mut state = random_seed();
            let values: Float64Array =
                (0..cc.rows).map(|_| Some((next_random(&mut state) >> 11) as f64 / (1u64 << 53) as f64)).collect();
            return Ok(ColumnarValue::Array(Arc::new(values)));
        }
        Func::RandInteger => {
            let (arrays, _) = expand(args, cc.rows)?;
            let bound = arrays[0].as_primitive::<Int32Type>();
            let mut state = random_seed();
            let bound = crate::value::repeat(&(Arc::new(bound.clone()) as ArrayRef), cc.rows)?;
            let values: Int32Array = bound
                .as_primitive::<Int32Type>()
                .iter()
                .map(|b| b.filter(|b| *b > 0).map(|b| (next_random(&mut state) % b as u64) as i32))
                .collect();
            return Ok(ColumnarValue::Array(Arc::new(values)));
        }
        _ => {}
    }
    let (arrays, scalar) = expand(args, cc.rows)?;
    let a = &arrays[0];
    let kind = &cc.arg_types[0].kind;
    let out: ArrayRef = match func {
        Func::Abs | Func::Sign => {
            let abs = *func == Func::Abs;
            match kind {
                TypeKind::TinyInt => Arc::new(a.as_primitive::<Int8Type>().unary::<_, Int8Type>(|v| if abs { v.wrapping_abs() } else { v.signum() })),
                TypeKind::SmallInt => Arc::new(a.as_primitive::<Int16Type>().unary::<_, Int16Type>(|v| if abs { v.wrapping_abs() } else { v.signum() })),
                TypeKind::Int => Arc::new(a.as_primitive::<Int32Type>().unary::<_, Int32Type>(|v| if abs { v.wrapping_abs() } else { v.signum() })),
                TypeKind::BigInt => Arc::new(a.as_primitive::<Int64Type>().unary::<_, Int64Type>(|v| if abs { v.wrapping_abs() } else { v.signum() })),
                TypeKind::Float => Arc::new(a.as_primitive::<Float32Type>().unary::<_, Float32Type>(|v| if abs { v.abs() } else if v == 0.0 { 0.0 } else { v.signum() })),
                TypeKind::Decimal { precision, scale } => {
                    let one = 10i128.pow((*scale).max(0) as u32);
                    Arc::new(
                        a.as_primitive::<Decimal128Type>()
                            .unary::<_, Decimal128Type>(|v| if abs { v.abs() } else { v.signum() * one })
                            .with_precision_and_scale(*precision, *scale)?,
                    )
                }
                _ => Arc::new(a.as_primitive::<Float64Type>().unary::<_, Float64Type>(|v| if abs { v.abs() } else if v == 0.0 { 0.0 } else { v.signum() })),
            }
        }
        Func::Round | Func::Truncate => {
            let truncate = *func == Func::Truncate;
            let digits: Int32Array = match arrays.get(1) {
                Some(d) => d.as_primitive::<Int32Type>().clone(),
                None => Int32Array::from(vec![0; a.len()]),
            };
            let nulls = arrow_buffer::NullBuffer::union(a.nulls(), digits.nulls());
            match (kind, &cc.ret.kind) {
                (TypeKind::Decimal { scale, .. }, TypeKind::Decimal { precision: rp, scale: rs }) => {
                    let v = a.as_primitive::<Decimal128Type>();
                    let out: Decimal128Array = arrow_arith::arity::binary(v, &digits, |x, d| round_decimal(x, *scale, d, *rs, truncate))?;
                    Arc::new(Decimal128Array::new(out.values().clone(), nulls).with_precision_and_scale(*rp, *rs)?)
                }
                (TypeKind::Double, _) => {
                    let out: Float64Array = arrow_arith::arity::binary(a.as_primitive::<Float64Type>(), &digits, |x, d| round_double(x, d, truncate))?;
                    Arc::new(Float64Array::new(out.values().clone(), nulls))
                }
                (TypeKind::Float, _) => {
                    let out: Float32Array = arrow_arith::arity::binary(a.as_primitive::<Float32Type>(), &digits, |x, d| {
                        round_double(x.to_string().parse().unwrap_or(x as f64), d, truncate) as f32
                    })?;
                    Arc::new(Float32Array::new(out.values().clone(), nulls))
                }
                _ => {
                    let wide = arrow_cast::cast(a, &arrow_schema::DataType::Int64)?;
                    let out: Int64Array = arrow_arith::arity::binary(wide.as_primitive::<Int64Type>(), &digits, |x, d| round_int(x, d, truncate))?;
                    let out = Int64Array::new(out.values().clone(), nulls);
                    arrow_cast::cast(&out, &kind.to_arrow())?
                }
            }
        }
        Func::Floor | Func::Ceil => {
            let floor = *func == Func::Floor;
            match (kind, &cc.ret.kind) {
                (TypeKind::Double, _) => Arc::new(a.as_primitive::<Float64Type>().unary::<_, Float64Type>(|v| if floor { v.floor() } else { v.ceil() })),
                (TypeKind::Float, _) => Arc::new(a.as_primitive::<Float32Type>().unary::<_, Float32Type>(|v| if floor { v.floor() } else { v.ceil() })),
                (TypeKind::Decimal { scale, .. }, TypeKind::Decimal { precision: rp, .. }) => {
                    let p = 10i128.pow((*scale).max(0) as u32);
                    Arc::new(
                        a.as_primitive::<Decimal128Type>()
                            .unary::<_, Decimal128Type>(|v| {
                                let q = v.div_euclid(p);
                                if floor || v.rem_euclid(p) == 0 { q } else { q + 1 }
                            })
                            .with_precision_and_scale(*rp, 0)?,
                    )
                }
                _ => a.clone(),
            }
        }
        Func::Power | Func::Atan2 | Func::Log if arrays.len() == 2 => {
            let (x, y) = (a.as_primitive::<Float64Type>(), arrays[1].as_primitive::<Float64Type>());
            let out: Float64Array = match func {
                Func::Power => arrow_arith::arity::binary(x, y, java_pow)?,
                Func::Atan2 => arrow_arith::arity::binary(x, y, f64::atan2)?,
                _ => arrow_arith::arity::binary(x, y, |base, v| v.ln() / base.ln())?,
            };
            Arc::new(out)
        }
        other => {
            let f: fn(f64) -> f64 = match other {
                Func::Sqrt => f64::sqrt,
                Func::Ln | Func::Log => f64::ln,
                Func::Log10 => f64::log10,
                Func::Log2 => f64::log2,
                Func::Exp => f64::exp,
                Func::Sin => f64::sin,
                Func::Cos => f64::cos,
                Func::Tan => f64::tan,
                Func::Cot => |v| 1.0 / v.tan(),
                Func::Asin => f64::asin,
                Func::Acos => f64::acos,
                Func::Atan => f64::atan,
                Func::Sinh => f64::sinh,
                Func::Cosh => f64::cosh,
                Func::Tanh => f64::tanh,
                Func::Radians => f64::to_radians,
                Func::Degrees => f64::to_degrees,
                o => return Err(EvalError::Internal(format!("{o:?} is not a math function"))),
            };
            Arc::new(a.as_primitive::<Float64Type>().unary::<_, Float64Type>(f))
        }
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::EvalContext;
    use sluice_types::ScalarValue;

    fn d(v: f64) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Double(v), DataType::not_null(TypeKind::Double))
    }
    fn i(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn dec(v: i128, p: u8, s: i8) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Decimal { value: v, precision: p, scale: s }, DataType::not_null(TypeKind::Decimal { precision: p, scale: s }))
    }
    fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
        resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }

    #[test]
    fn rounding_like_bigdecimal() {
        assert_eq!(call("ROUND", vec![d(2.675), i(2)]), ScalarValue::Double(2.68));
        assert_eq!(call("ROUND", vec![d(-2.5)]), ScalarValue::Double(-3.0));
        assert_eq!(call("ROUND", vec![d(1234.5678), i(-2)]), ScalarValue::Double(1200.0));
        assert_eq!(call("ROUND", vec![d(9.99), i(1)]), ScalarValue::Double(10.0));
        assert_eq!(call("TRUNCATE", vec![d(2.679), i(2)]), ScalarValue::Double(2.67));
        assert!(matches!(call("TRUNCATE", vec![d(-0.5)]), ScalarValue::Double(z) if z == 0.0 && z.is_sign_positive()));
        assert_eq!(call("ROUND", vec![i(1250), i(-2)]), ScalarValue::Int(1300));
        let e = resolve_call("ROUND", vec![dec(12345, 10, 3), i(1)]).unwrap();
        assert_eq!(e.data_type().kind, TypeKind::Decimal { precision: 9, scale: 1 });
        assert_eq!(e.as_literal(), Some(&ScalarValue::Decimal { value: 123, precision: 9, scale: 1 }));
    }

    #[test]
    fn floor_ceil_abs_sign() {
        assert_eq!(call("FLOOR", vec![d(-1.5)]), ScalarValue::Double(-2.0));
        assert_eq!(call("CEIL", vec![d(1.2)]), ScalarValue::Double(2.0));
        let e = resolve_call("CEIL", vec![dec(1201, 5, 2)]).unwrap();
        assert_eq!(e.as_literal(), Some(&ScalarValue::Decimal { value: 13, precision: 5, scale: 0 }));
        assert_eq!(call("ABS", vec![i(-4)]), ScalarValue::Int(4));
        assert_eq!(call("SIGN", vec![d(-3.5)]), ScalarValue::Double(-1.0));
    }

    #[test]
    fn transcendental() {
        assert_eq!(call("POWER", vec![i(2), i(10)]), ScalarValue::Double(1024.0));
        assert_eq!(call("SQRT", vec![i(16)]), ScalarValue::Double(4.0));
        assert_eq!(call("LOG", vec![i(2), i(8)]), ScalarValue::Double(3.0));
        assert_eq!(call("LOG10", vec![i(1000)]), ScalarValue::Double(3.0));
        assert_eq!(call("LN", vec![d(1.0)]), ScalarValue::Double(0.0));
        assert_eq!(call("DEGREES", vec![d(std::f64::consts::PI)]), ScalarValue::Double(180.0));
        assert_eq!(call("PI", vec![]), ScalarValue::Double(std::f64::consts::PI));
        let r = call("RAND", vec![]);
        assert!(matches!(r, ScalarValue::Double(v) if (0.0..1.0).contains(&v)));
        let r = call("RAND_INTEGER", vec![i(10)]);
        assert!(matches!(r, ScalarValue::Int(v) if (0..10).contains(&v)));
    }
}

/// `Math.pow` as the JVM computes it: squaring is an exact `x * x` (HotSpot special-cases
/// an exponent of 2), which libm's `pow` may round differently in the last bit.
fn java_pow(x: f64, y: f64) -> f64 {
    if y == 2.0 {
        x * x
    } else {
        x.powf(y)
    }
}

#[cfg(test)]
mod java_pow_tests {
    #[test]
    fn squares_like_the_jvm() {
        assert_eq!(super::java_pow(47.985, 2.0), 47.985 * 47.985);
        assert_eq!(super::java_pow(2.0, 10.0), 1024.0);
    }
}
