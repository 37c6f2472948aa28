//! Property tests of the updating GROUP BY: random inserts and retractions (only of
//! rows inserted before) in random batches, with and without mini-batching. The
//! operator's changelog, folded into a table, must equal a batch computation over the
//! rows that survive, and every `-U`/`-D` must retract exactly the row emitted before.
//! A run cut at a random batch, saved as a checkpoint saves it and restored into a fresh
//! operator, must emit exactly the changelog of the uninterrupted run.

#[path = "group_aggregate_common.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use sluice_runtime::operators::GroupAggregateOperator;
use sluice_runtime::spec::AggregateKind::*;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind;

#[derive(Clone, Debug)]
enum Op {
    Insert { key: u8, v: Option<i64>, with_s: bool },
    /// Retracts the `pick`-th (modulo) surviving row, as `-D` or `-U`.
    Retract { pick: usize, delete: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3, proptest::option::weighted(0.8, 0i64..5), any::<bool>())
            .prop_map(|(key, v, with_s)| Op::Insert { key, v, with_s }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, delete)| Op::Retract { pick, delete }),
    ]
}

/// A surviving input row: key, value, string (unique per insert, so `LISTAGG` and
/// `FIRST_VALUE`/`LAST_VALUE` have one right answer).
type Row = (String, Option<i64>, Option<String>);

fn aggregates() -> Vec<sluice_runtime::spec::AggregateCall> {
    let mut distinct = on_v(Count);
    distinct.distinct = true;
    vec![
        count_star(),
        on_v(Sum),
        on_v(Min),
        on_v(Max),
        on_v(Avg),
        distinct,
        on_s(ListAgg),
        on_s(FirstValue),
        on_s(LastValue),
    ]
}

fn text(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "NULL".to_string(), |v| v.to_string())
}

/// The expected result row of one group of surviving rows.
fn reference(key: Option<&str>, rows: &[&Row]) -> String {
    let values: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
    let strings: Vec<&str> = rows.iter().filter_map(|r| r.2.as_deref()).collect();
    let sum = (!values.is_empty()).then(|| values.iter().sum::<i64>());
    let avg = sum.map(|s| s / values.len() as i64);
    let mut distinct = values.clone();
    distinct.sort();
    distinct.dedup();
    let listagg = (!strings.is_empty()).then(|| strings.join(","));
    let mut cells: Vec<String> = key.map(str::to_string).into_iter().collect();
    cells.extend([
        rows.len().to_string(),
        text(sum),
        text(values.iter().min()),
        text(values.iter().max()),
        text(avg),
        distinct.len().to_string(),
        text(listagg),
        text(strings.first()),
        text(strings.last()),
    ]);
    cells.join(", ")
}

