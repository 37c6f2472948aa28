//! The `ARRAY_*` functions and the `MAP_*` functions that take maps apart or build them:
//! `ARRAY_APPEND`, `ARRAY_PREPEND`, `ARRAY_CONCAT`, `ARRAY_DISTINCT`, `ARRAY_EXCEPT`,
//! `ARRAY_INTERSECT`, `ARRAY_UNION`, `ARRAY_JOIN`, `ARRAY_MAX`, `ARRAY_MIN`,
//! `ARRAY_POSITION`, `ARRAY_REMOVE`, `ARRAY_REVERSE`, `ARRAY_SLICE`, `ARRAY_SORT`,
//! `MAP_KEYS`, `MAP_VALUES`, `MAP_ENTRIES`, `MAP_FROM_ARRAYS` and `MAP_UNION`.
//!
//! Every kernel works on the flat values of its lists: the elements (and the extra
//! element argument, if any) are encoded once per batch with `arrow-row`, whose bytes
//! compare equal exactly when the values are equal and sort in the values' order; each
//! row then picks element positions, and one `take` builds the result. NULL handling
//! follows Flink's `*Function` classes.

use std::collections::HashSet;
use std::sync::Arc;

use arrow_array::builder::{Int32Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::*;
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_row::{RowConverter, Rows, SortField};
use sluice_types::{DataType, RowField, TypeKind};

use super::registry::{any_nullable, coerce, make_call, no_match, string_kind, stringish};
use super::{CallCtx, Func};
use crate::coercion::common_type;
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "ARRAY_APPEND", "ARRAY_PREPEND", "ARRAY_CONCAT", "ARRAY_DISTINCT", "ARRAY_EXCEPT", "ARRAY_INTERSECT", "ARRAY_UNION",
    "ARRAY_JOIN", "ARRAY_MAX", "ARRAY_MIN", "ARRAY_POSITION", "ARRAY_REMOVE", "ARRAY_REVERSE", "ARRAY_SLICE",
    "ARRAY_SORT", "MAP_KEYS", "MAP_VALUES", "MAP_ENTRIES", "MAP_FROM_ARRAYS", "MAP_UNION",
];

fn element_of(t: &DataType) -> Option<&DataType> {
    match &t.kind {
        TypeKind::Array(e) => Some(e),
        _ => None,
    }
}

