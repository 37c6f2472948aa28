use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

use crate::{ChangeBatch, ConnectorError};

/// What a connector knows of a table: its physical columns and its `WITH` options.
/// Computed columns, watermarks and metadata columns are the planner's business; a source
/// is asked for physical and metadata columns only.
#[derive(Clone, Debug)]
pub struct TableSpec {
    /// The table's name as written, for messages.
    pub name: String,
    /// Physical columns, in declaration order.
    pub physical_columns: Vec<(String, DataType)>,
    /// `WITH` options, keys as written.
    pub options: BTreeMap<String, String>,
    /// Primary key column names (`PRIMARY KEY (..) NOT ENFORCED`).
    pub primary_key: Vec<String>,
    pub partition_keys: Vec<String>,
}

impl TableSpec {
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options.get(key).map(|s| s.as_str())
    }
}

/// A metadata column a connector can provide (`METADATA FROM 'key'`).
#[derive(Clone, Debug)]
pub struct MetadataColumn {
    pub key: &'static str,
    pub data_type: DataType,
    /// Whether a sink can write it.
    pub writable: bool,
}

/// How a source is asked to read.
#[derive(Clone, Debug)]
pub struct SourceContext {
    /// Indices into `TableSpec::physical_columns` to produce, in this order.
    pub projection: Vec<usize>,
    /// Metadata columns to produce after the physical ones: (key, type).
    pub metadata: Vec<(String, DataType)>,
    /// The schema of the batches the reader must return: the projected physical columns
    /// followed by the metadata columns.
    pub output_schema: SchemaRef,
    /// Preferred rows per batch.
    pub batch_size: usize,
    /// The session time zone (`table.local-time-zone`).
    pub time_zone: SessionTimeZone,
    /// This reader's index among `parallelism` readers of the same table.
    pub subtask: usize,
    pub parallelism: usize,
    /// The job's name, stable across runs of the same script.
    pub job: String,
    /// The source's place among the job's sources, stable for an unchanged query: with
    /// the job and table it names what the source keeps outside (dead letters).
    pub source_index: usize,
    /// Whether the job takes checkpoints.
    pub checkpointing: bool,
}

/// How a sink is asked to write.
#[derive(Clone, Debug)]
pub struct SinkContext {
    /// The schema of the batches the writer receives: the table's physical columns, in
    /// declaration order, followed by the written metadata columns (see `metadata`).
    pub input_schema: SchemaRef,
    /// Metadata columns the writer receives after the physical ones: (key, type). Only
    /// keys the connector offers as writable reach here.
    pub metadata: Vec<(String, DataType)>,
    pub time_zone: SessionTimeZone,
    pub subtask: usize,
    pub parallelism: usize,
    /// Whether the job takes checkpoints (`execution.checkpointing.interval`): a sink
    /// with `exactly-once` delivery commits its output at each one.
    pub checkpointing: bool,
    /// The job's name, stable across runs of the same script: a sink that records its
    /// progress outside (the `jdbc` sink's progress row) keys it by this.
    pub job: String,
    /// The sink's place among the job's sinks, stable for an unchanged query: the
    /// writers of one sink node (one per subtask) share what they decide together (the
    /// `filesystem` sink's success files).
    pub sink_index: usize,
}

/// Identifies one split of a source, such as a Kafka partition. A source with splits
/// reports rows per split, so that watermarks are generated per split and combined by
/// minimum, as Flink does.
pub type SplitId = u32;

/// The result of polling a source.
#[derive(Debug)]
pub enum SourcePoll {
    Batch(ChangeBatch),
    /// Rows that all come from one split. Each batch holds rows of one split only.
    SplitBatch { split: SplitId, batch: ChangeBatch },
    /// A split was assigned (before its first rows). Until it has rows, or is idle, it
    /// holds the source's watermark back, as an empty Kafka partition does in Flink.
    SplitAdded(SplitId),
    /// A split has no more rows (a bounded partition reached its end offset). It no
    /// longer holds the watermark back.
    SplitFinished(SplitId),
    /// Nothing available right now (an unbounded source between records); poll again.
    Pending,
    /// A bounded source has no more rows.
    Finished,
}

