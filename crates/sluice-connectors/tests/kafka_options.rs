//! Option parsing and validation of the Kafka connectors (no broker needed).

use std::collections::BTreeMap;
use std::time::Duration;

use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_types::DataType;

use sluice_connectors::kafka::{
    parse_specific_offsets, BoundedMode, DeliveryGuarantee, FormatSpec, KafkaConfig, KafkaFlavor, PendingMessage,
    SinkPartitioner, StartupMode, Topics, UpsertBuffer, ValueFieldsInclude,
};

fn table(options: &[(&str, &str)], pk: &[&str]) -> TableSpec {
    let mut map: BTreeMap<String, String> = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.entry("properties.bootstrap.servers".into()).or_insert_with(|| "localhost:9092".into());
    TableSpec {
        name: "t".into(),
        physical_columns: vec![
            ("id".into(), DataType::bigint()),
            ("name".into(), DataType::string()),
            ("k_part".into(), DataType::int()),
        ],
        options: map,
        primary_key: pk.iter().map(|s| s.to_string()).collect(),
        partition_keys: Vec::new(),
    }
}

fn plain(options: &[(&str, &str)]) -> Result<KafkaConfig, ConnectorError> {
    KafkaConfig::parse(&table(options, &[]), KafkaFlavor::Plain)
}

fn upsert(options: &[(&str, &str)], pk: &[&str]) -> Result<KafkaConfig, ConnectorError> {
    KafkaConfig::parse(&table(options, pk), KafkaFlavor::Upsert)
}

fn err(r: Result<KafkaConfig, ConnectorError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn defaults_follow_flink() {
    let c = plain(&[("topic", "a"), ("format", "json")]).unwrap();
    assert_eq!(c.startup, StartupMode::GroupOffsets);
    assert_eq!(c.bounded, BoundedMode::Unbounded);
    assert_eq!(c.discovery_interval, Some(Duration::from_secs(300)));
    assert_eq!(c.partitioner, SinkPartitioner::Default);
    assert_eq!(c.delivery, DeliveryGuarantee::AtLeastOnce);
    assert_eq!(c.value_fields_include, ValueFieldsInclude::All);
    assert!(c.key_format.is_none());
    assert!(matches!(c.value_format, FormatSpec::Json(_)));
    assert!(matches!(&c.topics, Topics::List(l) if l == &vec!["a".to_string()]));
}

#[test]
fn topic_lists_and_patterns() {
    let c = plain(&[("topic", "a; b;"), ("format", "json")]).unwrap();
    assert!(matches!(&c.topics, Topics::List(l) if l == &vec!["a".to_string(), "b".to_string()]));
    let c = plain(&[("topic-pattern", "orders-[0-9]+"), ("format", "json")]).unwrap();
    assert!(c.topics.matches("orders-12"));
    assert!(!c.topics.matches("orders-12x"), "the pattern must match the whole name");
    let e = err(plain(&[("topic", "a"), ("topic-pattern", "a.*"), ("format", "json")]));
    assert!(e.contains("cannot be set together"), "{e}");
    let e = err(plain(&[("format", "json")]));
    assert!(e.contains("is required"), "{e}");
    let e = err(plain(&[("topic-pattern", "(unclosed"), ("format", "json")]));
    assert!(e.contains("not a valid regular expression"), "{e}");
}

#[test]
fn startup_and_bounded_modes() {
    let c = plain(&[
        ("topic", "a"),
        ("format", "json"),
        ("scan.startup.mode", "specific-offsets"),
        ("scan.startup.specific-offsets", "partition:0,offset:42;partition:1,offset:300"),
        ("scan.bounded.mode", "timestamp"),
        ("scan.bounded.timestamp-millis", "1700000000000"),
    ])
    .unwrap();
    assert_eq!(c.startup, StartupMode::Specific(vec![(0, 42), (1, 300)]));
    assert_eq!(c.bounded, BoundedMode::Timestamp(1_700_000_000_000));
    assert_eq!(c.discovery_interval, None, "a bounded source does not discover partitions");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("scan.startup.mode", "timestamp")]));
    assert!(e.contains("scan.startup.timestamp-millis"), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("scan.startup.mode", "earliest")]));
    assert!(e.contains("\"earliest-offset\""), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("scan.bounded.mode", "specific-offsets")]));
    assert!(e.contains("scan.bounded.specific-offsets"), "{e}");
    let e = err(plain(&[
        ("topic", "a;b"),
        ("format", "json"),
        ("scan.startup.mode", "specific-offsets"),
        ("scan.startup.specific-offsets", "partition:0,offset:1"),
    ]));
    assert!(e.contains("single topic"), "{e}");
    let c = plain(&[("topic", "a"), ("format", "json"), ("scan.topic-partition-discovery.interval", "0")]).unwrap();
    assert_eq!(c.discovery_interval, None);
    let c = plain(&[("topic", "a"), ("format", "json"), ("scan.topic-partition-discovery.interval", "10 s")]).unwrap();
    assert_eq!(c.discovery_interval, Some(Duration::from_secs(10)));
}

