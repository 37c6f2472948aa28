
use arrow_array::{Array, ArrayRef};
use arrow_buffer::NullBuffer;
use arrow_row::Rows;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::RetractAccumulator;
use crate::hash::KeyMap;
use crate::aggregate::value_codec::ValueCodec;
use crate::aggregate::AggregateError;
use crate::aggregate::state::{corrupt, load_encoded, save_encoded};

/// `agg(DISTINCT x)` with retraction, as Flink's distinct map views work: a count per
/// distinct argument tuple; the inner aggregate sees a value when its count goes from
/// zero to one and loses it when the count drops back to zero. Rows with a NULL argument
/// take no part, except for a function that keeps NULLs (`with_nulls`).
pub struct RetractDistinct {
    codec: ValueCodec,
    counts: Vec<KeyMap<Box<[u8]>, u64>>,
    rows: Option<Rows>,
    nulls: Option<NullBuffer>,
    inner: Box<dyn RetractAccumulator>,
    /// NULL is a value like any other (`ARRAY_AGG`, which keeps NULLs).
    with_nulls: bool,
}

impl RetractDistinct {
    pub fn new(function: &str, arg_types: &[ArrowType], inner: Box<dyn RetractAccumulator>) -> Result<Self, AggregateError> {
        Ok(RetractDistinct {
            codec: ValueCodec::new(function, arg_types)?,
            counts: Vec::new(),
            rows: None,
            nulls: None,
            inner,
            with_nulls: false,
        })
    }

    /// For a function that keeps NULLs: a NULL argument is one more distinct value.
    pub fn with_nulls(mut self) -> Self {
        self.with_nulls = true;
        self
    }
}

impl RetractAccumulator for RetractDistinct {
    fn resize(&mut self, num_groups: usize) {
        self.counts.resize_with(num_groups, KeyMap::default);
        self.inner.resize(num_groups);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.rows = Some(self.codec.encode(args)?);
        let mut nulls = None;
        for a in args.iter().filter(|_| !self.with_nulls) {
            nulls = NullBuffer::union(nulls.as_ref(), a.logical_nulls().as_ref());
        }
        self.nulls = nulls.filter(|n| n.null_count() > 0);
        self.inner.bind(args)
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(rows) = &self.rows else { return };
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return;
        }
        let value = rows.row(row);
        let counts = &mut self.counts[group as usize];
        if retract {
            let Some(c) = counts.get_mut(value.data()) else { return };
            *c -= 1;
            if *c == 0 {
                counts.remove(value.data());
                self.inner.apply(row, group, true);
            }
        } else if let Some(c) = counts.get_mut(value.data()) {
            *c += 1;
        } else {
            counts.insert(value.data().into(), 1);
            self.inner.apply(row, group, false);
        }
    }

    fn push_result(&mut self, group: u32) {
        self.inner.push_result(group);
    }

    fn pop_results(&mut self, n: usize) {
        self.inner.pop_results(n);
    }

    fn remove_before_last(&mut self) {
        self.inner.remove_before_last();
    }

    fn last_two_equal(&self) -> bool {
        self.inner.last_two_equal()
    }

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        self.inner.take_results()
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let sets: Vec<_> = groups.iter().map(|g| &self.counts[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.len() as u32).collect();
        let entries: Vec<(&[u8], u64)> = sets.iter().flat_map(|s| s.iter().map(|(k, c)| (&**k, *c))).collect();
        out.natives(&entries.iter().map(|e| e.1).collect::<Vec<u64>>());
        save_encoded(out, &self.codec, &lengths, entries.iter().map(|e| e.0))?;
        self.inner.save(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let counts = input.natives::<u64>().map_err(AggregateError::State)?;
        let lists = load_encoded(input, &self.codec, groups.len())?;
        if lists.iter().map(Vec::len).sum::<usize>() != counts.len() {
            return Err(corrupt("DISTINCT values"));
        }
        let mut counts = counts.into_iter();
        for (g, list) in groups.iter().zip(lists) {
            self.counts[*g as usize] = list.into_iter().zip(counts.by_ref()).collect();
        }
        self.inner.load(groups, input)
    }

    fn reset(&mut self, group: u32) {
        self.counts[group as usize] = KeyMap::default();
        self.inner.reset(group);
    }
}
