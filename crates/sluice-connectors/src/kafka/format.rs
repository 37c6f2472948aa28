//! The key and value formats of a Kafka message: `json`, `csv` (through sluice-formats)
//! and `raw` (the bytes as one column). Decoders turn message payloads straight into
//! Arrow columns; encoders write one row into a reused buffer.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, BinaryBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use sluice_connector_api::ConnectorError;
use sluice_formats::{CsvDecoder, CsvEncoder, CsvOptions, JsonDecoder, JsonEncoder, JsonOptions};
use sluice_types::DataType;

use crate::options::invalid;

/// A format with its options, e.g. `'value.format' = 'json'` with `value.json.*`.
#[derive(Clone, Debug)]
pub enum FormatSpec {
    Json(JsonOptions),
    Csv(CsvOptions),
    /// The message bytes as one `STRING` (UTF-8) or `BYTES` column.
    Raw,
}

impl FormatSpec {
    /// Reads format `name` with its options under `prefix` (``, `value.` or `key.`).
    /// `option` names the key that chose the format, for messages.
    pub fn parse(
        name: &str,
        options: &BTreeMap<String, String>,
        prefix: &str,
        option: &str,
    ) -> Result<FormatSpec, ConnectorError> {
        Ok(match name {
            "json" => FormatSpec::Json(JsonOptions::from_options(options, &format!("{prefix}json."))?),
            "csv" => FormatSpec::Csv(CsvOptions::from_options(options, &format!("{prefix}csv."))?),
            "raw" => {
                let charset_key = format!("{prefix}raw.charset");
                if let Some(c) = options.get(&charset_key) {
                    let c_norm = c.trim().to_ascii_uppercase().replace('_', "-");
                    if c_norm != "UTF-8" && c_norm != "UTF8" {
                        return Err(invalid(&charset_key, c, "Sluice's raw format reads and writes UTF-8 only"));
                    }
                }
                let endian_key = format!("{prefix}raw.endianness");
                if let Some(e) = options.get(&endian_key) {
                    if e != "big-endian" && e != "little-endian" {
                        return Err(invalid(&endian_key, e, "use \"big-endian\" or \"little-endian\""));
                    }
                }
                FormatSpec::Raw
            }
            other => {
                return Err(invalid(option, other, "the Kafka connectors read and write \"json\", \"csv\" and \"raw\""))
            }
        })
    }

    /// Whether `*.ignore-parse-errors` is on.
    pub fn ignore_parse_errors(&self) -> bool {
        match self {
            FormatSpec::Json(o) => o.ignore_parse_errors,
            FormatSpec::Csv(o) => o.ignore_parse_errors,
            FormatSpec::Raw => false,
        }
    }

    pub fn is_raw(&self) -> bool {
        matches!(self, FormatSpec::Raw)
    }

    /// Checks that the format can read and write `fields`.
    pub fn check_fields(&self, fields: &[(String, DataType)], option: &str) -> Result<(), ConnectorError> {
        match self {
            FormatSpec::Json(o) => {
                JsonDecoder::new(fields, o)?;
                JsonEncoder::new(fields, o)?;
            }
            FormatSpec::Csv(o) => {
                CsvDecoder::new(fields, o)?;
                CsvEncoder::new(fields, o)?;
            }
            FormatSpec::Raw => {
                raw_is_string(fields, option)?;
            }
        }
        Ok(())
    }
}

