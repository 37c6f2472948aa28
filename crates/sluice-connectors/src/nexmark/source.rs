//! `NexmarkSource`: the reader of one `nexmark` subtask. The stream is split into
//! `num.event.generators` timelines as upstream splits it; subtask `s` of `p` runs the
//! generators `s`, `s + p`, ..., a batch of each in turn, reporting each batch as its
//! generator's split so that watermarks are per generator.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, RecordBatchOptions, StringArray, StructArray, TimestampMicrosecondArray};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType as ArrowType, Fields, SchemaRef};
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::{ChangeBatch, ConnectorError, SourceContext, SourcePoll, SourceReader, SourceStats, SplitId};

use super::config::{check_schema, NexmarkConfig, Part};
use super::generator::{generate, split_generators, EventColumns, Params, RowColumns, SplitGenerator, Tables};
use super::random::SplittableRandom;
use crate::datagen::throttle::RateLimiter;

/// Where each field of a row comes from in `RowColumns`.
#[derive(Clone, Copy)]
enum Source {
    Long(usize),
    Text(usize),
    /// Epoch milliseconds, made a `TIMESTAMP(3)`.
    Time(usize),
}

const PERSON_SOURCES: [Source; 8] = [
    Source::Long(0),
    Source::Text(0),
    Source::Text(1),
    Source::Text(2),
    Source::Text(3),
    Source::Text(4),
    Source::Time(1),
    Source::Text(5),
];
const AUCTION_SOURCES: [Source; 10] = [
    Source::Long(0),
    Source::Text(0),
    Source::Text(1),
    Source::Long(1),
    Source::Long(2),
    Source::Time(3),
    Source::Time(4),
    Source::Long(5),
    Source::Long(6),
    Source::Text(2),
];
const BID_SOURCES: [Source; 7] =
    [Source::Long(0), Source::Long(1), Source::Long(2), Source::Text(0), Source::Text(1), Source::Time(3), Source::Text(2)];

struct Split {
    id: SplitId,
    generator: SplitGenerator,
    /// Whether `SplitAdded` went out, so that the split holds the watermark back from the
    /// start (the other generators' batches must not make its first events late).
    added_reported: bool,
    finished_reported: bool,
}