fn array_of(elem: DataType, nullable: bool) -> DataType {
    DataType { kind: TypeKind::Array(Box::new(elem)), nullable }
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let got: Vec<ScalarExpr> = args.iter().map(|a| ScalarExpr::literal(sluice_types::ScalarValue::Null, a.data_type().clone())).collect();
    let sig = |s: &str| no_match(name, &got, &[s]);
    let first_elem = args.first().and_then(|a| element_of(a.data_type())).cloned();
    let first_nullable = args.first().is_some_and(|a| a.data_type().nullable);
    let nullable = any_nullable(&args);
    match name {
        "ARRAY_APPEND" | "ARRAY_PREPEND" | "ARRAY_REMOVE" | "ARRAY_POSITION" => {
            let s = format!("{name}(ARRAY<T>, T)");
            let Some(elem) = first_elem.filter(|_| args.len() == 2) else { return Err(sig(&s)) };
            let common = common_type(&[elem.clone(), args[1].data_type().clone()]).ok_or_else(|| sig(&s))?;
            let needle_kind = if name == "ARRAY_POSITION" || name == "ARRAY_REMOVE" { elem.kind.clone() } else { common.kind.clone() };
            let mut it = args.into_iter();
            let (arr, needle) = (it.next().ok_or_else(|| sig(&s))?, it.next().ok_or_else(|| sig(&s))?);
            let needle = coerce(needle, &needle_kind);
            match name {
                "ARRAY_POSITION" => {
                    let ty = DataType { kind: TypeKind::Int, nullable };
                    Ok(make_call(Func::ArrayPosition, vec![arr, needle], ty))
                }
                "ARRAY_REMOVE" => Ok(make_call(Func::ArrayRemove, vec![arr, needle], array_of(elem, first_nullable))),
                _ => {
                    let arr_ty = array_of(DataType { kind: common.kind.clone(), nullable: true }, first_nullable);
                    let arr = coerce(arr, &arr_ty.kind);
                    let func = if name == "ARRAY_APPEND" { Func::ArrayAppend } else { Func::ArrayPrepend };
                    Ok(make_call(func, vec![arr, needle], arr_ty))
                }
            }
        }
        "ARRAY_CONCAT" | "ARRAY_UNION" | "ARRAY_INTERSECT" | "ARRAY_EXCEPT" | "MAP_UNION" => {
            let map = name == "MAP_UNION";
            let s = if map { "MAP_UNION(MAP, MAP, ..)".to_string() } else { format!("{name}(ARRAY<T>, ARRAY<T>, ..)") };
            let two = matches!(name, "ARRAY_UNION" | "ARRAY_INTERSECT" | "ARRAY_EXCEPT");
            let fits = if map {
                args.iter().all(|a| matches!(a.data_type().kind, TypeKind::Map(..)))
            } else {
                args.iter().all(|a| element_of(a.data_type()).is_some())
            };
            if args.is_empty() || !fits || (two && args.len() != 2) {
                return Err(sig(&s));
            }
            let types: Vec<DataType> = args.iter().map(|a| a.data_type().clone()).collect();
            let common = common_type(&types).ok_or_else(|| sig(&s))?;
            let args: Vec<ScalarExpr> = args.into_iter().map(|a| coerce(a, &common.kind)).collect();
            let func = match name {
                "ARRAY_CONCAT" => Func::ArrayConcat,
                "ARRAY_UNION" => Func::ArrayUnion,
                "ARRAY_INTERSECT" => Func::ArrayIntersect,
                "ARRAY_EXCEPT" => Func::ArrayExcept,
                _ => Func::MapUnion,
            };
            Ok(make_call(func, args, DataType { kind: common.kind, nullable }))
        }
        "ARRAY_DISTINCT" | "ARRAY_REVERSE" | "ARRAY_MAX" | "ARRAY_MIN" => {
            let Some(elem) = first_elem.filter(|_| args.len() == 1) else { return Err(sig(&format!("{name}(ARRAY<T>)"))) };
            let (func, ty) = match name {
                "ARRAY_DISTINCT" => (Func::ArrayDistinct, args[0].data_type().clone()),
                "ARRAY_REVERSE" => (Func::ArrayReverse, args[0].data_type().clone()),
                "ARRAY_MAX" => (Func::ArrayMax, elem.nullable()),
                _ => (Func::ArrayMin, elem.nullable()),
            };
            if matches!(func, Func::ArrayMax | Func::ArrayMin)
                && matches!(elem.kind, TypeKind::Array(_) | TypeKind::Map(..) | TypeKind::Multiset(_) | TypeKind::Row(_))
            {
                return Err(sig(&format!("{name}(ARRAY<comparable>)")));
            }
            Ok(make_call(func, args, ty))
        }
        "ARRAY_SLICE" => {
            let s = "ARRAY_SLICE(ARRAY<T>, INT[, INT])";
            let ok = first_elem.is_some()
                && (2..=3).contains(&args.len())
                && args[1..].iter().all(|a| a.data_type().kind.is_integer() || a.data_type().kind == TypeKind::Null);
            if !ok {
                return Err(sig(s));
            }
            let ty = DataType { kind: args[0].data_type().kind.clone(), nullable };
            let args = args.into_iter().enumerate().map(|(i, a)| if i == 0 { a } else { coerce(a, &TypeKind::Int) }).collect();
            Ok(make_call(Func::ArraySlice, args, ty))
        }
        "ARRAY_SORT" => {
            let s = "ARRAY_SORT(ARRAY<T>[, BOOLEAN[, BOOLEAN]])";
            let ok = first_elem.is_some()
                && (1..=3).contains(&args.len())
                && args[1..].iter().all(|a| matches!(a.data_type().kind, TypeKind::Boolean | TypeKind::Null));
            if !ok {
                return Err(sig(s));
            }
            let ty = DataType { kind: args[0].data_type().kind.clone(), nullable };
            let args = args.into_iter().enumerate().map(|(i, a)| if i == 0 { a } else { coerce(a, &TypeKind::Boolean) }).collect();
            Ok(make_call(Func::ArraySort, args, ty))
        }
        "ARRAY_JOIN" => {
            let s = "ARRAY_JOIN(ARRAY<STRING>, STRING[, STRING])";
            let ok = first_elem.as_ref().is_some_and(stringish)
                && (2..=3).contains(&args.len())
                && args[1..].iter().all(|a| stringish(a.data_type()));
            if !ok {
                return Err(sig(s));
            }
            let string = string_kind();
            let args = args.into_iter().enumerate().map(|(i, a)| if i == 0 { a } else { coerce(a, &string) }).collect();
            Ok(make_call(Func::ArrayJoin, args, DataType { kind: string_kind(), nullable }))
        }
        "MAP_KEYS" | "MAP_VALUES" | "MAP_ENTRIES" => {
            let s = format!("{name}(MAP)");
            let (TypeKind::Map(k, v), 1) = (args.first().map(|a| a.data_type().kind.clone()).unwrap_or(TypeKind::Null), args.len()) else {
                return Err(sig(&s));
            };
            let elem = match name {
                "MAP_KEYS" => (*k).clone(),
                "MAP_VALUES" => (*v).clone(),
                _ => DataType::new(TypeKind::Row(vec![
                    RowField { name: "key".into(), data_type: k.nullable() },
                    RowField { name: "value".into(), data_type: v.nullable() },
                ])),
            };
            let func = match name {
                "MAP_KEYS" => Func::MapKeys,
                "MAP_VALUES" => Func::MapValues,
                _ => Func::MapEntries,
            };
            Ok(make_call(func, args, array_of(elem, first_nullable)))
        }
        _ => {
            let s = "MAP_FROM_ARRAYS(ARRAY<K>, ARRAY<V>)";
            let (Some(k), Some(v), 2) = (
                args.first().and_then(|a| element_of(a.data_type())).cloned(),
                args.get(1).and_then(|a| element_of(a.data_type())).cloned(),
                args.len(),
            ) else {
                return Err(sig(s));
            };
            let ty = DataType { kind: TypeKind::Map(Box::new(k), Box::new(v)), nullable };
            Ok(make_call(Func::MapFromArrays, args, ty))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// Row-encoded values: equal bytes for equal values, ordered as the values sort.
fn encode(values: &ArrayRef) -> Result<Rows, EvalError> {
    let converter = RowConverter::new(vec![SortField::new(values.data_type().clone())])?;
    Ok(converter.convert_columns(std::slice::from_ref(values))?)
}

/// Builds a list column from picks: per row `None` (a NULL list) or element positions in
/// `values` (`None` for a NULL element).
fn build_list(field: Arc<arrow_schema::Field>, values: &dyn Array, rows: &[Option<Vec<Option<u32>>>]) -> Result<ArrayRef, EvalError> {
    let mut lengths = Vec::with_capacity(rows.len());
    let mut take: Vec<Option<u32>> = Vec::new();
    for r in rows {
        let picks = r.as_deref().unwrap_or(&[]);
        lengths.push(picks.len());
        take.extend_from_slice(picks);
    }
    let taken = arrow_select::take::take(values, &UInt32Array::from(take), None)?;
    let nulls = NullBuffer::from(rows.iter().map(Option::is_some).collect::<Vec<bool>>());
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::from_lengths(lengths), taken, nulls)?))
}

