//! Reading files: big sequential reads, records split at newlines, decoded straight into
//! Arrow columns, with the file's metadata columns appended.

use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::SchemaRef;
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::{
    ChangeBatch, ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats, TableSpec,
};
use sluice_formats::framing::{find_newline, is_blank};
use sluice_formats::{CsvDecoder, JsonDecoder};

use super::config::{FileFormat, FilesystemConfig};
use super::partition;
use crate::dead_letter::DeadLetters;

const READ_CHUNK: usize = 4 << 20;
/// A batch ends at this many bytes of records even before `batch_size` rows: wide records
/// (Nexmark's events, about 300 bytes of JSON each) would otherwise make batches of many
/// megabytes, which every operator holds while it works. Narrow ones (the IoT rows, about
/// 80 bytes) still fill `batch_size`.
const MAX_BATCH_BYTES: usize = 512 << 10;
const MAX_SKIP_EXAMPLES: usize = 3;

/// The files under `path` to read, in name order: the file itself, or every file in the
/// folder and its subfolders, skipping hidden names (starting with `.` or `_`).
pub fn list_files(path: &Path) -> Result<Vec<PathBuf>, ConnectorError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            ConnectorError::External(format!("no such file or folder \"{}\"", path.display()))
        } else {
            ConnectorError::io(format!("cannot read \"{}\"", path.display()), e)
        }
    })?;
    let mut out = Vec::new();
    if meta.is_file() {
        out.push(path.to_path_buf());
    } else {
        walk(path, &mut out)?;
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ConnectorError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ConnectorError::io(format!("cannot list folder \"{}\"", dir.display()), e))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| ConnectorError::io(format!("cannot list folder \"{}\"", dir.display()), e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        paths.push(entry.path());
    }
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

enum Decoder {
    Json(JsonDecoder),
    /// CSV columns are positional, so every physical column is decoded and the
    /// projection is applied afterwards.
    Csv(CsvDecoder, Vec<usize>),
}

impl Decoder {
    fn decode(&mut self, record: &[u8]) -> Result<(), String> {
        match self {
            Decoder::Json(d) => d.decode(record),
            Decoder::Csv(d, _) => d.decode(record),
        }
    }
    fn num_rows(&self) -> usize {
        match self {
            Decoder::Json(d) => d.num_rows(),
            Decoder::Csv(d, _) => d.num_rows(),
        }
    }
    fn flush(&mut self) -> Result<Vec<ArrayRef>, ConnectorError> {
        Ok(match self {
            Decoder::Json(d) => d.flush()?,
            Decoder::Csv(d, projection) => {
                let all = d.flush()?;
                projection.iter().map(|i| all[*i].clone()).collect()
            }
        })
    }
}

struct OpenFile {
    file: File,
    path: PathBuf,
    shown: String,
    size: i64,
    modified_micros: i64,
    line: u64,
    eof: bool,
    /// Bytes read from the file so far.
    read: u64,
}

/// A bounded (or, with `source.monitor-interval`, unbounded) reader of files.
pub struct FileSource {
    root: PathBuf,
    pending: VecDeque<PathBuf>,
    known: BTreeSet<PathBuf>,
    current: Option<OpenFile>,
    buf: Vec<u8>,
    start: usize,
    decoder: Decoder,
    ignore_errors: bool,
    /// Where records that cannot be decoded go (`sluice.dead-letter`), if anywhere.
    dead_letters: Option<DeadLetters>,
    csv: bool,
    batch_size: usize,
    /// Bytes of the records decoded into the batch being built.
    batch_bytes: usize,
    schema: SchemaRef,
    metadata: Vec<String>,
    monitor: Option<Duration>,
    last_scan: Instant,
    subtask: usize,
    parallelism: usize,
    stats: SourceStats,
    /// Files this reader has read to the end, for checkpoints.
    done: Vec<PathBuf>,
    /// Files read partly before a restore, with the offset and line to go on from: more
    /// than one when readers saved at a higher parallelism are restored into this one.
    resume: Vec<(PathBuf, u64, u64)>,
    /// Where each projected physical column comes from.
    output: Vec<OutputColumn>,
    /// How many partition folder levels the table has.
    partition_depth: usize,
}

/// A projected physical column: decoded from the file, or (a partition column) the
/// value its folder name holds.
enum OutputColumn {
    Decoded,
    Partition { name: String, data_type: sluice_types::DataType, default_name: String },
}

