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
//! On event time (`DeduplicateOperator::on_rowtime`, Flink's `RowTimeDeduplicateFunction`)
//! the order is the rowtime column's, and each row is decided as it arrives (no waiting
//! for watermarks): a key's first row is emitted as `+I`; a later row replaces the kept one
//! (`-U` old when `generate_update_before`, `+U` new) when its rowtime is strictly
//! smaller (keep first) or greater or equal (keep last), and is dropped otherwise. Both
//! are updating results. Rows with a NULL rowtime are dropped.
//!
//! With `state_ttl` a key not written for the TTL is forgotten: its next row counts as a
//! first row again.

use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::operators::join::state_clock::{ProcessingClock, StateTtl};
use crate::operators::join::{encode_rows, row_bytes, row_converter};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::DeduplicateSpec;
use crate::{Operator, Output, RuntimeError};

const NAME: &str = "DeduplicateOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

struct Kept {
    /// The key's current row (keep last, or on event time).
    row: Option<RowRef>,
    /// The current row's rowtime (on event time).
    rowtime: i64,
    written: u64,
}

pub struct DeduplicateOperator {
    spec: DeduplicateSpec,
    keys: Option<RowConverter>,
    types: Vec<ArrowType>,
    state: HashMap<Vec<u8>, Kept>,
    store: BatchStore,
    ttl: StateTtl,
    /// The rowtime column rows are ordered by, for event-time deduplication.
    rowtime: Option<usize>,
}

impl DeduplicateOperator {
    pub fn new(spec: DeduplicateSpec) -> Result<Self, RuntimeError> {
        let keys = row_converter(&spec.output_schema, &spec.keys)?;
        let types = spec.output_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        let ttl = StateTtl::new(spec.state_ttl);
        Ok(DeduplicateOperator { spec, keys, types, state: HashMap::new(), store: BatchStore::default(), ttl, rowtime: None })
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

    fn sweep(&mut self, now: u64) {
        if !self.ttl.sweep_due(now) {
            return;
        }
        let (ttl, store) = (&self.ttl, &mut self.store);
        self.state.retain(|_, kept| {
            let alive = !ttl.expired(kept.written, now);
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
        let expired = self.state.get(key).is_some_and(|k| self.ttl.expired(k.written, now));
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
                self.state.insert(key, Kept { row: None, rowtime: 0, written: now });
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
            Some(column) => Some(
                batch
                    .data
                    .column(column)
                    .as_primitive_opt::<TimestampMicrosecondType>()
                    .ok_or_else(|| internal("the rowtime column is not a timestamp"))?,
            ),
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
                self.state.insert(key, Kept { row: Some(row), rowtime, written: now });
            } else if let Some(prev) = before {
                // The kept row is handed over to the output.
                emitted.push((prev, RowKind::Delete));
                self.state.remove(&key);
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
        NAME
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
        if self.spec.keep_last || self.rowtime.is_some() {
            self.keep_row(&batch, &keys, now, out)
        } else {
            self.keep_first(&batch, &keys, now, out)
        }
    }
}
