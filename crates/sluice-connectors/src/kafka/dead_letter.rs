//! Dead letters in a Kafka topic (`'sluice.dead-letter' = 'kafka://HOST:PORT/TOPIC'`).
//!
//! Each record that could not be decoded becomes one message: its raw key and value as
//! they were read (the value is empty when the record had none), and headers saying where
//! it was and why it failed: `sluice.table`, `sluice.position` (`topic T partition P
//! offset O`, or `FILE:LINE`), `sluice.reason` and `sluice.time` (RFC 3339, UTC).
//!
//! With checkpoints on, the producer is transactional (`transactional.id` =
//! `sluice-dead-letter-JOB.TABLE.N`, the same on every run of the script) and follows the
//! exactly-once sink's protocol (`transactions`): the dead letters of checkpoint N are one
//! transaction, committed with N recorded in it once N's state is saved. A restarted job
//! fences the old producer, whose open transaction is aborted; those records are read
//! again and sent again. `read_committed` readers see each dead letter once. Without
//! checkpoints the producer is idempotent and waits for the broker's acknowledgements
//! whenever the source commits its position (at least once).

use std::time::{Duration, Instant};

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;
use sluice_connector_api::ConnectorError;

use super::client::{login_error, SluiceContext, METADATA_TIMEOUT};
use super::transactions::CheckpointTransactions;

/// The longest a flush waits for the broker's acknowledgements.
const FLUSH_LIMIT: Duration = Duration::from_secs(600);

/// Where a `kafka://` dead-letter destination points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetterTopic {
    pub servers: String,
    pub topic: String,
}

impl DeadLetterTopic {
    /// Parses `kafka://HOST:PORT[,HOST:PORT...]/TOPIC`; `None` for another scheme.
    pub fn parse(value: &str) -> Option<Result<DeadLetterTopic, String>> {
        let rest = value.strip_prefix("kafka://")?;
        Some(match rest.split_once('/') {
            Some((servers, topic)) if !servers.is_empty() && !topic.is_empty() && !topic.contains('/') => {
                Ok(DeadLetterTopic { servers: servers.to_string(), topic: topic.to_string() })
            }
            _ => Err("write a Kafka topic as kafka://HOST:PORT/TOPIC (several brokers separated by commas)".into()),
        })
    }
}

/// The producer of one source's dead letters (see the module doc).
pub struct KafkaDeadLetters {
    producer: BaseProducer<SluiceContext>,
    target: DeadLetterTopic,
    table: String,
    /// With checkpoints: the transactions, one per checkpoint.
    transactions: Option<CheckpointTransactions>,
    /// How the options that set `properties` begin, for errors that name them.
    options_prefix: &'static str,
    /// The producer's settings, to fence the transactional ids of other instances.
    producer_config: ClientConfig,
}

impl KafkaDeadLetters {
    /// A producer for `target` with the librdkafka `properties` (security settings and
    /// the like, set by options beginning with `options_prefix`); `name` (job, table and the source's place in the job) makes its
    /// transactional id when `checkpointing`.
    pub fn new(
        target: DeadLetterTopic,
        properties: &[(String, String)],
        options_prefix: &'static str,
        table: &str,
        name: &str,
        checkpointing: bool,
    ) -> Result<KafkaDeadLetters, ConnectorError> {
        let mut config = ClientConfig::new();
        for (key, value) in properties {
            config.set(key, value);
        }
        config.set("bootstrap.servers", &target.servers);
        let prefix = format!("sluice-dead-letter-{name}");
        let mut producer_config = config.clone();
        producer_config.set("enable.idempotence", "true").set("linger.ms", "5");
        if checkpointing {
            producer_config.set("transactional.id", &prefix).set("transaction.timeout.ms", "900000");
        }
        let producer: BaseProducer<SluiceContext> = producer_config
            .create_with_context(SluiceContext::new(&target.servers))
            .map_err(|e| ConnectorError::External(format!("cannot create a Kafka producer for the dead letters at {}: {e}", target.servers)))?;
        let mut letters = KafkaDeadLetters {
            producer,
            target,
            table: table.to_string(),
            transactions: None,
            options_prefix,
            producer_config: producer_config.clone(),
        };
        letters.check_topic()?;
        if checkpointing {
            let txn = CheckpointTransactions::start(&letters.producer, config, &prefix, &letters.target.topic, &letters.target.servers)
                .map_err(|e| letters.error("cannot start the Kafka transactions of", e))?;
            letters.transactions = Some(txn);
        }
        Ok(letters)
    }

    fn error(&self, what: &str, e: KafkaError) -> ConnectorError {
        // librdkafka reports a refused login through the error callback, which only a
        // poll serves; its request errors say no more than "transport failure".
        self.producer.poll(Duration::ZERO);
        if let Some(login) = login_error(&self.producer.context().health, &self.target.servers, self.options_prefix) {
            return login;
        }
        let fenced = matches!(e.rdkafka_error_code(), Some(RDKafkaErrorCode::Fenced | RDKafkaErrorCode::ProducerFenced));
        let hint = if fenced { " (another copy of this job started and fenced this one)" } else { "" };
        ConnectorError::External(format!(
            "{what} the dead letters of table \"{}\" in topic \"{}\" at {}: {e}{hint}",
            self.table, self.target.topic, self.target.servers
        ))
    }

