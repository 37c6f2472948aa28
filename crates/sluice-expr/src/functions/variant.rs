//! Flink's `VARIANT` functions: `PARSE_JSON(s [, allowDuplicateKeys])`, which fails the
//! job on text that is no JSON, `TRY_PARSE_JSON`, which gives NULL instead, and `v['key']`
//! / `v[i]` (`ITEM` on a variant). A variant is one `Binary` cell in Flink's binary
//! encoding (`sluice_types::variant`). A NULL argument gives NULL; a missing key or an
//! index outside the array gives NULL; a key on a non-object or an index on a non-array
//! fails the job with Flink's message.

use std::sync::Arc;

use arrow_array::builder::BinaryBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use sluice_types::variant::{array_element, object_field, parse_json};
use sluice_types::{DataType, TypeKind};

use super::registry::{arity, coerce, make_call, no_match, stringish};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["PARSE_JSON", "TRY_PARSE_JSON"];

const SIGNATURES: &[&str] = &["PARSE_JSON(<CHARACTER_STRING>)", "PARSE_JSON(<CHARACTER_STRING>, <BOOLEAN>)"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let try_parse = name == "TRY_PARSE_JSON";
    let sigs: Vec<String> = SIGNATURES.iter().map(|s| s.replace("PARSE_JSON", name)).collect();
    let sigs: Vec<&str> = sigs.iter().map(|s| s.as_str()).collect();
    arity(name, &args, 1, 2, &sigs)?;
    if !stringish(args[0].data_type()) {
        return Err(no_match(name, &args, &sigs));
    }
    if args.len() == 2 && !matches!(args[1].data_type().kind, TypeKind::Boolean | TypeKind::Null) {
        return Err(no_match(name, &args, &sigs));
    }
    // TRY_PARSE_JSON is always nullable; PARSE_JSON only with a nullable text.
    let nullable = try_parse || args[0].data_type().nullable || args[0].data_type().kind == TypeKind::Null;
    let mut args = args;
    args[0] = coerce(args[0].clone(), &DataType::string().kind);
    Ok(make_call(Func::ParseJson { try_parse }, args, DataType { kind: TypeKind::Variant, nullable }))
}

/// `v[key]` on a variant: a string key reads an object field, an integer an array element
/// (from 1). The result is a nullable `VARIANT`.
pub(crate) fn resolve_item(args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let (is_string, is_integer) = (args[1].data_type().is_string(), args[1].data_type().kind.is_integer());
    if !is_string && !is_integer {
        return Err(no_match("ITEM", &args, &["VARIANT[STRING]", "VARIANT[INT]"]));
    }
    let mut args = args;
    if is_integer {
        args[1] = coerce(args[1].clone(), &TypeKind::BigInt);
    }
    Ok(make_call(Func::VariantItem, args, DataType::new(TypeKind::Variant)))
}

