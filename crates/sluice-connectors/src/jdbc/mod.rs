//! The `jdbc` connector for PostgreSQL, with Flink's option keys: a bounded scan source
//! (optionally split by `scan.partition.*`), a buffered sink (append, or upsert and
//! delete on the PRIMARY KEY), and a lookup source with Flink's partial cache.
//!
//! It speaks PostgreSQL's protocol through the `postgres` crate and reads and writes
//! the binary wire form directly into and out of Arrow. At start-up every reader and
//! writer checks that the table exists and that each declared column fits its
//! PostgreSQL type, so a typo fails before any row moves.
//!
//! Files: `config` (options), `connection` (URL, connecting with retries, outage log),
//! `remote_table` (the checks and the SQL), `wire`, `numeric`, `decode`, `encode`
//! (values), `source`, `sink`, `lookup`, `cache` (the generic partial cache).

mod cache;
mod config;
mod connection;
mod decode;
mod encode;
mod lookup;
mod numeric;
mod remote_table;
mod sink;
mod source;
mod wire;

use std::sync::Arc;

use sluice_connector_api::{
    ConnectorError, ConnectorFactory, LookupContext, LookupSource, SinkChangelogMode, SinkContext, SinkWriter,
    SourceContext, SourceReader, TableSpec,
};

pub use cache::LookupCache;
pub use config::{CacheConfig, JdbcConfig, ScanPartition};
pub use connection::Endpoint;
pub use lookup::JdbcLookup;
pub use sink::JdbcSink;
pub use source::{partition_ranges, JdbcSource};

/// The factory to register under `jdbc`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(JdbcFactory)
}

pub struct JdbcFactory;

impl ConnectorFactory for JdbcFactory {
    fn splits_across_readers(&self, _table: &TableSpec) -> bool {
        true
    }

    fn writes_in_parallel(&self, _table: &TableSpec) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "jdbc"
    }

    /// Checks the options and that every column type has a PostgreSQL counterpart. The
    /// table itself is checked against the server when a reader or writer is created.
    fn validate(&self, table: &TableSpec, _as_source: bool) -> Result<(), ConnectorError> {
        JdbcConfig::parse(table)?;
        let tz = sluice_types::temporal::SessionTimeZone::default();
        for (name, data_type) in &table.physical_columns {
            decode::ColumnDecoder::new(data_type, &tz).map_err(|reason| {
                ConnectorError::Schema(format!("column \"{name}\" of jdbc table \"{}\": {reason}", table.name))
            })?;
        }
        Ok(())
    }

    fn is_bounded(&self, _table: &TableSpec) -> bool {
        true
    }

    fn sink_changelog_mode(&self, table: &TableSpec) -> SinkChangelogMode {
        if table.primary_key.is_empty() {
            SinkChangelogMode::InsertOnly
        } else {
            SinkChangelogMode::Upsert
        }
    }

    fn create_source(&self, table: &TableSpec, ctx: &SourceContext) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = JdbcConfig::parse(table)?;
        Ok(Box::new(JdbcSource::new(table, &config, ctx)?))
    }

    fn create_lookup(&self, table: &TableSpec, ctx: &LookupContext) -> Result<Box<dyn LookupSource>, ConnectorError> {
        let config = JdbcConfig::parse(table)?;
        Ok(Box::new(JdbcLookup::new(table, &config, ctx)?))
    }

    fn create_sink(&self, table: &TableSpec, ctx: &SinkContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        let config = JdbcConfig::parse(table)?;
        Ok(Box::new(JdbcSink::new(table, &config, ctx)?))
    }
}
