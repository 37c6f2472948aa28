//! What a deployment's worker tells the server besides its log: a metrics snapshot per
//! job, which `sluice run` writes every few seconds into the folder named by
//! `METRICS_DIR_ENV` (one `<job>.json` each, replaced atomically by a rename), and which
//! `/metrics` reads. A file, like the worker's log, so that the worker needs no server
//! to talk to and a snapshot outlives neither.

use serde::{Deserialize, Serialize};

/// The environment variable that tells `sluice run` where to write its snapshots.
pub const METRICS_DIR_ENV: &str = "SLUICE_METRICS_DIR";

/// One job's counters at `at_ms` (milliseconds since the epoch).
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobMetrics {
    pub job: String,
    pub at_ms: i64,
    pub nodes: Vec<NodeMetrics>,
    #[serde(default)]
    pub checkpoint: Option<CheckpointMetrics>,
    /// The last rows the job's sinks wrote, oldest first (at most `TAIL_ROWS`).
    #[serde(default)]
    pub tail: Vec<TailRow>,
}

/// How many written rows a snapshot keeps for the console's live tail.
pub const TAIL_ROWS: usize = 200;

/// A row a sink wrote.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TailRow {
    /// When the worker saw it, milliseconds since the epoch.
    pub at_ms: i64,
    /// The sink node (`Sink: name`).
    pub sink: String,
    /// `+I`, `-U`, `+U` or `-D`.
    pub kind: String,
    /// Column name and value (numbers as numbers, times as text).
    pub columns: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub values: Vec<serde_json::Value>,
}

/// One operator (a dataflow node: source, operator or sink).
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NodeMetrics {
    pub name: String,
    pub rows_in: u64,
    pub rows_out: u64,
    /// Its output watermark, milliseconds since the epoch.
    pub watermark_ms: Option<i64>,
    pub late_rows_dropped: u64,
    /// Sizes of its state (e.g. partial matches), by name.
    #[serde(default)]
    pub state: Vec<(String, u64)>,
    /// Bytes of its state in the last checkpoint (none before the first, or stateless).
    #[serde(default)]
    pub state_bytes: Option<u64>,
    /// Sources only.
    #[serde(default)]
    pub source: Option<SourceMetrics>,
    /// The nodes it reads from, by position in `JobMetrics::nodes`.
    #[serde(default)]
    pub inputs: Vec<usize>,
    /// Past its idle timeout (or all its inputs are): its watermark holds nothing back.
    #[serde(default)]
    pub idle: bool,
    /// A watermark assigner after a source with partitions: each partition's watermark.
    #[serde(default)]
    pub splits: Vec<SplitMetrics>,
    /// The idle timeout that applies to those partitions, when one is set.
    #[serde(default)]
    pub split_idle_timeout_ms: Option<u64>,
    /// A window operator: the watermark (ms) that fires the next window holding rows.
    #[serde(default)]
    pub next_window_fires_at_ms: Option<i64>,
    /// A window operator: a bound on how late its dropped rows were, in milliseconds.
    #[serde(default)]
    pub max_late_by_ms: Option<i64>,
}

/// One partition's watermark, as the watermark assigner after its source sees it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SplitMetrics {
    /// The split id: `SourceMetrics::partitions` names its topic and partition.
    pub split: u32,
    /// `None` while the partition has had no row: it holds the watermark back.
    pub watermark_ms: Option<i64>,
    pub idle: bool,
    pub finished: bool,
}

/// A Kafka partition a source reads.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PartitionMetrics {
    pub split: u32,
    pub topic: String,
    pub partition: i32,
    /// The offset after the last record read; `None` before the first.
    pub offset: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceMetrics {
    pub records: u64,
    pub bytes: u64,
    pub skipped_bad_records: u64,
    pub dead_letters: u64,
    /// Kafka: records not read yet, per topic and partition.
    #[serde(default)]
    pub partition_lag: Vec<(String, i32, i64)>,
    /// Kafka: the partitions it reads, with their offsets.
    #[serde(default)]
    pub partitions: Vec<PartitionMetrics>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckpointMetrics {
    pub completed: u64,
    pub last_id: Option<u64>,
    pub last_duration_ms: u64,
    /// The size of the last checkpoint: the job's whole state.
    pub last_bytes: u64,
}

/// Writes a snapshot as `<dir>/<job>.json`, through a temporary file and a rename, so a
/// reader never sees half of one.
pub fn write_snapshot(dir: &std::path::Path, metrics: &JobMetrics) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name: String = metrics.job.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let tmp = dir.join(format!(".{name}.json.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(metrics).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, dir.join(format!("{name}.json")))
}

/// Every snapshot in `dir` that can be read.
pub fn read_snapshots(dir: &std::path::Path) -> Vec<JobMetrics> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<JobMetrics> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json") && !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok())
        .collect();
    out.sort_by(|a, b| a.job.cmp(&b.job));
    out
}
