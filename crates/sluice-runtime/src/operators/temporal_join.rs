//! Event-time temporal join: `FROM orders o JOIN rates FOR SYSTEM_TIME AS OF o.rowtime r
//! ON o.k = r.k`, INNER or LEFT, against a versioned table (a changelog with a primary key
//! and a watermark).
//!
//! This follows Flink's `TemporalRowTimeJoinOperator` step by step, so that which version
//! a row meets, and which old versions are still there for a late row, are the same:
//! - Input 0 (the probe side) rows wait in state. Input 1 (the versioned table) rows are
//!   versions of their key at their rowtime; a later row with the same rowtime replaces
//!   the version (so a `-U` followed by its `+U` at the same time is just the `+U`).
//! - Each key has a single event-time timer at the smallest rowtime seen since it last
//!   fired, of either side. When the watermark passes it, every waiting probe row of the
//!   key at or before the watermark is joined, in arrival order, with the version of
//!   greatest rowtime at or before its own. A version that is a retraction (`-U`, `-D`)
//!   ends the key's validity: the row meets nothing. INNER drops a row that meets
//!   nothing or fails the residual condition; LEFT emits it padded with NULLs. The
//!   emitted row keeps the probe row's change kind.
//! - The timer then cleans the versioned side: versions older than the latest one at or
//!   before the watermark are dropped. The timer is set again only for probe rows still
//!   waiting, so a key with only newer versions keeps them until its next row arrives.
//! - Probe rows that arrive behind the watermark are not dropped: they are joined when the
//!   watermark next advances, with whatever versions the cleanup left.
//! - As in Flink, keys compare by value, NULL included: the key selector does not filter
//!   NULLs (the versioned table's primary key is NOT NULL, so a NULL probe key finds
//!   nothing in practice).
//! - Flink's watermark assigner rejects a NULL rowtime before it gets here; Sluice emits
//!   such a probe row at once (padded for LEFT, dropped for INNER) and ignores such a
//!   version.
//!
//! The output watermark is the input one, forwarded after the rows it releases.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::state::{load_owned_keys, load_stored, load_timers, save_keys, save_stored, save_timers};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;
use crate::operators::timers::EventTimers;

const NAME: &str = "TemporalJoinOperator";

/// What the planner tells the event-time temporal join. Column indices are into each
/// input's batch; times are microseconds in `Timestamp(Microsecond, _)` columns.
#[derive(Clone, Debug)]
pub struct TemporalJoinSpec {
    /// Equality keys of the probe side, compared with `right_keys` in order.
    pub left_keys: Vec<usize>,
    /// The versioned table's columns equal to `left_keys` (its primary key).
    pub right_keys: Vec<usize>,
    /// The probe side's rowtime column (the `AS OF` time).
    pub left_time: usize,
    /// The versioned table's rowtime column.
    pub right_time: usize,
    /// LEFT join (pad unmatched probe rows with NULLs) rather than INNER.
    pub left: bool,
    /// Evaluated over the concatenated row (left columns, then right columns).
    pub residual: Option<ScalarExpr>,
    pub left_schema: SchemaRef,
    pub right_schema: SchemaRef,
    /// Left columns then right columns; the right ones nullable for a LEFT join.
    pub output_schema: SchemaRef,
    pub ctx: EvalContext,
}

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// A probe row waiting for the watermark.
struct Waiting {
    row: RowRef,
    time: i64,
    kind: RowKind,
}

/// A version of the versioned table: valid from its rowtime to the next version's.
struct Version {
    row: RowRef,
    /// `+I`/`+U`; a `-U`/`-D` version means the key has no row from its rowtime on.
    accumulate: bool,
}

struct KeyState {
    key: Vec<u8>,
    /// Waiting probe rows in arrival order.
    left: Vec<Waiting>,
    versions: BTreeMap<i64, Version>,
    /// The key's single event-time timer (Flink's `registeredTimer`).
    timer: Option<i64>,
}

