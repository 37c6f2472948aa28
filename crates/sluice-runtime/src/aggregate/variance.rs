use arrow_array::ArrayRef;
use arrow_buffer::BooleanBuffer;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::numeric::{f64_column, for_each_f64};
use super::{AggregateError, GroupAccumulator};
use super::state::{load_slots, save_slots};

/// Which of the four variance functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarianceKind {
    VarPop,
    VarSamp,
    StddevPop,
    StddevSamp,
}

impl VarianceKind {
    /// The variance function an aggregate kind names, if it is one.
    pub fn of(kind: crate::spec::AggregateKind) -> Option<VarianceKind> {
        use crate::spec::AggregateKind;
        match kind {
            AggregateKind::StddevPop => Some(VarianceKind::StddevPop),
            AggregateKind::StddevSamp => Some(VarianceKind::StddevSamp),
            AggregateKind::VarPop => Some(VarianceKind::VarPop),
            AggregateKind::VarSamp => Some(VarianceKind::VarSamp),
            _ => None,
        }
    }
}

/// `VAR_POP`, `VAR_SAMP`, `STDDEV_POP` and `STDDEV_SAMP`, computed as Flink's Calcite
/// reduction does: `(SUM(x * x) - SUM(x) * SUM(x) / COUNT(x)) / COUNT(x)` (or
/// `/ (COUNT(x) - 1)` for the sample variants, NULL when the count is 1), the standard
/// deviations as `POWER(variance, 0.5)`.
///
/// The sums are doubles whatever the input type; an integer result is truncated toward
/// zero at the end (Flink computes integer inputs in their own type, which differs only
/// when the integer sums overflow or lose the fraction earlier).
pub struct VarianceAccumulator {
    kind: VarianceKind,
    sums: Vec<f64>,
    squares: Vec<f64>,
    counts: Vec<i64>,
    output: ArrowType,
}

impl VarianceAccumulator {
    pub fn new(kind: VarianceKind, output: ArrowType) -> Self {
        VarianceAccumulator { kind, sums: Vec::new(), squares: Vec::new(), counts: Vec::new(), output }
    }

    fn result(&self, g: usize) -> Option<f64> {
        variance_result(self.kind, self.counts[g], self.sums[g], self.squares[g])
    }
}

/// The variance function of `n` values with sum `sum` and sum of squares `squares`;
/// `None` (NULL) without values, or with one value for the sample variants.
pub(crate) fn variance_result(kind: VarianceKind, n: i64, sum: f64, squares: f64) -> Option<f64> {
    let sample = matches!(kind, VarianceKind::VarSamp | VarianceKind::StddevSamp);
    if n <= 0 || (sample && n == 1) {
        return None;
    }
    let nf = n as f64;
    let divisor = if sample { nf - 1.0 } else { nf };
    let variance = (squares - sum * sum / nf) / divisor;
    Some(match kind {
        VarianceKind::VarPop | VarianceKind::VarSamp => variance,
        VarianceKind::StddevPop | VarianceKind::StddevSamp => variance.powf(0.5),
    })
}

/// The variance function of `n` integers of a `bits`-bit type, as Flink computes it for
/// an integer argument: the reduction's sums and the square of the sum are in the
/// argument's type (wrapping), its divisions are BIGINT divisions truncating toward zero,
/// and a standard deviation is the square root of that BIGINT variance, truncated (0 for
/// a negative one, as Java casts NaN). `sum` and `squares` are the values' and their
/// squares' sums, wrapping.
pub(crate) fn integer_variance_result(kind: VarianceKind, n: i64, sum: i64, squares: i64, bits: u32) -> Option<i64> {
    let sample = matches!(kind, VarianceKind::VarSamp | VarianceKind::StddevSamp);
    if n <= 0 || (sample && n == 1) {
        return None;
    }
    let sum = wrap_to_bits(sum, bits);
    let sum_squared = wrap_to_bits(sum.wrapping_mul(sum), bits);
    let diff = wrap_to_bits(squares, bits).wrapping_sub(sum_squared.wrapping_div(n));
    let variance = diff.wrapping_div(if sample { n - 1 } else { n });
    Some(match kind {
        VarianceKind::VarPop | VarianceKind::VarSamp => wrap_to_bits(variance, bits),
        VarianceKind::StddevPop | VarianceKind::StddevSamp => (variance as f64).powf(0.5) as i64,
    })
}

/// The variance function of `n` FLOAT values, as Flink's reduction computes it for a
/// FLOAT argument: every sum, product and quotient rounds to a FLOAT, and a standard
/// deviation is the (double) square root of that FLOAT variance. `sum` and `squares` hold
/// FLOATs.
pub(crate) fn float32_variance_result(kind: VarianceKind, n: i64, sum: f64, squares: f64) -> Option<f64> {
    let sample = matches!(kind, VarianceKind::VarSamp | VarianceKind::StddevSamp);
    if n <= 0 || (sample && n == 1) {
        return None;
    }
    let (sum, squares) = (sum as f32, squares as f32);
    let divisor = if sample { n - 1 } else { n };
    let variance = (squares - sum * sum / n as f32) / divisor as f32;
    Some(match kind {
        VarianceKind::VarPop | VarianceKind::VarSamp => f64::from(variance),
        VarianceKind::StddevPop | VarianceKind::StddevSamp => f64::from(variance).powf(0.5),
    })
}

/// `v` wrapped into a signed integer of `bits` bits, as Java narrows a `long`.
pub(crate) fn wrap_to_bits(v: i64, bits: u32) -> i64 {
    match bits {
        1..=63 => (v << (64 - bits)) >> (64 - bits),
        _ => v,
    }
}

/// The width of an integer type, `None` for other types.
pub(crate) fn integer_bits(t: &ArrowType) -> Option<u32> {
    match t {
        ArrowType::Int8 => Some(8),
        ArrowType::Int16 => Some(16),
        ArrowType::Int32 => Some(32),
        ArrowType::Int64 => Some(64),
        _ => None,
    }
}

impl GroupAccumulator for VarianceAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.sums.resize(num_groups, 0.0);
        self.squares.resize(num_groups, 0.0);
        self.counts.resize(num_groups, 0);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = args.first().ok_or_else(|| AggregateError::internal("VARIANCE", "missing argument"))?;
        let (sums, squares, counts) = (&mut self.sums, &mut self.squares, &mut self.counts);
        for_each_f64(values, group_ids, selected, |g, v| {
            sums[g] += v;
            squares[g] += v * v;
            counts[g] += 1;
        })
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let (s, d) = (src as usize, dst as usize);
        self.sums[d] += self.sums[s];
        self.squares[d] += self.squares[s];
        self.counts[d] += self.counts[s];
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let values: Vec<Option<f64>> = groups.iter().map(|g| self.result(*g as usize)).collect();
        f64_column(&values, &self.output)
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_slots(out, &self.sums, groups);
        save_slots(out, &self.squares, groups);
        save_slots(out, &self.counts, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_slots(input, &mut self.sums, groups)?;
        load_slots(input, &mut self.squares, groups)?;
        load_slots(input, &mut self.counts, groups)
    }

    fn reset(&mut self, group: u32) {
        let g = group as usize;
        self.sums[g] = 0.0;
        self.squares[g] = 0.0;
        self.counts[g] = 0;
    }
}
