//! Event-time interval joins: matches, NULL-padded outer rows once they can no longer
//! match, expiry of cached rows and the held-back watermark.

#[path = "join_sides_common.rs"]
mod common;

use std::sync::Arc;

use arrow_schema::{Field, Schema};
use sluice_connector_api::ChangeBatch;
use common::*;
use proptest::prelude::*;
use sluice_expr::EvalContext;
use sluice_runtime::operators::IntervalJoinOperator;
use sluice_runtime::spec::{IntervalJoinSpec, JoinType};
use sluice_runtime::{Operator, Output, WATERMARK_END};

fn operator(join_type: JoinType, lower: i64, upper: i64) -> IntervalJoinOperator {
    let (left, right) = (schema("l"), schema("r"));
    let fields: Vec<Field> =
        left.fields().iter().chain(right.fields().iter()).map(|f| f.as_ref().clone().with_nullable(true)).collect();
    IntervalJoinOperator::new(IntervalJoinSpec {
        join_type,
        left_keys: vec![0],
        right_keys: vec![0],
        left_time: 2,
        right_time: 2,
        lower,
        upper,
        min_cleanup_interval: 0,
        residual: None,
        ctx: EvalContext::default(),
        left_schema: left,
        right_schema: right,
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap()
}

#[test]
fn inner_join_matches_within_bounds_both_ways() {
    let mut op = operator(JoinType::Inner, -10, 5);
    let mut out = Output::default();
    op.on_batch(0, batch("l", &[row(1, 1, 100), row(2, 2, 100)]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[row(1, 10, 90), row(1, 11, 105), row(1, 12, 106), row(1, 13, 89), row(2, 14, 100)]), &mut out)
        .unwrap();
    op.on_batch(0, batch("l", &[row(1, 3, 95)]), &mut out).unwrap();
    let mut got = pairs(&out);
    got.sort();
    assert_eq!(
        got,
        vec![(Some(1), Some(10)), (Some(1), Some(11)), (Some(2), Some(14)), (Some(3), Some(10)), (Some(3), Some(13))]
    );
}

#[test]
fn left_outer_pads_once_the_row_cannot_match_and_frees_state() {
    let mut op = operator(JoinType::Left, 0, 10);
    let mut out = Output::default();
    op.on_batch(0, batch("l", &[row(1, 1, 1000), row(1, 2, 1001)]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[row(1, 10, 1005)]), &mut out).unwrap();
    assert_eq!(pairs(&out), vec![(Some(1), Some(10)), (Some(2), Some(10))]);
    // The cleanup timer of the left cache is at 1000 + 10 + 0 + 1 (no minimum cleanup
    // interval, Flink's default): not yet at 1010, and at 1011 it expires the rows at or
    // before 1011 - 10 - 1.
    op.on_watermark(1010, &mut out).unwrap();
    assert_eq!(op.cached_rows().0, 2);
    op.on_watermark(1011, &mut out).unwrap();
    assert_eq!(op.cached_rows().0, 1);
    op.on_batch(0, batch("l", &[row(1, 3, 1020)]), &mut out).unwrap();
    op.on_watermark(1040, &mut out).unwrap();
    assert_eq!(pairs(&out).len(), 3, "matched rows are not padded");
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(pairs(&out).last(), Some(&(Some(3), None)));
    assert_eq!(op.cached_rows(), (0, 0));
}

#[test]
fn rows_after_the_window_are_padded_at_once_and_keys_with_null_never_match() {
    let mut op = operator(JoinType::Full, 0, 10);
    let mut out = Output::default();
    op.on_watermark(5000, &mut out).unwrap();
    // Its interval [1000, 1010] is behind the operator time: not cached, padded now.
    op.on_batch(0, batch("l", &[row(1, 1, 1000)]), &mut out).unwrap();
    assert_eq!(pairs(&out), vec![(Some(1), None)]);
    op.on_batch(0, batch("l", &[In { k: None, id: 2, time: 6000 }]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[In { k: None, id: 20, time: 6000 }]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let mut got = pairs(&out);
    got.sort();
    assert_eq!(got, vec![(None, Some(20)), (Some(1), None), (Some(2), None)]);
}

#[test]
fn the_watermark_is_held_back_by_the_larger_bound() {
    let mut op = operator(JoinType::Inner, -3000, 1000);
    let mut out = Output::default();
    op.on_watermark(10_000, &mut out).unwrap();
    assert_eq!(out.watermark(), Some(7_000));
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(out.watermark(), Some(WATERMARK_END));
}

#[test]
fn updating_input_is_rejected() {
    let mut op = operator(JoinType::Inner, 0, 1);
    let b = batch("l", &[row(1, 1, 1)]);
    let b = ChangeBatch::new(b.data, vec![sluice_types::RowKind::Delete]);
    assert!(op.on_batch(0, b, &mut Output::default()).unwrap_err().to_string().contains("does not support updating input"));
}

#[derive(Clone, Debug)]
enum Event {
    Left(Vec<In>),
    Right(Vec<In>),
    /// Advance the watermark by this much.
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    // Times are offsets ahead of the current watermark, so no row is late.
    let r = (prop::option::weighted(0.9, 0i64..3), 1i64..30).prop_map(|(k, time)| In { k, id: 0, time });
    let e = prop_oneof![
        2 => prop::collection::vec(r.clone(), 1..4).prop_map(Event::Left),
        2 => prop::collection::vec(r, 1..4).prop_map(Event::Right),
        1 => (0i64..15).prop_map(Event::Watermark),
    ];
    prop::collection::vec(e, 0..30)
}

proptest! {
    #[test]
    fn matches_nested_loop_over_rows_that_are_not_late(
        events in events(),
        lower in -10i64..5,
        width in 0i64..12,
        join in prop_oneof![Just(JoinType::Inner), Just(JoinType::Left), Just(JoinType::Right), Just(JoinType::Full)],
        restart in any::<prop::sample::Index>(),
    ) {
        let upper = lower + width;
        let mut op = operator(join, lower, upper);
        // A checkpoint restored into a fresh operator at a random event changes nothing.
        let restart = restart.index(events.len().max(1));
        let mut out = Output::default();
        let (mut lefts, mut rights) = (Vec::new(), Vec::new());
        let mut wm = 0i64;
        let mut next_id = 0;
        op.on_watermark(wm, &mut out).unwrap();
        for (n, e) in events.into_iter().enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(join, lower, upper);
                op.restore(&state).unwrap();
            }
            let is_left = matches!(e, Event::Left(_));
            match e {
                Event::Left(mut rows) | Event::Right(mut rows) => {
                    for r in rows.iter_mut() {
                        r.id = next_id;
                        next_id += 1;
                        r.time += wm;
                    }
                    if is_left {
                        lefts.extend(rows.iter().copied());
                        op.on_batch(0, batch("l", &rows), &mut out).unwrap();
                    } else {
                        rights.extend(rows.iter().copied());
                        op.on_batch(1, batch("r", &rows), &mut out).unwrap();
                    }
                }
                Event::Watermark(d) => {
                    wm += d;
                    op.on_watermark(wm, &mut out).unwrap();
                }
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        prop_assert_eq!(op.cached_rows(), (0, 0));
        let mut want = Vec::new();
        let mut left_matched = vec![false; lefts.len()];
        let mut right_matched = vec![false; rights.len()];
        for (i, l) in lefts.iter().enumerate() {
            for (j, r) in rights.iter().enumerate() {
                if l.k.is_some() && l.k == r.k && r.time >= l.time + lower && r.time <= l.time + upper {
                    want.push((Some(l.id), Some(r.id)));
                    left_matched[i] = true;
                    right_matched[j] = true;
                }
            }
        }
        if matches!(join, JoinType::Left | JoinType::Full) {
            want.extend(lefts.iter().zip(&left_matched).filter(|(_, m)| !**m).map(|(l, _)| (Some(l.id), None)));
        }
        if matches!(join, JoinType::Right | JoinType::Full) {
            want.extend(rights.iter().zip(&right_matched).filter(|(_, m)| !**m).map(|(r, _)| (None, Some(r.id))));
        }
        let mut got = pairs(&out);
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }
}
