//! `COUNT`, `SUM`, `AVG` and the variance family with retraction: running sums and
//! counts that a retraction subtracts from again.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, ArrowNativeTypeOp, ArrowPrimitiveType, Int64Array, PrimitiveArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::results::{delegate_results, primitive_column, F64Bits, NativeEq, Results};
use super::RetractAccumulator;
use crate::aggregate::avg::{decimal_avg, load_avg, save_avg, AvgMode};
use crate::aggregate::numeric::{f64_column, i64_column, primitive_arg};
use crate::aggregate::variance::{float32_variance_result, integer_variance_result, variance_result, wrap_to_bits, VarianceKind};
use crate::aggregate::AggregateError;
use crate::aggregate::state::{load_slots, save_slots};

/// A bound argument column's NULLs: `true` when row `i` does not take part.
#[inline]
fn is_null(nulls: &Option<NullBuffer>, row: usize) -> bool {
    nulls.as_ref().is_some_and(|n| n.is_null(row))
}

/// `COUNT(*)` and `COUNT(x)`: the count goes down on retraction. Never NULL.
pub struct RetractCount {
    counts: Vec<i64>,
    nulls: Option<NullBuffer>,
    results: Results<i64>,
}

impl RetractCount {
    pub fn new() -> Self {
        RetractCount { counts: Vec::new(), nulls: None, results: Results::new() }
    }
}

impl RetractAccumulator for RetractCount {
    fn resize(&mut self, num_groups: usize) {
        self.counts.resize(num_groups, 0);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.nulls = args.first().and_then(|a| a.logical_nulls()).filter(|n| n.null_count() > 0);
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        if is_null(&self.nulls, row) {
            return;
        }
        let c = &mut self.counts[group as usize];
        *c = if retract { c.wrapping_sub(1) } else { c.wrapping_add(1) };
    }

