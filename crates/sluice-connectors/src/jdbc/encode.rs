//! Arrow values to PostgreSQL parameters of the type the server expects for a column.
//! The column's PostgreSQL type picks the wire form; the declared Flink type says how to
//! read the Arrow array. Values are always sent as parameters, never spliced into SQL.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    Time32MillisecondType, TimestampMicrosecondType,
};
use arrow_array::{Array, ArrayRef};
use postgres::types::Type;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, TypeKind};

use super::numeric::encode_numeric;
use super::wire::{PgParam, PG_EPOCH_DAYS, PG_EPOCH_MICROS};

/// Encodes row `row` of `array` (declared as `data_type`) for a column of type `pg`.
pub fn encode_value(
    array: &ArrayRef,
    row: usize,
    data_type: &DataType,
    pg: &Type,
    tz: &SessionTimeZone,
) -> Result<PgParam, String> {
    if array.is_null(row) {
        return Ok(PgParam::Null);
    }
    let kind = &data_type.kind;
    let mismatch = || format!("a {kind} value cannot be written to a PostgreSQL column of type {}", pg.name());
    Ok(match *pg {
        Type::BOOL => match kind {
            TypeKind::Boolean => PgParam::Bool(array.as_boolean().value(row)),
            _ => return Err(mismatch()),
        },
        Type::INT2 | Type::INT4 | Type::INT8 => {
            let v = integer(array, row, kind).ok_or_else(mismatch)?;
            let out_of_range = || format!("the value {v} is out of range for a PostgreSQL {}", pg.name());
            match *pg {
                Type::INT2 => PgParam::Int2(i16::try_from(v).map_err(|_| out_of_range())?),
                Type::INT4 => PgParam::Int4(i32::try_from(v).map_err(|_| out_of_range())?),
                _ => PgParam::Int8(v),
            }
        }
        Type::FLOAT4 | Type::FLOAT8 => {
            let v = match kind {
                TypeKind::Float => array.as_primitive::<Float32Type>().value(row) as f64,
                TypeKind::Double => array.as_primitive::<Float64Type>().value(row),
                _ => integer(array, row, kind).ok_or_else(mismatch)? as f64,
            };
            if *pg == Type::FLOAT4 {
                PgParam::Float4(v as f32)
            } else {
                PgParam::Float8(v)
            }
        }
        Type::NUMERIC => {
            let (value, scale) = match kind {
                TypeKind::Decimal { scale, .. } => (array.as_primitive::<Decimal128Type>().value(row), *scale),
                _ => (integer(array, row, kind).ok_or_else(mismatch)? as i128, 0),
            };
            let mut bytes = Vec::with_capacity(16);
            encode_numeric(value, scale, &mut bytes);
            PgParam::Numeric(bytes)
        }
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::JSONB | Type::UUID => {
            if !matches!(kind, TypeKind::Char { .. } | TypeKind::Varchar { .. }) {
                return Err(mismatch());
            }
            let text = array.as_string::<i32>().value(row);
            match *pg {
                Type::JSONB => {
                    let mut bytes = Vec::with_capacity(text.len() + 1);
                    bytes.push(1);
                    bytes.extend_from_slice(text.as_bytes());
                    PgParam::Bytes(bytes)
                }
                Type::UUID => PgParam::Bytes(parse_uuid(text)?),
                _ => PgParam::Text(text.to_string()),
            }
        }
        Type::BYTEA => match kind {
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
                PgParam::Bytes(array.as_binary::<i32>().value(row).to_vec())
            }
            _ => return Err(mismatch()),
        },
        Type::DATE => match kind {
            TypeKind::Date => PgParam::Date(array.as_primitive::<Date32Type>().value(row) - PG_EPOCH_DAYS),
            _ => return Err(mismatch()),
        },
        Type::TIME => match kind {
            TypeKind::Time { .. } => {
                PgParam::Micros(array.as_primitive::<Time32MillisecondType>().value(row) as i64 * 1000)
            }
            _ => return Err(mismatch()),
        },
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            let micros = array.as_primitive::<TimestampMicrosecondType>().value(row);
            let ltz = match kind {
                TypeKind::Timestamp { .. } => false,
                TypeKind::TimestampLtz { .. } => true,
                _ => return Err(mismatch()),
            };
            let with_zone = *pg == Type::TIMESTAMPTZ;
            let micros = match (ltz, with_zone) {
                (true, true) | (false, false) => micros,
                (false, true) => tz.to_instant(micros),
                (true, false) => tz.to_local(micros),
            };
            PgParam::Micros(micros - PG_EPOCH_MICROS)
        }
        _ => return Err(mismatch()),
    })
}

/// An integer column's value as `i64`, or `None` when the column is not an integer.
fn integer(array: &ArrayRef, row: usize, kind: &TypeKind) -> Option<i64> {
    Some(match kind {
        TypeKind::TinyInt => array.as_primitive::<Int8Type>().value(row) as i64,
        TypeKind::SmallInt => array.as_primitive::<Int16Type>().value(row) as i64,
        TypeKind::Int => array.as_primitive::<Int32Type>().value(row) as i64,
        TypeKind::BigInt => array.as_primitive::<Int64Type>().value(row),
        _ => return None,
    })
}

fn parse_uuid(text: &str) -> Result<Vec<u8>, String> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return Err(format!("\"{text}\" is not a UUID"));
    }
    (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| format!("\"{text}\" is not a UUID")))
        .collect()
}
