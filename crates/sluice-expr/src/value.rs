//! `ColumnarValue`: a column or a single value standing for every row, so that literals
//! reach Arrow kernels as `Scalar`s instead of being expanded.

use arrow_array::{Array, ArrayRef, Datum, UInt32Array};

use crate::EvalError;

#[derive(Clone, Debug)]
pub(crate) enum ColumnarValue {
    /// One value per row.
    Array(ArrayRef),
    /// A one-row array whose value holds for every row.
    Scalar(ArrayRef),
}

impl ColumnarValue {
    pub fn is_scalar(&self) -> bool {
        matches!(self, ColumnarValue::Scalar(_))
    }

    /// The underlying array (one row for a scalar).
    pub fn array(&self) -> &ArrayRef {
        match self {
            ColumnarValue::Array(a) | ColumnarValue::Scalar(a) => a,
        }
    }

    /// The value as an array of `len` rows.
    pub fn into_array(self, len: usize) -> Result<ArrayRef, EvalError> {
        match self {
            ColumnarValue::Array(a) => Ok(a),
            ColumnarValue::Scalar(a) => repeat(&a, len),
        }
    }

    /// Wraps a kernel result: a scalar when every input was a scalar.
    pub fn wrap(array: ArrayRef, scalar: bool) -> Self {
        if scalar {
            ColumnarValue::Scalar(array)
        } else {
            ColumnarValue::Array(array)
        }
    }
}

impl Datum for ColumnarValue {
    fn get(&self) -> (&dyn Array, bool) {
        match self {
            ColumnarValue::Array(a) => (a.as_ref(), false),
            ColumnarValue::Scalar(a) => (a.as_ref(), true),
        }
    }
}

/// Repeats the first value of a one-row array `len` times.
pub(crate) fn repeat(array: &ArrayRef, len: usize) -> Result<ArrayRef, EvalError> {
    if array.len() == len {
        return Ok(array.clone());
    }
    let indices = UInt32Array::from(vec![0u32; len]);
    Ok(arrow_select::take::take(array.as_ref(), &indices, None)?)
}

/// Expands the arguments to arrays of one common length: 1 when every argument is a
/// scalar (the result is then a scalar too), else `rows`.
pub(crate) fn expand(args: Vec<ColumnarValue>, rows: usize) -> Result<(Vec<ArrayRef>, bool), EvalError> {
    let scalar = args.iter().all(|a| a.is_scalar());
    let len = if scalar { 1 } else { rows };
    let arrays = args.into_iter().map(|a| a.into_array(len)).collect::<Result<Vec<_>, _>>()?;
    Ok((arrays, scalar))
}
