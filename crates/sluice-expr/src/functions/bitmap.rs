//! Flink's `BITMAP` functions: sets of 32-bit integers as RoaringBitmaps. A bitmap
//! orders its members as unsigned numbers (`-4` sorts after `10`, and prints as
//! `4294967292`), as Java's RoaringBitmap does; `BITMAP_TO_ARRAY` gives them back as
//! INT in that order. In Arrow a bitmap is its portable serialisation (the RoaringBitmap
//! format Java, C and Rust share), so `BITMAP_TO_BYTES` is the stored value itself and
//! `BITMAP_FROM_BYTES` reads bytes Flink wrote. A NULL argument gives NULL.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, Int32Builder, ListBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::*;
use roaring::RoaringBitmap;
use sluice_types::bitmap::bitmap_text;
use sluice_types::{DataType, TypeKind};

use super::registry::{arity, make_call, no_match, string_kind};
use super::{CallCtx, Func};
use crate::value::{expand, ColumnarValue};
use crate::{EvalError, FunctionError, ScalarExpr};

pub(crate) const NAMES: &[&str] = &[
    "BITMAP_BUILD",
    "BITMAP_CARDINALITY",
    "BITMAP_TO_ARRAY",
    "BITMAP_TO_STRING",
    "BITMAP_TO_BYTES",
    "BITMAP_FROM_BYTES",
    "BITMAP_AND",
    "BITMAP_OR",
    "BITMAP_XOR",
    "BITMAP_ANDNOT",
];

/// What a two-bitmap function computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitmapOp {
    And,
    Or,
    Xor,
    AndNot,
}

fn is_bitmap(t: &DataType) -> bool {
    matches!(t.kind, TypeKind::Bitmap | TypeKind::Null)
}

fn is_int_array(t: &DataType) -> bool {
    match &t.kind {
        TypeKind::Array(e) => matches!(e.kind, TypeKind::Int | TypeKind::Null),
        TypeKind::Null => true,
        _ => false,
    }
}

fn is_bytes(t: &DataType) -> bool {
    t.is_binary() || t.kind == TypeKind::Null
}

pub(crate) fn resolve(name: &str, args: Vec<ScalarExpr>) -> Result<ScalarExpr, FunctionError> {
    let nullable = args.iter().any(|a| a.data_type().nullable || a.data_type().kind == TypeKind::Null);
    let ty = |kind: TypeKind| DataType { kind, nullable };
    let (func, sig, accepts, result): (Func, &str, fn(&DataType) -> bool, DataType) = match name {
        "BITMAP_BUILD" => (Func::BitmapBuild, "BITMAP_BUILD(ARRAY<INT>)", is_int_array, ty(TypeKind::Bitmap)),
        "BITMAP_CARDINALITY" => (Func::BitmapCardinality, "BITMAP_CARDINALITY(BITMAP)", is_bitmap, ty(TypeKind::BigInt)),
        "BITMAP_TO_ARRAY" => (
            Func::BitmapToArray,
            "BITMAP_TO_ARRAY(BITMAP)",
            is_bitmap,
            ty(TypeKind::Array(Box::new(DataType::not_null(TypeKind::Int)))),
        ),
        "BITMAP_TO_STRING" => (Func::BitmapToString, "BITMAP_TO_STRING(BITMAP)", is_bitmap, ty(string_kind())),
        "BITMAP_TO_BYTES" => {
            (Func::BitmapToBytes, "BITMAP_TO_BYTES(BITMAP)", is_bitmap, ty(TypeKind::Varbinary { length: sluice_types::MAX_VARCHAR_LENGTH }))
        }
        "BITMAP_FROM_BYTES" => (Func::BitmapFromBytes, "BITMAP_FROM_BYTES(BYTES)", is_bytes, ty(TypeKind::Bitmap)),
        _ => {
            let (op, sig) = match name {
                "BITMAP_AND" => (BitmapOp::And, "BITMAP_AND(BITMAP, BITMAP)"),
                "BITMAP_OR" => (BitmapOp::Or, "BITMAP_OR(BITMAP, BITMAP)"),
                "BITMAP_XOR" => (BitmapOp::Xor, "BITMAP_XOR(BITMAP, BITMAP)"),
                _ => (BitmapOp::AndNot, "BITMAP_ANDNOT(BITMAP, BITMAP)"),
            };
            arity(name, &args, 2, 2, &[sig])?;
            if !args.iter().all(|a| is_bitmap(a.data_type())) {
                return Err(no_match(name, &args, &[sig]));
            }
            return Ok(make_call(Func::BitmapSet(op), args, ty(TypeKind::Bitmap)));
        }
    };
    arity(name, &args, 1, 1, &[sig])?;
    if !accepts(args[0].data_type()) {
        return Err(no_match(name, &args, &[sig]));
    }
    Ok(make_call(func, args, result))
}

