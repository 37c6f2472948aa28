//! The dataflow runtime. A job is a `Dataflow`: a DAG of sources, `Operator`s and sinks
//! that exchange `ChangeBatch`es of Arrow data, watermarks and the end-of-input signal.
//! The `Executor` drives it until every bounded input is read and every sink is flushed,
//! or until it is asked to stop.
//!
//! The runtime knows nothing about SQL text or plans: operators are given typed
//! `ScalarExpr`s and Arrow schemas by the planner.

pub mod aggregate;
pub mod checkpoint;
mod dataflow;
mod error;
mod executor;
pub mod exchange;
pub mod hash;
mod metrics;
mod operator;
pub mod operators;
pub mod spec;

pub use dataflow::{Dataflow, Node, NodeId, NodeKind};
pub use error::RuntimeError;
pub use executor::{run_parallel, Executor, ExecutorOptions, JobReport, ProgressCallback, SinkTap};
pub use metrics::{NodeMetrics, NodeReport};
pub use operator::{KeyGroupFilter, Operator, OperatorFacts, Output, SplitEvent, SplitFacts, WATERMARK_END};
