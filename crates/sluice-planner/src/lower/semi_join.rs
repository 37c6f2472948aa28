//! Lowering of semi and anti joins to `SemiAntiJoinOperator`.
//!
//! Both inputs are lowered with `-U` rows: the operator retracts what an update
//! replaces, and it emits the left input's kinds as they come.

use sluice_runtime::operators::{SemiAntiJoinOperator, SemiJoinSpec};
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    pub(super) fn semi_join(&mut self, plan: &LogicalPlan) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::SemiJoin { left, right, anti, left_keys, right_keys, null_safe, residual, .. } = plan else {
            return Err(internal("semi_join() lowers a SemiJoin only"));
        };
        let l = self.lower(left, true)?;
        let r = self.lower(right, true)?;
        let spec = SemiJoinSpec {
            anti: *anti,
            left_keys: left_keys.clone(),
            right_keys: right_keys.clone(),
            null_safe: null_safe.clone(),
            residual: residual.clone(),
            ctx: self.ctx.clone(),
            state_ttl: self.state_ttl,
            left_schema: left.schema().to_arrow(),
            right_schema: right.schema().to_arrow(),
        };
        let op = SemiAntiJoinOperator::new(spec).map_err(|e| operator_error(if *anti { "an anti join" } else { "a semi join" }, e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![l, r]))
    }
}
