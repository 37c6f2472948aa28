use std::collections::{BTreeMap, BTreeSet};

use arrow_array::RecordBatch;
use arrow_buffer::BooleanBufferBuilder;
use sluice_connector_api::state::{StateReader, StateWriter};

use crate::aggregate::{corrupt, AggregateError, AggregateSet, KeyTable, PaneAssigner, WindowClock};
use crate::hash::KeyMap;

use super::output::FiredWindow;

const NO_GROUP: u32 = u32::MAX;

/// A pane's group id by key id. A vector indexed by key id is the fastest, but it is as
/// long as the operator's key table, and HOP keeps dozens of panes open at once, most of
/// them holding a small share of the keys: sized to all keys, their indexes cost more than
/// the state itself. So a pane starts with a map of the keys it holds, and turns to a
/// vector once it holds at least 1/16 of the key table (a vector then costs at most 16
/// slots per key held).
enum GroupIndex {
    Sparse(KeyMap<u32, u32>),
    Dense(Vec<u32>),
}

impl Default for GroupIndex {
    fn default() -> Self {
        GroupIndex::Sparse(KeyMap::default())
    }
}

impl GroupIndex {
    /// The key's group, or `NO_GROUP`.
    #[inline]
    fn get(&self, key: u32) -> u32 {
        match self {
            GroupIndex::Dense(v) => v.get(key as usize).copied().unwrap_or(NO_GROUP),
            GroupIndex::Sparse(m) => m.get(&key).copied().unwrap_or(NO_GROUP),
        }
    }

    /// Sets the key's group; `held` is how many keys the pane holds, `capacity` the
    /// length of the key table.
    fn set(&mut self, key: u32, group: u32, held: usize, capacity: usize) {
        let k = key as usize;
        if let GroupIndex::Sparse(m) = self {
            if held.saturating_mul(16) < capacity {
                m.insert(key, group);
                return;
            }
            let longest = m.keys().map(|&key| key as usize + 1).max().unwrap_or(0);
            let mut dense = vec![NO_GROUP; capacity.max(k + 1).max(longest)];
            for (&key, &group) in m.iter() {
                if let Some(slot) = dense.get_mut(key as usize) {
                    *slot = group;
                }
            }
            *self = GroupIndex::Dense(dense);
        }
        if let GroupIndex::Dense(v) = self {
            if v.len() <= k {
                v.resize(capacity.max(k + 1), NO_GROUP);
            }
            v[k] = group;
        }
    }

    fn clear(&mut self, key: u32) {
        match self {
            GroupIndex::Dense(v) => {
                if let Some(slot) = v.get_mut(key as usize) {
                    *slot = NO_GROUP;
                }
            }
            GroupIndex::Sparse(m) => {
                m.remove(&key);
            }
        }
    }
}

/// The state of one pane: a group per key that has rows in it.
#[derive(Default)]
struct Pane {
    /// Group id by key id.
    group_of_key: GroupIndex,
    /// `(key, group)` in order of first arrival.
    entries: Vec<(u32, u32)>,
    /// In two-phase mode, the rows since the last flush, pre-aggregated per key like
    /// Flink's local window aggregate (same layout as above).
    local_group_of_key: GroupIndex,
    local_entries: Vec<(u32, u32)>,
}

/// TUMBLE, HOP and CUMULATE state: rows are accumulated once into their pane (slice);
/// a window that fires merges its panes per key; a pane is freed when the last window
/// that includes it has fired.
pub(super) struct SlicedWindows {
    assigner: PaneAssigner,
    panes: BTreeMap<i64, Pane>,
    /// Ends of the windows that have state and have not fired.
    timers: BTreeSet<i64>,
    group_ids: Vec<u32>,
    /// Window group by key id while merging panes (`NO_GROUP` otherwise).
    window_group_of_key: Vec<u32>,
    /// Reproduce Flink's two-phase window aggregation (see `WindowAggregateSpec`).
    two_phase: bool,
    /// The smallest end of a pane with pre-aggregated rows not flushed yet.
    min_local_pane_end: Option<i64>,
    /// The wall-clock watermark at which the local rows may be flushed next: Flink's
    /// local window aggregate looks at its buffer only when the watermark crosses the
    /// end of a slice (`nextTriggerWatermark`), so rows after a late row keep joining
    /// the buffer until then. Not saved: Flink starts it again after a restore.
    next_trigger: i64,
}

