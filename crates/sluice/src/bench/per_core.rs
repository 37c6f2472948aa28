//! `sluice bench --per-core`: the steady-state speed of one core, beside Flink's.
//!
//! Each pipeline (the JSON filter, the 5-minute tumble, the updating GROUP BY; all into
//! `blackhole`) runs on both engines over 2 million and over 8 million IoT rows, each
//! run pinned to one CPU, three times. The marginal rate, 6 million rows over the CPU
//! time the larger input took beyond the smaller (least of 3 each), cancels what does not
//! grow with the input: process and JVM start, JIT warm-up, planning. CPU time rather
//! than wall time keeps the figure honest on a busy machine; pinned to one CPU, the two
//! are the same on an idle one. Flink's times are its INSERT job's only, in a warm JVM.
//!
//! Beside the filter, plain parses of the same files into the same four typed Arrow
//! columns (`sonic-rs`, and `simd-json` with its run-time choice of SIMD instructions,
//! each into a struct, then Arrow builders) are timed the same way: the faster is the
//! physical limit of a stateless JSON pipeline on this core.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use arrow_array::builder::{ArrayBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};

use super::{flink_python, generate, measure_child, run_flink_job, script_text, BenchArgs, Query, FLINK_JOB};
use crate::summary::thousands;

/// The two input sizes; the marginal rate is taken between them.
const SMALL: u64 = 2_000_000;
const LARGE: u64 = 8_000_000;
/// Runs per engine, input and pipeline; the fastest counts.
const RUNS: usize = 3;

/// The CPU every timed run is pinned to.
const CPU: usize = 0;

/// One engine's figures for one pipeline.
struct Rates {
    /// CPU seconds of the fastest run over the smaller and the larger input.
    small_seconds: f64,
    large_seconds: f64,
    /// Peak memory of the larger run, in MB.
    peak_mb: Option<f64>,
}

impl Rates {
    /// Rows per CPU-second between the two inputs; `None` when the larger input was not
    /// measurably slower (the figure would be noise).
    fn marginal(&self) -> Option<f64> {
        let extra = self.large_seconds - self.small_seconds;
        (extra > 0.0).then(|| (LARGE - SMALL) as f64 / extra)
    }
}

