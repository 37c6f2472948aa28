//! Shared helpers of the group aggregate tests (included with `#[path]`).

#![allow(dead_code)]

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::GroupAggregateOperator;
use sluice_runtime::spec::{AggregateCall, AggregateKind, GroupAggregateSpec, MiniBatch};
use sluice_runtime::{Operator, Output};
use sluice_types::{DataType, RowKind, TypeKind};

/// Input: `k` STRING, `v` BIGINT, `s` STRING.
pub fn input_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("k", ArrowType::Utf8, true),
        Field::new("v", ArrowType::Int64, true),
        Field::new("s", ArrowType::Utf8, true),
    ]))
}

/// One input row: kind, key, value, string.
pub type In<'a> = (RowKind, &'a str, Option<i64>, Option<&'a str>);

pub fn batch(rows: &[In]) -> ChangeBatch {
    let k = StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let v = Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let s = StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>());
    let columns: Vec<ArrayRef> = vec![Arc::new(k), Arc::new(v), Arc::new(s)];
    let data = RecordBatch::try_new(input_schema(), columns).unwrap();
    ChangeBatch::new(data, rows.iter().map(|r| r.0).collect())
}

pub fn call(kind: AggregateKind, args: Vec<usize>, arg: Option<DataType>, output: DataType) -> AggregateCall {
    AggregateCall { kind, args, distinct: false, filter: None, separator: None, arg_type: arg, output_type: output }
}

pub fn count_star() -> AggregateCall {
    call(AggregateKind::Count, vec![], None, DataType::not_null(TypeKind::BigInt))
}

/// `kind(v)` over the BIGINT column with a BIGINT result (COUNT's is NOT NULL).
pub fn on_v(kind: AggregateKind) -> AggregateCall {
    let out = if kind == AggregateKind::Count { DataType::not_null(TypeKind::BigInt) } else { DataType::bigint() };
    call(kind, vec![1], Some(DataType::bigint()), out)
}

/// `kind(s)` over the STRING column with a STRING result.
pub fn on_s(kind: AggregateKind) -> AggregateCall {
    let out = if kind == AggregateKind::Count { DataType::not_null(TypeKind::BigInt) } else { DataType::string() };
    call(kind, vec![2], Some(DataType::string()), out)
}

/// `GROUP BY k` (or a global aggregate when `keyed` is false) with `aggregates`.
pub fn spec(keyed: bool, aggregates: Vec<AggregateCall>) -> GroupAggregateSpec {
    let mut fields = Vec::new();
    if keyed {
        fields.push(Field::new("k", ArrowType::Utf8, true));
    }
    for (i, a) in aggregates.iter().enumerate() {
        fields.push(a.output_type.to_field(&format!("a{i}")));
    }
    GroupAggregateSpec {
        keys: if keyed { vec![0] } else { vec![] },
        aggregates,
        generate_update_before: true,
        mini_batch: None,
        state_ttl: None,
        output_schema: Arc::new(Schema::new(fields)),
    }
}

pub fn with_mini_batch(mut spec: GroupAggregateSpec, size: usize) -> GroupAggregateSpec {
    spec.mini_batch = Some(MiniBatch { size });
    spec
}

fn cell(column: &ArrayRef, row: usize) -> String {
    if column.is_null(row) {
        return "NULL".into();
    }
    match column.data_type() {
        ArrowType::Utf8 => column.as_string::<i32>().value(row).to_string(),
        ArrowType::Int64 => column.as_primitive::<Int64Type>().value(row).to_string(),
        ArrowType::Float64 => column.as_primitive::<Float64Type>().value(row).to_string(),
        other => format!("<{other}>"),
    }
}

/// Output rows as Flink prints them, e.g. `+I[a, 1, 5]`.
pub fn rows(out: &Output) -> Vec<String> {
    let mut lines = Vec::new();
    for b in out.batches() {
        for r in 0..b.num_rows() {
            let cells: Vec<String> = b.data.columns().iter().map(|c| cell(c, r)).collect();
            lines.push(format!("{}[{}]", b.kind(r).short_string(), cells.join(", ")));
        }
    }
    lines
}

/// Runs the operator over the batches, then ends the input; returns the printed rows.
pub fn run(op: &mut GroupAggregateOperator, batches: &[Vec<In>]) -> Vec<String> {
    let mut out = Output::default();
    for b in batches {
        op.on_batch(0, batch(b), &mut out).unwrap();
    }
    op.on_end(&mut out).unwrap();
    rows(&out)
}
