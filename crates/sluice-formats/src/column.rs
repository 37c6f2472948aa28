//! Column builders that can be rolled back.
//!
//! Arrow's own builders cannot forget a value once appended, but a decoder must drop a
//! half-decoded record when it turns out to be malformed. `Column` keeps plain `Vec`s
//! (values, offsets, validity) that can be truncated back to any earlier row count, and
//! turns them into Arrow arrays without copying when the batch is flushed.

use std::sync::Arc;

use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, IntervalYearMonthType, Time32MillisecondType,
    TimestampMicrosecondType,
};
use arrow_array::{
    ArrayRef, ArrowPrimitiveType, BinaryArray, BooleanArray, ListArray, MapArray, NullArray,
    PrimitiveArray, StringArray, StructArray,
};
use arrow_buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType as ArrowType, FieldRef, Fields};
use sluice_types::{DataType, TypeKind};

use crate::FormatError;

/// The values of one column (or nested child) being built, by Arrow layout.
#[derive(Debug)]
pub(crate) enum ColData {
    Null,
    Bool(Vec<bool>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Decimal { values: Vec<i128>, precision: u8, scale: i8 },
    Date(Vec<i32>),
    /// Milliseconds of the day.
    Time(Vec<i32>),
    /// Wall-clock microseconds (`TIMESTAMP`).
    Timestamp(Vec<i64>),
    /// Instant microseconds (`TIMESTAMP_LTZ`).
    TimestampLtz(Vec<i64>),
    /// Day-time interval in milliseconds.
    Duration(Vec<i64>),
    /// Year-month interval in months.
    YearMonth(Vec<i32>),
    Utf8 { offsets: Vec<i32>, data: Vec<u8> },
    Binary { offsets: Vec<i32>, data: Vec<u8> },
    List { offsets: Vec<i32>, child: Box<Column>, field: FieldRef },
    /// `seen` and `generation` let a decoder note which fields an object had without
    /// clearing a set per object.
    Struct {
        names: Vec<String>,
        children: Vec<Column>,
        fields: Fields,
        seen: Vec<u32>,
        generation: u32,
    },
    Map { offsets: Vec<i32>, keys: Box<Column>, values: Box<Column>, entries: FieldRef },
}

/// Ends one decoded record: on success `rows` counts it; on failure every column is cut
/// back to `rows`, so no half row is kept and the caller can skip the record.
pub(crate) fn commit_record(columns: &mut [Column], rows: &mut usize, result: Result<(), crate::convert::Fail>) -> Result<(), String> {
    match result {
        Ok(()) => {
            *rows += 1;
            Ok(())
        }
        Err(fail) => {
            for c in columns {
                c.truncate(*rows);
            }
            Err(fail.message())
        }
    }
}

/// Takes the rows decoded so far as arrays in column order; the columns are then empty.
pub(crate) fn flush_columns(columns: &mut [Column], rows: &mut usize) -> Result<Vec<ArrayRef>, FormatError> {
    *rows = 0;
    columns.iter_mut().map(|c| c.finish()).collect()
}

/// A column under construction: its values, its validity and whether nulls are allowed.
#[derive(Debug)]
pub(crate) struct Column {
    pub data: ColData,
    pub nullable: bool,
    valid: Vec<bool>,
    null_count: usize,
    arrow_type: ArrowType,
}

impl Column {
    /// A builder for values of `ty`.
    pub fn new(ty: &DataType) -> Result<Column, FormatError> {
        let data = match &ty.kind {
            TypeKind::Null => ColData::Null,
            TypeKind::Boolean => ColData::Bool(Vec::new()),
            TypeKind::TinyInt => ColData::I8(Vec::new()),
            TypeKind::SmallInt => ColData::I16(Vec::new()),
            TypeKind::Int => ColData::I32(Vec::new()),
            TypeKind::BigInt => ColData::I64(Vec::new()),
            TypeKind::Float => ColData::F32(Vec::new()),
            TypeKind::Double => ColData::F64(Vec::new()),
            TypeKind::Decimal { precision, scale } => {
                if *precision > 38 || *precision == 0 {
                    return Err(FormatError::UnsupportedType { ty: ty.to_string() });
                }
                ColData::Decimal { values: Vec::new(), precision: *precision, scale: *scale }
            }
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => {
                ColData::Utf8 { offsets: vec![0], data: Vec::new() }
            }
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => {
                ColData::Binary { offsets: vec![0], data: Vec::new() }
            }
            TypeKind::Date => ColData::Date(Vec::new()),
            TypeKind::Time { .. } => ColData::Time(Vec::new()),
            TypeKind::Timestamp { .. } => ColData::Timestamp(Vec::new()),
            TypeKind::TimestampLtz { .. } => ColData::TimestampLtz(Vec::new()),
            TypeKind::IntervalDayTime => ColData::Duration(Vec::new()),
            TypeKind::IntervalYearMonth => ColData::YearMonth(Vec::new()),
            TypeKind::Array(elem) => {
                let field = Arc::new(elem.to_field("element"));
                ColData::List { offsets: vec![0], child: Box::new(Column::new(elem)?), field }
            }
            TypeKind::Row(row_fields) => {
                let mut children = Vec::with_capacity(row_fields.len());
                for f in row_fields {
                    children.push(Column::new(&f.data_type)?);
                }
                ColData::Struct {
                    names: row_fields.iter().map(|f| f.name.clone()).collect(),
                    seen: vec![0; children.len()],
                    children,
                    fields: sluice_types::row_fields_to_arrow(row_fields),
                    generation: 0,
                }
            }
            TypeKind::Map(k, v) => {
                let ArrowType::Map(entries, _) = ty.to_arrow() else {
                    return Err(FormatError::UnsupportedType { ty: ty.to_string() });
                };
                ColData::Map {
                    offsets: vec![0],
                    keys: Box::new(Column::new(&k.clone().with_nullable(false))?),
                    values: Box::new(Column::new(v)?),
                    entries,
                }
            }
            TypeKind::Multiset(_) | TypeKind::Bitmap | TypeKind::Variant | TypeKind::Structured { .. } => {
                return Err(FormatError::UnsupportedType { ty: ty.to_string() })
            }
        };
        Ok(Column {
            data,
            nullable: ty.nullable,
            valid: Vec::new(),
            null_count: 0,
            arrow_type: ty.to_arrow(),
        })
    }

