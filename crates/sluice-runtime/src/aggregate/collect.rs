use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int32Array, MapArray, StructArray};
use arrow_buffer::{BooleanBuffer, OffsetBuffer};
use arrow_row::{OwnedRow, Row};
use arrow_schema::{DataType as ArrowType, FieldRef};
use sluice_connector_api::state::{StateReader, StateWriter};

use super::selection::for_each_selected;
use super::value_codec::ValueCodec;
use super::{AggregateError, GroupAccumulator};
use super::state::{load_exact, load_rows, save_rows, state_error};
use crate::hash::KeyMap;

/// The values of one group: each distinct value once, first-seen order, with its count.
#[derive(Default, Clone)]
struct Multiset {
    index: KeyMap<OwnedRow, usize>,
    entries: Vec<(OwnedRow, i32)>,
}

impl Multiset {
    fn add(&mut self, value: OwnedRow, count: i32) {
        match self.index.get(&value) {
            Some(&i) => self.entries[i].1 = self.entries[i].1.saturating_add(count),
            None => {
                self.index.insert(value.clone(), self.entries.len());
                self.entries.push((value, count));
            }
        }
    }
}

/// `COLLECT(x)`: the MULTISET of the non-NULL values, laid out as an Arrow map from
/// value to count (entries in first-seen order). An empty group gives an empty multiset.
pub struct CollectAccumulator {
    codec: ValueCodec,
    sets: Vec<Multiset>,
    entries_field: FieldRef,
    key_field: FieldRef,
    value_field: FieldRef,
}

impl CollectAccumulator {
    pub fn new(input: &ArrowType, output: &ArrowType) -> Result<Self, AggregateError> {
        let bad = || AggregateError::internal("COLLECT", format!("result type {output} is not a map of counts"));
        let ArrowType::Map(entries_field, _) = output else { return Err(bad()) };
        let ArrowType::Struct(fields) = entries_field.data_type() else { return Err(bad()) };
        if fields.len() != 2 || fields[1].data_type() != &ArrowType::Int32 {
            return Err(bad());
        }
        Ok(CollectAccumulator {
            codec: ValueCodec::new("COLLECT", std::slice::from_ref(input))?,
            sets: Vec::new(),
            key_field: fields[0].clone(),
            value_field: fields[1].clone(),
            entries_field: entries_field.clone(),
        })
    }
}

impl GroupAccumulator for CollectAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.sets.resize_with(num_groups, Multiset::default);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal("COLLECT", "missing argument"))?;
        let rows = self.codec.encode(std::slice::from_ref(column))?;
        let sets = &mut self.sets;
        for_each_selected(group_ids.len(), column.logical_nulls().as_ref(), selected, |row| {
            sets[group_ids[row] as usize].add(rows.row(row).owned(), 1);
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let entries = self.sets[src as usize].entries.clone();
        for (value, count) in entries {
            self.sets[dst as usize].add(value, count);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let sets: Vec<&Multiset> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let keys = self
            .codec
            .decode(sets.iter().flat_map(|s| s.entries.iter().map(|(v, _)| Some(v.row()))))?
            .pop()
            .ok_or_else(|| AggregateError::internal("COLLECT", "no column decoded"))?;
        let counts: Int32Array = sets.iter().flat_map(|s| s.entries.iter().map(|(_, c)| *c)).collect();
        let offsets = OffsetBuffer::from_lengths(sets.iter().map(|s| s.entries.len()));
        let internal = |e: arrow_schema::ArrowError| AggregateError::internal("COLLECT", e.to_string());
        let entries = StructArray::try_new(
            vec![self.key_field.clone(), self.value_field.clone()].into(),
            vec![keys, Arc::new(counts)],
            None,
        )
        .map_err(internal)?;
        let map = MapArray::try_new(self.entries_field.clone(), offsets, entries, None, false).map_err(internal)?;
        Ok(Arc::new(map))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let sets: Vec<&Multiset> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.entries.len() as u32).collect();
        let counts: Vec<i32> = sets.iter().flat_map(|s| s.entries.iter().map(|(_, c)| *c)).collect();
        out.natives(&lengths).natives(&counts);
        let values: Vec<Row<'_>> = sets.iter().flat_map(|s| s.entries.iter().map(|(v, _)| v.row())).collect();
        save_rows(out, &self.codec, values.into_iter().map(Some))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lengths = load_exact::<u32>(input, groups.len())?;
        let counts = input.natives::<i32>().map_err(state_error)?;
        let values = load_rows(input, &self.codec)?;
        if counts.len() != values.len() || lengths.iter().map(|l| *l as usize).sum::<usize>() != values.len() {
            return Err(state_error("the saved COLLECT state is inconsistent".into()));
        }
        let mut entries = values.into_iter().zip(counts);
        for (g, n) in groups.iter().zip(lengths) {
            let set = &mut self.sets[*g as usize];
            for (value, count) in entries.by_ref().take(n as usize) {
                let value = value.ok_or_else(|| state_error("a COLLECT value is missing".into()))?;
                set.add(value, count);
            }
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.sets[group as usize] = Multiset::default();
    }
}