/// Whether a nested value (an array, row or map) holds a NULL anywhere inside.
fn has_nested_null(values: &dyn Array, i: usize) -> bool {
    let inner: Vec<ArrayRef> = match values.data_type() {
        arrow_schema::DataType::List(_) => vec![values.as_list::<i32>().value(i)],
        arrow_schema::DataType::Map(..) => {
            let entries = values.as_map().value(i);
            entries.columns().to_vec()
        }
        arrow_schema::DataType::Struct(_) => values.as_struct().columns().iter().map(|c| c.slice(i, 1)).collect(),
        _ => return false,
    };
    inner.iter().any(|c| c.null_count() > 0 || (0..c.len()).any(|k| has_nested_null(c.as_ref(), k)))
}

fn list_field(ret: &DataType) -> Result<Arc<arrow_schema::Field>, EvalError> {
    match ret.to_arrow() {
        arrow_schema::DataType::List(f) => Ok(f),
        other => Err(EvalError::Internal(format!("an array function returns {other}"))),
    }
}

/// A list column's element range per row and its flat values.
struct Lists<'a> {
    list: &'a ListArray,
}

impl Lists<'_> {
    fn range(&self, i: usize) -> Option<std::ops::Range<usize>> {
        if self.list.is_null(i) {
            return None;
        }
        let o = self.list.offsets();
        Some(o[i] as usize..o[i + 1] as usize)
    }
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let n = arrays.first().map(|a| a.len()).unwrap_or(cc.rows);
    let out: ArrayRef = match func {
        Func::MapKeys | Func::MapValues | Func::MapEntries => {
            let m = arrays[0].as_map();
            let values: ArrayRef = match func {
                Func::MapKeys => m.keys().clone(),
                Func::MapValues => m.values().clone(),
                _ => {
                    let field = list_field(cc.ret)?;
                    let arrow_schema::DataType::Struct(fields) = field.data_type().clone() else {
                        return Err(EvalError::Internal("MAP_ENTRIES without a row type".into()));
                    };
                    Arc::new(StructArray::try_new(fields, vec![m.keys().clone(), m.values().clone()], None)?)
                }
            };
            let field = list_field(cc.ret)?;
            let values = arrow_cast::cast(&values, field.data_type())?;
            Arc::new(ListArray::try_new(field, m.offsets().clone(), values, m.nulls().cloned())?)
        }
        Func::MapFromArrays => {
            let (k, v) = (arrays[0].as_list::<i32>(), arrays[1].as_list::<i32>());
            let (kl, vl) = (Lists { list: k }, Lists { list: v });
            let mut key_take = Vec::new();
            let mut value_take = Vec::new();
            let mut lengths = Vec::with_capacity(n);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                match (kl.range(i), vl.range(i)) {
                    (Some(kr), Some(vr)) => {
                        if kr.len() != vr.len() {
                            return Err(EvalError::Runtime(
                                "Invalid function MAP_FROM_ARRAYS call: the key array and the value array must have the same length".into(),
                            ));
                        }
                        lengths.push(kr.len());
                        key_take.extend(kr.map(|x| x as u32));
                        value_take.extend(vr.map(|x| x as u32));
                        valid.push(true);
                    }
                    _ => {
                        lengths.push(0);
                        valid.push(false);
                    }
                }
            }
            let keys = arrow_select::take::take(k.values().as_ref(), &UInt32Array::from(key_take), None)?;
            let values = arrow_select::take::take(v.values().as_ref(), &UInt32Array::from(value_take), None)?;
            map_from_parts(cc.ret, keys, values, lengths, valid)?
        }
        Func::MapUnion => {
            // Later maps win: map2's entries first, then map1's whose key map2 lacks.
            let maps: Vec<&MapArray> = arrays.iter().map(|a| a.as_map()).collect();
            let key_parts: Vec<&dyn Array> = maps.iter().map(|m| m.keys().as_ref()).collect();
            let value_parts: Vec<&dyn Array> = maps.iter().map(|m| m.values().as_ref()).collect();
            let keys = arrow_select::concat::concat(&key_parts)?;
            let values = arrow_select::concat::concat(&value_parts)?;
            let rows = encode(&keys)?;
            let bases: Vec<usize> = maps.iter().scan(0, |acc, m| {
                let b = *acc;
                *acc += m.keys().len();
                Some(b)
            }).collect();
            let mut take = Vec::new();
            let mut lengths = Vec::with_capacity(n);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                if maps.iter().any(|m| m.is_null(i)) {
                    lengths.push(0);
                    valid.push(false);
                    continue;
                }
                let entries = |k: usize| {
                    let o = maps[k].offsets();
                    (o[i] as usize + bases[k])..(o[i + 1] as usize + bases[k])
                };
                let mut current: Vec<usize> = entries(0).collect();
                for k in 1..maps.len() {
                    let newer: Vec<usize> = entries(k).collect();
                    if newer.is_empty() {
                        continue;
                    }
                    let mut merged = newer.clone();
                    for &e in &current {
                        if !newer.iter().any(|&x| rows.row(x) == rows.row(e)) {
                            merged.push(e);
                        }
                    }
                    current = merged;
                }
                lengths.push(current.len());
                take.extend(current.into_iter().map(|x| x as u32));
                valid.push(true);
            }
            let keys = arrow_select::take::take(keys.as_ref(), &UInt32Array::from(take.clone()), None)?;
            let values = arrow_select::take::take(values.as_ref(), &UInt32Array::from(take), None)?;
            map_from_parts(cc.ret, keys, values, lengths, valid)?
        }
        _ => eval_array(func, &arrays, n, cc)?,
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

