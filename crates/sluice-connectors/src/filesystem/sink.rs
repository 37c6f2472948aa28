//! Writing files: rows encoded into a large buffer, written to an in-progress part file
//! and renamed to its final name when it is complete (rolled by size or age, at a
//! flush, and at the end of input). A partitioned table has one open part file per
//! partition folder, and its rows are written without the partition columns.
//!
//! With checkpoints on, part files become visible exactly once, as Flink's file sink
//! makes them: a rolled file waits, and checkpoint N renames the files of its rows to
//! `.part-....chk-N.pending`; once N completes they get their final names. A job that
//! resumes from checkpoint M finishes the renames of checkpoints up to M and deletes
//! later pending and in-progress files, whose rows are written again; a job restored
//! with fewer subtasks does the same for the files of the writers it no longer has
//! (`recover_removed`: part names carry the writer's subtask). A partition's
//! success file (`sink.partition-commit.policy.kind` = `success-file`) is written only
//! after the checkpoint holding its rows completed (or, without checkpoints, after its
//! files were renamed), once its trigger says the partition is complete; the writers of
//! a job at a parallelism above 1 decide that together (`PartitionCommitter`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arrow_array::{RecordBatch, UInt32Array};
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, TableSpec};
use sluice_formats::{CsvEncoder, JsonEncoder};

use super::config::{FileFormat, FilesystemConfig};
use super::partition::{PartitionCommitter, PartitionConfig};

/// Bytes buffered before they are written to the file.
const WRITE_CHUNK: usize = 4 << 20;

enum Encoder {
    Json(JsonEncoder),
    Csv(CsvEncoder),
}

impl Encoder {
    fn encode(&mut self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), ConnectorError> {
        match self {
            Encoder::Json(e) => e.encode(batch, out)?,
            Encoder::Csv(e) => e.encode(batch, out)?,
        }
        Ok(())
    }
}

struct InProgress {
    file: File,
    temp_path: PathBuf,
    final_path: PathBuf,
    written: u64,
    opened_at: Instant,
}

/// One folder being written: the table's, or one partition's.
struct Bucket {
    dir: PathBuf,
    buf: Vec<u8>,
    current: Option<InProgress>,
}

/// How a partitioned table's rows are split: the partition columns, and the others,
/// which go into the files.
struct Partitioning {
    config: PartitionConfig,
    names: Vec<String>,
    data_columns: Vec<usize>,
}

/// Writes `part-<uuid>-<subtask>-<n>` files into the table's folder, or into its
/// partition folders.
pub struct FileSink {
    root: PathBuf,
    uuid: String,
    subtask: usize,
    next_part: u64,
    encoder: Encoder,
    partitioning: Option<Partitioning>,
    /// Open folders, by partition path relative to `root` (`""` when unpartitioned).
    buckets: BTreeMap<String, Bucket>,
    roll_size: u64,
    rollover: Duration,
    checkpointing: bool,
    /// Closed part files not in a checkpoint yet: (in-progress path, final path).
    rolled: Vec<(PathBuf, PathBuf)>,
    /// Files of pre-committed checkpoints: (checkpoint, pending path, final path).
    staged: Vec<(u64, PathBuf, PathBuf)>,
    /// Success files of complete partitions, when the table asks for them.
    committer: Option<PartitionCommitter>,
}

impl FileSink {
    pub fn new(table: &TableSpec, config: &FilesystemConfig, ctx: &SinkContext) -> Result<FileSink, ConnectorError> {
        let columns = super::data_columns(table, config);
        let encoder = match &config.format {
            FileFormat::Json(o) => Encoder::Json(JsonEncoder::new(&columns, o)?),
            FileFormat::Csv(o) => Encoder::Csv(CsvEncoder::new(&columns, o)?),
        };
        std::fs::create_dir_all(&config.path).map_err(|e| {
            ConnectorError::io(format!("cannot create the folder \"{}\"", config.path.display()), e)
        })?;
        let partitioning = config.partitions.clone().map(|p| Partitioning {
            names: p.keys.iter().map(|k| table.physical_columns[*k].0.clone()).collect(),
            data_columns: (0..table.physical_columns.len()).filter(|i| !p.keys.contains(i)).collect(),
            config: p,
        });
        let committer = partitioning
            .as_ref()
            .filter(|p| p.config.success_file.is_some())
            .map(|p| {
                let mut committer = PartitionCommitter::new(p.config.clone(), p.names.clone());
                committer.share(&ctx.job, &config.path, ctx.sink_index, ctx.subtask, ctx.parallelism);
                committer
            });
        Ok(FileSink {
            root: config.path.clone(),
            uuid: random_uuid(),
            subtask: ctx.subtask,
            next_part: 0,
            encoder,
            partitioning,
            buckets: BTreeMap::new(),
            roll_size: config.rolling_file_size.max(1),
            rollover: config.rollover_interval,
            checkpointing: ctx.checkpointing,
            rolled: Vec::new(),
            staged: Vec::new(),
            committer,
        })
    }

