//! The `fake-data` connector: Sluice's own generator of the four seed data sets (pizza
//! orders, IoT CPU metrics, client transactions, network alarms), so that every seed
//! pipeline runs without Kafka.
//!
//! Records are written as JSON lines in exactly the shape of the seed producers by the
//! pure `FakeDataGenerator` (reused by `sluice gen` and the benchmark), then decoded into
//! the table's columns by the JSON format, so any schema over the fields works. The
//! `timestamp` metadata column is each record's event time, so a seed table declared
//! over Kafka with `METADATA FROM 'timestamp'` runs when only the connector is swapped.
//!
//! ```sql
//! CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE, occurred_at BIGINT)
//! WITH ('connector' = 'fake-data', 'subject' = 'metric', 'number-of-rows' = '100000',
//!       'max-delay' = '8 s');
//! ```

mod alarms;
mod config;
mod generator;
mod json_text;
mod metric;
mod pizza;
mod source;
mod subject;
mod transactions;

use std::sync::Arc;

use sluice_connector_api::{
    ConnectorError, ConnectorFactory, MetadataColumn, SourceContext, SourceReader,
    TableSpec,
};
use sluice_types::DataType;

use config::{FakeDataConfig, CONNECTOR};
use source::{FakeDataSource, TIMESTAMP_KEY};

pub use generator::{FakeDataGenerator, GeneratorSettings};
pub use subject::Subject;

/// The `fake-data` connector factory.
pub struct FakeDataConnector;

/// The factory to register.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(FakeDataConnector)
}

impl ConnectorFactory for FakeDataConnector {
    fn splits_across_readers(&self, _table: &TableSpec) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if !as_source {
            return Err(ConnectorError::Unsupported { connector: CONNECTOR.to_string(), role: "sink" });
        }
        let config = FakeDataConfig::from_table(table)?;
        // The JSON format must be able to read every column type.
        sluice_formats::JsonDecoder::new(&table.physical_columns, &config.json)?;
        Ok(())
    }

    fn is_bounded(&self, table: &TableSpec) -> bool {
        FakeDataConfig::from_table(table).is_ok_and(|c| c.number_of_rows.is_some())
    }

    fn metadata_columns(&self, _table: &TableSpec) -> Vec<MetadataColumn> {
        vec![MetadataColumn { key: TIMESTAMP_KEY, data_type: DataType::timestamp_ltz(3), writable: false }]
    }

    fn create_source(
        &self,
        table: &TableSpec,
        ctx: &SourceContext,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = FakeDataConfig::from_table(table)?;
        Ok(Box::new(FakeDataSource::new(&config, table, ctx)?))
    }

}

/// The `scan.parallelism` option of a fake-data table, for the planner.
pub fn scan_parallelism(table: &TableSpec) -> Result<Option<usize>, ConnectorError> {
    Ok(FakeDataConfig::from_table(table)?.parallelism)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod source_tests;
