//! Files as a lookup table (`JOIN t FOR SYSTEM_TIME AS OF o.proc_time`). Flink cannot do
//! lookup joins on files; the Netcool alarm enrichment needs one against a CSV of atolls.
//!
//! The whole table is read into memory with the file source and indexed by its key
//! columns (arrow-row encoded). With `lookup.cache.ttl` it is read again once that much
//! time has passed since the last load, so edits to the file show up.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::SchemaRef;
use sluice_connector_api::{
    ConnectorError, LookupContext, LookupResult, LookupSource, LookupStats, SourceContext, SourcePoll, SourceReader,
    TableSpec,
};

use super::config::FilesystemConfig;
use super::source::FileSource;

/// A file table held in memory and indexed by the lookup key.
pub struct FileLookup {
    table: TableSpec,
    config: FilesystemConfig,
    ctx: LookupContext,
    keys: RowConverter,
    /// Every row of the table, projected as `ctx.projection` says.
    rows: RecordBatch,
    /// Encoded key -> row numbers in `rows`.
    index: HashMap<Vec<u8>, Vec<u32>>,
    loaded: Instant,
    stats: LookupStats,
}

fn internal(e: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::External(format!("file lookup: {e}"))
}

impl FileLookup {
    pub fn new(table: &TableSpec, config: FilesystemConfig, ctx: &LookupContext) -> Result<FileLookup, ConnectorError> {
        let fields = ctx
            .key_columns
            .iter()
            .map(|c| {
                let (_, t) = table.physical_columns.get(*c).ok_or_else(|| internal("key column out of range"))?;
                Ok(SortField::new(t.to_arrow()))
            })
            .collect::<Result<Vec<_>, ConnectorError>>()?;
        let keys = RowConverter::new(fields).map_err(internal)?;
        let mut lookup = FileLookup {
            table: table.clone(),
            config,
            ctx: ctx.clone(),
            keys,
            rows: RecordBatch::new_empty(ctx.output_schema.clone()),
            index: HashMap::new(),
            loaded: Instant::now(),
            stats: LookupStats::default(),
        };
        lookup.load()?;
        Ok(lookup)
    }

    /// Reads every file and rebuilds the index.
    fn load(&mut self) -> Result<(), ConnectorError> {
        let all: Vec<usize> = (0..self.table.physical_columns.len()).collect();
        let schema: SchemaRef = std::sync::Arc::new(arrow_schema::Schema::new(
            self.table
                .physical_columns
                .iter()
                .map(|(n, t)| t.to_field(n).with_nullable(true))
                .collect::<Vec<_>>(),
        ));
        let source_ctx = SourceContext {
            projection: all,
            metadata: Vec::new(),
            output_schema: schema.clone(),
            batch_size: 8192,
            time_zone: self.ctx.time_zone,
            subtask: 0,
            parallelism: 1,
            job: String::new(),
            source_index: 0,
            checkpointing: false,
        };
        let mut reader = FileSource::new(&self.table, &self.config, &source_ctx)?;
        let mut batches = Vec::new();
        loop {
            match reader.poll_next()? {
                SourcePoll::Batch(b) => batches.push(b.data),
                SourcePoll::Finished => break,
                // A folder being watched has no end; a lookup reads what is there now.
                SourcePoll::Pending => break,
                _ => {}
            }
        }
        let whole = arrow_select::concat::concat_batches(&schema, &batches).map_err(internal)?;
        let key_arrays: Vec<ArrayRef> = self.ctx.key_columns.iter().map(|c| whole.column(*c).clone()).collect();
        let encoded = self.keys.convert_columns(&key_arrays).map_err(internal)?;
        let mut index: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        for row in 0..whole.num_rows() {
            if key_arrays.iter().any(|a| a.is_null(row)) {
                continue;
            }
            index.entry(encoded.row(row).as_ref().to_vec()).or_default().push(row as u32);
        }
        let columns: Vec<ArrayRef> = self.ctx.projection.iter().map(|c| whole.column(*c).clone()).collect();
        self.rows = RecordBatch::try_new_with_options(
            self.ctx.output_schema.clone(),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(whole.num_rows())),
        )
        .map_err(internal)?;
        self.index = index;
        self.loaded = Instant::now();
        self.stats.queries += 1;
        Ok(())
    }

    fn stale(&self, reload: Option<Duration>) -> bool {
        reload.is_some_and(|ttl| self.loaded.elapsed() >= ttl)
    }
}

impl LookupSource for FileLookup {
    fn lookup(&mut self, keys: &RecordBatch) -> Result<LookupResult, ConnectorError> {
        if self.stale(self.config.lookup_reload) {
            self.load()?;
        }
        let encoded = self.keys.convert_columns(keys.columns()).map_err(internal)?;
        let mut key_rows = Vec::new();
        let mut take = Vec::new();
        for k in 0..keys.num_rows() {
            self.stats.keys += 1;
            if keys.columns().iter().any(|a| a.is_null(k)) {
                continue;
            }
            if let Some(rows) = self.index.get(encoded.row(k).as_ref()) {
                self.stats.cache_hits += 1;
                for r in rows {
                    key_rows.push(k as u32);
                    take.push(*r);
                }
            }
        }
        let indices = UInt32Array::from(take);
        let columns = self
            .rows
            .columns()
            .iter()
            .map(|c| arrow_select::take::take(c.as_ref(), &indices, None))
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let rows = RecordBatch::try_new_with_options(
            self.ctx.output_schema.clone(),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(indices.len())),
        )
        .map_err(internal)?;
        Ok(LookupResult { key_rows, rows })
    }

    fn stats(&self) -> LookupStats {
        self.stats.clone()
    }
}
