//! Flink's `CAST(x AS STRING)` text of values: Java's `Double.toString` for floating
//! point, exactly `p` fraction digits for `TIMESTAMP(p)`, `TRUE`/`FALSE` for booleans,
//! `[a, b]` for arrays, `{k=v}` for maps and `(a, b)` for rows.

use std::fmt::Write;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, PrimitiveArray};
use sluice_types::temporal::{self, Fraction};
use sluice_types::{DataType, TypeKind};

use crate::{EvalContext, EvalError};

pub(crate) use sluice_types::java_text::{write_java_double, write_java_float};

/// Appends a decimal's plain text with exactly `scale` fraction digits.
pub(crate) fn write_decimal(out: &mut String, value: i128, scale: i8) {
    if scale <= 0 {
        let _ = write!(out, "{}", value.saturating_mul(10i128.saturating_pow((-(scale as i32)) as u32)));
        return;
    }
    let digits = value.unsigned_abs().to_string();
    let scale = scale as usize;
    if value < 0 {
        out.push('-');
    }
    if digits.len() <= scale {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(&digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

/// Appends a day-time interval as Flink prints it: `+10 00:00:00.000`.
pub(crate) fn write_interval_day_time(out: &mut String, millis: i64) {
    let sign = if millis < 0 { '-' } else { '+' };
    let m = millis.unsigned_abs();
    let days = m / 86_400_000;
    let rest = m % 86_400_000;
    let _ = write!(
        out,
        "{sign}{days} {:02}:{:02}:{:02}.{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    );
}

/// Appends a year-month interval as Flink prints it: `+1-02`.
pub(crate) fn write_interval_year_month(out: &mut String, months: i32) {
    let sign = if months < 0 { '-' } else { '+' };
    let m = months.unsigned_abs();
    let _ = write!(out, "{sign}{}-{:02}", m / 12, m % 12);
}

fn precision_of(kind: &TypeKind) -> u8 {
    match kind {
        TypeKind::Timestamp { precision } | TypeKind::TimestampLtz { precision } | TypeKind::Time { precision } => {
            (*precision).min(6)
        }
        _ => 0,
    }
}

/// Flink's `CAST(x AS STRING)` text of one value, appended to `out` (`NULL` for a null
/// inside a collection; a top-level null appends `NULL` too, callers usually check first).
pub fn write_value_as_string(array: &dyn Array, ty: &DataType, row: usize, ctx: &EvalContext, out: &mut String) {
    if row >= array.len() || array.is_null(row) {
        out.push_str("NULL");
        return;
    }
    match &ty.kind {
        TypeKind::Null => out.push_str("NULL"),
        TypeKind::Boolean => out.push_str(if array.as_boolean().value(row) { "TRUE" } else { "FALSE" }),
        TypeKind::TinyInt => push_int(out, array.as_primitive::<Int8Type>().value(row) as i64),
        TypeKind::SmallInt => push_int(out, array.as_primitive::<Int16Type>().value(row) as i64),
        TypeKind::Int => push_int(out, array.as_primitive::<Int32Type>().value(row) as i64),
        TypeKind::BigInt => push_int(out, array.as_primitive::<Int64Type>().value(row)),
        TypeKind::Float => write_java_float(out, array.as_primitive::<Float32Type>().value(row)),
        TypeKind::Double => write_java_double(out, array.as_primitive::<Float64Type>().value(row)),
        TypeKind::Decimal { scale, .. } => write_decimal(out, array.as_primitive::<Decimal128Type>().value(row), *scale),
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => out.push_str(array.as_string::<i32>().value(row)),
        TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
            out.push_str(&String::from_utf8_lossy(array.as_binary::<i32>().value(row)))
        }
        TypeKind::Bitmap => sluice_types::bitmap::write_bitmap_text(array.as_binary::<i32>().value(row), out),
        TypeKind::Variant => sluice_types::variant::write_variant_text(array.as_binary::<i32>().value(row), out),
        TypeKind::Date => temporal::write_date_days(out, array.as_primitive::<Date32Type>().value(row)),
        TypeKind::Time { .. } => temporal::write_time_millis(
            out,
            array.as_primitive::<Time32MillisecondType>().value(row),
            Fraction::Fixed(precision_of(&ty.kind)),
        ),
        TypeKind::Timestamp { .. } => temporal::write_timestamp(
            out,
            array.as_primitive::<TimestampMicrosecondType>().value(row),
            Fraction::Fixed(precision_of(&ty.kind)),
            false,
        ),
        TypeKind::TimestampLtz { .. } => temporal::write_timestamp(
            out,
            ctx.time_zone.to_local(array.as_primitive::<TimestampMicrosecondType>().value(row)),
            Fraction::Fixed(precision_of(&ty.kind)),
            false,
        ),
        TypeKind::IntervalDayTime => {
            write_interval_day_time(out, array.as_primitive::<DurationMillisecondType>().value(row))
        }
        TypeKind::IntervalYearMonth => {
            write_interval_year_month(out, array.as_primitive::<IntervalYearMonthType>().value(row))
        }
        TypeKind::Array(elem) | TypeKind::Multiset(elem) => {
            let Some(list) = array.as_list_opt::<i32>() else {
                return;
            };
            let items = list.value(row);
            out.push('[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value_as_string(items.as_ref(), elem, i, ctx, out);
            }
            out.push(']');
        }
        TypeKind::Map(k, v) => {
            let entries = array.as_map().value(row);
            out.push('{');
            for i in 0..entries.len() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value_as_string(entries.column(0).as_ref(), k, i, ctx, out);
                out.push('=');
                write_value_as_string(entries.column(1).as_ref(), v, i, ctx, out);
            }
            out.push('}');
        }
        TypeKind::Row(fields) => {
            let s = array.as_struct();
            out.push('(');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value_as_string(s.column(i).as_ref(), &f.data_type, row, ctx, out);
            }
            out.push(')');
        }
        // A structured object prints as Flink's tableau shows it: `(name=Bob, age=42)`.
        TypeKind::Structured { fields, .. } => {
            let s = array.as_struct();
            out.push('(');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&f.name);
                out.push('=');
                write_value_as_string(s.column(i).as_ref(), &f.data_type, row, ctx, out);
            }
            out.push(')');
        }
    }
}

