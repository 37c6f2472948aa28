//! The updating (non-windowed) `GROUP BY`, as Flink's `GroupAggFunction` and
//! `MiniBatchGroupAggFunction` compute it. See `GroupAggregateSpec` for what is emitted.
//!
//! Keys become small ids (`KeyTable`); the state of a key is its row count plus one
//! slot per aggregate call in `RetractAggregates`. Rows are processed one at a time in
//! arrival order. Each output row's aggregate values are recorded into per-call result
//! columns as it is decided, and its key columns are taken from the input row that
//! caused it, so a batch of output is assembled with one `take` per key column.
//!
//! Without mini-batching every input row emits its own change. With it, rows are
//! buffered and each flush folds a key's rows at once and emits at most one change per
//! key (keys in order of their first buffered row).

use std::time::{SystemTime, UNIX_EPOCH};

use arrow_array::{ArrayRef, RecordBatch, UInt32Array};
use arrow_schema::{DataType as ArrowType, Field, Schema, SchemaRef};
use arrow_select::concat::concat_batches;
use arrow_select::take::take;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::aggregate::retract::{CallSite, RetractAggregates};
use crate::aggregate::{state_shape, AggregateError, KeyTable};
use crate::checkpoint::{open_operator_state, operator_state, unreadable};
use crate::spec::GroupAggregateSpec;
use crate::operator::KeyGroupFilter;
use crate::{Operator, Output, RuntimeError};

const NODE: &str = "GroupAggregateOperator";

fn node_error(e: AggregateError) -> RuntimeError {
    match e {
        AggregateError::Internal { .. } => RuntimeError::Internal(format!("{NODE}: {e}")),
        other => RuntimeError::Operator { node: NODE.into(), message: other.to_string() },
    }
}

fn internal(message: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NODE}: {message}"))
}

/// Processing time in milliseconds, for state TTL. Tests inject their own.
pub type ProcessingClock = Box<dyn Fn() -> i64 + Send>;

fn system_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Non-windowed `GROUP BY` over a changelog input; emits a changelog.
pub struct GroupAggregateOperator {
    spec: GroupAggregateSpec,
    insert_only: bool,
    keys: KeyTable,
    aggregates: RetractAggregates,
    /// The first batch's schema, which state is built for (the spec's guess until then).
    input_schema: Option<SchemaRef>,
    /// Per key id: rows accumulated (added minus retracted); 0 means no state.
    counts: Vec<i64>,
    /// Per key id: whether the key table was told that state refers to the key.
    retained: Vec<bool>,
    /// Per key id: when its state was last written (TTL only).
    touched: Vec<i64>,
    /// Keys whose state was freed during the current batch; their ids are handed back
    /// to the key table only after the batch, as later rows may still carry them.
    freed: Vec<u32>,
    ttl_millis: Option<i64>,
    clock: ProcessingClock,
    now: i64,
    next_sweep: i64,
    /// Mini-batch buffer.
    buffer: Vec<ChangeBatch>,
    buffered_rows: usize,
    // Scratch space reused across batches.
    key_ids: Vec<u32>,
    out_rows: Vec<u32>,
    out_kinds: Vec<RowKind>,
}

impl GroupAggregateOperator {
    /// An operator for an input that may retract (`-U`/`-D`).
    pub fn new(spec: GroupAggregateSpec) -> Result<Self, RuntimeError> {
        Self::build(spec, false)
    }

    /// An operator for an input the planner knows to be insert-only: `MIN`/`MAX` of
    /// fixed-width types and `FIRST_VALUE`/`LAST_VALUE` then keep one value per key
    /// instead of every value (Flink picks its non-retracting functions the same way).
    /// A retraction arriving anyway fails the job rather than giving wrong results.
    pub fn new_insert_only(spec: GroupAggregateSpec) -> Result<Self, RuntimeError> {
        Self::build(spec, true)
    }