/// An output row before it is built: the probe row, the version it met (`None` pads).
struct Pending {
    left: RowRef,
    right: Option<RowRef>,
    kind: RowKind,
}

pub struct TemporalJoinOperator {
    spec: TemporalJoinSpec,
    left_keys: Option<RowConverter>,
    right_keys: Option<RowConverter>,
    pair_schema: SchemaRef,
    key_index: KeyMap<Vec<u8>, usize>,
    states: Vec<Option<KeyState>>,
    free_slots: Vec<usize>,
    timers: EventTimers<usize>,
    left_store: BatchStore,
    right_store: BatchStore,
    watermark: Option<i64>,
    pending: Vec<Pending>,
}

impl TemporalJoinOperator {
    pub fn new(spec: TemporalJoinSpec) -> Result<Self, RuntimeError> {
        if spec.left_keys.len() != spec.right_keys.len() {
            return Err(internal("left and right key counts differ"));
        }
        let left_keys = converter(&spec.left_schema, &spec.left_keys)?;
        let right_keys = converter(&spec.right_schema, &spec.right_keys)?;
        for (schema, time) in [(&spec.left_schema, spec.left_time), (&spec.right_schema, spec.right_time)] {
            if schema.fields().get(time).is_none() {
                return Err(internal("time column out of range"));
            }
        }
        let fields: Vec<_> = spec.left_schema.fields().iter().chain(spec.right_schema.fields().iter()).cloned().collect();
        let pair_schema = Arc::new(Schema::new(fields));
        Ok(TemporalJoinOperator {
            spec,
            left_keys,
            right_keys,
            pair_schema,
            key_index: KeyMap::default(),
            states: Vec::new(),
            free_slots: Vec::new(),
            timers: EventTimers::default(),
            left_store: BatchStore::default(),
            right_store: BatchStore::default(),
            watermark: None,
            pending: Vec::new(),
        })
    }

    /// Rows held in state: probe rows waiting for the watermark, and versions kept
    /// (for tests of state cleanup).
    pub fn state_rows(&self) -> (usize, usize) {
        self.states.iter().flatten().fold((0, 0), |(l, r), s| (l + s.left.len(), r + s.versions.len()))
    }

    /// Input batches kept alive by rows in state, probe side and versioned side: a batch
    /// is freed with its last row (for tests of state cleanup).
    pub fn held_batches(&self) -> (usize, usize) {
        (self.left_store.len(), self.right_store.len())
    }

