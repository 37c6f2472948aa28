//! Event-time interval join: `l.k = r.k AND r.ts BETWEEN l.ts + lower AND l.ts + upper`
//! plus an optional residual condition, for INNER, LEFT, RIGHT and FULL joins.
//!
//! This follows Flink's `TimeIntervalJoin`/`RowTimeIntervalJoin` step by step, so that
//! which rows meet, and when an unmatched outer row is emitted, are the same:
//! - The operator time is the watermark, or 0 while the watermark is not positive.
//! - An arriving row is joined with the other side's cache unless that cache's
//!   expiration time has passed the row's upper bound; while joining, cached rows at or
//!   before the expiration time (`operator time - relative size - 1`) are removed, and
//!   unmatched outer ones are emitted padded with NULLs.
//! - The row itself is cached when the operator time is before its upper bound;
//!   otherwise, if it matched nothing and its side is outer, it is emitted padded.
//! - Each key has one cleanup timer per cache, at `row time + relative size +
//!   min cleanup interval + 1` (`table.exec.interval-join.min-cleanup-interval`, 0 by
//!   default since Flink 1.18; it was half the interval before); when it fires the
//!   expired rows are removed (padded if outer) and a new timer is set for the earliest
//!   row left.
//! - The output watermark is held back by the larger relative size, so joined rows are
//!   never late downstream.
//!
//! NULL keys never match. Output rows are inserts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;

use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::state::{load_owned_keys, load_stored, load_timers, save_keys, save_stored, save_timers};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::{IntervalJoinSpec, JoinType};
use crate::{Operator, Output, RuntimeError, WATERMARK_END};
use crate::hash::KeyMap;
use crate::operators::timers::EventTimers;

const NAME: &str = "IntervalJoinOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

struct Cached {
    row: RowRef,
    /// Joined at least once (outer joins pad only rows never joined).
    emitted: bool,
}

#[derive(Default)]
struct KeyState {
    null_key: bool,
    left: BTreeMap<i64, Vec<Cached>>,
    right: BTreeMap<i64, Vec<Cached>>,
    /// The cleanup timer of the left cache (Flink's `rightTimerState`).
    left_timer: Option<i64>,
    /// The cleanup timer of the right cache (Flink's `leftTimerState`).
    right_timer: Option<i64>,
}

pub struct IntervalJoinOperator {
    spec: IntervalJoinSpec,
    left_keys: Option<RowConverter>,
    right_keys: Option<RowConverter>,
    /// How far a right row may be after its left row (Flink's `leftRelativeSize`).
    left_relative: i64,
    /// How far a right row may be before its left row (Flink's `rightRelativeSize`).
    right_relative: i64,
    min_cleanup_interval: i64,
    pair_schema: SchemaRef,
    key_index: KeyMap<Vec<u8>, usize>,
    states: Vec<Option<KeyState>>,
    timers: EventTimers<usize>,
    left_store: BatchStore,
    right_store: BatchStore,
    left_expiration: i64,
    right_expiration: i64,
    watermark: Option<i64>,
    /// Output rows: the left and the right row (`None` pads with NULLs).
    pending: Vec<(Option<RowRef>, Option<RowRef>)>,
}

impl IntervalJoinOperator {
    pub fn new(spec: IntervalJoinSpec) -> Result<Self, RuntimeError> {
        if spec.lower > spec.upper {
            return Err(RuntimeError::Operator {
                node: NAME.into(),
                message: format!("the interval's lower bound {} is above its upper bound {}", spec.lower, spec.upper),
            });
        }
        if spec.left_keys.len() != spec.right_keys.len() {
            return Err(internal("left and right key counts differ"));
        }
        let converter = |schema: &SchemaRef, keys: &[usize]| -> Result<Option<RowConverter>, RuntimeError> {
            if keys.is_empty() {
                return Ok(None);
            }
            let fields = keys
                .iter()
                .map(|k| {
                    schema.fields().get(*k).map(|f| SortField::new(f.data_type().clone())).ok_or_else(|| internal("key column out of range"))
                })
                .collect::<Result<_, _>>()?;
            RowConverter::new(fields).map(Some).map_err(internal)
        };
        let left_keys = converter(&spec.left_schema, &spec.left_keys)?;
        let right_keys = converter(&spec.right_schema, &spec.right_keys)?;
        let left_relative = spec.upper;
        let right_relative = spec.lower.saturating_neg();
        // Flink reads the option in whole milliseconds; a negative one counts as 0.
        let min_cleanup_interval = (spec.min_cleanup_interval / crate::spec::MILLI * crate::spec::MILLI).max(0);
        let fields: Vec<_> = spec.left_schema.fields().iter().chain(spec.right_schema.fields().iter()).cloned().collect();
        let pair_schema = Arc::new(Schema::new(fields));
        Ok(IntervalJoinOperator {
            spec,
            left_keys,
            right_keys,
            left_relative,
            right_relative,
            min_cleanup_interval,
            pair_schema,
            key_index: KeyMap::default(),
            states: Vec::new(),
            timers: EventTimers::default(),
            left_store: BatchStore::default(),
            right_store: BatchStore::default(),
            left_expiration: 0,
            right_expiration: 0,
            watermark: None,
            pending: Vec::new(),
        })
    }

