//! Checkpoint files in a local folder, one folder per job:
//!
//! ```text
//! DIR/JOB/chk-42/_metadata     format version, job, checkpoint id, time, the job's
//!                              parallelism and max-parallelism, and per node instance
//!                              its stable id, name, state fingerprint, subtask and file
//! DIR/JOB/chk-42/node-3.state  one node instance's state, as its `snapshot` wrote it
//! DIR/JOB/chk-42/_COMPLETED    present once the checkpoint's output was committed
//! ```
//!
//! A checkpoint is written into `chk-N.inprogress`, synced, and renamed to `chk-N`, so a
//! folder named `chk-N` is always whole. It counts as complete once `_COMPLETED` exists;
//! a whole but incomplete one (the process died between saving and committing) is
//! complete exactly when its transactional sinks committed it (see `Coordinator`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::codec::{StateReader, StateWriter};

/// The version of the `_metadata` layout: 2 added the parallelism, the max-parallelism
/// and each node state's subtask; 1 (parallelism 1) is still read.
const FORMAT: u8 = 2;
const COMPLETED: &str = "_COMPLETED";
const METADATA: &str = "_metadata";

/// What one instance of a node contributed to a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeState {
    /// Stable for an unchanged query: the node's position in the dataflow and its name.
    pub id: String,
    pub name: String,
    /// A hash of what the state means (the node's kind and name); restoring into a node
    /// with another fingerprint is refused.
    pub fingerprint: u64,
    /// The subtask whose instance of the node saved this (0 at parallelism 1).
    pub subtask: usize,
    pub state: Vec<u8>,
}

/// How the job that took a checkpoint ran: what restoring it at another parallelism
/// needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedLayout {
    /// Subtasks of the job (`parallelism.default`).
    pub parallelism: usize,
    /// `pipeline.max-parallelism`: the key groups its keyed state is split by.
    pub max_parallelism: usize,
}

/// A checkpoint read back.
#[derive(Debug)]
pub struct SavedCheckpoint {
    pub id: u64,
    pub taken_at_ms: i64,
    pub completed: bool,
    pub path: PathBuf,
    pub layout: SavedLayout,
    pub nodes: Vec<NodeState>,
}

/// The checkpoint folder of one job.
pub struct CheckpointStore {
    dir: PathBuf,
    job: String,
}

