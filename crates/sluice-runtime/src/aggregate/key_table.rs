use std::hash::BuildHasher;

use arrow_array::ArrayRef;
use arrow_row::{RowConverter, SortField};
use hashbrown::HashTable;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::state::state_error;
use super::AggregateError;
use crate::hash::KeyHasher;

/// Interns the `GROUP BY` keys of rows as small integer ids. Each key is encoded once per
/// batch as `arrow-row` bytes and hashed; ids of keys no state refers to any more are
/// recycled, so the table holds only the keys of open windows.
///
/// Each key's bytes are held once, in `keys`; the hash table holds only ids and compares
/// through `keys`, so a key costs one allocation, not one for the map and one for `keys`.
pub struct KeyTable {
    converter: Option<RowConverter>,
    ids: HashTable<u32>,
    hasher: KeyHasher,
    keys: Vec<Box<[u8]>>,
    refs: Vec<u32>,
    live: Vec<bool>,
    free: Vec<u32>,
    /// Keys interned by the current batch, to drop again if nothing retains them.
    fresh: Vec<u32>,
}

impl KeyTable {
    pub fn new(key_types: &[ArrowType]) -> Result<Self, AggregateError> {
        let converter = if key_types.is_empty() {
            None
        } else {
            let fields = key_types.iter().map(|t| SortField::new(t.clone())).collect();
            let converter = RowConverter::new(fields).map_err(|_| AggregateError::Unsupported(format!(
                "grouping by columns of types {}",
                key_types.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
            )))?;
            Some(converter)
        };
        Ok(KeyTable {
            converter,
            ids: HashTable::new(),
            hasher: KeyHasher::default(),
            keys: Vec::new(),
            refs: Vec::new(),
            live: Vec::new(),
            free: Vec::new(),
            fresh: Vec::new(),
        })
    }

    /// Sets `out` to the key id of each of the `num_rows` rows of the key `columns`.
    pub fn intern(&mut self, columns: &[ArrayRef], num_rows: usize, out: &mut Vec<u32>) -> Result<(), AggregateError> {
        out.clear();
        let Some(converter) = &self.converter else {
            let id = self.intern_one(&[]);
            out.resize(num_rows, id);
            return Ok(());
        };
        let rows = converter
            .convert_columns(columns)
            .map_err(|e| AggregateError::internal("GROUP BY", e.to_string()))?;
        out.reserve(num_rows);
        let mut previous: Option<(&[u8], u32)> = None;
        for row in rows.iter() {
            let bytes = row.data();
            // Runs of equal keys are common in batches; skip the hash for them.
            let id = match previous {
                Some((p, id)) if p == bytes => id,
                _ => self.intern_one(bytes),
            };
            previous = Some((bytes, id));
            out.push(id);
        }
        Ok(())
    }

    fn intern_one(&mut self, bytes: &[u8]) -> u32 {
        let hash = self.hasher.hash_one(bytes);
        let keys = &self.keys;
        if let Some(&id) = self.ids.find(hash, |&id| *keys[id as usize] == *bytes) {
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                self.keys[id as usize] = bytes.into();
                self.live[id as usize] = true;
                id
            }
            None => {
                self.keys.push(bytes.into());
                self.refs.push(0);
                self.live.push(true);
                (self.keys.len() - 1) as u32
            }
        };
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.ids.insert_unique(hash, id, |&id| hasher.hash_one(&*keys[id as usize]));
        self.fresh.push(id);
        id
    }

    /// Another state entry (a group) refers to this key.
    pub fn retain(&mut self, id: u32) {
        self.refs[id as usize] += 1;
    }

    /// A state entry referring to this key is gone; the key is dropped with the last one.
    pub fn release(&mut self, id: u32) {
        let r = &mut self.refs[id as usize];
        *r = r.saturating_sub(1);
        if *r == 0 && self.live[id as usize] {
            self.remove(id);
        }
    }

    fn remove(&mut self, id: u32) {
        let bytes = std::mem::take(&mut self.keys[id as usize]);
        if let Ok(entry) = self.ids.find_entry(self.hasher.hash_one(&*bytes), |&i| i == id) {
            entry.remove();
        }
        self.live[id as usize] = false;
        self.free.push(id);
    }

    /// Drops the keys interned since the last call that nothing retained (rows that were
    /// late, for instance).
    pub fn sweep(&mut self) {
        let fresh = std::mem::take(&mut self.fresh);
        for id in fresh {
            if self.refs[id as usize] == 0 && self.live[id as usize] {
                self.remove(id);
            }
        }
    }

    /// One more than the largest id in use: the size of tables indexed by key id.
    pub fn capacity(&self) -> usize {
        self.keys.len()
    }

    /// Keys currently interned.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The key columns of the given ids, in order.
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<ArrayRef>, AggregateError> {
        let Some(converter) = &self.converter else { return Ok(Vec::new()) };
        let parser = converter.parser();
        let rows = ids.iter().map(|id| parser.parse(&self.keys[*id as usize]));
        converter.convert_rows(rows).map_err(|e| AggregateError::internal("GROUP BY", e.to_string()))
    }

    /// Writes the keys of `ids`, in that order, as Arrow columns (stable across arrow
    /// releases, unlike the interned `arrow-row` bytes).
    pub fn save(&self, ids: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let columns = self.decode(ids)?;
        out.columns(&columns, ids.len()).map_err(state_error)?;
        Ok(())
    }

    /// Interns the keys `save` wrote and returns their ids in the saved order. The caller
    /// retains the ids its state refers to.
    pub fn load(&mut self, input: &mut StateReader) -> Result<Vec<u32>, AggregateError> {
        let (columns, rows) = input.columns().map_err(state_error)?;
        let mut ids = Vec::new();
        self.intern(&columns, rows, &mut ids)?;
        self.fresh.clear();
        Ok(ids)
    }
}
