//! The Kafka side of `sluice gen`: one `BaseProducer` fed from the generator on the
//! calling thread, with no async runtime.
//!
//! The hot loop writes each record into one reused buffer and hands librdkafka a
//! `BaseRecord` that borrows it (librdkafka copies the bytes into its queue). It asks
//! the rate limiter for a batch of messages at a time, polls the producer without
//! blocking after each batch so delivery reports are served, and when librdkafka's queue
//! is full it polls until there is room. The producer settings batch well by default
//! (see `DEFAULTS`); `-X` overrides any of them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use sluice_connector_api::ConnectorError;
use sluice_connectors::fake_data::FakeDataGenerator;

use super::delivery::DeliveryTracker;
use super::key::field_value;
use super::progress::{Counts, Progress};
use super::rate::{Grant, TokenBucket};
use super::topic::{ensure_topic, TopicPlan};
use super::BATCH;

/// Producer settings chosen for throughput, applied before the user's `-X` settings:
/// wait up to 10 ms to fill batches of up to 10,000 messages, and queue up to a million
/// messages before `send` reports a full queue. Compression stays librdkafka's default
/// (none) unless `-X compression.type=...` is given.
const DEFAULTS: [(&str, &str); 4] = [
    ("client.id", "sluice-gen"),
    ("linger.ms", "10"),
    ("batch.num.messages", "10000"),
    ("queue.buffering.max.messages", "1000000"),
];

/// librdkafka's default `message.timeout.ms`.
const DEFAULT_MESSAGE_TIMEOUT_MS: u64 = 300_000;

/// Where and how to produce.
pub struct KafkaTarget<'a> {
    pub topic: &'a str,
    pub bootstrap: &'a str,
    pub properties: &'a [(String, String)],
    pub partitions: Option<i32>,
    pub replication_factor: i32,
    /// The record field whose value becomes the message key; `None` sends no key.
    pub key_field: Option<&'a str>,
}

/// Produces `count` messages (0: until stopped), then waits until every queued message
/// is delivered or has failed. Prints the summary either way.
pub fn produce(
    generator: &mut FakeDataGenerator,
    target: &KafkaTarget<'_>,
    rate: u64,
    count: u64,
    stop: &AtomicBool,
    progress: &mut Progress,
) -> Result<()> {
    let config = client_config(target)?;
    let message_timeout = Duration::from_millis(
        config.get("message.timeout.ms").and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_MESSAGE_TIMEOUT_MS),
    );
    let producer: BaseProducer<DeliveryTracker> = config.create_with_context(DeliveryTracker::new(Instant::now())).map_err(|e| {
        anyhow!("cannot configure the Kafka producer: {e}\n\nhint: Check the -X properties; they must be librdkafka producer settings.")
    })?;
    let plan = TopicPlan {
        name: target.topic,
        bootstrap: target.bootstrap,
        partitions: target.partitions,
        replication_factor: target.replication_factor,
        patience: message_timeout,
        stop,
    };
    let partitions = ensure_topic(&producer, &config, &plan, progress)?;
    let pace = if rate == 0 { "as fast as possible".to_string() } else { format!("{rate} messages/s") };
    progress.note(&format!(
        "producing to \"{}\" ({partitions} partitions) at \"{}\", {pace}",
        target.topic, target.bootstrap
    ));
    let mut run = Run { producer, message_timeout, sent: 0, last_error: None, progress };
    let produced = run.send_all(generator, target, rate, count, stop);
    // Deliver what is queued even after an error, so the summary is true.
    let flushed = produced.and_then(|()| run.flush());
    run.progress.finish(Instant::now(), run.counts());
    flushed?;
    let failed = run.producer.context().failed();
    if failed > 0 {
        bail!(
            "{failed} of {} messages could not be delivered to \"{}\"{}",
            run.sent,
            target.topic,
            run.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
        );
    }
    Ok(())
}

