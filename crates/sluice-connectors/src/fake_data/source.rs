//! `FakeDataSource`: one `fake-data` subtask. It writes records with `FakeDataGenerator`
//! into one reused buffer and decodes each with the JSON format into the table's
//! columns, so any schema over the record's fields works (a subset, other types); the
//! `timestamp` metadata column is the record's event time.

use std::time::Instant;

use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{ArrayRef, PrimitiveArray, RecordBatch, RecordBatchOptions};
use arrow_schema::SchemaRef;
use sluice_connector_api::state::{position_state, read_position_state};
use sluice_connector_api::{ChangeBatch, ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats, TableSpec};
use sluice_formats::JsonDecoder;
use sluice_types::DataType;

use super::config::FakeDataConfig;
use super::generator::FakeDataGenerator;
use crate::datagen::throttle::RateLimiter;

/// The metadata key of the event time.
pub(crate) const TIMESTAMP_KEY: &str = "timestamp";

pub(crate) struct FakeDataSource {
    generator: FakeDataGenerator,
    decoder: JsonDecoder,
    schema: SchemaRef,
    /// The Arrow types of the `timestamp` metadata columns asked for, in order.
    metadata_types: Vec<arrow_schema::DataType>,
    /// Records this subtask still has to produce, or `None` when it never ends.
    remaining: Option<u64>,
    limiter: Option<RateLimiter>,
    batch_size: usize,
    record: Vec<u8>,
    event_micros: Vec<i64>,
    stats: SourceStats,
    /// Records produced since the sequence began, restored ones included: what a
    /// checkpoint keeps.
    produced: u64,
}

impl FakeDataSource {
    pub(crate) fn new(config: &FakeDataConfig, table: &TableSpec, ctx: &SourceContext) -> Result<Self, ConnectorError> {
        let columns = ctx
            .projection
            .iter()
            .map(|&i| {
                table.physical_columns.get(i).cloned().ok_or_else(|| {
                    ConnectorError::Schema(format!("column {i} is not a column of table \"{}\"", table.name))
                })
            })
            .collect::<Result<Vec<(String, DataType)>, _>>()?;
        let decoder = JsonDecoder::new(&columns, &config.json)?;
        let metadata_types = ctx
            .metadata
            .iter()
            .map(|(key, data_type)| {
                if key != TIMESTAMP_KEY {
                    return Err(ConnectorError::Schema(format!(
                        "connector \"fake-data\" has no metadata column \"{key}\"; it offers \"timestamp\""
                    )));
                }
                if !data_type.is_timestamp() {
                    return Err(ConnectorError::Schema(format!(
                        "metadata column \"timestamp\" of connector \"fake-data\" is a TIMESTAMP_LTZ(3), not {data_type}"
                    )));
                }
                Ok(data_type.to_arrow())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parallelism = ctx.parallelism.max(1) as u64;
        let subtask = ctx.subtask as u64 % parallelism;
        let remaining = config.number_of_rows.map(|n| if n > subtask { (n - subtask).div_ceil(parallelism) } else { 0 });
        let limiter = config.rows_per_second.map(|rate| RateLimiter::new((rate / parallelism).max(1), Instant::now()));
        Ok(FakeDataSource {
            generator: FakeDataGenerator::for_subtask(config.settings.clone(), ctx.subtask, ctx.parallelism),
            decoder,
            schema: ctx.output_schema.clone(),
            metadata_types,
            remaining,
            limiter,
            batch_size: ctx.batch_size.max(1),
            record: Vec::with_capacity(512),
            event_micros: Vec::new(),
            stats: SourceStats::default(),
            produced: 0,
        })
    }
}

impl SourceReader for FakeDataSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        let mut want = self.batch_size;
        if let Some(remaining) = self.remaining {
            if remaining == 0 {
                return Ok(SourcePoll::Finished);
            }
            want = want.min(remaining.min(usize::MAX as u64) as usize);
        }
        let n = match &mut self.limiter {
            Some(limiter) => limiter.acquire(want),
            None => want,
        };
        if n == 0 {
            return Ok(SourcePoll::Pending);
        }
        self.event_micros.clear();
        for _ in 0..n {
            self.record.clear();
            let event_millis = self.generator.next_record(&mut self.record);
            self.decoder.decode(&self.record).map_err(|reason| ConnectorError::BadRecord {
                location: format!("fake-data record {}", self.stats.records + self.event_micros.len() as u64),
                reason,
            })?;
            self.event_micros.push(event_millis.saturating_mul(1000));
            self.stats.bytes += self.record.len() as u64;
        }
        if let Some(remaining) = &mut self.remaining {
            *remaining -= n as u64;
        }
        self.stats.records += n as u64;
        self.produced += n as u64;
        let mut arrays: Vec<ArrayRef> = self.decoder.flush()?;
        for arrow_type in &self.metadata_types {
            let times = PrimitiveArray::<TimestampMicrosecondType>::from(self.event_micros.clone())
                .with_data_type(arrow_type.clone());
            arrays.push(std::sync::Arc::new(times));
        }
        let options = RecordBatchOptions::new().with_row_count(Some(n));
        let batch = RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| ConnectorError::Schema(format!("fake-data rows do not fit the table's schema: {e}")))?;
        Ok(SourcePoll::Batch(ChangeBatch::inserts(batch)))
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    /// How many records were produced. The generator's random state is not saved:
    /// restoring replays that many records of the same seed (about ten million a second).
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        Ok(position_state(self.produced))
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let produced = read_position_state(position, "the fake-data source").map_err(ConnectorError::External)?;
        let skip = produced.saturating_sub(self.produced);
        for _ in 0..skip {
            self.record.clear();
            self.generator.next_record(&mut self.record);
        }
        self.record.clear();
        self.produced += skip;
        if let Some(remaining) = &mut self.remaining {
            *remaining = remaining.saturating_sub(skip);
        }
        Ok(())
    }
}