fn map_from_parts(ret: &DataType, keys: ArrayRef, values: ArrayRef, lengths: Vec<usize>, valid: Vec<bool>) -> Result<ArrayRef, EvalError> {
    let arrow_schema::DataType::Map(entries_field, _) = ret.to_arrow() else {
        return Err(EvalError::Internal("a map function without a map type".into()));
    };
    let arrow_schema::DataType::Struct(fields) = entries_field.data_type().clone() else {
        return Err(EvalError::Internal("map entries are not a struct".into()));
    };
    let keys = arrow_cast::cast(&keys, fields[0].data_type())?;
    let values = arrow_cast::cast(&values, fields[1].data_type())?;
    if keys.null_count() > 0 {
        return Err(EvalError::Runtime("a map key is NULL".into()));
    }
    let entries = StructArray::try_new(fields, vec![keys, values], None)?;
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(Arc::new(MapArray::try_new(entries_field, OffsetBuffer::from_lengths(lengths), entries, nulls, false)?))
}

fn eval_array(func: &Func, arrays: &[ArrayRef], n: usize, cc: &CallCtx) -> Result<ArrayRef, EvalError> {
    let list = arrays[0].as_list::<i32>();
    let lists = Lists { list };
    let flat = list.values().clone();
    Ok(match func {
        Func::ArrayAppend | Func::ArrayPrepend | Func::ArrayRemove | Func::ArrayPosition => {
            // One values column: the list elements, then each row's element argument.
            let needle = arrow_cast::cast(&arrays[1], flat.data_type())?;
            let base = flat.len();
            let combined = arrow_select::concat::concat(&[flat.as_ref(), needle.as_ref()])?;
            let valid = |j: usize| combined.is_valid(j);
            let rows = matches!(func, Func::ArrayRemove | Func::ArrayPosition).then(|| encode(&combined)).transpose()?;
            let nested = matches!(
                combined.data_type(),
                arrow_schema::DataType::List(_) | arrow_schema::DataType::Struct(_) | arrow_schema::DataType::Map(..)
            );
            if *func == Func::ArrayPosition {
                let rows = rows.as_ref().ok_or_else(|| EvalError::Internal("ARRAY_POSITION without rows".into()))?;
                let mut b = Int32Builder::with_capacity(n);
                for i in 0..n {
                    let (Some(r), true) = (lists.range(i), valid(base + i)) else {
                        b.append_null();
                        continue;
                    };
                    let start = r.start;
                    // Flink's `=` on arrays and rows is NULL (so no match) when a NULL is inside.
                    if nested && has_nested_null(combined.as_ref(), base + i) {
                        b.append_value(0);
                        continue;
                    }
                    let hit = r
                        .clone()
                        .find(|&j| valid(j) && rows.row(j) == rows.row(base + i) && !(nested && has_nested_null(combined.as_ref(), j)));
                    b.append_value(hit.map(|j| (j - start + 1) as i32).unwrap_or(0));
                }
                return Ok(Arc::new(b.finish()));
            }
            let picks: Vec<Option<Vec<Option<u32>>>> = (0..n)
                .map(|i| {
                    let r = lists.range(i)?;
                    let me = (base + i) as u32;
                    let elems = r.clone().map(|j| valid(j).then_some(j as u32));
                    Some(match func {
                        Func::ArrayAppend => elems.chain(std::iter::once(valid(base + i).then_some(me))).collect(),
                        Func::ArrayPrepend => std::iter::once(valid(base + i).then_some(me)).chain(elems).collect(),
                        _ => {
                            let rows = rows.as_ref()?;
                            let needle_null = !valid(base + i);
                            r.filter(|&j| if needle_null { valid(j) } else { !(valid(j) && rows.row(j) == rows.row(base + i)) })
                                .map(|j| valid(j).then_some(j as u32))
                                .collect()
                        }
                    })
                })
                .collect();
            // ARRAY_REMOVE with a NULL needle keeps nothing but... NULL in Flink: see below.
            build_list(list_field(cc.ret)?, combined.as_ref(), &picks)?
        }
        Func::ArrayConcat | Func::ArrayUnion | Func::ArrayIntersect | Func::ArrayExcept => {
            let parts: Vec<&ListArray> = arrays.iter().map(|a| a.as_list::<i32>()).collect();
            let flats: Vec<&dyn Array> = parts.iter().map(|l| l.values().as_ref()).collect();
            let combined = arrow_select::concat::concat(&flats)?;
            let bases: Vec<usize> = parts.iter().scan(0, |acc, l| {
                let b = *acc;
                *acc += l.values().len();
                Some(b)
            }).collect();
            let rows = (*func != Func::ArrayConcat).then(|| encode(&combined)).transpose()?;
            let range = |k: usize, i: usize| -> Option<std::ops::Range<usize>> {
                let l = parts[k];
                if l.is_null(i) {
                    return None;
                }
                let o = l.offsets();
                Some((o[i] as usize + bases[k])..(o[i + 1] as usize + bases[k]))
            };
            let valid = |j: usize| combined.is_valid(j);
            let mut picks = Vec::with_capacity(n);
            for i in 0..n {
                let pick: Option<Vec<Option<u32>>> = match func {
                    Func::ArrayConcat => {
                        let ranges: Option<Vec<_>> = (0..parts.len()).map(|k| range(k, i)).collect();
                        ranges.map(|rs| rs.into_iter().flatten().map(|j| valid(j).then_some(j as u32)).collect())
                    }
                    _ => {
                        let rows = rows.as_ref().ok_or_else(|| EvalError::Internal("no rows".into()))?;
                        let key = |j: usize| if valid(j) { Some(rows.row(j)) } else { None };
                        match (range(0, i), range(1, i), func) {
                            (None, _, _) => None,
                            (Some(_), None, _) => None,
                            (Some(a), Some(b), _) => {
                                let mut seen = HashSet::new();
                                let mut out = Vec::new();
                                match func {
                                    Func::ArrayUnion => {
                                        for j in a.chain(b) {
                                            if seen.insert(key(j)) {
                                                out.push(valid(j).then_some(j as u32));
                                            }
                                        }
                                    }
                                    Func::ArrayIntersect => {
                                        let other: HashSet<_> = b.map(key).collect();
                                        for j in a {
                                            if other.contains(&key(j)) && seen.insert(key(j)) {
                                                out.push(valid(j).then_some(j as u32));
                                            }
                                        }
                                    }
                                    _ => {
                                        // Distinct elements of the first array missing from the
                                        // second; a NULL goes last (Flink's ArrayExceptFunction).
                                        let other: HashSet<_> = b.map(key).collect();
                                        let mut null_seen = false;
                                        for j in a {
                                            match key(j) {
                                                None => null_seen = true,
                                                k => {
                                                    if !other.contains(&k) && seen.insert(k) {
                                                        out.push(Some(j as u32));
                                                    }
                                                }
                                            }
                                        }
                                        if null_seen && !other.contains(&None) {
                                            out.push(None);
                                        }
                                    }
                                }
                                Some(out)
                            }
                        }
                    }
                };
                picks.push(pick);
            }
            build_list(list_field(cc.ret)?, combined.as_ref(), &picks)?
        }
        Func::ArrayDistinct | Func::ArrayReverse => {
            let rows = (*func == Func::ArrayDistinct).then(|| encode(&flat)).transpose()?;
            let picks: Vec<Option<Vec<Option<u32>>>> = (0..n)
                .map(|i| {
                    let r = lists.range(i)?;
                    Some(match &rows {
                        Some(rows) => {
                            let mut seen = HashSet::new();
                            r.filter(|&j| seen.insert(flat.is_valid(j).then(|| rows.row(j))))
                                .map(|j| flat.is_valid(j).then_some(j as u32))
                                .collect()
                        }
                        None => r.rev().map(|j| flat.is_valid(j).then_some(j as u32)).collect(),
                    })
                })
                .collect();
            build_list(list_field(cc.ret)?, flat.as_ref(), &picks)?
        }
        Func::ArraySort => {
            let rows = encode(&flat)?;
            let asc = arrays.get(1).map(|a| a.as_boolean());
            let nulls_first = arrays.get(2).map(|a| a.as_boolean()).or(asc);
            let flag = |b: Option<&BooleanArray>, i: usize| match b {
                None => Some(true),
                Some(b) => b.is_valid(i).then(|| b.value(i)),
            };
            let picks: Vec<Option<Vec<Option<u32>>>> = (0..n)
                .map(|i| {
                    let r = lists.range(i)?;
                    let (asc, nf) = (flag(asc, i)?, flag(nulls_first, i)?);
                    let mut idx: Vec<usize> = r.collect();
                    idx.sort_by(|&x, &y| {
                        match (flat.is_valid(x), flat.is_valid(y)) {
                            (false, false) => std::cmp::Ordering::Equal,
                            (false, true) => if nf { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater },
                            (true, false) => if nf { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less },
                            (true, true) => {
                                let o = rows.row(x).cmp(&rows.row(y));
                                if asc { o } else { o.reverse() }
                            }
                        }
                    });
                    Some(idx.into_iter().map(|j| flat.is_valid(j).then_some(j as u32)).collect())
                })
                .collect();
            build_list(list_field(cc.ret)?, flat.as_ref(), &picks)?
        }
        Func::ArraySlice => {
            let start = arrays[1].as_primitive::<Int32Type>();
            let end = arrays.get(2).map(|a| a.as_primitive::<Int32Type>());
            let picks: Vec<Option<Vec<Option<u32>>>> = (0..n)
                .map(|i| {
                    let r = lists.range(i)?;
                    let size = r.len() as i64;
                    let s = start.is_valid(i).then(|| start.value(i) as i64)?;
                    let e = match end {
                        Some(e) => e.is_valid(i).then(|| e.value(i) as i64)?,
                        None => size,
                    };
                    if size == 0 {
                        return Some(Vec::new());
                    }
                    // Flink's ArraySliceFunction: 1-based, negative from the end, inclusive.
                    let s = (if s < 0 { s + size + 1 } else { s }).max(1);
                    let e = if e < 0 { e + size + 1 } else { e };
                    let e = if e == 0 { 1 } else { e.min(size) };
                    if e < s {
                        return Some(Vec::new());
                    }
                    Some(((r.start as i64 + s - 1)..(r.start as i64 + e)).map(|j| flat.is_valid(j as usize).then_some(j as u32)).collect())
                })
                .collect();
            build_list(list_field(cc.ret)?, flat.as_ref(), &picks)?
        }
        Func::ArrayMax | Func::ArrayMin => {
            let rows = encode(&flat)?;
            let max = *func == Func::ArrayMax;
            let take: Vec<Option<u32>> = (0..n)
                .map(|i| {
                    let r = lists.range(i)?;
                    let valid = r.filter(|&j| flat.is_valid(j));
                    let best = if max { valid.max_by(|&x, &y| rows.row(x).cmp(&rows.row(y))) } else { valid.min_by(|&x, &y| rows.row(x).cmp(&rows.row(y))) };
                    best.map(|j| j as u32)
                })
                .collect();
            arrow_select::take::take(flat.as_ref(), &UInt32Array::from(take), None)?
        }
        Func::ArrayJoin => {
            let strings = flat.as_string::<i32>();
            let (delim, repl) = (arrays[1].as_string::<i32>(), arrays.get(2).map(|a| a.as_string::<i32>()));
            let mut b = StringBuilder::with_capacity(n, n * 16);
            let mut buf = String::new();
            for i in 0..n {
                let replacement = match repl {
                    Some(r) if r.is_null(i) => {
                        b.append_null();
                        continue;
                    }
                    Some(r) => Some(r.value(i)),
                    None => None,
                };
                let (Some(r), true) = (lists.range(i), delim.is_valid(i)) else {
                    b.append_null();
                    continue;
                };
                buf.clear();
                let mut first = true;
                for j in r {
                    let v = if strings.is_valid(j) { Some(strings.value(j)) } else { replacement };
                    if let Some(v) = v {
                        if !first {
                            buf.push_str(delim.value(i));
                        }
                        buf.push_str(v);
                        first = false;
                    }
                }
                b.append_value(&buf);
            }
            Arc::new(b.finish())
        }
        other => return Err(EvalError::Internal(format!("{other:?} is not an array function"))),
    })
}