#[test]
fn specific_offsets_syntax() {
    assert_eq!(parse_specific_offsets("partition:0,offset:42;").unwrap(), vec![(0, 42)]);
    assert!(parse_specific_offsets("0:42").unwrap_err().contains("partition:0,offset:42"));
    assert!(parse_specific_offsets("").is_err());
    assert!(parse_specific_offsets("partition:0,offset:-1").is_err());
}

#[test]
fn key_fields_rules() {
    let c = plain(&[
        ("topic", "a"),
        ("key.format", "json"),
        ("key.fields", "k_part;id"),
        ("value.format", "csv"),
        ("value.fields-include", "EXCEPT_KEY"),
        ("key.fields-prefix", "k_"),
        ("value.csv.field-delimiter", "|"),
        ("key.json.ignore-parse-errors", "true"),
    ]);
    // "id" does not start with the prefix "k_".
    assert!(err(c).contains("must start with the prefix \"k_\""));
    let c = plain(&[
        ("topic", "a"),
        ("key.format", "json"),
        ("key.fields", "k_part"),
        ("value.format", "csv"),
        ("value.fields-include", "EXCEPT_KEY"),
        ("key.fields-prefix", "k_"),
        ("value.csv.field-delimiter", "|"),
    ])
    .unwrap();
    assert_eq!(c.key_fields, vec![2]);
    assert_eq!(c.value_fields(3), vec![0, 1]);
    let t = table(&[], &[]);
    assert_eq!(c.key_format_fields(&t)[0].0, "part", "the key format sees names without the prefix");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("key.fields", "id")]));
    assert!(e.contains("needs a key format"), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("key.format", "json")]));
    assert!(e.contains("\"key.fields\""), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("key.format", "json"), ("key.fields", "nope")]));
    assert!(e.contains("no physical column \"nope\""), "{e}");
    let e = err(plain(&[
        ("topic", "a"),
        ("format", "json"),
        ("key.format", "json"),
        ("key.fields", "k_part"),
        ("key.fields-prefix", "k_"),
    ]));
    assert!(e.contains("EXCEPT_KEY"), "{e}");
}

#[test]
fn unknown_keys_and_format_keys() {
    match plain(&[("topic", "a"), ("format", "json"), ("scan.startup.mod", "earliest-offset")]) {
        Err(ConnectorError::UnknownOption { key, known, .. }) => {
            assert_eq!(key, "scan.startup.mod");
            assert!(known.contains(&"scan.startup.mode".to_string()));
        }
        other => panic!("expected an unknown option, got {:?}", other.err()),
    }
    // `json.*` belongs to `format`; with `value.format` the prefix is `value.json.`.
    assert!(plain(&[("topic", "a"), ("format", "json"), ("json.ignore-parse-errors", "true")]).is_ok());
    assert!(plain(&[("topic", "a"), ("value.format", "json"), ("value.json.ignore-parse-errors", "true")])
        .unwrap()
        .value_format
        .ignore_parse_errors());
    assert!(matches!(
        plain(&[("topic", "a"), ("value.format", "json"), ("json.ignore-parse-errors", "true")]),
        Err(ConnectorError::UnknownOption { .. })
    ));
    let e = err(plain(&[("topic", "a"), ("format", "avro")]));
    assert!(e.contains("\"avro\""), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("value.format", "json")]));
    assert!(e.contains("not both"), "{e}");
}

#[test]
fn raw_needs_one_string_or_bytes_column() {
    let e = err(plain(&[("topic", "a"), ("format", "raw")]));
    assert!(e.contains("exactly one column"), "{e}");
    let e = err(plain(&[("topic", "a"), ("format", "raw"), ("raw.charset", "ISO-8859-1")]));
    assert!(e.contains("UTF-8"), "{e}");
}

