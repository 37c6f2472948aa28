//! The checkpoints of one job, in a `Storage` folder (a local folder or an object store
//! bucket), one folder per job:
//!
//! ```text
//! DIR/JOB/chk-42/node-3.state  one node instance's state, as its `snapshot` wrote it
//! DIR/JOB/chk-42/_metadata     format version, job, checkpoint id, time, the job's
//!                              parallelism and max-parallelism, and per node instance
//!                              its stable id, name, state fingerprint, subtask and file
//! DIR/JOB/chk-42/_COMPLETED    present once the checkpoint's output was committed
//! ```
//!
//! Each object is written whole, and `_metadata` after every state file, so a checkpoint
//! with a `_metadata` object is always whole; one without is a leftover of a write that
//! died, never read and removed by the next prune. It counts as complete once
//! `_COMPLETED` exists; a whole but incomplete one (the process died between saving and
//! committing) is complete exactly when its transactional sinks committed it (see
//! `Executor::start_checkpoints`). Removing goes the other way: `_COMPLETED` and
//! `_metadata` first, so a half-removed checkpoint is never taken for a whole one.

use std::collections::{BTreeMap, BTreeSet};

use super::codec::{StateReader, StateWriter};
use super::storage::Storage;

/// The version of the `_metadata` layout: 2 added the parallelism, the max-parallelism
/// and each node state's subtask; 1 (parallelism 1) is still read.
const FORMAT: u8 = 2;
const COMPLETED: &str = "_COMPLETED";
const METADATA: &str = "_metadata";
/// The object of a job's folder recording how many subtasks its last run had.
const RUNNING: &str = "_parallelism";

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
    /// Its folder, as a path or a URL.
    pub location: String,
    pub layout: SavedLayout,
    pub nodes: Vec<NodeState>,
}

