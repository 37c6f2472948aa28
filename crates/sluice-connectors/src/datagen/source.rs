//! `DatagenSource`: the reader of one `datagen` subtask. Subtask `s` of `p` produces the
//! rows at positions `s`, `s + p`, ... of the whole output, so sequences and
//! `number-of-rows` split exactly across subtasks, each at `rows-per-second / p`.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use arrow_array::{RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use sluice_connector_api::state::{position_state, read_position_state};
use sluice_connector_api::{ChangeBatch, ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats};
use sluice_types::temporal::SessionTimeZone;

use super::column::{Clock, ColumnGenerator};
use super::config::DatagenConfig;
use super::throttle::RateLimiter;

/// The seed of subtask 0; Flink's datagen has no seed option, so the output of a bounded
/// table is the same on every run apart from the dates and times.
const BASE_SEED: u64 = 0x5EED_DA7A_6E4E_0001;

pub(crate) struct DatagenSource {
    columns: Vec<ColumnGenerator>,
    schema: SchemaRef,
    rng: SmallRng,
    /// The position in the whole output of this subtask's next row.
    next_position: u64,
    stride: u64,
    /// Positions at or past this are not produced.
    end_position: Option<u64>,
    limiter: RateLimiter,
    batch_size: usize,
    time_zone: SessionTimeZone,
    stats: SourceStats,
    indices: Vec<u64>,
}

impl DatagenSource {
    pub(crate) fn new(config: &DatagenConfig, ctx: &SourceContext) -> Result<Self, ConnectorError> {
        if let Some((key, _)) = ctx.metadata.first() {
            return Err(ConnectorError::Schema(format!(
                "connector \"datagen\" has no metadata column \"{key}\""
            )));
        }
        let columns = ctx
            .projection
            .iter()
            .map(|&i| {
                config.fields.get(i).map(ColumnGenerator::new).ok_or_else(|| {
                    ConnectorError::Schema(format!("column {i} is not a column of the datagen table"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parallelism = ctx.parallelism.max(1) as u64;
        let subtask = ctx.subtask as u64 % parallelism;
        let rate = (config.rows_per_second / parallelism).max(1);
        Ok(DatagenSource {
            columns,
            schema: ctx.output_schema.clone(),
            rng: SmallRng::seed_from_u64(BASE_SEED ^ subtask.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            next_position: subtask,
            stride: parallelism,
            end_position: config.total_rows(),
            limiter: RateLimiter::new(rate, Instant::now()),
            batch_size: ctx.batch_size.max(1),
            time_zone: ctx.time_zone,
            stats: SourceStats::default(),
            indices: Vec::new(),
        })
    }

    /// Rows this subtask still has to produce, or `None` when it never ends.
    fn remaining(&self) -> Option<u64> {
        self.end_position.map(|end| {
            if self.next_position >= end {
                0
            } else {
                (end - self.next_position).div_ceil(self.stride)
            }
        })
    }
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

impl SourceReader for DatagenSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        let mut want = self.batch_size;
        if let Some(remaining) = self.remaining() {
            if remaining == 0 {
                return Ok(SourcePoll::Finished);
            }
            want = want.min(remaining.min(usize::MAX as u64) as usize);
        }
        let n = self.limiter.acquire(want);
        if n == 0 {
            return Ok(SourcePoll::Pending);
        }
        self.indices.clear();
        self.indices.extend((0..n as u64).map(|k| self.next_position + k * self.stride));
        self.next_position += n as u64 * self.stride;
        let clock = Clock { now_micros: now_micros(), time_zone: self.time_zone };
        let arrays = self.columns.iter().map(|c| c.generate(&mut self.rng, &self.indices, &clock)).collect();
        let options = RecordBatchOptions::new().with_row_count(Some(n));
        let batch = RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| ConnectorError::Schema(format!("datagen rows do not fit the table's schema: {e}")))?;
        self.stats.records += n as u64;
        Ok(SourcePoll::Batch(ChangeBatch::inserts(batch)))
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    /// The position of the next row. As in Flink's datagen, a restored source goes on
    /// with the sequences (and the row count) where it was; random values are drawn anew.
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        Ok(position_state(self.next_position))
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let next = read_position_state(position, "the datagen source").map_err(ConnectorError::External)?;
        if next % self.stride != self.next_position % self.stride {
            return Err(ConnectorError::External(
                "the saved position of the datagen source belongs to another subtask".into(),
            ));
        }
        self.next_position = next;
        Ok(())
    }
}