    /// Rows held in the caches, left and right (for tests of state cleanup).
    pub fn cached_rows(&self) -> (usize, usize) {
        let count = |m: &BTreeMap<i64, Vec<Cached>>| m.values().map(|v| v.len()).sum::<usize>();
        self.states.iter().flatten().fold((0, 0), |(l, r), s| (l + count(&s.left), r + count(&s.right)))
    }

    /// How much the output watermark lags the input one.
    fn delay(&self) -> i64 {
        self.left_relative.max(self.right_relative).max(0)
    }

    fn operator_time(&self) -> i64 {
        self.watermark.filter(|w| *w > 0).unwrap_or(0)
    }

    fn expiration(operator_time: i64, relative: i64) -> i64 {
        if operator_time < i64::MAX {
            operator_time.saturating_sub(relative).saturating_sub(1)
        } else {
            i64::MAX
        }
    }

    fn cleanup_time(&self, row_time: i64, side: Side) -> i64 {
        let relative = if side == Side::Left { self.left_relative } else { self.right_relative };
        row_cleanup(row_time, relative, self.min_cleanup_interval)
    }

    fn outer(&self, side: Side) -> bool {
        match side {
            Side::Left => matches!(self.spec.join_type, JoinType::Left | JoinType::Full),
            Side::Right => matches!(self.spec.join_type, JoinType::Right | JoinType::Full),
        }
    }

    fn store(&mut self, side: Side) -> &mut BatchStore {
        match side {
            Side::Left => &mut self.left_store,
            Side::Right => &mut self.right_store,
        }
    }

    /// Queues an output row, keeping its input rows alive until the batch is built.
    fn push_output(&mut self, left: Option<RowRef>, right: Option<RowRef>) {
        if let Some(l) = left {
            self.left_store.retain(l.batch);
        }
        if let Some(r) = right {
            self.right_store.retain(r.batch);
        }
        self.pending.push((left, right));
    }

    /// Removes a cache's rows at or before `expiration`, padding unmatched outer rows.
    /// Only the given range of times is visited.
    fn expire(&mut self, key: usize, side: Side, expiration: i64) {
        let outer = self.outer(side);
        let Some(state) = self.states.get_mut(key).and_then(|s| s.as_mut()) else { return };
        let cache = if side == Side::Left { &mut state.left } else { &mut state.right };
        let kept = cache.split_off(&expiration.saturating_add(1));
        let expired = std::mem::replace(cache, kept);
        if expiration == i64::MAX {
            // Nothing is after the end of time.
            let rest = std::mem::take(cache);
            let mut all = expired;
            all.extend(rest);
            self.drop_rows(side, outer, all);
        } else {
            self.drop_rows(side, outer, expired);
        }
    }

    fn drop_rows(&mut self, side: Side, outer: bool, rows: BTreeMap<i64, Vec<Cached>>) {
        for (_, rows) in rows {
            for c in rows {
                if outer && !c.emitted {
                    match side {
                        Side::Left => self.push_output(Some(c.row), None),
                        Side::Right => self.push_output(None, Some(c.row)),
                    }
                }
                self.store(side).release(c.row.batch);
            }
        }
    }