pub(super) fn bench(args: &BenchArgs) -> Result<()> {
    if args.parallelism.is_some() || args.checkpoint_interval.is_some() || args.baseline.is_some() {
        bail!("--per-core runs one core at parallelism 1: leave out --parallelism, --checkpoint-interval and --baseline");
    }
    let queries = match args.query {
        Some(q @ (Query::Filter | Query::Tumble | Query::Group)) => vec![q],
        Some(other) => bail!("--per-core times the filter, the tumble and the group pipelines, not {}", other.label()),
        None => vec![Query::Filter, Query::Tumble, Query::Group],
    };
    let dir = args.work_dir()?;
    let t = Instant::now();
    let inputs = [SMALL, LARGE].map(|rows| dir.join(format!("iot-{rows}.json")));
    for (rows, path) in [SMALL, LARGE].iter().zip(&inputs) {
        generate(path, *rows)?;
    }
    eprintln!(
        "[bench] generated {} and {} IoT rows in {:.1} s; every run is pinned to CPU {CPU}, fastest of {RUNS}",
        thousands(SMALL),
        thousands(LARGE),
        t.elapsed().as_secs_f64()
    );
    let flink = if args.no_flink { None } else { flink_python(args.flink_python.as_deref()) };
    if flink.is_none() && !args.no_flink {
        println!("flink   not installed (run ../shared/flink-oracle/install-flink.sh, or pass --flink-python)");
    }
    let exe = std::env::current_exe().context("locating the sluice binary")?;
    println!("{:<8} {:<7} {:>10} {:>10} {:>16} {:>12}", "pipeline", "engine", "2M CPU-s", "8M CPU-s", "rows/CPU-s", "peak MB (8M)");
    for query in queries {
        let scripts = |engine: &str| -> Result<[PathBuf; 2]> {
            let mut paths = [PathBuf::new(), PathBuf::new()];
            for (i, input) in inputs.iter().enumerate() {
                let path = dir.join(format!("per-core-{}-{engine}-{i}.sql", query.label()));
                std::fs::write(&path, script_text(input, &dir.join("unused"), "blackhole", query, ""))?;
                paths[i] = path;
            }
            Ok(paths)
        };
        let sluice = time_engine(&scripts("sluice")?, |script| {
            let (m, _) = measure_child(pinned(Command::new(&exe).arg("run").arg(script)))?;
            Ok((m.cpu_seconds, m.peak_rss_kib.map(|k| k as f64 / 1024.0)))
        })?;
        report(query, "sluice", &sluice);
        if matches!(query, Query::Filter) {
            let mut fastest: Option<f64> = None;
            for parser in [Parser::SonicRs, Parser::SimdJson] {
                let parse = time_engine(&inputs, |input| Ok((plain_parse(input, parser)?, None)))?;
                report_as(parser.label(), "parse", &parse);
                fastest = match (fastest, parse.marginal()) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
            if let (Some(s), Some(p)) = (sluice.marginal(), fastest) {
                println!("{:<8} the filter runs at {:.0}% of the faster plain parse's rate (target: at least 80%)", "", 100.0 * s / p);
            }
        }
        let Some(python) = &flink else { continue };
        let flink_scripts = scripts("flink")?;
        std::fs::write(dir.join("bench_flink.py"), FLINK_JOB)?;
        let flink = time_engine(&flink_scripts, |script| flink_run(python, &dir.join("bench_flink.py"), script))?;
        report(query, "flink", &flink);
        if let (Some(s), Some(f)) = (sluice.marginal(), flink.marginal()) {
            println!("{:<8} per core, sluice is {:.1}x Flink", "", s / f);
        }
    }
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Times `run` on the small and the large input, fastest of `RUNS` each.
fn time_engine(inputs: &[PathBuf; 2], mut run: impl FnMut(&Path) -> Result<(f64, Option<f64>)>) -> Result<Rates> {
    let mut best = [f64::INFINITY; 2];
    let mut peak_mb = None;
    for (i, input) in inputs.iter().enumerate() {
        for _ in 0..RUNS {
            let (seconds, peak) = run(input)?;
            best[i] = best[i].min(seconds);
            if i == 1 {
                peak_mb = match (peak, peak_mb) {
                    (Some(p), Some(q)) => Some(f64::max(p, q)),
                    (p, q) => p.or(q),
                };
            }
        }
    }
    Ok(Rates { small_seconds: best[0], large_seconds: best[1], peak_mb })
}

fn report(query: Query, engine: &str, rates: &Rates) {
    report_as(&query.label(), engine, rates);
}

fn report_as(pipeline: &str, engine: &str, rates: &Rates) {
    let marginal = rates.marginal().map_or("n/a".to_string(), |r| thousands(r as u64));
    let peak = rates.peak_mb.map_or("n/a".to_string(), |p| format!("{p:.0}"));
    println!(
        "{:<8} {:<7} {:>10.3} {:>10.3} {:>16} {:>12}",
        pipeline,
        engine,
        rates.small_seconds,
        rates.large_seconds,
        marginal,
        peak
    );
}

/// `command`, to run on `CPU` only (its children, such as Flink's JVM, inherit it).
fn pinned(command: &mut Command) -> &mut Command {
    // SAFETY: between fork and exec the closure only calls sched_setaffinity on the
    // child itself, with a set built on its own stack; both are async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            pin_current(CPU);
            Ok(())
        })
    }
}

