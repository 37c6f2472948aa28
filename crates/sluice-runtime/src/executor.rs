use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice_connector_api::{ChangeBatch, ConnectorError, SinkWriter, SourcePoll, SplitId};

use crate::checkpoint::{self, CheckpointConfig, CheckpointStats, CheckpointStore, NodeState as SavedNode, SavedLayout};
use crate::dataflow::{Dataflow, NodeId, NodeKind};
use crate::exchange::Distribution;
use crate::metrics::{NodeMetrics, NodeReport};
use crate::operator::{KeyGroupFilter, Output, OutputEvent, SplitEvent, WATERMARK_END};
use crate::RuntimeError;

mod aligned;
mod commits;
mod parallel;

pub use parallel::run_parallel;

/// What `ExecutorOptions::progress` calls.
pub type ProgressCallback = Box<dyn FnMut(&[NodeReport], Option<&CheckpointStats>) + Send>;

/// What `ExecutorOptions::sink_tap` calls: the sink's node name and a batch it is about
/// to write.
pub type SinkTap = Box<dyn FnMut(&str, &ChangeBatch) + Send>;

/// How a job is run.
pub struct ExecutorOptions {
    /// Set from outside (Ctrl-C) to stop an unbounded job; sinks are flushed and closed.
    pub stop: Arc<AtomicBool>,
    /// Called with a snapshot of every node's counters (and how checkpointing goes) at
    /// this interval.
    pub progress: Option<(Duration, ProgressCallback)>,
    /// How often sinks are flushed and sources commit their positions (Kafka offsets),
    /// while every operator is stateless. A job that holds rows in state commits only
    /// when its input has ended, until checkpoints exist.
    pub commit_interval: Duration,
    /// How often sinks are asked to write what they buffer, between commits.
    pub flush_interval: Duration,
    /// Take checkpoints (and resume from the last one) as this says.
    pub checkpoints: Option<CheckpointConfig>,
    /// Sees every batch a sink writes (a worker of `sluice server` keeps the last rows for
    /// the console's live tail).
    pub sink_tap: Option<SinkTap>,
}

impl Default for ExecutorOptions {
    fn default() -> Self {
        ExecutorOptions {
            stop: Arc::new(AtomicBool::new(false)),
            progress: None,
            commit_interval: Duration::from_secs(5),
            flush_interval: Duration::from_secs(1),
            checkpoints: None,
            sink_tap: None,
        }
    }
}

/// What a finished job did.
#[derive(Clone, Debug)]
pub struct JobReport {
    pub nodes: Vec<NodeReport>,
    pub elapsed: Duration,
    /// Whether the job was stopped from outside before its inputs ended.
    pub stopped: bool,
    /// How checkpointing went, when it was on.
    pub checkpoints: Option<CheckpointStats>,
}

impl JobReport {
    /// Rows read by all sources.
    pub fn rows_read(&self) -> u64 {
        self.nodes.iter().filter_map(|n| n.source_stats.as_ref()).map(|s| s.records).sum()
    }
}

struct NodeState {
    name: String,
    kind: NodeKind,
    inputs: usize,
    /// The nodes it reads from, for reports.
    input_ids: Vec<NodeId>,
    downstream: Vec<(NodeId, usize)>,
    input_watermarks: Vec<i64>,
    /// Inputs that are idle: their watermark does not count in the minimum.
    input_idle: Vec<bool>,
    /// Whether this node tells its downstream that it is idle (a source after its idle
    /// timeout, an operator whose inputs are all idle).
    idle: bool,
    idle_timeout: Option<Duration>,
    /// When a source last produced rows.
    last_data: Instant,
    watermark: i64,
    /// The minimum of the input watermarks last handed to the node.
    combined_input: i64,
    ended_inputs: usize,
    /// For a sink: `finish` was called. With checkpoints on, a sink whose input ended
    /// stays open until the final checkpoint has committed its output.
    finished: bool,
    /// The node has nothing more to do: a source that finished, an operator or sink
    /// whose every input ended. A subtask of a parallel job ends when all its nodes are.
    done: bool,
    /// Per input, which instance its rows must reach (all `Forward` on one thread).
    distributions: Vec<Distribution>,
    /// Per input behind an exchange, what each sending subtask last said (empty for a
    /// chained input, and on one thread).
    channels: Vec<Vec<parallel::Channel>>,
    /// Per input, whether it ended.
    input_ended: Vec<bool>,
    /// Whether the node has a working instance in every subtask of a parallel job (a
    /// split source, a keyed operator, what is chained to them), rather than one.
    spread: bool,
    /// For a sink: its rows kept for checkpoints and those held back until a commit
    /// (`commits`).
    log: commits::SinkLog,
    metrics: NodeMetrics,
}

/// A checkpoint folder that cannot be read or written (a local folder or a bucket): an
/// outage to retry, or a setting to fix, never a bug of Sluice's.
fn storage_error(message: String) -> RuntimeError {
    RuntimeError::Connector { node: "checkpoint storage".into(), source: sluice_connector_api::ConnectorError::External(message) }
}

/// Runs a `Dataflow` on the calling thread: sources are polled in turn and each batch is
/// pushed through the operators down to the sinks before the next poll, so no batch
/// waits in a queue and memory stays bounded by the operators' own state.
pub struct Executor {
    nodes: Vec<NodeState>,
    options: ExecutorOptions,
    checkpoints: Option<Checkpointing>,
    /// This executor's place in a parallel job, when it runs one subtask of it.
    subtask: Option<parallel::Subtask>,
    /// `pipeline.max-parallelism`, for restoring state saved at another parallelism.
    max_parallelism: usize,
    /// The checkpoint this subtask of a parallel job is taking, while it aligns.
    align: Option<aligned::Aligning>,
    /// The last checkpoint this subtask took part in.
    checkpointed: u64,
}