#[test]
fn sink_options() {
    // Exactly-once needs a transactional id prefix, as in Flink (and checkpoints, which
    // the sink checks when it is created: see crates/sluice/tests/checkpoints.rs).
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("sink.delivery-guarantee", "exactly-once")]));
    assert!(e.contains("sink.transactional-id-prefix"), "{e}");
    let c = plain(&[
        ("topic", "a"),
        ("format", "json"),
        ("sink.delivery-guarantee", "exactly-once"),
        ("sink.transactional-id-prefix", "alerts"),
    ])
    .unwrap();
    assert_eq!(c.delivery, DeliveryGuarantee::ExactlyOnce { transactional_id_prefix: "alerts".into() });
    let c = plain(&[("topic", "a"), ("format", "json"), ("sink.partitioner", "round-robin"), ("sink.parallelism", "2")]).unwrap();
    assert_eq!(c.partitioner, SinkPartitioner::RoundRobin);
    let e = err(plain(&[("topic", "a"), ("format", "json"), ("sink.partitioner", "org.example.MyPartitioner")]));
    assert!(e.contains("\"fixed\""), "{e}");
    let c = plain(&[("topic", "a;b"), ("format", "json")]).unwrap();
    assert!(c.check_sink().unwrap_err().to_string().contains("one topic"));
    let c = plain(&[("topic-pattern", "a.*"), ("format", "json")]).unwrap();
    assert!(c.check_sink().is_err());
}

#[test]
fn upsert_kafka_rules() {
    let e = err(upsert(&[("topic", "a"), ("key.format", "json"), ("value.format", "json")], &[]));
    assert!(e.contains("PRIMARY KEY"), "{e}");
    let e = err(upsert(&[("topic", "a"), ("value.format", "json")], &["id"]));
    assert!(e.contains("\"key.format\""), "{e}");
    let e = err(upsert(&[("topic", "a"), ("key.format", "json"), ("format", "json")], &["id"]));
    assert!(e.contains("\"format\""), "{e}");
    assert!(matches!(
        upsert(&[("topic", "a"), ("key.format", "json"), ("value.format", "json"), ("key.fields", "id")], &["id"]),
        Err(ConnectorError::UnknownOption { .. })
    ));
    assert!(matches!(
        upsert(&[("topic", "a"), ("key.format", "json"), ("value.format", "json"), ("scan.startup.mode", "latest-offset")], &["id"]),
        Err(ConnectorError::UnknownOption { .. })
    ));
    let c = upsert(&[("topic", "a"), ("key.format", "json"), ("value.format", "json")], &["id"]).unwrap();
    assert_eq!(c.key_fields, vec![0]);
    assert_eq!(c.startup, StartupMode::Earliest);
    assert_eq!(c.buffer_flush, None);
    let c = upsert(
        &[
            ("topic", "a"),
            ("key.format", "json"),
            ("value.format", "json"),
            ("sink.buffer-flush.max-rows", "100"),
            ("sink.buffer-flush.interval", "1 s"),
            ("scan.bounded.mode", "latest-offset"),
        ],
        &["id"],
    )
    .unwrap();
    assert_eq!(c.buffer_flush, Some((100, Duration::from_secs(1))));
    assert_eq!(c.bounded, BoundedMode::Latest);
    let e = err(upsert(
        &[("topic", "a"), ("key.format", "json"), ("value.format", "json"), ("sink.buffer-flush.max-rows", "100")],
        &["id"],
    ));
    assert!(e.contains("both be greater than zero"), "{e}");
}

fn msg(key: &str, value: Option<&str>) -> PendingMessage {
    PendingMessage {
        key: Some(key.as_bytes().to_vec()),
        value: value.map(|v| v.as_bytes().to_vec()),
        timestamp: None,
        headers: None,
    }
}

#[test]
fn upsert_buffer_keeps_the_last_change_per_key_in_first_arrival_order() {
    let mut b = UpsertBuffer::new(3, Duration::from_secs(3600));
    b.put(msg("a", Some("1")));
    b.put(msg("b", Some("1")));
    b.put(msg("a", Some("2")));
    b.put(msg("b", None));
    assert_eq!(b.len(), 2);
    assert!(!b.is_due());
    b.put(msg("c", Some("1")));
    assert!(b.is_due());
    let shown: Vec<(String, Option<String>)> = b
        .take()
        .iter()
        .map(|m| {
            (
                String::from_utf8_lossy(m.key.as_deref().unwrap_or_default()).into_owned(),
                m.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()),
            )
        })
        .collect();
    assert_eq!(shown, vec![("a".into(), Some("2".into())), ("b".into(), None), ("c".into(), Some("1".into()))]);
    assert_eq!(b.len(), 0);
    assert!(!b.is_due());
}

#[test]
fn upsert_buffer_is_due_after_the_interval_only_when_not_empty() {
    let mut b = UpsertBuffer::new(100, Duration::ZERO);
    assert!(!b.is_due());
    b.put(msg("a", Some("1")));
    assert!(b.is_due());
}
