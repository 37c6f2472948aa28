//! Property tests: on random out-of-order rows interleaved with random watermarks, the
//! operator's rows equal those of a plain reference that assigns each row to windows
//! one by one, also when the run is cut at a random event: the state is saved as a
//! checkpoint would save it and restored into a fresh operator that finishes the run.

#[path = "window_aggregate_common.rs"]
mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use sluice_runtime::spec::WindowKind;
use sluice_runtime::operators::WindowAggregateOperator;
use sluice_runtime::{Operator, Output, WATERMARK_END};

#[derive(Clone, Debug)]
enum Event {
    Rows(Vec<(i64, u8, Option<i64>)>),
    /// Advance the watermark by this much.
    Watermark(i64),
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    let row = (0i64..60_000_000, 0u8..3, prop::option::weighted(0.8, -50i64..50));
    let event = prop_oneof![
        3 => prop::collection::vec(row, 0..6).prop_map(Event::Rows),
        1 => (0i64..15_000_000).prop_map(Event::Watermark),
    ];
    prop::collection::vec(event, 0..30)
}

/// The windows `[start, end)` holding `t`, by their definition.
fn windows_of(window: WindowKind, t: i64) -> Vec<(i64, i64)> {
    let floor = |t: i64, size: i64| t - (t.rem_euclid(size));
    match window {
        WindowKind::Tumble { size, .. } => vec![(floor(t, size), floor(t, size) + size)],
        WindowKind::Hop { size, slide, .. } => {
            let mut out = Vec::new();
            let mut s = floor(t, slide);
            while s + size > t {
                out.push((s, s + size));
                s -= slide;
            }
            out
        }
        WindowKind::Cumulate { step, max_size, .. } => {
            let start = floor(t, max_size);
            (1..=max_size / step).map(|k| (start, start + k * step)).filter(|w| w.1 > t).collect()
        }
        WindowKind::Session { .. } => unreachable!(),
    }
}

type Acc = BTreeMap<(i64, i64, u8), Vec<Option<i64>>>;

fn to_rows(windows: &Acc) -> Vec<OutRow> {
    windows
        .iter()
        .map(|(&(start, end, key), values)| {
            let present: Vec<i64> = values.iter().flatten().copied().collect();
            let sum = (!present.is_empty()).then(|| present.iter().sum::<i64>());
            OutRow {
                key: Some(format!("k{key}")),
                count: values.len() as i64,
                sum,
                min: present.iter().min().copied(),
                max: present.iter().max().copied(),
                avg: sum.map(|s| s / present.len() as i64),
                start,
                end,
                time: end - 1000,
            }
        })
        .collect()
}

/// Reference for TUMBLE, HOP and CUMULATE: (rows, late count).
fn reference_sliced(window: WindowKind, events: &[Event]) -> (Vec<OutRow>, u64) {
    let mut wm = i64::MIN;
    let mut acc: Acc = BTreeMap::new();
    let mut late = 0;
    let mut current = 0;
    for e in events {
        match e {
            Event::Watermark(d) => {
                current += d;
                wm = wm.max(current);
            }
            Event::Rows(rows) => {
                for &(t, k, v) in rows {
                    let open: Vec<(i64, i64)> = windows_of(window, t).into_iter().filter(|w| w.1 - 1000 > wm).collect();
                    if open.is_empty() {
                        late += 1;
                    }
                    for (s, e) in open {
                        acc.entry((s, e, k)).or_default().push(v);
                    }
                }
            }
        }
    }
    (to_rows(&acc), late)
}

/// Reference for SESSION: sessions per key merged whenever windows `[t, t + gap]`
/// touch; fired at each watermark.
fn reference_session(gap: i64, events: &[Event]) -> (Vec<OutRow>, u64) {
    let mut wm = i64::MIN;
    let mut open: Vec<(u8, i64, i64, Vec<Option<i64>>)> = Vec::new();
    let mut done: Acc = BTreeMap::new();
    let mut late = 0;
    let mut current = 0;
    let fire = |open: &mut Vec<(u8, i64, i64, Vec<Option<i64>>)>, done: &mut Acc, wm: i64| {
        open.retain(|(k, s, e, vs)| {
            if e - 1000 <= wm {
                done.insert((*s, *e, *k), vs.clone());
                false
            } else {
                true
            }
        });
    };
    for e in events {
        match e {
            Event::Watermark(d) => {
                current += d;
                wm = wm.max(current);
                fire(&mut open, &mut done, wm);
            }
            Event::Rows(rows) => {
                for &(t, k, v) in rows {
                    let (mut s, mut e, mut vs) = (t, t + gap, vec![v]);
                    let before = open.len();
                    open.retain(|(k2, s2, e2, vs2)| {
                        if *k2 == k && *s2 <= e && *e2 >= s {
                            s = s.min(*s2);
                            e = e.max(*e2);
                            vs.extend(vs2.iter().copied());
                            false
                        } else {
                            true
                        }
                    });
                    if open.len() == before && e - 1000 <= wm {
                        late += 1;
                        continue;
                    }
                    open.push((k, s, e, vs));
                }
            }
        }
    }
    fire(&mut open, &mut done, i64::MAX);
    (to_rows(&done), late)
}

