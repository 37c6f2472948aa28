//! `WindowAggregateOperator`: `GROUP BY window_start, window_end, keys...` over TUMBLE,
//! HOP, CUMULATE and SESSION windows, emitting one row per key and window when the
//! watermark fires the window, with Flink's lateness rules.

mod output;
mod session;
mod sliced;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef, TimeUnit};
use sluice_connector_api::state::StateReader;
use sluice_connector_api::ChangeBatch;

use crate::aggregate::{state_shape, AggregateError, AggregateSet, KeyTable, PaneAssigner, WindowClock};
use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::spec::{WindowAggregateSpec, WindowKind};
use crate::{Operator, Output, RuntimeError};

use output::{build_output, check_output_schema, FiredWindow};
use session::SessionWindows;
use sliced::{RowsIn, SlicedWindows};

const NODE: &str = "WindowAggregate";

/// The most rows one output batch of fired windows holds (the size of the batches the
/// sources read).
const OUTPUT_BATCH_ROWS: usize = 8192;

pub(crate) fn node_error(e: AggregateError) -> RuntimeError {
    match e {
        AggregateError::Internal { .. } => RuntimeError::Internal(format!("{NODE}: {e}")),
        other => RuntimeError::Operator { node: NODE.into(), message: other.to_string() },
    }
}

enum Windows {
    Sliced(SlicedWindows),
    Session(SessionWindows),
}

/// Windowed `GROUP BY` on an append-only input. See `WindowAggregateSpec` for the
/// output layout. State is one group per (key, pane) for TUMBLE/HOP/CUMULATE (a pane is
/// a slice of `gcd(size, slide)`, so every row is accumulated once) and one group per
/// (key, session) for SESSION; it is freed as soon as no unfired window needs it.
pub struct WindowAggregateOperator {
    spec: WindowAggregateSpec,
    windows: Windows,
    keys: KeyTable,
    aggregates: AggregateSet,
    clock: WindowClock,
    /// The first batch's schema, which state is built for (the spec's guess until then).
    input_schema: Option<SchemaRef>,
    watermark: i64,
    late_rows: u64,
    /// Some saved state was taken back (merged from several instances on a rescale).
    restored: bool,
    key_ids: Vec<u32>,
    times: Vec<Option<i64>>,
    /// See `OperatorFacts::max_late_by` (not saved in checkpoints).
    max_late_by: Option<i64>,
}

impl WindowAggregateOperator {
    pub fn new(spec: WindowAggregateSpec) -> Result<Self, RuntimeError> {
        check_output_schema(&spec.output_schema, spec.keys.len(), spec.aggregates.len())?;
        let windows = match spec.window {
            WindowKind::Session { gap } => Windows::Session(SessionWindows::new(gap).map_err(node_error)?),
            kind => {
                let two_phase = spec.two_phase && spec.aggregates.iter().all(is_mergeable_in_flink);
                Windows::Sliced(SlicedWindows::new(PaneAssigner::new(kind).map_err(node_error)?, two_phase))
            }
        };
        let assumed = assumed_input_schema(&spec);
        let (keys, aggregates) = build_state(&spec, &assumed)?;
        Ok(WindowAggregateOperator {
            clock: WindowClock::new(spec.time.time_zone),
            spec,
            windows,
            keys,
            aggregates,
            input_schema: None,
            watermark: i64::MIN,
            late_rows: 0,
            restored: false,
            key_ids: Vec::new(),
            times: Vec::new(),
            max_late_by: None,
        })
    }

    /// Groups holding state (one per key and pane or session), for tests of memory use.
    pub fn open_groups(&self) -> usize {
        self.aggregates.open_groups()
    }

    /// Distinct keys held in state.
    pub fn open_keys(&self) -> usize {
        self.keys.len()
    }

    /// Panes (TUMBLE/HOP/CUMULATE) or sessions holding state.
    pub fn open_windows(&self) -> usize {
        match &self.windows {
            Windows::Sliced(s) => s.open_panes(),
            Windows::Session(s) => s.open_sessions(),
        }
    }

    fn read_times(&mut self, data: &RecordBatch) -> Result<(), RuntimeError> {
        let column = data
            .columns()
            .get(self.spec.time.column)
            .ok_or_else(|| RuntimeError::Internal(format!("{NODE}: rowtime column {} is missing", self.spec.time.column)))?;
        let times = column.as_primitive_opt::<TimestampMicrosecondType>().ok_or_else(|| {
            RuntimeError::Internal(format!("{NODE}: rowtime column is {}, not a microsecond timestamp", column.data_type()))
        })?;
        let clock = self.clock;
        self.times.clear();
        self.times.extend(times.iter().map(|t| t.map(|t| clock.local(t))));
        Ok(())
    }
}