    /// Rows appended so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.valid.len()
    }

    /// Marks one appended value as valid; call after pushing the value itself.
    #[inline]
    pub fn mark_valid(&mut self) {
        self.valid.push(true);
    }

    /// Appends a NULL (a placeholder value with validity false).
    pub fn push_null(&mut self) {
        match &mut self.data {
            ColData::Null => {}
            ColData::Bool(v) => v.push(false),
            ColData::I8(v) => v.push(0),
            ColData::I16(v) => v.push(0),
            ColData::I32(v) | ColData::Date(v) | ColData::Time(v) | ColData::YearMonth(v) => {
                v.push(0)
            }
            ColData::I64(v)
            | ColData::Timestamp(v)
            | ColData::TimestampLtz(v)
            | ColData::Duration(v) => v.push(0),
            ColData::F32(v) => v.push(0.0),
            ColData::F64(v) => v.push(0.0),
            ColData::Decimal { values, .. } => values.push(0),
            ColData::Utf8 { offsets, .. } | ColData::Binary { offsets, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
            }
            ColData::List { offsets, .. } | ColData::Map { offsets, .. } => {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last);
            }
            ColData::Struct { children, .. } => {
                for c in children {
                    c.push_null();
                }
            }
        }
        self.valid.push(false);
        self.null_count += 1;
    }

    /// Forgets every row from `len` on, including values of a row that was only partly
    /// appended (children or bytes pushed before the row itself was marked).
    pub fn truncate(&mut self, len: usize) {
        if len < self.valid.len() {
            let dropped_nulls = self.valid[len..].iter().filter(|v| !**v).count();
            self.null_count -= dropped_nulls;
            self.valid.truncate(len);
        }
        match &mut self.data {
            ColData::Null => {}
            ColData::Bool(v) => v.truncate(len),
            ColData::I8(v) => v.truncate(len),
            ColData::I16(v) => v.truncate(len),
            ColData::I32(v) | ColData::Date(v) | ColData::Time(v) | ColData::YearMonth(v) => {
                v.truncate(len)
            }
            ColData::I64(v)
            | ColData::Timestamp(v)
            | ColData::TimestampLtz(v)
            | ColData::Duration(v) => v.truncate(len),
            ColData::F32(v) => v.truncate(len),
            ColData::F64(v) => v.truncate(len),
            ColData::Decimal { values, .. } => values.truncate(len),
            ColData::Utf8 { offsets, data } | ColData::Binary { offsets, data } => {
                offsets.truncate(len + 1);
                data.truncate(offsets[len] as usize);
            }
            ColData::List { offsets, child, .. } => {
                offsets.truncate(len + 1);
                child.truncate(offsets[len] as usize);
            }
            ColData::Map { offsets, keys, values, .. } => {
                offsets.truncate(len + 1);
                keys.truncate(offsets[len] as usize);
                values.truncate(offsets[len] as usize);
            }
            ColData::Struct { children, .. } => {
                for c in children {
                    c.truncate(len);
                }
            }
        }
    }

    /// Takes the built values as an Arrow array; the builder is empty afterwards.
    pub fn finish(&mut self) -> Result<ArrayRef, FormatError> {
        let len = self.valid.len();
        let nulls = if self.null_count == 0 {
            None
        } else {
            Some(NullBuffer::from(std::mem::take(&mut self.valid)))
        };
        self.valid.clear();
        self.null_count = 0;
        let internal = |e: arrow_schema::ArrowError| FormatError::Internal(e.to_string());
        let array: ArrayRef = match &mut self.data {
            ColData::Null => Arc::new(NullArray::new(len)),
            ColData::Bool(v) => {
                let values = BooleanBuffer::from(std::mem::take(v));
                Arc::new(BooleanArray::new(values, nulls))
            }
            ColData::I8(v) => prim::<Int8Type>(v, nulls),
            ColData::I16(v) => prim::<Int16Type>(v, nulls),
            ColData::I32(v) => prim::<Int32Type>(v, nulls),
            ColData::I64(v) => prim::<Int64Type>(v, nulls),
            ColData::F32(v) => prim::<Float32Type>(v, nulls),
            ColData::F64(v) => prim::<Float64Type>(v, nulls),
            ColData::Decimal { values, precision, scale } => Arc::new(
                PrimitiveArray::<Decimal128Type>::new(
                    ScalarBuffer::from(std::mem::take(values)),
                    nulls,
                )
                .with_precision_and_scale(*precision, *scale)
                .map_err(internal)?,
            ),
            ColData::Date(v) => prim::<Date32Type>(v, nulls),
            ColData::Time(v) => prim::<Time32MillisecondType>(v, nulls),
            ColData::Timestamp(v) => prim::<TimestampMicrosecondType>(v, nulls),
            ColData::TimestampLtz(v) => Arc::new(
                PrimitiveArray::<TimestampMicrosecondType>::new(
                    ScalarBuffer::from(std::mem::take(v)),
                    nulls,
                )
                .with_timezone("UTC"),
            ),
            ColData::Duration(v) => prim::<DurationMillisecondType>(v, nulls),
            ColData::YearMonth(v) => prim::<IntervalYearMonthType>(v, nulls),
            ColData::Utf8 { offsets, data } => {
                let (offsets, data) = take_bytes(offsets, data);
                Arc::new(StringArray::try_new(offsets, data, nulls).map_err(internal)?)
            }
            ColData::Binary { offsets, data } => {
                let (offsets, data) = take_bytes(offsets, data);
                Arc::new(BinaryArray::try_new(offsets, data, nulls).map_err(internal)?)
            }
            ColData::List { offsets, child, field } => {
                let offsets = take_offsets(offsets);
                let values = child.finish()?;
                Arc::new(ListArray::try_new(field.clone(), offsets, values, nulls).map_err(internal)?)
            }
            ColData::Struct { children, fields, .. } => {
                let mut arrays = Vec::with_capacity(children.len());
                for c in children.iter_mut() {
                    arrays.push(c.finish()?);
                }
                Arc::new(
                    StructArray::try_new_with_length(fields.clone(), arrays, nulls, len)
                        .map_err(internal)?,
                )
            }
            ColData::Map { offsets, keys, values, entries } => {
                let offsets = take_offsets(offsets);
                let ArrowType::Struct(entry_fields) = entries.data_type() else {
                    return Err(FormatError::Internal("map entries are not a struct".into()));
                };
                let entry_len = keys.len();
                let entry_struct = StructArray::try_new_with_length(
                    entry_fields.clone(),
                    vec![keys.finish()?, values.finish()?],
                    None,
                    entry_len,
                )
                .map_err(internal)?;
                Arc::new(
                    MapArray::try_new(entries.clone(), offsets, entry_struct, nulls, false)
                        .map_err(internal)?,
                )
            }
        };
        debug_assert_eq!(array.data_type(), &self.arrow_type);
        Ok(array)
    }
}

