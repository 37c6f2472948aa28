//! Values on PostgreSQL's binary wire, below the `postgres` crate's typed conversions:
//! `RawValue` takes any column's bytes as they come (the decoder turns them into Arrow
//! by the column's type), and `PgParam` is a parameter already converted to the exact
//! type the server asked for (the encoder picks the variant from that type).

use std::error::Error;

use bytes::{BufMut, BytesMut};
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};

/// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
pub const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// Days between 1970-01-01 and 2000-01-01.
pub const PG_EPOCH_DAYS: i32 = 10_957;

/// A column value's binary bytes, whatever its type.
#[derive(Debug)]
pub struct RawValue<'a>(pub &'a [u8]);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(RawValue(raw))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

/// A parameter in the binary form of the type the server expects.
#[derive(Debug, Clone)]
pub enum PgParam {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    /// A binary `NUMERIC` (see `numeric::encode_numeric`).
    Numeric(Vec<u8>),
    /// UTF-8 text (`text`, `varchar`, `bpchar`, `name`, `json`).
    Text(String),
    Bytes(Vec<u8>),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds: since midnight (`time`) or since 2000-01-01 (`timestamp`, `timestamptz`).
    Micros(i64),
    /// A one-dimensional array of elements of type `element`.
    Array { element: Type, values: Vec<PgParam> },
}

impl ToSql for PgParam {
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            PgParam::Null => return Ok(IsNull::Yes),
            PgParam::Bool(v) => out.put_u8(*v as u8),
            PgParam::Int2(v) => out.put_i16(*v),
            PgParam::Int4(v) => out.put_i32(*v),
            PgParam::Int8(v) => out.put_i64(*v),
            PgParam::Float4(v) => out.put_f32(*v),
            PgParam::Float8(v) => out.put_f64(*v),
            PgParam::Numeric(bytes) | PgParam::Bytes(bytes) => out.put_slice(bytes),
            PgParam::Text(s) => out.put_slice(s.as_bytes()),
            PgParam::Date(v) => out.put_i32(*v),
            PgParam::Micros(v) => out.put_i64(*v),
            PgParam::Array { element, values } => {
                let has_null = values.iter().any(|v| matches!(v, PgParam::Null));
                out.put_i32(1);
                out.put_i32(has_null as i32);
                out.put_u32(element.oid());
                out.put_i32(i32::try_from(values.len())?);
                out.put_i32(1);
                for value in values {
                    if let PgParam::Null = value {
                        out.put_i32(-1);
                        continue;
                    }
                    let len_at = out.len();
                    out.put_i32(0);
                    value.to_sql(element, out)?;
                    let len = i32::try_from(out.len() - len_at - 4)?;
                    out[len_at..len_at + 4].copy_from_slice(&len.to_be_bytes());
                }
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// The element type of a one-dimensional array type, if `ty` is one.
pub fn array_element(ty: &Type) -> Option<&Type> {
    match ty.kind() {
        postgres::types::Kind::Array(element) => Some(element),
        _ => None,
    }
}

/// Reads the elements of a binary one-dimensional array: its element bytes in order,
/// `None` for NULL elements. A multi-dimensional array is read flattened.
pub fn array_elements(raw: &[u8]) -> Result<Vec<Option<&[u8]>>, String> {
    let bad = || "malformed binary array".to_string();
    let int = |at: usize| -> Result<i32, String> {
        raw.get(at..at + 4).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok_or_else(bad)
    };
    let ndim = int(0)?;
    if ndim == 0 {
        return Ok(Vec::new());
    }
    let mut count: usize = 1;
    for d in 0..ndim as usize {
        count = count.checked_mul(usize::try_from(int(12 + 8 * d)?).map_err(|_| bad())?).ok_or_else(bad)?;
    }
    let mut at = 12 + 8 * ndim as usize;
    let mut out = Vec::with_capacity(count.min(raw.len()));
    for _ in 0..count {
        let len = int(at)?;
        at += 4;
        if len < 0 {
            out.push(None);
        } else {
            let end = at + len as usize;
            out.push(Some(raw.get(at..end).ok_or_else(bad)?));
            at = end;
        }
    }
    Ok(out)
}
