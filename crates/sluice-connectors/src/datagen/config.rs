//! `DatagenConfig`: the `datagen` connector's options, read and checked as Flink does.
//!
//! Table options: `rows-per-second` (default 10000), `number-of-rows` (bounded when set),
//! `scan.parallelism`. Per column `fields.<name>.*`: `kind` (`random` or `sequence`);
//! for `random`: `min`, `max` (numbers), `max-past` (dates and timestamps), `length`
//! (strings, binaries, collections), `var-len` (strings, binaries); for `sequence`:
//! `start`, `end` (both required); for both: `null-rate`.

use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_types::{DataType, TypeKind, MAX_VARCHAR_LENGTH};

use crate::options::{check_known_keys, get_parsed, invalid, parse_bool, parse_duration, parse_f64, parse_u64};

pub(crate) const CONNECTOR: &str = "datagen";
const DEFAULT_ROWS_PER_SECOND: u64 = 10_000;
/// Flink's default length of random strings and binaries.
const DEFAULT_STRING_LENGTH: usize = 100;
/// Flink's default number of elements of random arrays, maps and multisets.
const DEFAULT_COLLECTION_LENGTH: usize = 3;

/// How one column's values are made.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldKind {
    Random(RandomSpec),
    /// `start + i` for the `i`-th row, up to `end` inclusive; the source ends with it.
    Sequence { start: i64, end: i64 },
}

/// The bounds of a random column. Unset bounds mean the type's own range.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct RandomSpec {
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Random dates and timestamps lie within this much before now.
    pub max_past: Duration,
    pub length: Option<usize>,
    /// Strings and binaries get a random length from 1 to `length`.
    pub var_len: bool,
}

/// One column's generator settings.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldConfig {
    pub name: String,
    pub data_type: DataType,
    pub kind: FieldKind,
    /// The share of rows that are NULL (ignored for `NOT NULL` columns).
    pub null_rate: f64,
}

/// All options of one `datagen` table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DatagenConfig {
    pub rows_per_second: u64,
    pub number_of_rows: Option<u64>,
    pub parallelism: Option<usize>,
    pub fields: Vec<FieldConfig>,
}

impl DatagenConfig {
    /// How many rows the source produces in all, or `None` when it never ends: the
    /// smaller of `number-of-rows` and the length of every sequence.
    pub(crate) fn total_rows(&self) -> Option<u64> {
        let sequences = self.fields.iter().filter_map(|f| match f.kind {
            FieldKind::Sequence { start, end } => Some((end as i128 - start as i128 + 1).max(0) as u64),
            FieldKind::Random(_) => None,
        });
        sequences.chain(self.number_of_rows).min()
    }

    /// Reads and checks the options of `table`.
    pub(crate) fn from_table(table: &TableSpec) -> Result<Self, ConnectorError> {
        let options = &table.options;
        let mut fields = Vec::with_capacity(table.physical_columns.len());
        let mut known: Vec<String> =
            ["rows-per-second", "number-of-rows", "scan.parallelism"].iter().map(|k| k.to_string()).collect();
        for (name, data_type) in &table.physical_columns {
            let prefix = format!("fields.{name}.");
            let kind_key = format!("{prefix}kind");
            let kind = options.get(&kind_key).map(|s| s.trim().to_ascii_lowercase());
            let is_sequence = match kind.as_deref() {
                None | Some("random") => false,
                Some("sequence") => true,
                Some(_) => {
                    return Err(invalid(&kind_key, &options[&kind_key], "expected \"random\" or \"sequence\""))
                }
            };
            let suffixes = field_option_suffixes(data_type, is_sequence);
            known.extend(suffixes.iter().map(|s| format!("{prefix}{s}")));
            fields.push(read_field(table, name, data_type, is_sequence)?);
        }
        let known_refs: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
        check_known_keys(CONNECTOR, options, &known_refs)?;

        let rows_per_second = get_parsed(options, "rows-per-second", parse_u64)?.unwrap_or(DEFAULT_ROWS_PER_SECOND);
        if rows_per_second == 0 {
            return Err(invalid("rows-per-second", "0", "the rate must be at least one row per second"));
        }
        let number_of_rows = get_parsed(options, "number-of-rows", parse_u64)?;
        let parallelism = get_parsed(options, "scan.parallelism", parse_u64)?;
        if parallelism == Some(0) {
            return Err(invalid("scan.parallelism", "0", "the parallelism must be at least 1"));
        }
        Ok(DatagenConfig {
            rows_per_second,
            number_of_rows,
            parallelism: parallelism.map(|p| p as usize),
            fields,
        })
    }
}

/// The `fields.<name>.*` options a column accepts, by type and kind.
fn field_option_suffixes(data_type: &DataType, is_sequence: bool) -> Vec<&'static str> {
    let mut keys = vec!["kind", "null-rate"];
    if is_sequence {
        keys.extend(["start", "end"]);
        return keys;
    }
    match &data_type.kind {
        k if k.is_numeric() => keys.extend(["min", "max"]),
        TypeKind::IntervalDayTime | TypeKind::IntervalYearMonth => keys.extend(["min", "max"]),
        TypeKind::Char { .. } | TypeKind::Varchar { .. } | TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
            keys.extend(["length", "var-len"])
        }
        TypeKind::Date | TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. } => keys.push("max-past"),
        TypeKind::Array(_) | TypeKind::Multiset(_) | TypeKind::Map(..) => keys.push("length"),
        _ => {}
    }
    keys
}

