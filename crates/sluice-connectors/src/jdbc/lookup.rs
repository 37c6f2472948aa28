//! The `jdbc` lookup source. A batch of keys is deduplicated, answered from the partial
//! cache where possible, and the rest is queried with one parameterised statement per
//! chunk of keys (`WHERE (k1, k2) IN (SELECT * FROM UNNEST($1::t1[], $2::t2[]))`). Large
//! batches are split into chunks that run at the same time on a small pool of
//! connections, so one slow query does not hold up the others; `lookup` returns when all
//! have answered. Lost connections are reconnected and the chunk retried.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::SchemaRef;
use postgres::types::{ToSql, Type};
use postgres::Client;
use sluice_connector_api::{ConnectorError, LookupContext, LookupResult, LookupSource, LookupStats, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

use super::cache::LookupCache;
use super::config::JdbcConfig;
use super::connection::{describe, is_connection_error, Endpoint};
use super::decode::ColumnDecoder;
use super::encode::encode_value;
use super::remote_table::{check_columns, key_in_sql, select_sql};
use super::wire::{PgParam, RawValue};

/// Keys per query.
const CHUNK_KEYS: usize = 500;
/// Connections used for concurrent chunks.
const POOL_SIZE: usize = 3;

/// What every query needs, shared by the worker threads.
struct QueryPlan {
    endpoint: Endpoint,
    table: String,
    sql: String,
    /// Flink types of the selected columns: the projection, then the key columns.
    selected: Vec<DataType>,
    projected: usize,
    key_types: Vec<Type>,
    key_flink: Vec<DataType>,
    output_schema: SchemaRef,
    tz: SessionTimeZone,
    max_retries: u64,
    retry_timeout: std::time::Duration,
}

pub struct JdbcLookup {
    plan: Arc<QueryPlan>,
    pool: Vec<Option<Client>>,
    cache: Option<LookupCache<RecordBatch>>,
    cache_missing_key: bool,
    stats: LookupStats,
}

impl JdbcLookup {
    pub fn new(table: &TableSpec, config: &JdbcConfig, ctx: &LookupContext) -> Result<JdbcLookup, ConnectorError> {
        let column = |i: usize| {
            table.physical_columns.get(i).cloned().ok_or_else(|| {
                ConnectorError::Schema(format!("lookup column index {i} is out of range for table \"{}\"", table.name))
            })
        };
        let projected: Vec<(String, DataType)> = ctx.projection.iter().map(|&i| column(i)).collect::<Result<_, _>>()?;
        let keys: Vec<(String, DataType)> = ctx.key_columns.iter().map(|&i| column(i)).collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Err(ConnectorError::Schema(format!("a lookup join on \"{}\" needs at least one key", table.name)));
        }
        let selected: Vec<(String, DataType)> = projected.iter().chain(keys.iter()).cloned().collect();
        let mut client = config.endpoint.connect(config.max_retry_timeout, "lookup")?;
        let types = check_columns(&mut client, &config.endpoint, &config.table_name, &selected, &ctx.time_zone)?;
        let key_types: Vec<Type> = types[projected.len()..].to_vec();
        let names: Vec<&str> = selected.iter().map(|(n, _)| n.as_str()).collect();
        let key_names: Vec<&str> = keys.iter().map(|(n, _)| n.as_str()).collect();
        let key_type_refs: Vec<&Type> = key_types.iter().collect();
        let sql = format!(
            "{} WHERE {}",
            select_sql(&config.table_name, &names),
            key_in_sql(&key_names, &key_type_refs)
        );
        client.prepare(&sql).map_err(|e| {
            ConnectorError::Schema(format!("cannot look up rows in table \"{}\": {}", config.table_name, describe(&e)))
        })?;
        let plan = QueryPlan {
            endpoint: config.endpoint.clone(),
            table: config.table_name.clone(),
            sql,
            selected: selected.iter().map(|(_, t)| t.clone()).collect(),
            projected: projected.len(),
            key_types,
            key_flink: keys.iter().map(|(_, t)| t.clone()).collect(),
            output_schema: ctx.output_schema.clone(),
            tz: ctx.time_zone.clone(),
            max_retries: config.lookup_max_retries,
            retry_timeout: config.max_retry_timeout,
        };
        let mut pool: Vec<Option<Client>> = (0..POOL_SIZE).map(|_| None).collect();
        pool[0] = Some(client);
        Ok(JdbcLookup {
            plan: Arc::new(plan),
            pool,
            cache: config.cache.as_ref().map(|c| {
                LookupCache::new(c.max_rows, c.expire_after_write, c.expire_after_access)
            }),
            cache_missing_key: config.cache.as_ref().is_none_or(|c| c.cache_missing_key),
            stats: LookupStats::default(),
        })
    }
}

