//! Checkpoints of a parallel job, with aligned barriers, as Flink takes them.
//!
//! Any subtask may ask for checkpoint `n` once the one before it completed and the
//! interval passed (`Coordinator::poll`). Each subtask then, between two polls of its
//! sources, saves every source's position and sends barrier `n` after the last rows it
//! returned. A node that receives the barrier on a channel (one sending subtask of an
//! exchanged input, or a chained input) holds back whatever comes after it on that
//! channel until the barrier arrived on every channel that has not ended: then
//! everything before the barriers, and nothing after, has reached the node. It saves its
//! state (a sink pre-commits), sends the barrier on, and takes the held events. Channels
//! never block alignment forever: an ended channel sends no barrier and is not waited
//! for, and every other sender, even an instance that does no work (a `silent` channel)
//! or an idle one, passes barriers on.
//!
//! Once all of its nodes have saved their state, a subtask hands it to the coordinator
//! and waits; the last one to do so saves checkpoint `n` whole. Every subtask then
//! commits its outputs in two steps, waiting for the others after each: first those
//! that cannot complete an interrupted commit after a crash, then the sinks that saved
//! their rows with the checkpoint (see `commits`); the last one marks `n` complete. The
//! steps and the crash points are those of the job on one thread (see `checkpoint`). A
//! subtask does no other work while it waits, and what reaches a sink between its
//! pre-commit and the commit is held back until after it (`commits::SinkLog`), so what a
//! sink pre-committed is exactly what it commits. Waiting cannot deadlock: every barrier
//! a waiting subtask owes has been sent.
//!
//! When every subtask has finished (its input ended, or the job was stopped) a last
//! checkpoint commits what the sinks hold, and then the subtasks end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::parallel::Envelope;
use super::{Checkpointing, Event, Executor};
use crate::checkpoint::{self, NodeState as SavedNode, SavedLayout};
use crate::dataflow::{NodeId, NodeKind};
use crate::RuntimeError;

/// How long a waiting subtask sleeps before it looks at the abort flag again.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// The checkpoints of one parallel job, shared by its subtasks.
pub(super) struct Coordinator {
    parallelism: usize,
    max_parallelism: usize,
    /// Set when a subtask failed: nobody waits for it any more.
    abort: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    round: Mutex<Round>,
    changed: Condvar,
}

/// Where the current checkpoint stands.
struct Round {
    ck: Checkpointing,
    /// The checkpoint being taken, from its request until it completed.
    requested: Option<u64>,
    requested_at: Instant,
    /// Whether `requested` is the last one, asked for once every subtask finished.
    last: bool,
    /// Per subtask, the state it saved for `requested`.
    states: Vec<Option<Vec<SavedNode>>>,
    saved: u64,
    /// How many subtasks committed the outputs that go first (see `commits`).
    first_committed: usize,
    committed: usize,
    completed: u64,
    /// Per subtask: its input ended or the job was stopped.
    finishing: Vec<bool>,
    stopped: bool,
    /// The last checkpoint completed: the subtasks end.
    over: bool,
}

/// What a subtask should do after asking the coordinator.
pub(super) struct Poll {
    /// The checkpoint being taken, if any.
    pub requested: Option<u64>,
    /// The last checkpoint completed: end.
    pub over: bool,
}

