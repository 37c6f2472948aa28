//! Event-time deduplication (`DeduplicateOperator::on_rowtime`): keep last replaces the
//! kept row on a greater or equal rowtime as rows arrive; keep first emits the earliest
//! row (first of ties) once the watermark reaches it, insert-only, dropping late rows;
//! and a property test folding the changelog against the earliest / latest row per key.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::DeduplicateOperator;
use sluice_runtime::spec::DeduplicateSpec;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{self, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        Field::new("v", DataType::Int64, false),
    ]))
}

fn operator(keep_last: bool, generate_update_before: bool) -> DeduplicateOperator {
    DeduplicateOperator::new(DeduplicateSpec {
        keys: vec![0],
        keep_last,
        generate_update_before,
        state_ttl: None,
        output_schema: schema(),
    })
    .unwrap()
    .on_rowtime(1)
    .unwrap()
}

type Row = (i64, Option<i64>, i64);

fn feed(op: &mut DeduplicateOperator, rows: &[Row]) -> Vec<(RowKind, Row)> {
    let data = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
            Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::inserts(data), &mut out).unwrap();
    rows_of(&out)
}

fn watermark(op: &mut DeduplicateOperator, wm: i64) -> Vec<(RowKind, Row)> {
    let mut out = Output::default();
    op.on_watermark(wm, &mut out).unwrap();
    assert_eq!(out.watermark(), Some(wm));
    rows_of(&out)
}

fn rows_of(out: &Output) -> Vec<(RowKind, Row)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let k = b.data.column(0).as_primitive::<Int64Type>();
        let ts = b.data.column(1).as_primitive::<TimestampMicrosecondType>();
        let v = b.data.column(2).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            res.push((b.kind(i), (k.value(i), Some(ts.value(i)), v.value(i))));
        }
    }
    res
}

#[test]
fn keep_first_emits_the_earliest_row_when_the_watermark_reaches_it() {
    let mut op = operator(false, true);
    assert!(feed(&mut op, &[(1, Some(50), 1), (1, Some(50), 2), (1, Some(60), 3), (2, Some(30), 4)]).is_empty());
    assert!(feed(&mut op, &[(1, Some(40), 5), (1, Some(40), 6)]).is_empty());
    assert_eq!(watermark(&mut op, 39), vec![(I, (2, Some(30), 4))]);
    assert_eq!(watermark(&mut op, 45), vec![(I, (1, Some(40), 5))]);
    // Emitted keys ignore later rows, even earlier ones; rows behind the watermark are late.
    assert!(feed(&mut op, &[(1, Some(45), 7), (3, Some(44), 8), (3, Some(46), 9)]).is_empty());
    assert_eq!(op.late_rows_dropped(), 1);
    assert_eq!(watermark(&mut op, i64::MAX), vec![(I, (3, Some(46), 9))]);
    assert_eq!(op.stored_batches(), 0);
}

#[test]
fn keep_first_fires_in_rowtime_order_then_arrival() {
    let mut op = operator(false, false);
    assert!(feed(&mut op, &[(1, Some(20), 1), (2, Some(10), 2), (3, Some(20), 3)]).is_empty());
    assert_eq!(
        watermark(&mut op, 20),
        vec![(I, (2, Some(10), 2)), (I, (1, Some(20), 1)), (I, (3, Some(20), 3))]
    );
}

#[test]
fn keep_last_replaces_on_an_equal_or_later_rowtime() {
    let mut op = operator(true, true);
    assert_eq!(
        feed(&mut op, &[(1, Some(50), 1), (1, Some(50), 2), (1, Some(40), 3)]),
        vec![(I, (1, Some(50), 1)), (UB, (1, Some(50), 1)), (UA, (1, Some(50), 2))]
    );
    assert_eq!(feed(&mut op, &[(1, Some(70), 4)]), vec![(UB, (1, Some(50), 2)), (UA, (1, Some(70), 4))]);
    assert_eq!(op.state_keys(), 1);
    assert_eq!(op.stored_batches(), 1);
}

#[test]
fn null_rowtimes_are_dropped() {
    let mut op = operator(true, true);
    assert!(feed(&mut op, &[(1, None, 1)]).is_empty());
    assert_eq!(feed(&mut op, &[(1, Some(5), 2)]), vec![(I, (1, Some(5), 2))]);
}

#[test]
fn a_rowtime_column_that_is_not_a_timestamp_is_refused() {
    let op = DeduplicateOperator::new(DeduplicateSpec {
        keys: vec![0],
        keep_last: false,
        generate_update_before: true,
        state_ttl: None,
        output_schema: schema(),
    })
    .unwrap();
    assert!(op.on_rowtime(2).is_err());
}

proptest! {
    #[test]
    fn folded_changelog_is_the_earliest_or_latest_row(
        rows in prop::collection::vec((0i64..4, 0i64..6), 0..40),
        split in 1usize..8,
        keep_last in any::<bool>(),
        restart in any::<prop::sample::Index>(),
    ) {
        let rows: Vec<Row> = rows.iter().enumerate().map(|(i, (k, t))| (*k, Some(*t), i as i64)).collect();
        let mut op = operator(keep_last, true);
        let mut state: BTreeMap<i64, Row> = BTreeMap::new();
        let mut emitted = Vec::new();
        // A checkpoint restored into a fresh operator at a random chunk changes nothing.
        let restart = restart.index(rows.len().div_ceil(split).max(1));
        for (n, chunk) in rows.chunks(split).enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(keep_last, true);
                op.restore(&state).unwrap();
            }
            emitted.extend(feed(&mut op, chunk));
        }
        emitted.extend(watermark(&mut op, i64::MAX));
        {
            for (kind, row) in emitted {
                match kind {
                    UA | UB => prop_assert!(keep_last),
                    _ => {}
                }
                match kind {
                    I | UA => prop_assert!(state.insert(row.0, row).is_none()),
                    _ => prop_assert_eq!(state.remove(&row.0), Some(row)),
                }
            }
        }
        let mut want: BTreeMap<i64, Row> = BTreeMap::new();
        for row in &rows {
            let replace = match want.get(&row.0) {
                None => true,
                Some(kept) if keep_last => row.1 >= kept.1,
                Some(kept) => row.1 < kept.1,
            };
            if replace {
                want.insert(row.0, *row);
            }
        }
        prop_assert_eq!(state, want);
    }
}
