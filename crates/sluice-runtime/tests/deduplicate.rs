//! Processing-time deduplication: keep the first row per key, or the last as updates of
//! the previous one; NULL keys form a group; state TTL; and a property test folding the
//! changelog against the first/last row per key.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::join::ProcessingClock;
use sluice_runtime::operators::DeduplicateOperator;
use sluice_runtime::spec::DeduplicateSpec;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{self, Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true), Field::new("v", DataType::Int64, false)]))
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
}

fn feed(op: &mut DeduplicateOperator, rows: &[(RowKind, Option<i64>, i64)]) -> Vec<(RowKind, Option<i64>, i64)> {
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
            res.push((b.kind(i), if k.is_valid(i) { Some(k.value(i)) } else { None }, v.value(i)));
        }
    }
    res
}

#[test]
fn keep_first_emits_one_insert_per_key() {
    let mut op = operator(false, true);
    assert_eq!(
        feed(&mut op, &[(I, Some(1), 10), (I, Some(2), 20), (I, Some(1), 11), (I, None, 1), (I, None, 2)]),
        vec![(I, Some(1), 10), (I, Some(2), 20), (I, None, 1)]
    );
    assert!(feed(&mut op, &[(I, Some(2), 21)]).is_empty());
    assert_eq!(op.state_keys(), 3);
    assert_eq!(op.stored_batches(), 0);
}

#[test]
fn keep_last_updates_the_previous_row() {
    let mut op = operator(true, true);
    assert_eq!(
        feed(&mut op, &[(I, Some(1), 10), (I, Some(1), 11)]),
        vec![(I, Some(1), 10), (UB, Some(1), 10), (UA, Some(1), 11)]
    );
    assert_eq!(feed(&mut op, &[(I, Some(1), 12)]), vec![(UB, Some(1), 11), (UA, Some(1), 12)]);
    assert_eq!(op.stored_batches(), 1);
    let mut upsert = operator(true, false);
    assert_eq!(feed(&mut upsert, &[(I, Some(1), 10), (I, Some(1), 11)]), vec![(I, Some(1), 10), (UA, Some(1), 11)]);
}

/// Keep last over 2,000 keys where each key's kept row comes from a different input batch
/// (the keys arrive in runs, 256 rows each): the kept rows must not pin their batches.
/// Pinned, the 2,000 batches would hold about 18 MB; the state holds 2,000 rows of about
/// 110 bytes. The store copies the kept rows out once the batches hold more than twice
/// the rows kept (and more than its 4 MiB floor), so it stays under 2x the held bytes
/// plus that floor, and the rows it copied are still the right ones.
#[test]
fn keep_last_state_costs_what_it_holds_not_the_batches_its_rows_came_from() {
    let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true), Field::new("payload", DataType::Utf8, true)]));
    let mut op = DeduplicateOperator::new(DeduplicateSpec {
        keys: vec![0],
        keep_last: true,
        generate_update_before: true,
        state_ttl: None,
        output_schema: schema.clone(),
    })
    .unwrap();
    let payload = |key: i64, row: usize| format!("{key:>8}-{row:>8}-{}", "x".repeat(80));
    let batch = |keys: &[i64], row: usize| {
        let payloads: Vec<String> = keys.iter().map(|k| payload(*k, row)).collect();
        RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from(keys.to_vec())), Arc::new(StringArray::from(payloads))],
        )
        .unwrap()
    };
    let (keys, run) = (2_000i64, 256usize);
    let mut peak = 0;
    for key in 0..keys {
        let mut out = Output::default();
        // The key's rows, the last one (row run - 1) being the one kept.
        for row in 0..run {
            if row % 64 == 0 {
                let rows: Vec<i64> = vec![key; 64];
                op.on_batch(0, ChangeBatch::inserts(batch(&rows, row + 63)), &mut out).unwrap();
            }
        }
        peak = peak.max(op.stored_bytes());
    }
    let held = keys as usize * (8 + payload(0, 0).len() + 4);
    assert!(peak <= 2 * held + (4 << 20) + (64 << 10), "the state peaked at {peak} bytes holding about {held}");
    // Every key's kept row is its last one: a new row of each key retracts it.
    let all: Vec<i64> = (0..keys).collect();
    let mut out = Output::default();
    op.on_batch(0, ChangeBatch::inserts(batch(&all, usize::MAX)), &mut out).unwrap();
    let mut retracted = 0;
    for b in out.batches() {
        let k = b.data.column(0).as_primitive::<Int64Type>();
        let p = b.data.column(1).as_string::<i32>();
        for i in 0..b.num_rows() {
            if b.kind(i) == UB {
                assert_eq!(p.value(i), payload(k.value(i), run - 1));
                retracted += 1;
            }
        }
    }
    assert_eq!(retracted, keys);
}

