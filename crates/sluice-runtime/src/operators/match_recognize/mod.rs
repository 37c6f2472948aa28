//! `MATCH_RECOGNIZE ... ONE ROW PER MATCH` on event time, as Flink's `CepOperator` runs
//! it.
//!
//! Rows wait until the watermark passes their rowtime; a row at or behind the watermark
//! when it arrives is late, dropped and counted. On each watermark the ready rows of a
//! partition are ordered by rowtime, then the further `ORDER BY` columns, then arrival,
//! and offered one at a time to the partition's automaton (`nfa`). Before each new
//! rowtime, and at the watermark, partial matches older than `WITHIN` are dropped.
//!
//! Conditions are evaluated in bulk. A `DEFINE` that reads only the current row is
//! computed once per input batch, vectorised. The others (they read `FIRST`/`LAST` or
//! aggregates of the rows matched so far) are gathered for all partitions at once: the
//! partitions advance in rounds, one row each, and every partial match of a round that
//! needs a condition adds one row to a batch that the condition's expression then
//! evaluates. Measures are computed the same way, one batch per watermark.

pub mod compile;
mod eval;
pub mod nfa;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch};
use arrow_buffer::BooleanBuffer;
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use self::eval::{Context, Evaluator};
use self::nfa::{Computation, Event, Nfa, Node, PartitionNfa, Skip};
use crate::aggregate::KeyTable;
use crate::checkpoint::{column_types, open_operator_state, operator_state, unreadable};
use crate::operators::join::sort_converter;
use crate::spec::{MatchRecognizeSpec, MatchSkip};
use crate::{Operator, Output, RuntimeError};

const NAME: &str = "MatchRecognizeOperator";

fn internal(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Internal(format!("{NAME}: {e}"))
}

/// An input batch kept while some of its rows wait or belong to a partial match, with
/// the answers of the conditions that read only the row itself.
pub(crate) struct Segment {
    pub batch: RecordBatch,
    /// Per variable: the vectorised answer of its `DEFINE` when it reads only the
    /// current row.
    pub local: Vec<Option<BooleanBuffer>>,
}

/// A row as the automaton holds it.
#[derive(Clone)]
pub(crate) struct RowHandle {
    pub segment: Arc<Segment>,
    pub row: u32,
}

impl std::fmt::Debug for RowHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)
    }
}

type Path = Arc<Node<RowHandle>>;

/// A finished match and the time it was emitted at.
type Found = (Path, i64);

struct Pending {
    ts: i64,
    arrival: u64,
    partition: u32,
    order: Option<Box<[u8]>>,
    row: RowHandle,
}

struct Partition {
    nfa: PartitionNfa<RowHandle>,
    next_seq: u64,
    pending: usize,
}

pub struct MatchRecognizeOperator {
    spec: MatchRecognizeSpec,
    nfa: Nfa,
    skip: Skip,
    keys: KeyTable,
    partitions: Vec<Option<Partition>>,
    /// Partitions holding partial or held matches.
    active: Vec<u32>,
    pending: Vec<Pending>,
    order: Option<RowConverter>,
    evaluator: Evaluator,
    watermark: Option<i64>,
    arrival: u64,
    late: u64,
    ids: Vec<u32>,
    /// The latest processing time seen (processing-time mode).
    clock: i64,
    /// Some saved state was taken back (merged from several instances on a rescale).
    restored: bool,
}

impl MatchRecognizeOperator {
    pub fn new(spec: MatchRecognizeSpec) -> Result<Self, RuntimeError> {
        let nfa = compile::compile(&spec.definition.pattern)
            .map_err(|e| RuntimeError::Operator { node: NAME.into(), message: e.to_string() })?;
        let input = spec.input_schema.clone();
        let type_of = |c: usize| {
            input.fields().get(c).map(|f| f.data_type().clone()).ok_or_else(|| internal(format!("column {c} is out of range")))
        };
        type_of(spec.definition.time_column)?;
        let key_types = spec.definition.partition_keys.iter().map(|c| type_of(*c)).collect::<Result<Vec<_>, _>>()?;
        let keys = KeyTable::new(&key_types).map_err(internal)?;
        let types: Vec<ArrowType> = input.fields().iter().map(|f| f.data_type().clone()).collect();
        let order = sort_converter(&types, &spec.definition.order)?;
        let skip = match spec.definition.skip {
            MatchSkip::PastLastRow => Skip::PastLastRow,
            MatchSkip::ToNextRow => Skip::ToNextRow,
            MatchSkip::ToFirst(v) => Skip::ToFirst(v),
            MatchSkip::ToLast(v) => Skip::ToLast(v),
        };
        let evaluator = Evaluator::new(&spec)?;
        Ok(MatchRecognizeOperator {
            spec,
            nfa,
            skip,
            keys,
            partitions: Vec::new(),
            active: Vec::new(),
            pending: Vec::new(),
            order,
            evaluator,
            watermark: None,
            arrival: 0,
            late: 0,
            ids: Vec::new(),
            clock: i64::MIN,
            restored: false,
        })
    }