/// Counters a source keeps, reported when a job ends and in metrics.
#[derive(Clone, Debug, Default)]
pub struct SourceStats {
    pub records: u64,
    pub bytes: u64,
    /// Records skipped because they could not be decoded (`*.ignore-parse-errors`).
    pub skipped_bad_records: u64,
    /// Records that could not be decoded, sent to the dead letters (`sluice.dead-letter`).
    pub dead_letters: u64,
    /// The first few skip reasons, with their location, for the end-of-job report.
    pub skipped_examples: Vec<String>,
    /// Kafka: per topic and partition, how many records are in the partition beyond
    /// what the source has read (the consumer lag), as the client last reported it.
    pub partition_lag: Vec<(String, i32, i64)>,
    /// Kafka: each assigned partition with its split id (as the watermark assigner after
    /// the source knows it) and the offset after the last record returned.
    pub partitions: Vec<PartitionPosition>,
}

/// Where a source stands in one partition (a split).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionPosition {
    pub split: SplitId,
    pub topic: String,
    pub partition: i32,
    /// The offset after the last record returned; `None` before the first.
    pub offset: Option<i64>,
}

/// Reads one table (or one split of it) as batches.
pub trait SourceReader: Send {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError>;
    fn stats(&self) -> SourceStats {
        SourceStats::default()
    }
    /// Every row returned so far has been written by the sinks (they were flushed just
    /// before). A source that tracks positions outside the job (Kafka consumer group
    /// offsets) may record them now. The executor never calls this while rows are only
    /// held in operator state; checkpoints will widen that.
    fn commit(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// The position right after the last row returned, as bytes that `restore` of a new
    /// reader of the same table understands: what a checkpoint keeps of this source. The
    /// encoding must stay readable by later versions. The default: this source cannot
    /// resume from a checkpoint.
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        Err(ConnectorError::NotCheckpointable("this source cannot resume from a checkpoint yet".into()))
    }
    /// Moves a reader that has returned nothing yet to a position `snapshot` made.
    fn restore(&mut self, _position: &[u8]) -> Result<(), ConnectorError> {
        Err(ConnectorError::NotCheckpointable("this source cannot resume from a checkpoint yet".into()))
    }
    /// Checkpoint `checkpoint` is being taken: what the source wrote on the side (dead
    /// letters) since the last one belongs to it. `commit` follows once it completed.
    fn pre_commit(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Checkpoint `checkpoint`'s state is saved: side output kept in a transaction (dead
    /// letters in a Kafka topic) commits now, with `checkpoint` recorded in it, as
    /// `SinkWriter::commit` does.
    fn commit_checkpoint(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// As `SinkWriter::committed_checkpoint`, for side output committed in transactions:
    /// the newest checkpoint whose side output committed, asked after a restart.
    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        Ok(None)
    }
    /// With checkpoints on, once before the first poll: the job resumes from checkpoint
    /// `completed` (`None`: from the start). Side output of later checkpoints, which
    /// never completed, is dropped: those records are read again.
    fn recover(&mut self, _completed: Option<u64>) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// After `recover`, on the first subtask's reader only, in a job whose run before had
    /// `former` subtasks (another parallelism than now): settles the side output of that
    /// run's reader instances which this run does not have, as `recover` settles its own
    /// (dead letters of checkpoint `completed` and earlier become final, later ones are
    /// dropped). The default has none.
    fn recover_former(&mut self, _former: usize, _completed: Option<u64>) -> Result<(), ConnectorError> {
        Ok(())
    }
}

/// Writes batches of rows (with change kinds) to one table.
pub trait SinkWriter: Send {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError>;
    /// Makes everything written so far durable (called at checkpoints).
    fn flush(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// Checkpoint `checkpoint` is being taken: everything written so far must be ready to
    /// commit (delivered into the open transaction, or durable). Called before the job's
    /// state is saved; the default flushes.
    fn pre_commit(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        self.flush()
    }
    /// Checkpoint `checkpoint`'s state is saved: make what `pre_commit` prepared visible
    /// (commit the transaction), recording `checkpoint` with it where the sink can, so
    /// that `committed_checkpoint` can tell after a crash.
    fn commit(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// For a sink whose commits are transactions (`exactly-once`): the newest checkpoint
    /// whose output it committed, asked after a restart to decide whether a checkpoint
    /// saved but not marked complete was committed. `None`: the sink does not track
    /// checkpoints (what it pre-committed is written).
    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        Ok(None)
    }
    /// With checkpoints on, once before the first row: the job resumes from checkpoint
    /// `completed` (`None`: from the start). Output prepared for later checkpoints, which
    /// never completed, is dropped (its rows come again); output of `completed` and
    /// earlier that a crash left uncommitted is committed now.
    fn recover(&mut self, _completed: Option<u64>) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// After `recover`, in a job restored with fewer subtasks than the run before it:
    /// settles what the writers of `subtasks` (which this run no longer has) left, as
    /// `recover` settles this writer's own: their output of checkpoint `completed` and
    /// earlier that a crash left uncommitted is committed, their later output dropped
    /// (open transactions aborted, pending files deleted). Each removed subtask is given
    /// to exactly one writer. The default has nothing to settle.
    fn recover_removed(&mut self, _subtasks: &[usize], _completed: Option<u64>) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// For a sink whose commits are transactions: a writer of the same table as the
    /// writer of subtask `subtask` would be (its transactional id, its progress row),
    /// opened as a new writer is. A restored job with fewer subtasks uses it to complete
    /// a removed subtask's commit that a crash interrupted, with the rows the checkpoint
    /// kept for it. The default cannot.
    fn for_subtask(&self, subtask: usize) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Err(ConnectorError::NotCheckpointable(format!(
            "this sink cannot write as subtask {subtask} to complete that subtask's interrupted commit"
        )))
    }
    /// The event-time watermark of the sink's input advanced to `watermark` (epoch
    /// milliseconds; `i64::MAX` at the end of input). A sink that commits by event time
    /// (the `filesystem` sink's `partition-time` trigger) keeps it; the default ignores it.
    fn on_watermark(&mut self, _watermark: i64) -> Result<(), ConnectorError> {
        Ok(())
    }
    /// The input has ended: flush and close. No call follows.
    fn finish(&mut self) -> Result<(), ConnectorError>;
}

/// How a lookup source is asked to read (`JOIN t FOR SYSTEM_TIME AS OF o.proc_time`).
#[derive(Clone, Debug)]
pub struct LookupContext {
    /// Indices into `TableSpec::physical_columns` of the columns the join keys are equal
    /// to, in the order the keys are given to `LookupSource::lookup`.
    pub key_columns: Vec<usize>,
    /// Indices into `TableSpec::physical_columns` of the columns to return, in this order.
    pub projection: Vec<usize>,
    /// The schema of the returned rows: the projected columns.
    pub output_schema: SchemaRef,
    pub time_zone: SessionTimeZone,
}

/// The rows of a lookup: for each returned row, the index of the key it matched.
#[derive(Clone, Debug)]
pub struct LookupResult {
    /// For each row of `rows`, the index of its key row in the batch given to `lookup`.
    /// Rows of one key are contiguous and keys come in ascending order.
    pub key_rows: Vec<u32>,
    /// The matching rows, with `LookupContext::output_schema`.
    pub rows: RecordBatch,
}

/// A table read by key, for lookup joins. Keys come a batch at a time, so that a
/// connector can query them together (and in parallel) rather than one row at a time.
pub trait LookupSource: Send {
    /// The rows whose key columns equal each row of `keys` (one column per key column,
    /// in `LookupContext::key_columns` order). A key with a NULL matches nothing, as SQL's
    /// `=` says.
    fn lookup(&mut self, keys: &RecordBatch) -> Result<LookupResult, ConnectorError>;
    /// Counters for the end-of-job report: lookups, cache hits, queries.
    fn stats(&self) -> LookupStats {
        LookupStats::default()
    }
}

/// What a lookup source did.
#[derive(Clone, Debug, Default)]
pub struct LookupStats {
    /// Keys looked up.
    pub keys: u64,
    /// Keys answered from the cache.
    pub cache_hits: u64,
    /// Queries sent to the external system (or reloads of a file).
    pub queries: u64,
}

/// The changes a sink accepts, as Flink's `DynamicTableSink#getChangelogMode` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkChangelogMode {
    /// Only `+I` rows (`filesystem`, plain `kafka`).
    InsertOnly,
    /// Upserts on the table's primary key: `+I`/`+U` write the row for its key, `-D`
    /// deletes it; `-U` rows are not needed (`upsert-kafka`, `jdbc` with a key).
    Upsert,
    /// Every kind, `-U` included (`print`).
    All,
}

