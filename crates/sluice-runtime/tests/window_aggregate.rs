//! Operator tests of `WindowAggregateOperator`: window shapes, firing, lateness, time
//! zones and state release.

#[path = "window_aggregate_common.rs"]
mod common;

use common::*;
use sluice_runtime::spec::WindowKind;
use sluice_runtime::{Operator, Output, WATERMARK_END};
use sluice_types::temporal::SessionTimeZone;

fn row(key: &str, count: i64, sum: i64, min: i64, max: i64, start: i64, end: i64) -> OutRow {
    OutRow {
        key: Some(key.into()),
        count,
        sum: Some(sum),
        min: Some(min),
        max: Some(max),
        avg: Some(sum / count),
        start,
        end,
        time: end - 1000,
    }
}

#[test]
fn tumble_fires_when_watermark_reaches_end_minus_one_ms() {
    let mut op = operator(WindowKind::Tumble { size: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(SEC), "a", Some(3)), (Some(2 * SEC), "b", Some(4)), (Some(9 * SEC), "a", Some(-8))]);
    feed(&mut op, &mut out, false, &[(Some(12 * SEC), "a", Some(5))]);
    op.on_watermark(10 * SEC - 1001, &mut out).unwrap();
    assert!(rows_of(&out).is_empty());
    op.on_watermark(10 * SEC - 1000, &mut out).unwrap();
    assert_eq!(
        rows_of(&out),
        vec![row("a", 2, -5, -8, 3, 0, 10 * SEC), row("b", 1, 4, 4, 4, 0, 10 * SEC)]
    );
    assert_eq!(out.watermark(), Some(10 * SEC - 1000));
    assert_eq!(op.open_groups(), 1);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(rows_of(&out).len(), 3);
    assert_eq!(rows_of(&out)[2], row("a", 1, 5, 5, 5, 10 * SEC, 20 * SEC));
    assert_eq!(op.open_groups(), 0);
    assert_eq!(op.open_keys(), 0);
    assert_eq!(op.open_windows(), 0);
}

#[test]
fn avg_truncates_and_nulls_are_skipped() {
    let mut op = operator(WindowKind::Tumble { size: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(1), "a", Some(-7)), (Some(2), "a", Some(2)), (Some(3), "a", None), (Some(4), "n", None)]);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let rows = rows_of(&out);
    assert_eq!(rows[0].count, 3);
    assert_eq!(rows[0].sum, Some(-5));
    assert_eq!(rows[0].avg, Some(-2)); // -5 / 2 truncated toward zero
    assert_eq!(rows[1].count, 1);
    assert_eq!((rows[1].sum, rows[1].min, rows[1].avg), (None, None, None));
}

#[test]
fn late_and_null_rowtime_rows_are_dropped_and_counted() {
    let mut op = operator(WindowKind::Tumble { size: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(SEC), "a", Some(1))]);
    op.on_watermark(10 * SEC, &mut out).unwrap();
    feed(&mut op, &mut out, false, &[(Some(2 * SEC), "a", Some(1)), (None, "a", Some(1)), (Some(11 * SEC), "a", Some(7))]);
    assert_eq!(op.late_rows_dropped(), 2);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(rows_of(&out), vec![row("a", 1, 1, 1, 1, 0, 10 * SEC), row("a", 1, 7, 7, 7, 10 * SEC, 20 * SEC)]);
    assert_eq!(op.open_keys(), 0);
}

#[test]
fn hop_shares_slices_and_late_rows_count_in_unfired_windows() {
    // Windows of 30 s every 10 s.
    let mut op = operator(WindowKind::Hop { size: 30 * SEC, slide: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(5 * SEC), "a", Some(1)), (Some(15 * SEC), "a", Some(2))]);
    op.on_watermark(20 * SEC, &mut out).unwrap(); // fires [-20, 10) and [-10, 20)
    assert_eq!(
        rows_of(&out),
        vec![row("a", 1, 1, 1, 1, -20 * SEC, 10 * SEC), row("a", 2, 3, 1, 2, -10 * SEC, 20 * SEC)]
    );
    // 6 s is in [-20, 10), [-10, 20) (fired) and [0, 30) (not fired): counted once.
    feed(&mut op, &mut out, false, &[(Some(6 * SEC), "a", Some(10))]);
    assert_eq!(op.late_rows_dropped(), 0);
    // -5 s belongs to [-30, 0), [-20, 10), [-10, 20): all fired.
    feed(&mut op, &mut out, false, &[(Some(-5 * SEC), "a", Some(100))]);
    assert_eq!(op.late_rows_dropped(), 1);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let rows = rows_of(&out);
    assert_eq!(rows[2], row("a", 3, 13, 1, 10, 0, 30 * SEC));
    assert_eq!(rows[3], row("a", 1, 2, 2, 2, 10 * SEC, 40 * SEC));
    assert_eq!(rows.len(), 4);
    assert_eq!(op.open_groups(), 0);
}

