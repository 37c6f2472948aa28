//! The `datagen` connector, as Flink's: random or sequence values for every column,
//! throttled to `rows-per-second`, unbounded unless `number-of-rows` or a sequence
//! column bounds it. Values are made as Arrow columns directly, a column at a time.
//!
//! ```sql
//! CREATE TABLE orders (id BIGINT, price DECIMAL(10, 2), buyer STRING, ts TIMESTAMP(3))
//! WITH ('connector' = 'datagen', 'number-of-rows' = '1000',
//!       'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000',
//!       'fields.price.min' = '1', 'fields.price.max' = '100',
//!       'fields.buyer.length' = '8', 'fields.ts.max-past' = '1 h');
//! ```

mod column;
mod config;
mod source;
pub(crate) mod throttle;

use std::sync::Arc;

use sluice_connector_api::{
    ConnectorError, ConnectorFactory, SourceContext, SourceReader, TableSpec,
};

use config::{DatagenConfig, CONNECTOR};
use source::DatagenSource;

/// The `datagen` connector factory.
pub struct DatagenConnector;

/// The factory to register.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(DatagenConnector)
}

impl ConnectorFactory for DatagenConnector {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if !as_source {
            return Err(ConnectorError::Unsupported { connector: CONNECTOR.to_string(), role: "sink" });
        }
        DatagenConfig::from_table(table).map(|_| ())
    }

    fn is_bounded(&self, table: &TableSpec) -> bool {
        DatagenConfig::from_table(table).is_ok_and(|c| c.total_rows().is_some())
    }

    fn create_source(
        &self,
        table: &TableSpec,
        ctx: &SourceContext,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = DatagenConfig::from_table(table)?;
        Ok(Box::new(DatagenSource::new(&config, ctx)?))
    }

}

/// The `scan.parallelism` option of a datagen table, for the planner.
pub fn scan_parallelism(table: &TableSpec) -> Result<Option<usize>, ConnectorError> {
    Ok(DatagenConfig::from_table(table)?.parallelism)
}

#[cfg(test)]
mod tests;
