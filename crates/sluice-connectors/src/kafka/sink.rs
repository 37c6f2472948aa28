//! `KafkaSink`: writes rows as Kafka messages with librdkafka's producer. Each row is
//! encoded into reused key and value buffers (librdkafka copies them). `upsert-kafka`
//! turns `-D` into a tombstone, skips `-U`, and may reduce rows by key before sending
//! (see `upsert::UpsertBuffer`). Delivery failures are collected by the producer's
//! callback and returned from the next `write`, `flush` or `finish`.
//!
//! With `'sink.delivery-guarantee' = 'exactly-once'` the producer is transactional
//! (`transactional.id` = the prefix and the subtask, the same on every run) and each
//! checkpoint commits one transaction with the checkpoint's id recorded in it, for the
//! consumer group `<prefix>-checkpoints` (subtask 0) or `<prefix>-<subtask>-checkpoints`
//! (see `transactions`). Readers with
//! `isolation.level=read_committed` (librdkafka's default) see each row exactly once.
//! A job restored with fewer subtasks fences the transactional ids of the subtasks it
//! no longer has (`recover_removed`), aborting what they left open.

use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::ClientConfig;
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::RowKind;

use super::client::{client_config, creation_error, SluiceContext, METADATA_TIMEOUT};
use super::config::{DeliveryGuarantee, KafkaConfig, KafkaFlavor, SinkPartitioner};
use super::format::RowEncoder;
use super::metadata;
use super::transactions::{self, CheckpointTransactions};
use super::upsert::{PendingMessage, UpsertBuffer};

/// librdkafka settings Sluice uses unless the table sets them in `properties.*`:
/// - `partitioner` `murmur2_random`: the Java client's hash of the key, so keyed rows
///   land in the same partitions as when Flink writes them;
/// - `linger.ms` 5 and `batch.num.messages` 10000: batches fill up under load without
///   holding a lone message back noticeably.
const PRODUCER_DEFAULTS: &[(&str, &str)] =
    &[("partitioner", "murmur2_random"), ("linger.ms", "5"), ("batch.num.messages", "10000")];
/// The longest `flush`/`finish` waits for the broker's acknowledgements. librdkafka
/// fails undeliverable messages after `message.timeout.ms` (5 minutes by default).
const FLUSH_LIMIT: Duration = Duration::from_secs(600);
/// Failures kept for the error message.
const MAX_DELIVERY_ERRORS: usize = 5;

