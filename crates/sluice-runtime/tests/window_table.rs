//! The window table functions on their own: one output row per window a row is in.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::WindowTableOperator;
use sluice_runtime::spec::{WindowKind, WindowTableSpec, WindowTime};
use sluice_runtime::{Operator, Output};
use sluice_types::temporal::SessionTimeZone;

const MS: i64 = 1_000;

fn schemas(ltz: bool) -> (SchemaRef, SchemaRef) {
    let tz: Option<Arc<str>> = if ltz { Some("UTC".into()) } else { None };
    let ts = DataType::Timestamp(TimeUnit::Microsecond, tz.clone());
    let input = vec![Field::new("v", DataType::Int64, true), Field::new("ts", ts.clone(), true)];
    let mut output = input.clone();
    output.push(Field::new("window_start", DataType::Timestamp(TimeUnit::Microsecond, None), false));
    output.push(Field::new("window_end", DataType::Timestamp(TimeUnit::Microsecond, None), false));
    output.push(Field::new("window_time", ts, false));
    (Arc::new(Schema::new(input)), Arc::new(Schema::new(output)))
}

fn batch(schema: &SchemaRef, rows: &[(i64, Option<i64>)], ltz: bool) -> ChangeBatch {
    let v = Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
    let ts = TimestampMicrosecondArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let ts = if ltz { ts.with_timezone("UTC") } else { ts };
    ChangeBatch::inserts(RecordBatch::try_new(schema.clone(), vec![Arc::new(v), Arc::new(ts)]).unwrap())
}

/// (v, ts, window_start, window_end, window_time) of every output row.
fn rows(out: &Output) -> Vec<(i64, i64, i64, i64, i64)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let d = &b.data;
        let v = d.column(0).as_primitive::<Int64Type>();
        let col = |i: usize| d.column(i).as_primitive::<TimestampMicrosecondType>().clone();
        let (ts, s, e, t) = (col(1), col(2), col(3), col(4));
        for i in 0..d.num_rows() {
            res.push((v.value(i), ts.value(i), s.value(i), e.value(i), t.value(i)));
        }
    }
    res
}

fn operator(window: WindowKind, tz: Option<SessionTimeZone>) -> (WindowTableOperator, SchemaRef) {
    let (input, output) = schemas(tz.is_some());
    let spec = WindowTableSpec { window, time: WindowTime { column: 1, time_zone: tz }, output_schema: output };
    (WindowTableOperator::new(spec).unwrap(), input)
}

#[test]
fn tumble_appends_window_columns_and_drops_null_rowtimes() {
    let (mut op, schema) = operator(WindowKind::Tumble { size: 10 * MS, offset: 0 }, None);
    let mut out = Output::default();
    op.on_batch(0, batch(&schema, &[(1, Some(3 * MS)), (2, None), (3, Some(10 * MS))], false), &mut out).unwrap();
    assert_eq!(
        rows(&out),
        vec![(1, 3 * MS, 0, 10 * MS, 9 * MS), (3, 10 * MS, 10 * MS, 20 * MS, 19 * MS)]
    );
    assert_eq!(op.late_rows_dropped(), 1);
}

#[test]
fn rows_behind_the_watermark_are_kept() {
    let (mut op, schema) = operator(WindowKind::Tumble { size: 10 * MS, offset: 0 }, None);
    let mut out = Output::default();
    op.on_watermark(100 * MS, &mut out).unwrap();
    op.on_batch(0, batch(&schema, &[(1, Some(3 * MS))], false), &mut out).unwrap();
    assert_eq!(rows(&out).len(), 1);
    assert_eq!(op.late_rows_dropped(), 0);
}