/// What the rows of a batch need from the operator around them.
pub(super) struct RowsIn<'a> {
    pub batch: &'a RecordBatch,
    /// Wall-clock times; `None` where the rowtime is NULL.
    pub times: &'a [Option<i64>],
    pub key_ids: &'a [u32],
}

impl SlicedWindows {
    pub fn new(assigner: PaneAssigner, two_phase: bool) -> Self {
        SlicedWindows {
            assigner,
            panes: BTreeMap::new(),
            timers: BTreeSet::new(),
            group_ids: Vec::new(),
            window_group_of_key: Vec::new(),
            two_phase,
            min_local_pane_end: None,
            next_trigger: i64::MIN,
        }
    }

    pub fn open_panes(&self) -> usize {
        self.panes.len()
    }

    /// The end of the earliest window that holds rows and has not fired.
    pub fn next_end(&self) -> Option<i64> {
        self.timers.first().copied()
    }

    /// Accumulates the rows that are not late; returns how many rows were dropped
    /// (late for every window, or with a NULL rowtime).
    // The row loop indexes several parallel per-row vectors.
    #[allow(clippy::needless_range_loop)]
    pub fn accumulate(
        &mut self,
        rows: &RowsIn<'_>,
        watermark: i64,
        clock: &WindowClock,
        keys: &mut KeyTable,
        aggregates: &mut AggregateSet,
    ) -> Result<u64, AggregateError> {
        let n = rows.times.len();
        let passes = self.assigner.panes_per_row();
        let mut taken = vec![false; if passes > 1 { n } else { 0 }];
        let mut dropped = 0u64;
        for pass in 0..passes {
            self.group_ids.clear();
            self.group_ids.resize(n, 0);
            let mut skipped: Option<BooleanBufferBuilder> = None;
            let mut current: Option<(i64, bool)> = None;
            let mut pane: Option<&mut Pane> = None;
            for i in 0..n {
                let pane_end = rows.times[i].and_then(|t| self.assigner.pane_end(t, pass)).map(|end| merge_target(&self.assigner, end, clock, watermark));
                let accept = match pane_end {
                    None => false,
                    Some(end) => {
                        let late = match current {
                            Some((e, late)) if e == end => late,
                            _ => {
                                let late = clock.has_fired(self.assigner.last_window_end(end), watermark);
                                current = Some((end, late));
                                if !late {
                                    pane = Some(open_pane(&mut self.panes, &mut self.timers, &self.assigner, clock, watermark, end));
                                    if self.two_phase {
                                        self.min_local_pane_end = Some(self.min_local_pane_end.map_or(end, |m| m.min(end)));
                                    }
                                }
                                late
                            }
                        };
                        if !late {
                            let Some(p) = pane.as_deref_mut() else {
                                return Err(AggregateError::internal("window", "no open pane"));
                            };
                            let key = rows.key_ids[i];
                            self.group_ids[i] = if self.two_phase {
                                group_for(&mut p.local_group_of_key, &mut p.local_entries, key, keys, aggregates)
                            } else {
                                group_for(&mut p.group_of_key, &mut p.entries, key, keys, aggregates)
                            };
                        }
                        !late
                    }
                };
                if !accept && skipped.is_none() {
                    let mut b = BooleanBufferBuilder::new(n);
                    b.append_n(n, true);
                    skipped = Some(b);
                }
                if let Some(b) = skipped.as_mut() {
                    b.set_bit(i, accept);
                }
                if passes > 1 {
                    taken[i] |= accept;
                } else if !accept {
                    dropped += 1;
                }
            }
            let selected = skipped.map(|mut b| b.finish());
            aggregates.update(rows.batch, &self.group_ids, selected.as_ref())?;
        }
        if passes > 1 {
            dropped = taken.iter().filter(|t| !**t).count() as u64;
        }
        Ok(dropped)
    }