/// A job's checkpointing while it runs.
struct Checkpointing {
    config: CheckpointConfig,
    store: CheckpointStore,
    next_id: u64,
    last: Instant,
    stats: CheckpointStats,
}

#[derive(Clone)]
enum Event {
    Batch(ChangeBatch),
    /// From a source with splits, to the operator right after it.
    Split(SplitId, SplitEvent),
    Watermark(i64),
    /// The sender became idle (`true`) or active again (`false`).
    Idle(bool),
    End,
    /// Checkpoint `n`'s barrier (parallel jobs): everything before it on this input
    /// belongs to checkpoint `n`, everything after to the next.
    Barrier(u64),
}

impl Executor {
    pub fn new(dataflow: Dataflow, options: ExecutorOptions) -> Self {
        let distributions: Vec<Vec<Distribution>> = (0..dataflow.nodes.len())
            .map(|id| (0..dataflow.nodes[id].inputs.len()).map(|input| dataflow.input_distribution(id, input)).collect())
            .collect();
        // Whether each node has an instance with state in every subtask at a parallelism
        // above 1, counting every source as split (a job lowered at parallelism 1 does not
        // know which are; the spare readers of the others save empty positions).
        let mut spread: Vec<bool> = Vec::with_capacity(dataflow.nodes.len());
        for (id, node) in dataflow.nodes.iter().enumerate() {
            let s = node.inputs.is_empty()
                || (0..node.inputs.len()).any(|input| match &distributions[id][input] {
                    Distribution::Forward => spread[node.inputs[input]],
                    Distribution::Hash(_) => true,
                    Distribution::Single => false,
                });
            spread.push(s);
        }
        let mut downstream: Vec<Vec<(NodeId, usize)>> = vec![Vec::new(); dataflow.nodes.len()];
        for (id, node) in dataflow.nodes.iter().enumerate() {
            for (idx, input) in node.inputs.iter().enumerate() {
                downstream[*input].push((id, idx));
            }
        }
        let nodes = dataflow
            .nodes
            .into_iter()
            .zip(downstream)
            .zip(distributions)
            .zip(spread)
            .map(|(((node, downstream), distributions), spread)| NodeState {
                distributions,
                channels: Vec::new(),
                input_ended: vec![false; node.inputs.len()],
                spread,
                done: false,
                name: node.name,
                kind: node.kind,
                inputs: node.inputs.len(),
                input_ids: node.inputs.clone(),
                downstream,
                input_watermarks: vec![i64::MIN; node.inputs.len()],
                input_idle: vec![false; node.inputs.len()],
                idle: false,
                idle_timeout: node.idle_timeout,
                last_data: Instant::now(),
                watermark: i64::MIN,
                combined_input: i64::MIN,
                ended_inputs: 0,
                finished: false,
                log: commits::SinkLog::default(),
                metrics: NodeMetrics::default(),
            })
            .collect();
        Executor {
            nodes,
            options,
            checkpoints: None,
            subtask: None,
            max_parallelism: crate::exchange::DEFAULT_MAX_PARALLELISM,
            align: None,
            checkpointed: 0,
        }
    }

    /// Runs until every source has ended (or the stop flag is set), then closes the sinks.
    pub fn run(mut self) -> Result<JobReport, RuntimeError> {
        let start = Instant::now();
        let sources: Vec<NodeId> = (0..self.nodes.len())
            .filter(|id| matches!(self.nodes[*id].kind, NodeKind::Source(_)))
            .collect();
        let mut last_progress = Instant::now();
        let mut last_commit = Instant::now();
        let mut last_flush = Instant::now();
        let stateless = self.nodes.iter().all(|n| match &n.kind {
            NodeKind::Operator(op) => op.is_stateless(),
            _ => true,
        });
        let mut idle_rounds = 0u32;
        let mut stopped = false;
        self.open_checkpoints()?;
        loop {
            if self.options.stop.load(Ordering::Relaxed) {
                stopped = true;
                break;
            }
            let mut active = 0;
            let mut progressed = false;
            for &id in &sources {
                if self.nodes[id].finished {
                    continue;
                }
                active += 1;
                progressed |= self.poll_source(id)?;
            }
            if active == 0 {
                break;
            }
            if progressed {
                idle_rounds = 0;
            } else {
                // Operators flush what they buffer, and processing-time clocks tick.
                self.quiet()?;
                // Every source is waiting: back off a little, up to 10 ms.
                idle_rounds = (idle_rounds + 1).min(10);
                std::thread::sleep(Duration::from_millis(idle_rounds as u64));
            }
            if self.checkpoints.as_ref().is_some_and(|c| c.config.every_round() || c.last.elapsed() >= c.config.interval) {
                last_flush = Instant::now();
                self.checkpoint()?;
            } else if self.checkpoints.is_none() && stateless && last_commit.elapsed() >= self.options.commit_interval {
                last_commit = Instant::now();
                last_flush = last_commit;
                self.commit()?;
            } else if last_flush.elapsed() >= self.options.flush_interval {
                // Buffering sinks (`sink.buffer-flush.interval`, `sink.bulk-flush.interval`)
                // write what they hold even while no rows arrive, as Flink's flush timers do.
                last_flush = Instant::now();
                self.flush_sinks()?;
            }
            if let Some((interval, callback)) = &mut self.options.progress {
                if last_progress.elapsed() >= *interval {
                    last_progress = Instant::now();
                    let snapshot = Self::reports(&self.nodes);
                    callback(&snapshot, self.checkpoints.as_ref().map(|c| &c.stats));
                }
            }
        }
        if self.checkpoints.is_some() {
            // The final checkpoint commits what the sinks hold (after a stop, or at the
            // end of bounded input), so that a run with the same checkpoints resumes
            // right after the last row written.
            self.checkpoint()?;
            if stopped {
                if let Some(ck) = &self.checkpoints {
                    let id = ck.next_id - 1;
                    tracing::info!(target: "sluice::checkpoint",
                        "job \"{}\" stopped with checkpoint {id} in {}: run the script again to resume there",
                        ck.config.job,
                        ck.store.location()
                    );
                    if let Some(dir) = &ck.config.savepoint_dir {
                        let to = checkpoint::Storage::open(dir, &ck.config.storage_options).map_err(storage_error)?;
                        let path = ck.store.savepoint(id, &to).map_err(storage_error)?;
                        tracing::info!(target: "sluice::checkpoint",
                            "savepoint written to {path}: resume from it with SET 'execution.state-recovery.path' = '{path}'"
                        );
                    }
                }
            }
            self.finish_sinks()?;
            let stats = self.checkpoints.take().map(|c| c.stats);
            return Ok(JobReport { nodes: Self::reports(&self.nodes), elapsed: start.elapsed(), stopped, checkpoints: stats });
        }
        if stopped {
            // Flush and close every sink so that nothing written so far is lost.
            self.finish_sinks()?;
        }
        // Every sink has finished: what the sources returned is written, unless the job
        // was stopped while operators held rows in state.
        if !stopped || stateless {
            self.commit()?;
        }
        Ok(JobReport { nodes: Self::reports(&self.nodes), elapsed: start.elapsed(), stopped, checkpoints: None })
    }