fn run(window: WindowKind, two_phase: bool, events: &[Event], cut: Option<usize>) -> (Vec<OutRow>, u64) {
    let make = || {
        if !two_phase {
            return operator(window, None);
        }
        let mut spec = spec(window, None);
        spec.two_phase = true;
        WindowAggregateOperator::new(spec).unwrap()
    };
    let mut op = make();
    let mut out = Output::default();
    let mut current = 0;
    let mut emitted = 0;
    for (i, e) in events.iter().enumerate() {
        if cut == Some(i) {
            let state = op.snapshot().unwrap().unwrap();
            op = make();
            op.restore(&state).unwrap();
        }
        match e {
            Event::Rows(rows) => {
                let keys: Vec<String> = rows.iter().map(|r| format!("k{}", r.1)).collect();
                let rows: Vec<(Option<i64>, &str, Option<i64>)> =
                    rows.iter().zip(&keys).map(|(r, k)| (Some(r.0), k.as_str(), r.2)).collect();
                feed(&mut op, &mut out, false, &rows);
            }
            Event::Watermark(d) => {
                current += d;
                op.on_watermark(current, &mut out).unwrap();
                let rows = rows_of(&out);
                for r in &rows[emitted..] {
                    assert!(r.time <= current, "window {r:?} fired early at {current}");
                }
                assert!(rows[emitted..].windows(2).all(|w| w[0].end <= w[1].end), "windows out of end order");
                emitted = rows.len();
            }
        }
    }
    op.on_watermark(WATERMARK_END, &mut out).unwrap();
    op.on_end(&mut out).unwrap();
    assert_eq!(op.open_groups(), 0);
    assert_eq!(op.open_keys(), 0);
    let mut rows = rows_of(&out);
    rows.sort_by_key(|r| (r.start, r.end, r.key.clone()));
    (rows, op.late_rows_dropped())
}

fn check(window: WindowKind, events: &[Event], cut: prop::sample::Index) {
    let expected = match window {
        WindowKind::Session { gap } => reference_session(gap, events),
        _ => reference_sliced(window, events),
    };
    let (mut expected_rows, expected_late) = expected;
    expected_rows.sort_by_key(|r| (r.start, r.end, r.key.clone()));
    let cut = (!events.is_empty()).then(|| cut.index(events.len()));
    let two_phase = !matches!(window, WindowKind::Session { .. });
    for (two_phase, cut) in [(false, None), (false, cut), (two_phase, cut)] {
        let actual = run(window, two_phase, events, cut);
        assert_eq!(actual.0, expected_rows, "two_phase {two_phase}, cut at {cut:?}");
        assert_eq!(actual.1, expected_late, "two_phase {two_phase}, cut at {cut:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tumble_matches_reference(events in events(), cut in any::<prop::sample::Index>()) {
        check(WindowKind::Tumble { size: 10 * SEC, offset: 0 }, &events, cut);
    }

    #[test]
    fn hop_matches_reference(events in events(), cut in any::<prop::sample::Index>()) {
        check(WindowKind::Hop { size: 15 * SEC, slide: 5 * SEC, offset: 0 }, &events, cut);
    }

    #[test]
    fn unshared_hop_matches_reference(events in events(), cut in any::<prop::sample::Index>()) {
        check(WindowKind::Hop { size: 12 * SEC, slide: 5 * SEC, offset: 0 }, &events, cut);
    }

    #[test]
    fn cumulate_matches_reference(events in events(), cut in any::<prop::sample::Index>()) {
        check(WindowKind::Cumulate { step: 5 * SEC, max_size: 20 * SEC, offset: 0 }, &events, cut);
    }

    #[test]
    fn session_matches_reference(events in events(), cut in any::<prop::sample::Index>()) {
        check(WindowKind::Session { gap: 4 * SEC }, &events, cut);
    }
}
