//! `sluice bench`: generates IoT rows into a JSON file, runs one of the seed pipelines
//! (the alert filter, a 5-minute tumbling average, a sliding 1-minute average, an
//! updating GROUP BY) file to file or into `blackhole` in a child `sluice run`, and,
//! where PyFlink is installed, runs the same SQL on Flink in the same invocation and
//! prints the ratio. The updating GROUP BY also runs with mini-batching on, and the
//! changelog rows each run wrote are compared.
//!
//! With `--kafka`, the filter and the tumble run Kafka to Kafka instead, beside the
//! broker's own ceiling (see `kafka`). With `--python`, Python UDFs run beside PyFlink's
//! (see `python`). With `--nexmark`, the Nexmark queries run on both engines over the
//! same events (see `nexmark`). With `--per-core`, the filter, the tumble and the group
//! run on both engines pinned to one CPU, for the marginal rate of one core in steady
//! state (see `per_core`).
//!
//! Some queries are sets of cases run one after the other and compared with the first:
//! `keys-all` groups by keys of different types and distributions (each should run
//! within 2x of INT keys), `dedup` keeps the last row of 2,000 keys whose kept rows come
//! from different input batches or from one (state should cost what it holds), and
//! `windows` compares HOP(1 min, 1 h) with TUMBLE(1 h) over many keys. `--baseline`
//! runs every case with a second `sluice` binary as well, for before/after figures
//! from one run.

mod kafka;
mod nexmark;
mod per_core;
mod python;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use sluice_connectors::fake_data::{FakeDataGenerator, GeneratorSettings, Subject};

use crate::summary::thousands;

