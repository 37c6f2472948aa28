//! `OpenSearchSink`: rows into `_bulk` actions, buffered and flushed by count, size and
//! time, with the server's per-document rejections handled by `failure-handler`.
//!
//! With a primary key, `+I`/`+U` become `index` actions with the key as `_id` (the
//! document is replaced) and `-D` a `delete`; `-U` is skipped. Without a key, every row
//! is an `index` action without `_id` and the server assigns one.

use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, TableSpec};
use sluice_formats::JsonEncoder;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, RowKind};

use super::client::{BulkClient, ItemResult};
use super::config::{FailureHandler, OpenSearchConfig, SearchFlavor};
use super::key_text::write_key_text;

/// What a sink has done, for the end-of-job report and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenSearchSinkStats {
    /// Actions the server accepted (index and delete).
    pub written: u64,
    /// Bulk requests sent.
    pub requests: u64,
    /// Documents the server rejected that `failure-handler = 'ignore'` dropped.
    pub ignored: u64,
    /// Actions sent again after a 429 rejection (`retry-rejected`).
    pub retried: u64,
}

/// Writes one table to an OpenSearch or Elasticsearch index.
pub struct OpenSearchSink {
    config: OpenSearchConfig,
    columns: Vec<(String, DataType)>,
    client: BulkClient,
    encoder: JsonEncoder,
    time_zone: SessionTimeZone,
    /// The pending NDJSON body, reused between requests.
    body: Vec<u8>,
    /// The byte range of each pending action (its action line and document).
    actions: Vec<(usize, usize)>,
    last_flush: Instant,
    stats: OpenSearchSinkStats,
    last_log: Option<Instant>,
    unlogged: u64,
    /// Scratch space for index names and ids.
    text: String,
}

impl OpenSearchSink {
    pub fn new(table: &TableSpec, ctx: &SinkContext, flavor: SearchFlavor) -> Result<OpenSearchSink, ConnectorError> {
        let config = OpenSearchConfig::parse(table, flavor)?;
        let encoder = JsonEncoder::new(&table.physical_columns, &config.json).map_err(|e| ConnectorError::Schema(e.to_string()))?;
        Ok(OpenSearchSink {
            client: BulkClient::new(&config)?,
            config,
            columns: table.physical_columns.clone(),
            encoder,
            time_zone: ctx.time_zone,
            body: Vec::with_capacity(64 * 1024),
            actions: Vec::new(),
            last_flush: Instant::now(),
            stats: OpenSearchSinkStats::default(),
            last_log: None,
            unlogged: 0,
            text: String::new(),
        })
    }

    pub fn stats(&self) -> OpenSearchSinkStats {
        self.stats.clone()
    }

