//! The updating GROUP BY: changelog shapes, retraction of every aggregate, global
//! aggregation, mini-batching and state TTL.

#[path = "group_aggregate_common.rs"]
mod common;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use common::*;
use sluice_runtime::operators::GroupAggregateOperator;
use sluice_runtime::spec::AggregateKind::*;
use sluice_runtime::{Operator, Output};
use sluice_types::RowKind::{Delete as D, Insert as I, UpdateAfter as UA, UpdateBefore as UB};

#[test]
fn first_row_inserts_and_later_rows_update() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![count_star(), on_v(Sum)])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(1), None), (I, "b", Some(2), None), (I, "a", Some(3), None)]]);
    assert_eq!(out, ["+I[a, 1, 1]", "+I[b, 1, 2]", "-U[a, 1, 1]", "+U[a, 2, 4]"]);
}

#[test]
fn without_update_before_only_update_after_is_emitted() {
    let mut s = spec(true, vec![on_v(Sum)]);
    s.generate_update_before = false;
    let mut op = GroupAggregateOperator::new(s).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(1), None), (I, "a", Some(3), None)]]);
    assert_eq!(out, ["+I[a, 1]", "+U[a, 4]"]);
}

#[test]
fn unchanged_result_emits_nothing() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![on_v(Max)])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(5), None), (I, "a", Some(3), None), (I, "a", None, None)]]);
    assert_eq!(out, ["+I[a, 5]"]);
}

#[test]
fn count_reaching_zero_deletes_and_frees_the_key() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![count_star(), on_v(Sum)])).unwrap();
    let out = run(
        &mut op,
        &[vec![(I, "a", Some(1), None), (I, "a", Some(2), None)], vec![(UB, "a", Some(1), None), (D, "a", Some(2), None)]],
    );
    assert_eq!(out, ["+I[a, 1, 1]", "-U[a, 1, 1]", "+U[a, 2, 3]", "-U[a, 2, 3]", "+U[a, 1, 2]", "-D[a, 1, 2]"]);
    assert_eq!(op.open_keys(), 0);
    // The key starts over.
    let mut out = Output::default();
    op.on_batch(0, batch(&[(I, "a", Some(7), None)]), &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[a, 1, 7]"]);
}

#[test]
fn retraction_without_state_is_ignored() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![count_star()])).unwrap();
    let out = run(&mut op, &[vec![(D, "x", Some(1), None), (I, "a", Some(1), None), (UB, "b", None, None)]]);
    assert_eq!(out, ["+I[a, 1]"]);
    assert_eq!(op.open_keys(), 1);
}

#[test]
fn sum_and_avg_of_nothing_are_null_again() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![count_star(), on_v(Sum), on_v(Avg), on_v(Count)])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(4), None), (I, "a", None, None), (D, "a", Some(4), None)]]);
    assert_eq!(
        out,
        [
            "+I[a, 1, 4, 4, 1]",
            "-U[a, 1, 4, 4, 1]",
            "+U[a, 2, 4, 4, 1]",
            "-U[a, 2, 4, 4, 1]",
            "+U[a, 1, NULL, NULL, 0]"
        ]
    );
}

#[test]
fn min_and_max_fall_back_to_remaining_values() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![on_v(Min), on_v(Max)])).unwrap();
    let out = run(
        &mut op,
        &[vec![
            (I, "a", Some(5), None),
            (I, "a", Some(1), None),
            (I, "a", Some(9), None),
            (I, "a", Some(9), None),
            (D, "a", Some(9), None),
            (D, "a", Some(1), None),
            (D, "a", Some(9), None),
        ]],
    );
    assert_eq!(
        out,
        [
            "+I[a, 5, 5]",
            "-U[a, 5, 5]",
            "+U[a, 1, 5]",
            "-U[a, 1, 5]",
            "+U[a, 1, 9]",
            "-U[a, 1, 9]",
            "+U[a, 5, 9]",
            "-U[a, 5, 9]",
            "+U[a, 5, 5]"
        ]
    );
}

