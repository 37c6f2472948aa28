//! Lowering of `Expand` (GROUPING SETS, ROLLUP, CUBE) to an `ExpandOperator`.

use sluice_runtime::operators::ExpandOperator;
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// An `Expand` plan. `before`: the consumer needs `-U` rows; the copies carry their
    /// input row's kind, so the input is asked for the same.
    pub(super) fn expand(&mut self, plan: &LogicalPlan, before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::Expand { input, projections, schema } = plan else {
            return Err(internal("expand() lowers Expand only"));
        };
        let id = self.lower(input, before)?;
        let op = ExpandOperator::new(projections.clone(), schema.to_arrow(), self.ctx.clone())
            .map_err(|e| operator_error("GROUPING SETS", e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
    }
}
