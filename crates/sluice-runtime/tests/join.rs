//! Regular joins of changelogs: Flink's emitted kinds for inner and outer joins, NULL
//! padding retracted and re-emitted as matches come and go, unique-key replacement,
//! NULL keys, the residual condition, state TTL, and a property test folding the
//! emitted changelog against a batch join of the final inputs.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{resolve_call, EvalContext, ScalarExpr};
use sluice_runtime::operators::join::ProcessingClock;
use sluice_runtime::operators::JoinOperator;
use sluice_runtime::spec::{JoinSpec, JoinType};
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind;

type Row4 = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);

fn schema(prefix: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(format!("{prefix}k"), DataType::Int64, true),
        Field::new(format!("{prefix}v"), DataType::Int64, true),
    ]))
}

fn spec(join_type: JoinType) -> JoinSpec {
    let (left, right) = (schema("l"), schema("r"));
    let fields: Vec<Field> = left.fields().iter().chain(right.fields().iter()).map(|f| f.as_ref().clone()).collect();
    JoinSpec {
        join_type,
        left_keys: vec![0],
        right_keys: vec![0],
        residual: None,
        ctx: EvalContext::default(),
        left_unique_key: None,
        right_unique_key: None,
        left_insert_only: false,
        right_insert_only: false,
        state_ttl: None,
        right_state_ttl: None,
        left_schema: left,
        right_schema: right,
        output_schema: Arc::new(Schema::new(fields)),
    }
}

/// `l.v < r.v` over the concatenated row.
fn less_than() -> ScalarExpr {
    let col = |index| ScalarExpr::Column { index, data_type: sluice_types::DataType::bigint() };
    resolve_call("<", vec![col(1), col(3)]).unwrap()
}

fn batch(prefix: &str, rows: &[(RowKind, Option<i64>, Option<i64>)]) -> ChangeBatch {
    let data = RecordBatch::try_new(
        schema(prefix),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    ChangeBatch::new(data, rows.iter().map(|r| r.0).collect())
}

fn rows(out: &Output) -> Vec<(RowKind, Row4)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let c: Vec<_> = (0..4).map(|i| b.data.column(i).as_primitive::<Int64Type>().clone()).collect();
        let get = |a: &Int64Array, i: usize| if a.is_valid(i) { Some(a.value(i)) } else { None };
        for i in 0..b.num_rows() {
            res.push((b.kind(i), (get(&c[0], i), get(&c[1], i), get(&c[2], i), get(&c[3], i))));
        }
    }
    res
}

/// Feeds one batch and returns what it emitted.
fn feed(op: &mut JoinOperator, input: usize, rows_in: &[(RowKind, Option<i64>, Option<i64>)]) -> Vec<(RowKind, Row4)> {
    let mut out = Output::default();
    op.on_batch(input, batch(if input == 0 { "l" } else { "r" }, rows_in), &mut out).unwrap();
    rows(&out)
}

use RowKind::{Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};
const N: Option<i64> = None;

#[test]
fn inner_join_forwards_the_input_kind() {
    let mut op = JoinOperator::new(spec(JoinType::Inner)).unwrap();
    assert!(feed(&mut op, 0, &[(I, Some(1), Some(10))]).is_empty());
    assert_eq!(feed(&mut op, 1, &[(I, Some(1), Some(20))]), vec![(I, (Some(1), Some(10), Some(1), Some(20)))]);
    assert_eq!(
        feed(&mut op, 0, &[(UB, Some(1), Some(10)), (UA, Some(1), Some(11))]),
        vec![(UB, (Some(1), Some(10), Some(1), Some(20))), (UA, (Some(1), Some(11), Some(1), Some(20)))]
    );
    assert_eq!(feed(&mut op, 1, &[(D, Some(1), Some(20))]), vec![(D, (Some(1), Some(11), Some(1), Some(20)))]);
    assert_eq!(op.state_rows(), (1, 0));
    // A retraction of a row never seen still joins (Flink does not check its state).
    assert_eq!(feed(&mut op, 1, &[(D, Some(1), Some(99))]), vec![(D, (Some(1), Some(11), Some(1), Some(99)))]);
    assert!(feed(&mut op, 1, &[(D, Some(7), Some(99))]).is_empty());
}