/// The changes a source produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceChangelogMode {
    /// Only `+I` rows.
    InsertOnly,
    /// Upserts keyed by the table's primary key (`upsert-kafka`): `+U` rows without
    /// their `-U`, and `-D`.
    Upsert,
}

/// A connector, named as in Flink's `'connector' = '...'`.
pub trait ConnectorFactory: Send + Sync {
    /// The `connector` option value, e.g. `filesystem`.
    fn name(&self) -> &'static str;

    /// Checks the options for use as a source (`as_source`) or a sink: unknown keys,
    /// missing required keys, bad values, column types the format cannot handle.
    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError>;

    /// Whether a source over this table ends by itself.
    fn is_bounded(&self, table: &TableSpec) -> bool;

    /// Which changes the sink accepts. The default is an append-only sink.
    fn sink_changelog_mode(&self, _table: &TableSpec) -> SinkChangelogMode {
        SinkChangelogMode::InsertOnly
    }

    /// Which changes a source over this table produces. The default is insert-only.
    fn source_changelog_mode(&self, _table: &TableSpec) -> SourceChangelogMode {
        SourceChangelogMode::InsertOnly
    }

    /// The metadata columns the connector offers.
    fn metadata_columns(&self, _table: &TableSpec) -> Vec<MetadataColumn> {
        Vec::new()
    }

