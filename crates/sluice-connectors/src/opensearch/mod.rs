//! The `opensearch` and `elasticsearch-7` sinks, with Flink's options: documents are
//! written through the `_bulk` API as JSON (Flink's JSON format spelling), with the
//! primary key as document id when the table has one (upserts and deletes), into a
//! static index or one named per row (`'alarms-{event_time|yyyy-MM-dd}'`).
//!
//! Files: `config` (options), `index` (static and dynamic index names), `java_date`
//! (Java date patterns for index names), `key_text` (key values as Flink spells them in
//! ids), `client` (HTTP, hosts, authentication, retries), `sink` (buffering, flushing,
//! rejections).

mod client;
mod config;
mod index;
mod java_date;
mod key_text;
mod sink;

use std::sync::Arc;

use sluice_connector_api::{ConnectorError, ConnectorFactory, SinkChangelogMode, SinkContext, SinkWriter, TableSpec};

pub use client::{BulkClient, ItemResult};
pub use config::{Backoff, FailureHandler, OpenSearchConfig, SearchFlavor};
pub use index::IndexPattern;
pub use java_date::JavaDatePattern;
pub use key_text::write_key_text;
pub use sink::{OpenSearchSink, OpenSearchSinkStats};

/// The factory to register under `opensearch`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(OpenSearchFactory { flavor: SearchFlavor::OpenSearch })
}

/// The factory to register under `elasticsearch-7`.
pub fn elasticsearch7_factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(OpenSearchFactory { flavor: SearchFlavor::Elasticsearch7 })
}

/// Both sink-only connectors; they differ only in name.
pub struct OpenSearchFactory {
    flavor: SearchFlavor,
}

impl ConnectorFactory for OpenSearchFactory {
    fn name(&self) -> &'static str {
        self.flavor.name()
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if as_source {
            return Err(ConnectorError::Unsupported { connector: self.name().to_string(), role: "source" });
        }
        let config = OpenSearchConfig::parse(table, self.flavor)?;
        sluice_formats::JsonEncoder::new(&table.physical_columns, &config.json)
            .map_err(|e| ConnectorError::Schema(e.to_string()))?;
        Ok(())
    }

    fn is_bounded(&self, _table: &TableSpec) -> bool {
        false
    }

    fn sink_changelog_mode(&self, table: &TableSpec) -> SinkChangelogMode {
        if table.primary_key.is_empty() {
            SinkChangelogMode::InsertOnly
        } else {
            SinkChangelogMode::Upsert
        }
    }

    fn create_sink(&self, table: &TableSpec, ctx: &SinkContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Ok(Box::new(OpenSearchSink::new(table, ctx, self.flavor)?))
    }
}