fn read_field(
    table: &TableSpec,
    name: &str,
    data_type: &DataType,
    is_sequence: bool,
) -> Result<FieldConfig, ConnectorError> {
    let options = &table.options;
    let key = |suffix: &str| format!("fields.{name}.{suffix}");
    let null_rate_key = key("null-rate");
    let null_rate = get_parsed(options, &null_rate_key, parse_f64)?.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&null_rate) {
        return Err(invalid(&null_rate_key, &options[&null_rate_key], "the rate must be between 0 and 1"));
    }
    if matches!(data_type.kind, TypeKind::Null) {
        return Err(ConnectorError::Schema(format!(
            "connector \"datagen\" cannot generate column \"{name}\" of type NULL"
        )));
    }
    let kind = if is_sequence {
        read_sequence(table, name, data_type)?
    } else {
        FieldKind::Random(read_random(table, name, data_type)?)
    };
    Ok(FieldConfig { name: name.to_string(), data_type: data_type.clone(), kind, null_rate })
}

fn read_sequence(table: &TableSpec, name: &str, data_type: &DataType) -> Result<FieldKind, ConnectorError> {
    let supported = data_type.kind.is_numeric() || data_type.is_string();
    let kind_key = format!("fields.{name}.kind");
    if !supported {
        return Err(invalid(
            &kind_key,
            "sequence",
            format!("a sequence can only generate numbers and strings, not {}", data_type),
        ));
    }
    let bound = |suffix: &str| -> Result<i64, ConnectorError> {
        let key = format!("fields.{name}.{suffix}");
        let value = table
            .option(&key)
            .ok_or_else(|| ConnectorError::MissingOption { connector: CONNECTOR.to_string(), key: key.clone() })?;
        value.trim().parse::<i64>().map_err(|_| invalid(&key, value, "expected a whole number"))
    };
    let start = bound("start")?;
    let end = bound("end")?;
    if start > end {
        let key = format!("fields.{name}.end");
        return Err(invalid(&key, &end.to_string(), format!("the end must not be less than the start {start}")));
    }
    if let Some((low, high)) = integer_range(&data_type.kind) {
        if (start as i128) < low || (end as i128) > high {
            return Err(invalid(
                &kind_key,
                "sequence",
                format!("the sequence {start} to {end} does not fit in {}", data_type),
            ));
        }
    }
    Ok(FieldKind::Sequence { start, end })
}

/// The range of an integer type.
pub(crate) fn integer_range(kind: &TypeKind) -> Option<(i128, i128)> {
    Some(match kind {
        TypeKind::TinyInt => (i8::MIN as i128, i8::MAX as i128),
        TypeKind::SmallInt => (i16::MIN as i128, i16::MAX as i128),
        TypeKind::Int => (i32::MIN as i128, i32::MAX as i128),
        TypeKind::BigInt => (i64::MIN as i128, i64::MAX as i128),
        _ => return None,
    })
}

fn read_random(table: &TableSpec, name: &str, data_type: &DataType) -> Result<RandomSpec, ConnectorError> {
    let options = &table.options;
    let key = |suffix: &str| format!("fields.{name}.{suffix}");
    let (min_key, max_key, length_key) = (key("min"), key("max"), key("length"));
    let min = get_parsed(options, &min_key, parse_f64)?;
    let max = get_parsed(options, &max_key, parse_f64)?;
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err(invalid(&max_key, &options[&max_key], format!("the maximum is less than the minimum {lo}")));
        }
    }
    if let Some((low, high)) = integer_range(&data_type.kind) {
        for (k, v) in [(&min_key, min), (&max_key, max)] {
            if let Some(v) = v {
                if v.fract() != 0.0 || v < low as f64 || v > high as f64 {
                    return Err(invalid(k, &options[k], format!("expected a whole number that fits in {}", data_type)));
                }
            }
        }
    }
    let max_past = get_parsed(options, &key("max-past"), parse_duration)?.unwrap_or_default();
    let length = get_parsed(options, &length_key, parse_u64)?.map(|l| l as usize);
    let type_length = match data_type.kind {
        TypeKind::Char { length } | TypeKind::Varchar { length } | TypeKind::Binary { length } | TypeKind::Varbinary { length }
            if length != MAX_VARCHAR_LENGTH =>
        {
            Some(length as usize)
        }
        _ => None,
    };
    if let (Some(l), Some(limit)) = (length, type_length) {
        if l > limit {
            return Err(invalid(
                &length_key,
                &options[&length_key],
                format!("the length is longer than the column's type {}", data_type),
            ));
        }
    }
    let var_len = get_parsed(options, &key("var-len"), parse_bool)?.unwrap_or(false);
    let default_length = match data_type.kind {
        TypeKind::Array(_) | TypeKind::Multiset(_) | TypeKind::Map(..) => DEFAULT_COLLECTION_LENGTH,
        _ => type_length.map_or(DEFAULT_STRING_LENGTH, |l| l.min(DEFAULT_STRING_LENGTH)),
    };
    Ok(RandomSpec { min, max, max_past, length: Some(length.unwrap_or(default_length)), var_len })
}