    fn connector(&self) -> &'static str {
        self.config.flavor.name()
    }

    /// Appends the action for one row; `false` when the row needs none (`-U`).
    fn append_row(&mut self, batch: &RecordBatch, kind: RowKind, row: usize, now_micros: i64) -> Result<bool, ConnectorError> {
        let has_key = !self.config.key_columns.is_empty();
        let delete = match kind {
            RowKind::UpdateBefore => return Ok(false),
            RowKind::Delete if has_key => true,
            RowKind::Delete => {
                return Err(ConnectorError::Schema(format!(
                    "connector \"{}\" received a deletion for a table without a primary key. Declare PRIMARY KEY (...) NOT ENFORCED on the sink table to write updates and deletions.",
                    self.connector()
                )))
            }
            RowKind::Insert | RowKind::UpdateAfter => false,
        };
        let start = self.body.len();
        self.body.extend_from_slice(if delete { b"{\"delete\":{\"_index\":" } else { b"{\"index\":{\"_index\":" });
        self.text.clear();
        self.config.index.write_index(&mut self.text, batch, row, &self.time_zone, now_micros);
        push_json_string(&mut self.body, &self.text);
        if has_key {
            self.text.clear();
            for (i, &c) in self.config.key_columns.iter().enumerate() {
                if i > 0 {
                    self.text.push_str(&self.config.key_delimiter);
                }
                if !write_key_text(&mut self.text, batch.column(c).as_ref(), &self.columns[c].1, row) {
                    return Err(ConnectorError::BadRecord {
                        location: format!("a row for {} index \"{}\"", self.connector(), index_name(&self.config, batch, row, &self.time_zone, now_micros)),
                        reason: format!("primary key column \"{}\" is NULL, so the row has no document id", self.columns[c].0),
                    });
                }
            }
            self.body.extend_from_slice(b",\"_id\":");
            push_json_string(&mut self.body, &self.text);
        }
        self.body.extend_from_slice(b"}}\n");
        if !delete {
            self.encoder.encode_row(batch, row, &mut self.body).map_err(|e| ConnectorError::Schema(e.to_string()))?;
            self.body.push(b'\n');
        }
        self.actions.push((start, self.body.len()));
        Ok(true)
    }

    fn buffer_full(&self) -> bool {
        self.config.max_actions.is_some_and(|n| self.actions.len() >= n)
            || self.config.max_bytes.is_some_and(|n| self.body.len() >= n)
    }

    /// Sends every pending action, handling rejections per `failure-handler`.
    fn send_pending(&mut self) -> Result<(), ConnectorError> {
        self.last_flush = Instant::now();
        let mut rejected_rounds = 0u32;
        while !self.actions.is_empty() {
            let items = self.client.bulk(&self.body)?;
            self.stats.requests += 1;
            if items.len() != self.actions.len() {
                return Err(ConnectorError::External(format!(
                    "{} answered {} items for a bulk request of {} actions",
                    self.connector(),
                    items.len(),
                    self.actions.len()
                )));
            }
            let mut retry: Vec<(usize, usize)> = Vec::new();
            for (item, i) in items.iter().zip(0..) {
                let range = self.actions[i];
                match &item.error {
                    None => self.stats.written += 1,
                    Some(_) if item.status == 429 && self.config.failure_handler == FailureHandler::RetryRejected => {
                        retry.push(range);
                    }
                    Some(_) if self.config.failure_handler == FailureHandler::Ignore => self.ignore(item),
                    Some(_) => return Err(self.rejection(item)),
                }
            }
            if retry.is_empty() {
                self.body.clear();
                self.actions.clear();
                break;
            }
            // Keep only the rejected actions, in order, and send them again.
            let mut kept = Vec::with_capacity(retry.iter().map(|(s, e)| e - s).sum());
            let mut ranges = Vec::with_capacity(retry.len());
            for (s, e) in retry {
                ranges.push((kept.len(), kept.len() + (e - s)));
                kept.extend_from_slice(&self.body[s..e]);
            }
            self.stats.retried += ranges.len() as u64;
            self.body = kept;
            self.actions = ranges;
            rejected_rounds += 1;
            let delay = match self.config.backoff.delay(rejected_rounds) {
                d if d.is_zero() => Duration::from_millis(50),
                d => d.min(Duration::from_secs(10)),
            };
            tracing::warn!(target: "sluice::opensearch",
                "{}: the server rejected {} documents as overloaded (429); sending them again in {} ms",
                self.connector(),
                self.actions.len(),
                delay.as_millis()
            );
            std::thread::sleep(delay);
        }
        Ok(())
    }

    fn rejection(&self, item: &ItemResult) -> ConnectorError {
        let (kind, reason) = item.error.clone().unwrap_or_default();
        let id = if item.id.is_empty() { String::new() } else { format!(" document \"{}\"", item.id) };
        ConnectorError::External(format!(
            "{} rejected{id} in index \"{}\" (HTTP {}): {kind}: {reason}. Set 'failure-handler' = 'ignore' to drop rejected documents instead of failing.",
            self.connector(),
            item.index,
            item.status
        ))
    }

    /// Counts an ignored rejection and logs it, at most once per 10 s.
    fn ignore(&mut self, item: &ItemResult) {
        self.stats.ignored += 1;
        self.unlogged += 1;
        if self.last_log.is_some_and(|t| t.elapsed() < Duration::from_secs(10)) {
            return;
        }
        let (kind, reason) = item.error.clone().unwrap_or_default();
        let more = if self.unlogged > 1 { format!(" ({} rejected since the last report)", self.unlogged) } else { String::new() };
        tracing::warn!(target: "sluice::opensearch",
            "{}: ignoring rejected document \"{}\" in index \"{}\": {kind}: {reason}{more}",
            self.connector(),
            item.id,
            item.index
        );
        self.last_log = Some(Instant::now());
        self.unlogged = 0;
    }
}

impl SinkWriter for OpenSearchSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        let now_micros = if self.config.index.is_static() { 0 } else { now_micros() };
        for row in 0..batch.num_rows() {
            if self.append_row(&batch.data, batch.kind(row), row, now_micros)? && self.buffer_full() {
                self.send_pending()?;
            }
        }
        let due = self.config.interval.is_some_and(|i| self.last_flush.elapsed() >= i);
        if due && !self.actions.is_empty() {
            self.send_pending()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ConnectorError> {
        self.send_pending()
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        self.send_pending()
    }
}

fn now_micros() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

fn index_name(config: &OpenSearchConfig, batch: &RecordBatch, row: usize, tz: &SessionTimeZone, now: i64) -> String {
    let mut s = String::new();
    config.index.write_index(&mut s, batch, row, tz, now);
    s
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}
