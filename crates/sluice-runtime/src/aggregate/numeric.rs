//! Reading numeric argument columns as `i64`, `i128` or `f64`, and building numeric
//! result columns from them, for the aggregates that compute in a wider type than their
//! input (`AVG`, `STDDEV_*`, `VAR_*`).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::{BooleanBuffer, ScalarBuffer};
use arrow_schema::DataType as ArrowType;

use super::selection::{for_each_selected, nulls_from_flags};
use super::AggregateError;

/// The first argument column as a primitive array of `T`; `function` names the aggregate
/// in the error.
pub(crate) fn primitive_arg<'a, T: ArrowPrimitiveType>(
    args: &'a [ArrayRef],
    function: &'static str,
) -> Result<&'a PrimitiveArray<T>, AggregateError> {
    args.first()
        .and_then(|a| a.as_primitive_opt::<T>())
        .ok_or_else(|| AggregateError::internal(function, "argument column has an unexpected type"))
}

/// Calls `f(group, conv(value))` for each selected non-NULL value of a column of `T`.
fn each<T: ArrowPrimitiveType, V>(
    array: &ArrayRef,
    group_ids: &[u32],
    selected: Option<&BooleanBuffer>,
    mut f: impl FnMut(usize, V),
    conv: impl Fn(T::Native) -> V,
) {
    let a = array.as_primitive::<T>();
    let raw = a.values();
    for_each_selected(group_ids.len(), a.nulls(), selected, |row| f(group_ids[row] as usize, conv(raw[row])));
}

/// Calls `f(group, value)` for each selected non-NULL value of an integer column.
pub(crate) fn for_each_i64(
    array: &ArrayRef,
    group_ids: &[u32],
    selected: Option<&BooleanBuffer>,
    f: impl FnMut(usize, i64),
) -> Result<(), AggregateError> {
    match array.data_type() {
        ArrowType::Int8 => each::<Int8Type, _>(array, group_ids, selected, f, i64::from),
        ArrowType::Int16 => each::<Int16Type, _>(array, group_ids, selected, f, i64::from),
        ArrowType::Int32 => each::<Int32Type, _>(array, group_ids, selected, f, i64::from),
        ArrowType::Int64 => each::<Int64Type, _>(array, group_ids, selected, f, |v| v),
        other => return Err(AggregateError::internal("AVG", format!("expected an integer column, got {other}"))),
    }
    Ok(())
}

/// Calls `f(group, value)` for each selected non-NULL value of a numeric column, read as
/// a double (decimals are scaled).
pub(crate) fn for_each_f64(
    array: &ArrayRef,
    group_ids: &[u32],
    selected: Option<&BooleanBuffer>,
    f: impl FnMut(usize, f64),
) -> Result<(), AggregateError> {
    match array.data_type() {
        ArrowType::Int8 => each::<Int8Type, _>(array, group_ids, selected, f, f64::from),
        ArrowType::Int16 => each::<Int16Type, _>(array, group_ids, selected, f, f64::from),
        ArrowType::Int32 => each::<Int32Type, _>(array, group_ids, selected, f, f64::from),
        ArrowType::Int64 => each::<Int64Type, _>(array, group_ids, selected, f, |v| v as f64),
        ArrowType::Float32 => each::<Float32Type, _>(array, group_ids, selected, f, f64::from),
        ArrowType::Float64 => each::<Float64Type, _>(array, group_ids, selected, f, |v| v),
        ArrowType::Decimal128(_, scale) => {
            let factor = 10f64.powi(i32::from(*scale));
            each::<Decimal128Type, _>(array, group_ids, selected, f, |v| v as f64 / factor)
        }
        other => return Err(AggregateError::internal("AVG", format!("expected a numeric column, got {other}"))),
    }
    Ok(())
}

/// Whether `for_each_f64` reads columns of this type.
pub(crate) fn is_f64_readable(t: &ArrowType) -> bool {
    matches!(
        t,
        ArrowType::Int8
            | ArrowType::Int16
            | ArrowType::Int32
            | ArrowType::Int64
            | ArrowType::Float32
            | ArrowType::Float64
            | ArrowType::Decimal128(..)
    )
}

fn primitive<T: ArrowPrimitiveType>(values: &[Option<T::Native>], output: &ArrowType) -> ArrayRef {
    let raw: ScalarBuffer<T::Native> = values.iter().map(|v| v.unwrap_or_default()).collect();
    let nulls = nulls_from_flags(values.iter().map(Option::is_some));
    Arc::new(PrimitiveArray::<T>::new(raw, nulls).with_data_type(output.clone()))
}

/// An integer result column of the output type; values are narrowed as Java's casts do.
pub(crate) fn i64_column(values: &[Option<i64>], output: &ArrowType) -> Result<ArrayRef, AggregateError> {
    Ok(match output {
        ArrowType::Int8 => primitive::<Int8Type>(&narrow(values, |v| v as i8), output),
        ArrowType::Int16 => primitive::<Int16Type>(&narrow(values, |v| v as i16), output),
        ArrowType::Int32 => primitive::<Int32Type>(&narrow(values, |v| v as i32), output),
        ArrowType::Int64 => primitive::<Int64Type>(values, output),
        other => return Err(AggregateError::internal("AVG", format!("cannot produce {other} from an integer"))),
    })
}

fn narrow<N: Copy>(values: &[Option<i64>], f: impl Fn(i64) -> N) -> Vec<Option<N>> {
    values.iter().map(|v| v.map(&f)).collect()
}

/// A result column of the output type from doubles: floats as they are, integers
/// truncated toward zero, decimals rounded half up to their scale. A value that does not
/// fit (or is NaN for an exact type) becomes NULL.
pub(crate) fn f64_column(values: &[Option<f64>], output: &ArrowType) -> Result<ArrayRef, AggregateError> {
    let exact = |v: f64, min: f64, max: f64| (v.is_finite() && v >= min && v <= max).then_some(v.trunc());
    Ok(match output {
        ArrowType::Float64 => primitive::<Float64Type>(values, output),
        ArrowType::Float32 => {
            let v: Vec<Option<f32>> = values.iter().map(|v| v.map(|x| x as f32)).collect();
            primitive::<Float32Type>(&v, output)
        }
        ArrowType::Int8 | ArrowType::Int16 | ArrowType::Int32 | ArrowType::Int64 => {
            let ints: Vec<Option<i64>> = values
                .iter()
                .map(|v| v.and_then(|x| exact(x, i64::MIN as f64, i64::MAX as f64)).map(|x| x as i64))
                .collect();
            return i64_column(&ints, output);
        }
        ArrowType::Decimal128(_, scale) => {
            let factor = 10f64.powi(i32::from(*scale));
            let v: Vec<Option<i128>> = values
                .iter()
                .map(|v| v.and_then(|x| exact((x * factor).round(), -1e38, 1e38)).map(|x| x as i128))
                .collect();
            primitive::<Decimal128Type>(&v, output)
        }
        other => return Err(AggregateError::internal("AVG", format!("cannot produce {other} from a double"))),
    })
}

/// Whether `f64_column` builds columns of this type.
pub(crate) fn is_f64_producible(t: &ArrowType) -> bool {
    matches!(
        t,
        ArrowType::Int8
            | ArrowType::Int16
            | ArrowType::Int32
            | ArrowType::Int64
            | ArrowType::Float32
            | ArrowType::Float64
            | ArrowType::Decimal128(..)
    )
}
