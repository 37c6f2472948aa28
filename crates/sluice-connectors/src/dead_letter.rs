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
//!
//! At a parallelism above 1 each reader instance has its own name (`INDEX-SUBTASK`
//! rather than `INDEX`), so a job resumed at another parallelism finds names its readers
//! no longer have: the first reader settles them as its own (`recover_former`).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sluice_connector_api::{ConnectorError, SourceContext, TableSpec};

use crate::kafka::dead_letter::{DeadLetterTopic, KafkaDeadLetters};

/// The table option naming where a source's dead letters go.
pub const OPTION: &str = "sluice.dead-letter";

/// The prefix of the Kafka client properties of a `kafka://` destination.
pub const PROPERTIES: &str = "sluice.dead-letter.properties.";

/// The librdkafka properties of the producer that writes dead letters to a topic at
/// `servers`. A Kafka table whose own `properties.bootstrap.servers` are the same servers
/// lends its security settings (`security.protocol`, `sasl.*`, `ssl.*`), so dead letters
/// reach a secured cluster with the credentials that read it; `sluice.dead-letter.properties.*`
/// set or override any property, in the Java client's spelling or librdkafka's.
fn dead_letter_properties(options: &BTreeMap<String, String>, servers: &str) -> Result<Vec<(String, String)>, ConnectorError> {
    let same_cluster = options.get("properties.bootstrap.servers").is_some_and(|s| s.trim() == servers);
    let mut properties: BTreeMap<String, String> = BTreeMap::new();
    if same_cluster {
        let security = |key: &str| key == "security.protocol" || key.starts_with("sasl.") || key.starts_with("ssl.");
        for (key, value) in options {
            if let Some(key) = key.strip_prefix("properties.").filter(|k| security(k)) {
                properties.insert(key.to_string(), value.clone());
            }
        }
    }
    for (key, value) in options {
        if let Some(key) = key.strip_prefix(PROPERTIES).filter(|k| !k.is_empty()) {
            properties.insert(key.to_string(), value.clone());
        }
    }
    let properties: Vec<(String, String)> = properties.into_iter().collect();
    crate::kafka::to_librdkafka("kafka", &properties)
}

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
    /// For a source reader: the names of the reader instances of its source at any
    /// parallelism (`recover_former`).
    family: Option<Family>,
}

/// The names of one source's dead letters, one per reader instance.
struct Family {
    /// `JOB.TABLE.`
    base: String,
    /// The source's place among the job's sources.
    index: usize,
    /// The job's parallelism now.
    parallelism: usize,
}