#[derive(Args)]
pub struct BenchArgs {
    /// How many IoT rows to generate [default: 2000000, or 10000000 with --kafka]
    #[arg(long)]
    rows: Option<u64>,
    /// Which pipeline to run [default: filter, or both filter and tumble with --kafka]
    #[arg(long, value_enum)]
    query: Option<Query>,
    /// Run Kafka to Kafka against Apache Kafka (started here from the jars scripts/services.sh
    /// caches, or --bootstrap-servers), beside the broker's own consume and produce ceiling
    #[arg(long)]
    kafka: bool,
    /// With --kafka: use this cluster instead of starting a broker (topics must not exist yet)
    #[arg(long, requires = "kafka")]
    bootstrap_servers: Option<String>,
    /// With --kafka: partitions of the input and output topics
    #[arg(long, default_value_t = 3, requires = "kafka")]
    partitions: i32,
    /// Where the result rows go: `filesystem` (JSON files) or `blackhole`
    #[arg(long, default_value = "filesystem")]
    sink: String,
    /// Skip the Flink run even when PyFlink is installed
    #[arg(long)]
    no_flink: bool,
    /// Python with PyFlink (default: $FLINK_PYTHON, then ~/.cache/flink-oracle-venv/bin/python)
    #[arg(long)]
    flink_python: Option<PathBuf>,
    /// Time Python UDFs instead (a trivial scalar and pandas UDF, the Netcool seed's
    /// IsolationForest), beside PyFlink's
    #[arg(long, conflicts_with = "kafka")]
    python: bool,
    /// With --python: the interpreter Sluice's workers run [default: $SLUICE_PYTHON, then
    /// ~/.cache/sluice-tools/python-venv/bin/python]
    #[arg(long, requires = "python")]
    python_executable: Option<PathBuf>,
    /// Keep the generated data and outputs in this folder instead of a temporary one
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Also run with a checkpoint at this interval (e.g. '10 s'), Flink too (hashmap
    /// state), and report what checkpointing costs
    #[arg(long, value_name = "DURATION")]
    checkpoint_interval: Option<String>,
    /// Also run every case with this parallelism (`parallelism.default`), the input split
    /// into as many files so that each source instance reads its own, and print the
    /// speed-up over parallelism 1 on the same files (with --nexmark: every query at
    /// parallelism 1 and N, on both engines)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=128))]
    parallelism: Option<u32>,
    /// Also run every case with this other `sluice` binary (a build of another commit) and
    /// print its figures beside this one's
    #[arg(long, value_name = "SLUICE")]
    baseline: Option<PathBuf>,
    /// Run the Nexmark queries q0-q22 on Sluice and Flink over the same events (written
    /// once by the `nexmark` source to a JSON file both engines read)
    #[arg(long, conflicts_with_all = ["kafka", "python", "query"])]
    nexmark: bool,
    /// With --nexmark: how many events [default: 1000000]
    #[arg(long, requires = "nexmark")]
    events: Option<u64>,
    /// With --nexmark: which queries, e.g. "0-22" or "0,1,5" [default: 0-22]
    #[arg(long, requires = "nexmark")]
    nexmark_queries: Option<String>,
    /// With --nexmark: print the figures as JSON
    #[arg(long, requires = "nexmark")]
    json: bool,
    /// Time one core's steady state instead: the filter, the tumble and the group (or
    /// --query) into blackhole over 2 and 8 million rows on both engines pinned to one
    /// CPU, fastest of 3, and print the marginal rate between the two (start-up and JIT
    /// warm-up cancel out), with the plain JSON parse of the same rows beside the filter
    #[arg(long, conflicts_with_all = ["kafka", "python", "nexmark", "rows"])]
    per_core: bool,
}

/// The pipelines `sluice bench` can time.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Query {
    /// `WHERE usage > 90` alerts
    Filter,
    /// 5-minute TUMBLE average and maximum per host and cpu
    Tumble,
    /// 1-minute HOP sliding every 10 seconds, average and maximum per host and cpu
    Hop,
    /// Updating GROUP BY host and cpu (COUNT, AVG, MAX), without and with mini-batching
    Group,
    /// Updating GROUP BY the event time (sequential BIGINT epoch milliseconds): one key
    /// per row (a million keys in state with --rows 1000000)
    Keys,
    /// As `keys`, over INT keys (the event time modulo 10^9)
    KeysInt,
    /// As `keys`, over consecutive BIGINT keys, like ids (the row number: event time over
    /// 350 ms)
    KeysIds,
    /// As `keys`, over random BIGINT keys (a multiplicative permutation of the event time)
    KeysRandom,
    /// As `keys`, over skewed BIGINT keys: 89% of the rows (usage at least 50) on 1,000
    /// hot keys, the rest one key per row
    KeysSkewed,
    /// As `keys`, over STRING keys (the event time as text)
    KeysString,
    /// As `keys`, over a composite key (hostname, event time)
    KeysComposite,
    /// All the key cases above, INT first, each compared with it
    KeysAll,
    /// Keep-last deduplication (ROW_NUMBER over the event time) of 2,000 keys, each in a
    /// run of about 1,000 rows: every kept row comes from a different input batch
    DedupSpread,
    /// The same over 2,000 keys taking turns: the kept rows share the last batches
    DedupShared,
    /// `dedup-shared` then `dedup-spread`: peak memory should not depend on where the
    /// kept rows came from
    Dedup,
    /// TUMBLE(1 h) over 100,000 keys, with event time running 100 times faster (a million
    /// rows in about an hour)
    TumbleHour,
    /// HOP(1 min, 1 h) over the same keys and time
    HopHour,
    /// `tumble-hour` then `hop-hour`
    Windows,
    /// MATCH_RECOGNIZE: a dip, a rise and a fall (PATTERN (A B+ C)) within an hour, per
    /// device, over 1,000 devices (the last three digits of the usage)
    Match,
    /// The same pattern without WITHIN: matches behind a long-lived partial match are
    /// held back (as in Flink), so state grows
    MatchUnbounded,
}

