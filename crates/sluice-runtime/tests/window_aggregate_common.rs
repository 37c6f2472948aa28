//! Shared helpers of the window aggregate tests (included with `#[path]`).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef, TimeUnit};
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::WindowAggregateOperator;
use sluice_runtime::spec::{AggregateCall, AggregateKind, WindowAggregateSpec, WindowKind, WindowTime};
use sluice_runtime::{Operator, Output};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, TypeKind};

pub const SEC: i64 = 1_000_000;

/// Input: `ts` TIMESTAMP(3) (or LTZ), `k` STRING, `v` BIGINT.
pub fn input_schema(ltz: bool) -> SchemaRef {
    let tz = ltz.then(|| Arc::from("UTC"));
    Arc::new(Schema::new(vec![
        Field::new("ts", ArrowType::Timestamp(TimeUnit::Microsecond, tz), true),
        Field::new("k", ArrowType::Utf8, true),
        Field::new("v", ArrowType::Int64, true),
    ]))
}

pub fn batch(ltz: bool, rows: &[(Option<i64>, &str, Option<i64>)]) -> ChangeBatch {
    let mut ts = TimestampMicrosecondArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
    if ltz {
        ts = ts.with_timezone("UTC");
    }
    let k = StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let v = Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let columns: Vec<ArrayRef> = vec![Arc::new(ts), Arc::new(k), Arc::new(v)];
    ChangeBatch::inserts(RecordBatch::try_new(input_schema(ltz), columns).unwrap())
}

fn call(kind: AggregateKind, args: Vec<usize>, output: DataType) -> AggregateCall {
    AggregateCall {
        kind,
        arg_type: (!args.is_empty()).then(DataType::bigint),
        args,
        distinct: false,
        filter: None,
        separator: None,
        output_type: output,
    }
}

/// `k, COUNT(*), SUM(v), MIN(v), MAX(v), AVG(v)` per window.
pub fn spec(window: WindowKind, zone: Option<SessionTimeZone>) -> WindowAggregateSpec {
    let ltz = zone.is_some();
    let ts = |name: &str, tz: bool| {
        Field::new(name, ArrowType::Timestamp(TimeUnit::Microsecond, tz.then(|| Arc::from("UTC"))), false)
    };
    let output = Arc::new(Schema::new(vec![
        Field::new("k", ArrowType::Utf8, true),
        Field::new("cnt", ArrowType::Int64, false),
        Field::new("s", ArrowType::Int64, true),
        Field::new("mn", ArrowType::Int64, true),
        Field::new("mx", ArrowType::Int64, true),
        Field::new("av", ArrowType::Int64, true),
        ts("window_start", false),
        ts("window_end", false),
        ts("window_time", ltz),
    ]));
    WindowAggregateSpec {
        window,
        time: WindowTime { column: 0, time_zone: zone },
        keys: vec![1],
        aggregates: vec![
            call(AggregateKind::Count, vec![], DataType::not_null(TypeKind::BigInt)),
            call(AggregateKind::Sum, vec![2], DataType::bigint()),
            call(AggregateKind::Min, vec![2], DataType::bigint()),
            call(AggregateKind::Max, vec![2], DataType::bigint()),
            call(AggregateKind::Avg, vec![2], DataType::bigint()),
        ],
        two_phase: false,
        output_schema: output,
    }
}

/// One output row: key, count, sum, min, max, avg, window_start, window_end, window_time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutRow {
    pub key: Option<String>,
    pub count: i64,
    pub sum: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub avg: Option<i64>,
    pub start: i64,
    pub end: i64,
    pub time: i64,
}

pub fn rows_of(out: &Output) -> Vec<OutRow> {
    let mut rows = Vec::new();
    for b in out.batches() {
        let d = &b.data;
        let opt = |i: usize, r: usize| {
            let a = d.column(i).as_primitive::<Int64Type>();
            a.is_valid(r).then(|| a.value(r))
        };
        let t = |i: usize, r: usize| d.column(i).as_primitive::<TimestampMicrosecondType>().value(r);
        let keys = d.column(0).as_string::<i32>();
        for r in 0..d.num_rows() {
            rows.push(OutRow {
                key: keys.is_valid(r).then(|| keys.value(r).to_string()),
                count: opt(1, r).unwrap(),
                sum: opt(2, r),
                min: opt(3, r),
                max: opt(4, r),
                avg: opt(5, r),
                start: t(6, r),
                end: t(7, r),
                time: t(8, r),
            });
        }
    }
    rows
}

pub fn operator(window: WindowKind, zone: Option<SessionTimeZone>) -> WindowAggregateOperator {
    WindowAggregateOperator::new(spec(window, zone)).unwrap()
}

pub fn feed(op: &mut WindowAggregateOperator, out: &mut Output, ltz: bool, rows: &[(Option<i64>, &str, Option<i64>)]) {
    op.on_batch(0, batch(ltz, rows), out).unwrap();
}