    fn key_of(&mut self, key: &[u8]) -> usize {
        if let Some(k) = self.key_index.get(key) {
            return *k;
        }
        let state = KeyState { key: key.to_vec(), left: Vec::new(), versions: BTreeMap::new(), timer: None };
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.states[slot] = Some(state);
                slot
            }
            None => {
                self.states.push(Some(state));
                self.states.len() - 1
            }
        };
        self.key_index.insert(key.to_vec(), slot);
        slot
    }

    fn state(&mut self, key: usize) -> Result<&mut KeyState, RuntimeError> {
        self.states.get_mut(key).and_then(|s| s.as_mut()).ok_or_else(|| internal("missing key state"))
    }

    /// Flink's `registerSmallestTimer`: one timer per key, moved earlier when needed.
    fn register_smallest_timer(&mut self, key: usize, time: i64) -> Result<(), RuntimeError> {
        let state = self.state(key)?;
        match state.timer {
            Some(t) if t <= time => return Ok(()),
            Some(t) => {
                state.timer = Some(time);
                self.timers.cancel(t, key);
            }
            None => state.timer = Some(time),
        }
        self.timers.set(time, key);
        Ok(())
    }

    fn free_if_empty(&mut self, key: usize) {
        let Some(Some(state)) = self.states.get(key) else { return };
        if state.left.is_empty() && state.versions.is_empty() && state.timer.is_none() {
            if let Some(state) = self.states[key].take() {
                self.key_index.remove(&state.key);
            }
            self.free_slots.push(key);
        }
    }

    fn push_output(&mut self, left: RowRef, right: Option<RowRef>, kind: RowKind) {
        self.left_store.retain(left.batch);
        if let Some(r) = right {
            self.right_store.retain(r.batch);
        }
        self.pending.push(Pending { left, right, kind });
    }

    fn on_left(&mut self, batch: &ChangeBatch, id: u64) -> Result<(), RuntimeError> {
        let data = &batch.data;
        let keys = encode(&self.left_keys, data, &self.spec.left_keys)?;
        let times = timestamps(data, self.spec.left_time)?;
        for i in 0..data.num_rows() {
            let row = RowRef { batch: id, row: i as u32 };
            let kind = batch.kind(i);
            if times.is_null(i) {
                if self.spec.left {
                    self.push_output(row, None, kind);
                }
                continue;
            }
            let time = times.value(i);
            let key = self.key_of(keys.as_ref().map(|k| k.row(i)).as_ref().map_or(&[][..], |r| r.as_ref()));
            self.left_store.retain(id);
            self.state(key)?.left.push(Waiting { row, time, kind });
            self.register_smallest_timer(key, time)?;
        }
        Ok(())
    }

    fn on_right(&mut self, batch: &ChangeBatch, id: u64) -> Result<(), RuntimeError> {
        let data = &batch.data;
        let keys = encode(&self.right_keys, data, &self.spec.right_keys)?;
        let times = timestamps(data, self.spec.right_time)?;
        for i in 0..data.num_rows() {
            if times.is_null(i) {
                continue;
            }
            let time = times.value(i);
            let row = RowRef { batch: id, row: i as u32 };
            let key = self.key_of(keys.as_ref().map(|k| k.row(i)).as_ref().map_or(&[][..], |r| r.as_ref()));
            self.right_store.retain(id);
            let version = Version { row, accumulate: batch.kind(i).is_accumulate() };
            if let Some(old) = self.state(key)?.versions.insert(time, version) {
                self.right_store.release(old.row.batch);
            }
            self.register_smallest_timer(key, time)?;
        }
        Ok(())
    }

    /// Flink's `onEventTime` for one key: joins the probe rows the watermark released,
    /// drops versions nothing can meet any more, and sets the timer again.
    fn fire(&mut self, key: usize, watermark: i64) -> Result<(), RuntimeError> {
        let state = self.state(key)?;
        state.timer = None;
        let (released, waiting): (Vec<Waiting>, Vec<Waiting>) =
            std::mem::take(&mut state.left).into_iter().partition(|w| w.time <= watermark);
        state.left = waiting;
        let next = state.left.iter().map(|w| w.time).min();
        let mut outputs = Vec::with_capacity(released.len());
        for w in released {
            let version = state.versions.range(..=w.time).next_back().map(|(_, v)| v);
            let right = version.filter(|v| v.accumulate).map(|v| v.row);
            outputs.push((w, right));
        }
        // Keep the latest version at or before the watermark and all later ones.
        let dropped = match state.versions.range(..=watermark).next_back().map(|(t, _)| *t) {
            Some(anchor) => {
                let kept = state.versions.split_off(&anchor);
                std::mem::replace(&mut state.versions, kept)
            }
            None => BTreeMap::new(),
        };
        for (w, right) in outputs {
            if right.is_some() || self.spec.left {
                self.push_output(w.row, right, w.kind);
            }
            self.left_store.release(w.row.batch);
        }
        for v in dropped.into_values() {
            self.right_store.release(v.row.batch);
        }
        if let Some(next) = next {
            self.register_smallest_timer(key, next)?;
        }
        self.free_if_empty(key);
        Ok(())
    }

    /// Applies the residual condition to the pending rows that met a version: a failing
    /// row is padded (LEFT) or dropped (INNER).
    fn apply_residual(&mut self) -> Result<(), RuntimeError> {
        let Some(residual) = &self.spec.residual else { return Ok(()) };
        let matched: Vec<usize> = (0..self.pending.len()).filter(|i| self.pending[*i].right.is_some()).collect();
        if matched.is_empty() {
            return Ok(());
        }
        let lefts: Vec<Option<RowRef>> = matched.iter().map(|i| Some(self.pending[*i].left)).collect();
        let rights: Vec<Option<RowRef>> = matched.iter().map(|i| self.pending[*i].right).collect();
        let mut columns = gather(&self.left_store, &self.spec.left_schema, &lefts)?;
        columns.extend(gather(&self.right_store, &self.spec.right_schema, &rights)?);
        let options = RecordBatchOptions::new().with_row_count(Some(matched.len()));
        let pairs = RecordBatch::try_new_with_options(self.pair_schema.clone(), columns, &options).map_err(internal)?;
        let mask = residual
            .evaluate(&pairs, &self.spec.ctx)
            .map_err(|e| RuntimeError::Eval { node: NAME.into(), source: e })?;
        let mask = mask.as_boolean_opt().ok_or_else(|| internal("residual condition is not boolean"))?;
        let mut failed = vec![false; self.pending.len()];
        for (j, i) in matched.iter().enumerate() {
            if !(mask.is_valid(j) && mask.value(j)) {
                failed[*i] = true;
            }
        }
        let pending = std::mem::take(&mut self.pending);
        for (p, failed) in pending.into_iter().zip(failed) {
            if !failed {
                self.pending.push(p);
                continue;
            }
            if let Some(r) = p.right {
                self.right_store.release(r.batch);
            }
            if self.spec.left {
                self.pending.push(Pending { right: None, ..p });
            } else {
                self.left_store.release(p.left.batch);
            }
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.apply_residual()?;
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let lefts: Vec<Option<RowRef>> = pending.iter().map(|p| Some(p.left)).collect();
        let rights: Vec<Option<RowRef>> = pending.iter().map(|p| p.right).collect();
        let fields = self.spec.output_schema.fields();
        let left_len = self.spec.left_schema.fields().len();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let column = if i < left_len {
                self.left_store.gather_column(i, &lefts, f.data_type())?
            } else {
                self.right_store.gather_column(i - left_len, &rights, f.data_type())?
            };
            columns.push(column);
        }
        for p in &pending {
            self.left_store.release(p.left.batch);
            if let Some(r) = p.right {
                self.right_store.release(r.batch);
            }
        }
        let options = RecordBatchOptions::new().with_row_count(Some(pending.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::new(data, pending.iter().map(|p| p.kind).collect()));
        Ok(())
    }
}

