//! Lowering of the updating (changelog) operators: `GROUP BY` without a window and the
//! upsert materialiser in front of upsert sinks; and the error for an updating result
//! written to an append-only sink.

use std::sync::Arc;

use sluice_runtime::operators::{GroupAggregateOperator, UpsertMaterializeOperator};
use sluice_runtime::spec::{AggregateCall, GroupAggregateSpec, MiniBatch, UpsertMaterializeSpec};
use sluice_runtime::{NodeId, Operator};
use sluice_sql::Diagnostic;

use super::window::operator_error;
use super::Lowering;
use crate::catalog::CatalogTable;
use crate::changelog::ChangelogMode;
use crate::logical::PlanSchema;

impl Lowering<'_> {
    /// A non-windowed `GROUP BY`. `insert_only`: the input never retracts, so `MIN`/`MAX`
    /// keep one value per key. `before`: the consumer needs `-U` rows. `state_ttl`: the
    /// query's `STATE_TTL` hint, else `table.exec.state.ttl`.
    pub(super) fn group_aggregate(
        &self,
        keys: &[usize],
        aggregates: &[AggregateCall],
        schema: &PlanSchema,
        insert_only: bool,
        before: bool,
        state_ttl: Option<std::time::Duration>,
    ) -> Result<Box<dyn Operator>, Diagnostic> {
        let spec = GroupAggregateSpec {
            keys: keys.to_vec(),
            aggregates: aggregates.to_vec(),
            generate_update_before: before,
            mini_batch: self.mini_batch.map(|size| MiniBatch { size }),
            state_ttl,
            output_schema: schema.to_arrow(),
        };
        let op = if insert_only { GroupAggregateOperator::new_insert_only(spec) } else { GroupAggregateOperator::new(spec) };
        Ok(Box::new(op.map_err(|e| operator_error("GROUP BY", e))?))
    }

    /// Flink's `SinkUpsertMaterializer`: rows keyed by the sink's primary key.
    pub(super) fn upsert_materialize(
        &mut self,
        input: NodeId,
        sink_key: Vec<usize>,
        schema: &PlanSchema,
    ) -> Result<NodeId, Diagnostic> {
        let spec = UpsertMaterializeSpec { sink_key, state_ttl: self.state_ttl, output_schema: schema.to_arrow() };
        let op = UpsertMaterializeOperator::new(spec).map_err(|e| operator_error("the upsert materialiser", e))?;
        Ok(self.dataflow.add_operator(Box::new(op), vec![input]))
    }
}

/// The planning error for an updating result written into an append-only sink. It
/// points at the operator that makes the result updating and says what to do instead.
pub(super) fn append_only_sink(table: &Arc<CatalogTable>, mode: &ChangelogMode) -> Diagnostic {
    let origin = mode.origin.as_ref();
    let what = origin.map_or("an updating operator", |o| o.what.as_str());
    let message = format!(
        "table \"{}\" (connector \"{}\") only accepts inserts, but the query's result is updated by {what}",
        table.name, table.connector
    );
    let instead = if what.contains("JOIN") {
        "Or bound the join in time (an interval join, e.g. b.ts BETWEEN a.ts - INTERVAL '1' MINUTE AND a.ts), whose rows are final."
    } else if what.contains("Top-N") || what.contains("deduplication") {
        "Or rank per window (PARTITION BY window_start, window_end of a window table-valued function), whose rows are final when the window closes."
    } else {
        "Or aggregate per window (GROUP BY window_start, window_end of TUMBLE(...)), so that every result row is final when it is written."
    };
    let hint = format!(
        "Write the result to a sink that accepts updates: an upsert sink with a PRIMARY KEY (such as 'upsert-kafka' or 'jdbc') or 'print'. {instead}"
    );
    crate::error::user_at(message, origin.and_then(|o| o.span), "this makes the result updating").with_hint(hint)
}