impl QueryPlan {
    /// The canonical bytes and the parameters of row `row` of key arrays; `None` when a
    /// key value is NULL (it matches nothing).
    fn key_of(&self, arrays: &[ArrayRef], row: usize) -> Result<Option<(Vec<u8>, Vec<PgParam>)>, ConnectorError> {
        let mut bytes = Vec::new();
        let mut params = Vec::with_capacity(arrays.len());
        for (i, array) in arrays.iter().enumerate() {
            let param = encode_value(array, row, &self.key_flink[i], &self.key_types[i], &self.tz)
                .map_err(|reason| ConnectorError::BadRecord { location: format!("lookup key of \"{}\"", self.table), reason })?;
            if let PgParam::Null = param {
                return Ok(None);
            }
            let mut buf = bytes::BytesMut::new();
            param
                .to_sql(&self.key_types[i], &mut buf)
                .map_err(|e| ConnectorError::External(format!("encoding a lookup key failed: {e}")))?;
            bytes.extend_from_slice(&(buf.len() as u32).to_be_bytes());
            bytes.extend_from_slice(&buf);
            params.push(param);
        }
        Ok(Some((bytes, params)))
    }

    /// Queries one chunk of keys, reconnecting and retrying on a lost connection.
    fn query_chunk(
        &self,
        client: &mut Option<Client>,
        keys: &[(Vec<u8>, Vec<PgParam>)],
    ) -> Result<HashMap<Vec<u8>, RecordBatch>, ConnectorError> {
        let params: Vec<PgParam> = (0..self.key_types.len())
            .map(|k| PgParam::Array {
                element: self.key_types[k].clone(),
                values: keys.iter().map(|(_, p)| p[k].clone()).collect(),
            })
            .collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let mut attempt = 0;
        loop {
            if client.as_ref().is_none_or(|c| c.is_closed()) {
                *client = Some(self.endpoint.connect(self.retry_timeout, "lookup")?);
            }
            let Some(c) = client.as_mut() else { continue };
            match c.query(self.sql.as_str(), &refs) {
                Ok(rows) => return self.group_rows(&rows),
                Err(e) if is_connection_error(&e) && attempt < self.max_retries => {
                    attempt += 1;
                    tracing::warn!(target: "sluice::jdbc",
                        "jdbc: lookup in \"{}\" lost its connection ({}); reconnecting, retry {attempt} of {}",
                        self.table,
                        describe(&e),
                        self.max_retries
                    );
                    *client = None;
                }
                Err(e) => {
                    return Err(ConnectorError::External(format!(
                        "lookup in PostgreSQL table \"{}\" at \"{}\" failed: {}",
                        self.table,
                        self.endpoint.address(),
                        describe(&e)
                    )))
                }
            }
        }
    }

    /// Decodes the rows and groups them by key: the projected columns of each key's rows.
    fn group_rows(&self, rows: &[postgres::Row]) -> Result<HashMap<Vec<u8>, RecordBatch>, ConnectorError> {
        let mut decoders: Vec<ColumnDecoder> = self
            .selected
            .iter()
            .map(|t| ColumnDecoder::new(t, &self.tz))
            .collect::<Result<_, _>>()
            .map_err(ConnectorError::Schema)?;
        for row in rows {
            for (c, decoder) in decoders.iter_mut().enumerate() {
                let raw: Option<RawValue> = row
                    .try_get(c)
                    .map_err(|e| ConnectorError::External(format!("reading a lookup row failed: {e}")))?;
                decoder.append(row.columns()[c].type_(), raw.map(|r| r.0)).map_err(|reason| {
                    ConnectorError::BadRecord { location: format!("a row of PostgreSQL table \"{}\"", self.table), reason }
                })?;
            }
        }
        let arrays: Vec<ArrayRef> = decoders.iter_mut().map(|d| d.finish()).collect();
        let key_arrays = &arrays[self.projected..];
        let mut groups: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        for row in 0..rows.len() {
            if let Some((bytes, _)) = self.key_of(key_arrays, row)? {
                groups.entry(bytes).or_default().push(row as u32);
            }
        }
        let projected = RecordBatch::try_new(self.output_schema.clone(), arrays[..self.projected].to_vec())
            .map_err(|e| ConnectorError::Schema(format!("lookup rows do not fit the output schema: {e}")))?;
        groups
            .into_iter()
            .map(|(key, indices)| {
                let batch = arrow_select::take::take_record_batch(&projected, &UInt32Array::from(indices))
                    .map_err(|e| ConnectorError::External(format!("grouping lookup rows failed: {e}")))?;
                Ok((key, batch))
            })
            .collect()
    }
}