fn check(
    keyed: bool,
    mini_batch: Option<usize>,
    ops: Vec<Op>,
    cuts: Vec<usize>,
    watermarks: Vec<bool>,
    restart: prop::sample::Index,
) -> Result<(), TestCaseError> {
    let make = || {
        let mut s = spec(keyed, aggregates());
        if let Some(size) = mini_batch {
            s = with_mini_batch(s, size);
        }
        GroupAggregateOperator::new(s).unwrap()
    };
    // Turn the ops into input rows, keeping the surviving rows in arrival order.
    let mut alive: Vec<Row> = Vec::new();
    let mut input: Vec<(RowKind, Row)> = Vec::new();
    for (n, o) in ops.into_iter().enumerate() {
        match o {
            Op::Insert { key, v, with_s } => {
                let row = (format!("k{key}"), v, with_s.then(|| format!("s{n}")));
                alive.push(row.clone());
                input.push((RowKind::Insert, row));
            }
            Op::Retract { pick, delete } => {
                if alive.is_empty() {
                    continue;
                }
                let row = alive.remove(pick % alive.len());
                input.push((if delete { RowKind::Delete } else { RowKind::UpdateBefore }, row));
            }
        }
    }
    let run = |restart_at: Option<usize>| {
        let mut op_under_test = make();
        let mut out = Output::default();
        let mut start = 0;
        let mut i = 0;
        while start < input.len() {
            if restart_at == Some(i) {
                let state = op_under_test.snapshot().unwrap().unwrap();
                op_under_test = make();
                op_under_test.restore(&state).unwrap();
            }
            let len = cuts.get(i).copied().unwrap_or(3).clamp(1, input.len() - start);
            let chunk: Vec<In> = input[start..start + len]
                .iter()
                .map(|(k, r)| (*k, r.0.as_str(), r.1, r.2.as_deref()))
                .collect();
            op_under_test.on_batch(0, batch(&chunk), &mut out).unwrap();
            if watermarks.get(i).copied().unwrap_or(false) {
                op_under_test.on_watermark(i as i64, &mut out).unwrap();
            }
            start += len;
            i += 1;
        }
        op_under_test.on_end(&mut out).unwrap();
        (rows(&out), i)
    };
    let (changelog, batches) = run(None);
    if batches > 0 {
        let (restarted, _) = run(Some(restart.index(batches)));
        prop_assert_eq!(&restarted, &changelog, "a run restored from a snapshot emits another changelog");
    }

    // Fold the changelog into a table keyed by the group key.
    let mut table: BTreeMap<String, String> = BTreeMap::new();
    for line in changelog {
        let (kind, body) = line.split_at(2);
        let body = body.trim_start_matches('[').trim_end_matches(']').to_string();
        let key = if keyed { body.split(", ").next().unwrap_or_default().to_string() } else { String::new() };
        match kind {
            "+I" | "+U" => {
                prop_assert!(table.insert(key, body.clone()).is_none(), "{} of a row already present: {}", kind, body);
            }
            "-U" | "-D" => {
                let current = table.remove(&key);
                prop_assert_eq!(current.as_deref(), Some(body.as_str()), "{} must retract the current row", kind);
            }
            other => prop_assert!(false, "unknown kind {}", other),
        }
    }
    let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in &alive {
        groups.entry(if keyed { r.0.clone() } else { String::new() }).or_default().push(r);
    }
    let expected: BTreeMap<String, String> =
        groups.iter().map(|(k, rows)| (k.clone(), reference(keyed.then_some(k.as_str()), rows))).collect();
    prop_assert_eq!(table, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn keyed_changelog_folds_to_the_batch_result(
        ops in proptest::collection::vec(op(), 0..60),
        cuts in proptest::collection::vec(1usize..8, 0..30),
        restart in any::<prop::sample::Index>(),
    ) {
        check(true, None, ops, cuts, Vec::new(), restart)?;
    }

    #[test]
    fn global_changelog_folds_to_the_batch_result(
        ops in proptest::collection::vec(op(), 0..40),
        cuts in proptest::collection::vec(1usize..8, 0..30),
        restart in any::<prop::sample::Index>(),
    ) {
        check(false, None, ops, cuts, Vec::new(), restart)?;
    }

    #[test]
    fn mini_batch_changelog_folds_to_the_same_result(
        keyed in any::<bool>(),
        size in 1usize..10,
        ops in proptest::collection::vec(op(), 0..60),
        cuts in proptest::collection::vec(1usize..8, 0..30),
        watermarks in proptest::collection::vec(any::<bool>(), 0..30),
        restart in any::<prop::sample::Index>(),
    ) {
        check(keyed, Some(size), ops, cuts, watermarks, restart)?;
    }
}

#[test]
fn mini_batch_emits_fewer_rows_for_the_same_result() {
    let input: Vec<In> = (0..40)
        .map(|i| (RowKind::Insert, ["a", "b"][i % 2], Some(i as i64), None))
        .collect();
    let run_with = |mini_batch: Option<usize>| {
        let mut s = spec(true, vec![count_star(), on_v(Max)]);
        s.mini_batch = mini_batch.map(|size| sluice_runtime::spec::MiniBatch { size });
        let mut op = GroupAggregateOperator::new(s).unwrap();
        let mut out = Output::default();
        for chunk in input.chunks(5) {
            op.on_batch(0, batch(chunk), &mut out).unwrap();
        }
        op.on_end(&mut out).unwrap();
        rows(&out)
    };
    let plain = run_with(None);
    let batched = run_with(Some(20));
    assert_eq!(plain.len(), 2 + 38 * 2);
    assert_eq!(batched, ["+I[a, 10, 18]", "+I[b, 10, 19]", "-U[a, 10, 18]", "+U[a, 20, 38]", "-U[b, 10, 19]", "+U[b, 20, 39]"]);
    assert_eq!(plain[plain.len() - 2..], ["-U[b, 19, 37]", "+U[b, 20, 39]"]);
}
