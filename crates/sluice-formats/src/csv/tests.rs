use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use sluice_types::{DataType, TypeKind};

use super::*;
use crate::CsvOptions;

fn cols() -> Vec<(String, DataType)> {
    vec![
        ("id".into(), DataType::int()),
        ("name".into(), DataType::string()),
        ("score".into(), DataType::double()),
        ("tags".into(), DataType::new(TypeKind::Array(Box::new(DataType::string())))),
    ]
}

#[test]
fn decodes_quotes_empty_fields_and_arrays() {
    let mut d = CsvDecoder::new(&cols(), &CsvOptions::default()).unwrap();
    d.decode(b"1,\"Chen, Wei \"\"CW\"\"\",1.5,a;b\r").unwrap();
    d.decode(b",,,").unwrap();
    assert!(d.decode(b"1,x").is_err());
    assert_eq!(d.decode(b"x,y,1,").unwrap_err(), "field \"id\": expected an INT, found \"x\"");
    assert!(d.decode(b"2,\"open,1,").is_err());
    let a = d.flush().unwrap();
    assert_eq!(a[0].len(), 2);
    assert_eq!(a[0].as_primitive::<Int32Type>().value(0), 1);
    assert_eq!(a[1].as_string::<i32>().value(0), "Chen, Wei \"CW\"");
    assert_eq!(a[2].as_primitive::<Float64Type>().value(0), 1.5);
    let tags = a[3].as_list::<i32>().value(0);
    assert_eq!(tags.as_string::<i32>().value(1), "b");
    assert!(a[0].is_null(1));
    assert_eq!(a[1].as_string::<i32>().value(1), "");
    assert!(a[2].is_null(1));
}

#[test]
fn options_comments_null_literal_and_ignore_errors() {
    let opts = CsvOptions {
        field_delimiter: b'|',
        allow_comments: true,
        null_literal: Some("N/A".into()),
        ignore_parse_errors: true,
        ..CsvOptions::default()
    };
    let mut d = CsvDecoder::new(&cols(), &opts).unwrap();
    assert!(d.is_comment(b"# a comment"));
    d.decode(b"abc|N/A|2").unwrap();
    let a = d.flush().unwrap();
    assert!(a[0].is_null(0));
    assert!(a[1].is_null(0));
    assert_eq!(a[2].as_primitive::<Float64Type>().value(0), 2.0);
    assert!(a[3].is_null(0));
    assert_eq!(d.record_len(b"1,\"a\nb\"\n2"), Some(8));
}

#[test]
fn encodes_and_round_trips() {
    let c = cols();
    let mut d = CsvDecoder::new(&c, &CsvOptions::default()).unwrap();
    d.decode(b"1,\"a,b\",1.0E10,x;y").unwrap();
    d.decode(b"2,plain,,").unwrap();
    let schema = Schema::new(c.iter().map(|(n, t)| t.to_field(n)).collect::<Vec<_>>());
    let batch = RecordBatch::try_new(Arc::new(schema), d.flush().unwrap()).unwrap();
    let mut out = Vec::new();
    CsvEncoder::new(&c, &CsvOptions::default()).unwrap().encode(&batch, &mut out).unwrap();
    assert_eq!(String::from_utf8(out.clone()).unwrap(), "1,\"a,b\",1.0E10,x;y\n2,plain,,\n");
    for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        d.decode(line).unwrap();
    }
    let again = d.flush().unwrap();
    assert_eq!(again[1].as_string::<i32>().value(0), "a,b");
}
