use sluice_connector_api::{ChangeBatch, SplitId};

use crate::exchange::Distribution;
use crate::RuntimeError;

/// The watermark that closes every window: sent when all bounded inputs have ended.
pub const WATERMARK_END: i64 = i64::MAX;

/// Where an operator sends what it produces. The executor routes it downstream in the
/// order it was emitted: a watermark emitted between two batches reaches the next
/// operator between them.
#[derive(Default)]
pub struct Output {
    pub(crate) events: Vec<OutputEvent>,
    /// The largest watermark emitted so far into this output.
    last_watermark: Option<i64>,
}

pub(crate) enum OutputEvent {
    Batch(ChangeBatch),
    Watermark(i64),
}

impl Output {
    pub fn emit(&mut self, batch: ChangeBatch) {
        if batch.num_rows() > 0 {
            self.events.push(OutputEvent::Batch(batch));
        }
    }

    /// Forwards a watermark (in the rowtime's microseconds). Only an advance is kept.
    pub fn emit_watermark(&mut self, watermark: i64) {
        if self.last_watermark.is_some_and(|w| w >= watermark) {
            return;
        }
        self.last_watermark = Some(watermark);
        self.events.push(OutputEvent::Watermark(watermark));
    }

    /// The batches emitted so far, for tests of single operators.
    pub fn batches(&self) -> impl Iterator<Item = &ChangeBatch> {
        self.events.iter().filter_map(|e| match e {
            OutputEvent::Batch(b) => Some(b),
            OutputEvent::Watermark(_) => None,
        })
    }

    /// The last watermark emitted, for tests of single operators.
    pub fn watermark(&self) -> Option<i64> {
        self.last_watermark
    }
}

/// What a source says about one of its splits (a Kafka partition). Only the operator
/// right after a source with splits receives these; the watermark assigner tracks a
/// watermark per split, the others just take the rows.
#[derive(Clone, Debug)]
pub enum SplitEvent {
    Batch(ChangeBatch),
    Added,
    Finished,
}

/// A step of the dataflow. One operator instance handles one partition of its input.
///
/// Each call may emit batches and a watermark into `out`. The executor calls
/// `on_watermark` with the minimum watermark across all inputs, and `on_end` once every
/// input has ended (after a final `WATERMARK_END` watermark).
pub trait Operator: Send {
    /// Short name for plans, logs and errors, e.g. `Calc` or `Unnest`.
    fn name(&self) -> &str;

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError>;

    /// Rows or news of one split of the source feeding `input`. The default takes the
    /// rows as any other batch.
    fn on_split(&mut self, input: usize, _split: SplitId, event: SplitEvent, out: &mut Output) -> Result<(), RuntimeError> {
        match event {
            SplitEvent::Batch(batch) => self.on_batch(input, batch, out),
            SplitEvent::Added | SplitEvent::Finished => Ok(()),
        }
    }

    /// Whether the operator keeps no rows between calls: every row it takes is emitted
    /// (or dropped) before the call returns. Source positions are committed only while
    /// every operator is stateless, since rows held in state would be lost on a crash.
    fn is_stateless(&self) -> bool {
        false
    }

    /// The combined input watermark advanced. The default forwards it.
    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        out.emit_watermark(watermark);
        Ok(())
    }

    /// All inputs ended: emit what is left.
    fn on_end(&mut self, _out: &mut Output) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// Every source is waiting for data: emit what is only buffered to save work
    /// (mini-batches), so that results do not wait for the next row. This is when
    /// Sluice honours `table.exec.mini-batch.allow-latency`: a single thread that has
    /// nothing to read has no reason to hold rows back.
    fn on_quiet(&mut self, _out: &mut Output) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// Rows dropped because they arrived behind the watermark.
    fn late_rows_dropped(&self) -> u64 {
        0
    }

    /// Whether the operator can save and restore its state in checkpoints; checked when
    /// a job with checkpoints starts. Stateless operators can, with nothing to save.
    fn checkpointable(&self) -> bool {
        self.is_stateless()
    }

    /// The operator's state for a checkpoint, in an encoding `restore` of a later Sluice
    /// still reads (see `checkpoint::codec`); `None` when there is nothing to save.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        if self.is_stateless() {
            Ok(None)
        } else {
            Err(RuntimeError::Operator {
                node: self.name().to_string(),
                message: "this operator cannot save its state in a checkpoint yet".into(),
            })
        }
    }

    /// Takes back what `snapshot` saved, before the first row arrives.
    fn restore(&mut self, _state: &[u8]) -> Result<(), RuntimeError> {
        Err(RuntimeError::Operator {
            node: self.name().to_string(),
            message: "this operator cannot restore state from a checkpoint yet".into(),
        })
    }

    /// Takes back what several instances saved in a checkpoint taken at another
    /// parallelism (`states`, in subtask order), before the first row arrives, keeping
    /// only the keys whose key group `keep` says this instance now owns. Called on every
    /// instance of a keyed operator (at parallelism 1 too, which owns every key group).
    /// The default: the operator cannot be rescaled yet.
    fn restore_rescaled(&mut self, _states: &[&[u8]], _keep: &KeyGroupFilter) -> Result<(), RuntimeError> {
        Err(RuntimeError::Operator {
            node: self.name().to_string(),
            message: "this operator cannot take state saved at another parallelism yet: restore the job at the \
                      parallelism it was saved with"
                .into(),
        })
    }

    /// Which instance of this operator the rows of `input` must reach when the job runs
    /// with a parallelism above 1. Keyed operators say their key columns; the default
    /// keeps a stateless operator chained to its input and gathers any other state on one
    /// instance, which is always correct.
    fn input_distribution(&self, _input: usize) -> Distribution {
        if self.is_stateless() {
            Distribution::Forward
        } else {
            Distribution::Single
        }
    }

    /// Sizes of the operator's state worth showing in progress lines, e.g. the partial
    /// matches of `MATCH_RECOGNIZE`.
    fn gauges(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// What the operator waits for, in its own terms, for the reports that explain why a
    /// job wrote nothing yet (`sluice server`'s "why no output yet?").
    fn facts(&self) -> OperatorFacts {
        OperatorFacts::default()
    }
}

