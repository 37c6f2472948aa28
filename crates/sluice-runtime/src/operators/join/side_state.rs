//! The rows one side of a regular join holds for one join key, as Flink's
//! `JoinRecordStateView`s and `OuterJoinRecordStateView`s hold them.
//!
//! A row is identified by its unique key when the side has one (a new accumulate message
//! replaces the row of that key, a retraction removes it), otherwise by all its values
//! (each distinct row keeps how many times it is present). Rows of an outer side also
//! keep how many rows of the other side they currently join with, so the operator knows
//! when to retract or re-emit the NULL-padded row.

use std::hash::BuildHasher;

use arrow_row::RowConverter;
use arrow_schema::SchemaRef;
use hashbrown::HashTable;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::encode_rows;
use crate::hash::{KeyHasher, KeyMap};
use crate::operator::KeyGroupFilter;
use crate::operators::state::{load_owned_keys, load_stored, save_keys, save_stored};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::RuntimeError;

pub(crate) struct StoredRow {
    pub row: RowRef,
    /// How many times the row is present (always 1 with a unique key).
    pub count: u32,
    /// Rows of the other side it joins with (outer sides only).
    pub associations: u32,
    /// Processing time of the last write, for the TTL.
    pub written: u64,
}

/// Above this many rows a key's rows are found through a hash index; up to it, a scan
/// of their ids is as fast and costs no memory.
const SCAN_LIMIT: usize = 8;

/// The rows of one join key. Each row's identity (its unique key's or all its values'
/// `arrow-row` bytes) is kept once, in `Ids`; the index holds only positions into it. A
/// side whose rows need no identity (an insert-only input without a unique key) keeps no
/// `Ids`, and each row as it came. Kept small, as there is one per key: the row vector and
/// one pointer.
#[derive(Default)]
pub(crate) struct KeyRows {
    pub rows: Vec<StoredRow>,
    /// One identity per row, or none at all.
    ids: Option<Box<Ids>>,
}

#[derive(Default)]
struct Ids {
    ids: Vec<Box<[u8]>>,
    /// Positions in `rows` by id, once the key holds more than `SCAN_LIMIT` rows.
    index: Option<HashTable<u32>>,
}

/// One side's rows by join key (the key's `arrow-row` bytes).
pub(crate) type SideState = KeyMap<Box<[u8]>, KeyRows>;

fn hash_id(id: &[u8]) -> u64 {
    KeyHasher::default().hash_one(id)
}

impl Ids {
    fn position(&self, id: &[u8]) -> Option<usize> {
        match &self.index {
            Some(index) => index.find(hash_id(id), |&i| *self.ids[i as usize] == *id).map(|&i| i as usize),
            None => self.ids.iter().position(|held| **held == *id),
        }
    }

    fn push(&mut self, id: Box<[u8]>) {
        let at = self.ids.len();
        self.ids.push(id);
        let ids = &self.ids;
        match &mut self.index {
            Some(index) => {
                index.insert_unique(hash_id(&ids[at]), at as u32, |&i| hash_id(&ids[i as usize]));
            }
            None if ids.len() > SCAN_LIMIT => {
                let mut index = HashTable::with_capacity(ids.len());
                for (i, id) in ids.iter().enumerate() {
                    index.insert_unique(hash_id(id), i as u32, |&i| hash_id(&ids[i as usize]));
                }
                self.index = Some(index);
            }
            None => {}
        }
    }

    /// Removes the id at `i`; the last one moves to `i`, as in `Vec::swap_remove`.
    fn swap_remove(&mut self, i: usize) {
        let last = self.ids.len() - 1;
        if let Some(index) = &mut self.index {
            if let Ok(entry) = index.find_entry(hash_id(&self.ids[i]), |&at| at as usize == i) {
                entry.remove();
            }
            if i != last {
                if let Some(at) = index.find_mut(hash_id(&self.ids[last]), |&at| at as usize == last) {
                    *at = i as u32;
                }
            }
        }
        self.ids.swap_remove(i);
    }
}

impl KeyRows {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn contains(&self, id: &[u8]) -> bool {
        self.position(id).is_some()
    }

