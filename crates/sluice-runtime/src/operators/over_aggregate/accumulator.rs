//! The five aggregates an OVER window computes (`COUNT`, `SUM`, `AVG`, `MIN`, `MAX`),
//! with retraction so that bounded frames slide in constant time per row, and Flink's
//! arithmetic: integer `SUM` wraps in the result type, integer `AVG` divides a `BIGINT`
//! sum and truncates, `FLOAT` sums in single precision, `DECIMAL` `AVG` rounds half up.

use std::collections::{BTreeMap, VecDeque};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_row::{RowConverter, SortField};
use arrow_schema::DataType as ArrowType;

use crate::operators::window_rank::batch_store::RowRef;
use crate::spec::{AggregateCall, AggregateKind};
use crate::RuntimeError;

/// What one row contributes to one aggregate.
#[derive(Clone, Debug)]
pub(super) enum AggInput {
    /// NULL argument or filtered out: the row does not count.
    Skip,
    /// `COUNT(*)`, or `COUNT(x)` of a non-null `x`.
    Present,
    Int(i64),
    Float(f64),
    Decimal(i128),
    /// `MIN`/`MAX`: the value in comparable bytes, and the row that holds it.
    Ordered(Vec<u8>),
}

/// The finished value of one aggregate for one output row.
#[derive(Clone, Debug)]
pub(super) enum AggValue {
    Null,
    Int(i64),
    Float(f64),
    Decimal(i128),
    /// `MIN`/`MAX`: the row holding the value (`None`: no value).
    Row(Option<RowRef>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Numeric {
    Int,
    Float32,
    Float64,
    Decimal { scale: i8 },
}

/// How one aggregate call reads its argument and finishes its value.
pub(super) struct AggPlan {
    kind: AggregateKind,
    arg: Option<usize>,
    filter: Option<usize>,
    numeric: Option<Numeric>,
    /// `AVG` of a DECIMAL: the result's scale.
    out_scale: i8,
    ordered: Option<RowConverter>,
}

fn unsupported(message: String) -> RuntimeError {
    RuntimeError::Operator { node: "OverAggregateOperator".into(), message }
}

impl AggPlan {
    pub fn new(call: &AggregateCall, arg_type: Option<&ArrowType>, out_type: &ArrowType) -> Result<Self, RuntimeError> {
        if call.distinct {
            return Err(unsupported(format!("DISTINCT is not supported in OVER aggregates ({:?})", call.kind)));
        }
        let arg = call.args.first().copied();
        let numeric = match arg_type {
            Some(ArrowType::Int8 | ArrowType::Int16 | ArrowType::Int32 | ArrowType::Int64) => Some(Numeric::Int),
            Some(ArrowType::Float32) => Some(Numeric::Float32),
            Some(ArrowType::Float64) => Some(Numeric::Float64),
            Some(ArrowType::Decimal128(_, s)) => Some(Numeric::Decimal { scale: *s }),
            _ => None,
        };
        let mut ordered = None;
        match call.kind {
            AggregateKind::Count => {}
            AggregateKind::Sum | AggregateKind::Avg => {
                if numeric.is_none() || arg.is_none() {
                    return Err(unsupported(format!("{:?} over {:?} is not supported in OVER aggregates", call.kind, arg_type)));
                }
            }
            AggregateKind::Min | AggregateKind::Max => {
                let t = arg_type.ok_or_else(|| unsupported("MIN and MAX need an argument".into()))?;
                let c = RowConverter::new(vec![SortField::new(t.clone())])
                    .map_err(|e| unsupported(format!("MIN/MAX over {t} is not supported: {e}")))?;
                ordered = Some(c);
            }
            other => return Err(unsupported(format!("{other:?} is not supported in OVER aggregates yet"))),
        }
        let out_scale = match out_type {
            ArrowType::Decimal128(_, s) => *s,
            _ => 0,
        };
        Ok(AggPlan { kind: call.kind, arg, filter: call.filter, numeric, out_scale, ordered })
    }

    pub fn new_acc(&self, retracting: bool) -> Acc {
        Acc { count: 0, int: 0, float: 0.0, decimal: 0, ordered: BTreeMap::new(), retracting }
    }

    /// What each row of `data` contributes.
    pub fn inputs(&self, data: &RecordBatch) -> Result<Vec<AggInput>, RuntimeError> {
        let n = data.num_rows();
        let column = |c: usize| {
            data.columns().get(c).cloned().ok_or_else(|| RuntimeError::Internal(format!("column {c} is out of range")))
        };
        let keep: Vec<bool> = match self.filter {
            Some(f) => {
                let f = column(f)?;
                let f = f.as_boolean_opt().ok_or_else(|| RuntimeError::Internal("FILTER column is not boolean".into()))?;
                (0..n).map(|i| f.is_valid(i) && f.value(i)).collect()
            }
            None => vec![true; n],
        };
        let Some(arg) = self.arg else {
            return Ok(keep.iter().map(|k| if *k { AggInput::Present } else { AggInput::Skip }).collect());
        };
        let array: ArrayRef = column(arg)?;
        let valid = |i: usize| keep[i] && array.is_valid(i);
        let mut out = Vec::with_capacity(n);
        if let Some(converter) = &self.ordered {
            let rows = converter.convert_columns(std::slice::from_ref(&array)).map_err(|e| RuntimeError::Internal(e.to_string()))?;
            for i in 0..n {
                out.push(if valid(i) { AggInput::Ordered(rows.row(i).as_ref().to_vec()) } else { AggInput::Skip });
            }
            return Ok(out);
        }
        if self.kind == AggregateKind::Count {
            return Ok((0..n).map(|i| if valid(i) { AggInput::Present } else { AggInput::Skip }).collect());
        }
        macro_rules! ints {
            ($t:ty) => {{
                let a = array.as_primitive::<$t>();
                (0..n).map(|i| if valid(i) { AggInput::Int(a.value(i) as i64) } else { AggInput::Skip }).collect()
            }};
        }
        Ok(match array.data_type() {
            ArrowType::Int8 => ints!(Int8Type),
            ArrowType::Int16 => ints!(Int16Type),
            ArrowType::Int32 => ints!(Int32Type),
            ArrowType::Int64 => ints!(Int64Type),
            ArrowType::Float32 => {
                let a = array.as_primitive::<Float32Type>();
                (0..n).map(|i| if valid(i) { AggInput::Float(a.value(i) as f64) } else { AggInput::Skip }).collect()
            }
            ArrowType::Float64 => {
                let a = array.as_primitive::<Float64Type>();
                (0..n).map(|i| if valid(i) { AggInput::Float(a.value(i)) } else { AggInput::Skip }).collect()
            }
            ArrowType::Decimal128(_, _) => {
                let a = array.as_primitive::<Decimal128Type>();
                (0..n).map(|i| if valid(i) { AggInput::Decimal(a.value(i)) } else { AggInput::Skip }).collect()
            }
            other => return Err(RuntimeError::Internal(format!("aggregate argument has unexpected type {other}"))),
        })
    }

    pub fn finish(&self, acc: &Acc) -> AggValue {
        match self.kind {
            AggregateKind::Count => AggValue::Int(acc.count),
            AggregateKind::Min => AggValue::Row(acc.ordered.first_key_value().and_then(|(_, r)| r.front().copied())),
            AggregateKind::Max => AggValue::Row(acc.ordered.last_key_value().and_then(|(_, r)| r.front().copied())),
            _ if acc.count == 0 => AggValue::Null,
            AggregateKind::Sum => match self.numeric {
                Some(Numeric::Int) => AggValue::Int(acc.int),
                Some(Numeric::Decimal { .. }) => AggValue::Decimal(acc.decimal),
                _ => AggValue::Float(acc.float),
            },
            AggregateKind::Avg => match self.numeric {
                Some(Numeric::Int) => AggValue::Int(acc.int / acc.count),
                Some(Numeric::Decimal { scale }) => {
                    match decimal_avg(acc.decimal, acc.count, scale, self.out_scale) {
                        Some(v) => AggValue::Decimal(v),
                        None => AggValue::Null,
                    }
                }
                _ => AggValue::Float(acc.float / acc.count as f64),
            },
            _ => AggValue::Null,
        }
    }

    pub fn arg(&self) -> Option<usize> {
        self.arg
    }

    pub fn is_ordered(&self) -> bool {
        self.ordered.is_some()
    }
}

/// `sum / count` rescaled from `scale` to `out_scale`, rounded half up (away from zero).
fn decimal_avg(sum: i128, count: i64, scale: i8, out_scale: i8) -> Option<i128> {
    let shift = out_scale as i32 - scale as i32;
    let mut num = sum;
    let mut den = count as i128;
    if shift >= 0 {
        num = num.checked_mul(10i128.checked_pow(shift as u32)?)?;
    } else {
        den = den.checked_mul(10i128.checked_pow((-shift) as u32)?)?;
    }
    let q = num / den;
    let r = num % den;
    if r.checked_abs()?.checked_mul(2)? >= den {
        Some(if num < 0 { q - 1 } else { q + 1 })
    } else {
        Some(q)
    }
}

/// The running state of one aggregate over the rows of a frame.
pub(super) struct Acc {
    count: i64,
    int: i64,
    float: f64,
    decimal: i128,
    /// `MIN`/`MAX`: rows by value, oldest first. Without retraction only the best value
    /// is kept.
    ordered: BTreeMap<Vec<u8>, VecDeque<RowRef>>,
    retracting: bool,
}

/// Row references an accumulator took or gave up, for the batch store's counts.
#[derive(Default)]
pub(super) struct RefChanges {
    pub retained: Vec<RowRef>,
    pub released: Vec<RowRef>,
}

impl Acc {
    /// The running numbers, for a checkpoint: count, integer, float and decimal sums.
    pub fn numbers(&self) -> (i64, i64, f64, i128) {
        (self.count, self.int, self.float, self.decimal)
    }

    pub fn set_numbers(&mut self, (count, int, float, decimal): (i64, i64, f64, i128)) {
        (self.count, self.int, self.float, self.decimal) = (count, int, float, decimal);
    }

    /// `MIN`/`MAX`: the rows kept, by value then oldest first.
    pub fn ordered_rows(&self) -> impl Iterator<Item = RowRef> + '_ {
        self.ordered.values().flatten().copied()
    }

    /// Puts back a row `ordered_rows` listed, with its value's bytes.
    pub fn push_ordered(&mut self, value: Vec<u8>, row: RowRef) {
        self.ordered.entry(value).or_default().push_back(row);
    }

    pub fn accumulate(&mut self, plan: &AggPlan, input: &AggInput, row: RowRef, refs: &mut RefChanges) {
        match input {
            AggInput::Skip => {}
            AggInput::Present => self.count += 1,
            AggInput::Int(v) => {
                self.count += 1;
                self.int = self.int.wrapping_add(*v);
            }
            AggInput::Float(v) => {
                self.count += 1;
                self.float = if plan.numeric == Some(Numeric::Float32) {
                    (self.float as f32 + *v as f32) as f64
                } else {
                    self.float + v
                };
            }
            AggInput::Decimal(v) => {
                self.count += 1;
                self.decimal = self.decimal.wrapping_add(*v);
            }
            AggInput::Ordered(bytes) => {
                self.count += 1;
                if !self.retracting {
                    let better = match self.ordered.first_key_value() {
                        None => true,
                        Some((best, _)) => match plan.kind {
                            AggregateKind::Min => bytes < best,
                            _ => bytes > best,
                        },
                    };
                    if !better {
                        return;
                    }
                    for (_, rows) in std::mem::take(&mut self.ordered) {
                        refs.released.extend(rows);
                    }
                }
                self.ordered.entry(bytes.clone()).or_default().push_back(row);
                refs.retained.push(row);
            }
        }
    }

    pub fn retract(&mut self, plan: &AggPlan, input: &AggInput, refs: &mut RefChanges) {
        match input {
            AggInput::Skip => {}
            AggInput::Present => self.count -= 1,
            AggInput::Int(v) => {
                self.count -= 1;
                self.int = self.int.wrapping_sub(*v);
            }
            AggInput::Float(v) => {
                self.count -= 1;
                self.float = if plan.numeric == Some(Numeric::Float32) {
                    (self.float as f32 - *v as f32) as f64
                } else {
                    self.float - v
                };
            }
            AggInput::Decimal(v) => {
                self.count -= 1;
                self.decimal = self.decimal.wrapping_sub(*v);
            }
            AggInput::Ordered(bytes) => {
                self.count -= 1;
                // Rows leave frames oldest first, so the oldest row of this value goes.
                if let Some(rows) = self.ordered.get_mut(bytes) {
                    if let Some(r) = rows.pop_front() {
                        refs.released.push(r);
                    }
                    if rows.is_empty() {
                        self.ordered.remove(bytes);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_average_rounds_half_up() {
        assert_eq!(decimal_avg(5, 2, 0, 0), Some(3));
        assert_eq!(decimal_avg(-5, 2, 0, 0), Some(-3));
        assert_eq!(decimal_avg(10, 3, 0, 6), Some(3_333_333));
        assert_eq!(decimal_avg(i128::MAX, 1, 0, 6), None);
    }
}
