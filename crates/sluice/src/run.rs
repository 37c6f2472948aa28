//! `sluice run`: executes a script statement by statement, as Flink's SQL client does.
//! INSERT jobs start in the background (like Flink's asynchronous submission) and the
//! script ends when all of them have finished; a bare SELECT runs in the foreground and
//! prints its rows.

use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use sluice_connector_api::ConnectorRegistry;
use sluice_planner::{Job, Session, StatementOutcome};
use sluice_runtime::{Executor, ExecutorOptions, JobReport, ProgressCallback, RuntimeError};
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
                eprintln!("[sluice] interrupted again: exiting now");
                std::process::exit(130);
            }
            eprintln!("[sluice] stopping: flushing sinks (press Ctrl-C again to exit at once)");
        });
        flag
    })
    .clone()
}

struct RunningJob {
    name: String,
    handle: JoinHandle<Result<JobReport, RuntimeError>>,
}

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
                } else {
                    match start_job(&session, job, &display, &source, quiet, fresh, stop.clone()) {
                        Ok(j) => running.push(j),
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
    for job in running {
        match job.handle.join() {
            Ok(Ok(report)) => print_summary(&job.name, &report, quiet),
            // Whoever read stdout stopped reading (`sluice run x.sql | head`): the job
            // ends quietly, as Unix tools do.
            Ok(Err(e)) if is_closed_stdout(&e) => {}
            Ok(Err(e)) => {
                failed = true;
                report_runtime_error(&job.name, &e);
            }
            Err(_) => {
                failed = true;
                eprintln!("error: job \"{}\" crashed (this is a bug in Sluice)", job.name);
            }
        }
    }
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

fn executor_options(name: &str, quiet: bool, stop: Arc<AtomicBool>) -> ExecutorOptions {
    let progress: Option<(Duration, ProgressCallback)> = if quiet {
        None
    } else {
        let name = name.to_string();
        let mut last: Option<(std::time::Instant, u64)> = None;
        Some((
            Duration::from_secs(2),
            Box::new(move |nodes, checkpoints| print_progress(&name, nodes, checkpoints, &mut last)),
        ))
    };
    ExecutorOptions { stop, progress, ..ExecutorOptions::default() }
}

fn start_job(
    session: &Session,
    job: Job,
    display: &str,
    source: &str,
    quiet: bool,
    fresh: bool,
    stop: Arc<AtomicBool>,
) -> Result<RunningJob, ()> {
    let dataflow = session.build_dataflow(&job, None).map_err(|d| render(&d, display, source))?;
    let checkpoints = session
        .config
        .checkpoint_config(&job.name, fresh)
        .map_err(|e| eprintln!("error: job \"{}\": {e}", job.name))?;
    if !quiet {
        match &checkpoints {
            Some(c) => eprintln!(
                "[sluice] job \"{}\" started, with a checkpoint every {} into {}",
                job.name,
                crate::summary::duration_text(c.interval),
                c.root.join(&c.job).display()
            ),
            None => eprintln!("[sluice] job \"{}\" started", job.name),
        }
    }
    let mut options = executor_options(&job.name, quiet, stop);
    options.checkpoints = checkpoints;
    let handle = std::thread::Builder::new()
        .name(job.name.clone())
        .spawn(move || Executor::new(dataflow, options).run())
        .map_err(|e| eprintln!("error: cannot start job \"{}\": {e}", job.name))?;
    Ok(RunningJob { name: job.name, handle })
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
    let dataflow = session.build_dataflow(job, Some(Box::new(sink))).map_err(|d| render(&d, display, source))?;
    match Executor::new(dataflow, executor_options(&job.name, quiet, stop)).run() {
        Ok(_) => Ok(()),
        Err(e) if is_closed_stdout(&e) => Ok(()),
        Err(e) => {
            report_runtime_error(&job.name, &e);
            Err(())
        }
    }
}

fn render(d: &Diagnostic, display: &str, source: &str) {
    eprint!("{}", d.render(display, source));
}

fn report_runtime_error(name: &str, e: &RuntimeError) {
    eprintln!("error: job \"{name}\" failed: {e}");
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