    /// Fires the first window whose end the watermark has reached (windows fire in end
    /// order), and returns whether there was one: the caller calls again until there is
    /// none, evaluating and freeing each window's groups in between, so a watermark that
    /// fires many windows (the end of input) holds one window's merged groups at a time.
    /// Appends the result rows to `fired` and the groups to free once they are evaluated
    /// (with the key each one holds, if any) to `release`.
    pub fn fire(
        &mut self,
        watermark: i64,
        clock: &WindowClock,
        keys: &KeyTable,
        aggregates: &mut AggregateSet,
        fired: &mut Vec<FiredWindow>,
        release: &mut Vec<(Option<u32>, u32)>,
    ) -> bool {
        // Flink's local aggregate flushes its buffer into the global state when the
        // watermark fires the earliest pane it holds rows for.
        let local = clock.local(watermark);
        if local >= self.next_trigger || watermark == i64::MAX {
            if self.min_local_pane_end.is_some_and(|end| clock.has_fired(end, watermark)) {
                self.flush_local(aggregates, release, keys.capacity());
            }
            self.next_trigger = next_trigger(local, self.assigner.slice_size());
        }
        if let Some(&end) = self.timers.first() {
            if !clock.has_fired(end, watermark) {
                return false;
            }
            self.timers.pop_first();
            if let PaneAssigner::Cumulate { step, .. } = self.assigner {
                self.fire_cumulate(end, step, keys, aggregates, fired, release);
                return true;
            }
            let (start, pane_ends) = self.assigner.panes_of_window(end);
            let mut present: Vec<i64> = pane_ends.filter(|e| self.panes.contains_key(e)).collect();
            if matches!(self.assigner, PaneAssigner::Hop { .. }) {
                // Flink merges a HOP window's slices from the last one back (its
                // `HoppingSlicesIterable`), which shows in the last bits of DOUBLE sums.
                present.reverse();
            }
            let last_use = |e: &i64| self.assigner.last_window_end(*e) <= end;
            if let [only] = present[..] {
                if last_use(&only) {
                    // A tumbling window (or the last window of a lone pane): no merge.
                    if let Some(pane) = self.panes.remove(&only) {
                        for &(key, group) in &pane.entries {
                            fired.push(FiredWindow { key, group, start, end });
                            release.push((Some(key), group));
                        }
                    }
                    return true;
                }
            }
            if self.window_group_of_key.len() < keys.capacity() {
                self.window_group_of_key.resize(keys.capacity(), NO_GROUP);
            }
            let first_row = fired.len();
            for pane_end in &present {
                let Some(pane) = self.panes.get(pane_end) else { continue };
                for &(key, group) in &pane.entries {
                    let slot = &mut self.window_group_of_key[key as usize];
                    if *slot == NO_GROUP {
                        *slot = aggregates.allocate();
                        fired.push(FiredWindow { key, group: *slot, start, end });
                        release.push((None, *slot));
                    }
                    aggregates.merge(group, *slot);
                }
            }
            for f in &fired[first_row..] {
                self.window_group_of_key[f.key as usize] = NO_GROUP;
            }
            for pane_end in present.iter().filter(|e| last_use(e)) {
                if let Some(pane) = self.panes.remove(pane_end) {
                    release.extend(pane.entries.iter().map(|&(key, group)| (Some(key), group)));
                }
            }
            return true;
        }
        false
    }
}

/// The pane a row of pane `end` accumulates into: itself, except in a CUMULATE window
/// whose pane has already been merged into the first pane of its cycle (a late row of a
/// window not fired yet), where it is that first pane, as Flink's `sliceStateMergeTarget`.
fn merge_target(assigner: &PaneAssigner, end: i64, clock: &WindowClock, watermark: i64) -> i64 {
    match *assigner {
        PaneAssigner::Cumulate { step, .. } if clock.has_fired(end, watermark) => assigner.panes_of_window(end).0.saturating_add(step),
        _ => end,
    }
}

