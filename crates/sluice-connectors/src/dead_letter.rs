//! Dead letters: records a source cannot decode, kept instead of failing the job
//! (`'sluice.dead-letter' = 'file:///var/lib/sluice/dead-letters'` on a source table, or
//! `'kafka://HOST:PORT/TOPIC'` for a topic: see `kafka::dead_letter`, which this module
//! hands such records to).
//!
//! Each record becomes one JSON line holding the table, where the record was (topic,
//! partition and offset, or file and line), why it could not be decoded, when, and its
//! raw bytes (`value` as text when they are UTF-8, `value_base64` otherwise; `key` the
//! same way for Kafka). A source writes its own files, named after the job, the table
//! and the source's place in the job, so two sources never share one.
//!
//! With checkpoints on, dead letters are written exactly once, as a transactional sink
//! writes: the records since the last checkpoint go to an in-progress file, which
//! checkpoint N renames to `NAME.chk-N.pending` and, once N completes, to
//! `NAME.chk-N.jsonl`. A job resuming from checkpoint M finishes the renames of
//! checkpoints up to M and deletes later pending files and the in-progress one: their
//! records are read again, and sent again. Without checkpoints records are appended to
//! `NAME.jsonl` as they come.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sluice_connector_api::{ConnectorError, SourceContext, TableSpec};

use crate::kafka::dead_letter::{DeadLetterTopic, KafkaDeadLetters};

/// The table option naming where a source's dead letters go.
pub const OPTION: &str = "sluice.dead-letter";

/// The dead letters of one source: files in a folder, or a Kafka topic.
pub struct DeadLetters {
    dir: PathBuf,
    table: String,
    name: String,
    checkpointing: bool,
    file: Option<BufWriter<File>>,
    /// Checkpoints whose records are in a pending file, not yet final.
    pending: Vec<u64>,
    /// Set for a `kafka://` destination, which takes every record instead of files.
    kafka: Option<KafkaDeadLetters>,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ConnectorError {
    ConnectorError::External(format!("cannot {what} dead letters in {}: {e}", path.display()))
}

impl DeadLetters {
    /// The destination `'sluice.dead-letter'` names, if set: a folder as a `file://` URL
    /// or an absolute path, or a topic as `kafka://HOST:PORT/TOPIC`. `instance` names this
    /// source instance within its job (its files and transactional id follow from it).
    pub fn from_option(value: Option<&String>, table: &str, job: &str, instance: &str, checkpointing: bool) -> Result<Option<Self>, ConnectorError> {
        let Some(value) = value else { return Ok(None) };
        let value = value.trim();
        let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect::<String>();
        let name = format!("{}.{}.{instance}", clean(job), clean(table));
        if let Some(topic) = DeadLetterTopic::parse(value) {
            let topic = topic.map_err(|reason| ConnectorError::InvalidOption { key: OPTION.into(), value: value.into(), reason })?;
            let kafka = KafkaDeadLetters::new(topic, table, &name, checkpointing)?;
            return Ok(Some(DeadLetters {
                dir: PathBuf::new(),
                table: table.to_string(),
                name,
                checkpointing,
                file: None,
                pending: Vec::new(),
                kafka: Some(kafka),
            }));
        }
        let dir = match value.strip_prefix("file://") {
            Some(path) => PathBuf::from(path),
            None if value.starts_with('/') => PathBuf::from(value),
            None => {
                return Err(ConnectorError::InvalidOption {
                    key: OPTION.into(),
                    value: value.into(),
                    reason: "give a folder as a file:// URL or an absolute path, or a Kafka topic as \
                             kafka://HOST:PORT/TOPIC"
                        .into(),
                })
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| io_error("create the folder for", &dir, e))?;
        Ok(Some(DeadLetters { dir, table: table.to_string(), name, checkpointing, file: None, pending: Vec::new(), kafka: None }))
    }

    /// The dead letters of a source reading `table`, if the table names a destination.
    pub fn for_source(table: &TableSpec, ctx: &SourceContext) -> Result<Option<Self>, ConnectorError> {
        // At a parallelism above 1 each subtask's instance writes its own files and has
        // its own transactions; at 1 the names stay as they were before parallel jobs.
        let instance = match ctx.parallelism {
            1 => ctx.source_index.to_string(),
            _ => format!("{}-{}", ctx.source_index, ctx.subtask),
        };
        Self::from_option(table.options.get(OPTION), &table.name, &ctx.job, &instance, ctx.checkpointing)
    }

    fn in_progress(&self) -> PathBuf {
        self.dir.join(format!("{}.inprogress", self.name))
    }

    fn pending_path(&self, checkpoint: u64) -> PathBuf {
        self.dir.join(format!("{}.chk-{checkpoint}.pending", self.name))
    }

    fn final_path(&self, checkpoint: u64) -> PathBuf {
        self.dir.join(format!("{}.chk-{checkpoint}.jsonl", self.name))
    }

    /// Writes one record that could not be decoded.
    pub fn send(&mut self, position: &str, reason: &str, key: Option<&[u8]>, value: &[u8]) -> Result<(), ConnectorError> {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if let Some(kafka) = self.kafka.as_mut() {
            return kafka.send(position, reason, &time, key, value);
        }
        let mut line = serde_json::Map::new();
        line.insert("table".into(), self.table.clone().into());
        line.insert("position".into(), position.into());
        line.insert("reason".into(), reason.into());
        line.insert("time".into(), time.into());
        for (field, bytes) in [("key", key), ("value", Some(value))] {
            let Some(bytes) = bytes else { continue };
            match std::str::from_utf8(bytes) {
                Ok(text) => line.insert(field.into(), text.into()),
                Err(_) => line.insert(format!("{field}_base64"), STANDARD.encode(bytes).into()),
            };
        }
        let path = if self.checkpointing { self.in_progress() } else { self.dir.join(format!("{}.jsonl", self.name)) };
        if self.file.is_none() {
            let file = OpenOptions::new().create(true).append(true).open(&path).map_err(|e| io_error("open", &path, e))?;
            self.file = Some(BufWriter::new(file));
        }
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        let mut text = serde_json::Value::Object(line).to_string();
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(|e| io_error("write", &path, e))
    }

    /// Makes what was written durable (without checkpoints, the records so far).
    pub fn flush(&mut self) -> Result<(), ConnectorError> {
        if let Some(kafka) = self.kafka.as_mut() {
            return kafka.flush();
        }
        if let Some(file) = self.file.as_mut() {
            file.flush().map_err(|e| io_error("write", &self.dir, e))?;
            file.get_ref().sync_data().map_err(|e| io_error("write", &self.dir, e))?;
        }
        Ok(())
    }

    /// Checkpoint `checkpoint` is being taken: the records since the last one belong to it.
    pub fn pre_commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        if !self.checkpointing || self.kafka.is_some() {
            return self.flush();
        }
        let Some(mut file) = self.file.take() else { return Ok(()) };
        file.flush().map_err(|e| io_error("write", &self.dir, e))?;
        file.get_ref().sync_data().map_err(|e| io_error("write", &self.dir, e))?;
        drop(file);
        let (from, to) = (self.in_progress(), self.pending_path(checkpoint));
        std::fs::rename(&from, &to).map_err(|e| io_error("keep", &to, e))?;
        self.pending.push(checkpoint);
        Ok(())
    }