#[test]
fn hop_with_size_not_a_multiple_of_slide() {
    let mut op = operator(WindowKind::Hop { size: 25 * SEC, slide: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(12 * SEC), "a", Some(1))]);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let windows: Vec<(i64, i64)> = rows_of(&out).iter().map(|r| (r.start, r.end)).collect();
    assert_eq!(windows, vec![(-10 * SEC, 15 * SEC), (0, 25 * SEC), (10 * SEC, 35 * SEC)]);
    assert_eq!(op.open_groups(), 0);
}

#[test]
fn cumulate_grows_windows_from_a_common_start() {
    let mut op = operator(WindowKind::Cumulate { step: 10 * SEC, max_size: 30 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(5 * SEC), "a", Some(1)), (Some(25 * SEC), "a", Some(2)), (Some(31 * SEC), "a", Some(4))]);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(
        rows_of(&out),
        vec![
            row("a", 1, 1, 1, 1, 0, 10 * SEC),
            row("a", 1, 1, 1, 1, 0, 20 * SEC),
            row("a", 2, 3, 1, 2, 0, 30 * SEC),
            row("a", 1, 4, 4, 4, 30 * SEC, 40 * SEC),
            row("a", 1, 4, 4, 4, 30 * SEC, 50 * SEC),
            row("a", 1, 4, 4, 4, 30 * SEC, 60 * SEC),
        ]
    );
    assert_eq!(op.open_groups(), 0);
}

#[test]
fn session_windows_merge_and_close_after_the_gap() {
    let mut op = operator(WindowKind::Session { gap: 10 * SEC }, None);
    let mut out = Output::default();
    feed(&mut op, &mut out, false, &[(Some(0), "a", Some(1)), (Some(30 * SEC), "a", Some(2)), (Some(5 * SEC), "b", Some(7))]);
    assert_eq!(op.open_windows(), 3);
    // 15 s bridges nothing yet: [15, 25) touches neither [0, 10) nor [30, 40)...
    feed(&mut op, &mut out, false, &[(Some(15 * SEC), "a", Some(3))]);
    assert_eq!(op.open_windows(), 4);
    // ...and 10 s touches [0, 10) and overlaps [15, 25): the three merge.
    feed(&mut op, &mut out, false, &[(Some(10 * SEC), "a", Some(4))]);
    assert_eq!(op.open_windows(), 3);
    op.on_watermark(25 * SEC, &mut out).unwrap();
    assert_eq!(
        rows_of(&out),
        vec![row("b", 1, 7, 7, 7, 5 * SEC, 15 * SEC), row("a", 3, 8, 1, 4, 0, 25 * SEC)]
    );
    // A row whose own session has fired and that merges with nothing is late.
    feed(&mut op, &mut out, false, &[(Some(2 * SEC), "a", Some(9))]);
    assert_eq!(op.late_rows_dropped(), 1);
    // One that merges into an open session is not.
    feed(&mut op, &mut out, false, &[(Some(21 * SEC), "a", Some(5))]);
    assert_eq!(op.late_rows_dropped(), 1);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(rows_of(&out)[2], row("a", 2, 7, 2, 5, 21 * SEC, 40 * SEC));
    assert_eq!(op.open_groups(), 0);
    assert_eq!(op.open_keys(), 0);
}

#[test]
fn ltz_windows_follow_the_session_time_zone() {
    let zone = SessionTimeZone::Fixed(8 * 3600);
    let hour = 3600 * SEC;
    let mut op = operator(WindowKind::Tumble { size: 24 * hour, offset: 0 }, Some(zone));
    let mut out = Output::default();
    // 1970-01-01 20:00 UTC is 1970-01-02 04:00 at +08:00: the day window [01-02, 01-03).
    feed(&mut op, &mut out, true, &[(Some(20 * hour), "a", Some(1))]);
    // That window ends at 01-03 00:00 local = 01-02 16:00 UTC.
    op.on_watermark(40 * hour - 1001, &mut out).unwrap();
    assert!(rows_of(&out).is_empty());
    op.on_watermark(40 * hour - 1000, &mut out).unwrap();
    let rows = rows_of(&out);
    assert_eq!((rows[0].start, rows[0].end, rows[0].time), (24 * hour, 48 * hour, 40 * hour - 1000));
    assert_eq!(out.batches().next().unwrap().data.schema().field(8).data_type(), &arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some("UTC".into())));
}

#[test]
fn updating_input_is_rejected() {
    let mut op = operator(WindowKind::Tumble { size: SEC, offset: 0 }, None);
    let b = batch(false, &[(Some(1), "a", Some(1))]);
    let b = sluice_connector_api::ChangeBatch::new(b.data, vec![sluice_types::RowKind::Delete]);
    let err = op.on_batch(0, b, &mut Output::default()).unwrap_err();
    assert!(err.to_string().contains("updating input is not supported"));
}

