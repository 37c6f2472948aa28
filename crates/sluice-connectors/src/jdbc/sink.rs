//! The `jdbc` sink. Rows are encoded as they arrive and buffered; a flush writes the
//! whole buffer in one transaction with one `INSERT ... SELECT * FROM UNNEST(...)`
//! (`ON CONFLICT ... DO UPDATE` with a primary key) and one `DELETE`, all parameters.
//! With a key the buffer keeps only the last change per key, as Flink's reducing
//! upsert executor does. A failed flush is rolled back and retried (reconnecting when
//! the connection was lost), so no buffered row is lost.
//!
//! With checkpoints on, the sink is exactly-once without XA: the flushes between two
//! checkpoints go into one open transaction, and a checkpoint's commit writes the
//! progress row (`sluice_checkpoints`: the job and table, the checkpoint id) in that same
//! transaction before committing it. After a crash the progress row tells which
//! checkpoint's rows are in the table, so a replayed checkpoint is never written twice;
//! a transaction lost with its connection fails the job, which then resumes from its
//! last checkpoint.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres::types::{ToSql, Type};
use postgres::Client;
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, RowKind};

use super::config::JdbcConfig;
use super::connection::{describe, is_connection_error, is_transient, Endpoint};
use super::encode::encode_value;
use super::remote_table::{check_columns, delete_sql, insert_sql};
use super::wire::PgParam;

/// What the buffer holds for one key: the row to write, or a delete.
enum Pending {
    Upsert(Vec<PgParam>),
    Delete(Vec<PgParam>),
}

pub struct JdbcSink {
    endpoint: Endpoint,
    table: String,
    client: Option<Client>,
    columns: Vec<(String, DataType)>,
    types: Vec<Type>,
    key: Vec<usize>,
    insert_sql: String,
    delete_sql: String,
    tz: SessionTimeZone,
    /// Append mode: rows in order.
    appends: Vec<Vec<PgParam>>,
    /// Upsert mode: the last change per key, and the keys in first-seen order.
    by_key: HashMap<Vec<u8>, usize>,
    changes: Vec<Pending>,
    /// Rows written since the last flush (before reduction), as Flink counts them.
    buffered: u64,
    last_flush: Instant,
    max_rows: u64,
    interval: Duration,
    max_retries: u64,
    retry_timeout: Duration,
    /// With checkpoints on: the progress row's key, and whether a transaction is open.
    progress: Option<(String, bool)>,
    /// What the writer was opened with, to open it again as another subtask
    /// (`for_subtask`).
    opened_with: (TableSpec, JdbcConfig, SinkContext),
}

/// The table that records, per job and target table, the newest checkpoint whose rows
/// were committed.
const PROGRESS_TABLE: &str = "sluice_checkpoints";

