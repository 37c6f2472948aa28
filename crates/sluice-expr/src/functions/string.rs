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

pub(crate) fn cached_regex(pattern: &str) -> Result<regex::Regex, EvalError> {
    regex::Regex::new(pattern).map_err(|e| EvalError::Runtime(e.to_string()))
}
