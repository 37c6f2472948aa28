//! Event-time OVER aggregation compared with frames computed by brute force.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, Int32Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::OverAggregateOperator;
use sluice_runtime::spec::{AggregateCall, AggregateKind, OverAggregateSpec, OverFrame};
use sluice_runtime::{Operator, Output, WATERMARK_END};
use sluice_types::DataType as FlinkType;

#[derive(Clone, Copy, Debug)]
struct In {
    k: i64,
    v: Option<i32>,
    id: i64,
    ts: i64,
}

/// id, COUNT(*), COUNT(v), SUM(v), AVG(v), MIN(v), MAX(v).
type Out = (i64, i64, i64, Option<i32>, Option<i32>, Option<i32>, Option<i32>);

fn input_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Int32, true),
        Field::new("id", DataType::Int64, false),
        Field::new("ts", DataType::Timestamp(TimeUnit::Microsecond, None), true),
    ]))
}

fn call(kind: AggregateKind, arg: bool, out: FlinkType) -> AggregateCall {
    AggregateCall {
        kind,
        args: if arg { vec![1] } else { vec![] },
        distinct: false,
        filter: None,
        separator: None,
        arg_type: if arg { Some(FlinkType::int()) } else { None },
        output_type: out,
    }
}

fn operator(frame: OverFrame) -> OverAggregateOperator {
    let mut fields: Vec<Field> = input_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    for (name, t) in [("c", DataType::Int64), ("cv", DataType::Int64)] {
        fields.push(Field::new(name, t, false));
    }
    for name in ["s", "a", "mn", "mx"] {
        fields.push(Field::new(name, DataType::Int32, true));
    }
    OverAggregateOperator::new(OverAggregateSpec {
        keys: vec![0],
        time_column: 3,
        frame,
        aggregates: vec![
            call(AggregateKind::Count, false, FlinkType::bigint()),
            call(AggregateKind::Count, true, FlinkType::bigint()),
            call(AggregateKind::Sum, true, FlinkType::int()),
            call(AggregateKind::Avg, true, FlinkType::int()),
            call(AggregateKind::Min, true, FlinkType::int()),
            call(AggregateKind::Max, true, FlinkType::int()),
        ],
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap()
}

fn batch(rows: &[In]) -> ChangeBatch {
    let data = RecordBatch::try_new(
        input_schema(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.k).collect::<Vec<_>>())),
            Arc::new(Int32Array::from(rows.iter().map(|r| r.v).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.id).collect::<Vec<_>>())),
            Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.ts).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    ChangeBatch::inserts(data)
}

fn output(out: &Output) -> Vec<Out> {
    let mut res = Vec::new();
    for b in out.batches() {
        let d = &b.data;
        let i64s = |c: usize| d.column(c).as_primitive::<Int64Type>().clone();
        let i32s = |c: usize| d.column(c).as_primitive::<Int32Type>().clone();
        let (id, c, cv) = (i64s(2), i64s(4), i64s(5));
        let (s, a, mn, mx) = (i32s(6), i32s(7), i32s(8), i32s(9));
        let opt = |a: &arrow_array::Int32Array, i: usize| if a.is_valid(i) { Some(a.value(i)) } else { None };
        for i in 0..d.num_rows() {
            res.push((id.value(i), c.value(i), cv.value(i), opt(&s, i), opt(&a, i), opt(&mn, i), opt(&mx, i)));
        }
    }
    res
}

fn r(k: i64, v: Option<i32>, id: i64, ts: i64) -> In {
    In { k, v, id, ts }
}

#[test]
fn range_peers_see_each_other_rows_do_not() {
    let rows = [r(1, Some(1), 0, 10), r(1, Some(2), 1, 10), r(1, Some(4), 2, 20)];
    let mut range = operator(OverFrame::Range { preceding: Some(10) });
    let mut out = Output::default();
    range.on_batch(0, batch(&rows), &mut out).unwrap();
    range.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(
        output(&out),
        vec![
            (0, 2, 2, Some(3), Some(1), Some(1), Some(2)),
            (1, 2, 2, Some(3), Some(1), Some(1), Some(2)),
            (2, 3, 3, Some(7), Some(2), Some(1), Some(4)),
        ]
    );
    let mut rows_op = operator(OverFrame::Rows { preceding: Some(1) });
    let mut out = Output::default();
    rows_op.on_batch(0, batch(&rows), &mut out).unwrap();
    rows_op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(
        output(&out),
        vec![
            (0, 1, 1, Some(1), Some(1), Some(1), Some(1)),
            (1, 2, 2, Some(3), Some(1), Some(1), Some(2)),
            (2, 2, 2, Some(6), Some(3), Some(2), Some(4)),
        ]
    );
}

