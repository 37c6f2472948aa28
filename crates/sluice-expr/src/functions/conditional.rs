//! `CASE`, `IF`, `COALESCE`, `NULLIF`, `GREATEST` and `LEAST`. Branches run only on the
//! rows that select them when they could fail, so `CASE WHEN x <> 0 THEN 10 / x END`
//! never divides by zero; results are stitched together with Arrow's `zip`.


use arrow_arith::boolean::{and, and_not, is_not_null, not};
use arrow_array::cast::AsArray;
use arrow_array::*;
use arrow_ord::cmp;
use arrow_select::zip::zip;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match};
use super::{CallCtx, Func};
use crate::coercion::common_type;
use crate::eval::{eval_masked, null_as_false};
use crate::value::ColumnarValue;
use crate::{EvalContext, EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["CASE", "IF", "COALESCE", "IFNULL", "NULLIF", "GREATEST", "LEAST"];

fn null_literal() -> ScalarExpr {
    ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null))
}

/// The common type of the result expressions, with each cast to it.
fn unify(name: &str, values: Vec<ScalarExpr>) -> Result<(Vec<ScalarExpr>, DataType), FunctionError> {
    let types: Vec<DataType> = values.iter().map(|v| v.data_type().clone()).collect();
    let ty = common_type(&types).ok_or_else(|| no_match(name, &values, &["T, T, .."]))?;
    let values = values.into_iter().map(|v| coerce(v, &ty.kind)).collect();
    Ok((values, ty))
}

/// Builds a searched `CASE` from `(condition, value)` branches and an optional `ELSE`.
pub(crate) fn make_case(
    branches: Vec<(ScalarExpr, ScalarExpr)>,
    else_result: Option<ScalarExpr>,
) -> Result<ScalarExpr, FunctionError> {
    if branches.is_empty() {
        return Err(FunctionError::BadArgument("CASE needs at least one WHEN branch".into()));
    }
    let mut conditions = Vec::with_capacity(branches.len());
    let mut values = Vec::with_capacity(branches.len() + 1);
    for (c, v) in branches {
        if !matches!(c.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
            return Err(FunctionError::BadArgument(format!("a CASE condition must be BOOLEAN, not {}", c.data_type().kind)));
        }
        conditions.push(coerce(c, &TypeKind::Boolean));
        values.push(v);
    }
    let has_else = else_result.is_some();
    values.push(else_result.unwrap_or_else(null_literal));
    let (mut values, mut ty) = unify("CASE", values)?;
    if ty.kind == TypeKind::Null {
        ty = DataType::new(TypeKind::Null);
    }
    let else_value = values.pop().filter(|_| has_else);
    // A typed NULL ELSE is the same as no ELSE.
    let else_value = else_value.filter(|e| e.as_literal() != Some(&ScalarValue::Null));
    let nullable = ty.nullable || else_value.is_none();
    let data_type = DataType { kind: ty.kind, nullable };
    Ok(ScalarExpr::Case {
        branches: conditions.into_iter().zip(values).collect(),
        else_result: else_value.map(Box::new),
        data_type,
    })
}