#[cfg(test)]
mod tests {
    use crate::functions::resolve_call;
    use crate::{EvalContext, ScalarExpr};
    use sluice_types::{DataType, ScalarValue, TypeKind};

    fn int(v: i32) -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Int(v), DataType::not_null(TypeKind::Int))
    }
    fn null_int() -> ScalarExpr {
        ScalarExpr::literal(ScalarValue::Null, DataType::new(TypeKind::Int))
    }
    fn arr(items: Vec<ScalarExpr>) -> ScalarExpr {
        resolve_call("ARRAY", items).unwrap()
    }
    fn call(name: &str, args: Vec<ScalarExpr>) -> ScalarValue {
        resolve_call(name, args).unwrap().evaluate_constant(&EvalContext::default()).unwrap()
    }
    fn ints(v: &[Option<i32>]) -> ScalarValue {
        ScalarValue::Array(v.iter().map(|x| x.map(ScalarValue::Int).unwrap_or(ScalarValue::Null)).collect())
    }

    #[test]
    fn element_functions() {
        let a = || arr(vec![int(3), int(1), null_int(), int(3)]);
        assert_eq!(call("ARRAY_APPEND", vec![a(), int(9)]), ints(&[Some(3), Some(1), None, Some(3), Some(9)]));
        assert_eq!(call("ARRAY_PREPEND", vec![a(), null_int()]), ints(&[None, Some(3), Some(1), None, Some(3)]));
        assert_eq!(call("ARRAY_REMOVE", vec![a(), int(3)]), ints(&[Some(1), None]));
        assert_eq!(call("ARRAY_POSITION", vec![a(), int(1)]), ScalarValue::Int(2));
        assert_eq!(call("ARRAY_POSITION", vec![a(), int(7)]), ScalarValue::Int(0));
        assert_eq!(call("ARRAY_DISTINCT", vec![a()]), ints(&[Some(3), Some(1), None]));
        assert_eq!(call("ARRAY_REVERSE", vec![a()]), ints(&[Some(3), None, Some(1), Some(3)]));
        assert_eq!(call("ARRAY_SORT", vec![a()]), ints(&[None, Some(1), Some(3), Some(3)]));
        let f = ScalarExpr::literal(ScalarValue::Boolean(false), DataType::not_null(TypeKind::Boolean));
        assert_eq!(call("ARRAY_SORT", vec![a(), f]), ints(&[Some(3), Some(3), Some(1), None]));
        assert_eq!(call("ARRAY_MAX", vec![a()]), ScalarValue::Int(3));
        assert_eq!(call("ARRAY_MIN", vec![a()]), ScalarValue::Int(1));
        assert_eq!(call("ARRAY_SLICE", vec![a(), int(2), int(3)]), ints(&[Some(1), None]));
        assert_eq!(call("ARRAY_SLICE", vec![a(), int(-2)]), ints(&[None, Some(3)]));
        // `=` on arrays with a NULL inside is NULL in Flink, so such a needle is never found.
        let holey = || arr(vec![int(1), null_int()]);
        assert_eq!(call("ARRAY_POSITION", vec![arr(vec![holey()]), holey()]), ScalarValue::Int(0));
        let whole = || arr(vec![int(1), int(2)]);
        assert_eq!(call("ARRAY_POSITION", vec![arr(vec![holey(), whole()]), whole()]), ScalarValue::Int(2));
    }

    #[test]
    fn set_functions() {
        let a = || arr(vec![int(1), int(2), int(2), null_int()]);
        let b = || arr(vec![int(2), int(3)]);
        assert_eq!(call("ARRAY_CONCAT", vec![a(), b()]), ints(&[Some(1), Some(2), Some(2), None, Some(2), Some(3)]));
        assert_eq!(call("ARRAY_UNION", vec![a(), b()]), ints(&[Some(1), Some(2), None, Some(3)]));
        assert_eq!(call("ARRAY_INTERSECT", vec![a(), b()]), ints(&[Some(2)]));
        assert_eq!(call("ARRAY_EXCEPT", vec![a(), b()]), ints(&[Some(1), None]));
    }

    #[test]
    fn maps() {
        let s = |v: &str| ScalarExpr::literal(ScalarValue::String(v.into()), DataType::not_null(TypeKind::Varchar { length: 1 }));
        let m1 = resolve_call("MAP", vec![s("a"), int(1), s("b"), int(2)]).unwrap();
        let m2 = resolve_call("MAP", vec![s("b"), int(20), s("c"), int(30)]).unwrap();
        let st = |v: &str| ScalarValue::String(v.into());
        assert_eq!(call("MAP_KEYS", vec![m1.clone()]), ScalarValue::Array(vec![st("a"), st("b")]));
        assert_eq!(call("MAP_VALUES", vec![m1.clone()]), ints(&[Some(1), Some(2)]));
        assert_eq!(
            call("MAP_UNION", vec![m1.clone(), m2]),
            ScalarValue::Map(vec![
                (st("b"), ScalarValue::Int(20)),
                (st("c"), ScalarValue::Int(30)),
                (st("a"), ScalarValue::Int(1)),
            ])
        );
        let keys = arr(vec![s("x"), s("y")]);
        let m = call("MAP_FROM_ARRAYS", vec![keys, arr(vec![int(1), int(2)])]);
        assert_eq!(m, ScalarValue::Map(vec![(st("x"), ScalarValue::Int(1)), (st("y"), ScalarValue::Int(2))]));
        assert_eq!(
            call("MAP_ENTRIES", vec![m1]),
            ScalarValue::Array(vec![
                ScalarValue::Row(vec![st("a"), ScalarValue::Int(1)]),
                ScalarValue::Row(vec![st("b"), ScalarValue::Int(2)])
            ])
        );
    }
}