/// Which keys one instance of a keyed operator owns when state saved at another
/// parallelism is handed out again: those whose key group (see `exchange`) falls in its
/// range.
#[derive(Clone, Copy, Debug)]
pub struct KeyGroupFilter {
    pub instance: usize,
    pub parallelism: usize,
    pub max_parallelism: usize,
}

impl KeyGroupFilter {
    /// For each row of the key `columns` (Arrow arrays of the key columns, as the
    /// exchange in front of the operator hashes them; none for a global key), whether
    /// this instance owns it.
    pub fn owns(&self, columns: &[arrow_array::ArrayRef], rows: usize) -> Result<Vec<bool>, RuntimeError> {
        if columns.is_empty() || self.parallelism <= 1 {
            return Ok(vec![true; rows]);
        }
        let fields: Vec<arrow_schema::Field> =
            columns.iter().enumerate().map(|(i, c)| arrow_schema::Field::new(format!("k{i}"), c.data_type().clone(), true)).collect();
        let batch = arrow_array::RecordBatch::try_new(std::sync::Arc::new(arrow_schema::Schema::new(fields)), columns.to_vec())
            .map_err(|e| RuntimeError::Internal(format!("saved keys: {e}")))?;
        let keys: Vec<usize> = (0..columns.len()).collect();
        let groups = crate::exchange::key_groups(&batch, &keys, self.max_parallelism)?;
        Ok(groups
            .into_iter()
            .map(|g| crate::exchange::instance_of_key_group(g, self.parallelism, self.max_parallelism) == self.instance)
            .collect())
    }

    /// The rows of `batch` whose key (columns `keys`) this instance owns: input rows an
    /// operator kept unprocessed (a mini-batch) when it was saved.
    pub fn retain_rows(&self, batch: &ChangeBatch, keys: &[usize]) -> Result<ChangeBatch, RuntimeError> {
        if keys.is_empty() || self.parallelism <= 1 {
            return Ok(batch.clone());
        }
        let parts = crate::exchange::partition(batch, keys, self.parallelism, self.max_parallelism)?;
        Ok(parts
            .into_iter()
            .find(|(instance, _)| *instance == self.instance)
            .map(|(_, part)| part)
            .unwrap_or_else(|| ChangeBatch::inserts(arrow_array::RecordBatch::new_empty(batch.data.schema()))))
    }
}

/// Why an operator holds rows back, as far as it knows: the watermark of each split it
/// sees (a watermark assigner after a source with partitions), and the end of the next
/// window it waits to fire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OperatorFacts {
    /// Per split (Kafka partition), the largest rowtime seen and whether it counts.
    pub splits: Vec<SplitFacts>,
    /// `scan.watermark.idle-timeout` (or `table.exec.source.idle-timeout`), when set.
    pub split_idle_timeout: Option<std::time::Duration>,
    /// The end of the earliest window that holds rows and has not fired: it fires when
    /// the watermark passes it: the watermark that fires it, microseconds since the
    /// epoch as watermarks are.
    pub next_window_end: Option<i64>,
    /// How far behind the watermark the latest row dropped as late was, in
    /// microseconds: a watermark delay this much larger would have kept it.
    pub max_late_by: Option<i64>,
}

/// The watermark state of one split of a source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitFacts {
    pub split: SplitId,
    /// The split's own watermark (the watermark expression over its largest rowtime),
    /// microseconds; `None` while it has had no rows (it holds the watermark back until
    /// it has rows or goes idle).
    pub watermark: Option<i64>,
    /// No rows for the idle timeout: its watermark does not count.
    pub idle: bool,
    pub finished: bool,
}
