//! Strings split into collections: `SPLIT(s, delimiter)` into an `ARRAY<STRING>` and
//! `STR_TO_MAP(s[, pair_delimiter, key_value_delimiter])` into a `MAP<STRING, STRING>`.
//! `SPLIT`'s delimiter is a plain string; `STR_TO_MAP`'s are regular expressions, as Java's
//! `String.split` reads them in Flink.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, MapBuilder, MapFieldNames, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::*;
use regex::Regex;
use sluice_types::{DataType, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match, string_kind, stringish};
use super::string::cached_regex;
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["SPLIT", "STR_TO_MAP"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let nullable = any_nullable(&args);
    let (func, min, max, sig, ret) = match name {
        "SPLIT" => (
            Func::Split,
            2,
            2,
            "SPLIT(STRING, STRING)",
            TypeKind::Array(Box::new(DataType::string())),
        ),
        _ => (
            Func::StrToMap,
            1,
            3,
            "STR_TO_MAP(STRING[, STRING, STRING])",
            TypeKind::Map(Box::new(DataType::not_null(string_kind())), Box::new(DataType::string())),
        ),
    };
    arity(name, &args, min, max, &[sig])?;
    if args.len() == 2 && func == Func::StrToMap || !args.iter().all(|a| stringish(a.data_type())) {
        return Err(no_match(name, &args, &[sig]));
    }
    if func == Func::StrToMap {
        super::string::check_pattern(args.get(1))?;
        super::string::check_pattern(args.get(2))?;
    }
    let string = string_kind();
    let args = args.into_iter().map(|a| coerce(a, &string)).collect();
    Ok(make_call(func, args, DataType { kind: ret, nullable }))
}

/// Commons Lang's `splitByWholeSeparatorPreserveAllTokens`: every occurrence splits, empty
/// tokens stay; an empty text gives no token at all.
fn split_whole<'a>(s: &'a str, delimiter: &str, out: &mut Vec<&'a str>) {
    if s.is_empty() {
        return;
    }
    if delimiter.is_empty() {
        out.extend(s.char_indices().map(|(i, c)| &s[i..i + c.len_utf8()]));
    } else {
        out.extend(s.split(delimiter));
    }
}

