//! `KafkaSource`: one reader of a `kafka` or `upsert-kafka` table. It assigns its
//! partitions itself (as Flink's `KafkaSource` does, no group rebalancing), reports one
//! split per partition, decodes messages straight into Arrow per partition, stops
//! bounded partitions at their end offsets, and commits the offsets of returned rows
//! only when asked (`SourceReader::commit`).
//!
//! A broker outage: while librdkafka reports every broker down, the partitions are
//! paused, and they are resumed only once a broker answers and every topic read is
//! there again. Fetching from a broker that came back without a topic is what the pause
//! avoids: librdkafka 2.12 was seen to dereference a null topic name (SIGSEGV) on a
//! Fetch response for a topic the broker did not know. On resuming, a partition whose
//! position lies outside the broker's offsets (the broker lost its storage, or the topic
//! was re-created or truncated) is logged and moved as `auto.offset.reset` says (see
//! `reset_strategy`); `kafka_pipelines.rs` tests both a restart and a lost storage.

use std::collections::{HashMap, VecDeque};
use std::mem::ManuallyDrop;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{Offset, Timestamp, TopicPartitionList};
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::{ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats, SplitId, TableSpec};

use super::assemble::{AssemblyPlan, PartitionRows};
use super::client::{
    client_config, creation_error, fetch_topics, split_owner, while_coordinator_moves, SluiceContext, METADATA_TIMEOUT,
};
use super::config::{KafkaConfig, Topics};
use super::metadata::{MessageMeta, MetaKind};
use super::offsets::{BoundedMode, StartupMode};
use crate::dead_letter::DeadLetters;

/// Skip reasons kept for the end-of-job report.
const MAX_SKIP_EXAMPLES: usize = 5;
/// How long a partition-discovery metadata request may take inside the poll loop.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a source paused by an outage checks whether its topics are back.
const RECHECK_EVERY: Duration = Duration::from_secs(1);
/// The longest a dropped source waits for its consumer to close (see `Drop`).
const CLOSE_LIMIT: Duration = Duration::from_secs(5);

/// One assigned partition.
struct Split {
    id: SplitId,
    topic: String,
    partition: i32,
    rows: PartitionRows,
    /// Exclusive end offset of a bounded partition.
    stop: Option<i64>,
    finished: bool,
    /// The offset after the last message consumed.
    consumed_next: Option<i64>,
    /// Where the split started, as an offset: where a checkpoint taken before any of its
    /// rows were returned resumes it.
    start_at: Option<i64>,
    /// Records consumed since the last cut that could not be decoded, for the dead
    /// letters: they are sent only when the position past them is returned, so a
    /// checkpoint's dead letters are exactly the bad records before its position.
    dead: Vec<HeldLetter>,
}

/// A record held for the dead letters (see `Split::dead`).
struct HeldLetter {
    location: String,
    reason: String,
    key: Option<Vec<u8>>,
    value: Vec<u8>,
}

/// Something for `poll_next` to hand out, and the position it makes returned.
struct Ready {
    poll: Option<SourcePoll>,
    position: Option<(usize, i64)>,
    /// The dead letters of the records up to `position`.
    dead: Vec<HeldLetter>,
}

/// Everything but the consumer, so a borrowed message and this state can be used together.
struct ReaderState {
    plan: AssemblyPlan,
    splits: Vec<Split>,
    by_partition: HashMap<i32, Vec<usize>>,
    ready: VecDeque<Ready>,
    /// Per split: the offset after the last returned message, and the last committed.
    returned: HashMap<usize, i64>,
    committed: HashMap<usize, i64>,
    to_unassign: Vec<(String, i32)>,
    batch_size: usize,
    ignore_errors: bool,
    /// Where records that cannot be decoded go (`sluice.dead-letter`), if anywhere.
    dead_letters: Option<DeadLetters>,
    wants_headers: bool,
    wants_epoch: bool,
    stats: SourceStats,
}

pub struct KafkaSource {
    /// Closed within `CLOSE_LIMIT` when the source is dropped (see `Drop`).
    consumer: ManuallyDrop<BaseConsumer<SluiceContext>>,
    config: KafkaConfig,
    st: ReaderState,
    group_id: String,
    subtask: usize,
    parallelism: usize,
    next_split_id: SplitId,
    last_discovery: Instant,
    /// What a position outside the broker's offsets moves to: "earliest", "latest" or
    /// "error" (fail the job).
    reset: &'static str,
    /// The partitions are paused because every broker was down (see the module doc).
    paused: bool,
    last_recheck: Instant,
    /// A missing topic was already reported during this outage.
    said_missing: bool,
    /// Whether the consumer has its partitions yet: they are assigned once, on the first
    /// poll, at the offsets the startup mode or a restored checkpoint gives (see
    /// `assign_splits`).
    assigned: bool,
}