    fn build(spec: GroupAggregateSpec, insert_only: bool) -> Result<Self, RuntimeError> {
        let expected = spec.keys.len() + spec.aggregates.len();
        if spec.output_schema.fields().len() != expected {
            return Err(internal(format!(
                "output schema has {} columns, expected {expected}",
                spec.output_schema.fields().len()
            )));
        }
        if spec.mini_batch.is_some_and(|m| m.size == 0) {
            return Err(internal("mini-batch size is 0"));
        }
        let assumed = assumed_input_schema(&spec);
        let (keys, aggregates) = build_state(&spec, &assumed, insert_only)?;
        let ttl_millis = spec.state_ttl.map(|d| d.as_millis().min(i64::MAX as u128) as i64).filter(|t| *t > 0);
        Ok(GroupAggregateOperator {
            spec,
            insert_only,
            keys,
            aggregates,
            input_schema: None,
            counts: Vec::new(),
            retained: Vec::new(),
            touched: Vec::new(),
            freed: Vec::new(),
            ttl_millis,
            clock: Box::new(system_millis),
            now: 0,
            next_sweep: i64::MIN,
            buffer: Vec::new(),
            buffered_rows: 0,
            key_ids: Vec::new(),
            out_rows: Vec::new(),
            out_kinds: Vec::new(),
        })
    }

    /// Replaces the processing-time clock (milliseconds) that state TTL reads.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Keys holding state, for tests of memory use.
    pub fn open_keys(&self) -> usize {
        self.counts.iter().filter(|c| **c != 0).count()
    }

    fn ensure_capacity(&mut self) {
        let n = self.keys.capacity();
        if self.counts.len() < n {
            let n = n.max(self.counts.len() * 2);
            self.counts.resize(n, 0);
            self.retained.resize(n, false);
            self.touched.resize(n, 0);
            self.aggregates.ensure_groups(n);
        }
    }

    fn retype(&mut self, schema: &SchemaRef) -> Result<(), RuntimeError> {
        if self.input_schema.is_none() {
            let (keys, aggregates) = build_state(&self.spec, schema, self.insert_only)?;
            self.keys = keys;
            self.aggregates = aggregates;
            self.input_schema = Some(schema.clone());
        }
        Ok(())
    }

    /// What the state is for, compared on restore: the key columns, the calls and
    /// whether they were built for an insert-only input.
    fn shape(&self) -> String {
        let assumed = assumed_input_schema(&self.spec);
        let key_types: Vec<ArrowType> = self.spec.keys.iter().map(|&k| assumed.field(k).data_type().clone()).collect();
        let input = if self.insert_only { "an insert-only" } else { "an updating" };
        let names: Vec<&str> = self.spec.output_schema.fields().iter().take(self.spec.keys.len()).map(|f| f.name().as_str()).collect();
        format!(
            "a GROUP BY {names:?} over {input} input with {} (key columns {:?})",
            state_shape(&key_types, &self.spec.aggregates, &assumed),
            self.spec.keys
        )
    }

    fn check_kinds(&self, batch: &ChangeBatch) -> Result<(), RuntimeError> {
        if self.insert_only && batch.kinds.as_ref().is_some_and(|k| k.iter().any(|k| !k.is_accumulate())) {
            return Err(internal("received a retraction but was planned for an insert-only input"));
        }
        Ok(())
    }

    /// Whether `key` has state that TTL has expired; if so the state is dropped.
    fn expire(&mut self, key: u32) -> bool {
        let k = key as usize;
        match self.ttl_millis {
            Some(ttl) if self.counts[k] != 0 && self.now.saturating_sub(self.touched[k]) >= ttl => {
                self.free(key);
                true
            }
            _ => false,
        }
    }

    fn free(&mut self, key: u32) {
        self.aggregates.reset(key);
        self.counts[key as usize] = 0;
        self.freed.push(key);
    }

    fn create(&mut self, key: u32) {
        let k = key as usize;
        if !self.retained[k] {
            self.keys.retain(key);
            self.retained[k] = true;
        }
    }

    /// Hands ids of keys left without state back to the key table.
    fn release_freed(&mut self) {
        for key in std::mem::take(&mut self.freed) {
            let k = key as usize;
            if self.counts[k] == 0 && self.retained[k] {
                self.retained[k] = false;
                self.keys.release(key);
            }
        }
        self.keys.sweep();
    }

    /// Drops every expired key, at most once per TTL period.
    fn sweep_expired(&mut self) {
        let Some(ttl) = self.ttl_millis else { return };
        self.now = (self.clock)();
        if self.now < self.next_sweep {
            return;
        }
        self.next_sweep = self.now.saturating_add(ttl);
        for key in 0..self.counts.len() as u32 {
            self.expire(key);
        }
        self.release_freed();
    }

