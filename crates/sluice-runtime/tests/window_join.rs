//! Window joins: rows meet within their window when the watermark fires it, outer joins
//! pad the unmatched rows then, semi and anti joins emit left rows, and rows of a fired
//! window are late.

#[path = "join_sides_common.rs"]
mod common;

use std::sync::Arc;

use arrow_schema::{Field, Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;
use common::*;
use proptest::prelude::*;
use sluice_expr::EvalContext;
use sluice_runtime::operators::WindowJoinOperator;
use sluice_runtime::spec::{JoinType, WindowJoinKind, WindowJoinSpec};
use sluice_runtime::{Operator, Output, WATERMARK_END};

/// One millisecond: a window ending at `end` fires at watermark `end - MS`.
const MS: i64 = 1000;

fn operator(kind: WindowJoinKind, null_safe: bool) -> WindowJoinOperator {
    let (left, right) = (schema("l"), schema("r"));
    let sides: Vec<&SchemaRef> = match kind {
        WindowJoinKind::Join(_) => vec![&left, &right],
        _ => vec![&left],
    };
    let fields: Vec<Field> = sides.iter().flat_map(|s| s.fields().iter()).map(|f| f.as_ref().clone().with_nullable(true)).collect();
    WindowJoinOperator::new(WindowJoinSpec {
        kind,
        left_keys: vec![0],
        right_keys: vec![0],
        null_safe: vec![null_safe],
        left_end: 2,
        right_end: 2,
        time_zone: None,
        residual: None,
        ctx: EvalContext::default(),
        left_schema: left.clone(),
        right_schema: right.clone(),
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap()
}

/// (left id, right id) of each output row, sorted, `None` where padded or absent.
fn output(out: &Output) -> Vec<(Option<i64>, Option<i64>)> {
    let mut res = pairs(out);
    res.sort();
    res
}

#[test]
fn rows_meet_when_their_window_fires() {
    let mut op = operator(WindowJoinKind::Join(JoinType::Inner), false);
    let mut out = Output::default();
    op.on_batch(0, batch("l", &[row(1, 1, 10 * MS), row(1, 2, 20 * MS), row(2, 3, 10 * MS)]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[row(1, 10, 10 * MS), row(1, 11, 20 * MS), row(3, 12, 10 * MS)]), &mut out).unwrap();
    op.on_watermark(10 * MS - 2 * MS, &mut out).unwrap();
    assert_eq!(output(&out), vec![], "nothing before the window fires");
    op.on_watermark(10 * MS - MS, &mut out).unwrap();
    assert_eq!(output(&out), vec![(Some(1), Some(10))]);
    assert_eq!(op.held_rows(), (1, 1));
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out), vec![(Some(1), Some(10)), (Some(2), Some(11))]);
    assert_eq!(op.held_rows(), (0, 0));
}

#[test]
fn rows_of_a_fired_window_are_late() {
    let mut op = operator(WindowJoinKind::Join(JoinType::Full), false);
    let mut out = Output::default();
    op.on_watermark(10 * MS - MS, &mut out).unwrap();
    op.on_batch(0, batch("l", &[row(1, 1, 10 * MS), row(1, 2, 20 * MS)]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[row(1, 10, 10 * MS)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 2);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out), vec![(Some(2), None)]);
}

#[test]
fn outer_joins_pad_within_the_window_and_null_keys_never_match() {
    let mut op = operator(WindowJoinKind::Join(JoinType::Full), false);
    let mut out = Output::default();
    op.on_batch(0, batch("l", &[row(1, 1, 10 * MS), In { k: None, id: 2, time: 10 * MS }]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[row(1, 10, 20 * MS), In { k: None, id: 11, time: 10 * MS }]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out), vec![(None, Some(10)), (None, Some(11)), (Some(1), None), (Some(2), None)]);
}

#[test]
fn semi_and_anti_joins_emit_left_rows_once() {
    for (kind, want) in [(WindowJoinKind::Semi, vec![(Some(1), None)]), (WindowJoinKind::Anti, vec![(Some(2), None), (Some(3), None)])] {
        let mut op = operator(kind, false);
        let mut out = Output::default();
        op.on_batch(0, batch("l", &[row(1, 1, 10 * MS), row(2, 2, 10 * MS), In { k: None, id: 3, time: 10 * MS }]), &mut out).unwrap();
        op.on_batch(1, batch("r", &[row(1, 10, 10 * MS), row(1, 11, 10 * MS), row(2, 12, 20 * MS), In { k: None, id: 13, time: 10 * MS }]), &mut out)
            .unwrap();
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        assert_eq!(output(&out), want, "{kind:?}");
    }
    // With IS NOT DISTINCT FROM, NULL meets NULL.
    let mut op = operator(WindowJoinKind::Semi, true);
    let mut out = Output::default();
    op.on_batch(0, batch("l", &[In { k: None, id: 3, time: 10 * MS }]), &mut out).unwrap();
    op.on_batch(1, batch("r", &[In { k: None, id: 13, time: 10 * MS }]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out), vec![(Some(3), None)]);
}

#[test]
fn updating_input_is_rejected() {
    let mut op = operator(WindowJoinKind::Join(JoinType::Inner), false);
    let b = batch("l", &[row(1, 1, MS)]);
    let b = ChangeBatch::new(b.data, vec![sluice_types::RowKind::Delete]);
    assert!(op.on_batch(0, b, &mut Output::default()).unwrap_err().to_string().contains("does not support updating input"));
}

#[derive(Clone, Debug)]
enum Event {
    Left(Vec<In>),
    Right(Vec<In>),
    /// Advance the watermark by this many milliseconds.
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    // Window ends are offsets (in windows of 5 ms) from the current watermark, some of
    // them behind it: those rows are late.
    let r = (prop::option::weighted(0.9, 0i64..3), -2i64..5).prop_map(|(k, time)| In { k, id: 0, time });
    let e = prop_oneof![
        2 => prop::collection::vec(r.clone(), 1..4).prop_map(Event::Left),
        2 => prop::collection::vec(r, 1..4).prop_map(Event::Right),
        1 => (0i64..12).prop_map(Event::Watermark),
    ];
    prop::collection::vec(e, 0..30)
}

fn kinds() -> impl Strategy<Value = WindowJoinKind> {
    prop_oneof![
        Just(WindowJoinKind::Join(JoinType::Inner)),
        Just(WindowJoinKind::Join(JoinType::Left)),
        Just(WindowJoinKind::Join(JoinType::Right)),
        Just(WindowJoinKind::Join(JoinType::Full)),
        Just(WindowJoinKind::Semi),
        Just(WindowJoinKind::Anti),
    ]
}

proptest! {
    #[test]
    fn matches_a_nested_loop_per_window_over_rows_that_are_not_late(
        events in events(),
        kind in kinds(),
        null_safe in any::<bool>(),
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(kind, null_safe);
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
                op = operator(kind, null_safe);
                op.restore(&state).unwrap();
            }
            let is_left = matches!(e, Event::Left(_));
            match e {
                Event::Left(mut rows) | Event::Right(mut rows) => {
                    for r in rows.iter_mut() {
                        r.id = next_id;
                        next_id += 1;
                        // The end of a 5 ms window near the watermark.
                        r.time = (wm / (5 * MS) + r.time) * 5 * MS;
                    }
                    let kept = rows.iter().copied().filter(|r| r.time - MS > wm);
                    if is_left {
                        lefts.extend(kept);
                        op.on_batch(0, batch("l", &rows), &mut out).unwrap();
                    } else {
                        rights.extend(kept);
                        op.on_batch(1, batch("r", &rows), &mut out).unwrap();
                    }
                }
                Event::Watermark(d) => {
                    wm += d * MS;
                    op.on_watermark(wm, &mut out).unwrap();
                }
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        prop_assert_eq!(op.held_rows(), (0, 0));
        let meets = |l: &In, r: &In| l.time == r.time && if null_safe { l.k == r.k } else { l.k.is_some() && l.k == r.k };
        let mut want = Vec::new();
        let left_matched: Vec<bool> = lefts.iter().map(|l| rights.iter().any(|r| meets(l, r))).collect();
        let right_matched: Vec<bool> = rights.iter().map(|r| lefts.iter().any(|l| meets(l, r))).collect();
        match kind {
            WindowJoinKind::Semi | WindowJoinKind::Anti => {
                let semi = kind == WindowJoinKind::Semi;
                want.extend(lefts.iter().zip(&left_matched).filter(|(_, m)| **m == semi).map(|(l, _)| (Some(l.id), None)));
            }
            WindowJoinKind::Join(join) => {
                for l in &lefts {
                    want.extend(rights.iter().filter(|r| meets(l, r)).map(|r| (Some(l.id), Some(r.id))));
                }
                if matches!(join, JoinType::Left | JoinType::Full) {
                    want.extend(lefts.iter().zip(&left_matched).filter(|(_, m)| !**m).map(|(l, _)| (Some(l.id), None)));
                }
                if matches!(join, JoinType::Right | JoinType::Full) {
                    want.extend(rights.iter().zip(&right_matched).filter(|(_, m)| !**m).map(|(r, _)| (None, Some(r.id))));
                }
            }
        }
        want.sort();
        prop_assert_eq!(output(&out), want);
    }
}
