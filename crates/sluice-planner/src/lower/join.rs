//! Lowering of regular joins (no time interval) to `JoinOperator`.

use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::{internal, Lowering};
use crate::error::not_supported;
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A `Join` without an interval. `before`: the consumer needs `-U` rows.
    pub(super) fn regular_join(&mut self, plan: &LogicalPlan, _before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::Join { span, .. } = plan else { return Err(internal("regular_join() lowers Join only")) };
        Err(not_supported("JOIN (regular joins without a time interval)", *span).with_hint(
            "An interval join works: bound one side's rowtime by the other's, e.g. b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts.",
        ))
    }
}
