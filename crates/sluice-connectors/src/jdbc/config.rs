//! The `jdbc` connector's options, with Flink's keys and defaults.

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};

use super::connection::Endpoint;
use crate::options::{check_known_keys, get_parsed, invalid, parse_bool, parse_duration, parse_u64};

const KNOWN_KEYS: &[&str] = &[
    "url",
    "table-name",
    "driver",
    "username",
    "password",
    "connection.max-retry-timeout",
    "scan.partition.column",
    "scan.partition.num",
    "scan.partition.lower-bound",
    "scan.partition.upper-bound",
    "scan.fetch-size",
    "scan.auto-commit",
    "lookup.cache",
    "lookup.partial-cache.max-rows",
    "lookup.partial-cache.expire-after-write",
    "lookup.partial-cache.expire-after-access",
    "lookup.partial-cache.cache-missing-key",
    "lookup.cache.max-rows",
    "lookup.cache.ttl",
    "lookup.cache.caching-missing-key",
    "lookup.max-retries",
    "sink.buffer-flush.max-rows",
    "sink.buffer-flush.interval",
    "sink.max-retries",
    "sink.parallelism",
];

/// `scan.partition.*`: read `column BETWEEN lower AND upper` in `num` ranges.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanPartition {
    pub column: String,
    pub num: u64,
    pub lower: i64,
    pub upper: i64,
}

/// The partial lookup cache (`lookup.cache = PARTIAL` or the legacy `lookup.cache.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct CacheConfig {
    /// Keys kept at most; the least recently used go first.
    pub max_rows: Option<u64>,
    pub expire_after_write: Option<Duration>,
    pub expire_after_access: Option<Duration>,
    /// Whether a key with no rows is remembered as such.
    pub cache_missing_key: bool,
}

/// Every option of one `jdbc` table.
#[derive(Clone, Debug)]
pub struct JdbcConfig {
    pub endpoint: Endpoint,
    /// `table-name` as written (`table` or `schema.table`).
    pub table_name: String,
    pub max_retry_timeout: Duration,
    pub partition: Option<ScanPartition>,
    /// `scan.fetch-size`; 0 means the reader's batch size.
    pub fetch_size: u64,
    pub cache: Option<CacheConfig>,
    pub lookup_max_retries: u64,
    /// `sink.buffer-flush.max-rows`; 0 disables flushing by count.
    pub flush_max_rows: u64,
    /// `sink.buffer-flush.interval`; zero disables flushing by time.
    pub flush_interval: Duration,
    pub sink_max_retries: u64,
}

impl JdbcConfig {
    pub fn parse(table: &TableSpec) -> Result<JdbcConfig, ConnectorError> {
        let o = &table.options;
        check_known_keys("jdbc", o, KNOWN_KEYS)?;
        let required = |key: &str| {
            o.get(key).cloned().ok_or_else(|| ConnectorError::MissingOption {
                connector: "jdbc".to_string(),
                key: key.to_string(),
            })
        };
        let url = required("url")?;
        let table_name = required("table-name")?;
        if table_name.trim().is_empty() {
            return Err(invalid("table-name", &table_name, "the table name cannot be empty"));
        }
        let endpoint = Endpoint::parse(&url, o.get("username").cloned(), o.get("password").cloned())
            .map_err(|reason| invalid("url", &url, reason))?;
        let max_retry_timeout =
            get_parsed(o, "connection.max-retry-timeout", parse_duration)?.unwrap_or(Duration::from_secs(60));
        if max_retry_timeout < Duration::from_secs(1) {
            let v = &o["connection.max-retry-timeout"];
            return Err(invalid("connection.max-retry-timeout", v, "the timeout must be at least 1 s"));
        }
        let fetch_size = get_parsed(o, "scan.fetch-size", parse_u64)?.unwrap_or(0);
        get_parsed(o, "scan.auto-commit", parse_bool)?;
        get_parsed(o, "sink.parallelism", parse_u64)?;
        Ok(JdbcConfig {
            endpoint,
            table_name,
            max_retry_timeout,
            partition: parse_partition(o, table)?,
            fetch_size,
            cache: parse_cache(o)?,
            lookup_max_retries: get_parsed(o, "lookup.max-retries", parse_u64)?.unwrap_or(3),
            flush_max_rows: get_parsed(o, "sink.buffer-flush.max-rows", parse_u64)?.unwrap_or(100),
            flush_interval: get_parsed(o, "sink.buffer-flush.interval", parse_duration)?
                .unwrap_or(Duration::from_secs(1)),
            sink_max_retries: get_parsed(o, "sink.max-retries", parse_u64)?.unwrap_or(3),
        })
    }
}

