use std::sync::Arc;

use arrow_array::RecordBatch;
use sluice_types::RowKind;

/// A batch of rows with their change kinds. `kinds == None` means every row is an insert
/// (`+I`), which is the common, append-only case and costs nothing.
#[derive(Clone, Debug)]
pub struct ChangeBatch {
    pub data: RecordBatch,
    pub kinds: Option<Arc<[RowKind]>>,
}

impl ChangeBatch {
    pub fn inserts(data: RecordBatch) -> Self {
        ChangeBatch { data, kinds: None }
    }

    pub fn new(data: RecordBatch, kinds: Vec<RowKind>) -> Self {
        debug_assert_eq!(data.num_rows(), kinds.len());
        if kinds.iter().all(|k| *k == RowKind::Insert) {
            return ChangeBatch { data, kinds: None };
        }
        ChangeBatch { data, kinds: Some(kinds.into()) }
    }

    pub fn num_rows(&self) -> usize {
        self.data.num_rows()
    }

    pub fn kind(&self, row: usize) -> RowKind {
        match &self.kinds {
            Some(k) => k[row],
            None => RowKind::Insert,
        }
    }

    /// Rows `offset..offset + len`, sharing the buffers.
    pub fn slice(&self, offset: usize, len: usize) -> ChangeBatch {
        ChangeBatch {
            data: self.data.slice(offset, len),
            kinds: self.kinds.as_ref().map(|k| k[offset..offset + len].into()),
        }
    }

    pub fn is_append_only(&self) -> bool {
        self.kinds.is_none()
    }
}
