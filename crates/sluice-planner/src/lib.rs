//! The planner: it keeps the session's catalog and settings, binds parsed statements
//! (names, types, Flink's implicit casts), builds logical plans, prints them for
//! `EXPLAIN`, and lowers them to a runtime `Dataflow`.
//!
//! It sees connectors only through `sluice_connector_api` traits, and it never runs a
//! job: the caller gets a `Job` and decides how to run it.

mod bind;
mod changelog;
mod catalog;
mod config;
mod ddl;
mod duration;
mod error;
mod explain;
mod explain_window;
mod logical;
mod lower;
mod rewrite;
mod session;
mod show_create;
mod stack;
pub mod suggest;

pub use catalog::{Catalog, CatalogTable, CatalogView, ColumnSpec, TableColumnKind, WatermarkSpec};
pub use config::{RestartStrategy, SessionConfig};
pub use logical::{GroupWindow, LogicalPlan, PlanField, PlanSchema, TimeAttribute};
pub use session::{Job, JobSink, ParallelDataflow, Session, StatementOutcome, TableResult};
pub use stack::{with_query_stack, QUERY_STACK_BYTES};
