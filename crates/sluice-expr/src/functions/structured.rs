//! Flink's structured types: `OBJECT_OF('class.Name', key1, value1, ...)` builds an object
//! of a `STRUCTURED<'class.Name', key1 T1, ...>` type, and `OBJECT_UPDATE(obj, key, value,
//! ...)` gives a copy with some fields replaced (their types too). The class name and the
//! keys are literals, checked at planning with Flink's messages. A structured object is an
//! Arrow `Struct`, as a `ROW` is; only its type carries the class name.

use std::sync::Arc;

use arrow_array::*;
use arrow_buffer::NullBuffer;
use sluice_types::{DataType, RowField, TypeKind};

use super::registry::{literal_string, make_call, no_match};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["OBJECT_OF", "OBJECT_UPDATE"];

const OBJECT_OF_SIGNATURE: &str = "OBJECT_OF(class name STRING, [STRING, ANY]*...)";
const OBJECT_UPDATE_SIGNATURE: &str = "OBJECT_UPDATE(object STRUCTURED_TYPE, [STRING, ANY]+...)";

/// Whether `name` is a class name a JVM accepts: identifiers separated by dots.
fn is_class_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

/// The literal key at argument `i` (position `i + 1` in Flink's messages).
fn key_at<'a>(args: &'a [ScalarExpr], i: usize, name: &str) -> Result<&'a str, FunctionError> {
    let t = args[i].data_type();
    if !t.is_string() {
        return Err(FunctionError::BadArgument(format!(
            "{name}: the field key at position {} must be a non-nullable character string, but was {t}",
            i + 1
        )));
    }
    literal_string(&args[i]).ok_or_else(|| {
        FunctionError::BadArgument(format!("{name}: the field key at position {} must be a non-nullable character string literal", i + 1))
    })
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    if name == "OBJECT_OF" {
        if args.is_empty() || args.len() % 2 == 0 {
            return Err(no_match(name, &args, &[OBJECT_OF_SIGNATURE]));
        }
        let class = match literal_string(&args[0]) {
            Some(c) if args[0].data_type().is_string() => c.to_string(),
            _ => {
                return Err(FunctionError::BadArgument(
                    "OBJECT_OF: the first argument must be a non-nullable character string literal representing the class name".into(),
                ))
            }
        };
        if !is_class_name(&class) {
            return Err(FunctionError::BadArgument(format!(
                "OBJECT_OF: invalid class name '{class}'. The class name must comply with JVM identifier rules"
            )));
        }
        let mut fields: Vec<RowField> = Vec::new();
        for i in (1..args.len()).step_by(2) {
            let key = key_at(&args, i, name)?;
            if fields.iter().any(|f| f.name == key) {
                return Err(FunctionError::BadArgument(format!("OBJECT_OF: the field name '{key}' at position {} is repeated", i + 1)));
            }
            fields.push(RowField { name: key.to_string(), data_type: args[i + 1].data_type().clone() });
        }
        // Flink types the object as nullable, whatever its fields.
        let ty = DataType::new(TypeKind::Structured { class, fields });
        let values: Vec<ScalarExpr> = args.into_iter().skip(1).skip(1).step_by(2).collect();
        return Ok(make_call(Func::ObjectOf, values, ty));
    }
    if args.is_empty() || args.len() % 2 == 0 {
        return Err(no_match(name, &args, &[OBJECT_UPDATE_SIGNATURE]));
    }
    let object_type = args[0].data_type().clone();
    let TypeKind::Structured { class, fields } = &object_type.kind else {
        return Err(FunctionError::BadArgument(format!(
            "OBJECT_UPDATE: the first argument must be a structured type, but was {object_type}"
        )));
    };
    let mut fields = fields.clone();
    let mut replaced: Vec<usize> = Vec::new();
    for i in (1..args.len()).step_by(2) {
        let key = key_at(&args, i, name)?;
        let Some(index) = fields.iter().position(|f| f.name == key) else {
            let known: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            return Err(FunctionError::BadArgument(format!(
                "OBJECT_UPDATE: the field name '{key}' at position {} is not a field of {object_type} (its fields: {})",
                i + 1,
                known.join(", ")
            )));
        };
        if replaced.contains(&index) {
            return Err(FunctionError::BadArgument(format!("OBJECT_UPDATE: the field name '{key}' at position {} is repeated", i + 1)));
        }
        replaced.push(index);
        fields[index].data_type = args[i + 1].data_type().clone();
    }
    let ty = DataType { kind: TypeKind::Structured { class: class.clone(), fields }, nullable: object_type.nullable };
    let mut call_args = vec![args[0].clone()];
    call_args.extend(args.into_iter().skip(2).step_by(2));
    Ok(make_call(Func::ObjectUpdate { fields: replaced }, call_args, ty))
}

fn struct_fields(ty: &DataType) -> Result<arrow_schema::Fields, EvalError> {
    match &ty.kind {
        TypeKind::Structured { fields, .. } => Ok(sluice_types::row_fields_to_arrow(fields)),
        other => Err(EvalError::Internal(format!("a structured function returns {other}"))),
    }
}