#[test]
fn keep_last_deletes_on_retraction() {
    let mut op = operator(true, true);
    feed(&mut op, &[(I, Some(1), 10)]);
    assert_eq!(feed(&mut op, &[(D, Some(1), 10), (D, Some(5), 1)]), vec![(D, Some(1), 10)]);
    assert_eq!(op.state_keys(), 0);
    assert_eq!(op.stored_batches(), 0);
}

#[test]
fn changelog_normalize_drops_unchanged_rows_and_deletes_whole_rows() {
    let mut op = operator(true, true).as_changelog_normalize().unwrap();
    assert_eq!(op.name(), "ChangelogNormalize");
    // Upsert source rows arrive as +U; a repeated value is not an update.
    assert_eq!(
        feed(&mut op, &[(UA, Some(1), 10), (UA, Some(1), 10), (UA, Some(1), 11)]),
        vec![(I, Some(1), 10), (UB, Some(1), 10), (UA, Some(1), 11)]
    );
    // A tombstone carries the key only: the kept row is what gets deleted. A tombstone
    // for an unknown key is dropped.
    assert_eq!(feed(&mut op, &[(D, Some(1), 0), (D, Some(7), 0)]), vec![(D, Some(1), 11)]);
    // After the delete the key starts over.
    assert_eq!(feed(&mut op, &[(UA, Some(1), 11)]), vec![(I, Some(1), 11)]);
}

#[test]
fn state_ttl_forgets_keys() {
    let (clock, time) = ProcessingClock::manual(0);
    let mut op = DeduplicateOperator::new(DeduplicateSpec {
        keys: vec![0],
        keep_last: false,
        generate_update_before: true,
        state_ttl: Some(std::time::Duration::from_millis(100)),
        output_schema: schema(),
    })
    .unwrap()
    .with_clock(clock);
    assert_eq!(feed(&mut op, &[(I, Some(1), 10)]).len(), 1);
    time.advance(99);
    assert!(feed(&mut op, &[(I, Some(1), 11)]).is_empty());
    time.advance(1);
    assert_eq!(feed(&mut op, &[(I, Some(1), 12)]), vec![(I, Some(1), 12)]);
}

proptest! {
    #[test]
    fn folded_output_is_first_or_last_row_per_key(
        keep_last in any::<bool>(),
        update_before in any::<bool>(),
        batches in proptest::collection::vec(proptest::collection::vec((prop::option::weighted(0.9, 0i64..4), 0i64..100), 0..8), 0..8),
        restart in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut op = operator(keep_last, update_before);
        let mut folded: BTreeMap<Option<i64>, i64> = BTreeMap::new();
        let mut expected: BTreeMap<Option<i64>, i64> = BTreeMap::new();
        // A checkpoint restored into a fresh operator at a random batch changes nothing.
        let restart = restart.filter(|_| !batches.is_empty()).map(|i| i.index(batches.len()));
        for (n, rows) in batches.iter().enumerate() {
            if restart == Some(n) {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(keep_last, update_before);
                op.restore(&state).unwrap();
            }
            let input: Vec<_> = rows.iter().map(|(k, v)| (I, *k, *v)).collect();
            for (k, v) in rows {
                if keep_last || !expected.contains_key(k) {
                    expected.insert(*k, *v);
                }
            }
            for (kind, k, v) in feed(&mut op, &input) {
                match kind {
                    I => prop_assert!(folded.insert(k, v).is_none()),
                    UA => prop_assert!(folded.insert(k, v).is_some()),
                    UB => prop_assert_eq!(folded.get(&k), Some(&v)),
                    D => prop_assert_eq!(folded.remove(&k), Some(v)),
                }
            }
        }
        prop_assert_eq!(folded, expected);
    }
}
