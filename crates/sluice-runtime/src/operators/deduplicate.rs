//! Deduplication on processing time: `ROW_NUMBER() OVER (PARTITION BY keys ORDER BY
//! PROCTIME() ASC|DESC) = 1`, as Flink's `ProcTimeDeduplicateKeepFirstRowFunction` and
//! `ProcTimeDeduplicateKeepLastRowFunction` compute it.
//!
//! - Keep first: the first row of a key is emitted as `+I`; later rows are dropped.
//! - Keep last: the first row of a key is emitted as `+I`; each later row emits `-U` of
//!   the row it replaces (when `generate_update_before`) and `+U` of itself. On an
//!   updating input a retraction (`-U`/`-D`) deletes the key's row (`-D`) if there is
//!   one, and is ignored otherwise.
//!
//! On event time (`DeduplicateOperator::on_rowtime`) the order is the rowtime column's, and
//! rows with a NULL rowtime are dropped:
//! - Keep last (Flink's `RowTimeDeduplicateFunction`): each row is decided as it arrives;
//!   a key's first row is emitted as `+I`, a later row with a greater or equal rowtime
//!   replaces it (`-U` old when `generate_update_before`, `+U` new), an earlier one is
//!   dropped. An updating result.
//! - Keep first (Flink 2.x's `RowTimeDeduplicateKeepFirstRowFunction`): insert-only. A
//!   key's candidate is its row with the smallest rowtime (the first of ties); it is
//!   emitted as `+I` once the watermark reaches its rowtime (in rowtime order, then
//!   arrival), and later rows of that key are dropped. Rows behind the watermark are late
//!   and dropped (counted in `late_rows_dropped`).
//!
//! As Flink's ChangelogNormalize (`as_changelog_normalize`), keep last on processing time
//! turns an upsert source's changes into a proper changelog: a `-D` (a Kafka tombstone,
//! which carries only the key) deletes the whole kept row, and without a state TTL a row
//! equal to the kept one emits nothing.
//!
//! With `state_ttl` a key not written for the TTL is forgotten: its next row counts as a
//! first row again.

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operators::join::state_clock::{ProcessingClock, StateTtl};
use crate::operators::state::{load_owned_keys, load_stored, save_keys, save_stored};
use crate::operator::KeyGroupFilter;
use crate::operators::join::{encode_rows, row_bytes, row_converter};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::DeduplicateSpec;
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;
use crate::operators::timers::EventTimers;

const NAME: &str = "DeduplicateOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

struct Kept {
    /// The key's current row (keep last, or on event time).
    row: Option<RowRef>,
    /// The current row's rowtime (on event time).
    rowtime: i64,
    /// Arrival number of the current row (keep first on event time: timer order of ties).
    seq: u64,
    /// Keep first on event time: the key's row was emitted, later rows are dropped.
    emitted: bool,
    written: u64,
}

pub struct DeduplicateOperator {
    spec: DeduplicateSpec,
    keys: Option<RowConverter>,
    types: Vec<ArrowType>,
    state: KeyMap<Vec<u8>, Kept>,
    store: BatchStore,
    ttl: StateTtl,
    /// The rowtime column rows are ordered by, for event-time deduplication.
    rowtime: Option<usize>,
    /// Keep first on event time: candidates waiting for the watermark, by (rowtime,
    /// arrival, key).
    timers: EventTimers<(u64, Vec<u8>)>,
    watermark: Option<i64>,
    next_seq: u64,
    late_rows: u64,
    /// Some saved state was taken back (merged from several instances on a rescale).
    restored: bool,
    /// ChangelogNormalize: encodes whole rows, to skip a row equal to the kept one.
    normalize: Option<RowConverter>,
    /// The encoded kept row per key, when `normalize` is set.
    full_rows: KeyMap<Vec<u8>, Vec<u8>>,
    /// Named ChangelogNormalize in plans and reports.
    normalizing: bool,
}

impl DeduplicateOperator {
    pub fn new(spec: DeduplicateSpec) -> Result<Self, RuntimeError> {
        let keys = row_converter(&spec.output_schema, &spec.keys)?;
        let types = spec.output_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        let ttl = StateTtl::new(spec.state_ttl);
        Ok(DeduplicateOperator {
            spec,
            keys,
            types,
            state: KeyMap::default(),
            store: BatchStore::default(),
            ttl,
            rowtime: None,
            timers: EventTimers::default(),
            watermark: None,
            next_seq: 0,
            late_rows: 0,
            restored: false,
            normalize: None,
            full_rows: KeyMap::default(),
            normalizing: false,
        })
    }

