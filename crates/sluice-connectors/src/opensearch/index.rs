//! The `index` option: a static name, or a dynamic one with a single `{...}` part, as in
//! Flink's `IndexGeneratorFactory`:
//!
//! - `{field|pattern}`: a `TIMESTAMP`, `TIMESTAMP_LTZ`, `DATE` or `TIME` column formatted
//!   with a Java date pattern (`TIMESTAMP_LTZ` in the session time zone);
//! - `{field}`: any scalar column as text; time columns get Flink's default patterns
//!   (`yyyy_MM_dd_HH_mm_ss`, `yyyy_MM_dd`, `HH_mm_ss`);
//! - `{now()|pattern}`: the current time in the session time zone.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Time32MillisecondType, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use chrono::NaiveDateTime;
use sluice_connector_api::ConnectorError;
use sluice_types::temporal::{datetime_from_micros, SessionTimeZone};
use sluice_types::{DataType, TypeKind};

use super::java_date::JavaDatePattern;
use super::key_text::write_key_text;
use crate::options::invalid;

/// Where the dynamic part's value comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A column by index; with a date pattern for time columns.
    Column { index: usize, data_type: DataType, pattern: Option<JavaDatePattern> },
    /// `now()`: the processing time.
    Now(JavaDatePattern),
}

/// A parsed `index` option.
#[derive(Clone, Debug)]
pub enum IndexPattern {
    Static(String),
    Dynamic { prefix: String, suffix: String, source: Box<Source> },
}

impl IndexPattern {
    pub fn parse(text: &str, columns: &[(String, DataType)]) -> Result<IndexPattern, ConnectorError> {
        if text.trim().is_empty() {
            return Err(invalid("index", text, "the index name must not be empty"));
        }
        let (Some(open), Some(close)) = (text.find('{'), text.rfind('}')) else {
            return Ok(IndexPattern::Static(text.to_string()));
        };
        if close < open + 2 {
            return Ok(IndexPattern::Static(text.to_string()));
        }
        let inner = &text[open + 1..close];
        if inner.contains('{') || inner.contains('}') {
            return Err(invalid(
                "index",
                text,
                "chaining dynamic index patterns is not supported; use a single \"{field|pattern}\" part",
            ));
        }
        let (field, pattern) = match inner.split_once('|') {
            Some((f, p)) => (f.trim(), Some(p)),
            None => (inner.trim(), None),
        };
        let compile = |p: &str| JavaDatePattern::compile(p).map_err(|reason| invalid("index", text, reason));
        let source = if field == "now()" {
            Source::Now(compile(pattern.unwrap_or("yyyy_MM_dd_HH_mm_ss"))?)
        } else {
            let Some(index) = columns.iter().position(|(n, _)| n == field) else {
                return Err(invalid("index", text, format!("unknown field \"{field}\" in the index pattern; name a column of the table")));
            };
            let data_type = columns[index].1.clone();
            let default = match data_type.kind {
                TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. } => Some("yyyy_MM_dd_HH_mm_ss"),
                TypeKind::Date => Some("yyyy_MM_dd"),
                TypeKind::Time { .. } => Some("HH_mm_ss"),
                _ => None,
            };
            let pattern = match (pattern, default) {
                (Some(p), Some(_)) => Some(compile(p)?),
                (None, Some(d)) => Some(compile(d)?),
                (None, None) => None,
                (Some(_), None) => {
                    return Err(invalid(
                        "index",
                        text,
                        format!(
                            "column \"{field}\" has type {data_type}, but a date pattern needs a TIMESTAMP, TIMESTAMP_LTZ, DATE or TIME column"
                        ),
                    ))
                }
            };
            Source::Column { index, data_type, pattern }
        };
        Ok(IndexPattern::Dynamic {
            prefix: text[..open].to_string(),
            suffix: text[close + 1..].to_string(),
            source: Box::new(source),
        })
    }

    /// Whether the index is the same for every row.
    pub fn is_static(&self) -> bool {
        matches!(self, IndexPattern::Static(_))
    }

    /// Appends the index of row `row` to `out` (the current time for `now()` is `now_micros`).
    pub fn write_index(&self, out: &mut String, batch: &RecordBatch, row: usize, tz: &SessionTimeZone, now_micros: i64) {
        let (prefix, suffix, source) = match self {
            IndexPattern::Static(name) => {
                out.push_str(name);
                return;
            }
            IndexPattern::Dynamic { prefix, suffix, source } => (prefix, suffix, source),
        };
        out.push_str(prefix);
        match source.as_ref() {
            Source::Now(p) => format_local(out, p, tz.to_local(now_micros)),
            Source::Column { index, data_type, pattern } => {
                let array = batch.column(*index);
                match pattern {
                    Some(p) if !array.is_null(row) => format_time_cell(out, p, array.as_ref(), data_type, row, tz),
                    _ => {
                        if !write_key_text(out, array.as_ref(), data_type, row) {
                            out.push_str("null");
                        }
                    }
                }
            }
        }
        out.push_str(suffix);
    }
}

fn format_local(out: &mut String, p: &JavaDatePattern, local_micros: i64) {
    if let Some(dt) = datetime_from_micros(local_micros) {
        p.format(&dt, out);
    }
}

fn format_time_cell(out: &mut String, p: &JavaDatePattern, array: &dyn Array, t: &DataType, row: usize, tz: &SessionTimeZone) {
    match t.kind {
        TypeKind::Timestamp { .. } => format_local(out, p, array.as_primitive::<TimestampMicrosecondType>().value(row)),
        TypeKind::TimestampLtz { .. } => {
            format_local(out, p, tz.to_local(array.as_primitive::<TimestampMicrosecondType>().value(row)))
        }
        TypeKind::Date => {
            let days = array.as_primitive::<Date32Type>().value(row);
            format_local(out, p, i64::from(days) * 86_400_000_000);
        }
        TypeKind::Time { .. } => {
            let millis = array.as_primitive::<Time32MillisecondType>().value(row);
            // A time of day is formatted on the epoch day; date letters are not expected.
            let dt: Option<NaiveDateTime> = datetime_from_micros(i64::from(millis) * 1000);
            if let Some(dt) = dt {
                p.format(&dt, out);
            }
        }
        _ => {}
    }
}
