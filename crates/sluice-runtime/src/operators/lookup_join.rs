//! Lookup joins: `o JOIN t FOR SYSTEM_TIME AS OF o.proc_time ON o.k = t.k`, as Flink's
//! LookupJoinRunner does. Each input row is joined with the rows the table holds for its
//! key right now; nothing is kept in state, and the table's later changes do not revise
//! rows already joined.
//!
//! Keys are looked up a batch at a time (`LookupSource::lookup`), so that a connector can
//! answer them with one query or from its cache. An input row keeps its change kind, so
//! an updating input stays updating. A left join emits an input row without matches
//! (or whose matches all fail the residual condition) once, padded with NULLs.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::SchemaRef;
use sluice_connector_api::{ChangeBatch, LookupSource, LookupStats};
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use crate::{Operator, Output, RuntimeError};

const NAME: &str = "LookupJoin";

/// What the planner decides about a lookup join.
pub struct LookupJoinSpec {
    /// The key values, over the input row, in the order of `LookupContext::key_columns`
    /// (already cast to the table's column types).
    pub keys: Vec<ScalarExpr>,
    /// `true` for a LEFT join.
    pub left: bool,
    /// Checked on each joined row (input columns, then the table's).
    pub residual: Option<ScalarExpr>,
    /// Input columns followed by the looked-up columns.
    pub output_schema: SchemaRef,
    pub ctx: EvalContext,
}

pub struct LookupJoinOperator {
    spec: LookupJoinSpec,
    source: Box<dyn LookupSource>,
}

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

impl LookupJoinOperator {
    pub fn new(spec: LookupJoinSpec, source: Box<dyn LookupSource>) -> Self {
        LookupJoinOperator { spec, source }
    }

    pub fn lookup_stats(&self) -> LookupStats {
        self.source.stats()
    }

    /// Input rows (by index) joined with table rows (by index, `None`: NULLs).
    fn assemble(&self, input: &RecordBatch, table: &RecordBatch, pairs: &[(u32, Option<u32>)]) -> Result<RecordBatch, RuntimeError> {
        let left_idx = UInt32Array::from(pairs.iter().map(|p| p.0).collect::<Vec<_>>());
        let right_idx = UInt32Array::from(pairs.iter().map(|p| p.1).collect::<Vec<_>>());
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.spec.output_schema.fields().len());
        for c in input.columns() {
            columns.push(arrow_select::take::take(c.as_ref(), &left_idx, None).map_err(internal)?);
        }
        let ninput = input.num_columns();
        for (i, c) in table.columns().iter().enumerate() {
            let column = if table.num_rows() == 0 {
                let field = &self.spec.output_schema.fields()[ninput + i];
                new_null_array(field.data_type(), pairs.len())
            } else {
                arrow_select::take::take(c.as_ref(), &right_idx, None).map_err(internal)?
            };
            columns.push(column);
        }
        RecordBatch::try_new_with_options(
            self.spec.output_schema.clone(),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(pairs.len())),
        )
        .map_err(internal)
    }
}

impl Operator for LookupJoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let n = batch.num_rows();
        if n == 0 {
            return Ok(());
        }
        let eval = |e: &ScalarExpr| e.evaluate(&batch.data, &self.spec.ctx).map_err(|source| RuntimeError::Eval { node: NAME.into(), source });
        let key_columns = self.spec.keys.iter().map(eval).collect::<Result<Vec<ArrayRef>, _>>()?;
        let key_fields: Vec<arrow_schema::Field> = key_columns
            .iter()
            .enumerate()
            .map(|(i, a)| arrow_schema::Field::new(format!("k{i}"), a.data_type().clone(), true))
            .collect();
        let keys = RecordBatch::try_new_with_options(
            Arc::new(arrow_schema::Schema::new(key_fields)),
            key_columns,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )
        .map_err(internal)?;
        let found = self.source.lookup(&keys).map_err(|source| RuntimeError::Connector { node: NAME.into(), source })?;

        // Every (input row, table row) pair, in input order.
        let mut pairs: Vec<(u32, Option<u32>)> = Vec::with_capacity(n.max(found.key_rows.len()));
        let mut next = 0usize;
        for row in 0..n as u32 {
            let start = next;
            while next < found.key_rows.len() && found.key_rows[next] == row {
                pairs.push((row, Some(next as u32)));
                next += 1;
            }
            if next == start && self.spec.left {
                pairs.push((row, None));
            }
        }
        if next != found.key_rows.len() {
            return Err(internal("the lookup source returned rows out of key order"));
        }
        let mut joined = self.assemble(&batch.data, &found.rows, &pairs)?;
        let mut rows: Vec<(u32, Option<u32>)> = pairs;
        if let Some(residual) = &self.spec.residual {
            let mask = residual.evaluate(&joined, &self.spec.ctx).map_err(|source| RuntimeError::Eval { node: NAME.into(), source })?;
            let mask = mask.as_boolean_opt().ok_or_else(|| internal("the join condition is not boolean"))?;
            let mut kept: Vec<(u32, Option<u32>)> = Vec::with_capacity(rows.len());
            let mut i = 0;
            while i < rows.len() {
                let row = rows[i].0;
                let mut any = false;
                let mut j = i;
                while j < rows.len() && rows[j].0 == row {
                    let passes = rows[j].1.is_some() && mask.is_valid(j) && mask.value(j);
                    if passes {
                        kept.push(rows[j]);
                        any = true;
                    }
                    j += 1;
                }
                if !any && self.spec.left {
                    kept.push((row, None));
                }
                i = j;
            }
            joined = self.assemble(&batch.data, &found.rows, &kept)?;
            rows = kept;
        }
        let out_batch = match &batch.kinds {
            None => ChangeBatch::inserts(joined),
            Some(kinds) => ChangeBatch::new(joined, rows.iter().map(|(r, _)| kinds[*r as usize]).collect::<Vec<RowKind>>()),
        };
        out.emit(out_batch);
        Ok(())
    }
}
