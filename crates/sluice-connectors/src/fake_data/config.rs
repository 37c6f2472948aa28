//! `FakeDataConfig`: the `fake-data` connector's options.
//!
//! - `subject` (required): `pizza`, `metric`, `transactions` or `alarms`;
//! - `number-of-rows`: bounded when set;
//! - `rows-per-second`: default unlimited when `number-of-rows` is set, else 1000;
//! - `seed` (default 42): the same seed and options give the same records;
//! - `max-delay` (a duration, default 0): records are shuffled out of event-time order
//!   by up to this much, never more;
//! - `start-time` (`yyyy-MM-dd HH:mm:ss`, read as UTC): the first record's event time.
//!   Default: where the seed data set starts when the rate is unlimited (so bounded runs
//!   are reproducible), the wall clock otherwise;
//! - `time-step` (a duration): event-time spacing between records. Default: the seed
//!   data's spacing when the rate is unlimited, one second divided by the rate otherwise
//!   (so event time keeps pace with the wall clock);
//! - `scan.parallelism`;
//! - `format` / `value.format` (only `json`) and `json.*` / `value.json.*`: accepted so a
//!   Kafka table's JSON settings can stay when only the connector is swapped; the JSON
//!   options (e.g. `json.ignore-parse-errors`) apply to decoding the records.

use std::time::{SystemTime, UNIX_EPOCH};

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_formats::JsonOptions;

use super::generator::GeneratorSettings;
use super::subject::Subject;
use crate::options::{check_known_keys, get_parsed, invalid, parse_duration, parse_u64};

pub(crate) const CONNECTOR: &str = "fake-data";
const DEFAULT_ROWS_PER_SECOND: u64 = 1000;
const DEFAULT_SEED: u64 = 42;

/// The option keys `fake-data` knows.
pub(crate) const KNOWN_KEYS: [&str; 12] = [
    "subject",
    "rows-per-second",
    "number-of-rows",
    "seed",
    "max-delay",
    "start-time",
    "time-step",
    "scan.parallelism",
    "format",
    "value.format",
    "json.#",
    "value.json.#",
];

#[derive(Clone, Debug)]
pub(crate) struct FakeDataConfig {
    pub settings: GeneratorSettings,
    /// How the JSON records are decoded into the table's columns.
    pub json: JsonOptions,
    /// `None` means as fast as possible.
    pub rows_per_second: Option<u64>,
    pub number_of_rows: Option<u64>,
    pub parallelism: Option<usize>,
}

impl FakeDataConfig {
    pub(crate) fn from_table(table: &TableSpec) -> Result<Self, ConnectorError> {
        let options = &table.options;
        check_known_keys(CONNECTOR, options, &KNOWN_KEYS)?;
        let subject_text = table
            .option("subject")
            .ok_or_else(|| ConnectorError::MissingOption { connector: CONNECTOR.into(), key: "subject".into() })?;
        let subject = Subject::parse(subject_text).ok_or_else(|| {
            invalid("subject", subject_text, "use \"pizza\", \"metric\", \"transactions\" or \"alarms\"")
        })?;
        let number_of_rows = get_parsed(options, "number-of-rows", parse_u64)?;
        let rows_per_second = match get_parsed(options, "rows-per-second", parse_u64)? {
            Some(0) => return Err(invalid("rows-per-second", "0", "the rate must be at least one row per second")),
            Some(rate) => Some(rate),
            None if number_of_rows.is_some() => None,
            None => Some(DEFAULT_ROWS_PER_SECOND),
        };
        let seed = get_parsed(options, "seed", |s| {
            s.trim().parse::<i64>().map(|v| v as u64).map_err(|_| "expected a whole number".to_string())
        })?
        .unwrap_or(DEFAULT_SEED);
        let max_delay = get_parsed(options, "max-delay", parse_duration)?.unwrap_or_default();
        let start_millis = match get_parsed(options, "start-time", parse_start_time)? {
            Some(millis) => millis,
            None if rows_per_second.is_none() => subject.default_start_millis(),
            None => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64),
        };
        let time_step_micros = match get_parsed(options, "time-step", parse_duration)? {
            Some(step) => step.as_micros().min(i64::MAX as u128) as i64,
            None => match rows_per_second {
                None => subject.default_time_step_micros(),
                Some(rate) => (1_000_000 / rate as i64).max(1),
            },
        };
        let json = json_options(table)?;
        let parallelism = get_parsed(options, "scan.parallelism", parse_u64)?;
        if parallelism == Some(0) {
            return Err(invalid("scan.parallelism", "0", "the parallelism must be at least 1"));
        }
        Ok(FakeDataConfig {
            settings: GeneratorSettings {
                subject,
                seed,
                start_millis,
                time_step_micros,
                max_delay_millis: max_delay.as_millis().min(i64::MAX as u128) as i64,
            },
            json,
            rows_per_second,
            number_of_rows,
            parallelism: parallelism.map(|p| p as usize),
        })
    }
}

/// The JSON options under `json.` (or `value.json.` when `value.format` is set); the
/// format, if named, must be `json`.
fn json_options(table: &TableSpec) -> Result<JsonOptions, ConnectorError> {
    let mut prefix = "json.";
    for key in ["format", "value.format"] {
        if let Some(format) = table.option(key) {
            if !format.trim().eq_ignore_ascii_case("json") {
                return Err(invalid(key, format, "fake-data records are JSON; use \"json\" or leave the option out"));
            }
            if key == "value.format" {
                prefix = "value.json.";
            }
        }
    }
    Ok(JsonOptions::from_options(&table.options, prefix)?)
}

/// `yyyy-MM-dd HH:mm:ss[.SSS]` read as UTC, to epoch milliseconds.
fn parse_start_time(text: &str) -> Result<i64, String> {
    sluice_types::temporal::parse_timestamp(text)
        .map(|micros| micros.div_euclid(1000))
        .ok_or_else(|| "expected a time like \"2021-10-11 12:53:00\"".to_string())
}
