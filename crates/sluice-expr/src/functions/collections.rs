//! Collections: `arr[i]` / `map[key]` (`ITEM`), `CARDINALITY`, `ELEMENT`,
//! `ARRAY_CONTAINS` and the `ARRAY[..]`, `MAP[..]` and `ROW(..)` constructors.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_ord::cmp;
use sluice_types::{DataType, RowField, TypeKind};

use super::registry::{any_nullable, arity, coerce, make_call, no_match};
use super::{CallCtx, Func};
use crate::coercion::common_type;
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &["ITEM", "CARDINALITY", "ARRAY", "MAP", "ROW", "ELEMENT", "ARRAY_CONTAINS"];

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    match name {
        "ITEM" => {
            arity(name, &args, 2, 2, &["ARRAY[INT]", "MAP[K]"])?;
            match args[0].data_type().kind.clone() {
                TypeKind::Array(elem) if args[1].data_type().kind.is_integer() => {
                    let args = vec![args[0].clone(), coerce(args[1].clone(), &TypeKind::Int)];
                    Ok(make_call(Func::Item, args, elem.nullable()))
                }
                TypeKind::Map(key, value) => {
                    let k = args[1].data_type().kind.clone();
                    let fits = k == key.kind || crate::coercion::common_kind(&k, &key.kind).as_ref() == Some(&key.kind);
                    if !fits {
                        return Err(no_match(name, &args, &["MAP[K]"]));
                    }
                    let args = vec![args[0].clone(), coerce(args[1].clone(), &key.kind)];
                    Ok(make_call(Func::Item, args, value.nullable()))
                }
                TypeKind::Variant => super::variant::resolve_item(args),
                _ => Err(no_match(name, &args, &["ARRAY[INT]", "MAP[K]"])),
            }
        }
        "CARDINALITY" => {
            arity(name, &args, 1, 1, &["CARDINALITY(ARRAY)", "CARDINALITY(MAP)"])?;
            if !matches!(args[0].data_type().kind, TypeKind::Array(_) | TypeKind::Map(..) | TypeKind::Multiset(_)) {
                return Err(no_match(name, &args, &["CARDINALITY(ARRAY)", "CARDINALITY(MAP)"]));
            }
            let ty = DataType { kind: TypeKind::Int, nullable: any_nullable(&args) };
            Ok(make_call(Func::Cardinality, args, ty))
        }
        "ELEMENT" => {
            arity(name, &args, 1, 1, &["ELEMENT(ARRAY)"])?;
            let TypeKind::Array(elem) = args[0].data_type().kind.clone() else {
                return Err(no_match(name, &args, &["ELEMENT(ARRAY)"]));
            };
            Ok(make_call(Func::Element, args, elem.nullable()))
        }
        "ARRAY_CONTAINS" => {
            arity(name, &args, 2, 2, &["ARRAY_CONTAINS(ARRAY<T>, T)"])?;
            let TypeKind::Array(elem) = args[0].data_type().kind.clone() else {
                return Err(no_match(name, &args, &["ARRAY_CONTAINS(ARRAY<T>, T)"]));
            };
            let nullable = args[0].data_type().nullable;
            let needle = coerce(args[1].clone(), &elem.kind);
            Ok(make_call(Func::ArrayContains, vec![args[0].clone(), needle], DataType { kind: TypeKind::Boolean, nullable }))
        }
        "ARRAY" => {
            if args.is_empty() {
                return Err(no_match(name, &args, &["ARRAY[T, ..]"]));
            }
            let types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
            let elem = common_type(&types).ok_or_else(|| no_match(name, &args, &["ARRAY[T, ..]"]))?;
            let args = args.into_iter().map(|a| coerce(a, &elem.kind)).collect();
            Ok(make_call(Func::ArrayCtor, args, DataType::not_null(TypeKind::Array(Box::new(elem)))))
        }
        "MAP" => {
            if args.is_empty() || args.len() % 2 == 1 {
                return Err(no_match(name, &args, &["MAP[K, V, ..]"]));
            }
            let keys: Vec<DataType> = args.iter().step_by(2).map(|a| a.data_type().clone()).collect();
            let values: Vec<DataType> = args.iter().skip(1).step_by(2).map(|a| a.data_type().clone()).collect();
            let k = common_type(&keys).ok_or_else(|| no_match(name, &args, &["MAP[K, V, ..]"]))?;
            let v = common_type(&values).ok_or_else(|| no_match(name, &args, &["MAP[K, V, ..]"]))?;
            let args = args
                .into_iter()
                .enumerate()
                .map(|(i, a)| coerce(a, if i % 2 == 0 { &k.kind } else { &v.kind }))
                .collect();
            Ok(make_call(Func::MapCtor, args, DataType::not_null(TypeKind::Map(Box::new(k), Box::new(v)))))
        }
        _ => {
            let fields = args
                .iter()
                .enumerate()
                .map(|(i, a)| RowField { name: format!("EXPR${i}"), data_type: a.data_type().clone() })
                .collect();
            Ok(make_call(Func::RowCtor, args, DataType::not_null(TypeKind::Row(fields))))
        }
    }
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let out: ArrayRef = match func {
        Func::Cardinality => {
            let (offsets, nulls) = match arrays[0].data_type() {
                arrow_schema::DataType::Map(..) => {
                    let m = arrays[0].as_map();
                    (m.offsets().clone(), m.nulls().cloned())
                }
                _ => {
                    let l = arrays[0].as_list::<i32>();
                    (l.offsets().clone(), l.nulls().cloned())
                }
            };
            let lengths: Vec<i32> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
            Arc::new(Int32Array::new(lengths.into(), nulls))
        }
        Func::Item if matches!(arrays[0].data_type(), arrow_schema::DataType::List(_)) => {
            let list = arrays[0].as_list::<i32>();
            let idx = arrays[1].as_primitive::<Int32Type>();
            let offsets = list.offsets();
            let take: UInt32Array = (0..list.len())
                .map(|i| {
                    if list.is_null(i) || idx.is_null(i) {
                        return None;
                    }
                    let (start, end) = (offsets[i] as i64, offsets[i + 1] as i64);
                    let k = idx.value(i) as i64;
                    (k >= 1 && start + k - 1 < end).then(|| (start + k - 1) as u32)
                })
                .collect();
            arrow_select::take::take(list.values().as_ref(), &take, None)?
        }
        Func::Item => map_lookup(arrays[0].as_map(), &arrays[1])?,
        Func::Element => {
            let list = arrays[0].as_list::<i32>();
            let offsets = list.offsets();
            let mut take = Vec::with_capacity(list.len());
            for i in 0..list.len() {
                let (start, end) = (offsets[i], offsets[i + 1]);
                take.push(match end - start {
                    _ if list.is_null(i) => None,
                    0 => None,
                    1 => Some(start as u32),
                    _ => return Err(EvalError::Runtime("ELEMENT of an array with more than one element".into())),
                });
            }
            arrow_select::take::take(list.values().as_ref(), &UInt32Array::from(take), None)?
        }
        Func::ArrayContains => {
            let list = arrays[0].as_list::<i32>();
            let offsets = list.offsets();
            // Compare every element with its row's needle in one kernel call.
            let owners: UInt32Array =
                (0..list.len()).flat_map(|i| std::iter::repeat_n(i as u32, (offsets[i + 1] - offsets[i]) as usize)).collect();
            let needles = arrow_select::take::take(arrays[1].as_ref(), &owners, None)?;
            let start = offsets[0] as usize;
            let values = list.values().slice(start, owners.len());
            // NULL needles find NULL elements, as Flink's ARRAY_CONTAINS does.
            let eq = cmp::not_distinct(&values, &needles)?;
            let mut out = Vec::with_capacity(list.len());
            for i in 0..list.len() {
                if list.is_null(i) {
                    out.push(None);
                    continue;
                }
                let (s, e) = ((offsets[i] as usize) - start, (offsets[i + 1] as usize) - start);
                out.push(Some((s..e).any(|j| eq.value(j))));
            }
            Arc::new(BooleanArray::from(out))
        }
        Func::ArrayCtor => {
            let TypeKind::Array(elem) = &cc.ret.kind else {
                return Err(EvalError::Internal("ARRAY constructor without an array type".into()));
            };
            let k = arrays.len();
            let n = arrays[0].len();
            // Nested nullability can differ between the elements (a cast ROW, a ROW
            // constructor); give every element the declared Arrow type first.
            let target = elem.to_arrow();
            let arrays = arrays
                .iter()
                .map(|a| if a.data_type() == &target { Ok(a.clone()) } else { arrow_cast::cast(a, &target) })
                .collect::<Result<Vec<_>, _>>()?;
            let values = interleave_rows(&arrays, n)?;
            Arc::new(ListArray::try_new(
                Arc::new(elem.to_field("element")),
                OffsetBuffer::from_lengths(std::iter::repeat_n(k, n)),
                values,
                None,
            )?)
        }
        Func::MapCtor => {
            let keys: Vec<ArrayRef> = arrays.iter().step_by(2).cloned().collect();
            let values: Vec<ArrayRef> = arrays.iter().skip(1).step_by(2).cloned().collect();
            let n = arrays[0].len();
            let k = interleave_rows(&keys, n)?;
            let v = interleave_rows(&values, n)?;
            let arrow_schema::DataType::Map(entries_field, _) = cc.ret.to_arrow() else {
                return Err(EvalError::Internal("MAP constructor without a map type".into()));
            };
            let arrow_schema::DataType::Struct(fields) = entries_field.data_type().clone() else {
                return Err(EvalError::Internal("map entries are not a struct".into()));
            };
            let entries = StructArray::try_new(fields, vec![k, v], None)?;
            Arc::new(MapArray::try_new(
                entries_field,
                OffsetBuffer::from_lengths(std::iter::repeat_n(keys.len(), n)),
                entries,
                None,
                false,
            )?)
        }
        Func::RowCtor => {
            let TypeKind::Row(fields) = &cc.ret.kind else {
                return Err(EvalError::Internal("ROW constructor without a row type".into()));
            };
            // The fields' nullability as the ROW type declares it, so that the struct has
            // the Arrow type `DataType::to_arrow` gives (an ARRAY of these rows checks it).
            let arrow_fields = sluice_types::row_fields_to_arrow(fields);
            let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
            Arc::new(StructArray::try_new_with_length(arrow_fields, arrays, None::<NullBuffer>, n)?)
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not a collection function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

/// Row-major interleaving of `k` columns: row 0's values, then row 1's, ...
fn interleave_rows(columns: &[ArrayRef], n: usize) -> Result<ArrayRef, EvalError> {
    let refs: Vec<&dyn Array> = columns.iter().map(|c| c.as_ref()).collect();
    let indices: Vec<(usize, usize)> = (0..n).flat_map(|r| (0..columns.len()).map(move |c| (c, r))).collect();
    Ok(arrow_select::interleave::interleave(&refs, &indices)?)
}

/// `map[key]`: the value of the last entry whose key equals the row's key.
fn map_lookup(map: &MapArray, keys: &ArrayRef) -> Result<ArrayRef, EvalError> {
    let offsets = map.offsets();
    let owners: UInt32Array =
        (0..map.len()).flat_map(|i| std::iter::repeat_n(i as u32, (offsets[i + 1] - offsets[i]) as usize)).collect();
    let wanted = arrow_select::take::take(keys.as_ref(), &owners, None)?;
    let start = offsets[0] as usize;
    let entry_keys = map.keys().slice(start, owners.len());
    let eq = cmp::eq(&entry_keys, &wanted)?;
    let mut take = Vec::with_capacity(map.len());
    for i in 0..map.len() {
        let (s, e) = ((offsets[i] as usize) - start, (offsets[i + 1] as usize) - start);
        let hit = if map.is_null(i) { None } else { (s..e).rev().find(|&j| eq.is_valid(j) && eq.value(j)) };
        take.push(hit.map(|j| (j + start) as u32));
    }
    Ok(arrow_select::take::take(map.values().as_ref(), &UInt32Array::from(take), None)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::resolve_call;
    use crate::{array_value, scalar_to_array, EvalContext};
    use arrow_schema::{Field, Schema};
    use sluice_types::ScalarValue;

    fn batch(cols: Vec<ArrayRef>) -> RecordBatch {
        let fields: Vec<Field> =
            cols.iter().enumerate().map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    }
    fn int(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn s(v: &str) -> ScalarValue {
        ScalarValue::String(v.into())
    }

    #[test]
    fn arrays() {
        let ty = DataType::new(TypeKind::Array(Box::new(DataType::string())));
        let values = [ScalarValue::Array(vec![s("a"), s("b")]), ScalarValue::Null, ScalarValue::Array(vec![])];
        let refs: Vec<&ScalarValue> = values.iter().collect();
        let arr = crate::scalar::build_array(&refs, &ty).unwrap();
        let b = batch(vec![arr]);
        let ctx = EvalContext::default();
        let col = ScalarExpr::Column { index: 0, data_type: ty.clone() };
        let e = resolve_call("ITEM", vec![col.clone(), int(2)]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_string::<i32>().iter().collect::<Vec<_>>(), vec![Some("b"), None, None]);
        let e = resolve_call("CARDINALITY", vec![col.clone()]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_primitive::<Int32Type>().iter().collect::<Vec<_>>(), vec![Some(2), None, Some(0)]);
        let needle = ScalarExpr::literal(s("a"), DataType::string());
        let e = resolve_call("ARRAY_CONTAINS", vec![col, needle]).unwrap();
        let out = e.evaluate(&b, &ctx).unwrap();
        assert_eq!(out.as_boolean().iter().collect::<Vec<_>>(), vec![Some(true), None, Some(false)]);
    }

    #[test]
    fn constructors_and_maps() {
        let e = resolve_call("ARRAY", vec![int(1), int(2)]).unwrap();
        assert_eq!(e.as_literal(), Some(&ScalarValue::Array(vec![ScalarValue::Int(1), ScalarValue::Int(2)])));
        let k = |v: &str| ScalarExpr::literal(s(v), DataType::not_null(TypeKind::Varchar { length: 5 }));
        let m = resolve_call("MAP", vec![k("x"), int(1), k("y"), int(2)]).unwrap();
        let item = resolve_call("ITEM", vec![m.clone(), k("y")]).unwrap();
        assert_eq!(item.as_literal(), Some(&ScalarValue::Int(2)));
        let item = resolve_call("ITEM", vec![m, k("z")]).unwrap();
        assert_eq!(item.as_literal(), Some(&ScalarValue::Null));
        let r = resolve_call("ROW", vec![int(1), k("x")]).unwrap();
        let arr = scalar_to_array(r.as_literal().unwrap(), r.data_type(), 2).unwrap();
        assert_eq!(array_value(arr.as_ref(), r.data_type(), 1), ScalarValue::Row(vec![ScalarValue::Int(1), s("x")]));
        let f = ScalarExpr::Field { expr: Box::new(r), index: 1, data_type: DataType::string() };
        assert_eq!(f.evaluate_constant(&EvalContext::default()).unwrap(), s("x"));
    }
}
