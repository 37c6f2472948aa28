//! Turns a changelog into upserts and deletes on the sink's primary key, in front of an
//! upsert sink whose key differs from its input's upsert key (Flink's
//! `SinkUpsertMaterializer`).
//!
//! For each sink key the operator keeps the rows that are currently alive, in arrival
//! order. An accumulate row (`+I`/`+U`) is appended and emitted: `+I` when it is the
//! key's only row, `+U` otherwise. A retraction (`-U`/`-D`) removes the first alive row
//! with the same values; if that was the last row of the key, the key is deleted (`-D`);
//! if it was the newest row, the row now newest is emitted again (`+U`); otherwise
//! nothing changes downstream. A retraction of a row that is not alive is ignored.
//!
//! Unlike Flink's implementation, which re-serialises the whole list on every change,
//! state is only the alive rows, referenced in their input batches.


use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operators::join::state_clock::{ProcessingClock, StateTtl};
use crate::operator::KeyGroupFilter;
use crate::operators::state::{load_owned_keys, load_stored, save_keys, save_stored};
use crate::operators::join::{encode_rows, row_bytes, row_converter};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::UpsertMaterializeSpec;
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "UpsertMaterializeOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

#[derive(Default)]
struct Alive {
    /// The alive rows, oldest first, with the encoding of their values.
    rows: Vec<(Vec<u8>, RowRef)>,
    written: u64,
}

pub struct UpsertMaterializeOperator {
    spec: UpsertMaterializeSpec,
    keys: Option<RowConverter>,
    values: Option<RowConverter>,
    all_columns: Vec<usize>,
    types: Vec<ArrowType>,
    state: KeyMap<Vec<u8>, Alive>,
    store: BatchStore,
    ttl: StateTtl,
}

impl UpsertMaterializeOperator {
    pub fn new(spec: UpsertMaterializeSpec) -> Result<Self, RuntimeError> {
        let keys = row_converter(&spec.output_schema, &spec.sink_key)?;
        let all_columns: Vec<usize> = (0..spec.output_schema.fields().len()).collect();
        let values = row_converter(&spec.output_schema, &all_columns)?;
        let types = spec.output_schema.fields().iter().map(|f| f.data_type().clone()).collect();
        let ttl = StateTtl::new(spec.state_ttl);
        Ok(UpsertMaterializeOperator {
            spec,
            keys,
            values,
            all_columns,
            types,
            state: KeyMap::default(),
            store: BatchStore::default(),
            ttl,
        })
    }

    /// Replaces the processing-time clock the state TTL is measured on (for tests).
    pub fn with_clock(mut self, clock: ProcessingClock) -> Self {
        self.ttl.set_clock(clock);
        self
    }

    /// Alive rows held in state, over all keys.
    pub fn state_rows(&self) -> usize {
        self.state.values().map(|a| a.rows.len()).sum()
    }

    /// Input batches still referenced by state.
    pub fn stored_batches(&self) -> usize {
        self.store.len()
    }

    fn drop_key(store: &mut BatchStore, alive: Alive) {
        for (_, r) in alive.rows {
            store.release(r.batch);
        }
    }

    fn sweep(&mut self, now: u64) {
        if !self.ttl.sweep_due(now) {
            return;
        }
        let expired: Vec<Vec<u8>> =
            self.state.iter().filter(|(_, a)| self.ttl.expired(a.written, now)).map(|(k, _)| k.clone()).collect();
        for k in expired {
            if let Some(a) = self.state.remove(&k) {
                Self::drop_key(&mut self.store, a);
            }
        }
    }

    /// Applies one input row; returns the row to emit, if any.
    fn apply(&mut self, key: Vec<u8>, value: Vec<u8>, row: RowRef, kind: RowKind, now: u64) -> Option<(RowRef, RowKind)> {
        if self.state.get(&key).is_some_and(|a| self.ttl.expired(a.written, now)) {
            if let Some(a) = self.state.remove(&key) {
                Self::drop_key(&mut self.store, a);
            }
        }
        if kind.is_accumulate() {
            let alive = self.state.entry(key).or_default();
            alive.written = now;
            self.store.retain(row.batch);
            alive.rows.push((value, row));
            let kind = if alive.rows.len() == 1 { RowKind::Insert } else { RowKind::UpdateAfter };
            return Some((row, kind));
        }
        let alive = self.state.get_mut(&key)?;
        let index = alive.rows.iter().position(|(v, _)| *v == value)?;
        let last = alive.rows.len() - 1;
        let (_, removed) = alive.rows.remove(index);
        self.store.release(removed.batch);
        alive.written = now;
        if alive.rows.is_empty() {
            self.state.remove(&key);
            return Some((row, RowKind::Delete));
        }
        if index == last {
            return alive.rows.last().map(|(_, r)| (*r, RowKind::UpdateAfter));
        }
        None
    }
}

