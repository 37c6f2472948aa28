//! The `kafka` and `upsert-kafka` connectors, with Flink's options, formats (`json`,
//! `csv`, `raw` for key and value), metadata columns and semantics, on librdkafka.
//!
//! A source reader assigns its share of the partitions itself and reports one split per
//! partition (`SourcePoll::SplitAdded` / `SplitBatch` / `SplitFinished`), so watermarks
//! are kept per partition as in Flink. Offsets are committed only through
//! `SourceReader::commit`, never automatically. The sink waits for the broker's
//! acknowledgements at `flush` and `finish` and reports failed deliveries.
//!
//! Files: `config` (options), `offsets` (startup and bounded modes), `format` (key and
//! value codecs), `assemble` (messages into rows), `metadata` (metadata columns),
//! `client` (librdkafka configuration, outage logging, metadata checks), `source`,
//! `sink`, `upsert` (the sink's reducing buffer), `transactions` (one transaction per
//! checkpoint, shared by the exactly-once sink and the dead letters), `dead_letter`
//! (dead letters in a topic).

mod assemble;
mod client;
mod config;
mod format;
mod metadata;
mod offsets;
mod security;
mod truststore;
mod sink;
mod source;
mod transactions;
mod upsert;
pub mod dead_letter;

use std::sync::Arc;

use sluice_connector_api::{
    ConnectorError, ConnectorFactory, MetadataColumn, SinkChangelogMode, SinkContext, SinkWriter, SourceChangelogMode,
    SourceContext, SourceReader, TableSpec,
};

pub use client::{java_string_hash, split_owner};
pub use config::{DeliveryGuarantee, KafkaConfig, KafkaFlavor, SinkPartitioner, Topics, ValueFieldsInclude};
pub use format::FormatSpec;
pub use offsets::{parse_specific_offsets, BoundedMode, StartupMode};
pub use security::to_librdkafka;
pub use sink::KafkaSink;
pub use source::KafkaSource;
pub use upsert::{PendingMessage, UpsertBuffer};

/// The factory to register under `kafka`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(KafkaFactory { flavor: KafkaFlavor::Plain })
}

/// The factory to register under `upsert-kafka`.
pub fn upsert_factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(KafkaFactory { flavor: KafkaFlavor::Upsert })
}

/// The factory of `kafka` or `upsert-kafka` by name (`kafka` for anything else).
pub fn factory_for(name: &str) -> Arc<dyn ConnectorFactory> {
    if name == "upsert-kafka" {
        upsert_factory()
    } else {
        factory()
    }
}

/// Both connectors; they differ in options, changelog modes and tombstone handling.
pub struct KafkaFactory {
    flavor: KafkaFlavor,
}

impl ConnectorFactory for KafkaFactory {
    fn splits_across_readers(&self, _table: &TableSpec) -> bool {
        true
    }

    fn writes_in_parallel(&self, _table: &TableSpec) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        self.flavor.name()
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        let config = KafkaConfig::parse(table, self.flavor)?;
        if !as_source {
            config.check_sink()?;
        }
        Ok(())
    }

    fn is_bounded(&self, table: &TableSpec) -> bool {
        KafkaConfig::parse(table, self.flavor).map(|c| c.bounded.is_bounded()).unwrap_or(false)
    }

    fn sink_changelog_mode(&self, _table: &TableSpec) -> SinkChangelogMode {
        match self.flavor {
            KafkaFlavor::Plain => SinkChangelogMode::InsertOnly,
            KafkaFlavor::Upsert => SinkChangelogMode::Upsert,
        }
    }

    fn source_changelog_mode(&self, _table: &TableSpec) -> SourceChangelogMode {
        match self.flavor {
            KafkaFlavor::Plain => SourceChangelogMode::InsertOnly,
            KafkaFlavor::Upsert => SourceChangelogMode::Upsert,
        }
    }

    fn metadata_columns(&self, _table: &TableSpec) -> Vec<MetadataColumn> {
        metadata::metadata_columns()
    }

    fn create_source(&self, table: &TableSpec, ctx: &SourceContext) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = KafkaConfig::parse(table, self.flavor)?;
        Ok(Box::new(KafkaSource::new(table, &config, ctx)?))
    }

    fn create_sink(&self, table: &TableSpec, ctx: &SinkContext) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        let config = KafkaConfig::parse(table, self.flavor)?;
        Ok(Box::new(KafkaSink::new(table, &config, ctx)?))
    }
}
