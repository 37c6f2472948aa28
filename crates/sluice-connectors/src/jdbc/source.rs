//! The `jdbc` scan source: a bounded read of the table, split into ranges of
//! `scan.partition.column` when `scan.partition.*` is set (as Flink's numeric
//! between-parameters provider splits them), each read through a server-side cursor
//! `scan.fetch-size` rows at a time so a large table streams.

use arrow_array::RecordBatch;
use postgres::Client;
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::{
    ChangeBatch, ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats, TableSpec,
};
use sluice_types::DataType;

use super::config::{JdbcConfig, ScanPartition};
use super::connection::describe;
use super::decode::ColumnDecoder;
use super::remote_table::{check_columns, select_sql};
use super::wire::RawValue;

/// The inclusive ranges `scan.partition.*` splits into, as Flink computes them.
pub fn partition_ranges(p: &ScanPartition) -> Vec<(i64, i64)> {
    let count = (p.upper as i128 - p.lower as i128 + 1) as u128;
    let num = (p.num as u128).min(count).max(1);
    let size = count.div_ceil(num);
    let big = count - (size - 1) * num;
    let mut ranges = Vec::with_capacity(num as usize);
    let mut start = p.lower as i128;
    for i in 0..num {
        let end = start + size as i128 - 1 - if i >= big { 1 } else { 0 };
        ranges.push((start as i64, end as i64));
        start = end + 1;
    }
    ranges
}

pub struct JdbcSource {
    client: Client,
    table: String,
    /// The queries this reader runs, one per partition it owns.
    queries: Vec<String>,
    next_query: usize,
    cursor_open: bool,
    /// Rows read by the open query (or to skip when it opens, after a restore).
    offset: u64,
    fetch_size: u64,
    decoders: Vec<ColumnDecoder>,
    schema: arrow_schema::SchemaRef,
    stats: SourceStats,
}

impl JdbcSource {
    pub fn new(table: &TableSpec, config: &JdbcConfig, ctx: &SourceContext) -> Result<JdbcSource, ConnectorError> {
        let columns: Vec<(String, DataType)> = ctx
            .projection
            .iter()
            .map(|&i| {
                table.physical_columns.get(i).cloned().ok_or_else(|| {
                    ConnectorError::Schema(format!("column index {i} is out of range for table \"{}\"", table.name))
                })
            })
            .collect::<Result<_, _>>()?;
        let mut client = config.endpoint.connect(config.max_retry_timeout, "scan")?;
        check_columns(&mut client, &config.endpoint, &config.table_name, &columns, &ctx.time_zone)?;
        let decoders = columns
            .iter()
            .map(|(_, t)| ColumnDecoder::new(t, &ctx.time_zone))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ConnectorError::Schema)?;
        // A projection of no columns still needs one row per table row.
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        let base = if names.is_empty() {
            format!("SELECT 1 FROM {}", config.table_name)
        } else {
            select_sql(&config.table_name, &names)
        };
        let queries = match &config.partition {
            None if ctx.subtask == 0 => vec![base],
            None => Vec::new(),
            Some(p) => partition_ranges(p)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % ctx.parallelism.max(1) == ctx.subtask)
                .map(|(_, (lo, hi))| format!("{base} WHERE {} BETWEEN {lo} AND {hi}", p.column))
                .collect(),
        };
        let fetch_size = if config.fetch_size == 0 { ctx.batch_size.max(1) as u64 } else { config.fetch_size };
        Ok(JdbcSource {
            client,
            table: config.table_name.clone(),
            queries,
            next_query: 0,
            cursor_open: false,
            offset: 0,
            fetch_size,
            decoders,
            schema: ctx.output_schema.clone(),
            stats: SourceStats::default(),
        })
    }

    fn failed(&self, e: postgres::Error) -> ConnectorError {
        ConnectorError::External(format!("reading PostgreSQL table \"{}\" failed: {}", self.table, describe(&e)))
    }
}

impl SourceReader for JdbcSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        loop {
            if !self.cursor_open {
                let Some(query) = self.queries.get(self.next_query) else {
                    return Ok(SourcePoll::Finished);
                };
                let mut sql = format!("BEGIN READ ONLY; DECLARE sluice_scan NO SCROLL CURSOR FOR {query}");
                if self.offset > 0 {
                    // Resuming: the rows read before the checkpoint are skipped, as
                    // Flink's JDBC source skips a split's records read before its own.
                    sql.push_str(&format!("; MOVE FORWARD {} IN sluice_scan", self.offset));
                }
                self.client.batch_execute(&sql).map_err(|e| self.failed(e))?;
                self.next_query += 1;
                self.cursor_open = true;
            }
            let fetch = format!("FETCH FORWARD {} FROM sluice_scan", self.fetch_size);
            let rows = self.client.query(fetch.as_str(), &[]).map_err(|e| self.failed(e))?;
            if rows.is_empty() {
                self.client.batch_execute("CLOSE sluice_scan; COMMIT").map_err(|e| self.failed(e))?;
                self.cursor_open = false;
                self.offset = 0;
                continue;
            }
            for row in &rows {
                for (c, decoder) in self.decoders.iter_mut().enumerate() {
                    let raw: Option<RawValue> = row
                        .try_get(c)
                        .map_err(|e| ConnectorError::External(format!("reading a row failed: {e}")))?;
                    self.stats.bytes += raw.as_ref().map_or(0, |r| r.0.len() as u64);
                    decoder.append(row.columns()[c].type_(), raw.map(|r| r.0)).map_err(|reason| {
                        ConnectorError::BadRecord {
                            location: format!("a row of PostgreSQL table \"{}\"", self.table),
                            reason,
                        }
                    })?;
                }
            }
            self.stats.records += rows.len() as u64;
            self.offset += rows.len() as u64;
            let arrays = self.decoders.iter_mut().map(|d| d.finish()).collect();
            let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows.len()));
            let batch = RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
                .map_err(|e| ConnectorError::Schema(format!("rows of \"{}\" do not fit the schema: {e}", self.table)))?;
            return Ok(SourcePoll::Batch(ChangeBatch::inserts(batch)));
        }
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    /// The query being read (one per partition range) and the rows read from it. A
    /// table changed between runs may give other rows at those positions: Flink's JDBC
    /// source has the same limit.
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        let query = if self.cursor_open { self.next_query - 1 } else { self.next_query };
        let mut w = StateWriter::new(1);
        w.u64(query as u64).u64(self.offset);
        Ok(w.finish())
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let bad = ConnectorError::External;
        let (mut r, _) = StateReader::open(position, "the jdbc source", &[1]).map_err(bad)?;
        let query = r.u64().map_err(bad)?;
        let offset = r.u64().map_err(bad)?;
        r.end().map_err(bad)?;
        if query > self.queries.len() as u64 {
            return Err(ConnectorError::External(format!(
                "the checkpoint was taken reading partition {query} of \"{}\", which has {} now",
                self.table,
                self.queries.len()
            )));
        }
        self.next_query = query as usize;
        self.offset = offset;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_split_like_flink() {
        let p = ScanPartition { column: "id".into(), num: 3, lower: 1, upper: 10 };
        assert_eq!(partition_ranges(&p), vec![(1, 4), (5, 7), (8, 10)]);
        let p = ScanPartition { column: "id".into(), num: 5, lower: 0, upper: 1 };
        assert_eq!(partition_ranges(&p), vec![(0, 0), (1, 1)]);
    }
}
