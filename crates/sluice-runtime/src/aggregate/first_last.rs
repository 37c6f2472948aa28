use arrow_array::{Array, ArrayRef};
use arrow_buffer::BooleanBuffer;
use arrow_row::OwnedRow;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::selection::for_each_selected;
use super::value_codec::ValueCodec;
use super::{AggregateError, GroupAccumulator};
use super::state::{load_rows, save_rows, state_error};

/// `FIRST_VALUE(x)` / `LAST_VALUE(x)`: the first or last non-NULL value in arrival order
/// (Flink skips NULLs for both). Works for every type through `ValueCodec`.
pub struct FirstLastAccumulator {
    last: bool,
    codec: ValueCodec,
    values: Vec<Option<OwnedRow>>,
}

impl FirstLastAccumulator {
    pub fn new(last: bool, input: &ArrowType) -> Result<Self, AggregateError> {
        let name = if last { "LAST_VALUE" } else { "FIRST_VALUE" };
        Ok(FirstLastAccumulator { last, codec: ValueCodec::new(name, std::slice::from_ref(input))?, values: Vec::new() })
    }
}

impl GroupAccumulator for FirstLastAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.values.resize(num_groups, None);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal("FIRST_VALUE", "missing argument"))?;
        let rows = self.codec.encode(std::slice::from_ref(column))?;
        let (values, last) = (&mut self.values, self.last);
        for_each_selected(group_ids.len(), column.logical_nulls().as_ref(), selected, |row| {
            let slot = &mut values[group_ids[row] as usize];
            if last || slot.is_none() {
                *slot = Some(rows.row(row).owned());
            }
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let Some(v) = self.values[src as usize].clone() else { return };
        let slot = &mut self.values[dst as usize];
        if self.last || slot.is_none() {
            *slot = Some(v);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let rows = groups.iter().map(|g| self.values[*g as usize].as_ref().map(|r| r.row()));
        let mut columns = self.codec.decode(rows)?;
        columns.pop().ok_or_else(|| AggregateError::internal("FIRST_VALUE", "no column decoded"))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_rows(out, &self.codec, groups.iter().map(|g| self.values[*g as usize].as_ref().map(|r| r.row())))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let saved = load_rows(input, &self.codec)?;
        if saved.len() != groups.len() {
            return Err(state_error(format!("{} saved values for {} groups", saved.len(), groups.len())));
        }
        for (g, v) in groups.iter().zip(saved) {
            self.values[*g as usize] = v;
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.values[group as usize] = None;
    }
}
