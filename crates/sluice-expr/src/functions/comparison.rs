//! `= <> < <= > >=`, `IS [NOT] DISTINCT FROM` and `IN` lists, as Arrow comparison
//! kernels (a literal side stays an Arrow `Scalar`). Operands are first cast to a common
//! type: numbers promote, a string meets a number or a datetime by being cast to it, and
//! `TIMESTAMP_LTZ` meets `TIMESTAMP` in the session's wall-clock time.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_arith::boolean::or_kleene;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_ord::cmp;
use sluice_types::{DataType, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match};
use super::{CallCtx, Func};
use crate::coercion::common_kind;
use crate::value::ColumnarValue;
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] =
    &["=", "<>", "!=", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM", "IN", "NOT IN"];

/// The type two operands are compared in.
pub(crate) fn comparison_kind(a: &TypeKind, b: &TypeKind) -> Option<TypeKind> {
    let is_str = |k: &TypeKind| matches!(k, TypeKind::Char { .. } | TypeKind::Varchar { .. });
    let castable_from_string = |k: &TypeKind| {
        k.is_numeric()
            || matches!(
                k,
                TypeKind::Boolean | TypeKind::Date | TypeKind::Time { .. } | TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. }
            )
    };
    if is_str(a) && castable_from_string(b) {
        return Some(b.clone());
    }
    if is_str(b) && castable_from_string(a) {
        return Some(a.clone());
    }
    common_kind(a, b)
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if name == "IN" || name == "NOT IN" {
        let r = resolve_in(args)?;
        return if name == "NOT IN" { super::logic::resolve("NOT", vec![r]) } else { Ok(r) };
    }
    arity(name, &args, 2, 2, &["T op T"])?;
    let func = match name {
        "=" => Func::Eq,
        "<>" | "!=" => Func::NotEq,
        "<" => Func::Lt,
        "<=" => Func::LtEq,
        ">" => Func::Gt,
        ">=" => Func::GtEq,
        "IS DISTINCT FROM" => Func::IsDistinctFrom,
        _ => Func::IsNotDistinctFrom,
    };
    let kind = comparison_kind(&args[0].data_type().kind, &args[1].data_type().kind)
        .ok_or_else(|| no_match(name, &args, &["T op T"]))?;
    let kind = if kind == TypeKind::Null { TypeKind::Boolean } else { kind };
    let nullable = any_nullable(&args) && !matches!(func, Func::IsDistinctFrom | Func::IsNotDistinctFrom);
    let args = args.into_iter().map(|a| coerce(a, &kind)).collect();
    Ok(make_call(func, args, DataType { kind: TypeKind::Boolean, nullable }))
}

fn resolve_in(args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if args.len() < 2 {
        return Err(no_match("IN", &args, &["T IN (T, ..)"]));
    }
    let mut kind = args[0].data_type().kind.clone();
    for a in &args[1..] {
        kind = comparison_kind(&kind, &a.data_type().kind).ok_or_else(|| no_match("IN", &args, &["T IN (T, ..)"]))?;
    }
    let nullable = any_nullable(&args);
    let args = args.into_iter().map(|a| coerce(a, &kind)).collect();
    Ok(make_call(Func::In, args, DataType { kind: TypeKind::Boolean, nullable }))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    if *func == Func::In {
        return eval_in(args, cc);
    }
    let scalar = args.iter().all(|a| a.is_scalar());
    let (l, r) = (&args[0], &args[1]);
    if matches!(l.array().data_type(), arrow_schema::DataType::Struct(_)) {
        return Ok(ColumnarValue::wrap(Arc::new(struct_eq(func, l, r, cc.rows)?), scalar));
    }
    let out = match func {
        Func::Eq => cmp::eq(l, r)?,
        Func::NotEq => cmp::neq(l, r)?,
        Func::Lt => cmp::lt(l, r)?,
        Func::LtEq => cmp::lt_eq(l, r)?,
        Func::Gt => cmp::gt(l, r)?,
        Func::GtEq => cmp::gt_eq(l, r)?,
        Func::IsDistinctFrom => cmp::distinct(l, r)?,
        _ => cmp::not_distinct(l, r)?,
    };
    Ok(ColumnarValue::wrap(Arc::new(out), scalar))
}

