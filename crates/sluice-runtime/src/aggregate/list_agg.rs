use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_buffer::BooleanBuffer;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::selection::for_each_selected;
use super::{AggregateError, GroupAccumulator};
use super::state::{load_column, save_column, state_error};

/// `LISTAGG(x [, separator])`: the non-NULL values joined in arrival order with the
/// separator (`,` by default); NULL when there is none.
pub struct ListAggAccumulator {
    separator: String,
    lists: Vec<Option<String>>,
}

impl ListAggAccumulator {
    pub fn new(separator: Option<String>) -> Self {
        ListAggAccumulator { separator: separator.unwrap_or_else(|| ",".into()), lists: Vec::new() }
    }

    fn push(list: &mut Option<String>, separator: &str, value: &str) {
        match list {
            Some(s) => {
                s.push_str(separator);
                s.push_str(value);
            }
            None => *list = Some(value.to_string()),
        }
    }
}

impl GroupAccumulator for ListAggAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.lists.resize(num_groups, None);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = args
            .first()
            .and_then(|a| a.as_string_opt::<i32>())
            .ok_or_else(|| AggregateError::internal("LISTAGG", "argument column is not a string"))?;
        let (lists, sep) = (&mut self.lists, self.separator.as_str());
        for_each_selected(group_ids.len(), values.nulls(), selected, |row| {
            Self::push(&mut lists[group_ids[row] as usize], sep, values.value(row));
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        if let Some(v) = self.lists[src as usize].clone() {
            Self::push(&mut self.lists[dst as usize], &self.separator, &v);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        Ok(Arc::new(groups.iter().map(|g| self.lists[*g as usize].as_deref()).collect::<StringArray>()))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let lists: StringArray = groups.iter().map(|g| self.lists[*g as usize].as_deref()).collect();
        save_column(out, Arc::new(lists))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let column = load_column(input, groups.len())?;
        let lists = column.as_string_opt::<i32>().ok_or_else(|| state_error("LISTAGG state is not a string".into()))?;
        for (g, v) in groups.iter().zip(lists.iter()) {
            self.lists[*g as usize] = v.map(str::to_string);
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.lists[group as usize] = None;
    }
}
