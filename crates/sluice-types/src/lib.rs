//! Flink's logical SQL types (`DataType`), how each one is laid out in Arrow, literal
//! values (`ScalarValue`), the change kind of a row (`RowKind`) and the calendar helpers
//! that every layer shares (parsing and printing dates and timestamps the way Flink does).
//!
//! This crate knows nothing about SQL text, plans or connectors: it is the vocabulary the
//! other crates speak.

pub mod bitmap;
mod data_type;
pub mod java_text;
mod row_kind;
mod scalar;
pub mod temporal;
pub mod variant;

pub use data_type::{row_fields_to_arrow, DataType, RowField, TypeKind, MAX_VARCHAR_LENGTH};
pub use row_kind::RowKind;
pub use scalar::ScalarValue;
