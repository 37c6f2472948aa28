//! `CsvEncoder`: Arrow rows as CSV lines.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, IntervalYearMonthType, Time32MillisecondType,
    TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use sluice_types::temporal::{Fraction, MICROS_PER_MILLI};
use sluice_types::{DataType, TypeKind};

use crate::decimal::{write_decimal_java, write_decimal_plain};
use crate::java_number::{write_java_double, write_java_float};
use crate::{base64, temporal_text, CsvOptions, FormatError};

/// Writes rows as CSV lines: fields by position, quoted only when they contain the
/// delimiter, the quote character or a line break; NULL as the null literal (or nothing);
/// arrays as elements joined by `csv.array-element-delimiter`.
pub struct CsvEncoder {
    types: Vec<DataType>,
    opts: CsvOptions,
    field: Vec<u8>,
}

impl CsvEncoder {
    pub fn new(columns: &[(String, DataType)], options: &CsvOptions) -> Result<Self, FormatError> {
        for (_, t) in columns {
            if matches!(t.kind, TypeKind::Row(_) | TypeKind::Map(..) | TypeKind::Multiset(_) | TypeKind::Variant | TypeKind::Structured { .. }) {
                return Err(FormatError::UnsupportedType { ty: t.to_string() });
            }
        }
        Ok(CsvEncoder {
            types: columns.iter().map(|(_, t)| t.clone()).collect(),
            opts: options.clone(),
            field: Vec::new(),
        })
    }

    /// Appends every row of `batch` to `out`, each followed by a newline.
    pub fn encode(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), FormatError> {
        for row in 0..batch.num_rows() {
            for (c, array) in batch.columns().iter().enumerate() {
                if c > 0 {
                    out.push(self.opts.field_delimiter);
                }
                if array.is_null(row) {
                    if let Some(lit) = &self.opts.null_literal {
                        out.extend_from_slice(lit.as_bytes());
                    }
                    continue;
                }
                let mut field = std::mem::take(&mut self.field);
                field.clear();
                self.write_value(&mut field, array.as_ref(), &self.types[c], row)?;
                self.write_quoted(out, &field);
                self.field = field;
            }
            out.push(b'\n');
        }
        Ok(())
    }

    fn write_quoted(&self, out: &mut Vec<u8>, field: &[u8]) {
        let Some(q) = self.opts.quote_character else {
            out.extend_from_slice(field);
            return;
        };
        let needs = field
            .iter()
            .any(|&b| b == self.opts.field_delimiter || b == q || b == b'\n' || b == b'\r');
        if !needs {
            out.extend_from_slice(field);
            return;
        }
        out.push(q);
        for &b in field {
            if b == q {
                out.push(q);
            }
            out.push(b);
        }
        out.push(q);
    }

    fn write_value(&self, out: &mut Vec<u8>, array: &dyn Array, ty: &DataType, i: usize) -> Result<(), FormatError> {
        if array.is_null(i) {
            if let Some(lit) = &self.opts.null_literal {
                out.extend_from_slice(lit.as_bytes());
            }
            return Ok(());
        }
        let mut ib = itoa::Buffer::new();
        match &ty.kind {
            TypeKind::Null => {}
            TypeKind::Boolean => out.extend_from_slice(if array.as_boolean().value(i) { b"true" } else { b"false" }),
            TypeKind::TinyInt => out.extend_from_slice(ib.format(array.as_primitive::<Int8Type>().value(i)).as_bytes()),
            TypeKind::SmallInt => out.extend_from_slice(ib.format(array.as_primitive::<Int16Type>().value(i)).as_bytes()),
            TypeKind::Int => out.extend_from_slice(ib.format(array.as_primitive::<Int32Type>().value(i)).as_bytes()),
            TypeKind::BigInt => out.extend_from_slice(ib.format(array.as_primitive::<Int64Type>().value(i)).as_bytes()),
            TypeKind::IntervalYearMonth => out.extend_from_slice(ib.format(array.as_primitive::<IntervalYearMonthType>().value(i)).as_bytes()),
            TypeKind::IntervalDayTime => out.extend_from_slice(ib.format(array.as_primitive::<DurationMillisecondType>().value(i)).as_bytes()),
            TypeKind::Float => write_java_float(out, array.as_primitive::<Float32Type>().value(i)),
            TypeKind::Double => write_java_double(out, array.as_primitive::<Float64Type>().value(i)),
            TypeKind::Decimal { scale, .. } => {
                let v = array.as_primitive::<Decimal128Type>().value(i);
                if self.opts.write_bigdecimal_in_scientific_notation {
                    write_decimal_java(out, v, *scale)
                } else {
                    write_decimal_plain(out, v, *scale)
                }
            }
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => out.extend_from_slice(array.as_string::<i32>().value(i).as_bytes()),
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Bitmap => base64::encode(out, array.as_binary::<i32>().value(i)),
            TypeKind::Date => temporal_text::write_date(out, array.as_primitive::<Date32Type>().value(i)),
            TypeKind::Time { .. } => {
                let ms = array.as_primitive::<Time32MillisecondType>().value(i) as i64;
                temporal_text::write_time_of_day(out, ms * MICROS_PER_MILLI, Fraction::Trimmed(9))
            }
            TypeKind::Timestamp { .. } => temporal_text::write_timestamp(
                out,
                array.as_primitive::<TimestampMicrosecondType>().value(i),
                Fraction::Trimmed(9),
                b' ',
            ),
            TypeKind::TimestampLtz { .. } => {
                temporal_text::write_timestamp(
                    out,
                    array.as_primitive::<TimestampMicrosecondType>().value(i),
                    Fraction::Trimmed(9),
                    b' ',
                );
                out.push(b'Z');
            }
            TypeKind::Array(elem) => {
                let values = array.as_list::<i32>().value(i);
                for k in 0..values.len() {
                    if k > 0 {
                        out.extend_from_slice(self.opts.array_element_delimiter.as_bytes());
                    }
                    self.write_value(out, values.as_ref(), elem, k)?;
                }
            }
            TypeKind::Row(_) | TypeKind::Map(..) | TypeKind::Multiset(_) | TypeKind::Variant | TypeKind::Structured { .. } => {
                return Err(FormatError::UnsupportedType { ty: ty.to_string() })
            }
        }
        Ok(())
    }
}