#[test]
fn rows_wait_for_the_watermark_and_nulls_do_not_count() {
    let mut op = operator(OverFrame::Range { preceding: None });
    let mut out = Output::default();
    op.on_batch(0, batch(&[r(1, None, 0, 10), r(2, Some(5), 1, 12)]), &mut out).unwrap();
    op.on_watermark(10, &mut out).unwrap();
    assert_eq!(output(&out), vec![(0, 1, 0, None, None, None, None)]);
    assert_eq!(out.watermark(), Some(10));
}

#[test]
fn late_rows_follow_flink() {
    // UNBOUNDED: at or behind the watermark is late.
    let mut op = operator(OverFrame::Rows { preceding: None });
    let mut out = Output::default();
    op.on_watermark(100, &mut out).unwrap();
    op.on_batch(0, batch(&[r(1, Some(1), 0, 100), r(1, Some(1), 1, 101)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 1);
    // Bounded: only at or before the key's last processed rowtime (0 at first).
    let mut op = operator(OverFrame::Range { preceding: Some(5) });
    let mut out = Output::default();
    op.on_batch(0, batch(&[r(1, Some(1), 0, 50), r(2, Some(1), 1, 0)]), &mut out).unwrap();
    op.on_watermark(100, &mut out).unwrap();
    op.on_batch(0, batch(&[r(1, Some(1), 2, 50), r(1, Some(1), 3, 60), r(2, Some(1), 4, 40)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 2);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let ids: Vec<i64> = output(&out).iter().map(|o| o.0).collect();
    assert_eq!(ids, vec![0, 4, 3]);
}

#[test]
fn rows_leaving_the_frame_are_freed() {
    let mut op = operator(OverFrame::Range { preceding: Some(5) });
    let mut out = Output::default();
    for i in 0..10 {
        op.on_batch(0, batch(&[r(1, Some(1), i, 100 + i * 10)]), &mut out).unwrap();
        op.on_watermark(100 + i * 10, &mut out).unwrap();
    }
    // Only the last row can still be in a future frame.
    assert_eq!(op.stored_batches(), 1);
    assert_eq!(output(&out).len(), 10);
}

/// `AVG(x) OVER w` is `SUM(x) OVER w / COUNT(x) OVER w` in Flink (Calcite expands it), so
/// its INT sum wraps as the SUM does before the division truncates.
#[test]
fn sum_wraps_like_java_int_and_avg_truncates() {
    let mut op = operator(OverFrame::Rows { preceding: None });
    let mut out = Output::default();
    op.on_batch(0, batch(&[r(1, Some(i32::MAX), 0, 10), r(1, Some(2), 1, 11), r(1, Some(-7), 2, 12)]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let o = output(&out);
    assert_eq!(o[1].3, Some(i32::MIN + 1));
    assert_eq!(o[1].4, Some(i32::MAX.wrapping_add(2) / 2));
    assert_eq!(o[2].4, Some(i32::MAX.wrapping_add(2).wrapping_sub(7) / 3));
}

/// Aggregates beyond COUNT/SUM/AVG/MIN/MAX (here `VAR_SAMP`, `FIRST_VALUE` and
/// `COUNT(DISTINCT)`) slide with a bounded frame and keep their state across a checkpoint
/// taken mid-frame.
#[test]
fn other_aggregates_slide_and_survive_a_checkpoint() {
    let distinct = AggregateCall { distinct: true, ..call(AggregateKind::Count, true, FlinkType::bigint()) };
    let make = || {
        let mut fields: Vec<Field> = input_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("var", DataType::Int32, true));
        fields.push(Field::new("first", DataType::Int32, true));
        fields.push(Field::new("distinct", DataType::Int64, false));
        OverAggregateOperator::new(OverAggregateSpec {
            keys: vec![0],
            time_column: 3,
            frame: OverFrame::Rows { preceding: Some(2) },
            aggregates: vec![
                call(AggregateKind::VarSamp, true, FlinkType::int()),
                call(AggregateKind::FirstValue, true, FlinkType::int()),
                distinct.clone(),
            ],
            output_schema: Arc::new(Schema::new(fields)),
        })
        .unwrap()
    };
    let rows = [r(1, Some(60), 0, 10), r(1, Some(5), 1, 11), r(2, Some(7), 2, 11), r(1, None, 3, 12), r(1, Some(5), 4, 13), r(1, Some(9), 5, 14)];
    let run = |checkpoint: bool| {
        let mut op = make();
        let mut out = Output::default();
        op.on_batch(0, batch(&rows[..3]), &mut out).unwrap();
        op.on_watermark(11, &mut out).unwrap();
        if checkpoint {
            let state = op.snapshot().unwrap().unwrap();
            op = make();
            op.restore(&state).unwrap();
        }
        op.on_batch(0, batch(&rows[3..]), &mut out).unwrap();
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        let mut got = Vec::new();
        for b in out.batches() {
            let d = &b.data;
            let ids = d.column(2).as_primitive::<Int64Type>();
            let (var, first) = (d.column(4).as_primitive::<Int32Type>(), d.column(5).as_primitive::<Int32Type>());
            let distinct = d.column(6).as_primitive::<Int64Type>();
            let opt = |a: &arrow_array::Int32Array, i: usize| a.is_valid(i).then(|| a.value(i));
            for i in 0..d.num_rows() {
                got.push((ids.value(i), opt(var, i), opt(first, i), distinct.value(i)));
            }
        }
        got.sort();
        got
    };
    // VAR_SAMP of INT in an OVER window is computed in INT arithmetic, as Flink's
    // expansion does: (3625 - 4225 / 2) / 1 = 1513.
    let want = vec![
        (0, None, Some(60), 1),
        (1, Some(1513), Some(60), 2),
        (2, None, Some(7), 1),
        (3, Some(1513), Some(60), 2),
        (4, Some(0), Some(5), 1),
        (5, Some(8), Some(5), 2),
    ];
    assert_eq!(run(false), want);
    assert_eq!(run(true), want);
}

/// Flink's bounded RANGE OVER has a cleanup timer per key at its last row's time plus
/// 1.5 times the frame plus 1 ms: when it fires, the key starts over (its rows and
/// accumulators emptied, its last processed time 0 again), so an old row is no longer
/// late.
#[test]
fn a_bounded_range_key_starts_over_at_its_cleanup_timer() {
    let s = 1_000_000;
    let mut op = operator(OverFrame::Range { preceding: Some(2 * s) });
    let mut out = Output::default();
    op.on_batch(0, batch(&[r(1, Some(5), 0, 10 * s)]), &mut out).unwrap();
    op.on_watermark(12 * s, &mut out).unwrap();
    // At or before the last processed time: late.
    op.on_batch(0, batch(&[r(1, Some(6), 1, 9 * s)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 1);
    // The cleanup timer at 13.001 s empties the key.
    op.on_watermark(14 * s, &mut out).unwrap();
    assert_eq!(op.stored_batches(), 0);
    op.on_batch(0, batch(&[r(1, Some(7), 2, 9 * s)]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 1);
    let o = output(&out);
    assert_eq!(o, vec![(0, 1, 1, Some(5), Some(5), Some(5), Some(5)), (2, 1, 1, Some(7), Some(7), Some(7), Some(7))]);
}

#[test]
fn updating_input_is_rejected() {
    let mut op = operator(OverFrame::Rows { preceding: None });
    let b = batch(&[r(1, None, 0, 1)]);
    let b = ChangeBatch::new(b.data, vec![sluice_types::RowKind::Delete]);
    assert!(op.on_batch(0, b, &mut Output::default()).unwrap_err().to_string().contains("does not support updating input"));
}

#[derive(Clone, Debug)]
enum Event {
    Rows(Vec<In>),
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let row = (0i64..3, prop::option::weighted(0.8, -5i32..10), 0i64..40).prop_map(|(k, v, ts)| In { k, v, id: 0, ts });
    let e = prop_oneof![
        3 => prop::collection::vec(row, 1..5).prop_map(Event::Rows),
        1 => (0i64..45).prop_map(Event::Watermark),
    ];
    prop::collection::vec(e, 0..25)
}

fn frames() -> impl Strategy<Value = OverFrame> {
    prop_oneof![
        Just(OverFrame::Range { preceding: None }),
        (0i64..10).prop_map(|p| OverFrame::Range { preceding: Some(p) }),
        Just(OverFrame::Rows { preceding: None }),
        (0u64..4).prop_map(|n| OverFrame::Rows { preceding: Some(n) }),
    ]
}

proptest! {
    #[test]
    fn matches_brute_force_frames(events in events(), frame in frames(), restart in any::<prop::sample::Index>()) {
        let bounded = matches!(frame, OverFrame::Range { preceding: Some(_) } | OverFrame::Rows { preceding: Some(_) });
        let mut op = operator(frame);
        // A checkpoint restored into a fresh operator at a random event changes nothing.
        let restart = restart.index(events.len().max(1));
        let mut out = Output::default();
        let mut accepted: Vec<In> = Vec::new();
        let mut processed = vec![false; 0];
        let mut last_trig = [0i64; 3];
        let mut wm: Option<i64> = None;
        let mut late = 0;
        let mut next_id = 0;
        let apply_watermark = |w: i64, accepted: &Vec<In>, processed: &mut Vec<bool>, last_trig: &mut [i64; 3]| {
            for (i, r) in accepted.iter().enumerate() {
                if !processed[i] && r.ts <= w {
                    processed[i] = true;
                    last_trig[r.k as usize] = last_trig[r.k as usize].max(r.ts);
                }
            }
        };
        for (n, e) in events.into_iter().enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(frame);
                op.restore(&state).unwrap();
            }
            match e {
                Event::Rows(mut rows) => {
                    for r in rows.iter_mut() {
                        r.id = next_id;
                        next_id += 1;
                        let is_late = if bounded { r.ts <= last_trig[r.k as usize] } else { wm.is_some_and(|w| r.ts <= w) };
                        if is_late { late += 1 } else { accepted.push(*r); processed.push(false); }
                    }
                    op.on_batch(0, batch(&rows), &mut out).unwrap();
                }
                Event::Watermark(w) => {
                    op.on_watermark(w, &mut out).unwrap();
                    if wm.is_none_or(|x| w > x) {
                        wm = Some(w);
                        apply_watermark(w, &accepted, &mut processed, &mut last_trig);
                    }
                }
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        prop_assert_eq!(op.late_rows_dropped(), late);
        let mut want: Vec<Out> = Vec::new();
        for r in &accepted {
            let mut key_rows: Vec<&In> = accepted.iter().filter(|o| o.k == r.k).collect();
            key_rows.sort_by_key(|o| (o.ts, o.id));
            let pos = key_rows.iter().position(|o| o.id == r.id).unwrap();
            let frame_rows: Vec<&In> = match frame {
                OverFrame::Range { preceding } => key_rows
                    .iter()
                    .filter(|o| o.ts <= r.ts && preceding.is_none_or(|p| o.ts >= r.ts - p))
                    .copied()
                    .collect(),
                OverFrame::Rows { preceding } => {
                    let from = preceding.map_or(0, |n| pos.saturating_sub(n as usize));
                    key_rows[from..=pos].to_vec()
                }
            };
            let vals: Vec<i32> = frame_rows.iter().filter_map(|o| o.v).collect();
            let sum: Option<i64> = if vals.is_empty() { None } else { Some(vals.iter().map(|v| *v as i64).sum()) };
            want.push((
                r.id,
                frame_rows.len() as i64,
                vals.len() as i64,
                sum.map(|s| s as i32),
                sum.map(|s| (s / vals.len() as i64) as i32),
                vals.iter().min().copied(),
                vals.iter().max().copied(),
            ));
        }
        let mut got = output(&out);
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }
}
