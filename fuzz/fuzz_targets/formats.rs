//! Shared by the decoder targets: a table of every column type the formats read.

use sluice_types::DataType;

/// Columns of many types, as `(name, type)`; `nested` adds arrays, rows and maps.
pub fn columns(nested: bool) -> Vec<(String, DataType)> {
    let mut types = vec![
        "STRING", "INT", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "DECIMAL(10, 2)",
        "DECIMAL(38, 18)", "DATE", "TIME(3)", "TIMESTAMP(3)", "TIMESTAMP_LTZ(3)", "BYTES", "ARRAY<INT>",
    ];
    if nested {
        types.extend(["ARRAY<ROW<a INT, b ARRAY<STRING>>>", "ROW<x DOUBLE, y ROW<z STRING>>", "MAP<STRING, BIGINT>"]);
    }
    types
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("c{i}"), sluice_sql::parse_data_type(t).expect("a valid type")))
        .collect()
}