#[test]
fn left_join_retracts_and_restores_the_padded_row() {
    let mut op = JoinOperator::new(spec(JoinType::Left)).unwrap();
    assert_eq!(feed(&mut op, 0, &[(I, Some(1), Some(10))]), vec![(I, (Some(1), Some(10), N, N))]);
    assert_eq!(
        feed(&mut op, 1, &[(I, Some(1), Some(20))]),
        vec![(D, (Some(1), Some(10), N, N)), (I, (Some(1), Some(10), Some(1), Some(20)))]
    );
    assert_eq!(feed(&mut op, 1, &[(UA, Some(1), Some(21))]), vec![(I, (Some(1), Some(10), Some(1), Some(21)))]);
    assert_eq!(feed(&mut op, 1, &[(UB, Some(1), Some(20))]), vec![(UB, (Some(1), Some(10), Some(1), Some(20)))]);
    assert_eq!(
        feed(&mut op, 1, &[(D, Some(1), Some(21))]),
        vec![(D, (Some(1), Some(10), Some(1), Some(21))), (I, (Some(1), Some(10), N, N))]
    );
    // The outer side's retractions are always -D.
    assert_eq!(feed(&mut op, 0, &[(UB, Some(1), Some(10))]), vec![(D, (Some(1), Some(10), N, N))]);
    assert_eq!(op.state_rows(), (0, 0));
    assert_eq!(op.stored_batches(), (0, 0));
}

#[test]
fn right_join_mirrors_left() {
    let mut op = JoinOperator::new(spec(JoinType::Right)).unwrap();
    assert_eq!(feed(&mut op, 1, &[(I, Some(1), Some(20))]), vec![(I, (N, N, Some(1), Some(20)))]);
    assert_eq!(
        feed(&mut op, 0, &[(I, Some(1), Some(10)), (I, Some(1), Some(10))]),
        vec![
            (D, (N, N, Some(1), Some(20))),
            (I, (Some(1), Some(10), Some(1), Some(20))),
            (I, (Some(1), Some(10), Some(1), Some(20))),
        ]
    );
    // One of two equal rows goes: the right row still has a match.
    assert_eq!(feed(&mut op, 0, &[(D, Some(1), Some(10))]), vec![(D, (Some(1), Some(10), Some(1), Some(20)))]);
    assert_eq!(
        feed(&mut op, 0, &[(D, Some(1), Some(10))]),
        vec![(D, (Some(1), Some(10), Some(1), Some(20))), (I, (N, N, Some(1), Some(20)))]
    );
}

#[test]
fn full_join_pads_both_sides() {
    let mut op = JoinOperator::new(spec(JoinType::Full)).unwrap();
    assert_eq!(feed(&mut op, 0, &[(I, Some(1), Some(10))]), vec![(I, (Some(1), Some(10), N, N))]);
    assert_eq!(feed(&mut op, 1, &[(I, Some(2), Some(20))]), vec![(I, (N, N, Some(2), Some(20)))]);
    assert_eq!(
        feed(&mut op, 1, &[(I, Some(1), Some(21))]),
        vec![(D, (Some(1), Some(10), N, N)), (I, (Some(1), Some(10), Some(1), Some(21)))]
    );
    assert_eq!(
        feed(&mut op, 0, &[(D, Some(1), Some(10))]),
        vec![(D, (Some(1), Some(10), Some(1), Some(21))), (I, (N, N, Some(1), Some(21)))]
    );
}

#[test]
fn null_keys_never_match() {
    let mut op = JoinOperator::new(spec(JoinType::Left)).unwrap();
    assert!(feed(&mut op, 1, &[(I, N, Some(20))]).is_empty());
    assert_eq!(feed(&mut op, 0, &[(I, N, Some(10))]), vec![(I, (N, Some(10), N, N))]);
    assert_eq!(feed(&mut op, 0, &[(D, N, Some(10))]), vec![(D, (N, Some(10), N, N))]);
    assert_eq!(op.state_rows(), (0, 0));
    let mut inner = JoinOperator::new(spec(JoinType::Inner)).unwrap();
    assert!(feed(&mut inner, 1, &[(I, N, Some(20))]).is_empty());
    assert!(feed(&mut inner, 0, &[(I, N, Some(10))]).is_empty());
}

