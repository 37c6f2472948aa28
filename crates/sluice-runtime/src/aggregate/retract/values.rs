//! Retractable aggregates that keep the values themselves: `LISTAGG`,
//! `FIRST_VALUE`/`LAST_VALUE` and `COLLECT`.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int32Array, MapArray, StringArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_row::Rows;
use arrow_schema::{DataType as ArrowType, FieldRef};
use sluice_connector_api::state::{StateReader, StateWriter};

use super::results::{delegate_results, Results};
use super::RetractAccumulator;
use crate::aggregate::value_codec::ValueCodec;
use crate::aggregate::AggregateError;
use crate::aggregate::state::{corrupt, load_column, load_encoded, load_exact, save_column, save_encoded};

/// `LISTAGG(x [, separator])` with retraction, as Flink's `ListAggWithRetractAggFunction`:
/// the non-NULL values in arrival order; a retraction removes the first equal value (and
/// is ignored when there is none). The joined string is kept up to date so that reading
/// the result does not join the whole list again.
pub struct RetractListAgg {
    separator: String,
    lists: Vec<Vec<Box<str>>>,
    joined: Vec<Option<String>>,
    values: Option<StringArray>,
    results: Results<Option<Box<str>>>,
}

impl RetractListAgg {
    pub fn new(separator: Option<String>) -> Self {
        RetractListAgg {
            separator: separator.unwrap_or_else(|| ",".into()),
            lists: Vec::new(),
            joined: Vec::new(),
            values: None,
            results: Results::new(),
        }
    }
}

impl RetractAccumulator for RetractListAgg {
    fn resize(&mut self, num_groups: usize) {
        self.lists.resize_with(num_groups, Vec::new);
        self.joined.resize(num_groups, None);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = args
            .first()
            .and_then(|a| a.as_string_opt::<i32>())
            .ok_or_else(|| AggregateError::internal("LISTAGG", "argument column is not a string"))?;
        self.values = Some(values.clone());
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(values) = &self.values else { return };
        if values.is_null(row) {
            return;
        }
        let (v, g) = (values.value(row), group as usize);
        let list = &mut self.lists[g];
        if retract {
            let Some(i) = list.iter().position(|x| &**x == v) else { return };
            list.remove(i);
            self.joined[g] = (!list.is_empty()).then(|| list.join(self.separator.as_str()));
        } else {
            list.push(v.into());
            match &mut self.joined[g] {
                Some(s) => {
                    s.push_str(&self.separator);
                    s.push_str(v);
                }
                slot @ None => *slot = Some(v.to_string()),
            }
        }
    }

    fn push_result(&mut self, group: u32) {
        self.results.push(self.joined[group as usize].as_deref().map(Box::from));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values = self.results.take();
        Ok(Arc::new(values.iter().map(|v| v.as_deref()).collect::<StringArray>()))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let lists: Vec<_> = groups.iter().map(|g| &self.lists[*g as usize]).collect();
        let lengths: Vec<u32> = lists.iter().map(|l| l.len() as u32).collect();
        let values: StringArray = lists.iter().flat_map(|l| l.iter().map(|v| Some(&**v))).collect();
        out.natives(&lengths);
        save_column(out, Arc::new(values))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lengths = load_exact::<u32>(input, groups.len())?;
        let column = load_column(input, lengths.iter().map(|l| *l as usize).sum())?;
        let values = column.as_string_opt::<i32>().ok_or_else(|| corrupt("LISTAGG values"))?;
        let mut values = values.iter();
        for (g, n) in groups.iter().zip(lengths) {
            let list: Vec<Box<str>> = values.by_ref().take(n as usize).map(|v| v.unwrap_or_default().into()).collect();
            self.joined[*g as usize] = (!list.is_empty()).then(|| list.join(self.separator.as_str()));
            self.lists[*g as usize] = list;
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.lists[group as usize] = Vec::new();
        self.joined[group as usize] = None;
    }
}

/// Encoded argument rows of one batch and their NULLs.
struct BoundValues {
    rows: Rows,
    nulls: Option<NullBuffer>,
}

impl BoundValues {
    fn bind(codec: &ValueCodec, args: &[ArrayRef], function: &str) -> Result<Self, AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal(function, "missing argument"))?;
        Ok(BoundValues {
            rows: codec.encode(std::slice::from_ref(column))?,
            nulls: column.logical_nulls().filter(|n| n.null_count() > 0),
        })
    }

    /// The encoded value of `row`, `None` when it is NULL.
    fn get(&self, row: usize) -> Option<&[u8]> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return None;
        }
        Some(self.rows.row(row).data())
    }
}

/// `FIRST_VALUE(x)` / `LAST_VALUE(x)` with retraction, as Flink's
/// `FirstValueWithRetractAggFunction` orders values by arrival: the non-NULL values in
/// arrival order, a retraction removing the earliest equal one; the result is the
/// first or the last remaining. Over an input that never retracts only the one value
/// that can be the result is kept.
pub struct RetractFirstLast {
    last: bool,
    insert_only: bool,
    codec: ValueCodec,
    values: Vec<VecDeque<Box<[u8]>>>,
    bound: Option<BoundValues>,
    results: Results<Option<Box<[u8]>>>,
}

impl RetractFirstLast {
    pub fn new(last: bool, insert_only: bool, input: &ArrowType) -> Result<Self, AggregateError> {
        let name = if last { "LAST_VALUE" } else { "FIRST_VALUE" };
        Ok(RetractFirstLast {
            last,
            insert_only,
            codec: ValueCodec::new(name, std::slice::from_ref(input))?,
            values: Vec::new(),
            bound: None,
            results: Results::new(),
        })
    }
}

