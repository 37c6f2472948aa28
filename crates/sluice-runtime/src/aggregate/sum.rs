use std::sync::Arc;

use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{Array, ArrayRef, ArrowNativeTypeOp, PrimitiveArray};
use arrow_buffer::{BooleanBuffer, ScalarBuffer};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::numeric::primitive_arg;
use super::selection::{for_each_selected, nulls_from_flags};
use super::{AggregateError, GroupAccumulator};
use super::state::{load_flags, load_slots, save_flags, save_slots};

/// `SUM(x)` in the type of `x`. Integers wrap on overflow as Java's do; the result is
/// NULL for a group without a non-NULL value.
pub struct SumAccumulator<T: ArrowPrimitiveType> {
    sums: Vec<T::Native>,
    seen: Vec<bool>,
    output: ArrowType,
}

impl<T: ArrowPrimitiveType> SumAccumulator<T> {
    pub fn new(output: ArrowType) -> Self {
        SumAccumulator { sums: Vec::new(), seen: Vec::new(), output }
    }
}

impl<T: ArrowPrimitiveType> GroupAccumulator for SumAccumulator<T> {
    fn resize(&mut self, num_groups: usize) {
        self.sums.resize(num_groups, T::Native::ZERO);
        self.seen.resize(num_groups, false);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = primitive_arg::<T>(args, "SUM")?;
        let raw = values.values();
        let (sums, seen) = (&mut self.sums, &mut self.seen);
        for_each_selected(group_ids.len(), values.nulls(), selected, |row| {
            let g = group_ids[row] as usize;
            sums[g] = sums[g].add_wrapping(raw[row]);
            seen[g] = true;
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let (s, d) = (src as usize, dst as usize);
        if self.seen[s] {
            self.sums[d] = self.sums[d].add_wrapping(self.sums[s]);
            self.seen[d] = true;
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let values: ScalarBuffer<T::Native> = groups.iter().map(|g| self.sums[*g as usize]).collect();
        let nulls = nulls_from_flags(groups.iter().map(|g| self.seen[*g as usize]));
        let array = PrimitiveArray::<T>::new(values, nulls).with_data_type(self.output.clone());
        Ok(Arc::new(array))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_slots(out, &self.sums, groups);
        save_flags(out, &self.seen, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_slots(input, &mut self.sums, groups)?;
        load_flags(input, &mut self.seen, groups)
    }

    fn reset(&mut self, group: u32) {
        self.sums[group as usize] = T::Native::ZERO;
        self.seen[group as usize] = false;
    }
}