fn prim<T: ArrowPrimitiveType>(v: &mut Vec<T::Native>, nulls: Option<NullBuffer>) -> ArrayRef {
    Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(std::mem::take(v)), nulls))
}

fn take_offsets(offsets: &mut Vec<i32>) -> OffsetBuffer<i32> {
    let taken = std::mem::replace(offsets, vec![0]);
    // Offsets start at 0 and only grow, so they are valid by construction.
    OffsetBuffer::new(ScalarBuffer::from(taken))
}

fn take_bytes(offsets: &mut Vec<i32>, data: &mut Vec<u8>) -> (OffsetBuffer<i32>, Buffer) {
    let offsets = take_offsets(offsets);
    let data = Buffer::from_vec(std::mem::take(data));
    (offsets, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use sluice_types::RowField;

    #[test]
    fn truncate_rolls_back_nested_rows() {
        let ty = DataType::new(TypeKind::Array(Box::new(DataType::new(TypeKind::Row(vec![
            RowField { name: "a".into(), data_type: DataType::string() },
        ])))));
        let mut col = Column::new(&ty).unwrap();
        col.push_null();
        if let ColData::List { offsets, child, .. } = &mut col.data {
            if let ColData::Struct { children, .. } = &mut child.data {
                if let ColData::Utf8 { offsets: o, data } = &mut children[0].data {
                    data.extend_from_slice(b"xy");
                    o.push(2);
                }
                children[0].mark_valid();
            }
            child.mark_valid();
            offsets.push(1);
        }
        col.mark_valid();
        assert_eq!(col.len(), 2);
        col.truncate(1);
        let arr = col.finish().unwrap();
        assert_eq!(arr.len(), 1);
        assert_eq!(arr.null_count(), 1);
    }
}
