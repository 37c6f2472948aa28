//! Lowering of unbounded Top-N (`Rank`) to `RankOperator` and deduplication
//! (`Deduplicate`) to `DeduplicateOperator`.
//!
//! Both retract what they emitted earlier, so their inputs are lowered with `-U` rows
//! (`before = true`), and the `before` the consumer asked for becomes the operator's
//! `generate_update_before`, as Flink's `StreamPhysicalRank` and
//! `StreamPhysicalDeduplicate` do.

use sluice_runtime::operators::{DeduplicateOperator, RankOperator};
use sluice_runtime::spec::{DeduplicateSpec, RankSpec};
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A `Rank` or `Deduplicate` plan. `before`: the consumer needs `-U` rows.
    pub(super) fn rank(&mut self, plan: &LogicalPlan, before: bool) -> Result<NodeId, Diagnostic> {
        match plan {
            LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, .. } => {
                let insert_only = !self.changelog().mode(input)?.updating;
                let id = self.lower(input, true)?;
                let spec = RankSpec {
                    keys: keys.clone(),
                    order: order.clone(),
                    limit: *limit,
                    emit_rank: *emit_rank,
                    generate_update_before: before,
                    state_ttl: self.state_ttl,
                    output_schema: schema.to_arrow(),
                };
                let op = RankOperator::new(spec).map_err(|e| operator_error("Top-N", e))?;
                // Over an insert-only input only the top rows need to be kept (Flink's
                // AppendOnlyTopNFunction); otherwise a retraction may bring any row back.
                let op = if insert_only { op.append_only_input() } else { op };
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, schema, .. } => {
                let id = self.lower(input, true)?;
                let spec = DeduplicateSpec {
                    keys: keys.clone(),
                    keep_last: *keep_last,
                    generate_update_before: before,
                    state_ttl: self.state_ttl,
                    output_schema: schema.to_arrow(),
                };
                let mut op = DeduplicateOperator::new(spec).map_err(|e| operator_error("deduplication", e))?;
                if let Some(column) = rowtime {
                    op = op.on_rowtime(*column).map_err(|e| operator_error("deduplication", e))?;
                }
                Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
            }
            _ => Err(internal("rank() lowers Rank and Deduplicate only")),
        }
    }
}