    /// Polls source `id` once and pushes what it returned; returns whether it returned
    /// anything.
    fn poll_source(&mut self, id: NodeId) -> Result<bool, RuntimeError> {
        let poll = self.poll_only(id)?;
        self.handle_poll(id, poll)
    }

    /// Polls source `id` once, counting the time it took.
    fn poll_only(&mut self, id: NodeId) -> Result<SourcePoll, RuntimeError> {
        Ok({
            let node = &mut self.nodes[id];
            let NodeKind::Source(reader) = &mut node.kind else { unreachable!() };
            let t = Instant::now();
            let poll = reader
                .poll_next()
                .map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
            node.metrics.busy += t.elapsed();
            poll
        })
    }

    /// Pushes what source `id` returned; returns whether it returned anything.
    fn handle_poll(&mut self, id: NodeId, poll: SourcePoll) -> Result<bool, RuntimeError> {
        let mut progressed = false;
        match poll {
            SourcePoll::Batch(batch) => {
                progressed = true;
                self.source_rows(id, batch.num_rows())?;
                self.push(id, Event::Batch(batch))?;
            }
            SourcePoll::SplitBatch { split, batch } => {
                progressed = true;
                self.source_rows(id, batch.num_rows())?;
                self.push(id, Event::Split(split, SplitEvent::Batch(batch)))?;
            }
            SourcePoll::SplitAdded(split) => {
                progressed = true;
                self.push(id, Event::Split(split, SplitEvent::Added))?;
            }
            SourcePoll::SplitFinished(split) => {
                progressed = true;
                self.push(id, Event::Split(split, SplitEvent::Finished))?;
            }
            SourcePoll::Pending => {
                let node = &mut self.nodes[id];
                if !node.idle && node.idle_timeout.is_some_and(|t| node.last_data.elapsed() >= t) {
                    node.idle = true;
                    self.push(id, Event::Idle(true))?;
                }
            }
            SourcePoll::Finished => {
                progressed = true;
                self.nodes[id].finished = true;
                self.nodes[id].done = true;
                if self.nodes[id].idle {
                    self.nodes[id].idle = false;
                    self.push(id, Event::Idle(false))?;
                }
                self.push(id, Event::Watermark(WATERMARK_END))?;
                self.push(id, Event::End)?;
            }
        }
        Ok(progressed)
    }

    /// A node's stable id in checkpoints (its position and name, the same for an
    /// unchanged query) and the fingerprint of what its state means.
    fn node_identity(&self, id: NodeId) -> (String, u64) {
        let node = &self.nodes[id];
        let kind = match node.kind {
            NodeKind::Source(_) => "source",
            NodeKind::Operator(_) => "operator",
            NodeKind::Sink(_) => "sink",
        };
        (format!("{id}:{}", node.name), checkpoint::fingerprint(&[kind, &node.name]))
    }

    /// With checkpoints on: checks that every node can take part, then resumes from the
    /// newest checkpoint whose output was committed (or `execution.state-recovery.path`).
    fn open_checkpoints(&mut self) -> Result<(), RuntimeError> {
        let Some(config) = self.options.checkpoints.take() else { return Ok(()) };
        self.check_checkpointable()?;
        let root = checkpoint::Storage::open(&config.root, &config.storage_options).map_err(storage_error)?;
        let store = CheckpointStore::new(&root, &config.job);
        let recorded = store.running_parallelism().map_err(storage_error)?;
        if config.fresh {
            store.clear().map_err(storage_error)?;
        }
        let committed = self.participants()?;
        keep_redo(&config.job, &committed, std::slice::from_mut(self));
        let (restore, next_id) = choose_restore(&store, &config, &committed)?;
        let place = Place { subtask: 0, parallelism: 1, max_parallelism: self.max_parallelism };
        let former = former_parallelism(recorded, restore.as_ref());
        self.recover_and_restore(restore.as_ref(), &config, place, former)?;
        store.set_running_parallelism(1).map_err(storage_error)?;
        if let Some(saved) = &restore {
            log_resuming(&config, saved);
        }
        self.checkpoints =
            Some(Checkpointing { config, store, next_id, last: Instant::now(), stats: CheckpointStats::default() });
        Ok(())
    }

