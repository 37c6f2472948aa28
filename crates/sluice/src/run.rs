//! `sluice run`: executes a script statement by statement, as Flink's SQL client does.
//! INSERT jobs start in the background (like Flink's asynchronous submission; with
//! `table.dml-sync` each one finishes before the next statement) and the script ends
//! when all of them have finished; a bare SELECT runs in the foreground and
//! prints its rows.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use sluice_connector_api::ConnectorRegistry;
use sluice_planner::{Job, RestartStrategy, Session, StatementOutcome};
use sluice_runtime::{ExecutorOptions, JobReport, ProgressCallback, RuntimeError};
use sluice_sql::Diagnostic;

use crate::collect::CollectSink;
use crate::summary::{print_progress, print_summary};
use crate::tableau;

/// Every connector this binary ships.
pub fn registry() -> ConnectorRegistry {
    let mut registry = ConnectorRegistry::default();
    sluice_connectors::register_all(&mut registry);
    registry
}

/// The process-wide stop flag, set by Ctrl-C.
fn stop_flag() -> Arc<AtomicBool> {
    static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = flag.clone();
        let _ = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                tracing::info!(target: "sluice::run", "interrupted again: exiting now");
                std::process::exit(130);
            }
            tracing::info!(target: "sluice::run", "stopping: flushing sinks (press Ctrl-C again to exit at once)");
        });
        flag
    })
    .clone()
}

/// A background job, kept so that a restart strategy can run it again.
struct RunningJob {
    job: Job,
    strategy: RestartStrategy,
    checkpointing: bool,
    /// Failures in a row, and when the current attempt started.
    failures: u32,
    started: Instant,
}

/// How a job thread ended: its report, its error, or a panic (a bug).
type JobOutcome = (usize, std::thread::Result<Result<JobReport, RuntimeError>>);

pub fn run_script(path: &Path, settings: &[String], quiet: bool, fresh: bool) -> ExitCode {
    let display = path.display().to_string();
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot read script \"{display}\": {e}");
            return ExitCode::FAILURE;
        }
    };
    let statements = match sluice_sql::parse_statements(&source) {
        Ok(s) => s,
        Err(d) => {
            eprint!("{}", d.render(&display, &source));
            return ExitCode::FAILURE;
        }
    };
    let mut session = Session::new(registry());
    for setting in settings {
        let Some((key, value)) = setting.split_once('=') else {
            eprintln!("error: -D expects KEY=VALUE, got \"{setting}\"");
            return ExitCode::FAILURE;
        };
        if let Err(m) = session.config.set(key.trim(), value.trim()) {
            eprintln!("error: -D {setting}: {m}");
            return ExitCode::FAILURE;
        }
    }
    let stop = stop_flag();
    let mut running: Vec<RunningJob> = Vec::new();
    let (done_tx, done_rx) = channel::<JobOutcome>();
    let mut failed = false;
    for statement in &statements {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let outcome = match session.execute(statement, &source) {
            Ok(o) => o,
            Err(d) => {
                eprint!("{}", d.render(&display, &source));
                failed = true;
                break;
            }
        };
        match outcome {
            StatementOutcome::Done => {}
            StatementOutcome::Table(t) => print!("{}", tableau::render_table(&t)),
            StatementOutcome::Explain(text) => println!("{text}"),
            StatementOutcome::Text(text) => print!("{text}"),
            StatementOutcome::Job(job) => {
                let collected = job.pipelines.iter().any(|(_, s)| matches!(s, sluice_planner::JobSink::Collect));
                if collected {
                    // A bare SELECT: run it now and print its rows.
                    match run_collect(&session, &job, &display, &source, quiet, stop.clone()) {
                        Ok(()) => {}
                        Err(()) => {
                            failed = true;
                            break;
                        }
                    }
                } else if session.config.get("table.dml-sync").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                    // Flink's `table.dml-sync`: the INSERT finishes before the next statement.
                    let (tx, rx) = channel::<JobOutcome>();
                    match start_job(&session, &job, &display, &source, quiet, fresh, stop.clone(), (0, tx.clone())) {
                        Ok(checkpointing) => {
                            let strategy = session.config.restart_strategy();
                            let mut one = [RunningJob { strategy, job, checkpointing, failures: 0, started: Instant::now() }];
                            if supervise(&session, &mut one, (tx, rx), &display, &source, quiet, &stop) {
                                failed = true;
                                break;
                            }
                        }
                        Err(()) => {
                            failed = true;
                            break;
                        }
                    }
                } else {
                    let index = running.len();
                    match start_job(&session, &job, &display, &source, quiet, fresh, stop.clone(), (index, done_tx.clone())) {
                        Ok(checkpointing) => running.push(RunningJob {
                            strategy: session.config.restart_strategy(),
                            job,
                            checkpointing,
                            failures: 0,
                            started: Instant::now(),
                        }),
                        Err(()) => {
                            failed = true;
                            break;
                        }
                    }
                }
            }
        }
    }
    if failed {
        // Stop what was started, flushing what it wrote.
        stop.store(true, Ordering::SeqCst);
    }
    failed |= supervise(&session, &mut running, (done_tx, done_rx), &display, &source, quiet, &stop);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether a job failed only because the reader of stdout went away (a broken pipe).