    fn free_if_empty(&mut self, key: usize) {
        let empty = self.states.get(key).and_then(|s| s.as_ref()).is_some_and(|s| {
            s.left.is_empty() && s.right.is_empty() && s.left_timer.is_none() && s.right_timer.is_none()
        });
        if empty {
            self.states[key] = None;
            self.key_index.retain(|_, k| *k != key);
        }
    }

    fn key_of(&mut self, key: Vec<u8>, null_key: bool) -> usize {
        if let Some(k) = self.key_index.get(&key) {
            return *k;
        }
        self.states.push(Some(KeyState { null_key, ..Default::default() }));
        self.key_index.insert(key, self.states.len() - 1);
        self.states.len() - 1
    }

    /// Evaluates the residual condition for `row` against `candidates` of the other side.
    fn matches(&self, side: Side, data: &RecordBatch, row: usize, candidates: &[RowRef]) -> Result<Vec<bool>, RuntimeError> {
        let Some(residual) = &self.spec.residual else {
            return Ok(vec![true; candidates.len()]);
        };
        let repeated = UInt32Array::from(vec![row as u32; candidates.len()]);
        let mine: Vec<ArrayRef> = data
            .columns()
            .iter()
            .map(|c| arrow_select::take::take(c.as_ref(), &repeated, None))
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        let others: Vec<Option<RowRef>> = candidates.iter().map(|c| Some(*c)).collect();
        let (other_store, other_schema) = match side {
            Side::Left => (&self.right_store, &self.spec.right_schema),
            Side::Right => (&self.left_store, &self.spec.left_schema),
        };
        let theirs: Vec<ArrayRef> = other_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| other_store.gather_column(i, &others, f.data_type()))
            .collect::<Result<_, _>>()?;
        let columns = if side == Side::Left { [mine, theirs].concat() } else { [theirs, mine].concat() };
        let options = RecordBatchOptions::new().with_row_count(Some(candidates.len()));
        let pairs = RecordBatch::try_new_with_options(self.pair_schema.clone(), columns, &options).map_err(internal)?;
        let mask = residual
            .evaluate(&pairs, &self.spec.ctx)
            .map_err(|e| RuntimeError::Eval { node: NAME.into(), source: e })?;
        let mask = mask.as_boolean_opt().ok_or_else(|| internal("residual condition is not boolean"))?;
        Ok((0..candidates.len()).map(|i| mask.is_valid(i) && mask.value(i)).collect())
    }

    fn process_row(&mut self, side: Side, data: &RecordBatch, row: RowRef, ts: i64, key: usize) -> Result<(), RuntimeError> {
        let operator_time = self.operator_time();
        // The other side's rows this row can meet lie in [low, high].
        let (low, high, other_relative) = match side {
            Side::Left => (ts.saturating_add(self.spec.lower), ts.saturating_add(self.spec.upper), self.right_relative),
            Side::Right => (ts.saturating_sub(self.spec.upper), ts.saturating_sub(self.spec.lower), self.left_relative),
        };
        let other = if side == Side::Left { Side::Right } else { Side::Left };
        let mut emitted = false;
        let other_expiration = if side == Side::Left { self.right_expiration } else { self.left_expiration };
        if other_expiration < high {
            let expiration = Self::expiration(operator_time, other_relative);
            if side == Side::Left {
                self.right_expiration = expiration;
            } else {
                self.left_expiration = expiration;
            }
            let state = self.states.get(key).and_then(|s| s.as_ref()).ok_or_else(|| internal("missing key state"))?;
            let cache = if side == Side::Left { &state.right } else { &state.left };
            let mut candidates = Vec::new();
            if !state.null_key && low <= high {
                for (t, rows) in cache.range(low..=high) {
                    for (i, c) in rows.iter().enumerate() {
                        candidates.push((*t, i, c.row));
                    }
                }
            }
            if !candidates.is_empty() {
                let refs: Vec<RowRef> = candidates.iter().map(|c| c.2).collect();
                let ok = self.matches(side, data, row.row as usize, &refs)?;
                for ((t, i, other_row), ok) in candidates.into_iter().zip(ok) {
                    if !ok {
                        continue;
                    }
                    emitted = true;
                    match side {
                        Side::Left => self.push_output(Some(row), Some(other_row)),
                        Side::Right => self.push_output(Some(other_row), Some(row)),
                    }
                    if let Some(state) = self.states.get_mut(key).and_then(|s| s.as_mut()) {
                        let cache = if side == Side::Left { &mut state.right } else { &mut state.left };
                        if let Some(c) = cache.get_mut(&t).and_then(|rows| rows.get_mut(i)) {
                            c.emitted = true;
                        }
                    }
                }
            }
            self.expire(key, other, expiration);
        }
        let other_operator_time = operator_time;
        if other_operator_time < high {
            let cleanup = self.cleanup_time(ts, side);
            self.store(side).retain(row.batch);
            let state = self.states.get_mut(key).and_then(|s| s.as_mut()).ok_or_else(|| internal("missing key state"))?;
            let (cache, timer) = match side {
                Side::Left => (&mut state.left, &mut state.left_timer),
                Side::Right => (&mut state.right, &mut state.right_timer),
            };
            cache.entry(ts).or_default().push(Cached { row, emitted });
            if timer.is_none() {
                *timer = Some(cleanup);
                self.timers.set(cleanup, key);
            }
        } else if !emitted && self.outer(side) {
            match side {
                Side::Left => self.push_output(Some(row), None),
                Side::Right => self.push_output(None, Some(row)),
            }
        }
        Ok(())
    }

    fn on_timer(&mut self, time: i64, key: usize) {
        let operator_time = self.operator_time();
        for side in [Side::Right, Side::Left] {
            let Some(state) = self.states.get(key).and_then(|s| s.as_ref()) else { return };
            let timer = if side == Side::Left { state.left_timer } else { state.right_timer };
            if timer != Some(time) {
                continue;
            }
            let relative = if side == Side::Left { self.left_relative } else { self.right_relative };
            let expiration = Self::expiration(operator_time, relative);
            if side == Side::Left {
                self.left_expiration = expiration;
            } else {
                self.right_expiration = expiration;
            }
            self.expire(key, side, expiration);
            let Some(state) = self.states.get_mut(key).and_then(|s| s.as_mut()) else { return };
            let (cache, slot) = match side {
                Side::Left => (&mut state.left, &mut state.left_timer),
                Side::Right => (&mut state.right, &mut state.right_timer),
            };
            match cache.first_key_value().map(|(t, _)| *t) {
                Some(earliest) if earliest > 0 => {
                    let cleanup = row_cleanup(earliest, relative, self.min_cleanup_interval);
                    *slot = Some(cleanup);
                    self.timers.set(cleanup, key);
                }
                _ => {
                    // As in Flink: the cache is cleared with its timer (rows at or before
                    // time 0 are dropped unpadded).
                    *slot = None;
                    let rest = std::mem::take(cache);
                    for c in rest.into_values().flatten() {
                        self.store(side).release(c.row.batch);
                    }
                }
            }
        }
        self.free_if_empty(key);
    }

    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let lefts: Vec<Option<RowRef>> = pending.iter().map(|p| p.0).collect();
        let rights: Vec<Option<RowRef>> = pending.iter().map(|p| p.1).collect();
        let fields = self.spec.output_schema.fields();
        let left_len = self.spec.left_schema.fields().len();
        let mut columns = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let column = if i < left_len {
                self.left_store.gather_column(i, &lefts, f.data_type())?
            } else {
                self.right_store.gather_column(i - left_len, &rights, f.data_type())?
            };
            columns.push(column);
        }
        for l in lefts.into_iter().flatten() {
            self.left_store.release(l.batch);
        }
        for r in rights.into_iter().flatten() {
            self.right_store.release(r.batch);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(pending.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }
}

