//! Where a Kafka source starts (`scan.startup.mode`) and where a bounded one stops
//! (`scan.bounded.mode`), and the `partition:0,offset:42;partition:1,offset:300` syntax
//! of specific offsets.

use std::collections::BTreeMap;

use sluice_connector_api::ConnectorError;

use crate::options::invalid;

/// `scan.startup.mode`. Flink's default is `group-offsets`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartupMode {
    Earliest,
    Latest,
    /// The consumer group's committed offsets; a partition without one falls back as
    /// `properties.auto.offset.reset` says, and fails without it.
    GroupOffsets,
    /// The first offset whose timestamp is at or after these epoch milliseconds.
    Timestamp(i64),
    /// Offsets per partition; other partitions start from the committed offset, or the
    /// earliest without one.
    Specific(Vec<(i32, i64)>),
}

/// `scan.bounded.mode`. Flink's default is `unbounded`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BoundedMode {
    Unbounded,
    /// The end offsets when the job starts.
    Latest,
    /// The consumer group's committed offsets when the job starts.
    GroupOffsets,
    /// The first offset whose timestamp is at or after these epoch milliseconds.
    Timestamp(i64),
    /// Offsets per partition (exclusive); other partitions stop at their end offset.
    Specific(Vec<(i32, i64)>),
}

impl StartupMode {
    pub fn parse(options: &BTreeMap<String, String>) -> Result<StartupMode, ConnectorError> {
        let mode = options.get("scan.startup.mode").map(|s| s.as_str()).unwrap_or("group-offsets");
        Ok(match mode {
            "earliest-offset" => StartupMode::Earliest,
            "latest-offset" => StartupMode::Latest,
            "group-offsets" => StartupMode::GroupOffsets,
            "timestamp" => StartupMode::Timestamp(timestamp_option(options, "scan.startup", "startup")?),
            "specific-offsets" => StartupMode::Specific(specific_option(options, "scan.startup", "startup")?),
            other => {
                return Err(invalid(
                    "scan.startup.mode",
                    other,
                    "use \"earliest-offset\", \"latest-offset\", \"group-offsets\", \"timestamp\" or \
                     \"specific-offsets\"",
                ))
            }
        })
    }

    pub fn is_specific(&self) -> bool {
        matches!(self, StartupMode::Specific(_))
    }
}

impl BoundedMode {
    pub fn parse(options: &BTreeMap<String, String>) -> Result<BoundedMode, ConnectorError> {
        let mode = options.get("scan.bounded.mode").map(|s| s.as_str()).unwrap_or("unbounded");
        Ok(match mode {
            "unbounded" => BoundedMode::Unbounded,
            "latest-offset" => BoundedMode::Latest,
            "group-offsets" => BoundedMode::GroupOffsets,
            "timestamp" => BoundedMode::Timestamp(timestamp_option(options, "scan.bounded", "bounded")?),
            "specific-offsets" => BoundedMode::Specific(specific_option(options, "scan.bounded", "bounded")?),
            other => {
                return Err(invalid(
                    "scan.bounded.mode",
                    other,
                    "use \"unbounded\", \"latest-offset\", \"group-offsets\", \"timestamp\" or \
                     \"specific-offsets\"",
                ))
            }
        })
    }

    pub fn is_specific(&self) -> bool {
        matches!(self, BoundedMode::Specific(_))
    }

    pub fn is_bounded(&self) -> bool {
        *self != BoundedMode::Unbounded
    }
}

fn timestamp_option(options: &BTreeMap<String, String>, prefix: &str, mode: &str) -> Result<i64, ConnectorError> {
    let key = format!("{prefix}.timestamp-millis");
    let value = options.get(&key).ok_or_else(|| {
        invalid(
            &format!("{prefix}.mode"),
            "timestamp",
            format!("the \"timestamp\" {mode} mode needs \"{key}\""),
        )
    })?;
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| invalid(&key, value, "expected milliseconds since 1970-01-01 00:00:00 UTC"))
}

fn specific_option(
    options: &BTreeMap<String, String>,
    prefix: &str,
    mode: &str,
) -> Result<Vec<(i32, i64)>, ConnectorError> {
    let key = format!("{prefix}.specific-offsets");
    let value = options.get(&key).ok_or_else(|| {
        invalid(
            &format!("{prefix}.mode"),
            "specific-offsets",
            format!("the \"specific-offsets\" {mode} mode needs \"{key}\""),
        )
    })?;
    parse_specific_offsets(value).map_err(|reason| invalid(&key, value, reason))
}

/// Parses `partition:0,offset:42;partition:1,offset:300` (a trailing `;` is allowed).
pub fn parse_specific_offsets(text: &str) -> Result<Vec<(i32, i64)>, String> {
    let mut out = Vec::new();
    for pair in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let syntax = || {
            format!("\"{pair}\" is not of the form \"partition:0,offset:42\"; separate partitions with \";\"")
        };
        let (p, o) = pair.split_once(',').ok_or_else(syntax)?;
        let p = p.trim().strip_prefix("partition:").ok_or_else(syntax)?;
        let o = o.trim().strip_prefix("offset:").ok_or_else(syntax)?;
        let partition: i32 = p.trim().parse().map_err(|_| syntax())?;
        let offset: i64 = o.trim().parse().map_err(|_| syntax())?;
        if partition < 0 || offset < 0 {
            return Err(format!("\"{pair}\" has a negative partition or offset"));
        }
        out.push((partition, offset));
    }
    if out.is_empty() {
        return Err("give at least one \"partition:N,offset:M\" pair".to_string());
    }
    Ok(out)
}