impl ProducerContext for SluiceContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.health.report_up(),
            Err((e, _)) => {
                if let Ok(mut errors) = self.delivery_errors.lock() {
                    if errors.len() < MAX_DELIVERY_ERRORS {
                        errors.push(e.to_string());
                    }
                }
                self.failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

pub struct KafkaSink {
    producer: BaseProducer<SluiceContext>,
    topic: String,
    servers: String,
    flavor: KafkaFlavor,
    delivery: DeliveryGuarantee,
    key_columns: Vec<usize>,
    value_columns: Vec<usize>,
    key_encoder: Option<RowEncoder>,
    value_encoder: RowEncoder,
    timestamp_column: Option<usize>,
    headers_column: Option<usize>,
    time_zone: SessionTimeZone,
    /// A fixed partition (`fixed`) or the partition count to rotate over (`round-robin`).
    fixed_partition: Option<i32>,
    round_robin: Option<(i32, i32)>,
    key_buf: Vec<u8>,
    value_buf: Vec<u8>,
    buffer: Option<UpsertBuffer>,
    /// With `exactly-once`: how checkpoints are recorded with the transactions.
    transactions: Option<CheckpointTransactions>,
    /// With `exactly-once`: this producer's settings and the transactional id prefix, to
    /// fence the ids of subtasks a restored job no longer has.
    fencing: Option<(ClientConfig, String)>,
    /// What the writer was opened with, to open it again as another subtask
    /// (`for_subtask`).
    opened_with: (TableSpec, KafkaConfig, SinkContext),
}

/// How long a transaction may stay open before the broker aborts it, unless
/// `properties.transaction.timeout.ms` says otherwise: the brokers' default maximum.
const TRANSACTION_TIMEOUT_MS: &str = "900000";

impl KafkaSink {
    pub fn new(table: &TableSpec, config: &KafkaConfig, ctx: &SinkContext) -> Result<KafkaSink, ConnectorError> {
        let topic = config.check_sink()?.to_string();
        let mut defaults: Vec<(&str, &str)> = vec![("bootstrap.servers", config.bootstrap_servers.as_str())];
        defaults.extend_from_slice(PRODUCER_DEFAULTS);
        let transactional_id = match &config.delivery {
            DeliveryGuarantee::ExactlyOnce { transactional_id_prefix } => {
                if !ctx.checkpointing {
                    return Err(ConnectorError::InvalidOption {
                        key: "sink.delivery-guarantee".into(),
                        value: "exactly-once".into(),
                        reason: "exactly-once delivery commits one Kafka transaction per checkpoint; turn \
                                 checkpoints on with SET 'execution.checkpointing.interval' = '10 s', or use \
                                 \"at-least-once\""
                            .into(),
                    });
                }
                Some(format!("{transactional_id_prefix}-{}", ctx.subtask))
            }
            _ => None,
        };
        if let Some(id) = &transactional_id {
            defaults.push(("transactional.id", id.as_str()));
            defaults.push(("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS));
        }
        let producer_config = client_config(config, &defaults);
        let producer: BaseProducer<SluiceContext> = producer_config
            .create_with_context(SluiceContext::new(&config.bootstrap_servers))
            .map_err(|e| creation_error(config, e))?;
        let fencing = match &config.delivery {
            DeliveryGuarantee::ExactlyOnce { transactional_id_prefix } => Some((producer_config, transactional_id_prefix.clone())),
            _ => None,
        };
        let physical = table.physical_columns.len();
        let mut timestamp_column = None;
        let mut headers_column = None;
        for (i, (key, _)) in ctx.metadata.iter().enumerate() {
            match key.as_str() {
                "timestamp" => timestamp_column = Some(physical + i),
                "headers" => headers_column = Some(physical + i),
                other => {
                    return Err(ConnectorError::Schema(format!(
                        "connector \"{}\" cannot write metadata column \"{other}\"; it writes \"timestamp\" and \"headers\"",
                        config.flavor.name()
                    )))
                }
            }
        }
        let value_option = if config.flavor == KafkaFlavor::Plain { "format" } else { "value.format" };
        let value_encoder = RowEncoder::new(&config.value_format, &config.value_format_fields(table), value_option)?;
        let key_encoder = match &config.key_format {
            Some(spec) => Some(RowEncoder::new(spec, &config.key_format_fields(table), "key.format")?),
            None => None,
        };
        let mut sink = KafkaSink {
            producer,
            topic,
            servers: config.bootstrap_servers.clone(),
            flavor: config.flavor,
            delivery: config.delivery.clone(),
            key_columns: config.key_fields.clone(),
            value_columns: config.value_fields(physical),
            key_encoder,
            value_encoder,
            timestamp_column,
            headers_column,
            time_zone: ctx.time_zone,
            fixed_partition: None,
            round_robin: None,
            key_buf: Vec::new(),
            value_buf: Vec::new(),
            buffer: config.buffer_flush.map(|(rows, every)| UpsertBuffer::new(rows, every)),
            transactions: None,
            fencing,
            opened_with: (table.clone(), config.clone(), ctx.clone()),
        };
        if let (DeliveryGuarantee::ExactlyOnce { transactional_id_prefix }, Some(id)) = (&config.delivery, &transactional_id) {
            sink.transactions = Some(sink.start_transactions(config, transactional_id_prefix, id, ctx.subtask)?);
        }
        if config.flavor == KafkaFlavor::Plain && config.partitioner != SinkPartitioner::Default {
            let count = sink.partition_count()?;
            match config.partitioner {
                SinkPartitioner::Fixed => sink.fixed_partition = Some((ctx.subtask as i32).rem_euclid(count)),
                _ => sink.round_robin = Some((count, (ctx.subtask as i32).rem_euclid(count))),
            }
        }
        Ok(sink)
    }

    /// Fences older producers with the same transactional id (aborting what they left
    /// open) and opens the first transaction. Each subtask records its checkpoints for a
    /// group of its own: `<prefix>-checkpoints` for the first (as a job at parallelism 1
    /// always did), `<prefix>-<subtask>-checkpoints` for the others.
    fn start_transactions(
        &mut self,
        config: &KafkaConfig,
        prefix: &str,
        transactional_id: &str,
        subtask: usize,
    ) -> Result<CheckpointTransactions, ConnectorError> {
        let consumer = client_config(config, &[("bootstrap.servers", config.bootstrap_servers.as_str())]);
        let marker_prefix = if subtask == 0 { prefix } else { transactional_id };
        CheckpointTransactions::start(&self.producer, consumer, marker_prefix, &self.topic, &self.servers)
            .map_err(|e| self.transaction_error("cannot start Kafka transactions", e))
    }

    fn transaction_error(&self, what: &str, e: KafkaError) -> ConnectorError {
        let fenced = matches!(e.rdkafka_error_code(), Some(RDKafkaErrorCode::Fenced | RDKafkaErrorCode::ProducerFenced));
        let hint = if fenced {
            " (another copy of this job started with the same 'sink.transactional-id-prefix' and fenced this one)"
        } else {
            " (if another copy of this job started with the same 'sink.transactional-id-prefix', it fenced this one; \
             otherwise run the job again to resume from its last checkpoint)"
        };
        ConnectorError::External(format!("{what} for topic \"{}\" at {}: {e}{hint}", self.topic, self.servers))
    }

    fn partition_count(&self) -> Result<i32, ConnectorError> {
        let md = self.producer.client().fetch_metadata(Some(&self.topic), METADATA_TIMEOUT).map_err(|e| {
            ConnectorError::External(format!("cannot reach Kafka at {}: {e}", self.servers))
        })?;
        let count = md
            .topics()
            .iter()
            .find(|t| t.name() == self.topic && t.error().is_none())
            .map(|t| t.partitions().len() as i32)
            .unwrap_or(0);
        if count == 0 {
            return Err(ConnectorError::External(format!(
                "topic \"{}\" does not exist at {}. Create it, or check the \"topic\" option.",
                self.topic, self.servers
            )));
        }
        Ok(count)
    }

    /// Returns the delivery failures reported since the last call as one error.
    fn check_deliveries(&self) -> Result<(), ConnectorError> {
        let failed = self.producer.context().failed.swap(0, std::sync::atomic::Ordering::Relaxed);
        if failed == 0 {
            return Ok(());
        }
        let reasons = match self.producer.context().delivery_errors.lock() {
            Ok(mut e) => std::mem::take(&mut *e),
            Err(_) => Vec::new(),
        };
        Err(ConnectorError::External(format!(
            "{failed} message(s) could not be delivered to Kafka topic \"{}\" at {}: {}",
            self.topic,
            self.servers,
            reasons.join("; ")
        )))
    }

    /// Encodes row `row` into a pending message; `None` for a row that sends nothing (`-U`).
    fn encode(&mut self, keys: &Option<RecordBatch>, values: &RecordBatch, data: &RecordBatch, row: usize, kind: RowKind) -> Result<Option<PendingMessage>, ConnectorError> {
        if kind == RowKind::UpdateBefore && self.flavor == KafkaFlavor::Upsert {
            return Ok(None);
        }
        let key = match (&mut self.key_encoder, keys) {
            (Some(enc), Some(kb)) => enc.encode_row(kb, row, &mut self.key_buf)?.then(|| self.key_buf.clone()),
            _ => None,
        };
        let value = if kind == RowKind::Delete {
            None
        } else {
            self.value_encoder.encode_row(values, row, &mut self.value_buf)?.then(|| self.value_buf.clone())
        };
        let timestamp = self
            .timestamp_column
            .and_then(|c| metadata::timestamp_millis(data.column(c).as_ref(), row, &self.time_zone));
        let headers = self.headers_column.map(|c| metadata::headers(data.column(c).as_ref(), row));
        Ok(Some(PendingMessage { key, value, timestamp, headers }))
    }

    fn next_partition(&mut self) -> Option<i32> {
        if let Some(p) = self.fixed_partition {
            return Some(p);
        }
        let (count, next) = self.round_robin.as_mut()?;
        let p = *next;
        *next = (*next + 1) % *count;
        Some(p)
    }

    /// Hands one message to librdkafka, waiting while its queue is full.
    fn send(&mut self, message: &PendingMessage) -> Result<(), ConnectorError> {
        let partition = self.next_partition();
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&self.topic);
        if let Some(k) = &message.key {
            record = record.key(k.as_slice());
        }
        if let Some(v) = &message.value {
            record = record.payload(v.as_slice());
        }
        if let Some(p) = partition {
            record = record.partition(p);
        }
        if let Some(t) = message.timestamp {
            record = record.timestamp(t);
        }
        if let Some(hs) = &message.headers {
            let mut owned = OwnedHeaders::new_with_capacity(hs.len());
            for (k, v) in hs {
                owned = owned.insert(Header { key: k.as_str(), value: v.as_deref() });
            }
            record = record.headers(owned);
        }
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => {
                    return Err(ConnectorError::External(format!(
                        "cannot send a message to Kafka topic \"{}\" at {}: {e}",
                        self.topic, self.servers
                    )))
                }
            }
        }
    }

    /// Sends what the upsert buffer holds.
    fn drain_buffer(&mut self) -> Result<(), ConnectorError> {
        let Some(buffer) = self.buffer.as_mut() else { return Ok(()) };
        let messages = buffer.take();
        for m in &messages {
            self.send(m)?;
        }
        Ok(())
    }

    /// Waits until librdkafka has delivered (or failed) every message.
    fn wait_delivered(&mut self) -> Result<(), ConnectorError> {
        let started = Instant::now();
        while self.producer.in_flight_count() > 0 {
            if started.elapsed() > FLUSH_LIMIT {
                return Err(ConnectorError::External(format!(
                    "{} message(s) to Kafka topic \"{}\" at {} were not acknowledged within {} s; \
                     check that the brokers are reachable",
                    self.producer.in_flight_count(),
                    self.topic,
                    self.servers,
                    FLUSH_LIMIT.as_secs()
                )));
            }
            // A timed-out flush only means messages are still in flight; go on waiting.
            let _ = self.producer.flush(Duration::from_secs(5));
        }
        self.producer.poll(Duration::ZERO);
        Ok(())
    }
}