    /// Checkpoint `checkpoint`'s state is saved: a topic's dead letters of it commit in
    /// their transaction (files wait for `commit`, after the checkpoint completed).
    pub fn commit_checkpoint(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        self.kafka.as_mut().map_or(Ok(()), |kafka| kafka.commit_checkpoint(checkpoint))
    }

    /// For a topic with checkpoints: the newest checkpoint whose dead letters committed.
    pub fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        self.kafka.as_ref().map_or(Ok(None), |kafka| kafka.committed_checkpoint())
    }

    /// The checkpoints pre-committed so far completed: their records are final.
    pub fn commit(&mut self) -> Result<(), ConnectorError> {
        if self.kafka.is_some() {
            return if self.checkpointing { Ok(()) } else { self.flush() };
        }
        for checkpoint in std::mem::take(&mut self.pending) {
            let (from, to) = (self.pending_path(checkpoint), self.final_path(checkpoint));
            std::fs::rename(&from, &to).map_err(|e| io_error("keep", &to, e))?;
        }
        if !self.checkpointing {
            self.flush()?;
        }
        Ok(())
    }

    /// Before the first record of a job that resumes from checkpoint `completed` (or
    /// starts over): records of checkpoints up to it are final, later ones are dropped
    /// (they will be read, and sent, again).
    pub fn recover(&mut self, completed: Option<u64>) -> Result<(), ConnectorError> {
        if self.kafka.is_some() {
            // Starting the producer fenced the last run's and aborted what it left open.
            return Ok(());
        }
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io_error("list", &self.dir, e))?;
        let prefix = format!("{}.chk-", self.name);
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file == format!("{}.inprogress", self.name) {
                let _ = std::fs::remove_file(entry.path());
                continue;
            }
            let Some(id) = file.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".pending")) else { continue };
            let Ok(id) = id.parse::<u64>() else { continue };
            if completed.is_some_and(|c| id <= c) {
                let to = self.final_path(id);
                std::fs::rename(entry.path(), &to).map_err(|e| io_error("keep", &to, e))?;
            } else {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_final_only_with_their_checkpoint() {
        let dir = std::env::temp_dir().join(format!("sluice-dead-letters-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let url = format!("file://{}", dir.display());
        let mut dl = DeadLetters::from_option(Some(&url), "events", "job 1", "0", true).unwrap().unwrap();
        dl.recover(None).unwrap();
        dl.send("events.json:3", "truncated", None, b"{\"id\":").unwrap();
        dl.pre_commit(1).unwrap();
        dl.commit().unwrap();
        dl.send("events.json:9", "not UTF-8", None, &[0xff, 0x7b]).unwrap();
        dl.pre_commit(2).unwrap();
        dl.send("events.json:12", "empty", None, b"").unwrap();
        // A crash here: checkpoint 2 never completed. The next run resumes from 1.
        drop(dl);
        let mut again = DeadLetters::from_option(Some(&url), "events", "job 1", "0", true).unwrap().unwrap();
        again.recover(Some(1)).unwrap();
        let mut files: Vec<String> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        assert_eq!(files, vec!["job_1.events.0.chk-1.jsonl"]);
        let line: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(dir.join(&files[0])).unwrap().trim()).unwrap();
        assert_eq!((line["position"].as_str(), line["value"].as_str()), (Some("events.json:3"), Some("{\"id\":")));
        assert_eq!(line["reason"].as_str(), Some("truncated"));
        // Resuming from 2 instead would have kept its records.
        let _ = std::fs::remove_dir_all(&dir);
        assert!(DeadLetters::from_option(Some(&"kafka://dead".to_string()), "t", "j", "0", true).is_err());
        assert!(DeadLetters::from_option(Some(&"dead".to_string()), "t", "j", "0", true).is_err());
    }
}