pub(crate) struct NexmarkSource {
    params: Params,
    tables: Arc<Tables>,
    splits: Vec<Split>,
    /// The split whose turn it is.
    next: usize,
    /// Whether batches are reported per split (more than one generator in this reader).
    per_split: bool,
    parts: Vec<Part>,
    columns: EventColumns,
    schema: SchemaRef,
    batch_size: usize,
    limiter: Option<RateLimiter>,
    keep_alive: bool,
    stats: SourceStats,
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl NexmarkSource {
    pub(crate) fn new(config: &NexmarkConfig, table_parts: &[Part], ctx: &SourceContext) -> Result<Self, ConnectorError> {
        if let Some((key, _)) = ctx.metadata.first() {
            return Err(ConnectorError::Schema(format!("connector \"nexmark\" has no metadata column \"{key}\"")));
        }
        let parts = ctx
            .projection
            .iter()
            .map(|&i| {
                table_parts.get(i).copied().ok_or_else(|| {
                    ConnectorError::Schema(format!("column {i} is not a column of the nexmark table"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let parallelism = ctx.parallelism.max(1);
        let subtask = ctx.subtask % parallelism;
        let generators = config.num_event_generators.unwrap_or(parallelism);
        let params = Params::new(config, generators, config.base_time.unwrap_or_else(now_millis));
        let splits: Vec<Split> = split_generators(config, generators)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % parallelism == subtask)
            .map(|(i, generator)| Split { id: i as SplitId, generator, added_reported: false, finished_reported: false })
            .collect();
        let wanted = [Part::Person, Part::Auction, Part::Bid].map(|p| parts.contains(&p));
        let limiter = (!config.max_emit_speed).then(|| {
            let rate = config.first_event_rate as u64 * splits.len() as u64 / generators as u64;
            RateLimiter::new(rate.max(1), Instant::now())
        });
        Ok(NexmarkSource {
            params,
            tables: Tables::new(config.seed),
            per_split: splits.len() > 1,
            splits,
            next: 0,
            parts,
            columns: EventColumns::new(wanted),
            schema: ctx.output_schema.clone(),
            batch_size: ctx.batch_size.max(1),
            limiter,
            keep_alive: config.keep_alive,
            stats: SourceStats::default(),
        })
    }

    fn build_batch(&mut self) -> Result<RecordBatch, ConnectorError> {
        let rows = self.columns.len();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.parts.len());
        for (part, field) in self.parts.iter().zip(self.schema.fields()) {
            let array: ArrayRef = match part {
                Part::EventType => Arc::new(Int32Array::from(std::mem::take(&mut self.columns.event_type))),
                Part::Person => row_array(&mut self.columns.person, &PERSON_SOURCES, field.data_type())?,
                Part::Auction => row_array(&mut self.columns.auction, &AUCTION_SOURCES, field.data_type())?,
                Part::Bid => row_array(&mut self.columns.bid, &BID_SOURCES, field.data_type())?,
            };
            arrays.push(array);
        }
        self.columns.reset();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), arrays, &options)
            .map_err(|e| ConnectorError::Schema(format!("nexmark events do not fit the table's schema: {e}")))
    }
}

/// One of the event's rows as a struct column, its fields NULL where the row is.
fn row_array(columns: &mut RowColumns, sources: &[Source], data_type: &ArrowType) -> Result<ArrayRef, ConnectorError> {
    let ArrowType::Struct(fields) = data_type else {
        return Err(ConnectorError::Schema(format!("a nexmark row column must be a ROW, not {data_type}")));
    };
    let nulls = NullBuffer::from(std::mem::take(&mut columns.present));
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    let mut children: Vec<ArrayRef> = Vec::with_capacity(sources.len());
    for (source, field) in sources.iter().zip(fields.iter()) {
        let child: ArrayRef = match *source {
            Source::Long(i) => {
                Arc::new(Int64Array::new(ScalarBuffer::from(std::mem::take(&mut columns.longs[i].values)), nulls.clone()))
            }
            Source::Time(i) => {
                let micros: Vec<i64> = columns.longs[i].values.iter().map(|ms| ms.wrapping_mul(1000)).collect();
                Arc::new(
                    TimestampMicrosecondArray::new(ScalarBuffer::from(micros), nulls.clone())
                        .with_data_type(field.data_type().clone()),
                )
            }
            Source::Text(i) => {
                let text = &mut columns.texts[i];
                let offsets = OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(&mut text.offsets, vec![0])));
                let data = Buffer::from_vec(std::mem::take(&mut text.data));
                Arc::new(StringArray::try_new(offsets, data, nulls.clone()).map_err(|e| {
                    ConnectorError::Schema(format!("nexmark made a string that is not UTF-8: {e}"))
                })?)
            }
        };
        children.push(child);
    }
    let fields: Fields = fields.clone();
    let array = StructArray::try_new(fields, children, nulls)
        .map_err(|e| ConnectorError::Schema(format!("nexmark rows do not fit the table's schema: {e}")))?;
    Ok(Arc::new(array))
}

impl SourceReader for NexmarkSource {
    fn poll_next(&mut self) -> Result<SourcePoll, ConnectorError> {
        // Every split is announced before any rows, and a split that has run out is
        // reported once, so it no longer holds watermarks back.
        if self.per_split {
            if let Some(split) = self.splits.iter_mut().find(|s| !s.added_reported) {
                split.added_reported = true;
                return Ok(SourcePoll::SplitAdded(split.id));
            }
            if let Some(split) = self.splits.iter_mut().find(|s| s.generator.remaining() == 0 && !s.finished_reported) {
                split.finished_reported = true;
                return Ok(SourcePoll::SplitFinished(split.id));
            }
        }
        let count = self.splits.len();
        let Some(index) = (0..count).map(|k| (self.next + k) % count).find(|&i| self.splits[i].generator.remaining() > 0)
        else {
            if self.keep_alive {
                std::thread::sleep(Duration::from_millis(100));
                return Ok(SourcePoll::Pending);
            }
            return Ok(SourcePoll::Finished);
        };
        self.next = (index + 1) % count;
        let mut want = self.batch_size.min(self.splits[index].generator.remaining().min(usize::MAX as i64) as usize);
        if let Some(limiter) = &mut self.limiter {
            want = limiter.acquire(want);
            if want == 0 {
                return Ok(SourcePoll::Pending);
            }
        }
        generate(&self.params, &self.tables, &mut self.splits[index].generator, want, &mut self.columns);
        let batch = ChangeBatch::inserts(self.build_batch()?);
        self.stats.records += batch.num_rows() as u64;
        if self.per_split {
            return Ok(SourcePoll::SplitBatch { split: self.splits[index].id, batch });
        }
        Ok(SourcePoll::Batch(batch))
    }

    fn stats(&self) -> SourceStats {
        self.stats.clone()
    }

    /// Each generator's count of events and random state, so a restored source goes on
    /// with exactly the events that would have come next.
    fn snapshot(&mut self) -> Result<Vec<u8>, ConnectorError> {
        let mut w = StateWriter::new(1);
        w.u64(self.splits.len() as u64);
        for split in &self.splits {
            w.u64(split.id as u64).i64(split.generator.count).u64(split.generator.random.state());
        }
        Ok(w.finish())
    }

    fn restore(&mut self, position: &[u8]) -> Result<(), ConnectorError> {
        let bad = |e: String| ConnectorError::External(format!("cannot restore the nexmark source: {e}"));
        let (mut r, _) = StateReader::open(position, "the nexmark source", &[1]).map_err(bad)?;
        let n = r.u64().map_err(bad)?;
        if n != self.splits.len() as u64 {
            return Err(bad(format!(
                "the checkpoint has {n} generators for this subtask, the table now {}; keep num.event.generators and the parallelism as they were",
                self.splits.len()
            )));
        }
        for split in &mut self.splits {
            let id = r.u64().map_err(bad)?;
            if id != split.id as u64 {
                return Err(bad("the checkpoint belongs to another subtask".into()));
            }
            split.generator.count = r.i64().map_err(bad)?;
            split.generator.random = SplittableRandom::from_state(r.u64().map_err(bad)?);
        }
        r.end().map_err(bad)?;
        Ok(())
    }
}

/// The parts of the table's columns, for `NexmarkSource::new`.
pub(crate) fn table_parts(table: &sluice_connector_api::TableSpec) -> Result<Vec<Part>, ConnectorError> {
    check_schema(table)
}
