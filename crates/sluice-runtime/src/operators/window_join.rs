//! `WindowJoinOperator`: the join of two windowed inputs on equal `window_start` and
//! `window_end`, for INNER, LEFT, RIGHT and FULL joins and for semi and anti joins, as
//! Flink's `WindowJoinOperator` does it:
//! - each row is held under its `window_end` until the watermark fires that window
//!   (reaches `end - 1 ms`); a row whose window has already fired is late and dropped;
//! - when the window fires its rows are joined: pairs with equal keys for which the
//!   residual condition holds, then, for outer joins, the rows of the padded sides that
//!   matched nothing, with NULLs (all within the window, so this is final: the output
//!   is insert-only);
//! - the window's rows are freed.
//!
//! A key with a NULL never matches, except in key pairs compared with
//! `IS NOT DISTINCT FROM`. The start of a window needs no check of its own: one windowing
//! has one window per end.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_row::{RowConverter, SortField};
use arrow_schema::{Schema, SchemaRef};
use sluice_connector_api::ChangeBatch;

use crate::aggregate::WindowClock;
use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::state::{load_stored, save_stored};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::{JoinType, WindowJoinKind, WindowJoinSpec};
use crate::{Operator, Output, RuntimeError};

const NAME: &str = "WindowJoinOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// A row held for its window, with its encoded join key.
struct Held {
    row: RowRef,
    key: Vec<u8>,
    /// A key column compared with `=` is NULL: the row matches nothing.
    null_key: bool,
}

#[derive(Default)]
struct WindowRows {
    left: Vec<Held>,
    right: Vec<Held>,
}

/// The encoding of one side's join keys.
struct KeyCodec {
    columns: Vec<usize>,
    converter: Option<RowConverter>,
    /// Per key column: compared with `=` (a NULL matches nothing).
    strict: Vec<bool>,
}

impl KeyCodec {
    fn new(schema: &SchemaRef, columns: &[usize], null_safe: &[bool]) -> Result<KeyCodec, RuntimeError> {
        let converter = if columns.is_empty() {
            None
        } else {
            let fields = columns
                .iter()
                .map(|k| schema.fields().get(*k).map(|f| SortField::new(f.data_type().clone())).ok_or_else(|| internal("key column out of range")))
                .collect::<Result<_, _>>()?;
            Some(RowConverter::new(fields).map_err(internal)?)
        };
        let strict = (0..columns.len()).map(|i| !null_safe.get(i).copied().unwrap_or(false)).collect();
        Ok(KeyCodec { columns: columns.to_vec(), converter, strict })
    }

    /// The keys of every row of `data`, and whether each has a NULL in a strict column.
    fn encode(&self, data: &RecordBatch) -> Result<Vec<(Vec<u8>, bool)>, RuntimeError> {
        let n = data.num_rows();
        let Some(converter) = &self.converter else { return Ok(vec![(Vec::new(), false); n]) };
        let columns: Vec<ArrayRef> = self
            .columns
            .iter()
            .map(|c| data.columns().get(*c).cloned().ok_or_else(|| internal("key column is missing")))
            .collect::<Result<_, _>>()?;
        let rows = converter.convert_columns(&columns).map_err(internal)?;
        Ok((0..n)
            .map(|i| {
                let null = columns.iter().zip(&self.strict).any(|(c, strict)| *strict && c.is_null(i));
                (rows.row(i).as_ref().to_vec(), null)
            })
            .collect())
    }
}

pub struct WindowJoinOperator {
    spec: WindowJoinSpec,
    clock: WindowClock,
    left_keys: KeyCodec,
    right_keys: KeyCodec,
    pair_schema: SchemaRef,
    windows: BTreeMap<i64, WindowRows>,
    left_store: BatchStore,
    right_store: BatchStore,
    watermark: i64,
    late_rows: u64,
    /// Some saved state was taken back (merged from several instances on a rescale).
    restored: bool,
    /// Output rows: the left and the right row (`None` pads with NULLs).
    pending: Vec<(Option<RowRef>, Option<RowRef>)>,
}

