//! Conversions between single `ScalarValue`s and Arrow arrays.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_buffer::{NullBuffer, OffsetBuffer};
use sluice_types::{row_fields_to_arrow, DataType, ScalarValue, TypeKind};

use crate::value::repeat;
use crate::EvalError;

/// Turns a `ScalarValue` of type `ty` into an array of `len` copies.
pub fn scalar_to_array(value: &ScalarValue, ty: &DataType, len: usize) -> Result<ArrayRef, EvalError> {
    let one = build_array(&[value], ty)?;
    repeat(&one, len)
}

fn mismatch(v: &ScalarValue, ty: &DataType) -> EvalError {
    EvalError::Internal(format!("value {v:?} does not fit type {ty}"))
}

fn int_of(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Date(d) | ScalarValue::Time(d) | ScalarValue::IntervalYearMonth(d) => Some(*d as i64),
        ScalarValue::Timestamp(t) | ScalarValue::TimestampLtz(t) | ScalarValue::IntervalDayTime(t) => Some(*t),
        ScalarValue::Boolean(b) => Some(*b as i64),
        other => other.as_i64(),
    }
}

fn float_of(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Float(f) => Some(*f as f64),
        ScalarValue::Double(f) => Some(*f),
        ScalarValue::Decimal { value, scale, .. } => Some(*value as f64 / 10f64.powi(*scale as i32)),
        other => int_of(other).map(|i| i as f64),
    }
}