#[test]
fn min_max_of_strings_retract() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![on_s(Max)])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", None, Some("x")), (I, "a", None, Some("z")), (D, "a", None, Some("z"))]]);
    assert_eq!(out, ["+I[a, x]", "-U[a, x]", "+U[a, z]", "-U[a, z]", "+U[a, x]"]);
}

#[test]
fn listagg_retracts_the_first_equal_value() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![on_s(ListAgg)])).unwrap();
    let out = run(
        &mut op,
        &[vec![
            (I, "a", None, Some("x")),
            (I, "a", None, Some("y")),
            (I, "a", None, Some("x")),
            (D, "a", None, Some("x")),
            (D, "a", None, Some("q")),
        ]],
    );
    assert_eq!(
        out,
        ["+I[a, x]", "-U[a, x]", "+U[a, x,y]", "-U[a, x,y]", "+U[a, x,y,x]", "-U[a, x,y,x]", "+U[a, y,x]"]
    );
}

#[test]
fn count_distinct_counts_values_until_their_last_copy_leaves() {
    let mut distinct = on_v(Count);
    distinct.distinct = true;
    let mut op = GroupAggregateOperator::new(spec(true, vec![distinct])).unwrap();
    let out = run(
        &mut op,
        &[vec![
            (I, "a", Some(1), None),
            (I, "a", Some(1), None),
            (I, "a", Some(2), None),
            (D, "a", Some(1), None),
            (D, "a", Some(1), None),
        ]],
    );
    assert_eq!(out, ["+I[a, 1]", "-U[a, 1]", "+U[a, 2]", "-U[a, 2]", "+U[a, 1]"]);
}

#[test]
fn first_and_last_value_retract_in_arrival_order() {
    let mut op = GroupAggregateOperator::new(spec(true, vec![on_s(FirstValue), on_s(LastValue)])).unwrap();
    let out = run(
        &mut op,
        &[vec![
            (I, "a", None, Some("x")),
            (I, "a", None, Some("y")),
            (I, "a", None, Some("z")),
            (D, "a", None, Some("x")),
            (D, "a", None, Some("z")),
        ]],
    );
    assert_eq!(
        out,
        [
            "+I[a, x, x]",
            "-U[a, x, x]",
            "+U[a, x, y]",
            "-U[a, x, y]",
            "+U[a, x, z]",
            "-U[a, x, z]",
            "+U[a, y, z]",
            "-U[a, y, z]",
            "+U[a, y, y]"
        ]
    );
}

#[test]
fn variance_retracts() {
    let var = call(VarPop, vec![1], Some(sluice_types::DataType::bigint()), sluice_types::DataType::double());
    let mut op = GroupAggregateOperator::new(spec(true, vec![var])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(1), None), (I, "a", Some(3), None), (D, "a", Some(1), None)]]);
    assert_eq!(out, ["+I[a, 0]", "-U[a, 0]", "+U[a, 1]", "-U[a, 1]", "+U[a, 0]"]);
}

#[test]
fn global_aggregate_has_one_group() {
    let mut op = GroupAggregateOperator::new(spec(false, vec![count_star(), on_v(Sum)])).unwrap();
    let out = run(&mut op, &[vec![(I, "a", Some(1), None), (UA, "b", Some(2), None), (D, "a", Some(1), None)]]);
    assert_eq!(out, ["+I[1, 1]", "-U[1, 1]", "+U[2, 3]", "-U[2, 3]", "+U[1, 2]"]);
    let mut empty = GroupAggregateOperator::new(spec(false, vec![count_star()])).unwrap();
    assert!(run(&mut empty, &[]).is_empty());
}

