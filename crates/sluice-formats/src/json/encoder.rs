//! `JsonEncoder`: Arrow rows as JSON lines, spelled as Flink's JSON format writes them.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, IntervalYearMonthType, Time32MillisecondType,
    TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use sluice_types::temporal::{Fraction, MICROS_PER_MILLI};
use sluice_types::{DataType, TypeKind};

use crate::decimal::{strip_trailing_zeros, write_decimal_java, write_decimal_plain};
use crate::java_number::{write_java_double, write_java_float};
use crate::options::{MapNullKeyMode, TimestampStandard};
use crate::{base64, temporal_text, FormatError, JsonOptions};

/// Writes rows as JSON objects, one per line, keys in column order.
///
/// Values are written as Flink's JSON format writes them: `TIMESTAMP` as
/// `"2021-10-11 12:53:34.84"` (fraction without trailing zeros), `TIMESTAMP_LTZ` with a
/// trailing `Z`, doubles as Java prints them (`1.0E10`), `DECIMAL` as a number, `BYTES` as
/// base64, nested rows and maps as objects, NULL as `null` (or left out with
/// `json.encode.ignore-null-fields`).
pub struct JsonEncoder {
    types: Vec<DataType>,
    /// `"name":` for each column, escaped.
    keys: Vec<Vec<u8>>,
    opts: JsonOptions,
}

impl JsonEncoder {
    pub fn new(columns: &[(String, DataType)], options: &JsonOptions) -> Result<Self, FormatError> {
        for (_, t) in columns {
            check_type(t)?;
        }
        Ok(JsonEncoder {
            types: columns.iter().map(|(_, t)| t.clone()).collect(),
            keys: columns.iter().map(|(n, _)| key_bytes(n)).collect(),
            opts: options.clone(),
        })
    }

    /// Appends every row of `batch` to `out`, each as one JSON object and a newline.
    pub fn encode(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), FormatError> {
        if batch.num_columns() != self.types.len() {
            return Err(FormatError::Internal(format!(
                "batch has {} columns, the encoder expects {}",
                batch.num_columns(),
                self.types.len()
            )));
        }
        for row in 0..batch.num_rows() {
            self.encode_row(batch, row, out)?;
            out.push(b'\n');
        }
        Ok(())
    }

    /// Appends one row as a JSON object (no newline).
    pub fn encode_row(
        &self,
        batch: &RecordBatch,
        row: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), FormatError> {
        out.push(b'{');
        let mut first = true;
        for (c, array) in batch.columns().iter().enumerate() {
            if self.opts.encode_ignore_null_fields && array.is_null(row) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(&self.keys[c]);
            self.write_value(out, array.as_ref(), &self.types[c], row)?;
        }
        out.push(b'}');
        Ok(())
    }

    fn write_value(
        &self,
        out: &mut Vec<u8>,
        array: &dyn Array,
        ty: &DataType,
        i: usize,
    ) -> Result<(), FormatError> {
        if array.is_null(i) {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        let mut ib = itoa::Buffer::new();
        match &ty.kind {
            TypeKind::Null => out.extend_from_slice(b"null"),
            // Refused when the encoder is made (`check_type`), as Flink's JSON format does.
            TypeKind::Variant | TypeKind::Structured { .. } => return Err(FormatError::UnsupportedType { ty: ty.to_string() }),
            TypeKind::Boolean => out.extend_from_slice(if array.as_boolean().value(i) {
                b"true"
            } else {
                b"false"
            }),
            TypeKind::TinyInt => out.extend_from_slice(ib.format(array.as_primitive::<Int8Type>().value(i)).as_bytes()),
            TypeKind::SmallInt => out.extend_from_slice(ib.format(array.as_primitive::<Int16Type>().value(i)).as_bytes()),
            TypeKind::Int => out.extend_from_slice(ib.format(array.as_primitive::<Int32Type>().value(i)).as_bytes()),
            TypeKind::BigInt => out.extend_from_slice(ib.format(array.as_primitive::<Int64Type>().value(i)).as_bytes()),
            TypeKind::IntervalYearMonth => out.extend_from_slice(
                ib.format(array.as_primitive::<IntervalYearMonthType>().value(i)).as_bytes(),
            ),
            TypeKind::IntervalDayTime => out.extend_from_slice(
                ib.format(array.as_primitive::<DurationMillisecondType>().value(i)).as_bytes(),
            ),
            TypeKind::Float => {
                let v = array.as_primitive::<Float32Type>().value(i);
                quote_non_finite(out, v.is_finite(), |o| write_java_float(o, v));
            }
            TypeKind::Double => {
                let v = array.as_primitive::<Float64Type>().value(i);
                quote_non_finite(out, v.is_finite(), |o| write_java_double(o, v));
            }
            TypeKind::Decimal { scale, .. } => {
                let v = array.as_primitive::<Decimal128Type>().value(i);
                if self.opts.encode_decimal_as_plain_number {
                    write_decimal_plain(out, v, *scale);
                } else {
                    // Flink's JSON writer goes through Jackson's node factory, which strips
                    // trailing zeros: DECIMAL(10, 2) 12.30 is written 12.3, and 100.00 as 1E+2.
                    let (v, s) = strip_trailing_zeros(v, *scale);
                    write_decimal_java(out, v, s);
                }
            }
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => {
                write_json_string(out, array.as_string::<i32>().value(i).as_bytes())
            }
            // A bitmap as its serialised bytes, as BITMAP_TO_BYTES gives them.
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } | TypeKind::Bitmap => {
                out.push(b'"');
                base64::encode(out, array.as_binary::<i32>().value(i));
                out.push(b'"');
            }
            TypeKind::Date => {
                out.push(b'"');
                temporal_text::write_date(out, array.as_primitive::<Date32Type>().value(i));
                out.push(b'"');
            }
            TypeKind::Time { .. } => {
                let ms = array.as_primitive::<Time32MillisecondType>().value(i) as i64;
                out.push(b'"');
                temporal_text::write_time_of_day(out, ms * MICROS_PER_MILLI, Fraction::Trimmed(9));
                out.push(b'"');
            }
            TypeKind::Timestamp { .. } | TypeKind::TimestampLtz { .. } => {
                let micros = array.as_primitive::<TimestampMicrosecondType>().value(i);
                let sep = match self.opts.timestamp_standard {
                    TimestampStandard::Sql => b' ',
                    TimestampStandard::Iso8601 => b'T',
                };
                out.push(b'"');
                temporal_text::write_timestamp(out, micros, Fraction::Trimmed(9), sep);
                if matches!(ty.kind, TypeKind::TimestampLtz { .. }) {
                    out.push(b'Z');
                }
                out.push(b'"');
            }
            TypeKind::Array(elem) => {
                let list = array.as_list::<i32>();
                let values = list.value(i);
                out.push(b'[');
                for k in 0..values.len() {
                    if k > 0 {
                        out.push(b',');
                    }
                    self.write_value(out, values.as_ref(), elem, k)?;
                }
                out.push(b']');
            }
            TypeKind::Row(fields) => {
                let s = array.as_struct();
                out.push(b'{');
                let mut first = true;
                for (f, child) in fields.iter().zip(s.columns()) {
                    if self.opts.encode_ignore_null_fields && child.is_null(i) {
                        continue;
                    }
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    write_json_string(out, f.name.as_bytes());
                    out.push(b':');
                    self.write_value(out, child.as_ref(), &f.data_type, i)?;
                }
                out.push(b'}');
            }
            TypeKind::Map(_, value_ty) => self.write_map(out, array, value_ty, i)?,
            TypeKind::Multiset(_) => {
                self.write_map(out, array, &DataType::not_null(TypeKind::Int), i)?
            }
        }
        Ok(())
    }

