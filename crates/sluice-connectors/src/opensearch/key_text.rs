//! One cell as text, spelled as Flink's Elasticsearch and OpenSearch sinks spell a key
//! value in a document id (and a plain `{field}` in a dynamic index): Java's `toString`
//! of the value. `DATE` is `2024-03-07`; `TIME` and `TIMESTAMP` follow `LocalTime` and
//! `LocalDateTime` (`2024-03-07T14:05`, seconds and fraction only when non-zero, the
//! fraction in groups of three digits); `DOUBLE` is Java's (`1.0E10`); `DECIMAL` is plain.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, IntervalYearMonthType, Time32MillisecondType, TimestampMicrosecondType,
};
use arrow_array::Array;
use chrono::{NaiveTime, Timelike};
use sluice_types::temporal::{datetime_from_micros, write_date_days};
use sluice_types::{DataType, TypeKind};

/// Appends the text of row `row` of `array` (of type `t`); `false` if the cell is NULL
/// or of a type that has no text form here (nothing is appended then).
pub fn write_key_text(out: &mut String, array: &dyn Array, t: &DataType, row: usize) -> bool {
    if array.is_null(row) {
        return false;
    }
    match &t.kind {
        TypeKind::Boolean => out.push_str(if array.as_boolean().value(row) { "true" } else { "false" }),
        TypeKind::TinyInt => push_int(out, i64::from(array.as_primitive::<Int8Type>().value(row))),
        TypeKind::SmallInt => push_int(out, i64::from(array.as_primitive::<Int16Type>().value(row))),
        TypeKind::Int => push_int(out, i64::from(array.as_primitive::<Int32Type>().value(row))),
        TypeKind::BigInt => push_int(out, array.as_primitive::<Int64Type>().value(row)),
        TypeKind::Float => out.push_str(&sluice_formats::java_number::java_float_string(
            array.as_primitive::<Float32Type>().value(row),
        )),
        TypeKind::Double => out.push_str(&sluice_formats::java_number::java_double_string(
            array.as_primitive::<Float64Type>().value(row),
        )),
        TypeKind::Decimal { scale, .. } => {
            let mut bytes = Vec::new();
            sluice_formats::decimal::write_decimal_plain(&mut bytes, array.as_primitive::<Decimal128Type>().value(row), *scale);
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => out.push_str(array.as_string::<i32>().value(row)),
        TypeKind::Date => write_date_days(out, array.as_primitive::<Date32Type>().value(row)),
        TypeKind::Time { .. } => {
            let millis = array.as_primitive::<Time32MillisecondType>().value(row);
            let secs = u32::try_from(millis.div_euclid(1000)).unwrap_or(0);
            let nanos = u32::try_from(millis.rem_euclid(1000)).unwrap_or(0) * 1_000_000;
            match NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos) {
                Some(time) => write_local_time(out, time),
                None => push_int(out, i64::from(millis)),
            }
        }
        TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. } => {
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            match datetime_from_micros(micros) {
                Some(dt) => {
                    write_date_days(out, sluice_types::temporal::days_from_date(dt.date()));
                    out.push('T');
                    write_local_time(out, dt.time());
                }
                None => push_int(out, micros),
            }
        }
        TypeKind::IntervalDayTime => {
            write_java_duration(out, array.as_primitive::<DurationMillisecondType>().value(row));
        }
        TypeKind::IntervalYearMonth => {
            // Flink formats the month count with `Period.ofDays`, so it reads as days.
            let months = array.as_primitive::<IntervalYearMonthType>().value(row);
            out.push_str(&format!("P{months}D"));
        }
        _ => return false,
    }
    true
}

fn push_int(out: &mut String, v: i64) {
    out.push_str(itoa::Buffer::new().format(v));
}

/// Java's `LocalTime.toString`: `HH:mm`, then `:ss` when seconds or fraction are set,
/// then the fraction as 3, 6 or 9 digits.
fn write_local_time(out: &mut String, t: NaiveTime) {
    out.push_str(&format!("{:02}:{:02}", t.hour(), t.minute()));
    let nanos = t.nanosecond() % 1_000_000_000;
    if t.second() == 0 && nanos == 0 {
        return;
    }
    out.push_str(&format!(":{:02}", t.second()));
    if nanos == 0 {
        return;
    }
    if nanos.is_multiple_of(1_000_000) {
        out.push_str(&format!(".{:03}", nanos / 1_000_000));
    } else if nanos.is_multiple_of(1_000) {
        out.push_str(&format!(".{:06}", nanos / 1_000));
    } else {
        out.push_str(&format!(".{nanos:09}"));
    }
}

/// Java's `Duration.toString` of a millisecond count: `PT1H2M3.5S`, `PT0S`.
fn write_java_duration(out: &mut String, millis: i64) {
    if millis == 0 {
        out.push_str("PT0S");
        return;
    }
    let negative = millis < 0;
    let abs = millis.unsigned_abs();
    let hours = abs / 3_600_000;
    let minutes = (abs / 60_000) % 60;
    let secs = (abs / 1000) % 60;
    let frac = abs % 1000;
    let sign = if negative { "-" } else { "" };
    out.push_str("PT");
    if hours > 0 {
        out.push_str(&format!("{sign}{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{sign}{minutes}M"));
    }
    if secs > 0 || frac > 0 {
        out.push_str(sign);
        out.push_str(&secs.to_string());
        if frac > 0 {
            let f = format!("{frac:03}");
            out.push('.');
            out.push_str(f.trim_end_matches('0'));
        }
        out.push('S');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray, TimestampMicrosecondArray};

    fn text(array: &dyn Array, kind: TypeKind) -> String {
        let mut s = String::new();
        write_key_text(&mut s, array, &DataType::new(kind), 0);
        s
    }

    #[test]
    fn timestamps_read_as_java_local_date_time() {
        let t = TypeKind::Timestamp { precision: 3 };
        // 2024-03-07 14:05:00
        let base = 1_709_820_300_000_000i64;
        assert_eq!(text(&TimestampMicrosecondArray::from(vec![base]), t.clone()), "2024-03-07T14:05");
        assert_eq!(text(&TimestampMicrosecondArray::from(vec![base + 9_000_000]), t.clone()), "2024-03-07T14:05:09");
        assert_eq!(text(&TimestampMicrosecondArray::from(vec![base + 9_500_000]), t.clone()), "2024-03-07T14:05:09.500");
        assert_eq!(text(&TimestampMicrosecondArray::from(vec![base + 9_000_001]), t), "2024-03-07T14:05:09.000001");
    }

    #[test]
    fn plain_values() {
        assert_eq!(text(&Int64Array::from(vec![-42]), TypeKind::BigInt), "-42");
        assert_eq!(text(&StringArray::from(vec!["a b"]), TypeKind::Varchar { length: 10 }), "a b");
        let mut s = String::new();
        write_java_duration(&mut s, 3_723_500);
        assert_eq!(s, "PT1H2M3.5S");
    }
}
