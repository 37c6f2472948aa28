//! Regular semi and anti joins of two changelog streams (`IN`/`EXISTS` subqueries,
//! `INTERSECT`/`EXCEPT`), as Flink's `StreamingSemiAntiJoinOperator` computes them. The
//! output rows are left rows.
//!
//! Each side keeps its rows per join key (`join::side_state`); a left row also keeps how
//! many right rows it matches (its associations).
//! - A left row is matched against the right rows of its key (the residual condition
//!   decides among them). A semi join emits it, with its own kind, when it has a match;
//!   an anti join when it has none. An accumulate row is then stored with its
//!   association count, a retract row removes one stored copy.
//! - An accumulate right row gives each matched left row one more association. A left
//!   row that had none is now emitted: `+I` by a semi join, `-D` by an anti join, once
//!   per stored copy. A retract right row takes one association away, and a left row
//!   left with none is emitted the other way round (`-D` semi, `+I` anti).
//!
//! A key column compared with `=` never matches NULL (the row is an unmatched row); one
//! compared with `IS NOT DISTINCT FROM` (set operations) matches NULL with NULL.
//!
//! The residual condition is evaluated once per input batch over every candidate pair.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{Schema, SchemaRef};
use sluice_connector_api::state::{StateReader, StateWriter};
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use super::join::side_state::{compact_side, load_side, save_side, SideState};
use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use super::join::state_clock::StateTtl;
use super::join::{encode_rows, pair_verdicts, row_bytes, row_converter, ProcessingClock};
use crate::operators::window_rank::batch_store::{BatchStore, RowRef};
use crate::{Operator, Output, RuntimeError};
use crate::hash::KeyMap;

const NAME: &str = "SemiAntiJoinOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// What the planner decides about a semi or anti join.
#[derive(Clone, Debug)]
pub struct SemiJoinSpec {
    /// An anti join (`NOT IN`, `NOT EXISTS`, `EXCEPT`) rather than a semi join.
    pub anti: bool,
    pub left_keys: Vec<usize>,
    pub right_keys: Vec<usize>,
    /// Per key pair: NULL equals NULL (`IS NOT DISTINCT FROM`) instead of never matching.
    pub null_safe: Vec<bool>,
    /// The rest of the condition, over the concatenated row (left, then right).
    pub residual: Option<ScalarExpr>,
    pub ctx: EvalContext,
    /// `table.exec.state.ttl` for the rows of both sides.
    pub state_ttl: Option<std::time::Duration>,
    pub left_schema: SchemaRef,
    pub right_schema: SchemaRef,
}

/// One side's rows by join key.
struct Side {
    key_columns: Vec<usize>,
    /// Key columns where NULL never matches.
    null_rejecting: Vec<usize>,
    keys: Option<arrow_row::RowConverter>,
    ids: Option<arrow_row::RowConverter>,
    all_columns: Vec<usize>,
    store: BatchStore,
    state: SideState,
}

impl Side {
    fn new(schema: &SchemaRef, key_columns: &[usize], null_safe: &[bool]) -> Result<Self, RuntimeError> {
        let all_columns: Vec<usize> = (0..schema.fields().len()).collect();
        Ok(Side {
            key_columns: key_columns.to_vec(),
            null_rejecting: key_columns.iter().zip(null_safe).filter(|(_, safe)| !**safe).map(|(k, _)| *k).collect(),
            keys: row_converter(schema, key_columns)?,
            ids: row_converter(schema, &all_columns)?,
            all_columns,
            store: BatchStore::default(),
            state: KeyMap::default(),
        })
    }

    fn rows_held(&self) -> usize {
        self.state.values().map(|k| k.rows.iter().map(|r| r.count as usize).sum::<usize>()).sum()
    }

    /// The side's rows for a checkpoint, in the regular join's encoding
    /// (`side_state::save_side`).
    fn save(&self, schema: &SchemaRef, out: &mut StateWriter) -> Result<(), String> {
        save_side(out, &self.state, &self.keys, &self.store, schema)
    }

