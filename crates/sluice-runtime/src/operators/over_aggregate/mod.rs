//! Event-time OVER aggregation: `agg(...) OVER (PARTITION BY keys ORDER BY rowtime
//! <frame>)`, one output row per input row with the aggregates of its frame.
//!
//! Rows wait per key until the watermark passes their rowtime, then are processed in
//! rowtime order (ties in arrival order), as Flink's event-time timers do:
//! - `RANGE` frames: all rows of one rowtime are accumulated before any is emitted, so
//!   peers see each other. `ROWS` frames: each row sees the rows processed before it.
//! - Bounded frames slide: rows leaving the frame are retracted from the accumulators
//!   and freed (`RowTimeRangeBoundedPrecedingFunction`,
//!   `RowTimeRowsBoundedPrecedingFunction`). A `ROWS` frame that is full retracts its
//!   oldest row before it adds the new one, as Flink does.
//!
//! The aggregates are the retracting accumulators of the updating `GROUP BY`
//! (`aggregate::retract`), one group id per key, so every aggregate Flink computes in a
//! `GROUP BY` is computed here with the same arithmetic; unbounded frames never retract
//! and use their insert-only forms. A watermark first decides, key by key, which rows
//! are added, retracted and emitted (`Steps`), then gathers the argument columns of
//! those rows into one batch, binds it once and replays the steps on it.
//!
//! Lateness follows Flink exactly. With an UNBOUNDED frame a row at or behind the
//! watermark is late. With a bounded frame a row is late when its rowtime is at or
//! before the last rowtime processed for its key, which starts at 0: Flink's bounded
//! OVER drops rows at or before 1970-01-01 00:00:00 too. Late rows are dropped and
//! counted; rows with a NULL rowtime are dropped and counted as well.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_row::{RowConverter, SortField};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;

use crate::aggregate::retract::{CallSite, RetractAggregates};
use crate::aggregate::{function_name, AggregateError};
use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::hash::KeyMap;
use crate::operator::KeyGroupFilter;
use crate::operators::state::{load_owned_keys, load_stored, load_timers, save_keys, save_stored, save_timers};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::{OverAggregateSpec, OverFrame};
use crate::{Operator, Output, RuntimeError};
use crate::operators::timers::EventTimers;

const NAME: &str = "OverAggregateOperator";

/// A key without a cleanup time, in a checkpoint.
const NO_CLEANUP: i64 = i64::MIN;

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

fn aggregate_error(e: AggregateError) -> RuntimeError {
    match e {
        AggregateError::Internal { .. } => internal(e),
        other => RuntimeError::Operator { node: NAME.into(), message: other.to_string() },
    }
}

/// Whether rows leave the frame (a bounded `PRECEDING`), so the aggregates retract.
fn is_bounded(frame: OverFrame) -> bool {
    matches!(frame, OverFrame::Range { preceding: Some(_) } | OverFrame::Rows { preceding: Some(_) })
}

pub struct OverAggregateOperator {
    spec: OverAggregateSpec,
    keys: Option<RowConverter>,
    /// Every aggregate call; a key's group id is its index in `states`.
    aggregates: RetractAggregates,
    /// The input columns the calls read (arguments and FILTERs), in the order of the
    /// batch `fire` gathers for them: the calls' columns are numbered in that batch.
    arg_columns: Vec<usize>,
    arg_schema: SchemaRef,
    input_types: Vec<ArrowType>,
    key_index: KeyMap<Vec<u8>, usize>,
    states: Vec<KeyState>,
    /// Groups without a key (it went to another instance when a rescaled checkpoint was
    /// restored): empty, and given to the next new key.
    free: Vec<usize>,
    /// Pending rowtimes per key, like Flink's event-time timers: fired in time order.
    timers: EventTimers<usize>,
    store: BatchStore,
    watermark: Option<i64>,
    late: u64,
    /// State was restored into this operator (instances' states merge into one).
    restored: bool,
}

struct Held {
    ts: i64,
    row: RowRef,
}

