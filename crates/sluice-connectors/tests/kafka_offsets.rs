//! Where the `kafka` source starts and stops, and the offsets it commits, against a real
//! Apache Kafka broker.

mod kafka_support;

use std::time::{Duration, Instant};

use kafka_support::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sluice_connector_api::{SourceReader, TableSpec};
use sluice_connectors::kafka;
use sluice_testkit::KafkaBroker;
use sluice_types::DataType;

fn numbers(bootstrap: &str, topic: &str, options: &[(&str, &str)]) -> TableSpec {
    let mut all = vec![("topic", topic), ("properties.bootstrap.servers", bootstrap), ("format", "json")];
    all.extend_from_slice(options);
    table("kafka", &[("n", DataType::bigint())], &all, &[])
}

fn open(t: &TableSpec, batch_size: usize) -> Box<dyn SourceReader> {
    kafka::factory().create_source(t, &source_ctx(t, vec![0], vec![], batch_size)).unwrap()
}

fn produce_numbers(bootstrap: &str, topic: &str, range: std::ops::RangeInclusive<i64>) {
    let messages: Vec<TestMessage> = range
        .map(|n| TestMessage { timestamp: Some(n * 1000), ..msg(0, &format!(r#"{{"n":{n}}}"#)) })
        .collect();
    produce(bootstrap, topic, &messages);
}

fn committed(bootstrap: &str, group: &str, topic: &str) -> Option<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, 0);
    let got = consumer.committed_offsets(tpl, Duration::from_secs(10)).ok()?;
    match got.find_partition(topic, 0)?.offset() {
        Offset::Offset(n) => Some(n),
        _ => None,
    }
}

/// Waits until the group's committed offset is `want` (commits are asynchronous).
fn wait_committed(bootstrap: &str, group: &str, topic: &str, want: i64) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = committed(bootstrap, group, topic);
        if got == Some(want) {
            return;
        }
        assert!(Instant::now() < deadline, "the committed offset stayed {got:?}, expected {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn commit_records_only_returned_rows_and_group_offsets_resume_there() {
    let broker = KafkaBroker::start();
    let b = broker.bootstrap();
    broker.create_topic("c", 1);
    produce_numbers(&b, "c", 1..=4);
    let t = numbers(&b, "c", &[("properties.group.id", "g1"), ("scan.startup.mode", "earliest-offset")]);
    let mut source = open(&t, 2);
    assert_eq!(rows(&drain(source.as_mut(), Some(2)).unwrap()), vec!["+I 1", "+I 2"]);
    source.commit().unwrap();
    wait_committed(&b, "g1", "c", 2);
    assert_eq!(rows(&drain(source.as_mut(), Some(2)).unwrap()), vec!["+I 3", "+I 4"]);
    source.commit().unwrap();
    wait_committed(&b, "g1", "c", 4);
    drop(source);

    produce_numbers(&b, "c", 5..=5);
    let t = numbers(
        &b,
        "c",
        &[("properties.group.id", "g1"), ("scan.startup.mode", "group-offsets"), ("scan.bounded.mode", "latest-offset")],
    );
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()), vec!["+I 5"]);

    // A group without committed offsets fails unless auto.offset.reset says otherwise.
    let t = numbers(&b, "c", &[("properties.group.id", "fresh"), ("scan.bounded.mode", "latest-offset")]);
    let e = kafka::factory().create_source(&t, &source_ctx(&t, vec![0], vec![], 10)).err().unwrap().to_string();
    assert!(e.contains("no committed offset") && e.contains("auto.offset.reset"), "{e}");
    let t = numbers(
        &b,
        "c",
        &[
            ("properties.group.id", "fresh"),
            ("properties.auto.offset.reset", "earliest"),
            ("scan.bounded.mode", "latest-offset"),
        ],
    );
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()).len(), 5);
}

