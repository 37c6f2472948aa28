//! One Kafka transaction per checkpoint, with the checkpoint's id recorded in it: the
//! protocol of every transactional producer of a job (the `exactly-once` sink and the
//! dead letters in a topic).
//!
//! The producer's `transactional.id` is the same on every run, so starting one fences an
//! older producer with that id and aborts its open transaction. Atomically with each
//! commit, the checkpoint's id is committed as the offset of partition 0 of the
//! producer's topic for a consumer group of the producer's own (`<name>-checkpoints`)
//! (`send_offsets_to_transaction`): that is how a restarted job learns whether a
//! checkpoint saved just before a crash was committed.

use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerGroupMetadata};
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, Producer, ProducerContext};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sluice_connector_api::ConnectorError;

use super::client::{while_coordinator_moves, METADATA_TIMEOUT};

/// The longest a commit waits for the broker.
const COMMIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// Starts a producer with the `transactional.id` of `config` and drops it: the broker
/// fences every older producer with that id and aborts the transaction it left open.
/// For the ids of subtasks a restored job no longer has.
pub fn fence(config: &ClientConfig, servers: &str) -> Result<(), KafkaError> {
    let producer: BaseProducer<super::client::SluiceContext> = config.create_with_context(super::client::SluiceContext::new(servers))?;
    producer.init_transactions(METADATA_TIMEOUT)
}

/// How a producer's transactions record their checkpoints (see the module doc).
pub struct CheckpointTransactions {
    /// The consumer group whose offset of partition 0 of `topic` is the newest committed
    /// checkpoint.
    marker_group: String,
    /// A consumer of `marker_group` that never joins it: it only lends its group metadata
    /// to the transactions and reads the marker back.
    marker: BaseConsumer,
    group_metadata: ConsumerGroupMetadata,
    topic: String,
    servers: String,
}

impl CheckpointTransactions {
    /// Fences older producers with `producer`'s transactional id (aborting what they
    /// left open) and opens the first transaction. `consumer` holds the connection
    /// settings of the marker's consumer (servers, security); its group is set here.
    pub fn start<C: ProducerContext>(
        producer: &BaseProducer<C>,
        mut consumer: ClientConfig,
        prefix: &str,
        topic: &str,
        servers: &str,
    ) -> Result<CheckpointTransactions, KafkaError> {
        let marker_group = format!("{prefix}-checkpoints");
        let marker: BaseConsumer =
            consumer.set("group.id", marker_group.as_str()).set("enable.auto.commit", "false").create()?;
        let group_metadata = marker.group_metadata().ok_or(KafkaError::NoMessageReceived)?;
        producer.init_transactions(METADATA_TIMEOUT)?;
        producer.begin_transaction()?;
        Ok(CheckpointTransactions { marker_group, marker, group_metadata, topic: topic.to_string(), servers: servers.to_string() })
    }

    /// Records `checkpoint` in the open transaction, commits it, and opens the next.
    pub fn commit<C: ProducerContext>(&self, producer: &BaseProducer<C>, checkpoint: u64) -> Result<(), KafkaError> {
        let mut marker = TopicPartitionList::new();
        marker.add_partition_offset(&self.topic, 0, Offset::Offset(checkpoint as i64))?;
        producer.send_offsets_to_transaction(&marker, &self.group_metadata, METADATA_TIMEOUT)?;
        producer.commit_transaction(COMMIT_LIMIT)?;
        producer.begin_transaction()
    }

    /// The newest checkpoint whose transaction committed (0: none).
    pub fn committed(&self) -> Result<u64, ConnectorError> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&self.topic, 0);
        let got = while_coordinator_moves(|| self.marker.committed_offsets(tpl.clone(), METADATA_TIMEOUT)).map_err(|e| {
            ConnectorError::External(format!(
                "cannot read the checkpoint committed by \"{}\" at {}: {e}",
                self.marker_group, self.servers
            ))
        })?;
        Ok(match got.find_partition(&self.topic, 0).map(|p| p.offset()) {
            Some(Offset::Offset(n)) if n > 0 => n as u64,
            _ => 0,
        })
    }
}
