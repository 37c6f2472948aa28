//! The contract between the engine and connectors: a connector is a `ConnectorFactory`
//! that validates a table's `WITH (...)` options and creates `SourceReader`s and
//! `SinkWriter`s that move `ChangeBatch`es of Arrow data.
//!
//! The planner and the runtime depend on these traits only; no connector code (Kafka,
//! files, PostgreSQL) is visible to them.

mod batch;
mod error;
mod factory;
pub mod state;

pub use batch::ChangeBatch;
pub use error::ConnectorError;
pub use factory::{
    ConnectorFactory, ConnectorRegistry, LookupContext, LookupResult, LookupSource, LookupStats, MetadataColumn, SinkChangelogMode, SinkContext, SinkWriter,
    SourceChangelogMode, SourceContext, SourcePoll, SourceReader, SourceStats, PartitionPosition, SplitId, TableSpec,
};