/// Builds an array holding `values` (each of type `ty`, or `ScalarValue::Null`).
pub(crate) fn build_array(values: &[&ScalarValue], ty: &DataType) -> Result<ArrayRef, EvalError> {
    macro_rules! ints {
        ($arr:ty, $t:ty) => {{
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    v => Some(int_of(v).ok_or_else(|| mismatch(v, ty))? as $t),
                });
            }
            Arc::new(<$arr>::from(out)) as ArrayRef
        }};
    }
    Ok(match &ty.kind {
        TypeKind::Null => Arc::new(NullArray::new(values.len())),
        TypeKind::Boolean => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    ScalarValue::Boolean(b) => Some(*b),
                    v => return Err(mismatch(v, ty)),
                });
            }
            Arc::new(BooleanArray::from(out))
        }
        TypeKind::TinyInt => ints!(Int8Array, i8),
        TypeKind::SmallInt => ints!(Int16Array, i16),
        TypeKind::Int => ints!(Int32Array, i32),
        TypeKind::BigInt => ints!(Int64Array, i64),
        TypeKind::Date => ints!(Date32Array, i32),
        TypeKind::Time { .. } => ints!(Time32MillisecondArray, i32),
        TypeKind::Timestamp { .. } => ints!(TimestampMicrosecondArray, i64),
        TypeKind::TimestampLtz { .. } => Arc::new(ints!(TimestampMicrosecondArray, i64).as_primitive::<TimestampMicrosecondType>().clone().with_timezone("UTC")),
        TypeKind::IntervalDayTime => ints!(DurationMillisecondArray, i64),
        TypeKind::IntervalYearMonth => ints!(IntervalYearMonthArray, i32),
        TypeKind::Float | TypeKind::Double => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    v => Some(float_of(v).ok_or_else(|| mismatch(v, ty))?),
                });
            }
            if ty.kind == TypeKind::Float {
                Arc::new(Float32Array::from(out.into_iter().map(|v| v.map(|f| f as f32)).collect::<Vec<_>>()))
            } else {
                Arc::new(Float64Array::from(out))
            }
        }
        TypeKind::Decimal { precision, scale } => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    ScalarValue::Decimal { value, scale: s, .. } => Some(rescale(*value, *s, *scale)),
                    v => Some(rescale(int_of(v).ok_or_else(|| mismatch(v, ty))? as i128, 0, *scale)),
                });
            }
            Arc::new(Decimal128Array::from(out).with_precision_and_scale(*precision, *scale)?)
        }
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    ScalarValue::String(s) => Some(s.as_str()),
                    v => return Err(mismatch(v, ty)),
                });
            }
            Arc::new(StringArray::from(out))
        }
        TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Bitmap | TypeKind::Variant => {
            let mut out = Vec::with_capacity(values.len());
            for v in values {
                out.push(match v {
                    ScalarValue::Null => None,
                    ScalarValue::Binary(b) => Some(b.as_slice()),
                    ScalarValue::String(s) => Some(s.as_bytes()),
                    v => return Err(mismatch(v, ty)),
                });
            }
            Arc::new(BinaryArray::from(out))
        }
        TypeKind::Array(elem) => {
            let mut children: Vec<&ScalarValue> = Vec::new();
            let mut lengths = Vec::with_capacity(values.len());
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    ScalarValue::Null => {
                        lengths.push(0);
                        valid.push(false);
                    }
                    ScalarValue::Array(items) => {
                        lengths.push(items.len());
                        valid.push(true);
                        children.extend(items.iter());
                    }
                    v => return Err(mismatch(v, ty)),
                }
            }
            let child = build_array(&children, elem)?;
            Arc::new(ListArray::try_new(
                Arc::new(elem.to_field("element")),
                OffsetBuffer::from_lengths(lengths),
                child,
                Some(NullBuffer::from(valid)),
            )?)
        }
        TypeKind::Map(k, val) => build_map(values, ty, k, val)?,
        TypeKind::Multiset(_) => return Err(EvalError::Internal("MULTISET values are not supported".into())),
        TypeKind::Row(fields) | TypeKind::Structured { fields, .. } => {
            let mut columns: Vec<Vec<&ScalarValue>> = vec![Vec::with_capacity(values.len()); fields.len()];
            let mut valid = Vec::with_capacity(values.len());
            for v in values {
                match v {
                    ScalarValue::Null => {
                        valid.push(false);
                        for c in columns.iter_mut() {
                            c.push(&ScalarValue::Null);
                        }
                    }
                    ScalarValue::Row(items) if items.len() == fields.len() => {
                        valid.push(true);
                        for (c, item) in columns.iter_mut().zip(items) {
                            c.push(item);
                        }
                    }
                    v => return Err(mismatch(v, ty)),
                }
            }
            let arrays = columns
                .iter()
                .zip(fields)
                .map(|(c, f)| build_array(c, &f.data_type.nullable()))
                .collect::<Result<Vec<_>, _>>()?;
            let arrow_fields = row_fields_to_arrow(fields)
                .iter()
                .map(|f| Arc::new(f.as_ref().clone().with_nullable(true)))
                .collect::<Vec<_>>();
            if fields.is_empty() {
                // An object without fields (`OBJECT_OF('Empty')`) still has its rows.
                Arc::new(StructArray::new_empty_fields(valid.len(), Some(NullBuffer::from(valid))))
            } else {
                Arc::new(StructArray::try_new(arrow_fields.into(), arrays, Some(NullBuffer::from(valid)))?)
            }
        }
    })
}

fn build_map(values: &[&ScalarValue], ty: &DataType, k: &DataType, v: &DataType) -> Result<ArrayRef, EvalError> {
    let mut keys: Vec<&ScalarValue> = Vec::new();
    let mut vals: Vec<&ScalarValue> = Vec::new();
    let mut lengths = Vec::with_capacity(values.len());
    let mut valid = Vec::with_capacity(values.len());
    for value in values {
        match value {
            ScalarValue::Null => {
                lengths.push(0);
                valid.push(false);
            }
            ScalarValue::Map(entries) => {
                lengths.push(entries.len());
                valid.push(true);
                for (a, b) in entries {
                    keys.push(a);
                    vals.push(b);
                }
            }
            other => return Err(mismatch(other, ty)),
        }
    }
    let key_array = build_array(&keys, k)?;
    let value_array = build_array(&vals, v)?;
    let arrow_schema::DataType::Map(entries_field, _) = ty.to_arrow() else {
        return Err(EvalError::Internal("map type without entries".into()));
    };
    let arrow_schema::DataType::Struct(entry_fields) = entries_field.data_type().clone() else {
        return Err(EvalError::Internal("map entries are not a struct".into()));
    };
    let entries = StructArray::try_new(entry_fields, vec![key_array, value_array], None)?;
    Ok(Arc::new(MapArray::try_new(
        entries_field,
        OffsetBuffer::from_lengths(lengths),
        entries,
        Some(NullBuffer::from(valid)),
        false,
    )?))
}

