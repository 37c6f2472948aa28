use arrow_buffer::BooleanBufferBuilder;
use sluice_connector_api::state::{StateReader, StateWriter};

use crate::aggregate::{corrupt, AggregateError, AggregateSet, KeyTable, WindowClock};
use crate::operators::timers::EventTimers;

use super::output::FiredWindow;
use super::sliced::{Entries, RowsIn};

/// One open session of a key: `[start, end)` with `end` = last row time + gap.
#[derive(Clone, Copy, Debug)]
struct Session {
    start: i64,
    end: i64,
    group: u32,
}

/// SESSION state, as Flink's merging window set keeps it: each row opens the window
/// `[t, t + gap)`, which merges with every open session of its key that it overlaps
/// or touches. A row is late only when its merged window has already fired, which can
/// only happen when it merges with nothing.
pub(super) struct SessionWindows {
    gap: i64,
    /// Open sessions by key id.
    sessions: Vec<Vec<Session>>,
    /// `(end, key, start)` of every open session, in firing order.
    timers: EventTimers<(u32, i64)>,
    group_ids: Vec<u32>,
}

impl SessionWindows {
    pub fn new(gap: i64) -> Result<Self, AggregateError> {
        if gap <= 0 {
            return Err(AggregateError::Unsupported(format!("a session gap that is not positive ({gap} µs)")));
        }
        Ok(SessionWindows { gap, sessions: Vec::new(), timers: EventTimers::default(), group_ids: Vec::new() })
    }

    pub fn open_sessions(&self) -> usize {
        self.timers.len()
    }

    /// Accumulates the rows that are not late; returns how many were dropped.
    pub fn accumulate(
        &mut self,
        rows: &RowsIn<'_>,
        watermark: i64,
        clock: &WindowClock,
        keys: &mut KeyTable,
        aggregates: &mut AggregateSet,
    ) -> Result<u64, AggregateError> {
        let n = rows.times.len();
        self.group_ids.clear();
        self.group_ids.resize(n, 0);
        let mut selected = BooleanBufferBuilder::new(n);
        selected.append_n(n, true);
        let mut dropped = 0u64;
        let mut chunk_start = 0;
        if self.sessions.len() < keys.capacity() {
            self.sessions.resize_with(keys.capacity(), Vec::new);
        }
        for i in 0..n {
            let Some(t) = rows.times[i] else {
                selected.set_bit(i, false);
                dropped += 1;
                continue;
            };
            let key = rows.key_ids[i];
            let end = t.saturating_add(self.gap);
            let list = &mut self.sessions[key as usize];
            let overlapping: Vec<usize> =
                (0..list.len()).filter(|&j| list[j].start <= end && list[j].end >= t).collect();
            match overlapping[..] {
                [] => {
                    if clock.has_fired(end, watermark) {
                        selected.set_bit(i, false);
                        dropped += 1;
                        continue;
                    }
                    let group = aggregates.allocate();
                    keys.retain(key);
                    list.push(Session { start: t, end, group });
                    self.timers.set(end, (key, t));
                    self.group_ids[i] = group;
                }
                [j] => {
                    let s = &mut list[j];
                    let old = *s;
                    s.start = s.start.min(t);
                    s.end = s.end.max(end);
                    if (s.start, s.end) != (old.start, old.end) {
                        self.timers.cancel(old.end, (key, old.start));
                        self.timers.set(s.end, (key, s.start));
                    }
                    self.group_ids[i] = s.group;
                }
                _ => {
                    // Rows before this one may belong to groups about to be merged away:
                    // accumulate them first.
                    let done = selected.finish();
                    let chunk = rows.batch.slice(chunk_start, i - chunk_start);
                    aggregates.update(&chunk, &self.group_ids[chunk_start..i], Some(&done.slice(chunk_start, i - chunk_start)))?;
                    selected = BooleanBufferBuilder::new(n);
                    selected.append_buffer(&done);
                    chunk_start = i;

                    let mut merged: Vec<Session> = overlapping.iter().map(|&j| list[j]).collect();
                    merged.sort_by_key(|s| s.start);
                    for &j in overlapping.iter().rev() {
                        list.swap_remove(j);
                    }
                    let mut target = merged[0];
                    self.timers.cancel(target.end, (key, target.start));
                    for s in &merged[1..] {
                        self.timers.cancel(s.end, (key, s.start));
                        aggregates.merge(s.group, target.group);
                        aggregates.release(s.group);
                        keys.release(key);
                        target.end = target.end.max(s.end);
                    }
                    target.start = target.start.min(t);
                    target.end = target.end.max(end);
                    self.timers.set(target.end, (key, target.start));
                    list.push(target);
                    self.group_ids[i] = target.group;
                }
            }
        }
        let done = selected.finish();
        if chunk_start < n {
            let chunk = rows.batch.slice(chunk_start, n - chunk_start);
            let sel = done.slice(chunk_start, n - chunk_start);
            let sel = (sel.count_set_bits() < sel.len()).then_some(sel);
            aggregates.update(&chunk, &self.group_ids[chunk_start..], sel.as_ref())?;
        }
        Ok(dropped)
    }

    /// Writes the bounds of every open session; returns their `(key, group)` pairs, in
    /// the same order, for the caller to save.
    pub fn save(&self, out: &mut StateWriter) -> Entries {
        let mut bounds = Vec::with_capacity(self.timers.len() * 2);
        let mut entries = Vec::with_capacity(self.timers.len());
        for (key, list) in self.sessions.iter().enumerate() {
            for s in list {
                bounds.extend([s.start, s.end]);
                entries.push((key as u32, s.group));
            }
        }
        out.natives(&bounds);
        entries
    }

    /// Reads what `save` wrote; `entries` reads the pairs the caller saved after it.
    pub fn load(
        &mut self,
        input: &mut StateReader,
        entries: impl FnOnce(&mut StateReader) -> Result<Entries, AggregateError>,
    ) -> Result<(), AggregateError> {
        let bounds = input.natives::<i64>().map_err(AggregateError::State)?;
        let entries = entries(input)?;
        if bounds.len() != entries.len() * 2 {
            return Err(corrupt("sessions"));
        }
        for (b, &(key, group)) in bounds.chunks(2).zip(&entries) {
            if key == super::sliced::NOT_OWNED {
                continue;
            }
            let (start, end) = (b[0], b[1]);
            let k = key as usize;
            if self.sessions.len() <= k {
                self.sessions.resize_with(k + 1, Vec::new);
            }
            self.sessions[k].push(Session { start, end, group });
            self.timers.set(end, (key, start));
        }
        Ok(())
    }

    /// Fires the sessions whose end the watermark has reached, in end order.
    /// The end of the earliest session that has not fired.
    pub fn next_end(&self) -> Option<i64> {
        self.timers.next_time()
    }

    pub fn fire(&mut self, watermark: i64, clock: &WindowClock, fired: &mut Vec<FiredWindow>, release: &mut Vec<(Option<u32>, u32)>) {
        while let Some((end, (key, start))) = self.timers.pop_reached(|end| clock.has_fired(end, watermark)) {
            let list = &mut self.sessions[key as usize];
            if let Some(j) = list.iter().position(|s| s.start == start && s.end == end) {
                let s = list.swap_remove(j);
                fired.push(FiredWindow { key, group: s.group, start, end });
                release.push((Some(key), s.group));
            }
        }
    }
}
