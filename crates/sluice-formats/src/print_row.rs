//! The text of one row as Flink's `print` connector writes it: the change kind, then the
//! fields in brackets, `+I[1, Chen Wei, 2021-10-11 12:52:57.231]`.
//!
//! Each type's spelling is one small function so it can be adjusted on its own as the
//! spellings are checked against Flink.

use std::fmt::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, IntervalYearMonthType, Time32MillisecondType,
    TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use sluice_types::temporal::{self, SessionTimeZone};
use sluice_types::{DataType, RowKind, TypeKind};

use crate::decimal::write_decimal_plain;
use crate::java_number::{java_double_string, java_float_string};

/// Appends row `row` of `batch` as Flink's print connector line (without a newline),
/// showing `TIMESTAMP_LTZ` values in UTC.
pub fn format_row(batch: &RecordBatch, types: &[DataType], row: usize, kind: RowKind, out: &mut String) {
    format_row_in_zone(batch, types, row, kind, &SessionTimeZone::default(), out)
}

/// `format_row` with `TIMESTAMP_LTZ` values shown in the session time zone, as Flink does.
pub fn format_row_in_zone(
    batch: &RecordBatch,
    types: &[DataType],
    row: usize,
    kind: RowKind,
    zone: &SessionTimeZone,
    out: &mut String,
) {
    out.push_str(kind.short_string());
    out.push('[');
    for (c, (array, ty)) in batch.columns().iter().zip(types).enumerate() {
        if c > 0 {
            out.push_str(", ");
        }
        write_field(out, array.as_ref(), ty, row, zone);
    }
    out.push(']');
}

/// Appends one value of `array` at `i`.
pub fn write_field(out: &mut String, array: &dyn Array, ty: &DataType, i: usize, zone: &SessionTimeZone) {
    if array.is_null(i) {
        out.push_str(null_text());
        return;
    }
    match &ty.kind {
        TypeKind::Null => out.push_str(null_text()),
        TypeKind::Boolean => write_bool(out, array.as_boolean().value(i)),
        TypeKind::TinyInt => write_int(out, array.as_primitive::<Int8Type>().value(i) as i64),
        TypeKind::SmallInt => write_int(out, array.as_primitive::<Int16Type>().value(i) as i64),
        TypeKind::Int => write_int(out, array.as_primitive::<Int32Type>().value(i) as i64),
        TypeKind::BigInt => write_int(out, array.as_primitive::<Int64Type>().value(i)),
        TypeKind::Float => out.push_str(&java_float_string(array.as_primitive::<Float32Type>().value(i))),
        TypeKind::Double => out.push_str(&java_double_string(array.as_primitive::<Float64Type>().value(i))),
        TypeKind::Decimal { scale, .. } => {
            write_decimal(out, array.as_primitive::<Decimal128Type>().value(i), *scale)
        }
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => {
            out.push_str(array.as_string::<i32>().value(i))
        }
        TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
            write_bytes(out, array.as_binary::<i32>().value(i))
        }
        TypeKind::Bitmap => sluice_types::bitmap::write_bitmap_text(array.as_binary::<i32>().value(i), out),
        TypeKind::Variant => sluice_types::variant::write_variant_text(array.as_binary::<i32>().value(i), out),
        TypeKind::Date => temporal::write_date_days(out, array.as_primitive::<Date32Type>().value(i)),
        TypeKind::Time { .. } => {
            let millis = array.as_primitive::<Time32MillisecondType>().value(i) as i64;
            write_java_time(out, millis * 1000, false);
        }
        TypeKind::Timestamp { .. } => write_java_local_date_time(out, array.as_primitive::<TimestampMicrosecondType>().value(i)),
        TypeKind::TimestampLtz { .. } => {
            // Flink prints an `Instant`: always UTC, with a `Z`, whatever the session zone.
            let _ = zone;
            write_java_instant(out, array.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        TypeKind::IntervalDayTime => {
            write_interval_day_time(out, array.as_primitive::<DurationMillisecondType>().value(i))
        }
        TypeKind::IntervalYearMonth => {
            write_interval_year_month(out, array.as_primitive::<IntervalYearMonthType>().value(i))
        }
        TypeKind::Array(elem) => {
            let values = array.as_list::<i32>().value(i);
            out.push('[');
            for k in 0..values.len() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_field(out, values.as_ref(), elem, k, zone);
            }
            out.push(']');
        }
        TypeKind::Map(key_ty, value_ty) => write_map(out, array, key_ty, value_ty, i, zone),
        TypeKind::Multiset(elem) => {
            write_map(out, array, elem, &DataType::not_null(TypeKind::Int), i, zone)
        }
        TypeKind::Row(fields) | TypeKind::Structured { fields, .. } => {
            // A nested row (or structured object) prints as Flink's `RowData` does: with its
            // own kind, `+I[..]`.
            let s = array.as_struct();
            out.push_str("+I[");
            for (k, (f, child)) in fields.iter().zip(s.columns()).enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                write_field(out, child.as_ref(), &f.data_type, i, zone);
            }
            out.push(']');
        }
    }
}

fn null_text() -> &'static str {
    "null"
}

fn write_bool(out: &mut String, v: bool) {
    out.push_str(if v { "true" } else { "false" });
}

fn write_int(out: &mut String, v: i64) {
    out.push_str(itoa::Buffer::new().format(v));
}

fn write_decimal(out: &mut String, unscaled: i128, scale: i8) {
    let mut b = Vec::new();
    write_decimal_plain(&mut b, unscaled, scale);
    out.push_str(std::str::from_utf8(&b).unwrap_or(""));
}

