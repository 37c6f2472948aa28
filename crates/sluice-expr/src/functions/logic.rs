//! Three-valued logic (`AND`, `OR`, `NOT`), the `IS ..` predicates and pattern matching
//! (`LIKE`, `SIMILAR TO`). `AND`/`OR` evaluate a fallible right side only on the rows the
//! left side does not already decide.

use std::sync::Arc;

use arrow_arith::boolean::{and_kleene, is_not_null, is_null, not, or, or_kleene};
use arrow_array::cast::AsArray;
use arrow_array::*;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::registry::{any_nullable, arity, coerce, literal_string, make_call, no_match, stringish};
use super::{CallCtx, Func};
use crate::eval::eval_masked;
use crate::value::ColumnarValue;
use crate::{EvalContext, EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "AND", "OR", "NOT", "IS NULL", "IS NOT NULL", "IS TRUE", "IS NOT TRUE", "IS FALSE", "IS NOT FALSE", "LIKE",
    "NOT LIKE", "SIMILAR TO", "NOT SIMILAR TO",
];

fn boolish(t: &DataType) -> bool {
    matches!(t.kind, TypeKind::Boolean | TypeKind::Null)
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    match name {
        "AND" | "OR" => {
            if args.len() < 2 || !args.iter().all(|a| boolish(a.data_type())) {
                return Err(no_match(name, &args, &["BOOLEAN AND BOOLEAN"]));
            }
            let func = if name == "AND" { Func::And } else { Func::Or };
            let nullable = any_nullable(&args);
            let mut args = args.into_iter().map(|a| coerce(a, &TypeKind::Boolean));
            // Left-deep binary tree.
            let first = args.next().ok_or_else(|| FunctionError::BadArgument("empty AND".into()))?;
            let mut acc = first;
            for next in args {
                let nullable_pair = acc.data_type().nullable || next.data_type().nullable;
                acc = make_call(func.clone(), vec![acc, next], DataType { kind: TypeKind::Boolean, nullable: nullable_pair });
            }
            let _ = nullable;
            Ok(acc)
        }
        "NOT" => {
            arity(name, &args, 1, 1, &["NOT BOOLEAN"])?;
            if !boolish(args[0].data_type()) {
                return Err(no_match(name, &args, &["NOT BOOLEAN"]));
            }
            let ty = DataType { kind: TypeKind::Boolean, nullable: any_nullable(&args) };
            let args = args.into_iter().map(|a| coerce(a, &TypeKind::Boolean)).collect();
            Ok(make_call(Func::Not, args, ty))
        }
        "IS NULL" | "IS NOT NULL" => {
            arity(name, &args, 1, 1, &["T IS NULL"])?;
            let func = if name == "IS NULL" { Func::IsNull } else { Func::IsNotNull };
            Ok(make_call(func, args, DataType::not_null(TypeKind::Boolean)))
        }
        "IS TRUE" | "IS NOT TRUE" | "IS FALSE" | "IS NOT FALSE" => {
            arity(name, &args, 1, 1, &["BOOLEAN IS TRUE"])?;
            if !boolish(args[0].data_type()) {
                return Err(no_match(name, &args, &["BOOLEAN IS TRUE"]));
            }
            let func = match name {
                "IS TRUE" => Func::IsTrue,
                "IS NOT TRUE" => Func::IsNotTrue,
                "IS FALSE" => Func::IsFalse,
                _ => Func::IsNotFalse,
            };
            let args = args.into_iter().map(|a| coerce(a, &TypeKind::Boolean)).collect();
            Ok(make_call(func, args, DataType::not_null(TypeKind::Boolean)))
        }
        _ => resolve_pattern(name, args),
    }
}

