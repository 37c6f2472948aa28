//! Each row repeated as many times as a count column says, keeping its change kind:
//! Flink's `ReplicateRows` table function, with which `INTERSECT ALL` and `EXCEPT ALL`
//! turn a count per distinct row back into that many rows.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::SchemaRef;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::{Operator, Output, RuntimeError};

const NAME: &str = "ReplicateRowsOperator";

pub struct ReplicateRowsOperator {
    /// A BIGINT column: how many times the row is emitted (none when NULL or below 1).
    count: usize,
    /// The input columns emitted, in order.
    columns: Vec<usize>,
    output_schema: SchemaRef,
}

impl ReplicateRowsOperator {
    pub fn new(count: usize, columns: Vec<usize>, output_schema: SchemaRef) -> Self {
        ReplicateRowsOperator { count, columns, output_schema }
    }
}

impl Operator for ReplicateRowsOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let internal = |e: &dyn std::fmt::Display| RuntimeError::Internal(format!("{NAME}: {e}"));
        let counts = batch
            .data
            .columns()
            .get(self.count)
            .and_then(|c| c.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| internal(&"the count column is not a BIGINT"))?;
        let mut indices = Vec::new();
        let mut kinds: Vec<RowKind> = Vec::new();
        for row in 0..batch.num_rows() {
            let times = if counts.is_valid(row) { counts.value(row).max(0) } else { 0 };
            for _ in 0..times {
                indices.push(row as u32);
                kinds.push(batch.kind(row));
            }
        }
        let indices = UInt32Array::from(indices);
        let columns = self
            .columns
            .iter()
            .map(|c| {
                let column = batch.data.columns().get(*c).ok_or_else(|| internal(&format!("no column {c}")))?;
                arrow_select::take::take(column.as_ref(), &indices, None).map_err(|e| internal(&e))
            })
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
        let data = RecordBatch::try_new_with_options(self.output_schema.clone(), columns, &options).map_err(|e| internal(&e))?;
        out.emit(ChangeBatch::new(data, kinds));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};
    use arrow_schema::{DataType as ArrowType, Field, Schema};

    use super::*;

    #[test]
    fn each_row_comes_out_count_times_with_its_kind() {
        let input = Arc::new(Schema::new(vec![Field::new("v", ArrowType::Utf8, true), Field::new("n", ArrowType::Int64, true)]));
        let output = Arc::new(Schema::new(vec![Field::new("v", ArrowType::Utf8, true)]));
        let data = RecordBatch::try_new(
            input,
            vec![
                Arc::new(StringArray::from(vec!["a", "b", "c", "d"])),
                Arc::new(Int64Array::from(vec![Some(2), Some(0), None, Some(1)])),
            ],
        )
        .unwrap();
        let batch = ChangeBatch::new(data, vec![RowKind::UpdateBefore, RowKind::Insert, RowKind::Insert, RowKind::Delete]);
        let mut op = ReplicateRowsOperator::new(1, vec![0], output);
        let mut out = Output::default();
        op.on_batch(0, batch, &mut out).unwrap();
        let b = out.batches().next().unwrap();
        let values: Vec<&str> = b.data.column(0).as_string::<i32>().iter().flatten().collect();
        assert_eq!(values, ["a", "a", "d"]);
        let kinds: Vec<RowKind> = (0..b.num_rows()).map(|i| b.kind(i)).collect();
        assert_eq!(kinds, [RowKind::UpdateBefore, RowKind::UpdateBefore, RowKind::Delete]);
    }
}