impl WindowJoinOperator {
    pub fn new(spec: WindowJoinSpec) -> Result<Self, RuntimeError> {
        if spec.left_keys.len() != spec.right_keys.len() {
            return Err(internal("left and right key counts differ"));
        }
        for (schema, end) in [(&spec.left_schema, spec.left_end), (&spec.right_schema, spec.right_end)] {
            if schema.fields().get(end).is_none() {
                return Err(internal(format!("window_end column {end} is out of range")));
            }
        }
        let left_keys = KeyCodec::new(&spec.left_schema, &spec.left_keys, &spec.null_safe)?;
        let right_keys = KeyCodec::new(&spec.right_schema, &spec.right_keys, &spec.null_safe)?;
        let fields: Vec<_> = spec.left_schema.fields().iter().chain(spec.right_schema.fields().iter()).cloned().collect();
        Ok(WindowJoinOperator {
            clock: WindowClock::new(spec.time_zone),
            spec,
            left_keys,
            right_keys,
            pair_schema: Arc::new(Schema::new(fields)),
            windows: BTreeMap::new(),
            left_store: BatchStore::default(),
            right_store: BatchStore::default(),
            watermark: i64::MIN,
            late_rows: 0,
            restored: false,
            pending: Vec::new(),
        })
    }

    /// Rows held for unfired windows, left and right (for tests of state cleanup).
    pub fn held_rows(&self) -> (usize, usize) {
        self.windows.values().fold((0, 0), |(l, r), w| (l + w.left.len(), r + w.right.len()))
    }

    fn outer(&self, left: bool) -> bool {
        match self.spec.kind {
            WindowJoinKind::Join(JoinType::Left) => left,
            WindowJoinKind::Join(JoinType::Right) => !left,
            WindowJoinKind::Join(JoinType::Full) => true,
            _ => false,
        }
    }

    /// Holds the rows of `data` (input `left` or right) under their windows' ends.
    fn hold(&mut self, left: bool, data: RecordBatch) -> Result<(), RuntimeError> {
        let end_column = if left { self.spec.left_end } else { self.spec.right_end };
        let ends = data
            .columns()
            .get(end_column)
            .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
            .cloned()
            .ok_or_else(|| internal("window_end is not a timestamp"))?;
        let keys = if left { self.left_keys.encode(&data)? } else { self.right_keys.encode(&data)? };
        let store = if left { &mut self.left_store } else { &mut self.right_store };
        let id = store.insert(data);
        for (i, (key, null_key)) in keys.into_iter().enumerate() {
            if ends.is_null(i) || self.clock.has_fired(ends.value(i), self.watermark) {
                self.late_rows += 1;
                continue;
            }
            store.retain(id);
            let held = Held { row: RowRef { batch: id, row: i as u32 }, key, null_key };
            let window = self.windows.entry(ends.value(i)).or_default();
            if left {
                window.left.push(held);
            } else {
                window.right.push(held);
            }
        }
        store.drop_if_unused(id);
        Ok(())
    }

