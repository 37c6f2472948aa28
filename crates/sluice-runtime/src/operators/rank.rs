//! Unbounded Top-N: `ROW_NUMBER() OVER (PARTITION BY keys ORDER BY ...)` filtered by
//! `rn <= limit`, on an append-only or an updating input, emitting what Flink's
//! `AppendOnlyTopNFunction` and `RetractableTopNFunction` emit.
//!
//! Each partition keeps its rows sorted by the `ORDER BY` keys, ties in arrival order (a
//! new row goes after its peers). Every input row changes the top `limit` rows, and the
//! change is emitted as a diff of the top before and after it:
//! - Without the row number: `-D` of each row that left the top, then `+I` of each row
//!   that entered it (an append-only row that does not sort before the current last row
//!   of a full top is dropped, as in Flink).
//! - With the row number: for each rank in order whose row changed, `-U(old, rank)` and
//!   `+U(new, rank)`; `+I(row, rank)` for a rank that was empty and `-D(row, rank)` for
//!   one that became empty. `-U` rows are left out unless `generate_update_before`.
//!
//! A retraction (`-U`/`-D`) removes the first row of its partition with the same values;
//! one that matches no row is ignored. On an append-only input
//! (`RankOperator::append_only_input`) only the top rows are kept, as Flink's
//! `AppendOnlyTopNFunction` does; otherwise every row is kept, since a retraction can
//! bring any of them into the top.
//!
//! With `state_ttl`, a partition not written for the TTL is forgotten without output.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, RecordBatchOptions};
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operators::join::state_clock::{ProcessingClock, StateTtl};
use crate::operators::state::{load_owned_keys, load_stored, save_keys, save_stored};
use crate::operator::KeyGroupFilter;
use crate::operators::join::{encode_rows, row_bytes, row_converter, sort_converter};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::RankSpec;
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "RankOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

struct Entry {
    sort: Vec<u8>,
    /// The row's values, to find it again on retraction (empty on an append-only input).
    values: Vec<u8>,
    /// Arrival number: identifies the row in before/after comparisons.
    seq: u64,
    row: RowRef,
}

#[derive(Default)]
struct Partition {
    rows: Vec<Entry>,
    written: u64,
}

pub struct RankOperator {
    spec: RankSpec,
    keys: Option<RowConverter>,
    order: Option<RowConverter>,
    values: Option<RowConverter>,
    order_columns: Vec<usize>,
    input_columns: Vec<usize>,
    input_types: Vec<ArrowType>,
    append_only: bool,
    partitions: KeyMap<Vec<u8>, Partition>,
    store: BatchStore,
    ttl: StateTtl,
    next_seq: u64,
    /// Output rows: the row, its rank (when emitted) and kind.
    pending: Vec<(RowRef, i64, RowKind)>,
}

impl RankOperator {
    pub fn new(spec: RankSpec) -> Result<Self, RuntimeError> {
        let extra = usize::from(spec.emit_rank);
        let fields = spec.output_schema.fields();
        let input_len = fields.len().checked_sub(extra).ok_or_else(|| internal("output schema lacks the row number column"))?;
        let input_types: Vec<ArrowType> = fields.iter().take(input_len).map(|f| f.data_type().clone()).collect();
        let input_schema = Arc::new(arrow_schema::Schema::new(fields.iter().take(input_len).cloned().collect::<Vec<_>>()));
        let keys = row_converter(&input_schema, &spec.keys)?;
        let input_columns: Vec<usize> = (0..input_len).collect();
        let values = row_converter(&input_schema, &input_columns)?;
        let order = sort_converter(&input_types, &spec.order)?;
        let order_columns = spec.order.iter().map(|k| k.column).collect();
        let ttl = StateTtl::new(spec.state_ttl);
        Ok(RankOperator {
            spec,
            keys,
            order,
            values,
            order_columns,
            input_columns,
            input_types,
            append_only: false,
            partitions: KeyMap::default(),
            store: BatchStore::default(),
            ttl,
            next_seq: 0,
            pending: Vec::new(),
        })
    }

    /// Declares the input append-only: only the top rows are kept, as Flink's
    /// `AppendOnlyTopNFunction` does. A retraction then fails the job.
    pub fn append_only_input(mut self) -> Self {
        self.append_only = true;
        // Without retractions no row is looked for by its values: they are not encoded.
        self.values = None;
        self
    }

    /// Replaces the processing-time clock the state TTL is measured on (for tests).
    pub fn with_clock(mut self, clock: ProcessingClock) -> Self {
        self.ttl.set_clock(clock);
        self
    }

