//! Date and time functions: `TO_TIMESTAMP`, `TO_TIMESTAMP_LTZ`, `TO_DATE`, `DATE_FORMAT`,
//! `EXTRACT` and its shorthands (`YEAR(x)`, `HOUR(x)`, ...), `TIMESTAMPDIFF`,
//! `TIMESTAMPADD`, `FLOOR/CEIL(x TO unit)`, the clock functions and the Unix-time
//! conversions. `TIMESTAMP_LTZ` values are read in the session time zone.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use chrono::{Datelike, Months, NaiveDate, Timelike};
use sluice_types::temporal::{
    self, datetime_from_micros, micros_from_datetime, parse_time_zone, SessionTimeZone, MICROS_PER_DAY,
    MICROS_PER_SECOND,
};
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::date_format::DatePattern;
use super::registry::{any_nullable, arity, coerce, literal_string, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "TO_TIMESTAMP", "TO_TIMESTAMP_LTZ", "TO_DATE", "DATE_FORMAT", "EXTRACT", "TIMESTAMPDIFF", "TIMESTAMPADD",
    "FLOOR_TO", "CEIL_TO", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME", "NOW",
    "PROCTIME", "CURRENT_ROW_TIMESTAMP", "UNIX_TIMESTAMP", "FROM_UNIXTIME", "CONVERT_TZ", "YEAR", "QUARTER", "MONTH",
    "WEEK", "DAYOFYEAR", "DAYOFMONTH", "DAYOFWEEK", "HOUR", "MINUTE", "SECOND", "PERIOD OVERLAPS", "CURRENT_WATERMARK",
];

/// A unit of `EXTRACT`, `TIMESTAMPDIFF`, `TIMESTAMPADD` and `FLOOR/CEIL .. TO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
    Dow,
    Doy,
    Epoch,
    Decade,
    Century,
    Millennium,
}

impl TimeUnit {
    /// Parses an uppercase unit name as the SQL layer spells it (`SECOND`, `DOW`, ...).
    pub fn parse(name: &str) -> Option<TimeUnit> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "YEAR" | "YEARS" | "SQL_TSI_YEAR" => TimeUnit::Year,
            "QUARTER" | "SQL_TSI_QUARTER" => TimeUnit::Quarter,
            "MONTH" | "MONTHS" | "SQL_TSI_MONTH" => TimeUnit::Month,
            "WEEK" | "SQL_TSI_WEEK" => TimeUnit::Week,
            "DAY" | "DAYS" | "SQL_TSI_DAY" => TimeUnit::Day,
            "HOUR" | "HOURS" | "SQL_TSI_HOUR" => TimeUnit::Hour,
            "MINUTE" | "MINUTES" | "SQL_TSI_MINUTE" => TimeUnit::Minute,
            "SECOND" | "SECONDS" | "SQL_TSI_SECOND" => TimeUnit::Second,
            "MILLISECOND" => TimeUnit::Millisecond,
            "MICROSECOND" => TimeUnit::Microsecond,
            "NANOSECOND" => TimeUnit::Nanosecond,
            "DOW" => TimeUnit::Dow,
            "DOY" => TimeUnit::Doy,
            "EPOCH" => TimeUnit::Epoch,
            "DECADE" => TimeUnit::Decade,
            "CENTURY" => TimeUnit::Century,
            "MILLENNIUM" => TimeUnit::Millennium,
            _ => return None,
        })
    }

    /// The fixed length of the unit in microseconds, for units shorter than a month.
    fn micros(self) -> Option<i64> {
        Some(match self {
            TimeUnit::Week => 7 * MICROS_PER_DAY,
            TimeUnit::Day => MICROS_PER_DAY,
            TimeUnit::Hour => 3600 * MICROS_PER_SECOND,
            TimeUnit::Minute => 60 * MICROS_PER_SECOND,
            TimeUnit::Second => MICROS_PER_SECOND,
            TimeUnit::Millisecond => 1000,
            TimeUnit::Microsecond | TimeUnit::Nanosecond => 1,
            _ => return None,
        })
    }

    /// Months in the unit, for calendar units.
    fn months(self) -> Option<i32> {
        Some(match self {
            TimeUnit::Month => 1,
            TimeUnit::Quarter => 3,
            TimeUnit::Year => 12,
            TimeUnit::Decade => 120,
            TimeUnit::Century => 1200,
            TimeUnit::Millennium => 12000,
            _ => return None,
        })
    }
}

fn unit_arg(name: &str, e: &ScalarExpr) -> Result<TimeUnit, FunctionError> {
    literal_string(e)
        .and_then(TimeUnit::parse)
        .ok_or_else(|| FunctionError::BadArgument(format!("\"{name}\" needs a time unit such as SECOND or DAY")))
}

