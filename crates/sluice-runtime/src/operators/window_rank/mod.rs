//! Window Top-N and window deduplication: `ROW_NUMBER() OVER (PARTITION BY window_start,
//! window_end, keys ORDER BY ...) <= limit` over rows that already carry their window.
//!
//! Rows are held per window and partition, at most `limit` per partition, sorted by the
//! `ORDER BY` keys with ties in arrival order (a new row goes after its peers). When the
//! watermark reaches the window's trigger time (`window_end - 1 ms`, as an instant when
//! the window is on a session time zone's wall clock, as Flink's `WindowRankProcessor`
//! computes it) the partitions are emitted in rank order and the window's state is freed.
//! A row whose window has already fired is late: dropped and counted.

pub(crate) mod batch_store;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch, RecordBatchOptions};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;

use self::batch_store::{BatchStore, RowRef};
use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::operators::join::sort_converter;
use crate::operators::state::{load_owned_keys, load_stored, save_keys, save_stored};
use crate::operators::window_table::to_instant;
use crate::spec::{WindowRankSpec, MILLI};
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "WindowRankOperator";

pub struct WindowRankOperator {
    spec: WindowRankSpec,
    /// Encodes the partition keys into comparable bytes (`None`: no keys).
    keys: Option<RowConverter>,
    /// Encodes the `ORDER BY` columns so that byte order is rank order.
    order: Option<RowConverter>,
    input_types: Vec<ArrowType>,
    /// Open windows by `(window_end, window_start)`.
    windows: BTreeMap<(i64, i64), WindowState>,
    store: BatchStore,
    watermark: Option<i64>,
    late: u64,
}

#[derive(Default)]
struct WindowState {
    partition_of: KeyMap<Vec<u8>, usize>,
    /// Partitions in the order they were first seen; each sorted by rank.
    partitions: Vec<Vec<Entry>>,
}

struct Entry {
    sort: Vec<u8>,
    row: RowRef,
}

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

impl WindowRankOperator {
    pub fn new(spec: WindowRankSpec) -> Result<Self, RuntimeError> {
        let extra = usize::from(spec.emit_rank);
        let fields = spec.output_schema.fields();
        let input_len = fields
            .len()
            .checked_sub(extra)
            .ok_or_else(|| internal("output schema lacks the row number column"))?;
        let input_types: Vec<ArrowType> = fields.iter().take(input_len).map(|f| f.data_type().clone()).collect();
        let type_of = |c: usize| {
            input_types.get(c).cloned().ok_or_else(|| internal(format!("column {c} is out of range")))
        };
        type_of(spec.window_start)?;
        type_of(spec.window_end)?;
        let keys = if spec.keys.is_empty() {
            None
        } else {
            let f = spec.keys.iter().map(|c| type_of(*c).map(SortField::new)).collect::<Result<_, _>>()?;
            Some(RowConverter::new(f).map_err(internal)?)
        };
        let order = sort_converter(&input_types, &spec.order)?;
        Ok(WindowRankOperator {
            spec,
            keys,
            order,
            input_types,
            windows: BTreeMap::new(),
            store: BatchStore::default(),
            watermark: None,
            late: 0,
        })
    }

    /// The watermark at which the window ending at `end` fires.
    fn trigger_time(&self, end: i64) -> i64 {
        let last = end.saturating_sub(MILLI);
        match &self.spec.time_zone {
            Some(tz) => to_instant(tz, last),
            None => last,
        }
    }

    /// How many input batches the operator still holds (for tests of state cleanup).
    pub fn stored_batches(&self) -> usize {
        self.store.len()
    }

    /// How many windows are open.
    pub fn open_windows(&self) -> usize {
        self.windows.len()
    }

    fn encode(converter: &Option<RowConverter>, data: &RecordBatch, columns: impl Iterator<Item = usize>) -> Result<Option<Rows>, RuntimeError> {
        match converter {
            None => Ok(None),
            Some(c) => {
                let cols: Vec<ArrayRef> = columns.map(|i| data.column(i).clone()).collect();
                c.convert_columns(&cols).map(Some).map_err(internal)
            }
        }
    }

