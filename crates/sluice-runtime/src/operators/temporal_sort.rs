//! `ORDER BY rowtime [, more keys]` over a stream, as Flink's `RowTimeSortOperator` runs
//! it: rows wait until the watermark reaches their rowtime, then leave in rowtime order
//! (the further keys, then arrival, ordering rows of one rowtime). A row whose rowtime is
//! not after the last rowtime already sent is late and dropped, as Flink drops it: its
//! place in the order has gone by. The input must be insert-only; the output is too.
//!
//! Rows wait in the batches they came in (`BatchStore`), indexed by (rowtime, the further
//! keys as `arrow-row` bytes, arrival number), so that the rows due at a watermark are a
//! prefix of the index, already in order.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch};
use arrow_row::RowConverter;
use arrow_schema::{DataType as ArrowType, SchemaRef};
use sluice_connector_api::ChangeBatch;

use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operators::join::{encode_rows, row_bytes, sort_converter};
use crate::operators::state::{load_stored, save_stored};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::SortKey;
use crate::{Operator, Output, RuntimeError};

/// Where a waiting row sorts: its rowtime, the further keys' bytes, its arrival number.
type Place = (i64, Vec<u8>, u64);

pub struct TemporalSortOperator {
    rowtime: usize,
    /// The keys after the rowtime, and their encoder (`None` without further keys).
    then_by: Vec<SortKey>,
    encoder: Option<RowConverter>,
    schema: SchemaRef,
    types: Vec<ArrowType>,
    store: BatchStore,
    waiting: BTreeMap<Place, RowRef>,
    next_seq: u64,
    /// The rowtime of the last rows sent (`i64::MIN` before any).
    last_sent: i64,
    late_rows: u64,
}

fn internal(message: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("temporal sort: {message}"))
}

impl TemporalSortOperator {
    /// Sorts rows of `schema` by the timestamp column `rowtime`, then by `then_by`.
    pub fn new(schema: SchemaRef, rowtime: usize, then_by: Vec<SortKey>) -> Result<Self, RuntimeError> {
        let types: Vec<ArrowType> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
        match types.get(rowtime) {
            Some(ArrowType::Timestamp(arrow_schema::TimeUnit::Microsecond, _)) => {}
            other => return Err(internal(format!("rowtime column {rowtime} is {other:?}, not a timestamp"))),
        }
        let encoder = sort_converter(&types, &then_by)?;
        Ok(TemporalSortOperator {
            rowtime,
            then_by,
            encoder,
            schema,
            types,
            store: BatchStore::default(),
            waiting: BTreeMap::new(),
            next_seq: 0,
            last_sent: i64::MIN,
            late_rows: 0,
        })
    }

    /// Rows of `data` waiting from now on: each with a rowtime after the last one sent.
    fn admit(&mut self, data: &RecordBatch) -> Result<(), RuntimeError> {
        let times = data
            .column(self.rowtime)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| internal("the rowtime column is not a timestamp"))?;
        let columns: Vec<usize> = self.then_by.iter().map(|k| k.column).collect();
        let keys = encode_rows(&self.encoder, data, &columns)?;
        let id = self.store.insert(data.clone());
        for i in 0..data.num_rows() {
            // A NULL rowtime has no place in the order; Flink's rowtime cannot be NULL.
            if times.is_null(i) || times.value(i) <= self.last_sent {
                self.late_rows += 1;
                continue;
            }
            self.store.retain(id);
            self.waiting.insert((times.value(i), row_bytes(&keys, i), self.next_seq), RowRef { batch: id, row: i as u32 });
            self.next_seq += 1;
        }
        self.store.drop_if_unused(id);
        Ok(())
    }

    /// Sends, in order, the rows whose rowtime the watermark reached.
    fn send_due(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let later = match watermark.checked_add(1) {
            Some(next) => self.waiting.split_off(&(next, Vec::new(), 0)),
            None => BTreeMap::new(),
        };
        let due = std::mem::replace(&mut self.waiting, later);
        let Some(((last, _, _), _)) = due.last_key_value() else { return Ok(()) };
        self.last_sent = *last;
        let rows: Vec<RowRef> = due.into_values().collect();
        let columns = self.store.gather(&rows, &self.types)?;
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(internal)?;
        for row in &rows {
            self.store.release(row.batch);
        }
        out.emit(ChangeBatch::inserts(batch));
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        let then: Vec<String> = self
            .then_by
            .iter()
            .map(|k| format!("{}{}", k.column, if k.ascending { "" } else { " DESC" }))
            .collect();
        format!("a sort on rowtime column {} then [{}] over columns {:?}", self.rowtime, then.join(", "), self.types)
    }
}