fn converter(schema: &SchemaRef, keys: &[usize]) -> Result<Option<RowConverter>, RuntimeError> {
    if keys.is_empty() {
        return Ok(None);
    }
    let fields = keys
        .iter()
        .map(|k| schema.fields().get(*k).map(|f| SortField::new(f.data_type().clone())).ok_or_else(|| internal("key column out of range")))
        .collect::<Result<_, _>>()?;
    RowConverter::new(fields).map(Some).map_err(internal)
}

fn encode(converter: &Option<RowConverter>, data: &RecordBatch, keys: &[usize]) -> Result<Option<Rows>, RuntimeError> {
    let Some(c) = converter else { return Ok(None) };
    let cols: Vec<ArrayRef> = keys
        .iter()
        .map(|k| data.columns().get(*k).cloned().ok_or_else(|| internal("key column out of range")))
        .collect::<Result<_, _>>()?;
    c.convert_columns(&cols).map(Some).map_err(internal)
}

fn timestamps(data: &RecordBatch, column: usize) -> Result<arrow_array::TimestampMicrosecondArray, RuntimeError> {
    data.columns()
        .get(column)
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        .cloned()
        .ok_or_else(|| internal("time column is not a microsecond timestamp"))
}

fn gather(store: &BatchStore, schema: &SchemaRef, rows: &[Option<RowRef>]) -> Result<Vec<ArrayRef>, RuntimeError> {
    schema.fields().iter().enumerate().map(|(i, f)| store.gather_column(i, rows, f.data_type())).collect()
}

