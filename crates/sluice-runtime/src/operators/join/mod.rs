//! Regular (unwindowed) joins of two changelog streams, INNER, LEFT, RIGHT and FULL, as
//! Flink's `StreamingJoinOperator` computes them.
//!
//! Each side keeps its rows per join key (see `side_state`). An input change is first
//! matched against the other side's rows of its key (the residual condition decides
//! among them; NULL keys never match) and then:
//! - An accumulate row (`+I`/`+U`) of an outer side with no match emits `+I(row, NULLs)`.
//!   With matches it emits, per matched row, `-D(NULLs, other)` if that other row was
//!   padded until now (its side is outer and it had no association), then
//!   `+I(row, other)`. An inner side's row emits `+I` joins when the other side is outer,
//!   and joins with its own kind (`+I` or `+U`) when both sides are inner.
//! - A retract row (`-U`/`-D`) emits, per matched row, the join with kind `-D` when its
//!   side is outer and its own kind otherwise, followed by `+I(NULLs, other)` when that
//!   other row (of an outer side) loses its last association. With no match an outer
//!   side emits `-D(row, NULLs)`, even for a row it never saw, as Flink does.
//!
//! Association counts go up by one per accumulated match, except when a row replaces
//! the row of the same unique key (the replaced row's matches carry over).
//!
//! With `state_ttl`, a stored row not written for the TTL (processing time) is forgotten
//! without any output, as Flink's state TTL does.
//!
//! The residual condition is evaluated over many (input row, held row) pairs at once
//! (`residual_verdicts`), never once per input row.

pub(crate) mod side_state;
pub mod state_clock;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{DataType as ArrowType, Schema, SchemaRef, SortOptions};
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use self::side_state::{compact_side, load_side, save_side, SideState};
pub use self::state_clock::{ManualTime, ProcessingClock};
use self::state_clock::StateTtl;
use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::spec::{JoinSpec, JoinType, SortKey};
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "JoinOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// A converter encoding `columns` of `schema` into comparable bytes; `None` when there
/// are no columns (every row then has the same, empty, encoding).
pub(crate) fn row_converter(schema: &SchemaRef, columns: &[usize]) -> Result<Option<RowConverter>, RuntimeError> {
    if columns.is_empty() {
        return Ok(None);
    }
    let fields = columns
        .iter()
        .map(|c| {
            schema
                .fields()
                .get(*c)
                .map(|f| SortField::new(f.data_type().clone()))
                .ok_or_else(|| RuntimeError::Internal(format!("column {c} is out of range")))
        })
        .collect::<Result<_, _>>()?;
    RowConverter::new(fields).map(Some).map_err(|e| RuntimeError::Internal(e.to_string()))
}