impl SlicedWindows {

    /// Fires the CUMULATE window ending at `end` as Flink's cumulative slice assigner does:
    /// its last pane is merged into the first pane of the cycle, which holds the running
    /// accumulator, and the window's value is a copy of that.
    fn fire_cumulate(
        &mut self,
        end: i64,
        step: i64,
        keys: &KeyTable,
        aggregates: &mut AggregateSet,
        fired: &mut Vec<FiredWindow>,
        release: &mut Vec<(Option<u32>, u32)>,
    ) {
        let start = self.assigner.panes_of_window(end).0;
        let first_end = start.saturating_add(step);
        if end != first_end {
            if let Some(pane) = self.panes.remove(&end) {
                let first = self.panes.entry(first_end).or_default();
                for (key, group) in pane.entries {
                    let target = first.group_of_key.get(key);
                    if target == NO_GROUP {
                        first.group_of_key.set(key, group, first.entries.len(), keys.capacity());
                        first.entries.push((key, group));
                    } else {
                        aggregates.merge(group, target);
                        release.push((Some(key), group));
                    }
                }
            }
        }
        let last = self.assigner.last_window_end(first_end) <= end;
        let entries = if last {
            self.panes.remove(&first_end).map(|p| p.entries)
        } else {
            self.panes.get(&first_end).map(|p| p.entries.clone())
        };
        for (key, group) in entries.unwrap_or_default() {
            let copy = aggregates.allocate();
            aggregates.merge(group, copy);
            fired.push(FiredWindow { key, group: copy, start, end });
            release.push((None, copy));
            if last {
                release.push((Some(key), group));
            }
        }
    }
}

/// The first slice end (minus 1 ms) after the wall-clock watermark `local`, as Flink's
/// `getNextTriggerWatermark` computes it (slices aligned to the epoch).
fn next_trigger(local: i64, interval: i64) -> i64 {
    if local == i64::MAX || interval <= 0 {
        return i64::MAX;
    }
    let trigger = crate::aggregate::align(local, interval, 0).saturating_add(interval).saturating_sub(crate::spec::MILLI);
    if trigger > local {
        trigger
    } else {
        trigger.saturating_add(interval)
    }
}

/// `(key, group)` pairs held in state, in the order a snapshot writes them.
pub(super) type Entries = Vec<(u32, u32)>;

/// The key of a restored window entry whose key another instance owns now (state saved
/// at another parallelism): the entry is skipped.
pub(super) const NOT_OWNED: u32 = u32::MAX;

impl SlicedWindows {
    /// Writes the panes, timers and flush point; returns the `(key, group)` pairs they
    /// hold (each pane's global entries, then its local ones) for the caller to save.
    pub fn save(&self, out: &mut StateWriter) -> Entries {
        let mut layout: Vec<i64> = Vec::with_capacity(self.panes.len() * 3);
        let mut entries = Vec::new();
        for (end, pane) in &self.panes {
            layout.extend([*end, pane.entries.len() as i64, pane.local_entries.len() as i64]);
            entries.extend_from_slice(&pane.entries);
            entries.extend_from_slice(&pane.local_entries);
        }
        let timers: Vec<i64> = self.timers.iter().copied().collect();
        out.natives(&layout).natives(&timers).opt_i64(self.min_local_pane_end);
        entries
    }