/// The `match` benchmark's pattern: a dip (A), a rise (B+) and a fall below the dip (C).
macro_rules! match_query {
    ($within:literal) => {
        concat!(
            "WITH samples AS (SELECT time_ltz, usage, MOD(CAST(usage * 1000 AS BIGINT), 1000) AS device FROM iot_in) ",
            "SELECT * FROM samples MATCH_RECOGNIZE ( ",
            "PARTITION BY device ORDER BY time_ltz ",
            "MEASURES FIRST(A.time_ltz) AS start_ts, LAST(C.time_ltz) AS end_ts, A.usage AS low, ",
            "MAX(B.usage) AS peak, COUNT(B.usage) AS rises ",
            "AFTER MATCH SKIP PAST LAST ROW ",
            "PATTERN (A B+ C) ",
            $within,
            "DEFINE A AS A.usage < 60, B AS B.usage > A.usage, C AS C.usage < A.usage)"
        )
    };
}
const MATCH_QUERY_WITHIN: &str = match_query!("WITHIN INTERVAL '1' HOUR ");
const MATCH_QUERY: &str = match_query!("");

/// Keep-last deduplication by event time; `$key` is the deduplication key.
macro_rules! dedup_query {
    ($key:literal) => {
        concat!(
            "SELECT k, hostname, cpu, usage, occurred_at FROM (",
            "SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY time_ltz DESC) AS rn FROM (",
            "SELECT ",
            $key,
            " AS k, hostname, cpu, usage, occurred_at, time_ltz FROM iot_in)) WHERE rn = 1"
        )
    };
}
/// Rows are 350 ms apart: 2,000 keys, each a run of 1,000 consecutive rows.
const DEDUP_SPREAD: &str = dedup_query!("MOD(occurred_at / 350000, 2000)");
/// 2,000 keys taking turns row by row.
const DEDUP_SHARED: &str = dedup_query!("MOD(occurred_at / 350, 2000)");

/// The mini-batch settings of the `group` benchmark's second run.
const MINI_BATCH_SETTINGS: &str = "SET 'table.exec.mini-batch.enabled' = 'true';\n\
                                   SET 'table.exec.mini-batch.allow-latency' = '1 s';\n\
                                   SET 'table.exec.mini-batch.size' = '5000';\n";

impl Query {
    /// The single cases a query runs, in order; the first is the one the others are
    /// compared with.
    fn cases(self) -> Vec<Query> {
        match self {
            Query::KeysAll => vec![
                Query::KeysInt,
                Query::Keys,
                Query::KeysIds,
                Query::KeysRandom,
                Query::KeysSkewed,
                Query::KeysString,
                Query::KeysComposite,
            ],
            Query::Dedup => vec![Query::DedupShared, Query::DedupSpread],
            Query::Windows => vec![Query::TumbleHour, Query::HopHour],
            q => vec![q],
        }
    }

    /// The name `--query` takes.
    fn label(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default()
    }

    /// Whether the result is updating (a filesystem sink cannot take it).
    fn updating(self) -> bool {
        matches!(
            self,
            Query::Group
                | Query::Keys
                | Query::KeysInt
                | Query::KeysIds
                | Query::KeysRandom
                | Query::KeysSkewed
                | Query::KeysString
                | Query::KeysComposite
                | Query::KeysAll
                | Query::DedupSpread
                | Query::DedupShared
                | Query::Dedup
        )
    }

    /// How much faster than the data's own event time the table's time attribute runs.
    fn time_speedup(self) -> i64 {
        match self {
            Query::TumbleHour | Query::HopHour | Query::Windows => 100,
            _ => 1,
        }
    }