impl FileSource {
    pub fn new(
        table: &TableSpec,
        config: &FilesystemConfig,
        ctx: &SourceContext,
    ) -> Result<FileSource, ConnectorError> {
        let keys: Vec<usize> = config.partitions.as_ref().map(|p| p.keys.clone()).unwrap_or_default();
        let files = list_files(&config.path)?;
        // The columns the files hold (the partition columns are in the folder names), and
        // each projected column as a file column or a partition column.
        let data_columns = super::data_columns(table, config);
        let data_index = |i: usize| i - keys.iter().filter(|k| **k < i).count();
        let mut output = Vec::with_capacity(ctx.projection.len());
        let mut decoded: Vec<usize> = Vec::new();
        for &i in &ctx.projection {
            let (name, data_type) = table
                .physical_columns
                .get(i)
                .cloned()
                .ok_or_else(|| ConnectorError::Schema(format!("projection index {i} is out of range")))?;
            if keys.contains(&i) {
                output.push(OutputColumn::Partition { name, data_type, default_name: config.partitions.as_ref().map(|p| p.default_name.clone()).unwrap_or_default() });
            } else {
                output.push(OutputColumn::Decoded);
                decoded.push(data_index(i));
            }
        }
        let projected: Vec<(String, sluice_types::DataType)> = decoded.iter().map(|i| data_columns[*i].clone()).collect();
        let (decoder, csv) = match &config.format {
            FileFormat::Json(o) => (Decoder::Json(JsonDecoder::new(&projected, o)?), false),
            FileFormat::Csv(o) => (Decoder::Csv(CsvDecoder::new(&data_columns, o)?, decoded), true),
        };
        for (key, _) in &ctx.metadata {
            if !super::METADATA_KEYS.contains(&key.as_str()) {
                return Err(ConnectorError::Schema(format!(
                    "the filesystem connector has no metadata column \"{key}\""
                )));
            }
        }
        let parallelism = ctx.parallelism.max(1);
        let mut source = FileSource {
            root: config.path.clone(),
            pending: VecDeque::new(),
            known: BTreeSet::new(),
            current: None,
            buf: Vec::with_capacity(READ_CHUNK),
            start: 0,
            decoder,
            ignore_errors: config.format.ignore_parse_errors(),
            dead_letters: DeadLetters::for_source(table, ctx)?,
            csv,
            batch_size: ctx.batch_size.max(1),
            batch_bytes: 0,
            schema: ctx.output_schema.clone(),
            metadata: ctx.metadata.iter().map(|(k, _)| k.clone()).collect(),
            monitor: config.monitor_interval,
            last_scan: Instant::now(),
            subtask: ctx.subtask,
            parallelism,
            stats: SourceStats::default(),
            done: Vec::new(),
            resume: Vec::new(),
            output,
            partition_depth: keys.len(),
        };
        source.add_files(files);
        Ok(source)
    }

    fn add_files(&mut self, mut files: Vec<PathBuf>) {
        if self.partition_depth > 0 {
            // As Flink: only files inside a partition folder of every level.
            let (root, depth) = (&self.root, self.partition_depth);
            files.retain(|f| f.strip_prefix(root).is_ok_and(|r| r.components().count() > depth));
        }
        for (i, f) in files.into_iter().enumerate() {
            if self.known.insert(f.clone()) && i % self.parallelism == self.subtask {
                self.pending.push_back(f);
            }
        }
    }