fn is_closed_stdout(e: &sluice_runtime::RuntimeError) -> bool {
    matches!(
        e,
        sluice_runtime::RuntimeError::Connector { source: sluice_connector_api::ConnectorError::Io { source, .. }, .. }
            if source.kind() == std::io::ErrorKind::BrokenPipe
    )
}

/// Progress lines (unless `quiet`) and, for a worker of `sluice server`, metrics
/// snapshots into the folder its environment names.
fn executor_options(name: &str, quiet: bool, stop: Arc<AtomicBool>) -> ExecutorOptions {
    let metrics_dir = std::env::var_os(sluice_server::worker::METRICS_DIR_ENV).map(std::path::PathBuf::from);
    // A worker keeps the last rows its sinks write, for the console's live tail.
    let tail: Option<crate::tail::Tail> = metrics_dir.as_ref().map(|_| Default::default());
    let sink_tap: Option<sluice_runtime::SinkTap> = tail.clone().map(|tail| {
        Box::new(move |sink: &str, batch: &sluice_connector_api::ChangeBatch| crate::tail::keep(&tail, sink, batch)) as sluice_runtime::SinkTap
    });
    let progress: Option<(Duration, ProgressCallback)> = if quiet && metrics_dir.is_none() {
        None
    } else {
        let name = name.to_string();
        let mut last: Option<(std::time::Instant, u64)> = None;
        let mut warned = false;
        Some((
            Duration::from_secs(if metrics_dir.is_some() { 1 } else { 2 }),
            Box::new(move |nodes, checkpoints| {
                if !quiet {
                    print_progress(&name, nodes, checkpoints, &mut last);
                }
                if let Some(dir) = &metrics_dir {
                    let rows = tail.as_ref().map(crate::tail::rows).unwrap_or_default();
                    let snapshot = crate::summary::metrics_snapshot(&name, nodes, checkpoints, rows);
                    if let Err(e) = sluice_server::worker::write_snapshot(dir, &snapshot) {
                        if !std::mem::replace(&mut warned, true) {
                            eprintln!("[sluice] {name}: cannot write metrics into \"{}\": {e}", dir.display());
                        }
                    }
                }
            }),
        ))
    };
    ExecutorOptions { stop, progress, sink_tap, ..ExecutorOptions::default() }
}

/// Waits for the background jobs; a job that fails is run again from its last
/// checkpoint as its restart strategy allows. Returns whether any job failed for good.
fn supervise(
    session: &Session,
    running: &mut [RunningJob],
    (done_tx, done_rx): (Sender<JobOutcome>, Receiver<JobOutcome>),
    display: &str,
    source: &str,
    quiet: bool,
    stop: &Arc<AtomicBool>,
) -> bool {
    let mut left = running.len();
    let mut failed = false;
    while left > 0 {
        // Every job thread sends its outcome, a panic included; `done_tx` is held here,
        // so the channel stays open.
        let Ok((index, outcome)) = done_rx.recv() else { break };
        let job = &mut running[index];
        let name = job.job.name.clone();
        let error = match outcome {
            Ok(Ok(report)) => {
                print_summary(&name, &report, quiet);
                left -= 1;
                continue;
            }
            // Whoever read stdout stopped reading (`sluice run x.sql | head`): the job
            // ends quietly, as Unix tools do.
            Ok(Err(e)) if is_closed_stdout(&e) => {
                left -= 1;
                continue;
            }
            Ok(Err(e)) => e,
            Err(_) => {
                eprintln!("error: job \"{name}\" crashed (this is a bug in Sluice)");
                failed = true;
                left -= 1;
                continue;
            }
        };
        if job.strategy.reset_after().is_some_and(|after| job.started.elapsed() >= after) {
            job.failures = 0;
        }
        job.failures += 1;
        let delay = job
            .strategy
            .delay(job.failures)
            .filter(|_| job.checkpointing && !stop.load(Ordering::Relaxed) && !error.is_permanent());
        let Some(delay) = delay else {
            if job.strategy != RestartStrategy::None && !job.checkpointing {
                tracing::warn!(target: "sluice::run", "job \"{name}\": not restarted: a restart strategy needs checkpoints ('execution.checkpointing.interval')");
            } else if job.strategy != RestartStrategy::None && error.is_permanent() {
                tracing::warn!(target: "sluice::run", "job \"{name}\": not restarted: running it again cannot mend this failure");
            }
            report_runtime_error(&name, &error, source);
            failed = true;
            left -= 1;
            continue;
        };
        tracing::warn!(target: "sluice::run",
            "job \"{name}\" failed: {}; restarting from its last checkpoint in {} (restart {})",
            masked(&error.to_string(), source),
            crate::summary::duration_text(delay),
            job.failures
        );
        let deadline = Instant::now() + delay;
        while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20).min(deadline.saturating_duration_since(Instant::now())));
        }
        job.started = Instant::now();
        if start_job(session, &job.job, display, source, quiet, false, stop.clone(), (index, done_tx.clone())).is_err() {
            failed = true;
            left -= 1;
        }
    }
    failed
}

