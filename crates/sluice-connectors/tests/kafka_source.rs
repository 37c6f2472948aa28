//! The `kafka` source against a real Apache Kafka broker.

mod kafka_support;

use kafka_support::*;
use sluice_connector_api::{ConnectorError, SourceReader, TableSpec};
use sluice_connectors::kafka;
use sluice_testkit::KafkaBroker;
use sluice_types::{DataType, TypeKind, MAX_VARCHAR_LENGTH};

fn orders(bootstrap: &str, topic: &str, extra: &[(&str, &str)]) -> TableSpec {
    let mut options = vec![
        ("topic", topic),
        ("properties.bootstrap.servers", bootstrap),
        ("format", "json"),
        ("scan.startup.mode", "earliest-offset"),
        ("scan.bounded.mode", "latest-offset"),
    ];
    for (k, v) in extra {
        options.retain(|(ok, _)| ok != k);
        options.push((k, v));
    }
    table("kafka", &[("id", DataType::bigint()), ("item", DataType::string())], &options, &[])
}

fn open(t: &TableSpec, metadata: Vec<(&str, DataType)>, batch_size: usize) -> Result<Box<dyn SourceReader>, ConnectorError> {
    kafka::factory().create_source(t, &source_ctx(t, vec![0, 1], metadata, batch_size))
}

#[test]
fn reads_each_partition_as_its_own_split_until_the_end_offsets() {
    let broker = KafkaBroker::start();
    broker.create_topic("orders", 2);
    let mut input = vec![
        msg(0, r#"{"id":1,"item":"tea"}"#),
        msg(0, r#"{"id":2,"item":"cake"}"#),
        msg(1, r#"{"id":3,"item":"jam"}"#),
        msg(0, r#"{"id":4}"#),
    ];
    // A tombstone is skipped silently by the json format, as in Flink.
    input.push(TestMessage { partition: 1, value: None, ..Default::default() });
    input[0].timestamp = Some(1_700_000_000_123);
    input[0].headers = vec![("trace".into(), Some(b"abc".to_vec()))];
    produce(&broker.bootstrap(), "orders", &input);

    let t = orders(&broker.bootstrap(), "orders", &[]);
    assert!(kafka::factory().is_bounded(&t));
    let string = DataType::not_null(TypeKind::Varchar { length: MAX_VARCHAR_LENGTH });
    let headers = DataType::not_null(TypeKind::Map(
        Box::new(string.clone()),
        Box::new(DataType::new(TypeKind::Varbinary { length: MAX_VARCHAR_LENGTH })),
    ));
    let metadata = vec![
        ("partition", DataType::not_null(TypeKind::Int)),
        ("offset", DataType::not_null(TypeKind::BigInt)),
        ("topic", string.clone()),
        ("timestamp", DataType::not_null(TypeKind::TimestampLtz { precision: 3 })),
        ("headers", headers),
        ("timestamp-type", string),
    ];
    let mut source = open(&t, metadata, 2).unwrap();
    let events = drain(source.as_mut(), None).unwrap();

    // Both splits are announced before their rows and finished after them.
    let pos = |f: &dyn Fn(&Event) -> bool| events.iter().position(|e| f(e)).unwrap();
    for split in [0u32, 1] {
        let added = pos(&|e| matches!(e, Event::Added(s) if *s == split));
        let first = pos(&|e| matches!(e, Event::Batch(s, _) if *s == split));
        let finished = pos(&|e| matches!(e, Event::Finished(s) if *s == split));
        assert!(added < first && first < finished, "{events:?}");
    }
    // Every batch holds one partition's rows, at most batch_size of them.
    for e in &events {
        if let Event::Batch(split, b) = e {
            assert!(b.num_rows() <= 2);
            let rows = rows(std::slice::from_ref(e));
            assert!(rows.iter().all(|r| r.split(',').nth(2) == Some(&split.to_string())), "{rows:?}");
        }
    }
    let mut got = rows(&events);
    got.sort();
    let ts = |s: &str| s.to_string();
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with("+I 1,tea,0,0,orders,ts1700000000123000,{trace=abc},CreateTime"), "{got:?}");
    assert!(got[1].starts_with("+I 2,cake,0,1,orders,ts"), "{got:?}");
    assert!(got[2].starts_with("+I 3,jam,1,0,orders,"), "{got:?}");
    assert!(got[3].starts_with(&ts("+I 4,NULL,0,2,orders,")), "{got:?}");
    let stats = source.stats();
    assert_eq!(stats.records, 5);
    assert!(stats.bytes > 0);
}

#[test]
fn a_bad_record_fails_with_its_location_or_is_skipped_and_counted() {
    let broker = KafkaBroker::start();
    broker.create_topic("bad", 1);
    produce(
        &broker.bootstrap(),
        "bad",
        &[msg(0, r#"{"id":1,"item":"ok"}"#), msg(0, "{not json"), msg(0, r#"{"id":3,"item":"ok"}"#)],
    );
    let t = orders(&broker.bootstrap(), "bad", &[]);
    let mut source = open(&t, vec![], 100).unwrap();
    match drain(source.as_mut(), None) {
        Err(ConnectorError::BadRecord { location, reason }) => {
            assert_eq!(location, "topic bad partition 0 offset 1");
            assert!(!reason.is_empty());
        }
        other => panic!("expected a bad record, got {other:?}"),
    }

    let t = orders(&broker.bootstrap(), "bad", &[("json.ignore-parse-errors", "true")]);
    let mut source = open(&t, vec![], 100).unwrap();
    let got = rows(&drain(source.as_mut(), None).unwrap());
    assert_eq!(got, vec!["+I 1,ok", "+I 3,ok"]);
    let stats = source.stats();
    assert_eq!(stats.skipped_bad_records, 1);
    assert!(stats.skipped_examples[0].starts_with("topic bad partition 0 offset 1: "), "{:?}", stats.skipped_examples);
}

#[test]
fn a_missing_topic_or_an_unreachable_broker_fails_at_start() {
    let broker = KafkaBroker::start();
    let t = orders(&broker.bootstrap(), "nope", &[]);
    let e = open(&t, vec![], 10).err().expect("a missing topic is an error").to_string();
    assert!(e.contains("topic \"nope\" does not exist") && e.contains(&broker.bootstrap()), "{e}");
    drop(broker);

    let dead = format!("127.0.0.1:{}", free_port());
    let t = orders(&dead, "orders", &[]);
    let e = open(&t, vec![], 10).err().expect("an unreachable broker is an error").to_string();
    assert!(e.contains(&format!("cannot reach Kafka at {dead}")), "{e}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