/// The producer's configuration: the defaults, then the -X properties, in librdkafka's
/// spelling or the Java client's (translated as for a table's `properties.*`).
fn client_config(target: &KafkaTarget<'_>) -> Result<ClientConfig> {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", target.bootstrap);
    for (key, value) in DEFAULTS {
        config.set(key, value);
    }
    let properties = sluice_connectors::kafka::to_librdkafka("sluice gen", target.properties).map_err(|e| match e {
        ConnectorError::UnknownOption { key, known, .. } => {
            let key = key.trim_start_matches("properties.");
            let names = known.iter().map(|k| k.trim_start_matches("properties."));
            let suggestion = sluice_planner::suggest::closest(key, names).map(|k| format!(": did you mean -X {k}?")).unwrap_or_default();
            anyhow!("librdkafka has no property \"{key}\"{suggestion}")
        }
        other => anyhow!("{}", other.to_string().replace("\"properties.", "\"")),
    })?;
    for (key, value) in properties {
        config.set(key, value);
    }
    Ok(config)
}

/// The state of one production run.
struct Run<'p> {
    producer: BaseProducer<DeliveryTracker>,
    message_timeout: Duration,
    sent: u64,
    last_error: Option<String>,
    progress: &'p mut Progress,
}

impl Run<'_> {
    fn counts(&self) -> Counts {
        let tracker = self.producer.context();
        Counts { sent: self.sent, delivered: Some(tracker.delivered()), failed: tracker.failed() }
    }

    fn send_all(
        &mut self,
        generator: &mut FakeDataGenerator,
        target: &KafkaTarget<'_>,
        rate: u64,
        count: u64,
        stop: &AtomicBool,
    ) -> Result<()> {
        let mut bucket = TokenBucket::new(rate, Instant::now());
        let mut record = Vec::with_capacity(1024);
        while !stop.load(Ordering::Relaxed) && (count == 0 || self.sent < count) {
            let mut batch = if count == 0 { BATCH } else { BATCH.min(count - self.sent) };
            if let Some(bucket) = bucket.as_mut() {
                match bucket.take(batch, Instant::now()) {
                    Grant::Send(n) => batch = n,
                    Grant::Wait(wait) => {
                        // Serve delivery reports, then sleep. (Not `poll(wait)`: rdkafka
                        // rounds the time left down to whole milliseconds and so spins
                        // through the last one, which at high rates is every wait.)
                        self.producer.poll(Duration::ZERO);
                        self.check()?;
                        std::thread::sleep(wait);
                        continue;
                    }
                }
            }
            for _ in 0..batch {
                record.clear();
                generator.next_record(&mut record);
                let key = target.key_field.and_then(|field| field_value(&record, field));
                self.send(target.topic, &record, key)?;
                self.sent += 1;
            }
            self.producer.poll(Duration::ZERO);
            self.check()?;
        }
        Ok(())
    }

    /// Enqueues one message, polling while librdkafka's queue is full.
    fn send(&mut self, topic: &str, payload: &[u8], key: Option<&[u8]>) -> Result<()> {
        let mut message: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic).payload(payload);
        message.key = key;
        loop {
            match self.producer.send(message) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    message = back;
                    self.producer.poll(Duration::from_millis(10));
                    self.check()?;
                }
                Err((error, _)) => bail!("cannot send to topic \"{topic}\": {error}"),
            }
        }
    }

    /// Waits until every queued message is delivered or has failed.
    fn flush(&mut self) -> Result<()> {
        while self.producer.in_flight_count() > 0 {
            self.producer.poll(Duration::from_millis(100));
            self.check()?;
        }
        Ok(())
    }

    /// Reports progress and errors, and gives up when messages fail and none has been
    /// delivered for the whole message timeout: the cluster is gone, or refuses them.
    fn check(&mut self) -> Result<()> {
        let now = Instant::now();
        if let Some(error) = self.producer.context().take_error() {
            self.progress.error(now, &error);
            self.last_error = Some(error);
        }
        let tracker = self.producer.context();
        let quiet_for = tracker.millis_without_delivery(now);
        if tracker.failed() > 0 && quiet_for >= self.message_timeout.as_millis() as u64 {
            bail!(
                "no message could be delivered for {quiet_for} ms{}\n\n\
                 hint: Check that the broker is running and reachable, and that the topic accepts writes. \
                 -X message.timeout.ms sets how long a message may wait.",
                self.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
            );
        }
        self.progress.tick(now, self.counts());
        Ok(())
    }
}
