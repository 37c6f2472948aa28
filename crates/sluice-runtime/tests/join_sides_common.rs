//! Shared helpers of the interval and window join tests (included with `#[path]`): both
//! sides are `k` BIGINT (nullable), `id` BIGINT, and a time (the rowtime of an interval
//! join, the window end of a window join).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use sluice_connector_api::ChangeBatch;
use sluice_runtime::Output;

/// A row of either side: key, id, time.
#[derive(Clone, Copy, Debug)]
pub struct In {
    pub k: Option<i64>,
    pub id: i64,
    pub time: i64,
}

pub fn row(k: i64, id: i64, time: i64) -> In {
    In { k: Some(k), id, time }
}

/// The schema of side `prefix` ("l" or "r").
pub fn schema(prefix: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(format!("{prefix}k"), DataType::Int64, true),
        Field::new(format!("{prefix}id"), DataType::Int64, false),
        Field::new(format!("{prefix}time"), DataType::Timestamp(TimeUnit::Microsecond, None), false),
    ]))
}

pub fn batch(prefix: &str, rows: &[In]) -> ChangeBatch {
    let data = RecordBatch::try_new(
        schema(prefix),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.k).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.id).collect::<Vec<_>>())),
            Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.time).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    ChangeBatch::inserts(data)
}

/// (left id, right id) of each output row in output order, `None` where padded or where
/// the output has the left side only (semi and anti joins).
pub fn pairs(out: &Output) -> Vec<(Option<i64>, Option<i64>)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let get = |a: &Int64Array, i: usize| if a.is_valid(i) { Some(a.value(i)) } else { None };
        let l = b.data.column(1).as_primitive::<Int64Type>();
        let r = (b.data.num_columns() > 3).then(|| b.data.column(4).as_primitive::<Int64Type>());
        for i in 0..b.data.num_rows() {
            res.push((get(l, i), r.and_then(|r| get(r, i))));
        }
    }
    res
}