/// Builds and starts a background job, which reports its outcome on `done`; returns
/// whether it takes checkpoints.
#[allow(clippy::too_many_arguments)]
fn start_job(
    session: &Session,
    job: &Job,
    display: &str,
    source: &str,
    quiet: bool,
    fresh: bool,
    stop: Arc<AtomicBool>,
    (index, done): (usize, Sender<JobOutcome>),
) -> Result<bool, ()> {
    let dataflow = session.build_parallel_dataflow(job, None).map_err(|d| render(&d, display, source))?;
    warn_parallelism(&dataflow, job);
    let checkpoints = session
        .config
        .checkpoint_config(&job.name, fresh)
        .map_err(|e| eprintln!("error: job \"{}\": {e}", job.name))?;
    if !quiet {
        match &checkpoints {
            Some(c) => tracing::info!(target: "sluice::run",
                "job \"{}\" started, with a checkpoint {} into {}",
                job.name,
                if c.every_round() { "after every poll".to_string() } else { format!("every {}", crate::summary::duration_text(c.interval)) },
                c.job_location()
            ),
            None => tracing::info!(target: "sluice::run", "job \"{}\" started", job.name),
        }
    }
    let checkpointing = checkpoints.is_some();
    let mut options = executor_options(&job.name, quiet, stop);
    options.checkpoints = checkpoints;
    std::thread::Builder::new()
        .name(job.name.clone())
        .stack_size(sluice_planner::QUERY_STACK_BYTES)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                sluice_runtime::run_parallel(dataflow.subtasks, options, dataflow.max_parallelism)
            }));
            let _ = done.send((index, outcome));
        })
        .map_err(|e| eprintln!("error: cannot start job \"{}\": {e}", job.name))?;
    Ok(checkpointing)
}

fn run_collect(
    session: &Session,
    job: &Job,
    display: &str,
    source: &str,
    quiet: bool,
    stop: Arc<AtomicBool>,
) -> Result<(), ()> {
    let schema = Session::result_schema(job).cloned().unwrap_or_default();
    let sink = CollectSink::new(&schema, session.eval_context());
    let dataflow = session.build_parallel_dataflow(job, Some(Box::new(sink))).map_err(|d| render(&d, display, source))?;
    warn_parallelism(&dataflow, job);
    match sluice_runtime::run_parallel(dataflow.subtasks, executor_options(&job.name, quiet, stop), dataflow.max_parallelism) {
        Ok(_) => Ok(()),
        Err(e) if is_closed_stdout(&e) => Ok(()),
        Err(e) => {
            report_runtime_error(&job.name, &e, source);
            Err(())
        }
    }
}

/// A job that runs with fewer instances than its parallelism asks says so.
fn warn_parallelism(dataflow: &sluice_planner::ParallelDataflow, job: &Job) {
    if let Some(note) = &dataflow.warning {
        eprintln!("warning: job \"{}\": {note}", job.name);
    }
}

fn render(d: &Diagnostic, display: &str, source: &str) {
    eprint!("{}", d.render(display, source));
}

/// `text` with the script's credentials masked (see `sluice_sql::secrets`).
fn masked(text: &str, script: &str) -> String {
    sluice_sql::secrets::mask(text, &sluice_sql::secrets::secret_values(script))
}

fn report_runtime_error(name: &str, e: &RuntimeError, script: &str) {
    eprintln!("error: job \"{name}\" failed: {}", masked(&e.to_string(), script));
    if let RuntimeError::Connector { source: sluice_connector_api::ConnectorError::BadRecord { .. }, .. } = e {
        eprintln!("  = hint: To skip malformed records and count them instead, set 'json.ignore-parse-errors' = 'true' (or 'csv.ignore-parse-errors') on the table.");
    }
    if !e.is_user_error() {
        if matches!(e, RuntimeError::Internal(_)) {
            eprintln!("  = note: this is a bug in Sluice; please report it with the script that shows it.");
        } else {
            eprintln!("  = hint: the failure came from outside Sluice (a file or a service); running the job again may succeed.");
        }
    }
}