    fn open_next(&mut self) -> Result<bool, ConnectorError> {
        let Some(path) = self.pending.pop_front() else { return Ok(false) };
        let shown = path.display().to_string();
        let file = File::open(&path).map_err(|e| ConnectorError::io(format!("cannot open \"{shown}\""), e))?;
        let meta = file.metadata().map_err(|e| ConnectorError::io(format!("cannot read \"{shown}\""), e))?;
        let modified_micros = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| (d.as_millis() as i64) * 1000)
            .unwrap_or(0);
        self.buf.clear();
        self.start = 0;
        let mut file = file;
        let (mut read, mut line) = (0, 0);
        if let Some(i) = self.resume.iter().position(|(p, _, _)| *p == path) {
            let (_, offset, at_line) = self.resume.remove(i);
            file.seek(std::io::SeekFrom::Start(offset))
                .map_err(|e| ConnectorError::io(format!("cannot seek in \"{shown}\""), e))?;
            (read, line) = (offset, at_line);
        }
        self.current = Some(OpenFile {
            file,
            path,
            shown,
            size: meta.len() as i64,
            modified_micros,
            line,
            eof: false,
            read,
        });
        Ok(true)
    }

    /// Reads more of the current file; `false` at its end.
    fn fill(&mut self) -> Result<bool, ConnectorError> {
        let Some(f) = self.current.as_mut() else { return Ok(false) };
        if f.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let n = loop {
            match f.file.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(ConnectorError::io(format!("cannot read \"{}\"", f.shown), e));
                }
            }
        };
        self.buf.truncate(old + n);
        self.stats.bytes += n as u64;
        f.read += n as u64;
        if n == 0 {
            f.eof = true;
            return Ok(false);
        }
        Ok(true)
    }

    /// The next record of the current file as (start, end) in `buf`, without its line
    /// break; `None` at the end of the file.
    fn next_record(&mut self) -> Result<Option<(usize, usize)>, ConnectorError> {
        loop {
            let rest = &self.buf[self.start..];
            let found = if self.csv {
                match &self.decoder {
                    Decoder::Csv(d, _) => d.record_len(rest).map(|n| n - 1),
                    Decoder::Json(_) => None,
                }
            } else {
                find_newline(rest)
            };
            if let Some(k) = found {
                let s = self.start;
                self.start += k + 1;
                return Ok(Some((s, s + k)));
            }
            if !self.fill()? {
                if self.start < self.buf.len() {
                    let s = self.start;
                    self.start = self.buf.len();
                    return Ok(Some((s, self.buf.len())));
                }
                return Ok(None);
            }
        }
    }

    fn metadata_arrays(&self, f: &OpenFile, n: usize) -> Vec<ArrayRef> {
        self.metadata
            .iter()
            .map(|key| -> ArrayRef {
                match key.as_str() {
                    "file.path" => Arc::new(StringArray::from(vec![f.shown.as_str(); n])),
                    "file.name" => {
                        let name = f.path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                        Arc::new(StringArray::from(vec![name.as_str(); n]))
                    }
                    "file.size" => Arc::new(Int64Array::from(vec![f.size; n])),
                    _ => Arc::new(TimestampMicrosecondArray::from(vec![f.modified_micros; n]).with_timezone("UTC")),
                }
            })
            .collect()
    }

    fn emit(&mut self) -> Result<SourcePoll, ConnectorError> {
        self.batch_bytes = 0;
        let n = self.decoder.num_rows();
        let mut arrays = self.decoder.flush()?;
        if self.output.iter().any(|c| matches!(c, OutputColumn::Partition { .. })) {
            let spec = self.current.as_ref().map(|f| partition::partition_spec(&self.root, &f.path)).unwrap_or_default();
            let mut decoded = arrays.into_iter();
            let mut columns = Vec::with_capacity(self.output.len());
            for c in &self.output {
                match c {
                    OutputColumn::Decoded => columns.push(
                        decoded.next().ok_or_else(|| ConnectorError::Schema("a decoded column is missing".into()))?,
                    ),
                    OutputColumn::Partition { name, data_type, default_name } => {
                        let value = spec.get(name).map(|v| v.as_str()).filter(|v| *v != default_name.as_str());
                        columns.push(partition::constant_column(value, name, data_type, n)?);
                    }
                }
            }
            arrays = columns;
        }
        if let Some(f) = &self.current {
            arrays.extend(self.metadata_arrays(f, n));
        }
        self.stats.records += n as u64;
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| ConnectorError::Schema(format!("file rows do not fit the table schema: {e}")))?;
        Ok(SourcePoll::Batch(ChangeBatch::inserts(batch)))
    }
}