impl Family {
    /// The instance names at parallelism `parallelism`: `INDEX` alone at 1 (as before
    /// parallel jobs), `INDEX-SUBTASK` above.
    fn names(&self, parallelism: usize) -> Vec<String> {
        match parallelism {
            0 | 1 => vec![format!("{}{}", self.base, self.index)],
            p => (0..p).map(|t| format!("{}{}-{t}", self.base, self.index)).collect(),
        }
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ConnectorError {
    ConnectorError::External(format!("cannot {what} dead letters in {}: {e}", path.display()))
}

impl DeadLetters {
    /// The destination `'sluice.dead-letter'` names, if set: a folder as a `file://` URL
    /// or an absolute path, or a topic as `kafka://HOST:PORT/TOPIC`. `instance` names this
    /// source instance within its job (its files and transactional id follow from it).
    pub fn from_option(
        options: &BTreeMap<String, String>,
        table: &str,
        job: &str,
        instance: &str,
        checkpointing: bool,
    ) -> Result<Option<Self>, ConnectorError> {
        let Some(value) = options.get(OPTION) else { return Ok(None) };
        let value = value.trim();
        let clean = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect::<String>();
        let name = format!("{}.{}.{instance}", clean(job), clean(table));
        if let Some(topic) = DeadLetterTopic::parse(value) {
            let topic = topic.map_err(|reason| ConnectorError::InvalidOption { key: OPTION.into(), value: value.into(), reason })?;
            let properties = dead_letter_properties(options, &topic.servers)?;
            let own = options.keys().any(|k| k.starts_with(PROPERTIES));
            let prefix = if own { PROPERTIES } else { "properties." };
            let kafka = KafkaDeadLetters::new(topic, &properties, prefix, table, &name, checkpointing)?;
            return Ok(Some(DeadLetters {
                dir: PathBuf::new(),
                table: table.to_string(),
                name,
                checkpointing,
                file: None,
                pending: Vec::new(),
                kafka: Some(kafka),
                family: None,
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
        Ok(Some(DeadLetters {
            dir,
            table: table.to_string(),
            name,
            checkpointing,
            file: None,
            pending: Vec::new(),
            kafka: None,
            family: None,
        }))
    }

    /// The dead letters of a source reading `table`, if the table names a destination.
    pub fn for_source(table: &TableSpec, ctx: &SourceContext) -> Result<Option<Self>, ConnectorError> {
        // At a parallelism above 1 each subtask's instance writes its own files and has
        // its own transactions; at 1 the names stay as they were before parallel jobs.
        let instance = match ctx.parallelism {
            1 => ctx.source_index.to_string(),
            _ => format!("{}-{}", ctx.source_index, ctx.subtask),
        };
        let mut letters = Self::from_option(&table.options, &table.name, &ctx.job, &instance, ctx.checkpointing)?;
        if let Some(letters) = &mut letters {
            let base = letters.name.strip_suffix(instance.as_str()).unwrap_or_default().to_string();
            letters.family = Some(Family { base, index: ctx.source_index, parallelism: ctx.parallelism });
        }
        Ok(letters)
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
        self.settle(&self.name, completed)
    }

    /// After `recover`, by the first reader of a job whose run before had `former`
    /// subtasks (another parallelism than now): settles the dead letters of that run's
    /// reader instances that this run does not have, as `recover` settles its own. Their
    /// open Kafka transactions are aborted (fencing their transactional ids): those hold
    /// records of checkpoints after `completed`, which are read, and sent, again.
    pub fn recover_former(&mut self, former: usize, completed: Option<u64>) -> Result<(), ConnectorError> {
        let Some(family) = &self.family else { return Ok(()) };
        let now = family.names(family.parallelism);
        for name in family.names(former).into_iter().filter(|n| !now.contains(n)) {
            match &self.kafka {
                Some(kafka) => kafka.fence_other(&name)?,
                None => self.settle(&name, completed)?,
            }
        }
        Ok(())
    }

    /// The files of instance `name`: pending ones of checkpoint `completed` and earlier
    /// become final, later ones and the in-progress one are deleted.
    fn settle(&self, name: &str, completed: Option<u64>) -> Result<(), ConnectorError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io_error("list", &self.dir, e))?;
        let prefix = format!("{name}.chk-");
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file == format!("{name}.inprogress") {
                let _ = std::fs::remove_file(entry.path());
                continue;
            }
            let Some(id) = file.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".pending")) else { continue };
            let Ok(id) = id.parse::<u64>() else { continue };
            if completed.is_some_and(|c| id <= c) {
                let to = self.dir.join(format!("{name}.chk-{id}.jsonl"));
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
        let options = |value: &str| BTreeMap::from([(OPTION.to_string(), value.to_string())]);
        let mut dl = DeadLetters::from_option(&options(&url), "events", "job 1", "0", true).unwrap().unwrap();
        dl.recover(None).unwrap();
        dl.send("events.json:3", "truncated", None, b"{\"id\":").unwrap();
        dl.pre_commit(1).unwrap();
        dl.commit().unwrap();
        dl.send("events.json:9", "not UTF-8", None, &[0xff, 0x7b]).unwrap();
        dl.pre_commit(2).unwrap();
        dl.send("events.json:12", "empty", None, b"").unwrap();
        // A crash here: checkpoint 2 never completed. The next run resumes from 1.
        drop(dl);
        let mut again = DeadLetters::from_option(&options(&url), "events", "job 1", "0", true).unwrap().unwrap();
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
        assert!(DeadLetters::from_option(&options("kafka://dead"), "t", "j", "0", true).is_err());
        assert!(DeadLetters::from_option(&options("dead"), "t", "j", "0", true).is_err());
    }

    #[test]
    fn a_dead_letter_topic_on_the_tables_cluster_logs_in_as_the_table_does() {
        let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";";
        let options = BTreeMap::from([
            ("properties.bootstrap.servers".to_string(), "broker:9092".to_string()),
            ("properties.group.id".to_string(), "readers".to_string()),
            ("properties.security.protocol".to_string(), "SASL_PLAINTEXT".to_string()),
            ("properties.sasl.mechanism".to_string(), "PLAIN".to_string()),
            ("properties.sasl.jaas.config".to_string(), jaas.to_string()),
            ("sluice.dead-letter.properties.linger.ms".to_string(), "20".to_string()),
        ]);
        let same = dead_letter_properties(&options, "broker:9092").unwrap();
        let get = |props: &[(String, String)], key: &str| props.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(get(&same, "security.protocol").as_deref(), Some("SASL_PLAINTEXT"));
        assert_eq!((get(&same, "sasl.username").as_deref(), get(&same, "sasl.password").as_deref()), (Some("u"), Some("p")));
        assert_eq!(get(&same, "linger.ms").as_deref(), Some("20"));
        // The group and other client settings are the reader's own, not the producer's.
        assert_eq!(get(&same, "group.id"), None);
        // Another cluster gets only what is set for the dead letters.
        let other = dead_letter_properties(&options, "elsewhere:9092").unwrap();
        assert_eq!(other, vec![("linger.ms".to_string(), "20".to_string())]);
    }
}
