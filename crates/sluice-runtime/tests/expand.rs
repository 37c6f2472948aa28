//! Expand: each input row once per projection list, the copies of a row together and in
//! list order, row kinds carried to every copy, typed NULLs for the rolled-up keys.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_runtime::operators::ExpandOperator;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{self, Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};
use sluice_types::{DataType, ScalarValue};

fn input_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("a", ArrowType::Utf8, true), Field::new("b", ArrowType::Int64, true)]))
}

fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("a", ArrowType::Utf8, true),
        Field::new("b", ArrowType::Int64, true),
        Field::new("$e", ArrowType::Int64, false),
    ]))
}

fn a() -> ScalarExpr {
    ScalarExpr::Column { index: 0, data_type: DataType::string() }
}

fn b() -> ScalarExpr {
    ScalarExpr::Column { index: 1, data_type: DataType::bigint() }
}

fn null(data_type: DataType) -> ScalarExpr {
    ScalarExpr::Literal { value: ScalarValue::Null, data_type }
}

fn id(e: i64) -> ScalarExpr {
    ScalarExpr::Literal { value: ScalarValue::BigInt(e), data_type: DataType::bigint().with_nullable(false) }
}

/// `ROLLUP(a)` with `b` carried: `{a, b, 0}` then `{NULL, b, 1}`.
fn rollup() -> ExpandOperator {
    ExpandOperator::new(vec![vec![a(), b(), id(0)], vec![null(DataType::string()), b(), id(1)]], output_schema(), EvalContext::default())
        .unwrap()
}

type Row = (RowKind, Option<String>, Option<i64>, i64);

fn run(op: &mut ExpandOperator, rows: &[(RowKind, Option<&str>, Option<i64>)]) -> Vec<Row> {
    let data = RecordBatch::try_new(
        input_schema(),
        vec![
            Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::new(data, rows.iter().map(|r| r.0).collect()), &mut out).unwrap();
    let mut res = Vec::new();
    for batch in out.batches() {
        assert_eq!(batch.data.schema(), output_schema());
        let a = batch.data.column(0).as_string::<i32>();
        let b = batch.data.column(1).as_primitive::<Int64Type>();
        let e = batch.data.column(2).as_primitive::<Int64Type>();
        for i in 0..batch.num_rows() {
            res.push((
                batch.kind(i),
                a.is_valid(i).then(|| a.value(i).to_string()),
                b.is_valid(i).then(|| b.value(i)),
                e.value(i),
            ));
        }
    }
    res
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn copies_of_a_row_stay_together_in_list_order() {
    let mut op = rollup();
    let out = run(&mut op, &[(I, Some("x"), Some(1)), (I, Some("y"), None)]);
    assert_eq!(
        out,
        vec![(I, s("x"), Some(1), 0), (I, None, Some(1), 1), (I, s("y"), None, 0), (I, None, None, 1)]
    );
}

#[test]
fn every_copy_keeps_its_row_kind() {
    let mut op = rollup();
    let out = run(&mut op, &[(UB, Some("x"), Some(1)), (UA, Some("x"), Some(2)), (D, Some("z"), Some(3))]);
    let kinds: Vec<RowKind> = out.iter().map(|r| r.0).collect();
    assert_eq!(kinds, vec![UB, UB, UA, UA, D, D]);
    assert_eq!(out[3], (UA, None, Some(2), 1));
    assert_eq!(out[4], (D, s("z"), Some(3), 0));
}

#[test]
fn inserts_stay_an_insert_only_batch() {
    let mut op = rollup();
    let data = RecordBatch::try_new(
        input_schema(),
        vec![Arc::new(StringArray::from(vec!["x"])), Arc::new(Int64Array::from(vec![7]))],
    )
    .unwrap();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::inserts(data), &mut out).unwrap();
    let batches: Vec<&ChangeBatch> = out.batches().collect();
    assert_eq!(batches.len(), 1);
    assert!(batches[0].kinds.is_none());
    assert_eq!(batches[0].num_rows(), 2);
}

#[test]
fn one_list_per_grouping_set_of_a_cube() {
    // CUBE(a, b): {a, b}, {a}, {b}, {} with Flink's ids 0, 1, 2, 3.
    let lists = vec![
        vec![a(), b(), id(0)],
        vec![a(), null(DataType::bigint()), id(1)],
        vec![null(DataType::string()), b(), id(2)],
        vec![null(DataType::string()), null(DataType::bigint()), id(3)],
    ];
    let mut op = ExpandOperator::new(lists, output_schema(), EvalContext::default()).unwrap();
    let out = run(&mut op, &[(I, Some("x"), Some(1))]);
    assert_eq!(
        out,
        vec![(I, s("x"), Some(1), 0), (I, s("x"), None, 1), (I, None, Some(1), 2), (I, None, None, 3)]
    );
}

#[test]
fn an_empty_batch_emits_nothing() {
    let mut op = rollup();
    assert!(run(&mut op, &[]).is_empty());
}

#[test]
fn lists_of_the_wrong_length_are_refused() {
    assert!(ExpandOperator::new(vec![vec![a(), b()]], output_schema(), EvalContext::default()).is_err());
    assert!(ExpandOperator::new(vec![], output_schema(), EvalContext::default()).is_err());
}

#[test]
fn a_list_of_the_wrong_type_fails_at_run_time_without_panicking() {
    let lists = vec![vec![b(), b(), id(0)]];
    let mut op = ExpandOperator::new(lists, output_schema(), EvalContext::default()).unwrap();
    let data = RecordBatch::try_new(
        input_schema(),
        vec![Arc::new(StringArray::from(vec!["x"])), Arc::new(Int64Array::from(vec![7]))],
    )
    .unwrap();
    let mut out = Output::default();
    assert!(op.on_batch(0, ChangeBatch::inserts(data), &mut out).is_err());
}