    fn bucket(&mut self, partition: &str) -> &mut Bucket {
        if !self.buckets.contains_key(partition) {
            let dir = if partition.is_empty() { self.root.clone() } else { self.root.join(partition) };
            self.buckets.insert(partition.to_string(), Bucket { dir, buf: Vec::new(), current: None });
        }
        self.buckets.get_mut(partition).expect("inserted above")
    }

    /// Encodes `data` into the buffer of `partition`'s folder and rolls its file when it
    /// is due.
    fn write_to(&mut self, partition: &str, data: &RecordBatch) -> Result<(), ConnectorError> {
        if let Some(c) = self.committer.as_mut() {
            c.written(partition);
        }
        let mut buf = std::mem::take(&mut self.bucket(partition).buf);
        let encoded = self.encoder.encode(data, &mut buf);
        self.bucket(partition).buf = buf;
        encoded?;
        let (roll_size, rollover) = (self.roll_size, self.rollover);
        let bucket = self.bucket(partition);
        if bucket.buf.len() >= WRITE_CHUNK {
            self.write_out(partition)?;
        }
        let bucket = self.bucket(partition);
        let due = match &bucket.current {
            Some(part) => part.written + bucket.buf.len() as u64 >= roll_size || part.opened_at.elapsed() >= rollover,
            None => bucket.buf.len() as u64 >= roll_size,
        };
        if due {
            self.roll(partition)?;
        }
        Ok(())
    }

    fn open(&mut self, partition: &str) -> Result<(), ConnectorError> {
        let name = format!("part-{}-{}-{}", self.uuid, self.subtask, self.next_part);
        self.next_part += 1;
        let bucket = self.bucket(partition);
        std::fs::create_dir_all(&bucket.dir)
            .map_err(|e| ConnectorError::io(format!("cannot create the folder \"{}\"", bucket.dir.display()), e))?;
        let temp_path = bucket.dir.join(format!(".{name}.inprogress"));
        let file = File::create(&temp_path)
            .map_err(|e| ConnectorError::io(format!("cannot create \"{}\"", temp_path.display()), e))?;
        bucket.current = Some(InProgress {
            file,
            temp_path,
            final_path: bucket.dir.join(name),
            written: 0,
            opened_at: Instant::now(),
        });
        Ok(())
    }

    /// Writes the buffered bytes of a folder to its part file, opening one if needed.
    fn write_out(&mut self, partition: &str) -> Result<(), ConnectorError> {
        let bucket = self.bucket(partition);
        if bucket.buf.is_empty() {
            return Ok(());
        }
        if bucket.current.is_none() {
            self.open(partition)?;
        }
        let bucket = self.bucket(partition);
        if let Some(part) = bucket.current.as_mut() {
            part.file
                .write_all(&bucket.buf)
                .map_err(|e| ConnectorError::io(format!("cannot write \"{}\"", part.temp_path.display()), e))?;
            part.written += bucket.buf.len() as u64;
        }
        bucket.buf.clear();
        Ok(())
    }