    /// Rows held in state over all partitions.
    pub fn state_rows(&self) -> usize {
        self.partitions.values().map(|p| p.rows.len()).sum()
    }

    /// Input batches still referenced by state.
    pub fn stored_batches(&self) -> usize {
        self.store.len()
    }

    fn drop_partition(store: &mut BatchStore, p: Partition) {
        for e in p.rows {
            store.release(e.row.batch);
        }
    }

    fn sweep(&mut self, now: u64) {
        if !self.ttl.sweep_due(now) {
            return;
        }
        let expired: Vec<Vec<u8>> =
            self.partitions.iter().filter(|(_, p)| self.ttl.expired(p.written, now)).map(|(k, _)| k.clone()).collect();
        for k in expired {
            if let Some(p) = self.partitions.remove(&k) {
                Self::drop_partition(&mut self.store, p);
            }
        }
    }

    /// Applies one change to a partition and queues the change of its top rows.
    fn apply(&mut self, key: Vec<u8>, entry: Entry, kind: RowKind, now: u64) {
        if self.partitions.get(&key).is_some_and(|p| self.ttl.expired(p.written, now)) {
            if let Some(p) = self.partitions.remove(&key) {
                Self::drop_partition(&mut self.store, p);
            }
        }
        let limit = self.spec.limit;
        let partition = self.partitions.entry(key.clone()).or_default();
        partition.written = now;
        let before: Vec<(u64, RowRef)> = partition.rows.iter().take(limit).map(|e| (e.seq, e.row)).collect();
        // Rows leaving state are released after the diff, which may still emit them.
        let mut removed = Vec::new();
        if kind.is_accumulate() {
            let at = partition.rows.partition_point(|e| e.sort <= entry.sort);
            if self.append_only && at >= limit {
                // Not before the last row of a full top: dropped, as in Flink.
                if partition.rows.is_empty() {
                    self.partitions.remove(&key);
                }
                return;
            }
            self.store.retain(entry.row.batch);
            partition.rows.insert(at, entry);
            if self.append_only {
                removed.extend(partition.rows.drain(limit.min(partition.rows.len())..).map(|e| e.row));
            }
        } else {
            let found = partition.rows.iter().position(|e| e.sort == entry.sort && e.values == entry.values);
            match found {
                Some(i) => {
                    removed.push(partition.rows.remove(i).row);
                }
                None => {
                    if partition.rows.is_empty() {
                        self.partitions.remove(&key);
                    }
                    return;
                }
            }
        }
        let after: Vec<(u64, RowRef)> = partition.rows.iter().take(limit).map(|e| (e.seq, e.row)).collect();
        if partition.rows.is_empty() {
            self.partitions.remove(&key);
        }
        self.queue_diff(&before, &after);
        for r in removed {
            self.store.release(r.batch);
        }
    }

    fn queue_diff(&mut self, before: &[(u64, RowRef)], after: &[(u64, RowRef)]) {
        let mut out = Vec::new();
        if self.spec.emit_rank {
            for rank in 0..before.len().max(after.len()) {
                let r = rank as i64 + 1;
                match (before.get(rank), after.get(rank)) {
                    (Some(b), Some(a)) if b.0 == a.0 => {}
                    (Some(b), Some(a)) => {
                        if self.spec.generate_update_before {
                            out.push((b.1, r, RowKind::UpdateBefore));
                        }
                        out.push((a.1, r, RowKind::UpdateAfter));
                    }
                    (None, Some(a)) => out.push((a.1, r, RowKind::Insert)),
                    (Some(b), None) => out.push((b.1, r, RowKind::Delete)),
                    (None, None) => {}
                }
            }
        } else {
            for b in before.iter().filter(|b| !after.iter().any(|a| a.0 == b.0)) {
                out.push((b.1, 0, RowKind::Delete));
            }
            for a in after.iter().filter(|a| !before.iter().any(|b| b.0 == a.0)) {
                out.push((a.1, 0, RowKind::Insert));
            }
        }
        for (row, _, _) in &out {
            self.store.retain(row.batch);
        }
        self.pending.extend(out);
    }

    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let refs: Vec<RowRef> = pending.iter().map(|p| p.0).collect();
        let result = self.store.gather(&refs, &self.input_types).and_then(|mut columns| {
            if self.spec.emit_rank {
                columns.push(Arc::new(Int64Array::from(pending.iter().map(|p| p.1).collect::<Vec<_>>())) as ArrayRef);
            }
            let options = RecordBatchOptions::new().with_row_count(Some(refs.len()));
            let data =
                RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
            out.emit(ChangeBatch::new(data, pending.iter().map(|p| p.2).collect()));
            Ok(())
        });
        for r in &refs {
            self.store.release(r.batch);
        }
        result
    }
}

