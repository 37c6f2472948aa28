//! A job with a parallelism above 1: one `Executor` per subtask, each on its own thread
//! and each running one instance of every node, as Flink's slot sharing does. Stateless
//! chains stay inside a subtask; where a node's input is keyed (or needs one instance),
//! the sender splits each batch by the instance that owns each row's key group and sends
//! the parts to the other subtasks' inboxes. Watermarks, idleness and the end of input
//! go to every instance; a receiving input combines them per sending subtask (a
//! channel): its watermark is the minimum over the channels that are neither idle nor
//! ended, it is idle when every open channel is, and it ends when every channel has.
//!
//! Backpressure without deadlock: a subtask never blocks on sending (its inbox is an
//! unbounded channel), it always drains its own inbox first, and it polls its sources
//! only while fewer than `IN_FLIGHT_PER_SUBTASK` batches per subtask are queued between
//! subtasks. Memory is bounded by that gate and by what one source batch can become.
//!
//! With checkpoints on, barriers cross the exchanges and the subtasks take each
//! checkpoint together (`aligned`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sluice_connector_api::{SourcePoll, SourceStats};

use super::aligned::{Coordinator, Step};
use super::{choose_restore, former_parallelism, log_resuming, Checkpointing, Event, Executor, ExecutorOptions, JobReport, Place, SinkTap};
use crate::checkpoint::{CheckpointStats, CheckpointStore};
use crate::dataflow::{Dataflow, NodeId, NodeKind};
use crate::exchange::{self, Distribution};
use crate::metrics::{NodeMetrics, NodeReport};
use crate::operator::SplitEvent;
use crate::RuntimeError;

/// Batches queued between subtasks, per subtask, before sources stop being polled.
const IN_FLIGHT_PER_SUBTASK: usize = 16;

/// Inbox messages handled before the sources are polled again.
const INBOX_ROUND: usize = 64;

/// The stack of a subtask thread: as deep as the job thread's, since operators evaluate
/// expression trees of user-given depth (the planner's `QUERY_STACK_BYTES`).
const SUBTASK_STACK_BYTES: usize = 1 << 30;

/// What one sending subtask last said on one exchanged input.
#[derive(Clone, Debug)]
pub(super) struct Channel {
    watermark: i64,
    idle: bool,
    pub(super) ended: bool,
    /// The sending node does work on one subtask only (a source read by one instance,
    /// a node behind a gathering exchange), so this channel from another subtask never
    /// carries rows: its watermark does not count, only its end. Waiting for it would
    /// hold back the one channel that has the rows for as long as its subtask is slow to
    /// start, and which rows count as late would depend on that timing.
    silent: bool,
}

/// An event from one subtask to an instance in another.
pub(super) struct Envelope {
    pub(super) to: NodeId,
    pub(super) input: usize,
    pub(super) from: usize,
    pub(super) event: Event,
}

/// An executor's place in a parallel job.
pub(super) struct Subtask {
    pub(super) index: usize,
    parallelism: usize,
    max_parallelism: usize,
    /// The inboxes of every subtask (this one's too, unused).
    peers: Vec<Sender<Envelope>>,
    inbox: Receiver<Envelope>,
    /// Batches sent between subtasks and not yet received, across the job.
    in_flight: Arc<AtomicUsize>,
    /// Set when a subtask failed: the others stop.
    abort: Arc<AtomicBool>,
    /// Every subtask's latest counters, for progress reports.
    reports: Arc<Mutex<Vec<Vec<NodeReport>>>>,
    /// Subtasks past their first poll (see `Executor::start_subtask`).
    started: Arc<AtomicUsize>,
    /// With checkpoints on: what the subtasks share to take them.
    pub(super) coordinator: Option<Arc<Coordinator>>,
}