#[test]
fn startup_modes() {
    let broker = KafkaBroker::start();
    let b = broker.bootstrap();
    broker.create_topic("s", 1);
    produce_numbers(&b, "s", 1..=4);
    let bounded = ("scan.bounded.mode", "latest-offset");

    let t = numbers(&b, "s", &[("scan.startup.mode", "earliest-offset"), bounded]);
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()).len(), 4);

    let t = numbers(
        &b,
        "s",
        &[("scan.startup.mode", "specific-offsets"), ("scan.startup.specific-offsets", "partition:0,offset:2"), bounded],
    );
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()), vec!["+I 3", "+I 4"]);

    // Message n has the timestamp n seconds. `timestamp` starts at the first message at
    // or after the time, and a `timestamp` bound stops before the first one at or after
    // it, as Flink's OffsetsInitializer.timestamp does.
    let t = numbers(&b, "s", &[("scan.startup.mode", "timestamp"), ("scan.startup.timestamp-millis", "2500"), bounded]);
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()), vec!["+I 3", "+I 4"]);
    let t = numbers(
        &b,
        "s",
        &[
            ("scan.startup.mode", "earliest-offset"),
            ("scan.bounded.mode", "timestamp"),
            ("scan.bounded.timestamp-millis", "3000"),
        ],
    );
    assert_eq!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()), vec!["+I 1", "+I 2"]);
    // A time after every message: the startup position is the end.
    let t = numbers(&b, "s", &[("scan.startup.mode", "timestamp"), ("scan.startup.timestamp-millis", "99000"), bounded]);
    assert!(rows(&drain(open(&t, 10).as_mut(), None).unwrap()).is_empty());

    // latest-offset: only what arrives after the start.
    let t = numbers(&b, "s", &[("scan.startup.mode", "latest-offset")]);
    assert!(!kafka::factory().is_bounded(&t));
    let mut source = open(&t, 10);
    assert!(drain_added(source.as_mut()));
    produce_numbers(&b, "s", 5..=5);
    assert_eq!(rows(&drain(source.as_mut(), Some(1)).unwrap()), vec!["+I 5"]);
}

/// Polls the start of an unbounded source until its split was added.
fn drain_added(source: &mut dyn SourceReader) -> bool {
    matches!(source.poll_next(), Ok(sluice_connector_api::SourcePoll::SplitAdded(0)))
}

#[test]
fn bounded_modes() {
    let broker = KafkaBroker::start();
    let b = broker.bootstrap();
    broker.create_topic("bd", 2);
    produce_numbers(&b, "bd", 1..=4);
    let earliest = ("scan.startup.mode", "earliest-offset");

    let t = numbers(
        &b,
        "bd",
        &[earliest, ("scan.bounded.mode", "specific-offsets"), ("scan.bounded.specific-offsets", "partition:0,offset:2")],
    );
    let events = drain(open(&t, 10).as_mut(), None).unwrap();
    assert_eq!(rows(&events), vec!["+I 1", "+I 2"]);
    // Partition 1 is empty: it is added and finished without rows.
    assert!(events.iter().any(|e| matches!(e, Event::Added(1))));
    assert!(events.iter().any(|e| matches!(e, Event::Finished(1))));
}

#[test]
fn a_restored_source_reads_on_from_its_saved_position_and_restoring_after_reading_is_refused() {
    let broker = KafkaBroker::start();
    let b = broker.bootstrap();
    broker.create_topic("rs", 1);
    produce_numbers(&b, "rs", 1..=6);
    let t = numbers(&b, "rs", &[("scan.startup.mode", "earliest-offset"), ("scan.bounded.mode", "latest-offset")]);
    let mut first = open(&t, 2);
    assert_eq!(rows(&drain(first.as_mut(), Some(2)).unwrap()), vec!["+I 1", "+I 2"]);
    let position = first.snapshot().unwrap();
    drop(first);
    // The startup mode says "earliest", the checkpoint says offset 2: the checkpoint wins,
    // and the partition is never read from its start (once, under load, it was: the
    // consumer was assigned at creation and again at the restore).
    let mut second = open(&t, 2);
    second.restore(&position).unwrap();
    assert_eq!(rows(&drain(second.as_mut(), None).unwrap()), vec!["+I 3", "+I 4", "+I 5", "+I 6"]);
    let e = second.restore(&position).unwrap_err().to_string();
    assert!(e.contains("restored after it started reading"), "{e}");
}