    /// A map with STRING keys as a JSON object.
    fn write_map(
        &self,
        out: &mut Vec<u8>,
        array: &dyn Array,
        value_ty: &DataType,
        i: usize,
    ) -> Result<(), FormatError> {
        let entries = array.as_map().value(i);
        let keys = entries.column(0).as_string::<i32>();
        let values = entries.column(1);
        out.push(b'{');
        let mut first = true;
        for k in 0..entries.len() {
            let key: &[u8] = if keys.is_null(k) {
                match self.opts.map_null_key_mode {
                    MapNullKeyMode::Fail => {
                        return Err(FormatError::InvalidOption {
                            key: "json.map-null-key.mode".into(),
                            value: "FAIL".into(),
                            reason: "a map has a NULL key; set the mode to \"DROP\" or \
                                     \"LITERAL\" to write such maps"
                                .into(),
                        })
                    }
                    MapNullKeyMode::Drop => continue,
                    MapNullKeyMode::Literal => self.opts.map_null_key_literal.as_bytes(),
                }
            } else {
                keys.value(k).as_bytes()
            };
            if !first {
                out.push(b',');
            }
            first = false;
            write_json_string(out, key);
            out.push(b':');
            self.write_value(out, values.as_ref(), value_ty, k)?;
        }
        out.push(b'}');
        Ok(())
    }
}

fn quote_non_finite(out: &mut Vec<u8>, finite: bool, write: impl FnOnce(&mut Vec<u8>)) {
    if finite {
        write(out);
    } else {
        out.push(b'"');
        write(out);
        out.push(b'"');
    }
}

fn check_type(t: &DataType) -> Result<(), FormatError> {
    match &t.kind {
        TypeKind::Array(e) => check_type(e),
        TypeKind::Multiset(e) if !e.is_string() => {
            Err(FormatError::UnsupportedType { ty: t.to_string() })
        }
        TypeKind::Map(k, v) => {
            if !k.is_string() {
                return Err(FormatError::UnsupportedType { ty: t.to_string() });
            }
            check_type(v)
        }
        TypeKind::Row(fields) => fields.iter().try_for_each(|f| check_type(&f.data_type)),
        // Flink 2.3's JSON format has no converter for these ("Not support to parse type").
        TypeKind::Variant | TypeKind::Structured { .. } => Err(FormatError::UnsupportedType { ty: t.to_string() }),
        _ => Ok(()),
    }
}

fn key_bytes(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(name.len() + 3);
    write_json_string(&mut k, name.as_bytes());
    k.push(b':');
    k
}

/// Which bytes need an escape in a JSON string: control characters, `"` and `\`.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Appends `s` as a quoted JSON string, escaping as Jackson does: `"`, `\` and control
/// characters; everything else (including non-ASCII) is written as is.
pub fn write_json_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        if !NEEDS_ESCAPE[b as usize] {
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}