struct KeyState {
    /// Accepted rows not processed yet, by rowtime, in arrival order.
    pending: BTreeMap<i64, Vec<Held>>,
    /// Processed rows still inside the frame of a future row (bounded frames only).
    frame: VecDeque<Held>,
    /// The last timer fired (Flink's `lastTriggeringTs`, 0 at first).
    last_triggering: i64,
    /// A bounded RANGE frame's cleanup time (Flink's `cleanupTsState`): its timer, when
    /// no later row moved it, empties the key's state (see `process`).
    cleanup: Option<i64>,
    /// Flink keeps a bounded RANGE frame's rows in a `java.util.HashMap` keyed by rowtime
    /// and retracts expired rowtimes in that map's iteration order, which decides the
    /// last bits of floating-point sums. Sluice replays that order: the map holds the
    /// rowtimes of the frame and the one being processed (this model, measured against
    /// Flink's rows, fits them; counting rowtimes still pending does not).
    java_map: JavaMapShape,
}

impl KeyState {
    fn new() -> Self {
        KeyState {
            pending: BTreeMap::new(),
            frame: VecDeque::new(),
            last_triggering: 0,
            cleanup: None,
            java_map: JavaMapShape::new(),
        }
    }
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

/// One thing a watermark does to the accumulators.
#[derive(Clone, Copy)]
enum Step {
    /// Adds row `row` of `Steps::rows` to `group`.
    Add { row: usize, group: u32 },
    /// Takes row `row` of `Steps::rows` back from `group`.
    Retract { row: usize, group: u32 },
    /// Records `group`'s results for the next output row.
    Emit { group: u32 },
    /// Empties `group`.
    Reset { group: u32 },
}

/// What one watermark does, decided before any accumulator runs, so that the rows the
/// accumulators read are gathered into one batch and bound once.
#[derive(Default)]
struct Steps {
    steps: Vec<Step>,
    /// The rows `Add` and `Retract` read, in step order.
    rows: Vec<RowRef>,
    /// The output rows, in the order of the `Emit` steps.
    emitted: Vec<RowRef>,
    /// Rows whose references end once the output is built.
    released: Vec<RowRef>,
}

impl Steps {
    fn add(&mut self, row: RowRef, group: usize) {
        self.steps.push(Step::Add { row: self.rows.len(), group: group as u32 });
        self.rows.push(row);
    }

    fn retract(&mut self, row: RowRef, group: usize) {
        self.steps.push(Step::Retract { row: self.rows.len(), group: group as u32 });
        self.rows.push(row);
        self.released.push(row);
    }

    fn emit(&mut self, row: RowRef, group: usize) {
        self.steps.push(Step::Emit { group: group as u32 });
        self.emitted.push(row);
    }