    /// Partial matches and held matches over all partitions.
    pub fn partial_matches(&self) -> usize {
        self.active.iter().filter_map(|p| self.partitions[*p as usize].as_ref()).map(|p| p.nfa.size()).sum()
    }

    fn nfa_error(&self, partition: u32, e: nfa::NfaError) -> RuntimeError {
        let key = self
            .keys
            .decode(&[partition])
            .ok()
            .map(|cols| {
                cols.iter()
                    .zip(&self.spec.partition_types)
                    .map(|(c, t)| {
                        let mut s = String::new();
                        sluice_expr::write_value_as_string(c.as_ref(), t, 0, &self.spec.ctx, &mut s);
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty());
        let mut message = e.to_string();
        if let Some(k) = key {
            message = format!("{message} (partition {k})");
        }
        if matches!(e, nfa::NfaError::TooManyPartialMatches { .. }) {
            message.push_str(
                ". The pattern keeps too many candidate matches open; bound it with WITHIN, make the DEFINE conditions \
                 stricter, or raise 'sluice.match-recognize.max-partial-matches'",
            );
        }
        RuntimeError::Operator { node: NAME.into(), message }
    }

    /// Runs the ready rows (rowtime at or before `watermark`) through the automata and
    /// emits the matches.
    fn process(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        let (mut ready, keep): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.pending).into_iter().partition(|p| p.ts <= watermark);
        self.pending = keep;
        ready.sort_by(|a, b| {
            (a.partition, a.ts).cmp(&(b.partition, b.ts)).then_with(|| a.order.cmp(&b.order)).then(a.arrival.cmp(&b.arrival))
        });
        // Runs of rows per partition, advanced in rounds.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < ready.len() {
            let mut j = i + 1;
            while j < ready.len() && ready[j].partition == ready[i].partition {
                j += 1;
            }
            runs.push((i, j));
            i = j;
        }
        let mut matches: Vec<(u32, Found)> = Vec::new();
        let mut found: Vec<Found> = Vec::new();
        let mut round: Vec<(u32, Event<RowHandle>)> = Vec::new();
        loop {
            round.clear();
            for run in runs.iter_mut() {
                if run.0 < run.1 {
                    let p = &ready[run.0];
                    let part = self.partitions[p.partition as usize].as_mut().ok_or_else(|| internal("lost a partition"))?;
                    if self.spec.definition.within.is_some() && (run.0 == 0 || ready[run.0 - 1].partition != p.partition || ready[run.0 - 1].ts != p.ts) {
                        // Flink's advanceTime before each new rowtime.
                        found.clear();
                        if let Err(e) = part.nfa.advance_time(p.ts, self.spec.definition.within, self.skip, &mut found) {
                            return Err(self.nfa_error(p.partition, e));
                        }
                        matches.extend(found.drain(..).map(|m| (p.partition, m)));
                    }
                    let seq = part.next_seq;
                    part.next_seq += 1;
                    part.pending -= 1;
                    round.push((p.partition, Event { seq, ts: p.ts, row: p.row.clone() }));
                    run.0 += 1;
                }
            }
            if round.is_empty() {
                break;
            }
            self.step_round(&round, &mut matches)?;
        }
        // Flink's advanceTime at the watermark, for every partition holding state or
        // just given rows.
        let mut touched = std::mem::take(&mut self.active);
        touched.extend(runs.iter().map(|(_, end)| ready[*end - 1].partition));
        drop(ready);
        touched.sort_unstable();
        touched.dedup();
        let mut still = Vec::with_capacity(touched.len());
        let mut idle = Vec::new();
        for p in touched {
            let Some(part) = self.partitions[p as usize].as_mut() else { continue };
            found.clear();
            if let Err(e) = part.nfa.advance_time(watermark, self.spec.definition.within, self.skip, &mut found) {
                return Err(self.nfa_error(p, e));
            }
            matches.extend(found.drain(..).map(|m| (p, m)));
            if !part.nfa.is_idle() {
                still.push(p);
            } else if part.pending == 0 {
                idle.push(p);
            }
        }
        self.active = still;
        // Emit before forgetting idle partitions: the output names their keys.
        self.emit(matches, out)?;
        for p in idle {
            self.partitions[p as usize] = None;
            self.keys.release(p);
        }
        Ok(())
    }

    /// Offers one row to each partition of the round.
    fn step_round(&mut self, round: &[(u32, Event<RowHandle>)], matches: &mut Vec<(u32, Found)>) -> Result<(), RuntimeError> {
        let vars = self.spec.definition.variables.len();
        // Phase 1: which atoms need a per-partial-match evaluation.
        let mut offsets = Vec::with_capacity(round.len());
        let mut total = 0usize;
        for (p, _) in round {
            let part = self.partitions[*p as usize].as_ref().ok_or_else(|| internal("lost a partition"))?;
            offsets.push(total);
            total += part.nfa.partials.len() * vars;
        }
        // 0 = false, 1 = true, 2 = not needed.
        let mut answers = vec![2u8; total];
        let mut requests: Vec<Vec<(usize, Context<'_>)>> = (0..vars).map(|_| Vec::new()).collect();
        // Atoms that only matter when a greedy guard turns out false wait for a second
        // pass: (slot, partial, variable).
        let mut deferred: Vec<(usize, usize, usize)> = Vec::new();
        for (slot, (p, event)) in round.iter().enumerate() {
            let part = self.partitions[*p as usize].as_ref().ok_or_else(|| internal("lost a partition"))?;
            for (ci, c) in part.nfa.partials.iter().enumerate() {
                for &v in self.nfa.atoms(c.state) {
                    let at = offsets[slot] + ci * vars + v;
                    match (&self.spec.definition.conditions[v], &event.row.segment.local[v]) {
                        (None, _) => answers[at] = 1,
                        (Some(_), Some(bits)) => answers[at] = bits.value(event.row.row as usize) as u8,
                        (Some(_), None) if self.nfa.can_defer(c.state, v) => deferred.push((slot, ci, v)),
                        (Some(_), None) => {
                            requests[v].push((at, Context::define(v, event, c.path.as_ref())))
                        }
                    }
                }
            }
        }
        // Phase 2: evaluate the gathered atoms, one batch per variable; then the
        // deferred ones that the answers did not make irrelevant.
        self.evaluate_requests(&mut requests, &mut answers)?;
        if !deferred.is_empty() {
            for (slot, ci, v) in deferred {
                let (p, event) = &round[slot];
                let part = self.partitions[*p as usize].as_ref().ok_or_else(|| internal("lost a partition"))?;
                let c = &part.nfa.partials[ci];
                let base = offsets[slot] + ci * vars;
                let known = |w: usize| match answers[base + w] {
                    0 => Some(false),
                    1 => Some(true),
                    _ => None,
                };
                if self.nfa.needed(c.state, v, &known) {
                    requests[v].push((base + v, Context::define(v, event, c.path.as_ref())));
                }
            }
            self.evaluate_requests(&mut requests, &mut answers)?;
        }
        drop(requests);
        // Phase 3: advance the automata.
        let mut found = Vec::new();
        for (slot, (p, event)) in round.iter().enumerate() {
            let base = offsets[slot];
            let part = self.partitions[*p as usize].as_mut().ok_or_else(|| internal("lost a partition"))?;
            let mut atom = |ci: usize, v: usize| answers.get(base + ci * vars + v).copied() == Some(1);
            found.clear();
            let r = part.nfa.step(&self.nfa, self.skip, event, &mut atom, &mut found);
            let size = part.nfa.size();
            if let Err(e) = r {
                return Err(self.nfa_error(*p, e));
            }
            if size > self.spec.max_partial_matches {
                return Err(self.nfa_error(*p, nfa::NfaError::TooManyPartialMatches { limit: self.spec.max_partial_matches }));
            }
            matches.extend(found.drain(..).map(|m| (*p, m)));
        }
        Ok(())
    }

    /// Evaluates the requested atoms, one batch per variable, into `answers`.
    fn evaluate_requests(&self, requests: &mut [Vec<(usize, Context<'_>)>], answers: &mut [u8]) -> Result<(), RuntimeError> {
        for (v, reqs) in requests.iter_mut().enumerate() {
            if reqs.is_empty() {
                continue;
            }
            let contexts: Vec<Context<'_>> = reqs.iter().map(|(_, c)| *c).collect();
            let result = self.evaluator.condition(v, &contexts)?;
            for ((at, _), ok) in reqs.iter().zip(result.iter()) {
                answers[*at] = ok as u8;
            }
            reqs.clear();
        }
        Ok(())
    }

    fn emit(&mut self, matches: Vec<(u32, Found)>, out: &mut Output) -> Result<(), RuntimeError> {
        if matches.is_empty() {
            return Ok(());
        }
        let ids: Vec<u32> = matches.iter().map(|(p, _)| *p).collect();
        let mut columns = self.keys.decode(&ids).map_err(internal)?;
        let contexts: Vec<Context<'_>> =
            matches.iter().map(|(_, (m, ts))| Context { current: None, path: Some(m), emitted: Some(*ts) }).collect();
        columns.extend(self.evaluator.measures(&contexts)?);
        let batch = RecordBatch::try_new(self.spec.output_schema.clone(), columns).map_err(internal)?;
        out.emit(ChangeBatch::inserts(batch));
        Ok(())
    }
}

impl Operator for MatchRecognizeOperator {
    fn name(&self) -> &str {
        "MatchRecognize"
    }

    fn input_distribution(&self, _input: usize) -> crate::exchange::Distribution {
        crate::exchange::keyed(&self.spec.definition.partition_keys)
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        if let Some(kinds) = &batch.kinds {
            if kinds.iter().any(|k| *k != RowKind::Insert) {
                return Err(internal("MATCH_RECOGNIZE takes only inserted rows"));
            }
        }
        let data = batch.data;
        let n = data.num_rows();
        if n == 0 {
            return Ok(());
        }
        let times = data
            .column(self.spec.definition.time_column)
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| internal("the rowtime column is not a timestamp"))?
            .clone();
        let key_columns: Vec<_> = self.spec.definition.partition_keys.iter().map(|c| data.column(*c).clone()).collect();
        let mut ids = std::mem::take(&mut self.ids);
        self.keys.intern(&key_columns, n, &mut ids).map_err(internal)?;
        let order_rows = match &self.order {
            Some(conv) => {
                let cols: Vec<_> = self.spec.definition.order.iter().map(|k| data.column(k.column).clone()).collect();
                Some(conv.convert_columns(&cols).map_err(internal)?)
            }
            None => None,
        };
        let local = self.evaluator.local_conditions(&data)?;
        let segment = Arc::new(Segment { batch: data, local });
        for i in 0..n {
            if times.is_null(i) {
                self.late += 1;
                continue;
            }
            let ts = times.value(i);
            if !self.spec.definition.proctime && self.watermark.is_some_and(|w| ts <= w) {
                self.late += 1;
                continue;
            }
            let id = ids[i];
            let slot = id as usize;
            if self.partitions.len() <= slot {
                self.partitions.resize_with(slot + 1, || None);
            }
            let part = self.partitions[slot].get_or_insert_with(|| Partition { nfa: PartitionNfa::new(&self.nfa), next_seq: 0, pending: 0 });
            if part.pending == 0 && part.nfa.is_idle() && part.next_seq == 0 {
                self.keys.retain(id);
            }
            part.pending += 1;
            self.pending.push(Pending {
                ts,
                arrival: self.arrival,
                partition: id,
                order: order_rows.as_ref().map(|r| r.row(i).as_ref().into()),
                row: RowHandle { segment: segment.clone(), row: i as u32 },
            });
            self.arrival += 1;
        }
        self.keys.sweep();
        self.ids = ids;
        if self.spec.definition.proctime {
            // Processing time: every row is ready now, in arrival order.
            let now = self.pending.iter().map(|p| p.ts).max().unwrap_or(i64::MIN).max(self.clock);
            self.clock = now;
            self.process(now, out)?;
        }
        Ok(())
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Output) -> Result<(), RuntimeError> {
        if self.spec.definition.proctime {
            out.emit_watermark(watermark);
            return Ok(());
        }
        if self.watermark.is_some_and(|w| watermark <= w) {
            return Ok(());
        }
        self.watermark = Some(watermark);
        self.process(watermark, out)?;
        out.emit_watermark(watermark);
        Ok(())
    }

    fn late_rows_dropped(&self) -> u64 {
        self.late
    }

    fn gauges(&self) -> Vec<(&'static str, u64)> {
        vec![("partial matches", self.partial_matches() as u64)]
    }

    fn checkpointable(&self) -> bool {
        true
    }

    /// Every partition with a key: its counters and its partial and held matches, whose
    /// rows are saved once each as nodes (parents first, so shared prefixes stay
    /// shared); then the rows waiting for the watermark. The rows of nodes and waiting
    /// rows are gathered into one batch.
    fn snapshot(&mut self) -> Result<Option<Vec<u8>>, RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mut out = operator_state(&self.shape());
        out.opt_i64(self.watermark).u64(self.arrival).u64(self.late).i64(self.clock);
        let live: Vec<u32> = (0..self.partitions.len() as u32).filter(|p| self.partitions[*p as usize].is_some()).collect();
        let ordinal: HashMap<u32, u64> = live.iter().enumerate().map(|(i, p)| (*p, i as u64)).collect();
        self.keys.save(&live, &mut out).map_err(internal)?;
        let parts: Vec<&Partition> = live.iter().filter_map(|p| self.partitions[*p as usize].as_ref()).collect();
        out.natives(&parts.iter().flat_map(|p| [p.next_seq, p.pending as u64]).collect::<Vec<_>>());
        out.natives(&self.active.iter().filter_map(|p| ordinal.get(p).copied()).collect::<Vec<_>>());
        // Nodes, parents first.
        let mut node_ids: HashMap<*const Node<RowHandle>, u64> = HashMap::new();
        let mut nodes: Vec<&Node<RowHandle>> = Vec::new();
        let mut computations: Vec<&Computation<RowHandle>> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for part in &parts {
            counts.extend([part.nfa.partials.len() as u64, part.nfa.completed.len() as u64]);
            for c in part.nfa.partials.iter().chain(&part.nfa.completed) {
                computations.push(c);
                let mut chain = Vec::new();
                let mut cursor = c.path.as_deref();
                while let Some(n) = cursor {
                    if node_ids.contains_key(&(n as *const _)) {
                        break;
                    }
                    chain.push(n);
                    cursor = n.prev.as_deref();
                }
                for n in chain.into_iter().rev() {
                    node_ids.insert(n as *const _, nodes.len() as u64);
                    nodes.push(n);
                }
            }
        }
        let id_of = |n: Option<&Node<RowHandle>>| n.map_or(u64::MAX, |n| node_ids[&(n as *const _)]);
        out.natives(&counts);
        out.natives(&nodes.iter().map(|n| n.var as u64).collect::<Vec<_>>());
        out.natives(&nodes.iter().map(|n| n.event.seq).collect::<Vec<_>>());
        out.natives(&nodes.iter().map(|n| n.event.ts).collect::<Vec<_>>());
        out.natives(&nodes.iter().map(|n| id_of(n.prev.as_deref())).collect::<Vec<_>>());
        out.natives(&computations.iter().map(|c| c.state as u64).collect::<Vec<_>>());
        out.natives(&computations.iter().map(|c| id_of(c.path.as_deref())).collect::<Vec<_>>());
        out.bools(computations.iter().map(|c| c.start.is_some()));
        out.natives(&computations.iter().flat_map(|c| {
            let (seq, ts) = c.start.unwrap_or((0, 0));
            [seq as i64, ts]
        }).collect::<Vec<_>>());
        out.natives(&self.pending.iter().map(|p| p.ts).collect::<Vec<_>>());
        out.natives(&self.pending.iter().map(|p| p.arrival).collect::<Vec<_>>());
        let partition_of = |p: &Pending| ordinal.get(&p.partition).copied().ok_or_else(|| internal("a waiting row has no partition"));
        out.natives(&self.pending.iter().map(partition_of).collect::<Result<Vec<_>, _>>()?);
        let handles: Vec<&RowHandle> = nodes.iter().map(|n| &n.event.row).chain(self.pending.iter().map(|p| &p.row)).collect();
        let columns = gather_handles(&handles, &self.spec.input_schema).map_err(internal)?;
        out.columns(&columns, handles.len()).map_err(fail)?;
        Ok(Some(out.finish()))
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), RuntimeError> {
        self.restore_part(state, None)
    }

    fn restore_rescaled(&mut self, states: &[&[u8]], keep: &crate::operator::KeyGroupFilter) -> Result<(), RuntimeError> {
        // The instances' partitions are disjoint: they merge.
        for state in states {
            self.restore_part(state, Some(keep))?;
        }
        Ok(())
    }
}

impl MatchRecognizeOperator {
    /// Takes the partitions one instance saved, only those `keep` owns when given (added
    /// to what earlier instances' state restored; the lowest watermark counts).
    fn restore_part(&mut self, state: &[u8], keep: Option<&crate::operator::KeyGroupFilter>) -> Result<(), RuntimeError> {
        let fail = |e: String| unreadable(NAME, e);
        let mismatch = || fail("the saved partitions, matches and rows do not match".into());
        let mut input = open_operator_state(NAME, state, &self.shape())?;
        let watermark = input.opt_i64().map_err(fail)?;
        let arrival = input.u64().map_err(fail)?;
        let late = input.u64().map_err(fail)?;
        let clock = input.i64().map_err(fail)?;
        match keep {
            None => (self.watermark, self.arrival, self.late, self.clock) = (watermark, arrival, late, clock),
            Some(keep) => {
                self.watermark = if self.restored { self.watermark.zip(watermark).map(|(a, b)| a.min(b)) } else { watermark };
                self.arrival = self.arrival.max(arrival);
                self.clock = self.clock.max(clock);
                if keep.instance == 0 {
                    self.late += late;
                }
            }
        }
        self.restored = true;
        let ids = self.keys.load(&mut input).map_err(internal)?;
        let n = ids.len();
        let counters = input.natives::<u64>().map_err(fail)?;
        let active = input.natives::<u64>().map_err(fail)?;
        let counts = input.natives::<u64>().map_err(fail)?;
        let vars = input.natives::<u64>().map_err(fail)?;
        let seqs = input.natives::<u64>().map_err(fail)?;
        let times = input.natives::<i64>().map_err(fail)?;
        let prevs = input.natives::<u64>().map_err(fail)?;
        let states = input.natives::<u64>().map_err(fail)?;
        let paths = input.natives::<u64>().map_err(fail)?;
        let started = input.bools().map_err(fail)?;
        let starts = input.natives::<i64>().map_err(fail)?;
        let pending_times = input.natives::<i64>().map_err(fail)?;
        let arrivals = input.natives::<u64>().map_err(fail)?;
        let pending_parts = input.natives::<u64>().map_err(fail)?;
        let (columns, rows) = input.columns().map_err(fail)?;
        input.end().map_err(fail)?;
        let nodes = vars.len();
        let computations = states.len();
        let vars_known = self.spec.definition.variables.len() as u64;
        let fits = counters.len() == 2 * n
            && counts.len() == 2 * n
            && active.iter().all(|a| *a < n as u64)
            && [seqs.len(), times.len(), prevs.len()] == [nodes; 3]
            && vars.iter().all(|v| *v < vars_known)
            && prevs.iter().enumerate().all(|(i, p)| *p == u64::MAX || *p < i as u64)
            && counts.iter().sum::<u64>() == computations as u64
            && paths.len() == computations
            && started.len() == computations
            && starts.len() == 2 * computations
            && states.iter().all(|s| (*s as usize) < self.nfa.states.len())
            && paths.iter().all(|p| *p == u64::MAX || *p < nodes as u64)
            && arrivals.len() == pending_times.len()
            && pending_parts.len() == pending_times.len()
            && pending_parts.iter().all(|p| *p < n as u64)
            && rows == nodes + pending_times.len();
        if !fits {
            return Err(mismatch());
        }
        let fields: Vec<arrow_schema::Field> =
            self.spec.input_schema.fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect();
        let batch = RecordBatch::try_new_with_options(
            Arc::new(arrow_schema::Schema::new(fields)),
            columns,
            &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(|e| fail(format!("the saved rows do not fit the input: {e}")))?;
        let order_rows = match &self.order {
            Some(conv) => {
                let cols: Vec<_> = self.spec.definition.order.iter().map(|k| batch.column(k.column).clone()).collect();
                Some(conv.convert_columns(&cols).map_err(internal)?)
            }
            None => None,
        };
        let local = self.evaluator.local_conditions(&batch)?;
        let segment = Arc::new(Segment { batch, local });
        let handle = |i: usize| RowHandle { segment: segment.clone(), row: i as u32 };
        let mut built: Vec<Path> = Vec::with_capacity(nodes);
        for i in 0..nodes {
            let prev = (prevs[i] != u64::MAX).then(|| built[prevs[i] as usize].clone());
            built.push(Arc::new(Node::new(vars[i] as usize, Event { seq: seqs[i], ts: times[i], row: handle(i) }, prev)));
        }
        let mut next = 0;
        let mut computation = || {
            let c = next;
            next += 1;
            Computation {
                state: states[c] as usize,
                path: (paths[c] != u64::MAX).then(|| built[paths[c] as usize].clone()),
                start: started[c].then_some((starts[2 * c] as u64, starts[2 * c + 1])),
            }
        };
        for (o, &id) in ids.iter().enumerate() {
            let mut nfa = PartitionNfa::new(&self.nfa);
            nfa.partials = (0..counts[2 * o]).map(|_| computation()).collect();
            nfa.completed = (0..counts[2 * o + 1]).map(|_| computation()).collect();
            let slot = id as usize;
            if self.partitions.len() <= slot {
                self.partitions.resize_with(slot + 1, || None);
            }
            self.partitions[slot] = Some(Partition { nfa, next_seq: counters[2 * o], pending: counters[2 * o + 1] as usize });
            self.keys.retain(id);
        }
        self.active.extend(active.iter().map(|a| ids[*a as usize]));
        self.pending.extend((0..pending_times.len()).map(|i| Pending {
            ts: pending_times[i],
            arrival: arrivals[i],
            partition: ids[pending_parts[i] as usize],
            order: order_rows.as_ref().map(|r| r.row(nodes + i).as_ref().into()),
            row: handle(nodes + i),
        }));
        if let Some(keep) = keep {
            // Partitions another instance owns now are dropped whole.
            let owned = keep.owns(&self.keys.decode(&ids).map_err(internal)?, ids.len())?;
            let dropped: std::collections::HashSet<u32> =
                ids.iter().zip(owned).filter(|(_, owned)| !owned).map(|(id, _)| *id).collect();
            for &id in &dropped {
                self.partitions[id as usize] = None;
                self.keys.release(id);
            }
            self.active.retain(|p| !dropped.contains(p));
            self.pending.retain(|p| !dropped.contains(&p.partition));
            self.keys.sweep();
        }
        Ok(())
    }
}

impl MatchRecognizeOperator {
    /// What the state is for, compared on restore: partitioning, pattern and input.
    fn shape(&self) -> String {
        let d = &self.spec.definition;
        format!(
            "a MATCH_RECOGNIZE partitioned by columns {:?} with variables {:?} in pattern {:?} over ({})",
            d.partition_keys,
            d.variables,
            d.pattern,
            column_types(&self.spec.input_schema)
        )
    }
}

/// The rows of `handles` (from any segments) as columns of `schema`.
fn gather_handles(handles: &[&RowHandle], schema: &arrow_schema::SchemaRef) -> Result<Vec<arrow_array::ArrayRef>, arrow_schema::ArrowError> {
    let mut segments: HashMap<*const Segment, usize> = HashMap::new();
    let mut batches: Vec<&RecordBatch> = Vec::new();
    let indices: Vec<(usize, usize)> = handles
        .iter()
        .map(|h| {
            let slot = *segments.entry(Arc::as_ptr(&h.segment)).or_insert_with(|| {
                batches.push(&h.segment.batch);
                batches.len() - 1
            });
            (slot, h.row as usize)
        })
        .collect();
    (0..schema.fields().len())
        .map(|c| {
            if indices.is_empty() {
                return Ok(arrow_array::new_empty_array(schema.field(c).data_type()));
            }
            let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            arrow_select::interleave::interleave(&arrays, &indices)
        })
        .collect()
}
