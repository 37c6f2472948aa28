//! Lowers a lookup join (`LookupJoin`) to a `LookupJoinOperator` over the connector's
//! `LookupSource`.

use sluice_connector_api::LookupContext;
use sluice_runtime::operators::{LookupJoinOperator, LookupJoinSpec};
use sluice_runtime::NodeId;
use sluice_sql::Diagnostic;

use super::{internal, Lowering};
use crate::ddl::connector_diagnostic;
use crate::error::user;
use crate::logical::LogicalPlan;

impl Lowering<'_> {
    /// A lookup join: the input, then the join against the table's lookup source.
    /// `before`: the consumer needs `-U` rows (passed through to the input).
    pub(super) fn lookup_join(&mut self, plan: &LogicalPlan, before: bool) -> Result<NodeId, Diagnostic> {
        let LogicalPlan::LookupJoin { input, table, left, keys, key_columns, residual, schema, span } = plan else {
            return Err(internal("lookup_join() lowers LookupJoin only"));
        };
        let id = self.lower(input, before)?;
        let factory = self
            .registry
            .get(&table.connector)
            .ok_or_else(|| internal("connector vanished from the registry"))?;
        let spec = table.spec();
        let nphysical = spec.physical_columns.len();
        let ninput = input.schema().len();
        let ctx = LookupContext {
            key_columns: key_columns.clone(),
            projection: (0..nphysical).collect(),
            output_schema: std::sync::Arc::new(arrow_schema::Schema::new(
                schema.to_arrow().fields()[ninput..].iter().cloned().collect::<Vec<_>>(),
            )),
            time_zone: self.ctx.time_zone,
        };
        let source = factory.create_lookup(&spec, &ctx).map_err(|e| match e {
            sluice_connector_api::ConnectorError::Unsupported { .. } => user(
                format!("table \"{}\" (connector \"{}\") cannot be looked up", table.name, table.connector),
                *span,
            )
            .with_hint("Lookup joins (FOR SYSTEM_TIME AS OF a processing-time attribute) work against 'jdbc' and 'filesystem' tables."),
            other => connector_diagnostic(other, table),
        })?;
        let spec = LookupJoinSpec {
            keys: keys.clone(),
            left: *left,
            residual: residual.clone(),
            output_schema: schema.to_arrow(),
            ctx: self.ctx.clone(),
        };
        let op = LookupJoinOperator::new(spec, source);
        Ok(self.dataflow.add_operator(Box::new(op), vec![id]))
    }
}