    fn intern(&mut self, data: &RecordBatch) -> Result<(), RuntimeError> {
        let columns: Vec<ArrayRef> = self.spec.keys.iter().map(|&k| data.column(k).clone()).collect();
        let mut ids = std::mem::take(&mut self.key_ids);
        let result = self.keys.intern(&columns, data.num_rows(), &mut ids);
        self.key_ids = ids;
        result.map_err(node_error)?;
        self.ensure_capacity();
        Ok(())
    }

    /// One input row without mini-batching: emits `+I`, `-U`/`+U`, `-D` or nothing.
    #[inline]
    fn process_row(&mut self, row: usize, key: u32, retract: bool) {
        let k = key as usize;
        self.expire(key);
        let count = self.counts[k];
        if count == 0 {
            // A retraction for a key without state is ignored, as in Flink.
            if retract {
                return;
            }
            self.create(key);
            self.aggregates.apply(row, key, false);
            self.counts[k] = 1;
            self.aggregates.push_results(key);
            self.emit(row, RowKind::Insert);
        } else if retract && count == 1 {
            self.aggregates.push_results(key);
            self.free(key);
            self.emit(row, RowKind::Delete);
        } else {
            self.aggregates.push_results(key);
            self.aggregates.apply(row, key, retract);
            self.counts[k] = if retract { count - 1 } else { count + 1 };
            self.aggregates.push_results(key);
            self.emit_update(row);
        }
        self.touched[k] = self.now;
    }

    /// After the old and new results of a key were recorded: emits the update, or drops
    /// both records when the result did not change. Row at a time with state TTL on,
    /// Flink's `GroupAggFunction` emits even an unchanged result so that downstream
    /// state stays alive; its mini-batch version does not, and neither does this.
    #[inline]
    fn emit_update(&mut self, row: usize) {
        let always = self.ttl_millis.is_some() && self.spec.mini_batch.is_none();
        if !always && self.aggregates.last_two_equal() {
            self.aggregates.pop_results(2);
        } else if self.spec.generate_update_before {
            self.emit(row, RowKind::UpdateBefore);
            self.emit(row, RowKind::UpdateAfter);
        } else {
            self.aggregates.remove_before_last();
            self.emit(row, RowKind::UpdateAfter);
        }
    }

    #[inline]
    fn emit(&mut self, row: usize, kind: RowKind) {
        self.out_rows.push(row as u32);
        self.out_kinds.push(kind);
    }

    /// Folds the rows of one key (in arrival order) and emits at most one change.
    fn fold_key(&mut self, key: u32, rows: &[u32], kinds: Option<&[RowKind]>) {
        let k = key as usize;
        let retracts = |r: u32| kinds.is_some_and(|kinds| !kinds[r as usize].is_accumulate());
        self.expire(key);
        let mut rows = rows;
        let first = self.counts[k] == 0;
        if first {
            // Leading retractions find no state and are ignored.
            let skip = rows.iter().take_while(|r| retracts(**r)).count();
            rows = &rows[skip..];
            if rows.is_empty() {
                return;
            }
            self.create(key);
        } else {
            self.aggregates.push_results(key);
        }
        for &r in rows {
            let retract = retracts(r);
            let count = self.counts[k];
            if retract && count == 0 {
                continue;
            }
            self.aggregates.apply(r as usize, key, retract);
            self.counts[k] = if retract { count - 1 } else { count + 1 };
            if self.counts[k] == 0 {
                // Start from clean state, as a row-at-a-time run would after its `-D`.
                self.aggregates.reset(key);
            }
        }
        self.touched[k] = self.now;
        let row = rows[0] as usize;
        if self.counts[k] != 0 {
            self.aggregates.push_results(key);
            if first {
                self.emit(row, RowKind::Insert);
            } else {
                self.emit_update(row);
            }
        } else {
            if !first {
                self.emit(row, RowKind::Delete);
            }
            self.free(key);
        }
    }

