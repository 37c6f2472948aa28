//! Regular expressions that count, locate and collect matches: `REGEXP_COUNT`,
//! `REGEXP_INSTR`, `REGEXP_SUBSTR` and `REGEXP_EXTRACT_ALL` (the older `REGEXP`,
//! `REGEXP_EXTRACT` and `REGEXP_REPLACE` live with the string functions and share their
//! pattern cache). As in Flink, a pattern that does not compile gives NULL, except in
//! `REGEXP_EXTRACT_ALL`, which fails, as does a group index out of range.

use std::sync::Arc;

use arrow_array::builder::{Int32Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::*;
use regex::Regex;
use sluice_types::{DataType, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match, string_kind, stringish};
use super::string::{cached_regex, check_pattern, regex_or_none};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["REGEXP_COUNT", "REGEXP_INSTR", "REGEXP_SUBSTR", "REGEXP_EXTRACT_ALL"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    check_pattern(args.get(1))?;
    let nullable = any_nullable(&args);
    let string = string_kind();
    let two = |func: Func, ret: DataType, args: Vec<ScalarExpr>| {
        let sig = format!("{name}(STRING, STRING)");
        arity(name, &args, 2, 2, &[&sig])?;
        if !args.iter().all(|a| stringish(a.data_type())) {
            return Err(no_match(name, &args, &[&sig]));
        }
        Ok(make_call(func, args.into_iter().map(|a| coerce(a, &string)).collect(), ret))
    };
    match name {
        "REGEXP_COUNT" => two(Func::RegexpCount, DataType::new(TypeKind::Int), args),
        "REGEXP_INSTR" => two(Func::RegexpInstr, DataType::new(TypeKind::Int), args),
        "REGEXP_SUBSTR" => two(Func::RegexpSubstr, DataType::string(), args),
        _ => {
            let sig = "REGEXP_EXTRACT_ALL(STRING, STRING[, INT])";
            arity(name, &args, 2, 3, &[sig])?;
            let ok = stringish(args[0].data_type())
                && stringish(args[1].data_type())
                && args.get(2).is_none_or(|g| g.data_type().kind.is_integer() || g.data_type().kind == TypeKind::Null);
            if !ok {
                return Err(no_match(name, &args, &[sig]));
            }
            let args = args
                .into_iter()
                .enumerate()
                .map(|(i, a)| coerce(a, if i < 2 { &string } else { &TypeKind::Int }))
                .collect();
            let ret = DataType { kind: TypeKind::Array(Box::new(DataType::string())), nullable };
            Ok(make_call(Func::RegexpExtractAll, args, ret))
        }
    }
}

/// The compiled pattern, or `None` where Java's `Pattern.compile` would throw.
fn pattern(p: &str) -> Result<Option<Regex>, EvalError> {
    regex_or_none(p)
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let (text, pat) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>());
    let both = |i: usize| (text.is_valid(i) && pat.is_valid(i)).then(|| (text.value(i), pat.value(i)));
    let out: ArrayRef = match func {
        Func::RegexpCount | Func::RegexpInstr => {
            let mut b = Int32Builder::with_capacity(n);
            for i in 0..n {
                let re = match both(i) {
                    Some((_, p)) => pattern(p)?,
                    None => None,
                };
                let v = both(i).zip(re).map(|((t, _), re)| match func {
                    Func::RegexpCount => re.find_iter(t).count() as i32,
                    _ => re.find(t).map(|m| t[..m.start()].chars().count() as i32 + 1).unwrap_or(0),
                });
                b.append_option(v);
            }
            Arc::new(b.finish())
        }
        Func::RegexpSubstr => {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for i in 0..n {
                let m = match both(i) {
                    Some((t, p)) => pattern(p)?.and_then(|re| re.find(t).map(|m| m.as_str().to_string())),
                    None => None,
                };
                b.append_option(m);
            }
            Arc::new(b.finish())
        }
        Func::RegexpExtractAll => {
            let group = arrays.get(2).map(|g| g.as_primitive::<Int32Type>());
            let field = Arc::new(DataType::string().to_field("element"));
            let mut b = ListBuilder::new(StringBuilder::new()).with_field(field);
            for i in 0..n {
                let g = match group {
                    Some(g) if g.is_null(i) => None,
                    Some(g) => Some(g.value(i)),
                    None => Some(1),
                };
                let (Some((t, p)), Some(g)) = (both(i), g) else {
                    b.append_null();
                    continue;
                };
                let re = cached_regex(p)?;
                let groups = re.captures_len() as i32 - 1;
                if g < 0 || g > groups {
                    return Err(EvalError::Runtime(format!("Extract group index {g} is out of range [0, {groups}].")));
                }
                for c in re.captures_iter(t) {
                    b.values().append_option(c.get(g as usize).map(|m| m.as_str()));
                }
                b.append(true);
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a regular-expression function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use crate::functions::resolve_call;
    use crate::{EvalContext, ScalarExpr};
    use sluice_types::{DataType, ScalarValue, TypeKind};

    fn s(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 100 }))
    }
    fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
        resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }
    fn strs(v: &[&str]) -> ScalarValue {
        ScalarValue::Array(v.iter().map(|s| ScalarValue::String(s.to_string())).collect())
    }

    #[test]
    fn count_instr_substr() {
        assert_eq!(call("REGEXP_COUNT", vec![s("ab12cd345"), s("[0-9]+")]), ScalarValue::Int(2));
        assert_eq!(call("REGEXP_COUNT", vec![s("abc"), s("(")]), ScalarValue::Null);
        assert_eq!(call("REGEXP_INSTR", vec![s("héllo 42"), s("[0-9]")]), ScalarValue::Int(7));
        assert_eq!(call("REGEXP_INSTR", vec![s("hello"), s("[0-9]")]), ScalarValue::Int(0));
        assert_eq!(call("REGEXP_SUBSTR", vec![s("ab12cd345"), s("[0-9]+")]), ScalarValue::String("12".into()));
        assert_eq!(call("REGEXP_SUBSTR", vec![s("abc"), s("[0-9]+")]), ScalarValue::Null);
    }

    #[test]
    fn java_only_syntax_is_not_supported_yet() {
        let e = resolve_call("REGEXP_COUNT", vec![s("abc"), s("a(?=b)")]).unwrap_err();
        assert!(e.to_string().contains("not supported yet"), "{e}");
        assert!(resolve_call("REGEXP_REPLACE", vec![s("abab"), s("(a)b\\1"), s("x")]).is_err());
        // A pattern Java refuses too is NULL or false, as in Flink.
        assert_eq!(call("REGEXP", vec![s("abc"), s("(")]), ScalarValue::Boolean(false));
        assert_eq!(call("REGEXP_EXTRACT", vec![s("abc"), s("[")]), ScalarValue::Null);
    }

    #[test]
    fn extract_all() {
        assert_eq!(call("REGEXP_EXTRACT_ALL", vec![s("a1b22"), s("([a-z])([0-9]+)")]), strs(&["a", "b"]));
        let two = ScalarExpr::literal(ScalarValue::Int(2), DataType::not_null(TypeKind::Int));
        assert_eq!(call("REGEXP_EXTRACT_ALL", vec![s("a1b22"), s("([a-z])([0-9]+)"), two]), strs(&["1", "22"]));
        // The default group is 1, and a pattern without groups fails, as in Flink.
        let e = resolve_call("REGEXP_EXTRACT_ALL", vec![s("a1"), s("[a-z]")]).unwrap();
        assert!(e.evaluate_constant(&EvalContext::default()).is_err());
    }
}