    fn load(&mut self, input: &mut StateReader, keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), String> {
        load_side(input, &mut self.state, &self.keys, (&self.ids, &self.all_columns), &mut self.store, keep)
    }
}

/// Most candidate pairs whose residual condition is evaluated at once.
const MAX_PAIRS: usize = 65_536;

/// An input batch's join keys and row identities, encoded once.
struct Encoded<'a> {
    data: &'a RecordBatch,
    keys: Option<arrow_row::Rows>,
    ids: Option<arrow_row::Rows>,
    /// The key columns compared with `=`: a NULL in one of them matches nothing.
    rejecting: Vec<&'a ArrayRef>,
}

impl<'a> Encoded<'a> {
    fn new(side: &Side, data: &'a RecordBatch) -> Result<Self, RuntimeError> {
        Ok(Encoded {
            data,
            keys: encode_rows(&side.keys, data, &side.key_columns)?,
            ids: encode_rows(&side.ids, data, &side.all_columns)?,
            rejecting: side.null_rejecting.iter().filter_map(|c| data.columns().get(*c)).collect(),
        })
    }
}

/// One input row: its place, its key (`None` when a NULL compared with `=` makes it
/// match nothing) and its identity.
struct Probe {
    row: usize,
    key: Option<Vec<u8>>,
    id: Vec<u8>,
    /// The row's candidate pairs (their positions among the probe's pairs), one per
    /// row of the other side's `KeyRows` of `key`, in order.
    candidates: std::ops::Range<usize>,
}

/// The probes of a run of input rows, which of their candidate pairs satisfy the
/// residual condition (`None`: all, there is none), and where the next run starts.
struct Probes {
    probes: Vec<Probe>,
    passes: Option<Vec<bool>>,
    end: usize,
}

pub struct SemiAntiJoinOperator {
    spec: SemiJoinSpec,
    left: Side,
    right: Side,
    pair_schema: SchemaRef,
    ttl: StateTtl,
    /// Output rows: a left row and its kind.
    pending: Vec<(RowRef, RowKind)>,
}

impl SemiAntiJoinOperator {
    pub fn new(spec: SemiJoinSpec) -> Result<Self, RuntimeError> {
        if spec.left_keys.len() != spec.right_keys.len() || spec.null_safe.len() != spec.left_keys.len() {
            return Err(internal("left keys, right keys and their NULL handling differ in number"));
        }
        let left = Side::new(&spec.left_schema, &spec.left_keys, &spec.null_safe)?;
        let right = Side::new(&spec.right_schema, &spec.right_keys, &spec.null_safe)?;
        let fields: Vec<_> = spec.left_schema.fields().iter().chain(spec.right_schema.fields().iter()).cloned().collect();
        let pair_schema = Arc::new(Schema::new(fields));
        let ttl = StateTtl::new(spec.state_ttl);
        Ok(SemiAntiJoinOperator { spec, left, right, pair_schema, ttl, pending: Vec::new() })
    }

    /// Replaces the processing-time clock the state TTL is measured on (for tests).
    pub fn with_clock(mut self, clock: ProcessingClock) -> Self {
        self.ttl.set_clock(clock);
        self
    }

    /// Rows held in state (counting duplicates), left and right.
    pub fn state_rows(&self) -> (usize, usize) {
        (self.left.rows_held(), self.right.rows_held())
    }

    fn expire(&mut self, now: u64) {
        let ttl = &self.ttl;
        for side in [&mut self.left, &mut self.right] {
            let store = &mut side.store;
            side.state.retain(|_, rows| {
                rows.expire(|w| ttl.expired(w, now), store);
                !rows.is_empty()
            });
        }
    }