/// Moves a decimal's unscaled value from scale `from` to scale `to` (HALF_UP when the
/// scale shrinks).
pub(crate) fn rescale(value: i128, from: i8, to: i8) -> i128 {
    if to >= from {
        value.saturating_mul(10i128.saturating_pow((to as i32 - from as i32) as u32))
    } else {
        let Some(div) = 10i128.checked_pow((from as i32 - to as i32) as u32) else {
            return 0;
        };
        let q = value / div;
        let r = value % div;
        if r.abs() * 2 >= div {
            q + value.signum()
        } else {
            q
        }
    }
}

/// The value at `row` of `array` (of SQL type `ty`) as a `ScalarValue`.
pub fn array_value(array: &dyn Array, ty: &DataType, row: usize) -> ScalarValue {
    if row >= array.len() || array.is_null(row) {
        return ScalarValue::Null;
    }
    macro_rules! prim {
        ($t:ty, $variant:ident) => {
            match array.as_primitive_opt::<$t>() {
                Some(a) => ScalarValue::$variant(a.value(row)),
                None => ScalarValue::Null,
            }
        };
    }
    match &ty.kind {
        TypeKind::Null => ScalarValue::Null,
        TypeKind::Boolean => match array.as_boolean_opt() {
            Some(a) => ScalarValue::Boolean(a.value(row)),
            None => ScalarValue::Null,
        },
        TypeKind::TinyInt => prim!(Int8Type, TinyInt),
        TypeKind::SmallInt => prim!(Int16Type, SmallInt),
        TypeKind::Int => prim!(Int32Type, Int),
        TypeKind::BigInt => prim!(Int64Type, BigInt),
        TypeKind::Float => prim!(Float32Type, Float),
        TypeKind::Double => prim!(Float64Type, Double),
        TypeKind::Decimal { precision, scale } => match array.as_primitive_opt::<Decimal128Type>() {
            Some(a) => ScalarValue::Decimal { value: a.value(row), precision: *precision, scale: *scale },
            None => ScalarValue::Null,
        },
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => match array.as_string_opt::<i32>() {
            Some(a) => ScalarValue::String(a.value(row).to_string()),
            None => ScalarValue::Null,
        },
        TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Bitmap | TypeKind::Variant => match array.as_binary_opt::<i32>() {
            Some(a) => ScalarValue::Binary(a.value(row).to_vec()),
            None => ScalarValue::Null,
        },
        TypeKind::Date => prim!(Date32Type, Date),
        TypeKind::Time { .. } => prim!(Time32MillisecondType, Time),
        TypeKind::Timestamp { .. } => prim!(TimestampMicrosecondType, Timestamp),
        TypeKind::TimestampLtz { .. } => prim!(TimestampMicrosecondType, TimestampLtz),
        TypeKind::IntervalDayTime => prim!(DurationMillisecondType, IntervalDayTime),
        TypeKind::IntervalYearMonth => prim!(IntervalYearMonthType, IntervalYearMonth),
        TypeKind::Array(elem) => match array.as_list_opt::<i32>() {
            Some(a) => {
                let items = a.value(row);
                ScalarValue::Array((0..items.len()).map(|i| array_value(items.as_ref(), elem, i)).collect())
            }
            None => ScalarValue::Null,
        },
        TypeKind::Map(k, v) => match array.as_map_opt() {
            Some(a) => {
                let entries = a.value(row);
                let keys = entries.column(0);
                let values = entries.column(1);
                ScalarValue::Map(
                    (0..entries.len())
                        .map(|i| (array_value(keys.as_ref(), k, i), array_value(values.as_ref(), v, i)))
                        .collect(),
                )
            }
            None => ScalarValue::Null,
        },
        TypeKind::Multiset(_) => ScalarValue::Null,
        TypeKind::Row(fields) | TypeKind::Structured { fields, .. } => match array.as_struct_opt() {
            Some(a) => ScalarValue::Row(
                fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| array_value(a.column(i).as_ref(), &f.data_type, row))
                    .collect(),
            ),
            None => ScalarValue::Null,
        },
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::{write_value_as_string, EvalContext};
    use sluice_types::RowField;

    fn roundtrip(v: ScalarValue, ty: DataType) {
        let a = scalar_to_array(&v, &ty, 3).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a.data_type(), &ty.to_arrow());
        assert_eq!(array_value(a.as_ref(), &ty, 2), v, "{ty}");
    }

    #[test]
    fn scalars_round_trip() {
        roundtrip(ScalarValue::Boolean(true), DataType::boolean());
        roundtrip(ScalarValue::TinyInt(-3), DataType::new(TypeKind::TinyInt));
        roundtrip(ScalarValue::BigInt(1 << 40), DataType::bigint());
        roundtrip(ScalarValue::Double(90.5), DataType::double());
        roundtrip(ScalarValue::Decimal { value: 1230, precision: 10, scale: 2 }, DataType::new(TypeKind::Decimal { precision: 10, scale: 2 }));
        roundtrip(ScalarValue::String("🍍".into()), DataType::string());
        roundtrip(ScalarValue::Date(18911), DataType::new(TypeKind::Date));
        roundtrip(ScalarValue::Timestamp(1_633_956_814_845_000), DataType::timestamp(3));
        roundtrip(ScalarValue::TimestampLtz(1_633_956_814_845_000), DataType::timestamp_ltz(3));
        roundtrip(ScalarValue::IntervalDayTime(10_000), DataType::new(TypeKind::IntervalDayTime));
        roundtrip(ScalarValue::Null, DataType::int());
        let row = DataType::new(TypeKind::Row(vec![
            RowField { name: "a".into(), data_type: DataType::int() },
            RowField { name: "b".into(), data_type: DataType::new(TypeKind::Array(Box::new(DataType::string()))) },
        ]));
        roundtrip(
            ScalarValue::Row(vec![ScalarValue::Int(1), ScalarValue::Array(vec![ScalarValue::String("x".into()), ScalarValue::Null])]),
            row,
        );
        let map = DataType::new(TypeKind::Map(Box::new(DataType::not_null(DataType::string().kind)), Box::new(DataType::double())));
        roundtrip(ScalarValue::Map(vec![(ScalarValue::String("k".into()), ScalarValue::Double(1.0))]), map);
    }

    #[test]
    fn nested_values_as_strings() {
        let ty = DataType::new(TypeKind::Row(vec![
            RowField { name: "a".into(), data_type: DataType::int() },
            RowField { name: "b".into(), data_type: DataType::new(TypeKind::Array(Box::new(DataType::double()))) },
            RowField {
                name: "m".into(),
                data_type: DataType::new(TypeKind::Map(Box::new(DataType::string()), Box::new(DataType::boolean()))),
            },
        ]));
        let v = ScalarValue::Row(vec![
            ScalarValue::Int(1),
            ScalarValue::Array(vec![ScalarValue::Double(1.5), ScalarValue::Null]),
            ScalarValue::Map(vec![(ScalarValue::String("k".into()), ScalarValue::Boolean(false))]),
        ]);
        let a = scalar_to_array(&v, &ty, 1).unwrap();
        let mut s = String::new();
        write_value_as_string(a.as_ref(), &ty, 0, &EvalContext::default(), &mut s);
        assert_eq!(s, "(1, [1.5, NULL], {k=FALSE})");
    }

    #[test]
    fn constants() {
        use crate::{resolve_call, ScalarExpr};
        let one = ScalarExpr::literal(ScalarValue::Int(1), DataType::not_null(TypeKind::Int));
        let col = ScalarExpr::Column { index: 0, data_type: DataType::int() };
        assert!(one.is_constant());
        assert!(!col.is_constant());
        let e = resolve_call("+", vec![col, one]).unwrap();
        assert!(!e.is_constant());
        assert_eq!(e.referenced_columns(), vec![0]);
        assert!(crate::function_names().contains(&"DATE_FORMAT"));
        assert!(!crate::function_names().contains(&"IS NULL"));
    }
}