/// A converter encoding the columns of `order` (of a row with `types`) into bytes that
/// compare as the sort keys say: descending, NULLs first or last. `None` when there are
/// no keys (every row then sorts the same).
pub(crate) fn sort_converter(types: &[ArrowType], order: &[SortKey]) -> Result<Option<RowConverter>, RuntimeError> {
    if order.is_empty() {
        return Ok(None);
    }
    let fields = order
        .iter()
        .map(|k| {
            let options = SortOptions { descending: !k.ascending, nulls_first: k.nulls_first };
            types
                .get(k.column)
                .map(|t| SortField::new_with_options(t.clone(), options))
                .ok_or_else(|| RuntimeError::Internal(format!("sort column {} is out of range", k.column)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    RowConverter::new(fields).map(Some).map_err(|e| RuntimeError::Internal(e.to_string()))
}

/// Evaluates a join's residual condition over pairs of rows as one batch: row `mine[i]` of
/// the input batch `data` with the held row `theirs[i]` of `store` (rows of
/// `their_schema`), the left side's columns first, as `pair_schema` lays them out. One
/// verdict per pair: the condition is true (not false, not NULL). `node` names the
/// operator in errors.
pub(crate) fn pair_verdicts(
    residual: &ScalarExpr,
    ctx: &EvalContext,
    pair_schema: &SchemaRef,
    (data, mine, mine_is_left): (&RecordBatch, Vec<u32>, bool),
    (store, their_schema, theirs): (&BatchStore, &SchemaRef, &[Option<RowRef>]),
    node: &str,
) -> Result<Vec<bool>, RuntimeError> {
    let fail = |e: &dyn std::fmt::Display| RuntimeError::Internal(format!("{node}: {e}"));
    let indices = UInt32Array::from(mine);
    let mine: Vec<ArrayRef> = data
        .columns()
        .iter()
        .map(|c| arrow_select::take::take(c.as_ref(), &indices, None))
        .collect::<Result<_, _>>()
        .map_err(|e| fail(&e))?;
    let theirs: Vec<ArrayRef> = their_schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| store.gather_column(i, theirs, f.data_type()))
        .collect::<Result<_, _>>()?;
    let columns = if mine_is_left { [mine, theirs].concat() } else { [theirs, mine].concat() };
    let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
    let pairs = RecordBatch::try_new_with_options(pair_schema.clone(), columns, &options).map_err(|e| fail(&e))?;
    let mask = residual.evaluate(&pairs, ctx).map_err(|e| RuntimeError::Eval { node: node.into(), source: e })?;
    let mask = mask.as_boolean_opt().ok_or_else(|| fail(&"the join condition is not boolean"))?;
    Ok((0..mask.len()).map(|i| mask.is_valid(i) && mask.value(i)).collect())
}

/// Encodes `columns` of every row of `data` (`None` when there is no converter).
pub(crate) fn encode_rows(
    converter: &Option<RowConverter>,
    data: &RecordBatch,
    columns: &[usize],
) -> Result<Option<Rows>, RuntimeError> {
    match converter {
        None => Ok(None),
        Some(c) => {
            let cols: Vec<ArrayRef> = columns
                .iter()
                .map(|i| data.columns().get(*i).cloned().ok_or_else(|| RuntimeError::Internal(format!("column {i} is out of range"))))
                .collect::<Result<_, _>>()?;
            c.convert_columns(&cols).map(Some).map_err(|e| RuntimeError::Internal(e.to_string()))
        }
    }
}

/// The bytes of row `i` (empty when there is no encoding).
pub(crate) fn row_bytes(rows: &Option<Rows>, i: usize) -> Vec<u8> {
    rows.as_ref().map(|r| r.row(i).as_ref().to_vec()).unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SideId {
    Left,
    Right,
}

/// One input of the join and the rows it holds.
struct Side {
    schema: SchemaRef,
    outer: bool,
    key_columns: Vec<usize>,
    keys: Option<RowConverter>,
    /// Unique-key columns, or every column when the side has no unique key.
    id_columns: Vec<usize>,
    ids: Option<RowConverter>,
    unique: bool,
    /// Whether rows are stored with their identity (`ids`): not for an insert-only input
    /// without a unique key, whose rows are never asked back.
    identified: bool,
    store: BatchStore,
    state: SideState,
}

impl Side {
    fn new(
        schema: &SchemaRef,
        outer: bool,
        key_columns: &[usize],
        unique_key: &Option<Vec<usize>>,
        insert_only: bool,
    ) -> Result<Self, RuntimeError> {
        let (id_columns, unique) = match unique_key {
            Some(k) if !k.is_empty() => (k.clone(), true),
            _ => ((0..schema.fields().len()).collect(), false),
        };
        let identified = unique || !insert_only;
        Ok(Side {
            schema: schema.clone(),
            outer,
            key_columns: key_columns.to_vec(),
            keys: row_converter(schema, key_columns)?,
            ids: if identified { row_converter(schema, &id_columns)? } else { None },
            id_columns,
            unique,
            identified,
            store: BatchStore::default(),
            state: KeyMap::default(),
        })
    }

    /// The side's rows for a checkpoint (`side_state::save_side`); row identities are
    /// computed again on restore.
    fn save(&self, out: &mut StateWriter) -> Result<(), String> {
        save_side(out, &self.state, &self.keys, &self.store, &self.schema)
    }

    fn load(&mut self, input: &mut StateReader, keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), String> {
        load_side(input, &mut self.state, &self.keys, (&self.ids, &self.id_columns), &mut self.store, keep)
    }

    fn rows_held(&self) -> usize {
        self.state.values().map(|k| k.rows.iter().map(|r| r.count as usize).sum::<usize>()).sum()
    }
}

/// A matched row of the other side, as read before this input row changed anything.
struct Match {
    index: usize,
    row: RowRef,
    count: u32,
    associations: u32,
}

/// How many (input row, held row) pairs one evaluation of the residual condition covers
/// at most (more only when one row alone has more).
const PAIRS_PER_EVALUATION: usize = 8192;

/// The verdicts of the residual condition for the input rows `start..end`: the pairs of
/// row `start + i` are `holds[starts[i]..starts[i + 1]]`, one per row the other side
/// holds for its key, in their order.
struct Verdicts {
    start: usize,
    end: usize,
    starts: Vec<usize>,
    holds: Vec<bool>,
}

impl Verdicts {
    fn of(&self, row: usize) -> &[bool] {
        let i = row - self.start;
        &self.holds[self.starts[i]..self.starts[i + 1]]
    }
}

/// One input row: its batch, where it is stored, its kind, join key and identity.
#[derive(Clone, Copy)]
struct Change<'a> {
    row: RowRef,
    kind: RowKind,
    key: &'a [u8],
    /// The row's identity; `None` on a side that stores none.
    id: Option<&'a [u8]>,
}

pub struct JoinOperator {
    spec: JoinSpec,
    left: Side,
    right: Side,
    pair_schema: SchemaRef,
    /// State TTL of the left rows, then of the right rows.
    ttl: [StateTtl; 2],
    /// Output rows: left row, right row (`None` pads with NULLs), kind.
    pending: Vec<(Option<RowRef>, Option<RowRef>, RowKind)>,
}

impl JoinOperator {
    pub fn new(spec: JoinSpec) -> Result<Self, RuntimeError> {
        if spec.left_keys.len() != spec.right_keys.len() {
            return Err(internal("left and right key counts differ"));
        }
        let left_outer = matches!(spec.join_type, JoinType::Left | JoinType::Full);
        let right_outer = matches!(spec.join_type, JoinType::Right | JoinType::Full);
        let left = Side::new(&spec.left_schema, left_outer, &spec.left_keys, &spec.left_unique_key, spec.left_insert_only)?;
        let right = Side::new(&spec.right_schema, right_outer, &spec.right_keys, &spec.right_unique_key, spec.right_insert_only)?;
        let fields: Vec<_> = spec.left_schema.fields().iter().chain(spec.right_schema.fields().iter()).cloned().collect();
        if fields.len() != spec.output_schema.fields().len() {
            return Err(internal("the output schema is not the left columns followed by the right ones"));
        }
        let pair_schema = Arc::new(Schema::new(fields));
        let ttl = [StateTtl::new(spec.state_ttl), StateTtl::new(spec.right_state_ttl.or(spec.state_ttl))];
        Ok(JoinOperator { spec, left, right, pair_schema, ttl, pending: Vec::new() })
    }

    /// Replaces the processing-time clock the state TTL is measured on (for tests).
    pub fn with_clock(mut self, clock: ProcessingClock) -> Self {
        for ttl in &mut self.ttl {
            ttl.set_clock(clock.clone());
        }
        self
    }

    /// Rows held in state (counting duplicates), left and right.
    pub fn state_rows(&self) -> (usize, usize) {
        (self.left.rows_held(), self.right.rows_held())
    }

    /// Input batches still referenced by state, left and right.
    pub fn stored_batches(&self) -> (usize, usize) {
        (self.left.store.len(), self.right.store.len())
    }

    fn sides(&mut self, input: SideId) -> (&mut Side, &mut Side) {
        match input {
            SideId::Left => (&mut self.left, &mut self.right),
            SideId::Right => (&mut self.right, &mut self.left),
        }
    }

    /// Queues an output row; `mine` is the input side's row, `other` the other side's.
    fn push(&mut self, input: SideId, mine: Option<RowRef>, other: Option<RowRef>, kind: RowKind) {
        let (me, them) = self.sides(input);
        if let Some(r) = mine {
            me.store.retain(r.batch);
        }
        if let Some(r) = other {
            them.store.retain(r.batch);
        }
        let (l, r) = if input == SideId::Left { (mine, other) } else { (other, mine) };
        self.pending.push((l, r, kind));
    }

    /// Drops expired rows of both sides' `key`.
    fn expire_key(&mut self, key: &[u8], now: u64) {
        for (side, ttl) in [&mut self.left, &mut self.right].into_iter().zip(&self.ttl) {
            if let Some(rows) = side.state.get_mut(key) {
                rows.expire(|w| ttl.expired(w, now), &mut side.store);
                if rows.is_empty() {
                    side.state.remove(key);
                }
            }
        }
    }

    /// A pass over all state dropping expired rows, at most once per TTL.
    fn sweep(&mut self, now: u64) {
        let due = [self.ttl[0].sweep_due(now), self.ttl[1].sweep_due(now)];
        for ((side, ttl), due) in [&mut self.left, &mut self.right].into_iter().zip(&self.ttl).zip(due) {
            if !due {
                continue;
            }
            let store = &mut side.store;
            side.state.retain(|_, rows| {
                rows.expire(|w| ttl.expired(w, now), store);
                !rows.is_empty()
            });
        }
    }

    /// The other side's rows of `key` for one input row: those for which the residual
    /// condition holds, when `holds` (one verdict per row the other side holds for the
    /// key, from `residual_verdicts`) is given; all of them otherwise.
    fn matches(&self, input: SideId, key: &[u8], holds: Option<&[bool]>) -> Vec<Match> {
        let other = if input == SideId::Left { &self.right } else { &self.left };
        let Some(rows) = other.state.get(key) else { return Vec::new() };
        rows.rows
            .iter()
            .enumerate()
            .filter(|(index, _)| holds.is_none_or(|h| h.get(*index).copied().unwrap_or(false)))
            .map(|(index, r)| Match { index, row: r.row, count: r.count, associations: r.associations })
            .collect()
    }

    /// Evaluates the residual condition once for the input rows from `start` on: every
    /// row paired with each row the other side holds for its key, as one batch
    /// (`pair_verdicts`), so that no expression is evaluated per row. Stops after the row
    /// that makes the pairs reach `PAIRS_PER_EVALUATION`, so that a batch meeting large
    /// keys needs bounded memory. `None` without a residual condition; otherwise where it
    /// stopped is `Verdicts::end`. The other side's rows for a key do not change while one
    /// side's batch is processed (only their association counts do), so the verdicts stay
    /// true. Expires the keys' rows first, as `process_row` would.
    fn residual_verdicts(
        &mut self,
        input: SideId,
        data: &RecordBatch,
        keys: &[Option<Vec<u8>>],
        start: usize,
        now: u64,
    ) -> Result<Option<Verdicts>, RuntimeError> {
        let Some(residual) = self.spec.residual.clone() else { return Ok(None) };
        let mut mine: Vec<u32> = Vec::new();
        let mut refs: Vec<Option<RowRef>> = Vec::new();
        let mut starts = vec![0];
        let mut end = start;
        while end < keys.len() && mine.len() < PAIRS_PER_EVALUATION {
            if let Some(key) = &keys[end] {
                self.expire_key(key, now);
                let other = if input == SideId::Left { &self.right } else { &self.left };
                let rows = other.state.get(key.as_slice()).map_or(&[][..], |r| &r.rows[..]);
                mine.extend(std::iter::repeat_n(end as u32, rows.len()));
                refs.extend(rows.iter().map(|r| Some(r.row)));
            }
            starts.push(refs.len());
            end += 1;
        }
        let holds = if refs.is_empty() {
            Vec::new()
        } else {
            let other = if input == SideId::Left { &self.right } else { &self.left };
            pair_verdicts(
                &residual,
                &self.spec.ctx,
                &self.pair_schema,
                (data, mine, input == SideId::Left),
                (&other.store, &other.schema, &refs),
                NAME,
            )?
        };
        Ok(Some(Verdicts { start, end, starts, holds }))
    }

    fn process_row(&mut self, input: SideId, change: &Change<'_>, holds: Option<&[bool]>, now: u64) -> Result<(), RuntimeError> {
        let Change { row, kind, key, id } = *change;
        self.expire_key(key, now);
        let matches = self.matches(input, key, holds);
        let (me, them) = self.sides(input);
        let (input_outer, other_outer, unique) = (me.outer, them.outer, me.unique);
        if !kind.is_accumulate() && !me.identified {
            return Err(internal("received a retraction on a side planned for an insert-only input"));
        }
        if kind.is_accumulate() {
            let replaces = unique && id.is_some_and(|id| me.state.get(key).is_some_and(|rows| rows.contains(id)));
            if input_outer && matches.is_empty() {
                self.push(input, Some(row), None, RowKind::Insert);
                let me = self.sides(input).0;
                me.state.entry(Box::from(key)).or_default().add(id, row, 0, unique, now, &mut me.store);
                return Ok(());
            }
            let joined_kind = if input_outer || other_outer { RowKind::Insert } else { kind };
            let mut associations = 0u32;
            for m in &matches {
                for _ in 0..m.count {
                    if other_outer && m.associations == 0 {
                        self.push(input, None, Some(m.row), RowKind::Delete);
                    }
                    self.push(input, Some(row), Some(m.row), joined_kind);
                }
                if other_outer && (m.associations == 0 || !replaces) {
                    let them = self.sides(input).1;
                    if let Some(rows) = them.state.get_mut(key) {
                        rows.set_associations(m.index, m.associations.saturating_add(1), now);
                    }
                }
                associations = associations.saturating_add(m.count);
            }
            let me = self.sides(input).0;
            me.state.entry(Box::from(key)).or_default().add(id, row, associations, unique, now, &mut me.store);
        } else {
            let me = self.sides(input).0;
            if let (Some(rows), Some(id)) = (me.state.get_mut(key), id) {
                rows.retract(id, unique, now, &mut me.store);
                if rows.is_empty() {
                    me.state.remove(key);
                }
            }
            if matches.is_empty() {
                if input_outer {
                    self.push(input, Some(row), None, RowKind::Delete);
                }
                return Ok(());
            }
            let joined_kind = if input_outer { RowKind::Delete } else { kind };
            for m in &matches {
                for _ in 0..m.count {
                    self.push(input, Some(row), Some(m.row), joined_kind);
                    if other_outer && m.associations == 1 {
                        self.push(input, None, Some(m.row), RowKind::Insert);
                    }
                }
                if other_outer {
                    let them = self.sides(input).1;
                    if let Some(rows) = them.state.get_mut(key) {
                        rows.set_associations(m.index, m.associations.saturating_sub(1), now);
                    }
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let lefts: Vec<Option<RowRef>> = pending.iter().map(|p| p.0).collect();
        let rights: Vec<Option<RowRef>> = pending.iter().map(|p| p.1).collect();
        let kinds: Vec<RowKind> = pending.iter().map(|p| p.2).collect();
        let left_len = self.left.schema.fields().len();
        let mut columns = Vec::with_capacity(self.spec.output_schema.fields().len());
        for (i, f) in self.spec.output_schema.fields().iter().enumerate() {
            let column = if i < left_len {
                self.left.store.gather_column(i, &lefts, f.data_type())?
            } else {
                self.right.store.gather_column(i - left_len, &rights, f.data_type())?
            };
            columns.push(column);
        }
        for l in lefts.into_iter().flatten() {
            self.left.store.release(l.batch);
        }
        for r in rights.into_iter().flatten() {
            self.right.store.release(r.batch);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(kinds.len()));
        let data = RecordBatch::try_new_with_options(self.spec.output_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::new(data, kinds));
        Ok(())
    }
}

impl Operator for JoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, input: usize) -> crate::exchange::Distribution {
        crate::exchange::join_distribution(input, &self.spec.left_keys, &self.spec.right_keys, &self.spec.left_schema, &self.spec.right_schema)
    }

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let side = match input {
            0 => SideId::Left,
            1 => SideId::Right,
            _ => return Err(internal(format!("no input {input}"))),
        };
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let now = self.ttl[0].now().max(self.ttl[1].now());
        self.sweep(now);
        let data = batch.data.clone();
        let me = self.sides(side).0;
        let keys = encode_rows(&me.keys, &data, &me.key_columns)?;
        let ids = encode_rows(&me.ids, &data, &me.id_columns)?;
        let key_arrays: Vec<ArrayRef> = me.key_columns.iter().filter_map(|c| data.columns().get(*c).cloned()).collect();
        let batch_id = me.store.insert(data.clone());
        // Held while the batch is processed: its rows may enter and leave state in turn.
        me.store.retain(batch_id);
        // The join key of each row; `None` where a key column is NULL.
        let row_keys: Vec<Option<Vec<u8>>> = (0..data.num_rows())
            .map(|i| (!key_arrays.iter().any(|a| a.is_null(i))).then(|| row_bytes(&keys, i)))
            .collect();
        let mut start = 0;
        while start < data.num_rows() {
            let verdicts = self.residual_verdicts(side, &data, &row_keys, start, now)?;
            let end = verdicts.as_ref().map_or(data.num_rows(), |v| v.end);
            for (i, key) in row_keys.iter().enumerate().take(end).skip(start) {
                let row = RowRef { batch: batch_id, row: i as u32 };
                let kind = batch.kind(i);
                let Some(key) = key else {
                    // A NULL key matches nothing and is never stored.
                    if self.sides(side).0.outer {
                        let kind = if kind.is_accumulate() { RowKind::Insert } else { RowKind::Delete };
                        self.push(side, Some(row), None, kind);
                    }
                    continue;
                };
                let id = ids.as_ref().map(|ids| ids.row(i));
                let id = id.as_ref().map(|id| id.as_ref());
                let holds = verdicts.as_ref().map(|v| v.of(i));
                self.process_row(side, &Change { row, kind, key, id }, holds, now)?;
            }
            start = end;
        }
        self.flush(out)?;
        let me = self.sides(side).0;
        me.store.release(batch_id);
        compact_side(&mut me.state, &mut me.store)
    }

    fn checkpointable(&self) -> bool {
        true
    }

    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut out = operator_state(&self.shape());
        self.left.save(&mut out).map_err(|e| unreadable(NAME, e))?;
        self.right.save(&mut out).map_err(|e| unreadable(NAME, e))?;
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        // The instances' keys are disjoint: their rows merge.
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl JoinOperator {
    /// Takes the rows one instance saved, only those of keys `keep` owns when given.
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        self.left.load(&mut input, keep).map_err(fail)?;
        self.right.load(&mut input, keep).map_err(fail)?;
        input.end().map_err(fail)
    }

    /// What the state is for, compared on restore.
    fn shape(&self) -> String {
        let side = |s: &Side| format!("keys {:?} of ({}) identified by {:?}", s.key_columns, column_types(&s.schema), s.id_columns);
        format!("a {:?} join on {} and {}", self.spec.join_type, side(&self.left), side(&self.right))
    }
}