impl JdbcSink {
    /// Connects, checks the table and its columns, and prepares the statements once so
    /// that a missing unique constraint for the key fails now rather than at the first
    /// flush.
    pub fn new(table: &TableSpec, config: &JdbcConfig, ctx: &SinkContext) -> Result<JdbcSink, ConnectorError> {
        let columns = table.physical_columns.clone();
        let mut key = Vec::new();
        for name in &table.primary_key {
            let index = columns
                .iter()
                .position(|(c, _)| c.eq_ignore_ascii_case(name))
                .ok_or_else(|| ConnectorError::Schema(format!("primary key column \"{name}\" is not a column")))?;
            key.push(index);
        }
        let mut client = config.endpoint.connect(config.max_retry_timeout, "sink")?;
        let types = check_columns(&mut client, &config.endpoint, &config.table_name, &columns, &ctx.time_zone)?;
        if let Some(i) = types.iter().position(|t| matches!(t.kind(), postgres::types::Kind::Array(_))) {
            return Err(ConnectorError::Schema(format!(
                "column \"{}\" of table \"{}\" is an array, which the jdbc sink cannot write yet",
                columns[i].0, config.table_name
            )));
        }
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        let insert = insert_sql(&config.table_name, &names, &types, &key);
        let key_names: Vec<&str> = key.iter().map(|&i| names[i]).collect();
        let key_types: Vec<&Type> = key.iter().map(|&i| &types[i]).collect();
        let delete = if key.is_empty() { String::new() } else { delete_sql(&config.table_name, &key_names, &key_types) };
        // Running the statements on no rows (NULL arrays) plans them, which is when
        // PostgreSQL looks for the unique index ON CONFLICT needs; then roll back.
        let mut txn = client.transaction().map_err(|e| {
            ConnectorError::External(format!("cannot start a transaction on \"{}\": {}", config.endpoint.address(), describe(&e)))
        })?;
        for sql in [&insert, &delete].into_iter().filter(|s| !s.is_empty()) {
            let statement = txn.prepare(sql).and_then(|st| {
                let nulls: Vec<PgParam> = st.params().iter().map(|_| PgParam::Null).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = nulls.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
                txn.execute(&st, &refs)
            });
            statement.map_err(|e| {
                ConnectorError::Schema(format!(
                    "cannot write to PostgreSQL table \"{}\": {}. With a PRIMARY KEY the table needs a unique \
                     constraint or index on the key columns.",
                    config.table_name,
                    describe(&e)
                ))
            })?;
        }
        drop(txn);
        let progress = if ctx.checkpointing {
            client
                .batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (sink TEXT PRIMARY KEY, checkpoint BIGINT NOT NULL, \
                     committed_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                ))
                .map_err(|e| {
                    ConnectorError::External(format!(
                        "cannot create the progress table \"{PROGRESS_TABLE}\" at \"{}\" (exactly-once writes need it): {}",
                        config.endpoint.address(),
                        describe(&e)
                    ))
                })?;
            // One progress row per subtask: the first keeps the key a job at parallelism 1
            // always had.
            let key = match ctx.subtask {
                0 => format!("{}/{}", ctx.job, config.table_name),
                t => format!("{}/{}/{t}", ctx.job, config.table_name),
            };
            Some((key, false))
        } else {
            None
        };
        Ok(JdbcSink {
            endpoint: config.endpoint.clone(),
            table: config.table_name.clone(),
            client: Some(client),
            columns,
            types,
            key,
            insert_sql: insert,
            delete_sql: delete,
            tz: ctx.time_zone.clone(),
            appends: Vec::new(),
            by_key: HashMap::new(),
            changes: Vec::new(),
            buffered: 0,
            last_flush: Instant::now(),
            max_rows: config.flush_max_rows,
            interval: config.flush_interval,
            max_retries: config.sink_max_retries,
            retry_timeout: config.max_retry_timeout,
            progress,
            opened_with: (table.clone(), config.clone(), ctx.clone()),
        })
    }

    fn encode_row(&self, batch: &ChangeBatch, row: usize) -> Result<Vec<PgParam>, ConnectorError> {
        let data = &batch.data;
        (0..self.columns.len())
            .map(|c| {
                encode_value(data.column(c), row, &self.columns[c].1, &self.types[c], &self.tz).map_err(|reason| {
                    ConnectorError::BadRecord {
                        location: format!("column \"{}\" of jdbc table \"{}\"", self.columns[c].0, self.table),
                        reason,
                    }
                })
            })
            .collect()
    }

    /// The canonical bytes of a row's key: each key value in its wire form.
    fn key_bytes(&self, row: &[PgParam]) -> Result<Vec<u8>, ConnectorError> {
        let mut out = BytesMut::new();
        for &k in &self.key {
            let at = out.len();
            out.extend_from_slice(&[0; 4]);
            let null = row[k]
                .to_sql(&self.types[k], &mut out)
                .map_err(|e| ConnectorError::External(format!("encoding a key failed: {e}")))?;
            let len: i32 = match null {
                postgres::types::IsNull::Yes => -1,
                postgres::types::IsNull::No => (out.len() - at - 4) as i32,
            };
            out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        Ok(out.to_vec())
    }

    fn pending_rows(&self) -> usize {
        self.appends.len() + self.changes.len()
    }

    fn flush_if_due(&mut self) -> Result<(), ConnectorError> {
        let by_rows = self.max_rows > 0 && self.buffered >= self.max_rows;
        let by_time = !self.interval.is_zero() && self.last_flush.elapsed() >= self.interval;
        if by_rows || (by_time && self.buffered > 0) {
            self.flush_buffer()?;
        }
        Ok(())
    }

    /// Writes the buffer, retrying transient failures up to `sink.max-retries` times.
    fn flush_buffer(&mut self) -> Result<(), ConnectorError> {
        self.last_flush = Instant::now();
        if self.pending_rows() == 0 {
            self.buffered = 0;
            return Ok(());
        }
        let mut attempt: u64 = 0;
        loop {
            match self.write_buffer() {
                Ok(()) => break,
                Err(FlushError::Connect(e)) => return Err(e),
                Err(FlushError::Statement(e)) => {
                    // Inside a checkpoint's transaction, a failure loses what it held:
                    // the job fails and resumes from its last checkpoint.
                    if self.progress.is_some() {
                        self.client = None;
                        return Err(ConnectorError::External(format!(
                            "writing to PostgreSQL table \"{}\" at \"{}\" failed inside the transaction of the \
                             current checkpoint: {}. Run the job again to resume from its last checkpoint.",
                            self.table,
                            self.endpoint.address(),
                            describe(&e)
                        )));
                    }
                    if attempt >= self.max_retries || !is_transient(&e) {
                        return Err(ConnectorError::External(format!(
                            "writing {} rows to PostgreSQL table \"{}\" at \"{}\" failed: {}",
                            self.pending_rows(),
                            self.table,
                            self.endpoint.address(),
                            describe(&e)
                        )));
                    }
                    attempt += 1;
                    tracing::warn!(target: "sluice::jdbc",
                        "jdbc: writing {} rows to \"{}\" failed ({}); retry {attempt} of {}",
                        self.pending_rows(),
                        self.table,
                        describe(&e),
                        self.max_retries
                    );
                    if is_connection_error(&e) {
                        self.client = None;
                    } else {
                        std::thread::sleep(Duration::from_millis(200 * attempt));
                    }
                }
            }
        }
        self.appends.clear();
        self.changes.clear();
        self.by_key.clear();
        self.buffered = 0;
        Ok(())
    }

    /// One attempt: everything in the buffer, in one transaction.
    fn write_buffer(&mut self) -> Result<(), FlushError> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = None;
            let client = self.endpoint.connect(self.retry_timeout, "sink").map_err(FlushError::Connect)?;
            self.client = Some(client);
        }
        let (upserts, deletes): (Vec<&Vec<PgParam>>, Vec<&Vec<PgParam>>) = if self.key.is_empty() {
            (self.appends.iter().collect(), Vec::new())
        } else {
            let mut ups = Vec::new();
            let mut dels = Vec::new();
            for change in &self.changes {
                match change {
                    Pending::Upsert(row) => ups.push(row),
                    Pending::Delete(row) => dels.push(row),
                }
            }
            (ups, dels)
        };
        let insert_params = column_arrays(&upserts, &self.types, &(0..self.types.len()).collect::<Vec<_>>());
        let delete_params = column_arrays(&deletes, &self.types, &self.key);
        let Some(client) = self.client.as_mut() else {
            return Ok(());
        };
        if let Some((_, open)) = &mut self.progress {
            // Into the checkpoint's transaction, committed by `commit`.
            if !*open {
                client.batch_execute("BEGIN").map_err(FlushError::Statement)?;
                *open = true;
            }
            if !upserts.is_empty() {
                client.execute(self.insert_sql.as_str(), &refs(&insert_params)).map_err(FlushError::Statement)?;
            }
            if !deletes.is_empty() {
                client.execute(self.delete_sql.as_str(), &refs(&delete_params)).map_err(FlushError::Statement)?;
            }
            return Ok(());
        }
        let mut txn = client.transaction().map_err(FlushError::Statement)?;
        if !upserts.is_empty() {
            txn.execute(self.insert_sql.as_str(), &refs(&insert_params)).map_err(FlushError::Statement)?;
        }
        if !deletes.is_empty() {
            txn.execute(self.delete_sql.as_str(), &refs(&delete_params)).map_err(FlushError::Statement)?;
        }
        txn.commit().map_err(FlushError::Statement)
    }
}

