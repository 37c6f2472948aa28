use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use sluice_connector_api::{ChangeBatch, SplitId};
use sluice_expr::{EvalContext, ScalarExpr};

use crate::checkpoint::codec::{StateReader, StateWriter};
use crate::operator::SplitEvent;
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
///
/// A source with splits (Kafka partitions) gets a watermark per split, and the minimum
/// over the splits goes downstream, as Flink's per-partition watermarks do: a partition
/// that lags holds the others back, so its rows are not late merely because another
/// partition is ahead. A split that was added but has no rows yet holds the watermark
/// back too; a split with no rows for the idle timeout, or a finished one, does not.
pub struct WatermarkAssigner {
    expr: ScalarExpr,
    /// The rowtime column, to find rows behind the watermark.
    rowtime: usize,
    ctx: EvalContext,
    /// The largest value of `expr` over all rows, when the source has no splits.
    max_seen: Option<i64>,
    /// The last watermark emitted.
    emitted: Option<i64>,
    /// See `with_grid`.
    grid: Option<i64>,
    /// Computed columns evaluated first, when the assigner sits right after a source.
    projection: Option<(Vec<ScalarExpr>, SchemaRef)>,
    splits: HashMap<SplitId, SplitState>,
    split_idle_timeout: Option<Duration>,
    /// `with_watermark_per_row`.
    per_row: bool,
    /// `with_eager_interval`.
    eager: Option<i64>,
}

/// The watermark state of one split.
struct SplitState {
    max_seen: Option<i64>,
    last_data: Instant,
    finished: bool,
}

impl SplitState {
    /// A split just added: no rows yet, so it holds the watermark back until it has rows
    /// or is idle.
    fn new() -> Self {
        SplitState { max_seen: None, last_data: Instant::now(), finished: false }
    }
}

impl WatermarkAssigner {
    pub fn new(expr: ScalarExpr, rowtime: usize, ctx: EvalContext) -> Self {
        WatermarkAssigner {
            expr,
            rowtime,
            ctx,
            max_seen: None,
            emitted: None,
            grid: None,
            projection: None,
            splits: HashMap::new(),
            split_idle_timeout: None,
            per_row: false,
            eager: None,
        }
    }

    /// Also emits the watermark right after a row that moves it past a multiple of
    /// `interval` (µs) minus 1 ms: the moments a window slice of that size fires. Flink's
    /// two-phase window aggregation flushes its local pre-aggregate at exactly those
    /// rows, and floating-point sums depend on where the flushes fall.
    pub fn with_grid(mut self, interval: i64) -> Self {
        self.grid = (interval > 0).then_some(interval);
        self
    }

    /// Evaluates `exprs` over each input batch first (the table's computed columns),
    /// producing rows of `schema`; `expr` and `rowtime` refer to that row. This keeps the
    /// assigner right after the source, where it sees which split each batch came from.
    pub fn with_projection(mut self, exprs: Vec<ScalarExpr>, schema: SchemaRef) -> Self {
        self.projection = Some((exprs, schema));
        self
    }