    /// The GROUP BY list of a `keys*` case, and the sink columns it fills.
    fn keys(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Query::Keys => ("occurred_at", "k BIGINT"),
            Query::KeysInt => ("CAST(MOD(occurred_at, 1000000000) AS INT)", "k INT"),
            Query::KeysIds => ("occurred_at / 350", "k BIGINT"),
            Query::KeysRandom => ("MOD(occurred_at * 48271, 2147483647)", "k BIGINT"),
            Query::KeysSkewed => ("CASE WHEN usage >= 50 THEN MOD(occurred_at, 1000) ELSE occurred_at END", "k BIGINT"),
            Query::KeysString => ("CAST(occurred_at AS STRING)", "k STRING"),
            Query::KeysComposite => ("hostname, occurred_at", "h STRING, k BIGINT"),
            _ => return None,
        })
    }

    /// The sink's columns and the query that fills it.
    fn sql(self) -> (String, String) {
        if let Some((keys, columns)) = self.keys() {
            return (
                format!("{columns}, samples BIGINT, max_usage DOUBLE"),
                format!("SELECT {keys}, COUNT(*), MAX(usage) FROM iot_in GROUP BY {keys}"),
            );
        }
        let (columns, query) = self.fixed_sql();
        (columns.to_string(), query.to_string())
    }

    fn fixed_sql(self) -> (&'static str, &'static str) {
        const WINDOWED: &str = "window_start TIMESTAMP(3), window_end TIMESTAMP(3), hostname VARCHAR, cpu VARCHAR, \
                                avg_usage DOUBLE, max_usage DOUBLE";
        match self {
            Query::Filter => (
                "hostname VARCHAR, time_ltz TIMESTAMP(3), cpu VARCHAR, usage DOUBLE",
                "SELECT hostname, time_ltz, cpu, usage FROM iot_in WHERE usage > 90",
            ),
            Query::Tumble => (
                WINDOWED,
                "SELECT window_start, window_end, hostname, cpu, AVG(usage), MAX(usage) \
                 FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES)) \
                 GROUP BY window_start, window_end, hostname, cpu",
            ),
            Query::Hop => (
                WINDOWED,
                "SELECT window_start, window_end, hostname, cpu, AVG(usage), MAX(usage) \
                 FROM TABLE(HOP(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '10' SECONDS, INTERVAL '1' MINUTE)) \
                 GROUP BY window_start, window_end, hostname, cpu",
            ),
            Query::Group => (
                "hostname VARCHAR, cpu VARCHAR, samples BIGINT, avg_usage DOUBLE, max_usage DOUBLE",
                "SELECT hostname, cpu, COUNT(*), AVG(usage), MAX(usage) FROM iot_in GROUP BY hostname, cpu",
            ),
            Query::DedupSpread | Query::DedupShared => (
                "k BIGINT, hostname VARCHAR, cpu VARCHAR, usage DOUBLE, occurred_at BIGINT",
                if matches!(self, Query::DedupSpread) { DEDUP_SPREAD } else { DEDUP_SHARED },
            ),
            Query::TumbleHour => (
                "window_start TIMESTAMP(3), window_end TIMESTAMP(3), k BIGINT, samples BIGINT, max_usage DOUBLE",
                "SELECT window_start, window_end, MOD(occurred_at / 350, 100000), COUNT(*), MAX(usage) \
                 FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '1' HOUR)) \
                 GROUP BY window_start, window_end, MOD(occurred_at / 350, 100000)",
            ),
            Query::HopHour => (
                "window_start TIMESTAMP(3), window_end TIMESTAMP(3), k BIGINT, samples BIGINT, max_usage DOUBLE",
                "SELECT window_start, window_end, MOD(occurred_at / 350, 100000), COUNT(*), MAX(usage) \
                 FROM TABLE(HOP(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '1' MINUTE, INTERVAL '1' HOUR)) \
                 GROUP BY window_start, window_end, MOD(occurred_at / 350, 100000)",
            ),
            Query::Keys
            | Query::KeysInt
            | Query::KeysIds
            | Query::KeysRandom
            | Query::KeysSkewed
            | Query::KeysString
            | Query::KeysComposite
            | Query::KeysAll
            | Query::Dedup
            | Query::Windows => ("", ""),
            Query::Match | Query::MatchUnbounded => (
                "device BIGINT, start_ts TIMESTAMP_LTZ(3), end_ts TIMESTAMP_LTZ(3), low DOUBLE, peak DOUBLE, rises BIGINT",
                if matches!(self, Query::Match) { MATCH_QUERY_WITHIN } else { MATCH_QUERY },
            ),
        }
    }
}