fn strings(array: &ArrayRef) -> Result<Option<&StringArray>, EvalError> {
    if array.data_type() == &arrow_schema::DataType::Null {
        return Ok(None);
    }
    array.as_string_opt::<i32>().map(Some).ok_or_else(|| EvalError::Internal("PARSE_JSON of a non-string".into()))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let rows = arrays.first().map_or(cc.rows, |a| a.len());
    let mut out = BinaryBuilder::new();
    match func {
        Func::ParseJson { try_parse } => {
            let text = strings(&arrays[0])?;
            let allow = match arrays.get(1) {
                Some(a) if a.data_type() != &arrow_schema::DataType::Null => Some(a.as_boolean()),
                _ => None,
            };
            for i in 0..rows {
                let Some(text) = text.filter(|t| !t.is_null(i)).map(|t| t.value(i)) else {
                    out.append_null();
                    continue;
                };
                // A NULL flag fails in Flink too (it unboxes the Boolean); TRY_ gives NULL.
                let allow_duplicates = match (&allow, arrays.len()) {
                    (_, 1) => false,
                    (Some(a), _) if !a.is_null(i) => a.value(i),
                    _ if *try_parse => {
                        out.append_null();
                        continue;
                    }
                    _ => return Err(EvalError::Runtime("PARSE_JSON: the allowDuplicateKeys argument is NULL".into())),
                };
                match parse_json(text, allow_duplicates) {
                    Ok(cell) => out.append_value(&cell),
                    Err(_) if *try_parse => out.append_null(),
                    Err(e) => return Err(EvalError::Runtime(format!("Failed to parse json string: {text} ({e})"))),
                }
            }
        }
        Func::VariantItem => {
            if arrays[0].data_type() == &arrow_schema::DataType::Null {
                return Ok(ColumnarValue::wrap(Arc::new(BinaryArray::new_null(rows)), scalar));
            }
            let cells = arrays[0].as_binary_opt::<i32>().ok_or_else(|| EvalError::Internal("a VARIANT is not binary".into()))?;
            let key = &arrays[1];
            let names = key.as_string_opt::<i32>();
            let indexes = key.as_primitive_opt::<Int64Type>();
            for i in 0..rows {
                if cells.is_null(i) || key.is_null(i) {
                    out.append_null();
                    continue;
                }
                let found = match (names, indexes) {
                    (Some(n), _) => object_field(cells.value(i), n.value(i)),
                    (_, Some(x)) => array_element(cells.value(i), x.value(i)),
                    _ => return Err(EvalError::Internal("a VARIANT subscript that is neither STRING nor BIGINT".into())),
                }
                .map_err(|e| EvalError::Runtime(e.to_string()))?;
                match found {
                    Some(cell) => out.append_value(&cell),
                    None => out.append_null(),
                }
            }
        }
        _ => return Err(EvalError::Internal(format!("{func:?} is not a variant function"))),
    }
    Ok(ColumnarValue::wrap(Arc::new(out.finish()), scalar))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::{write_value_as_string, EvalContext};
    use arrow_schema::{Field, Schema};
    use sluice_types::ScalarValue;

    fn texts(values: &[Option<&str>]) -> RecordBatch {
        let col: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
        RecordBatch::try_new(Arc::new(Schema::new(vec![Field::new("s", arrow_schema::DataType::Utf8, true)])), vec![col]).unwrap()
    }
    fn s() -> ScalarExpr {
        ScalarExpr::Column { index: 0, data_type: DataType::string() }
    }
    fn lit(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Char { length: v.chars().count() as u32 }))
    }
    fn shown(e: &ScalarExpr, b: &RecordBatch) -> Vec<String> {
        let out = e.evaluate(b, &EvalContext::default()).unwrap();
        (0..out.len())
            .map(|i| {
                let mut t = String::new();
                if out.is_null(i) {
                    t.push_str("NULL");
                } else {
                    write_value_as_string(out.as_ref(), e.data_type(), i, &EvalContext::default(), &mut t);
                }
                t
            })
            .collect()
    }

    #[test]
    fn parse_and_try_parse() {
        let b = texts(&[Some(r#"{"b": 2, "a": [1, 1.50]}"#), None, Some("{bad")]);
        let try_parse = resolve_call("TRY_PARSE_JSON", vec![s()]).unwrap();
        assert_eq!(try_parse.data_type(), &DataType::new(TypeKind::Variant));
        assert_eq!(shown(&try_parse, &b), [r#"{"a":[1,1.5],"b":2}"#, "NULL", "NULL"]);
        let parse = resolve_call("PARSE_JSON", vec![s()]).unwrap();
        let err = parse.evaluate(&b, &EvalContext::default()).unwrap_err();
        assert!(err.to_string().starts_with("Failed to parse json string: {bad"), "{err}");
        // A literal text is parsed at planning, and the type is NOT NULL.
        let folded = resolve_call("PARSE_JSON", vec![lit("[1]")]).unwrap();
        assert_eq!(folded.data_type().to_string(), "VARIANT NOT NULL");
        assert!(folded.as_literal().is_some());
        assert!(resolve_call("PARSE_JSON", vec![ScalarExpr::literal(ScalarValue::Int(1), DataType::int())]).is_err());
    }

    #[test]
    fn duplicate_keys_only_when_allowed() {
        let b = texts(&[Some(r#"{"a": 1, "a": 2}"#)]);
        let yes = ScalarExpr::literal(ScalarValue::Boolean(true), DataType::not_null(TypeKind::Boolean));
        let no = ScalarExpr::literal(ScalarValue::Boolean(false), DataType::not_null(TypeKind::Boolean));
        assert_eq!(shown(&resolve_call("PARSE_JSON", vec![s(), yes.clone()]).unwrap(), &b), [r#"{"a":2}"#]);
        assert_eq!(shown(&resolve_call("TRY_PARSE_JSON", vec![s(), no.clone()]).unwrap(), &b), ["NULL"]);
        let err = resolve_call("PARSE_JSON", vec![s(), no]).unwrap().evaluate(&b, &EvalContext::default()).unwrap_err();
        assert!(err.to_string().contains("VARIANT_DUPLICATE_KEY"), "{err}");
    }

    #[test]
    fn subscripts() {
        let b = texts(&[Some(r#"{"a": {"b": [10, "x"]}}"#), Some("{}"), None]);
        let v = resolve_call("TRY_PARSE_JSON", vec![s()]).unwrap();
        let ab = resolve_call("ITEM", vec![resolve_call("ITEM", vec![v.clone(), lit("a")]).unwrap(), lit("b")]).unwrap();
        let two = ScalarExpr::literal(ScalarValue::Int(2), DataType::not_null(TypeKind::Int));
        let ab2 = resolve_call("ITEM", vec![ab.clone(), two.clone()]).unwrap();
        assert_eq!(ab2.data_type(), &DataType::new(TypeKind::Variant));
        assert_eq!(shown(&ab, &b), [r#"[10,"x"]"#, "NULL", "NULL"]);
        assert_eq!(shown(&ab2, &b), [r#""x""#, "NULL", "NULL"]);
        let wrong = resolve_call("ITEM", vec![v, two]).unwrap();
        let err = wrong.evaluate(&b, &EvalContext::default()).unwrap_err();
        assert!(err.to_string().starts_with("Integer index access on variant requires an array variant"), "{err}");
    }
}
