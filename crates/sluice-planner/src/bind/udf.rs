//! Calls of Python functions: the signature the decorator declared (read from a worker the
//! first time) types the call; declared `input_types` cast the arguments. A table
//! function in `LATERAL TABLE` is a call whose value is the list of its rows, which the
//! binder unnests as it unnests `CROSS JOIN UNNEST`.

use std::sync::Arc;

use arrow_schema::{Field, Schema};
use sluice_expr::{Func, ScalarExpr, UdfRef};
use sluice_python::{FunctionKind, PythonError};
use sluice_sql::{Diagnostic, Span};
use sluice_types::{DataType, RowField, TypeKind};

use super::expr::coerce;
use crate::catalog::{CatalogFunction, FunctionBody};
use crate::error::{not_supported, user, PlanResult};

pub fn bind_python_call(f: &CatalogFunction, mut args: Vec<ScalarExpr>, span: Span) -> PlanResult<ScalarExpr> {
    let python = match &f.body {
        FunctionBody::Python(python) => python,
        FunctionBody::Java(class) => {
            return sluice_expr::resolve_java_call(class, args).map_err(|e| super::expr::function_error(e, class, span))
        }
    };
    let signature = python.signature().map_err(|e| python_diagnostic(e, span))?;
    if signature.kind == FunctionKind::Table {
        return Err(not_supported(&format!("the Python table function \"{}\" in this position", python.name()), span)
            .with_hint("A table function is called in FROM: CROSS JOIN LATERAL TABLE(f(x)) or LEFT JOIN LATERAL TABLE(f(x)) ON TRUE."));
    }
    let result_text = signature.result_types.first().cloned().unwrap_or_default();
    let result = sluice_sql::parse_data_type(&result_text).map_err(|_| {
        user(format!("the result_type \"{result_text}\" of Python function \"{}\" is not a Flink SQL type", python.name()), span)
    })?;
    if let Some(inputs) = &signature.input_types {
        args = cast_inputs(python.name(), inputs, args, span)?;
    }
    let schema = Schema::new(vec![Field::new("result", result.to_arrow(), true)]);
    python.set_result_schema(Arc::new(schema)).map_err(|e| python_diagnostic(e, span))?;
    Ok(ScalarExpr::Call { func: Func::Udf(UdfRef(python.clone())), args, data_type: result.with_nullable(true) })
}

/// `LATERAL TABLE(f(args))` of a Python table function: a call whose value is each input
/// row's result rows, as `ARRAY<ROW<f0, f1, ...>>`, for the binder to unnest.
pub fn bind_python_table_call(f: &CatalogFunction, mut args: Vec<ScalarExpr>, span: Span) -> PlanResult<ScalarExpr> {
    let python = match &f.body {
        FunctionBody::Python(python) => python,
        FunctionBody::Java(class) => {
            return Err(user(format!("the Java function \"{class}\" is a scalar function, not a table function"), span))
        }
    };
    let signature = python.signature().map_err(|e| python_diagnostic(e, span))?;
    if signature.kind != FunctionKind::Table {
        return Err(user(format!("\"{}\" is a scalar function, not a table function", python.name()), span)
            .with_hint("LATERAL TABLE(..) calls a function declared with @udtf."));
    }
    if let Some(inputs) = &signature.input_types {
        args = cast_inputs(python.name(), inputs, args, span)?;
    }
    let mut row = Vec::with_capacity(signature.result_types.len());
    for (i, text) in signature.result_types.iter().enumerate() {
        let t = sluice_sql::parse_data_type(text).map_err(|_| {
            user(format!("the result type \"{text}\" of Python function \"{}\" is not a Flink SQL type", python.name()), span)
        })?;
        row.push(RowField { name: format!("f{i}"), data_type: t.with_nullable(true) });
    }
    let element = DataType::not_null(TypeKind::Row(row.clone()));
    let data_type = DataType::not_null(TypeKind::Array(Box::new(element)));
    let mut fields = vec![Field::new("__row", arrow_schema::DataType::UInt32, false)];
    fields.extend(row.iter().map(|f| Field::new(f.name.clone(), f.data_type.to_arrow(), true)));
    python.set_result_schema(Arc::new(Schema::new(fields))).map_err(|e| python_diagnostic(e, span))?;
    python.set_table_type(data_type.to_arrow()).map_err(|e| python_diagnostic(e, span))?;
    Ok(ScalarExpr::Call { func: Func::Udf(UdfRef(python.clone())), args, data_type })
}

fn cast_inputs(name: &str, inputs: &[String], args: Vec<ScalarExpr>, span: Span) -> PlanResult<Vec<ScalarExpr>> {
    if inputs.len() != args.len() {
        return Err(user(format!("Python function \"{name}\" takes {} arguments (its input_types), not {}", inputs.len(), args.len()), span));
    }
    args.into_iter()
        .zip(inputs)
        .map(|(arg, text)| {
            let ty = sluice_sql::parse_data_type(text).map_err(|_| {
                user(format!("the input type \"{text}\" of Python function \"{name}\" is not a Flink SQL type"), span)
            })?;
            coerce(arg, &ty, span)
        })
        .collect()
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