fn row_cleanup(row_time: i64, relative: i64, min_cleanup_interval: i64) -> i64 {
    row_time.saturating_add(relative).saturating_add(min_cleanup_interval).saturating_add(1)
}

fn encode(converter: &Option<RowConverter>, data: &RecordBatch, keys: &[usize]) -> Result<Option<Rows>, RuntimeError> {
    match converter {
        None => Ok(None),
        Some(c) => {
            let cols: Vec<ArrayRef> = keys.iter().map(|k| data.column(*k).clone()).collect();
            c.convert_columns(&cols).map(Some).map_err(internal)
        }
    }
}

impl Operator for IntervalJoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, input: usize) -> crate::exchange::Distribution {
        crate::exchange::join_distribution(input, &self.spec.left_keys, &self.spec.right_keys, &self.spec.left_schema, &self.spec.right_schema)
    }

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator {
                node: NAME.into(),
                message: "interval join does not support updating input".into(),
            });
        }
        let side = if input == 0 { Side::Left } else { Side::Right };
        let data = batch.data;
        if data.num_rows() == 0 {
            return Ok(());
        }
        let (time_column, key_columns, converter) = match side {
            Side::Left => (self.spec.left_time, self.spec.left_keys.clone(), &self.left_keys),
            Side::Right => (self.spec.right_time, self.spec.right_keys.clone(), &self.right_keys),
        };
        let keys = encode(converter, &data, &key_columns)?;
        let times = data
            .columns()
            .get(time_column)
            .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
            .cloned()
            .ok_or_else(|| internal("time column is not a timestamp"))?;
        let id = self.store(side).insert(data.clone());
        for i in 0..data.num_rows() {
            let row = RowRef { batch: id, row: i as u32 };
            if times.is_null(i) {
                // A row without a time can never be in an interval.
                if self.outer(side) {
                    match side {
                        Side::Left => self.push_output(Some(row), None),
                        Side::Right => self.push_output(None, Some(row)),
                    }
                }
                continue;
            }
            let key = keys.as_ref().map(|k| k.row(i).as_ref().to_vec()).unwrap_or_default();
            let null_key = key_columns.iter().any(|c| data.column(*c).is_null(i));
            let k = self.key_of(key, null_key);
            self.process_row(side, &data, row, times.value(i), k)?;
            self.free_if_empty(k);
        }
        self.flush(out)?;
        self.store(side).drop_if_unused(id);
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.watermark.is_some_and(|w| w >= watermark) {
            return Ok(());
        }
        self.watermark = Some(watermark);
        while let Some((time, key)) = self.timers.pop_until(watermark) {
            self.on_timer(time, key);
        }
        self.flush(out)?;
        let delayed = if watermark == WATERMARK_END { watermark } else { watermark.saturating_sub(self.delay()) };
        out.emit_watermark(delayed);
        Ok(())
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// The operator time, then every key with state: its timers and both caches (row
    /// time, row, whether it joined), then the pending cleanup timers.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).i64(self.left_expiration).i64(self.right_expiration);
        let mut live: Vec<(&[u8], usize)> = self
            .key_index
            .iter()
            .filter(|(_, k)| self.states.get(**k).is_some_and(|s| s.is_some()))
            .map(|(bytes, k)| (bytes.as_slice(), *k))
            .collect();
        live.sort_by_key(|(_, k)| *k);
        let states: Vec<&KeyState> = live.iter().filter_map(|(_, k)| self.states[*k].as_ref()).collect();
        save_keys(&mut out, &self.left_keys, &live.iter().map(|(b, _)| *b).collect::<Vec<_>>()).map_err(fail)?;
        out.bools(states.iter().map(|s| s.null_key));
        for timer in [states.iter().map(|s| s.left_timer).collect::<Vec<_>>(), states.iter().map(|s| s.right_timer).collect()] {
            out.bools(timer.iter().map(Option::is_some)).natives(&timer.iter().map(|t| t.unwrap_or(0)).collect::<Vec<_>>());
        }
        let schemas = [&self.spec.left_schema, &self.spec.right_schema];
        for (side, store) in [(0, &self.left_store), (1, &self.right_store)] {
            fn cache(s: &KeyState, side: usize) -> &BTreeMap<i64, Vec<Cached>> {
                if side == 0 {
                    &s.left
                } else {
                    &s.right
                }
            }
            let sizes: Vec<u64> = states.iter().map(|s| cache(s, side).values().map(Vec::len).sum::<usize>() as u64).collect();
            let entries: Vec<(i64, &Cached)> =
                states.iter().flat_map(|s| cache(s, side).iter().flat_map(|(t, rows)| rows.iter().map(move |c| (*t, c)))).collect();
            out.natives(&sizes).natives(&entries.iter().map(|(t, _)| *t).collect::<Vec<_>>());
            out.bools(entries.iter().map(|(_, c)| c.emitted));
            let types: Vec<_> = schemas[side].fields().iter().map(|f| f.data_type().clone()).collect();
            save_stored(&mut out, store, &entries.iter().map(|(_, c)| Some(c.row)).collect::<Vec<_>>(), &types).map_err(fail)?;
        }
        let ordinal: HashMap<usize, u64> = live.iter().enumerate().map(|(i, (_, k))| (*k, i as u64)).collect();
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