fn parse_partition(o: &BTreeMap<String, String>, table: &TableSpec) -> Result<Option<ScanPartition>, ConnectorError> {
    let keys = ["scan.partition.column", "scan.partition.num", "scan.partition.lower-bound", "scan.partition.upper-bound"];
    let present: Vec<&str> = keys.iter().copied().filter(|k| o.contains_key(*k)).collect();
    if present.is_empty() {
        return Ok(None);
    }
    if present.len() != keys.len() {
        let missing = keys.iter().find(|k| !o.contains_key(**k)).copied().unwrap_or("scan.partition.column");
        return Err(ConnectorError::InvalidOption {
            key: present[0].to_string(),
            value: o[present[0]].clone(),
            reason: format!(
                "the scan.partition options must all be set together, and \"{missing}\" is missing. \
                 Set scan.partition.column, scan.partition.num, scan.partition.lower-bound and \
                 scan.partition.upper-bound, or none of them."
            ),
        });
    }
    let column = o["scan.partition.column"].clone();
    if !table.physical_columns.iter().any(|(name, _)| name.eq_ignore_ascii_case(&column)) {
        return Err(invalid("scan.partition.column", &column, format!("the table has no column \"{column}\"")));
    }
    let num = get_parsed(o, "scan.partition.num", parse_u64)?.unwrap_or(1);
    if num == 0 {
        return Err(invalid("scan.partition.num", "0", "the number of partitions must be at least 1"));
    }
    let parse_i64 = |s: &str| s.trim().parse::<i64>().map_err(|_| "expected a whole number".to_string());
    let lower = get_parsed(o, "scan.partition.lower-bound", parse_i64)?.unwrap_or(0);
    let upper = get_parsed(o, "scan.partition.upper-bound", parse_i64)?.unwrap_or(0);
    if lower > upper {
        return Err(invalid(
            "scan.partition.lower-bound",
            &lower.to_string(),
            format!("the lower bound must not exceed the upper bound {upper}"),
        ));
    }
    Ok(Some(ScanPartition { column, num, lower, upper }))
}

fn parse_cache(o: &BTreeMap<String, String>) -> Result<Option<CacheConfig>, ConnectorError> {
    let legacy_rows = get_parsed(o, "lookup.cache.max-rows", parse_u64)?;
    let legacy_ttl = get_parsed(o, "lookup.cache.ttl", parse_duration)?;
    let legacy_missing = get_parsed(o, "lookup.cache.caching-missing-key", parse_bool)?;
    let mode = o.get("lookup.cache").map(|s| s.trim().to_ascii_uppercase());
    match mode.as_deref() {
        None | Some("NONE") => {
            // The legacy options turn the cache on by themselves, as in Flink.
            if mode.is_none() && (legacy_rows.is_some() || legacy_ttl.is_some()) {
                return Ok(Some(CacheConfig {
                    max_rows: legacy_rows,
                    expire_after_write: legacy_ttl,
                    expire_after_access: None,
                    cache_missing_key: legacy_missing.unwrap_or(true),
                }));
            }
            Ok(None)
        }
        Some("PARTIAL") => {
            let cache = CacheConfig {
                max_rows: get_parsed(o, "lookup.partial-cache.max-rows", parse_u64)?.or(legacy_rows),
                expire_after_write: get_parsed(o, "lookup.partial-cache.expire-after-write", parse_duration)?
                    .or(legacy_ttl),
                expire_after_access: get_parsed(o, "lookup.partial-cache.expire-after-access", parse_duration)?,
                cache_missing_key: get_parsed(o, "lookup.partial-cache.cache-missing-key", parse_bool)?
                    .or(legacy_missing)
                    .unwrap_or(true),
            };
            if cache.max_rows.is_none() && cache.expire_after_write.is_none() && cache.expire_after_access.is_none() {
                return Err(invalid(
                    "lookup.cache",
                    "PARTIAL",
                    "a partial cache needs a bound. Set \"lookup.partial-cache.max-rows\", \
                     \"lookup.partial-cache.expire-after-write\" or \"lookup.partial-cache.expire-after-access\".",
                ));
            }
            Ok(Some(cache))
        }
        Some(_) => Err(invalid(
            "lookup.cache",
            &o["lookup.cache"],
            "expected \"NONE\" or \"PARTIAL\" (the jdbc connector has no FULL cache yet)",
        )),
    }
}
