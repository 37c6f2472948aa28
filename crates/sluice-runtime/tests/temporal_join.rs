//! Event-time temporal joins (`FOR SYSTEM_TIME AS OF o.rowtime`): each order meets the
//! rate valid at its time once the watermark passes it, deletes end a key's validity,
//! LEFT pads, the residual condition, late orders, and cleanup of old versions.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use proptest::prelude::*;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{resolve_call, EvalContext, ScalarExpr};
use sluice_runtime::operators::{TemporalJoinOperator, TemporalJoinSpec};
use sluice_runtime::{Operator, Output, WATERMARK_END};
use sluice_types::RowKind;

const I: RowKind = RowKind::Insert;
const UB: RowKind = RowKind::UpdateBefore;
const UA: RowKind = RowKind::UpdateAfter;
const D: RowKind = RowKind::Delete;

/// Both sides: key (currency), id (order id or rate), rowtime.
fn schema(prefix: &str) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(format!("{prefix}k"), DataType::Int64, true),
        Field::new(format!("{prefix}v"), DataType::Int64, false),
        Field::new(format!("{prefix}ts"), DataType::Timestamp(TimeUnit::Microsecond, None), true),
    ]))
}

fn operator(left: bool, residual: Option<ScalarExpr>) -> TemporalJoinOperator {
    let (l, r) = (schema("l"), schema("r"));
    let fields: Vec<Field> =
        l.fields().iter().chain(r.fields().iter()).map(|f| f.as_ref().clone().with_nullable(true)).collect();
    TemporalJoinOperator::new(TemporalJoinSpec {
        left_keys: vec![0],
        right_keys: vec![0],
        left_time: 2,
        right_time: 2,
        left,
        residual,
        left_schema: l,
        right_schema: r,
        output_schema: Arc::new(Schema::new(fields)),
        ctx: EvalContext::default(),
    })
    .unwrap()
}

/// `order.id < rate.rate` over the concatenated row.
fn id_below_rate() -> ScalarExpr {
    let col = |index| ScalarExpr::Column { index, data_type: sluice_types::DataType::bigint() };
    resolve_call("<", vec![col(1), col(4)]).unwrap()
}

fn batch(prefix: &str, rows: &[(RowKind, Option<i64>, i64, Option<i64>)]) -> ChangeBatch {
    let data = RecordBatch::try_new(
        schema(prefix),
        vec![
            Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
            Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
        ],
    )
    .unwrap();
    ChangeBatch::new(data, rows.iter().map(|r| r.0).collect())
}

/// Orders: (currency, order id, time).
fn orders(rows: &[(i64, i64, i64)]) -> ChangeBatch {
    let rows: Vec<_> = rows.iter().map(|(k, id, ts)| (I, Some(*k), *id, Some(*ts))).collect();
    batch("l", &rows)
}

/// Rates: (kind, currency, rate, time).
fn rates(rows: &[(RowKind, i64, i64, i64)]) -> ChangeBatch {
    let rows: Vec<_> = rows.iter().map(|(kind, k, rate, ts)| (*kind, Some(*k), *rate, Some(*ts))).collect();
    batch("r", &rows)
}

/// (order id, rate) of each output row in order, `None` where padded; all must be `+I`.
fn output(out: &Output) -> Vec<(i64, Option<i64>)> {
    let mut res = Vec::new();
    for b in out.batches() {
        let l = b.data.column(1).as_primitive::<Int64Type>();
        let r = b.data.column(4).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            assert_eq!(b.kind(i), RowKind::Insert);
            res.push((l.value(i), r.is_valid(i).then(|| r.value(i))));
        }
    }
    res
}

#[test]
fn orders_meet_the_rate_valid_at_their_time() {
    let mut op = operator(false, None);
    let mut out = Output::default();
    op.on_batch(1, rates(&[(I, 1, 114, 10), (I, 2, 200, 10)]), &mut out).unwrap();
    op.on_batch(1, rates(&[(UB, 1, 114, 50), (UA, 1, 116, 50)]), &mut out).unwrap();
    op.on_batch(0, orders(&[(1, 1, 5), (1, 2, 10), (1, 3, 49), (1, 4, 50), (2, 5, 60), (1, 6, 70)]), &mut out).unwrap();
    assert!(output(&out).is_empty(), "orders wait for the watermark");
    op.on_watermark(55, &mut out).unwrap();
    assert_eq!(output(&out), vec![(2, Some(114)), (3, Some(114)), (4, Some(116))], "order 1 is before any rate");
    assert_eq!(out.watermark(), Some(55));
    // A rate update after the orders arrived but before the watermark passed them counts.
    op.on_batch(1, rates(&[(UA, 1, 118, 65)]), &mut out).unwrap();
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    assert_eq!(output(&out)[3..], [(5, Some(200)), (6, Some(118))]);
    op.on_end(&mut out).unwrap();
    assert_eq!(op.state_rows().0, 0, "no order is left waiting");
}

