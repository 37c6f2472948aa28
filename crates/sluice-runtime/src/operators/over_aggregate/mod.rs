//! Event-time OVER aggregation: `agg(...) OVER (PARTITION BY keys ORDER BY rowtime
//! <frame>)`, one output row per input row with the aggregates of its frame.
//!
//! Rows wait per key until the watermark passes their rowtime, then are processed in
//! rowtime order (ties in arrival order), as Flink's event-time timers do:
//! - `RANGE` frames: all rows of one rowtime are accumulated before any is emitted, so
//!   peers see each other. `ROWS` frames: each row sees the rows processed before it.
//! - Bounded frames slide: rows leaving the frame are retracted from the accumulators
//!   and freed (`RowTimeRangeBoundedPrecedingFunction`,
//!   `RowTimeRowsBoundedPrecedingFunction`).
//!
//! Lateness follows Flink exactly. With an UNBOUNDED frame a row at or behind the
//! watermark is late. With a bounded frame a row is late when its rowtime is at or
//! before the last rowtime processed for its key, which starts at 0: Flink's bounded
//! OVER drops rows at or before 1970-01-01 00:00:00 too. Late rows are dropped and
//! counted; rows with a NULL rowtime are dropped and counted as well.

mod accumulator;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{
    Array, ArrayRef, Decimal128Array, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array, Int8Array,
    RecordBatch, RecordBatchOptions,
};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;

use self::accumulator::{Acc, AggInput, AggPlan, AggValue, RefChanges};
use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operator::KeyGroupFilter;
use crate::operators::state::{load_owned_keys, load_stored, load_timers, save_keys, save_stored, save_timers};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::{OverAggregateSpec, OverFrame};
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "OverAggregateOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

pub struct OverAggregateOperator {
    spec: OverAggregateSpec,
    keys: Option<RowConverter>,
    plans: Vec<AggPlan>,
    input_types: Vec<ArrowType>,
    output_types: Vec<ArrowType>,
    key_index: KeyMap<Vec<u8>, usize>,
    states: Vec<KeyState>,
    /// Pending rowtimes per key, like Flink's event-time timers: fired in time order.
    timers: BTreeSet<(i64, usize)>,
    store: BatchStore,
    watermark: Option<i64>,
    late: u64,
    /// State was restored into this operator (instances' states merge into one).
    restored: bool,
}

struct Held {
    ts: i64,
    row: RowRef,
    inputs: Vec<AggInput>,
}

struct KeyState {
    /// Accepted rows not processed yet, by rowtime, in arrival order.
    pending: BTreeMap<i64, Vec<Held>>,
    /// Processed rows still inside the frame of a future row (bounded frames only).
    frame: VecDeque<Held>,
    accs: Vec<Acc>,
    /// The last rowtime processed (Flink's `lastTriggeringTs`, 0 at first).
    last_triggering: i64,
    /// Flink keeps a bounded RANGE frame's rows in a `java.util.HashMap` keyed by rowtime
    /// and retracts expired rowtimes in that map's iteration order, which decides the
    /// last bits of floating-point sums. Sluice replays that order: the map holds the
    /// rowtimes of the frame and the one being processed (this model, measured against
    /// Flink's rows, fits them; counting rowtimes still pending does not).
    java_map: JavaMapShape,
}

/// The size and capacity of a `java.util.HashMap` that only grows by doubling.
#[derive(Clone, Copy)]
struct JavaMapShape {
    size: usize,
    capacity: usize,
}

impl JavaMapShape {
    fn new() -> Self {
        JavaMapShape { size: 0, capacity: 16 }
    }

    fn insert(&mut self) {
        self.size += 1;
        while self.size * 4 > self.capacity * 3 {
            self.capacity *= 2;
        }
    }

    fn remove(&mut self) {
        self.size = self.size.saturating_sub(1);
    }

