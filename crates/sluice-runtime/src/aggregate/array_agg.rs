//! `ARRAY_AGG(x)`, as Flink's `ArrayAggFunction` computes it: the values in arrival
//! order, NULLs kept (`RESPECT NULLS`, Flink's default); a retraction removes the first
//! equal value, or is remembered when there is none (Flink's `retractList`, which only a
//! merge of two groups settles); a group without values gives NULL, not an empty
//! array. One type serves window aggregation (`GroupAccumulator`) and the updating
//! GROUP BY and OVER windows (`RetractAccumulator`).

use std::sync::Arc;

use arrow_array::{ArrayRef, ListArray};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer};
use arrow_row::Rows;
use arrow_schema::{DataType as ArrowType, FieldRef};
use sluice_connector_api::state::{StateReader, StateWriter};

use super::retract::{delegate_results, Results, RetractAccumulator};
use super::selection::for_each_selected;
use super::state::{corrupt, load_encoded, save_encoded};
use super::value_codec::ValueCodec;
use super::{AggregateError, GroupAccumulator};

/// One group's values (encoded with the codec, a NULL value as its encoding of NULL) and
/// the retractions that found no equal value yet.
#[derive(Clone, Default, PartialEq)]
struct Values {
    list: Vec<Box<[u8]>>,
    retracted: Vec<Box<[u8]>>,
}

impl Values {
    fn add(&mut self, v: &[u8]) {
        self.list.push(v.into());
    }

    fn retract(&mut self, v: &[u8]) {
        match self.list.iter().position(|x| &**x == v) {
            Some(i) => {
                self.list.remove(i);
            }
            None => self.retracted.push(v.into()),
        }
    }
}

pub struct ArrayAggAccumulator {
    codec: ValueCodec,
    /// The element field of the result's list type.
    item: FieldRef,
    groups: Vec<Values>,
    /// The argument column of the batch being applied, encoded.
    bound: Option<Rows>,
    results: Results<Vec<Box<[u8]>>>,
}

impl ArrayAggAccumulator {
    pub fn new(input: &ArrowType, output: &ArrowType) -> Result<Self, AggregateError> {
        let ArrowType::List(item) = output else {
            return Err(AggregateError::internal("ARRAY_AGG", format!("result type {output} is not an array")));
        };
        if item.data_type() != input {
            return Err(AggregateError::internal("ARRAY_AGG", format!("an array of {} cannot hold {input}", item.data_type())));
        }
        Ok(ArrayAggAccumulator {
            codec: ValueCodec::new("ARRAY_AGG", std::slice::from_ref(input))?,
            item: item.clone(),
            groups: Vec::new(),
            bound: None,
            results: Results::new(),
        })
    }

    fn encode(&self, args: &[ArrayRef]) -> Result<Rows, AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal("ARRAY_AGG", "missing argument"))?;
        self.codec.encode(std::slice::from_ref(column))
    }

    /// One array per list (NULL for an empty one).
    fn arrays<'a>(&self, lists: impl Iterator<Item = &'a [Box<[u8]>]> + Clone) -> Result<ArrayRef, AggregateError> {
        let values = self
            .codec
            .decode_bytes(lists.clone().flat_map(|l| l.iter().map(|v| Some(&**v))))?
            .pop()
            .ok_or_else(|| AggregateError::internal("ARRAY_AGG", "no column decoded"))?;
        let offsets = OffsetBuffer::from_lengths(lists.clone().map(<[_]>::len));
        let nulls = NullBuffer::from(lists.map(|l| !l.is_empty()).collect::<Vec<bool>>());
        let array = ListArray::try_new(self.item.clone(), offsets, values, Some(nulls))
            .map_err(|e| AggregateError::internal("ARRAY_AGG", e.to_string()))?;
        Ok(Arc::new(array))
    }

    /// Each group's values and pending retractions.
    fn save_groups(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let chosen: Vec<&Values> = groups.iter().map(|g| &self.groups[*g as usize]).collect();
        let lengths: Vec<u32> = chosen.iter().map(|v| v.list.len() as u32).collect();
        save_encoded(out, &self.codec, &lengths, chosen.iter().flat_map(|v| v.list.iter().map(|x| &**x)))?;
        let lengths: Vec<u32> = chosen.iter().map(|v| v.retracted.len() as u32).collect();
        save_encoded(out, &self.codec, &lengths, chosen.iter().flat_map(|v| v.retracted.iter().map(|x| &**x)))
    }

    fn load_groups(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lists = load_encoded(input, &self.codec, groups.len())?;
        let retracted = load_encoded(input, &self.codec, groups.len())?;
        if lists.len() != groups.len() || retracted.len() != groups.len() {
            return Err(corrupt("ARRAY_AGG values"));
        }
        for ((g, list), retracted) in groups.iter().zip(lists).zip(retracted) {
            self.groups[*g as usize] = Values { list, retracted };
        }
        Ok(())
    }
}

impl GroupAccumulator for ArrayAggAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, Values::default);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let rows = self.encode(args)?;
        let groups = &mut self.groups;
        for_each_selected(group_ids.len(), None, selected, |row| groups[group_ids[row] as usize].add(rows.row(row).data()));
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let from = self.groups[src as usize].clone();
        let to = &mut self.groups[dst as usize];
        to.list.extend(from.list);
        // As Flink's merge: every pending retraction takes back an equal value if the
        // merged list has one.
        let pending = std::mem::take(&mut to.retracted);
        for v in pending.iter().chain(&from.retracted) {
            to.retract(v);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        self.arrays(groups.iter().map(|g| self.groups[*g as usize].list.as_slice()))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = Values::default();
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

impl RetractAccumulator for ArrayAggAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, Values::default);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = Some(self.encode(args)?);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(rows) = &self.bound else { return };
        let v = rows.row(row);
        let values = &mut self.groups[group as usize];
        if retract {
            values.retract(v.data());
        } else {
            values.add(v.data());
        }
    }

    fn push_result(&mut self, group: u32) {
        self.results.push(self.groups[group as usize].list.clone());
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let lists = self.results.take();
        self.arrays(lists.iter().map(Vec::as_slice))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = Values::default();
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}