    /// A split without rows for this long stops holding the watermark back
    /// (`scan.watermark.idle-timeout`, `table.exec.source.idle-timeout`).
    pub fn with_split_idle_timeout(mut self, timeout: Duration) -> Self {
        self.split_idle_timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// Emits the watermark right after every row that raises it, so that each row
    /// downstream sees the watermark of all rows before it: what `CURRENT_WATERMARK`
    /// returns in Flink on a small input (measured with Flink 2.3).
    pub fn with_watermark_per_row(mut self) -> Self {
        self.per_row = true;
        self
    }

    /// Emits the watermark as Flink's SQL watermark assigner does on its own: right after a
    /// row that moves it more than `interval` (µs, `pipeline.auto-watermark-interval`)
    /// beyond the last one emitted (0 before the first), and otherwise only at the end of
    /// a batch (where Flink's periodic timer would emit it). A row behind a watermark that
    /// was not emitted is then not late, as in Flink. Interval joins need this: whether a
    /// row is cached or meets the other side's rows depends on the exact watermark when it
    /// arrives, for rows ahead of the watermark too (a bound that excludes 0).
    pub fn with_eager_interval(mut self, interval: i64) -> Self {
        self.eager = Some(interval.max(0));
        self
    }

    fn crosses_grid(&self, watermark: i64) -> bool {
        if let Some(interval) = self.eager {
            // Flink compares in milliseconds with its last watermark, 0 at first.
            let last = self.emitted.unwrap_or(0);
            if watermark.saturating_sub(last) > interval {
                return true;
            }
        }
        if self.per_row {
            return true;
        }
        let Some(grid) = self.grid else { return false };
        let index = |w: i64| w.saturating_add(crate::spec::MILLI).div_euclid(grid);
        self.emitted.is_none_or(|seen| index(watermark) > index(seen))
    }

    fn project(&self, batch: ChangeBatch) -> Result<ChangeBatch, RuntimeError> {
        let Some((exprs, schema)) = &self.projection else { return Ok(batch) };
        let columns = exprs
            .iter()
            .map(|e| e.evaluate(&batch.data, &self.ctx))
            .collect::<Result<Vec<ArrayRef>, _>>()
            .map_err(|e| RuntimeError::Eval { node: "WatermarkAssigner".into(), source: e })?;
        let data = RecordBatch::try_new_with_options(
            Arc::clone(schema),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
        )
        .map_err(|e| RuntimeError::Internal(format!("computed columns: {e}")))?;
        Ok(ChangeBatch { data, kinds: batch.kinds })
    }

    fn is_idle(&self, split: &SplitState, now: Instant) -> bool {
        self.split_idle_timeout.is_some_and(|t| now.duration_since(split.last_data) >= t)
    }

    /// What the splits other than `except` allow: `None` when none of them counts (no
    /// other split, or all idle or finished), `Some(None)` when one holds the watermark
    /// back entirely (no rows yet), `Some(Some(w))` their minimum.
    fn others(&self, except: Option<SplitId>) -> Option<Option<i64>> {
        let now = Instant::now();
        let mut result: Option<Option<i64>> = None;
        for (id, split) in &self.splits {
            if Some(*id) == except || split.finished || self.is_idle(split, now) {
                continue;
            }
            result = Some(match (result, split.max_seen) {
                (None, m) => m,
                (Some(None), _) | (_, None) => None,
                (Some(Some(a)), Some(b)) => Some(a.min(b)),
            });
        }
        result
    }

    /// The rows of one batch, from the split `split` (or from a source without splits).
    fn assign(&mut self, batch: ChangeBatch, split: Option<SplitId>, out: &mut Output) -> Result<(), RuntimeError> {
        let batch = self.project(batch)?;
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
        let (mut max, others) = match split {
            None => (self.max_seen, None),
            Some(s) => (self.splits.get(&s).and_then(|st| st.max_seen), self.others(Some(s))),
        };
        let combine = |m: Option<i64>| match others {
            None => m,
            Some(None) => None,
            Some(Some(o)) => m.map(|m| m.min(o)),
        };
        let mut start = 0;
        for i in 0..batch.num_rows() {
            if let Some(wm) = combine(max).filter(|_| self.eager.is_none()) {
                // A row at or behind the watermark: everything before it is sent with
                // the watermark it raised, so that operators can judge this row.
                if rowtimes.is_valid(i) && rowtimes.value(i) <= wm && Some(wm) > self.emitted {
                    out.emit(batch.slice(start, i - start));
                    out.emit_watermark(wm);
                    self.emitted = Some(wm);
                    start = i;
                }
            }
            if values.is_valid(i) {
                let v = values.value(i);
                if max.is_none_or(|m| v > m) {
                    max = Some(v);
                    if let Some(wm) = combine(max) {
                        if Some(wm) > self.emitted && self.crosses_grid(wm) {
                            out.emit(batch.slice(start, i + 1 - start));
                            out.emit_watermark(wm);
                            self.emitted = Some(wm);
                            start = i + 1;
                        }
                    }
                }
            }
        }
        out.emit(batch.slice(start, batch.num_rows() - start));
        match split {
            None => self.max_seen = max,
            Some(s) => {
                let state = self.splits.entry(s).or_insert_with(SplitState::new);
                state.max_seen = max;
                state.last_data = Instant::now();
            }
        }
        let wm = combine(max);
        if wm > self.emitted {
            self.emitted = wm;
            if let Some(w) = wm {
                out.emit_watermark(w);
            }
        }
        Ok(())
    }

    /// After a split went idle or finished: emit the watermark the others allow.
    fn release(&mut self, out: &mut Output) {
        if let Some(Some(wm)) = self.others(None) {
            if Some(wm) > self.emitted {
                self.emitted = Some(wm);
                out.emit_watermark(wm);
            }
        }
    }
}

impl Operator for WatermarkAssigner {
    fn name(&self) -> &str {
        "WatermarkAssigner"
    }

    fn facts(&self) -> crate::operator::OperatorFacts {
        let now = Instant::now();
        let mut splits: Vec<crate::operator::SplitFacts> = self
            .splits
            .iter()
            .map(|(id, s)| crate::operator::SplitFacts { split: *id, watermark: s.max_seen, idle: self.is_idle(s, now), finished: s.finished })
            .collect();
        splits.sort_by_key(|s| s.split);
        crate::operator::OperatorFacts { splits, split_idle_timeout: self.split_idle_timeout, ..Default::default() }
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        self.assign(batch, None, out)
    }

    fn on_split(&mut self, _input: usize, split: SplitId, event: SplitEvent, out: &mut Output) -> Result<(), RuntimeError> {
        match event {
            SplitEvent::Batch(batch) => self.assign(batch, Some(split), out),
            SplitEvent::Added => {
                self.splits.entry(split).or_insert_with(SplitState::new);
                Ok(())
            }
            SplitEvent::Finished => {
                if let Some(state) = self.splits.get_mut(&split) {
                    state.finished = true;
                }
                self.release(out);
                Ok(())
            }
        }
    }