    /// The bucket of a rowtime (a `Long` of epoch milliseconds in Flink).
    fn bucket(&self, ts_micros: i64) -> usize {
        let v = ts_micros.div_euclid(1000) as u64;
        let h = (v ^ (v >> 32)) as u32;
        let h = h ^ (h >> 16);
        h as usize & (self.capacity - 1)
    }
}

/// Rows and aggregate values gathered during one watermark, emitted as one batch.
#[derive(Default)]
struct Emission {
    rows: Vec<RowRef>,
    values: Vec<Vec<AggValue>>,
    refs: RefChanges,
}

impl OverAggregateOperator {
    pub fn new(spec: OverAggregateSpec) -> Result<Self, RuntimeError> {
        let fields = spec.output_schema.fields();
        let input_len = fields
            .len()
            .checked_sub(spec.aggregates.len())
            .ok_or_else(|| internal("output schema lacks the aggregate columns"))?;
        let input_types: Vec<ArrowType> = fields.iter().take(input_len).map(|f| f.data_type().clone()).collect();
        let output_types: Vec<ArrowType> = fields.iter().skip(input_len).map(|f| f.data_type().clone()).collect();
        let type_of = |c: usize| input_types.get(c).ok_or_else(|| internal(format!("column {c} is out of range")));
        type_of(spec.time_column)?;
        let keys = if spec.keys.is_empty() {
            None
        } else {
            let f = spec.keys.iter().map(|c| type_of(*c).map(|t| SortField::new(t.clone()))).collect::<Result<_, _>>()?;
            Some(RowConverter::new(f).map_err(internal)?)
        };
        let plans = spec
            .aggregates
            .iter()
            .zip(&output_types)
            .map(|(call, out)| {
                let arg = match call.args.first() {
                    Some(c) => Some(type_of(*c)?),
                    None => None,
                };
                AggPlan::new(call, arg, out)
            })
            .collect::<Result<_, _>>()?;
        Ok(OverAggregateOperator {
            spec,
            keys,
            plans,
            input_types,
            output_types,
            key_index: KeyMap::default(),
            states: Vec::new(),
            timers: BTreeSet::new(),
            store: BatchStore::default(),
            watermark: None,
            late: 0,
            restored: false,
        })
    }

    /// How many input batches the operator still holds (for tests of state cleanup).
    pub fn stored_batches(&self) -> usize {
        self.store.len()
    }

    fn bounded(&self) -> bool {
        matches!(self.spec.frame, OverFrame::Range { preceding: Some(_) } | OverFrame::Rows { preceding: Some(_) })
    }

    fn new_state(&self) -> KeyState {
        let retracting = self.bounded();
        KeyState {
            pending: BTreeMap::new(),
            frame: VecDeque::new(),
            accs: self.plans.iter().map(|p| p.new_acc(retracting)).collect(),
            last_triggering: 0,
            java_map: JavaMapShape::new(),
        }
    }

