//! Unbounded Top-N: rows entering and leaving the top with and without the row number,
//! append-only and updating inputs, update-before suppression, and a property test
//! folding the changelog against a batch Top-N of the final rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::RankOperator;
use sluice_runtime::spec::{RankSpec, SortKey};
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{self, Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

/// Partition, score (sorted descending, NULLs last), id.
type In = (i64, Option<i64>, i64);
/// Kind, partition, score, id, rank (0 without).
type Out = (RowKind, i64, Option<i64>, i64, i64);

fn input_fields() -> Vec<Field> {
    vec![Field::new("p", DataType::Int64, false), Field::new("s", DataType::Int64, true), Field::new("id", DataType::Int64, false)]
}

fn operator(limit: usize, emit_rank: bool, update_before: bool, append_only: bool) -> RankOperator {
    let mut fields = input_fields();
    if emit_rank {
        fields.push(Field::new("rn", DataType::Int64, false));
    }
    let op = RankOperator::new(RankSpec {
        keys: vec![0],
        order: vec![SortKey { column: 1, ascending: false, nulls_first: false }],
        limit,
        emit_rank,
        generate_update_before: update_before,
        state_ttl: None,
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap();
    if append_only {
        op.append_only_input()
    } else {
        op
    }
}

fn input_schema() -> SchemaRef {
    Arc::new(Schema::new(input_fields()))
}

fn feed(op: &mut RankOperator, rows: &[(RowKind, In)]) -> Vec<Out> {
    let data = RecordBatch::try_new(
        input_schema(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1 .0).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1 .1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1 .2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::new(data, rows.iter().map(|r| r.0).collect()), &mut out).unwrap();
    let mut res = Vec::new();
    for b in out.batches() {
        let c: Vec<_> = (0..b.data.num_columns()).map(|i| b.data.column(i).as_primitive::<Int64Type>().clone()).collect();
        for i in 0..b.num_rows() {
            let s = if c[1].is_valid(i) { Some(c[1].value(i)) } else { None };
            let rank = c.get(3).map(|r| r.value(i)).unwrap_or(0);
            res.push((b.kind(i), c[0].value(i), s, c[2].value(i), rank));
        }
    }
    res
}

#[test]
fn append_only_without_rank_inserts_and_evicts() {
    let mut op = operator(2, false, true, true);
    assert_eq!(feed(&mut op, &[(I, (1, Some(5), 1)), (I, (1, Some(7), 2))]), vec![(I, 1, Some(5), 1, 0), (I, 1, Some(7), 2, 0)]);
    // A tie with the last row of a full top is dropped.
    assert!(feed(&mut op, &[(I, (1, Some(5), 3)), (I, (1, None, 4))]).is_empty());
    assert_eq!(feed(&mut op, &[(I, (1, Some(6), 5))]), vec![(D, 1, Some(5), 1, 0), (I, 1, Some(6), 5, 0)]);
    assert_eq!(op.state_rows(), 2);
    assert_eq!(feed(&mut op, &[(I, (2, Some(1), 6))]), vec![(I, 2, Some(1), 6, 0)]);
}

#[test]
fn append_only_with_rank_shifts_ranks() {
    let mut op = operator(3, true, true, true);
    feed(&mut op, &[(I, (1, Some(9), 1)), (I, (1, Some(5), 2))]);
    assert_eq!(
        feed(&mut op, &[(I, (1, Some(7), 3))]),
        vec![(UB, 1, Some(5), 2, 2), (UA, 1, Some(7), 3, 2), (I, 1, Some(5), 2, 3)]
    );
    assert_eq!(
        feed(&mut op, &[(I, (1, Some(8), 4))]),
        vec![(UB, 1, Some(7), 3, 2), (UA, 1, Some(8), 4, 2), (UB, 1, Some(5), 2, 3), (UA, 1, Some(7), 3, 3)]
    );
    let mut upsert = operator(1, true, false, true);
    feed(&mut upsert, &[(I, (1, Some(1), 1))]);
    assert_eq!(feed(&mut upsert, &[(I, (1, Some(2), 2))]), vec![(UA, 1, Some(2), 2, 1)]);
}

#[test]
fn retraction_brings_the_next_row_in() {
    let mut op = operator(2, false, true, false);
    feed(&mut op, &[(I, (1, Some(9), 1)), (I, (1, Some(8), 2)), (I, (1, Some(7), 3))]);
    assert_eq!(feed(&mut op, &[(D, (1, Some(9), 1))]), vec![(D, 1, Some(9), 1, 0), (I, 1, Some(7), 3, 0)]);
    // A retraction of a row outside the top changes nothing; one never seen is ignored.
    feed(&mut op, &[(I, (1, Some(1), 4))]);
    assert!(feed(&mut op, &[(UB, (1, Some(1), 4)), (D, (1, Some(100), 9))]).is_empty());
    let mut ranked = operator(2, true, true, false);
    feed(&mut ranked, &[(I, (1, Some(9), 1)), (I, (1, Some(8), 2)), (I, (1, Some(7), 3))]);
    assert_eq!(
        feed(&mut ranked, &[(D, (1, Some(9), 1))]),
        vec![(UB, 1, Some(9), 1, 1), (UA, 1, Some(8), 2, 1), (UB, 1, Some(8), 2, 2), (UA, 1, Some(7), 3, 2)]
    );
    assert_eq!(feed(&mut ranked, &[(D, (1, Some(7), 3))]), vec![(D, 1, Some(7), 3, 2)]);
    assert_eq!(feed(&mut ranked, &[(D, (1, Some(8), 2))]), vec![(D, 1, Some(8), 2, 1)]);
    assert_eq!(ranked.state_rows(), 0);
    assert_eq!(ranked.stored_batches(), 0);
}

/// The batch Top-N: per partition, rows by score descending (NULLs last), ties in
/// arrival order, the first `limit`, with their ranks.
fn reference(alive: &[In], limit: usize) -> BTreeMap<(i64, i64), In> {
    let mut res = BTreeMap::new();
    let mut parts: BTreeMap<i64, Vec<In>> = BTreeMap::new();
    for r in alive {
        parts.entry(r.0).or_default().push(*r);
    }
    for (p, mut rows) in parts {
        rows.sort_by_key(|r| (r.1.is_none(), std::cmp::Reverse(r.1)));
        for (i, r) in rows.into_iter().take(limit).enumerate() {
            res.insert((p, i as i64 + 1), r);
        }
    }
    res
}

proptest! {
    #[test]
    fn folded_changelog_equals_batch_top_n(
        limit in 0usize..4,
        emit_rank in any::<bool>(),
        append_only in any::<bool>(),
        steps in proptest::collection::vec((prop::bool::weighted(0.3), 0i64..2, prop::option::weighted(0.9, 0i64..5), any::<usize>(), any::<bool>()), 0..60),
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(limit, emit_rank, true, append_only);
        let mut alive: Vec<In> = Vec::new();
        let mut next_id = 0;
        let mut ranked: BTreeMap<(i64, i64), In> = BTreeMap::new();
        let mut rows: BTreeMap<In, i64> = BTreeMap::new();
        let mut batch: Vec<(RowKind, In)> = Vec::new();
        let apply = |op: &mut RankOperator, batch: &mut Vec<(RowKind, In)>, ranked: &mut BTreeMap<(i64, i64), In>, rows: &mut BTreeMap<In, i64>| {
            for (kind, p, s, id, rank) in feed(op, batch) {
                let row = (p, s, id);
                if emit_rank {
                    match kind {
                        I => assert!(ranked.insert((p, rank), row).is_none()),
                        UA => assert!(ranked.insert((p, rank), row).is_none()),
                        UB | D => assert_eq!(ranked.remove(&(p, rank)), Some(row)),
                    }
                } else {
                    let c = rows.entry(row).or_insert(0);
                    *c += if kind.is_accumulate() { 1 } else { -1 };
                    assert!(*c >= 0);
                }
            }
            batch.clear();
        };
        // A checkpoint restored into a fresh operator at a random step changes nothing.
        let restart = restart.index(steps.len().max(1));
        for (n, (retract, p, s, pick, brk)) in steps.into_iter().enumerate() {
            if n == restart && batch.is_empty() {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(limit, emit_rank, true, append_only);
                op.restore(&state).unwrap();
            }
            if retract && !append_only && !alive.is_empty() {
                let r = alive.remove(pick % alive.len());
                batch.push((if brk { UB } else { D }, r));
            } else {
                let r = (p, s, next_id);
                next_id += 1;
                alive.push(r);
                batch.push((if brk || append_only { I } else { UA }, r));
            }
            if brk {
                apply(&mut op, &mut batch, &mut ranked, &mut rows);
            }
        }
        apply(&mut op, &mut batch, &mut ranked, &mut rows);
        let expected = reference(&alive, limit);
        if emit_rank {
            prop_assert_eq!(ranked, expected);
        } else {
            rows.retain(|_, c| *c != 0);
            let expected: BTreeMap<In, i64> = expected.into_values().map(|r| (r, 1)).collect();
            prop_assert_eq!(rows, expected);
        }
    }
}

/// A Top-1 over 200 partitions, each filled by one batch of 4,096 rising scores: each
/// partition keeps one row of its batch. Once the 200 batches (about 20 MB) pass the
/// store's 4 MiB floor the kept rows are copied out instead of pinning them, and they are
/// still the right rows when a better one evicts them.
#[test]
fn kept_rows_do_not_pin_their_batches() {
    let mut op = operator(1, false, true, true);
    let (partitions, run) = (200i64, 4096i64);
    let mut most = 0;
    for p in 0..partitions {
        let rows: Vec<(RowKind, In)> = (0..run).map(|i| (I, (p, Some(i), i))).collect();
        feed(&mut op, &rows);
        most = most.max(op.stored_batches());
    }
    assert!(most < partitions as usize / 2, "the Top-N held {most} input batches for {partitions} rows");
    assert_eq!(op.state_rows(), partitions as usize);
    let better: Vec<(RowKind, In)> = (0..partitions).map(|p| (I, (p, Some(run), -1))).collect();
    let evicted: Vec<Out> = feed(&mut op, &better).into_iter().filter(|r| r.0 == D).collect();
    let expected: Vec<Out> = (0..partitions).map(|p| (D, p, Some(run - 1), run - 1, 0)).collect();
    assert_eq!(evicted, expected);
}