    fn reset(&mut self, group: usize) {
        self.steps.push(Step::Reset { group: group as u32 });
    }
}

impl OverAggregateOperator {
    pub fn new(spec: OverAggregateSpec) -> Result<Self, RuntimeError> {
        let fields = spec.output_schema.fields();
        let input_len = fields
            .len()
            .checked_sub(spec.aggregates.len())
            .ok_or_else(|| internal("output schema lacks the aggregate columns"))?;
        let input_types: Vec<ArrowType> = fields.iter().take(input_len).map(|f| f.data_type().clone()).collect();
        let type_of = |c: usize| input_types.get(c).ok_or_else(|| internal(format!("column {c} is out of range")));
        type_of(spec.time_column)?;
        let keys = if spec.keys.is_empty() {
            None
        } else {
            let f = spec.keys.iter().map(|c| type_of(*c).map(|t| SortField::new(t.clone()))).collect::<Result<_, _>>()?;
            Some(RowConverter::new(f).map_err(internal)?)
        };
        // The calls read a batch of only their columns, numbered in first-use order.
        let mut arg_columns: Vec<usize> = Vec::new();
        let mut calls = spec.aggregates.clone();
        for call in &mut calls {
            for c in call.args.iter_mut().chain(call.filter.as_mut()) {
                type_of(*c)?;
                *c = match arg_columns.iter().position(|a| a == c) {
                    Some(p) => p,
                    None => {
                        arg_columns.push(*c);
                        arg_columns.len() - 1
                    }
                };
            }
        }
        let arg_fields: Vec<Field> =
            arg_columns.iter().enumerate().map(|(i, c)| Field::new(format!("${i}"), input_types[*c].clone(), true)).collect();
        let arg_schema = Arc::new(Schema::new(arg_fields));
        let aggregates = RetractAggregates::new(&calls, &arg_schema, !is_bounded(spec.frame), CallSite::Over).map_err(aggregate_error)?;
        Ok(OverAggregateOperator {
            spec,
            keys,
            aggregates,
            arg_columns,
            arg_schema,
            input_types,
            key_index: KeyMap::default(),
            states: Vec::new(),
            free: Vec::new(),
            timers: EventTimers::default(),
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

    /// A group for a new key: a free one, or a new one.
    fn new_group(&mut self) -> usize {
        if let Some(g) = self.free.pop() {
            return g;
        }
        self.states.push(KeyState::new());
        self.aggregates.ensure_groups(self.states.len());
        self.states.len() - 1
    }

    /// Decides what the rows of `key` at `ts` (all pending rows up to `ts` for an
    /// UNBOUNDED frame) do.
    ///
    /// A bounded RANGE frame also has Flink's cleanup timer (`registerCleanupTimer`):
    /// each accepted row at `t` moves it to `t + 1.5 * preceding + 1 ms` unless it is
    /// already past `t + preceding + 1 ms`. When it fires and no row moved it, the key's
    /// state is emptied, its accumulators too (so floating-point sums start again from
    /// exactly 0) and its last processed rowtime is 0 again. A timer without rows (a
    /// cleanup timer a later row moved) still becomes the last processed rowtime.
    fn process(&mut self, key: usize, ts: i64, watermark: i64, steps: &mut Steps) {
        let frame = self.spec.frame;
        let bounded = is_bounded(frame);
        let Some(state) = self.states.get_mut(key) else { return };
        if state.cleanup.is_some_and(|c| c <= ts) {
            for h in state.frame.drain(..).chain(std::mem::take(&mut state.pending).into_values().flatten()) {
                steps.released.push(h.row);
            }
            steps.reset(key);
            (state.last_triggering, state.cleanup, state.java_map) = (0, None, JavaMapShape::new());
            return;
        }
        if bounded {
            state.last_triggering = ts;
        }
        let groups: Vec<(i64, Vec<Held>)> = if bounded {
            state.pending.remove(&ts).map(|rows| vec![(ts, rows)]).unwrap_or_default()
        } else {
            let later = state.pending.split_off(&watermark.saturating_add(1));
            let due = std::mem::replace(&mut state.pending, later);
            due.into_iter().collect()
        };
        if !bounded {
            if let Some((&next, _)) = state.pending.first_key_value() {
                self.timers.set(next, key);
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
                            steps.retract(h.row, key);
                        }
                    }
                    for h in &rows {
                        steps.add(h.row, key);
                    }
                    for h in rows {
                        steps.emit(h.row, key);
                        if preceding.is_some() {
                            state.frame.push_back(h);
                        } else {
                            steps.released.push(h.row);
                        }
                    }
                }
                OverFrame::Rows { preceding } => {
                    for h in rows {
                        match preceding {
                            Some(n) => {
                                // A full frame first lets its oldest row go.
                                if state.frame.len() as u64 > n {
                                    if let Some(old) = state.frame.pop_front() {
                                        steps.retract(old.row, key);
                                    }
                                }
                                steps.add(h.row, key);
                                steps.emit(h.row, key);
                                state.frame.push_back(h);
                            }
                            None => {
                                steps.add(h.row, key);
                                steps.emit(h.row, key);
                                steps.released.push(h.row);
                            }
                        }
                    }
                }
            }
        }
    }