/// `LIKE`/`SIMILAR TO` with an optional `ESCAPE` character as a third argument.
fn resolve_pattern(name: &str, mut args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    arity(name, &args, 2, 3, &["STRING LIKE STRING [ESCAPE STRING]"])?;
    if !args.iter().all(|a| stringish(a.data_type())) {
        return Err(no_match(name, &args, &["STRING LIKE STRING [ESCAPE STRING]"]));
    }
    let like = name.ends_with("LIKE");
    if args.len() == 3 {
        let escape = literal_string(&args[2])
            .and_then(|e| {
                let mut c = e.chars();
                match (c.next(), c.next()) {
                    (Some(ch), None) => Some(ch),
                    _ => None,
                }
            })
            .ok_or_else(|| FunctionError::BadArgument("the ESCAPE argument must be a single-character literal".into()))?;
        let pattern = literal_string(&args[1])
            .ok_or_else(|| FunctionError::BadArgument("a pattern with ESCAPE must be a literal".into()))?;
        let rewritten = rewrite_escape(pattern, escape, like)?;
        let ty = args[1].data_type().clone();
        args.truncate(1);
        args.push(ScalarExpr::literal(ScalarValue::String(rewritten), ty));
    }
    let string = super::registry::string_kind();
    let nullable = any_nullable(&args);
    let args = args.into_iter().map(|a| coerce(a, &string)).collect();
    let func = match name {
        "LIKE" => Func::Like,
        "NOT LIKE" => Func::NotLike,
        "SIMILAR TO" => Func::SimilarTo,
        _ => Func::NotSimilarTo,
    };
    Ok(make_call(func, args, DataType { kind: TypeKind::Boolean, nullable }))
}

/// Rewrites a pattern with a custom escape character to use `\` (Arrow's LIKE escape, and
/// the regex escape for SIMILAR TO).
fn rewrite_escape(pattern: &str, escape: char, like: bool) -> Result<String, FunctionError> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            let next = chars
                .next()
                .ok_or_else(|| FunctionError::BadArgument(format!("invalid escape sequence in pattern '{pattern}'")))?;
            if like || "%_\\".contains(next) {
                out.push('\\');
                out.push(next);
            } else {
                out.push_str(&regex::escape(&next.to_string()));
            }
        } else if c == '\\' && escape != '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Translates a SQL `SIMILAR TO` pattern into an anchored regular expression.
fn similar_to_regex(pattern: &str) -> String {
    let mut out = String::from("^(?s:");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push_str(".*"),
            '_' => out.push('.'),
            '\\' => match chars.next() {
                Some(n) => out.push_str(&regex::escape(&n.to_string())),
                None => out.push_str("\\\\"),
            },
            '.' | '^' | '$' => {
                out.push('\\');
                out.push(c);
            }
            other => out.push(other),
        }
    }
    out.push_str(")$");
    out
}

