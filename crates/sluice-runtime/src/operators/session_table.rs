//! `SessionTableOperator`: the `SESSION` window table-valued function on its own, as
//! Flink 2.3's `UnalignedWindowTableFunctionOperator` runs it. Each row opens the window
//! `[t, t + gap)`, which merges with every open session of its partition that it overlaps
//! or touches; a row whose window (merging with nothing) has already fired is late and
//! dropped, as is a row without a rowtime. When the watermark fires a session (reaches
//! `end - 1 ms`) its rows are emitted with `window_start`, `window_end` and `window_time`
//! appended, and freed.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, TimestampMicrosecondArray};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;

use crate::aggregate::WindowClock;
use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::state::{load_stored, save_stored};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::SessionTableSpec;
use crate::{Operator, Output, RuntimeError};
use crate::operators::timers::EventTimers;

const NAME: &str = "SessionTableOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// An open session of one partition: `[start, end)` on the wall clock, with its rows.
struct Session {
    start: i64,
    end: i64,
    rows: Vec<RowRef>,
}

pub struct SessionTableOperator {
    spec: SessionTableSpec,
    clock: WindowClock,
    keys: Option<RowConverter>,
    /// The rowtime's Arrow time zone, which `window_time` keeps.
    rowtime_tz: Option<Arc<str>>,
    /// Open sessions by partition key, and `(end, key ordinal, start)` in firing order.
    sessions: HashMap<Vec<u8>, Vec<Session>>,
    key_ordinals: HashMap<Vec<u8>, u64>,
    ordinal_keys: HashMap<u64, Vec<u8>>,
    timers: EventTimers<(u64, i64)>,
    next_ordinal: u64,
    store: BatchStore,
    watermark: i64,
    late_rows: u64,
}

impl SessionTableOperator {
    pub fn new(spec: SessionTableSpec) -> Result<Self, RuntimeError> {
        if spec.gap <= 0 {
            return Err(RuntimeError::Operator { node: NAME.into(), message: format!("a session gap must be positive, got {} µs", spec.gap) });
        }
        let width = spec.input_schema.fields().len();
        if spec.output_schema.fields().len() != width + 3 || spec.time.column >= width {
            return Err(internal("the output is not the input with the three window columns"));
        }
        let rowtime_tz = match spec.output_schema.field(width + 2).data_type() {
            ArrowType::Timestamp(_, tz) => tz.clone(),
            other => return Err(internal(format!("window_time has type {other}, not a timestamp"))),
        };
        let keys = if spec.partition_keys.is_empty() {
            None
        } else {
            let fields = spec
                .partition_keys
                .iter()
                .map(|k| spec.input_schema.fields().get(*k).map(|f| SortField::new(f.data_type().clone())).ok_or_else(|| internal("key column out of range")))
                .collect::<Result<_, _>>()?;
            Some(RowConverter::new(fields).map_err(internal)?)
        };
        Ok(SessionTableOperator {
            clock: WindowClock::new(spec.time.time_zone),
            spec,
            keys,
            rowtime_tz,
            sessions: HashMap::new(),
            key_ordinals: HashMap::new(),
            ordinal_keys: HashMap::new(),
            timers: EventTimers::default(),
            next_ordinal: 0,
            store: BatchStore::default(),
            watermark: i64::MIN,
            late_rows: 0,
        })
    }

    /// Rows held in open sessions (for tests of state cleanup).
    pub fn held_rows(&self) -> usize {
        self.sessions.values().flatten().map(|s| s.rows.len()).sum()
    }

    fn encode(&self, data: &RecordBatch) -> Result<Vec<Vec<u8>>, RuntimeError> {
        let Some(converter) = &self.keys else { return Ok(vec![Vec::new(); data.num_rows()]) };
        let columns: Vec<ArrayRef> = self.spec.partition_keys.iter().map(|k| data.column(*k).clone()).collect();
        let rows = converter.convert_columns(&columns).map_err(internal)?;
        Ok((0..data.num_rows()).map(|i| rows.row(i).as_ref().to_vec()).collect())
    }

