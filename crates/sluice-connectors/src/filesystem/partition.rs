//! Partitioned tables (`PARTITIONED BY`), laid out as Flink lays them out: one folder
//! level per partition column, named `column=value` with Flink's escaping
//! (`PartitionPathUtils`), NULL and empty values in `partition.default-name`. The sink
//! leaves the partition columns out of the files; the source reads them back from the
//! folder names. The partition commit (`sink.partition-commit.*`) writes a success file
//! into a partition once its data is committed and the trigger says it is complete.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, Time32MillisecondType,
    TimestampMicrosecondType,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    Int8Array, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::{ConnectorError, TableSpec};
use sluice_types::temporal::{self, SessionTimeZone};
use sluice_types::{DataType, TypeKind};

use crate::options::{get_parsed, invalid, parse_duration};

/// Flink's `partition.default-name`: the folder value of a NULL or empty partition value.
pub const DEFAULT_PARTITION_NAME: &str = "__DEFAULT_PARTITION__";

/// Whether Flink escapes `c` in a folder name: control characters, DEL and
/// `"#%'*/:=?\{[]^`. Space and characters past ASCII stay as they are.
fn needs_escaping(c: char) -> bool {
    (c as u32) < 0x20 || c == '\u{7f}' || "\"#%'*/:=?\\{[]^".contains(c)
}