    fn fire(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let mut rows = Vec::new();
        let mut ranks = Vec::new();
        while let Some((&(end, _), _)) = self.windows.first_key_value() {
            if self.trigger_time(end) > watermark {
                break;
            }
            let Some((_, state)) = self.windows.pop_first() else { break };
            for partition in state.partitions {
                for (rank, e) in partition.into_iter().enumerate() {
                    rows.push(e.row);
                    ranks.push(rank as i64 + 1);
                }
            }
        }
        if rows.is_empty() {
            return Ok(());
        }
        let mut columns = self.store.gather(&rows, &self.input_types)?;
        for r in &rows {
            self.store.release(r.batch);
        }
        if self.spec.emit_rank {
            columns.push(Arc::new(Int64Array::from(ranks)));
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options)
            .map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }
}

impl Operator for WindowRankOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator {
                node: NAME.into(),
                message: "window Top-N does not support updating input".into(),
            });
        }
        let data = batch.data;
        if data.num_rows() == 0 {
            return Ok(());
        }
        let timestamps = |c: usize| {
            data.column(c)
                .as_primitive_opt::<TimestampMicrosecondType>()
                .cloned()
                .ok_or_else(|| internal("window columns are not timestamps"))
        };
        let starts = timestamps(self.spec.window_start)?;
        let ends = timestamps(self.spec.window_end)?;
        let keys = Self::encode(&self.keys, &data, self.spec.keys.iter().copied())?;
        let order = Self::encode(&self.order, &data, self.spec.order.iter().map(|k| k.column))?;
        let limit = self.spec.limit;
        let id = self.store.insert(data.clone());
        for i in 0..data.num_rows() {
            if starts.is_null(i) || ends.is_null(i) {
                self.late += 1;
                continue;
            }
            let (start, end) = (starts.value(i), ends.value(i));
            if self.watermark.is_some_and(|wm| wm >= self.trigger_time(end)) {
                self.late += 1;
                continue;
            }
            let sort = order.as_ref().map(|o| o.row(i).as_ref().to_vec()).unwrap_or_default();
            let window = self.windows.entry((end, start)).or_default();
            let key = keys.as_ref().map(|k| k.row(i).as_ref().to_vec()).unwrap_or_default();
            let p = match window.partition_of.get(&key) {
                Some(p) => *p,
                None => {
                    window.partitions.push(Vec::new());
                    window.partition_of.insert(key, window.partitions.len() - 1);
                    window.partitions.len() - 1
                }
            };
            let partition = &mut window.partitions[p];
            // After every peer: ties keep arrival order.
            let pos = partition.partition_point(|e| e.sort <= sort);
            if pos >= limit {
                continue;
            }
            partition.insert(pos, Entry { sort, row: RowRef { batch: id, row: i as u32 } });
            self.store.retain(id);
            if partition.len() > limit {
                if let Some(evicted) = partition.pop() {
                    self.store.release(evicted.row.batch);
                }
            }
        }
        self.store.drop_if_unused(id);
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.watermark.is_some_and(|w| w >= watermark) {
            return Ok(());
        }
        self.watermark = Some(watermark);
        self.fire(watermark, out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn on_end(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.fire(i64::MAX, out)
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Each open window's bounds and partitions (key, then rows in rank order).
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).u64(self.late);
        let windows: Vec<(&(i64, i64), &WindowState)> = self.windows.iter().collect();
        out.natives(&windows.iter().flat_map(|((end, start), _)| [*end, *start]).collect::<Vec<_>>());
        out.natives(&windows.iter().map(|(_, w)| w.partitions.len() as u64).collect::<Vec<_>>());
        let mut keys: Vec<&[u8]> = Vec::new();
        for (_, w) in &windows {
            let mut by_index: Vec<(&[u8], usize)> = w.partition_of.iter().map(|(k, p)| (k.as_slice(), *p)).collect();
            by_index.sort_by_key(|(_, p)| *p);
            keys.extend(by_index.iter().map(|(k, _)| *k));
        }
        save_keys(&mut out, &self.keys, &keys).map_err(fail)?;
        let partitions: Vec<&Vec<Entry>> = windows.iter().flat_map(|(_, w)| w.partitions.iter()).collect();
        out.natives(&partitions.iter().map(|p| p.len() as u64).collect::<Vec<_>>());
        let rows: Vec<Option<RowRef>> = partitions.iter().flat_map(|p| p.iter().map(|e| Some(e.row))).collect();
        save_stored(&mut out, &self.store, &rows, &self.input_types).map_err(fail)?;
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None, true)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        for (i, state) in states.iter().enumerate() {
            self.restore_part(state, Some(keep), i == 0)?;
        }
        Ok(())
    }
}