    /// Closes a folder's part file and gives it its final name.
    fn roll(&mut self, partition: &str) -> Result<(), ConnectorError> {
        self.write_out(partition)?;
        let Some(part) = self.bucket(partition).current.take() else { return Ok(()) };
        part.file
            .sync_all()
            .map_err(|e| ConnectorError::io(format!("cannot sync \"{}\"", part.temp_path.display()), e))?;
        drop(part.file);
        if self.checkpointing {
            // Visible only once a checkpoint covering its rows completes.
            self.rolled.push((part.temp_path, part.final_path));
            return Ok(());
        }
        rename(&part.temp_path, &part.final_path)
    }

    /// Closes every open part file; folders without one are forgotten.
    fn roll_all(&mut self) -> Result<(), ConnectorError> {
        let partitions: Vec<String> = self.buckets.keys().cloned().collect();
        for p in &partitions {
            self.roll(p)?;
        }
        self.buckets.clear();
        Ok(())
    }

    /// Files of `subtask` left by an earlier run, in the table's folder and its
    /// partition folders: `.part-…-SUBTASK-N.SUFFIX`.
    fn leftovers(&self, subtask: usize) -> Result<Vec<(PathBuf, String)>, ConnectorError> {
        let marker = format!("-{subtask}-");
        let mut found = Vec::new();
        let mut dirs = vec![self.root.clone()];
        while let Some(dir) = dirs.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| ConnectorError::io(format!("cannot list \"{}\"", dir.display()), e))?;
            for entry in entries.flatten() {
                let (path, name) = (entry.path(), entry.file_name().to_string_lossy().into_owned());
                if self.partitioning.is_some() && path.is_dir() {
                    dirs.push(path);
                } else if name.starts_with(".part-") && name.contains(&marker) {
                    found.push((path, name));
                }
            }
        }
        Ok(found)
    }

    /// After a restart: the partition folders that hold committed part files but no
    /// success file yet.
    fn uncommitted_partitions(&self) -> Vec<String> {
        let (Some(p), Some(c)) = (&self.partitioning, &self.committer) else { return Vec::new() };
        let Some(success) = c.success_file() else { return Vec::new() };
        let depth = p.names.len();
        let mut out = Vec::new();
        let mut dirs = vec![(self.root.clone(), 0usize)];
        while let Some((dir, level)) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            let entries: Vec<_> = entries.flatten().collect();
            if level == depth {
                let has_data = entries.iter().any(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    !n.starts_with('.') && !n.starts_with('_') && n != success && e.path().is_file()
                });
                let committed = dir.join(success).is_file();
                if has_data && !committed {
                    if let Ok(rel) = dir.strip_prefix(&self.root) {
                        out.push(rel.to_string_lossy().into_owned());
                    }
                }
                continue;
            }
            for e in entries {
                if e.path().is_dir() {
                    dirs.push((e.path(), level + 1));
                }
            }
        }
        out
    }
}

fn rename(from: &Path, to: &Path) -> Result<(), ConnectorError> {
    std::fs::rename(from, to).map_err(|e| ConnectorError::io(format!("cannot rename \"{}\"", from.display()), e))
}

