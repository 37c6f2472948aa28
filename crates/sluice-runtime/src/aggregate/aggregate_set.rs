use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::BooleanBuffer;
use arrow_schema::{DataType as ArrowType, Schema};
use sluice_connector_api::state::{StateReader, StateWriter};

use super::factory::{create_accumulator, function_name};
use super::selection::true_rows;
use super::state::state_error;
use super::{AggregateError, GroupAccumulator};
use crate::spec::AggregateCall;

/// Where one call reads its inputs.
struct CallInput {
    name: &'static str,
    args: Vec<usize>,
    filter: Option<usize>,
}

/// Every aggregate call of an operator over one shared space of group ids: a group is
/// one (key, window or slice) and has one state slot in each accumulator. Ids of freed
/// groups are reused, so memory follows the number of open groups.
pub struct AggregateSet {
    inputs: Vec<CallInput>,
    accumulators: Vec<Box<dyn GroupAccumulator>>,
    next: u32,
    capacity: usize,
    free: Vec<u32>,
}

/// The types of a call's argument columns in `input`, after checking that they exist and
/// that its FILTER column is BOOLEAN.
pub(crate) fn argument_types(call: &AggregateCall, input: &Schema) -> Result<Vec<ArrowType>, AggregateError> {
    let name = function_name(call.kind);
    let column_type = |i: usize| -> Result<ArrowType, AggregateError> {
        input
            .fields()
            .get(i)
            .map(|f| f.data_type().clone())
            .ok_or_else(|| AggregateError::internal(name, format!("column {i} is not in the input")))
    };
    let arg_types = call.args.iter().map(|&i| column_type(i)).collect::<Result<Vec<_>, _>>()?;
    if let Some(f) = call.filter {
        if column_type(f)? != ArrowType::Boolean {
            return Err(AggregateError::internal(name, "the FILTER column is not BOOLEAN"));
        }
    }
    Ok(arg_types)
}

/// What saved aggregate state means, for the error when a changed query cannot take
/// it: the key types and each call with its argument types, e.g.
/// `GROUP BY (Utf8) computing COUNT(*), SUM(Float64)`.
pub fn state_shape(key_types: &[ArrowType], calls: &[AggregateCall], input: &Schema) -> String {
    let keys: Vec<String> = key_types.iter().map(|t| t.to_string()).collect();
    let calls: Vec<String> = calls
        .iter()
        .map(|call| {
            let args: Vec<String> = argument_types(call, input)
                .map(|types| types.iter().map(|t| t.to_string()).collect())
                .unwrap_or_default();
            let args = if args.is_empty() { "*".to_string() } else { args.join(", ") };
            let distinct = if call.distinct { "DISTINCT " } else { "" };
            let filter = if call.filter.is_some() { " FILTER" } else { "" };
            format!("{}({distinct}{args}){filter}", function_name(call.kind))
        })
        .collect();
    format!("GROUP BY ({}) computing {}", keys.join(", "), calls.join(", "))
}

impl AggregateSet {
    /// `input` is the schema of the batches `update` will be given.
    pub fn new(calls: &[AggregateCall], input: &Schema) -> Result<Self, AggregateError> {
        let mut inputs = Vec::with_capacity(calls.len());
        let mut accumulators = Vec::with_capacity(calls.len());
        for call in calls {
            let name = function_name(call.kind);
            let arg_types = argument_types(call, input)?;
            accumulators.push(create_accumulator(call, &arg_types)?);
            inputs.push(CallInput { name, args: call.args.clone(), filter: call.filter });
        }
        Ok(AggregateSet { inputs, accumulators, next: 0, capacity: 0, free: Vec::new() })
    }

    /// A fresh, empty group.
    pub fn allocate(&mut self) -> u32 {
        if let Some(g) = self.free.pop() {
            return g;
        }
        let g = self.next;
        self.next += 1;
        if self.next as usize > self.capacity {
            self.capacity = (self.capacity * 2).max(64);
            for acc in &mut self.accumulators {
                acc.resize(self.capacity);
            }
        }
        g
    }

    /// Empties a group and makes its id available again.
    pub fn release(&mut self, group: u32) {
        for acc in &mut self.accumulators {
            acc.reset(group);
        }
        self.free.push(group);
    }

    /// Groups allocated and not released.
    pub fn open_groups(&self) -> usize {
        self.next as usize - self.free.len()
    }

    /// Accumulates row `i` of `batch` into `group_ids[i]`, for the rows set in
    /// `selected` (all when `None`) that also pass each call's `FILTER`.
    pub fn update(&mut self, batch: &RecordBatch, group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        for (input, acc) in self.inputs.iter().zip(self.accumulators.iter_mut()) {
            let args: Vec<ArrayRef> = input.args.iter().map(|&i| batch.column(i).clone()).collect();
            let filtered;
            let rows = match input.filter {
                None => selected,
                Some(f) => {
                    let column = batch
                        .column(f)
                        .as_boolean_opt()
                        .ok_or_else(|| AggregateError::internal(input.name, "the FILTER column is not BOOLEAN"))?;
                    let passing = true_rows(column);
                    filtered = match selected {
                        Some(s) => s & &passing,
                        None => passing,
                    };
                    Some(&filtered)
                }
            };
            acc.update(&args, group_ids, rows)?;
        }
        Ok(())
    }

    /// Folds group `src` into `dst` in every accumulator.
    pub fn merge(&mut self, src: u32, dst: u32) {
        for acc in &mut self.accumulators {
            acc.merge(src, dst);
        }
    }

    /// One result column per call for the given groups.
    pub fn evaluate(&self, groups: &[u32]) -> Result<Vec<ArrayRef>, AggregateError> {
        self.accumulators.iter().map(|a| a.evaluate(groups)).collect()
    }

    /// Writes the state of `groups` in every accumulator, for a checkpoint.
    pub fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        out.u64(self.accumulators.len() as u64).u64(groups.len() as u64);
        for acc in &self.accumulators {
            acc.save(groups, out)?;
        }
        Ok(())
    }

    /// Reads what `save` wrote into fresh groups, returned in the saved order.
    pub fn load(&mut self, input: &mut StateReader) -> Result<Vec<u32>, AggregateError> {
        let calls = input.u64().map_err(state_error)?;
        if calls != self.accumulators.len() as u64 {
            return Err(state_error(format!(
                "the saved state has {calls} aggregate calls where the query has {}",
                self.accumulators.len()
            )));
        }
        let count = input.u64().map_err(state_error)?;
        let count = usize::try_from(count).map_err(|_| state_error("the saved group count is corrupt".into()))?;
        // Not trusted for an allocation: each accumulator checks the count it reads.
        let groups: Vec<u32> = (0..count.min(1 << 32)).map(|_| self.allocate()).collect();
        for acc in &mut self.accumulators {
            acc.load(&groups, input)?;
        }
        Ok(groups)
    }
}