/// Whether Flink's two-phase window aggregation can split this call into a local and a
/// global part (its function has a `merge`).
fn is_mergeable_in_flink(call: &crate::spec::AggregateCall) -> bool {
    use crate::spec::AggregateKind::*;
    !call.distinct
        && matches!(call.kind, Count | Sum | Avg | Min | Max | StddevPop | StddevSamp | VarPop | VarSamp)
}

/// The input types the spec implies, used to reject unsupported plans before any row
/// arrives: key columns have their output types, arguments their declared types.
fn assumed_input_schema(spec: &WindowAggregateSpec) -> Schema {
    let mut types: Vec<ArrowType> = Vec::new();
    let mut set = |i: usize, t: ArrowType| {
        if types.len() <= i {
            types.resize(i + 1, ArrowType::Null);
        }
        types[i] = t;
    };
    for (n, &k) in spec.keys.iter().enumerate() {
        set(k, spec.output_schema.field(n).data_type().clone());
    }
    for call in &spec.aggregates {
        for &a in &call.args {
            set(a, call.arg_type.as_ref().map(|t| t.to_arrow()).unwrap_or(ArrowType::Null));
        }
        if let Some(f) = call.filter {
            set(f, ArrowType::Boolean);
        }
    }
    set(spec.time.column, ArrowType::Timestamp(TimeUnit::Microsecond, None));
    Schema::new(types.into_iter().enumerate().map(|(i, t)| Field::new(format!("c{i}"), t, true)).collect::<Vec<_>>())
}

fn build_state(spec: &WindowAggregateSpec, input: &Schema) -> Result<(KeyTable, AggregateSet), RuntimeError> {
    let key_types: Vec<ArrowType> = spec
        .keys
        .iter()
        .map(|&k| input.fields().get(k).map(|f| f.data_type().clone()))
        .collect::<Option<_>>()
        .ok_or_else(|| RuntimeError::Internal(format!("{NODE}: a key column is not in the input")))?;
    let keys = KeyTable::new(&key_types).map_err(node_error)?;
    let aggregates = AggregateSet::new(&spec.aggregates, input).map_err(node_error)?;
    Ok((keys, aggregates))
}