/// What Flink's `KafkaSource` sets `auto.offset.reset` to: the starting offsets
/// initializer's strategy, overriding the user's value (earliest for `earliest-offset`
/// and `specific-offsets`, latest for `latest-offset` and `timestamp`), except for
/// `group-offsets`, where the table's `properties.auto.offset.reset` is the strategy
/// and none given means none (the job fails rather than skip or re-read silently).
/// librdkafka spells none "error".
fn reset_strategy(config: &KafkaConfig) -> &'static str {
    match &config.startup {
        StartupMode::Earliest | StartupMode::Specific(_) => "earliest",
        StartupMode::Latest | StartupMode::Timestamp(_) => "latest",
        StartupMode::GroupOffsets => {
            match config.properties.iter().find(|(k, _)| k == "auto.offset.reset").map(|(_, v)| v.to_ascii_lowercase()) {
                Some(v) if matches!(v.as_str(), "earliest" | "smallest" | "beginning") => "earliest",
                Some(v) if matches!(v.as_str(), "latest" | "largest" | "end") => "latest",
                _ => "error",
            }
        }
    }
}

impl KafkaSource {
    pub fn new(table: &TableSpec, config: &KafkaConfig, ctx: &SourceContext) -> Result<KafkaSource, ConnectorError> {
        let meta: Vec<MetaKind> = ctx
            .metadata
            .iter()
            .map(|(k, t)| MetaKind::resolve(k, t, config.flavor.name()))
            .collect::<Result<_, _>>()?;
        let wants_headers = meta.iter().any(|m| matches!(m, MetaKind::Headers));
        let wants_epoch = meta.iter().any(|m| matches!(m, MetaKind::LeaderEpoch));
        let plan = AssemblyPlan::new(config, table, &ctx.projection, meta, ctx.output_schema.clone(), ctx.time_zone)?;
        // Flink names a source's group after the table when none is given.
        let group_id = config.group_id.clone().unwrap_or_else(|| format!("KafkaSource-{}", table.name));
        let eof = if config.bounded.is_bounded() { "true" } else { "false" };
        let reset = reset_strategy(config);
        let mut cc = client_config(
            config,
            &[
                ("bootstrap.servers", config.bootstrap_servers.as_str()),
                ("group.id", group_id.as_str()),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("enable.partition.eof", eof),
                // The statistics tell `SluiceContext` when the brokers are back.
                ("statistics.interval.ms", "1000"),
                // librdkafka (2.3 and later) waits this long before fetching again for a
                // partition whose local queue was full; its default of one second leaves
                // a source that drains the queue faster idle most of the time (about
                // 140,000 rows/s instead of 1.4M on one partition set, measured).
                ("fetch.queue.backoff.ms", "1"),
            ],
        );
        cc.set("auto.offset.reset", reset);
        // Warnings and errors reach `SluiceContext::log` (a failed login, an offset
        // reset): the rdkafka crate otherwise passes on only what the `log` crate's level
        // allows, which is nothing without a logger. Only the consumer: a transactional
        // producer with its logs forwarded was seen to stall in flush.
        cc.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
        let consumer: BaseConsumer<SluiceContext> = cc
            .create_with_context(SluiceContext::new(&config.bootstrap_servers))
            .map_err(|e| creation_error(config, e))?;
        let ignore_errors = config.value_format.ignore_parse_errors()
            || config.key_format.as_ref().is_some_and(|k| k.ignore_parse_errors());
        let mut source = KafkaSource {
            consumer: ManuallyDrop::new(consumer),
            config: config.clone(),
            st: ReaderState {
                plan,
                splits: Vec::new(),
                by_partition: HashMap::new(),
                ready: VecDeque::new(),
                returned: HashMap::new(),
                committed: HashMap::new(),
                to_unassign: Vec::new(),
                batch_size: ctx.batch_size.max(1),
                ignore_errors,
                dead_letters: DeadLetters::for_source(table, ctx)?,
                wants_headers,
                wants_epoch,
                stats: SourceStats::default(),
            },
            group_id,
            subtask: ctx.subtask,
            parallelism: ctx.parallelism.max(1),
            next_split_id: 0,
            last_discovery: Instant::now(),
            reset,
            paused: false,
            last_recheck: Instant::now(),
            said_missing: false,
            assigned: false,
        };
        source.start()?;
        Ok(source)
    }