pub fn run(args: BenchArgs) -> ExitCode {
    match bench(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone)]
struct Measurement {
    seconds: f64,
    /// What the run printed on stderr (progress lines, the summary).
    stderr: String,
    /// User plus system time of the process.
    cpu_seconds: f64,
    peak_rss_kib: Option<u64>,
}

impl Measurement {
    fn cpu_of(usage: &libc::rusage) -> f64 {
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

impl BenchArgs {
    /// `--dir`, or a fresh temporary folder.
    fn work_dir(&self) -> Result<PathBuf> {
        let dir = match &self.dir {
            Some(d) => d.clone(),
            None => std::env::temp_dir().join(format!("sluice-bench-{}", std::process::id())),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir)
    }
}

fn bench(args: BenchArgs) -> Result<()> {
    if args.kafka {
        return kafka::bench(&args);
    }
    if args.python {
        return python::bench(&args);
    }
    if args.nexmark {
        return nexmark::bench(&args);
    }
    if args.per_core {
        return per_core::bench(&args);
    }
    let query = args.query.unwrap_or(Query::Filter);
    let cases = query.cases();
    let rows = args.rows.unwrap_or(if query.time_speedup() > 1 { 1_000_000 } else { 2_000_000 });
    if args.sink != "filesystem" && args.sink != "blackhole" {
        bail!("--sink must be \"filesystem\" or \"blackhole\", not \"{}\"", args.sink);
    }
    if query.updating() && args.sink != "blackhole" {
        bail!(
            "--query {} produces an updating result, which a filesystem sink cannot take: add --sink blackhole",
            query.label()
        );
    }
    let checkpointing = |store: &Path| match &args.checkpoint_interval {
        Some(interval) => format!(
            "SET 'execution.checkpointing.interval' = '{interval}';\nSET 'execution.checkpointing.dir' = 'file://{}';\n\
             SET 'state.backend.type' = 'hashmap';\n",
            store.display()
        ),
        None => String::new(),
    };
    let dir = args.work_dir()?;
    let t = Instant::now();
    let (input, bytes) = match args.parallelism {
        // One file per instance: a file is the unit a file source divides between readers.
        Some(parallelism) => {
            let folder = dir.join("iot");
            let _ = std::fs::remove_dir_all(&folder);
            std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
            let mut bytes = 0;
            let mut generator = FakeDataGenerator::new(GeneratorSettings::new(Subject::Metric));
            for part in 0..parallelism as u64 {
                let share = rows / parallelism as u64 + u64::from(part < rows % parallelism as u64);
                bytes += generate_with(&mut generator, &folder.join(format!("part-{part}.json")), share)?;
            }
            (folder, bytes)
        }
        None => {
            let input = dir.join("iot.json");
            let bytes = generate(&input, rows)?;
            (input, bytes)
        }
    };
    eprintln!(
        "[bench] generated {} IoT rows ({:.1} MB) in {:.2} s",
        thousands(rows),
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );

    let sluice_out = dir.join("out-sluice");
    let exe = std::env::current_exe().context("locating the sluice binary")?;
    let mut first: Option<(Query, Measurement)> = None;
    let mut last: Option<(Measurement, Option<u64>)> = None;
    for case in cases.iter().copied() {
        eprintln!("[bench] query: {}", case.sql().1);
        let _ = std::fs::remove_dir_all(&sluice_out);
        let script = dir.join(format!("bench-{}.sql", case.label()));
        std::fs::write(&script, script_text(&input, &sluice_out, &args.sink, case, ""))?;
        let label = if cases.len() > 1 { case.label() } else { "sluice".to_string() };
        let (m, changelog) = measure_child(Command::new(&exe).arg("run").arg(&script))?;
        report_sluice(&label, rows, &m);
        if let Some(parallelism) = args.parallelism {
            let _ = std::fs::remove_dir_all(&sluice_out);
            let parallel_script = dir.join(format!("bench-{}-p{parallelism}.sql", case.label()));
            let settings = format!("SET 'parallelism.default' = '{parallelism}';\n");
            std::fs::write(&parallel_script, script_text(&input, &sluice_out, &args.sink, case, &settings))?;
            let (p, _) = measure_child(Command::new(&exe).arg("run").arg(&parallel_script))?;
            report_sluice(&format!("{label} parallelism {parallelism}"), rows, &p);
            println!(
                "{:<26} {:.2}x the throughput of parallelism 1, {:.2}x its CPU time, {:.2}x its peak memory",
                "",
                m.seconds / p.seconds,
                p.cpu_seconds / m.cpu_seconds.max(1e-9),
                peak_ratio(&p, &m)
            );
        }
        if let Some(baseline) = &args.baseline {
            let _ = std::fs::remove_dir_all(&sluice_out);
            let (b, _) = measure_child(Command::new(baseline).arg("run").arg(&script))
                .with_context(|| format!("running the baseline {}", baseline.display()))?;
            report_sluice(&format!("{label} baseline"), rows, &b);
            println!(
                "{:<26} {:.2}x the baseline's speed, {:.2}x its peak memory",
                "",
                b.seconds / m.seconds,
                peak_ratio(&m, &b)
            );
        }
        match &first {
            Some((reference, r)) => println!(
                "{:<26} {:.2}x the time of {}, {:.2}x its peak memory",
                "",
                m.seconds / r.seconds,
                reference.label(),
                peak_ratio(&m, r)
            ),
            None => first = Some((case, m.clone())),
        }
        last = Some((m, changelog));
    }
    if cases.len() > 1 {
        return Ok(());
    }
    let Some((sluice, changelog)) = last else { return Ok(()) };
    let mut sluice_rate = rows as f64 / sluice.seconds;
    if matches!(query, Query::Group) {
        let script = dir.join("bench-mini-batch.sql");
        std::fs::write(&script, script_text(&input, &sluice_out, &args.sink, query, MINI_BATCH_SETTINGS))?;
        let (batched, batched_changelog) = measure_child(Command::new(&exe).arg("run").arg(&script))?;
        report_sluice("sluice mini-batch", rows, &batched);
        if let (Some(plain), Some(batched)) = (changelog, batched_changelog) {
            println!(
                "changelog  {} rows without mini-batch, {} rows with it ({:.1}x smaller)",
                thousands(plain),
                thousands(batched),
                plain as f64 / batched.max(1) as f64
            );
        }
    }
    if let Some(interval) = &args.checkpoint_interval {
        let store = dir.join("checkpoints-sluice");
        let _ = std::fs::remove_dir_all(&store);
        let script = dir.join("bench-checkpointed.sql");
        std::fs::write(&script, script_text(&input, &sluice_out, &args.sink, query, &checkpointing(&store)))?;
        let (checkpointed, _) = measure_child(Command::new(&exe).arg("run").arg(&script))?;
        report_sluice("sluice checkpoints", rows, &checkpointed);
        // Compared with Flink checkpointing the same way.
        sluice_rate = rows as f64 / checkpointed.seconds;
        let summary = checkpointed.stderr.lines().find(|l| l.contains("checkpoints taken")).unwrap_or("no checkpoint taken");
        println!(
            "checkpoints every {interval}: {:.1}% of the throughput kept;{}",
            100.0 * sluice.seconds / checkpointed.seconds,
            summary.trim_start_matches("[sluice]").trim_start().split_once(' ').map_or(String::new(), |(n, rest)| format!(" {n} {rest}"))
        );
    }

    if args.no_flink {
        return Ok(());
    }
    let Some(python) = flink_python(args.flink_python.as_deref()) else {
        println!("flink   not installed (run ../shared/flink-oracle/install-flink.sh, or pass --flink-python)");
        return Ok(());
    };
    let flink_out = dir.join("out-flink");
    let _ = std::fs::remove_dir_all(&flink_out);
    let flink_script = dir.join("bench-flink.sql");
    let flink_store = dir.join("checkpoints-flink");
    let _ = std::fs::remove_dir_all(&flink_store);
    std::fs::write(&flink_script, script_text(&input, &flink_out, &args.sink, query, &checkpointing(&flink_store)))?;
    let job = dir.join("bench_flink.py");
    std::fs::write(&job, FLINK_JOB)?;
    let flink = run_flink_job(Command::new(&python).arg(&job).arg(&flink_script))?;
    let seconds = flink.seconds;
    let peak = flink.peak_mb.map_or("n/a".to_string(), |p| format!("{p:.1}"));
    let flink_rate = rows as f64 / seconds;
    println!(
        "{:<26} {:>12} rows  {:>7.3} s  {:>12} rows/s  peak memory {peak} MB (PyFlink local, parallelism 1, JVM start excluded{})",
        "flink",
        thousands(rows),
        seconds,
        thousands(flink_rate as u64),
        match &args.checkpoint_interval {
            Some(i) => format!(", checkpoints every {i}, hashmap state"),
            None => String::new(),
        }
    );
    let both = if args.checkpoint_interval.is_some() { " (both with checkpoints)" } else { "" };
    println!("ratio   sluice is {:.1}x Flink{both}", sluice_rate / flink_rate);
    Ok(())
}

/// `a`'s peak memory over `b`'s.
fn peak_ratio(a: &Measurement, b: &Measurement) -> f64 {
    match (a.peak_rss_kib, b.peak_rss_kib) {
        (Some(a), Some(b)) if b > 0 => a as f64 / b as f64,
        _ => f64::NAN,
    }
}

fn report_sluice(label: &str, rows: u64, m: &Measurement) {
    println!(
        "{label:<26} {:>12} rows  {:>7.3} s  {:>12} rows/s  peak memory {}",
        thousands(rows),
        m.seconds,
        thousands((rows as f64 / m.seconds) as u64),
        m.peak_rss_kib.map(|k| format!("{:.1} MB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into())
    );
}

fn script_text(input: &Path, output: &Path, sink: &str, query: Query, settings: &str) -> String {
    let time = match query.time_speedup() {
        1 => "`occurred_at`".to_string(),
        n => format!("`occurred_at` / {n}"),
    };
    let (columns, query) = query.sql();
    let sink_with = if sink == "blackhole" {
        "'connector' = 'blackhole'".to_string()
    } else {
        format!("'connector' = 'filesystem', 'path' = '{}', 'format' = 'json'", output.display())
    };
    format!(
        "SET 'table.local-time-zone' = 'UTC';\n{settings}\
         CREATE TABLE iot_in (\n  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,\n  \
         time_ltz AS TO_TIMESTAMP_LTZ({time}, 3),\n  \
         WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS\n) \
         WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');\n\
         CREATE TABLE bench_out ({columns})\n\
         WITH ({sink_with});\n\
         INSERT INTO bench_out {query};\n",
        input.display()
    )
}

/// Writes `rows` IoT records as JSON lines; returns the byte count.
fn generate(path: &Path, rows: u64) -> Result<u64> {
    let mut generator = FakeDataGenerator::new(GeneratorSettings::new(Subject::Metric));
    generate_with(&mut generator, path, rows)
}

/// Writes the next `rows` records of `generator` as JSON lines; returns the byte count.
fn generate_with(generator: &mut FakeDataGenerator, path: &Path, rows: u64) -> Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut buf = Vec::with_capacity(1 << 16);
    let mut total = 0u64;
    for i in 0..rows {
        generator.next_record(&mut buf);
        buf.push(b'\n');
        if buf.len() >= 1 << 16 || i + 1 == rows {
            writer.write_all(&buf)?;
            total += buf.len() as u64;
            buf.clear();
        }
    }
    writer.flush()?;
    Ok(total)
}

/// Runs a `sluice run` child to completion: its wall time and peak resident memory, and
/// the rows its sinks wrote (read from its end-of-job line on stderr).
fn measure_child(cmd: &mut Command) -> Result<(Measurement, Option<u64>)> {
    let start = Instant::now();
    let mut child = cmd.stdin(Stdio::null()).stderr(Stdio::piped()).spawn().context("starting the benchmark run")?;
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut s) = stderr {
            let _ = std::io::Read::read_to_string(&mut s, &mut text);
        }
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data filled in by the kernel; pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = start.elapsed().as_secs_f64();
    if r < 0 {
        bail!("waiting for the benchmark run: {}", std::io::Error::last_os_error());
    }
    let stderr = reader.join().unwrap_or_default();
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("the benchmark run failed (status {status}):\n{stderr}");
    }
    let written = stderr
        .lines()
        .filter(|l| l.starts_with("[sluice] job "))
        .find_map(|l| l.split(", ").find_map(|part| part.strip_suffix(" rows written")))
        .and_then(|n| n.replace(',', "").trim().parse().ok());
    let measurement = Measurement {
        seconds,
        stderr,
        cpu_seconds: Measurement::cpu_of(&usage),
        peak_rss_kib: Some(usage.ru_maxrss as u64),
    };
    Ok((measurement, written))
}

fn flink_python(explicit: Option<&Path>) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => std::env::var_os("FLINK_PYTHON")
            .map(PathBuf::from)
            .into_iter()
            .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/flink-oracle-venv/bin/python")))
            .collect(),
    };
    candidates.into_iter().find(|p| {
        p.exists()
            && Command::new(p)
                .args(["-c", "import pyflink"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

/// What one run of `FLINK_JOB` printed.
pub(super) struct FlinkRun {
    /// The INSERT job's wall time.
    pub seconds: f64,
    /// The JVM's CPU time during the job.
    pub cpu_seconds: f64,
    /// The JVM's peak memory, in MB.
    pub peak_mb: Option<f64>,
}

/// Runs `command` (PyFlink's Python with `FLINK_JOB` and a script as its arguments) and
/// reads the figures the job printed.
pub(super) fn run_flink_job(command: &mut Command) -> Result<FlinkRun> {
    let output = command.stdin(Stdio::null()).stderr(Stdio::inherit()).output().context("running Flink")?;
    if !output.status.success() {
        bail!("the Flink run failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let figure = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).and_then(|s| s.trim().parse::<f64>().ok());
    Ok(FlinkRun {
        seconds: figure("JOB_SECONDS ").context("the Flink run printed no timing")?,
        cpu_seconds: figure("JOB_CPU_SECONDS ").context("the Flink run printed no CPU time")?,
        peak_mb: figure("JVM_PEAK_MB "),
    })
}

/// Runs a script on PyFlink (parallelism 1) and prints the INSERT job's wall time and the
/// JVM's CPU time during it (JVM start and DDL excluded), then the JVM's peak memory.
pub(super) const FLINK_JOB: &str = r#"
import os, re, sys, time
from pyflink.java_gateway import get_gateway
from pyflink.table import EnvironmentSettings, TableEnvironment
t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "1")
jvm = get_gateway().jvm
statements = [s.strip() for s in open(sys.argv[1], encoding="utf-8").read().split(";\n") if s.strip()]
for s in statements[:-1]:
    m = re.match(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'", s, re.I)
    if m:
        t.get_config().set(m.group(1), m.group(2))
    else:
        t.execute_sql(s)
pid = jvm.java.lang.ProcessHandle.current().pid()
def cpu_seconds():
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
cpu, start = cpu_seconds(), time.time()
t.execute_sql(statements[-1].rstrip(";")).wait()
print("JOB_SECONDS %.3f" % (time.time() - start))
print("JOB_CPU_SECONDS %.3f" % (cpu_seconds() - cpu))
for line in open("/proc/%d/status" % pid):
    if line.startswith("VmHWM:"):
        print("JVM_PEAK_MB %.1f" % (int(line.split()[1]) / 1024))
"#;