/// A partition key or value as a folder name: the escaped characters become `%XX`
/// (upper-case hex).
pub fn escape_path_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if needs_escaping(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The inverse of `escape_path_name`, as lenient as Flink's: `%` followed by two hex
/// digits (and a character after them, as Flink's check asks) becomes that character;
/// anything else stays.
pub fn unescape_path_name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '%' && i + 2 < chars.len() {
            let hex: String = chars[i + 1..i + 3].iter().collect();
            if let Ok(code) = u8::from_str_radix(&hex, 16) {
                out.push(code as char);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A folder name `key=value` split as Flink's `([^/]+)=([^/]+)` splits it (the last `=`
/// with something on both sides), both parts unescaped.
pub fn split_partition_name(name: &str) -> Option<(String, String)> {
    let bytes = name.as_bytes();
    let at = (1..bytes.len().saturating_sub(1)).rev().find(|&i| bytes[i] == b'=')?;
    Some((unescape_path_name(&name[..at]), unescape_path_name(&name[at + 1..])))
}

/// The partition values a file's path holds below the table's folder, by key.
pub fn partition_spec(root: &Path, file: &Path) -> BTreeMap<String, String> {
    let mut spec = BTreeMap::new();
    let Ok(relative) = file.strip_prefix(root) else { return spec };
    let mut components: Vec<String> =
        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    components.pop();
    for name in components {
        if let Some((k, v)) = split_partition_name(&name) {
            spec.insert(k, v);
        }
    }
    spec
}

/// The folder text of one partition value, as Flink's writer makes it from its internal
/// value (`toString()`): a DATE is its day number, a TIMESTAMP Java's `LocalDateTime`
/// (`2024-02-29T23:59`), a DOUBLE Java's `Double.toString`. `None` for NULL.
pub fn value_text(array: &ArrayRef, row: usize) -> Option<String> {
    if array.is_null(row) {
        return None;
    }
    Some(match array.data_type() {
        ArrowType::Utf8 => array.as_string::<i32>().value(row).to_string(),
        ArrowType::LargeUtf8 => array.as_string::<i64>().value(row).to_string(),
        ArrowType::Boolean => array.as_boolean().value(row).to_string(),
        ArrowType::Int8 => array.as_primitive::<Int8Type>().value(row).to_string(),
        ArrowType::Int16 => array.as_primitive::<Int16Type>().value(row).to_string(),
        ArrowType::Int32 => array.as_primitive::<Int32Type>().value(row).to_string(),
        ArrowType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
        ArrowType::Float32 => sluice_types::java_text::java_float_string(array.as_primitive::<Float32Type>().value(row)),
        ArrowType::Float64 => sluice_types::java_text::java_double_string(array.as_primitive::<Float64Type>().value(row)),
        ArrowType::Date32 => array.as_primitive::<Date32Type>().value(row).to_string(),
        ArrowType::Time32(_) => array.as_primitive::<Time32MillisecondType>().value(row).to_string(),
        ArrowType::Timestamp(_, _) => java_local_date_time(array.as_primitive::<TimestampMicrosecondType>().value(row)),
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            match arrow_cast::display::ArrayFormatter::try_new(array.as_ref(), &options) {
                Ok(f) => f.value(row).to_string(),
                Err(_) => return None,
            }
        }
    })
}

/// Java's `LocalDateTime.toString()`: `yyyy-MM-ddTHH:mm`, then `:ss` when seconds or a
/// fraction are not zero, then the fraction in groups of three digits.
fn java_local_date_time(micros: i64) -> String {
    let Some(dt) = temporal::datetime_from_micros(micros) else { return micros.to_string() };
    use chrono::Timelike;
    let mut out = String::new();
    temporal::write_date(&mut out, dt.date());
    out.push_str(&format!("T{:02}:{:02}", dt.hour(), dt.minute()));
    let nanos = dt.nanosecond();
    if dt.second() > 0 || nanos > 0 {
        out.push_str(&format!(":{:02}", dt.second()));
        if nanos > 0 {
            if nanos % 1_000_000 == 0 {
                out.push_str(&format!(".{:03}", nanos / 1_000_000));
            } else if nanos % 1_000 == 0 {
                out.push_str(&format!(".{:06}", nanos / 1_000));
            } else {
                out.push_str(&format!(".{nanos:09}"));
            }
        }
    }
    out
}

/// Whether the source can read a partition column of this type back from a folder name
/// (the types Flink's `PartitionPathUtils` converts).
pub fn readable_type(data_type: &DataType) -> bool {
    matches!(
        data_type.kind,
        TypeKind::Char { .. }
            | TypeKind::Varchar { .. }
            | TypeKind::Boolean
            | TypeKind::TinyInt
            | TypeKind::SmallInt
            | TypeKind::Int
            | TypeKind::BigInt
            | TypeKind::Float
            | TypeKind::Double
            | TypeKind::Date
            | TypeKind::Timestamp { .. }
    )
}

/// A column of `n` copies of one partition value read from a folder name (`None`: NULL).
/// A DATE may be written as Flink's writer writes it (its day number) or as
/// `yyyy-MM-dd`; a TIMESTAMP as `yyyy-MM-ddTHH:mm[:ss[.f]]` or with a space.
pub fn constant_column(value: Option<&str>, column: &str, data_type: &DataType, n: usize) -> Result<ArrayRef, ConnectorError> {
    let bad = |v: &str| {
        ConnectorError::External(format!(
            "the folder value \"{v}\" of partition column \"{column}\" is not a {data_type}"
        ))
    };
    let Some(v) = value else {
        return Ok(arrow_array::new_null_array(&data_type.to_arrow(), n));
    };
    let array: ArrayRef = match data_type.kind {
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => Arc::new(StringArray::from(vec![v; n])),
        TypeKind::Boolean => Arc::new(BooleanArray::from(vec![v.eq_ignore_ascii_case("true"); n])),
        TypeKind::TinyInt => Arc::new(Int8Array::from(vec![v.parse::<i8>().map_err(|_| bad(v))?; n])),
        TypeKind::SmallInt => Arc::new(Int16Array::from(vec![v.parse::<i16>().map_err(|_| bad(v))?; n])),
        TypeKind::Int => Arc::new(Int32Array::from(vec![v.parse::<i32>().map_err(|_| bad(v))?; n])),
        TypeKind::BigInt => Arc::new(Int64Array::from(vec![v.parse::<i64>().map_err(|_| bad(v))?; n])),
        TypeKind::Float => Arc::new(Float32Array::from(vec![v.trim().parse::<f32>().map_err(|_| bad(v))?; n])),
        TypeKind::Double => Arc::new(Float64Array::from(vec![v.trim().parse::<f64>().map_err(|_| bad(v))?; n])),
        TypeKind::Date => {
            let days = match v.parse::<i32>() {
                Ok(days) => days,
                Err(_) => temporal::parse_date(v).ok_or_else(|| bad(v))?,
            };
            Arc::new(Date32Array::from(vec![days; n]))
        }
        TypeKind::Timestamp { .. } => {
            let micros = temporal::parse_timestamp(v).ok_or_else(|| bad(v))?;
            Arc::new(TimestampMicrosecondArray::from(vec![micros; n]))
        }
        _ => {
            return Err(ConnectorError::Schema(format!(
                "partition column \"{column}\" has type {data_type}, which cannot be read back from a folder name"
            )))
        }
    };
    Ok(array)
}

/// When a partition counts as complete (`sink.partition-commit.trigger`).
#[derive(Clone, Debug, PartialEq)]
pub enum CommitTrigger {
    /// `process-time`: once the clock is past the partition's creation plus the delay.
    ProcessTime,
    /// `partition-time`: once the watermark is past the time the partition's values
    /// name plus the delay.
    PartitionTime { pattern: Option<String>, zone: SessionTimeZone },
}

/// The partitioning of a table and its commit options.
#[derive(Clone, Debug)]
pub struct PartitionConfig {
    /// The partition columns, in `PARTITIONED BY` order, as indices into the physical
    /// columns.
    pub keys: Vec<usize>,
    pub default_name: String,
    /// `Some` when `sink.partition-commit.policy.kind` asks for a success file.
    pub success_file: Option<String>,
    pub trigger: CommitTrigger,
    pub delay: Duration,
}

impl PartitionConfig {
    /// Reads the partitioning of `table`; `None` when it has no `PARTITIONED BY`.
    pub fn parse(table: &TableSpec) -> Result<Option<PartitionConfig>, ConnectorError> {
        let options = &table.options;
        let mut keys = Vec::with_capacity(table.partition_keys.len());
        for key in &table.partition_keys {
            let i = table.physical_columns.iter().position(|(n, _)| n == key).ok_or_else(|| {
                ConnectorError::Schema(format!("partition column \"{key}\" is not a physical column of the table"))
            })?;
            keys.push(i);
        }
        let default_name = options.get("partition.default-name").cloned().unwrap_or_else(|| DEFAULT_PARTITION_NAME.into());
        if default_name.is_empty() {
            return Err(invalid("partition.default-name", "", "the default partition name cannot be empty"));
        }
        let mut success = false;
        if let Some(kinds) = options.get("sink.partition-commit.policy.kind") {
            for kind in kinds.split(',').map(str::trim) {
                match kind.to_ascii_lowercase().as_str() {
                    "success-file" => success = true,
                    "metastore" => {
                        return Err(invalid(
                            "sink.partition-commit.policy.kind",
                            kinds,
                            "a filesystem table has no metastore to commit partitions to (Flink allows 'metastore' only for Hive tables); use 'success-file'",
                        ))
                    }
                    "custom" => {
                        return Err(invalid(
                            "sink.partition-commit.policy.kind",
                            kinds,
                            "a custom commit policy is a Java class, which Sluice cannot load; use 'success-file'",
                        ))
                    }
                    _ => {
                        return Err(invalid(
                            "sink.partition-commit.policy.kind",
                            kinds,
                            "the policies are 'success-file', 'metastore' and 'custom', separated by commas",
                        ))
                    }
                }
            }
        }
        let success_file = options.get("sink.partition-commit.success-file.name").cloned().unwrap_or_else(|| "_SUCCESS".into());
        if success_file.is_empty() || success_file.contains('/') {
            return Err(invalid("sink.partition-commit.success-file.name", &success_file, "give a file name, without a folder"));
        }
        if let Some(kind) = options.get("partition.time-extractor.kind") {
            if !kind.eq_ignore_ascii_case("default") {
                return Err(invalid(
                    "partition.time-extractor.kind",
                    kind,
                    "only the 'default' extractor is available; a 'custom' one is a Java class, which Sluice cannot load",
                ));
            }
        }
        if let Some(formatter) = options.get("partition.time-extractor.timestamp-formatter") {
            return Err(invalid(
                "partition.time-extractor.timestamp-formatter",
                formatter,
                "not supported yet: write the pattern so that it makes 'yyyy-MM-dd HH:mm:ss' (the default) with 'partition.time-extractor.timestamp-pattern'",
            ));
        }
        let trigger = match options.get("sink.partition-commit.trigger").map(|s| s.as_str()) {
            None | Some("process-time") => CommitTrigger::ProcessTime,
            Some("partition-time") => {
                let zone_text = options.get("sink.partition-commit.watermark-time-zone").map(|s| s.as_str()).unwrap_or("UTC");
                let zone = temporal::parse_time_zone(zone_text).ok_or_else(|| {
                    invalid("sink.partition-commit.watermark-time-zone", zone_text, "not a time zone id such as 'UTC' or 'Asia/Shanghai'")
                })?;
                CommitTrigger::PartitionTime { pattern: options.get("partition.time-extractor.timestamp-pattern").cloned(), zone }
            }
            Some(other) => {
                return Err(invalid("sink.partition-commit.trigger", other, "the triggers are 'process-time' and 'partition-time'"))
            }
        };
        let delay = get_parsed(options, "sink.partition-commit.delay", parse_duration)?.unwrap_or_default();
        if keys.is_empty() {
            return Ok(None);
        }
        Ok(Some(PartitionConfig { keys, default_name, success_file: success.then_some(success_file), trigger, delay }))
    }

    /// The partition folder of each row: `k=v[/k2=v2...]`.
    pub fn paths(&self, names: &[String], columns: &[ArrayRef], rows: usize) -> Vec<String> {
        (0..rows)
            .map(|row| {
                let mut path = String::new();
                for (i, (name, column)) in names.iter().zip(columns).enumerate() {
                    if i > 0 {
                        path.push('/');
                    }
                    path.push_str(&escape_path_name(name));
                    path.push('=');
                    match value_text(column, row) {
                        Some(v) if !v.is_empty() => path.push_str(&escape_path_name(&v)),
                        _ => path.push_str(&escape_path_name(&self.default_name)),
                    }
                }
                path
            })
            .collect()
    }
}

/// The partition time Flink's default extractor reads from a partition's values: the
/// first value, or `timestamp-pattern` with each `$key` replaced by its value, parsed as
/// `yyyy-M-d[ H:m:s[.f]]`. Local microseconds.
pub fn partition_time(pattern: Option<&str>, keys: &[String], values: &[String]) -> Option<i64> {
    let text = match pattern {
        None => values.first()?.clone(),
        Some(p) => {
            let mut text = p.to_string();
            for (k, v) in keys.iter().zip(values) {
                text = text.replace(&format!("${k}"), v);
            }
            text
        }
    };
    let text = text.as_str();
    let (date, time) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let days = temporal::parse_date(date)?;
    let mut micros = days as i64 * 86_400_000_000;
    if let Some(t) = time {
        // Hours, minutes and seconds are all required, as in Flink's formatter.
        if t.split(':').count() != 3 {
            return None;
        }
        micros += temporal::parse_time_micros(t)?;
    }
    Some(micros)
}

/// Which partitions have data, which of them wait for their commit, and the success
/// files written when they are complete. Partitions are folder paths relative to the
/// table's folder.
///
/// At a parallelism above 1 the writers of one sink share the decision (`Joint`), as
/// Flink's writers hand their partitions to one partition committer: a partition gets
/// its success file once every writer committed the checkpoint that holds its data and
/// the lowest of the writers' watermarks says it is complete; at the end of the input,
/// once every writer ended.
pub struct PartitionCommitter {
    config: PartitionConfig,
    /// The partition column names, for the time extractor.
    names: Vec<String>,
    /// Written to since the last checkpoint: partition -> when it got its first row.
    new: BTreeMap<String, Instant>,
    /// Taken into checkpoints not yet committed: (checkpoint, partitions, watermark then).
    staged: Vec<(u64, BTreeMap<String, Instant>, i64)>,
    /// Data committed, waiting for the trigger (a lone writer's; see `joint`).
    pending: BTreeMap<String, Instant>,
    watermark: i64,
    /// At a parallelism above 1: what the writers decide together, and this writer's
    /// subtask.
    joint: Option<(Arc<Mutex<Joint>>, usize)>,
}

/// The partition commit of the writers of one sink at a parallelism above 1.
pub struct Joint {
    /// Per writer: the watermark it had at its newest committed checkpoint (or flush).
    watermarks: Vec<i64>,
    /// Per writer: whether it registered in this run (a writer that registers again
    /// belongs to a new run, which starts a new `Joint`).
    registered: Vec<bool>,
    /// Per writer: its input ended (`Some(true)`) or it was stopped (`Some(false)`).
    finished: Vec<Option<bool>>,
    /// Data committed by any writer, waiting for the trigger.
    pending: BTreeMap<String, Instant>,
}

type JointKey = (String, std::path::PathBuf, usize);

/// The `Joint` of each partitioned sink with success files at a parallelism above 1,
/// by job, table folder and sink; dropped with its writers.
static JOINTS: Mutex<BTreeMap<JointKey, Weak<Mutex<Joint>>>> = Mutex::new(BTreeMap::new());

impl PartitionCommitter {
    pub fn new(config: PartitionConfig, names: Vec<String>) -> PartitionCommitter {
        PartitionCommitter {
            config,
            names,
            new: BTreeMap::new(),
            staged: Vec::new(),
            pending: BTreeMap::new(),
            watermark: i64::MIN,
            joint: None,
        }
    }

    /// Makes this the committer of writer `subtask` of `parallelism` writers of sink
    /// `sink` of `job`, writing into `root`: it decides with the others (see the type's
    /// doc).
    pub fn share(&mut self, job: &str, root: &Path, sink: usize, subtask: usize, parallelism: usize) {
        if parallelism < 2 || subtask >= parallelism {
            return;
        }
        let mut joints = JOINTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        joints.retain(|_, weak| weak.strong_count() > 0);
        let key = (job.to_string(), root.to_path_buf(), sink);
        let fresh = || {
            Arc::new(Mutex::new(Joint {
                watermarks: vec![i64::MIN; parallelism],
                registered: vec![false; parallelism],
                finished: vec![None; parallelism],
                pending: BTreeMap::new(),
            }))
        };
        let joint = match joints.get(&key).and_then(Weak::upgrade) {
            Some(joint) => {
                let stale = joint
                    .lock()
                    .map(|j| j.registered.len() != parallelism || j.registered[subtask])
                    .unwrap_or(true);
                if stale { fresh() } else { joint }
            }
            None => fresh(),
        };
        if let Ok(mut j) = joint.lock() {
            j.registered[subtask] = true;
        }
        joints.insert(key, Arc::downgrade(&joint));
        self.joint = Some((joint, subtask));
    }

    pub fn written(&mut self, partition: &str) {
        if !self.new.contains_key(partition) {
            let created = self.pending.get(partition).copied().unwrap_or_else(Instant::now);
            self.new.insert(partition.to_string(), created);
        }
    }

    pub fn on_watermark(&mut self, watermark: i64) {
        self.watermark = self.watermark.max(watermark);
    }

    /// Checkpoint `checkpoint` takes the partitions written since the last one.
    pub fn pre_commit(&mut self, checkpoint: u64) {
        let new = std::mem::take(&mut self.new);
        self.staged.push((checkpoint, new, self.watermark));
    }

    /// Checkpoint `checkpoint` committed its data: its partitions wait for their trigger,
    /// and those complete now get their success file.
    pub fn commit(&mut self, root: &Path, checkpoint: u64) -> Result<(), ConnectorError> {
        let mut watermark = None;
        let staged = std::mem::take(&mut self.staged);
        for (id, partitions, w) in staged {
            if id <= checkpoint {
                for (p, created) in partitions {
                    self.pending.entry(p).or_insert(created);
                }
                watermark = Some(w);
            } else {
                self.staged.push((id, partitions, w));
            }
        }
        self.commit_ready(root, watermark.unwrap_or(self.watermark))
    }

    /// Without checkpoints: what was written so far is visible now.
    pub fn commit_visible(&mut self, root: &Path) -> Result<(), ConnectorError> {
        for (p, created) in std::mem::take(&mut self.new) {
            self.pending.entry(p).or_insert(created);
        }
        self.commit_ready(root, self.watermark)
    }

    /// Whether the input has ended: the end-of-input watermark came.
    pub fn input_ended(&self) -> bool {
        self.watermark == i64::MAX
    }

    /// The writer finished. At the end of the input every partition with data is
    /// complete, as Flink commits them all (with other writers, once each of them
    /// ended); a writer that was stopped leaves its partitions to the run that resumes.
    pub fn finish(&mut self, root: &Path) -> Result<(), ConnectorError> {
        let ended = self.input_ended();
        for (p, created) in std::mem::take(&mut self.new) {
            self.pending.entry(p).or_insert(created);
        }
        for (_, partitions, _) in std::mem::take(&mut self.staged) {
            for (p, created) in partitions {
                self.pending.entry(p).or_insert(created);
            }
        }
        let pending = std::mem::take(&mut self.pending);
        let all = match &self.joint {
            None if ended => pending,
            None => return Ok(()),
            Some((joint, subtask)) => {
                let mut j = joint.lock().map_err(|_| poisoned())?;
                j.finished[*subtask] = Some(ended);
                for (p, created) in pending {
                    j.pending.entry(p).or_insert(created);
                }
                if !j.finished.iter().all(|f| *f == Some(true)) {
                    return Ok(());
                }
                std::mem::take(&mut j.pending)
            }
        };
        for p in all.into_keys() {
            self.write_success(root, &p)?;
        }
        Ok(())
    }

    /// After a restart: partitions whose data is committed but that have no success file
    /// wait for their trigger again.
    pub fn recovered(&mut self, partition: String) {
        self.pending.entry(partition).or_insert_with(Instant::now);
    }

    pub fn success_file(&self) -> Option<&str> {
        self.config.success_file.as_deref()
    }

    /// Writes the success files of the committed partitions the trigger says are
    /// complete at `watermark` (with other writers: at the lowest of theirs).
    fn commit_ready(&mut self, root: &Path, watermark: i64) -> Result<(), ConnectorError> {
        let Some((joint, subtask)) = &self.joint else {
            let ready = self.ready(&self.pending, watermark)?;
            for p in ready {
                self.pending.remove(&p);
                self.write_success(root, &p)?;
            }
            return Ok(());
        };
        let mut j = joint.lock().map_err(|_| poisoned())?;
        j.watermarks[*subtask] = j.watermarks[*subtask].max(watermark);
        for (p, created) in std::mem::take(&mut self.pending) {
            j.pending.entry(p).or_insert(created);
        }
        let lowest = j.watermarks.iter().copied().min().unwrap_or(i64::MIN);
        let ready = self.ready(&j.pending, lowest)?;
        for p in ready {
            j.pending.remove(&p);
            self.write_success(root, &p)?;
        }
        Ok(())
    }

    /// The partitions of `pending` the trigger says are complete at `watermark`.
    fn ready(&self, pending: &BTreeMap<String, Instant>, watermark: i64) -> Result<Vec<String>, ConnectorError> {
        let delay = self.config.delay;
        let mut ready = Vec::new();
        for (p, created) in pending {
            let complete = match &self.config.trigger {
                CommitTrigger::ProcessTime => created.elapsed() >= delay,
                CommitTrigger::PartitionTime { pattern, zone } => {
                    let values: Vec<String> = p
                        .split('/')
                        .filter_map(split_partition_name)
                        .map(|(_, v)| v)
                        .collect();
                    let local = partition_time(pattern.as_deref(), &self.names, &values).ok_or_else(|| {
                        ConnectorError::External(format!(
                            "cannot read a partition time from partition \"{p}\"{}: the values must make 'yyyy-MM-dd[ HH:mm:ss]'",
                            pattern.as_ref().map(|x| format!(" with 'partition.time-extractor.timestamp-pattern' = '{x}'")).unwrap_or_default()
                        ))
                    })?;
                    let epoch_ms = zone.to_instant(local).div_euclid(1000);
                    watermark > epoch_ms.saturating_add(delay.as_millis() as i64)
                }
            };
            if complete {
                ready.push(p.clone());
            }
        }
        Ok(ready)
    }

    fn write_success(&self, root: &Path, partition: &str) -> Result<(), ConnectorError> {
        let Some(name) = &self.config.success_file else { return Ok(()) };
        let path = root.join(partition).join(name);
        std::fs::write(&path, b"").map_err(|e| ConnectorError::io(format!("cannot write \"{}\"", path.display()), e))
    }
}

fn poisoned() -> ConnectorError {
    ConnectorError::External("another writer of this table failed while it committed partitions".into())
}
