//! The semi and anti join against a batch reference: on random inserts and retractions of
//! both sides (NULL keys, duplicates, a residual condition, NULL-safe keys), the folded
//! changelog equals the left rows that have (semi) or have not (anti) a matching right
//! row among the rows alive at the end, also when the operator is restored from a
//! checkpoint at a random step.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{resolve_call, EvalContext, ScalarExpr};
use sluice_runtime::operators::{SemiAntiJoinOperator, SemiJoinSpec};
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind;

type Row = (Option<i64>, Option<i64>);

fn schema(prefix: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(format!("{prefix}k"), DataType::Int64, true),
        Field::new(format!("{prefix}v"), DataType::Int64, true),
    ]))
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

fn emitted(out: &Output) -> Vec<(RowKind, Row)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let k = b.data.column(0).as_primitive::<Int64Type>();
        let v = b.data.column(1).as_primitive::<Int64Type>();
        let get = |a: &Int64Array, i: usize| if a.is_valid(i) { Some(a.value(i)) } else { None };
        for i in 0..b.num_rows() {
            res.push((b.kind(i), (get(k, i), get(v, i))));
        }
    }
    res
}

/// Whether left row `l` matches right row `r`.
fn matches(l: &Row, r: &Row, residual: bool, null_safe: bool) -> bool {
    let keys = if null_safe { l.0 == r.0 } else { l.0.is_some() && l.0 == r.0 };
    keys && (!residual || matches!((l.1, r.1), (Some(a), Some(b)) if a < b))
}

fn reference(anti: bool, residual: bool, null_safe: bool, left: &[Row], right: &[Row]) -> BTreeMap<Row, i64> {
    let mut out = BTreeMap::new();
    for l in left {
        let matched = right.iter().any(|r| matches(l, r, residual, null_safe));
        if matched != anti {
            *out.entry(*l).or_insert(0) += 1;
        }
    }
    out
}

/// (right side?, retract?, key, value, pick, kind flavour, batch break)
type Op = (bool, bool, Option<i64>, Option<i64>, usize, bool, bool);

fn ops() -> impl Strategy<Value = Vec<Op>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            prop::bool::weighted(0.35),
            prop::option::weighted(0.85, 0i64..3),
            prop::option::weighted(0.9, 0i64..4),
            any::<usize>(),
            any::<bool>(),
            any::<bool>(),
        ),
        0..60,
    )
}

proptest! {
    #[test]
    fn folded_changelog_equals_batch_semi_join(
        anti in any::<bool>(),
        residual in any::<bool>(),
        null_safe in any::<bool>(),
        ops in ops(),
        restart in any::<prop::sample::Index>(),
    ) {
        let make = || SemiAntiJoinOperator::new(SemiJoinSpec {
            anti,
            left_keys: vec![0],
            right_keys: vec![0],
            null_safe: vec![null_safe],
            residual: residual.then(less_than),
            ctx: EvalContext::default(),
            state_ttl: None,
            left_schema: schema("l"),
            right_schema: schema("r"),
        })
        .unwrap();
        let mut op = make();
        // A checkpoint restored into a fresh operator at a random step changes nothing.
        let restart = restart.index(ops.len().max(1));
        let mut live: [Vec<Row>; 2] = [Vec::new(), Vec::new()];
        let mut folded: BTreeMap<Row, i64> = BTreeMap::new();
        let mut pending: Vec<(RowKind, Option<i64>, Option<i64>)> = Vec::new();
        let mut pending_side = 0usize;
        let flush = |op: &mut SemiAntiJoinOperator, side: usize, rows: &mut Vec<(RowKind, Option<i64>, Option<i64>)>, folded: &mut BTreeMap<Row, i64>| {
            if rows.is_empty() {
                return;
            }
            let mut out = Output::default();
            op.on_batch(side, batch(if side == 0 { "l" } else { "r" }, rows), &mut out).unwrap();
            for (kind, row) in emitted(&out) {
                let e = folded.entry(row).or_insert(0);
                *e += if kind.is_accumulate() { 1 } else { -1 };
                assert!(*e >= 0, "{row:?} retracted below zero");
            }
            rows.clear();
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
            if retract && !live[side].is_empty() {
                let row = live[side].remove(pick % live[side].len());
                pending.push((if flavour { RowKind::Delete } else { RowKind::UpdateBefore }, row.0, row.1));
            } else {
                live[side].push((k, v));
                pending.push((if flavour { RowKind::Insert } else { RowKind::UpdateAfter }, k, v));
            }
        }
        flush(&mut op, pending_side, &mut pending, &mut folded);
        folded.retain(|_, c| *c != 0);
        prop_assert_eq!(folded, reference(anti, residual, null_safe, &live[0], &live[1]));
    }
}
