//! The `kafka` and `upsert-kafka` sinks, and the `upsert-kafka` source, against a real
//! Apache Kafka broker.

mod kafka_support;

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, MapBuilder, MapFieldNames, StringBuilder};
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::Field;
use kafka_support::*;
use sluice_connector_api::ChangeBatch;
use sluice_connectors::kafka;
use sluice_testkit::KafkaBroker;
use sluice_types::{DataType, RowKind, TypeKind, MAX_VARCHAR_LENGTH};

fn columns() -> Vec<(&'static str, DataType)> {
    vec![("id", DataType::bigint()), ("item", DataType::string())]
}

fn batch(ids: &[i64], items: &[Option<&str>], extra: Vec<ArrayRef>, schema: &arrow_schema::SchemaRef) -> RecordBatch {
    let mut cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(ids.to_vec())), Arc::new(StringArray::from(items.to_vec()))];
    cols.extend(extra);
    RecordBatch::try_new(schema.clone(), cols).unwrap()
}

fn text(b: &Option<Vec<u8>>) -> Option<String> {
    b.as_ref().map(|v| String::from_utf8_lossy(v).into_owned())
}

#[test]
fn writes_keys_values_timestamps_and_headers() {
    let broker = KafkaBroker::start();
    broker.create_topic("out", 1);
    let t = table(
        "kafka",
        &columns(),
        &[
            ("topic", "out"),
            ("properties.bootstrap.servers", &broker.bootstrap()),
            ("key.format", "csv"),
            ("key.fields", "id"),
            ("value.format", "json"),
        ],
        &[],
    );
    kafka::factory().validate(&t, false).unwrap();
    let string = DataType::not_null(TypeKind::Varchar { length: MAX_VARCHAR_LENGTH });
    let headers_type = DataType::not_null(TypeKind::Map(
        Box::new(string),
        Box::new(DataType::new(TypeKind::Varbinary { length: MAX_VARCHAR_LENGTH })),
    ));
    let ctx = sink_ctx(
        &t,
        vec![("timestamp", DataType::not_null(TypeKind::TimestampLtz { precision: 3 })), ("headers", headers_type)],
    );
    let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
    let mut hb = MapBuilder::new(Some(names), StringBuilder::new(), BinaryBuilder::new())
        .with_keys_field(Arc::new(Field::new("key", arrow_schema::DataType::Utf8, false)))
        .with_values_field(Arc::new(Field::new("value", arrow_schema::DataType::Binary, true)));
    hb.keys().append_value("source");
    hb.values().append_value(b"sluice");
    hb.append(true).unwrap();
    hb.append(true).unwrap();
    let times = TimestampMicrosecondArray::from(vec![1_700_000_000_123_000, 1_700_000_001_000_000]).with_timezone("UTC");
    let b = batch(&[1, 2], &[Some("tea"), None], vec![Arc::new(times), Arc::new(hb.finish())], &ctx.input_schema);
    let mut sink = kafka::factory().create_sink(&t, &ctx).unwrap();
    sink.write(&ChangeBatch::inserts(b)).unwrap();
    sink.finish().unwrap();

    let got = consume(&broker.bootstrap(), "out", 1, 2);
    assert_eq!(text(&got[0].key).as_deref(), Some("1"));
    assert_eq!(text(&got[0].value).as_deref(), Some(r#"{"id":1,"item":"tea"}"#));
    assert_eq!(got[0].timestamp, Some(1_700_000_000_123));
    assert_eq!(got[0].headers, vec![("source".to_string(), Some(b"sluice".to_vec()))]);
    assert_eq!(text(&got[1].value).as_deref(), Some(r#"{"id":2,"item":null}"#));
    assert_eq!(got[1].timestamp, Some(1_700_000_001_000));
    assert!(got[1].headers.is_empty());
}

#[test]
fn delivery_to_a_missing_topic_is_reported_with_the_topic() {
    let broker = KafkaBroker::start();
    let t = table(
        "kafka",
        &columns(),
        &[
            ("topic", "absent"),
            ("properties.bootstrap.servers", &broker.bootstrap()),
            ("format", "json"),
            ("properties.message.timeout.ms", "2000"),
            ("properties.topic.metadata.propagation.max.ms", "500"),
        ],
        &[],
    );
    let ctx = sink_ctx(&t, vec![]);
    let mut sink = kafka::factory().create_sink(&t, &ctx).unwrap();
    sink.write(&ChangeBatch::inserts(batch(&[1], &[Some("x")], vec![], &ctx.input_schema))).unwrap();
    let e = sink.finish().expect_err("the message cannot be delivered").to_string();
    assert!(e.contains("topic \"absent\"") && e.contains("could not be delivered"), "{e}");
}

#[test]
fn raw_values_round_trip() {
    let broker = KafkaBroker::start();
    broker.create_topic("lines", 1);
    let t = table(
        "kafka",
        &[("line", DataType::string())],
        &[
            ("topic", "lines"),
            ("properties.bootstrap.servers", &broker.bootstrap()),
            ("format", "raw"),
            ("scan.startup.mode", "earliest-offset"),
            ("scan.bounded.mode", "latest-offset"),
        ],
        &[],
    );
    let ctx = sink_ctx(&t, vec![]);
    let mut sink = kafka::factory().create_sink(&t, &ctx).unwrap();
    for line in ["a,b", "ünïcode"] {
        let b = RecordBatch::try_new(ctx.input_schema.clone(), vec![Arc::new(StringArray::from(vec![line]))]).unwrap();
        sink.write(&ChangeBatch::inserts(b)).unwrap();
        sink.flush().unwrap();
    }
    sink.finish().unwrap();
    let mut source = kafka::factory().create_source(&t, &source_ctx(&t, vec![0], vec![], 10)).unwrap();
    assert_eq!(rows(&drain(source.as_mut(), None).unwrap()), vec!["+I a,b", "+I ünïcode"]);
}

fn upsert_table(bootstrap: &str, topic: &str, extra: &[(&str, &str)]) -> sluice_connector_api::TableSpec {
    let mut options = vec![
        ("topic", topic),
        ("properties.bootstrap.servers", bootstrap),
        ("key.format", "json"),
        ("value.format", "json"),
        ("scan.bounded.mode", "latest-offset"),
    ];
    options.extend_from_slice(extra);
    table("upsert-kafka", &columns(), &options, &["id"])
}

#[test]
fn upsert_sink_writes_tombstones_and_the_source_reads_them_as_deletes() {
    let broker = KafkaBroker::start();
    broker.create_topic("totals", 1);
    let t = upsert_table(&broker.bootstrap(), "totals", &[]);
    let ctx = sink_ctx(&t, vec![]);
    let mut sink = kafka::factory_for("upsert-kafka").create_sink(&t, &ctx).unwrap();
    let changes = [
        (RowKind::Insert, 1, "a"),
        (RowKind::UpdateBefore, 1, "a"),
        (RowKind::UpdateAfter, 1, "b"),
        (RowKind::Insert, 2, "x"),
        (RowKind::Delete, 2, "x"),
    ];
    for (kind, id, item) in changes {
        let b = batch(&[id], &[Some(item)], vec![], &ctx.input_schema);
        sink.write(&ChangeBatch::new(b, vec![kind])).unwrap();
    }
    sink.finish().unwrap();
    let got = consume(&broker.bootstrap(), "totals", 1, 4);
    let shown: Vec<(Option<String>, Option<String>)> = got.iter().map(|m| (text(&m.key), text(&m.value))).collect();
    assert_eq!(
        shown,
        vec![
            (Some(r#"{"id":1}"#.into()), Some(r#"{"id":1,"item":"a"}"#.into())),
            (Some(r#"{"id":1}"#.into()), Some(r#"{"id":1,"item":"b"}"#.into())),
            (Some(r#"{"id":2}"#.into()), Some(r#"{"id":2,"item":"x"}"#.into())),
            (Some(r#"{"id":2}"#.into()), None),
        ]
    );

    let factory = kafka::factory_for("upsert-kafka");
    assert_eq!(factory.source_changelog_mode(&t), sluice_connector_api::SourceChangelogMode::Upsert);
    assert_eq!(factory.sink_changelog_mode(&t), sluice_connector_api::SinkChangelogMode::Upsert);
    let mut source = factory.create_source(&t, &source_ctx(&t, vec![1, 0], vec![], 10)).unwrap();
    assert_eq!(
        rows(&drain(source.as_mut(), None).unwrap()),
        vec!["+I a,1", "+I b,1", "+I x,2", "-D NULL,2"],
        "value rows keep the format's kind (INSERT) and a tombstone is a delete with its key"
    );
}

#[test]
fn upsert_sink_buffer_sends_only_the_last_change_per_key() {
    let broker = KafkaBroker::start();
    broker.create_topic("reduced", 1);
    let t = upsert_table(
        &broker.bootstrap(),
        "reduced",
        &[("sink.buffer-flush.max-rows", "1000"), ("sink.buffer-flush.interval", "1 h")],
    );
    let ctx = sink_ctx(&t, vec![]);
    let mut sink = kafka::factory_for("upsert-kafka").create_sink(&t, &ctx).unwrap();
    let b = batch(&[1, 2, 1, 3, 3], &[Some("a"), Some("b"), Some("c"), Some("d"), Some("e")], vec![], &ctx.input_schema);
    let kinds = vec![RowKind::Insert, RowKind::Insert, RowKind::UpdateAfter, RowKind::Insert, RowKind::Delete];
    sink.write(&ChangeBatch::new(b, kinds)).unwrap();
    sink.finish().unwrap();
    let got = consume(&broker.bootstrap(), "reduced", 1, 3);
    let mut shown: Vec<(Option<String>, Option<String>)> = got.iter().map(|m| (text(&m.key), text(&m.value))).collect();
    shown.sort();
    assert_eq!(
        shown,
        vec![
            (Some(r#"{"id":1}"#.into()), Some(r#"{"id":1,"item":"c"}"#.into())),
            (Some(r#"{"id":2}"#.into()), Some(r#"{"id":2,"item":"b"}"#.into())),
            (Some(r#"{"id":3}"#.into()), None),
        ]
    );
}

#[test]
fn every_compression_codec_is_written_and_read_back() {
    let broker = KafkaBroker::start();
    let b = broker.bootstrap();
    for codec in ["gzip", "snappy", "lz4", "zstd"] {
        let topic = format!("packed-{codec}");
        broker.create_topic(&topic, 1);
        let sink_table = table(
            "kafka",
            &columns(),
            &[("topic", &topic), ("properties.bootstrap.servers", &b), ("format", "json"), ("properties.compression.type", codec)],
            &[],
        );
        let ctx = sink_ctx(&sink_table, vec![]);
        let mut sink = kafka::factory().create_sink(&sink_table, &ctx).unwrap();
        let ids: Vec<i64> = (0..300).collect();
        let items: Vec<Option<&str>> = ids.iter().map(|i| if i % 2 == 0 { Some("tea") } else { Some("cake") }).collect();
        sink.write(&ChangeBatch::inserts(batch(&ids, &items, vec![], &ctx.input_schema))).unwrap();
        sink.finish().unwrap();
        // Read back by Sluice's own source, and by a plain consumer.
        let source_table = table(
            "kafka",
            &columns(),
            &[
                ("topic", &topic),
                ("properties.bootstrap.servers", &b),
                ("format", "json"),
                ("scan.startup.mode", "earliest-offset"),
                ("scan.bounded.mode", "latest-offset"),
            ],
            &[],
        );
        let mut source =
            kafka::factory().create_source(&source_table, &source_ctx(&source_table, vec![0, 1], vec![], 100)).unwrap();
        let read = rows(&drain(source.as_mut(), None).unwrap());
        assert_eq!(read.len(), 300, "{codec}");
        assert_eq!(read[1], "+I 1,cake", "{codec}");
        assert_eq!(consume(&b, &topic, 1, 300).len(), 300, "{codec}");
    }
}