enum FlushError {
    /// Reconnecting failed for the whole `connection.max-retry-timeout`.
    Connect(ConnectorError),
    Statement(postgres::Error),
}

/// One array parameter per column in `columns`, holding that column of every row.
fn column_arrays(rows: &[&Vec<PgParam>], types: &[Type], columns: &[usize]) -> Vec<PgParam> {
    columns
        .iter()
        .map(|&c| PgParam::Array { element: types[c].clone(), values: rows.iter().map(|r| r[c].clone()).collect() })
        .collect()
}

fn refs(params: &[PgParam]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl SinkWriter for JdbcSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        // The encoder reads arrays by their declared type; a batch of another shape is
        // refused rather than misread.
        for (c, (name, data_type)) in self.columns.iter().enumerate() {
            let actual = batch.data.columns().get(c).map(|a| a.data_type().clone());
            if actual.as_ref() != Some(&data_type.to_arrow()) {
                return Err(ConnectorError::Schema(format!(
                    "jdbc sink \"{}\" expected column \"{name}\" as {data_type}, got {actual:?}",
                    self.table
                )));
            }
        }
        for row in 0..batch.num_rows() {
            let kind = batch.kind(row);
            if self.key.is_empty() {
                if kind != RowKind::Insert {
                    return Err(ConnectorError::Schema(format!(
                        "jdbc table \"{}\" has no PRIMARY KEY, so it accepts inserts only and cannot apply a {} \
                         change. Declare a PRIMARY KEY (..) NOT ENFORCED to write updates and deletes.",
                        self.table,
                        kind.short_string()
                    )));
                }
                let values = self.encode_row(batch, row)?;
                self.appends.push(values);
            } else {
                if kind == RowKind::UpdateBefore {
                    continue;
                }
                let values = self.encode_row(batch, row)?;
                let key = self.key_bytes(&values)?;
                let change = if kind == RowKind::Delete { Pending::Delete(values) } else { Pending::Upsert(values) };
                match self.by_key.get(&key) {
                    Some(&i) => self.changes[i] = change,
                    None => {
                        self.by_key.insert(key, self.changes.len());
                        self.changes.push(change);
                    }
                }
            }
            self.buffered += 1;
            if self.max_rows > 0 && self.buffered >= self.max_rows {
                self.flush_buffer()?;
            }
        }
        self.flush_if_due()
    }

    fn flush(&mut self) -> Result<(), ConnectorError> {
        self.flush_buffer()
    }

    fn pre_commit(&mut self, _checkpoint: u64) -> Result<(), ConnectorError> {
        self.flush_buffer()
    }

    fn commit(&mut self, checkpoint: u64) -> Result<(), ConnectorError> {
        let Some((sink, open)) = self.progress.clone() else { return Ok(()) };
        let fail = |e: postgres::Error, endpoint: &Endpoint| {
            ConnectorError::External(format!(
                "cannot commit checkpoint {checkpoint} to PostgreSQL at \"{}\": {}. Run the job again to resume \
                 from its last checkpoint.",
                endpoint.address(),
                describe(&e)
            ))
        };
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            if open {
                return Err(ConnectorError::External(format!(
                    "the connection to PostgreSQL at \"{}\" was lost with the rows of checkpoint {checkpoint}. Run the \
                     job again to resume from its last checkpoint.",
                    self.endpoint.address()
                )));
            }
            self.client = Some(self.endpoint.connect(self.retry_timeout, "sink")?);
        }
        let endpoint = self.endpoint.clone();
        let client = self.client.as_mut().expect("connected above");
        if !open {
            client.batch_execute("BEGIN").map_err(|e| fail(e, &endpoint))?;
        }
        let result = client
            .execute(
                &format!(
                    "INSERT INTO {PROGRESS_TABLE} (sink, checkpoint) VALUES ($1, $2) \
                     ON CONFLICT (sink) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, committed_at = now()"
                ),
                &[&sink, &(checkpoint as i64)],
            )
            .and_then(|_| client.batch_execute("COMMIT"));
        if let Some((_, open)) = &mut self.progress {
            *open = false;
        }
        result.map_err(|e| {
            self.client = None;
            fail(e, &endpoint)
        })
    }

    fn committed_checkpoint(&mut self) -> Result<Option<u64>, ConnectorError> {
        let Some((sink, _)) = self.progress.clone() else { return Ok(None) };
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = Some(self.endpoint.connect(self.retry_timeout, "sink")?);
        }
        let client = self.client.as_mut().expect("connected above");
        let rows = client
            .query(&format!("SELECT checkpoint FROM {PROGRESS_TABLE} WHERE sink = $1"), &[&sink])
            .map_err(|e| {
                ConnectorError::External(format!(
                    "cannot read the progress row of \"{sink}\" at \"{}\": {}",
                    self.endpoint.address(),
                    describe(&e)
                ))
            })?;
        Ok(Some(rows.first().map(|r| r.get::<_, i64>(0).max(0) as u64).unwrap_or(0)))
    }

    fn for_subtask(&self, subtask: usize) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        let (table, config, ctx) = &self.opened_with;
        let ctx = SinkContext { subtask, ..ctx.clone() };
        Ok(Box::new(JdbcSink::new(table, config, &ctx)?))
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        self.flush_buffer()?;
        if let (Some((_, true)), Some(client)) = (&self.progress, self.client.as_mut()) {
            // The final checkpoint committed every row; what is open since is empty.
            let _ = client.batch_execute("ROLLBACK");
        }
        self.client = None;
        Ok(())
    }
}