impl CheckpointStore {
    /// The store of `job` under `root` (created on first write). Characters a file name
    /// cannot hold are replaced in the job's folder name.
    pub fn new(root: &Path, job: &str) -> CheckpointStore {
        let safe: String = job.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        CheckpointStore { dir: root.join(safe), job: job.to_string() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn chk(&self, id: u64) -> PathBuf {
        self.dir.join(format!("chk-{id}"))
    }

    /// Writes checkpoint `id` whole (not yet complete); returns its size in bytes.
    pub fn save(&self, id: u64, taken_at_ms: i64, layout: SavedLayout, nodes: &[NodeState]) -> Result<u64, String> {
        let final_dir = self.chk(id);
        let tmp = self.dir.join(format!("chk-{id}.inprogress"));
        let fail = |what: &str, e: std::io::Error| format!("cannot {what} checkpoint {id} in {}: {e}", self.dir.display());
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp).map_err(|e| fail("create", e))?;
        let mut meta = StateWriter::new(FORMAT);
        meta.str(&self.job).u64(id).i64(taken_at_ms).u64(layout.parallelism as u64).u64(layout.max_parallelism as u64);
        meta.u64(nodes.len() as u64);
        let mut bytes = 0u64;
        for (i, node) in nodes.iter().enumerate() {
            let file = format!("node-{i}.state");
            write_synced(&tmp.join(&file), &node.state).map_err(|e| fail("write", e))?;
            bytes += node.state.len() as u64;
            meta.str(&node.id).str(&node.name).u64(node.fingerprint).u64(node.subtask as u64).str(&file);
        }
        write_synced(&tmp.join(METADATA), &meta.finish()).map_err(|e| fail("write", e))?;
        let _ = fs::remove_dir_all(&final_dir);
        fs::rename(&tmp, &final_dir).map_err(|e| fail("publish", e))?;
        sync_dir(&self.dir);
        Ok(bytes)
    }

    /// Marks checkpoint `id` complete: its output is committed.
    pub fn complete(&self, id: u64) -> Result<(), String> {
        write_synced(&self.chk(id).join(COMPLETED), b"")
            .map_err(|e| format!("cannot mark checkpoint {id} complete in {}: {e}", self.dir.display()))?;
        sync_dir(&self.chk(id));
        Ok(())
    }

    /// Removes whole checkpoints older than the newest `retained` complete ones, and
    /// leftovers of interrupted writes.
    pub fn prune(&self, retained: usize) {
        let ids = self.ids();
        let complete: Vec<u64> = ids.iter().copied().filter(|id| self.chk(*id).join(COMPLETED).exists()).collect();
        let Some(&oldest_kept) = complete.iter().rev().nth(retained.max(1) - 1).or(complete.first()) else { return };
        for id in ids.into_iter().filter(|id| *id < oldest_kept) {
            let _ = fs::remove_dir_all(self.chk(id));
        }
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().ends_with(".inprogress") {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }

    /// The ids of the whole checkpoints, oldest first.
    pub fn ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_prefix("chk-")?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Deletes checkpoint `id` (one that was saved but never committed).
    pub fn discard(&self, id: u64) {
        let _ = fs::remove_dir_all(self.chk(id));
    }

    /// Deletes every checkpoint of the job (`--fresh`).
    pub fn clear(&self) -> Result<(), String> {
        match fs::remove_dir_all(&self.dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove the checkpoints in {}: {e}", self.dir.display())),
        }
    }

    pub fn load(&self, id: u64) -> Result<SavedCheckpoint, String> {
        load(&self.chk(id))
    }
}

/// Reads the checkpoint in folder `path` (a `chk-N` folder, for `execution.state-recovery.path`).
pub fn load(path: &Path) -> Result<SavedCheckpoint, String> {
    let meta = fs::read(path.join(METADATA)).map_err(|e| format!("cannot read checkpoint {}: {e}", path.display()))?;
    let what = path.display().to_string();
    let (mut r, format) = StateReader::open(&meta, &what, &[1, FORMAT])?;
    let _job = r.str()?;
    let id = r.u64()?;
    let taken_at_ms = r.i64()?;
    let layout = if format >= 2 {
        let (parallelism, max_parallelism) = (r.u64()?, r.u64()?);
        if parallelism == 0 || max_parallelism == 0 || parallelism > max_parallelism || max_parallelism > 1 << 20 {
            return Err(format!("checkpoint {what} names parallelism {parallelism} of max-parallelism {max_parallelism}"));
        }
        SavedLayout { parallelism: parallelism as usize, max_parallelism: max_parallelism as usize }
    } else {
        SavedLayout { parallelism: 1, max_parallelism: crate::exchange::DEFAULT_MAX_PARALLELISM }
    };
    let count = r.u64()?;
    let mut nodes = Vec::new();
    for _ in 0..count {
        let (node_id, name, fingerprint) = (r.str()?.to_string(), r.str()?.to_string(), r.u64()?);
        let subtask = if format >= 2 { r.u64()? } else { 0 };
        if subtask >= layout.parallelism as u64 {
            return Err(format!("checkpoint {what} holds state of subtask {subtask} of {}", layout.parallelism));
        }
        let (subtask, file) = (subtask as usize, r.str()?);
        if file.contains('/') || file.contains("..") {
            return Err(format!("checkpoint {what} names a state file outside its folder"));
        }
        let state = fs::read(path.join(file)).map_err(|e| format!("cannot read {}: {e}", path.join(file).display()))?;
        nodes.push(NodeState { id: node_id, name, fingerprint, subtask, state });
    }
    r.end()?;
    Ok(SavedCheckpoint { id, taken_at_ms, completed: path.join(COMPLETED).exists(), path: path.to_path_buf(), layout, nodes })
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Makes a rename or a new file in `dir` durable (best effort: not every file system
/// lets a folder be synced).
fn sync_dir(dir: &Path) {
    if let Ok(f) = fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(i: usize, state: &[u8]) -> NodeState {
        NodeState { id: format!("{i}:Calc"), name: "Calc".into(), fingerprint: 9, subtask: i % 2, state: state.to_vec() }
    }

    #[test]
    fn saves_completes_loads_and_prunes() {
        let root = std::env::temp_dir().join(format!("sluice-store-test-{}", std::process::id()));
        let store = CheckpointStore::new(&root, "insert-into t/1");
        assert!(store.dir().ends_with("insert-into_t_1"));
        for id in 1..=4 {
            let layout = SavedLayout { parallelism: 2, max_parallelism: 128 };
            store.save(id, 1000 + id as i64, layout, &[node(0, &[id as u8]), node(1, b"")]).unwrap();
            if id < 4 {
                store.complete(id).unwrap();
            }
        }
        let last = store.load(4).unwrap();
        assert!(!last.completed);
        assert_eq!(last.layout, SavedLayout { parallelism: 2, max_parallelism: 128 });
        assert_eq!(last.nodes, vec![node(0, &[4]), node(1, b"")]);
        assert!(store.load(3).unwrap().completed);
        // Two complete ones are kept (2 and 3), and the newer incomplete one.
        store.prune(2);
        assert_eq!(store.ids(), vec![2, 3, 4]);
        // A damaged metadata file is an error, not a panic.
        std::fs::write(store.dir().join("chk-4").join(METADATA), [1, 0, 0]).unwrap();
        assert!(store.load(4).is_err());
        store.clear().unwrap();
        assert!(store.ids().is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }
}