pub(crate) fn resolve(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    match name {
        "CASE" => {
            let else_result = if args.len() % 2 == 1 { args.pop() } else { None };
            let mut branches = Vec::with_capacity(args.len() / 2);
            let mut it = args.into_iter();
            while let (Some(c), Some(v)) = (it.next(), it.next()) {
                branches.push((c, v));
            }
            make_case(branches, else_result)
        }
        "IF" => {
            arity(name, &args, 3, 3, &["IF(BOOLEAN, T, T)"])?;
            let e = args.pop();
            let v = args.pop();
            let c = args.pop();
            match (c, v, e) {
                (Some(c), Some(v), Some(e)) => make_case(vec![(c, v)], Some(e)),
                _ => Err(no_match(name, &args, &["IF(BOOLEAN, T, T)"])),
            }
        }
        "COALESCE" | "IFNULL" => {
            if args.is_empty() {
                return Err(no_match(name, &args, &["COALESCE(T, ..)"]));
            }
            let (args, ty) = unify(name, args)?;
            let nullable = args.iter().all(|a| a.data_type().nullable || a.data_type().kind == TypeKind::Null);
            if args.len() == 1 {
                return Ok(args.into_iter().next().unwrap_or_else(null_literal));
            }
            Ok(make_call(Func::Coalesce, args, DataType { kind: ty.kind, nullable }))
        }
        "NULLIF" => {
            arity(name, &args, 2, 2, &["NULLIF(T, T)"])?;
            let kind = super::comparison::comparison_kind(&args[0].data_type().kind, &args[1].data_type().kind)
                .ok_or_else(|| no_match(name, &args, &["NULLIF(T, T)"]))?;
            let first = args[0].data_type().kind.clone();
            if first != kind && !(first.is_numeric() && kind.is_numeric()) {
                return Err(no_match(name, &args, &["NULLIF(T, T)"]));
            }
            let args: Vec<ScalarExpr> = args.into_iter().map(|a| coerce(a, &kind)).collect();
            Ok(make_call(Func::Nullif, args, DataType::new(kind)))
        }
        _ => {
            if args.is_empty() {
                return Err(no_match(name, &args, &["GREATEST(T, ..)"]));
            }
            let nullable = any_nullable(&args);
            let (args, ty) = unify(name, args)?;
            let func = if name == "GREATEST" { Func::Greatest } else { Func::Least };
            Ok(make_call(func, args, DataType { kind: ty.kind, nullable }))
        }
    }
}

