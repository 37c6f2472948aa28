use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Decimal128Type;
use arrow_array::{Array, ArrayRef, PrimitiveArray};
use arrow_buffer::{BooleanBuffer, ScalarBuffer};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::numeric::{f64_column, for_each_f64, for_each_i64, i64_column};
use super::selection::{for_each_selected, nulls_from_flags};
use super::{AggregateError, GroupAccumulator};
use super::state::{load_slots, save_slots};

/// How `AVG` sums, following Flink's `AvgAggFunction` family.
#[derive(Clone, Copy, Debug)]
pub enum AvgMode {
    /// TINYINT..BIGINT: the sum is a BIGINT (wrapping), the result `sum / count`
    /// truncated toward zero, in the input's type.
    Integer,
    /// FLOAT and DOUBLE: a DOUBLE sum divided by the count.
    Float,
    /// DECIMAL(p, s): an exact sum, divided with HALF_UP rounding to the result's scale.
    Decimal { input_scale: i8, output_scale: i8 },
}

impl AvgMode {
    /// How `AVG` of `input` into `output` sums; `None` when it cannot.
    pub fn for_types(input: &ArrowType, output: &ArrowType) -> Option<AvgMode> {
        match (input, output) {
            (ArrowType::Decimal128(_, s), ArrowType::Decimal128(_, o)) => {
                Some(AvgMode::Decimal { input_scale: *s, output_scale: *o })
            }
            (ArrowType::Int8 | ArrowType::Int16 | ArrowType::Int32 | ArrowType::Int64, o) if o.is_integer() => {
                Some(AvgMode::Integer)
            }
            (i, o) if super::numeric::is_f64_readable(i) && super::numeric::is_f64_producible(o) => {
                Some(AvgMode::Float)
            }
            _ => None,
        }
    }
}

/// `AVG(x)`: NULL for a group without a non-NULL value.
pub struct AvgAccumulator {
    mode: AvgMode,
    int_sums: Vec<i64>,
    float_sums: Vec<f64>,
    decimal_sums: Vec<i128>,
    counts: Vec<i64>,
    output: ArrowType,
}

impl AvgAccumulator {
    pub fn new(mode: AvgMode, output: ArrowType) -> Self {
        AvgAccumulator {
            mode,
            int_sums: Vec::new(),
            float_sums: Vec::new(),
            decimal_sums: Vec::new(),
            counts: Vec::new(),
            output,
        }
    }
}