    fn ordinal(&mut self, key: &[u8]) -> u64 {
        if let Some(o) = self.key_ordinals.get(key) {
            return *o;
        }
        let o = self.next_ordinal;
        self.next_ordinal += 1;
        self.key_ordinals.insert(key.to_vec(), o);
        self.ordinal_keys.insert(o, key.to_vec());
        o
    }

    /// Adds a row at wall-clock time `t` to its partition's sessions; false when late.
    fn add(&mut self, key: Vec<u8>, t: i64, row: RowRef) -> bool {
        let end = t.saturating_add(self.spec.gap);
        let ordinal = self.ordinal(&key);
        let list = self.sessions.entry(key).or_default();
        let overlapping: Vec<usize> = (0..list.len()).filter(|&j| list[j].start <= end && list[j].end >= t).collect();
        if overlapping.is_empty() && self.clock.has_fired(end, self.watermark) {
            return false;
        }
        let mut merged = Session { start: t, end, rows: Vec::new() };
        for &j in overlapping.iter().rev() {
            let s = list.swap_remove(j);
            self.timers.cancel(s.end, (ordinal, s.start));
            merged.start = merged.start.min(s.start);
            merged.end = merged.end.max(s.end);
            merged.rows.extend(s.rows);
        }
        merged.rows.push(row);
        self.timers.set(merged.end, (ordinal, merged.start));
        list.push(merged);
        true
    }