impl IntervalJoinOperator {
    /// Takes the state one instance saved (`first`: the first of several), only the keys
    /// `keep` owns when given: the instances' keys are disjoint, so their states merge,
    /// with the lowest operator time and expiration times of any instance (none removes
    /// a row another instance would still join).
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>, first: bool) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let left_expiration = input.i64().map_err(fail)?;
        let right_expiration = input.i64().map_err(fail)?;
        if first {
            (self.watermark, self.left_expiration, self.right_expiration) = (watermark, left_expiration, right_expiration);
        } else {
            self.watermark = self.watermark.zip(watermark).map(|(a, b)| a.min(b));
            self.left_expiration = self.left_expiration.min(left_expiration);
            self.right_expiration = self.right_expiration.min(right_expiration);
        }
        let (keys, owned) = load_owned_keys(&mut input, &self.left_keys, keep).map_err(fail)?;
        let n = keys.len();
        let mismatch = || fail("the saved keys, rows and timers do not match".into());
        let null_keys = input.bools().map_err(fail)?;
        let mut timers: Vec<Vec<Option<i64>>> = Vec::new();
        for _ in 0..2 {
            let set = input.bools().map_err(fail)?;
            let times = input.natives::<i64>().map_err(fail)?;
            if set.len() != n || times.len() != n {
                return Err(mismatch());
            }
            timers.push(set.iter().zip(times).map(|(s, t)| s.then_some(t)).collect());
        }
        if null_keys.len() != n {
            return Err(mismatch());
        }
        let mut states: Vec<KeyState> = (0..n)
            .map(|i| KeyState { null_key: null_keys[i], left_timer: timers[0][i], right_timer: timers[1][i], ..Default::default() })
            .collect();
        for side in 0..2 {
            let sizes = input.natives::<u64>().map_err(fail)?;
            let times = input.natives::<i64>().map_err(fail)?;
            let emitted = input.bools().map_err(fail)?;
            let store = if side == 0 { &mut self.left_store } else { &mut self.right_store };
            let (_, rows) = load_stored(&mut input, store).map_err(fail)?;
            if sizes.len() != n || sizes.iter().sum::<u64>() != rows.len() as u64 || times.len() != rows.len() || emitted.len() != rows.len() {
                return Err(mismatch());
            }
            let mut next = 0;
            for (k, (state, size)) in states.iter_mut().zip(sizes).enumerate() {
                let cache = if side == 0 { &mut state.left } else { &mut state.right };
                for i in next..next + size as usize {
                    let row = rows[i].ok_or_else(mismatch)?;
                    if owned[k] {
                        cache.entry(times[i]).or_default().push(Cached { row, emitted: emitted[i] });
                    } else {
                        store.release(row.batch);
                    }
                }
                next += size as usize;
            }
        }
        let timers = load_timers(&mut input, n).map_err(fail)?;
        input.end().map_err(fail)?;
        // Saved key ordinals to this operator's, for the keys it owns.
        let mut ordinals: Vec<Option<usize>> = vec![None; n];
        for (k, (key, state)) in keys.into_iter().zip(states).enumerate() {
            if owned[k] {
                ordinals[k] = Some(self.states.len());
                self.key_index.insert(key, self.states.len());
                self.states.push(Some(state));
            }
        }
        self.timers.extend(timers.into_iter().filter_map(|(t, k)| ordinals[k].map(|k| (t, k))));
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!(
            "a {:?} interval join from {} to {} µs on keys {:?} of ({}) and {:?} of ({})",
            self.spec.join_type,
            self.spec.lower,
            self.spec.upper,
            self.spec.left_keys,
            column_types(&self.spec.left_schema),
            self.spec.right_keys,
            column_types(&self.spec.right_schema)
        )
    }
}