#[test]
fn hop_and_cumulate_copy_rows() {
    let (mut op, schema) = operator(WindowKind::Hop { size: 10 * MS, slide: 5 * MS, offset: 0 }, None);
    let mut out = Output::default();
    op.on_batch(0, batch(&schema, &[(1, Some(7 * MS)), (2, Some(12 * MS))], false), &mut out).unwrap();
    let got: Vec<_> = rows(&out).iter().map(|r| (r.0, r.2 / MS, r.3 / MS)).collect();
    assert_eq!(got, vec![(1, 5, 15), (1, 0, 10), (2, 10, 20), (2, 5, 15)]);

    let (mut op, schema) = operator(WindowKind::Cumulate { step: 2 * MS, max_size: 6 * MS, offset: 0 }, None);
    let mut out = Output::default();
    op.on_batch(0, batch(&schema, &[(1, Some(7 * MS)), (2, Some(MS))], false), &mut out).unwrap();
    let got: Vec<_> = rows(&out).iter().map(|r| (r.0, r.2 / MS, r.3 / MS)).collect();
    assert_eq!(got, vec![(1, 6, 8), (1, 6, 10), (1, 6, 12), (2, 0, 2), (2, 0, 4), (2, 0, 6)]);
}

#[test]
fn time_zone_windows_are_on_the_wall_clock() {
    let hour = 3_600_000 * MS;
    let day = 24 * hour;
    let tz = SessionTimeZone::Fixed(8 * 3600);
    let (mut op, schema) = operator(WindowKind::Tumble { size: day, offset: 0 }, Some(tz));
    let mut out = Output::default();
    // 1970-01-02 20:00 UTC is 1970-01-03 04:00 at +08:00.
    op.on_batch(0, batch(&schema, &[(1, Some(day + 20 * hour))], true), &mut out).unwrap();
    let r = rows(&out)[0];
    assert_eq!((r.2, r.3), (2 * day, 3 * day));
    // window_time is the instant of the local window end, minus 1 ms.
    assert_eq!(r.4, 3 * day - 8 * hour - MS);
    let b = out.batches().next().unwrap();
    assert_eq!(b.data.column(4).data_type(), &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())));
}

#[test]
fn updating_input_is_rejected() {
    let (mut op, schema) = operator(WindowKind::Tumble { size: 10 * MS, offset: 0 }, None);
    let b = batch(&schema, &[(1, Some(1))], false);
    let b = ChangeBatch::new(b.data, vec![sluice_types::RowKind::Delete]);
    let err = op.on_batch(0, b, &mut Output::default()).unwrap_err();
    assert!(err.to_string().contains("does not support updating input"));
}

proptest! {
    #[test]
    fn matches_brute_force(
        ts in prop::collection::vec(-50i64..200, 0..40),
        size in 1i64..20,
        slide in 1i64..8,
        offset in -5i64..5,
        kind in 0u8..3,
    ) {
        let window = match kind {
            0 => WindowKind::Tumble { size, offset },
            1 => WindowKind::Hop { size, slide, offset },
            _ => WindowKind::Cumulate { step: slide, max_size: slide * (1 + size % 4), offset },
        };
        let (mut op, schema) = operator(window, None);
        let input: Vec<_> = ts.iter().enumerate().map(|(i, t)| (i as i64, Some(*t))).collect();
        let mut out = Output::default();
        op.on_batch(0, batch(&schema, &input, false), &mut out).unwrap();
        let mut got: Vec<_> = rows(&out).iter().map(|r| (r.0, r.2, r.3)).collect();
        got.sort();
        let mut want = Vec::new();
        for (i, t) in ts.iter().enumerate() {
            // Every candidate window [s, e) of the shape that contains t.
            for s in (t - 100)..=*t {
                let ends: Vec<i64> = match window {
                    WindowKind::Tumble { size, offset } if (s - offset).rem_euclid(size) == 0 => vec![s + size],
                    WindowKind::Hop { size, slide, offset } if (s - offset).rem_euclid(slide) == 0 => vec![s + size],
                    WindowKind::Cumulate { step, max_size, offset } if (s - offset).rem_euclid(max_size) == 0 => {
                        (1..=max_size / step).map(|k| s + k * step).collect()
                    }
                    _ => vec![],
                };
                for e in ends {
                    if *t < e {
                        want.push((i as i64, s, e));
                    }
                }
            }
        }
        want.sort();
        prop_assert_eq!(got, want);
    }
}