    /// Finds the partitions and resolves where each starts and stops, as offsets. The
    /// consumer gets them on the first poll (`assign_splits`), after a restore has had
    /// its say.
    fn start(&mut self) -> Result<(), ConnectorError> {
        let topics = fetch_topics(&self.consumer, &self.config.topics, &self.config.bootstrap_servers, METADATA_TIMEOUT)?;
        let mut owned: Vec<(String, i32)> = Vec::new();
        for t in &topics {
            for &p in &t.partitions {
                if split_owner(&t.topic, p, self.parallelism) == self.subtask {
                    owned.push((t.topic.clone(), p));
                }
            }
        }
        let starts = self.start_offsets(&owned)?;
        let stops = self.stop_offsets(&owned)?;
        for (((topic, partition), start), stop) in owned.iter().zip(starts).zip(stops) {
            let i = self.add_split(topic, *partition, stop)?;
            // The first offset, resolved now: "the end" later would skip what arrives
            // between now and a checkpoint.
            let first = match start {
                Offset::Offset(n) => n,
                Offset::End => match stop {
                    Some(stop) => stop,
                    None => self.watermarks(topic, *partition)?.1,
                },
                _ => self.watermarks(topic, *partition)?.0,
            };
            self.st.splits[i].start_at = Some(first);
            if stop.is_some_and(|stop| first >= stop) {
                self.st.finish(i);
            }
        }
        Ok(())
    }

    /// Gives the consumer its partitions, once: each unfinished split at its start
    /// offset. Assigning at creation and again at a restore let librdkafka answer the
    /// first assignment's offset lookup after the second, moving a restored partition
    /// back to its start (every row read twice, seen under load).
    fn assign_splits(&mut self) -> Result<(), ConnectorError> {
        let mut assignment = TopicPartitionList::new();
        for split in self.st.splits.iter().filter(|s| !s.finished) {
            let offset = split.start_at.map_or(Offset::Beginning, Offset::Offset);
            assignment
                .add_partition_offset(&split.topic, split.partition, offset)
                .map_err(|e| self.kafka_error("cannot assign partitions", e))?;
        }
        self.consumer.assign(&assignment).map_err(|e| self.kafka_error("cannot assign partitions", e))?;
        self.assigned = true;
        Ok(())
    }

    fn add_split(&mut self, topic: &str, partition: i32, stop: Option<i64>) -> Result<usize, ConnectorError> {
        let id = match &self.config.topics {
            Topics::List(list) if list.len() == 1 => partition as SplitId,
            _ => {
                self.next_split_id += 1;
                self.next_split_id - 1
            }
        };
        let rows = PartitionRows::new(&self.st.plan, &self.config, topic, partition)?;
        let i = self.st.splits.len();
        self.st.splits.push(Split {
            id,
            topic: topic.to_string(),
            partition,
            rows,
            stop,
            finished: false,
            consumed_next: None,
            start_at: None,
            dead: Vec::new(),
        });
        self.st.by_partition.entry(partition).or_default().push(i);
        self.st.ready.push_back(Ready { poll: Some(SourcePoll::SplitAdded(id)), position: None, dead: Vec::new() });
        Ok(i)
    }

    fn kafka_error(&self, what: &str, e: KafkaError) -> ConnectorError {
        ConnectorError::External(format!(
            "{what} of {} at {}: {e}",
            self.config.topics.describe(),
            self.config.bootstrap_servers
        ))
    }

    fn watermarks(&self, topic: &str, partition: i32) -> Result<(i64, i64), ConnectorError> {
        self.consumer
            .fetch_watermarks(topic, partition, METADATA_TIMEOUT)
            .map_err(|e| self.kafka_error(&format!("cannot read the offsets of partition {partition} of \"{topic}\""), e))
    }

    fn committed(&self, owned: &[(String, i32)]) -> Result<Vec<Option<i64>>, ConnectorError> {
        let mut tpl = TopicPartitionList::new();
        for (t, p) in owned {
            tpl.add_partition(t, *p);
        }
        let got = while_coordinator_moves(|| self.consumer.committed_offsets(tpl.clone(), METADATA_TIMEOUT))
            .map_err(|e| self.kafka_error(&format!("cannot read the committed offsets of group \"{}\"", self.group_id), e))?;
        let map = got.to_topic_map();
        Ok(owned
            .iter()
            .map(|(t, p)| match map.get(&(t.clone(), *p)) {
                Some(Offset::Offset(n)) => Some(*n),
                _ => None,
            })
            .collect())
    }