    /// Whether `SourceContext::parallelism` readers of this table, each given its
    /// `SourceContext::subtask`, read every row exactly once between them (Kafka
    /// partitions, files, JDBC partitions). A connector that says no is read by one reader
    /// in a parallel job. The default is no.
    fn splits_across_readers(&self, _table: &TableSpec) -> bool {
        false
    }

    /// Whether several writers may write this table at once, one per instance of a
    /// parallel job, each given its `SinkContext::subtask` (part files per subtask, Kafka
    /// producers). A connector that says no gets one writer. The default is no.
    fn writes_in_parallel(&self, _table: &TableSpec) -> bool {
        false
    }

    /// Whether the connector writes a `PARTITIONED BY` table (Flink's
    /// `SupportsPartitioning`). The planner refuses to write a partitioned table into a
    /// connector that says no. The default is no.
    fn supports_partitioning(&self) -> bool {
        false
    }

    /// A reader of the table. The default is for sink-only connectors: `Unsupported`.
    fn create_source(
        &self,
        _table: &TableSpec,
        _ctx: &SourceContext,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        Err(ConnectorError::Unsupported { connector: self.name().to_string(), role: "source" })
    }

    /// A reader of the table by key, for lookup joins. The default: `Unsupported`.
    fn create_lookup(
        &self,
        _table: &TableSpec,
        _ctx: &LookupContext,
    ) -> Result<Box<dyn LookupSource>, ConnectorError> {
        Err(ConnectorError::Unsupported { connector: self.name().to_string(), role: "lookup source" })
    }

    /// A writer of the table. The default is for source-only connectors: `Unsupported`.
    fn create_sink(
        &self,
        _table: &TableSpec,
        _ctx: &SinkContext,
    ) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        Err(ConnectorError::Unsupported { connector: self.name().to_string(), role: "sink" })
    }
}

/// All connectors known to a process, by name.
#[derive(Clone, Default)]
pub struct ConnectorRegistry {
    factories: HashMap<String, Arc<dyn ConnectorFactory>>,
}

impl ConnectorRegistry {
    pub fn register(&mut self, factory: Arc<dyn ConnectorFactory>) {
        self.factories.insert(factory.name().to_string(), factory);
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn ConnectorFactory>> {
        self.factories.get(name)
    }

    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.factories.keys().map(|s| s.as_str()).collect();
        names.sort();
        names
    }
}