    /// Fails unless the topic exists: a dead letter must not go to a topic created by
    /// accident with the broker's defaults.
    fn check_topic(&self) -> Result<(), ConnectorError> {
        let md = self
            .producer
            .client()
            .fetch_metadata(Some(&self.target.topic), METADATA_TIMEOUT)
            .map_err(|e| self.error("cannot reach Kafka for", e))?;
        let exists = md.topics().iter().any(|t| t.name() == self.target.topic && t.error().is_none() && !t.partitions().is_empty());
        if !exists {
            return Err(ConnectorError::External(format!(
                "the dead-letter topic \"{}\" does not exist at {}: create it, or check 'sluice.dead-letter'",
                self.target.topic, self.target.servers
            )));
        }
        Ok(())
    }

    /// Sends one record that could not be decoded.
    pub fn send(&mut self, position: &str, reason: &str, time: &str, key: Option<&[u8]>, value: &[u8]) -> Result<(), ConnectorError> {
        let headers = OwnedHeaders::new_with_capacity(4)
            .insert(Header { key: "sluice.table", value: Some(self.table.as_bytes()) })
            .insert(Header { key: "sluice.position", value: Some(position.as_bytes()) })
            .insert(Header { key: "sluice.reason", value: Some(reason.as_bytes()) })
            .insert(Header { key: "sluice.time", value: Some(time.as_bytes()) });
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&self.target.topic).payload(value).headers(headers);
        if let Some(key) = key {
            record = record.key(key);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(self.error("cannot send", e)),
            }
        }
        self.producer.poll(Duration::ZERO);
        self.check_deliveries()
    }

    fn check_deliveries(&self) -> Result<(), ConnectorError> {
        let failed = self.producer.context().failed.swap(0, std::sync::atomic::Ordering::Relaxed);
        if failed == 0 {
            return Ok(());
        }
        let reasons = self.producer.context().delivery_errors.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default();
        Err(ConnectorError::External(format!(
            "{failed} dead letter(s) of table \"{}\" could not be delivered to topic \"{}\" at {}: {}",
            self.table,
            self.target.topic,
            self.target.servers,
            reasons.join("; ")
        )))
    }

    /// Waits until the broker acknowledged every dead letter sent so far.
    pub fn flush(&mut self) -> Result<(), ConnectorError> {
        let started = Instant::now();
        while self.producer.in_flight_count() > 0 {
            if started.elapsed() > FLUSH_LIMIT {
                return Err(ConnectorError::External(format!(
                    "{} dead letter(s) to topic \"{}\" at {} were not acknowledged within {} s; check that the brokers are reachable",
                    self.producer.in_flight_count(),
                    self.target.topic,
                    self.target.servers,
                    FLUSH_LIMIT.as_secs()
                )));
            }
            let _ = self.producer.flush(Duration::from_secs(5));
        }
        self.producer.poll(Duration::ZERO);
        self.check_deliveries()
    }

    /// Checkpoint `checkpoint`'s state is saved: its dead letters' transaction commits,
    /// with the checkpoint recorded in it.
    pub fn commit_checkpoint(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        let Some(txn) = &self.transactions else { return self.flush() };
        txn.commit(&self.producer, checkpoint)
            .map_err(|e| self.error(&format!("cannot commit checkpoint {checkpoint} of"), e))
    }

    /// The newest checkpoint whose dead letters committed (`None` without checkpoints).
    pub fn committed_checkpoint(&self) -> Result<Option<u64>, ConnectorError> {
        self.transactions.as_ref().map(|txn| txn.committed()).transpose()
    }

    /// Fences the transactional id of the dead letters named `name` (another reader
    /// instance of the same source, in a run at another parallelism), aborting the
    /// transaction it left open. Nothing to do without checkpoints.
    pub fn fence_other(&self, name: &str) -> Result<(), ConnectorError> {
        if self.transactions.is_none() {
            return Ok(());
        }
        let id = format!("sluice-dead-letter-{name}");
        let mut config = self.producer_config.clone();
        config.set("transactional.id", id.as_str());
        super::transactions::fence(&config, &self.target.servers).map_err(|e| self.error(&format!("cannot abort the transaction left by \"{id}\" for"), e))
    }
}

impl Drop for KafkaDeadLetters {
    fn drop(&mut self) {
        if self.transactions.is_some() {
            // Committed checkpoints hold every dead letter that counts; the open
            // transaction holds only records that will be read again.
            let _ = self.producer.abort_transaction(METADATA_TIMEOUT);
        } else {
            let _ = self.producer.flush(Duration::from_secs(30));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_parsed_from_kafka_urls() {
        assert_eq!(
            DeadLetterTopic::parse("kafka://a:9092,b:9092/dead"),
            Some(Ok(DeadLetterTopic { servers: "a:9092,b:9092".into(), topic: "dead".into() }))
        );
        assert!(DeadLetterTopic::parse("kafka://a:9092").unwrap().is_err());
        assert!(DeadLetterTopic::parse("kafka:///dead").unwrap().is_err());
        assert_eq!(DeadLetterTopic::parse("file:///tmp/x"), None);
    }
}
