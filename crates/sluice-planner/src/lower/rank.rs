//! Lowering of unbounded Top-N (`Rank`) and deduplication (`Deduplicate`).

use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::{internal, Lowering};
use crate::error::not_supported;
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A `Rank` or `Deduplicate` plan. `before`: the consumer needs `-U` rows.
    pub(super) fn rank(&mut self, plan: &LogicalPlan, _before: bool) -> Result<NodeId, Diagnostic> {
        match plan {
            LogicalPlan::Rank { span, .. } => Err(not_supported("Top-N without a window", *span)),
            LogicalPlan::Deduplicate { span, .. } => Err(not_supported("deduplication without a window", *span)),
            _ => Err(internal("rank() lowers Rank and Deduplicate only")),
        }
    }
}