    fn by_timestamp(&self, owned: &[(String, i32)], millis: i64) -> Result<Vec<Option<i64>>, ConnectorError> {
        let mut tpl = TopicPartitionList::new();
        for (t, p) in owned {
            tpl.add_partition_offset(t, *p, Offset::Offset(millis))
                .map_err(|e| self.kafka_error("cannot look up offsets by timestamp", e))?;
        }
        let got = self
            .consumer
            .offsets_for_times(tpl, METADATA_TIMEOUT)
            .map_err(|e| self.kafka_error("cannot look up offsets by timestamp", e))?;
        let map = got.to_topic_map();
        Ok(owned
            .iter()
            .map(|(t, p)| match map.get(&(t.clone(), *p)) {
                Some(Offset::Offset(n)) if *n >= 0 => Some(*n),
                _ => None,
            })
            .collect())
    }

    /// Where each partition starts, as `scan.startup.mode` says.
    fn start_offsets(&self, owned: &[(String, i32)]) -> Result<Vec<Offset>, ConnectorError> {
        Ok(match &self.config.startup {
            StartupMode::Earliest => vec![Offset::Beginning; owned.len()],
            StartupMode::Latest => vec![Offset::End; owned.len()],
            StartupMode::Timestamp(ms) => {
                self.by_timestamp(owned, *ms)?.into_iter().map(|o| o.map_or(Offset::End, Offset::Offset)).collect()
            }
            StartupMode::Specific(list) => {
                let committed = self.committed(owned)?;
                owned
                    .iter()
                    .zip(committed)
                    .map(|((_, p), c)| match list.iter().find(|(lp, _)| lp == p) {
                        Some((_, o)) => Offset::Offset(*o),
                        None => c.map_or(Offset::Beginning, Offset::Offset),
                    })
                    .collect()
            }
            StartupMode::GroupOffsets => {
                let committed = self.committed(owned)?;
                let reset = self
                    .config
                    .properties
                    .iter()
                    .find(|(k, _)| k == "auto.offset.reset")
                    .map(|(_, v)| v.to_ascii_lowercase());
                let mut out = Vec::with_capacity(owned.len());
                for ((t, p), c) in owned.iter().zip(committed) {
                    out.push(match (c, reset.as_deref()) {
                        (Some(n), _) => Offset::Offset(n),
                        (None, Some("earliest" | "smallest" | "beginning")) => Offset::Beginning,
                        (None, Some("latest" | "largest" | "end")) => Offset::End,
                        (None, _) => {
                            return Err(ConnectorError::External(format!(
                                "partition {p} of topic \"{t}\" has no committed offset for consumer group \"{}\", \
                                 and \"scan.startup.mode\" is \"group-offsets\" (the default). Set \
                                 'properties.auto.offset.reset' to 'earliest' or 'latest', or choose another \
                                 \"scan.startup.mode\".",
                                self.group_id
                            )))
                        }
                    });
                }
                out
            }
        })
    }

    /// Where each partition stops (exclusive), as `scan.bounded.mode` says; `None` when
    /// unbounded. A partition the mode gives no offset for stops at its end offset.
    fn stop_offsets(&self, owned: &[(String, i32)]) -> Result<Vec<Option<i64>>, ConnectorError> {
        let given: Vec<Option<i64>> = match &self.config.bounded {
            BoundedMode::Unbounded => return Ok(vec![None; owned.len()]),
            BoundedMode::Latest => vec![None; owned.len()],
            BoundedMode::GroupOffsets => self.committed(owned)?,
            BoundedMode::Timestamp(ms) => self.by_timestamp(owned, *ms)?,
            BoundedMode::Specific(list) => owned
                .iter()
                .map(|(_, p)| list.iter().find(|(lp, _)| lp == p).map(|(_, o)| *o))
                .collect(),
        };
        owned
            .iter()
            .zip(given)
            .map(|((t, p), g)| match g {
                Some(n) => Ok(Some(n)),
                None => Ok(Some(self.watermarks(t, *p)?.1)),
            })
            .collect()
    }

    /// Picks up new partitions (and topics matching a pattern); they start at the earliest offset.
    fn discover(&mut self) -> Result<(), ConnectorError> {
        self.last_discovery = Instant::now();
        let Ok(topics) = fetch_topics(&self.consumer, &self.config.topics, &self.config.bootstrap_servers, DISCOVERY_TIMEOUT)
        else {
            return Ok(());
        };
        let mut added = TopicPartitionList::new();
        for t in &topics {
            for &p in &t.partitions {
                if split_owner(&t.topic, p, self.parallelism) != self.subtask || self.st.find(&t.topic, p).is_some() {
                    continue;
                }
                self.add_split(&t.topic, p, None)?;
                added
                    .add_partition_offset(&t.topic, p, Offset::Beginning)
                    .map_err(|e| self.kafka_error("cannot assign new partitions", e))?;
            }
        }
        if added.count() > 0 {
            self.consumer
                .incremental_assign(&added)
                .map_err(|e| self.kafka_error("cannot assign new partitions", e))?;
        }
        Ok(())
    }