    fn fire(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let mut steps = Steps::default();
        while let Some((ts, key)) = self.timers.pop_until(watermark) {
            self.process(key, ts, watermark, &mut steps);
        }
        if steps.emitted.is_empty() {
            // Nothing to emit, so no row to add or retract; keys may have been emptied.
            for step in &steps.steps {
                if let Step::Reset { group } = *step {
                    self.aggregates.reset(group);
                }
            }
            for r in steps.released.drain(..) {
                self.store.release(r.batch);
            }
            return Ok(());
        }
        // The argument columns of every row the steps read, bound once.
        let rows: Vec<Option<RowRef>> = steps.rows.iter().map(|r| Some(*r)).collect();
        let args = self
            .arg_columns
            .iter()
            .map(|&c| self.store.gather_column(c, &rows, &self.input_types[c]))
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        let args = RecordBatch::try_new_with_options(self.arg_schema.clone(), args, &options).map_err(internal)?;
        self.aggregates.bind(&args).map_err(aggregate_error)?;
        for step in &steps.steps {
            match *step {
                Step::Add { row, group } => self.aggregates.apply(row, group, false),
                Step::Retract { row, group } => self.aggregates.apply(row, group, true),
                Step::Emit { group } => self.aggregates.push_results(group),
                Step::Reset { group } => self.aggregates.reset(group),
            }
        }
        let mut columns = self.store.gather(&steps.emitted, &self.input_types)?;
        columns.extend(self.aggregates.take_results().map_err(aggregate_error)?);
        for r in steps.released.drain(..) {
            self.store.release(r.batch);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(steps.emitted.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options)
            .map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
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
        let bounded = is_bounded(self.spec.frame);
        let id = self.store.insert(data.clone());
        for i in 0..data.num_rows() {
            if times.is_null(i) {
                self.late += 1;
                continue;
            }
            let ts = times.value(i);
            let row = keys.as_ref().map(|k| k.row(i));
            let key: &[u8] = row.as_ref().map(|r| r.as_ref()).unwrap_or_default();
            let k = match self.key_index.get(key) {
                Some(k) => *k,
                None => {
                    let k = self.new_group();
                    self.key_index.insert(key.to_vec(), k);
                    k
                }
            };
            let state = &mut self.states[k];
            let late = if bounded { ts <= state.last_triggering } else { self.watermark.is_some_and(|wm| ts <= wm) };
            if late {
                self.late += 1;
                continue;
            }
            if let OverFrame::Range { preceding: Some(p) } = self.spec.frame {
                // Flink computes in milliseconds: `ts + (long) (preceding * 1.5) + 1`.
                let ms = 1000;
                if state.cleanup.is_none_or(|c| c < ts.saturating_add(p).saturating_add(ms)) {
                    let at = ts.saturating_add((((p / ms) as f64 * 1.5) as i64).saturating_mul(ms)).saturating_add(ms);
                    state.cleanup = Some(at);
                    self.timers.set(at, k);
                }
            }
            state.pending.entry(ts).or_default().push(Held { ts, row: RowRef { batch: id, row: i as u32 } });
            self.store.retain(id);
            // Bounded frames fire once per rowtime; unbounded ones once per key, at the
            // earliest pending rowtime.
            if bounded || state.pending.first_key_value().is_some_and(|(t, _)| *t == ts) {
                self.timers.set(ts, k);
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

    /// Every key: its last processed rowtime, cleanup time, Flink's map shape, and its pending and
    /// frame rows; then the accumulators of the keys' groups (as the updating `GROUP BY`
    /// saves them) and the timers.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).u64(self.late);
        let mut keys: Vec<(&[u8], usize)> = self.key_index.iter().map(|(k, g)| (k.as_slice(), *g)).collect();
        keys.sort_by_key(|(_, g)| *g);
        save_keys(&mut out, &self.keys, &keys.iter().map(|(k, _)| *k).collect::<Vec<_>>()).map_err(fail)?;
        let mut ordinals: Vec<Option<u64>> = vec![None; self.states.len()];
        let mut states: Vec<&KeyState> = Vec::with_capacity(keys.len());
        for (n, (_, g)) in keys.iter().enumerate() {
            states.push(self.states.get(*g).ok_or_else(|| internal("a key has no state"))?);
            ordinals[*g] = Some(n as u64);
        }
        out.natives(&states.iter().map(|s| s.last_triggering).collect::<Vec<_>>());
        out.natives(&states.iter().map(|s| s.cleanup.unwrap_or(NO_CLEANUP)).collect::<Vec<_>>());
        out.natives(&states.iter().flat_map(|s| [s.java_map.size as u64, s.java_map.capacity as u64]).collect::<Vec<_>>());
        let held: Vec<&Held> =
            states.iter().flat_map(|s| s.pending.values().flatten()).chain(states.iter().flat_map(|s| s.frame.iter())).collect();
        out.natives(&states.iter().map(|s| s.pending.values().map(Vec::len).sum::<usize>() as u64).collect::<Vec<_>>());
        out.natives(&states.iter().map(|s| s.frame.len() as u64).collect::<Vec<_>>());
        out.natives(&held.iter().map(|h| h.ts).collect::<Vec<_>>());
        let rows: Vec<Option<RowRef>> = held.iter().map(|h| Some(h.row)).collect();
        save_stored(&mut out, &self.store, &rows, &self.input_types).map_err(fail)?;
        let groups: Vec<u32> = keys.iter().map(|(_, g)| *g as u32).collect();
        self.aggregates.save(&groups, &mut out).map_err(aggregate_error)?;
        let timers = self
            .timers
            .iter()
            .map(|(t, g)| ordinals.get(*g).copied().flatten().map(|k| (*t, k)).ok_or_else(|| internal("a timer has no key")))
            .collect::<Result<Vec<_>, _>>()?;
        save_timers(&mut out, timers.into_iter());
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
        let mismatch = || fail("the saved keys and rows do not match".into());
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let late = input.u64().map_err(fail)?;
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let n = keys.len();
        let last = input.natives::<i64>().map_err(fail)?;
        let cleanups = input.natives::<i64>().map_err(fail)?;
        let shapes = input.natives::<u64>().map_err(fail)?;
        let pending_sizes = input.natives::<u64>().map_err(fail)?;
        let frame_sizes = input.natives::<u64>().map_err(fail)?;
        let times = input.natives::<i64>().map_err(fail)?;
        let pending_total = pending_sizes.iter().sum::<u64>();
        let held = pending_total + frame_sizes.iter().sum::<u64>();
        let fits = last.len() == n
            && cleanups.len() == n
            && shapes.len() == 2 * n
            && pending_sizes.len() == n
            && frame_sizes.len() == n
            && times.len() as u64 == held
            && shapes.chunks(2).all(|c| c[1].is_power_of_two() && c[0] <= c[1]);
        if !fits {
            return Err(mismatch());
        }
        let (_, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        if rows.len() as u64 != held || rows.iter().any(Option::is_none) {
            return Err(mismatch());
        }
        let groups: Vec<usize> = (0..n).map(|_| self.new_group()).collect();
        let ids: Vec<u32> = groups.iter().map(|g| *g as u32).collect();
        self.aggregates.load(&ids, &mut input).map_err(aggregate_error)?;
        let timers = load_timers(&mut input, n).map_err(fail)?;
        input.end().map_err(fail)?;
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
        let row = |i: usize| rows[i].ok_or_else(mismatch);
        let (mut next_pending, mut next_frame) = (0usize, pending_total as usize);
        for (k, key) in keys.into_iter().enumerate() {
            let pending = next_pending..next_pending + pending_sizes[k] as usize;
            let frame = next_frame..next_frame + frame_sizes[k] as usize;
            next_pending = pending.end;
            next_frame = frame.end;
            let group = groups[k];
            if !owned[k] {
                for i in pending.chain(frame) {
                    self.store.release(row(i)?.batch);
                }
                self.aggregates.reset(ids[k]);
                self.free.push(group);
                continue;
            }
            let state = self.states.get_mut(group).ok_or_else(|| internal("a restored key has no state"))?;
            state.last_triggering = last[k];
            state.cleanup = (cleanups[k] != NO_CLEANUP).then_some(cleanups[k]);
            state.java_map = JavaMapShape { size: shapes[2 * k] as usize, capacity: shapes[2 * k + 1] as usize };
            for i in pending {
                state.pending.entry(times[i]).or_default().push(Held { ts: times[i], row: row(i)? });
            }
            for i in frame {
                state.frame.push_back(Held { ts: times[i], row: row(i)? });
            }
            self.key_index.insert(key, group);
        }
        self.timers.extend(timers.into_iter().filter_map(|(t, k)| owned[k].then(|| (t, groups[k]))));
        Ok(())
    }

    /// What the state is for, compared on restore. The first words name the layout, so
    /// that a checkpoint of the operator's earlier layout (its own five aggregates) is
    /// refused rather than misread.
    fn shape(&self) -> String {
        let calls: Vec<String> = self
            .spec
            .aggregates
            .iter()
            .map(|c| {
                let distinct = if c.distinct { "DISTINCT " } else { "" };
                let filter = c.filter.map(|f| format!(" FILTER({f})")).unwrap_or_default();
                format!("{}({distinct}{:?}){filter} as {}", function_name(c.kind), c.args, c.output_type.to_arrow())
            })
            .collect();
        format!(
            "an OVER aggregation with retracting accumulators, partitioned by columns {:?} over {:?} computing {} over columns {:?}",
            self.spec.keys,
            self.spec.frame,
            calls.join(", "),
            self.input_types
        )
    }
}