/// Pins the calling thread (or, in a fresh child, the process) to `cpu`; a machine that
/// refuses leaves the affinity as it was, and the figures say nothing of it.
fn pin_current(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes inside it, and sched_setaffinity
    // reads it for the calling thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

/// One Flink run of `script`: the JVM's CPU seconds during its INSERT job, and its peak
/// memory in MB.
fn flink_run(python: &Path, job: &Path, script: &Path) -> Result<(f64, Option<f64>)> {
    let run = run_flink_job(pinned(Command::new(python).arg(job).arg(script)))?;
    Ok((run.cpu_seconds, run.peak_mb))
}

/// One IoT record, as the filter's source table declares it.
#[derive(serde::Deserialize)]
struct IotRecord<'a> {
    #[serde(borrow)]
    hostname: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    cpu: std::borrow::Cow<'a, str>,
    usage: f64,
    occurred_at: i64,
}

/// The JSON parsers the plain parse is timed with.
#[derive(Clone, Copy)]
enum Parser {
    SonicRs,
    SimdJson,
}

impl Parser {
    fn label(self) -> &'static str {
        match self {
            Parser::SonicRs => "sonic-rs",
            Parser::SimdJson => "simd-json",
        }
    }
}

/// Rows per Arrow batch in the plain parse, as Sluice's default batch size.
const PARSE_BATCH: usize = 8192;

/// Reads and parses `input` into Arrow batches of the four columns in this thread,
/// pinned to `CPU`; the thread's CPU seconds it took.
fn plain_parse(input: &Path, parser: Parser) -> Result<f64> {
    let restore = current_affinity();
    pin_current(CPU);
    let started = thread_cpu_seconds();
    let mut text = Vec::new();
    std::fs::File::open(input)
        .and_then(|mut f| f.read_to_end(&mut text))
        .with_context(|| format!("reading {}", input.display()))?;
    let mut builders = Builders::default();
    let mut rows = 0u64;
    for line in text.split_mut(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let record: IotRecord<'_> = match parser {
            Parser::SonicRs => sonic_rs::from_slice(line).map_err(anyhow::Error::from),
            // simd-json parses in place, unescaping strings into the line itself.
            Parser::SimdJson => simd_json::serde::from_slice(line).map_err(anyhow::Error::from),
        }
        .with_context(|| format!("parsing a line of {} with {}", input.display(), parser.label()))?;
        builders.hostname.append_value(record.hostname);
        builders.cpu.append_value(record.cpu);
        builders.usage.append_value(record.usage);
        builders.occurred_at.append_value(record.occurred_at);
        rows += 1;
        if builders.usage.len() == PARSE_BATCH {
            std::hint::black_box(builders.finish()?);
        }
    }
    std::hint::black_box(builders.finish()?);
    let seconds = thread_cpu_seconds() - started;
    if let Some(set) = restore {
        // SAFETY: as in pin_current; the set is the one the thread had.
        unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    }
    if rows == 0 {
        bail!("{} holds no rows", input.display());
    }
    Ok(seconds)
}

/// The CPU time the calling thread has used, in seconds.
fn thread_cpu_seconds() -> f64 {
    // SAFETY: timespec is plain data, filled in by the kernel.
    let mut t: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// The calling thread's CPU set, if the kernel tells it.
fn current_affinity() -> Option<libc::cpu_set_t> {
    // SAFETY: cpu_set_t is plain data, filled in by the kernel for the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        (libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0).then_some(set)
    }
}

#[derive(Default)]
struct Builders {
    hostname: StringBuilder,
    cpu: StringBuilder,
    usage: Float64Builder,
    occurred_at: Int64Builder,
}

impl Builders {
    fn finish(&mut self) -> Result<RecordBatch> {
        let columns: Vec<(&str, ArrayRef)> = vec![
            ("hostname", std::sync::Arc::new(self.hostname.finish())),
            ("cpu", std::sync::Arc::new(self.cpu.finish())),
            ("usage", std::sync::Arc::new(self.usage.finish())),
            ("occurred_at", std::sync::Arc::new(self.occurred_at.finish())),
        ];
        Ok(RecordBatch::try_from_iter(columns)?)
    }
}