#[test]
fn residual_condition_filters_matches() {
    let mut s = spec(JoinType::Left);
    s.residual = Some(less_than());
    let mut op = JoinOperator::new(s).unwrap();
    assert!(feed(&mut op, 1, &[(I, Some(1), Some(5)), (I, Some(1), Some(50))]).is_empty());
    assert_eq!(feed(&mut op, 0, &[(I, Some(1), Some(10))]), vec![(I, (Some(1), Some(10), Some(1), Some(50)))]);
    assert_eq!(feed(&mut op, 0, &[(I, Some(1), Some(60))]), vec![(I, (Some(1), Some(60), N, N))]);
}

/// A batch whose rows meet more held rows than one evaluation of the residual covers is
/// joined in parts, each part's verdicts matching its own rows: a left join whose input
/// rows meet 5,000 held rows each (above the 8,192 pairs of one evaluation after two rows),
/// interleaved with rows of a key nothing holds.
#[test]
fn a_batch_meeting_many_held_rows_is_joined_in_parts() {
    let mut s = spec(JoinType::Left);
    s.residual = Some(less_than());
    let mut op = JoinOperator::new(s).unwrap();
    let held: Vec<_> = (0..5000).map(|v| (I, Some(1), Some(v))).collect();
    assert!(feed(&mut op, 1, &held).is_empty());
    let probes: Vec<_> = (0..6).map(|i| if i % 2 == 0 { (I, Some(1), Some(4990 + i)) } else { (I, Some(2), Some(i)) }).collect();
    let out = feed(&mut op, 0, &probes);
    let mut expected = Vec::new();
    for (_, k, v) in &probes {
        if *k == Some(2) {
            expected.push((I, (Some(2), *v, N, N)));
            continue;
        }
        let v = v.unwrap();
        expected.extend(((v + 1)..5000).map(|r| (I, (Some(1), Some(v), Some(1), Some(r)))));
    }
    assert_eq!(out.len(), expected.len());
    assert_eq!(out, expected);
}

#[test]
fn unique_key_rows_are_replaced() {
    let mut s = spec(JoinType::Full);
    s.right_unique_key = Some(vec![1]);
    let mut op = JoinOperator::new(s).unwrap();
    assert_eq!(feed(&mut op, 0, &[(I, Some(1), Some(10))]), vec![(I, (Some(1), Some(10), N, N))]);
    assert_eq!(
        feed(&mut op, 1, &[(I, Some(1), Some(20))]),
        vec![(D, (Some(1), Some(10), N, N)), (I, (Some(1), Some(10), Some(1), Some(20)))]
    );
    // An upsert of the same unique key replaces the row and keeps one association.
    assert_eq!(feed(&mut op, 1, &[(UA, Some(1), Some(20))]), vec![(I, (Some(1), Some(10), Some(1), Some(20)))]);
    assert_eq!(op.state_rows(), (1, 1));
    assert_eq!(
        feed(&mut op, 1, &[(D, Some(1), Some(20))]),
        vec![(D, (Some(1), Some(10), Some(1), Some(20))), (I, (Some(1), Some(10), N, N))]
    );
}

#[test]
fn state_ttl_forgets_rows_not_written() {
    let mut s = spec(JoinType::Inner);
    s.state_ttl = Some(std::time::Duration::from_millis(1000));
    let (clock, time) = ProcessingClock::manual(5_000);
    let mut op = JoinOperator::new(s).unwrap().with_clock(clock);
    feed(&mut op, 0, &[(I, Some(1), Some(10))]);
    time.advance(999);
    assert_eq!(feed(&mut op, 1, &[(I, Some(1), Some(20))]).len(), 1);
    time.advance(1);
    // The left row is 1000 ms old now; the right one is not.
    assert!(feed(&mut op, 1, &[(I, Some(1), Some(21))]).is_empty());
    assert_eq!(op.state_rows(), (0, 2));
    time.advance(5_000);
    feed(&mut op, 0, &[(I, Some(9), Some(1))]);
    assert_eq!(op.state_rows(), (1, 0));
    assert_eq!(op.stored_batches(), (1, 0));
}