    /// Processes the rows of `key` at `ts` (all pending rows up to `ts` for an
    /// UNBOUNDED frame).
    fn process(&mut self, key: usize, ts: i64, watermark: i64, em: &mut Emission) {
        let frame = self.spec.frame;
        let bounded = self.bounded();
        let plans = &self.plans;
        let Some(state) = self.states.get_mut(key) else { return };
        let groups: Vec<(i64, Vec<Held>)> = match frame {
            OverFrame::Range { preceding: Some(_) } | OverFrame::Rows { preceding: Some(_) } => {
                state.pending.remove(&ts).map(|rows| vec![(ts, rows)]).unwrap_or_default()
            }
            _ => {
                let later = state.pending.split_off(&watermark.saturating_add(1));
                let due = std::mem::replace(&mut state.pending, later);
                due.into_iter().collect()
            }
        };
        if !bounded {
            if let Some((&next, _)) = state.pending.first_key_value() {
                self.timers.insert((next, key));
            }
        }
        for (ts, rows) in groups {
            state.last_triggering = ts;
            match frame {
                OverFrame::Range { preceding } => {
                    if let Some(p) = preceding {
                        state.java_map.insert();
                        let oldest = ts.saturating_sub(p);
                        let mut expired = Vec::new();
                        while state.frame.front().is_some_and(|h| h.ts < oldest) {
                            if let Some(h) = state.frame.pop_front() {
                                expired.push(h);
                            }
                        }
                        // In the order Flink's HashMap of rowtimes yields them (stable:
                        // rows of one rowtime keep their arrival order).
                        let shape = state.java_map;
                        expired.sort_by_key(|h| (shape.bucket(h.ts), h.ts));
                        let mut previous = None;
                        for h in expired {
                            if previous != Some(h.ts) {
                                state.java_map.remove();
                                previous = Some(h.ts);
                            }
                            for ((acc, plan), input) in state.accs.iter_mut().zip(plans).zip(&h.inputs) {
                                acc.retract(plan, input, &mut em.refs);
                            }
                            em.refs.released.push(h.row);
                        }
                    }
                    for h in &rows {
                        for ((acc, plan), input) in state.accs.iter_mut().zip(plans).zip(&h.inputs) {
                            acc.accumulate(plan, input, h.row, &mut em.refs);
                        }
                    }
                    let values: Vec<AggValue> = state.accs.iter().zip(plans).map(|(a, p)| p.finish(a)).collect();
                    for h in rows {
                        em.rows.push(h.row);
                        for (column, v) in em.values.iter_mut().zip(&values) {
                            column.push(v.clone());
                        }
                        if preceding.is_some() {
                            state.frame.push_back(h);
                        } else {
                            em.refs.released.push(h.row);
                        }
                    }
                }
                OverFrame::Rows { preceding } => {
                    for h in rows {
                        for ((acc, plan), input) in state.accs.iter_mut().zip(plans).zip(&h.inputs) {
                            acc.accumulate(plan, input, h.row, &mut em.refs);
                        }
                        let row = h.row;
                        match preceding {
                            Some(n) => {
                                state.frame.push_back(h);
                                if state.frame.len() as u64 > n.saturating_add(1) {
                                    if let Some(old) = state.frame.pop_front() {
                                        for ((acc, plan), input) in state.accs.iter_mut().zip(plans).zip(&old.inputs) {
                                            acc.retract(plan, input, &mut em.refs);
                                        }
                                        em.refs.released.push(old.row);
                                    }
                                }
                            }
                            None => em.refs.released.push(row),
                        }
                        em.rows.push(row);
                        for (column, (acc, plan)) in em.values.iter_mut().zip(state.accs.iter().zip(plans)) {
                            column.push(plan.finish(acc));
                        }
                    }
                }
            }
        }
    }

