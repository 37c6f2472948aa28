//! Window Top-N: rows held per window and partition, emitted in rank order when the
//! window fires; late rows dropped.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Float64Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::WindowRankOperator;
use sluice_runtime::spec::{SortKey, WindowRankSpec};
use sluice_runtime::{Operator, Output, WATERMARK_END};
use sluice_types::temporal::SessionTimeZone;

const MS: i64 = 1_000;

/// One input row: key, order value, id, window start and end (in ms).
#[derive(Clone, Copy, Debug)]
struct In {
    k: i64,
    v: Option<f64>,
    id: i64,
    ws: i64,
    we: i64,
}

fn input_schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
    Arc::new(Schema::new(vec![
        Field::new("k", DataType::Int64, false),
        Field::new("v", DataType::Float64, true),
        Field::new("id", DataType::Int64, false),
        Field::new("window_start", ts.clone(), false),
        Field::new("window_end", ts, false),
    ]))
}

fn operator(limit: usize, ascending: bool, nulls_first: bool, tz: Option<SessionTimeZone>) -> WindowRankOperator {
    let mut fields: Vec<Field> = input_schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("rn", DataType::Int64, false));
    WindowRankOperator::new(WindowRankSpec {
        window_start: 3,
        window_end: 4,
        keys: vec![0],
        order: vec![SortKey { column: 1, ascending, nulls_first }],
        limit,
        emit_rank: true,
        time_zone: tz,
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap()
}

fn batch(rows: &[In]) -> ChangeBatch {
    let ts = |f: fn(&In) -> i64| Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| f(r) * MS).collect::<Vec<_>>()));
    let data = RecordBatch::try_new(
        input_schema(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.k).collect::<Vec<_>>())),
            Arc::new(Float64Array::from(rows.iter().map(|r| r.v).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.id).collect::<Vec<_>>())),
            ts(|r| r.ws),
            ts(|r| r.we),
        ],
    )
    .unwrap();
    ChangeBatch::inserts(data)
}

/// (window_end ms, key, id, rank) of every output row, in output order.
fn output(out: &Output) -> Vec<(i64, i64, i64, i64)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let d = &b.data;
        let i64s = |c: usize| d.column(c).as_primitive::<Int64Type>().clone();
        let we = d.column(4).as_primitive::<arrow_array::types::TimestampMicrosecondType>();
        let (k, id, rn) = (i64s(0), i64s(2), i64s(5));
        for i in 0..d.num_rows() {
            res.push((we.value(i) / MS, k.value(i), id.value(i), rn.value(i)));
        }
    }
    res
}

fn row(k: i64, v: Option<f64>, id: i64, we: i64) -> In {
    In { k, v, id, ws: we - 10, we }
}

#[test]
fn top_n_per_window_and_key_with_ties_in_arrival_order() {
    let mut op = operator(2, false, false, None);
    let mut out = Output::default();
    op.on_batch(0, batch(&[row(1, Some(5.0), 1, 10), row(1, Some(7.0), 2, 10), row(2, Some(1.0), 3, 10)]), &mut out)
        .unwrap();
    op.on_batch(0, batch(&[row(1, Some(7.0), 4, 10), row(1, Some(9.0), 5, 20), row(1, None, 6, 10)]), &mut out).unwrap();
    op.on_watermark(9 * MS - 1, &mut out).unwrap();
    assert!(output(&out).is_empty());
    op.on_watermark(9 * MS, &mut out).unwrap();
    assert_eq!(output(&out), vec![(10, 1, 2, 1), (10, 1, 4, 2), (10, 2, 3, 1)]);
    assert_eq!(out.watermark(), Some(9 * MS));
    assert_eq!(op.open_windows(), 1);
    // The window ending at 10 has fired: a row for it is late.
    op.on_batch(0, batch(&[row(1, Some(100.0), 7, 10)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 1);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out).last(), Some(&(20, 1, 5, 1)));
    assert_eq!(op.open_windows(), 0);
    assert_eq!(op.stored_batches(), 0);
}