/// Java's `String.split(regex, limit)`: no leading empty token from a zero-width match at
/// the start; with `limit == 0` trailing empty tokens are dropped.
fn java_split<'a>(s: &'a str, re: &Regex, limit: usize, out: &mut Vec<&'a str>) {
    let start = out.len();
    let mut last = 0;
    for m in re.find_iter(s) {
        if limit > 0 && out.len() - start == limit - 1 {
            break;
        }
        if m.end() == 0 {
            continue;
        }
        out.push(&s[last..m.start()]);
        last = m.end();
    }
    if last == 0 && out.len() == start {
        out.push(s);
        return;
    }
    out.push(&s[last..]);
    if limit == 0 {
        while out.len() > start && out.last().is_some_and(|t| t.is_empty()) {
            out.pop();
        }
    }
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let cols: Vec<&StringArray> = arrays.iter().map(|a| a.as_string::<i32>()).collect();
    let value = |k: usize, i: usize| cols[k].is_valid(i).then(|| cols[k].value(i));
    let mut tokens: Vec<&str> = Vec::new();
    let out: ArrayRef = match func {
        Func::Split => {
            let field = Arc::new(DataType::string().to_field("element"));
            let mut b = ListBuilder::new(StringBuilder::new()).with_field(field);
            for i in 0..n {
                let (Some(s), Some(d)) = (value(0, i), value(1, i)) else {
                    b.append_null();
                    continue;
                };
                tokens.clear();
                split_whole(s, d, &mut tokens);
                for t in &tokens {
                    b.values().append_value(t);
                }
                b.append(true);
            }
            Arc::new(b.finish())
        }
        Func::StrToMap => {
            let arrow_schema::DataType::Map(entries, _) = cc.ret.to_arrow() else {
                return Err(EvalError::Internal("STR_TO_MAP without a map type".into()));
            };
            let arrow_schema::DataType::Struct(fields) = entries.data_type().clone() else {
                return Err(EvalError::Internal("map entries are not a struct".into()));
            };
            let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
            let mut b = MapBuilder::new(Some(names), StringBuilder::new(), StringBuilder::new())
                .with_keys_field(fields[0].clone())
                .with_values_field(fields[1].clone());
            let mut pairs: Vec<(&str, Option<&str>)> = Vec::new();
            let mut kv: Vec<&str> = Vec::new();
            for i in 0..n {
                let Some(s) = value(0, i) else {
                    b.append(false)?;
                    continue;
                };
                let (list, key_value) = if cols.len() == 3 {
                    match (value(1, i), value(2, i)) {
                        (Some(l), Some(k)) => (l, k),
                        _ => {
                            b.append(false)?;
                            continue;
                        }
                    }
                } else {
                    (",", "=")
                };
                pairs.clear();
                if !s.is_empty() {
                    let (list_re, kv_re) = (cached_regex(list)?, cached_regex(key_value)?);
                    tokens.clear();
                    java_split(s, &list_re, 0, &mut tokens);
                    for pair in &tokens {
                        kv.clear();
                        java_split(pair, &kv_re, 2, &mut kv);
                        let entry = if kv.len() < 2 { (*pair, None) } else { (kv[0], Some(kv[1])) };
                        // A later pair replaces an earlier one with the same key (a Java HashMap).
                        match pairs.iter_mut().find(|(k, _)| *k == entry.0) {
                            Some(slot) => *slot = entry,
                            None => pairs.push(entry),
                        }
                    }
                }
                for (k, v) in &pairs {
                    b.keys().append_value(k);
                    b.values().append_option(*v);
                }
                b.append(true)?;
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a splitting function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::EvalContext;
    use sluice_types::ScalarValue;

    fn s(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 100 }))
    }
    fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
        resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }
    fn st(v: &str) -> ScalarValue {
        ScalarValue::String(v.into())
    }

    #[test]
    fn split() {
        let arr = |v: &[&str]| ScalarValue::Array(v.iter().map(|x| st(x)).collect());
        assert_eq!(call("SPLIT", vec![s("a,,b,"), s(",")]), arr(&["a", "", "b", ""]));
        assert_eq!(call("SPLIT", vec![s("héj"), s("")]), arr(&["h", "é", "j"]));
        assert_eq!(call("SPLIT", vec![s(""), s(",")]), arr(&[]));
        assert_eq!(call("SPLIT", vec![s("a::b"), s("::")]), arr(&["a", "b"]));
    }

    #[test]
    fn java_split_rules() {
        let re = Regex::new(",").unwrap();
        let mut out = Vec::new();
        java_split("a,b,,", &re, 0, &mut out);
        assert_eq!(out, vec!["a", "b"]);
        out.clear();
        java_split(",a", &re, 0, &mut out);
        assert_eq!(out, vec!["", "a"]);
        out.clear();
        java_split("k=v=w", &Regex::new("=").unwrap(), 2, &mut out);
        assert_eq!(out, vec!["k", "v=w"]);
    }

    #[test]
    fn str_to_map() {
        let m = call("STR_TO_MAP", vec![s("a=1,b=2,c,a=3")]);
        assert_eq!(
            m,
            ScalarValue::Map(vec![(st("a"), st("3")), (st("b"), st("2")), (st("c"), ScalarValue::Null)])
        );
        let m = call("STR_TO_MAP", vec![s("x:1;y:2"), s(";"), s(":")]);
        assert_eq!(m, ScalarValue::Map(vec![(st("x"), st("1")), (st("y"), st("2"))]));
        assert_eq!(call("STR_TO_MAP", vec![s("")]), ScalarValue::Map(vec![]));
    }
}
