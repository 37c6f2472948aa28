//! Writing files: rows encoded into a large buffer, written to an in-progress part file
//! and renamed to its final name when it is complete (rolled by size or age, at a
//! flush, and at the end of input).
//!
//! With checkpoints on, part files become visible exactly once, as Flink's file sink
//! makes them: a rolled file waits, and checkpoint N renames the files of its rows to
//! `.part-....chk-N.pending`; once N completes they get their final names. A job that
//! resumes from checkpoint M finishes the renames of checkpoints up to M and deletes
//! later pending and in-progress files, whose rows are written again.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, TableSpec};
use sluice_formats::{CsvEncoder, JsonEncoder};

use super::config::{FileFormat, FilesystemConfig};

/// Bytes buffered before they are written to the file.
const WRITE_CHUNK: usize = 4 << 20;

enum Encoder {
    Json(JsonEncoder),
    Csv(CsvEncoder),
}

struct InProgress {
    file: File,
    temp_path: PathBuf,
    final_path: PathBuf,
    written: u64,
    opened_at: Instant,
}

/// Writes `part-<uuid>-<subtask>-<n>` files into the table's folder.
pub struct FileSink {
    dir: PathBuf,
    uuid: String,
    subtask: usize,
    next_part: u64,
    encoder: Encoder,
    buf: Vec<u8>,
    current: Option<InProgress>,
    roll_size: u64,
    rollover: Duration,
    checkpointing: bool,
    /// Closed part files not in a checkpoint yet: (in-progress path, final path).
    rolled: Vec<(PathBuf, PathBuf)>,
    /// Files of pre-committed checkpoints: (checkpoint, pending path, final path).
    staged: Vec<(u64, PathBuf, PathBuf)>,
}

impl FileSink {
    pub fn new(table: &TableSpec, config: &FilesystemConfig, ctx: &SinkContext) -> Result<FileSink, ConnectorError> {
        let encoder = match &config.format {
            FileFormat::Json(o) => Encoder::Json(JsonEncoder::new(&table.physical_columns, o)?),
            FileFormat::Csv(o) => Encoder::Csv(CsvEncoder::new(&table.physical_columns, o)?),
        };
        std::fs::create_dir_all(&config.path).map_err(|e| {
            ConnectorError::io(format!("cannot create the folder \"{}\"", config.path.display()), e)
        })?;
        Ok(FileSink {
            dir: config.path.clone(),
            uuid: random_uuid(),
            subtask: ctx.subtask,
            next_part: 0,
            encoder,
            buf: Vec::with_capacity(WRITE_CHUNK + (64 << 10)),
            current: None,
            roll_size: config.rolling_file_size.max(1),
            rollover: config.rollover_interval,
            checkpointing: ctx.checkpointing,
            rolled: Vec::new(),
            staged: Vec::new(),
        })
    }

    fn open(&mut self) -> Result<(), ConnectorError> {
        let name = format!("part-{}-{}-{}", self.uuid, self.subtask, self.next_part);
        self.next_part += 1;
        let temp_path = self.dir.join(format!(".{name}.inprogress"));
        let file = File::create(&temp_path)
            .map_err(|e| ConnectorError::io(format!("cannot create \"{}\"", temp_path.display()), e))?;
        self.current = Some(InProgress {
            file,
            temp_path,
            final_path: self.dir.join(name),
            written: 0,
            opened_at: Instant::now(),
        });
        Ok(())
    }

    /// Writes the buffered bytes to the part file, opening one if needed.
    fn write_out(&mut self) -> Result<(), ConnectorError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.current.is_none() {
            self.open()?;
        }
        if let Some(part) = self.current.as_mut() {
            part.file
                .write_all(&self.buf)
                .map_err(|e| ConnectorError::io(format!("cannot write \"{}\"", part.temp_path.display()), e))?;
            part.written += self.buf.len() as u64;
        }
        self.buf.clear();
        Ok(())
    }

    /// Closes the part file and gives it its final name.
    fn roll(&mut self) -> Result<(), ConnectorError> {
        self.write_out()?;
        if let Some(part) = self.current.take() {
            part.file
                .sync_all()
                .map_err(|e| ConnectorError::io(format!("cannot sync \"{}\"", part.temp_path.display()), e))?;
            drop(part.file);
            if self.checkpointing {
                // Visible only once a checkpoint covering its rows completes.
                self.rolled.push((part.temp_path, part.final_path));
                return Ok(());
            }
            rename(&part.temp_path, &part.final_path)?;
        }
        Ok(())
    }

    /// Files of this subtask left by an earlier run: `.part-…-SUBTASK-N.SUFFIX`.
    fn leftovers(&self) -> Result<Vec<(PathBuf, String)>, ConnectorError> {
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| ConnectorError::io(format!("cannot list \"{}\"", self.dir.display()), e))?;
        let marker = format!("-{}-", self.subtask);
        Ok(entries
            .flatten()
            .map(|e| (e.path(), e.file_name().to_string_lossy().into_owned()))
            .filter(|(_, name)| name.starts_with(".part-") && name.contains(&marker))
            .collect())
    }
}

fn rename(from: &std::path::Path, to: &std::path::Path) -> Result<(), ConnectorError> {
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
        match &mut self.encoder {
            Encoder::Json(e) => e.encode(&batch.data, &mut self.buf)?,
            Encoder::Csv(e) => e.encode(&batch.data, &mut self.buf)?,
        }
        if self.buf.len() >= WRITE_CHUNK {
            self.write_out()?;
        }
        if let Some(part) = &self.current {
            let size = part.written + self.buf.len() as u64;
            if size >= self.roll_size || part.opened_at.elapsed() >= self.rollover {
                self.roll()?;
            }
        } else if self.buf.len() as u64 >= self.roll_size {
            self.roll()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ConnectorError> {
        if self.checkpointing {
            // Durable, not visible: checkpoints decide visibility.
            self.write_out()?;
            if let Some(part) = &self.current {
                part.file.sync_data().map_err(|e| ConnectorError::io(format!("cannot sync \"{}\"", part.temp_path.display()), e))?;
            }
            return Ok(());
        }
        self.roll()
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        self.roll()?;
        // With checkpoints the job's last checkpoint committed every row before this.
        for (temp, final_path) in std::mem::take(&mut self.rolled) {
            rename(&temp, &final_path)?;
        }
        Ok(())
    }

    fn pre_commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        if !self.checkpointing {
            return self.roll();
        }
        self.roll()?;
        for (temp, final_path) in std::mem::take(&mut self.rolled) {
            let name = final_path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let pending = self.dir.join(format!(".{name}.chk-{checkpoint}.pending"));
            rename(&temp, &pending)?;
            self.staged.push((checkpoint, pending, final_path));
        }
        Ok(())
    }

    fn commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        let (done, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.staged).into_iter().partition(|(c, _, _)| *c <= checkpoint);
        self.staged = later;
        for (_, pending, final_path) in done {
            rename(&pending, &final_path)?;
        }
        Ok(())
    }

    fn recover(&mut self, completed: Option<u64>) -> Result<(), ConnectorError> {
        for (path, name) in self.leftovers()? {
            let pending = name.strip_suffix(".pending").and_then(|n| n.rsplit_once(".chk-"));
            match pending {
                Some((file, id)) if completed.is_some_and(|c| id.parse::<u64>().is_ok_and(|id| id <= c)) => {
                    rename(&path, &self.dir.join(file.trim_start_matches('.')))?;
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
