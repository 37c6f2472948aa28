//! Rows from PostgreSQL straight into Arrow builders, one `ColumnDecoder` per column.
//! The decoder reads the binary wire form by the column's PostgreSQL type and writes the
//! declared Flink type, so that `INT` read from an `int2` column or `TIMESTAMP` read from
//! a `timestamptz` column (as wall-clock time in the session time zone) both work.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, Int8Builder, StringBuilder, Time32MillisecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer};
use arrow_schema::Field;
use postgres::types::Type;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, TypeKind};

use super::numeric::decode_numeric;
use super::wire::{array_element, array_elements, PG_EPOCH_DAYS, PG_EPOCH_MICROS};

/// Builds one Arrow column of a declared Flink type from PostgreSQL values.
pub enum ColumnDecoder {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Decimal { builder: Decimal128Builder, precision: u8, scale: i8 },
    Utf8(StringBuilder),
    Binary(BinaryBuilder),
    Date(Date32Builder),
    Time(Time32MillisecondBuilder),
    /// `TIMESTAMP` (`ltz == false`, wall-clock) or `TIMESTAMP_LTZ` (an instant).
    Timestamp { builder: TimestampMicrosecondBuilder, ltz: bool, tz: SessionTimeZone },
    List { field: Arc<Field>, offsets: Vec<i32>, nulls: NullBufferBuilder, child: Box<ColumnDecoder> },
}

impl ColumnDecoder {
    /// A decoder for `data_type`, or the reason the type cannot be read from PostgreSQL.
    pub fn new(data_type: &DataType, tz: &SessionTimeZone) -> Result<ColumnDecoder, String> {
        Ok(match &data_type.kind {
            TypeKind::Boolean => ColumnDecoder::Bool(BooleanBuilder::new()),
            TypeKind::TinyInt => ColumnDecoder::I8(Int8Builder::new()),
            TypeKind::SmallInt => ColumnDecoder::I16(Int16Builder::new()),
            TypeKind::Int => ColumnDecoder::I32(Int32Builder::new()),
            TypeKind::BigInt => ColumnDecoder::I64(Int64Builder::new()),
            TypeKind::Float => ColumnDecoder::F32(Float32Builder::new()),
            TypeKind::Double => ColumnDecoder::F64(Float64Builder::new()),
            TypeKind::Decimal { precision, scale } => ColumnDecoder::Decimal {
                builder: Decimal128Builder::new()
                    .with_precision_and_scale(*precision, *scale)
                    .map_err(|e| e.to_string())?,
                precision: *precision,
                scale: *scale,
            },
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => ColumnDecoder::Utf8(StringBuilder::new()),
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => ColumnDecoder::Binary(BinaryBuilder::new()),
            TypeKind::Date => ColumnDecoder::Date(Date32Builder::new()),
            TypeKind::Time { .. } => ColumnDecoder::Time(Time32MillisecondBuilder::new()),
            TypeKind::Timestamp { .. } => {
                ColumnDecoder::Timestamp { builder: TimestampMicrosecondBuilder::new(), ltz: false, tz: tz.clone() }
            }
            TypeKind::TimestampLtz { .. } => ColumnDecoder::Timestamp {
                builder: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
                ltz: true,
                tz: tz.clone(),
            },
            TypeKind::Array(element) => {
                if matches!(element.kind, TypeKind::Array(_)) {
                    return Err("nested arrays cannot be read from PostgreSQL".to_string());
                }
                ColumnDecoder::List {
                    field: Arc::new(element.to_field("element")),
                    offsets: vec![0],
                    nulls: NullBufferBuilder::new(0),
                    child: Box::new(ColumnDecoder::new(element, tz)?),
                }
            }
            other => return Err(format!("the type {other} has no PostgreSQL counterpart in the jdbc connector")),
        })
    }