    /// Flink's ChangelogNormalize after an upsert source: keep last on processing time,
    /// where a row equal to the key's kept row is dropped when there is no state TTL
    /// (with a TTL Flink re-emits it, to refresh downstream state).
    pub fn as_changelog_normalize(mut self) -> Result<Self, RuntimeError> {
        self.normalizing = true;
        if self.spec.state_ttl.is_none() {
            let all: Vec<usize> = (0..self.types.len()).collect();
            self.normalize = row_converter(&self.spec.output_schema, &all)?;
        }
        Ok(self)
    }

    /// Deduplicates on event time: rows are ordered by the rowtime in `column` (a
    /// TIMESTAMP or TIMESTAMP_LTZ column) instead of by arrival.
    pub fn on_rowtime(mut self, column: usize) -> Result<Self, RuntimeError> {
        match self.types.get(column) {
            Some(ArrowType::Timestamp(arrow_schema::TimeUnit::Microsecond, _)) => {
                self.rowtime = Some(column);
                Ok(self)
            }
            Some(other) => Err(internal(format!("rowtime column {column} has type {other}, not a timestamp"))),
            None => Err(internal(format!("rowtime column {column} is out of range"))),
        }
    }

    /// Replaces the processing-time clock the state TTL is measured on (for tests).
    pub fn with_clock(mut self, clock: ProcessingClock) -> Self {
        self.ttl.set_clock(clock);
        self
    }

    /// Keys held in state.
    pub fn state_keys(&self) -> usize {
        self.state.len()
    }

    /// Input batches still referenced by state.
    pub fn stored_batches(&self) -> usize {
        self.store.len()
    }

    /// The Arrow memory of the input rows held in state.
    pub fn stored_bytes(&self) -> usize {
        self.store.bytes()
    }

    fn sweep(&mut self, now: u64) {
        if !self.ttl.sweep_due(now) {
            return;
        }
        let (ttl, store) = (&self.ttl, &mut self.store);
        self.state.retain(|_, kept| {
            let alive = !kept.emitted || !ttl.expired(kept.written, now);
            if !alive {
                if let Some(r) = kept.row {
                    store.release(r.batch);
                }
            }
            alive
        });
    }

    /// The key's state, unless it expired (then it is dropped).
    fn live(&mut self, key: &[u8], now: u64) -> Option<&mut Kept> {
        let expired = self.state.get(key).is_some_and(|k| k.emitted && self.ttl.expired(k.written, now));
        if expired {
            if let Some(Kept { row: Some(r), .. }) = self.state.remove(key) {
                self.store.release(r.batch);
            }
        }
        self.state.get_mut(key)
    }

    fn keep_first(&mut self, batch: &ChangeBatch, keys: &Option<arrow_row::Rows>, now: u64, out: &mut Output) -> Result<(), RuntimeError> {
        let mut selected = Vec::new();
        for i in 0..batch.num_rows() {
            if !batch.kind(i).is_accumulate() {
                continue;
            }
            let key = row_bytes(keys, i);
            if self.live(&key, now).is_none() {
                self.state.insert(key, Kept { row: None, rowtime: 0, seq: 0, emitted: true, written: now });
                selected.push(i as u32);
            }
        }
        if selected.is_empty() {
            return Ok(());
        }
        let indices = UInt32Array::from(selected);
        let columns: Vec<ArrayRef> = batch
            .data
            .columns()
            .iter()
            .map(|c| arrow_select::take::take(c.as_ref(), &indices, None))
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }

    /// Keep last on processing time, and both modes on event time: the key's row is
    /// kept in state and replaced as `replaces` decides.
    fn keep_row(&mut self, batch: &ChangeBatch, keys: &Option<arrow_row::Rows>, now: u64, out: &mut Output) -> Result<(), RuntimeError> {
        let rowtimes = match self.rowtime {
            Some(column) => Some(rowtime_values(batch, column)?),
            None => None,
        };
        let full = match &self.normalize {
            Some(_) => {
                let all: Vec<usize> = (0..self.types.len()).collect();
                encode_rows(&self.normalize, &batch.data, &all)?
            }
            None => None,
        };
        let id = self.store.insert(batch.data.clone());
        self.store.retain(id);
        let mut emitted: Vec<(RowRef, RowKind)> = Vec::new();
        for i in 0..batch.num_rows() {
            let row = RowRef { batch: id, row: i as u32 };
            let key = row_bytes(keys, i);
            let rowtime = match rowtimes {
                Some(times) if times.is_null(i) => continue,
                Some(times) => times.value(i),
                None => 0,
            };
            let kept = self.live(&key, now).and_then(|k| k.row.map(|r| (r, k.rowtime)));
            let before = kept.map(|(r, _)| r);
            if batch.kind(i).is_accumulate() {
                if let (Some((_, kept_time)), Some(_)) = (kept, self.rowtime) {
                    let replaces = if self.spec.keep_last { rowtime >= kept_time } else { rowtime < kept_time };
                    if !replaces {
                        continue;
                    }
                }
                if let Some(full) = &full {
                    let encoded = full.row(i).as_ref().to_vec();
                    if before.is_some() && self.full_rows.get(&key) == Some(&encoded) {
                        continue;
                    }
                    self.full_rows.insert(key.clone(), encoded);
                }
                self.store.retain(id);
                match before {
                    None => emitted.push((row, RowKind::Insert)),
                    Some(prev) => {
                        if self.spec.generate_update_before {
                            self.store.retain(prev.batch);
                            emitted.push((prev, RowKind::UpdateBefore));
                        }
                        emitted.push((row, RowKind::UpdateAfter));
                        self.store.release(prev.batch);
                    }
                }
                self.state.insert(key, Kept { row: Some(row), rowtime, seq: 0, emitted: true, written: now });
            } else if let Some(prev) = before {
                // The kept row is handed over to the output.
                emitted.push((prev, RowKind::Delete));
                self.state.remove(&key);
                self.full_rows.remove(&key);
            }
        }
        // Every emitted row holds one reference, released once gathered.
        for (r, k) in &emitted {
            if *k == RowKind::Insert || *k == RowKind::UpdateAfter {
                self.store.retain(r.batch);
            }
        }
        let result = self.emit(&emitted, out);
        for (r, _) in &emitted {
            self.store.release(r.batch);
        }
        self.store.release(id);
        result
    }