fn push_int(out: &mut String, v: i64) {
    let _ = write!(out, "{v}");
}

fn format_loop<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    mut f: impl FnMut(&mut String, T::Native),
) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 8);
    let mut buf = String::new();
    for i in 0..array.len() {
        if array.is_null(i) {
            builder.append_null();
        } else {
            buf.clear();
            f(&mut buf, array.value(i));
            builder.append_value(&buf);
        }
    }
    Arc::new(builder.finish())
}

/// Formats a whole column as strings, with one tight loop per type.
pub(crate) fn format_column(array: &dyn Array, ty: &DataType, ctx: &EvalContext) -> Result<ArrayRef, EvalError> {
    let fraction = Fraction::Fixed(precision_of(&ty.kind));
    Ok(match &ty.kind {
        TypeKind::TinyInt => format_loop(array.as_primitive::<Int8Type>(), |o, v| push_int(o, v as i64)),
        TypeKind::SmallInt => format_loop(array.as_primitive::<Int16Type>(), |o, v| push_int(o, v as i64)),
        TypeKind::Int => format_loop(array.as_primitive::<Int32Type>(), |o, v| push_int(o, v as i64)),
        TypeKind::BigInt => format_loop(array.as_primitive::<Int64Type>(), push_int),
        TypeKind::Float => format_loop(array.as_primitive::<Float32Type>(), write_java_float),
        TypeKind::Double => format_loop(array.as_primitive::<Float64Type>(), write_java_double),
        TypeKind::Decimal { scale, .. } => {
            let scale = *scale;
            format_loop(array.as_primitive::<Decimal128Type>(), move |o, v| write_decimal(o, v, scale))
        }
        TypeKind::Date => format_loop(array.as_primitive::<Date32Type>(), temporal::write_date_days),
        TypeKind::Timestamp { .. } => format_loop(array.as_primitive::<TimestampMicrosecondType>(), |o, v| {
            temporal::write_timestamp(o, v, fraction, false)
        }),
        TypeKind::TimestampLtz { .. } => format_loop(array.as_primitive::<TimestampMicrosecondType>(), |o, v| {
            temporal::write_timestamp(o, ctx.time_zone.to_local(v), fraction, false)
        }),
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => {
            let s = array.as_string::<i32>();
            Arc::new(s.clone())
        }
        _ => {
            let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 8);
            let mut buf = String::new();
            for i in 0..array.len() {
                if array.is_null(i) {
                    builder.append_null();
                } else {
                    buf.clear();
                    write_value_as_string(array, ty, i, ctx, &mut buf);
                    builder.append_value(&buf);
                }
            }
            Arc::new(builder.finish())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> String {
        let mut s = String::new();
        write_java_double(&mut s, v);
        s
    }

    #[test]
    fn doubles_like_java() {
        assert_eq!(d(1.0), "1.0");
        assert_eq!(d(90.451), "90.451");
        assert_eq!(d(1e10), "1.0E10");
        assert_eq!(d(1.5e-5), "1.5E-5");
        assert_eq!(d(-0.5), "-0.5");
        assert_eq!(d(1234567.0), "1234567.0");
        assert_eq!(d(12345678.0), "1.2345678E7");
        assert_eq!(d(f64::NAN), "NaN");
        assert_eq!(d(f64::NEG_INFINITY), "-Infinity");
        let mut s = String::new();
        write_java_float(&mut s, 0.1f32);
        assert_eq!(s, "0.1");
    }

    #[test]
    fn decimals_and_intervals() {
        let mut s = String::new();
        write_decimal(&mut s, 1230, 2);
        assert_eq!(s, "12.30");
        s.clear();
        write_decimal(&mut s, -5, 3);
        assert_eq!(s, "-0.005");
        s.clear();
        write_interval_day_time(&mut s, 10 * 86_400_000 + 61_001);
        assert_eq!(s, "+10 00:01:01.001");
        s.clear();
        write_interval_year_month(&mut s, 14);
        assert_eq!(s, "+1-02");
    }
}