    #[inline]
    fn push_result(&mut self, group: u32) {
        self.results.push(self.counts[group as usize]);
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        Ok(Arc::new(Int64Array::from(self.results.take())))
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

/// `SUM(x)` in the type of `x` (wrapping like Java), with a count of the non-NULL values
/// so that a group whose values were all retracted is NULL again, as Flink's
/// `SumWithRetractAggFunction` does.
pub struct RetractSum<T: ArrowPrimitiveType> {
    sums: Vec<T::Native>,
    counts: Vec<i64>,
    values: Option<PrimitiveArray<T>>,
    results: Results<NativeEq<T>>,
    output: ArrowType,
}

impl<T: ArrowPrimitiveType> RetractSum<T> {
    pub fn new(output: ArrowType) -> Self {
        RetractSum { sums: Vec::new(), counts: Vec::new(), values: None, results: Results::new(), output }
    }
}

impl<T: ArrowPrimitiveType> RetractAccumulator for RetractSum<T> {
    fn resize(&mut self, num_groups: usize) {
        self.sums.resize(num_groups, T::Native::ZERO);
        self.counts.resize(num_groups, 0);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = primitive_arg::<T>(args, "SUM")?;
        self.values = Some(values.clone());
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(values) = &self.values else { return };
        if values.is_null(row) {
            return;
        }
        let (v, g) = (values.value(row), group as usize);
        if retract {
            self.sums[g] = self.sums[g].sub_wrapping(v);
            self.counts[g] -= 1;
        } else {
            self.sums[g] = self.sums[g].add_wrapping(v);
            self.counts[g] += 1;
        }
    }

    #[inline]
    fn push_result(&mut self, group: u32) {
        let g = group as usize;
        self.results.push(NativeEq((self.counts[g] != 0).then_some(self.sums[g])));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values: Vec<Option<T::Native>> = self.results.take().into_iter().map(|v| v.0).collect();
        Ok(primitive_column::<T>(&values, &self.output))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_slots(out, &self.sums, groups);
        save_slots(out, &self.counts, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_slots(input, &mut self.sums, groups)?;
        load_slots(input, &mut self.counts, groups)
    }

    fn reset(&mut self, group: u32) {
        self.sums[group as usize] = T::Native::ZERO;
        self.counts[group as usize] = 0;
    }
}

/// A numeric argument column read as the type an accumulator sums in.
enum NumColumn {
    None,
    Ints(Vec<i64>, Option<NullBuffer>),
    Floats(Vec<f64>, Option<NullBuffer>),
    Decimals(PrimitiveArray<Decimal128Type>),
}

impl NumColumn {
    fn ints(array: &ArrayRef, function: &str) -> Result<NumColumn, AggregateError> {
        fn read<T: ArrowPrimitiveType>(a: &ArrayRef, conv: impl Fn(T::Native) -> i64) -> NumColumn {
            let a = a.as_primitive::<T>();
            NumColumn::Ints(a.values().iter().map(|v| conv(*v)).collect(), a.nulls().cloned())
        }
        Ok(match array.data_type() {
            ArrowType::Int8 => read::<Int8Type>(array, i64::from),
            ArrowType::Int16 => read::<Int16Type>(array, i64::from),
            ArrowType::Int32 => read::<Int32Type>(array, i64::from),
            ArrowType::Int64 => read::<Int64Type>(array, |v| v),
            other => return Err(AggregateError::internal(function, format!("expected an integer column, got {other}"))),
        })
    }

    fn floats(array: &ArrayRef, function: &str) -> Result<NumColumn, AggregateError> {
        fn read<T: ArrowPrimitiveType>(a: &ArrayRef, conv: impl Fn(T::Native) -> f64) -> NumColumn {
            let a = a.as_primitive::<T>();
            NumColumn::Floats(a.values().iter().map(|v| conv(*v)).collect(), a.nulls().cloned())
        }
        Ok(match array.data_type() {
            ArrowType::Int8 => read::<Int8Type>(array, f64::from),
            ArrowType::Int16 => read::<Int16Type>(array, f64::from),
            ArrowType::Int32 => read::<Int32Type>(array, f64::from),
            ArrowType::Int64 => read::<Int64Type>(array, |v| v as f64),
            ArrowType::Float32 => read::<Float32Type>(array, f64::from),
            ArrowType::Float64 => read::<Float64Type>(array, |v| v),
            ArrowType::Decimal128(_, scale) => {
                let factor = 10f64.powi(i32::from(*scale));
                read::<Decimal128Type>(array, |v| v as f64 / factor)
            }
            other => return Err(AggregateError::internal(function, format!("expected a numeric column, got {other}"))),
        })
    }
}

/// `AVG(x)` with retraction: sum and count of the non-NULL values, divided as
/// `AvgMode` says (the same arithmetic as the window `AVG`), or, for an OVER window,
/// as `SUM(x) / COUNT(x)` with the sum in `x`'s own type (`AvgSum`).
pub struct RetractAvg {
    mode: AvgMode,
    sum: AvgSum,
    int_sums: Vec<i64>,
    float_sums: Vec<f64>,
    decimal_sums: Vec<i128>,
    counts: Vec<i64>,
    column: NumColumn,
    int_results: Results<Option<i64>>,
    float_results: Results<Option<F64Bits>>,
    decimal_results: Results<Option<i128>>,
    output: ArrowType,
}

/// The type `AVG` sums in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvgSum {
    /// Flink's `AvgAggFunction` (`GROUP BY` and windows): a BIGINT sum of integers, a
    /// DOUBLE sum of FLOAT and DOUBLE values.
    Wide,
    /// Calcite's expansion of `AVG(x) OVER w` into `SUM(x) OVER w / COUNT(x) OVER w`:
    /// an integer sum wraps in `x`'s type (of this many bits), then divides as a
    /// BIGINT, truncating.
    Integer { bits: u32 },
    /// The same expansion for FLOAT: the sum rounds to a FLOAT at every step and
    /// divides as a FLOAT.
    Float32,
}

impl RetractAvg {
    pub fn new(mode: AvgMode, sum: AvgSum, output: ArrowType) -> Self {
        RetractAvg {
            mode,
            sum,
            int_sums: Vec::new(),
            float_sums: Vec::new(),
            decimal_sums: Vec::new(),
            counts: Vec::new(),
            column: NumColumn::None,
            int_results: Results::new(),
            float_results: Results::new(),
            decimal_results: Results::new(),
            output,
        }
    }
}

impl RetractAccumulator for RetractAvg {
    fn resize(&mut self, num_groups: usize) {
        self.counts.resize(num_groups, 0);
        match self.mode {
            AvgMode::Integer => self.int_sums.resize(num_groups, 0),
            AvgMode::Float => self.float_sums.resize(num_groups, 0.0),
            AvgMode::Decimal { .. } => self.decimal_sums.resize(num_groups, 0),
        }
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = args.first().ok_or_else(|| AggregateError::internal("AVG", "missing argument"))?;
        self.column = match self.mode {
            AvgMode::Integer => NumColumn::ints(values, "AVG")?,
            AvgMode::Float => NumColumn::floats(values, "AVG")?,
            AvgMode::Decimal { .. } => NumColumn::Decimals(
                values
                    .as_primitive_opt::<Decimal128Type>()
                    .ok_or_else(|| AggregateError::internal("AVG", "expected a decimal column"))?
                    .clone(),
            ),
        };
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let g = group as usize;
        let sign = if retract { -1 } else { 1 };
        match &self.column {
            NumColumn::Ints(values, nulls) => {
                if is_null(nulls, row) {
                    return;
                }
                self.int_sums[g] = self.int_sums[g].wrapping_add(values[row].wrapping_mul(sign));
            }
            NumColumn::Floats(values, nulls) => {
                if is_null(nulls, row) {
                    return;
                }
                if self.sum == AvgSum::Float32 {
                    self.float_sums[g] = f64::from(self.float_sums[g] as f32 + (values[row] * sign as f64) as f32);
                } else {
                    self.float_sums[g] += values[row] * sign as f64;
                }
            }
            NumColumn::Decimals(a) => {
                if a.is_null(row) {
                    return;
                }
                self.decimal_sums[g] = self.decimal_sums[g].wrapping_add(a.value(row).wrapping_mul(i128::from(sign)));
            }
            NumColumn::None => return,
        }
        self.counts[g] += sign;
    }

    #[inline]
    fn push_result(&mut self, group: u32) {
        let g = group as usize;
        let n = self.counts[g];
        match self.mode {
            AvgMode::Integer => {
                let sum = match self.sum {
                    AvgSum::Integer { bits } => wrap_to_bits(self.int_sums[g], bits),
                    _ => self.int_sums[g],
                };
                self.int_results.push((n != 0).then(|| sum.wrapping_div(n)))
            }
            AvgMode::Float => self.float_results.push((n != 0).then(|| {
                let sum = self.float_sums[g];
                F64Bits::of(if self.sum == AvgSum::Float32 { f64::from(sum as f32 / n as f32) } else { sum / n as f64 })
            })),
            AvgMode::Decimal { input_scale, output_scale } => self
                .decimal_results
                .push((n != 0).then(|| decimal_avg(self.decimal_sums[g], n, input_scale, output_scale)).flatten()),
        }
    }

    fn pop_results(&mut self, n: usize) {
        self.int_results.pop(n);
        self.float_results.pop(n);
        self.decimal_results.pop(n);
    }

    fn remove_before_last(&mut self) {
        self.int_results.remove_before_last();
        self.float_results.remove_before_last();
        self.decimal_results.remove_before_last();
    }

    fn last_two_equal(&self) -> bool {
        match self.mode {
            AvgMode::Integer => self.int_results.last_two_equal(),
            AvgMode::Float => self.float_results.last_two_equal(),
            AvgMode::Decimal { .. } => self.decimal_results.last_two_equal(),
        }
    }

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        match self.mode {
            AvgMode::Integer => i64_column(&self.int_results.take(), &self.output),
            AvgMode::Float => {
                let v: Vec<Option<f64>> = self.float_results.take().into_iter().map(|v| v.map(F64Bits::get)).collect();
                f64_column(&v, &self.output)
            }
            AvgMode::Decimal { .. } => Ok(primitive_column::<Decimal128Type>(&self.decimal_results.take(), &self.output)),
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

/// `VAR_POP`, `VAR_SAMP`, `STDDEV_POP`, `STDDEV_SAMP` with retraction: the sums of `x`
/// and `x * x` and the count go down again. In an OVER window, where Calcite reduces the
/// function to sums in the argument's type, an integer argument is summed in its own type
/// (`integer_variance_result`) and a FLOAT one as FLOATs (`float32_variance_result`);
/// otherwise the sums are doubles.
pub struct RetractVariance {
    kind: VarianceKind,
    /// The argument is a FLOAT.
    float32: bool,
    /// The width of an integer argument's type.
    int_bits: Option<u32>,
    sums: Vec<f64>,
    squares: Vec<f64>,
    int_sums: Vec<i64>,
    int_squares: Vec<i64>,
    counts: Vec<i64>,
    column: NumColumn,
    results: Results<Option<F64Bits>>,
    int_results: Results<Option<i64>>,
    output: ArrowType,
}

impl RetractVariance {
    /// `int_bits`: the width of an integer argument's type, `None` for other types.
    /// `float32`: the argument is a FLOAT.
    pub fn new(kind: VarianceKind, int_bits: Option<u32>, float32: bool, output: ArrowType) -> Self {
        RetractVariance {
            kind,
            float32,
            int_bits,
            sums: Vec::new(),
            squares: Vec::new(),
            int_sums: Vec::new(),
            int_squares: Vec::new(),
            counts: Vec::new(),
            column: NumColumn::None,
            results: Results::new(),
            int_results: Results::new(),
            output,
        }
    }
}

impl RetractAccumulator for RetractVariance {
    fn resize(&mut self, num_groups: usize) {
        if self.int_bits.is_some() {
            self.int_sums.resize(num_groups, 0);
            self.int_squares.resize(num_groups, 0);
        } else {
            self.sums.resize(num_groups, 0.0);
            self.squares.resize(num_groups, 0.0);
        }
        self.counts.resize(num_groups, 0);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = args.first().ok_or_else(|| AggregateError::internal("VARIANCE", "missing argument"))?;
        self.column = match self.int_bits {
            Some(_) => NumColumn::ints(values, "VARIANCE")?,
            None => NumColumn::floats(values, "VARIANCE")?,
        };
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let g = group as usize;
        match &self.column {
            NumColumn::Floats(values, nulls) => {
                if is_null(nulls, row) {
                    return;
                }
                let v = values[row];
                let sign = if retract { -1.0 } else { 1.0 };
                if self.float32 {
                    let v = (sign * v) as f32;
                    self.sums[g] = f64::from(self.sums[g] as f32 + v);
                    self.squares[g] = f64::from(self.squares[g] as f32 + sign as f32 * (v * v));
                } else {
                    self.sums[g] += sign * v;
                    self.squares[g] += sign * v * v;
                }
            }
            NumColumn::Ints(values, nulls) => {
                if is_null(nulls, row) {
                    return;
                }
                let v = values[row];
                let square = v.wrapping_mul(v);
                if retract {
                    self.int_sums[g] = self.int_sums[g].wrapping_sub(v);
                    self.int_squares[g] = self.int_squares[g].wrapping_sub(square);
                } else {
                    self.int_sums[g] = self.int_sums[g].wrapping_add(v);
                    self.int_squares[g] = self.int_squares[g].wrapping_add(square);
                }
            }
            _ => return,
        }
        self.counts[g] += if retract { -1 } else { 1 };
    }

    fn push_result(&mut self, group: u32) {
        let g = group as usize;
        match self.int_bits {
            Some(bits) => self.int_results.push(integer_variance_result(
                self.kind,
                self.counts[g],
                self.int_sums[g],
                self.int_squares[g],
                bits,
            )),
            None => {
                let result = if self.float32 { float32_variance_result } else { variance_result };
                let r = result(self.kind, self.counts[g], self.sums[g], self.squares[g]);
                self.results.push(r.map(F64Bits::of));
            }
        }
    }

    fn pop_results(&mut self, n: usize) {
        self.results.pop(n);
        self.int_results.pop(n);
    }

    fn remove_before_last(&mut self) {
        self.results.remove_before_last();
        self.int_results.remove_before_last();
    }

    fn last_two_equal(&self) -> bool {
        match self.int_bits {
            Some(_) => self.int_results.last_two_equal(),
            None => self.results.last_two_equal(),
        }
    }

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        if self.int_bits.is_some() {
            return i64_column(&self.int_results.take(), &self.output);
        }
        let v: Vec<Option<f64>> = self.results.take().into_iter().map(|v| v.map(F64Bits::get)).collect();
        f64_column(&v, &self.output)
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        if self.int_bits.is_some() {
            save_slots(out, &self.int_sums, groups);
            save_slots(out, &self.int_squares, groups);
        } else {
            save_slots(out, &self.sums, groups);
            save_slots(out, &self.squares, groups);
        }
        save_slots(out, &self.counts, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        if self.int_bits.is_some() {
            load_slots(input, &mut self.int_sums, groups)?;
            load_slots(input, &mut self.int_squares, groups)?;
        } else {
            load_slots(input, &mut self.sums, groups)?;
            load_slots(input, &mut self.squares, groups)?;
        }
        load_slots(input, &mut self.counts, groups)
    }

    fn reset(&mut self, group: u32) {
        let g = group as usize;
        if self.int_bits.is_some() {
            self.int_sums[g] = 0;
            self.int_squares[g] = 0;
        } else {
            self.sums[g] = 0.0;
            self.squares[g] = 0.0;
        }
        self.counts[g] = 0;
    }
}