/// `=`/`<>`/`IS [NOT] DISTINCT FROM` of structured objects (and rows): field by field,
/// with NULL fields equal to each other as Flink compares the objects' binary rows; a
/// NULL object gives NULL (or, for `IS [NOT] DISTINCT FROM`, is equal only to NULL).
fn struct_eq(func: &Func, l: &ColumnarValue, r: &ColumnarValue, rows: usize) -> Result<BooleanArray, EvalError> {
    let n = if l.is_scalar() && r.is_scalar() { 1 } else { rows };
    let (la, ra) = (l.clone().into_array(n)?, r.clone().into_array(n)?);
    let cmp = arrow_ord::ord::make_comparator(la.as_ref(), ra.as_ref(), Default::default())
        .map_err(|e| EvalError::Runtime(format!("cannot compare these objects: {e}")))?;
    let distinct_form = matches!(func, Func::IsDistinctFrom | Func::IsNotDistinctFrom);
    let negate = matches!(func, Func::NotEq | Func::IsDistinctFrom);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (ln, rn) = (la.is_null(i), ra.is_null(i));
        let equal = match (ln, rn) {
            (false, false) => Some(cmp(i, i).is_eq()),
            _ if distinct_form => Some(ln && rn),
            _ => None,
        };
        out.push(equal.map(|e| e != negate));
    }
    if !matches!(func, Func::Eq | Func::NotEq | Func::IsDistinctFrom | Func::IsNotDistinctFrom) {
        return Err(EvalError::Runtime("structured objects can only be compared for equality".into()));
    }
    Ok(out.into_iter().collect())
}

/// Lists longer than this, of literals, are looked up in a hash set.
const HASH_LIST_MIN: usize = 8;

/// `x IN (a, b, ..)`: TRUE when some item equals `x`, else NULL when `x` or an item is
/// NULL, else FALSE.
fn eval_in(mut args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let value = args.remove(0);
    let scalar = value.is_scalar() && args.iter().all(|a| a.is_scalar());
    if args.len() >= HASH_LIST_MIN && args.iter().all(|a| a.is_scalar()) {
        if let Some(out) = hash_in(&value, &args)? {
            return Ok(ColumnarValue::wrap(Arc::new(out), scalar));
        }
    }
    let _ = cc;
    let mut acc: Option<BooleanArray> = None;
    for item in &args {
        let eq = cmp::eq(&value, item)?;
        acc = Some(match acc {
            None => eq,
            Some(a) => or_kleene(&a, &eq)?,
        });
    }
    let out = acc.ok_or_else(|| EvalError::Internal("IN without a list".into()))?;
    Ok(ColumnarValue::wrap(Arc::new(out), scalar))
}