/// A column of the result's field type: an untyped NULL becomes a NULL column of it.
fn column_of(array: ArrayRef, field: &arrow_schema::Field) -> ArrayRef {
    if array.data_type() == &arrow_schema::DataType::Null && field.data_type() != &arrow_schema::DataType::Null {
        return new_null_array(field.data_type(), array.len());
    }
    array
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let fields = struct_fields(cc.ret)?;
    let out: ArrayRef = match func {
        Func::ObjectOf => {
            let rows = if scalar { 1 } else { cc.rows };
            let columns: Vec<ArrayRef> = arrays.into_iter().zip(fields.iter()).map(|(a, f)| column_of(a, f)).collect();
            if columns.is_empty() {
                Arc::new(StructArray::new_empty_fields(rows, None))
            } else {
                Arc::new(StructArray::try_new(fields, columns, None)?)
            }
        }
        Func::ObjectUpdate { fields: replaced } => {
            let object = &arrays[0];
            let rows = object.len();
            let (mut columns, nulls): (Vec<ArrayRef>, Option<NullBuffer>) = match object.as_any().downcast_ref::<StructArray>() {
                Some(s) => (s.columns().to_vec(), s.nulls().cloned()),
                None => {
                    // An untyped NULL object: every row is NULL.
                    let columns = fields.iter().map(|f| new_null_array(f.data_type(), rows)).collect();
                    (columns, Some(NullBuffer::new_null(rows)))
                }
            };
            for (value, index) in arrays.into_iter().skip(1).zip(replaced) {
                let field = fields.get(*index).ok_or_else(|| EvalError::Internal("OBJECT_UPDATE of a missing field".into()))?;
                columns[*index] = column_of(value, field);
            }
            if columns.is_empty() {
                Arc::new(StructArray::new_empty_fields(rows, nulls))
            } else {
                Arc::new(StructArray::try_new(fields, columns, nulls)?)
            }
        }
        _ => return Err(EvalError::Internal(format!("{func:?} is not a structured-type function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use crate::functions::resolve_call;
    use crate::{write_value_as_string, EvalContext, FunctionError, ScalarExpr};
    use arrow_array::Array;
    use sluice_types::{DataType, ScalarValue, TypeKind};

    fn lit(v: &str) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Char { length: v.chars().count() as u32 }))
    }
    fn int(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn text(e: &ScalarExpr) -> String {
        let value = e.evaluate_constant(&EvalContext::default()).unwrap();
        let out = crate::scalar_to_array(&value, e.data_type(), 1).unwrap();
        let mut t = String::new();
        if !out.is_null(0) {
            write_value_as_string(out.as_ref(), e.data_type(), 0, &EvalContext::default(), &mut t);
        }
        t
    }
    fn message(r: Result<ScalarExpr, FunctionError>) -> String {
        r.map(|e| format!("unexpected {e:?}")).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn object_of_types_and_prints_like_flink() {
        let o = resolve_call("OBJECT_OF", vec![lit("com.example.User"), lit("name"), lit("Bob"), lit("age"), int(42)]).unwrap();
        assert_eq!(o.data_type().to_string(), "STRUCTURED<'com.example.User', `name` CHAR(3) NOT NULL, `age` INT NOT NULL>");
        assert_eq!(text(&o), "(name=Bob, age=42)");
        let u = resolve_call("OBJECT_UPDATE", vec![o.clone(), lit("age"), lit("x")]).unwrap();
        assert_eq!(u.data_type().to_string(), "STRUCTURED<'com.example.User', `name` CHAR(3) NOT NULL, `age` CHAR(1) NOT NULL>");
        assert_eq!(text(&u), "(name=Bob, age=x)");
        assert_eq!(text(&resolve_call("OBJECT_OF", vec![lit("Empty")]).unwrap()), "()");
    }

    #[test]
    fn refuses_what_flink_refuses() {
        assert!(message(resolve_call("OBJECT_OF", vec![lit("my class!"), lit("a"), int(1)])).contains("JVM identifier"));
        assert!(message(resolve_call("OBJECT_OF", vec![lit("c"), int(1), int(1)])).contains("at position 2 must be a non-nullable character string"));
        assert!(message(resolve_call("OBJECT_OF", vec![lit("c"), lit("a"), int(1), lit("a"), int(2)])).contains("'a' at position 4 is repeated"));
        assert!(resolve_call("OBJECT_OF", vec![lit("c"), lit("a")]).is_err());
        let o = resolve_call("OBJECT_OF", vec![lit("c"), lit("a"), int(1)]).unwrap();
        assert!(message(resolve_call("OBJECT_UPDATE", vec![o.clone(), lit("a"), int(2), lit("a"), int(3)])).contains("is repeated"));
        assert!(message(resolve_call("OBJECT_UPDATE", vec![o.clone(), lit("b"), int(2)])).contains("'b' at position 2"));
        let row = resolve_call("ROW", vec![int(1)]).unwrap();
        assert!(message(resolve_call("OBJECT_UPDATE", vec![row, lit("EXPR$0"), int(2)])).contains("must be a structured type"));
    }
}