/// Bytes as Java's `Arrays.toString(byte[])`: signed values in brackets.
fn write_bytes(out: &mut String, v: &[u8]) {
    out.push('[');
    for (k, b) in v.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", *b as i8);
    }
    out.push(']');
}

/// `java.time.LocalDateTime.toString()`: `2021-10-11T12:53:34.840`, seconds omitted
/// when they and the fraction are zero, the fraction in groups of 3 digits.
fn write_java_local_date_time(out: &mut String, micros: i64) {
    let days = micros.div_euclid(temporal::MICROS_PER_DAY);
    temporal::write_date_days(out, days as i32);
    out.push('T');
    write_java_time(out, micros.rem_euclid(temporal::MICROS_PER_DAY), false);
}

/// `java.time.Instant.toString()`: `2021-10-11T12:53:34.845Z`, seconds always shown.
fn write_java_instant(out: &mut String, micros: i64) {
    let days = micros.div_euclid(temporal::MICROS_PER_DAY);
    temporal::write_date_days(out, days as i32);
    out.push('T');
    write_java_time(out, micros.rem_euclid(temporal::MICROS_PER_DAY), true);
    out.push('Z');
}

/// `java.time.LocalTime.toString()` of microseconds of the day (`always_seconds` for
/// `Instant`'s form).
fn write_java_time(out: &mut String, micros_of_day: i64, always_seconds: bool) {
    use std::fmt::Write;
    let secs = micros_of_day / 1_000_000;
    let frac = micros_of_day % 1_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let _ = write!(out, "{h:02}:{m:02}");
    if s != 0 || frac != 0 || always_seconds {
        let _ = write!(out, ":{s:02}");
        if frac != 0 {
            if frac % 1000 == 0 {
                let _ = write!(out, ".{:03}", frac / 1000);
            } else {
                let _ = write!(out, ".{frac:06}");
            }
        }
    }
}

/// `+D HH:mm:ss.SSS`, as Flink casts a day-time interval to a string.
fn write_interval_day_time(out: &mut String, millis: i64) {
    let sign = if millis < 0 { '-' } else { '+' };
    let m = millis.unsigned_abs();
    let (days, rest) = (m / 86_400_000, m % 86_400_000);
    let _ = write!(
        out,
        "{sign}{days} {:02}:{:02}:{:02}.{:03}",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000
    );
}

/// `+Y-MM`, as Flink casts a year-month interval to a string.
fn write_interval_year_month(out: &mut String, months: i32) {
    let sign = if months < 0 { '-' } else { '+' };
    let m = months.unsigned_abs();
    let _ = write!(out, "{sign}{}-{:02}", m / 12, m % 12);
}

/// `{k1=v1, k2=v2}`, as Java prints a map.
fn write_map(
    out: &mut String,
    array: &dyn Array,
    key_ty: &DataType,
    value_ty: &DataType,
    i: usize,
    zone: &SessionTimeZone,
) {
    let entries = array.as_map().value(i);
    out.push('{');
    for k in 0..entries.len() {
        if k > 0 {
            out.push_str(", ");
        }
        write_field(out, entries.column(0).as_ref(), key_ty, k, zone);
        out.push('=');
        write_field(out, entries.column(1).as_ref(), value_ty, k, zone);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int32Array, StringArray, TimestampMicrosecondArray};
    use arrow_schema::Schema;

    use super::*;

    #[test]
    fn prints_flink_rows() {
        let types = vec![DataType::int(), DataType::string(), DataType::timestamp(3), DataType::double()];
        let ts = temporal::parse_timestamp("2021-10-11 12:52:57.23").unwrap();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(vec![Some(1), None])),
            Arc::new(StringArray::from(vec!["Chen Wei", "x"])),
            Arc::new(TimestampMicrosecondArray::from(vec![ts, ts])),
            Arc::new(Float64Array::from(vec![1e10, 90.451])),
        ];
        let fields: Vec<_> = types.iter().enumerate().map(|(i, t)| t.to_field(&format!("c{i}"))).collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
        let mut s = String::new();
        format_row(&batch, &types, 0, RowKind::Insert, &mut s);
        assert_eq!(s, "+I[1, Chen Wei, 2021-10-11T12:52:57.230, 1.0E10]");
        s.clear();
        format_row(&batch, &types, 1, RowKind::UpdateBefore, &mut s);
        assert_eq!(s, "-U[null, x, 2021-10-11T12:52:57.230, 90.451]");
    }

    /// The spellings measured on Flink 2.3's print connector.
    #[test]
    fn java_time_text() {
        let mut s = String::new();
        let t = |text: &str| temporal::parse_timestamp(text).unwrap();
        write_java_local_date_time(&mut s, t("2021-10-11 12:53:34"));
        assert_eq!(s, "2021-10-11T12:53:34");
        s.clear();
        write_java_local_date_time(&mut s, t("2021-10-11 12:53:00"));
        assert_eq!(s, "2021-10-11T12:53");
        s.clear();
        write_java_local_date_time(&mut s, t("2021-10-11 12:53:34.8"));
        assert_eq!(s, "2021-10-11T12:53:34.800");
        s.clear();
        write_java_instant(&mut s, t("2021-10-11 12:53:34"));
        assert_eq!(s, "2021-10-11T12:53:34Z");
        s.clear();
        write_java_instant(&mut s, t("2021-10-11 12:53:34.845"));
        assert_eq!(s, "2021-10-11T12:53:34.845Z");
    }
}