    /// Drops the expired rows of both sides under the keys of `input`'s rows, so that
    /// no row past its TTL is matched between two sweeps (Flink never reads an expired
    /// entry).
    fn expire_keys(&mut self, input: &Encoded<'_>, now: u64) {
        if self.spec.state_ttl.is_none_or(|t| t.is_zero()) {
            return;
        }
        let ttl = &self.ttl;
        for row in 0..input.data.num_rows() {
            let key = row_bytes(&input.keys, row);
            for side in [&mut self.left, &mut self.right] {
                if let Some(rows) = side.state.get_mut(key.as_slice()) {
                    rows.expire(|w| ttl.expired(w, now), &mut side.store);
                    if rows.is_empty() {
                        side.state.remove(key.as_slice());
                    }
                }
            }
        }
    }

    /// The probes of the rows of `data` from `start` on (an input of the left side or
    /// not) against the other side, and which candidate pairs satisfy the residual
    /// condition (`None`: all, there is none). With a residual it stops after the row
    /// that reaches `MAX_PAIRS` pairs, so that memory stays bounded when a key holds many
    /// rows (a subquery without keys); the end is the start of the next call.
    fn probe(&self, left_input: bool, input: &Encoded<'_>, start: usize) -> Result<Probes, RuntimeError> {
        let other = if left_input { &self.right } else { &self.left };
        let data = input.data;
        let mut probes = Vec::new();
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        let mut pairs = 0;
        let mut row = start;
        while row < data.num_rows() && (pairs < MAX_PAIRS || row == start) {
            let first = pairs;
            if input.rejecting.iter().any(|a| a.is_null(row)) {
                // A NULL compared with `=` matches nothing; such a row is never stored.
                probes.push(Probe { row, key: None, id: Vec::new(), candidates: first..first });
                row += 1;
                continue;
            }
            let key = row_bytes(&input.keys, row);
            if let Some(rows) = other.state.get(key.as_slice()) {
                pairs += rows.rows.len();
                if self.spec.residual.is_some() {
                    for stored in &rows.rows {
                        mine.push(row as u32);
                        theirs.push(Some(stored.row));
                    }
                }
            }
            probes.push(Probe { row, key: Some(key), id: row_bytes(&input.ids, row), candidates: first..pairs });
            row += 1;
        }
        let Some(residual) = &self.spec.residual else { return Ok(Probes { probes, passes: None, end: row }) };
        if theirs.is_empty() {
            return Ok(Probes { probes, passes: Some(Vec::new()), end: row });
        }
        let other_schema = if left_input { &self.spec.right_schema } else { &self.spec.left_schema };
        let passes = pair_verdicts(
            residual,
            &self.spec.ctx,
            &self.pair_schema,
            (data, mine, left_input),
            (&other.store, other_schema, &theirs),
            NAME,
        )?;
        Ok(Probes { probes, passes: Some(passes), end: row })
    }

    fn on_left(&mut self, batch: &ChangeBatch, now: u64) -> Result<(), RuntimeError> {
        let data = &batch.data;
        let input = Encoded::new(&self.left, data)?;
        self.expire_keys(&input, now);
        let batch_id = self.left.store.insert(data.clone());
        self.left.store.retain(batch_id);
        let mut start = 0;
        while start < data.num_rows() {
            let Probes { probes, passes, end } = self.probe(true, &input, start)?;
            start = end;
            for probe in probes {
                let kind = batch.kind(probe.row);
                let row = RowRef { batch: batch_id, row: probe.row as u32 };
                let stored = probe.key.as_ref().and_then(|k| self.right.state.get(k.as_slice()));
                let matched: u32 = match stored {
                    Some(rows) => probe
                        .candidates
                        .clone()
                        .zip(&rows.rows)
                        .filter(|(pair, _)| passes.as_ref().is_none_or(|p| p[*pair]))
                        .map(|(_, r)| r.count)
                        .fold(0u32, u32::saturating_add),
                    _ => 0,
                };
                if (matched == 0) == self.spec.anti {
                    self.left.store.retain(batch_id);
                    self.pending.push((row, kind));
                }
                let Some(key) = probe.key else { continue };
                let Side { state, store, .. } = &mut self.left;
                if kind.is_accumulate() {
                    state.entry(key.into_boxed_slice()).or_default().add(Some(&probe.id), row, matched, false, now, store);
                } else if let Some(rows) = state.get_mut(key.as_slice()) {
                    rows.retract(&probe.id, false, now, store);
                    if rows.is_empty() {
                        state.remove(key.as_slice());
                    }
                }
            }
        }
        self.left.store.release(batch_id);
        Ok(())
    }

