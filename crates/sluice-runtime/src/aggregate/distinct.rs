
use arrow_array::{Array, ArrayRef};
use arrow_buffer::BooleanBuffer;
use arrow_row::{OwnedRow, Row};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::selection::for_each_selected;
use super::value_codec::ValueCodec;
use super::{AggregateError, GroupAccumulator};
use super::state::{load_exact, load_rows, save_rows, state_error};
use crate::hash::KeySet;

/// Makes the plain (non-distinct) accumulator that a distinct one feeds at evaluation.
pub type AccumulatorFactory = Box<dyn Fn() -> Result<Box<dyn GroupAccumulator>, AggregateError> + Send>;

/// The distinct argument tuples of one group, in first-seen order.
#[derive(Default, Clone)]
struct DistinctSet {
    seen: KeySet<OwnedRow>,
    order: Vec<OwnedRow>,
}

impl DistinctSet {
    fn add(&mut self, value: OwnedRow) {
        if !self.seen.contains(&value) {
            self.seen.insert(value.clone());
            self.order.push(value);
        }
    }
}

/// `agg(DISTINCT x)`: keeps each group's distinct non-NULL argument values (NULL too for a
/// function that keeps NULLs, `with_nulls`) and runs the
/// plain aggregate over them when the group is evaluated. Because the sets themselves
/// are merged, a value seen in several slices of a hopping window still counts once.
pub struct DistinctAccumulator {
    codec: ValueCodec,
    sets: Vec<DistinctSet>,
    inner: AccumulatorFactory,
    /// NULL is a value like any other (`ARRAY_AGG`, which keeps NULLs).
    with_nulls: bool,
}

impl DistinctAccumulator {
    pub fn new(function: &str, arg_types: &[ArrowType], inner: AccumulatorFactory) -> Result<Self, AggregateError> {
        Ok(DistinctAccumulator { codec: ValueCodec::new(function, arg_types)?, sets: Vec::new(), inner, with_nulls: false })
    }

    /// For a function that keeps NULLs: a NULL argument is one more distinct value.
    pub fn with_nulls(mut self) -> Self {
        self.with_nulls = true;
        self
    }
}

impl GroupAccumulator for DistinctAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.sets.resize_with(num_groups, DistinctSet::default);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let rows = self.codec.encode(args)?;
        // A row takes part only when no argument is NULL.
        let mut nulls = None;
        for a in args.iter().filter(|_| !self.with_nulls) {
            nulls = arrow_buffer::NullBuffer::union(nulls.as_ref(), a.logical_nulls().as_ref());
        }
        let sets = &mut self.sets;
        for_each_selected(group_ids.len(), nulls.as_ref(), selected, |row| {
            sets[group_ids[row] as usize].add(rows.row(row).owned());
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let values = self.sets[src as usize].order.clone();
        for v in values {
            self.sets[dst as usize].add(v);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let sets: Vec<&DistinctSet> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let columns = self.codec.decode(sets.iter().flat_map(|s| s.order.iter().map(|r| Some(r.row()))))?;
        let mut group_ids = Vec::new();
        for (i, s) in sets.iter().enumerate() {
            group_ids.extend(std::iter::repeat_n(i as u32, s.order.len()));
        }
        let mut inner = (self.inner)()?;
        inner.resize(groups.len());
        inner.update(&columns, &group_ids, None)?;
        let all: Vec<u32> = (0..groups.len() as u32).collect();
        inner.evaluate(&all)
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let sets: Vec<&DistinctSet> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.order.len() as u32).collect();
        out.natives(&lengths);
        let values: Vec<Row<'_>> = sets.iter().flat_map(|s| s.order.iter().map(|v| v.row())).collect();
        save_rows(out, &self.codec, values.into_iter().map(Some))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lengths = load_exact::<u32>(input, groups.len())?;
        let values = load_rows(input, &self.codec)?;
        if lengths.iter().map(|l| *l as usize).sum::<usize>() != values.len() {
            return Err(state_error("the saved DISTINCT state is inconsistent".into()));
        }
        let mut values = values.into_iter();
        for (g, n) in groups.iter().zip(lengths) {
            let set = &mut self.sets[*g as usize];
            for value in values.by_ref().take(n as usize) {
                set.add(value.ok_or_else(|| state_error("a DISTINCT value is missing".into()))?);
            }
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.sets[group as usize] = DistinctSet::default();
    }
}