    /// Keep first on event time: each row may become its key's candidate; nothing is
    /// emitted until the watermark passes (`fire`).
    fn buffer_first(&mut self, batch: &ChangeBatch, keys: &Option<arrow_row::Rows>, column: usize, now: u64) -> Result<(), RuntimeError> {
        let rowtimes = rowtime_values(batch, column)?;
        let id = self.store.insert(batch.data.clone());
        self.store.retain(id);
        for i in 0..batch.num_rows() {
            if !batch.kind(i).is_accumulate() || rowtimes.is_null(i) {
                continue;
            }
            let rowtime = rowtimes.value(i);
            if self.watermark.is_some_and(|wm| rowtime < wm) {
                self.late_rows += 1;
                continue;
            }
            let key = row_bytes(keys, i);
            let previous = match self.live(&key, now) {
                Some(kept) if kept.emitted || rowtime >= kept.rowtime => continue,
                Some(kept) => kept.row.map(|r| (r, kept.rowtime, kept.seq)),
                None => None,
            };
            if let Some((old, old_time, old_seq)) = previous {
                self.timers.cancel(old_time, (old_seq, key.clone()));
                self.store.release(old.batch);
            }
            let seq = self.next_seq;
            self.next_seq += 1;
            self.store.retain(id);
            self.timers.set(rowtime, (seq, key.clone()));
            let row = RowRef { batch: id, row: i as u32 };
            self.state.insert(key, Kept { row: Some(row), rowtime, seq, emitted: false, written: now });
        }
        self.store.release(id);
        Ok(())
    }

    /// Keep first on event time: emits the candidates whose rowtime the watermark reached.
    fn fire(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let now = self.ttl.now();
        let mut rows = Vec::new();
        while let Some((_, (_, key))) = self.timers.pop_until(watermark) {
            if let Some(kept) = self.state.get_mut(&key) {
                if let Some(row) = kept.row.take() {
                    rows.push((row, RowKind::Insert));
                }
                kept.emitted = true;
                kept.written = now;
            }
        }
        let result = self.emit(&rows, out);
        for (r, _) in &rows {
            self.store.release(r.batch);
        }
        result
    }