impl Operator for RankOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if batch.data.num_columns() != self.input_types.len() {
            return Err(internal("input columns differ from the output schema"));
        }
        if self.append_only && !batch.is_append_only() {
            return Err(internal("an append-only Top-N received a retraction"));
        }
        let now = self.ttl.now();
        self.sweep(now);
        let data = &batch.data;
        let keys = encode_rows(&self.keys, data, &self.spec.keys)?;
        let order = encode_rows(&self.order, data, &self.order_columns)?;
        let values = encode_rows(&self.values, data, &self.input_columns)?;
        let id = self.store.insert(data.clone());
        self.store.retain(id);
        for i in 0..batch.num_rows() {
            let entry = Entry {
                sort: row_bytes(&order, i),
                values: row_bytes(&values, i),
                seq: self.next_seq,
                row: RowRef { batch: id, row: i as u32 },
            };
            self.next_seq += 1;
            self.apply(row_bytes(&keys, i), entry, batch.kind(i), now);
        }
        let result = self.flush(out);
        self.store.release(id);
        result?;
        if self.store.needs_compaction() {
            let mut rows: Vec<&mut RowRef> =
                self.partitions.values_mut().flat_map(|p| p.rows.iter_mut().map(|e| &mut e.row)).collect();
            self.store.compact(&mut rows)?;
        }
        Ok(())
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Each partition's key, size and last write, then its rows in order with their
    /// arrival numbers. Sort and value encodings are computed again on restore.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.u64(self.next_seq);
        let partitions: Vec<(&Vec<u8>, &Partition)> = self.partitions.iter().collect();
        let keys: Vec<&[u8]> = partitions.iter().map(|(k, _)| k.as_slice()).collect();
        save_keys(&mut out, &self.keys, &keys).map_err(fail)?;
        let sizes: Vec<u64> = partitions.iter().map(|(_, p)| p.rows.len() as u64).collect();
        let written: Vec<u64> = partitions.iter().map(|(_, p)| p.written).collect();
        out.natives(&sizes).natives(&written);
        let rows: Vec<Option<RowRef>> = partitions.iter().flat_map(|(_, p)| p.rows.iter().map(|e| Some(e.row))).collect();
        let seqs: Vec<u64> = partitions.iter().flat_map(|(_, p)| p.rows.iter().map(|e| e.seq)).collect();
        save_stored(&mut out, &self.store, &rows, &self.input_types).map_err(fail)?;
        out.natives(&seqs);
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

impl RankOperator {
    /// Takes the state one instance saved, only the partitions `keep` owns when given
    /// (the state of several instances is merged: their partitions are disjoint).
    fn restore_part(&mut self, state: &[u8], keep: Option<&KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let next_seq = input.u64().map_err(fail)?;
        self.next_seq = if keep.is_some() { self.next_seq.max(next_seq) } else { next_seq };
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let sizes = input.natives::<u64>().map_err(fail)?;
        let written = input.natives::<u64>().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        let seqs = input.natives::<u64>().map_err(fail)?;
        input.end().map_err(fail)?;
        let total: u64 = sizes.iter().sum();
        if sizes.len() != keys.len() || written.len() != keys.len() || total != rows.len() as u64 || seqs.len() != rows.len() {
            return Err(fail("the saved partitions and rows do not match".into()));
        }
        let order = encode_rows(&self.order, &batch, &self.order_columns)?;
        let values = encode_rows(&self.values, &batch, &self.input_columns)?;
        let mut next = 0;
        for (((key, size), written), owned) in keys.into_iter().zip(sizes).zip(written).zip(owned) {
            if !owned {
                for row in rows[next..next + size as usize].iter().flatten() {
                    self.store.release(row.batch);
                }
                next += size as usize;
                continue;
            }
            let mut partition = Partition { rows: Vec::with_capacity(size as usize), written };
            for i in next..next + size as usize {
                let row = rows[i].ok_or_else(|| fail("a saved Top-N row is missing".into()))?;
                partition.rows.push(Entry { sort: row_bytes(&order, i), values: row_bytes(&values, i), seq: seqs[i], row });
            }
            next += size as usize;
            self.partitions.insert(key, partition);
        }
        Ok(())
    }
}

impl RankOperator {
    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!(
            "a Top-{} partitioned by columns {:?} ordered by {:?} over {} input of columns {:?}",
            self.spec.limit,
            self.spec.keys,
            self.spec.order,
            if self.append_only { "an append-only" } else { "an updating" },
            self.input_types
        )
    }
}
