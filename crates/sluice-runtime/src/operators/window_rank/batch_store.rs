//! Input batches kept whole while some of their rows are still in an operator's state,
//! and the gathering of stored rows into output columns.
//!
//! Operators that hold rows (Top-N, OVER, interval join) keep the Arrow batch a row came
//! in and a `RowRef` into it instead of copying rows one at a time. Each batch counts the
//! rows that still refer to it and is freed when the count drops to zero.
//!
//! A batch stays whole while a single row of it is referenced, so state that keeps one
//! row from each of many batches (keep-last deduplication over keys that each last
//! appeared in a different batch) would pin them all. The store therefore counts the rows
//! and bytes it holds against the references to them, and once the stored rows are more
//! than twice the references (and past `COMPACT_MIN_BYTES`), `needs_compaction` says so:
//! the operator hands over every `RowRef` it holds to `compact`, which copies the rows
//! they point at into one fresh batch and points them there. A compaction costs a copy of
//! the held rows and happens only after at least as many new rows were stored, so its cost
//! per input row is bounded.

use std::collections::HashMap;

use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{ArrowError, DataType as ArrowType};

use crate::hash::KeyMap;
use crate::RuntimeError;

/// Below this many stored bytes a store is never compacted: copying would cost more than
/// the memory it gives back.
pub(crate) const COMPACT_MIN_BYTES: usize = 4 << 20;

/// A row of a stored batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RowRef {
    pub batch: u64,
    pub row: u32,
}

struct Stored {
    data: RecordBatch,
    /// References to rows of this batch.
    refs: usize,
    /// The batch's Arrow memory, counted once when stored.
    bytes: usize,
}

#[derive(Default)]
pub(crate) struct BatchStore {
    batches: HashMap<u64, Stored>,
    next_id: u64,
    /// Rows of all stored batches.
    rows: usize,
    /// Arrow memory of all stored batches.
    bytes: usize,
    /// References to stored rows (a row referenced twice counts twice).
    refs: usize,
}

impl BatchStore {
    /// Stores a batch with no references yet; call `retain` for each row kept, then
    /// `drop_if_unused` in case none was.
    pub fn insert(&mut self, batch: RecordBatch) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let bytes = batch.get_array_memory_size();
        self.rows += batch.num_rows();
        self.bytes += bytes;
        self.batches.insert(id, Stored { data: batch, refs: 0, bytes });
        id
    }

    pub fn retain(&mut self, batch: u64) {
        if let Some(entry) = self.batches.get_mut(&batch) {
            entry.refs += 1;
            self.refs += 1;
        }
    }

    pub fn release(&mut self, batch: u64) {
        if let Some(entry) = self.batches.get_mut(&batch) {
            if entry.refs > 0 {
                entry.refs -= 1;
                self.refs -= 1;
            }
            if entry.refs == 0 {
                self.remove(batch);
            }
        }
    }

    pub fn drop_if_unused(&mut self, batch: u64) {
        if self.batches.get(&batch).is_some_and(|e| e.refs == 0) {
            self.remove(batch);
        }
    }

    fn remove(&mut self, batch: u64) {
        if let Some(entry) = self.batches.remove(&batch) {
            self.rows -= entry.data.num_rows();
            self.bytes -= entry.bytes;
            self.refs -= entry.refs;
        }
    }

    /// How many batches are held: state that is freed shows here.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    /// The Arrow memory of the stored batches: what the held rows cost.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the stored batches hold more than twice the rows referenced, and enough
    /// bytes for a compaction to be worth its copy. Checked between input batches, when
    /// only state refers to stored rows.
    pub fn needs_compaction(&self) -> bool {
        self.bytes > COMPACT_MIN_BYTES && self.rows > 2 * self.refs
    }

    /// Copies the rows `refs` point at into one new batch and points them there; the
    /// batches they pointed into are freed. `refs` must be every reference the operator
    /// holds into those batches (a row referenced twice appears twice); batches no
    /// reference in `refs` points into are left as they are.
    pub fn compact(&mut self, refs: &mut [&mut RowRef]) -> Result<(), RuntimeError> {
        let mut slots: KeyMap<RowRef, u32> = KeyMap::default();
        let mut order: Vec<RowRef> = Vec::new();
        for r in refs.iter() {
            if !slots.contains_key(&**r) {
                slots.insert(**r, order.len() as u32);
                order.push(**r);
            }
        }
        let Some(first) = order.first() else { return Ok(()) };
        let schema = self.batch(first.batch)?.schema();
        let types: Vec<ArrowType> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
        let columns = self.gather(&order, &types)?;
        let options = RecordBatchOptions::new().with_row_count(Some(order.len()));
        let data = RecordBatch::try_new_with_options(schema, columns, &options)
            .map_err(|e| RuntimeError::Internal(format!("compacting stored rows: {e}")))?;
        let mut moved: Vec<u64> = order.iter().map(|r| r.batch).collect();
        moved.sort_unstable();
        moved.dedup();
        let mut refs_moved = 0;
        for id in moved {
            refs_moved += self.batches.get(&id).map_or(0, |e| e.refs);
            self.remove(id);
        }
        let id = self.insert(data);
        if let Some(entry) = self.batches.get_mut(&id) {
            entry.refs = refs_moved;
        }
        self.refs += refs_moved;
        for r in refs.iter_mut() {
            let row = slots.get(&**r).copied().unwrap_or_default();
            **r = RowRef { batch: id, row };
        }
        Ok(())
    }

    fn batch(&self, id: u64) -> Result<&RecordBatch, RuntimeError> {
        self.batches
            .get(&id)
            .map(|e| &e.data)
            .ok_or_else(|| RuntimeError::Internal(format!("stored batch {id} was freed while still referenced")))
    }

    /// Column `column` of the given rows; `None` gives a NULL of `data_type`.
    pub fn gather_column(
        &self,
        column: usize,
        rows: &[Option<RowRef>],
        data_type: &ArrowType,
    ) -> Result<ArrayRef, RuntimeError> {
        let mut slots: HashMap<u64, usize> = HashMap::new();
        let mut arrays: Vec<&dyn Array> = Vec::new();
        let mut indices = Vec::with_capacity(rows.len());
        for r in rows {
            indices.push(match r {
                Some(r) => {
                    let slot = match slots.get(&r.batch) {
                        Some(s) => *s,
                        None => {
                            let batch = self.batch(r.batch)?;
                            let array = batch.columns().get(column).ok_or_else(|| {
                                RuntimeError::Internal(format!("stored batch has no column {column}"))
                            })?;
                            arrays.push(array.as_ref());
                            slots.insert(r.batch, arrays.len() - 1);
                            arrays.len() - 1
                        }
                    };
                    (slot, r.row as usize)
                }
                None => NULL_ROW,
            });
        }
        interleave_or_null(&arrays, &indices, data_type).map_err(|e| RuntimeError::Internal(e.to_string()))
    }

    /// The first `num_columns` columns of the given rows, in order.
    pub fn gather(&self, rows: &[RowRef], types: &[ArrowType]) -> Result<Vec<ArrayRef>, RuntimeError> {
        let rows: Vec<Option<RowRef>> = rows.iter().map(|r| Some(*r)).collect();
        types.iter().enumerate().map(|(c, t)| self.gather_column(c, &rows, t)).collect()
    }
}