/// `job` with the characters a file or object name cannot hold replaced.
pub fn job_folder(job: &str) -> String {
    job.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// The checkpoint folder of one job.
pub struct CheckpointStore {
    storage: Storage,
    job: String,
}

/// The objects of a job's folder, by checkpoint.
#[derive(Default)]
struct Listing {
    /// Every object key, by checkpoint id.
    keys: BTreeMap<u64, Vec<String>>,
    whole: BTreeSet<u64>,
    complete: BTreeSet<u64>,
    /// Objects that belong to no checkpoint (leftovers of older layouts).
    stray: Vec<String>,
}

impl CheckpointStore {
    /// The store of `job` under `root`. Characters a file name cannot hold are replaced in
    /// the job's folder name.
    pub fn new(root: &Storage, job: &str) -> CheckpointStore {
        CheckpointStore { storage: root.child(&job_folder(job)), job: job.to_string() }
    }

    /// The job's folder, as a path or a URL.
    pub fn location(&self) -> &str {
        self.storage.location()
    }

    fn listing(&self) -> Result<Listing, String> {
        let mut listing = Listing::default();
        for key in self.storage.list()? {
            let parsed = key.split_once('/').and_then(|(dir, file)| Some((dir.strip_prefix("chk-")?.parse::<u64>().ok()?, file)));
            let Some((id, file)) = parsed else {
                listing.stray.push(key);
                continue;
            };
            match file {
                METADATA => listing.whole.insert(id),
                COMPLETED => listing.complete.insert(id),
                _ => false,
            };
            listing.keys.entry(id).or_default().push(key);
        }
        Ok(listing)
    }

    /// Writes checkpoint `id` whole (not yet complete); returns its size in bytes.
    pub fn save(&self, id: u64, taken_at_ms: i64, layout: SavedLayout, nodes: &[NodeState]) -> Result<u64, String> {
        let dir = format!("chk-{id}");
        let mut meta = StateWriter::new(FORMAT);
        meta.str(&self.job).u64(id).i64(taken_at_ms).u64(layout.parallelism as u64).u64(layout.max_parallelism as u64);
        meta.u64(nodes.len() as u64);
        let mut bytes = 0u64;
        for (i, node) in nodes.iter().enumerate() {
            let file = format!("node-{i}.state");
            self.storage.put(&format!("{dir}/{file}"), node.state.clone())?;
            bytes += node.state.len() as u64;
            meta.str(&node.id).str(&node.name).u64(node.fingerprint).u64(node.subtask as u64).str(&file);
        }
        self.storage.put(&format!("{dir}/{METADATA}"), meta.finish())?;
        Ok(bytes)
    }

    /// How many subtasks the job's last run had once it got past its recovery (`None`:
    /// never recorded), so that a run with fewer settles what the others left.
    pub fn running_parallelism(&self) -> Result<Option<usize>, String> {
        let Some(bytes) = self.storage.get(RUNNING)? else { return Ok(None) };
        let text = String::from_utf8_lossy(&bytes);
        text.trim().parse::<usize>().map(Some).map_err(|_| {
            format!("{}/{RUNNING} holds \"{}\", not a number of subtasks: delete it, or start over with `sluice run --fresh`", self.location(), text.trim())
        })
    }

    /// Records that the job now runs with `parallelism` subtasks (see
    /// `running_parallelism`).
    pub fn set_running_parallelism(&self, parallelism: usize) -> Result<(), String> {
        self.storage.put(RUNNING, format!("{parallelism}\n").into_bytes())
    }

    /// Marks checkpoint `id` complete: its output is committed.
    pub fn complete(&self, id: u64) -> Result<(), String> {
        self.storage.put(&format!("chk-{id}/{COMPLETED}"), Vec::new())
    }

    /// Removes whole checkpoints older than the newest `retained` complete ones, and
    /// leftovers of interrupted writes.
    pub fn prune(&self, retained: usize) {
        let listing = match self.listing() {
            Ok(listing) => listing,
            Err(e) => {
                tracing::warn!(target: "sluice::checkpoint", "cannot remove old checkpoints: {e}");
                return;
            }
        };
        let complete: Vec<u64> = listing.whole.intersection(&listing.complete).copied().collect();
        let Some(&oldest_kept) = complete.iter().rev().nth(retained.max(1) - 1).or(complete.first()) else { return };
        for (id, keys) in &listing.keys {
            if *id < oldest_kept || !listing.whole.contains(id) {
                self.remove(*id, keys);
            }
        }
        for key in &listing.stray {
            if key.contains(".inprogress/") {
                let _ = self.storage.delete(key);
            }
        }
    }

    /// Deletes the objects `keys` of checkpoint `id`, its markers first.
    fn remove(&self, id: u64, keys: &[String]) {
        let dir = format!("chk-{id}");
        for marker in [COMPLETED, METADATA] {
            if let Err(e) = self.storage.delete(&format!("{dir}/{marker}")) {
                tracing::warn!(target: "sluice::checkpoint", "cannot remove checkpoint {id}: {e}");
                return;
            }
        }
        for key in keys {
            let _ = self.storage.delete(key);
        }
    }

    /// The ids of the whole checkpoints, oldest first.
    pub fn ids(&self) -> Result<Vec<u64>, String> {
        Ok(self.listing()?.whole.into_iter().collect())
    }

    /// Deletes checkpoint `id` (one that was saved but never committed).
    pub fn discard(&self, id: u64) {
        let keys = match self.listing() {
            Ok(mut listing) => listing.keys.remove(&id).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        if !keys.is_empty() {
            self.remove(id, &keys);
        }
    }

    /// Deletes every checkpoint of the job (`--fresh`).
    pub fn clear(&self) -> Result<(), String> {
        let listing = self.listing()?;
        for (id, keys) in &listing.keys {
            self.remove(*id, keys);
        }
        for key in &listing.stray {
            self.storage.delete(key)?;
        }
        Ok(())
    }

    pub fn load(&self, id: u64) -> Result<SavedCheckpoint, String> {
        load(&self.storage.child(&format!("chk-{id}")))
    }

    /// Copies checkpoint `id` into `to`, as `savepoint-JOB-ID`, out of reach of
    /// `num-retained`: the state files, then `_metadata`, then `_COMPLETED`, so a
    /// half-written savepoint is never taken for one. Returns the savepoint's folder.
    pub fn savepoint(&self, id: u64, to: &Storage) -> Result<String, String> {
        let from = self.storage.child(&format!("chk-{id}"));
        let target = to.child(&format!("savepoint-{}-{id}", job_folder(&self.job).replace('.', "_")));
        let mut keys = from.list()?;
        keys.sort_by_key(|k| (k == METADATA, k == COMPLETED));
        for key in keys {
            let bytes = from.get(&key)?.ok_or_else(|| format!("{}/{key} vanished while it was copied", from.location()))?;
            target.put(&key, bytes)?;
        }
        Ok(target.location().to_string())
    }
}

/// Reads the checkpoint in folder `folder` (a `chk-N` or savepoint folder, for
/// `execution.state-recovery.path`).
pub fn load(folder: &Storage) -> Result<SavedCheckpoint, String> {
    let what = folder.location().to_string();
    let meta = folder.get(METADATA)?.ok_or_else(|| {
        format!("{what} holds no checkpoint (no {METADATA}): give a chk-N folder of a checkpoint, or a savepoint folder")
    })?;
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
        let state = folder.get(file)?.ok_or_else(|| format!("checkpoint {what} lacks its state file {file}"))?;
        nodes.push(NodeState { id: node_id, name, fingerprint, subtask, state });
    }
    r.end()?;
    Ok(SavedCheckpoint { id, taken_at_ms, completed: folder.get(COMPLETED)?.is_some(), location: what, layout, nodes })
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
        let storage = Storage::open(&root.display().to_string(), &Default::default()).unwrap();
        let store = CheckpointStore::new(&storage, "insert-into t/1");
        assert!(store.location().ends_with("/insert-into_t_1"));
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
        // A leftover of a save that died before its metadata is not a checkpoint.
        std::fs::create_dir_all(root.join("insert-into_t_1/chk-5")).unwrap();
        std::fs::write(root.join("insert-into_t_1/chk-5/node-0.state"), b"x").unwrap();
        assert_eq!(store.ids().unwrap(), vec![1, 2, 3, 4]);
        store.prune(2);
        assert_eq!(store.ids().unwrap(), vec![2, 3, 4]);
        assert!(!root.join("insert-into_t_1/chk-5").exists());
        assert!(!root.join("insert-into_t_1/chk-1").exists());
        // A savepoint is a whole, complete copy.
        let saved = store.savepoint(3, &storage.child("savepoints")).unwrap();
        let restored = load(&Storage::open(&saved, &Default::default()).unwrap()).unwrap();
        assert!(restored.completed && restored.id == 3);
        // A damaged metadata file is an error, not a panic.
        std::fs::write(root.join("insert-into_t_1/chk-4").join(METADATA), [1, 0, 0]).unwrap();
        assert!(store.load(4).is_err());
        store.clear().unwrap();
        assert!(store.ids().unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn records_the_running_parallelism_outside_the_checkpoints() {
        let root = std::env::temp_dir().join(format!("sluice-store-running-{}", std::process::id()));
        let storage = Storage::open(&root.display().to_string(), &Default::default()).unwrap();
        let store = CheckpointStore::new(&storage, "job");
        assert_eq!(store.running_parallelism().unwrap(), None);
        store.set_running_parallelism(4).unwrap();
        assert_eq!(store.running_parallelism().unwrap(), Some(4));
        // Not a checkpoint, and kept by pruning.
        store.prune(1);
        assert!(store.ids().unwrap().is_empty());
        assert_eq!(store.running_parallelism().unwrap(), Some(4));
        std::fs::write(root.join("job").join(RUNNING), b"four").unwrap();
        let e = store.running_parallelism().unwrap_err();
        assert!(e.contains("not a number of subtasks") && e.contains("--fresh"), "{e}");
        store.clear().unwrap();
        assert_eq!(store.running_parallelism().unwrap(), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
