//! Calls of Python functions: the signature the decorator declared (read from a worker the
//! first time) types the call; declared `input_types` cast the arguments.

use std::sync::Arc;

use arrow_schema::{Field, Schema};
use sluice_expr::{Func, ScalarExpr, UdfRef};
use sluice_python::{FunctionKind, PythonError};
use sluice_sql::{Diagnostic, Span};

use super::expr::coerce;
use crate::catalog::CatalogFunction;
use crate::error::{not_supported, user, PlanResult};

pub fn bind_python_call(f: &CatalogFunction, mut args: Vec<ScalarExpr>, span: Span) -> PlanResult<ScalarExpr> {
    let python = &f.python;
    let signature = python.signature().map_err(|e| python_diagnostic(e, span))?;
    if signature.kind == FunctionKind::Table {
        return Err(not_supported(&format!("the Python table function \"{}\" in this position", python.name()), span)
            .with_hint("A table function is called in FROM: LATERAL TABLE(f(x))."));
    }
    let result_text = signature.result_types.first().cloned().unwrap_or_default();
    let result = sluice_sql::parse_data_type(&result_text).map_err(|_| {
        user(format!("the result_type \"{result_text}\" of Python function \"{}\" is not a Flink SQL type", python.name()), span)
    })?;
    if let Some(inputs) = &signature.input_types {
        if inputs.len() != args.len() {
            return Err(user(
                format!("Python function \"{}\" takes {} arguments (its input_types), not {}", python.name(), inputs.len(), args.len()),
                span,
            ));
        }
        args = args
            .into_iter()
            .zip(inputs)
            .map(|(arg, text)| {
                let ty = sluice_sql::parse_data_type(text).map_err(|_| {
                    user(format!("the input type \"{text}\" of Python function \"{}\" is not a Flink SQL type", python.name()), span)
                })?;
                coerce(arg, &ty, span)
            })
            .collect::<PlanResult<Vec<_>>>()?;
    }
    let schema = Schema::new(vec![Field::new("result", result.to_arrow(), true)]);
    python.set_result_schema(Arc::new(schema)).map_err(|e| python_diagnostic(e, span))?;
    Ok(ScalarExpr::Call { func: Func::Udf(UdfRef(python.clone())), args, data_type: result.with_nullable(true) })
}

/// A function that cannot be loaded is the user's to fix, at the call.
fn python_diagnostic(e: PythonError, span: Span) -> Diagnostic {
    let mut d = user(e.to_string(), span);
    if let PythonError::Setup { message, detail, .. } = &e {
        if message.contains("pyarrow") || message.contains("python.executable") {
            d = d.with_hint(
                "Set 'python.executable' to an interpreter that has pyarrow (and pandas for pandas functions): SET 'python.executable' = '/path/to/venv/bin/python'.",
            );
        } else if let Some(detail) = detail {
            d = d.with_hint(format!("The Python traceback:\n{}", detail.trim_end()));
        }
    }
    d
}