    fn emit(&self, rows: &[(RowRef, RowKind)], out: &mut Output) -> Result<(), RuntimeError> {
        if rows.is_empty() {
            return Ok(());
        }
        let refs: Vec<RowRef> = rows.iter().map(|r| r.0).collect();
        let columns = self.store.gather(&refs, &self.types)?;
        let options = RecordBatchOptions::new().with_row_count(Some(refs.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::new(data, rows.iter().map(|r| r.1).collect()));
        Ok(())
    }
}

impl Operator for DeduplicateOperator {
    fn name(&self) -> &str {
        if self.normalizing {
            "ChangelogNormalize"
        } else {
            NAME
        }
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if batch.data.num_columns() != self.types.len() {
            return Err(internal("input columns differ from the output schema"));
        }
        let now = self.ttl.now();
        self.sweep(now);
        let keys = encode_rows(&self.keys, &batch.data, &self.spec.keys)?;
        if let (Some(column), false) = (self.rowtime, self.spec.keep_last) {
            self.buffer_first(&batch, &keys, column, now)?;
        } else if self.spec.keep_last || self.rowtime.is_some() {
            self.keep_row(&batch, &keys, now, out)?;
        } else {
            self.keep_first(&batch, &keys, now, out)?;
        }
        if self.store.needs_compaction() {
            let mut rows: Vec<&mut RowRef> = self.state.values_mut().filter_map(|k| k.row.as_mut()).collect();
            self.store.compact(&mut rows)?;
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.rowtime.is_some() && !self.spec.keep_last {
            if self.watermark.is_some_and(|w| w >= watermark) {
                out.emit_watermark(watermark);
                return Ok(());
            }
            self.watermark = Some(watermark);
            self.fire(watermark, out)?;
        }
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late_rows
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Every key with its kept row (if any), rowtime, arrival number, whether it was
    /// emitted and when it was written. Timers and ChangelogNormalize's encoded rows
    /// follow from them.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(self.name(), e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).u64(self.next_seq).u64(self.late_rows);
        let entries: Vec<(&Vec<u8>, &Kept)> = self.state.iter().collect();
        let keys: Vec<&[u8]> = entries.iter().map(|(k, _)| k.as_slice()).collect();
        save_keys(&mut out, &self.keys, &keys).map_err(fail)?;
        let rows: Vec<Option<RowRef>> = entries.iter().map(|(_, k)| k.row).collect();
        save_stored(&mut out, &self.store, &rows, &self.types).map_err(fail)?;
        let rowtimes: Vec<i64> = entries.iter().map(|(_, k)| k.rowtime).collect();
        let seqs: Vec<u64> = entries.iter().map(|(_, k)| k.seq).collect();
        let written: Vec<u64> = entries.iter().map(|(_, k)| k.written).collect();
        out.natives(&rowtimes).natives(&seqs).natives(&written).bools(entries.iter().map(|(_, k)| k.emitted));
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

impl DeduplicateOperator {
    /// Takes the state one instance saved, only the keys `keep` owns when given (the
    /// state of several instances is merged: their keys are disjoint).
    fn restore_part(&mut self, state: &[u8], keep: Option<&KeyGroupFilter>) -> Result<(), RuntimeError> {
        let name = self.name().to_string();
        let fail = |e: String| unreadable(&name, e);
        let mut input = open_operator_state(&name, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let next_seq = input.u64().map_err(fail)?;
        let late_rows = input.u64().map_err(fail)?;
        match keep {
            None => (self.watermark, self.next_seq, self.late_rows) = (watermark, next_seq, late_rows),
            // Merged: the lowest watermark any instance had (none drops rows another kept).
            Some(keep) => {
                self.watermark = if self.restored { self.watermark.zip(watermark).map(|(a, b)| a.min(b)) } else { watermark };
                self.next_seq = self.next_seq.max(next_seq);
                if keep.instance == 0 {
                    self.late_rows += late_rows;
                }
            }
        }
        self.restored = true;
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        let n = keys.len();
        let rowtimes = input.natives::<i64>().map_err(fail)?;
        let seqs = input.natives::<u64>().map_err(fail)?;
        let written = input.natives::<u64>().map_err(fail)?;
        let emitted = input.bools().map_err(fail)?;
        input.end().map_err(fail)?;
        if [rows.len(), rowtimes.len(), seqs.len(), written.len(), emitted.len()].iter().any(|l| *l != n) {
            return Err(fail("the saved keys and rows do not match".into()));
        }
        let all: Vec<usize> = (0..self.types.len()).collect();
        let full = encode_rows(&self.normalize, &batch, &all)?;
        for (i, key) in keys.into_iter().enumerate() {
            if !owned[i] {
                if let Some(row) = rows[i] {
                    self.store.release(row.batch);
                }
                continue;
            }
            let kept = Kept { row: rows[i], rowtime: rowtimes[i], seq: seqs[i], emitted: emitted[i], written: written[i] };
            if !kept.emitted && kept.row.is_some() {
                self.timers.set(kept.rowtime, (kept.seq, key.clone()));
            }
            if let (Some(full), Some(_)) = (&full, kept.row) {
                self.full_rows.insert(key.clone(), full.row(i).as_ref().to_vec());
            }
            self.state.insert(key, kept);
        }
        Ok(())
    }
}

impl DeduplicateOperator {
    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        let order = match self.rowtime {
            Some(c) => format!("rowtime column {c}"),
            None => "processing time".into(),
        };
        format!(
            "a deduplication on key columns {:?} keeping the {} row by {order}{} over columns {:?}",
            self.spec.keys,
            if self.spec.keep_last { "last" } else { "first" },
            if self.normalizing { " (ChangelogNormalize)" } else { "" },
            self.types
        )
    }
}

/// The values of the rowtime column of `batch`.
fn rowtime_values(batch: &ChangeBatch, column: usize) -> Result<&arrow_array::PrimitiveArray<TimestampMicrosecondType>, RuntimeError> {
    batch
        .data
        .column(column)
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| internal("the rowtime column is not a timestamp"))
}