#[test]
fn float_order_follows_java_and_nulls_per_spec() {
    let mut op = operator(10, true, true, None);
    let mut out = Output::default();
    let vals = [Some(f64::NAN), Some(0.0), None, Some(-0.0), Some(-1.0), Some(f64::INFINITY)];
    let rows: Vec<In> = vals.iter().enumerate().map(|(i, v)| row(1, *v, i as i64, 10)).collect();
    op.on_batch(0, batch(&rows), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let ids: Vec<i64> = output(&out).iter().map(|r| r.2).collect();
    assert_eq!(ids, vec![2, 4, 3, 1, 5, 0]);
}

#[test]
fn time_zone_windows_fire_at_the_wall_clock_end() {
    let hour = 3_600_000;
    let tz = SessionTimeZone::Fixed(8 * 3600);
    // A window ending at 10:00 wall clock (+08:00) fires at 02:00 UTC minus 1 ms.
    let mut op = operator(1, true, false, Some(tz));
    let mut out = Output::default();
    op.on_batch(0, batch(&[row(1, Some(1.0), 1, 10 * hour)]), &mut out).unwrap();
    op.on_watermark((2 * hour - 1) * MS - 1, &mut out).unwrap();
    assert!(output(&out).is_empty());
    op.on_watermark((2 * hour - 1) * MS, &mut out).unwrap();
    assert_eq!(output(&out).len(), 1);
}

#[test]
fn updating_input_is_rejected() {
    let mut op = operator(1, true, false, None);
    let b = batch(&[row(1, None, 1, 10)]);
    let b = ChangeBatch::new(b.data, vec![sluice_types::RowKind::UpdateAfter]);
    assert!(op.on_batch(0, b, &mut Output::default()).unwrap_err().to_string().contains("does not support updating input"));
}

/// An input event: a batch of rows or a watermark (ms).
#[derive(Clone, Debug)]
enum Event {
    Rows(Vec<In>),
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let r = (0i64..3, prop::option::weighted(0.8, 0i64..5), 0i64..6).prop_map(|(k, v, w)| In {
        k,
        v: v.map(|v| v as f64),
        id: 0,
        ws: w * 10,
        we: w * 10 + 10,
    });
    let e = prop_oneof![
        3 => prop::collection::vec(r, 1..5).prop_map(Event::Rows),
        1 => (0i64..70).prop_map(Event::Watermark),
    ];
    prop::collection::vec(e, 0..25)
}

proptest! {
    #[test]
    fn matches_sort_per_window(
        events in events(),
        limit in 0usize..4,
        ascending: bool,
        nulls_first: bool,
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(limit, ascending, nulls_first, None);
        // A checkpoint restored into a fresh operator at a random event changes nothing.
        let restart = restart.index(events.len().max(1));
        let mut out = Output::default();
        let mut accepted: Vec<In> = Vec::new();
        let mut wm = i64::MIN;
        let mut next_id = 0;
        let mut late = 0;
        for (n, e) in events.into_iter().enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(limit, ascending, nulls_first, None);
                op.restore(&state).unwrap();
            }
            match e {
                Event::Rows(mut rows) => {
                    for r in rows.iter_mut() {
                        r.id = next_id;
                        next_id += 1;
                        if wm >= r.we - 1 { late += 1 } else { accepted.push(*r) }
                    }
                    op.on_batch(0, batch(&rows), &mut out).unwrap();
                }
                Event::Watermark(w) => {
                    op.on_watermark(w * MS, &mut out).unwrap();
                    wm = wm.max(w);
                }
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        prop_assert_eq!(op.late_rows_dropped(), late);
        prop_assert_eq!(op.stored_batches(), 0);
        // Reference: per window and key, a stable sort then the first `limit`.
        let mut want = Vec::new();
        let mut windows: Vec<i64> = accepted.iter().map(|r| r.we).collect();
        windows.sort();
        windows.dedup();
        for we in windows {
            let mut keys: Vec<i64> = accepted.iter().filter(|r| r.we == we).map(|r| r.k).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let mut part: Vec<&In> = accepted.iter().filter(|r| r.we == we && r.k == k).collect();
                part.sort_by(|a, b| match (a.v, b.v) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, Some(_)) => if nulls_first { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater },
                    (Some(_), None) => if nulls_first { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less },
                    (Some(x), Some(y)) => if ascending { x.total_cmp(&y) } else { y.total_cmp(&x) },
                });
                for (i, r) in part.iter().take(limit).enumerate() {
                    want.push((we, k, r.id, i as i64 + 1));
                }
            }
        }
        let mut got = output(&out);
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }
}