impl Operator for WindowAggregateOperator {
    fn name(&self) -> &str {
        NODE
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator {
                node: NODE.into(),
                message: "updating input is not supported by window aggregation".into(),
            });
        }
        let data = batch.data;
        if data.num_rows() == 0 {
            return Ok(());
        }
        if self.input_schema.is_none() {
            // No state exists before the first batch, so it can be rebuilt for the
            // exact input types.
            let (keys, aggregates) = build_state(&self.spec, &data.schema())?;
            self.keys = keys;
            self.aggregates = aggregates;
            self.input_schema = Some(data.schema());
        }
        self.read_times(&data)?;
        let key_columns: Vec<ArrayRef> = self.spec.keys.iter().map(|&k| data.column(k).clone()).collect();
        self.keys.intern(&key_columns, data.num_rows(), &mut self.key_ids).map_err(node_error)?;
        let rows = RowsIn { batch: &data, times: &self.times, key_ids: &self.key_ids };
        let dropped = match &mut self.windows {
            Windows::Sliced(s) => s.accumulate(&rows, self.watermark, &self.clock, &mut self.keys, &mut self.aggregates),
            Windows::Session(s) => s.accumulate(&rows, self.watermark, &self.clock, &mut self.keys, &mut self.aggregates),
        }
        .map_err(node_error)?;
        self.late_rows += dropped;
        if dropped > 0 && self.watermark != i64::MIN {
            // A bound on how late the dropped rows were: the oldest row behind the watermark.
            let watermark = self.clock.local(self.watermark);
            let oldest = self.times.iter().flatten().filter(|t| **t < watermark).min();
            if let Some(oldest) = oldest {
                self.max_late_by = self.max_late_by.max(Some(watermark.saturating_sub(*oldest)));
            }
        }
        self.keys.sweep();
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.watermark = self.watermark.max(watermark);
        let mut fired: Vec<FiredWindow> = Vec::new();
        let mut release = Vec::new();
        loop {
            // Sliced windows fire one at a time, sessions all at once.
            let more = match &mut self.windows {
                Windows::Sliced(s) => s.fire(self.watermark, &self.clock, &self.keys, &mut self.aggregates, &mut fired, &mut release),
                Windows::Session(s) => {
                    s.fire(self.watermark, &self.clock, &mut fired, &mut release);
                    false
                }
            };
            // A watermark can fire many windows at once (the end of input fires them all):
            // their rows go out in batches of bounded size rather than one batch of all.
            let result = fired.chunks(OUTPUT_BATCH_ROWS).try_for_each(|chunk| {
                build_output(&self.spec.output_schema, &self.keys, &self.aggregates, &self.clock, chunk)
                    .map(|batch| out.emit(ChangeBatch::inserts(batch)))
            });
            // Free state even when building the output failed, so nothing leaks.
            for (key, group) in release.drain(..) {
                self.aggregates.release(group);
                if let Some(key) = key {
                    self.keys.release(key);
                }
            }
            fired.clear();
            result?;
            if !more {
                break;
            }
        }
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late_rows
    }

    fn facts(&self) -> crate::operator::OperatorFacts {
        let next_window_end = match &self.windows {
            Windows::Sliced(s) => s.next_end(),
            Windows::Session(s) => s.next_end(),
        }
        .map(|end| self.clock.fire_time(end));
        crate::operator::OperatorFacts { next_window_end, max_late_by: self.max_late_by, ..Default::default() }
    }

    fn checkpointable(&self) -> bool {
        true
    }

    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut out = operator_state(&self.shape());
        out.i64(self.watermark).u64(self.late_rows).bool(self.input_schema.is_some());
        if let Some(schema) = &self.input_schema {
            out.batch(&RecordBatch::new_empty(schema.clone())).map_err(|e| unreadable(NODE, e))?;
            let entries = match &self.windows {
                Windows::Sliced(s) => s.save(&mut out),
                Windows::Session(s) => s.save(&mut out),
            };
            let (keys, groups): (Vec<u32>, Vec<u32>) = entries.into_iter().unzip();
            self.keys.save(&keys, &mut out).map_err(node_error)?;
            self.aggregates.save(&groups, &mut out).map_err(node_error)?;
        }
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        // The instances' keys are disjoint: their windows merge.
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl WindowAggregateOperator {
    /// Takes the windows one instance saved, only those of keys `keep` owns when given
    /// (added to what earlier instances' state restored; the lowest watermark counts).
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), RuntimeError> {
        fn read<T>(r: Result<T, String>) -> Result<T, RuntimeError> {
            r.map_err(|e| unreadable(NODE, e))
        }
        let mut input = open_operator_state(NODE, state, &self.shape())?;
        let watermark = read(input.i64())?;
        let late_rows = read(input.u64())?;
        match keep {
            Some(keep) if self.restored => {
                self.watermark = self.watermark.min(watermark);
                if keep.instance == 0 {
                    self.late_rows += late_rows;
                }
            }
            Some(keep) => (self.watermark, self.late_rows) = (watermark, if keep.instance == 0 { late_rows } else { 0 }),
            None => (self.watermark, self.late_rows) = (watermark, late_rows),
        }
        self.restored = true;
        if !read(input.bool())? {
            return read(input.end());
        }
        let schema = read(input.batch())?.schema();
        let (mut keys, mut aggregates) = build_state(&self.spec, &schema)?;
        if keep.is_some() && self.input_schema.is_some() {
            std::mem::swap(&mut keys, &mut self.keys);
            std::mem::swap(&mut aggregates, &mut self.aggregates);
        }
        let entries = |input: &mut StateReader| {
            let key_ids = keys.load(input)?;
            let groups = aggregates.load(input)?;
            if key_ids.len() != groups.len() {
                return Err(crate::aggregate::corrupt("window groups"));
            }
            let owned = match keep {
                Some(keep) => keep.owns(&keys.decode(&key_ids)?, key_ids.len()).map_err(|e| AggregateError::State(e.to_string()))?,
                None => vec![true; key_ids.len()],
            };
            // Windows of keys another instance owns now are marked to be skipped.
            let mut entries = Vec::with_capacity(key_ids.len());
            for ((key, group), owned) in key_ids.into_iter().zip(groups).zip(owned) {
                if owned {
                    keys.retain(key);
                    entries.push((key, group));
                } else {
                    entries.push((sliced::NOT_OWNED, group));
                }
            }
            Ok(entries)
        };
        match &mut self.windows {
            Windows::Sliced(s) => s.load(&mut input, entries),
            Windows::Session(s) => s.load(&mut input, entries),
        }
        .map_err(node_error)?;
        read(input.end())?;
        self.keys = keys;
        self.aggregates = aggregates;
        self.input_schema = Some(schema);
        Ok(())
    }
}

impl WindowAggregateOperator {
    /// What the state is for, compared on restore: the window, the key columns and the
    /// aggregate calls.
    fn shape(&self) -> String {
        let assumed = assumed_input_schema(&self.spec);
        let key_types: Vec<ArrowType> =
            self.spec.keys.iter().map(|&k| assumed.field(k).data_type().clone()).collect();
        let names: Vec<&str> = self.spec.output_schema.fields().iter().take(self.spec.keys.len()).map(|f| f.name().as_str()).collect();
        format!(
            "a {:?} window aggregate by {names:?} with {} (key columns {:?})",
            self.spec.window,
            state_shape(&key_types, &self.spec.aggregates, &assumed),
            self.spec.keys
        )
    }
}