/// Runs one dataflow per subtask (all lowered from the same job, so node `i` is the
/// same step in each), each on its own thread, joined by exchanges keyed on
/// `max_parallelism` key groups. One dataflow runs as `Executor::run` does.
pub fn run_parallel(
    dataflows: Vec<Dataflow>,
    mut options: ExecutorOptions,
    max_parallelism: usize,
) -> Result<JobReport, RuntimeError> {
    let parallelism = dataflows.len();
    if parallelism <= 1 {
        let dataflow = dataflows.into_iter().next().unwrap_or_default();
        let mut executor = Executor::new(dataflow, options);
        executor.max_parallelism = max_parallelism;
        return executor.run();
    }
    let start = Instant::now();
    let progress = options.progress.take();
    let checkpoints = options.checkpoints.take();
    // The sinks of every subtask show their batches to the one tap.
    let tap = options.sink_tap.take().map(|tap| Arc::new(Mutex::new(tap)));
    let (senders, inboxes): (Vec<_>, Vec<_>) = (0..parallelism).map(|_| mpsc::channel::<Envelope>()).unzip();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let abort = Arc::new(AtomicBool::new(false));
    let reports = Arc::new(Mutex::new(vec![Vec::new(); parallelism]));
    let started = Arc::new(AtomicUsize::new(0));
    let mut executors = Vec::with_capacity(parallelism);
    for (index, (dataflow, inbox)) in dataflows.into_iter().zip(inboxes).enumerate() {
        let subtask_options = ExecutorOptions {
            stop: options.stop.clone(),
            progress: None,
            commit_interval: options.commit_interval,
            flush_interval: options.flush_interval,
            checkpoints: None,
            sink_tap: tap.clone().map(|tap| -> SinkTap {
                Box::new(move |name: &str, batch: &sluice_connector_api::ChangeBatch| {
                    if let Ok(mut tap) = tap.lock() {
                        tap(name, batch)
                    }
                })
            }),
        };
        let instances = dataflow.instances(parallelism);
        let single_upstream: Vec<Vec<bool>> =
            dataflow.nodes.iter().map(|n| n.inputs.iter().map(|i| instances[*i] == 1).collect()).collect();
        let mut executor = Executor::new(dataflow, subtask_options);
        for (node, single_upstream) in executor.nodes.iter_mut().zip(single_upstream) {
            node.channels = node
                .distributions
                .iter()
                .zip(single_upstream)
                .map(|(d, single)| match d {
                    Distribution::Forward => Vec::new(),
                    _ => (0..parallelism)
                        .map(|from| Channel { watermark: i64::MIN, idle: false, ended: false, silent: single && from > 0 })
                        .collect(),
                })
                .collect();
        }
        executor.subtask = Some(Subtask {
            index,
            parallelism,
            max_parallelism,
            peers: senders.clone(),
            inbox,
            in_flight: in_flight.clone(),
            abort: abort.clone(),
            reports: reports.clone(),
            started: started.clone(),
            coordinator: None,
        });
        executor.max_parallelism = max_parallelism;
        executors.push(executor);
    }
    drop(senders);
    if let Some(config) = checkpoints {
        let coordinator = open_checkpoints(&mut executors, config, max_parallelism, abort.clone(), options.stop.clone())?;
        for executor in &mut executors {
            if let Some(sub) = &mut executor.subtask {
                sub.coordinator = Some(coordinator.clone());
            }
        }
    }
    let coordinator = executors.first().and_then(|e| e.subtask.as_ref()).and_then(|s| s.coordinator.clone());
    let (done_tx, done_rx) = mpsc::channel::<usize>();
    let mut handles = Vec::with_capacity(parallelism);
    for (index, executor) in executors.into_iter().enumerate() {
        let done = done_tx.clone();
        let failed = abort.clone();
        let handle = std::thread::Builder::new()
            .name(format!("subtask-{index}"))
            .stack_size(SUBTASK_STACK_BYTES)
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| executor.run_subtask()))
                    .unwrap_or_else(|_| Err(RuntimeError::Internal(format!("subtask {index} panicked"))));
                if outcome.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                let _ = done.send(index);
                outcome
            });
        match handle {
            Ok(h) => handles.push(h),
            Err(e) => {
                abort.store(true, Ordering::Relaxed);
                for h in handles {
                    let _ = h.join();
                }
                return Err(RuntimeError::Internal(format!("cannot start subtask {index}: {e}")));
            }
        }
    }
    drop(done_tx);
    // Progress reports from the subtasks' latest counters while they run.
    let mut progress = progress;
    let tick = progress.as_ref().map(|(interval, _)| *interval).unwrap_or(Duration::from_secs(3600));
    let mut last_progress = Instant::now();
    let mut finished = 0;
    while finished < parallelism {
        match done_rx.recv_timeout(tick.min(Duration::from_millis(200))) {
            Ok(_) => finished += 1,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some((interval, callback)) = &mut progress {
            if last_progress.elapsed() >= *interval {
                last_progress = Instant::now();
                let snapshot = reports.lock().map(|r| merge_reports(&r)).unwrap_or_default();
                let stats = coordinator.as_ref().and_then(|c| c.stats());
                if !snapshot.is_empty() {
                    callback(&snapshot, stats.as_ref());
                }
            }
        }
    }
    let mut finished_executors = Vec::with_capacity(parallelism);
    let mut first_error = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok((executor, stopped))) => finished_executors.push((executor, stopped)),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(RuntimeError::Internal("a subtask thread panicked".into()));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let stopped = finished_executors.iter().any(|(_, stopped)| *stopped);
    let stateless = finished_executors.iter().all(|(executor, _)| {
        executor.nodes.iter().all(|n| match &n.kind {
            NodeKind::Operator(op) => op.is_stateless(),
            _ => true,
        })
    });
    // Every sink of every subtask has finished: what the sources returned is written,
    // unless the job was stopped while operators held rows in state. (With checkpoints,
    // each checkpoint committed the positions it covered.)
    if coordinator.is_none() && (!stopped || stateless) {
        for (executor, _) in &mut finished_executors {
            executor.commit_sources()?;
        }
    }
    let all: Vec<Vec<NodeReport>> = finished_executors.iter().map(|(e, _)| Executor::reports(&e.nodes)).collect();
    let checkpoints = coordinator.as_ref().and_then(|c| c.stats());
    Ok(JobReport { nodes: merge_reports(&all), elapsed: start.elapsed(), stopped, checkpoints })
}