    fn on_right(&mut self, batch: &ChangeBatch, now: u64) -> Result<(), RuntimeError> {
        let data = &batch.data;
        let input = Encoded::new(&self.right, data)?;
        self.expire_keys(&input, now);
        let batch_id = self.right.store.insert(data.clone());
        self.right.store.retain(batch_id);
        let anti = self.spec.anti;
        let mut start = 0;
        while start < data.num_rows() {
            let Probes { probes, passes, end } = self.probe(false, &input, start)?;
            start = end;
            for probe in probes {
                let Some(key) = probe.key else { continue };
                let kind = batch.kind(probe.row);
                let row = RowRef { batch: batch_id, row: probe.row as u32 };
                {
                    let Side { state, store, .. } = &mut self.right;
                    if kind.is_accumulate() {
                        state.entry(key.clone().into_boxed_slice()).or_default().add(Some(&probe.id), row, 0, false, now, store);
                    } else if let Some(rows) = state.get_mut(key.as_slice()) {
                        rows.retract(&probe.id, false, now, store);
                        if rows.is_empty() {
                            state.remove(key.as_slice());
                        }
                    }
                }
                let Some(lefts) = self.left.state.get_mut(key.as_slice()) else { continue };
                for (index, pair) in probe.candidates.clone().enumerate() {
                    if passes.as_ref().is_some_and(|p| !p[pair]) {
                        continue;
                    }
                    let Some(stored) = lefts.rows.get(index) else { continue };
                    let (left_row, copies, associations) = (stored.row, stored.count, stored.associations);
                    let (changes, out_kind, next) = if kind.is_accumulate() {
                        (associations == 0, if anti { RowKind::Delete } else { RowKind::Insert }, associations.saturating_add(1))
                    } else {
                        (associations == 1, if anti { RowKind::Insert } else { RowKind::Delete }, associations.saturating_sub(1))
                    };
                    if changes {
                        for _ in 0..copies {
                            self.left.store.retain(left_row.batch);
                            self.pending.push((left_row, out_kind));
                        }
                    }
                    lefts.set_associations(index, next, now);
                }
            }
        }
        self.right.store.release(batch_id);
        Ok(())
    }

    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let rows: Vec<Option<RowRef>> = pending.iter().map(|p| Some(p.0)).collect();
        let kinds: Vec<RowKind> = pending.iter().map(|p| p.1).collect();
        let columns = self
            .spec
            .left_schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| self.left.store.gather_column(i, &rows, f.data_type()))
            .collect::<Result<Vec<_>, _>>()?;
        for (row, _) in &pending {
            self.left.store.release(row.batch);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(kinds.len()));
        let data =
            RecordBatch::try_new_with_options(self.spec.left_schema.clone(), columns, &options).map_err(internal)?;
        out.emit(ChangeBatch::new(data, kinds));
        Ok(())
    }
}

impl SemiAntiJoinOperator {
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
        let side = |schema: &SchemaRef, s: &Side| format!("keys {:?} of ({})", s.key_columns, column_types(schema));
        format!(
            "{} join on {} and {}, NULL-safe {:?}",
            if self.spec.anti { "an anti" } else { "a semi" },
            side(&self.spec.left_schema, &self.left),
            side(&self.spec.right_schema, &self.right),
            self.spec.null_safe
        )
    }
}

