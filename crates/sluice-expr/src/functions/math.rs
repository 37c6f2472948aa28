use super::{CallCtx, Func};
use crate::value::ColumnarValue;
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["FLOOR", "CEIL", "CEILING"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if args.len() == 2 && matches!(name, "FLOOR" | "CEIL" | "CEILING") {
        return super::temporal::resolve(if name == "FLOOR" { "FLOOR_TO" } else { "CEIL_TO" }, args);
    }
    Err(FunctionError::NotSupportedYet(name.to_string()))
}

pub(crate) fn eval(func: &Func, _args: Vec<ColumnarValue>, _cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    Err(EvalError::Internal(format!("{func:?}")))
}
