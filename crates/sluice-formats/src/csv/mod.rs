//! Flink's `csv` format: columns by position, `csv.*` options for delimiters, quoting,
//! comments, escapes and a null literal.

mod decoder;
mod encoder;

pub use decoder::CsvDecoder;
pub use encoder::CsvEncoder;

#[cfg(test)]
mod tests;
