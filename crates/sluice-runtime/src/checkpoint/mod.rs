//! Checkpoints: every source position and every operator's state at one point of the
//! stream, saved so that a restarted job resumes there, and the moment transactional
//! sinks commit their output.
//!
//! The executor is single-threaded and pushes each batch to the sinks before the next
//! poll, so between two polls nothing is in flight and a snapshot there is consistent
//! without barriers. With parallel instances, a barrier flows through the exchanges and
//! each instance snapshots when it has seen the barrier on every input that has not
//! ended (`executor/aligned.rs`); the steps below stay the same, each subtask committing
//! its own sinks.
//!
//! Checkpoint `n`, in `Executor::checkpoint`:
//! 1. every sink `pre_commit(n)`: its output so far is delivered into its open
//!    transaction, or written;
//! 2. every source and operator `snapshot`s (and, in a job with several transactional
//!    outputs, every transactional sink saves its rows since the last checkpoint), and
//!    the store saves checkpoint `n` whole (not yet complete);
//! 3. the outputs commit `n`: first every source `commit_checkpoint(n)`, for what it
//!    keeps in a transaction of its own (dead letters in a Kafka topic), and the sinks
//!    that saved no rows; then the sinks that did (a Kafka sink commits its transaction
//!    and records `n` with it, atomically);
//! 4. the store marks `n` complete, old checkpoints are pruned, and sources commit their
//!    positions outside the job (Kafka group offsets, for monitoring).
//!
//! A crash before 2 leaves the last complete checkpoint, whose output is exactly what
//! was committed (the open transaction is aborted when the restarted sink fences it).
//! A crash between 2 and 4 leaves a saved, incomplete `n`: on restart it counts as
//! complete exactly when every transactional output either says it committed `n` or
//! saved its rows with `n`, otherwise it is discarded; a sink that saved its rows and
//! had not committed `n` commits them then (`executor/commits.rs`). Either way the
//! restored state matches the committed output. Separate transactions cannot commit as
//! one, which is why a job with several saves the rows: with one output, the checkpoint
//! simply counts as complete when that output committed it.
//!
//! Checkpoints are kept in a local folder or an object store bucket (`storage`).

pub mod storage;
mod store;

/// The byte encoding of saved state, shared with the connectors.
pub use sluice_connector_api::state as codec;

use std::time::Duration;

use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::ConnectorError;

use crate::RuntimeError;

pub use storage::{Storage, StorageOptions};
pub use store::{job_folder, load, CheckpointStore, NodeState, SavedCheckpoint, SavedLayout};

/// What `execution.checkpointing.*` and `execution.state-recovery.*` ask for.
#[derive(Clone, Debug)]
pub struct CheckpointConfig {
    /// The job's name: its checkpoints live in a folder of this name under `root`.
    pub job: String,
    /// `execution.checkpointing.interval`. Below a millisecond (Flink refuses anything
    /// under 10 ms) a checkpoint follows every round of source polls, whatever the
    /// clock says: the tests that stop a job at checkpoint N rely on that.
    pub interval: Duration,
    /// `execution.checkpointing.dir` (or `state.checkpoints.dir`): a local folder or an
    /// object store URL (see `storage`).
    pub root: String,
    /// `execution.checkpointing.num-retained`.
    pub retained: usize,
    /// `execution.state-recovery.path`: restore from this checkpoint or savepoint folder
    /// (a local folder or an object store URL).
    pub recovery_path: Option<String>,
    /// `execution.state-recovery.ignore-unclaimed-state`.
    pub ignore_unclaimed_state: bool,
    /// Start over: remove the job's checkpoints first (`sluice run --fresh`).
    pub fresh: bool,
    /// `execution.checkpointing.savepoint-dir`: a stopped job's last checkpoint is also
    /// kept there, out of reach of `num-retained`, as a savepoint.
    pub savepoint_dir: Option<String>,
    /// The session's storage keys (`s3.access-key`, ...) for the folders above.
    pub storage_options: StorageOptions,
}

impl CheckpointConfig {
    /// Whether a checkpoint follows every round of polls (an interval under 1 ms).
    pub fn every_round(&self) -> bool {
        self.interval < Duration::from_millis(1)
    }

    /// The folder of this job's checkpoints, as a path or a URL, for messages.
    pub fn job_location(&self) -> String {
        format!("{}/{}", self.root.trim_end_matches('/'), job_folder(&self.job))
    }
}

/// How checkpointing went, for progress lines and the summary.
#[derive(Clone, Debug, Default)]
pub struct CheckpointStats {
    pub completed: u64,
    pub last_id: Option<u64>,
    pub last_duration: Duration,
    pub last_bytes: u64,
    /// The longest checkpoint so far and its size.
    pub longest: Duration,
    pub longest_bytes: u64,
}