pub(crate) fn eval_and_or(func: &Func, args: &[ScalarExpr], batch: &RecordBatch, ctx: &EvalContext) -> Result<ColumnarValue, EvalError> {
    let left = args[0].eval(batch, ctx)?;
    let n = batch.num_rows();
    let right = if args[1].may_fail() {
        let l = left.clone().into_array(n)?;
        let l = l.as_boolean();
        // Rows the left side does not decide: not FALSE for AND, not TRUE for OR.
        let undecided = if *func == Func::And { or(&is_null(l)?, l)? } else { or(&is_null(l)?, &not(l)?)? };
        eval_masked(&args[1], batch, &undecided, ctx)?
    } else {
        args[1].eval(batch, ctx)?
    };
    let scalar = left.is_scalar() && right.is_scalar();
    let len = if scalar { 1 } else { n };
    let (l, r) = (left.into_array(len)?, right.into_array(len)?);
    let out = if *func == Func::And {
        and_kleene(l.as_boolean(), r.as_boolean())?
    } else {
        or_kleene(l.as_boolean(), r.as_boolean())?
    };
    Ok(ColumnarValue::wrap(Arc::new(out), scalar))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, _cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let scalar = args.iter().all(|a| a.is_scalar());
    let a = args[0].array();
    let out: BooleanArray = match func {
        Func::Not => not(a.as_boolean())?,
        Func::IsNull => is_null(a.as_ref())?,
        Func::IsNotNull => is_not_null(a.as_ref())?,
        Func::IsTrue | Func::IsNotTrue | Func::IsFalse | Func::IsNotFalse => {
            let b = a.as_boolean();
            let want = matches!(func, Func::IsTrue | Func::IsNotTrue);
            let negate = matches!(func, Func::IsNotTrue | Func::IsNotFalse);
            b.iter().map(|v| Some((v == Some(want)) != negate)).collect()
        }
        Func::Like => arrow_string::like::like(&args[0], &args[1])?,
        Func::NotLike => arrow_string::like::nlike(&args[0], &args[1])?,
        Func::SimilarTo | Func::NotSimilarTo => {
            let negate = *func == Func::NotSimilarTo;
            let patterns = args[1].array().as_string::<i32>();
            let values = a.as_string::<i32>();
            let fixed = if args[1].is_scalar() { patterns.iter().next().flatten() } else { None };
            let fixed_re = match fixed {
                Some(p) => Some(super::string::cached_regex(&similar_to_regex(p))?),
                None => None,
            };
            let mut out = Vec::with_capacity(values.len());
            for i in 0..values.len() {
                let p = if args[1].is_scalar() { 0 } else { i };
                if values.is_null(i) || patterns.is_null(p) {
                    out.push(None);
                    continue;
                }
                let re = match &fixed_re {
                    Some(r) => r.clone(),
                    None => super::string::cached_regex(&similar_to_regex(patterns.value(p)))?,
                };
                out.push(Some(re.is_match(values.value(i)) != negate));
            }
            BooleanArray::from(out)
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a logic function"))),
    };
    Ok(ColumnarValue::wrap(Arc::new(out), scalar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use arrow_schema::{Field, Schema};

    fn col(i: usize, t: DataType) -> ScalarExpr {
        ScalarExpr::Column { index: i, data_type: t }
    }
    fn lit(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 20 }))
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
    fn kleene_logic() {
        let b = batch(vec![
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None, None, Some(true)])),
            Arc::new(BooleanArray::from(vec![None, None, Some(false), Some(true), Some(true)])),
        ]);
        let ctx = EvalContext::default();
        let and = resolve_call("and", vec![col(0, DataType::boolean()), col(1, DataType::boolean())]).unwrap();
        assert_eq!(bools(&and.evaluate(&b, &ctx).unwrap()), vec![None, Some(false), Some(false), None, Some(true)]);
        let or = resolve_call("OR", vec![col(0, DataType::boolean()), col(1, DataType::boolean())]).unwrap();
        assert_eq!(bools(&or.evaluate(&b, &ctx).unwrap()), vec![Some(true), None, None, Some(true), Some(true)]);
        let t = resolve_call("IS NOT TRUE", vec![col(0, DataType::boolean())]).unwrap();
        assert_eq!(bools(&t.evaluate(&b, &ctx).unwrap()), vec![Some(false), Some(true), Some(true), Some(true), Some(false)]);
        let n = resolve_call("IS NULL", vec![col(1, DataType::boolean())]).unwrap();
        assert_eq!(bools(&n.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(true), Some(false), Some(false), Some(false)]);
    }

    #[test]
    fn and_guards_division() {
        let b = batch(vec![Arc::new(Int32Array::from(vec![0, 5, 20]))]);
        let x = col(0, DataType::not_null(TypeKind::Int));
        let zero = ScalarExpr::literal(ScalarValue::Int(0), DataType::not_null(TypeKind::Int));
        let ten = ScalarExpr::literal(ScalarValue::Int(10), DataType::not_null(TypeKind::Int));
        let one = ScalarExpr::literal(ScalarValue::Int(1), DataType::not_null(TypeKind::Int));
        let guard = resolve_call("<>", vec![x.clone(), zero]).unwrap();
        let div = resolve_call("/", vec![ten, x]).unwrap();
        let cmp = resolve_call(">", vec![div, one]).unwrap();
        let e = resolve_call("AND", vec![guard, cmp]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &EvalContext::default()).unwrap()), vec![Some(false), Some(true), Some(false)]);
    }

    #[test]
    fn like_and_similar() {
        let b = batch(vec![Arc::new(StringArray::from(vec![Some("abc"), Some("a_c"), None, Some("xyz")]))]);
        let ctx = EvalContext::default();
        let e = resolve_call("LIKE", vec![col(0, DataType::string()), lit("a%")]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(true), None, Some(false)]);
        let e = resolve_call("LIKE", vec![col(0, DataType::string()), lit("a!_c"), lit("!")]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(false), Some(true), None, Some(false)]);
        let e = resolve_call("NOT LIKE", vec![col(0, DataType::string()), lit("%y%")]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(true), None, Some(false)]);
        let e = resolve_call("SIMILAR TO", vec![col(0, DataType::string()), lit("(abc|xyz)")]).unwrap();
        assert_eq!(bools(&e.evaluate(&b, &ctx).unwrap()), vec![Some(true), Some(false), None, Some(true)]);
    }
}