fn is_datetime(t: &DataType) -> bool {
    matches!(t.kind, TypeKind::Date | TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. })
}

fn need_literal(name: &str, what: &str) -> FunctionError {
    FunctionError::BadArgument(format!("the {what} of \"{name}\" must be a literal"))
}

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let string = string_kind();
    match name {
        "TO_TIMESTAMP" | "TO_DATE" => {
            arity(name, &args, 1, 2, &["TO_TIMESTAMP(STRING[, STRING])"])?;
            if !args.iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &["TO_TIMESTAMP(STRING[, STRING])"]));
            }
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            let (func, kind) = if name == "TO_DATE" {
                (Func::ToDate, TypeKind::Date)
            } else {
                (Func::ToTimestamp, TypeKind::Timestamp { precision: 3 })
            };
            Ok(make_call(func, args, DataType::new(kind)))
        }
        "TO_TIMESTAMP_LTZ" => {
            arity(name, &args, 1, 3, &["TO_TIMESTAMP_LTZ(NUMERIC[, INT])", "TO_TIMESTAMP_LTZ(STRING, STRING[, STRING])"])?;
            let nullable = any_nullable(&args[..1]);
            if args[0].data_type().is_numeric() {
                let precision = match args.get(1) {
                    None => 3,
                    Some(p) => p.as_literal().and_then(|v| v.as_i64()).ok_or_else(|| need_literal(name, "precision"))?,
                };
                if ![0, 3, 6, 9].contains(&precision) {
                    return Err(FunctionError::BadArgument(format!(
                        "the precision of \"TO_TIMESTAMP_LTZ\" must be 0, 3, 6 or 9, not {precision}"
                    )));
                }
                let p = ScalarExpr::literal(ScalarValue::Int(precision as i32), DataType::not_null(TypeKind::Int));
                let ty = DataType { kind: TypeKind::TimestampLtz { precision: 3 }, nullable };
                return Ok(make_call(Func::ToTimestampLtz, vec![args.swap_remove(0), p], ty));
            }
            if !args.iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &["TO_TIMESTAMP_LTZ(NUMERIC[, INT])"]));
            }
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::ToTimestampLtz, args, DataType::timestamp_ltz(3)))
        }
        "DATE_FORMAT" => {
            arity(name, &args, 2, 2, &["DATE_FORMAT(TIMESTAMP, STRING)", "DATE_FORMAT(STRING, STRING)"])?;
            let t = args[0].data_type();
            if !(is_datetime(t) || stringish(t)) || !stringish(args[1].data_type()) {
                return Err(no_match(name, &args, &["DATE_FORMAT(TIMESTAMP, STRING)"]));
            }
            if let Some(p) = literal_string(&args[1]) {
                DatePattern::compile(p).map_err(FunctionError::BadArgument)?;
            }
            let nullable = any_nullable(&args) || stringish(t);
            let first = if stringish(t) { coerce(args.remove(0), &string) } else { args.remove(0) };
            let args = vec![first, coerce(args.remove(0), &string)];
            Ok(make_call(Func::DateFormat, args, DataType { kind: string, nullable }))
        }
        "EXTRACT" => {
            arity(name, &args, 2, 2, &["EXTRACT(unit FROM DATETIME)"])?;
            let unit = unit_arg(name, &args[0])?;
            let x = args.remove(1);
            extract(name, unit, x)
        }
        "YEAR" | "QUARTER" | "MONTH" | "WEEK" | "DAYOFYEAR" | "DAYOFMONTH" | "DAYOFWEEK" | "HOUR" | "MINUTE" | "SECOND" => {
            arity(name, &args, 1, 1, &["YEAR(DATETIME)"])?;
            let unit = match name {
                "YEAR" => TimeUnit::Year,
                "QUARTER" => TimeUnit::Quarter,
                "MONTH" => TimeUnit::Month,
                "WEEK" => TimeUnit::Week,
                "DAYOFYEAR" => TimeUnit::Doy,
                "DAYOFMONTH" => TimeUnit::Day,
                "DAYOFWEEK" => TimeUnit::Dow,
                "HOUR" => TimeUnit::Hour,
                "MINUTE" => TimeUnit::Minute,
                _ => TimeUnit::Second,
            };
            extract(name, unit, args.remove(0))
        }
        "TIMESTAMPDIFF" => {
            arity(name, &args, 3, 3, &["TIMESTAMPDIFF(unit, DATETIME, DATETIME)"])?;
            let unit = unit_arg(name, &args[0])?;
            if !is_datetime(args[1].data_type()) || !is_datetime(args[2].data_type()) {
                return Err(no_match(name, &args, &["TIMESTAMPDIFF(unit, DATETIME, DATETIME)"]));
            }
            let rest = args.split_off(1);
            let ty = DataType { kind: TypeKind::Int, nullable: any_nullable(&rest) };
            Ok(make_call(Func::TimestampDiff(unit), rest, ty))
        }
        "TIMESTAMPADD" => {
            arity(name, &args, 3, 3, &["TIMESTAMPADD(unit, INT, DATETIME)"])?;
            let unit = unit_arg(name, &args[0])?;
            if !args[1].data_type().kind.is_integer() || !is_datetime(args[2].data_type()) {
                return Err(no_match(name, &args, &["TIMESTAMPADD(unit, INT, DATETIME)"]));
            }
            let mut rest = args.split_off(1);
            let kind = match &rest[1].data_type().kind {
                TypeKind::Date if unit.micros().is_some_and(|m| m < MICROS_PER_DAY) => TypeKind::Timestamp { precision: 0 },
                k => k.clone(),
            };
            let ty = DataType { kind, nullable: any_nullable(&rest) };
            rest[0] = coerce(rest[0].clone(), &TypeKind::BigInt);
            Ok(make_call(Func::TimestampAdd(unit), rest, ty))
        }
        "FLOOR_TO" | "CEIL_TO" => {
            arity(name, &args, 2, 2, &["FLOOR(DATETIME TO unit)"])?;
            let unit = unit_arg(name, &args[1])?;
            if !is_datetime(args[0].data_type()) && !matches!(args[0].data_type().kind, TypeKind::Time { .. }) {
                return Err(no_match(name, &args, &["FLOOR(DATETIME TO unit)"]));
            }
            let ty = args[0].data_type().clone();
            let func = if name == "FLOOR_TO" { Func::FloorTo(unit) } else { Func::CeilTo(unit) };
            args.truncate(1);
            Ok(make_call(func, args, ty))
        }
        "CURRENT_TIMESTAMP" | "NOW" | "PROCTIME" | "CURRENT_ROW_TIMESTAMP" => {
            arity(name, &args, 0, 0, &["CURRENT_TIMESTAMP"])?;
            let func = if name == "PROCTIME" { Func::Proctime } else { Func::CurrentTimestamp };
            Ok(make_call(func, args, DataType::not_null(TypeKind::TimestampLtz { precision: 3 })))
        }
        "CURRENT_WATERMARK" => {
            let signatures = &["CURRENT_WATERMARK(<TIMESTAMP *ROWTIME*>)", "CURRENT_WATERMARK(<TIMESTAMP_LTZ *ROWTIME*>)"];
            arity(name, &args, 1, 1, signatures)?;
            // Flink's value is the watermark in milliseconds, typed like the rowtime.
            let ty = match args[0].data_type().kind {
                TypeKind::Timestamp { precision } if precision <= 3 => DataType::new(TypeKind::Timestamp { precision: 3 }),
                TypeKind::TimestampLtz { precision } if precision <= 3 => {
                    DataType::new(TypeKind::TimestampLtz { precision: 3 })
                }
                _ => return Err(no_match(name, &args, signatures)),
            };
            args.clear();
            Ok(make_call(Func::CurrentWatermark, args, ty))
        }
        "LOCALTIMESTAMP" => {
            arity(name, &args, 0, 0, &["LOCALTIMESTAMP"])?;
            Ok(make_call(Func::LocalTimestamp, args, DataType::not_null(TypeKind::Timestamp { precision: 3 })))
        }
        "CURRENT_DATE" => {
            arity(name, &args, 0, 0, &["CURRENT_DATE"])?;
            Ok(make_call(Func::CurrentDate, args, DataType::not_null(TypeKind::Date)))
        }
        "CURRENT_TIME" | "LOCALTIME" => {
            arity(name, &args, 0, 0, &["CURRENT_TIME"])?;
            Ok(make_call(Func::CurrentTime, args, DataType::not_null(TypeKind::Time { precision: 0 })))
        }
        "UNIX_TIMESTAMP" => {
            arity(name, &args, 0, 2, &["UNIX_TIMESTAMP([STRING[, STRING]])"])?;
            if args.is_empty() {
                return Ok(make_call(Func::UnixTimestamp, args, DataType::not_null(TypeKind::BigInt)));
            }
            if !args.iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &["UNIX_TIMESTAMP([STRING[, STRING]])"]));
            }
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::UnixTimestamp, args, DataType::bigint()))
        }
        "FROM_UNIXTIME" => {
            arity(name, &args, 1, 2, &["FROM_UNIXTIME(NUMERIC[, STRING])"])?;
            if !args[0].data_type().kind.is_integer() || !args[1..].iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &["FROM_UNIXTIME(NUMERIC[, STRING])"]));
            }
            let ty = DataType { kind: string.clone(), nullable: any_nullable(&args) };
            let mut args = args;
            args[0] = coerce(args[0].clone(), &TypeKind::BigInt);
            let args = args.into_iter().enumerate().map(|(i, a)| if i == 0 { a } else { coerce(a, &string) }).collect();
            Ok(make_call(Func::FromUnixtime, args, ty))
        }
        "PERIOD OVERLAPS" => overlaps(args),
        "CONVERT_TZ" => {
            arity(name, &args, 3, 3, &["CONVERT_TZ(STRING, STRING, STRING)"])?;
            if !args.iter().all(|a| stringish(a.data_type())) {
                return Err(no_match(name, &args, &["CONVERT_TZ(STRING, STRING, STRING)"]));
            }
            let ty = DataType { kind: string.clone(), nullable: true };
            let args = args.into_iter().map(|a| coerce(a, &string)).collect();
            Ok(make_call(Func::ConvertTz, args, ty))
        }
        _ => Err(FunctionError::NotFound(name.to_string())),
    }
}

