//! The upsert materializer: upserts and deletes on the sink key from a changelog keyed
//! differently; only alive rows are kept; and a property test comparing the upserted
//! table with the changelog folded by full row.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::join::ProcessingClock;
use sluice_runtime::operators::UpsertMaterializeOperator;
use sluice_runtime::spec::UpsertMaterializeSpec;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{self, Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false), Field::new("v", DataType::Int64, false)]))
}

fn operator(ttl: Option<u64>) -> UpsertMaterializeOperator {
    UpsertMaterializeOperator::new(UpsertMaterializeSpec {
        sink_key: vec![0],
        state_ttl: ttl.map(std::time::Duration::from_millis),
        output_schema: schema(),
    })
    .unwrap()
}

fn feed(op: &mut UpsertMaterializeOperator, rows: &[(RowKind, i64, i64)]) -> Vec<(RowKind, i64, i64)> {
    let data = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::new(data, rows.iter().map(|r| r.0).collect()), &mut out).unwrap();
    let mut res = Vec::new();
    for b in out.batches() {
        let k = b.data.column(0).as_primitive::<Int64Type>();
        let v = b.data.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            res.push((b.kind(i), k.value(i), v.value(i)));
        }
    }
    res
}

#[test]
fn upserts_and_deletes_on_the_sink_key() {
    let mut op = operator(None);
    assert_eq!(feed(&mut op, &[(I, 1, 10), (I, 1, 11)]), vec![(I, 1, 10), (UA, 1, 11)]);
    // Retracting an older row changes nothing downstream.
    assert!(feed(&mut op, &[(UB, 1, 10)]).is_empty());
    assert_eq!(op.state_rows(), 1);
    assert_eq!(feed(&mut op, &[(I, 1, 12)]), vec![(UA, 1, 12)]);
    // Retracting the newest row re-emits the one before it.
    assert_eq!(feed(&mut op, &[(D, 1, 12)]), vec![(UA, 1, 11)]);
    assert_eq!(feed(&mut op, &[(D, 1, 11)]), vec![(D, 1, 11)]);
    assert_eq!(op.state_rows(), 0);
    assert_eq!(op.stored_batches(), 0);
}

#[test]
fn retractions_of_rows_not_alive_are_ignored() {
    let mut op = operator(None);
    assert!(feed(&mut op, &[(D, 1, 10)]).is_empty());
    feed(&mut op, &[(I, 1, 10)]);
    assert!(feed(&mut op, &[(D, 1, 99)]).is_empty());
    assert_eq!(op.state_rows(), 1);
}

#[test]
fn equal_rows_are_removed_oldest_first() {
    let mut op = operator(None);
    feed(&mut op, &[(I, 1, 10), (I, 1, 11), (I, 1, 10)]);
    assert!(feed(&mut op, &[(D, 1, 10)]).is_empty());
    assert_eq!(feed(&mut op, &[(D, 1, 10)]), vec![(UA, 1, 11)]);
}

#[test]
fn state_ttl_forgets_keys() {
    let (clock, time) = ProcessingClock::manual(0);
    let mut op = operator(Some(50)).with_clock(clock);
    feed(&mut op, &[(I, 1, 10)]);
    time.advance(50);
    assert_eq!(feed(&mut op, &[(I, 1, 11)]), vec![(I, 1, 11)]);
    time.advance(50);
    feed(&mut op, &[(I, 2, 1)]);
    assert_eq!(op.state_rows(), 1);
    assert_eq!(op.stored_batches(), 1);
}

proptest! {
    #[test]
    fn upserted_table_equals_folded_changelog(
        steps in proptest::collection::vec((prop::bool::weighted(0.4), 0i64..3, 0i64..4, any::<usize>(), any::<bool>(), any::<bool>()), 0..80),
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(None);
        // A checkpoint restored into a fresh operator at a random step changes nothing.
        let restart = restart.index(steps.len().max(1));
        // The reference: alive rows in arrival order; a retraction removes the oldest equal one.
        let mut alive: Vec<(i64, i64)> = Vec::new();
        let mut table: BTreeMap<i64, i64> = BTreeMap::new();
        let mut batch: Vec<(RowKind, i64, i64)> = Vec::new();
        let apply = |op: &mut UpsertMaterializeOperator, batch: &mut Vec<(RowKind, i64, i64)>, table: &mut BTreeMap<i64, i64>| {
            for (kind, k, v) in feed(op, batch) {
                match kind {
                    I => assert!(table.insert(k, v).is_none(), "+I for key {k} already present"),
                    UA => assert!(table.insert(k, v).is_some(), "+U for key {k} not present"),
                    D => assert!(table.remove(&k).is_some(), "-D for key {k} not present"),
                    UB => panic!("the materializer emits no -U"),
                }
            }
            batch.clear();
        };
        for (n, (retract, k, v, pick, stray, brk)) in steps.into_iter().enumerate() {
            if n == restart {
                apply(&mut op, &mut batch, &mut table);
                let state = op.snapshot().unwrap().unwrap();
                op = operator(None);
                op.restore(&state).unwrap();
            }
            if retract {
                if stray || alive.is_empty() {
                    batch.push((D, k, v + 100));
                } else {
                    let (k, v) = alive[pick % alive.len()];
                    let first = alive.iter().position(|r| *r == (k, v)).unwrap();
                    alive.remove(first);
                    batch.push((if stray { UB } else { D }, k, v));
                }
            } else {
                alive.push((k, v));
                batch.push((if stray { UA } else { I }, k, v));
            }
            if brk {
                apply(&mut op, &mut batch, &mut table);
            }
        }
        apply(&mut op, &mut batch, &mut table);
        let mut expected = BTreeMap::new();
        for (k, v) in &alive {
            expected.insert(*k, *v);
        }
        prop_assert_eq!(&table, &expected);
        prop_assert_eq!(op.state_rows(), alive.len());
    }
}