    /// Reads what librdkafka has, without waiting, into ready batches.
    fn read(&mut self) -> Result<(), ConnectorError> {
        let budget = self.st.batch_size * 2;
        let mut eofs: Vec<i32> = Vec::new();
        for _ in 0..budget {
            match self.consumer.poll(Duration::ZERO) {
                None => break,
                Some(Ok(msg)) => {
                    self.consumer.context().health.report_up();
                    self.st.on_message(&msg)?;
                }
                Some(Err(KafkaError::PartitionEOF(p))) => eofs.push(p),
                Some(Err(e)) => self.on_error(e)?,
            }
        }
        if !eofs.is_empty() {
            self.on_eof(&eofs)?;
        }
        for i in 0..self.st.splits.len() {
            self.st.cut(i)?;
        }
        if !self.st.to_unassign.is_empty() {
            let mut tpl = TopicPartitionList::new();
            for (t, p) in self.st.to_unassign.drain(..) {
                tpl.add_partition(&t, p);
            }
            // A partition left assigned only costs fetches; its messages are dropped.
            let _ = self.consumer.incremental_unassign(&tpl);
        }
        Ok(())
    }

    fn on_error(&mut self, e: KafkaError) -> Result<(), ConnectorError> {
        let transient = matches!(
            e.rdkafka_error_code(),
            Some(
                RDKafkaErrorCode::AllBrokersDown
                    | RDKafkaErrorCode::BrokerTransportFailure
                    | RDKafkaErrorCode::OperationTimedOut
                    | RDKafkaErrorCode::RequestTimedOut
                    | RDKafkaErrorCode::NotLeaderForPartition
                    | RDKafkaErrorCode::LeaderNotAvailable
                    | RDKafkaErrorCode::NetworkException
            )
        );
        if transient {
            return Ok(());
        }
        // A broker back from an outage may not have the topic yet: wait for it (the
        // partitions stay paused until it is there, see `recover`).
        if self.paused
            && matches!(
                e.rdkafka_error_code(),
                Some(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic)
            )
        {
            return Ok(());
        }
        Err(ConnectorError::External(format!(
            "Kafka consumer of {} at {} failed: {e}",
            self.config.topics.describe(),
            self.config.bootstrap_servers
        )))
    }

    /// Pauses the partitions when every broker is down, and once a broker is up again,
    /// checks every second whether the partitions can be resumed (see `recover`).
    fn watch_outage(&mut self) -> Result<(), ConnectorError> {
        let all_down = self.consumer.context().health.all_down();
        if !self.paused {
            if all_down {
                if let Ok(assignment) = self.consumer.assignment() {
                    if assignment.count() > 0 {
                        // A failed pause only loses the protection described above.
                        let _ = self.consumer.pause(&assignment);
                    }
                }
                self.paused = true;
                self.said_missing = false;
                self.last_recheck = Instant::now();
            }
            return Ok(());
        }
        if all_down || self.last_recheck.elapsed() < RECHECK_EVERY {
            return Ok(());
        }
        self.last_recheck = Instant::now();
        self.recover()
    }