#[test]
fn mini_batch_emits_one_change_per_key_in_first_arrival_order() {
    let mut op = GroupAggregateOperator::new(with_mini_batch(spec(true, vec![count_star(), on_v(Sum)]), 100)).unwrap();
    let mut out = Output::default();
    op.on_batch(0, batch(&[(I, "b", Some(1), None), (I, "a", Some(2), None), (I, "b", Some(3), None)]), &mut out)
        .unwrap();
    assert!(rows(&out).is_empty(), "nothing before the flush");
    op.on_watermark(10, &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[b, 2, 4]", "+I[a, 1, 2]"]);
    assert_eq!(out.watermark(), Some(10));
    let mut out = Output::default();
    op.on_batch(
        0,
        batch(&[(I, "a", Some(5), None), (D, "b", Some(1), None), (D, "b", Some(3), None), (I, "c", Some(1), None)]),
        &mut out,
    )
    .unwrap();
    op.on_end(&mut out).unwrap();
    assert_eq!(rows(&out), ["-U[a, 1, 2]", "+U[a, 2, 7]", "-D[b, 2, 4]", "+I[c, 1, 1]"]);
}

#[test]
fn mini_batch_flushes_when_full_and_drops_unchanged_results() {
    let mut op = GroupAggregateOperator::new(with_mini_batch(spec(true, vec![on_v(Max)]), 2)).unwrap();
    let mut out = Output::default();
    op.on_batch(0, batch(&[(I, "a", Some(5), None)]), &mut out).unwrap();
    assert!(rows(&out).is_empty());
    op.on_batch(0, batch(&[(I, "a", Some(1), None)]), &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[a, 5]"]);
    op.on_batch(0, batch(&[(I, "a", Some(2), None), (D, "a", Some(2), None)]), &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[a, 5]"]);
}

#[test]
fn expired_keys_start_over_with_an_insert() {
    let now = Arc::new(AtomicI64::new(1_000));
    let clock = now.clone();
    let mut s = spec(true, vec![count_star()]);
    s.state_ttl = Some(std::time::Duration::from_millis(100));
    let mut op = GroupAggregateOperator::new(s).unwrap().with_clock(move || clock.load(Ordering::SeqCst));
    let mut out = Output::default();
    op.on_batch(0, batch(&[(I, "a", None, None)]), &mut out).unwrap();
    now.store(1_050, Ordering::SeqCst);
    op.on_batch(0, batch(&[(I, "a", None, None)]), &mut out).unwrap();
    now.store(1_149, Ordering::SeqCst);
    op.on_batch(0, batch(&[(I, "b", None, None)]), &mut out).unwrap();
    now.store(1_150, Ordering::SeqCst);
    op.on_batch(0, batch(&[(I, "a", None, None)]), &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[a, 1]", "-U[a, 1]", "+U[a, 2]", "+I[b, 1]", "+I[a, 1]"]);
    // A retraction of an expired key finds nothing.
    now.store(2_000, Ordering::SeqCst);
    let mut out = Output::default();
    op.on_batch(0, batch(&[(D, "b", None, None)]), &mut out).unwrap();
    assert!(rows(&out).is_empty());
    assert_eq!(op.open_keys(), 0);
}

#[test]
fn with_ttl_unchanged_results_are_still_emitted() {
    let mut s = spec(true, vec![on_v(Max)]);
    s.state_ttl = Some(std::time::Duration::from_secs(3600));
    let mut op = GroupAggregateOperator::new(s).unwrap().with_clock(|| 0);
    let out = run(&mut op, &[vec![(I, "a", Some(5), None), (I, "a", Some(3), None)]]);
    assert_eq!(out, ["+I[a, 5]", "-U[a, 5]", "+U[a, 5]"]);
    // Flink's mini-batch version compares the results whatever the TTL.
    let mut s = with_mini_batch(spec(true, vec![on_v(Max)]), 1);
    s.state_ttl = Some(std::time::Duration::from_secs(3600));
    let mut op = GroupAggregateOperator::new(s).unwrap().with_clock(|| 0);
    let out = run(&mut op, &[vec![(I, "a", Some(5), None)], vec![(I, "a", Some(3), None)]]);
    assert_eq!(out, ["+I[a, 5]"]);
}

#[test]
fn insert_only_operator_rejects_retractions() {
    let mut op = GroupAggregateOperator::new_insert_only(spec(true, vec![on_v(Max)])).unwrap();
    let mut out = Output::default();
    op.on_batch(0, batch(&[(I, "a", Some(5), None), (I, "a", Some(7), None)]), &mut out).unwrap();
    assert_eq!(rows(&out), ["+I[a, 5]", "-U[a, 5]", "+U[a, 7]"]);
    assert!(op.on_batch(0, batch(&[(D, "a", Some(5), None)]), &mut out).is_err());
}
