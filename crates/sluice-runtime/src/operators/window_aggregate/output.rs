use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType as ArrowType, SchemaRef, TimeUnit};

use crate::aggregate::{AggregateSet, KeyTable, WindowClock};
use crate::RuntimeError;

use super::node_error;

/// One result row to emit: a key's aggregates over one window (wall-clock bounds).
#[derive(Clone, Copy, Debug)]
pub(super) struct FiredWindow {
    pub key: u32,
    pub group: u32,
    pub start: i64,
    pub end: i64,
}

/// Checks that the output schema ends with the three window columns the operator
/// writes, so that building batches later cannot fail on their types.
pub(super) fn check_output_schema(schema: &SchemaRef, keys: usize, aggregates: usize) -> Result<(), RuntimeError> {
    let expected = keys + aggregates + 3;
    if schema.fields().len() != expected {
        return Err(RuntimeError::Internal(format!(
            "window aggregate output schema has {} columns, expected {expected}",
            schema.fields().len()
        )));
    }
    for field in &schema.fields()[keys + aggregates..] {
        if !matches!(field.data_type(), ArrowType::Timestamp(TimeUnit::Microsecond, _)) {
            return Err(RuntimeError::Internal(format!(
                "window aggregate output column \"{}\" is {}, expected a timestamp",
                field.name(),
                field.data_type()
            )));
        }
    }
    Ok(())
}

/// The output batch of fired windows: keys, aggregates, `window_start`, `window_end`
/// and `window_time`.
pub(super) fn build_output(
    schema: &SchemaRef,
    keys: &KeyTable,
    aggregates: &AggregateSet,
    clock: &WindowClock,
    fired: &[FiredWindow],
) -> Result<RecordBatch, RuntimeError> {
    let key_ids: Vec<u32> = fired.iter().map(|f| f.key).collect();
    let groups: Vec<u32> = fired.iter().map(|f| f.group).collect();
    let mut columns: Vec<ArrayRef> = keys.decode(&key_ids).map_err(node_error)?;
    columns.extend(aggregates.evaluate(&groups).map_err(node_error)?);
    let n = columns.len();
    let time_column = |values: Vec<i64>, i: usize| -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(values).with_data_type(schema.field(i).data_type().clone()))
    };
    columns.push(time_column(fired.iter().map(|f| f.start).collect(), n));
    columns.push(time_column(fired.iter().map(|f| f.end).collect(), n + 1));
    columns.push(time_column(fired.iter().map(|f| clock.fire_time(f.end)).collect(), n + 2));
    RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| RuntimeError::Internal(format!("window aggregate output: {e}")))
}
