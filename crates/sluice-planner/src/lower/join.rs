//! Lowering of regular joins (no time interval) to `JoinOperator`.
//!
//! Both inputs are lowered with `-U` rows (the join retracts what an update replaces).
//! An updating input with an upsert key is stored one row per key; any other input is
//! stored as a count per distinct row, as Flink's `JoinRecordStateViews` do.

use sluice_runtime::operators::JoinOperator;
use sluice_runtime::spec::JoinSpec;
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A `Join` without an interval. The join emits its inputs' kinds as they come, so
    /// `_before` needs nothing of its own: the inputs always carry `-U` rows.
    pub(super) fn regular_join(&mut self, plan: &LogicalPlan, _before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval: None, residual, schema, .. } = plan
        else {
            return Err(internal("regular_join() lowers a Join without an interval only"));
        };
        let left_unique_key = self.unique_key(left)?;
        let right_unique_key = self.unique_key(right)?;
        let l = self.lower(left, true)?;
        let r = self.lower(right, true)?;
        let spec = JoinSpec {
            join_type: *join_type,
            left_keys: left_keys.clone(),
            right_keys: right_keys.clone(),
            residual: residual.clone(),
            ctx: self.ctx.clone(),
            left_unique_key,
            right_unique_key,
            state_ttl: self.state_ttl,
            left_schema: left.schema().to_arrow(),
            right_schema: right.schema().to_arrow(),
            output_schema: schema.to_arrow(),
        };
        let op = JoinOperator::new(spec).map_err(|e| operator_error("JOIN", e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
    }

    /// The upsert key of an updating input: its rows are one per key, so the join keeps
    /// one row per key. An insert-only input may repeat rows and has none.
    fn unique_key(&self, input: &LogicalPlan) -> Result<Option<Vec<usize>>, Diagnostic> {
        let mode = self.changelog().mode(input)?;
        Ok(if mode.updating { mode.upsert_key.filter(|k| !k.is_empty()) } else { None })
    }
}
