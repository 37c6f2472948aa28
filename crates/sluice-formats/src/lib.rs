//! Record formats: Flink's `json` and `csv` formats, decoded straight into Arrow columns
//! and encoded from Arrow record batches, and the row text of Flink's `print` connector.
//!
//! Decoders work one record at a time and never keep half a record: a record that cannot
//! be decoded is reported as a reason string and leaves the decoder as it was, so the
//! caller decides whether to skip it (`*.ignore-parse-errors`) or fail. Option parsing
//! (`json.*`, `csv.*`, with any prefix such as `value.json.`) lives in `options`.

mod base64;
mod column;
mod convert;
pub mod csv;
pub mod decimal;
mod error;
pub mod framing;
pub mod java_number;
pub mod json;
pub mod options;
pub mod print_row;
pub mod temporal_text;

pub use csv::{CsvDecoder, CsvEncoder};
pub use error::FormatError;
pub use json::{JsonDecoder, JsonEncoder};
pub use options::{format_options, CsvOptions, JsonOptions, MapNullKeyMode, TimestampStandard};
pub use print_row::format_row;
