use arrow_array::{new_null_array, ArrayRef};
use arrow_row::{OwnedRow, Row, RowConverter, Rows, SortField};
use arrow_schema::DataType as ArrowType;

use super::AggregateError;

/// Turns values of any Arrow type (nested ones included) into comparable, hashable byte
/// rows and back, so that aggregates that keep values (`FIRST_VALUE`, `COLLECT`,
/// `DISTINCT`) need no per-type code. Built on `arrow-row`.
pub struct ValueCodec {
    converter: RowConverter,
    null_row: OwnedRow,
}

impl ValueCodec {
    pub fn new(function: &str, types: &[ArrowType]) -> Result<Self, AggregateError> {
        let unsupported = |t: &ArrowType| AggregateError::UnsupportedType {
            function: function.to_string(),
            data_type: t.to_string(),
        };
        let fields: Vec<SortField> = types.iter().map(|t| SortField::new(t.clone())).collect();
        let converter = RowConverter::new(fields).map_err(|_| unsupported(&types[0]))?;
        let nulls: Vec<ArrayRef> = types.iter().map(|t| new_null_array(t, 1)).collect();
        let rows = converter.convert_columns(&nulls).map_err(|_| unsupported(&types[0]))?;
        Ok(ValueCodec { null_row: rows.row(0).owned(), converter })
    }

    pub fn encode(&self, columns: &[ArrayRef]) -> Result<Rows, AggregateError> {
        self.converter
            .convert_columns(columns)
            .map_err(|e| AggregateError::internal("aggregate", e.to_string()))
    }

    /// One column per encoded field; `None` rows decode as NULL.
    pub fn decode<'a>(&'a self, rows: impl IntoIterator<Item = Option<Row<'a>>>) -> Result<Vec<ArrayRef>, AggregateError> {
        let null = self.null_row.row();
        self.converter
            .convert_rows(rows.into_iter().map(|r| r.unwrap_or(null)))
            .map_err(|e| AggregateError::internal("aggregate", e.to_string()))
    }

    /// Like `decode`, from the bytes of rows this codec encoded (`Row::data`).
    pub fn decode_bytes<'a>(&self, rows: impl IntoIterator<Item = Option<&'a [u8]>>) -> Result<Vec<ArrayRef>, AggregateError> {
        let parser = self.converter.parser();
        let null = self.null_row.row();
        let parsed: Vec<Row<'_>> = rows.into_iter().map(|r| r.map_or(null, |b| parser.parse(b))).collect();
        self.converter
            .convert_rows(parsed)
            .map_err(|e| AggregateError::internal("aggregate", e.to_string()))
    }
}