    /// Builds and emits the output batch of what was recorded since the last call.
    fn emit_output(&mut self, data: &RecordBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let rows = UInt32Array::from(std::mem::take(&mut self.out_rows));
        let kinds = std::mem::take(&mut self.out_kinds);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.spec.output_schema.fields().len());
        for &k in &self.spec.keys {
            columns.push(take(data.column(k).as_ref(), &rows, None).map_err(internal)?);
        }
        columns.extend(self.aggregates.take_results().map_err(node_error)?);
        if kinds.is_empty() {
            return Ok(());
        }
        let batch = RecordBatch::try_new(self.spec.output_schema.clone(), columns).map_err(internal)?;
        out.emit(ChangeBatch::new(batch, kinds));
        Ok(())
    }

    fn process_batch(&mut self, batch: &ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let data = &batch.data;
        self.intern(data)?;
        self.aggregates.bind(data).map_err(node_error)?;
        let ids = std::mem::take(&mut self.key_ids);
        match &batch.kinds {
            None => {
                for (row, &key) in ids.iter().enumerate() {
                    self.process_row(row, key, false);
                }
            }
            Some(kinds) => {
                for (row, (&key, kind)) in ids.iter().zip(kinds.iter()).enumerate() {
                    self.process_row(row, key, !kind.is_accumulate());
                }
            }
        }
        self.key_ids = ids;
        self.release_freed();
        self.emit_output(data, out)
    }

    /// Folds the buffered rows, one change per key.
    fn flush(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let buffered = std::mem::take(&mut self.buffer);
        self.buffered_rows = 0;
        let schema = buffered[0].data.schema();
        let data = concat_batches(&schema, buffered.iter().map(|b| &b.data)).map_err(internal)?;
        let kinds: Option<Vec<RowKind>> = buffered
            .iter()
            .any(|b| b.kinds.is_some())
            .then(|| buffered.iter().flat_map(|b| (0..b.num_rows()).map(|r| b.kind(r))).collect());
        self.now = (self.clock)();
        self.intern(&data)?;
        self.aggregates.bind(&data).map_err(node_error)?;
        let ids = std::mem::take(&mut self.key_ids);
        // Rows grouped by key, keys in order of first arrival, rows in arrival order.
        let mut ordinal = vec![u32::MAX; self.keys.capacity()];
        let mut order: Vec<u32> = Vec::new();
        let mut sizes: Vec<u32> = Vec::new();
        for &key in &ids {
            let o = &mut ordinal[key as usize];
            if *o == u32::MAX {
                *o = order.len() as u32;
                order.push(key);
                sizes.push(0);
            }
            sizes[*o as usize] += 1;
        }
        let mut starts: Vec<u32> = Vec::with_capacity(sizes.len() + 1);
        let mut total = 0;
        for s in &sizes {
            starts.push(total);
            total += s;
        }
        starts.push(total);
        let mut fill = starts.clone();
        let mut grouped = vec![0u32; ids.len()];
        for (row, &key) in ids.iter().enumerate() {
            let o = ordinal[key as usize] as usize;
            grouped[fill[o] as usize] = row as u32;
            fill[o] += 1;
        }
        for (o, &key) in order.iter().enumerate() {
            let rows = &grouped[starts[o] as usize..starts[o + 1] as usize];
            self.fold_key(key, rows, kinds.as_deref());
        }
        self.key_ids = ids;
        self.release_freed();
        self.emit_output(&data, out)
    }
}

impl Operator for GroupAggregateOperator {
    fn name(&self) -> &str {
        NODE
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.check_kinds(&batch)?;
        self.retype(&batch.data.schema())?;
        self.sweep_expired();
        match self.spec.mini_batch {
            None => {
                self.now = (self.clock)();
                self.process_batch(&batch, out)
            }
            Some(mini_batch) => {
                self.buffered_rows += batch.num_rows();
                self.buffer.push(batch);
                if self.buffered_rows >= mini_batch.size {
                    self.flush(out)?;
                }
                Ok(())
            }
        }
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        self.flush(out)?;
        self.sweep_expired();
        out.emit_watermark(watermark);
        Ok(())
    }

    fn on_end(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.flush(out)
    }