impl GroupAccumulator for AvgAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.counts.resize(num_groups, 0);
        match self.mode {
            AvgMode::Integer => self.int_sums.resize(num_groups, 0),
            AvgMode::Float => self.float_sums.resize(num_groups, 0.0),
            AvgMode::Decimal { .. } => self.decimal_sums.resize(num_groups, 0),
        }
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = args.first().ok_or_else(|| AggregateError::internal("AVG", "missing argument"))?;
        let counts = &mut self.counts;
        match self.mode {
            AvgMode::Integer => {
                let sums = &mut self.int_sums;
                for_each_i64(values, group_ids, selected, |g, v| {
                    sums[g] = sums[g].wrapping_add(v);
                    counts[g] += 1;
                })
            }
            AvgMode::Float => {
                let sums = &mut self.float_sums;
                for_each_f64(values, group_ids, selected, |g, v| {
                    sums[g] += v;
                    counts[g] += 1;
                })
            }
            AvgMode::Decimal { .. } => {
                let a = values
                    .as_primitive_opt::<Decimal128Type>()
                    .ok_or_else(|| AggregateError::internal("AVG", "expected a decimal column"))?;
                let (raw, sums) = (a.values(), &mut self.decimal_sums);
                for_each_selected(group_ids.len(), a.nulls(), selected, |row| {
                    let g = group_ids[row] as usize;
                    sums[g] = sums[g].wrapping_add(raw[row]);
                    counts[g] += 1;
                });
                Ok(())
            }
        }
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let (s, d) = (src as usize, dst as usize);
        self.counts[d] += self.counts[s];
        match self.mode {
            AvgMode::Integer => self.int_sums[d] = self.int_sums[d].wrapping_add(self.int_sums[s]),
            AvgMode::Float => self.float_sums[d] += self.float_sums[s],
            AvgMode::Decimal { .. } => self.decimal_sums[d] = self.decimal_sums[d].wrapping_add(self.decimal_sums[s]),
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let count = |g: u32| self.counts[g as usize];
        match self.mode {
            AvgMode::Integer => {
                let v: Vec<Option<i64>> = groups
                    .iter()
                    .map(|&g| (count(g) > 0).then(|| self.int_sums[g as usize].wrapping_div(count(g))))
                    .collect();
                i64_column(&v, &self.output)
            }
            AvgMode::Float => {
                let v: Vec<Option<f64>> = groups
                    .iter()
                    .map(|&g| (count(g) > 0).then(|| self.float_sums[g as usize] / count(g) as f64))
                    .collect();
                f64_column(&v, &self.output)
            }
            AvgMode::Decimal { input_scale, output_scale } => {
                let v: Vec<Option<i128>> = groups
                    .iter()
                    .map(|&g| {
                        let n = count(g);
                        (n > 0).then(|| decimal_avg(self.decimal_sums[g as usize], n, input_scale, output_scale)).flatten()
                    })
                    .collect();
                let raw: ScalarBuffer<i128> = v.iter().map(|x| x.unwrap_or(0)).collect();
                let nulls = nulls_from_flags(v.iter().map(Option::is_some));
                Ok(Arc::new(PrimitiveArray::<Decimal128Type>::new(raw, nulls).with_data_type(self.output.clone())))
            }
        }
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_avg(out, self.mode, &self.counts, (&self.int_sums, &self.float_sums, &self.decimal_sums), groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_avg(input, self.mode, &mut self.counts, (&mut self.int_sums, &mut self.float_sums, &mut self.decimal_sums), groups)
    }

    fn reset(&mut self, group: u32) {
        let g = group as usize;
        self.counts[g] = 0;
        match self.mode {
            AvgMode::Integer => self.int_sums[g] = 0,
            AvgMode::Float => self.float_sums[g] = 0.0,
            AvgMode::Decimal { .. } => self.decimal_sums[g] = 0,
        }
    }
}

/// `sum / count` rescaled from `input_scale` to `output_scale`, rounded HALF_UP like
/// `BigDecimal.divide`; `None` when it does not fit.
pub(crate) fn decimal_avg(sum: i128, count: i64, input_scale: i8, output_scale: i8) -> Option<i128> {
    let shift = i32::from(output_scale) - i32::from(input_scale);
    let (num, den) = if shift >= 0 {
        (sum.checked_mul(10i128.checked_pow(shift as u32)?)?, i128::from(count))
    } else {
        (sum, i128::from(count).checked_mul(10i128.checked_pow((-shift) as u32)?)?)
    };
    let q = num / den;
    let r = num % den;
    // Round half away from zero: |2r| >= den.
    if r.unsigned_abs().checked_mul(2)? >= den.unsigned_abs() {
        Some(if num < 0 { q - 1 } else { q + 1 })
    } else {
        Some(q)
    }
}

/// Writes the counts and the running sums (of the mode in use) of an `AVG`, this one's
/// or the retracting one's, for `groups`.
pub(crate) fn save_avg(out: &mut StateWriter, mode: AvgMode, counts: &[i64], sums: (&[i64], &[f64], &[i128]), groups: &[u32]) {
    save_slots(out, counts, groups);
    match mode {
        AvgMode::Integer => save_slots(out, sums.0, groups),
        AvgMode::Float => save_slots(out, sums.1, groups),
        AvgMode::Decimal { .. } => save_slots(out, sums.2, groups),
    }
}

/// Reads what `save_avg` wrote into `groups`.
pub(crate) fn load_avg(
    input: &mut StateReader,
    mode: AvgMode,
    counts: &mut [i64],
    sums: (&mut [i64], &mut [f64], &mut [i128]),
    groups: &[u32],
) -> Result<(), AggregateError> {
    load_slots(input, counts, groups)?;
    match mode {
        AvgMode::Integer => load_slots(input, sums.0, groups),
        AvgMode::Float => load_slots(input, sums.1, groups),
        AvgMode::Decimal { .. } => load_slots(input, sums.2, groups),
    }
}
