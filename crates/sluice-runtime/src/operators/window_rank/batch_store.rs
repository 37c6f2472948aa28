//! Input batches kept whole while some of their rows are still in an operator's state,
//! and the gathering of stored rows into output columns.
//!
//! Operators that hold rows (Top-N, OVER, interval join) keep the Arrow batch a row came
//! in and a `RowRef` into it instead of copying rows one at a time. Each batch counts the
//! rows that still refer to it and is freed when the count drops to zero.

use std::collections::HashMap;

use arrow_array::{new_null_array, Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType as ArrowType};

use crate::RuntimeError;

/// A row of a stored batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RowRef {
    pub batch: u64,
    pub row: u32,
}

#[derive(Default)]
pub(crate) struct BatchStore {
    batches: HashMap<u64, (RecordBatch, usize)>,
    next_id: u64,
}

impl BatchStore {
    /// Stores a batch with no references yet; call `retain` for each row kept, then
    /// `drop_if_unused` in case none was.
    pub fn insert(&mut self, batch: RecordBatch) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.batches.insert(id, (batch, 0));
        id
    }

    pub fn retain(&mut self, batch: u64) {
        if let Some(entry) = self.batches.get_mut(&batch) {
            entry.1 += 1;
        }
    }

    pub fn release(&mut self, batch: u64) {
        if let Some(entry) = self.batches.get_mut(&batch) {
            entry.1 = entry.1.saturating_sub(1);
            if entry.1 == 0 {
                self.batches.remove(&batch);
            }
        }
    }

    pub fn drop_if_unused(&mut self, batch: u64) {
        if self.batches.get(&batch).is_some_and(|e| e.1 == 0) {
            self.batches.remove(&batch);
        }
    }

    /// How many batches are held: state that is freed shows here.
    pub fn len(&self) -> usize {
        self.batches.len()
    }

    fn batch(&self, id: u64) -> Result<&RecordBatch, RuntimeError> {
        self.batches
            .get(&id)
            .map(|e| &e.0)
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
