//! `LAG(x [, offset [, default]]) OVER (...)`, as Flink's `LagAggFunction` computes it in
//! an OVER window whose frame runs from the partition's start (the only one Flink lets
//! `LAG` have): each group keeps the last `offset + 1` values; the result is the oldest
//! of them once there are that many, else the default (NULL unless given). The offset and
//! the default are the latest row's, as Flink's accumulator takes them from each row. A
//! negative offset fails, with Flink's message.

use std::collections::VecDeque;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, Int32Array};
use arrow_row::Rows;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::retract::{delegate_results, Results, RetractAccumulator};
use super::state::{corrupt, load_encoded, save_encoded, state_error};
use super::value_codec::ValueCodec;
use super::AggregateError;

#[derive(Clone)]
struct Lag {
    values: VecDeque<Box<[u8]>>,
    offset: usize,
    /// The default's encoding; `None`: NULL.
    default: Option<Box<[u8]>>,
}

impl Default for Lag {
    fn default() -> Self {
        Lag { values: VecDeque::new(), offset: 1, default: None }
    }
}

/// The argument columns of a batch, bound once.
struct Bound {
    values: Rows,
    offsets: Option<Int32Array>,
    defaults: Option<(Rows, Option<arrow_buffer::NullBuffer>)>,
}

pub struct LagAccumulator {
    codec: ValueCodec,
    groups: Vec<Lag>,
    bound: Option<Bound>,
    results: Results<Option<Box<[u8]>>>,
    /// The first failure of `apply` (a negative offset), reported by `take_results`.
    failed: Option<AggregateError>,
}

impl LagAccumulator {
    pub fn new(input: &ArrowType) -> Result<Self, AggregateError> {
        Ok(LagAccumulator {
            codec: ValueCodec::new("LAG", std::slice::from_ref(input))?,
            groups: Vec::new(),
            bound: None,
            results: Results::new(),
            failed: None,
        })
    }
}

impl RetractAccumulator for LagAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, Lag::default);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let value = args.first().ok_or_else(|| AggregateError::internal("LAG", "missing argument"))?;
        let offsets = match args.get(1) {
            Some(a) => Some(
                a.as_primitive_opt::<Int32Type>()
                    .ok_or_else(|| AggregateError::internal("LAG", "the offset is not an INT column"))?
                    .clone(),
            ),
            None => None,
        };
        let defaults = match args.get(2) {
            Some(a) => Some((self.codec.encode(std::slice::from_ref(a))?, a.logical_nulls())),
            None => None,
        };
        self.bound = Some(Bound { values: self.codec.encode(std::slice::from_ref(value))?, offsets, defaults });
        Ok(())
    }

    /// Adds a row. Flink's `LAG` has no retraction: its frame never drops a row.
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(bound) = &self.bound else { return };
        if retract {
            return;
        }
        let lag = &mut self.groups[group as usize];
        if let Some(offsets) = &bound.offsets {
            // A NULL offset keeps the last one (Java would fail unboxing it).
            if offsets.is_valid(row) {
                let offset = offsets.value(row);
                if offset < 0 {
                    self.failed.get_or_insert_with(|| AggregateError::Runtime(format!("Offset({offset}) should be positive.")));
                    return;
                }
                lag.offset = offset as usize;
            }
        }
        if let Some((defaults, nulls)) = &bound.defaults {
            lag.default = match nulls {
                Some(n) if n.is_null(row) => None,
                _ => Some(defaults.row(row).data().into()),
            };
        }
        lag.values.push_back(bound.values.row(row).data().into());
        while lag.values.len() > lag.offset + 1 {
            lag.values.pop_front();
        }
    }

    fn push_result(&mut self, group: u32) {
        let lag = &self.groups[group as usize];
        let value = if lag.values.len() < lag.offset + 1 { lag.default.clone() } else { lag.values.front().cloned() };
        self.results.push(value);
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let values = self.results.take();
        let mut columns = self.codec.decode_bytes(values.iter().map(|v| v.as_deref()))?;
        columns.pop().ok_or_else(|| AggregateError::internal("LAG", "no column decoded"))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = Lag::default();
    }

    /// Each group's offset, whether it has a default, its values, then the defaults.
    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let chosen: Vec<&Lag> = groups.iter().map(|g| &self.groups[*g as usize]).collect();
        let offsets: Vec<u64> = chosen.iter().map(|l| l.offset as u64).collect();
        out.natives(&offsets).bools(chosen.iter().map(|l| l.default.is_some()));
        let lengths: Vec<u32> = chosen.iter().map(|l| l.values.len() as u32).collect();
        save_encoded(out, &self.codec, &lengths, chosen.iter().flat_map(|l| l.values.iter().map(|v| &**v)))?;
        let lengths: Vec<u32> = chosen.iter().map(|l| u32::from(l.default.is_some())).collect();
        save_encoded(out, &self.codec, &lengths, chosen.iter().filter_map(|l| l.default.as_deref()))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let offsets = input.natives::<u64>().map_err(state_error)?;
        let has_default = input.bools().map_err(state_error)?;
        let values = load_encoded(input, &self.codec, groups.len())?;
        let defaults = load_encoded(input, &self.codec, groups.len())?;
        if offsets.len() != groups.len() || has_default.len() != groups.len() {
            return Err(corrupt("LAG state"));
        }
        for (i, g) in groups.iter().enumerate() {
            let default = defaults[i].first().cloned();
            if default.is_some() != has_default[i] {
                return Err(corrupt("LAG defaults"));
            }
            self.groups[*g as usize] = Lag { values: values[i].clone().into(), offset: offsets[i] as usize, default };
        }
        Ok(())
    }
}