impl Coordinator {
    pub(super) fn new(
        ck: Checkpointing,
        parallelism: usize,
        max_parallelism: usize,
        abort: Arc<AtomicBool>,
        stop: Arc<AtomicBool>,
    ) -> Coordinator {
        Coordinator {
            parallelism,
            max_parallelism,
            abort,
            stop,
            round: Mutex::new(Round {
                ck,
                requested: None,
                requested_at: Instant::now(),
                last: false,
                states: vec![None; parallelism],
                saved: 0,
                first_committed: 0,
                committed: 0,
                completed: 0,
                finishing: vec![false; parallelism],
                stopped: false,
                over: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Round>, RuntimeError> {
        self.round.lock().map_err(|_| RuntimeError::Internal("a subtask failed while it held the checkpoint round".into()))
    }

    /// How checkpointing went, for progress lines and the job's report.
    pub(super) fn stats(&self) -> Option<checkpoint::CheckpointStats> {
        self.round.lock().ok().map(|r| r.ck.stats.clone())
    }

    /// Called by subtask `index` once per round of its loop: it says whether it is
    /// finishing (and whether because the job was stopped), and asks for the next
    /// checkpoint when it is due: the last one once every subtask is finishing.
    pub(super) fn poll(&self, index: usize, finishing: bool, stopped: bool) -> Result<Poll, RuntimeError> {
        let mut round = self.lock()?;
        let round = &mut *round;
        round.finishing[index] |= finishing;
        round.stopped |= stopped;
        if round.requested.is_none() && !round.over {
            let config = &round.ck.config;
            let due = config.every_round() || round.ck.last.elapsed() >= config.interval;
            let last = round.finishing.iter().all(|f| *f);
            if last || due {
                round.requested = Some(round.ck.next_id);
                round.requested_at = Instant::now();
                round.last = last;
            }
        }
        Ok(Poll { requested: round.requested, over: round.over })
    }

    /// Waits, with the round locked, until `done` holds; false when the job was aborted.
    fn wait<'a>(
        &self,
        mut round: MutexGuard<'a, Round>,
        done: impl Fn(&Round) -> bool,
    ) -> Result<Option<MutexGuard<'a, Round>>, RuntimeError> {
        while !done(&round) {
            if self.abort.load(Ordering::Relaxed) {
                return Ok(None);
            }
            round = self
                .changed
                .wait_timeout(round, WAIT_SLICE)
                .map_err(|_| RuntimeError::Internal("a subtask failed while it held the checkpoint round".into()))?
                .0;
        }
        Ok(Some(round))
    }

    /// Subtask `index` saved `states` for checkpoint `id`; returns once the checkpoint
    /// is saved whole (false: the job was aborted meanwhile).
    fn saved(&self, index: usize, id: u64, states: Vec<SavedNode>) -> Result<bool, RuntimeError> {
        let mut round = self.lock()?;
        round.states[index] = Some(states);
        if round.states.iter().all(Option::is_some) {
            let all: Vec<SavedNode> = round.states.iter_mut().flat_map(|s| s.take().unwrap_or_default()).collect();
            let millis = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let layout = SavedLayout { parallelism: self.parallelism, max_parallelism: self.max_parallelism };
            let bytes = round.ck.store.save(id, millis, layout, &all).map_err(super::storage_error)?;
            round.ck.stats.last_bytes = bytes;
            checkpoint::test_hooks("after-save", id)?;
            round.saved = id;
            self.changed.notify_all();
            return Ok(true);
        }
        Ok(self.wait(round, |r| r.saved >= id)?.is_some())
    }

    /// A subtask committed the outputs of checkpoint `id` that go first (those that
    /// cannot complete a commit after a crash); returns once every subtask has (false:
    /// the job was aborted).
    fn first_committed(&self, id: u64) -> Result<bool, RuntimeError> {
        let mut round = self.lock()?;
        round.first_committed += 1;
        if round.first_committed == self.parallelism {
            self.changed.notify_all();
            return Ok(true);
        }
        Ok(self.wait(round, |r| r.first_committed == self.parallelism || r.completed >= id)?.is_some())
    }

    /// Subtask `index` committed its sinks for checkpoint `id`; returns once every
    /// subtask has and the checkpoint is complete (false: the job was aborted).
    fn committed(&self, id: u64) -> Result<bool, RuntimeError> {
        let mut round = self.lock()?;
        round.committed += 1;
        if round.committed == self.parallelism {
            checkpoint::test_hooks("after-commit", id)?;
            let round = &mut *round;
            let ck = &mut round.ck;
            ck.store.complete(id).map_err(super::storage_error)?;
            checkpoint::test_hooks("after-complete", id)?;
            ck.store.prune(ck.config.retained);
            ck.next_id = id + 1;
            ck.last = Instant::now();
            ck.stats.completed += 1;
            ck.stats.last_id = Some(id);
            ck.stats.last_duration = round.requested_at.elapsed();
            if ck.stats.last_duration >= ck.stats.longest {
                ck.stats.longest = ck.stats.last_duration;
                ck.stats.longest_bytes = ck.stats.last_bytes;
            }
            if checkpoint::stop_point(id) {
                self.stop.store(true, Ordering::Relaxed);
            }
            if round.last {
                round.over = true;
                if round.stopped {
                    log_stopped(ck, id)?;
                }
            }
            round.requested = None;
            round.first_committed = 0;
            round.committed = 0;
            round.completed = id;
            self.changed.notify_all();
            return Ok(true);
        }
        Ok(self.wait(round, |r| r.completed >= id)?.is_some())
    }
}

/// The log lines (and the savepoint) of a job stopped with checkpoint `id`.
fn log_stopped(ck: &Checkpointing, id: u64) -> Result<(), RuntimeError> {
    tracing::info!(target: "sluice::checkpoint",
        "job \"{}\" stopped with checkpoint {id} in {}: run the script again to resume there",
        ck.config.job,
        ck.store.location()
    );
    if let Some(dir) = &ck.config.savepoint_dir {
        let to = checkpoint::Storage::open(dir, &ck.config.storage_options).map_err(super::storage_error)?;
        let path = ck.store.savepoint(id, &to).map_err(super::storage_error)?;
        tracing::info!(target: "sluice::checkpoint",
            "savepoint written to {path}: resume from it with SET 'execution.state-recovery.path' = '{path}'"
        );
    }
    Ok(())
}

/// One subtask's part in the checkpoint it is taking.
pub(super) struct Aligning {
    id: u64,
    /// The subtask has saved its sources' positions and sent their barriers; until then
    /// no node saves its state (barriers from other subtasks only hold channels).
    begun: bool,
    /// Per node, per input, per channel (one slot for a chained input): whether the
    /// barrier arrived.
    seen: Vec<Vec<Vec<bool>>>,
    /// Per node: it saved its state and sent the barrier on.
    snapshotted: Vec<bool>,
    /// What arrived on channels after their barrier, in arrival order.
    held: Vec<Held>,
    states: Vec<SavedNode>,
}

/// An event held back until its node aligned.
enum Held {
    /// From another subtask (or this one) through an exchange.
    Exchanged(Envelope),
    /// From the node's upstream in this subtask.
    Chained { to: NodeId, input: usize, event: Event },
}

impl Held {
    fn to(&self) -> NodeId {
        match self {
            Held::Exchanged(e) => e.to,
            Held::Chained { to, .. } => *to,
        }
    }
}

/// What a subtask does next, after its checkpoint step.
pub(super) enum Step {
    Go,
    /// The last checkpoint completed.
    Over,
    /// Another subtask failed.
    Aborted,
}

impl Executor {
    /// Whether this executor is a subtask of a parallel job with checkpoints.
    pub(super) fn coordinated(&self) -> bool {
        self.subtask.as_ref().is_some_and(|s| s.coordinator.is_some())
    }

    fn coordinator(&self) -> Option<Arc<Coordinator>> {
        self.subtask.as_ref().and_then(|s| s.coordinator.clone())
    }

    fn new_aligning(&self, id: u64) -> Aligning {
        let seen = self
            .nodes
            .iter()
            .map(|n| n.channels.iter().map(|c| vec![false; c.len().max(1)]).collect())
            .collect();
        Aligning { id, begun: false, seen, snapshotted: vec![false; self.nodes.len()], held: Vec::new(), states: Vec::new() }
    }

    /// A subtask's checkpoint work in one round of its loop: asks for a checkpoint when
    /// one is due, begins the requested one, and once all its nodes saved their state,
    /// takes its part in saving and committing it.
    pub(super) fn checkpoint_step(&mut self, finishing: bool, stopped: bool) -> Result<Step, RuntimeError> {
        let Some(coordinator) = self.coordinator() else { return Ok(Step::Go) };
        let index = self.subtask()?.index;
        let poll = coordinator.poll(index, finishing, stopped)?;
        if poll.over {
            return Ok(Step::Over);
        }
        if let Some(id) = poll.requested {
            if !self.align.as_ref().is_some_and(|a| a.id == id && a.begun) {
                self.begin(id)?;
            }
        }
        let Some(align) = &self.align else { return Ok(Step::Go) };
        if !align.begun || !align.snapshotted.iter().all(|s| *s) {
            return Ok(Step::Go);
        }
        let Some(align) = self.align.take() else { return Ok(Step::Go) };
        let id = align.id;
        if !coordinator.saved(index, id, align.states)? {
            return Ok(Step::Aborted);
        }
        self.commit_outputs_first(id)?;
        if !coordinator.first_committed(id)? {
            return Ok(Step::Aborted);
        }
        self.commit_outputs_last(id)?;
        if !coordinator.committed(id)? {
            return Ok(Step::Aborted);
        }
        self.checkpointed = id;
        // Positions outside the job (Kafka group offsets) follow, for monitoring.
        self.commit_sources()?;
        Ok(Step::Go)
    }

    /// Begins checkpoint `id` in this subtask: saves each source's position and sends
    /// its barrier, then lets every node that can align do so.
    fn begin(&mut self, id: u64) -> Result<(), RuntimeError> {
        if self.subtask()?.index == 0 {
            checkpoint::test_hooks("before-snapshot", id)?;
        }
        match &self.align {
            Some(a) if a.id == id => {}
            Some(a) => {
                return Err(RuntimeError::Internal(format!(
                    "checkpoint {id} began while checkpoint {} was still aligning",
                    a.id
                )))
            }
            None => self.align = Some(self.new_aligning(id)),
        }
        if let Some(a) = &mut self.align {
            a.begun = true;
        }
        let subtask = self.subtask()?.index;
        for source in 0..self.nodes.len() {
            let (node_id, fingerprint) = self.node_identity(source);
            let node = &mut self.nodes[source];
            let NodeKind::Source(reader) = &mut node.kind else { continue };
            let fail = |e| RuntimeError::Connector { node: node.name.clone(), source: e };
            if !node.finished {
                reader.pre_commit(id).map_err(fail)?;
            }
            let state = reader.snapshot().map_err(fail)?;
            node.metrics.state_bytes = Some(state.len() as u64);
            let saved = SavedNode { id: node_id, name: node.name.clone(), fingerprint, subtask, state };
            let finished = node.finished;
            if let Some(a) = &mut self.align {
                a.states.push(saved);
                a.snapshotted[source] = true;
            }
            if !finished {
                self.push(source, Event::Barrier(id))?;
            }
        }
        for node in 0..self.nodes.len() {
            self.try_align(node)?;
        }
        Ok(())
    }

    /// Whether an event from subtask `from` for input `input` of node `to` must wait:
    /// the barrier came first on that channel and the node has not aligned yet.
    pub(super) fn held_back(&self, to: NodeId, input: usize, from: usize) -> bool {
        self.align.as_ref().is_some_and(|a| {
            !a.snapshotted[to] && a.seen.get(to).and_then(|i| i.get(input)).and_then(|c| c.get(from)).copied().unwrap_or(false)
        })
    }

    /// Holds an event that came through an exchange back until its node aligned.
    pub(super) fn hold(&mut self, envelope: Envelope) {
        if let Some(a) = &mut self.align {
            a.held.push(Held::Exchanged(envelope));
        }
    }

    /// Holds an event from a chained upstream back until its node aligned.
    pub(super) fn hold_chained(&mut self, to: NodeId, input: usize, event: Event) {
        if let Some(a) = &mut self.align {
            a.held.push(Held::Chained { to, input, event });
        }
    }

    /// Whether this subtask is aligning a checkpoint it began: its sources wait, so that
    /// what they return meanwhile does not pile up behind the barriers.
    pub(super) fn aligning(&self) -> bool {
        self.align.as_ref().is_some_and(|a| a.begun && !a.snapshotted.iter().all(|s| *s))
    }

    /// Barrier `id` arrived on channel `slot` (the sending subtask; 0 for a chained
    /// input) of input `input` of node `to`.
    pub(super) fn on_barrier(&mut self, to: NodeId, input: usize, slot: usize, id: u64) -> Result<(), RuntimeError> {
        if id <= self.checkpointed {
            // From an instance that ended: its channels ended before, nobody waits.
            return Ok(());
        }
        if self.align.is_none() {
            self.align = Some(self.new_aligning(id));
        }
        let Some(a) = &mut self.align else { return Ok(()) };
        if a.id != id {
            return Err(RuntimeError::Internal(format!("barrier {id} arrived while checkpoint {} was aligning", a.id)));
        }
        let Some(seen) = a.seen.get_mut(to).and_then(|i| i.get_mut(input)).and_then(|c| c.get_mut(slot)) else {
            return Err(RuntimeError::Internal(format!("a barrier on channel {slot} of input {input} of node {to}, which has none")));
        };
        *seen = true;
        self.try_align(to)
    }

    /// Saves node `to`'s state and sends the barrier on, once the barrier arrived on
    /// every channel of every input that has not ended; then takes what was held back.
    pub(super) fn try_align(&mut self, to: NodeId) -> Result<(), RuntimeError> {
        let Some(a) = &self.align else { return Ok(()) };
        if !a.begun || a.snapshotted[to] {
            return Ok(());
        }
        let node = &self.nodes[to];
        let aligned = (0..node.inputs).all(|input| match node.channels.get(input).filter(|c| !c.is_empty()) {
            None => node.input_ended[input] || a.seen[to][input][0],
            Some(channels) => channels.iter().enumerate().all(|(from, c)| c.ended || a.seen[to][input][from]),
        });
        if !aligned {
            return Ok(());
        }
        let id = a.id;
        let subtask = self.subtask()?.index;
        let (node_id, fingerprint) = self.node_identity(to);
        let node = &mut self.nodes[to];
        let state = match &mut node.kind {
            NodeKind::Operator(op) => op.snapshot()?,
            NodeKind::Sink(_) if node.finished => None,
            NodeKind::Sink(writer) => {
                writer.pre_commit(id).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                node.log.prepared()?
            }
            NodeKind::Source(_) => None,
        };
        if !matches!(node.kind, NodeKind::Source(_)) {
            node.metrics.state_bytes = state.as_ref().map(|s| s.len() as u64);
        }
        let saved = state.map(|state| SavedNode { id: node_id, name: node.name.clone(), fingerprint, subtask, state });
        let held = {
            let Some(a) = &mut self.align else { return Ok(()) };
            a.states.extend(saved);
            a.snapshotted[to] = true;
            let (mine, others): (Vec<Held>, Vec<Held>) = std::mem::take(&mut a.held).into_iter().partition(|e| e.to() == to);
            a.held = others;
            mine
        };
        // A node that ended has ended every channel downstream: nobody waits for its barrier.
        if !self.nodes[to].done {
            self.push(to, Event::Barrier(id))?;
        }
        for held in held {
            match held {
                Held::Exchanged(envelope) => self.receive(envelope)?,
                Held::Chained { to, input, event } => self.deliver(to, input, event)?,
            }
        }
        Ok(())
    }
}