    fn position(&self, id: &[u8]) -> Option<usize> {
        self.ids.as_ref().and_then(|ids| ids.position(id))
    }

    /// Appends a row that is not held yet, or one without identity.
    fn push(&mut self, id: Option<Box<[u8]>>, stored: StoredRow) {
        if self.rows.capacity() == 0 {
            // Most keys hold one row: no room for four.
            self.rows.reserve_exact(1);
        }
        self.rows.push(stored);
        if let Some(id) = id {
            self.ids.get_or_insert_default().push(id);
        }
    }

    /// Adds one occurrence of a row. With `unique`, a row of the same id is replaced. A
    /// row without identity (`id` is `None`) is kept as one more row.
    pub fn add(&mut self, id: Option<&[u8]>, row: RowRef, associations: u32, unique: bool, now: u64, store: &mut BatchStore) {
        if let Some(i) = id.and_then(|id| self.position(id)) {
            let entry = &mut self.rows[i];
            if unique {
                store.retain(row.batch);
                store.release(entry.row.batch);
                entry.row = row;
                entry.count = 1;
            } else {
                entry.count = entry.count.saturating_add(1);
            }
            entry.associations = associations;
            entry.written = now;
            return;
        }
        store.retain(row.batch);
        self.push(id.map(Box::from), StoredRow { row, count: 1, associations, written: now });
    }

    /// Removes one occurrence of a row (all of it with a unique key); a row never seen is
    /// ignored.
    pub fn retract(&mut self, id: &[u8], unique: bool, now: u64, store: &mut BatchStore) {
        let Some(i) = self.position(id) else { return };
        let entry = &mut self.rows[i];
        if !unique && entry.count > 1 {
            entry.count -= 1;
            entry.written = now;
            return;
        }
        self.remove(i, store);
    }

    pub fn set_associations(&mut self, i: usize, associations: u32, now: u64) {
        if let Some(entry) = self.rows.get_mut(i) {
            entry.associations = associations;
            entry.written = now;
        }
    }

    fn remove(&mut self, i: usize, store: &mut BatchStore) {
        if let Some(ids) = &mut self.ids {
            ids.swap_remove(i);
        }
        let entry = self.rows.swap_remove(i);
        store.release(entry.row.batch);
    }

    /// Puts back a row saved in a checkpoint (already retained in its store), with its
    /// identity on a side that keeps one.
    pub fn restore(&mut self, id: Option<Vec<u8>>, stored: StoredRow) {
        self.push(id.map(Vec::into_boxed_slice), stored);
    }

    /// Drops the rows for which `expired(written)` holds.
    pub fn expire(&mut self, expired: impl Fn(u64) -> bool, store: &mut BatchStore) {
        let mut i = 0;
        while i < self.rows.len() {
            if expired(self.rows[i].written) {
                self.remove(i, store);
            } else {
                i += 1;
            }
        }
    }
}

/// Copies a side's rows out of their input batches into one batch once those batches hold
/// mostly rows the side no longer keeps (`BatchStore::needs_compaction`). Called between
/// input batches, when nothing but the side's state refers to stored rows.
pub(crate) fn compact_side(state: &mut SideState, store: &mut BatchStore) -> Result<(), RuntimeError> {
    if store.needs_compaction() {
        let mut rows: Vec<&mut RowRef> = state.values_mut().flat_map(|k| k.rows.iter_mut().map(|r| &mut r.row)).collect();
        store.compact(&mut rows)?;
    }
    Ok(())
}

/// Saves one side's rows by join key, for checkpoints: each key (as the Arrow columns it
/// encodes) with how many rows it holds, then the rows gathered into one batch of
/// `schema` with their counts, associations and write times.
pub(crate) fn save_side(
    out: &mut StateWriter,
    state: &SideState,
    keys: &Option<RowConverter>,
    store: &BatchStore,
    schema: &SchemaRef,
) -> Result<(), String> {
    let entries: Vec<(&Box<[u8]>, &KeyRows)> = state.iter().collect();
    let key_bytes: Vec<&[u8]> = entries.iter().map(|(k, _)| &k[..]).collect();
    save_keys(out, keys, &key_bytes)?;
    out.natives(&entries.iter().map(|(_, r)| r.rows.len() as u64).collect::<Vec<_>>());
    let rows: Vec<&StoredRow> = entries.iter().flat_map(|(_, r)| r.rows.iter()).collect();
    let types: Vec<_> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
    save_stored(out, store, &rows.iter().map(|r| Some(r.row)).collect::<Vec<_>>(), &types)?;
    out.natives(&rows.iter().map(|r| r.count).collect::<Vec<_>>());
    out.natives(&rows.iter().map(|r| r.associations).collect::<Vec<_>>());
    out.natives(&rows.iter().map(|r| r.written).collect::<Vec<_>>());
    Ok(())
}

