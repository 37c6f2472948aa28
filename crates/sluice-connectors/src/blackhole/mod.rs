//! The `blackhole` connector: a sink that accepts every row, inserts and updates alike,
//! and discards it. Useful to measure a pipeline without the cost of writing output.

use std::sync::Arc;

use sluice_connector_api::{
    ChangeBatch, ConnectorError, ConnectorFactory, SinkChangelogMode, SinkContext, SinkWriter, TableSpec,
};

use crate::options::check_known_keys;

const KNOWN_KEYS: &[&str] = &["sink.parallelism"];

/// The factory to register under `blackhole`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(BlackholeFactory)
}

pub struct BlackholeFactory;

impl ConnectorFactory for BlackholeFactory {
    fn writes_in_parallel(&self, _table: &TableSpec) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "blackhole"
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if as_source {
            return Err(ConnectorError::Unsupported { connector: "blackhole".into(), role: "source" });
        }
        check_known_keys("blackhole", &table.options, KNOWN_KEYS)
    }

    fn is_bounded(&self, _table: &TableSpec) -> bool {
        false
    }

    fn sink_changelog_mode(&self, _table: &TableSpec) -> SinkChangelogMode {
        SinkChangelogMode::Upsert
    }


    fn create_sink(
        &self,
        table: &TableSpec,
        _ctx: &SinkContext,
    ) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        self.validate(table, false)?;
        Ok(Box::new(BlackholeSink { rows: 0 }))
    }
}

/// Counts and drops rows.
pub struct BlackholeSink {
    rows: u64,
}

impl SinkWriter for BlackholeSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_options_and_source_role() {
        let mut t = TableSpec {
            name: "b".into(),
            physical_columns: vec![],
            options: [("connector".to_string(), "blackhole".to_string())].into(),
            primary_key: vec![],
            partition_keys: vec![],
        };
        let f = factory();
        assert!(f.validate(&t, false).is_ok());
        assert!(f.validate(&t, true).is_err());
        t.options.insert("path".into(), "x".into());
        assert!(matches!(f.validate(&t, false), Err(ConnectorError::UnknownOption { .. })));
    }
}