    fn fire(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let mut em = Emission { values: vec![Vec::new(); self.plans.len()], ..Default::default() };
        while let Some(&(ts, key)) = self.timers.first() {
            if ts > watermark {
                break;
            }
            self.timers.pop_first();
            self.process(key, ts, watermark, &mut em);
            // Values that entered MIN/MAX state are held before anything is freed.
            for r in em.refs.retained.drain(..) {
                self.store.retain(r.batch);
            }
        }
        if em.rows.is_empty() {
            return Ok(());
        }
        let mut columns = self.store.gather(&em.rows, &self.input_types)?;
        for ((plan, values), out_type) in self.plans.iter().zip(&em.values).zip(&self.output_types) {
            columns.push(self.build_column(plan, values, out_type)?);
        }
        for r in em.refs.released.drain(..) {
            self.store.release(r.batch);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(em.rows.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options)
            .map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }

    fn build_column(&self, plan: &AggPlan, values: &[AggValue], out_type: &ArrowType) -> Result<ArrayRef, RuntimeError> {
        if plan.is_ordered() {
            let rows: Vec<Option<RowRef>> =
                values.iter().map(|v| if let AggValue::Row(r) = v { *r } else { None }).collect();
            let arg = plan.arg().ok_or_else(|| internal("MIN/MAX without argument"))?;
            return self.store.gather_column(arg, &rows, out_type);
        }
        let ints = || values.iter().map(|v| if let AggValue::Int(i) = v { Some(*i) } else { None });
        let floats = || values.iter().map(|v| if let AggValue::Float(f) = v { Some(*f) } else { None });
        Ok(match out_type {
            ArrowType::Int8 => Arc::new(ints().map(|v| v.map(|v| v as i8)).collect::<Int8Array>()),
            ArrowType::Int16 => Arc::new(ints().map(|v| v.map(|v| v as i16)).collect::<Int16Array>()),
            ArrowType::Int32 => Arc::new(ints().map(|v| v.map(|v| v as i32)).collect::<Int32Array>()),
            ArrowType::Int64 => Arc::new(ints().collect::<Int64Array>()),
            ArrowType::Float32 => Arc::new(floats().map(|v| v.map(|v| v as f32)).collect::<Float32Array>()),
            ArrowType::Float64 => Arc::new(floats().collect::<Float64Array>()),
            ArrowType::Decimal128(p, s) => Arc::new(
                values
                    .iter()
                    .map(|v| if let AggValue::Decimal(d) = v { Some(*d) } else { None })
                    .collect::<Decimal128Array>()
                    .with_precision_and_scale(*p, *s)
                    .map_err(internal)?,
            ),
            other => return Err(internal(format!("aggregate result type {other} is not supported"))),
        })
    }
}

impl Operator for OverAggregateOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator {
                node: NAME.into(),
                message: "OVER aggregation does not support updating input".into(),
            });
        }
        let data = batch.data;
        if data.num_rows() == 0 {
            return Ok(());
        }
        let times = data
            .column(self.spec.time_column)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .cloned()
            .ok_or_else(|| internal("rowtime column is not a timestamp"))?;
        let keys = match &self.keys {
            Some(c) => {
                let cols: Vec<ArrayRef> = self.spec.keys.iter().map(|k| data.column(*k).clone()).collect();
                Some(c.convert_columns(&cols).map_err(internal)?)
            }
            None => None,
        };
        let mut inputs: Vec<std::vec::IntoIter<AggInput>> =
            self.plans.iter().map(|p| p.inputs(&data).map(|v| v.into_iter())).collect::<Result<_, _>>()?;
        let bounded = self.bounded();
        let id = self.store.insert(data.clone());
        for i in 0..data.num_rows() {
            let row_inputs: Vec<AggInput> = inputs.iter_mut().map(|it| it.next().unwrap_or(AggInput::Skip)).collect();
            if times.is_null(i) {
                self.late += 1;
                continue;
            }
            let ts = times.value(i);
            let key = keys.as_ref().map(|k| k.row(i).as_ref().to_vec()).unwrap_or_default();
            let k = match self.key_index.get(&key) {
                Some(k) => *k,
                None => {
                    let state = self.new_state();
                    self.states.push(state);
                    self.key_index.insert(key, self.states.len() - 1);
                    self.states.len() - 1
                }
            };
            let state = &mut self.states[k];
            let late = if bounded { ts <= state.last_triggering } else { self.watermark.is_some_and(|wm| ts <= wm) };
            if late {
                self.late += 1;
                continue;
            }
            state.pending.entry(ts).or_default().push(Held { ts, row: RowRef { batch: id, row: i as u32 }, inputs: row_inputs });
            self.store.retain(id);
            // Bounded frames fire once per rowtime; unbounded ones once per key, at the
            // earliest pending rowtime.
            if bounded || state.pending.first_key_value().is_some_and(|(t, _)| *t == ts) {
                self.timers.insert((ts, k));
            }
        }
        self.store.drop_if_unused(id);
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.watermark.is_some_and(|w| w >= watermark) {
            return Ok(());
        }
        self.watermark = Some(watermark);
        self.fire(watermark, out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Every key: its last processed rowtime, Flink's map shape, its pending and frame
    /// rows, and each aggregate's numbers and `MIN`/`MAX` rows; then the timers. What
    /// each row contributes is computed again from the rows on restore.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).u64(self.late);
        let mut keys: Vec<(&[u8], usize)> = self.key_index.iter().map(|(k, i)| (k.as_slice(), *i)).collect();
        keys.sort_by_key(|(_, i)| *i);
        if keys.len() != self.states.len() || keys.iter().enumerate().any(|(n, (_, i))| n != *i) {
            return Err(internal("keys and states are out of step"));
        }
        save_keys(&mut out, &self.keys, &keys.iter().map(|(k, _)| *k).collect::<Vec<_>>()).map_err(fail)?;
        let states = &self.states;
        out.natives(&states.iter().map(|s| s.last_triggering).collect::<Vec<_>>());
        out.natives(&states.iter().flat_map(|s| [s.java_map.size as u64, s.java_map.capacity as u64]).collect::<Vec<_>>());
        let pending: Vec<&Held> = states.iter().flat_map(|s| s.pending.values().flatten()).collect();
        let frame: Vec<&Held> = states.iter().flat_map(|s| s.frame.iter()).collect();
        out.natives(&states.iter().map(|s| s.pending.values().map(Vec::len).sum::<usize>() as u64).collect::<Vec<_>>());
        out.natives(&states.iter().map(|s| s.frame.len() as u64).collect::<Vec<_>>());
        let numbers: Vec<(i64, i64, f64, i128)> = states.iter().flat_map(|s| s.accs.iter().map(Acc::numbers)).collect();
        out.natives(&numbers.iter().map(|n| n.0).collect::<Vec<_>>());
        out.natives(&numbers.iter().map(|n| n.1).collect::<Vec<_>>());
        out.natives(&numbers.iter().map(|n| n.2).collect::<Vec<_>>());
        out.natives(&numbers.iter().map(|n| n.3).collect::<Vec<_>>());
        let ordered: Vec<Vec<RowRef>> = states.iter().flat_map(|s| s.accs.iter().map(|a| a.ordered_rows().collect())).collect();
        out.natives(&ordered.iter().map(|o| o.len() as u64).collect::<Vec<_>>());
        let mut rows: Vec<Option<RowRef>> = pending.iter().chain(&frame).map(|h| Some(h.row)).collect();
        rows.extend(ordered.iter().flatten().map(|r| Some(*r)));
        out.natives(&pending.iter().chain(&frame).map(|h| h.ts).collect::<Vec<_>>());
        save_stored(&mut out, &self.store, &rows, &self.input_types).map_err(fail)?;
        save_timers(&mut out, self.timers.iter().map(|(t, k)| (*t, *k as u64)));
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &KeyGroupFilter) -> Result<(), RuntimeError> {
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl OverAggregateOperator {
    /// Takes the state one instance saved, only the keys `keep` owns when given: the
    /// instances' keys are disjoint, so their states merge, with the lowest watermark
    /// (none drops a row another instance would keep) and the late rows counted once.
    fn restore_part(&mut self, state: &[u8], keep: Option<&KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mismatch = || fail("the saved keys, rows and aggregates do not match".into());
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let late = input.u64().map_err(fail)?;
        match keep {
            None => (self.watermark, self.late) = (watermark, late),
            Some(keep) => {
                self.watermark = if self.restored { self.watermark.zip(watermark).map(|(a, b)| a.min(b)) } else { watermark };
                if keep.instance == 0 {
                    self.late += late;
                }
            }
        }
        self.restored = true;
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let n = keys.len();
        let last = input.natives::<i64>().map_err(fail)?;
        let shapes = input.natives::<u64>().map_err(fail)?;
        let pending_sizes = input.natives::<u64>().map_err(fail)?;
        let frame_sizes = input.natives::<u64>().map_err(fail)?;
        let counts = input.natives::<i64>().map_err(fail)?;
        let ints = input.natives::<i64>().map_err(fail)?;
        let floats = input.natives::<f64>().map_err(fail)?;
        let decimals = input.natives::<i128>().map_err(fail)?;
        let ordered_sizes = input.natives::<u64>().map_err(fail)?;
        let times = input.natives::<i64>().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        let timers = load_timers(&mut input, n).map_err(fail)?;
        input.end().map_err(fail)?;
        let calls = self.plans.len();
        let held: u64 = pending_sizes.iter().chain(&frame_sizes).sum();
        let fits = last.len() == n
            && shapes.len() == 2 * n
            && pending_sizes.len() == n
            && frame_sizes.len() == n
            && [counts.len(), ints.len(), floats.len(), decimals.len(), ordered_sizes.len()] == [n * calls; 5]
            && times.len() as u64 == held
            && rows.len() as u64 == held + ordered_sizes.iter().sum::<u64>()
            && shapes.chunks(2).all(|c| c[1].is_power_of_two() && c[0] <= c[1]);
        if !fits {
            return Err(mismatch());
        }
        let inputs: Vec<Vec<AggInput>> = self.plans.iter().map(|p| p.inputs(&batch)).collect::<Result<_, _>>()?;
        let row = |i: usize| rows[i].ok_or_else(mismatch);
        let held_at = |i: usize| -> Result<Held, RuntimeError> {
            Ok(Held { ts: times[i], row: row(i)?, inputs: inputs.iter().map(|v| v[i].clone()).collect() })
        };
        let (mut next_pending, mut next_frame) = (0, pending_sizes.iter().sum::<u64>() as usize);
        let mut next_ordered = held as usize;
        // Saved key ordinals to this operator's, for the keys it owns.
        let mut ordinals: Vec<Option<usize>> = vec![None; n];
        for (k, key) in keys.into_iter().enumerate() {
            if !owned[k] {
                let ordered: usize = ordered_sizes[k * calls..(k + 1) * calls].iter().sum::<u64>() as usize;
                let spans = [
                    next_pending..next_pending + pending_sizes[k] as usize,
                    next_frame..next_frame + frame_sizes[k] as usize,
                    next_ordered..next_ordered + ordered,
                ];
                for i in spans.into_iter().flatten() {
                    self.store.release(row(i)?.batch);
                }
                next_pending += pending_sizes[k] as usize;
                next_frame += frame_sizes[k] as usize;
                next_ordered += ordered;
                continue;
            }
            let mut state = self.new_state();
            state.last_triggering = last[k];
            state.java_map = JavaMapShape { size: shapes[2 * k] as usize, capacity: shapes[2 * k + 1] as usize };
            for i in next_pending..next_pending + pending_sizes[k] as usize {
                let h = held_at(i)?;
                state.pending.entry(h.ts).or_default().push(h);
            }
            next_pending += pending_sizes[k] as usize;
            for i in next_frame..next_frame + frame_sizes[k] as usize {
                state.frame.push_back(held_at(i)?);
            }
            next_frame += frame_sizes[k] as usize;
            for (c, acc) in state.accs.iter_mut().enumerate() {
                let a = k * calls + c;
                acc.set_numbers((counts[a], ints[a], floats[a], decimals[a]));
                for i in next_ordered..next_ordered + ordered_sizes[a] as usize {
                    let AggInput::Ordered(value) = &inputs[c][i] else { return Err(mismatch()) };
                    acc.push_ordered(value.clone(), row(i)?);
                }
                next_ordered += ordered_sizes[a] as usize;
            }
            ordinals[k] = Some(self.states.len());
            self.key_index.insert(key, self.states.len());
            self.states.push(state);
        }
        self.timers.extend(timers.into_iter().filter_map(|(t, k)| ordinals[k].map(|k| (t, k))));
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        let calls: Vec<String> = self.spec.aggregates.iter().map(|c| format!("{:?}({:?})", c.kind, c.args)).collect();
        format!(
            "an OVER aggregation partitioned by columns {:?} over {:?} computing {} over columns {:?}",
            self.spec.keys,
            self.spec.frame,
            calls.join(", "),
            self.input_types
        )
    }
}
