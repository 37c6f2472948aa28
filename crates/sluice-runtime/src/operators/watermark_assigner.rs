use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::Array;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};

use crate::{Operator, Output, RuntimeError};

/// Generates watermarks from `WATERMARK FOR rowtime AS expr`. The watermark is the
/// largest value of `expr` seen so far; rows pass through unchanged.
///
/// Flink emits the watermark periodically (every 200 ms), so how far it has advanced
/// when a given row arrives depends on timing. Sluice makes it deterministic and as
/// early as possible: every row sees the watermark of all rows before it. To keep
/// batches whole, the batch is split only before a row whose rowtime is at or behind
/// the current watermark (the only rows an operator may find late), and the watermark
/// is emitted there. In-order input is therefore never split.
pub struct WatermarkAssigner {
    expr: ScalarExpr,
    /// The rowtime column, to find rows behind the watermark.
    rowtime: usize,
    ctx: EvalContext,
    max_seen: Option<i64>,
    /// See `with_grid`.
    grid: Option<i64>,
}

impl WatermarkAssigner {
    pub fn new(expr: ScalarExpr, rowtime: usize, ctx: EvalContext) -> Self {
        WatermarkAssigner { expr, rowtime, ctx, max_seen: None, grid: None }
    }

    /// Also emits the watermark right after a row that moves it past a multiple of
    /// `interval` (µs) minus 1 ms: the moments a window slice of that size fires. Flink's
    /// two-phase window aggregation flushes its local pre-aggregate at exactly those
    /// rows, and floating-point sums depend on where the flushes fall.
    pub fn with_grid(mut self, interval: i64) -> Self {
        self.grid = (interval > 0).then_some(interval);
        self
    }

    fn crosses_grid(&self, watermark: i64) -> bool {
        let Some(grid) = self.grid else { return false };
        let index = |w: i64| w.saturating_add(crate::spec::MILLI).div_euclid(grid);
        self.max_seen.is_none_or(|seen| index(watermark) > index(seen))
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
        let rowtimes = batch
            .data
            .column(self.rowtime)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| RuntimeError::Internal("rowtime column is not a timestamp".into()))?;
        let mut start = 0;
        let mut watermark = self.max_seen;
        for i in 0..batch.num_rows() {
            if let Some(wm) = watermark {
                // A row at or behind the watermark: everything before it is sent with
                // the watermark it raised, so that operators can judge this row.
                if rowtimes.is_valid(i) && rowtimes.value(i) <= wm && Some(wm) > self.max_seen {
                    out.emit(batch.slice(start, i - start));
                    out.emit_watermark(wm);
                    self.max_seen = Some(wm);
                    start = i;
                }
            }
            if values.is_valid(i) {
                let v = values.value(i);
                if watermark.is_none_or(|w| v > w) {
                    watermark = Some(v);
                    if self.crosses_grid(v) {
                        out.emit(batch.slice(start, i + 1 - start));
                        out.emit_watermark(v);
                        self.max_seen = Some(v);
                        start = i + 1;
                    }
                }
            }
        }
        out.emit(batch.slice(start, batch.num_rows() - start));
        if watermark > self.max_seen {
            self.max_seen = watermark;
            if let Some(w) = watermark {
                out.emit_watermark(w);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, TimestampMicrosecondArray};
    use arrow_schema::{DataType as ArrowType, Field, Schema, TimeUnit};
    use sluice_types::{DataType, TypeKind};

    use super::*;
    use crate::operator::OutputEvent;

    fn batch(times: &[i64]) -> ChangeBatch {
        let schema =
            Arc::new(Schema::new(vec![Field::new("ts", ArrowType::Timestamp(TimeUnit::Microsecond, None), true)]));
        let col: ArrayRef = Arc::new(TimestampMicrosecondArray::from(times.to_vec()));
        ChangeBatch::inserts(RecordBatch::try_new(schema, vec![col]).unwrap())
    }

    /// The watermark is the rowtime itself (no delay), to keep the numbers plain.
    fn assigner() -> WatermarkAssigner {
        let ts = ScalarExpr::Column { index: 0, data_type: DataType::new(TypeKind::Timestamp { precision: 3 }) };
        WatermarkAssigner::new(ts, 0, EvalContext::default())
    }

    fn events(out: &Output) -> Vec<String> {
        out.events
            .iter()
            .map(|e| match e {
                OutputEvent::Batch(b) => format!("rows {}", b.num_rows()),
                OutputEvent::Watermark(w) => format!("wm {w}"),
            })
            .collect()
    }

    #[test]
    fn in_order_batches_are_not_split() {
        let mut op = assigner();
        let mut out = Output::default();
        op.on_batch(0, batch(&[1, 2, 3, 4]), &mut out).unwrap();
        assert_eq!(events(&out), ["rows 4", "wm 4"]);
    }

    #[test]
    fn a_row_behind_the_watermark_sees_the_rows_before_it() {
        let mut op = assigner();
        let mut out = Output::default();
        op.on_batch(0, batch(&[10, 50, 20, 60, 55, 70]), &mut out).unwrap();
        // 20 is behind 50 and 55 behind 60: the watermark goes out before each.
        assert_eq!(events(&out), ["rows 2", "wm 50", "rows 2", "wm 60", "rows 2", "wm 70"]);
        let mut out = Output::default();
        op.on_batch(0, batch(&[65, 80]), &mut out).unwrap();
        // 65 is behind the watermark already sent: no split needed.
        assert_eq!(events(&out), ["rows 2", "wm 80"]);
    }

    #[test]
    fn a_grid_emits_the_watermark_right_after_the_row_that_crosses_a_slice_end() {
        // Slices of 10 ms: boundaries at 9 ms, 19 ms, ... (in µs: 9_000, 19_000).
        let mut op = assigner().with_grid(10_000);
        let mut out = Output::default();
        op.on_batch(0, batch(&[1_000, 5_000, 9_000, 12_000, 18_000, 25_000, 26_000]), &mut out).unwrap();
        assert_eq!(
            events(&out),
            ["rows 1", "wm 1000", "rows 2", "wm 9000", "rows 3", "wm 25000", "rows 1", "wm 26000"]
        );
    }
}
