//! Lowering of `Expand` (GROUPING SETS, ROLLUP, CUBE).

use sluice_runtime::NodeId;
use sluice_sql::{Diagnostic, ErrorClass};

use super::{internal, Lowering};
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// An `Expand` plan. `before`: the consumer needs `-U` rows.
    pub(super) fn expand(&mut self, plan: &LogicalPlan, _before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::Expand { .. } = plan else { return Err(internal("expand() lowers Expand only")) };
        Err(Diagnostic::without_span(ErrorClass::User, "GROUPING SETS is not supported yet"))
    }
}