impl Operator for TemporalJoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, input: usize) -> crate::exchange::Distribution {
        crate::exchange::join_distribution(input, &self.spec.left_keys, &self.spec.right_keys, &self.spec.left_schema, &self.spec.right_schema)
    }

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match input {
            0 => {
                let id = self.left_store.insert(batch.data.clone());
                self.on_left(&batch, id)?;
                self.flush(out)?;
                self.left_store.drop_if_unused(id);
            }
            1 => {
                let id = self.right_store.insert(batch.data.clone());
                self.on_right(&batch, id)?;
                self.right_store.drop_if_unused(id);
            }
            _ => return Err(internal(format!("no input {input}"))),
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.watermark.is_some_and(|w| w >= watermark) {
            return Ok(());
        }
        self.watermark = Some(watermark);
        // Timers set while firing are at probe times after the watermark, so they wait.
        while let Some((_, key)) = self.timers.pop_until(watermark) {
            self.fire(key, watermark)?;
        }
        self.flush(out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// The watermark, then every key with state: its timer, its waiting probe rows (time,
    /// kind, row) and its versions (time, whether it accumulates, row), then the timers.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark);
        let live: Vec<(usize, &KeyState)> = self.states.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (i, s))).collect();
        let keys: Vec<&[u8]> = live.iter().map(|(_, s)| s.key.as_slice()).collect();
        save_keys(&mut out, &self.left_keys, &keys).map_err(fail)?;
        out.bools(live.iter().map(|(_, s)| s.timer.is_some()));
        out.natives(&live.iter().map(|(_, s)| s.timer.unwrap_or(0)).collect::<Vec<_>>());
        let waiting: Vec<&Waiting> = live.iter().flat_map(|(_, s)| s.left.iter()).collect();
        out.natives(&live.iter().map(|(_, s)| s.left.len() as u64).collect::<Vec<_>>());
        out.natives(&waiting.iter().map(|w| w.time).collect::<Vec<_>>());
        out.natives(&waiting.iter().map(|w| w.kind as i8).collect::<Vec<_>>());
        let left_types: Vec<_> = self.spec.left_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        save_stored(&mut out, &self.left_store, &waiting.iter().map(|w| Some(w.row)).collect::<Vec<_>>(), &left_types).map_err(fail)?;
        let versions: Vec<(i64, &Version)> = live.iter().flat_map(|(_, s)| s.versions.iter().map(|(t, v)| (*t, v))).collect();
        out.natives(&live.iter().map(|(_, s)| s.versions.len() as u64).collect::<Vec<_>>());
        out.natives(&versions.iter().map(|(t, _)| *t).collect::<Vec<_>>());
        out.bools(versions.iter().map(|(_, v)| v.accumulate));
        let right_types: Vec<_> = self.spec.right_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        save_stored(&mut out, &self.right_store, &versions.iter().map(|(_, v)| Some(v.row)).collect::<Vec<_>>(), &right_types)
            .map_err(fail)?;
        let ordinal: HashMap<usize, u64> = live.iter().enumerate().map(|(o, (slot, _))| (*slot, o as u64)).collect();
        save_timers(&mut out, self.timers.iter().filter_map(|(t, k)| ordinal.get(k).map(|o| (*t, *o))));
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None, true)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        for (i, state) in states.iter().enumerate() {
            self.restore_part(state, Some(keep), i == 0)?;
        }
        Ok(())
    }
}