#[test]
fn extreme_timestamps_do_not_panic() {
    for window in [
        WindowKind::Tumble { size: 10 * SEC, offset: 0 },
        WindowKind::Hop { size: 30 * SEC, slide: 10 * SEC, offset: 0 },
        WindowKind::Hop { size: 25 * SEC, slide: 10 * SEC, offset: 0 },
        WindowKind::Cumulate { step: 10 * SEC, max_size: 30 * SEC, offset: 0 },
        WindowKind::Session { gap: 10 * SEC },
    ] {
        for zone in [None, Some(SessionTimeZone::Fixed(-8 * 3600)), Some(SessionTimeZone::Fixed(14 * 3600))] {
            let ltz = zone.is_some();
            let mut op = operator(window, zone);
            let mut out = Output::default();
            feed(&mut op, &mut out, ltz, &[(Some(i64::MAX), "a", Some(i64::MAX)), (Some(i64::MIN), "a", Some(i64::MAX)), (Some(0), "b", Some(1))]);
            op.on_watermark(i64::MIN, &mut out).unwrap();
            op.on_watermark(WATERMARK_END, &mut out).unwrap();
            op.on_end(&mut out).unwrap();
        }
    }
}

/// A watermark that fires many windows at once (here the end of input, over HOP windows
/// of 20,000 keys each) emits their rows in batches of at most 8,192 rows, not in one
/// batch of all of them; and every key of every window is there once.
#[test]
fn many_fired_windows_go_out_in_bounded_batches() {
    let mut op = operator(WindowKind::Hop { size: 30 * SEC, slide: 10 * SEC, offset: 0 }, None);
    let mut out = Output::default();
    let keys: Vec<String> = (0..20_000).map(|k| format!("k{k}")).collect();
    for t in [SEC, 11 * SEC] {
        let rows: Vec<(Option<i64>, &str, Option<i64>)> = keys.iter().map(|k| (Some(t), k.as_str(), Some(1))).collect();
        feed(&mut op, &mut out, false, &rows);
    }
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert!(out.batches().all(|b| b.num_rows() <= 8192));
    // The rows at 1 s are in 3 windows, those at 11 s in 3, two windows shared.
    let rows = rows_of(&out);
    assert_eq!(rows.len(), 4 * keys.len());
    assert_eq!(rows.iter().map(|r| r.count).sum::<i64>(), 6 * keys.len() as i64);
    assert_eq!(op.open_groups(), 0);
    assert_eq!(op.open_keys(), 0);
}

#[test]
fn hop_merges_slices_from_the_last_one_back_as_flink_does() {
    use std::sync::Arc;

    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    use arrow_array::{Float64Array, RecordBatch, TimestampMicrosecondArray};
    use arrow_schema::{DataType as ArrowType, Field, Schema, TimeUnit};
    use sluice_connector_api::ChangeBatch;
    use sluice_runtime::operators::WindowAggregateOperator;
    use sluice_runtime::spec::{AggregateCall, AggregateKind, WindowAggregateSpec, WindowTime};
    use sluice_types::{DataType, TypeKind};

    let ts = ArrowType::Timestamp(TimeUnit::Microsecond, None);
    let input = Arc::new(Schema::new(vec![Field::new("ts", ts.clone(), true), Field::new("v", ArrowType::Float64, true)]));
    let output = Arc::new(Schema::new(vec![
        Field::new("s", ArrowType::Float64, true),
        Field::new("window_start", ts.clone(), false),
        Field::new("window_end", ts.clone(), false),
        Field::new("window_time", ts, false),
    ]));
    let double = DataType::new(TypeKind::Double);
    let sum = AggregateCall {
        kind: AggregateKind::Sum,
        arg_type: Some(double.clone()),
        args: vec![1],
        distinct: false,
        filter: None,
        separator: None,
        output_type: double,
    };
    let spec = WindowAggregateSpec {
        window: WindowKind::Hop { size: 3 * SEC, slide: SEC, offset: 0 },
        time: WindowTime { column: 0, time_zone: None },
        keys: vec![],
        aggregates: vec![sum],
        two_phase: true,
        output_schema: output,
    };
    let mut op = WindowAggregateOperator::new(spec).unwrap();
    let mut out = Output::default();
    // One value per slice of the window [0, 3 s): 1, 1e16, -1e16. From the last slice
    // back, -1e16 + 1e16 + 1 = 1; from the first on, the 1 is lost in 1e16.
    let data = RecordBatch::try_new(
        input,
        vec![
            Arc::new(TimestampMicrosecondArray::from(vec![SEC / 2, 3 * SEC / 2, 5 * SEC / 2])),
            Arc::new(Float64Array::from(vec![1.0, 1e16, -1e16])),
        ],
    )
    .unwrap();
    op.on_batch(0, ChangeBatch::inserts(data), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let sums: Vec<(i64, f64)> = out
        .batches()
        .flat_map(|b| {
            let s = b.data.column(0).as_primitive::<Float64Type>().clone();
            let e = b.data.column(2).as_primitive::<arrow_array::types::TimestampMicrosecondType>().clone();
            (0..b.data.num_rows()).map(move |i| (e.value(i), s.value(i)))
        })
        .collect();
    assert!(sums.contains(&(3 * SEC, 1.0)), "{sums:?}");
}
