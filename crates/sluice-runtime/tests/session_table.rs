//! The SESSION window TVF on its own: rows come out with their merged session's bounds
//! once the session fires; rows of a fired session are late.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_runtime::operators::SessionTableOperator;
use sluice_runtime::spec::{SessionTableSpec, WindowTime};
use sluice_runtime::{Operator, Output, WATERMARK_END};

const MS: i64 = 1000;
const GAP: i64 = 3 * MS;

fn input() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
    Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true), Field::new("id", DataType::Int64, false), Field::new("ts", ts, true)]))
}

fn operator(partitioned: bool) -> SessionTableOperator {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
    let mut fields: Vec<Field> = input().fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.extend(["window_start", "window_end", "window_time"].map(|n| Field::new(n, ts.clone(), true)));
    SessionTableOperator::new(SessionTableSpec {
        gap: GAP,
        time: WindowTime { column: 2, time_zone: None },
        partition_keys: if partitioned { vec![0] } else { vec![] },
        input_schema: input(),
        output_schema: Arc::new(Schema::new(fields)),
    })
    .unwrap()
}

/// Rows of (key, id, time).
fn batch(rows: &[(Option<i64>, i64, Option<i64>)]) -> ChangeBatch {
    let data = RecordBatch::try_new(
        input(),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    ChangeBatch::inserts(data)
}

/// (id, window_start, window_end, window_time) of each output row, sorted.
fn output(out: &Output) -> Vec<(i64, i64, i64, i64)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let id = b.data.column(1).as_primitive::<Int64Type>();
        let col = |c: usize| b.data.column(c).as_primitive::<TimestampMicrosecondType>().clone();
        let (s, e, t) = (col(3), col(4), col(5));
        for i in 0..b.data.num_rows() {
            res.push((id.value(i), s.value(i), e.value(i), t.value(i)));
        }
    }
    res.sort();
    res
}

#[test]
fn rows_come_out_with_their_merged_session_when_it_fires() {
    let mut op = operator(true);
    let mut out = Output::default();
    op.on_batch(0, batch(&[(Some(1), 1, Some(10 * MS)), (Some(1), 2, Some(16 * MS)), (Some(2), 3, Some(11 * MS))]), &mut out).unwrap();
    // Touching [10, 13) and [13, 16): one session.
    op.on_batch(0, batch(&[(Some(1), 4, Some(13 * MS))]), &mut out).unwrap();
    op.on_watermark(14 * MS - MS, &mut out).unwrap();
    assert_eq!(output(&out), vec![(3, 11 * MS, 14 * MS, 13 * MS)]);
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    let session = |id| (id, 10 * MS, 19 * MS, 18 * MS);
    assert_eq!(output(&out), vec![session(1), session(2), (3, 11 * MS, 14 * MS, 13 * MS), session(4)]);
    assert_eq!(op.held_rows(), 0);
}

#[test]
fn a_row_whose_own_session_has_fired_is_late() {
    let mut op = operator(false);
    let mut out = Output::default();
    op.on_watermark(20 * MS, &mut out).unwrap();
    op.on_batch(0, batch(&[(None, 1, Some(17 * MS)), (None, 2, Some(19 * MS)), (None, 3, None)]), &mut out).unwrap();
    assert_eq!(op.late_rows_dropped(), 2, "the first and the row without a time");
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out), vec![(2, 19 * MS, 22 * MS, 21 * MS)]);
}

#[derive(Clone, Debug)]
enum Event {
    /// Rows of (key, time ahead of the watermark in ms).
    Rows(Vec<(Option<i64>, i64)>),
    Watermark(i64),
}

proptest! {
    #[test]
    fn matches_sessions_of_the_sorted_rows(
        events in prop::collection::vec(prop_oneof![
            3 => prop::collection::vec((prop::option::weighted(0.9, 0i64..3), 2i64..12), 1..5).prop_map(Event::Rows),
            1 => (0i64..8).prop_map(Event::Watermark),
        ], 0..30),
        partitioned in any::<bool>(),
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(partitioned);
        let restart = restart.index(events.len().max(1));
        let mut out = Output::default();
        let mut rows: Vec<(Option<i64>, i64, i64)> = Vec::new();
        let mut wm = 0i64;
        op.on_watermark(wm, &mut out).unwrap();
        for (n, e) in events.into_iter().enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(partitioned);
                op.restore(&state).unwrap();
            }
            match e {
                Event::Rows(new) => {
                    // At least 2 ms ahead of the watermark: never late, never touching a
                    // fired session.
                    let new: Vec<(Option<i64>, i64, Option<i64>)> = new
                        .into_iter()
                        .enumerate()
                        .map(|(i, (k, ahead))| (k, (rows.len() + i) as i64, Some(wm + ahead * MS)))
                        .collect();
                    rows.extend(new.iter().map(|(k, id, t)| (*k, *id, t.unwrap_or(0))));
                    op.on_batch(0, batch(&new), &mut out).unwrap();
                }
                Event::Watermark(d) => {
                    wm += d * MS;
                    op.on_watermark(wm, &mut out).unwrap();
                }
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        prop_assert_eq!(op.held_rows(), 0);
        let mut want = Vec::new();
        let mut keys: Vec<Option<i64>> = rows.iter().map(|r| if partitioned { r.0 } else { None }).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let mut mine: Vec<(i64, i64)> =
                rows.iter().filter(|r| !partitioned || r.0 == key).map(|r| (r.2, r.1)).collect();
            mine.sort();
            let mut i = 0;
            while i < mine.len() {
                let (start, mut end, mut j) = (mine[i].0, mine[i].0 + GAP, i + 1);
                while j < mine.len() && mine[j].0 <= end {
                    end = end.max(mine[j].0 + GAP);
                    j += 1;
                }
                want.extend(mine[i..j].iter().map(|(_, id)| (*id, start, end, end - MS)));
                i = j;
            }
        }
        want.sort();
        prop_assert_eq!(output(&out), want);
    }
}
