//! Flink's `Expand`: every input row comes out once per projection list, the copies of
//! one row next to each other in the order of the lists. GROUPING SETS, ROLLUP and CUBE
//! run as an `Expand` (one list per grouping set, the keys outside the set replaced by
//! NULL, plus the set's id) feeding an ordinary group aggregation.
//!
//! The operator is vectorised: each list is evaluated over the whole batch, and the
//! resulting batches are interleaved row by row. A copy keeps its input row's kind, so a
//! retraction of the input retracts every copy.

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use crate::{Operator, Output, RuntimeError};

/// Emits each input row once per projection list; every list produces `schema`.
pub struct ExpandOperator {
    projections: Vec<Vec<ScalarExpr>>,
    schema: SchemaRef,
    ctx: EvalContext,
}

impl ExpandOperator {
    /// Fails when there is no list, or when a list's length is not the schema's.
    pub fn new(projections: Vec<Vec<ScalarExpr>>, schema: SchemaRef, ctx: EvalContext) -> Result<Self, RuntimeError> {
        if projections.is_empty() {
            return Err(RuntimeError::Internal("Expand without projection lists".into()));
        }
        if let Some(p) = projections.iter().find(|p| p.len() != schema.fields().len()) {
            return Err(RuntimeError::Internal(format!(
                "Expand list has {} expressions for {} columns",
                p.len(),
                schema.fields().len()
            )));
        }
        Ok(ExpandOperator { projections, schema, ctx })
    }

    /// One list evaluated over the batch.
    fn evaluate(&self, list: &[ScalarExpr], data: &RecordBatch) -> Result<Vec<ArrayRef>, RuntimeError> {
        let mut columns = Vec::with_capacity(list.len());
        for (expr, field) in list.iter().zip(self.schema.fields()) {
            let column = expr
                .evaluate(data, &self.ctx)
                .map_err(|e| RuntimeError::Eval { node: "Expand".into(), source: e })?;
            if column.data_type() != field.data_type() {
                return Err(RuntimeError::Internal(format!(
                    "Expand column \"{}\" is {} but the schema says {}",
                    field.name(),
                    column.data_type(),
                    field.data_type()
                )));
            }
            columns.push(column);
        }
        Ok(columns)
    }
}

impl Operator for ExpandOperator {
    fn name(&self) -> &str {
        "Expand"
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        let lists = self
            .projections
            .iter()
            .map(|list| self.evaluate(list, &batch.data))
            .collect::<Result<Vec<_>, _>>()?;
        // Row r of list p goes to output row r * lists + p.
        let copies = lists.len();
        let indices: Vec<(usize, usize)> = (0..rows).flat_map(|r| (0..copies).map(move |p| (p, r))).collect();
        let mut columns = Vec::with_capacity(self.schema.fields().len());
        for c in 0..self.schema.fields().len() {
            let parts: Vec<&dyn Array> = lists.iter().map(|l| l[c].as_ref()).collect();
            let column = arrow_select::interleave::interleave(&parts, &indices)
                .map_err(|e| RuntimeError::Internal(format!("Expand output: {e}")))?;
            columns.push(column);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows * copies));
        let data = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
            .map_err(|e| RuntimeError::Internal(format!("Expand output: {e}")))?;
        let kinds = batch.kinds.map(|kinds| {
            kinds.iter().flat_map(|k| std::iter::repeat_n(*k, copies)).collect::<std::sync::Arc<[RowKind]>>()
        });
        out.emit(ChangeBatch { data, kinds });
        Ok(())
    }
}