/// The steps of a checkpoint where a test can make the process die or the job fail
/// (see `test_hooks`).
pub const CRASH_STEPS: [&str; 4] = ["before-snapshot", "after-save", "after-commit", "after-complete"];

/// The test hooks at `step` of checkpoint `id`:
/// - `SLUICE_CHECKPOINT_CRASH=STEP@N` aborts the process there, as a crash would (no
///   destructor runs, nothing is flushed): the failure-point tests;
/// - `SLUICE_CHECKPOINT_FAIL=STEP@N` fails the job there with an error, once per process,
///   as a lost connection would: the tests of restart strategies.
pub(crate) fn test_hooks(step: &str, id: u64) -> Result<(), RuntimeError> {
    static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let here = format!("{step}@{id}");
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| v.to_str() == Some(here.as_str()));
    if set("SLUICE_CHECKPOINT_CRASH") {
        eprintln!("[sluice] test hook: crashing at {step} of checkpoint {id}");
        std::process::abort();
    }
    if set("SLUICE_CHECKPOINT_FAIL") && !FAILED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Err(RuntimeError::Operator {
            node: "checkpoint".into(),
            message: format!("test hook: failing at {step} of checkpoint {id}"),
        });
    }
    Ok(())
}

/// One transactional sink's commit of checkpoint `id`, then the `between-commits` test
/// hook. With that hook armed for `id`, commits run one at a time (process-wide), so
/// the crash comes after exactly one of them whatever the threads' timing.
pub(crate) fn one_commit(id: u64, commit: impl FnOnce() -> Result<(), ConnectorError>) -> Result<(), ConnectorError> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let armed = std::env::var("SLUICE_CHECKPOINT_CRASH").is_ok_and(|v| v == format!("between-commits@{id}"));
    if !armed {
        return commit();
    }
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    commit()?;
    test_hooks("between-commits", id).map_err(|e| ConnectorError::External(e.to_string()))
}

/// A test hook: with `SLUICE_CHECKPOINT_STOP=N` in the environment, a job stops after
/// completing checkpoint `N`, as Ctrl-C would stop it (a final checkpoint, then exit).
/// Used by the tests that restart every conformance case midway.
pub(crate) fn stop_point(id: u64) -> bool {
    std::env::var("SLUICE_CHECKPOINT_STOP").is_ok_and(|v| v.trim() == id.to_string())
}

/// The error for saved operator state that a changed query cannot take: `saved` and
/// `now` say what the state was for and what the query needs.
fn state_changed(node: &str, saved: &str, now: &str) -> RuntimeError {
    RuntimeError::Operator {
        node: node.to_string(),
        message: format!(
            "the checkpoint holds state for {saved}, but the query now has {now}: the query changed in a way \
             its state cannot follow. Start over with `sluice run --fresh`"
        ),
    }
}

/// The encoding version of operator state begun with `operator_state`.
const OPERATOR_STATE_VERSION: u8 = 1;

/// Starts an operator's checkpoint state: the encoding version, then `shape`, what the
/// state is for, which `open_operator_state` compares on restore.
pub(crate) fn operator_state(shape: &str) -> StateWriter {
    let mut out = StateWriter::new(OPERATOR_STATE_VERSION);
    out.str(shape);
    out
}

/// Opens state that `operator_state` began, after checking that it was saved for what
/// the query's operator `node` now is (`shape`); errors name `node`.
pub(crate) fn open_operator_state<'a>(node: &'a str, state: &'a [u8], shape: &str) -> Result<StateReader<'a>, RuntimeError> {
    let (mut input, _) = StateReader::open(state, node, &[OPERATOR_STATE_VERSION]).map_err(|e| unreadable(node, e))?;
    let saved = input.str().map_err(|e| unreadable(node, e))?;
    if saved != shape {
        return Err(state_changed(node, saved, shape));
    }
    Ok(input)
}

/// The column types of `schema`, `Int64, Utf8`, for the description of what an
/// operator's state is for.
pub(crate) fn column_types(schema: &arrow_schema::Schema) -> String {
    schema.fields().iter().map(|f| f.data_type().to_string()).collect::<Vec<_>>().join(", ")
}

/// Saved operator state that cannot be read.
pub(crate) fn unreadable(node: &str, why: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Operator { node: node.to_string(), message: format!("cannot restore from the checkpoint: {why}") }
}

/// A stable 64-bit hash (FNV-1a) of what a node's state means.
pub fn fingerprint(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}