impl SinkWriter for FileSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        if !batch.is_append_only() {
            return Err(ConnectorError::External(
                "the filesystem sink only accepts inserts, but it was given updates or deletes"
                    .into(),
            ));
        }
        let Some(p) = &self.partitioning else {
            return self.write_to("", &batch.data);
        };
        let data = &batch.data;
        let keys: Vec<_> = p.config.keys.iter().map(|k| data.column(*k).clone()).collect();
        let paths = p.config.paths(&p.names, &keys, data.num_rows());
        let projected = data
            .project(&p.data_columns)
            .map_err(|e| ConnectorError::Schema(format!("rows do not fit the partitioned table: {e}")))?;
        // Rows grouped by folder, in the order each folder first appears.
        let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (row, path) in paths.iter().enumerate() {
            let g = *index.entry(path.as_str()).or_insert_with(|| {
                groups.push((path.clone(), Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(row as u32);
        }
        if groups.len() == 1 {
            let (path, _) = groups.pop().expect("one group");
            return self.write_to(&path, &projected);
        }
        for (path, rows) in groups {
            let rows = arrow_select::take::take_record_batch(&projected, &UInt32Array::from(rows))
                .map_err(|e| ConnectorError::Schema(format!("cannot split rows by partition: {e}")))?;
            self.write_to(&path, &rows)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ConnectorError> {
        if self.checkpointing {
            // Durable, not visible: checkpoints decide visibility.
            let partitions: Vec<String> = self.buckets.keys().cloned().collect();
            for p in &partitions {
                self.write_out(p)?;
                if let Some(part) = &self.bucket(p).current {
                    part.file.sync_data().map_err(|e| ConnectorError::io(format!("cannot sync \"{}\"", part.temp_path.display()), e))?;
                }
            }
            return Ok(());
        }
        self.roll_all()?;
        match self.committer.as_mut() {
            Some(c) => c.commit_visible(&self.root),
            None => Ok(()),
        }
    }

    fn on_watermark(&mut self, watermark: i64) -> Result<(), ConnectorError> {
        if let Some(c) = self.committer.as_mut() {
            c.on_watermark(watermark);
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        self.roll_all()?;
        // With checkpoints the job's last checkpoint committed every row before this.
        for (temp, final_path) in std::mem::take(&mut self.rolled) {
            rename(&temp, &final_path)?;
        }
        match self.committer.as_mut() {
            Some(c) => c.finish(&self.root),
            None => Ok(()),
        }
    }

    fn pre_commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        if !self.checkpointing {
            return self.flush();
        }
        self.roll_all()?;
        for (temp, final_path) in std::mem::take(&mut self.rolled) {
            let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let dir = final_path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
            let pending = dir.join(format!(".{name}.chk-{checkpoint}.pending"));
            rename(&temp, &pending)?;
            self.staged.push((checkpoint, pending, final_path));
        }
        if let Some(c) = self.committer.as_mut() {
            c.pre_commit(checkpoint);
        }
        Ok(())
    }

    fn commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        let (done, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.staged).into_iter().partition(|(c, _, _)| *c <= checkpoint);
        self.staged = later;
        for (_, pending, final_path) in done {
            rename(&pending, &final_path)?;
        }
        match self.committer.as_mut() {
            Some(c) => c.commit(&self.root, checkpoint),
            None => Ok(()),
        }
    }

    fn recover(&mut self, completed: Option<u64>) -> Result<(), ConnectorError> {
        self.settle(self.subtask, completed)?;
        self.await_recovered_partitions();
        Ok(())
    }

    /// The part files of writers a job restored at a lower parallelism no longer has
    /// are finished here, as their own writer would have.
    fn recover_removed(&mut self, subtasks: &[usize], completed: Option<u64>) -> Result<(), ConnectorError> {
        for subtask in subtasks {
            self.settle(*subtask, completed)?;
        }
        self.await_recovered_partitions();
        Ok(())
    }
}

impl FileSink {
    /// After a restart, partitions with committed files but no success file wait for
    /// their trigger again.
    fn await_recovered_partitions(&mut self) {
        let waiting = self.uncommitted_partitions();
        if let Some(c) = self.committer.as_mut() {
            for p in waiting {
                c.recovered(p);
            }
        }
    }

    /// Finishes what an earlier run's writer `subtask` left: renames its pending files of
    /// checkpoint `completed` and earlier to their final names and deletes its later
    /// pending and in-progress files, whose rows are written again.
    fn settle(&self, subtask: usize, completed: Option<u64>) -> Result<(), ConnectorError> {
        for (path, name) in self.leftovers(subtask)? {
            let pending = name.strip_suffix(".pending").and_then(|n| n.rsplit_once(".chk-"));
            match pending {
                Some((file, id)) if completed.is_some_and(|c| id.parse::<u64>().is_ok_and(|id| id <= c)) => {
                    let dir = path.parent().map(Path::to_path_buf).unwrap_or_else(|| self.root.clone());
                    rename(&path, &dir.join(file.trim_start_matches('.')))?;
                }
                Some(_) => {
                    let _ = std::fs::remove_file(&path);
                }
                None if name.ends_with(".inprogress") => {
                    let _ = std::fs::remove_file(&path);
                }
                None => {}
            }
        }
        Ok(())
    }
}

/// A random version-4 style UUID, as Flink names part files.
fn random_uuid() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let r: u128 = rand::random::<u128>() ^ nanos ^ ((std::process::id() as u128) << 64);
    let h = format!("{r:032x}");
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}