impl SourceReader for FileSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        loop {
            if self.current.is_none() && !self.open_next()? {
                if let Some(every) = self.monitor {
                    if self.last_scan.elapsed() >= every {
                        self.last_scan = Instant::now();
                        let files = list_files(&self.root)?;
                        self.add_files(files);
                        if !self.pending.is_empty() {
                            continue;
                        }
                    }
                    return Ok(SourcePoll::Pending);
                }
                return Ok(SourcePoll::Finished);
            }
            while self.decoder.num_rows() < self.batch_size && self.batch_bytes < MAX_BATCH_BYTES {
                let Some((s, e)) = self.next_record()? else {
                    // End of this file: hand out its rows before moving on, so each batch
                    // carries one file's metadata.
                    let poll = if self.decoder.num_rows() > 0 { Some(self.emit()?) } else { None };
                    if let Some(f) = self.current.take() {
                        self.done.push(f.path);
                    }
                    match poll {
                        Some(p) => return Ok(p),
                        None => break,
                    }
                };
                let Some(f) = self.current.as_mut() else { break };
                f.line += 1;
                self.batch_bytes += e - s;
                let mut record = &self.buf[s..e];
                if let Some(r) = record.strip_suffix(b"\r") {
                    record = r;
                }
                if is_blank(record) {
                    continue;
                }
                if let Decoder::Csv(d, _) = &self.decoder {
                    if d.is_comment(record) {
                        continue;
                    }
                }
                if let Err(reason) = self.decoder.decode(record) {
                    let location = format!("{}:{}", f.shown, f.line);
                    if let Some(dead) = self.dead_letters.as_mut() {
                        dead.send(&location, &reason, None, record)?;
                        self.stats.dead_letters += 1;
                        continue;
                    }
                    if !self.ignore_errors {
                        return Err(ConnectorError::BadRecord { location, reason });
                    }
                    self.stats.skipped_bad_records += 1;
                    if self.stats.skipped_examples.len() < MAX_SKIP_EXAMPLES {
                        self.stats.skipped_examples.push(format!("{location}: {reason}"));
                    }
                }
            }
            if self.decoder.num_rows() == 0 {
                // Only skipped records so far: they do not count towards a batch.
                self.batch_bytes = 0;
            } else if self.decoder.num_rows() >= self.batch_size || self.batch_bytes >= MAX_BATCH_BYTES {
                return self.emit();
            }
        }
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    /// The files read to the end, and the current file with the byte offset and line
    /// number of its next record.
    fn pre_commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(()), |d| d.pre_commit(checkpoint))
    }

    fn commit_checkpoint(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(()), |d| d.commit_checkpoint(checkpoint))
    }

    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(None), |d| d.committed_checkpoint())
    }

    fn recover(&mut self, completed: Option<u64>) -> Result<(), ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(()), |d| d.recover(completed))
    }

    fn recover_former(&mut self, former: usize, completed: Option<u64>) -> Result<(), ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(()), |d| d.recover_former(former, completed))
    }

    fn commit(&mut self) -> Result<(), ConnectorError> {
        self.dead_letters.as_mut().map_or(Ok(()), |d| d.commit())
    }

    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        let mut w = StateWriter::new(2);
        w.u64(self.done.len() as u64);
        for path in &self.done {
            w.str(&path.to_string_lossy());
        }
        // The file being read, then those restored and not opened yet.
        let mut partial: Vec<(String, u64, u64)> = Vec::new();
        if let Some(f) = &self.current {
            let unread = (self.buf.len() - self.start) as u64;
            partial.push((f.path.to_string_lossy().into_owned(), f.read - unread, f.line));
        }
        partial.extend(self.resume.iter().map(|(p, offset, line)| (p.to_string_lossy().into_owned(), *offset, *line)));
        w.u64(partial.len() as u64);
        for (path, offset, line) in &partial {
            w.str(path).u64(*offset).u64(*line);
        }
        Ok(w.finish())
    }

    /// Takes the positions a reader saved; called once per reader saved at another
    /// parallelism, each keeping the files this reader now reads.
    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let bad = ConnectorError::External;
        let (mut r, version) = StateReader::open(position, "the filesystem source", &[1, 2]).map_err(bad)?;
        let read_path = |r: &mut StateReader<'_>| -> Result<PathBuf, ConnectorError> { Ok(PathBuf::from(r.str().map_err(bad)?)) };
        let count = r.u64().map_err(bad)?;
        for _ in 0..count {
            let path = read_path(&mut r)?;
            self.pending.retain(|p| *p != path);
            if !self.done.contains(&path) {
                self.done.push(path);
            }
        }
        let partial = if version == 1 { u64::from(r.bool().map_err(bad)?) } else { r.u64().map_err(bad)? };
        for _ in 0..partial {
            let path = read_path(&mut r)?;
            let (offset, line) = (r.u64().map_err(bad)?, r.u64().map_err(bad)?);
            // A file that is gone since, or that another reader reads now, is skipped;
            // this reader's files not in the checkpoint are read from the start.
            if self.pending.contains(&path) {
                self.pending.retain(|p| *p != path);
                self.pending.push_front(path.clone());
                self.resume.push((path, offset, line));
            }
        }
        r.end().map_err(bad)?;
        Ok(())
    }
}