    /// Reads what `save` wrote; `entries` reads the pairs the caller saved after it.
    pub fn load(
        &mut self,
        input: &mut StateReader,
        entries: impl FnOnce(&mut StateReader) -> Result<Entries, AggregateError>,
    ) -> Result<(), AggregateError> {
        let layout = input.natives::<i64>().map_err(AggregateError::State)?;
        let timers = input.natives::<i64>().map_err(AggregateError::State)?;
        let min_local_pane_end = input.opt_i64().map_err(AggregateError::State)?;
        // Several instances' panes merge (state saved at another parallelism).
        self.min_local_pane_end = match (self.min_local_pane_end, min_local_pane_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let entries = entries(input)?;
        // The key table is restored beside the panes, with ids up to the largest saved.
        let capacity = entries.iter().filter(|e| e.0 != NOT_OWNED).map(|&(key, _)| key as usize + 1).max().unwrap_or(0);
        let mut rest = &entries[..];
        for pane in layout.chunks(3) {
            let [end, global, local] = *pane else { return Err(corrupt("window panes")) };
            let (global, local) = (usize::try_from(global), usize::try_from(local));
            let (Ok(global), Ok(local)) = (global, local) else { return Err(corrupt("window panes")) };
            if rest.len() < global + local {
                return Err(corrupt("window panes"));
            }
            let p = self.panes.entry(end).or_default();
            for &(key, group) in rest[..global].iter().filter(|e| e.0 != NOT_OWNED) {
                p.group_of_key.set(key, group, p.entries.len(), capacity);
                p.entries.push((key, group));
            }
            for &(key, group) in rest[global..global + local].iter().filter(|e| e.0 != NOT_OWNED) {
                p.local_group_of_key.set(key, group, p.local_entries.len(), capacity);
                p.local_entries.push((key, group));
            }
            rest = &rest[global + local..];
        }
        if !rest.is_empty() {
            return Err(corrupt("window panes"));
        }
        self.timers.extend(timers);
        Ok(())
    }

    /// Merges every pane's pre-aggregated rows into its global groups (a key's first
    /// local group simply becomes its global one).
    fn flush_local(&mut self, aggregates: &mut AggregateSet, release: &mut Vec<(Option<u32>, u32)>, capacity: usize) {
        self.min_local_pane_end = None;
        for pane in self.panes.values_mut() {
            for (key, local) in std::mem::take(&mut pane.local_entries) {
                pane.local_group_of_key.clear(key);
                let global = pane.group_of_key.get(key);
                if global == NO_GROUP {
                    pane.group_of_key.set(key, local, pane.entries.len(), capacity);
                    pane.entries.push((key, local));
                } else {
                    aggregates.merge(local, global);
                    release.push((Some(key), local));
                }
            }
        }
    }
}

/// The pane ending at `end`, created (with timers for its windows that have not fired)
/// when it does not exist yet.
fn open_pane<'a>(
    panes: &'a mut BTreeMap<i64, Pane>,
    timers: &mut BTreeSet<i64>,
    assigner: &PaneAssigner,
    clock: &WindowClock,
    watermark: i64,
    end: i64,
) -> &'a mut Pane {
    panes.entry(end).or_insert_with(|| {
        for window_end in assigner.windows_of_pane(end) {
            if !clock.has_fired(window_end, watermark) {
                timers.insert(window_end);
            }
        }
        Pane::default()
    })
}

/// The group of `key` in a pane's `group_of_key`/`entries`, allocated on the key's
/// first row there.
#[inline]
fn group_for(
    group_of_key: &mut GroupIndex,
    entries: &mut Vec<(u32, u32)>,
    key: u32,
    keys: &mut KeyTable,
    aggregates: &mut AggregateSet,
) -> u32 {
    let g = group_of_key.get(key);
    if g != NO_GROUP {
        return g;
    }
    let g = aggregates.allocate();
    keys.retain(key);
    group_of_key.set(key, g, entries.len(), keys.capacity());
    entries.push((key, g));
    g
}

#[cfg(test)]
mod tests {
    use super::next_trigger;

    #[test]
    fn the_next_trigger_is_the_first_slice_end_after_the_watermark() {
        let minute = 60_000_000;
        assert_eq!(next_trigger(0, minute), minute - 1000);
        assert_eq!(next_trigger(minute - 1000, minute), 2 * minute - 1000);
        assert_eq!(next_trigger(-2000, minute), -1000);
        assert_eq!(next_trigger(i64::MAX, minute), i64::MAX);
    }
}