impl SinkWriter for KafkaSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        self.producer.poll(Duration::ZERO);
        self.check_deliveries()?;
        if self.flavor == KafkaFlavor::Plain && !batch.is_append_only() {
            return Err(ConnectorError::External(
                "the kafka sink only accepts inserts, but it was given updates or deletes; use the \
                 upsert-kafka connector for an updating result"
                    .into(),
            ));
        }
        let data = &batch.data;
        let project = |cols: &[usize]| {
            data.project(cols)
                .map_err(|e| ConnectorError::Schema(format!("Kafka sink rows do not fit the table's schema: {e}")))
        };
        let values = project(&self.value_columns)?;
        let keys = if self.key_encoder.is_some() { Some(project(&self.key_columns)?) } else { None };
        for row in 0..data.num_rows() {
            let Some(message) = self.encode(&keys, &values, data, row, batch.kind(row))? else { continue };
            match self.buffer.as_mut() {
                Some(buffer) => buffer.put(message),
                None => self.send(&message)?,
            }
        }
        if self.buffer.as_ref().is_some_and(|b| b.is_due()) {
            self.drain_buffer()?;
        }
        self.producer.poll(Duration::ZERO);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ConnectorError> {
        self.drain_buffer()?;
        if self.delivery == DeliveryGuarantee::AtLeastOnce {
            self.wait_delivered()?;
        } else {
            self.producer.poll(Duration::ZERO);
        }
        self.check_deliveries()
    }

    fn pre_commit(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        self.drain_buffer()?;
        self.wait_delivered()?;
        self.check_deliveries()
    }

    fn commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        let Some(txn) = &self.transactions else { return Ok(()) };
        txn.commit(&self.producer, checkpoint)
            .map_err(|e| self.transaction_error(&format!("cannot commit the transaction of checkpoint {checkpoint}"), e))
    }

    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        self.transactions.as_ref().map(|txn| txn.committed()).transpose()
    }

    /// Fences the transactional id of each removed subtask, which aborts the transaction
    /// it left open: that transaction holds rows of a checkpoint later than the one the
    /// job resumes from (a checkpoint counts as complete only once every transaction of
    /// it committed), and the restored job writes them again. Left open, it would hold
    /// `read_committed` readers back until the broker's transaction timeout.
    fn recover_removed(&mut self, subtasks: &[usize], _completed: Option<u64>) -> Result<(), ConnectorError> {
        let Some((config, prefix)) = &self.fencing else { return Ok(()) };
        for subtask in subtasks {
            let id = format!("{prefix}-{subtask}");
            let mut fenced = config.clone();
            fenced.set("transactional.id", id.as_str());
            transactions::fence(&fenced, &self.servers).map_err(|e| {
                ConnectorError::External(format!(
                    "cannot abort the transaction left by transactional id \"{id}\" for topic \"{}\" at {}: {e} \
                     (run the job again to retry)",
                    self.topic, self.servers
                ))
            })?;
        }
        Ok(())
    }

    fn for_subtask(&self, subtask: usize) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        let (table, config, ctx) = &self.opened_with;
        let ctx = SinkContext { subtask, ..ctx.clone() };
        Ok(Box::new(KafkaSink::new(table, config, &ctx)?))
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        self.pre_commit(0)?;
        if self.transactions.is_some() {
            // The final checkpoint committed every row; the transaction opened after it
            // is empty.
            let _ = self.producer.abort_transaction(METADATA_TIMEOUT);
        }
        Ok(())
    }
}
