use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::BooleanBuffer;
use arrow_schema::Schema;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::{create_retract_accumulator, CallSite, RetractAccumulator};
use crate::aggregate::selection::true_rows;
use crate::aggregate::{function_name, AggregateError};
use crate::spec::AggregateCall;

/// Where one call reads its inputs.
struct CallInput {
    name: &'static str,
    args: Vec<usize>,
    filter: Option<usize>,
}

/// Every aggregate call of an updating `GROUP BY` over one space of group ids, bound to
/// one input batch at a time. A row is applied to (or retracted from) every call whose
/// `FILTER` it passes.
pub struct RetractAggregates {
    inputs: Vec<CallInput>,
    accumulators: Vec<Box<dyn RetractAccumulator>>,
    /// Per call, the rows of the bound batch that pass its `FILTER`.
    selected: Vec<Option<BooleanBuffer>>,
    capacity: usize,
}

impl RetractAggregates {
    /// `input` is the schema of the batches `bind` will be given; `insert_only` when the
    /// input never retracts, `site` where the calls are (see `create_retract_accumulator`).
    pub fn new(calls: &[AggregateCall], input: &Schema, insert_only: bool, site: CallSite) -> Result<Self, AggregateError> {
        let mut inputs = Vec::with_capacity(calls.len());
        let mut accumulators = Vec::with_capacity(calls.len());
        for call in calls {
            let name = function_name(call.kind);
            let arg_types = crate::aggregate::aggregate_set::argument_types(call, input)?;
            accumulators.push(create_retract_accumulator(call, &arg_types, insert_only, site)?);
            inputs.push(CallInput { name, args: call.args.clone(), filter: call.filter });
        }
        let selected = vec![None; calls.len()];
        Ok(RetractAggregates { inputs, accumulators, selected, capacity: 0 })
    }

    /// Makes room for group ids `0..num_groups` (growing by doubling).
    pub fn ensure_groups(&mut self, num_groups: usize) {
        if num_groups <= self.capacity {
            return;
        }
        self.capacity = num_groups.max(self.capacity * 2).max(64);
        for acc in &mut self.accumulators {
            acc.resize(self.capacity);
        }
    }

    /// Makes `batch` the batch whose rows `apply` reads.
    pub fn bind(&mut self, batch: &RecordBatch) -> Result<(), AggregateError> {
        for ((input, acc), selected) in self.inputs.iter().zip(self.accumulators.iter_mut()).zip(self.selected.iter_mut()) {
            let args: Vec<ArrayRef> = input.args.iter().map(|&i| batch.column(i).clone()).collect();
            acc.bind(&args)?;
            *selected = match input.filter {
                None => None,
                Some(f) => {
                    let column = batch
                        .column(f)
                        .as_boolean_opt()
                        .ok_or_else(|| AggregateError::internal(input.name, "the FILTER column is not BOOLEAN"))?;
                    Some(true_rows(column))
                }
            };
        }
        Ok(())
    }

    /// Adds row `row` of the bound batch to `group` (takes it back when `retract`).
    #[inline]
    pub fn apply(&mut self, row: usize, group: u32, retract: bool) {
        for (acc, selected) in self.accumulators.iter_mut().zip(&self.selected) {
            if selected.as_ref().is_none_or(|s| s.value(row)) {
                acc.apply(row, group, retract);
            }
        }
    }

    /// Records the current results of `group` as the next output row's values.
    #[inline]
    pub fn push_results(&mut self, group: u32) {
        for acc in &mut self.accumulators {
            acc.push_result(group);
        }
    }

    /// Drops the last `n` recorded rows of results.
    pub fn pop_results(&mut self, n: usize) {
        for acc in &mut self.accumulators {
            acc.pop_results(n);
        }
    }

    /// Drops the second-to-last recorded row of results.
    pub fn remove_before_last(&mut self) {
        for acc in &mut self.accumulators {
            acc.remove_before_last();
        }
    }

    /// Whether the last two recorded rows of results are equal in every call.
    #[inline]
    pub fn last_two_equal(&self) -> bool {
        self.accumulators.iter().all(|a| a.last_two_equal())
    }

    /// One column per call of the recorded results; the record starts empty again.
    pub fn take_results(&mut self) -> Result<Vec<ArrayRef>, AggregateError> {
        self.accumulators.iter_mut().map(|a| a.take_results()).collect()
    }

    /// Empties a group so that its id can be reused.
    pub fn reset(&mut self, group: u32) {
        for acc in &mut self.accumulators {
            acc.reset(group);
        }
    }

    /// Writes the state of `groups` in every call, for a checkpoint.
    pub fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        out.u64(self.accumulators.len() as u64);
        for acc in &self.accumulators {
            acc.save(groups, out)?;
        }
        Ok(())
    }

    /// Reads what `save` wrote into `groups` (which must have room and be empty).
    pub fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let calls = input.u64().map_err(AggregateError::State)?;
        if calls != self.accumulators.len() as u64 {
            return Err(AggregateError::State(format!(
                "the saved state has {calls} aggregate calls where the query has {}",
                self.accumulators.len()
            )));
        }
        for acc in &mut self.accumulators {
            acc.load(groups, input)?;
        }
        Ok(())
    }
}