#[test]
fn a_delete_ends_the_version_and_left_join_pads() {
    for left in [false, true] {
        let mut op = operator(left, None);
        let mut out = Output::default();
        op.on_batch(1, rates(&[(I, 1, 114, 10), (D, 1, 114, 20), (I, 1, 120, 30)]), &mut out).unwrap();
        op.on_batch(0, orders(&[(1, 1, 15), (1, 2, 20), (1, 3, 25), (1, 4, 30), (9, 5, 30), (1, 6, 5)]), &mut out).unwrap();
        op.on_watermark(100, &mut out).unwrap();
        let expected = if left {
            vec![(1, Some(114)), (2, None), (3, None), (4, Some(120)), (6, None), (5, None)]
        } else {
            vec![(1, Some(114)), (4, Some(120))]
        };
        assert_eq!(output(&out), expected, "left = {left}");
    }
}

#[test]
fn an_update_before_at_the_time_of_its_update_after_is_replaced() {
    let mut op = operator(true, None);
    let mut out = Output::default();
    op.on_batch(1, rates(&[(I, 1, 100, 10), (UB, 1, 100, 20), (UA, 1, 110, 20), (UB, 1, 110, 30)]), &mut out).unwrap();
    op.on_batch(0, orders(&[(1, 1, 25), (1, 2, 35)]), &mut out).unwrap();
    op.on_watermark(40, &mut out).unwrap();
    // A `-U` left alone is a retraction version, as a `-D` is.
    assert_eq!(output(&out), vec![(1, Some(110)), (2, None)]);
}

#[test]
fn the_residual_condition_is_checked_on_the_version_found() {
    for left in [false, true] {
        let mut op = operator(left, Some(id_below_rate()));
        let mut out = Output::default();
        op.on_batch(1, rates(&[(I, 1, 5, 10), (UA, 1, 50, 20)]), &mut out).unwrap();
        // Order 7 at time 15 meets rate 5 and fails `7 < 5`; an older or newer rate does
        // not stand in for it.
        op.on_batch(0, orders(&[(1, 7, 15), (1, 8, 25), (1, 3, 12)]), &mut out).unwrap();
        op.on_watermark(30, &mut out).unwrap();
        let expected =
            if left { vec![(7, None), (8, Some(50)), (3, Some(5))] } else { vec![(8, Some(50)), (3, Some(5))] };
        assert_eq!(output(&out), expected, "left = {left}");
    }
}

#[test]
fn orders_of_a_key_come_out_in_arrival_order() {
    let mut op = operator(false, None);
    let mut out = Output::default();
    op.on_batch(1, rates(&[(I, 1, 100, 0), (UA, 1, 101, 4)]), &mut out).unwrap();
    op.on_batch(0, orders(&[(1, 1, 7), (1, 2, 3)]), &mut out).unwrap();
    op.on_batch(0, orders(&[(1, 3, 5), (1, 4, 12)]), &mut out).unwrap();
    op.on_watermark(10, &mut out).unwrap();
    assert_eq!(output(&out), vec![(1, Some(101)), (2, Some(100)), (3, Some(101))]);
    assert_eq!(op.state_rows().0, 1, "order 4 waits");
}

#[test]
fn versions_older_than_the_watermark_are_dropped_but_the_current_one_is_kept() {
    let mut op = operator(false, None);
    let mut out = Output::default();
    let history: Vec<_> = (0..10).map(|i| (UA, 1, 100 + i, i * 10)).collect();
    op.on_batch(1, rates(&history), &mut out).unwrap();
    op.on_batch(1, rates(&[(I, 2, 7, 5)]), &mut out).unwrap();
    assert_eq!(op.state_rows(), (0, 11));
    op.on_watermark(45, &mut out).unwrap();
    // Key 1 keeps 40 (current at 45) and 50..90; key 2 keeps its only version.
    assert_eq!(op.state_rows(), (0, 6 + 1));
    // Key 1 has no timer left: its versions go when its next row comes.
    op.on_watermark(95, &mut out).unwrap();
    assert_eq!(op.state_rows(), (0, 7));
    op.on_batch(0, orders(&[(1, 1, 96)]), &mut out).unwrap();
    op.on_watermark(100, &mut out).unwrap();
    assert_eq!(output(&out), vec![(1, Some(109))]);
    assert_eq!(op.state_rows(), (0, 2));
    assert_eq!(op.held_batches(), (0, 2));
}

#[test]
fn late_orders_are_joined_at_the_next_watermark_with_the_versions_left() {
    let mut op = operator(true, None);
    let mut out = Output::default();
    op.on_batch(1, rates(&[(I, 1, 100, 10), (UA, 1, 101, 20)]), &mut out).unwrap();
    op.on_watermark(30, &mut out).unwrap();
    assert_eq!(op.state_rows(), (0, 1), "the version at 10 is gone");
    op.on_batch(0, orders(&[(1, 1, 15), (1, 2, 25)]), &mut out).unwrap();
    assert!(output(&out).is_empty(), "late orders wait for the next watermark too");
    op.on_watermark(31, &mut out).unwrap();
    assert_eq!(output(&out), vec![(1, None), (2, Some(101))]);
    assert_eq!(op.late_rows_dropped(), 0);
}