    /// Joins the rows of one fired window into `pending`.
    fn join_window(&mut self, rows: &WindowRows) -> Result<(), RuntimeError> {
        let mut index: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (j, r) in rows.right.iter().enumerate() {
            if !r.null_key {
                index.entry(r.key.as_slice()).or_default().push(j);
            }
        }
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (i, l) in rows.left.iter().enumerate() {
            if l.null_key {
                continue;
            }
            if let Some(candidates) = index.get(l.key.as_slice()) {
                pairs.extend(candidates.iter().map(|j| (i, *j)));
            }
        }
        let ok = self.residual(rows, &pairs)?;
        let mut left_matched = vec![false; rows.left.len()];
        let mut right_matched = vec![false; rows.right.len()];
        let emit_pairs = matches!(self.spec.kind, WindowJoinKind::Join(_));
        for (&(i, j), ok) in pairs.iter().zip(ok) {
            if !ok {
                continue;
            }
            if emit_pairs {
                self.pending.push((Some(rows.left[i].row), Some(rows.right[j].row)));
            }
            left_matched[i] = true;
            right_matched[j] = true;
        }
        match self.spec.kind {
            WindowJoinKind::Semi | WindowJoinKind::Anti => {
                let want = self.spec.kind == WindowJoinKind::Semi;
                for (l, matched) in rows.left.iter().zip(&left_matched) {
                    if *matched == want {
                        self.pending.push((Some(l.row), None));
                    }
                }
            }
            WindowJoinKind::Join(_) => {
                if self.outer(true) {
                    for (l, _) in rows.left.iter().zip(&left_matched).filter(|(_, m)| !**m) {
                        self.pending.push((Some(l.row), None));
                    }
                }
                if self.outer(false) {
                    for (r, _) in rows.right.iter().zip(&right_matched).filter(|(_, m)| !**m) {
                        self.pending.push((None, Some(r.row)));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the residual condition holds for each pair of (left, right) rows.
    fn residual(&self, rows: &WindowRows, pairs: &[(usize, usize)]) -> Result<Vec<bool>, RuntimeError> {
        let Some(residual) = &self.spec.residual else { return Ok(vec![true; pairs.len()]) };
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let lefts: Vec<Option<RowRef>> = pairs.iter().map(|(i, _)| Some(rows.left[*i].row)).collect();
        let rights: Vec<Option<RowRef>> = pairs.iter().map(|(_, j)| Some(rows.right[*j].row)).collect();
        let left_len = self.spec.left_schema.fields().len();
        let columns = self
            .pair_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(c, f)| {
                if c < left_len {
                    self.left_store.gather_column(c, &lefts, f.data_type())
                } else {
                    self.right_store.gather_column(c - left_len, &rights, f.data_type())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(pairs.len()));
        let batch = RecordBatch::try_new_with_options(self.pair_schema.clone(), columns, &options).map_err(internal)?;
        let mask = residual.evaluate(&batch, &self.spec.ctx).map_err(|e| RuntimeError::Eval { node: NAME.into(), source: e })?;
        let mask = mask.as_boolean_opt().ok_or_else(|| internal("residual condition is not boolean"))?;
        Ok((0..pairs.len()).map(|i| mask.is_valid(i) && mask.value(i)).collect())
    }

    fn release(&mut self, rows: WindowRows) {
        for h in rows.left {
            self.left_store.release(h.row.batch);
        }
        for h in rows.right {
            self.right_store.release(h.row.batch);
        }
    }

    /// Emits the pending rows as one batch. The rows are still held by their windows.
    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let lefts: Vec<Option<RowRef>> = pending.iter().map(|p| p.0).collect();
        let rights: Vec<Option<RowRef>> = pending.iter().map(|p| p.1).collect();
        let left_len = self.spec.left_schema.fields().len();
        let columns = self
            .spec
            .output_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i < left_len {
                    self.left_store.gather_column(i, &lefts, f.data_type())
                } else {
                    self.right_store.gather_column(i - left_len, &rights, f.data_type())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(pending.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::inserts(data));
        Ok(())
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        format!(
            "a {:?} window join on keys {:?} of ({}) and {:?} of ({}), window ends {} and {}",
            self.spec.kind,
            self.spec.left_keys,
            column_types(&self.spec.left_schema),
            self.spec.right_keys,
            column_types(&self.spec.right_schema),
            self.spec.left_end,
            self.spec.right_end
        )
    }
}

impl Operator for WindowJoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, input: usize) -> crate::exchange::Distribution {
        crate::exchange::join_distribution(input, &self.spec.left_keys, &self.spec.right_keys, &self.spec.left_schema, &self.spec.right_schema)
    }

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, _out: &mut Output) -> Result<(), RuntimeError> {
        if !batch.is_append_only() {
            return Err(RuntimeError::Operator { node: NAME.into(), message: "window join does not support updating input".into() });
        }
        if batch.data.num_rows() == 0 {
            return Ok(());
        }
        self.hold(input == 0, batch.data)
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.watermark = self.watermark.max(watermark);
        let mut result = Ok(());
        while let Some(entry) = self.windows.first_entry() {
            if !self.clock.has_fired(*entry.key(), self.watermark) {
                break;
            }
            let rows = entry.remove();
            result = self.join_window(&rows).and_then(|_| self.flush(out));
            // Free the window's rows even when joining failed, so nothing leaks.
            self.pending.clear();
            self.release(rows);
            if result.is_err() {
                break;
            }
        }
        result?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late_rows
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// The watermark and late-row count, the windows' ends and how many rows each holds
    /// per side, then the left rows and the right rows (keys are encoded again on restore).
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.i64(self.watermark).u64(self.late_rows);
        let ends: Vec<i64> = self.windows.keys().copied().collect();
        let lefts: Vec<u64> = self.windows.values().map(|w| w.left.len() as u64).collect();
        let rights: Vec<u64> = self.windows.values().map(|w| w.right.len() as u64).collect();
        out.natives(&ends).natives(&lefts).natives(&rights);
        for (left, schema) in [(true, &self.spec.left_schema), (false, &self.spec.right_schema)] {
            let rows: Vec<Option<RowRef>> = self
                .windows
                .values()
                .flat_map(|w| if left { &w.left } else { &w.right })
                .map(|h| Some(h.row))
                .collect();
            let store = if left { &self.left_store } else { &self.right_store };
            let types: Vec<_> = schema.fields().iter().map(|f| f.data_type().clone()).collect();
            save_stored(&mut out, store, &rows, &types).map_err(fail)?;
        }
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        // The instances' keys are disjoint: their windows' rows merge.
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl WindowJoinOperator {
    /// Takes the windows one instance saved, only the rows of keys `keep` owns when given
    /// (added to what earlier instances' state restored; the lowest watermark counts).
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.i64().map_err(fail)?;
        let late_rows = input.u64().map_err(fail)?;
        let ends = input.natives::<i64>().map_err(fail)?;
        let counts = [input.natives::<u64>().map_err(fail)?, input.natives::<u64>().map_err(fail)?];
        let mismatch = || fail("the saved windows and rows do not match".into());
        if counts.iter().any(|c| c.len() != ends.len()) {
            return Err(mismatch());
        }
        let mut windows: BTreeMap<i64, WindowRows> = ends.iter().map(|e| (*e, WindowRows::default())).collect();
        if windows.len() != ends.len() {
            return Err(mismatch());
        }
        for (side, left) in [true, false].into_iter().enumerate() {
            let store = if left { &mut self.left_store } else { &mut self.right_store };
            let (batch, rows) = load_stored(&mut input, store).map_err(fail)?;
            if counts[side].iter().sum::<u64>() != rows.len() as u64 {
                return Err(mismatch());
            }
            let codec = if left { &self.left_keys } else { &self.right_keys };
            let mut keys = codec.encode(&batch)?.into_iter();
            let owned = match keep {
                Some(keep) => {
                    let key_columns = if left { &self.spec.left_keys } else { &self.spec.right_keys };
                    let columns: Vec<_> = key_columns.iter().filter_map(|k| batch.columns().get(*k).cloned()).collect();
                    keep.owns(&columns, batch.num_rows())?
                }
                None => vec![true; batch.num_rows()],
            };
            let mut owned = owned.into_iter();
            let mut rows = rows.into_iter();
            for (end, count) in ends.iter().zip(&counts[side]) {
                let window = windows.get_mut(end).ok_or_else(mismatch)?;
                for _ in 0..*count {
                    let (row, (key, null_key)) = rows.next().flatten().zip(keys.next()).ok_or_else(mismatch)?;
                    if !owned.next().unwrap_or(true) {
                        // Another instance owns the key now.
                        store.release(row.batch);
                        continue;
                    }
                    let held = Held { row, key, null_key };
                    if left {
                        window.left.push(held);
                    } else {
                        window.right.push(held);
                    }
                }
            }
        }
        input.end().map_err(fail)?;
        let Some(keep) = keep else {
            self.watermark = watermark;
            self.late_rows = late_rows;
            self.windows = windows;
            return Ok(());
        };
        self.watermark = if self.restored { self.watermark.min(watermark) } else { watermark };
        if keep.instance == 0 {
            self.late_rows += late_rows;
        }
        self.restored = true;
        for (end, rows) in windows {
            let window = self.windows.entry(end).or_default();
            window.left.extend(rows.left);
            window.right.extend(rows.right);
        }
        Ok(())
    }
}