impl WindowRankOperator {
    /// Takes the state one instance saved (`first`: the first of several), only the
    /// partitions whose key `keep` owns when given. The instances' keys are disjoint, so
    /// the partitions of a window that several instances held are put together; the
    /// lowest watermark of any instance counts and late rows are counted once.
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>, first: bool) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mismatch = || fail("the saved windows, partitions and rows do not match".into());
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let late = input.u64().map_err(fail)?;
        if first {
            (self.watermark, self.late) = (watermark, 0);
        } else {
            self.watermark = self.watermark.zip(watermark).map(|(a, b)| a.min(b));
        }
        if keep.is_none_or(|k| k.instance == 0) {
            self.late += late;
        }
        let bounds = input.natives::<i64>().map_err(fail)?;
        let counts = input.natives::<u64>().map_err(fail)?;
        let (keys, owned) = load_owned_keys(&mut input, &self.keys, keep).map_err(fail)?;
        let sizes = input.natives::<u64>().map_err(fail)?;
        let (batch, rows) = load_stored(&mut input, &mut self.store).map_err(fail)?;
        input.end().map_err(fail)?;
        if bounds.len() != counts.len() * 2
            || counts.iter().sum::<u64>() != keys.len() as u64
            || sizes.len() != keys.len()
            || sizes.iter().sum::<u64>() != rows.len() as u64
        {
            return Err(mismatch());
        }
        let order = Self::encode(&self.order, &batch, self.spec.order.iter().map(|k| k.column))?;
        let (mut keys, mut sizes, mut next, mut ordinal) = (keys.into_iter(), sizes.into_iter(), 0, 0);
        for (b, count) in bounds.chunks(2).zip(counts) {
            let mut partitions = Vec::new();
            for _ in 0..count as usize {
                let (key, size) = (keys.next().ok_or_else(mismatch)?, sizes.next().ok_or_else(mismatch)? as usize);
                let range = next..next + size;
                next += size;
                let mine = owned[ordinal];
                ordinal += 1;
                if !mine {
                    for row in rows[range].iter().flatten() {
                        self.store.release(row.batch);
                    }
                    continue;
                }
                let mut partition = Vec::with_capacity(size);
                for i in range {
                    let row = rows[i].ok_or_else(mismatch)?;
                    partition.push(Entry { sort: order.as_ref().map(|o| o.row(i).as_ref().to_vec()).unwrap_or_default(), row });
                }
                partitions.push((key, partition));
            }
            if partitions.is_empty() {
                continue;
            }
            let window = self.windows.entry((b[0], b[1])).or_default();
            for (key, partition) in partitions {
                window.partition_of.insert(key, window.partitions.len());
                window.partitions.push(partition);
            }
        }
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!(
            "a window Top-{} partitioned by columns {:?} ordered by {:?} over columns {:?}",
            self.spec.limit, self.spec.keys, self.spec.order, self.input_types
        )
    }
}