impl Operator for TemporalSortOperator {
    fn name(&self) -> &str {
        "TemporalSort"
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(internal("the input of a sort on a time attribute must be insert-only"));
        }
        self.admit(&batch.data)
    }

    fn is_stateless(&self) -> bool {
        false
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.send_due(watermark, out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late_rows
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// The rowtime last sent, the late count, then the waiting rows in order. Their keys
    /// follow from the rows.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(self.name(), e);
        let mut out = operator_state(&self.shape());
        out.i64(self.last_sent).u64(self.late_rows);
        let rows: Vec<Option<RowRef>> = self.waiting.values().map(|r| Some(*r)).collect();
        save_stored(&mut out, &self.store, &rows, &self.types).map_err(fail)?;
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        let name = self.name().to_string();
        let fail = |e: String| unreadable(&name, e);
        let mut input = open_operator_state(&name, state, &self.shape())?;
        self.last_sent = input.i64().map_err(fail)?;
        self.late_rows = input.u64().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        input.end().map_err(fail)?;
        let times = batch
            .column(self.rowtime)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| fail("the saved rowtimes are not timestamps".into()))?;
        let columns: Vec<usize> = self.then_by.iter().map(|k| k.column).collect();
        let keys = encode_rows(&self.encoder, &batch, &columns)?;
        for (i, row) in rows.into_iter().enumerate() {
            let Some(row) = row else { return Err(fail("a saved row is missing".into())) };
            self.waiting.insert((times.value(i), row_bytes(&keys, i), self.next_seq), row);
            self.next_seq += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int32Array, TimestampMicrosecondArray};
    use arrow_schema::{Field, Schema, TimeUnit};

    use super::*;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("id", ArrowType::Int32, true),
            Field::new("ts", ArrowType::Timestamp(TimeUnit::Microsecond, None), true),
        ]))
    }

    fn batch(rows: &[(i32, i64)]) -> ChangeBatch {
        let ids = Int32Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
        let ts = TimestampMicrosecondArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
        ChangeBatch::inserts(RecordBatch::try_new(schema(), vec![Arc::new(ids), Arc::new(ts)]).unwrap())
    }

    fn ids(out: &Output) -> Vec<i32> {
        out.batches().flat_map(|b| b.data.column(0).as_primitive::<arrow_array::types::Int32Type>().values().to_vec()).collect()
    }

    #[test]
    fn rows_leave_in_rowtime_order_when_the_watermark_reaches_them_and_late_ones_are_dropped() {
        let then_by = vec![SortKey { column: 0, ascending: false, nulls_first: false }];
        let mut op = TemporalSortOperator::new(schema(), 1, then_by).unwrap();
        let mut out = Output::default();
        op.on_batch(0, batch(&[(1, 30), (2, 10), (3, 20), (4, 10)]), &mut out).unwrap();
        op.on_watermark(20, &mut out).unwrap();
        // Rowtime 10 (ids 4 then 2: the further key is descending), then 20.
        assert_eq!(ids(&out), vec![4, 2, 3]);
        let mut out = Output::default();
        // 20 was sent: a row at 20 is late; one at 25 is not, though the watermark passed it.
        op.on_batch(0, batch(&[(5, 20), (6, 25)]), &mut out).unwrap();
        let state = op.snapshot().unwrap().unwrap();
        let mut restored = TemporalSortOperator::new(schema(), 1, vec![SortKey { column: 0, ascending: false, nulls_first: false }]).unwrap();
        restored.restore(&state).unwrap();
        restored.on_watermark(i64::MAX, &mut out).unwrap();
        assert_eq!(ids(&out), vec![6, 1]);
        assert_eq!(restored.late_rows_dropped(), 1);
    }
}
