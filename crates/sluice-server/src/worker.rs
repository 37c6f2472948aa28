//! What a deployment's worker tells the server besides its log: a metrics snapshot per
//! job, which `sluice run` writes every few seconds into the folder named by
//! `METRICS_DIR_ENV` (one `<job>.json` each, replaced atomically by a rename), and which
//! `/metrics` reads. A file, like the worker's log, so that the worker needs no server
//! to talk to and a snapshot outlives neither.

use serde::{Deserialize, Serialize};

/// The environment variable that tells `sluice run` where to write its snapshots.
pub const METRICS_DIR_ENV: &str = "SLUICE_METRICS_DIR";

/// One job's counters at `at_ms` (milliseconds since the epoch).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JobMetrics {
    pub job: String,
    pub at_ms: i64,
    pub nodes: Vec<NodeMetrics>,
    #[serde(default)]
    pub checkpoint: Option<CheckpointMetrics>,
}

/// One operator (a dataflow node: source, operator or sink).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
    /// Sources only.
    #[serde(default)]
    pub source: Option<SourceMetrics>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SourceMetrics {
    pub records: u64,
    pub bytes: u64,
    pub skipped_bad_records: u64,
    pub dead_letters: u64,
    /// Kafka: records not read yet, per topic and partition.
    #[serde(default)]
    pub partition_lag: Vec<(String, i32, i64)>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