#[test]
fn null_keys_compare_as_values_and_a_null_order_time_meets_nothing() {
    let mut op = operator(true, None);
    let mut out = Output::default();
    op.on_batch(1, batch("r", &[(I, None, 100, Some(1)), (I, Some(1), 200, None)]), &mut out).unwrap();
    op.on_batch(0, batch("l", &[(I, None, 1, Some(5)), (I, Some(1), 2, None), (I, Some(1), 3, Some(5))]), &mut out)
        .unwrap();
    assert_eq!(output(&out), vec![(2, None)], "a probe row without a time is padded at once");
    op.on_watermark(10, &mut out).unwrap();
    assert_eq!(output(&out)[1..], [(1, Some(100)), (3, None)]);
}

#[test]
fn the_watermark_follows_the_rows_it_releases() {
    let mut op = operator(false, None);
    let mut out = Output::default();
    op.on_batch(1, rates(&[(I, 1, 100, 0)]), &mut out).unwrap();
    op.on_batch(0, orders(&[(1, 1, 5)]), &mut out).unwrap();
    op.on_watermark(4, &mut out).unwrap();
    assert!(output(&out).is_empty());
    assert_eq!(out.watermark(), Some(4));
    op.on_watermark(5, &mut out).unwrap();
    assert_eq!(output(&out), vec![(1, Some(100))]);
    assert_eq!(out.watermark(), Some(5));
}

#[derive(Clone, Debug)]
enum Event {
    /// (key, time): an order; its id is its position among the orders.
    Order(i64, i64),
    /// (key, time, delete): a version; its rate is its position among the versions.
    Version(i64, i64, bool),
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let event = prop_oneof![
        4 => (0..3i64, 0..40i64).prop_map(|(k, t)| Event::Order(k, t)),
        4 => (0..3i64, 0..40i64, prop::bool::weighted(0.2)).prop_map(|(k, t, d)| Event::Version(k, t, d)),
        1 => (0..40i64).prop_map(Event::Watermark),
    ];
    prop::collection::vec(event, 0..60)
}

proptest! {
    /// Every order that is not behind the watermark when it arrives meets exactly the
    /// version a look at the full history finds: the latest at or before its time (the
    /// last to arrive among equal times), unless that one is a delete.
    #[test]
    fn matches_the_version_valid_in_the_full_history(
        events in events(),
        left in any::<bool>(),
        residual in any::<bool>(),
        restart in any::<prop::sample::Index>(),
    ) {
        let mut op = operator(left, residual.then(id_below_rate));
        // A checkpoint restored into a fresh operator at a random event changes nothing.
        let restart = restart.index(events.len().max(1));
        let mut out = Output::default();
        let mut watermark = i64::MIN;
        let mut history: Vec<(i64, i64, bool, i64)> = Vec::new();
        let mut orders_seen: Vec<(i64, i64, i64)> = Vec::new();
        for (n, e) in events.iter().enumerate() {
            if n == restart {
                let state = op.snapshot().unwrap().unwrap();
                op = operator(left, residual.then(id_below_rate));
                op.restore(&state).unwrap();
            }
            match *e {
                Event::Order(k, t) if t > watermark => {
                    let id = orders_seen.len() as i64;
                    orders_seen.push((k, t, id));
                    op.on_batch(0, orders(&[(k, id, t)]), &mut out).unwrap();
                }
                Event::Version(k, t, delete) if t > watermark => {
                    let rate = history.len() as i64;
                    history.push((k, t, delete, rate));
                    op.on_batch(1, rates(&[(if delete { D } else { UA }, k, rate, t)]), &mut out).unwrap();
                }
                Event::Watermark(w) if w > watermark => {
                    watermark = w;
                    op.on_watermark(w, &mut out).unwrap();
                    let (waiting, _) = op.state_rows();
                    prop_assert_eq!(waiting, orders_seen.iter().filter(|o| o.1 > w).count());
                }
                _ => {}
            }
        }
        op.on_watermark(WATERMARK_END, &mut out).unwrap();
        op.on_end(&mut out).unwrap();

        let mut expected = Vec::new();
        for &(k, t, id) in &orders_seen {
            // `max_by_key` keeps the last of equal times: the last to arrive.
            let version = history.iter().filter(|v| v.0 == k && v.1 <= t).max_by_key(|v| v.1);
            let rate = version.filter(|v| !v.2).map(|v| v.3).filter(|rate| !residual || id < *rate);
            if rate.is_some() || left {
                expected.push((id, rate));
            }
        }
        let mut got = output(&out);
        got.sort();
        prop_assert_eq!(got, expected);
        let (waiting, versions) = op.state_rows();
        prop_assert_eq!(waiting, 0);
        let (left_batches, right_batches) = op.held_batches();
        prop_assert_eq!(left_batches, 0, "no probe batch outlives its rows");
        prop_assert!(right_batches <= versions, "no version batch outlives its rows");
    }
}
