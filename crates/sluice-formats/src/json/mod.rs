//! Flink's `json` format: a hand-written byte scanner that decodes records straight into
//! Arrow columns, and an encoder that writes Arrow rows as JSON lines.

mod cursor;
mod decoder;
pub(crate) mod encoder;

pub use decoder::JsonDecoder;
pub use encoder::JsonEncoder;

#[cfg(test)]
mod tests;