    /// Resumes after an outage once every topic and partition read is known to the
    /// cluster again. A partition whose position is outside the broker's offsets (an
    /// empty broker after a restart, a re-created or truncated topic) moves to the
    /// earliest or latest offset as `reset` says, and says so on stderr; with "error"
    /// the job fails.
    fn recover(&mut self) -> Result<(), ConnectorError> {
        let servers = self.config.bootstrap_servers.clone();
        let topics = match fetch_topics(&self.consumer, &self.config.topics, &servers, DISCOVERY_TIMEOUT) {
            Ok(t) => t,
            Err(e) => {
                if !self.said_missing {
                    self.said_missing = true;
                    tracing::warn!(target: "sluice::kafka", "kafka: waiting to resume reading: {e}");
                }
                return Ok(());
            }
        };
        self.consumer.context().health.report_up();
        let live: Vec<usize> = (0..self.st.splits.len()).filter(|&i| !self.st.splits[i].finished).collect();
        for &i in &live {
            let s = &self.st.splits[i];
            if !topics.iter().any(|t| t.topic == s.topic && t.partitions.contains(&s.partition)) {
                if !self.said_missing {
                    self.said_missing = true;
                    tracing::warn!(target: "sluice::kafka",
                        "kafka: partition {} of topic \"{}\" does not exist at {servers} (yet); waiting to resume reading",
                        s.partition, s.topic
                    );
                }
                return Ok(());
            }
        }
        let positions = self.consumer.position().map(|p| p.to_topic_map()).unwrap_or_default();
        let mut moved = TopicPartitionList::new();
        for &i in &live {
            let (topic, partition) = (self.st.splits[i].topic.clone(), self.st.splits[i].partition);
            let Some(Offset::Offset(pos)) = positions.get(&(topic.clone(), partition)).copied() else { continue };
            // Unanswered, the offsets are checked again on the next try.
            let Ok((low, high)) = self.watermarks(&topic, partition) else { return Ok(()) };
            if (low..=high).contains(&pos) {
                continue;
            }
            let what = format!(
                "partition {partition} of topic \"{topic}\" was at offset {pos}, but {servers} now holds offsets {low} to {high} \
                 (the topic was re-created or truncated, or the broker lost its data)"
            );
            let to = match self.reset {
                "earliest" => Offset::Beginning,
                "latest" => Offset::End,
                _ => {
                    return Err(ConnectorError::External(format!(
                        "{what}, and 'properties.auto.offset.reset' is 'none'. Set it to 'earliest' or 'latest' to go on \
                         reading after such a reset."
                    )))
                }
            };
            tracing::warn!(target: "sluice::kafka", "kafka: {what}; reading on from the {} offset (auto.offset.reset)", self.reset);
            moved.add_partition_offset(&topic, partition, to).map_err(|e| self.kafka_error("cannot move partitions", e))?;
            self.st.returned.remove(&i);
            self.st.committed.remove(&i);
        }
        if moved.count() > 0 {
            let mut old = TopicPartitionList::new();
            for e in moved.elements() {
                old.add_partition(e.topic(), e.partition());
            }
            self.consumer.incremental_unassign(&old).map_err(|e| self.kafka_error("cannot move partitions", e))?;
            self.consumer.incremental_assign(&moved).map_err(|e| self.kafka_error("cannot move partitions", e))?;
        }
        if let Ok(assignment) = self.consumer.assignment() {
            if assignment.count() > 0 {
                self.consumer.resume(&assignment).map_err(|e| self.kafka_error("cannot resume partitions", e))?;
            }
        }
        self.paused = false;
        Ok(())
    }

    /// A bounded partition that reached the end of its log finishes if its position is
    /// at its stop offset (the last offsets before the stop may not exist, e.g. after
    /// compaction or transaction markers).
    fn on_eof(&mut self, partitions: &[i32]) -> Result<(), ConnectorError> {
        let Ok(positions) = self.consumer.position() else { return Ok(()) };
        let map = positions.to_topic_map();
        for p in partitions {
            let Some(list) = self.st.by_partition.get(p).cloned() else { continue };
            for i in list {
                let s = &self.st.splits[i];
                let (Some(stop), false) = (s.stop, s.finished) else { continue };
                if let Some(Offset::Offset(pos)) = map.get(&(s.topic.clone(), *p)) {
                    if *pos >= stop {
                        self.st.cut(i)?;
                        self.st.finish(i);
                    }
                }
            }
        }
        Ok(())
    }
}

impl ReaderState {
    fn find(&self, topic: &str, partition: i32) -> Option<usize> {
        self.by_partition.get(&partition)?.iter().copied().find(|&i| self.splits[i].topic == topic)
    }

    fn on_message(&mut self, msg: &BorrowedMessage<'_>) -> Result<(), ConnectorError> {
        let Some(i) = self.find(msg.topic(), msg.partition()) else { return Ok(()) };
        let offset = msg.offset();
        {
            let split = &self.splits[i];
            if split.finished {
                return Ok(());
            }
            if split.stop.is_some_and(|stop| offset >= stop) {
                self.cut(i)?;
                self.finish(i);
                return Ok(());
            }
        }
        self.stats.records += 1;
        self.stats.bytes += (msg.payload_len() + msg.key_len()) as u64;
        let (timestamp_millis, timestamp_type) = match msg.timestamp() {
            Timestamp::NotAvailable => (-1, "NoTimestampType"),
            Timestamp::CreateTime(t) => (t, "CreateTime"),
            Timestamp::LogAppendTime(t) => (t, "LogAppendTime"),
        };
        let headers: Vec<(&str, Option<&[u8]>)> = match (self.wants_headers, msg.headers()) {
            (true, Some(h)) => h.iter().map(|h| (h.key, h.value)).collect(),
            _ => Vec::new(),
        };
        let leader_epoch = if self.wants_epoch {
            // SAFETY: the pointer is the live message `msg` borrows.
            let e = unsafe { rdkafka::bindings::rd_kafka_message_leader_epoch(msg.ptr()) };
            (e >= 0).then_some(e)
        } else {
            None
        };
        let meta = MessageMeta { offset, timestamp_millis, timestamp_type, leader_epoch, headers: &headers };
        let split = &mut self.splits[i];
        if let Err(reason) = split.rows.push(&self.plan, msg.key(), msg.payload(), &meta) {
            let location = format!("topic {} partition {} offset {offset}", split.topic, split.partition);
            if self.dead_letters.is_some() {
                let value = msg.payload().unwrap_or_default().to_vec();
                let letter = HeldLetter { location: location.clone(), reason: reason.clone(), key: msg.key().map(<[u8]>::to_vec), value };
                split.dead.push(letter);
            } else if !self.ignore_errors {
                return Err(ConnectorError::BadRecord { location, reason });
            } else {
                self.stats.skipped_bad_records += 1;
            }
            if self.stats.skipped_examples.len() < MAX_SKIP_EXAMPLES {
                self.stats.skipped_examples.push(format!("{location}: {reason}"));
            }
        }
        split.consumed_next = Some(offset + 1);
        let full = split.rows.len() + split.dead.len() >= self.batch_size;
        let at_stop = split.stop.is_some_and(|stop| offset + 1 >= stop);
        if full || at_stop {
            self.cut(i)?;
        }
        if at_stop {
            self.finish(i);
        }
        Ok(())
    }