impl LookupSource for JdbcLookup {
    fn lookup(&mut self, keys: &RecordBatch) -> Result<LookupResult, ConnectorError> {
        let plan = self.plan.clone();
        if keys.num_columns() != plan.key_flink.len() {
            return Err(ConnectorError::Schema(format!(
                "lookup in \"{}\" got {} key columns, expected {}",
                plan.table,
                keys.num_columns(),
                plan.key_flink.len()
            )));
        }
        // Keys of another Arrow type than the declared columns are cast first.
        let mut arrays = Vec::with_capacity(keys.num_columns());
        for (i, array) in keys.columns().iter().enumerate() {
            let want = plan.key_flink[i].to_arrow();
            if array.data_type() == &want {
                arrays.push(array.clone());
            } else {
                arrays.push(arrow_cast::cast(array, &want).map_err(|e| {
                    ConnectorError::Schema(format!("lookup key {i} of \"{}\" cannot be cast to {want}: {e}", plan.table))
                })?);
            }
        }
        self.stats.keys += keys.num_rows() as u64;
        // Each input row's key slot, and the distinct keys.
        let mut slot_of_row: Vec<Option<usize>> = Vec::with_capacity(keys.num_rows());
        let mut slots: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut distinct: Vec<(Vec<u8>, Vec<PgParam>)> = Vec::new();
        for row in 0..keys.num_rows() {
            match plan.key_of(&arrays, row)? {
                None => slot_of_row.push(None),
                Some((bytes, params)) => {
                    let next = distinct.len();
                    let slot = *slots.entry(bytes.clone()).or_insert(next);
                    if slot == next {
                        distinct.push((bytes, params));
                    }
                    slot_of_row.push(Some(slot));
                }
            }
        }
        // Answer from the cache, collect the rest.
        let mut answers: Vec<Option<RecordBatch>> = vec![None; distinct.len()];
        let mut missing: Vec<usize> = Vec::new();
        for (slot, (bytes, _)) in distinct.iter().enumerate() {
            match self.cache.as_mut().and_then(|c| c.get(bytes)) {
                Some(batch) => {
                    self.stats.cache_hits += slot_of_row.iter().filter(|s| **s == Some(slot)).count() as u64;
                    answers[slot] = Some(batch);
                }
                None => missing.push(slot),
            }
        }
        if !missing.is_empty() {
            let chunks: Vec<Vec<(Vec<u8>, Vec<PgParam>)>> =
                missing.chunks(CHUNK_KEYS).map(|c| c.iter().map(|&s| distinct[s].clone()).collect()).collect();
            self.stats.queries += chunks.len() as u64;
            let found = run_chunks(&plan, &mut self.pool, &chunks)?;
            let empty = RecordBatch::new_empty(plan.output_schema.clone());
            for &slot in &missing {
                let bytes = &distinct[slot].0;
                let batch = found.get(bytes).cloned();
                if let Some(cache) = self.cache.as_mut() {
                    if batch.is_some() || self.cache_missing_key {
                        cache.put(bytes.clone(), batch.clone().unwrap_or_else(|| empty.clone()));
                    }
                }
                answers[slot] = Some(batch.unwrap_or_else(|| empty.clone()));
            }
        }
        let mut key_rows = Vec::new();
        let mut parts = Vec::new();
        for (row, slot) in slot_of_row.iter().enumerate() {
            if let Some(batch) = slot.and_then(|s| answers[s].as_ref()) {
                if batch.num_rows() > 0 {
                    key_rows.extend(std::iter::repeat_n(row as u32, batch.num_rows()));
                    parts.push(batch.clone());
                }
            }
        }
        let rows = arrow_select::concat::concat_batches(&plan.output_schema, &parts)
            .map_err(|e| ConnectorError::External(format!("assembling lookup rows failed: {e}")))?;
        Ok(LookupResult { key_rows, rows })
    }

    fn stats(&self) -> LookupStats {
        self.stats.clone()
    }
}

/// Runs the chunks: one inline, several on up to `POOL_SIZE` threads, each with its own
/// connection from `pool`, joined before returning.
fn run_chunks(
    plan: &QueryPlan,
    pool: &mut [Option<Client>],
    chunks: &[Vec<(Vec<u8>, Vec<PgParam>)>],
) -> Result<HashMap<Vec<u8>, RecordBatch>, ConnectorError> {
    if chunks.len() == 1 {
        return plan.query_chunk(&mut pool[0], &chunks[0]);
    }
    let workers = pool.len().min(chunks.len());
    let results: Vec<Result<HashMap<Vec<u8>, RecordBatch>, ConnectorError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pool
            .iter_mut()
            .take(workers)
            .enumerate()
            .map(|(w, client)| {
                scope.spawn(move || {
                    let mut found = HashMap::new();
                    for chunk in chunks.iter().skip(w).step_by(workers) {
                        found.extend(plan.query_chunk(client, chunk)?);
                    }
                    Ok(found)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(ConnectorError::External("a lookup thread panicked".to_string()))))
            .collect()
    });
    let mut all = HashMap::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}