/// With checkpoints on, before any subtask starts: checks that every node can take
/// part, resumes every subtask from the newest checkpoint whose output was committed
/// (or `execution.state-recovery.path`), whatever parallelism it was taken at, and
/// returns what the subtasks share to take the next ones.
fn open_checkpoints(
    executors: &mut [Executor],
    config: crate::checkpoint::CheckpointConfig,
    max_parallelism: usize,
    abort: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> Result<Arc<Coordinator>, RuntimeError> {
    for executor in executors.iter_mut() {
        executor.check_checkpointable()?;
    }
    let root = crate::checkpoint::Storage::open(&config.root, &config.storage_options).map_err(super::storage_error)?;
    let store = CheckpointStore::new(&root, &config.job);
    let recorded = store.running_parallelism().map_err(super::storage_error)?;
    if config.fresh {
        store.clear().map_err(super::storage_error)?;
    }
    let mut committed = Vec::new();
    for executor in executors.iter_mut() {
        committed.extend(executor.participants()?);
    }
    super::keep_redo(&config.job, &committed, executors);
    let (restore, next_id) = choose_restore(&store, &config, &committed)?;
    let parallelism = executors.len();
    let former = former_parallelism(recorded, restore.as_ref());
    for (subtask, executor) in executors.iter_mut().enumerate() {
        let place = Place { subtask, parallelism, max_parallelism };
        executor.recover_and_restore(restore.as_ref(), &config, place, former)?;
    }
    store.set_running_parallelism(parallelism).map_err(super::storage_error)?;
    if let Some(saved) = &restore {
        log_resuming(&config, saved);
    }
    let ck = Checkpointing { config, store, next_id, last: Instant::now(), stats: CheckpointStats::default() };
    Ok(Arc::new(Coordinator::new(ck, parallelism, max_parallelism, abort, stop)))
}

/// One report per node from every subtask's: counters summed, the watermark the lowest.
fn merge_reports(subtasks: &[Vec<NodeReport>]) -> Vec<NodeReport> {
    let Some(first) = subtasks.iter().find(|r| !r.is_empty()) else { return Vec::new() };
    let mut merged: Vec<NodeReport> = first
        .iter()
        .map(|r| NodeReport {
            name: r.name.clone(),
            metrics: NodeMetrics::default(),
            late_rows_dropped: 0,
            gauges: Vec::new(),
            source_stats: r.source_stats.as_ref().map(|_| SourceStats::default()),
            inputs: r.inputs.clone(),
            idle: true,
            facts: Default::default(),
        })
        .collect();
    let nodes = merged.len();
    for reports in subtasks.iter().filter(|r| r.len() == nodes) {
        for (m, r) in merged.iter_mut().zip(reports) {
            m.metrics.rows_in += r.metrics.rows_in;
            m.metrics.rows_out += r.metrics.rows_out;
            m.metrics.batches_in += r.metrics.batches_in;
            m.metrics.busy += r.metrics.busy;
            m.metrics.state_bytes = match (m.metrics.state_bytes, r.metrics.state_bytes) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            m.metrics.watermark = match (m.metrics.watermark, r.metrics.watermark) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            m.late_rows_dropped += r.late_rows_dropped;
            // Idle when every instance is; the splits of all instances, and the earliest
            // window any instance waits on.
            m.idle &= r.idle;
            m.facts.splits.extend(r.facts.splits.iter().cloned());
            m.facts.split_idle_timeout = m.facts.split_idle_timeout.or(r.facts.split_idle_timeout);
            m.facts.next_window_end = match (m.facts.next_window_end, r.facts.next_window_end) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            m.facts.max_late_by = m.facts.max_late_by.max(r.facts.max_late_by);
            for (name, value) in &r.gauges {
                match m.gauges.iter_mut().find(|(n, _)| n == name) {
                    Some((_, v)) => *v += value,
                    None => m.gauges.push((name, *value)),
                }
            }
            if let (Some(m), Some(r)) = (&mut m.source_stats, &r.source_stats) {
                m.records += r.records;
                m.bytes += r.bytes;
                m.skipped_bad_records += r.skipped_bad_records;
                m.dead_letters += r.dead_letters;
                m.skipped_examples.extend(r.skipped_examples.iter().cloned());
                m.skipped_examples.truncate(5);
                m.partition_lag.extend(r.partition_lag.iter().cloned());
            }
        }
    }
    merged
}

impl Executor {
    /// Runs this subtask until all its nodes are done (or the job stops); returns the
    /// executor (its sources commit once every subtask has finished) and whether it was
    /// stopped.
    fn run_subtask(mut self) -> Result<(Executor, bool), RuntimeError> {
        let sources: Vec<NodeId> =
            (0..self.nodes.len()).filter(|id| matches!(self.nodes[*id].kind, NodeKind::Source(_))).collect();
        // A job whose every input is chained and every operator stateless sends nothing
        // between subtasks, so each subtask may commit its own sources' positions.
        let chained = self.nodes.iter().all(|n| n.distributions.iter().all(|d| *d == Distribution::Forward));
        let stateless = self.nodes.iter().all(|n| match &n.kind {
            NodeKind::Operator(op) => op.is_stateless(),
            _ => true,
        });
        let (limit, progress_interval) = {
            let sub = self.subtask()?;
            (IN_FLIGHT_PER_SUBTASK * sub.parallelism, Duration::from_millis(500))
        };
        let mut last_commit = Instant::now();
        let mut last_flush = Instant::now();
        let mut last_progress = Instant::now();
        let mut idle_rounds = 0u32;
        let mut stopped = false;
        if !self.start_subtask(&sources)? {
            return Ok((self, true));
        }
        let coordinated = self.coordinated();
        // With checkpoints, a subtask whose input ended (or that was stopped) goes on
        // taking part in checkpoints until the last one, which every subtask takes once
        // all are finishing, has committed what the sinks hold.
        let mut finishing = false;
        loop {
            if self.options.stop.load(Ordering::Relaxed) {
                stopped = true;
                if !coordinated {
                    break;
                }
                finishing = true;
            }
            if self.subtask()?.abort.load(Ordering::Relaxed) {
                // Another subtask failed; its error is the job's.
                return Ok((self, true));
            }
            let mut progressed = false;
            // What the other subtasks sent comes first: it is what unblocks them.
            for _ in 0..INBOX_ROUND {
                let next = self.subtask()?.inbox.try_recv();
                match next {
                    Ok(envelope) => {
                        progressed = true;
                        self.receive(envelope)?;
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            if !finishing && !self.aligning() && self.subtask()?.in_flight.load(Ordering::Relaxed) < limit {
                for &id in &sources {
                    if !self.nodes[id].finished {
                        progressed |= self.poll_source(id)?;
                    }
                }
            }
            if self.nodes.iter().all(|n| n.done) {
                if !coordinated {
                    break;
                }
                finishing = true;
            }
            if progressed {
                idle_rounds = 0;
            } else {
                self.quiet()?;
                // Nothing to read here: wait for the other subtasks, up to 10 ms.
                idle_rounds = (idle_rounds + 1).min(10);
                let next = self.subtask()?.inbox.recv_timeout(Duration::from_millis(idle_rounds as u64));
                if let Ok(envelope) = next {
                    idle_rounds = 0;
                    self.receive(envelope)?;
                }
            }
            if coordinated {
                match self.checkpoint_step(finishing, stopped)? {
                    Step::Go => {}
                    Step::Over => break,
                    Step::Aborted => return Ok((self, true)),
                }
                if last_flush.elapsed() >= self.options.flush_interval {
                    last_flush = Instant::now();
                    self.flush_sinks()?;
                }
            } else if chained && stateless && last_commit.elapsed() >= self.options.commit_interval {
                last_commit = Instant::now();
                last_flush = last_commit;
                self.commit()?;
            } else if last_flush.elapsed() >= self.options.flush_interval {
                last_flush = Instant::now();
                self.flush_sinks()?;
            }
            if last_progress.elapsed() >= progress_interval {
                last_progress = Instant::now();
                self.publish_reports();
            }
        }
        if stopped || coordinated {
            // Flush and close every sink so that nothing written so far is lost (with
            // checkpoints, the last one committed it).
            self.finish_sinks()?;
        }
        self.publish_reports();
        Ok((self, stopped))
    }

    /// The first poll of every source, in step with the other subtasks: sources with
    /// nothing to read (a file source given no file) end at once, and every subtask
    /// waits until all have done so before it pushes its first rows. So an instance
    /// behind an exchange hears of the channels that will carry nothing before the rows
    /// of the others, and their watermarks are not held back by a subtask that is only
    /// slow to start: which rows are late does not depend on thread timing. Returns
    /// false when the job was aborted meanwhile.
    fn start_subtask(&mut self, sources: &[NodeId]) -> Result<bool, RuntimeError> {
        let mut held = Vec::new();
        for &id in sources {
            match self.poll_only(id)? {
                finished @ SourcePoll::Finished => {
                    self.handle_poll(id, finished)?;
                }
                poll => held.push((id, poll)),
            }
        }
        let (started, parallelism, abort) = {
            let sub = self.subtask()?;
            (sub.started.clone(), sub.parallelism, sub.abort.clone())
        };
        started.fetch_add(1, Ordering::SeqCst);
        // With checkpoints a stop waits for every subtask: they take the last one together.
        let coordinated = self.coordinated();
        while started.load(Ordering::SeqCst) < parallelism {
            if abort.load(Ordering::Relaxed) || (!coordinated && self.options.stop.load(Ordering::Relaxed)) {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        // Everything the others sent before they arrived is in the inbox now.
        loop {
            let next = self.subtask()?.inbox.try_recv();
            match next {
                Ok(envelope) => self.receive(envelope)?,
                Err(_) => break,
            }
        }
        for (id, poll) in held {
            self.handle_poll(id, poll)?;
        }
        Ok(true)
    }

    pub(super) fn subtask(&self) -> Result<&Subtask, RuntimeError> {
        self.subtask.as_ref().ok_or_else(|| RuntimeError::Internal("a subtask without its place in the job".into()))
    }

    fn publish_reports(&self) {
        if let Some(sub) = &self.subtask {
            if let Ok(mut reports) = sub.reports.lock() {
                reports[sub.index] = Executor::reports(&self.nodes);
            }
        }
    }

    /// Sends `event` for input `input` of node `to` through the exchange in front of it:
    /// rows to the instances that own them, everything else to every instance.
    pub(super) fn exchange(&mut self, to: NodeId, input: usize, event: Event) -> Result<(), RuntimeError> {
        let (index, parallelism, max_parallelism) = {
            let sub = self.subtask()?;
            (sub.index, sub.parallelism, sub.max_parallelism)
        };
        let batch = match event {
            Event::Batch(batch) | Event::Split(_, SplitEvent::Batch(batch)) => batch,
            // Splits are the business of the operator right after a source.
            Event::Split(_, SplitEvent::Added | SplitEvent::Finished) => return Ok(()),
            control => {
                for target in 0..parallelism {
                    self.send_to(target, to, input, index, control.clone())?;
                }
                return Ok(());
            }
        };
        let parts = match &self.nodes[to].distributions[input] {
            Distribution::Hash(keys) => exchange::partition(&batch, keys, parallelism, max_parallelism)?,
            Distribution::Single | Distribution::Forward => vec![(0, batch)],
        };
        for (target, part) in parts {
            self.send_to(target, to, input, index, Event::Batch(part))?;
        }
        Ok(())
    }

    fn send_to(&mut self, target: usize, to: NodeId, input: usize, from: usize, event: Event) -> Result<(), RuntimeError> {
        if target == from {
            return self.receive(Envelope { to, input, from, event });
        }
        let sub = self.subtask()?;
        if matches!(event, Event::Batch(_)) {
            sub.in_flight.fetch_add(1, Ordering::Relaxed);
        }
        if sub.peers[target].send(Envelope { to, input, from, event }).is_err() {
            // The receiver is gone only when its subtask failed or was stopped.
            if !sub.abort.load(Ordering::Relaxed) && !self.options.stop.load(Ordering::Relaxed) {
                return Err(RuntimeError::Internal(format!("subtask {target} ended while its input was still open")));
            }
        }
        Ok(())
    }

    /// Takes an event that came through an exchange from subtask `from`.
    pub(super) fn receive(&mut self, envelope: Envelope) -> Result<(), RuntimeError> {
        if self.held_back(envelope.to, envelope.input, envelope.from) {
            self.hold(envelope);
            return Ok(());
        }
        let Envelope { to, input, from, event } = envelope;
        let own = self.subtask()?.index;
        match event {
            Event::Batch(batch) => {
                if from != own {
                    self.subtask()?.in_flight.fetch_sub(1, Ordering::Relaxed);
                }
                self.deliver(to, input, Event::Batch(batch))
            }
            Event::Split(split, event) => self.deliver(to, input, Event::Split(split, event)),
            Event::Watermark(w) => {
                let channel = self.channel(to, input, from)?;
                channel.watermark = channel.watermark.max(w);
                self.combine_channels(to, input)
            }
            Event::Idle(idle) => {
                self.channel(to, input, from)?.idle = idle;
                self.combine_channels(to, input)
            }
            Event::End => {
                self.channel(to, input, from)?.ended = true;
                if self.nodes[to].channels[input].iter().all(|c| c.ended) {
                    return self.deliver(to, input, Event::End);
                }
                self.combine_channels(to, input)?;
                // An ended channel sends no barrier: the node may be aligned now.
                self.try_align(to)
            }
            Event::Barrier(id) => {
                self.channel(to, input, from)?;
                self.on_barrier(to, input, from, id)
            }
        }
    }

    fn channel(&mut self, to: NodeId, input: usize, from: usize) -> Result<&mut Channel, RuntimeError> {
        self.nodes
            .get_mut(to)
            .and_then(|n| n.channels.get_mut(input))
            .and_then(|c| c.get_mut(from))
            .ok_or_else(|| RuntimeError::Internal(format!("no channel from subtask {from} into input {input} of node {to}")))
    }

    /// Hands input `input` of node `to` what its channels say together: idle when every
    /// open channel is idle, and the minimum watermark of the open, active ones.
    fn combine_channels(&mut self, to: NodeId, input: usize) -> Result<(), RuntimeError> {
        let (idle, watermark) = {
            let channels = &self.nodes[to].channels[input];
            let open: Vec<&Channel> = channels.iter().filter(|c| !c.ended && !c.silent).collect();
            let idle = !open.is_empty() && open.iter().all(|c| c.idle);
            (idle, open.iter().filter(|c| !c.idle).map(|c| c.watermark).min())
        };
        if idle != self.nodes[to].input_idle[input] {
            self.deliver(to, input, Event::Idle(idle))?;
        }
        match watermark {
            Some(w) if w > self.nodes[to].input_watermarks[input] => self.deliver(to, input, Event::Watermark(w)),
            _ => Ok(()),
        }
    }
}