impl Operator for UpsertMaterializeOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.sink_key)
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
        let keys = encode_rows(&self.keys, &batch.data, &self.spec.sink_key)?;
        let values = encode_rows(&self.values, &batch.data, &self.all_columns)?;
        let id = self.store.insert(batch.data.clone());
        self.store.retain(id);
        let mut emitted = Vec::new();
        for i in 0..batch.num_rows() {
            let row = RowRef { batch: id, row: i as u32 };
            if let Some((r, kind)) = self.apply(row_bytes(&keys, i), row_bytes(&values, i), row, batch.kind(i), now) {
                // Held until gathered: a later row of this batch may remove it from state.
                self.store.retain(r.batch);
                emitted.push((r, kind));
            }
        }
        let result = if emitted.is_empty() {
            Ok(())
        } else {
            let refs: Vec<RowRef> = emitted.iter().map(|e| e.0).collect();
            self.store.gather(&refs, &self.types).and_then(|columns| {
                let options = RecordBatchOptions::new().with_row_count(Some(refs.len()));
                let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options)
                    .map_err(internal)?;
                out.emit(ChangeBatch::new(data, emitted.iter().map(|e| e.1).collect()));
                Ok(())
            })
        };
        for (r, _) in &emitted {
            self.store.release(r.batch);
        }
        self.store.release(id);
        result?;
        if self.store.needs_compaction() {
            let mut rows: Vec<&mut RowRef> =
                self.state.values_mut().flat_map(|a| a.rows.iter_mut().map(|(_, r)| r)).collect();
            self.store.compact(&mut rows)?;
        }
        Ok(())
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Every sink key with its last write and its alive rows, oldest first.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        let keys: Vec<(&Vec<u8>, &Alive)> = self.state.iter().collect();
        save_keys(&mut out, &self.keys, &keys.iter().map(|(k, _)| k.as_slice()).collect::<Vec<_>>()).map_err(fail)?;
        out.natives(&keys.iter().map(|(_, a)| a.written).collect::<Vec<_>>());
        out.natives(&keys.iter().map(|(_, a)| a.rows.len() as u64).collect::<Vec<_>>());
        let rows: Vec<Option<RowRef>> = keys.iter().flat_map(|(_, a)| a.rows.iter().map(|(_, r)| Some(*r))).collect();
        save_stored(&mut out, &self.store, &rows, &self.types).map_err(fail)?;
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

impl UpsertMaterializeOperator {
    /// Takes the state one instance saved, only the sink keys `keep` owns when given
    /// (the instances' keys are disjoint, so their states merge).
    fn restore_part(&mut self, state: &[u8], keep: Option<&KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let written = input.natives::<u64>().map_err(fail)?;
        let sizes = input.natives::<u64>().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        input.end().map_err(fail)?;
        if written.len() != keys.len() || sizes.len() != keys.len() || sizes.iter().sum::<u64>() != rows.len() as u64 {
            return Err(fail("the saved keys and rows do not match".into()));
        }
        let values = encode_rows(&self.values, &batch, &self.all_columns)?;
        let mut next = 0;
        for (k, ((key, written), size)) in keys.into_iter().zip(written).zip(sizes).enumerate() {
            let range = next..next + size as usize;
            next += size as usize;
            if !owned[k] {
                for row in rows[range].iter().flatten() {
                    self.store.release(row.batch);
                }
                continue;
            }
            let mut alive = Alive { rows: Vec::with_capacity(size as usize), written };
            for i in range {
                let row = rows[i].ok_or_else(|| fail("a saved row is missing".into()))?;
                alive.rows.push((row_bytes(&values, i), row));
            }
            self.state.insert(key, alive);
        }
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!("an upsert materialiser on sink key {:?} of columns {:?}", self.spec.sink_key, self.types)
    }
}
