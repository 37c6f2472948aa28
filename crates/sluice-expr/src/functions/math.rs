use super::{CallCtx, Func};
use crate::value::ColumnarValue;
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[];

pub(crate) fn resolve(name: &str, _args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    Err(FunctionError::NotSupportedYet(name.to_string()))
}

pub(crate) fn eval(func: &Func, _args: Vec<ColumnarValue>, _cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    Err(EvalError::Internal(format!("{func:?}")))
}