    /// Refuses a job with a node that cannot take part in checkpoints.
    fn check_checkpointable(&mut self) -> Result<(), RuntimeError> {
        let refuse = |node: &str, why: String| RuntimeError::Operator {
            node: node.to_string(),
            message: format!(
                "{why}; run the job without 'execution.checkpointing.interval' (checkpoints for it are not supported yet)"
            ),
        };
        for node in &mut self.nodes {
            match &mut node.kind {
                NodeKind::Operator(op) if !op.checkpointable() => {
                    return Err(refuse(&node.name, "this operator cannot save its state in a checkpoint yet".into()))
                }
                NodeKind::Source(reader) => {
                    if let Err(e) = reader.snapshot() {
                        return Err(refuse(&node.name, e.to_string()));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Commits checkpoint `id`'s output that cannot be completed after a crash: the
    /// sinks that do not save their rows with the checkpoint, and each source's
    /// transactional dead letters. They go first (see `commits`).
    fn commit_outputs_first(&mut self, id: u64) -> Result<(), RuntimeError> {
        self.each_open_sink_at_once(|node| !node.log.keeps_redo(), |writer| writer.commit(id))?;
        for node in &mut self.nodes {
            if let NodeKind::Source(reader) = &mut node.kind {
                reader.commit_checkpoint(id).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
            }
        }
        Ok(())
    }

    /// Commits checkpoint `id`'s output of the sinks that saved their rows with it, then
    /// hands every sink what arrived since its pre-commit.
    fn commit_outputs_last(&mut self, id: u64) -> Result<(), RuntimeError> {
        self.each_open_sink_at_once(
            |node| node.log.keeps_redo(),
            |writer| checkpoint::one_commit(id, || writer.commit(id)),
        )?;
        for node in &mut self.nodes {
            if let NodeKind::Sink(writer) = &mut node.kind {
                node.log.release(writer.as_mut()).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
            }
        }
        Ok(())
    }

    /// Commits checkpoint `id`'s output, in the order `commits` explains.
    fn commit_outputs(&mut self, id: u64) -> Result<(), RuntimeError> {
        self.commit_outputs_first(id)?;
        self.commit_outputs_last(id)
    }

    /// Every transactional output (a sink, or a source's dead letters) and the newest
    /// checkpoint it says it committed.
    fn participants(&mut self) -> Result<Vec<commits::Participant>, RuntimeError> {
        let subtask = self.subtask.as_ref().map_or(0, |s| s.index);
        let mut found = Vec::new();
        for index in 0..self.nodes.len() {
            let (node_id, _) = self.node_identity(index);
            let node = &mut self.nodes[index];
            let fail = |e| RuntimeError::Connector { node: node.name.clone(), source: e };
            let (committed, sink) = match &mut node.kind {
                NodeKind::Sink(writer) if !node.finished => (writer.committed_checkpoint().map_err(fail)?, Some((node_id, subtask))),
                NodeKind::Source(reader) => (reader.committed_checkpoint().map_err(fail)?, None),
                _ => (None, None),
            };
            let Some(committed) = committed else { continue };
            node.log.transactional = sink.is_some();
            found.push(commits::Participant { committed, sink });
        }
        Ok(found)
    }

    /// Tells every source and sink which checkpoint the job resumes from, then gives
    /// each source and operator its saved state. `former` is how many subtasks the run
    /// before had: a sink writer also settles what the writers of the subtasks this run
    /// no longer has left, each removed subtask given to the one writer it falls to by
    /// the modulo of the parallelism.
    fn recover_and_restore(
        &mut self,
        restore: Option<&checkpoint::SavedCheckpoint>,
        config: &CheckpointConfig,
        place: Place,
        former: usize,
    ) -> Result<(), RuntimeError> {
        let resumed = restore.map(|saved| saved.id);
        let removed: Vec<usize> = (place.parallelism..former).filter(|t| t % place.parallelism == place.subtask).collect();
        for index in 0..self.nodes.len() {
            let (node_id, _) = self.node_identity(index);
            let node = &mut self.nodes[index];
            let recovered = match &mut node.kind {
                NodeKind::Source(reader) => reader.recover(resumed).and_then(|()| {
                    if place.subtask == 0 && former != place.parallelism {
                        reader.recover_former(former, resumed)
                    } else {
                        Ok(())
                    }
                }),
                NodeKind::Sink(writer) => writer.recover(resumed).and_then(|()| {
                    if let Some(saved) = restore {
                        // Saved rows of the checkpoint: this writer's, and the removed subtasks'.
                        let states = saved.nodes.iter().filter(|n| {
                            n.id == node_id && (n.subtask == place.subtask || removed.contains(&n.subtask))
                        });
                        commits::complete_saved_commits(writer.as_mut(), &node.name, saved.id, place.subtask, states)?;
                    }
                    if removed.is_empty() { Ok(()) } else { writer.recover_removed(&removed, resumed) }
                }),
                NodeKind::Operator(_) => Ok(()),
            };
            recovered.map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
        }
        match restore {
            Some(saved) => self.restore(saved, config.ignore_unclaimed_state, place),
            None => Ok(()),
        }
    }

    /// Gives each source and operator its saved state. State for a node the job no
    /// longer has, or whose meaning changed, is an error naming it, unless
    /// `execution.state-recovery.ignore-unclaimed-state` lets it go.
    ///
    /// Saved at this parallelism, each instance takes what the same instance saved. Saved
    /// at another, state is handed out again: a node with one working instance takes
    /// what the first instance saved; every instance of a source reads all instances'
    /// positions and keeps those of the splits (partitions, files) it now reads; every
    /// instance of a keyed operator reads all instances' state and keeps the keys whose
    /// key group it now owns.
    fn restore(&mut self, saved: &checkpoint::SavedCheckpoint, ignore_unclaimed: bool, place: Place) -> Result<(), RuntimeError> {
        let layout = saved.layout;
        let rescaled = layout.parallelism != place.parallelism;
        if layout.parallelism > 1 && layout.max_parallelism != place.max_parallelism {
            return Err(RuntimeError::Operator {
                node: "checkpoint".into(),
                message: format!(
                    "checkpoint {} was taken with 'pipeline.max-parallelism' = '{}', but the job now has {}: keyed \
                     state is split into that many key groups and cannot be split another way. Set \
                     'pipeline.max-parallelism' = '{}' again, or start over with `sluice run --fresh`",
                    saved.id, layout.max_parallelism, place.max_parallelism, layout.max_parallelism
                ),
            });
        }
        let identities: Vec<(String, u64)> = (0..self.nodes.len()).map(|id| self.node_identity(id)).collect();
        // Each node's saved instances, in subtask order.
        let mut groups: Vec<(&str, Vec<&SavedNode>)> = Vec::new();
        for state in &saved.nodes {
            match groups.iter_mut().find(|(id, _)| *id == state.id) {
                Some((_, states)) => states.push(state),
                None => groups.push((&state.id, vec![state])),
            }
        }
        for (_, states) in &mut groups {
            states.sort_by_key(|s| s.subtask);
        }
        for (node_id, states) in groups {
            let first = states[0];
            let target = identities.iter().position(|(id, _)| *id == node_id);
            let target = match target {
                Some(id) if identities[id].1 == first.fingerprint => id,
                _ if ignore_unclaimed => continue,
                found => {
                    let why = if found.is_some() { "means something else in this query" } else { "is not in this query" };
                    return Err(RuntimeError::Operator {
                        node: first.name.clone(),
                        message: format!(
                            "checkpoint {} holds state of node \"{}\", which {why}: the query changed in a way its \
                             state cannot follow. Start over with `sluice run --fresh`, or set \
                             'execution.state-recovery.ignore-unclaimed-state' = 'true' to drop that state",
                            saved.id, node_id
                        ),
                    });
                }
            };
            let node = &mut self.nodes[target];
            let fail = |name: &str, e| RuntimeError::Connector { node: name.to_string(), source: e };
            if !rescaled {
                let Some(state) = states.iter().find(|s| s.subtask == place.subtask) else { continue };
                match &mut node.kind {
                    NodeKind::Source(reader) => reader.restore(&state.state).map_err(|e| fail(&node.name, e))?,
                    NodeKind::Operator(op) => op.restore(&state.state)?,
                    NodeKind::Sink(_) => {}
                }
                continue;
            }
            if !node.spread && !matches!(node.kind, NodeKind::Source(_)) {
                // One working instance, the first, at any parallelism.
                let first = states.iter().find(|s| s.subtask == 0);
                match (&mut node.kind, first) {
                    (_, None) => {}
                    _ if place.subtask != 0 => {}
                    (NodeKind::Source(reader), Some(state)) => reader.restore(&state.state).map_err(|e| fail(&node.name, e))?,
                    (NodeKind::Operator(op), Some(state)) => op.restore(&state.state)?,
                    (NodeKind::Sink(_), _) => {}
                }
                continue;
            }
            match &mut node.kind {
                // Every reader takes every position and keeps its own splits' (a spare
                // reader saved none, and takes none).
                NodeKind::Source(reader) => {
                    for state in states.iter().filter(|s| !s.state.is_empty()) {
                        reader.restore(&state.state).map_err(|e| fail(&node.name, e))?;
                    }
                }
                NodeKind::Operator(op) => {
                    let keep = KeyGroupFilter {
                        instance: place.subtask,
                        parallelism: place.parallelism,
                        max_parallelism: place.max_parallelism,
                    };
                    let parts: Vec<&[u8]> = states.iter().map(|s| s.state.as_slice()).collect();
                    op.restore_rescaled(&parts, &keep).map_err(|e| match e {
                        RuntimeError::Operator { node, message } => RuntimeError::Operator {
                            node,
                            message: format!(
                                "{message} (checkpoint {} was taken at parallelism {}, the job now runs at {})",
                                saved.id, layout.parallelism, place.parallelism
                            ),
                        },
                        e => e,
                    })?;
                }
                NodeKind::Sink(_) => {}
            }
        }
        Ok(())
    }

    /// Takes a checkpoint (see `checkpoint` for the protocol).
    fn checkpoint(&mut self) -> Result<(), RuntimeError> {
        let Some(ck) = self.checkpoints.as_ref() else { return Ok(()) };
        let (id, started) = (ck.next_id, Instant::now());
        checkpoint::test_hooks("before-snapshot", id)?;
        self.each_open_sink_at_once(|_| true, |writer| writer.pre_commit(id))?;
        for node in &mut self.nodes {
            if let NodeKind::Source(reader) = &mut node.kind {
                reader.pre_commit(id).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
            }
        }
        let mut states = Vec::new();
        for index in 0..self.nodes.len() {
            let (node_id, fingerprint) = self.node_identity(index);
            let node = &mut self.nodes[index];
            let state = match &mut node.kind {
                NodeKind::Source(reader) => {
                    Some(reader.snapshot().map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?)
                }
                NodeKind::Operator(op) => op.snapshot()?,
                NodeKind::Sink(_) if node.finished => None,
                NodeKind::Sink(_) => node.log.prepared()?,
            };
            node.metrics.state_bytes = state.as_ref().map(|s| s.len() as u64);
            if let Some(state) = state {
                states.push(SavedNode { id: node_id, name: node.name.clone(), fingerprint, subtask: 0, state });
            }
        }
        let ck = self.checkpoints.as_mut().expect("checked above");
        let taken_at = std::time::SystemTime::now();
        let millis = taken_at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let layout = SavedLayout { parallelism: 1, max_parallelism: self.max_parallelism };
        let bytes = ck.store.save(id, millis, layout, &states).map_err(storage_error)?;
        checkpoint::test_hooks("after-save", id)?;
        self.commit_outputs(id)?;
        checkpoint::test_hooks("after-commit", id)?;
        let ck = self.checkpoints.as_mut().expect("checked above");
        ck.store.complete(id).map_err(storage_error)?;
        checkpoint::test_hooks("after-complete", id)?;
        ck.store.prune(ck.config.retained);
        ck.next_id += 1;
        ck.last = Instant::now();
        ck.stats.completed += 1;
        ck.stats.last_id = Some(id);
        ck.stats.last_duration = started.elapsed();
        ck.stats.last_bytes = bytes;
        if ck.stats.last_duration >= ck.stats.longest {
            ck.stats.longest = ck.stats.last_duration;
            ck.stats.longest_bytes = bytes;
        }
        if checkpoint::stop_point(id) {
            self.options.stop.store(true, Ordering::Relaxed);
        }
        // Positions outside the job (Kafka group offsets) follow, for monitoring.
        self.commit_sources()
    }

    /// A source produced `rows` rows: it is active again.
    fn source_rows(&mut self, id: NodeId, rows: usize) -> Result<(), RuntimeError> {
        self.nodes[id].last_data = Instant::now();
        if self.nodes[id].idle {
            self.nodes[id].idle = false;
            self.push(id, Event::Idle(false))?;
        }
        let m = &mut self.nodes[id].metrics;
        m.rows_out += rows as u64;
        m.batches_in += 1;
        Ok(())
    }

    /// Flushes every open sink, then lets every source commit its position: everything
    /// the sources returned has been pushed through to the sinks by now.
    fn commit(&mut self) -> Result<(), RuntimeError> {
        self.flush_sinks()?;
        self.commit_sources()
    }

    /// Lets every source record its position outside the job (Kafka group offsets).
    fn commit_sources(&mut self) -> Result<(), RuntimeError> {
        for node in &mut self.nodes {
            if let NodeKind::Source(reader) = &mut node.kind {
                reader.commit().map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
            }
        }
        Ok(())
    }

    /// Asks every open sink to write what it buffers.
    fn flush_sinks(&mut self) -> Result<(), RuntimeError> {
        self.each_open_sink(|writer| writer.flush())
    }

    /// Calls `f` on every sink not finished yet; an error names the sink.
    fn each_open_sink(
        &mut self,
        mut f: impl FnMut(&mut dyn SinkWriter) -> Result<(), ConnectorError>,
    ) -> Result<(), RuntimeError> {
        for node in &mut self.nodes {
            if let NodeKind::Sink(writer) = &mut node.kind {
                if !node.finished {
                    f(writer.as_mut()).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                }
            }
        }
        Ok(())
    }

    /// Like `each_open_sink`, with the sinks side by side on threads: a checkpoint's
    /// pre-commits and commits are round trips (a Kafka transaction, a PostgreSQL
    /// commit) that need not wait for each other.
    fn each_open_sink_at_once(
        &mut self,
        which: impl Fn(&NodeState) -> bool,
        f: impl Fn(&mut dyn SinkWriter) -> Result<(), ConnectorError> + Sync,
    ) -> Result<(), RuntimeError> {
        let open: Vec<&mut NodeState> =
            self.nodes.iter_mut().filter(|n| matches!(n.kind, NodeKind::Sink(_)) && !n.finished && which(n)).collect();
        if open.len() < 2 {
            for node in open {
                if let NodeKind::Sink(writer) = &mut node.kind {
                    f(writer.as_mut()).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                }
            }
            return Ok(());
        }
        let f = &f;
        let results: Vec<Result<(), RuntimeError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = open
                .into_iter()
                .map(|node| {
                    scope.spawn(move || {
                        let NodeKind::Sink(writer) = &mut node.kind else { return Ok(()) };
                        f(writer.as_mut()).map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(RuntimeError::Internal("a sink panicked during a checkpoint".into()))))
                .collect()
        });
        results.into_iter().collect()
    }

    /// Finishes (flushes and closes) every sink not finished yet.
    fn finish_sinks(&mut self) -> Result<(), RuntimeError> {
        self.each_open_sink(|writer| writer.finish())?;
        for node in &mut self.nodes {
            if matches!(node.kind, NodeKind::Sink(_)) {
                node.finished = true;
            }
        }
        Ok(())
    }

    fn reports(nodes: &[NodeState]) -> Vec<NodeReport> {
        nodes
            .iter()
            .map(|n| NodeReport {
                name: n.name.clone(),
                metrics: NodeMetrics {
                    watermark: (n.watermark != i64::MIN).then_some(n.watermark),
                    ..n.metrics.clone()
                },
                late_rows_dropped: match &n.kind {
                    NodeKind::Operator(op) => op.late_rows_dropped(),
                    _ => 0,
                },
                gauges: match &n.kind {
                    NodeKind::Operator(op) => op.gauges(),
                    _ => Vec::new(),
                },
                source_stats: match &n.kind {
                    NodeKind::Source(reader) => Some(reader.stats()),
                    _ => None,
                },
                inputs: n.input_ids.clone(),
                idle: n.idle,
                facts: match &n.kind {
                    NodeKind::Operator(op) => op.facts(),
                    _ => Default::default(),
                },
            })
            .collect()
    }

    /// Every source is waiting: operators flush what they buffer, upstream first (node
    /// ids are in topological order).
    fn quiet(&mut self) -> Result<(), RuntimeError> {
        for id in 0..self.nodes.len() {
            let out = {
                let node = &mut self.nodes[id];
                let NodeKind::Operator(op) = &mut node.kind else { continue };
                if node.finished || node.done {
                    continue;
                }
                let mut out = Output::default();
                op.on_quiet(&mut out)?;
                out
            };
            self.route(id, out)?;
        }
        Ok(())
    }

    /// Sends an event from `from` to each of its downstream nodes.
    fn push(&mut self, from: NodeId, event: Event) -> Result<(), RuntimeError> {
        let downstream = std::mem::take(&mut self.nodes[from].downstream);
        let result = (|| {
            let last = downstream.len().saturating_sub(1);
            let mut event = Some(event);
            for (i, (to, input)) in downstream.iter().enumerate() {
                // The last receiver takes the event; the others get a cheap clone
                // (batches share their Arrow buffers).
                let e = if i == last {
                    event.take().expect("event is taken once")
                } else {
                    match event.as_ref().expect("event present") {
                        Event::Batch(b) => Event::Batch(b.clone()),
                        Event::Split(split, e) => Event::Split(*split, e.clone()),
                        Event::Watermark(w) => Event::Watermark(*w),
                        Event::Idle(i) => Event::Idle(*i),
                        Event::End => Event::End,
                        Event::Barrier(n) => Event::Barrier(*n),
                    }
                };
                if self.subtask.is_some() && self.nodes[*to].distributions[*input] != Distribution::Forward {
                    self.exchange(*to, *input, e)?;
                } else if self.held_back(*to, *input, 0) {
                    self.hold_chained(*to, *input, e);
                } else {
                    self.deliver(*to, *input, e)?;
                }
            }
            Ok(())
        })();
        self.nodes[from].downstream = downstream;
        result
    }

    fn deliver(&mut self, to: NodeId, input: usize, event: Event) -> Result<(), RuntimeError> {
        match event {
            Event::Split(split, event) => {
                let out = {
                    let node = &mut self.nodes[to];
                    if let SplitEvent::Batch(b) = &event {
                        node.metrics.rows_in += b.num_rows() as u64;
                        node.metrics.batches_in += 1;
                    }
                    let t = Instant::now();
                    let mut out = Output::default();
                    match &mut node.kind {
                        NodeKind::Operator(op) => op.on_split(input, split, event, &mut out)?,
                        NodeKind::Sink(writer) => {
                            if let SplitEvent::Batch(batch) = event {
                                if let Some(tap) = &mut self.options.sink_tap {
                                    tap(&node.name, &batch);
                                }
                                node.log
                                    .write(writer.as_mut(), &batch)
                                    .map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                            }
                        }
                        NodeKind::Source(_) => return Err(RuntimeError::Internal("a source has an input".into())),
                    }
                    node.metrics.busy += t.elapsed();
                    out
                };
                self.route(to, out)
            }
            Event::Batch(batch) => {
                let out = {
                    let node = &mut self.nodes[to];
                    node.metrics.rows_in += batch.num_rows() as u64;
                    node.metrics.batches_in += 1;
                    let t = Instant::now();
                    let mut out = Output::default();
                    match &mut node.kind {
                        NodeKind::Operator(op) => op.on_batch(input, batch, &mut out)?,
                        NodeKind::Sink(writer) => {
                            if let Some(tap) = &mut self.options.sink_tap {
                                tap(&node.name, &batch);
                            }
                            node.log
                                .write(writer.as_mut(), &batch)
                                .map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?
                        }
                        NodeKind::Source(_) => return Err(RuntimeError::Internal("a source has an input".into())),
                    }
                    node.metrics.busy += t.elapsed();
                    out
                };
                self.route(to, out)
            }
            Event::Watermark(w) => {
                let slot = &mut self.nodes[to].input_watermarks[input];
                *slot = (*slot).max(w);
                self.advance_watermark(to)
            }
            Event::Idle(idle) => {
                let node = &mut self.nodes[to];
                node.input_idle[input] = idle;
                let all_idle = node.input_idle.iter().all(|i| *i);
                let changed = all_idle != node.idle;
                node.idle = all_idle;
                if changed && !matches!(node.kind, NodeKind::Sink(_)) {
                    self.push(to, Event::Idle(all_idle))?;
                }
                // An input going idle may release the others' watermark.
                self.advance_watermark(to)
            }
            Event::End => {
                self.nodes[to].input_ended[input] = true;
                self.end_input(to)?;
                self.try_align(to)
            }
            Event::Barrier(n) => self.on_barrier(to, input, 0, n),
        }
    }

    /// One more input of node `to` ended; once all have, the node ends.
    fn end_input(&mut self, to: NodeId) -> Result<(), RuntimeError> {
        let checkpointing = self.checkpoints.is_some() || self.coordinated();
        let node = &mut self.nodes[to];
        node.ended_inputs += 1;
        if node.ended_inputs < node.inputs || node.finished {
            return Ok(());
        }
        node.done = true;
        let mut out = Output::default();
        match &mut node.kind {
            NodeKind::Operator(op) => op.on_end(&mut out)?,
            // With checkpoints on, the final checkpoint commits the sink's output
            // before it is finished (see `run`).
            NodeKind::Sink(_) if checkpointing => return Ok(()),
            NodeKind::Sink(writer) => {
                node.finished = true;
                writer.finish().map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                return Ok(());
            }
            NodeKind::Source(_) => {}
        }
        self.route(to, out)?;
        self.push(to, Event::End)
    }

    /// Hands a node the minimum watermark of its active inputs, if that advanced. When
    /// every input is idle the watermark waits.
    fn advance_watermark(&mut self, to: NodeId) -> Result<(), RuntimeError> {
        let out = {
            let node = &mut self.nodes[to];
            let combined = node
                .input_watermarks
                .iter()
                .zip(&node.input_idle)
                .filter(|(_, idle)| !**idle)
                .map(|(w, _)| *w)
                .min();
            let Some(combined) = combined else { return Ok(()) };
            if combined <= node.combined_input {
                return Ok(());
            }
            node.combined_input = combined;
            let mut out = Output::default();
            match &mut node.kind {
                NodeKind::Operator(op) => op.on_watermark(combined, &mut out)?,
                NodeKind::Sink(writer) => {
                    node.watermark = combined;
                    node.log
                        .watermark(writer.as_mut(), combined)
                        .map_err(|e| RuntimeError::Connector { node: node.name.clone(), source: e })?;
                }
                NodeKind::Source(_) => {}
            }
            out
        };
        self.route(to, out)
    }

    /// Sends what an operator emitted downstream, in the order it was emitted.
    fn route(&mut self, from: NodeId, out: Output) -> Result<(), RuntimeError> {
        for event in out.events {
            match event {
                OutputEvent::Batch(batch) => {
                    self.nodes[from].metrics.rows_out += batch.num_rows() as u64;
                    self.push(from, Event::Batch(batch))?;
                }
                OutputEvent::Watermark(w) => {
                    if w > self.nodes[from].watermark {
                        self.nodes[from].watermark = w;
                        self.push(from, Event::Watermark(w))?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Where an executor's instances stand in the job, for restoring state.
#[derive(Clone, Copy, Debug)]
struct Place {
    subtask: usize,
    parallelism: usize,
    max_parallelism: usize,
}

/// Which checkpoint a starting job resumes from, and the id of its next checkpoint: the
/// job's own newest completed checkpoint comes first (a job started from
/// `execution.state-recovery.path` that restarts, in-process or as a new worker on the
/// same folder, goes on from where it got to, as Flink restores a failed-over job from
/// its latest checkpoint), then the recovery path. `committed` is what transactional
/// sinks say they committed: a checkpoint saved but not marked complete is complete
/// exactly when every one of them committed it, and numbering goes on after the newest,
/// so that an old commit is never taken for a new checkpoint's.
fn choose_restore(
    store: &CheckpointStore,
    config: &CheckpointConfig,
    committed: &[commits::Participant],
) -> Result<(Option<checkpoint::SavedCheckpoint>, u64), RuntimeError> {
    let mut restore = None;
    let saved_ids = store.ids().map_err(storage_error)?;
    for id in saved_ids.iter().copied().rev() {
        let saved = match store.load(id) {
            Ok(saved) => saved,
            Err(e) => {
                tracing::warn!(target: "sluice::checkpoint", "skipping checkpoint {id}: {e}");
                continue;
            }
        };
        if saved.completed {
            restore = Some(saved);
            break;
        }
        if committed.iter().all(|c| c.allows(&saved)) {
            store.complete(id).map_err(storage_error)?;
            restore = Some(saved);
            break;
        }
        store.discard(id);
    }
    if restore.is_none() {
        if let Some(path) = &config.recovery_path {
            let folder = checkpoint::Storage::open(path, &config.storage_options).map_err(storage_error)?;
            restore = Some(checkpoint::load(&folder).map_err(storage_error)?);
        }
    }
    let newest_committed = committed.iter().map(|c| c.committed).max().unwrap_or(0);
    let mut next_id = saved_ids.last().copied().unwrap_or(0).max(newest_committed) + 1;
    if let Some(saved) = &restore {
        next_id = next_id.max(saved.id + 1);
    }
    Ok((restore, next_id))
}

/// In a job with more than one transactional output, makes every transactional sink of
/// `executors` keep its rows for checkpoints (see `commits`), and warns when more than
/// one output cannot.
fn keep_redo(job: &str, participants: &[commits::Participant], executors: &mut [Executor]) {
    if participants.len() < 2 {
        return;
    }
    for executor in executors {
        for node in &mut executor.nodes {
            node.log.keep_redo();
        }
    }
    let first = participants.iter().filter(|p| p.sink.is_none()).count();
    if first > 1 {
        tracing::warn!(target: "sluice::checkpoint",
            "job \"{job}\" writes {first} Kafka dead-letter topics with transactions: they commit one after \
             another, and a crash between two of their commits writes that checkpoint's dead letters again"
        );
    }
}

/// How many subtasks the job had before this run: the most of what the job's folder
/// `recorded` of the last run that got past its recovery (read before `--fresh` clears
/// it) and of the checkpoint it resumes from (1 for a job that never ran).
fn former_parallelism(recorded: Option<usize>, restore: Option<&checkpoint::SavedCheckpoint>) -> usize {
    recorded.unwrap_or(1).max(restore.map_or(1, |saved| saved.layout.parallelism))
}

fn log_resuming(config: &CheckpointConfig, saved: &checkpoint::SavedCheckpoint) {
    let rescaled = if saved.layout.parallelism > 1 { format!(", at parallelism {}", saved.layout.parallelism) } else { String::new() };
    tracing::info!(target: "sluice::checkpoint",
        "resuming job \"{}\" from checkpoint {} taken at {}{rescaled} ({})",
        config.job,
        saved.id,
        format_epoch_millis(saved.taken_at_ms),
        saved.location
    );
}

/// `yyyy-MM-dd HH:mm:ss` UTC of epoch milliseconds, for log lines.
fn format_epoch_millis(millis: i64) -> String {
    let mut s = String::new();
    sluice_types::temporal::write_timestamp(&mut s, millis * 1000, sluice_types::temporal::Fraction::Fixed(0), false);
    s + " UTC"
}
