//! The `filesystem` connector's options, checked and parsed.

use std::path::PathBuf;
use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_formats::{format_options, CsvOptions, JsonOptions};

use super::partition::PartitionConfig;
use crate::options::{check_known_keys, get_parsed, parse_duration, parse_memory_size};

/// Connector keys besides the format's own (`json.*`, `csv.*`). `auto-compaction`,
/// `compaction.file-size` and `sink.shuffle-by-partition.enable` are accepted and change
/// nothing.
const CONNECTOR_KEYS: &[&str] = &[
    "path",
    "format",
    "source.monitor-interval",
    "source.report-statistics",
    "source.path.regex-pattern",
    "sink.parallelism",
    "sink.rolling-policy.file-size",
    "sink.rolling-policy.rollover-interval",
    "sink.rolling-policy.check-interval",
    "sink.rolling-policy.inactivity-interval",
    "sink.shuffle-by-partition.enable",
    "auto-compaction",
    "compaction.file-size",
    "partition.default-name",
    "partition.time-extractor.kind",
    "partition.time-extractor.class",
    "partition.time-extractor.timestamp-pattern",
    "partition.time-extractor.timestamp-formatter",
    "sink.partition-commit.trigger",
    "sink.partition-commit.delay",
    "sink.partition-commit.watermark-time-zone",
    "sink.partition-commit.policy.kind",
    "sink.partition-commit.policy.class",
    "sink.partition-commit.policy.class.parameters",
    "sink.partition-commit.success-file.name",
    "lookup.cache.ttl",
    "sluice.dead-letter",
    "sluice.dead-letter.properties.#",
];

/// The record format of the files.
#[derive(Clone, Debug)]
pub enum FileFormat {
    Json(JsonOptions),
    Csv(CsvOptions),
}

impl FileFormat {
    pub fn ignore_parse_errors(&self) -> bool {
        match self {
            FileFormat::Json(o) => o.ignore_parse_errors,
            FileFormat::Csv(o) => o.ignore_parse_errors,
        }
    }
}

#[derive(Clone, Debug)]
pub struct FilesystemConfig {
    pub path: PathBuf,
    pub format: FileFormat,
    /// Set: the source keeps watching the folder for new files (unbounded).
    pub monitor_interval: Option<Duration>,
    /// A part file is closed once it reaches this size.
    pub rolling_file_size: u64,
    /// A part file is closed once it has been open this long.
    pub rollover_interval: Duration,
    /// `PARTITIONED BY`: the partition columns and the commit options.
    pub partitions: Option<PartitionConfig>,
    /// As a lookup table: reload the files this often (`lookup.cache.ttl`, a Sluice
    /// extension; Flink has no lookup joins on files). `None`: load once.
    pub lookup_reload: Option<Duration>,
}

impl FilesystemConfig {
    pub fn parse(table: &TableSpec) -> Result<FilesystemConfig, ConnectorError> {
        let options = &table.options;
        let format_name = table.option("format").ok_or_else(|| ConnectorError::MissingOption {
            connector: "filesystem".into(),
            key: "format".into(),
        })?;
        let format_keys = match format_name {
            "json" | "csv" => format_options(format_name).unwrap_or(&[]),
            other => {
                return Err(ConnectorError::InvalidOption {
                    key: "format".into(),
                    value: other.into(),
                    reason: "the filesystem connector reads and writes \"json\" and \"csv\"".into(),
                })
            }
        };
        let mut known: Vec<&str> = CONNECTOR_KEYS.to_vec();
        known.extend_from_slice(format_keys);
        check_known_keys("filesystem", options, &known)?;
        let path = table.option("path").ok_or_else(|| ConnectorError::MissingOption {
            connector: "filesystem".into(),
            key: "path".into(),
        })?;
        let path = PathBuf::from(path.strip_prefix("file://").unwrap_or(path));
        let format = match format_name {
            "json" => FileFormat::Json(JsonOptions::from_options(options, "json.")?),
            _ => FileFormat::Csv(CsvOptions::from_options(options, "csv.")?),
        };
        Ok(FilesystemConfig {
            path,
            format,
            monitor_interval: get_parsed(options, "source.monitor-interval", parse_duration)?
                .filter(|d| !d.is_zero()),
            rolling_file_size: get_parsed(options, "sink.rolling-policy.file-size", parse_memory_size)?
                .unwrap_or(128 << 20),
            rollover_interval: get_parsed(options, "sink.rolling-policy.rollover-interval", parse_duration)?
                .unwrap_or(Duration::from_secs(30 * 60)),
            partitions: PartitionConfig::parse(table)?,
            lookup_reload: get_parsed(options, "lookup.cache.ttl", parse_duration)?.filter(|d| !d.is_zero()),
        })
    }
}
