use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::Array;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};

use crate::{Operator, Output, RuntimeError};

/// Generates watermarks from `WATERMARK FOR rowtime AS expr`: after each batch the
/// watermark is the largest value of `expr` seen so far. Rows pass through unchanged.
pub struct WatermarkAssigner {
    expr: ScalarExpr,
    ctx: EvalContext,
    max_seen: Option<i64>,
}

impl WatermarkAssigner {
    pub fn new(expr: ScalarExpr, ctx: EvalContext) -> Self {
        WatermarkAssigner { expr, ctx, max_seen: None }
    }
}

impl Operator for WatermarkAssigner {
    fn name(&self) -> &str {
        "WatermarkAssigner"
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let values = self
            .expr
            .evaluate(&batch.data, &self.ctx)
            .map_err(|e| RuntimeError::Eval { node: "WatermarkAssigner".into(), source: e })?;
        let values = values
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| RuntimeError::Internal("watermark expression is not a timestamp".into()))?;
        let batch_max = arrow_arith_max(values);
        out.emit(batch);
        if let Some(m) = batch_max {
            if self.max_seen.is_none_or(|seen| m > seen) {
                self.max_seen = Some(m);
                out.emit_watermark(m);
            }
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        // Upstream watermarks are replaced by this table's own, except the final one
        // that ends the input.
        if watermark == crate::WATERMARK_END {
            out.emit_watermark(watermark);
        }
        Ok(())
    }
}

fn arrow_arith_max(values: &arrow_array::PrimitiveArray<TimestampMicrosecondType>) -> Option<i64> {
    if values.null_count() == 0 {
        values.values().iter().copied().max()
    } else {
        values.iter().flatten().max()
    }
}
