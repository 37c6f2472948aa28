use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array};
use arrow_buffer::BooleanBuffer;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::selection::for_each_selected;
use super::{AggregateError, GroupAccumulator};
use super::state::{load_slots, save_slots};

/// `COUNT(*)` (no argument: every selected row) and `COUNT(x)` (non-NULL `x`). The
/// result is a BIGINT that is never NULL.
#[derive(Default)]
pub struct CountAccumulator {
    counts: Vec<i64>,
}

impl GroupAccumulator for CountAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.counts.resize(num_groups, 0);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let counts = &mut self.counts;
        let nulls = args.first().and_then(|a| a.logical_nulls());
        for_each_selected(group_ids.len(), nulls.as_ref(), selected, |row| {
            let c = &mut counts[group_ids[row] as usize];
            *c = c.wrapping_add(1);
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let add = self.counts[src as usize];
        let c = &mut self.counts[dst as usize];
        *c = c.wrapping_add(add);
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let values: Vec<i64> = groups.iter().map(|g| self.counts[*g as usize]).collect();
        Ok(Arc::new(Int64Array::from(values)))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_slots(out, &self.counts, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_slots(input, &mut self.counts, groups)
    }

    fn reset(&mut self, group: u32) {
        self.counts[group as usize] = 0;
    }
}