/// For `raw`: exactly one column, a string or binary one. Returns whether it is a string.
fn raw_is_string(fields: &[(String, DataType)], option: &str) -> Result<bool, ConnectorError> {
    match fields {
        [(_, ty)] if ty.is_string() => Ok(true),
        [(_, ty)] if ty.is_binary() => Ok(false),
        [(name, ty)] => Err(ConnectorError::Schema(format!(
            "the raw format of \"{option}\" reads column \"{name}\" of type {ty}, but Sluice's raw format \
             supports only STRING/VARCHAR and BYTES/VARBINARY columns"
        ))),
        _ => Err(ConnectorError::Schema(format!(
            "the raw format of \"{option}\" needs exactly one column, but it is given {}: {}",
            fields.len(),
            fields.iter().map(|(n, _)| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Decodes one format's records into the wanted columns.
pub enum RowDecoder {
    Json(JsonDecoder),
    /// CSV fields are positional: every field is decoded, `pick` selects the wanted ones.
    Csv { decoder: CsvDecoder, pick: Vec<usize> },
    Raw { builder: RawBuilder, wanted: bool },
}

pub enum RawBuilder {
    String(StringBuilder),
    Binary(BinaryBuilder),
}

impl RowDecoder {
    /// A decoder of `spec` over the format's `fields`, producing `wanted` (indices into
    /// `fields`) in that order.
    pub fn new(spec: &FormatSpec, fields: &[(String, DataType)], wanted: &[usize], option: &str) -> Result<RowDecoder, ConnectorError> {
        Ok(match spec {
            FormatSpec::Json(o) => {
                let columns: Vec<(String, DataType)> = wanted.iter().map(|&i| fields[i].clone()).collect();
                RowDecoder::Json(JsonDecoder::new(&columns, o)?)
            }
            FormatSpec::Csv(o) => RowDecoder::Csv { decoder: CsvDecoder::new(fields, o)?, pick: wanted.to_vec() },
            FormatSpec::Raw => {
                let builder = if raw_is_string(fields, option)? {
                    RawBuilder::String(StringBuilder::new())
                } else {
                    RawBuilder::Binary(BinaryBuilder::new())
                };
                RowDecoder::Raw { builder, wanted: !wanted.is_empty() }
            }
        })
    }

    /// Decodes one record. On `Err` nothing was added.
    pub fn decode(&mut self, record: &[u8]) -> Result<(), String> {
        match self {
            RowDecoder::Json(d) => d.decode(record),
            RowDecoder::Csv { decoder, .. } => {
                let record = record.strip_suffix(b"\n").unwrap_or(record);
                let record = record.strip_suffix(b"\r").unwrap_or(record);
                decoder.decode(record)
            }
            RowDecoder::Raw { builder: RawBuilder::String(b), .. } => {
                let s = std::str::from_utf8(record).map_err(|e| format!("the message is not valid UTF-8: {e}"))?;
                b.append_value(s);
                Ok(())
            }
            RowDecoder::Raw { builder: RawBuilder::Binary(b), .. } => {
                b.append_value(record);
                Ok(())
            }
        }
    }

    /// Adds a row for a null message (only `raw` has one: a NULL column).
    pub fn decode_null(&mut self) -> bool {
        match self {
            RowDecoder::Raw { builder: RawBuilder::String(b), .. } => b.append_null(),
            RowDecoder::Raw { builder: RawBuilder::Binary(b), .. } => b.append_null(),
            _ => return false,
        }
        true
    }

    pub fn num_rows(&self) -> usize {
        match self {
            RowDecoder::Json(d) => d.num_rows(),
            RowDecoder::Csv { decoder, .. } => decoder.num_rows(),
            RowDecoder::Raw { builder: RawBuilder::String(b), .. } => b.len(),
            RowDecoder::Raw { builder: RawBuilder::Binary(b), .. } => b.len(),
        }
    }

    /// Takes the decoded rows as the wanted columns.
    pub fn flush(&mut self) -> Result<Vec<ArrayRef>, ConnectorError> {
        Ok(match self {
            RowDecoder::Json(d) => d.flush()?,
            RowDecoder::Csv { decoder, pick } => {
                let all = decoder.flush()?;
                pick.iter().map(|&i| all[i].clone()).collect()
            }
            RowDecoder::Raw { builder, wanted } => {
                let array: ArrayRef = match builder {
                    RawBuilder::String(b) => Arc::new(b.finish()),
                    RawBuilder::Binary(b) => Arc::new(b.finish()),
                };
                if *wanted {
                    vec![array]
                } else {
                    Vec::new()
                }
            }
        })
    }
}

/// Encodes one row of a batch holding exactly the format's columns.
pub enum RowEncoder {
    Json(JsonEncoder),
    Csv(CsvEncoder),
    Raw,
}

impl RowEncoder {
    pub fn new(spec: &FormatSpec, fields: &[(String, DataType)], option: &str) -> Result<RowEncoder, ConnectorError> {
        Ok(match spec {
            FormatSpec::Json(o) => RowEncoder::Json(JsonEncoder::new(fields, o)?),
            FormatSpec::Csv(o) => RowEncoder::Csv(CsvEncoder::new(fields, o)?),
            FormatSpec::Raw => {
                raw_is_string(fields, option)?;
                RowEncoder::Raw
            }
        })
    }

    /// Writes row `row` of `batch` into `out` (cleared first). Returns `false` when the
    /// message is null (a NULL `raw` column).
    pub fn encode_row(&mut self, batch: &RecordBatch, row: usize, out: &mut Vec<u8>) -> Result<bool, ConnectorError> {
        out.clear();
        match self {
            RowEncoder::Json(e) => e.encode_row(batch, row, out)?,
            RowEncoder::Csv(e) => {
                e.encode(&batch.slice(row, 1), out)?;
                if out.last() == Some(&b'\n') {
                    out.pop();
                }
            }
            RowEncoder::Raw => {
                let column = batch.column(0);
                if column.is_null(row) {
                    return Ok(false);
                }
                match column.data_type() {
                    arrow_schema::DataType::Utf8 => out.extend_from_slice(column.as_string::<i32>().value(row).as_bytes()),
                    arrow_schema::DataType::Binary => out.extend_from_slice(column.as_binary::<i32>().value(row)),
                    other => {
                        return Err(ConnectorError::Schema(format!(
                            "the raw format cannot write a column of Arrow type {other}"
                        )))
                    }
                }
            }
        }
        Ok(true)
    }
}