/// The index of a missing row in `interleave_or_null`.
pub(crate) const NULL_ROW: (usize, usize) = (usize::MAX, 0);

/// The rows `indices` picks (`(array, row)`) from `arrays`, with `NULL_ROW` a NULL of
/// `data_type`: Arrow's `interleave` plus a one-row NULL array when some row is missing.
pub(crate) fn interleave_or_null(
    arrays: &[&dyn Array],
    indices: &[(usize, usize)],
    data_type: &ArrowType,
) -> Result<ArrayRef, ArrowError> {
    if indices.is_empty() {
        return Ok(new_null_array(data_type, 0));
    }
    if !indices.contains(&NULL_ROW) {
        return arrow_select::interleave::interleave(arrays, indices);
    }
    let nulls = new_null_array(data_type, 1);
    let mut with_null = arrays.to_vec();
    with_null.push(nulls.as_ref());
    let null_slot = arrays.len();
    let indices: Vec<(usize, usize)> = indices.iter().map(|&i| if i == NULL_ROW { (null_slot, 0) } else { i }).collect();
    arrow_select::interleave::interleave(&with_null, &indices)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::Int64Array;
    use arrow_schema::{Field, Schema};

    use super::*;

    fn batch(values: std::ops::Range<i64>) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("v", ArrowType::Int64, true)]));
        RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from_iter_values(values))]).unwrap()
    }

    fn values(store: &BatchStore, rows: &[RowRef]) -> Vec<i64> {
        let columns = store.gather(rows, &[ArrowType::Int64]).unwrap();
        columns[0].as_primitive::<Int64Type>().values().to_vec()
    }

    /// Compaction moves the referenced rows (one of them referenced twice) into one batch,
    /// keeps the references' counts, frees the batches they came from and leaves alone a
    /// batch no given reference points into.
    #[test]
    fn compact_moves_the_referenced_rows_and_keeps_their_counts() {
        let mut store = BatchStore::default();
        let (a, b, c) = (store.insert(batch(0..1000)), store.insert(batch(1000..2000)), store.insert(batch(2000..3000)));
        let mut held = [RowRef { batch: a, row: 7 }, RowRef { batch: b, row: 999 }, RowRef { batch: a, row: 7 }];
        for r in &held {
            store.retain(r.batch);
        }
        let other = RowRef { batch: c, row: 5 };
        store.retain(other.batch);
        assert!(store.rows > 2 * store.refs);
        let before = values(&store, &held);
        let mut refs: Vec<&mut RowRef> = held.iter_mut().collect();
        store.compact(&mut refs).unwrap();
        assert_eq!(values(&store, &held), before);
        assert_eq!(values(&store, &[other]), vec![2005]);
        assert_eq!(store.len(), 2);
        assert_eq!((store.rows, store.refs), (1002, 4));
        assert_eq!(held[0], held[2]);
        // The moved rows' batch is freed with its last reference.
        for r in held {
            store.release(r.batch);
        }
        assert_eq!((store.len(), store.rows, store.refs), (1, 1000, 1));
        assert_eq!(store.bytes(), batch(2000..3000).get_array_memory_size());
    }
}