#[test]
fn empty_batches_emit_nothing() {
    let mut op = JoinOperator::new(spec(JoinType::Full)).unwrap();
    assert!(feed(&mut op, 0, &[]).is_empty());
}

/// The batch result: a join of the final multisets, with outer padding.
fn reference(join_type: JoinType, residual: bool, left: &[(Option<i64>, Option<i64>)], right: &[(Option<i64>, Option<i64>)]) -> BTreeMap<Row4, i64> {
    let matches = |l: &(Option<i64>, Option<i64>), r: &(Option<i64>, Option<i64>)| {
        l.0.is_some() && l.0 == r.0 && (!residual || matches!((l.1, r.1), (Some(a), Some(b)) if a < b))
    };
    let mut res = BTreeMap::new();
    for l in left {
        let mut any = false;
        for r in right.iter().filter(|r| matches(l, r)) {
            any = true;
            *res.entry((l.0, l.1, r.0, r.1)).or_insert(0) += 1;
        }
        if !any && matches!(join_type, JoinType::Left | JoinType::Full) {
            *res.entry((l.0, l.1, None, None)).or_insert(0) += 1;
        }
    }
    if matches!(join_type, JoinType::Right | JoinType::Full) {
        for r in right {
            if !left.iter().any(|l| matches(l, r)) {
                *res.entry((None, None, r.0, r.1)).or_insert(0) += 1;
            }
        }
    }
    res
}

fn join_type() -> impl Strategy<Value = JoinType> {
    prop_oneof![Just(JoinType::Inner), Just(JoinType::Left), Just(JoinType::Right), Just(JoinType::Full)]
}

/// (side, retract?, key, value, pick, kind flavour, batch break)
type Op = (bool, bool, Option<i64>, i64, usize, bool, bool);

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        (any::<bool>(), prop::bool::weighted(0.35), prop::option::weighted(0.85, 0i64..3), 0i64..4, any::<usize>(), any::<bool>(), any::<bool>()),
        0..60,
    )
}

proptest! {
    #[test]
    fn folded_changelog_equals_batch_join(
        join_type in join_type(),
        residual in any::<bool>(),
        ops in ops(),
        restart in any::<prop::sample::Index>(),
        insert_only in any::<bool>(),
    ) {
        // Insert-only inputs: the operator keeps their rows without identity.
        let make = || {
            let mut s = spec(join_type);
            if residual {
                s.residual = Some(less_than());
            }
            s.left_insert_only = insert_only;
            s.right_insert_only = insert_only;
            JoinOperator::new(s).unwrap()
        };
        let mut op = make();
        // A checkpoint restored into a fresh operator at a random step changes nothing.
        let restart = restart.index(ops.len().max(1));
        let mut live: [Vec<(Option<i64>, Option<i64>)>; 2] = [Vec::new(), Vec::new()];
        let mut folded: BTreeMap<Row4, i64> = BTreeMap::new();
        let mut pending: Vec<(RowKind, Option<i64>, Option<i64>)> = Vec::new();
        let mut pending_side = 0usize;
        let flush = |op: &mut JoinOperator, side: usize, rows_in: &mut Vec<(RowKind, Option<i64>, Option<i64>)>, folded: &mut BTreeMap<Row4, i64>| {
            if rows_in.is_empty() {
                return;
            }
            for (kind, row) in feed(op, side, rows_in) {
                let e = folded.entry(row).or_insert(0);
                *e += if kind.is_accumulate() { 1 } else { -1 };
                assert!(*e >= 0, "{row:?} retracted below zero");
            }
            rows_in.clear();
        };
        for (n, (right, retract, k, v, pick, flavour, brk)) in ops.into_iter().enumerate() {
            let side = usize::from(right);
            if side != pending_side || brk || n == restart {
                flush(&mut op, pending_side, &mut pending, &mut folded);
                pending_side = side;
            }
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = make();
                op.restore(&state).unwrap();
            }
            if retract && !insert_only && !live[side].is_empty() {
                let row = live[side].remove(pick % live[side].len());
                pending.push((if flavour { D } else { UB }, row.0, row.1));
            } else {
                live[side].push((k, Some(v)));
                pending.push((if flavour { I } else { UA }, k, Some(v)));
            }
        }
        flush(&mut op, pending_side, &mut pending, &mut folded);
        folded.retain(|_, c| *c != 0);
        prop_assert_eq!(folded, reference(join_type, residual, &live[0], &live[1]));
    }
}