    /// Hands out split `i`'s rows as a batch (and the position they bring).
    fn cut(&mut self, i: usize) -> Result<(), ConnectorError> {
        let split = &mut self.splits[i];
        // The position goes out once: handing it out again on every read would make
        // `poll_next` loop forever on an idle partition.
        let position = split.consumed_next.take().map(|next| (i, next));
        let dead = std::mem::take(&mut split.dead);
        if split.rows.len() == 0 {
            if position.is_some() || !dead.is_empty() {
                self.ready.push_back(Ready { poll: None, position, dead });
            }
            return Ok(());
        }
        let batch = split.rows.flush(&self.plan)?;
        self.ready.push_back(Ready { poll: Some(SourcePoll::SplitBatch { split: split.id, batch }), position, dead });
        Ok(())
    }

    fn finish(&mut self, i: usize) {
        let split = &mut self.splits[i];
        if split.finished {
            return;
        }
        split.finished = true;
        self.to_unassign.push((split.topic.clone(), split.partition));
        self.ready.push_back(Ready { poll: Some(SourcePoll::SplitFinished(split.id)), position: None, dead: Vec::new() });
    }

    fn all_finished(&self) -> bool {
        self.splits.iter().all(|s| s.finished)
    }
}

impl SourceReader for KafkaSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        if !self.assigned {
            self.assign_splits()?;
        }
        loop {
            while let Some(ready) = self.st.ready.pop_front() {
                if let Some(dead_letters) = self.st.dead_letters.as_mut() {
                    for letter in &ready.dead {
                        dead_letters.send(&letter.location, &letter.reason, letter.key.as_deref(), &letter.value)?;
                        self.st.stats.dead_letters += 1;
                    }
                }
                if let Some((i, next)) = ready.position {
                    self.st.returned.insert(i, next);
                }
                if let Some(poll) = ready.poll {
                    return Ok(poll);
                }
            }
            if self.config.bounded.is_bounded() && self.st.all_finished() {
                return Ok(SourcePoll::Finished);
            }
            // One of several readers that was given no partition, and will be given none
            // (no partition discovery): it ends, so that its watermark does not hold back
            // the instances downstream, as Flink's reader without splits goes idle.
            if self.parallelism > 1 && self.st.splits.is_empty() && self.config.discovery_interval.is_none() {
                return Ok(SourcePoll::Finished);
            }
            if let Some(every) = self.config.discovery_interval {
                if self.last_discovery.elapsed() >= every {
                    self.discover()?;
                }
            }
            self.read()?;
            self.watch_outage()?;
            if self.st.ready.is_empty() {
                return Ok(SourcePoll::Pending);
            }
        }
    }

    fn stats(&self) -> SourceStats {
        let lag = self.consumer.context().lag.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let partitions = self
            .st
            .splits
            .iter()
            .enumerate()
            .map(|(i, split)| sluice_connector_api::PartitionPosition {
                split: split.id,
                topic: split.topic.clone(),
                partition: split.partition,
                offset: self.st.returned.get(&i).copied().or(split.start_at),
            })
            .collect();
        SourceStats { partition_lag: lag, partitions, ..self.st.stats.clone() }
    }

    /// Per split: topic, partition, and the offset after the last row returned (or
    /// where the split started).
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        let mut w = StateWriter::new(POSITION_VERSION);
        w.u64(self.st.splits.len() as u64);
        for (i, split) in self.st.splits.iter().enumerate() {
            let next = self.st.returned.get(&i).copied().or(split.start_at);
            w.str(&split.topic).i64(split.partition as i64).opt_i64(next);
        }
        Ok(w.finish())
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let what = format!("the Kafka source of {}", self.config.topics.describe());
        let saved = read_positions(position, &what).map_err(ConnectorError::External)?;
        if self.assigned {
            return Err(ConnectorError::External(format!("{what} was restored after it started reading")));
        }
        for (topic, partition, next) in saved {
            // A partition the checkpoint has but the topic lost is skipped; one it lacks
            // (added since) starts as the startup mode says. Whether a bounded partition
            // is done is decided by this run's stop offset, not by the earlier run's.
            let Some(i) = self.st.find(&topic, partition) else { continue };
            let Some(next) = next else { continue };
            self.st.returned.insert(i, next);
            self.st.splits[i].start_at = Some(next);
            if self.st.splits[i].stop.is_some_and(|stop| next >= stop) {
                self.st.finish(i);
            }
        }
        Ok(())
    }

    fn pre_commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        self.st.dead_letters.as_mut().map_or(Ok(()), |d| d.pre_commit(checkpoint))
    }

    fn commit_checkpoint(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        self.st.dead_letters.as_mut().map_or(Ok(()), |d| d.commit_checkpoint(checkpoint))
    }

    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        self.st.dead_letters.as_mut().map_or(Ok(None), |d| d.committed_checkpoint())
    }

    fn recover(&mut self, completed: Option<u64>) -> Result<(), ConnectorError> {
        self.st.dead_letters.as_mut().map_or(Ok(()), |d| d.recover(completed))
    }

    fn recover_former(&mut self, former: usize, completed: Option<u64>) -> Result<(), ConnectorError> {
        self.st.dead_letters.as_mut().map_or(Ok(()), |d| d.recover_former(former, completed))
    }

    fn commit(&mut self) -> Result<(), ConnectorError> {
        if let Some(d) = self.st.dead_letters.as_mut() {
            d.commit()?;
        }
        let mut tpl = TopicPartitionList::new();
        let mut done = Vec::new();
        for (&i, &next) in &self.st.returned {
            if self.st.committed.get(&i) == Some(&next) {
                continue;
            }
            let s = &self.st.splits[i];
            tpl.add_partition_offset(&s.topic, s.partition, Offset::Offset(next))
                .map_err(|e| self.kafka_error("cannot commit offsets", e))?;
            done.push((i, next));
        }
        if done.is_empty() {
            return Ok(());
        }
        self.consumer.commit(&tpl, CommitMode::Async).map_err(|e| {
            ConnectorError::External(format!(
                "cannot commit the offsets of consumer group \"{}\" at {}: {e}",
                self.group_id, self.config.bootstrap_servers
            ))
        })?;
        self.st.committed.extend(done);
        Ok(())
    }
}