    /// Whether a PostgreSQL column of type `pg` can be read (and written) as this
    /// decoder's Flink type.
    pub fn fits(&self, pg: &Type) -> bool {
        let is = |types: &[Type]| types.contains(pg);
        match self {
            ColumnDecoder::Bool(_) => is(&[Type::BOOL]),
            ColumnDecoder::I8(_) | ColumnDecoder::I16(_) => is(&[Type::INT2]),
            ColumnDecoder::I32(_) => is(&[Type::INT2, Type::INT4]),
            ColumnDecoder::I64(_) => is(&[Type::INT2, Type::INT4, Type::INT8]),
            ColumnDecoder::F32(_) => is(&[Type::FLOAT4]),
            ColumnDecoder::F64(_) => is(&[Type::FLOAT4, Type::FLOAT8]),
            ColumnDecoder::Decimal { .. } => is(&[Type::NUMERIC, Type::INT2, Type::INT4, Type::INT8]),
            ColumnDecoder::Utf8(_) => {
                is(&[Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME, Type::JSON, Type::JSONB, Type::UUID])
            }
            ColumnDecoder::Binary(_) => is(&[Type::BYTEA]),
            ColumnDecoder::Date(_) => is(&[Type::DATE]),
            ColumnDecoder::Time(_) => is(&[Type::TIME]),
            ColumnDecoder::Timestamp { .. } => is(&[Type::TIMESTAMP, Type::TIMESTAMPTZ]),
            ColumnDecoder::List { child, .. } => array_element(pg).is_some_and(|e| child.fits(e)),
        }
    }