#[test]
fn an_insert_only_side_keeps_repeated_rows_and_refuses_a_retraction() {
    let mut s = spec(JoinType::Full);
    s.left_insert_only = true;
    s.right_insert_only = true;
    let mut op = JoinOperator::new(s).unwrap();
    assert_eq!(
        feed(&mut op, 0, &[(I, Some(1), Some(10)), (I, Some(1), Some(10))]),
        vec![(I, (Some(1), Some(10), N, N)), (I, (Some(1), Some(10), N, N))]
    );
    assert_eq!(
        feed(&mut op, 1, &[(I, Some(1), Some(20))]),
        vec![
            (D, (Some(1), Some(10), N, N)),
            (I, (Some(1), Some(10), Some(1), Some(20))),
            (D, (Some(1), Some(10), N, N)),
            (I, (Some(1), Some(10), Some(1), Some(20))),
        ]
    );
    assert_eq!(op.state_rows(), (2, 1));
    let mut out = Output::default();
    assert!(op.on_batch(0, batch("l", &[(D, Some(1), Some(10))]), &mut out).is_err());
}

#[test]
fn each_side_can_keep_its_rows_for_its_own_ttl() {
    let mut s = spec(JoinType::Inner);
    s.state_ttl = Some(std::time::Duration::from_millis(1000));
    s.right_state_ttl = Some(std::time::Duration::from_millis(10_000));
    let (clock, time) = ProcessingClock::manual(5_000);
    let mut op = JoinOperator::new(s).unwrap().with_clock(clock);
    feed(&mut op, 0, &[(I, Some(1), Some(10))]);
    feed(&mut op, 1, &[(I, Some(2), Some(20))]);
    time.advance(2_000);
    // The left row expired after 1 s; the right one lives for 10 s.
    assert!(feed(&mut op, 1, &[(I, Some(1), Some(21))]).is_empty());
    assert_eq!(feed(&mut op, 0, &[(I, Some(2), Some(11))]).len(), 1);
    time.advance(9_000);
    assert!(feed(&mut op, 0, &[(I, Some(2), Some(12))]).is_empty());
}

/// A left side with a unique key keeps one row per key, each from a different input batch
/// (4,096 rows of one key per batch, the last replacing the others): the rows are copied
/// out once their 200 batches (13 MB) pass the store's 4 MiB floor, instead of pinning
/// them all, and they still join as the last row of each key.
#[test]
fn kept_rows_do_not_pin_their_batches() {
    let mut spec = spec(JoinType::Inner);
    spec.left_unique_key = Some(vec![0]);
    let mut op = JoinOperator::new(spec).unwrap();
    let (keys, run) = (200i64, 4096i64);
    let mut most = 0;
    for k in 0..keys {
        let rows: Vec<(RowKind, Option<i64>, Option<i64>)> = (0..run).map(|v| (I, Some(k), Some(v))).collect();
        feed(&mut op, 0, &rows);
        most = most.max(op.stored_batches().0);
    }
    assert!(most < keys as usize / 2, "the left side held {most} input batches for {keys} rows");
    assert_eq!(op.state_rows(), (keys as usize, 0));
    let probes: Vec<(RowKind, Option<i64>, Option<i64>)> = (0..keys).map(|k| (I, Some(k), Some(-1))).collect();
    let joined = feed(&mut op, 1, &probes);
    let expected: Vec<(RowKind, Row4)> = (0..keys).map(|k| (I, (Some(k), Some(run - 1), Some(k), Some(-1)))).collect();
    assert_eq!(joined, expected);
}