/// Loads what `save_side` saved into `state` and `store`; row identities are encoded
/// again with `ids` over `id_columns`.
pub(crate) fn load_side(
    input: &mut StateReader,
    state: &mut SideState,
    keys: &Option<RowConverter>,
    (ids, id_columns): (&Option<RowConverter>, &[usize]),
    store: &mut BatchStore,
    keep: Option<&KeyGroupFilter>,
) -> Result<(), String> {
    let (keys, owned) = load_owned_keys(input, keys, keep)?;
    let sizes = input.natives::<u64>()?;
    let (batch, rows) = load_stored(input, store)?;
    let counts = input.natives::<u32>()?;
    let associations = input.natives::<u32>()?;
    let written = input.natives::<u64>()?;
    let n = rows.len();
    if sizes.len() != keys.len() || sizes.iter().sum::<u64>() != n as u64 || [counts.len(), associations.len(), written.len()] != [n; 3] {
        return Err("the saved keys and rows do not match".into());
    }
    let ids = encode_rows(ids, &batch, id_columns).map_err(|e| e.to_string())?;
    let mut next = 0;
    for ((key, size), owned) in keys.into_iter().zip(sizes).zip(owned) {
        if !owned {
            // Another instance owns the key now.
            for row in rows[next..next + size as usize].iter().flatten() {
                store.release(row.batch);
            }
            next += size as usize;
            continue;
        }
        let mut held = KeyRows::default();
        for i in next..next + size as usize {
            let row = rows[i].ok_or("a saved join row is missing")?;
            let id = ids.as_ref().map(|ids| ids.row(i).as_ref().to_vec());
            held.restore(id, StoredRow { row, count: counts[i], associations: associations[i], written: written[i] });
        }
        next += size as usize;
        state.insert(key.into_boxed_slice(), held);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Adds and retracts rows of 40 ids in a fixed pseudo-random order, so that a key
    /// crosses `SCAN_LIMIT` both ways and rows move on every removal, and checks each step
    /// against a plain map of counts.
    #[test]
    fn rows_are_found_by_id_with_and_without_the_index() {
        for unique in [false, true] {
            let mut rows = KeyRows::default();
            let mut store = BatchStore::default();
            let mut model: BTreeMap<Vec<u8>, u32> = BTreeMap::new();
            let mut seed = 12345u64;
            for step in 0..4000u32 {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let id = format!("row-{}", (seed >> 33) % 40).into_bytes();
                let row = RowRef { batch: 0, row: step };
                // Grow for the first half, shrink for the second.
                let add = (seed >> 20) % 10 < if step < 2000 { 7 } else { 1 };
                if add {
                    rows.add(Some(&id), row, 0, unique, 0, &mut store);
                    let count = model.entry(id.clone()).or_insert(0);
                    *count = if unique { 1 } else { *count + 1 };
                } else {
                    rows.retract(&id, unique, 0, &mut store);
                    if let Some(count) = model.get_mut(&id) {
                        *count -= 1;
                        if *count == 0 || unique {
                            model.remove(&id);
                        }
                    }
                }
                assert_eq!(rows.rows.len(), model.len(), "step {step}");
                for i in 0..40 {
                    let id = format!("row-{i}").into_bytes();
                    let held = rows.position(&id).map(|at| rows.rows[at].count);
                    assert_eq!(held, model.get(&id).copied(), "step {step}, {}", String::from_utf8_lossy(&id));
                }
            }
            assert!(rows.rows.len() <= SCAN_LIMIT, "the run should end with few rows");
        }
    }
}