impl Operator for SemiAntiJoinOperator {
    fn name(&self) -> &str {
        NAME
    }

    fn input_distribution(&self, input: usize) -> crate::exchange::Distribution {
        crate::exchange::join_distribution(input, &self.spec.left_keys, &self.spec.right_keys, &self.spec.left_schema, &self.spec.right_schema)
    }

    fn checkpointable(&self) -> bool {
        true
    }

    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut out = operator_state(&self.shape());
        self.left.save(&self.spec.left_schema, &mut out).map_err(|e| unreadable(NAME, e))?;
        self.right.save(&self.spec.right_schema, &mut out).map_err(|e| unreadable(NAME, e))?;
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

    fn on_batch(&mut self, input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let now = self.ttl.now();
        if self.ttl.sweep_due(now) {
            self.expire(now);
        }
        match input {
            0 => self.on_left(&batch, now)?,
            1 => self.on_right(&batch, now)?,
            _ => return Err(internal(format!("no input {input}"))),
        }
        self.flush(out)?;
        for side in [&mut self.left, &mut self.right] {
            compact_side(&mut side.state, &mut side.store)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::cast::AsArray;
    use arrow_array::{Int32Array, StringArray};
    use arrow_schema::{DataType as ArrowType, Field};

    use super::*;

    fn schema(name: &str) -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("k", ArrowType::Int32, true), Field::new(name, ArrowType::Utf8, true)]))
    }

    fn batch(name: &str, rows: &[(Option<i32>, &str)], kinds: &[RowKind]) -> ChangeBatch {
        let data = RecordBatch::try_new(
            schema(name),
            vec![
                Arc::new(Int32Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
                Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            ],
        )
        .expect("a batch");
        ChangeBatch::new(data, kinds.to_vec())
    }

    fn operator(anti: bool, null_safe: bool) -> SemiAntiJoinOperator {
        SemiAntiJoinOperator::new(SemiJoinSpec {
            anti,
            left_keys: vec![0],
            right_keys: vec![0],
            null_safe: vec![null_safe],
            residual: None,
            ctx: EvalContext::default(),
            state_ttl: None,
            left_schema: schema("l"),
            right_schema: schema("r"),
        })
        .expect("an operator")
    }

    /// The rows emitted, as `kind key value`.
    fn rows_of(out: &Output) -> Vec<String> {
        let mut lines = Vec::new();
        for b in out.batches() {
            let keys = b.data.column(0).as_primitive::<arrow_array::types::Int32Type>();
            let values = b.data.column(1).as_string::<i32>();
            for i in 0..b.num_rows() {
                let key = if keys.is_null(i) { "null".to_string() } else { keys.value(i).to_string() };
                lines.push(format!("{} {key} {}", b.kind(i).short_string(), values.value(i)));
            }
        }
        lines
    }

    use RowKind::{Delete as D, Insert as I};

    #[test]
    fn a_semi_join_emits_a_left_row_when_its_first_match_arrives_and_retracts_it_with_the_last() {
        let mut op = operator(false, false);
        let mut out = Output::default();
        op.on_batch(0, batch("l", &[(Some(1), "a"), (Some(1), "a"), (Some(2), "b")], &[I, I, I]), &mut out).unwrap();
        op.on_batch(1, batch("r", &[(Some(1), "x"), (Some(1), "y")], &[I, I]), &mut out).unwrap();
        op.on_batch(0, batch("l", &[(Some(1), "c")], &[I]), &mut out).unwrap();
        op.on_batch(1, batch("r", &[(Some(1), "x"), (Some(1), "y")], &[D, D]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I 1 a", "+I 1 a", "+I 1 c", "-D 1 a", "-D 1 a", "-D 1 c"]);
        assert_eq!(op.state_rows(), (4, 0));
    }

    #[test]
    fn an_anti_join_retracts_a_left_row_once_it_is_matched() {
        let mut op = operator(true, false);
        let mut out = Output::default();
        op.on_batch(0, batch("l", &[(Some(1), "a"), (None, "n"), (Some(2), "b")], &[I, I, I]), &mut out).unwrap();
        op.on_batch(1, batch("r", &[(Some(1), "x"), (None, "y")], &[I, I]), &mut out).unwrap();
        op.on_batch(1, batch("r", &[(Some(1), "x")], &[D]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I 1 a", "+I null n", "+I 2 b", "-D 1 a", "+I 1 a"]);
    }

    #[test]
    fn null_safe_keys_match_null_with_null() {
        let mut op = operator(false, true);
        let mut out = Output::default();
        op.on_batch(1, batch("r", &[(None, "y")], &[I]), &mut out).unwrap();
        op.on_batch(0, batch("l", &[(None, "n"), (Some(3), "c")], &[I, I]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I null n"]);
    }

    #[test]
    fn a_keyless_join_with_many_pairs_is_evaluated_in_chunks() {
        // l.k < r.k without keys: 400 x 400 pairs, more than one chunk.
        let col = |index| ScalarExpr::Column { index, data_type: sluice_types::DataType::int() };
        let residual = sluice_expr::resolve_call("<", vec![col(0), col(2)]).expect("a condition");
        let mut op = SemiAntiJoinOperator::new(SemiJoinSpec {
            anti: false,
            left_keys: vec![],
            right_keys: vec![],
            null_safe: vec![],
            residual: Some(residual),
            ctx: EvalContext::default(),
            state_ttl: None,
            left_schema: schema("l"),
            right_schema: schema("r"),
        })
        .expect("an operator");
        let rows: Vec<(Option<i32>, &str)> = (0..400).map(|i| (Some(i), "v")).collect();
        let mut out = Output::default();
        op.on_batch(0, batch("l", &rows, &vec![I; 400]), &mut out).unwrap();
        op.on_batch(1, batch("r", &rows, &vec![I; 400]), &mut out).unwrap();
        assert_eq!(rows_of(&out).len(), 399);
        let mut out = Output::default();
        op.on_batch(0, batch("l", &rows, &vec![I; 400]), &mut out).unwrap();
        assert_eq!(rows_of(&out).len(), 399);
    }

    #[test]
    fn rows_past_the_state_ttl_match_nothing() {
        let mut spec = operator(false, false).spec;
        spec.state_ttl = Some(std::time::Duration::from_millis(1000));
        let (clock, time) = ProcessingClock::manual(5_000);
        let mut op = SemiAntiJoinOperator::new(spec).expect("an operator").with_clock(clock);
        let mut out = Output::default();
        op.on_batch(0, batch("l", &[(Some(1), "a")], &[I]), &mut out).unwrap();
        time.advance(1_500);
        // The left row expired: the right row finds nothing to emit.
        op.on_batch(1, batch("r", &[(Some(1), "x")], &[I]), &mut out).unwrap();
        time.advance(500);
        op.on_batch(0, batch("l", &[(Some(1), "b")], &[I]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I 1 b"]);
        time.advance(1_200);
        op.on_batch(0, batch("l", &[(Some(1), "c")], &[I]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I 1 b"]);
    }

    #[test]
    fn a_retracted_left_row_is_emitted_with_its_own_kind() {
        let mut op = operator(false, false);
        let mut out = Output::default();
        op.on_batch(1, batch("r", &[(Some(1), "x")], &[I]), &mut out).unwrap();
        op.on_batch(0, batch("l", &[(Some(1), "a"), (Some(1), "a")], &[I, RowKind::UpdateBefore]), &mut out).unwrap();
        assert_eq!(rows_of(&out), ["+I 1 a", "-U 1 a"]);
        assert_eq!(op.state_rows(), (0, 1));
    }
}
