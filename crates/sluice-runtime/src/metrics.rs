use std::time::Duration;

use sluice_connector_api::SourceStats;

/// Counters the executor keeps for every node.
#[derive(Clone, Debug, Default)]
pub struct NodeMetrics {
    pub rows_in: u64,
    pub rows_out: u64,
    pub batches_in: u64,
    /// The node's current output watermark.
    pub watermark: Option<i64>,
    pub busy: Duration,
    /// The size of the node's state in its last checkpoint, in bytes (sources: their
    /// position); `None` before the first checkpoint and for nodes without state.
    pub state_bytes: Option<u64>,
}

/// A node's counters at the end of a job.
#[derive(Clone, Debug)]
pub struct NodeReport {
    pub name: String,
    pub metrics: NodeMetrics,
    pub late_rows_dropped: u64,
    /// `Operator::gauges` at the time of the report.
    pub gauges: Vec<(&'static str, u64)>,
    /// For sources: records read and records skipped as malformed.
    pub source_stats: Option<SourceStats>,
    /// The nodes it reads from (positions in the report).
    pub inputs: Vec<usize>,
    /// A source past its idle timeout, or an operator whose inputs are all idle: its
    /// watermark does not hold the ones downstream back.
    pub idle: bool,
    /// `Operator::facts` at the time of the report.
    pub facts: crate::operator::OperatorFacts,
}