/// `(s1, e1) OVERLAPS (s2, e2)`, built from comparisons as Flink's code generator does:
/// an interval end is `start + interval`, each period is put in order, and the periods
/// overlap when each one's end is at or after the other's start (touching counts). Any
/// NULL bound gives NULL.
fn overlaps(args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    use super::registry::resolve_call as call;
    let sig = ["(DATETIME, DATETIME | INTERVAL) OVERLAPS (DATETIME, DATETIME | INTERVAL)"];
    let [s1, e1, s2, e2] = <[ScalarExpr; 4]>::try_from(args).map_err(|a| no_match("OVERLAPS", &a, &sig))?;
    let point = |t: &DataType| is_datetime(t) || matches!(t.kind, TypeKind::Time { .. }) || t.kind == TypeKind::Null;
    if !point(s1.data_type()) || !point(s2.data_type()) {
        return Err(no_match("OVERLAPS", &[s1, e1, s2, e2], &sig));
    }
    let end = |s: &ScalarExpr, e: ScalarExpr| if e.data_type().is_interval() { call("+", vec![s.clone(), e]) } else { Ok(e) };
    let (e1, e2) = (end(&s1, e1)?, end(&s2, e2)?);
    let any_null = [&s1, &e1, &s2, &e2]
        .into_iter()
        .map(|e| call("IS NULL", vec![e.clone()]))
        .reduce(|a, b| call("OR", vec![a?, b?]))
        .unwrap_or_else(|| Err(no_match("OVERLAPS", &[], &sig)))?;
    let (l_lo, l_hi) = (call("LEAST", vec![s1.clone(), e1.clone()])?, call("GREATEST", vec![s1, e1])?);
    let (r_lo, r_hi) = (call("LEAST", vec![s2.clone(), e2.clone()])?, call("GREATEST", vec![s2, e2])?);
    let both = call("AND", vec![call(">=", vec![l_hi, r_lo])?, call(">=", vec![r_hi, l_lo])?])?;
    let null = ScalarExpr::literal(ScalarValue::Null, DataType::boolean());
    call("CASE", vec![any_null, null, both])
}