pub(crate) fn eval_case(
    branches: &[(ScalarExpr, ScalarExpr)],
    else_result: Option<&ScalarExpr>,
    data_type: &DataType,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<ColumnarValue, EvalError> {
    let n = batch.num_rows();
    let arrow_type = data_type.to_arrow();
    let mut remaining = BooleanArray::from(vec![true; n]);
    let mut pieces: Vec<(BooleanArray, ColumnarValue)> = Vec::with_capacity(branches.len());
    for (cond, value) in branches {
        if remaining.true_count() == 0 {
            break;
        }
        let c = eval_masked(cond, batch, &remaining, ctx)?.into_array(n)?;
        let take = and(&remaining, &null_as_false(c.as_boolean()))?;
        if take.true_count() > 0 {
            let v = eval_masked(value, batch, &take, ctx)?;
            pieces.push((take.clone(), v));
        }
        remaining = and_not(&remaining, &take)?;
    }
    let mut result = match else_result {
        Some(e) if remaining.true_count() > 0 => eval_masked(e, batch, &remaining, ctx)?,
        _ => ColumnarValue::Scalar(new_null_array(&arrow_type, 1)),
    };
    for (take, value) in pieces.into_iter().rev() {
        result = ColumnarValue::Array(zip(&take, &value, &result)?);
    }
    if let ColumnarValue::Scalar(s) = &result {
        return Ok(ColumnarValue::Array(crate::value::repeat(s, n)?));
    }
    Ok(result)
}

pub(crate) fn eval_coalesce(
    args: &[ScalarExpr],
    _ret: &DataType,
    batch: &RecordBatch,
    ctx: &EvalContext,
) -> Result<ColumnarValue, EvalError> {
    let mut result = args[0].eval(batch, ctx)?;
    for next in &args[1..] {
        if result.array().null_count() == 0 {
            break;
        }
        if result.is_scalar() {
            // A NULL constant: the answer is whatever comes next.
            result = next.eval(batch, ctx)?;
            continue;
        }
        let present = is_not_null(result.array().as_ref())?;
        let v = eval_masked(next, batch, &not(&present)?, ctx)?;
        result = ColumnarValue::Array(zip(&present, &result, &v)?);
    }
    Ok(result)
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let scalar = args.iter().all(|a| a.is_scalar());
    match func {
        Func::Nullif => {
            let eq = null_as_false(&cmp::eq(&args[0], &args[1])?);
            let len = if scalar { 1 } else { cc.rows };
            let first = args[0].clone().into_array(len)?;
            let eq = if eq.len() == len { eq } else { BooleanArray::from(vec![eq.value(0); len]) };
            Ok(ColumnarValue::wrap(arrow_select::nullif::nullif(first.as_ref(), &eq)?, scalar))
        }
        _ => {
            let greatest = *func == Func::Greatest;
            let mut acc = args[0].clone();
            for next in &args[1..] {
                let better = if greatest { cmp::gt(next, &acc)? } else { cmp::lt(next, &acc)? };
                let better = null_as_false(&better);
                let picked = zip(&better, next, &acc)?;
                // Any NULL argument makes the result NULL.
                let len = picked.len();
                let a = acc.clone().into_array(len)?;
                let b = next.clone().into_array(len)?;
                let both = and(&is_not_null(a.as_ref())?, &is_not_null(b.as_ref())?)?;
                let picked = arrow_select::nullif::nullif(picked.as_ref(), &not(&both)?)?;
                acc = ColumnarValue::wrap(picked, scalar);
            }
            Ok(acc)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use arrow_array::types::Int32Type;
    use std::sync::Arc;
    use arrow_schema::{Field, Schema};

    fn col(i: usize, t: DataType) -> ScalarExpr {
        ScalarExpr::Column { index: i, data_type: t }
    }
    fn int(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn batch(cols: Vec<ArrayRef>) -> RecordBatch {
        let fields: Vec<Field> =
            cols.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    }
    fn ints(a: &ArrayRef) -> Vec<Option<i32>> {
        a.as_primitive::<Int32Type>().iter().collect()
    }

    #[test]
    fn case_is_lazy() {
        let b = batch(vec![Arc::new(Int32Array::from(vec![Some(0), Some(5), None, Some(-2)]))]);
        let x = col(0, DataType::int());
        let cond = resolve_call("<>", vec![x.clone(), int(0)]).unwrap();
        let div = resolve_call("/", vec![int(10), x.clone()]).unwrap();
        let e = resolve_call("CASE", vec![cond, div]).unwrap();
        assert!(e.data_type().nullable);
        assert_eq!(ints(&e.evaluate(&b, &EvalContext::default()).unwrap()), vec![None, Some(2), None, Some(-5)]);
        let gt = resolve_call(">", vec![x.clone(), int(1)]).unwrap();
        let e = resolve_call("IF", vec![gt, int(1), int(-1)]).unwrap();
        assert_eq!(ints(&e.evaluate(&b, &EvalContext::default()).unwrap()), vec![Some(-1), Some(1), Some(-1), Some(-1)]);
    }

    #[test]
    fn case_type_is_common() {
        let e = resolve_call(
            "CASE",
            vec![col(0, DataType::not_null(TypeKind::Boolean)), int(1), ScalarExpr::literal(ScalarValue::Double(2.5), DataType::not_null(TypeKind::Double))],
        )
        .unwrap();
        assert_eq!(e.data_type(), &DataType::not_null(TypeKind::Double));
    }

    #[test]
    fn coalesce_nullif_greatest() {
        let b = batch(vec![
            Arc::new(Int32Array::from(vec![Some(1), None, None])),
            Arc::new(Int32Array::from(vec![Some(9), Some(2), None])),
        ]);
        let ctx = EvalContext::default();
        let e = resolve_call("COALESCE", vec![col(0, DataType::int()), col(1, DataType::int()), int(7)]).unwrap();
        assert!(!e.data_type().nullable);
        assert_eq!(ints(&e.evaluate(&b, &ctx).unwrap()), vec![Some(1), Some(2), Some(7)]);
        let e = resolve_call("NULLIF", vec![col(1, DataType::int()), int(2)]).unwrap();
        assert_eq!(ints(&e.evaluate(&b, &ctx).unwrap()), vec![Some(9), None, None]);
        let e = resolve_call("GREATEST", vec![col(0, DataType::int()), col(1, DataType::int()), int(3)]).unwrap();
        assert_eq!(ints(&e.evaluate(&b, &ctx).unwrap()), vec![Some(9), None, None]);
        let e = resolve_call("LEAST", vec![col(1, DataType::int()), int(3)]).unwrap();
        assert_eq!(ints(&e.evaluate(&b, &ctx).unwrap()), vec![Some(3), Some(2), None]);
    }
}
