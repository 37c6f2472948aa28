//! The connectors, one folder each, named and configured as in Flink: `kafka`,
//! `upsert-kafka`, `filesystem`, `datagen`, `print`, `blackhole`, the Nexmark benchmark's `nexmark`
//! source, and Sluice's own `fake-data` generator of the seed data sets. `register_all` puts them into a `ConnectorRegistry`.

use sluice_connector_api::ConnectorRegistry;

pub mod blackhole;
pub mod datagen;
pub mod dead_letter;
pub mod fake_data;
pub mod filesystem;
pub mod jdbc;
pub mod kafka;
pub mod nexmark;
pub mod opensearch;
pub mod options;
pub mod print;
#[cfg(test)]
mod resume_test_util;

/// Registers every connector this crate provides.
pub fn register_all(registry: &mut ConnectorRegistry) {
    registry.register(blackhole::factory());
    registry.register(datagen::factory());
    registry.register(fake_data::factory());
    registry.register(filesystem::factory());
    registry.register(jdbc::factory());
    registry.register(kafka::factory());
    registry.register(kafka::upsert_factory());
    registry.register(nexmark::factory());
    registry.register(opensearch::factory());
    registry.register(opensearch::elasticsearch7_factory());
    registry.register(print::factory());
}

/// An error with its causes, `outer: cause: cause`, where the reason that matters (an
/// OpenSSL verdict, an I/O error) often is; a cause whose text the chain already holds
/// (many errors print their source) is not repeated.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}
