//! Writing test input into a topic of the Apache Kafka test broker, batched as a real
//! producer batches (librdkafka's defaults).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use sluice_testkit::KafkaBroker;

/// Writes each `(partition, value)` message into `topic` and waits until all are
/// delivered.
pub fn produce(broker: &KafkaBroker, topic: &str, messages: &[(i32, &str)]) {
    send_all(broker, topic, messages.iter().map(|(p, v)| (*p, None, *v)));
}

/// Writes each `(timestamp in epoch milliseconds, value)` message into partition 0 of
/// `topic`, with that message timestamp, and waits until all are delivered.
pub fn produce_timed(broker: &KafkaBroker, topic: &str, messages: &[(i64, String)]) {
    send_all(broker, topic, messages.iter().map(|(millis, v)| (0, Some(*millis), v.as_str())));
}

/// Sends `(partition, timestamp, value)` messages (the producer's clock where there is no
/// timestamp) and waits until all are delivered.
fn send_all<'a>(broker: &KafkaBroker, topic: &str, messages: impl Iterator<Item = (i32, Option<i64>, &'a str)>) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for (partition, millis, value) in messages {
        let mut record = BaseRecord::<(), str>::to(topic).partition(partition).payload(value);
        if let Some(millis) = millis {
            record = record.timestamp(millis);
        }
        producer.send(record).expect("queue a message");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(120)).expect("flush");
}

/// Every message of `topic` (which has `partitions` partitions) up to the partitions'
/// end offsets when called, as (partition, key, value); a tombstone has no value.
pub fn read_topic(broker: &KafkaBroker, topic: &str, partitions: i32) -> Vec<(i32, Option<String>, Option<String>)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", "sluice-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut ends = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        let (_, high) = consumer.fetch_watermarks(topic, p, Duration::from_secs(10)).expect("watermarks");
        ends.insert(p, high);
        tpl.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut positions: HashMap<i32, i64> = (0..partitions).map(|p| (p, 0)).collect();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while positions.iter().any(|(p, pos)| *pos < ends[p]) {
        assert!(Instant::now() < deadline, "timed out reading {topic}: {positions:?} of {ends:?}");
        let message = consumer.poll(Duration::from_millis(100));
        // The consumer's position, not the last message's offset: the last offsets of a
        // transactional topic are commit markers, which are never delivered.
        if let Ok(now) = consumer.position() {
            for e in now.elements() {
                if let rdkafka::Offset::Offset(n) = e.offset() {
                    positions.insert(e.partition(), n);
                }
            }
        }
        if let Some(message) = message {
            let m = message.expect("message");
            positions.insert(m.partition(), (m.offset() + 1).max(positions[&m.partition()]));
            out.push((
                m.partition(),
                m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                m.payload().map(|v| String::from_utf8_lossy(v).into_owned()),
            ));
        }
    }
    out
}

/// How many times each `id` (a JSON value's `id` field) is in `topic`, which has one
/// partition, as a `read_committed` reader sees it.
pub fn committed_ids(broker: &KafkaBroker, topic: &str) -> std::collections::BTreeMap<i64, usize> {
    let mut ids = std::collections::BTreeMap::new();
    for (_, _, value) in read_topic(broker, topic, 1) {
        let row: serde_json::Value = serde_json::from_str(&value.expect("a value")).unwrap();
        *ids.entry(row["id"].as_i64().unwrap()).or_default() += 1;
    }
    ids
}