impl RetractAccumulator for RetractFirstLast {
    fn resize(&mut self, num_groups: usize) {
        self.values.resize_with(num_groups, VecDeque::new);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = Some(BoundValues::bind(&self.codec, args, "FIRST_VALUE")?);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(v) = self.bound.as_ref().and_then(|b| b.get(row)) else { return };
        let list = &mut self.values[group as usize];
        if retract {
            if let Some(i) = list.iter().position(|x| &**x == v) {
                list.remove(i);
            }
        } else if !self.insert_only {
            list.push_back(v.into());
        } else if self.last {
            list.clear();
            list.push_back(v.into());
        } else if list.is_empty() {
            list.push_back(v.into());
        }
    }

    fn push_result(&mut self, group: u32) {
        let list = &self.values[group as usize];
        let v = if self.last { list.back() } else { list.front() };
        self.results.push(v.cloned());
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values = self.results.take();
        let mut columns = self.codec.decode_bytes(values.iter().map(|v| v.as_deref()))?;
        columns.pop().ok_or_else(|| AggregateError::internal("FIRST_VALUE", "no column decoded"))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let lists: Vec<_> = groups.iter().map(|g| &self.values[*g as usize]).collect();
        let lengths: Vec<u32> = lists.iter().map(|l| l.len() as u32).collect();
        save_encoded(out, &self.codec, &lengths, lists.iter().flat_map(|l| l.iter().map(|v| &**v)))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lists = load_encoded(input, &self.codec, groups.len())?;
        for (g, list) in groups.iter().zip(lists) {
            self.values[*g as usize] = list.into();
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.values[group as usize] = VecDeque::new();
    }
}

/// A multiset: each distinct value once, in first-seen order, with its count.
type Multiset = Vec<(Box<[u8]>, i32)>;

/// `COLLECT(x)` with retraction: a count per distinct non-NULL value; a value whose
/// count drops to zero leaves the multiset. Laid out as the window `COLLECT` is: an
/// Arrow map from value to count.
pub struct RetractCollect {
    codec: ValueCodec,
    sets: Vec<Multiset>,
    bound: Option<BoundValues>,
    results: Results<Multiset>,
    entries_field: FieldRef,
    key_field: FieldRef,
    value_field: FieldRef,
}

impl RetractCollect {
    pub fn new(input: &ArrowType, output: &ArrowType) -> Result<Self, AggregateError> {
        let bad = || AggregateError::internal("COLLECT", format!("result type {output} is not a map of counts"));
        let ArrowType::Map(entries_field, _) = output else { return Err(bad()) };
        let ArrowType::Struct(fields) = entries_field.data_type() else { return Err(bad()) };
        if fields.len() != 2 || fields[1].data_type() != &ArrowType::Int32 {
            return Err(bad());
        }
        Ok(RetractCollect {
            codec: ValueCodec::new("COLLECT", std::slice::from_ref(input))?,
            sets: Vec::new(),
            bound: None,
            results: Results::new(),
            key_field: fields[0].clone(),
            value_field: fields[1].clone(),
            entries_field: entries_field.clone(),
        })
    }
}

impl RetractAccumulator for RetractCollect {
    fn resize(&mut self, num_groups: usize) {
        self.sets.resize_with(num_groups, Vec::new);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = Some(BoundValues::bind(&self.codec, args, "COLLECT")?);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(v) = self.bound.as_ref().and_then(|b| b.get(row)) else { return };
        let set = &mut self.sets[group as usize];
        let found = set.iter().position(|(x, _)| &**x == v);
        match (found, retract) {
            (Some(i), false) => set[i].1 = set[i].1.saturating_add(1),
            (None, false) => set.push((v.into(), 1)),
            (Some(i), true) => {
                set[i].1 -= 1;
                if set[i].1 <= 0 {
                    set.remove(i);
                }
            }
            (None, true) => {}
        }
    }

    fn push_result(&mut self, group: u32) {
        self.results.push(self.sets[group as usize].clone());
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let sets = self.results.take();
        let keys = self
            .codec
            .decode_bytes(sets.iter().flat_map(|s| s.iter().map(|(v, _)| Some(&**v))))?
            .pop()
            .ok_or_else(|| AggregateError::internal("COLLECT", "no column decoded"))?;
        let counts: Int32Array = sets.iter().flat_map(|s| s.iter().map(|(_, c)| *c)).collect();
        let offsets = OffsetBuffer::from_lengths(sets.iter().map(Vec::len));
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
        let sets: Vec<_> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.len() as u32).collect();
        let counts: Vec<i32> = sets.iter().flat_map(|s| s.iter().map(|(_, c)| *c)).collect();
        out.natives(&counts);
        save_encoded(out, &self.codec, &lengths, sets.iter().flat_map(|s| s.iter().map(|(v, _)| &**v)))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let counts = input.natives::<i32>().map_err(AggregateError::State)?;
        let lists = load_encoded(input, &self.codec, groups.len())?;
        if lists.iter().map(Vec::len).sum::<usize>() != counts.len() {
            return Err(corrupt("COLLECT values"));
        }
        let mut counts = counts.into_iter();
        for (g, list) in groups.iter().zip(lists) {
            self.sets[*g as usize] = list.into_iter().zip(counts.by_ref()).collect();
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.sets[group as usize] = Vec::new();
    }
}