    fn on_quiet(&mut self, out: &mut Output) -> Result<(), RuntimeError> {
        self.flush(out)
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Keys with state, their row counts and last write times, their aggregates, and
    /// the mini-batch buffer as it is (a checkpoint emits nothing).
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let mut out = operator_state(&self.shape());
        out.bool(self.input_schema.is_some());
        let Some(schema) = &self.input_schema else { return Ok(Some(out.finish())) };
        let fail = |e: String| unreadable(NODE, e);
        out.batch(&RecordBatch::new_empty(schema.clone())).map_err(fail)?;
        let live: Vec<u32> = (0..self.counts.len() as u32).filter(|k| self.counts[*k as usize] != 0).collect();
        let counts: Vec<i64> = live.iter().map(|k| self.counts[*k as usize]).collect();
        let touched: Vec<i64> = live.iter().map(|k| self.touched[*k as usize]).collect();
        out.natives(&counts).natives(&touched);
        self.keys.save(&live, &mut out).map_err(node_error)?;
        self.aggregates.save(&live, &mut out).map_err(node_error)?;
        out.u64(self.buffer.len() as u64);
        for batch in &self.buffer {
            out.change_batch(batch).map_err(fail)?;
        }
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &KeyGroupFilter) -> Result<(), RuntimeError> {
        // The instances' keys are disjoint: their groups merge.
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl GroupAggregateOperator {
    /// Takes the groups one instance saved, only those of keys `keep` owns when given
    /// (added to what earlier instances' state restored).
    fn restore_part(&mut self, state: &[u8], keep: Option<&KeyGroupFilter>) -> Result<(), RuntimeError> {
        fn read<T>(r: Result<T, String>) -> Result<T, RuntimeError> {
            r.map_err(|e| unreadable(NODE, e))
        }
        let mut input = open_operator_state(NODE, state, &self.shape())?;
        if !read(input.bool())? {
            return read(input.end());
        }
        let schema = read(input.batch())?.schema();
        if keep.is_none() {
            self.input_schema = None;
        }
        self.retype(&schema)?;
        let counts = read(input.natives::<i64>())?;
        let touched = read(input.natives::<i64>())?;
        let ids = self.keys.load(&mut input).map_err(node_error)?;
        if counts.len() != ids.len() || touched.len() != ids.len() {
            return Err(unreadable(NODE, "the saved keys and counts do not match"));
        }
        self.ensure_capacity();
        for (i, &key) in ids.iter().enumerate() {
            self.counts[key as usize] = counts[i];
            self.touched[key as usize] = touched[i];
            self.create(key);
        }
        self.aggregates.load(&ids, &mut input).map_err(node_error)?;
        let buffered = read(input.u64())?;
        for _ in 0..buffered {
            let mut batch = read(input.change_batch())?;
            if let Some(keep) = keep {
                batch = keep.retain_rows(&batch, &self.spec.keys)?;
            }
            self.buffered_rows += batch.num_rows();
            self.buffer.push(batch);
        }
        if let Some(keep) = keep {
            // Keys another instance owns now are dropped as expired keys are.
            let owned = keep.owns(&self.keys.decode(&ids).map_err(node_error)?, ids.len())?;
            for (&key, owned) in ids.iter().zip(owned) {
                if !owned {
                    self.free(key);
                }
            }
            self.release_freed();
        }
        read(input.end())
    }
}

/// The input types the spec implies, used to reject unsupported plans before any row
/// arrives: key columns have their output types, arguments their declared types.
fn assumed_input_schema(spec: &GroupAggregateSpec) -> Schema {
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
    Schema::new(types.into_iter().enumerate().map(|(i, t)| Field::new(format!("c{i}"), t, true)).collect::<Vec<_>>())
}

fn build_state(spec: &GroupAggregateSpec, input: &Schema, insert_only: bool) -> Result<(KeyTable, RetractAggregates), RuntimeError> {
    let key_types: Vec<ArrowType> = spec
        .keys
        .iter()
        .map(|&k| input.fields().get(k).map(|f| f.data_type().clone()))
        .collect::<Option<_>>()
        .ok_or_else(|| internal("a key column is not in the input"))?;
    let keys = KeyTable::new(&key_types).map_err(node_error)?;
    let aggregates = RetractAggregates::new(&spec.aggregates, input, insert_only, CallSite::GroupBy).map_err(node_error)?;
    Ok((keys, aggregates))
}