/// The bitmaps of a column (NULL stays `None`); bytes that are no bitmap are an error.
fn bitmaps(array: &ArrayRef) -> Result<Vec<Option<RoaringBitmap>>, EvalError> {
    if array.data_type() == &arrow_schema::DataType::Null {
        return Ok(vec![None; array.len()]);
    }
    let bytes = array.as_binary_opt::<i32>().ok_or_else(|| EvalError::Internal("a BITMAP value is not binary".into()))?;
    (0..bytes.len()).map(|i| if bytes.is_null(i) { Ok(None) } else { decode(bytes.value(i)).map(Some) }).collect()
}

/// A bitmap from its portable serialisation.
fn decode(bytes: &[u8]) -> Result<RoaringBitmap, EvalError> {
    RoaringBitmap::deserialize_from(bytes)
        .map_err(|e| EvalError::Runtime(format!("BITMAP_FROM_BYTES: the bytes are not a serialised RoaringBitmap ({e})")))
}

/// A column of bitmaps, serialised.
fn encode_all(values: impl Iterator<Item = Option<RoaringBitmap>>) -> Result<ArrayRef, EvalError> {
    let mut out = BinaryBuilder::new();
    let mut buf = Vec::new();
    for v in values {
        match v {
            Some(b) => {
                buf.clear();
                b.serialize_into(&mut buf).map_err(|e| EvalError::Internal(format!("serialising a bitmap: {e}")))?;
                out.append_value(&buf);
            }
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

pub(crate) fn eval(func: &Func, args: Vec<ColumnarValue>, cc: &CallCtx) -> Result<ColumnarValue, EvalError> {
    let (arrays, scalar) = expand(args, cc.rows)?;
    let out: ArrayRef = match func {
        Func::BitmapBuild => {
            let input = &arrays[0];
            if input.data_type() == &arrow_schema::DataType::Null {
                encode_all((0..input.len()).map(|_| None))?
            } else {
                let lists = input.as_list_opt::<i32>().ok_or_else(|| EvalError::Internal("BITMAP_BUILD of a non-array".into()))?;
                encode_all((0..lists.len()).map(|i| {
                    if lists.is_null(i) {
                        return None;
                    }
                    let items = lists.value(i);
                    let ints = items.as_primitive_opt::<Int32Type>()?;
                    // NULL members are left out, as Flink does.
                    Some(ints.iter().flatten().map(|v| v as u32).collect::<RoaringBitmap>())
                }))?
            }
        }
        // Decoded to be checked, then stored in one (re-encoded) form.
        Func::BitmapFromBytes => encode_all(bitmaps(&arrays[0])?.into_iter())?,
        Func::BitmapToBytes => {
            let input = &arrays[0];
            if input.data_type() == &arrow_schema::DataType::Null {
                Arc::new(BinaryArray::new_null(input.len()))
            } else {
                input.clone()
            }
        }
        Func::BitmapCardinality => Arc::new(bitmaps(&arrays[0])?.iter().map(|b| b.as_ref().map(|b| b.len() as i64)).collect::<Int64Array>()),
        Func::BitmapToString => {
            Arc::new(bitmaps(&arrays[0])?.iter().map(|b| b.as_ref().map(bitmap_text)).collect::<StringArray>())
        }
        Func::BitmapToArray => {
            let field = DataType::not_null(TypeKind::Int).to_field("element");
            let mut out = ListBuilder::new(Int32Builder::new()).with_field(Arc::new(field));
            for b in bitmaps(&arrays[0])? {
                match b {
                    Some(b) => {
                        out.values().extend(b.iter().map(|v| Some(v as i32)));
                        out.append(true);
                    }
                    None => out.append(false),
                }
            }
            Arc::new(out.finish())
        }
        Func::BitmapSet(op) => {
            let (a, b) = (bitmaps(&arrays[0])?, bitmaps(&arrays[1])?);
            encode_all(a.into_iter().zip(b).map(|(a, b)| {
                let (a, b) = (a?, b?);
                Some(match op {
                    BitmapOp::And => a & b,
                    BitmapOp::Or => a | b,
                    BitmapOp::Xor => a ^ b,
                    BitmapOp::AndNot => a - b,
                })
            }))?
        }
        _ => return Err(EvalError::Internal(format!("{func:?} is not a bitmap function"))),
    };
    Ok(ColumnarValue::wrap(out, scalar))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialisation_is_the_portable_format_flink_writes() {
        // BITMAP_TO_BYTES(BITMAP_BUILD(ARRAY[1, 2, 3])) on Flink 2.3, base64.
        let flink = [0x3a, 0x30, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0x10, 0, 0, 0, 1, 0, 2, 0, 3, 0];
        let b: RoaringBitmap = [1u32, 2, 3].into_iter().collect();
        let mut ours = Vec::new();
        b.serialize_into(&mut ours).unwrap();
        assert_eq!(ours, flink);
        assert_eq!(decode(&flink).unwrap(), b);
        assert!(decode(b"not a bitmap").is_err());
    }
}