    /// Appends one value of PostgreSQL type `pg` (`None` is NULL).
    pub fn append(&mut self, pg: &Type, raw: Option<&[u8]>) -> Result<(), String> {
        let Some(raw) = raw else {
            self.append_null();
            return Ok(());
        };
        match self {
            ColumnDecoder::Bool(b) => b.append_value(raw.first().is_some_and(|v| *v != 0)),
            ColumnDecoder::I8(b) => b.append_value(narrow(read_int(pg, raw)?)?),
            ColumnDecoder::I16(b) => b.append_value(narrow(read_int(pg, raw)?)?),
            ColumnDecoder::I32(b) => b.append_value(narrow(read_int(pg, raw)?)?),
            ColumnDecoder::I64(b) => b.append_value(read_int(pg, raw)?),
            ColumnDecoder::F32(b) => b.append_value(f32::from_be_bytes(fixed(raw)?)),
            ColumnDecoder::F64(b) => {
                if *pg == Type::FLOAT4 {
                    b.append_value(f32::from_be_bytes(fixed(raw)?) as f64)
                } else {
                    b.append_value(f64::from_be_bytes(fixed(raw)?))
                }
            }
            ColumnDecoder::Decimal { builder, precision, scale } => {
                let value = if *pg == Type::NUMERIC {
                    decode_numeric(raw, *precision, *scale)?
                } else {
                    (read_int(pg, raw)? as i128).checked_mul(10i128.pow(*scale as u32))
                };
                builder.append_option(value)
            }
            ColumnDecoder::Utf8(b) => {
                if *pg == Type::UUID {
                    b.append_value(format_uuid(raw)?);
                } else {
                    // jsonb carries a version byte before its text.
                    let text = if *pg == Type::JSONB { raw.get(1..).unwrap_or_default() } else { raw };
                    b.append_value(std::str::from_utf8(text).map_err(|_| "text that is not UTF-8".to_string())?)
                }
            }
            ColumnDecoder::Binary(b) => b.append_value(raw),
            ColumnDecoder::Date(b) => {
                let days = i32::from_be_bytes(fixed(raw)?);
                if days == i32::MAX || days == i32::MIN {
                    return Err("an infinite DATE has no Flink value".to_string());
                }
                b.append_value(days + PG_EPOCH_DAYS)
            }
            ColumnDecoder::Time(b) => b.append_value((i64::from_be_bytes(fixed(raw)?) / 1000) as i32),
            ColumnDecoder::Timestamp { builder, ltz, tz } => {
                let micros = i64::from_be_bytes(fixed(raw)?);
                if micros == i64::MAX || micros == i64::MIN {
                    return Err("an infinite TIMESTAMP has no Flink value".to_string());
                }
                let micros = micros.checked_add(PG_EPOCH_MICROS).ok_or("a TIMESTAMP out of range")?;
                let with_zone = *pg == Type::TIMESTAMPTZ;
                builder.append_value(match (*ltz, with_zone) {
                    (true, true) | (false, false) => micros,
                    (false, true) => tz.to_local(micros),
                    (true, false) => tz.to_instant(micros),
                })
            }
            ColumnDecoder::List { offsets, nulls, child, .. } => {
                let element = array_element(pg).cloned().unwrap_or(Type::UNKNOWN);
                let elements = array_elements(raw)?;
                for e in &elements {
                    child.append(&element, *e)?;
                }
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last + i32::try_from(elements.len()).map_err(|_| "an array too long")?);
                nulls.append_non_null();
            }
        }
        Ok(())
    }

    pub fn append_null(&mut self) {
        match self {
            ColumnDecoder::Bool(b) => b.append_null(),
            ColumnDecoder::I8(b) => b.append_null(),
            ColumnDecoder::I16(b) => b.append_null(),
            ColumnDecoder::I32(b) => b.append_null(),
            ColumnDecoder::I64(b) => b.append_null(),
            ColumnDecoder::F32(b) => b.append_null(),
            ColumnDecoder::F64(b) => b.append_null(),
            ColumnDecoder::Decimal { builder, .. } => builder.append_null(),
            ColumnDecoder::Utf8(b) => b.append_null(),
            ColumnDecoder::Binary(b) => b.append_null(),
            ColumnDecoder::Date(b) => b.append_null(),
            ColumnDecoder::Time(b) => b.append_null(),
            ColumnDecoder::Timestamp { builder, .. } => builder.append_null(),
            ColumnDecoder::List { offsets, nulls, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
                nulls.append_null();
            }
        }
    }

    /// The column built so far; the decoder starts over empty.
    pub fn finish(&mut self) -> ArrayRef {
        use arrow_array::builder::ArrayBuilder;
        match self {
            ColumnDecoder::Bool(b) => ArrayBuilder::finish(b),
            ColumnDecoder::I8(b) => ArrayBuilder::finish(b),
            ColumnDecoder::I16(b) => ArrayBuilder::finish(b),
            ColumnDecoder::I32(b) => ArrayBuilder::finish(b),
            ColumnDecoder::I64(b) => ArrayBuilder::finish(b),
            ColumnDecoder::F32(b) => ArrayBuilder::finish(b),
            ColumnDecoder::F64(b) => ArrayBuilder::finish(b),
            ColumnDecoder::Decimal { builder, .. } => ArrayBuilder::finish(builder),
            ColumnDecoder::Utf8(b) => ArrayBuilder::finish(b),
            ColumnDecoder::Binary(b) => ArrayBuilder::finish(b),
            ColumnDecoder::Date(b) => ArrayBuilder::finish(b),
            ColumnDecoder::Time(b) => ArrayBuilder::finish(b),
            ColumnDecoder::Timestamp { builder, .. } => ArrayBuilder::finish(builder),
            ColumnDecoder::List { field, offsets, nulls, child } => {
                let values = child.finish();
                let offsets = OffsetBuffer::new(std::mem::replace(offsets, vec![0]).into());
                let nulls = nulls.finish();
                Arc::new(ListArray::new(field.clone(), offsets, values, nulls))
            }
        }
    }
}

fn fixed<const N: usize>(raw: &[u8]) -> Result<[u8; N], String> {
    raw.try_into().map_err(|_| format!("expected {N} bytes, got {}", raw.len()))
}

/// An integer of any width (`int2`, `int4`, `int8`) as `i64`.
fn read_int(pg: &Type, raw: &[u8]) -> Result<i64, String> {
    Ok(match *pg {
        Type::INT2 => i16::from_be_bytes(fixed(raw)?) as i64,
        Type::INT4 => i32::from_be_bytes(fixed(raw)?) as i64,
        _ => i64::from_be_bytes(fixed(raw)?),
    })
}

fn narrow<T: TryFrom<i64>>(v: i64) -> Result<T, String> {
    T::try_from(v).map_err(|_| format!("the value {v} is out of range for the declared type"))
}

fn format_uuid(raw: &[u8]) -> Result<String, String> {
    if raw.len() != 16 {
        return Err("a UUID must have 16 bytes".to_string());
    }
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}
