//! The `nexmark` connector: the Nexmark benchmark's event stream, as the Nexmark suite's
//! own Flink connector makes it (same options, same nested `event` row, same events for
//! the same configuration and seed). See `config` for the options.
//!
//! ```sql
//! CREATE TABLE nexmark (
//!   event_type INT,
//!   person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR,
//!              city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>,
//!   auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT,
//!               reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3),
//!               seller BIGINT, category BIGINT, extra VARCHAR>,
//!   bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
//!           `dateTime` TIMESTAMP(3), extra VARCHAR>,
//!   `dateTime` AS CASE WHEN event_type = 0 THEN person.`dateTime`
//!                      WHEN event_type = 1 THEN auction.`dateTime`
//!                      ELSE bid.`dateTime` END,
//!   WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
//! ) WITH ('connector' = 'nexmark', 'events.num' = '1000000');
//! ```

mod config;
pub mod generator;
pub mod random;
mod source;

use std::sync::Arc;

use sluice_connector_api::{ConnectorError, ConnectorFactory, SourceContext, SourceReader, TableSpec};

use config::{NexmarkConfig, CONNECTOR};
use source::{table_parts, NexmarkSource};

/// The `nexmark` connector factory.
pub struct NexmarkConnector;

/// The factory to register.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(NexmarkConnector)
}

impl ConnectorFactory for NexmarkConnector {
    fn name(&self) -> &'static str {
        CONNECTOR
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if !as_source {
            return Err(ConnectorError::Unsupported { connector: CONNECTOR.to_string(), role: "sink" });
        }
        NexmarkConfig::from_table(table).map(|_| ())
    }

    fn is_bounded(&self, table: &TableSpec) -> bool {
        NexmarkConfig::from_table(table).is_ok_and(|c| c.is_bounded())
    }

    fn create_source(&self, table: &TableSpec, ctx: &SourceContext) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = NexmarkConfig::from_table(table)?;
        let parts = table_parts(table)?;
        Ok(Box::new(NexmarkSource::new(&config, &parts, ctx)?))
    }
}

#[cfg(test)]
mod tests;