/// A hash-set lookup for long literal lists of integers or strings; `None` for other types.
fn hash_in(value: &ColumnarValue, items: &[ColumnarValue]) -> Result<Option<BooleanArray>, EvalError> {
    let has_null = items.iter().any(|i| i.array().is_null(0));
    let v = value.array();
    let finish = |found: Vec<Option<bool>>| -> BooleanArray {
        found.into_iter().map(|f| match f {
            Some(true) => Some(true),
            Some(false) if has_null => None,
            other => other,
        }).collect()
    };
    macro_rules! ints {
        ($t:ty) => {{
            let set: HashSet<_> = items.iter().filter(|i| !i.array().is_null(0)).map(|i| i.array().as_primitive::<$t>().value(0)).collect();
            let arr = v.as_primitive::<$t>();
            let found = arr.iter().map(|x| x.map(|x| set.contains(&x))).collect();
            Ok(Some(finish(found)))
        }};
    }
    match v.data_type() {
        arrow_schema::DataType::Utf8 => {
            let set: HashSet<&str> =
                items.iter().filter(|i| !i.array().is_null(0)).map(|i| i.array().as_string::<i32>().value(0)).collect();
            let found = v.as_string::<i32>().iter().map(|x| x.map(|x| set.contains(x))).collect();
            Ok(Some(finish(found)))
        }
        arrow_schema::DataType::Int8 => ints!(Int8Type),
        arrow_schema::DataType::Int16 => ints!(Int16Type),
        arrow_schema::DataType::Int32 => ints!(Int32Type),
        arrow_schema::DataType::Int64 => ints!(Int64Type),
        arrow_schema::DataType::Date32 => ints!(Date32Type),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::EvalContext;
    use arrow_schema::{Field, Schema};
    use proptest::prelude::*;
    use sluice_types::ScalarValue;

    fn col(i: usize, t: DataType) -> ScalarExpr {
        ScalarExpr::Column { index: i, data_type: t }
    }
    fn s(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Char { length: v.chars().count() as u32 }))
    }
    fn batch(cols: Vec<ArrayRef>) -> RecordBatch {
        let fields: Vec<Field> =
            cols.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    }
    fn bools(a: &ArrayRef) -> Vec<Option<bool>> {
        a.as_boolean().iter().collect()
    }

    #[test]
    fn literal_stays_scalar() {
        let lit = ScalarExpr::literal(ScalarValue::Int(90), DataType::not_null(TypeKind::Int));
        let e = resolve_call(">", vec![col(0, DataType::double()), lit]).unwrap();
        // The INT literal is folded into a DOUBLE literal: one kernel call over the column.
        match &e {
            ScalarExpr::Call { args, .. } => assert_eq!(args[1].as_literal(), Some(&ScalarValue::Double(90.0))),
            other => panic!("unexpected {other:?}"),
        }
        let b = batch(vec![Arc::new(Float64Array::from(vec![Some(95.5), Some(90.0), None]))]);
        let out = e.evaluate(&b, &EvalContext::default()).unwrap();
        assert_eq!(bools(&out), vec![Some(true), Some(false), None]);
    }

    #[test]
    fn in_lists_with_nulls() {
        let b = batch(vec![Arc::new(StringArray::from(vec![Some("🍍 pineapple"), Some("ham"), None]))]);
        let ctx = EvalContext::default();
        let e = resolve_call("IN", vec![col(0, DataType::string()), s("🍍 pineapple"), s("olives")]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(false), None]);
        let null = ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Null));
        let e = resolve_call("IN", vec![col(0, DataType::string()), s("ham"), null]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![None, Some(true), None]);
        let mut long = vec![col(0, DataType::string())];
        for w in ["a", "b", "c", "d", "e", "f", "g", "ham", "i"] {
            long.push(s(w));
        }
        let e = resolve_call("NOT IN", long).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(false), None]);
    }

    #[test]
    fn string_meets_number_and_timestamp_meets_ltz() {
        let e = resolve_call("=", vec![s("1"), ScalarExpr::literal(ScalarValue::Int(1), DataType::not_null(TypeKind::Int))]).unwrap();
        assert_eq!(e.as_literal(), Some(&ScalarValue::Boolean(true)));
        let e = resolve_call("<", vec![col(0, DataType::timestamp(3)), col(1, DataType::timestamp_ltz(3))]).unwrap();
        match e {
            ScalarExpr::Call { args, .. } => assert_eq!(args[1].data_type().kind, TypeKind::Timestamp { precision: 3 }),
            other => panic!("unexpected {other:?}"),
        }
        let e = resolve_call("IS NOT DISTINCT FROM", vec![col(0, DataType::int()), col(1, DataType::int())]).unwrap();
        assert!(!e.data_type().nullable);
    }

    proptest! {
        #[test]
        fn kernels_match_row_by_row(a in proptest::collection::vec(proptest::option::of(-50i64..50), 1..64),
                                    b in proptest::collection::vec(proptest::option::of(-50i32..50), 1..64)) {
            let n = a.len().min(b.len());
            let (a, b) = (&a[..n], &b[..n]);
            let batch = batch(vec![Arc::new(Int64Array::from(a.to_vec())), Arc::new(Int32Array::from(b.to_vec()))]);
            let ctx = EvalContext::default();
            let (x, y) = (col(0, DataType::bigint()), col(1, DataType::int()));
            let lt = resolve_call("<", vec![x.clone(), y.clone()]).unwrap().evaluate(&batch, &ctx).unwrap();
            let sum = resolve_call("+", vec![x.clone(), y.clone()]).unwrap().evaluate(&batch, &ctx).unwrap();
            let prod = resolve_call("*", vec![x.clone(), y.clone()]).unwrap().evaluate(&batch, &ctx).unwrap();
            let guarded = resolve_call("CASE", vec![
                resolve_call("<>", vec![y.clone(), ScalarExpr::literal(ScalarValue::Int(0), DataType::not_null(TypeKind::Int))]).unwrap(),
                resolve_call("/", vec![x.clone(), y.clone()]).unwrap(),
            ]).unwrap().evaluate(&batch, &ctx).unwrap();
            for i in 0..n {
                let expect_lt = match (a[i], b[i]) { (Some(p), Some(q)) => Some(p < q as i64), _ => None };
                prop_assert_eq!(lt.as_boolean().iter().nth(i).unwrap(), expect_lt);
                let expect_sum = match (a[i], b[i]) { (Some(p), Some(q)) => Some(p + q as i64), _ => None };
                prop_assert_eq!(sum.as_primitive::<Int64Type>().iter().nth(i).unwrap(), expect_sum);
                let expect_prod = match (a[i], b[i]) { (Some(p), Some(q)) => Some(p * q as i64), _ => None };
                prop_assert_eq!(prod.as_primitive::<Int64Type>().iter().nth(i).unwrap(), expect_prod);
                let expect_div = match (a[i], b[i]) { (Some(p), Some(q)) if q != 0 => Some(p / q as i64), _ => None };
                prop_assert_eq!(guarded.as_primitive::<Int64Type>().iter().nth(i).unwrap(), expect_div);
            }
        }
    }
}
