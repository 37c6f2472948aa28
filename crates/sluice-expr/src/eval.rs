//! Evaluation of `ScalarExpr` trees over record batches, including masked evaluation:
//! running a sub-expression only on the rows that need it, so `CASE WHEN x <> 0 THEN
//! 10 / x END` never divides by zero.

use std::sync::Arc;

use arrow_array::{new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, StructArray};
use arrow_schema::Schema;
use sluice_types::ScalarValue;

use crate::value::ColumnarValue;
use crate::{cast, functions, scalar, EvalContext, EvalError, ScalarExpr};

impl ScalarExpr {
    /// Evaluates over every row of `batch`; the result has `batch.num_rows()` values.
    pub fn evaluate(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ArrayRef, EvalError> {
        self.eval(batch, ctx)?.into_array(batch.num_rows())
    }

    /// Evaluates a constant expression (for folding, e.g. `INTERVAL` arithmetic, option values).
    pub fn evaluate_constant(&self, ctx: &EvalContext) -> Result<ScalarValue, EvalError> {
        let batch = one_row_batch()?;
        let array = self.evaluate(&batch, ctx)?;
        Ok(scalar::array_value(array.as_ref(), self.data_type(), 0))
    }

    pub(crate) fn eval(&self, batch: &RecordBatch, ctx: &EvalContext) -> Result<ColumnarValue, EvalError> {
        match self {
            ScalarExpr::Column { index, .. } => batch
                .columns()
                .get(*index)
                .cloned()
                .map(ColumnarValue::Array)
                .ok_or_else(|| EvalError::Internal(format!("column {index} is not in the input batch"))),
            ScalarExpr::Literal { value, data_type } => {
                Ok(ColumnarValue::Scalar(scalar::scalar_to_array(value, data_type, 1)?))
            }
            ScalarExpr::Cast { expr, data_type, try_cast } => {
                let v = expr.eval(batch, ctx)?;
                let scalar = v.is_scalar();
                let out = cast::cast_array(v.array(), expr.data_type(), data_type, *try_cast, ctx)?;
                Ok(ColumnarValue::wrap(out, scalar))
            }
            ScalarExpr::Call { func, args, data_type } => functions::eval_call(func, args, data_type, batch, ctx),
            ScalarExpr::Case { branches, else_result, data_type } => {
                functions::conditional::eval_case(branches, else_result.as_deref(), data_type, batch, ctx)
            }
            ScalarExpr::Field { expr, index, .. } => {
                let v = expr.eval(batch, ctx)?;
                let scalar = v.is_scalar();
                let array = v.array();
                let s = array
                    .as_any()
                    .downcast_ref::<StructArray>()
                    .ok_or_else(|| EvalError::Internal("field access on a non-ROW value".into()))?;
                let child = s
                    .columns()
                    .get(*index)
                    .cloned()
                    .ok_or_else(|| EvalError::Internal(format!("ROW has no field {index}")))?;
                // A NULL row has NULL fields.
                let child = match s.nulls() {
                    Some(nulls) if nulls.null_count() > 0 => {
                        let mask = BooleanArray::new(nulls.inner().clone(), None);
                        arrow_select::nullif::nullif(child.as_ref(), &arrow_arith::boolean::not(&mask)?)?
                    }
                    _ => child,
                };
                Ok(ColumnarValue::wrap(child, scalar))
            }
        }
    }

    /// Whether evaluating this expression can fail on some row (division, casts from
    /// strings, ...): such expressions are evaluated only on the rows that reach them.
    pub(crate) fn may_fail(&self) -> bool {
        let here = match self {
            ScalarExpr::Cast { expr, try_cast, data_type } => {
                !*try_cast && cast::cast_may_fail(expr.data_type(), data_type)
            }
            ScalarExpr::Call { func, .. } => func.may_fail(),
            _ => false,
        };
        here || self.children().iter().any(|c| c.may_fail())
    }
}

/// A batch with no columns and one row, for constant evaluation.
pub(crate) fn one_row_batch() -> Result<RecordBatch, EvalError> {
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::empty()),
        vec![],
        &RecordBatchOptions::new().with_row_count(Some(1)),
    )?)
}

/// Evaluates `expr` on the rows where `mask` is true (the mask has no nulls); other rows
/// are NULL. Expressions that cannot fail are evaluated on every row, which is cheaper
/// than filtering.
pub(crate) fn eval_masked(
    expr: &ScalarExpr,
    batch: &RecordBatch,
    mask: &BooleanArray,
    ctx: &EvalContext,
) -> Result<ColumnarValue, EvalError> {
    let n = batch.num_rows();
    let selected = mask.true_count();
    if selected == n || !expr.may_fail() {
        return expr.eval(batch, ctx);
    }
    let arrow_type = expr.data_type().to_arrow();
    if selected == 0 {
        return Ok(ColumnarValue::Scalar(new_null_array(&arrow_type, 1)));
    }
    let filtered = arrow_select::filter::filter_record_batch(batch, mask)?;
    let values = expr.eval(&filtered, ctx)?.into_array(selected)?;
    Ok(ColumnarValue::Array(scatter(mask, values.as_ref(), n)?))
}

/// Spreads `values` (one per true row of `mask`) back to `n` rows, NULL elsewhere.
pub(crate) fn scatter(mask: &BooleanArray, values: &dyn Array, n: usize) -> Result<ArrayRef, EvalError> {
    let nulls = new_null_array(values.data_type(), 1);
    let mut indices = Vec::with_capacity(n);
    let mut k = 0usize;
    for i in 0..n {
        if mask.value(i) {
            indices.push((0usize, k));
            k += 1;
        } else {
            indices.push((1usize, 0usize));
        }
    }
    Ok(arrow_select::interleave::interleave(&[values, nulls.as_ref()], &indices)?)
}

/// A mask with nulls turned into false.
pub(crate) fn null_as_false(mask: &BooleanArray) -> BooleanArray {
    if mask.null_count() == 0 {
        mask.clone()
    } else {
        arrow_select::filter::prep_null_mask_filter(mask)
    }
}