impl TemporalJoinOperator {
    /// Takes the state one instance saved (`first`: the first of several), only the keys
    /// `keep` owns when given: the instances' keys are disjoint, so their states merge,
    /// with the lowest watermark of any instance.
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>, first: bool) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mismatch = || fail("the saved keys, rows and timers do not match".into());
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        self.watermark = if first { watermark } else { self.watermark.zip(watermark).map(|(a, b)| a.min(b)) };
        let (keys, owned) = load_owned_keys(&mut input, &self.left_keys, keep).map_err(fail)?;
        let n = keys.len();
        let has_timer = input.bools().map_err(fail)?;
        let timer = input.natives::<i64>().map_err(fail)?;
        let left_sizes = input.natives::<u64>().map_err(fail)?;
        let left_times = input.natives::<i64>().map_err(fail)?;
        let kinds = input.natives::<i8>().map_err(fail)?;
        let (_, left_rows) = load_stored(&mut input, &mut self.left_store).map_err(fail)?;
        let version_sizes = input.natives::<u64>().map_err(fail)?;
        let version_times = input.natives::<i64>().map_err(fail)?;
        let accumulate = input.bools().map_err(fail)?;
        let (_, version_rows) = load_stored(&mut input, &mut self.right_store).map_err(fail)?;
        let timers = load_timers(&mut input, n).map_err(fail)?;
        input.end().map_err(fail)?;
        let fits = has_timer.len() == n
            && timer.len() == n
            && left_sizes.len() == n
            && version_sizes.len() == n
            && left_sizes.iter().sum::<u64>() == left_rows.len() as u64
            && left_times.len() == left_rows.len()
            && kinds.len() == left_rows.len()
            && version_sizes.iter().sum::<u64>() == version_rows.len() as u64
            && version_times.len() == version_rows.len()
            && accumulate.len() == version_rows.len();
        if !fits {
            return Err(mismatch());
        }
        let (mut next_left, mut next_version) = (0, 0);
        // Saved key ordinals to this operator's slots, for the keys it owns.
        let mut ordinals: Vec<Option<usize>> = vec![None; n];
        for (i, key) in keys.into_iter().enumerate() {
            if !owned[i] {
                let waiting = &left_rows[next_left..next_left + left_sizes[i] as usize];
                for row in waiting.iter().flatten() {
                    self.left_store.release(row.batch);
                }
                let versions = &version_rows[next_version..next_version + version_sizes[i] as usize];
                for row in versions.iter().flatten() {
                    self.right_store.release(row.batch);
                }
                next_left += left_sizes[i] as usize;
                next_version += version_sizes[i] as usize;
                continue;
            }
            let mut state = KeyState { key: key.clone(), left: Vec::new(), versions: BTreeMap::new(), timer: has_timer[i].then_some(timer[i]) };
            for j in next_left..next_left + left_sizes[i] as usize {
                let kind = RowKind::from_i8(kinds[j]).ok_or_else(mismatch)?;
                state.left.push(Waiting { row: left_rows[j].ok_or_else(mismatch)?, time: left_times[j], kind });
            }
            next_left += left_sizes[i] as usize;
            for j in next_version..next_version + version_sizes[i] as usize {
                state.versions.insert(version_times[j], Version { row: version_rows[j].ok_or_else(mismatch)?, accumulate: accumulate[j] });
            }
            next_version += version_sizes[i] as usize;
            ordinals[i] = Some(self.states.len());
            self.key_index.insert(key, self.states.len());
            self.states.push(Some(state));
        }
        self.timers.extend(timers.into_iter().filter_map(|(t, k)| ordinals[k].map(|k| (t, k))));
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!(
            "a{} temporal join on keys {:?} of ({}) and versions keyed by {:?} of ({})",
            if self.spec.left { " LEFT" } else { "n INNER" },
            self.spec.left_keys,
            column_types(&self.spec.left_schema),
            self.spec.right_keys,
            column_types(&self.spec.right_schema)
        )
    }
}
