//! Writing test input into a topic of the tansu test broker.
//!
//! tansu 0.6 reports a partition's end offset as one past the first offset of its last
//! record batch, so a bounded read (`scan.bounded.mode = latest-offset`) of a topic
//! written in multi-message batches would stop early. The messages are therefore sent
//! one per batch (`batch.num.messages = 1`). Real Kafka has no such bug.

use std::time::Duration;

use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use sluice_testkit::KafkaBroker;

/// Writes each `(partition, value)` message into `topic`, one message per batch, and
/// waits until all are delivered.
pub fn produce(broker: &KafkaBroker, topic: &str, messages: &[(i32, &str)]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("batch.num.messages", "1")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for (partition, value) in messages {
        producer.send(BaseRecord::<(), str>::to(topic).partition(*partition).payload(*value)).expect("queue a message");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(120)).expect("flush");
}