/// rdkafka's own drop of a consumer with a group waits, without a limit, until
/// librdkafka has closed it, and librdkafka holds an offset commit that waits for an
/// unreachable group coordinator for up to `session.timeout.ms` (45 s by default): a job
/// stopped during an outage would hang that long. The source closes the consumer itself
/// and, past `CLOSE_LIMIT`, leaves it (its librdkafka handle leaks; the commit was lost
/// anyway) rather than hold up the end of the job.
impl Drop for KafkaSource {
    fn drop(&mut self) {
        // SAFETY: `consumer` is taken exactly once, here, and not used afterwards.
        let consumer = unsafe { ManuallyDrop::take(&mut self.consumer) };
        if consumer.close_queue().is_err() {
            return;
        }
        let started = Instant::now();
        while !consumer.closed() {
            if started.elapsed() >= CLOSE_LIMIT {
                tracing::warn!(target: "sluice::kafka",
                    "kafka: the consumer of {} did not close within {} s (brokers at {} unreachable?); \
                     leaving it without committing",
                    self.config.topics.describe(),
                    CLOSE_LIMIT.as_secs(),
                    self.config.bootstrap_servers
                );
                std::mem::forget(consumer);
                return;
            }
            consumer.poll(Duration::from_millis(100));
        }
    }
}

/// The encoding version of a Kafka source's position in checkpoints.
const POSITION_VERSION: u8 = 1;

/// One split's saved position: topic, partition, next offset.
type SavedPosition = (String, i32, Option<i64>);

/// The positions `snapshot` wrote, per split.
fn read_positions(bytes: &[u8], what: &str) -> Result<Vec<SavedPosition>, String> {
    let (mut r, _) = StateReader::open(bytes, what, &[POSITION_VERSION])?;
    let count = r.u64()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let topic = r.str()?.to_string();
        let partition = i32::try_from(r.i64()?).map_err(|_| format!("the saved state of {what} is corrupt"))?;
        out.push((topic, partition, r.opt_i64()?));
    }
    r.end()?;
    Ok(out)
}
