use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use arrow_select::filter::{filter_record_batch, prep_null_mask_filter};
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use crate::checkpoint::codec::{StateReader, StateWriter};
use crate::{Operator, Output, RuntimeError};

/// Filter and projection in one step: `SELECT projections FROM input WHERE filter`.
/// The filter runs first, so projections are computed only for the rows that pass.
pub struct CalcOperator {
    filter: Option<ScalarExpr>,
    projections: Vec<ScalarExpr>,
    schema: SchemaRef,
    ctx: EvalContext,
    /// Whether an expression calls `CURRENT_WATERMARK`: the input's watermark is then
    /// saved in checkpoints, so that a resumed job's rows see what they would have seen.
    reads_watermark: bool,
}

impl CalcOperator {
    pub fn new(filter: Option<ScalarExpr>, projections: Vec<ScalarExpr>, schema: SchemaRef, ctx: EvalContext) -> Self {
        let reads_watermark = filter.iter().chain(&projections).any(|e| e.reads_watermark());
        CalcOperator { filter, projections, schema, ctx, reads_watermark }
    }

    fn eval_error(&self, e: sluice_expr::EvalError) -> RuntimeError {
        RuntimeError::Eval { node: "Calc".into(), source: e }
    }
}

impl Operator for CalcOperator {
    fn name(&self) -> &str {
        "Calc"
    }

    fn is_stateless(&self) -> bool {
        true
    }

    /// Kept for `CURRENT_WATERMARK`, which reads the watermark of this operator's input.
    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.ctx.watermark = Some(watermark);
        out.emit_watermark(watermark);
        Ok(())
    }

    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        if !self.reads_watermark {
            return Ok(None);
        }
        let mut w = StateWriter::new(1);
        w.opt_i64(self.ctx.watermark);
        Ok(Some(w.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        let fail = |message: String| RuntimeError::Operator { node: "Calc".to_string(), message };
        let (mut r, _) = StateReader::open(state, "the watermark of a Calc", &[1]).map_err(fail)?;
        let watermark = r.opt_i64().map_err(fail)?;
        r.end().map_err(fail)?;
        self.ctx.watermark = watermark;
        Ok(())
    }

    /// The lowest watermark any instance had seen: `CURRENT_WATERMARK` never runs ahead
    /// of the watermark this instance's input will bring.
    fn restore_rescaled(&mut self, states: &[&[u8]], _keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        let mut lowest: Option<Option<i64>> = None;
        for state in states {
            self.restore(state)?;
            let seen = self.ctx.watermark;
            lowest = Some(match lowest {
                None => seen,
                Some(low) => low.zip(seen).map(|(a, b)| a.min(b)),
            });
        }
        self.ctx.watermark = lowest.flatten();
        Ok(())
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let ChangeBatch { mut data, mut kinds } = batch;
        if let Some(predicate) = &self.filter {
            let mask = predicate.evaluate(&data, &self.ctx).map_err(|e| self.eval_error(e))?;
            let mask: &BooleanArray = mask
                .as_boolean_opt()
                .ok_or_else(|| RuntimeError::Internal("filter predicate is not boolean".into()))?;
            let mask = if mask.null_count() > 0 { prep_null_mask_filter(mask) } else { mask.clone() };
            let selected = mask.true_count();
            if selected == 0 {
                return Ok(());
            }
            if selected < data.num_rows() {
                data = filter_record_batch(&data, &mask).map_err(|e| RuntimeError::Internal(e.to_string()))?;
                kinds = kinds.map(|k| filter_kinds(&k, &mask));
            }
        }
        let columns = self
            .projections
            .iter()
            .map(|p| p.evaluate(&data, &self.ctx))
            .collect::<Result<Vec<ArrayRef>, _>>()
            .map_err(|e| self.eval_error(e))?;
        let options = RecordBatchOptions::new().with_row_count(Some(data.num_rows()));
        let data = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
            .map_err(|e| RuntimeError::Internal(format!("Calc output: {e}")))?;
        out.emit(ChangeBatch { data, kinds });
        Ok(())
    }
}

fn filter_kinds(kinds: &[RowKind], mask: &BooleanArray) -> std::sync::Arc<[RowKind]> {
    kinds.iter().zip(mask.values().iter()).filter(|(_, keep)| *keep).map(|(k, _)| *k).collect()
}