    /// Emits the rows of the given fired sessions with their bounds.
    fn emit(&mut self, fired: Vec<Session>, out: &mut Output) -> Result<(), RuntimeError> {
        let mut rows: Vec<Option<RowRef>> = Vec::new();
        let (mut starts, mut ends, mut times) = (Vec::new(), Vec::new(), Vec::new());
        for s in &fired {
            for r in &s.rows {
                rows.push(Some(*r));
                starts.push(s.start);
                ends.push(s.end);
                times.push(self.clock.fire_time(s.end));
            }
        }
        let result = (|| {
            if rows.is_empty() {
                return Ok(());
            }
            let mut columns = self
                .spec
                .input_schema
                .fields()
                .iter()
                .enumerate()
                .map(|(c, f)| self.store.gather_column(c, &rows, f.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            columns.push(Arc::new(TimestampMicrosecondArray::from(starts)));
            columns.push(Arc::new(TimestampMicrosecondArray::from(ends)));
            columns.push(Arc::new(TimestampMicrosecondArray::from(times).with_timezone_opt(self.rowtime_tz.clone())));
            let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
            let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
            out.emit(ChangeBatch::inserts(data));
            Ok(())
        })();
        for r in rows.into_iter().flatten() {
            self.store.release(r.batch);
        }
        result
    }

    fn shape(&self) -> String {
        format!(
            "a SESSION window table of gap {} µs over ({}) partitioned by {:?}, time column {}",
            self.spec.gap,
            column_types(&self.spec.input_schema),
            self.spec.partition_keys,
            self.spec.time.column
        )
    }
}

impl Operator for SessionTableOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.partition_keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator { node: NAME.into(), message: "window table function does not support updating input".into() });
        }
        let data = batch.data;
        if data.num_rows() == 0 {
            return Ok(());
        }
        let times = data
            .columns()
            .get(self.spec.time.column)
            .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
            .cloned()
            .ok_or_else(|| internal("rowtime column is not a timestamp"))?;
        let keys = self.encode(&data)?;
        let id = self.store.insert(data);
        for (i, key) in keys.into_iter().enumerate() {
            if times.is_null(i) {
                self.late_rows += 1;
                continue;
            }
            let t = self.clock.local(times.value(i));
            if self.add(key, t, RowRef { batch: id, row: i as u32 }) {
                self.store.retain(id);
            } else {
                self.late_rows += 1;
            }
        }
        self.store.drop_if_unused(id);
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.watermark = self.watermark.max(watermark);
        let mut fired = Vec::new();
        let (clock, watermark) = (&self.clock, self.watermark);
        while let Some((end, (ordinal, start))) = self.timers.pop_reached(|end| clock.has_fired(end, watermark)) {
            let Some(key) = self.ordinal_keys.get(&ordinal).cloned() else { continue };
            let Some(list) = self.sessions.get_mut(&key) else { continue };
            if let Some(j) = list.iter().position(|s| s.start == start && s.end == end) {
                fired.push(list.swap_remove(j));
            }
            if list.is_empty() {
                self.sessions.remove(&key);
                self.key_ordinals.remove(&key);
                self.ordinal_keys.remove(&ordinal);
            }
        }
        self.emit(fired, out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late_rows
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// The watermark and late-row count, each open session's bounds and row count, then
    /// their rows (partition keys are read from the rows again on restore).
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.i64(self.watermark).u64(self.late_rows);
        let sessions: Vec<&Session> = self.sessions.values().flatten().collect();
        out.natives(&sessions.iter().map(|s| s.start).collect::<Vec<_>>());
        out.natives(&sessions.iter().map(|s| s.end).collect::<Vec<_>>());
        out.natives(&sessions.iter().map(|s| s.rows.len() as u64).collect::<Vec<_>>());
        let rows: Vec<Option<RowRef>> = sessions.iter().flat_map(|s| s.rows.iter().map(|r| Some(*r))).collect();
        let types: Vec<_> = self.spec.input_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        save_stored(&mut out, &self.store, &rows, &types).map_err(fail)?;
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

impl SessionTableOperator {
    /// Takes the state one instance saved (`first`: the first of several), only the
    /// sessions whose partition key `keep` owns when given (read from their rows). The
    /// instances' keys are disjoint, so their sessions merge; the lowest watermark of any
    /// instance counts and late rows are counted once.
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>, first: bool) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.i64().map_err(fail)?;
        let late_rows = input.u64().map_err(fail)?;
        let starts = input.natives::<i64>().map_err(fail)?;
        let ends = input.natives::<i64>().map_err(fail)?;
        let counts = input.natives::<u64>().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        input.end().map_err(fail)?;
        let mismatch = || fail("the saved sessions and rows do not match".into());
        if ends.len() != starts.len() || counts.len() != starts.len() || counts.iter().sum::<u64>() != rows.len() as u64 {
            return Err(mismatch());
        }
        let keys = self.encode(&batch)?;
        let owned = match keep {
            Some(keep) => {
                let columns: Vec<ArrayRef> = self.spec.partition_keys.iter().map(|k| batch.column(*k).clone()).collect();
                keep.owns(&columns, batch.num_rows())?
            }
            None => vec![true; batch.num_rows()],
        };
        let mut next = 0usize;
        for ((start, end), count) in starts.into_iter().zip(ends).zip(counts) {
            let count = count as usize;
            if count == 0 {
                return Err(mismatch());
            }
            let session_rows: Vec<RowRef> = rows[next..next + count].iter().map(|r| r.ok_or_else(mismatch)).collect::<Result<_, _>>()?;
            let (key, mine) = (keys[next].clone(), owned[next]);
            next += count;
            if !mine {
                for row in session_rows {
                    self.store.release(row.batch);
                }
                continue;
            }
            let ordinal = self.ordinal(&key);
            self.timers.set(end, (ordinal, start));
            self.sessions.entry(key).or_default().push(Session { start, end, rows: session_rows });
        }
        if first {
            (self.watermark, self.late_rows) = (watermark, 0);
        } else {
            self.watermark = self.watermark.min(watermark);
        }
        if keep.is_none_or(|k| k.instance == 0) {
            self.late_rows += late_rows;
        }
        Ok(())
    }
}
