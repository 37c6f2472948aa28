use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::Schema;
use sluice_types::{DataType, RowField, TypeKind};

use super::*;
use crate::JsonOptions;

fn cols(spec: &[(&str, DataType)]) -> Vec<(String, DataType)> {
    spec.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

fn iot() -> Vec<(String, DataType)> {
    cols(&[
        ("hostname", DataType::string()),
        ("cpu", DataType::string()),
        ("usage", DataType::double()),
        ("occurred_at", DataType::bigint()),
    ])
}

fn batch(columns: &[(String, DataType)], arrays: Vec<ArrayRef>) -> RecordBatch {
    let schema = Schema::new(columns.iter().map(|(n, t)| t.to_field(n)).collect::<Vec<_>>());
    RecordBatch::try_new(Arc::new(schema), arrays).unwrap()
}

fn pizza_type() -> DataType {
    DataType::new(TypeKind::Array(Box::new(DataType::new(TypeKind::Row(vec![
        RowField { name: "pizzaName".into(), data_type: DataType::string() },
        RowField {
            name: "additionalToppings".into(),
            data_type: DataType::new(TypeKind::Array(Box::new(DataType::string()))),
        },
    ])))))
}

#[test]
fn decodes_flat_iot_records() {
    let mut d = JsonDecoder::new(&iot(), &JsonOptions::default()).unwrap();
    d.decode(br#"{"hostname":"dopey","cpu":"cpu4","usage":78.885,"occurred_at":1633956773100}"#)
        .unwrap();
    d.decode(br#" { "occurred_at" : -5 , "extra": {"a":[1,{"b":"}"}]}, "usage": 1e2 } "#).unwrap();
    assert_eq!(d.num_rows(), 2);
    let a = d.flush().unwrap();
    assert_eq!(a[0].as_string::<i32>().value(0), "dopey");
    assert!(a[0].is_null(1));
    assert_eq!(a[2].as_primitive::<Float64Type>().value(0), 78.885);
    assert_eq!(a[2].as_primitive::<Float64Type>().value(1), 100.0);
    assert_eq!(a[3].as_primitive::<Int64Type>().value(1), -5);
    assert_eq!(d.num_rows(), 0);
}

#[test]
fn bad_records_leave_no_half_row() {
    let mut d = JsonDecoder::new(&iot(), &JsonOptions::default()).unwrap();
    d.decode(br#"{"hostname":"a","usage":1.5}"#).unwrap();
    let e = d.decode(br#"{"hostname":"b","usage":"abc"}"#).unwrap_err();
    assert_eq!(e, r#"field "usage": expected a number, found "abc""#);
    assert_eq!(d.decode(br#"{"hostname":"c","usage":2"#).unwrap_err(), "unexpected end of input");
    assert!(d.decode(b"[1,2]").is_err());
    assert!(d.decode(br#"{"hostname":"c" "usage":2}"#).is_err());
    assert!(d.decode(b"{\"hostname\":\"\xff\"}").is_err());
    d.decode(br#"{"hostname":"d"}"#).unwrap();
    let a = d.flush().unwrap();
    assert_eq!(a[0].len(), 2);
    assert_eq!(a[0].as_string::<i32>().value(1), "d");
    assert_eq!(a[2].as_primitive::<Float64Type>().value(0), 1.5);
}

#[test]
fn strings_with_escapes_and_unicode() {
    let c = cols(&[("s", DataType::string())]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    d.decode(br#"{"s":"a\"b\\c\nd\u00e9\ud83d\ude00/\/"}"#).unwrap();
    d.decode("{\"s\":\"raw 🍕 ünïcode\ttab\"}".as_bytes()).unwrap();
    d.decode(br#"{"s":"\ud800x"}"#).unwrap();
    assert!(d.decode(br#"{"s":"\q"}"#).is_err());
    let a = d.flush().unwrap();
    let s = a[0].as_string::<i32>();
    assert_eq!(s.value(0), "a\"b\\c\ndé😀//");
    assert_eq!(s.value(1), "raw 🍕 ünïcode\ttab");
    assert_eq!(s.value(2), "\u{FFFD}x");
}

#[test]
fn numbers_and_values_into_strings_like_flink() {
    let c = cols(&[("s", DataType::string())]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    for rec in [
        r#"{"s":true}"#,
        r#"{"s":123.234}"#,
        r#"{"s":1234567}"#,
        r#"{"s":1e10}"#,
        r#"{"s":["array data1", "array data2",123,234.345]}"#,
        r#"{"s":{"k1":123, "k2":234.234,"k3":"string data"}}"#,
    ] {
        d.decode(rec.as_bytes()).unwrap();
    }
    let a = d.flush().unwrap();
    let s = a[0].as_string::<i32>();
    let got: Vec<&str> = (0..s.len()).map(|i| s.value(i)).collect();
    assert_eq!(
        got,
        [
            "true",
            "123.234",
            "1234567",
            "1.0E10",
            r#"["array data1","array data2",123,234.345]"#,
            r#"{"k1":123,"k2":234.234,"k3":"string data"}"#,
        ]
    );
}

#[test]
fn numeric_conversions_like_flink() {
    let c = cols(&[
        ("i", DataType::int()),
        ("b", DataType::bigint()),
        ("f", DataType::boolean()),
        ("d", DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })),
    ]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    d.decode(br#"{"i":112.013,"b":" 42 ","f":"TRUE","d":"12.345"}"#).unwrap();
    d.decode(br#"{"i":"7","b":9007199254740993,"f":"trueA","d":12345678.999}"#).unwrap();
    assert!(d.decode(br#"{"i":11211111111.013}"#).is_err());
    assert!(d.decode(br#"{"i":"1.5"}"#).is_err());
    assert!(d.decode(br#"{"b":"long"}"#).is_err());
    let a = d.flush().unwrap();
    assert_eq!(a[0].as_primitive::<Int32Type>().values(), &[112, 7]);
    assert_eq!(a[1].as_primitive::<Int64Type>().values(), &[42, 9007199254740993]);
    assert!(a[2].as_boolean().value(0));
    assert!(!a[2].as_boolean().value(1));
    let dec = a[3].as_primitive::<Decimal128Type>();
    assert_eq!(dec.value(0), 1235);
    // 12345678.999 rounds to 12345679.00, which needs 10 digits: fits DECIMAL(10, 2).
    assert_eq!(dec.value(1), 1234567900);
}

#[test]
fn ignore_parse_errors_nulls_the_bad_value_only() {
    let c = cols(&[
        ("id", DataType::int()),
        ("arr", DataType::new(TypeKind::Array(Box::new(DataType::int())))),
        ("name", DataType::string()),
    ]);
    let opts = JsonOptions { ignore_parse_errors: true, ..JsonOptions::default() };
    let mut d = JsonDecoder::new(&c, &opts).unwrap();
    d.decode(br#"{"id":"abc","arr":[123, "abc"],"name":"x"}"#).unwrap();
    d.decode(br#"{"id":1,"arr":"notarray","name":"y"}"#).unwrap();
    assert!(d.decode(br#"{"id":1,"#).is_err());
    let a = d.flush().unwrap();
    assert!(a[0].is_null(0));
    let list = a[1].as_list::<i32>();
    let first = list.value(0);
    assert_eq!(first.len(), 2);
    assert!(first.is_valid(0) && first.is_null(1));
    assert!(a[1].is_null(1));
    assert_eq!(a[2].as_string::<i32>().value(1), "y");
}

#[test]
fn missing_fields_and_not_null() {
    let c = cols(&[("a", DataType::int()), ("b", DataType::not_null(TypeKind::Int))]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    d.decode(br#"{"b":1}"#).unwrap();
    assert!(d.decode(br#"{"a":1}"#).is_err());
    assert!(d.decode(br#"{"a":1,"b":null}"#).is_err());
    let strict = JsonOptions { fail_on_missing_field: true, ..JsonOptions::default() };
    let mut d2 = JsonDecoder::new(&c, &strict).unwrap();
    assert_eq!(d2.decode(br#"{"b":1}"#).unwrap_err(), r#"field "a" is missing"#);
    let a = d.flush().unwrap();
    assert_eq!(a[0].len(), 1);
    assert!(a[0].is_null(0));
}

#[test]
fn nested_arrays_of_rows_and_maps() {
    let c = cols(&[
        ("pizzas", pizza_type()),
        ("m", DataType::new(TypeKind::Map(Box::new(DataType::string()), Box::new(DataType::int())))),
        ("r", DataType::new(TypeKind::Row(vec![RowField { name: "x".into(), data_type: DataType::int() }]))),
    ]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    let rec = br#"{"pizzas":[{"pizzaName":"Margherita","additionalToppings":["basil","ham"]},
        {"additionalToppings":[],"pizzaName":"Diavola"}],"m":{"k1":"123","k2":4},"r":{"x":5,"y":1}}"#;
    d.decode(rec).unwrap();
    // A broken second row after a good nested prefix must leave nothing behind.
    assert!(d.decode(br#"{"pizzas":[{"pizzaName":"A","additionalToppings":["x"]},{"pizzaName":1"#).is_err());
    d.decode(br#"{"pizzas":null,"r":null}"#).unwrap();
    let a = d.flush().unwrap();
    let list = a[0].as_list::<i32>();
    assert_eq!(list.len(), 2);
    let rows = list.value(0);
    let rows = rows.as_struct();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.column(0).as_string::<i32>().value(1), "Diavola");
    let toppings = rows.column(1).as_list::<i32>().value(0);
    assert_eq!(toppings.as_string::<i32>().value(1), "ham");
    assert!(list.is_null(1));
    let m = a[1].as_map().value(0);
    assert_eq!(m.column(1).as_primitive::<Int32Type>().values(), &[123, 4]);
    assert_eq!(a[2].as_struct().column(0).as_primitive::<Int32Type>().value(0), 5);
    assert!(a[2].is_null(1));
}

#[test]
fn iso_standard_takes_t_only() {
    let c = cols(&[("ts", DataType::timestamp(3))]);
    let mut options = BTreeMap::new();
    options.insert("json.timestamp-format.standard".to_string(), "ISO-8601".to_string());
    let opts = JsonOptions::from_options(&options, "json.").unwrap();
    let mut d = JsonDecoder::new(&c, &opts).unwrap();
    d.decode(br#"{"ts":"2021-10-11T12:53:34.5"}"#).unwrap();
    assert!(d.decode(br#"{"ts":"2021-10-11 12:53:34.5"}"#).is_err());
}

#[test]
fn timestamps_both_ways() {
    let c = cols(&[
        ("ts", DataType::timestamp(3)),
        ("ltz", DataType::timestamp_ltz(3)),
        ("d", DataType::new(TypeKind::Date)),
        ("t", DataType::new(TypeKind::Time { precision: 0 })),
    ]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    d.decode(br#"{"ts":"2021-10-11 12:53:34.840","ltz":"2021-10-11 12:53:34.845Z","d":"2021-10-11","t":"12:53:34"}"#)
        .unwrap();
    d.decode(br#"{"ts":"2021-10-11 12:53:34","ltz":"2021-10-11 12:53:34"}"#).unwrap();
    // Flink's SQL standard takes a space only: a `T` fails the record, as in Flink 2.3.
    assert!(d.decode(br#"{"ts":"2021-10-11T12:53:34"}"#).is_err());
    assert!(d.decode(br#"{"ts":"2019-11-12T18:00:12Z"}"#).is_err());
    assert!(d.decode(br#"{"d":"20191112"}"#).is_err());
    let a = d.flush().unwrap();
    let ts = a[0].as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.value(0), sluice_types::temporal::parse_timestamp("2021-10-11 12:53:34.84").unwrap());
    let b = batch(&c, a);
    let mut enc = JsonEncoder::new(&c, &JsonOptions::default()).unwrap();
    let mut out = Vec::new();
    enc.encode(&b, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"ts\":\"2021-10-11 12:53:34.84\",\"ltz\":\"2021-10-11 12:53:34.845Z\",\"d\":\"2021-10-11\",\"t\":\"12:53:34\"}\n\
         {\"ts\":\"2021-10-11 12:53:34\",\"ltz\":\"2021-10-11 12:53:34Z\",\"d\":null,\"t\":null}\n"
    );
}

#[test]
fn encodes_like_flink() {
    let c = cols(&[
        ("s", DataType::string()),
        ("x", DataType::double()),
        ("n", DataType::int()),
        ("dec", DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })),
        ("pizzas", pizza_type()),
    ]);
    let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
    d.decode("{\"s\":\"q\\\"b\\\\s\\u0001 é\",\"x\":1e10,\"n\":null,\"dec\":1.5,\"pizzas\":[{\"pizzaName\":\"M\",\"additionalToppings\":[\"a\"]}]}".as_bytes())
        .unwrap();
    let b = batch(&c, d.flush().unwrap());
    let mut out = Vec::new();
    JsonEncoder::new(&c, &JsonOptions::default()).unwrap().encode(&b, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        "{\"s\":\"q\\\"b\\\\s\\u0001 é\",\"x\":1.0E10,\"n\":null,\"dec\":1.5,\"pizzas\":[{\"pizzaName\":\"M\",\"additionalToppings\":[\"a\"]}]}\n"
    );
    let skip_nulls = JsonOptions { encode_ignore_null_fields: true, ..JsonOptions::default() };
    out.clear();
    JsonEncoder::new(&c, &skip_nulls).unwrap().encode(&b, &mut out).unwrap();
    assert!(!String::from_utf8(out).unwrap().contains("\"n\""));
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn rows() -> impl Strategy<Value = Vec<(Option<String>, Option<f64>, Option<i64>, Option<Vec<Option<i32>>>)>> {
        prop::collection::vec(
            (
                prop::option::of(any::<String>()),
                prop::option::of(any::<f64>().prop_filter("finite", |v| v.is_finite())),
                prop::option::of(any::<i64>()),
                prop::option::of(prop::collection::vec(prop::option::of(any::<i32>()), 0..4)),
            ),
            0..20,
        )
    }

    proptest! {
        #[test]
        fn encode_then_decode_gives_the_same_arrays(data in rows()) {
            let c = cols(&[
                ("s", DataType::string()),
                ("x", DataType::double()),
                ("n", DataType::bigint()),
                ("a", DataType::new(TypeKind::Array(Box::new(DataType::int())))),
            ]);
            let mut lines = Vec::new();
            for (s, x, n, a) in &data {
                let mut obj = Vec::new();
                obj.push(format!("\"s\":{}", match s { Some(s) => serde_like(s), None => "null".into() }));
                obj.push(format!("\"x\":{}", match x { Some(v) => format!("{v:e}"), None => "null".into() }));
                obj.push(format!("\"n\":{}", match n { Some(v) => v.to_string(), None => "null".into() }));
                obj.push(format!("\"a\":{}", match a {
                    Some(v) => format!("[{}]", v.iter().map(|e| e.map_or("null".to_string(), |x| x.to_string())).collect::<Vec<_>>().join(",")),
                    None => "null".into(),
                }));
                lines.push(format!("{{{}}}", obj.join(",")));
            }
            let mut d = JsonDecoder::new(&c, &JsonOptions::default()).unwrap();
            for l in &lines {
                d.decode(l.as_bytes()).unwrap();
            }
            let first = batch(&c, d.flush().unwrap());
            let mut out = Vec::new();
            JsonEncoder::new(&c, &JsonOptions::default()).unwrap().encode(&first, &mut out).unwrap();
            for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                d.decode(line).unwrap();
            }
            let second = batch(&c, d.flush().unwrap());
            prop_assert_eq!(first, second);
        }
    }

    fn serde_like(s: &str) -> String {
        let mut out = Vec::new();
        crate::json::encoder::write_json_string(&mut out, s.as_bytes());
        String::from_utf8(out).unwrap()
    }
}