fn extract(name: &str, unit: TimeUnit, x: ScalarExpr) -> Result<ScalarExpr, FunctionError> {
    let t = x.data_type();
    let ok = is_datetime(t) || t.is_interval() || matches!(t.kind, TypeKind::Time { .. });
    if !ok {
        return Err(no_match(name, &[x], &["EXTRACT(unit FROM DATETIME)"]));
    }
    let ty = DataType { kind: TypeKind::BigInt, nullable: t.nullable };
    Ok(make_call(Func::Extract(unit), vec![x], ty))
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// Wall-clock microseconds of a DATE, TIMESTAMP, TIMESTAMP_LTZ or TIME column.
fn wall_clock(array: &ArrayRef, ty: &DataType, tz: &SessionTimeZone) -> Int64Array {
    match ty.kind {
        TypeKind::Date => array.as_primitive::<Date32Type>().unary(|d| d as i64 * MICROS_PER_DAY),
        TypeKind::Time { .. } => array.as_primitive::<Time32MillisecondType>().unary(|t| t as i64 * 1000),
        TypeKind::TimestampLtz { .. } => array.as_primitive::<TimestampMicrosecondType>().unary(|v| tz.to_local(v)),
        _ => array.as_primitive::<TimestampMicrosecondType>().unary(|v| v),
    }
}

/// Turns wall-clock microseconds back into the column type `ty`.
fn from_wall_clock(values: Int64Array, ty: &DataType, tz: &SessionTimeZone) -> ArrayRef {
    match ty.kind {
        TypeKind::Date => Arc::new(values.unary::<_, Date32Type>(|v| v.div_euclid(MICROS_PER_DAY) as i32)),
        TypeKind::TimestampLtz { .. } => {
            Arc::new(values.unary::<_, TimestampMicrosecondType>(|v| tz.to_instant(v)).with_timezone("UTC"))
        }
        // A time of day wraps at midnight (CEIL(TIME '23:30' TO HOUR) is 00:00).
        TypeKind::Time { .. } => {
            Arc::new(values.unary::<_, Time32MillisecondType>(|v| (v.rem_euclid(MICROS_PER_DAY) / 1000) as i32))
        }
        _ => Arc::new(values.unary::<_, TimestampMicrosecondType>(|v| v)),
    }
}

/// Flink/Calcite whole months from `t1` to `t2` (wall-clock micros), counting a month only
/// when the day and time of day have been reached.
fn months_between(t1: i64, t2: i64) -> i64 {
    let (Some(a), Some(b)) = (datetime_from_micros(t1), datetime_from_micros(t2)) else {
        return 0;
    };
    let m = (b.year() as i64 * 12 + b.month0() as i64) - (a.year() as i64 * 12 + a.month0() as i64);
    let rest = |d: &chrono::NaiveDateTime| {
        (d.day() as i64, d.num_seconds_from_midnight() as i64 * MICROS_PER_SECOND + (d.nanosecond() / 1000) as i64)
    };
    let (ra, rb) = (rest(&a), rest(&b));
    if m > 0 && rb < ra {
        m - 1
    } else if m < 0 && rb > ra {
        m + 1
    } else {
        m
    }
}

fn add_months(micros: i64, months: i64) -> i64 {
    let Some(dt) = datetime_from_micros(micros) else {
        return micros;
    };
    let moved = if months >= 0 {
        dt.checked_add_months(Months::new(months.min(u32::MAX as i64) as u32))
    } else {
        dt.checked_sub_months(Months::new(months.unsigned_abs().min(u32::MAX as u64) as u32))
    };
    moved.map(|d| micros_from_datetime(&d)).unwrap_or(micros)
}

fn floor_micros(v: i64, unit: TimeUnit) -> i64 {
    if let Some(m) = unit.months() {
        let Some(dt) = datetime_from_micros(v) else {
            return v;
        };
        let months = dt.year() as i64 * 12 + dt.month0() as i64;
        let floored = months - months.rem_euclid(m as i64);
        let (y, mo) = (floored.div_euclid(12) as i32, floored.rem_euclid(12) as u32 + 1);
        return NaiveDate::from_ymd_opt(y, mo, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| micros_from_datetime(&d))
            .unwrap_or(v);
    }
    if unit == TimeUnit::Week {
        // Weeks start on Sunday; 1970-01-04 was a Sunday.
        let offset = 3 * MICROS_PER_DAY;
        let w = 7 * MICROS_PER_DAY;
        return (v - offset).div_euclid(w) * w + offset;
    }
    let u = unit.micros().unwrap_or(1);
    v.div_euclid(u) * u
}

fn ceil_micros(v: i64, unit: TimeUnit) -> i64 {
    let f = floor_micros(v, unit);
    if f == v {
        return v;
    }
    match unit.months() {
        Some(m) => add_months(f, m as i64),
        None => f + if unit == TimeUnit::Week { 7 * MICROS_PER_DAY } else { unit.micros().unwrap_or(1) },
    }
}

fn extract_value(v: i64, unit: TimeUnit) -> i64 {
    let Some(dt) = datetime_from_micros(v) else {
        return 0;
    };
    let year = dt.year() as i64;
    match unit {
        TimeUnit::Year => year,
        TimeUnit::Quarter => dt.month0() as i64 / 3 + 1,
        TimeUnit::Month => dt.month() as i64,
        TimeUnit::Week => dt.iso_week().week() as i64,
        TimeUnit::Day => dt.day() as i64,
        TimeUnit::Hour => dt.hour() as i64,
        TimeUnit::Minute => dt.minute() as i64,
        TimeUnit::Second => dt.second() as i64,
        TimeUnit::Millisecond => dt.second() as i64 * 1000 + (dt.nanosecond() / 1_000_000) as i64,
        TimeUnit::Microsecond => dt.second() as i64 * 1_000_000 + (dt.nanosecond() / 1000) as i64,
        TimeUnit::Nanosecond => dt.second() as i64 * 1_000_000_000 + dt.nanosecond() as i64,
        TimeUnit::Dow => dt.weekday().num_days_from_sunday() as i64 + 1,
        TimeUnit::Doy => dt.ordinal() as i64,
        TimeUnit::Epoch => v.div_euclid(MICROS_PER_SECOND),
        TimeUnit::Decade => year.div_euclid(10),
        TimeUnit::Century => if year > 0 { (year + 99) / 100 } else { (year - 99) / 100 },
        TimeUnit::Millennium => if year > 0 { (year + 999) / 1000 } else { (year - 999) / 1000 },
    }
}

fn extract_interval(array: &ArrayRef, ty: &DataType, unit: TimeUnit) -> Int64Array {
    if ty.kind == TypeKind::IntervalYearMonth {
        return array.as_primitive::<IntervalYearMonthType>().unary(|m| match unit {
            TimeUnit::Year => (m / 12) as i64,
            TimeUnit::Quarter => ((m % 12) / 3 + 1) as i64,
            TimeUnit::Month => (m % 12) as i64,
            _ => 0,
        });
    }
    array.as_primitive::<DurationMillisecondType>().unary(|ms| match unit {
        TimeUnit::Day => ms / 86_400_000,
        TimeUnit::Hour => ms / 3_600_000 % 24,
        TimeUnit::Minute => ms / 60_000 % 60,
        TimeUnit::Second => ms / 1000 % 60,
        TimeUnit::Millisecond => ms % 60_000,
        TimeUnit::Microsecond => ms % 60_000 * 1000,
        TimeUnit::Epoch => ms / 1000,
        _ => 0,
    })
}

/// A pattern compiled once when it is the same for every row, else per distinct value.
struct Patterns {
    last: Option<(String, DatePattern)>,
}

impl Patterns {
    fn new() -> Self {
        Patterns { last: None }
    }
    fn get(&mut self, p: &str) -> Result<&DatePattern, EvalError> {
        let fresh = !matches!(&self.last, Some((s, _)) if s == p);
        if fresh {
            let compiled = DatePattern::compile(p).map_err(EvalError::Runtime)?;
            self.last = Some((p.to_string(), compiled));
        }
        match &self.last {
            Some((_, c)) => Ok(c),
            None => Err(EvalError::Internal("pattern cache is empty".into())),
        }
    }
}

const DEFAULT_FORMAT: &str = "yyyy-MM-dd HH:mm:ss";

/// Parses each string with an optional pattern column into wall-clock micros.
fn parse_column(values: &StringArray, patterns: Option<&StringArray>) -> Result<Vec<Option<i64>>, EvalError> {
    parse_column_with(values, patterns, false)
}

/// `parse_column`, optionally ignoring text after the pattern (`SimpleDateFormat` style).
fn parse_column_with(
    values: &StringArray,
    patterns: Option<&StringArray>,
    allow_trailing: bool,
) -> Result<Vec<Option<i64>>, EvalError> {
    let mut cache = Patterns::new();
    let mut out = Vec::with_capacity(values.len());
    for i in 0..values.len() {
        if values.is_null(i) || patterns.is_some_and(|p| p.is_null(i)) {
            out.push(None);
            continue;
        }
        let text = values.value(i);
        out.push(match patterns {
            None => temporal::parse_timestamp(text),
            Some(p) if allow_trailing => cache.get(p.value(i))?.parse_prefix(text),
            Some(p) => cache.get(p.value(i))?.parse(text),
        });
    }
    Ok(out)
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let tz = cc.ctx.time_zone;
    match func {
        Func::CurrentTimestamp | Func::Proctime | Func::LocalTimestamp | Func::CurrentDate | Func::CurrentTime => {
            let now = cc.ctx.now();
            let local = tz.to_local(now);
            let out: ArrayRef = match func {
                Func::LocalTimestamp => Arc::new(TimestampMicrosecondArray::from(vec![local - local.rem_euclid(1000)])),
                Func::CurrentDate => Arc::new(Date32Array::from(vec![local.div_euclid(MICROS_PER_DAY) as i32])),
                Func::CurrentTime => {
                    Arc::new(Time32MillisecondArray::from(vec![(local.rem_euclid(MICROS_PER_DAY) / 1_000_000 * 1000) as i32]))
                }
                _ => Arc::new(TimestampMicrosecondArray::from(vec![now - now.rem_euclid(1000)]).with_timezone("UTC")),
            };
            return Ok(ColumnarValue::Scalar(out));
        }
        Func::CurrentWatermark => {
            let millis = cc.ctx.watermark.map(|w| w - w.rem_euclid(1000));
            let array = TimestampMicrosecondArray::from(vec![millis]);
            let out: ArrayRef = match cc.ret.kind {
                TypeKind::TimestampLtz { .. } => Arc::new(array.with_timezone("UTC")),
                _ => Arc::new(array),
            };
            return Ok(ColumnarValue::Scalar(out));
        }
        Func::UnixTimestamp if args.is_empty() => {
            let secs = cc.ctx.now().div_euclid(MICROS_PER_SECOND);
            return Ok(ColumnarValue::Scalar(Arc::new(Int64Array::from(vec![secs]))));
        }
        _ => {}
    }
    let (arrays, scalar) = expand(args, cc.rows)?;
    let out: ArrayRef = match func {
        Func::ToTimestamp | Func::ToDate => {
            let parsed = parse_column(arrays[0].as_string::<i32>(), arrays.get(1).map(|a| a.as_string::<i32>()))?;
            if *func == Func::ToDate {
                Arc::new(Date32Array::from(
                    parsed.into_iter().map(|v| v.map(|v| v.div_euclid(MICROS_PER_DAY) as i32)).collect::<Vec<_>>(),
                ))
            } else {
                Arc::new(TimestampMicrosecondArray::from(
                    parsed.into_iter().map(|v| v.map(|v| crate::cast::truncate_micros(v, 3))).collect::<Vec<_>>(),
                ))
            }
        }
        Func::ToTimestampLtz if cc.arg_types[0].is_numeric() => {
            let precision = arrays[1].as_primitive::<Int32Type>().value(0);
            let per_unit = match precision {
                0 => 1_000_000.0,
                3 => 1000.0,
                6 => 1.0,
                _ => 0.001,
            };
            let values = arrow_cast::cast(&arrays[0], &arrow_schema::DataType::Float64)?;
            let exact = cc.arg_types[0].kind.is_integer();
            let out: TimestampMicrosecondArray = if exact {
                let ints = arrow_cast::cast(&arrays[0], &arrow_schema::DataType::Int64)?;
                ints.as_primitive::<Int64Type>().unary(|v| match precision {
                    0 => v.wrapping_mul(1_000_000),
                    3 => v.wrapping_mul(1000),
                    6 => v,
                    _ => v.div_euclid(1000),
                })
            } else {
                values.as_primitive::<Float64Type>().unary(|v| (v * per_unit) as i64)
            };
            let out = out.unary::<_, TimestampMicrosecondType>(|v| crate::cast::truncate_micros(v, 3));
            Arc::new(out.with_timezone("UTC"))
        }
        Func::ToTimestampLtz => {
            let parsed = parse_column(arrays[0].as_string::<i32>(), arrays.get(1).map(|a| a.as_string::<i32>()))?;
            let zones = arrays.get(2).map(|a| a.as_string::<i32>());
            let mut out = Vec::with_capacity(parsed.len());
            for (i, v) in parsed.into_iter().enumerate() {
                let zone = match zones {
                    Some(z) if z.is_null(i) => None,
                    Some(z) => parse_time_zone(z.value(i)),
                    None => Some(tz),
                };
                out.push(v.zip(zone).map(|(v, zone)| zone.to_instant(v)));
            }
            Arc::new(TimestampMicrosecondArray::from(out).with_timezone("UTC"))
        }
        Func::DateFormat => {
            let ty = cc.arg_types[0];
            let wall: Int64Array = if ty.is_string() {
                parse_column(arrays[0].as_string::<i32>(), None)?.into_iter().collect()
            } else {
                let w = wall_clock(&arrays[0], ty, &tz);
                match arrays[0].nulls() {
                    Some(n) => Int64Array::new(w.values().clone(), Some(n.clone())),
                    None => w,
                }
            };
            let ltz = matches!(ty.kind, TypeKind::TimestampLtz { .. });
            let patterns = arrays[1].as_string::<i32>();
            let mut cache = Patterns::new();
            let mut b = StringBuilder::with_capacity(wall.len(), wall.len() * 20);
            let mut buf = String::new();
            for i in 0..wall.len() {
                if wall.is_null(i) || patterns.is_null(i) {
                    b.append_null();
                    continue;
                }
                let v = wall.value(i);
                let offset = if ltz { tz.offset_at_instant(tz.to_instant(v)) } else { 0 };
                buf.clear();
                cache.get(patterns.value(i))?.format(v, offset, &mut buf);
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        Func::Extract(unit) => {
            let ty = cc.arg_types[0];
            let values = if ty.is_interval() {
                extract_interval(&arrays[0], ty, *unit)
            } else {
                wall_clock(&arrays[0], ty, &tz).unary(|v| extract_value(v, *unit))
            };
            Arc::new(Int64Array::new(values.values().clone(), arrays[0].nulls().cloned()))
        }
        Func::TimestampDiff(unit) => {
            let a = wall_clock(&arrays[0], cc.arg_types[0], &tz);
            let b = wall_clock(&arrays[1], cc.arg_types[1], &tz);
            let unit = *unit;
            let out: Int32Array = arrow_arith::arity::binary(&a, &b, |x, y| {
                let v = match unit.months() {
                    Some(m) => months_between(x, y) / m as i64,
                    None => (y - x) / unit.micros().unwrap_or(1),
                };
                v as i32
            })?;
            let nulls = NullBufferOps::union(arrays[0].nulls(), arrays[1].nulls());
            Arc::new(Int32Array::new(out.values().clone(), nulls))
        }
        Func::TimestampAdd(unit) => {
            let n = arrays[0].as_primitive::<Int64Type>();
            let t = wall_clock(&arrays[1], cc.arg_types[1], &tz);
            let unit = *unit;
            let moved: Int64Array = arrow_arith::arity::binary(n, &t, |k, v| match unit.months() {
                Some(m) => add_months(v, k.wrapping_mul(m as i64)),
                None => v.wrapping_add(k.wrapping_mul(unit.micros().unwrap_or(1))),
            })?;
            let nulls = NullBufferOps::union(arrays[0].nulls(), arrays[1].nulls());
            let moved = Int64Array::new(moved.values().clone(), nulls);
            from_wall_clock(moved, cc.ret, &tz)
        }
        Func::FloorTo(unit) | Func::CeilTo(unit) => {
            let floor = matches!(func, Func::FloorTo(_));
            let unit = *unit;
            let t = wall_clock(&arrays[0], cc.arg_types[0], &tz);
            let moved = t.unary::<_, Int64Type>(|v| if floor { floor_micros(v, unit) } else { ceil_micros(v, unit) });
            let moved = Int64Array::new(moved.values().clone(), arrays[0].nulls().cloned());
            from_wall_clock(moved, cc.ret, &tz)
        }
        Func::UnixTimestamp => {
            // A zone in the text wins over the session's; text that does not parse gives
            // Long.MIN_VALUE, as Flink's DateTimeUtils.unixTimestamp does.
            let (values, patterns) = (arrays[0].as_string::<i32>(), default_patterns(&arrays, 1));
            let mut cache = Patterns::new();
            let mut out = Int64Builder::with_capacity(values.len());
            for i in 0..values.len() {
                if values.is_null(i) || patterns.is_null(i) {
                    out.append_null();
                    continue;
                }
                let seconds = match cache.get(patterns.value(i))?.parse_prefix_zoned(values.value(i)) {
                    Some((wall, Some(offset))) => (wall - offset * MICROS_PER_SECOND).div_euclid(MICROS_PER_SECOND),
                    Some((wall, None)) => tz.to_instant(wall).div_euclid(MICROS_PER_SECOND),
                    None => i64::MIN,
                };
                out.append_value(seconds);
            }
            Arc::new(out.finish())
        }
        Func::FromUnixtime => {
            let secs = arrays[0].as_primitive::<Int64Type>();
            let patterns = default_patterns(&arrays, 1);
            let mut cache = Patterns::new();
            let mut b = StringBuilder::with_capacity(secs.len(), secs.len() * 20);
            let mut buf = String::new();
            for i in 0..secs.len() {
                if secs.is_null(i) || patterns.is_null(i) {
                    b.append_null();
                    continue;
                }
                let instant = secs.value(i).saturating_mul(MICROS_PER_SECOND);
                buf.clear();
                cache.get(patterns.value(i))?.format(tz.to_local(instant), tz.offset_at_instant(instant), &mut buf);
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        Func::ConvertTz => {
            let (s, from, to) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>(), arrays[2].as_string::<i32>());
            let pattern = DatePattern::compile(DEFAULT_FORMAT).map_err(EvalError::Internal)?;
            let mut b = StringBuilder::with_capacity(s.len(), s.len() * 20);
            let mut buf = String::new();
            for i in 0..s.len() {
                if s.is_null(i) || from.is_null(i) || to.is_null(i) {
                    b.append_null();
                    continue;
                }
                let zones = parse_time_zone(from.value(i)).zip(parse_time_zone(to.value(i)));
                match (temporal::parse_timestamp(s.value(i)), zones) {
                    (Some(local), Some((f, t))) => {
                        let instant = f.to_instant(local);
                        buf.clear();
                        pattern.format(t.to_local(instant), t.offset_at_instant(instant), &mut buf);
                        b.append_value(&buf);
                    }
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a temporal function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

/// The pattern column at `index`, or the default `yyyy-MM-dd HH:mm:ss` for every row.
fn default_patterns(arrays: &[ArrayRef], index: usize) -> StringArray {
    match arrays.get(index) {
        Some(a) => a.as_string::<i32>().clone(),
        None => StringArray::from(vec![DEFAULT_FORMAT; arrays.first().map(|a| a.len()).unwrap_or(0)]),
    }
}

struct NullBufferOps;

impl NullBufferOps {
    fn union(a: Option<&arrow_buffer::NullBuffer>, b: Option<&arrow_buffer::NullBuffer>) -> Option<arrow_buffer::NullBuffer> {
        arrow_buffer::NullBuffer::union(a, b)
    }
}

#[cfg(test)]
#[path = "temporal_tests.rs"]
mod tests;