    fn on_quiet(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.release(out);
        Ok(())
    }

    fn is_stateless(&self) -> bool {
        true
    }

    /// The watermark so far, whole and per split, so that a restored job neither takes
    /// back a watermark it emitted nor keeps rows it would have found late.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut w = StateWriter::new(1);
        w.opt_i64(self.max_seen).opt_i64(self.emitted).u64(self.splits.len() as u64);
        let mut splits: Vec<_> = self.splits.iter().collect();
        splits.sort_by_key(|(id, _)| **id);
        for (id, state) in splits {
            w.u64(*id as u64).opt_i64(state.max_seen).bool(state.finished);
        }
        Ok(Some(w.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        let fail = |message: String| RuntimeError::Operator { node: self.name().to_string(), message };
        let (mut r, _) = StateReader::open(state, "the watermark assigner", &[1]).map_err(fail)?;
        let restored = (|| -> Result<_, String> {
            let (max_seen, emitted, count) = (r.opt_i64()?, r.opt_i64()?, r.u64()?);
            let mut splits = HashMap::new();
            for _ in 0..count {
                let id = r.u64()? as SplitId;
                let state = SplitState { max_seen: r.opt_i64()?, last_data: Instant::now(), finished: r.bool()? };
                splits.insert(id, state);
            }
            r.end()?;
            Ok((max_seen, emitted, splits))
        })()
        .map_err(fail)?;
        (self.max_seen, self.emitted, self.splits) = restored;
        Ok(())
    }

    /// Split ids are a reader's own, so the splits of instances saved at another
    /// parallelism mean nothing here: the splits start again (as Flink's watermarks do
    /// after a restore), and the lowest watermark any instance emitted stays a floor.
    fn restore_rescaled(&mut self, states: &[&[u8]], _keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        let mut floor: Option<Option<i64>> = None;
        let mut seen: Option<Option<i64>> = None;
        for state in states {
            self.restore(state)?;
            floor = Some(match floor {
                None => self.emitted,
                Some(f) => f.zip(self.emitted).map(|(a, b)| a.min(b)),
            });
            let max = self.max_seen.or(self.splits.values().filter_map(|s| s.max_seen).min());
            seen = Some(match seen {
                None => max,
                Some(s) => s.zip(max).map(|(a, b)| a.min(b)),
            });
        }
        self.splits.clear();
        self.emitted = floor.flatten();
        self.max_seen = seen.flatten();
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

    fn split(op: &mut WatermarkAssigner, id: SplitId, times: &[i64]) -> Vec<String> {
        let mut out = Output::default();
        op.on_split(0, id, SplitEvent::Batch(batch(times)), &mut out).unwrap();
        events(&out)
    }

    #[test]
    fn the_watermark_is_the_minimum_over_splits() {
        let mut op = assigner();
        let mut out = Output::default();
        op.on_split(0, 0, SplitEvent::Added, &mut out).unwrap();
        op.on_split(0, 1, SplitEvent::Added, &mut out).unwrap();
        assert!(events(&out).is_empty());
        // Split 1 has no rows yet: it holds the watermark back.
        assert_eq!(split(&mut op, 0, &[10, 20]), ["rows 2"]);
        // Split 1 lags behind split 0: its rows are not late.
        assert_eq!(split(&mut op, 1, &[5, 15]), ["rows 2", "wm 15"]);
        assert_eq!(split(&mut op, 1, &[30]), ["rows 1", "wm 20"]);
        // Behind the combined watermark (20): the watermark already went out.
        assert_eq!(split(&mut op, 0, &[18, 40]), ["rows 2", "wm 30"]);
    }

    #[test]
    fn a_finished_split_releases_the_watermark() {
        let mut op = assigner();
        let mut out = Output::default();
        op.on_split(0, 0, SplitEvent::Added, &mut out).unwrap();
        op.on_split(0, 1, SplitEvent::Added, &mut out).unwrap();
        assert_eq!(split(&mut op, 0, &[10, 20]), ["rows 2"]);
        let mut out = Output::default();
        op.on_split(0, 1, SplitEvent::Finished, &mut out).unwrap();
        assert_eq!(events(&out), ["wm 20"]);
    }

    #[test]
    fn an_idle_split_stops_holding_back() {
        let mut op = assigner().with_split_idle_timeout(Duration::from_nanos(1));
        let mut out = Output::default();
        op.on_split(0, 0, SplitEvent::Added, &mut out).unwrap();
        op.on_split(0, 1, SplitEvent::Added, &mut out).unwrap();
        std::thread::sleep(Duration::from_millis(1));
        // Split 1 has been silent for longer than the timeout.
        assert_eq!(split(&mut op, 0, &[10, 20]), ["rows 2", "wm 20"]);
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
