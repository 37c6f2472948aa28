//! `sluice bench --nexmark`: the Nexmark queries q0-q22 on Sluice and on Flink over the
//! same input. The events are made once by Sluice's `nexmark` source and written as JSON
//! lines; both engines then read them through the `filesystem` connector (upstream's
//! event table and views, `events_table.sql`) and run the query into `blackhole`. Per
//! query and parallelism it prints events per CPU-second, wall time and peak memory of
//! each engine and Sluice's ratio to Flink; `--json` prints the same as JSON.
//!
//! With `--parallelism N` the events are split into N files of consecutive events (a file
//! is the unit a file source hands to a reader), every query runs at parallelism 1 and N
//! over those same files, and the run at N also prints each engine's throughput (events
//! per wall-clock second) as a multiple of its own at parallelism 1.
//!
//! Sluice's figures are the whole `sluice run` process (planning included); Flink's are
//! the INSERT job inside a warm JVM (JVM start and DDL excluded) and the JVM's peak
//! resident memory, so the comparison favours Flink slightly.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::json;

use super::{flink_python, measure_child, BenchArgs, FLINK_JOB};
use crate::summary::thousands;

/// The query texts, as the benchmark and the conformance cases run them.
pub(crate) const QUERIES: [&str; 23] = [
    include_str!("nexmark/q0.sql"),
    include_str!("nexmark/q1.sql"),
    include_str!("nexmark/q2.sql"),
    include_str!("nexmark/q3.sql"),
    include_str!("nexmark/q4.sql"),
    include_str!("nexmark/q5.sql"),
    include_str!("nexmark/q6.sql"),
    include_str!("nexmark/q7.sql"),
    include_str!("nexmark/q8.sql"),
    include_str!("nexmark/q9.sql"),
    include_str!("nexmark/q10.sql"),
    include_str!("nexmark/q11.sql"),
    include_str!("nexmark/q12.sql"),
    include_str!("nexmark/q13.sql"),
    include_str!("nexmark/q14.sql"),
    include_str!("nexmark/q15.sql"),
    include_str!("nexmark/q16.sql"),
    include_str!("nexmark/q17.sql"),
    include_str!("nexmark/q18.sql"),
    include_str!("nexmark/q19.sql"),
    include_str!("nexmark/q20.sql"),
    include_str!("nexmark/q21.sql"),
    include_str!("nexmark/q22.sql"),
];

/// The event table over files and its three views; `${EVENTS}` is the events file.
const EVENTS_TABLE: &str = include_str!("nexmark/events_table.sql");

/// Queries Flink 2.3 refuses, with its reason: not run on either engine.
const FLINK_REFUSES: &[(usize, &str)] = &[(
    6,
    "Flink 2.3 refuses it (\"Non-time attribute sort is not supported for bounded OVER window\": after the join the OVER window's order column is no longer a time attribute), and so does Sluice",
)];

/// The first event's time: fixed, so that every run (and both engines) sees the same days.
const BASE_TIME: i64 = 1_700_000_000_000;

/// What one engine did on one query.
struct Figures {
    wall_seconds: f64,
    cpu_seconds: f64,
    peak_mb: Option<f64>,
}

impl Figures {
    fn rate(&self, events: u64) -> f64 {
        events as f64 / self.cpu_seconds.max(1e-6)
    }
}

/// Drops `--` comment lines, which Flink's `SET` matching in `FLINK_JOB` does not expect.
fn without_comments(sql: &str) -> String {
    sql.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n")
}

/// The whole script for query `n` over `events` at `parallelism`.
fn script(n: usize, events: &Path, side_input: &Path, parallelism: usize) -> String {
    let table = EVENTS_TABLE.replace("${EVENTS}", &events.display().to_string());
    let query = QUERIES[n].replace("${SIDE_INPUT}", &side_input.display().to_string());
    format!(
        "SET 'table.local-time-zone' = 'UTC';\nSET 'parallelism.default' = '{parallelism}';\n{}\n{}\n",
        without_comments(&table),
        without_comments(&query)
    )
}

/// Writes `events` Nexmark events (upstream's default proportions and sizes, 10,000 events
/// per second of event time) as JSON lines into `dir/events`, with Sluice's own source, in
/// `parts` files of consecutive events.
fn generate_events(exe: &Path, dir: &Path, events: u64, parts: usize) -> Result<()> {
    let out = dir.join("generated");
    let _ = std::fs::remove_dir_all(&out);
    let table = EVENTS_TABLE.split("CREATE VIEW").next().unwrap_or_default();
    let source = without_comments(table)
        .replace("nexmark (", "nexmark_source (")
        .replace(
            "'connector' = 'filesystem', 'path' = '${EVENTS}', 'format' = 'json'",
            &format!("'connector' = 'nexmark', 'events.num' = '{events}', 'base-time' = '{BASE_TIME}'"),
        );
    let sql = format!(
        "{source}\nCREATE TABLE nexmark_files (event_type INT, person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, \
         creditCard VARCHAR, city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>, auction ROW<id BIGINT, \
         itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), \
         seller BIGINT, category BIGINT, extra VARCHAR>, bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, \
         url VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>)\nWITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');\n\
         INSERT INTO nexmark_files SELECT event_type, person, auction, bid FROM nexmark_source;\n",
        out.display()
    );
    let script = dir.join("nexmark-generate.sql");
    std::fs::write(&script, sql)?;
    let status = Command::new(exe)
        .arg("run")
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("running the event generator")?;
    if !status.success() {
        bail!("writing the Nexmark events failed ({status}); run `sluice run {}` to see why", script.display());
    }
    split_events(&out, &dir.join("events"), parts)?;
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}

/// Rewrites the files the generator wrote into `from` (part files named `part-<uuid>-<subtask>-<n>`,
/// in the order of `n`) as `parts` files of consecutive events, `part-0.json` first, so
/// that a reader at parallelism 1 still sees the events in order and each reader at
/// parallelism `parts` gets one contiguous share. Streams through a small buffer: this
/// process's resident memory is inherited by the children it starts (Linux counts it in
/// their peak), so it must stay small.
fn split_events(from: &Path, to: &Path, parts: usize) -> Result<()> {
    use std::io::{BufRead, BufReader, BufWriter, Read, Write};
    let number = |p: &Path| -> u64 {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        name.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    let mut files: Vec<_> = sluice_connectors::filesystem::list_files(from)?;
    files.sort_by_key(|p| number(p));
    let open = |f: &Path| std::fs::File::open(f).with_context(|| format!("reading {}", f.display()));
    let mut lines = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    for f in &files {
        let mut file = open(f)?;
        loop {
            let n = file.read(&mut buf).with_context(|| format!("reading {}", f.display()))?;
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        }
    }
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut input = files.iter().map(|f| Ok(BufReader::new(open(f)?))).collect::<Result<Vec<_>>>()?.into_iter();
    let mut reader = input.next();
    let mut line = Vec::new();
    for part in 0..parts {
        let path = to.join(format!("part-{part}.json"));
        let mut out = BufWriter::new(std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?);
        let mut share = lines / parts + usize::from(part < lines % parts);
        while share > 0 {
            let Some(r) = reader.as_mut() else { break };
            line.clear();
            if r.read_until(b'\n', &mut line)? == 0 {
                reader = input.next();
                continue;
            }
            out.write_all(&line)?;
            share -= 1;
        }
        out.flush().with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The side input of q13: a value for each key 0..10000.
fn write_side_input(path: &Path) -> Result<()> {
    let text: String = (0..10_000).map(|k| format!("{k},side-{}\n", (k * 7919) % 10_000)).collect();
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn run_flink(python: &Path, dir: &Path, script_text: &str) -> Result<Figures, String> {
    let script = dir.join("nexmark-flink.sql");
    let job = dir.join("bench_flink.py");
    std::fs::write(&script, script_text).map_err(|e| e.to_string())?;
    std::fs::write(&job, FLINK_JOB).map_err(|e| e.to_string())?;
    let output = Command::new(python)
        .arg(&job)
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start Flink: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let value = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).and_then(|s| s.trim().parse::<f64>().ok());
    match (output.status.success(), value("JOB_SECONDS "), value("JOB_CPU_SECONDS ")) {
        (true, Some(wall_seconds), Some(cpu_seconds)) => {
            Ok(Figures { wall_seconds, cpu_seconds, peak_mb: value("JVM_PEAK_MB ") })
        }
        _ => {
            let err = String::from_utf8_lossy(&output.stderr);
            // Flink's own exception says why; py4j's wrapper line only that a call failed.
            let lines = || err.lines().map(str::trim);
            let reason = lines()
                .find(|l| l.contains("flink") && l.contains("Exception:"))
                .or_else(|| lines().find(|l| l.contains("Exception:") || l.contains("Error:")))
                .unwrap_or("no reason printed")
                .trim_start_matches(": ")
                .to_string();
            Err(format!("Flink failed: {reason}"))
        }
    }
}

fn run_sluice(exe: &Path, dir: &Path, script_text: &str) -> Result<Figures, String> {
    let script = dir.join("nexmark-sluice.sql");
    std::fs::write(&script, script_text).map_err(|e| e.to_string())?;
    match measure_child(Command::new(exe).arg("run").arg(&script).stdout(Stdio::null())) {
        Ok((m, _)) => Ok(Figures {
            wall_seconds: m.seconds,
            cpu_seconds: m.cpu_seconds,
            peak_mb: m.peak_rss_kib.map(|k| k as f64 / 1024.0),
        }),
        Err(e) => {
            let text = format!("{e:#}");
            let reason = text.lines().find(|l| l.contains("error")).unwrap_or(text.lines().next().unwrap_or("")).trim();
            Err(format!("Sluice failed: {reason}"))
        }
    }
}

/// Parses `--nexmark-queries` (`0,1,5` or `0-22`) into query numbers.
fn parse_queries(text: &str) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let strip = |s: &str| s.trim().trim_start_matches(['q', 'Q']).parse::<usize>();
        let (from, to) = match part.split_once('-') {
            Some((a, b)) => (strip(a), strip(b)),
            None => (strip(part), strip(part)),
        };
        match (from, to) {
            (Ok(a), Ok(b)) if a <= b && b < QUERIES.len() => out.extend(a..=b),
            _ => bail!("--nexmark-queries takes query numbers from 0 to 22 (\"0,1,5\" or \"0-22\"), not \"{part}\""),
        }
    }
    Ok(out)
}

fn mb(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |m| format!("{m:.0} MB"))
}

pub(super) fn bench(args: &BenchArgs) -> Result<()> {
    let events = args.events.unwrap_or(1_000_000);
    let queries = parse_queries(args.nexmark_queries.as_deref().unwrap_or("0-22"))?;
    let mut parallelisms = vec![1];
    parallelisms.extend(args.parallelism.map(|p| p as usize));
    let dir = args.work_dir()?;
    let exe = std::env::current_exe().context("locating the sluice binary")?;
    let t = Instant::now();
    generate_events(&exe, &dir, events, parallelisms.iter().copied().max().unwrap_or(1))?;
    let side_input = dir.join("side_input.csv");
    write_side_input(&side_input)?;
    eprintln!("[bench] wrote {} Nexmark events in {:.2} s", thousands(events), t.elapsed().as_secs_f64());
    let python = if args.no_flink { None } else { flink_python(args.flink_python.as_deref()) };
    if python.is_none() && !args.no_flink {
        eprintln!("[bench] Flink is not installed (run ../shared/flink-oracle/install-flink.sh, or pass --flink-python)");
    }
    let events_path = dir.join("events");
    let mut results = Vec::new();
    // Wall seconds of each query at parallelism 1, Sluice's and Flink's, for the scaling.
    let mut first: std::collections::HashMap<usize, (Option<f64>, Option<f64>)> = Default::default();
    if !args.json {
        println!(
            "{:<5} {:>3}  {:>14} {:>9} {:>8}  {:>14} {:>9} {:>8}  {:>7} {:>7}",
            "query", "par", "sluice ev/cpu-s", "wall", "peak", "flink ev/cpu-s", "wall", "peak", "speed", "memory"
        );
    }
    for &parallelism in &parallelisms {
        for &n in &queries {
            if let Some((_, reason)) = FLINK_REFUSES.iter().find(|(q, _)| *q == n) {
                if !args.json {
                    println!("q{n:<4} {parallelism:>3}  not run: {reason}");
                }
                results.push(json!({"query": format!("q{n}"), "parallelism": parallelism, "skipped": reason}));
                continue;
            }
            let text = script(n, &events_path, &side_input, parallelism);
            eprintln!("[bench] q{n} at parallelism {parallelism}");
            let sluice = run_sluice(&exe, &dir, &text);
            let flink = match &python {
                Some(p) => Some(run_flink(p, &dir, &text)),
                None => None,
            };
            let fig = |f: &Result<Figures, String>| match f {
                Ok(f) => json!({"events_per_cpu_second": f.rate(events), "wall_seconds": f.wall_seconds,
                                "cpu_seconds": f.cpu_seconds, "peak_mb": f.peak_mb}),
                Err(e) => json!({"error": e}),
            };
            let wall = |f: Option<&Result<Figures, String>>| f.and_then(|f| f.as_ref().ok()).map(|f| f.wall_seconds);
            let walls = (wall(Some(&sluice)), wall(flink.as_ref()));
            // Throughput at this parallelism as a multiple of parallelism 1's.
            let scaling = match first.get(&n) {
                Some(&(s1, f1)) if parallelism > 1 => {
                    let ratio = |one: Option<f64>, now: Option<f64>| one.zip(now).map(|(a, b)| a / b.max(1e-6));
                    (ratio(s1, walls.0), ratio(f1, walls.1))
                }
                _ => {
                    first.insert(n, walls);
                    (None, None)
                }
            };
            let (speed, memory) = match (&sluice, &flink) {
                (Ok(s), Some(Ok(f))) => (
                    Some(s.rate(events) / f.rate(events)),
                    s.peak_mb.zip(f.peak_mb).map(|(a, b)| a / b.max(1e-6)),
                ),
                _ => (None, None),
            };
            results.push(json!({
                "query": format!("q{n}"), "parallelism": parallelism, "events": events,
                "sluice": fig(&sluice), "flink": flink.as_ref().map(fig),
                "speed_ratio": speed, "memory_ratio": memory,
                "sluice_scaling": scaling.0, "flink_scaling": scaling.1,
            }));
            if args.json {
                continue;
            }
            let cols = |f: &Option<&Result<Figures, String>>| match f {
                Some(Ok(f)) => format!(
                    "{:>14} {:>8.2}s {:>8}",
                    thousands(f.rate(events) as u64),
                    f.wall_seconds,
                    mb(f.peak_mb)
                ),
                Some(Err(_)) => format!("{:>14} {:>9} {:>8}", "failed", "", ""),
                None => format!("{:>14} {:>9} {:>8}", "n/a", "", ""),
            };
            println!(
                "q{n:<4} {parallelism:>3}  {}  {}  {:>7} {:>7}",
                cols(&Some(&sluice)),
                cols(&flink.as_ref()),
                speed.map_or("".into(), |r| format!("{r:.1}x")),
                memory.map_or("".into(), |r| format!("{r:.2}x")),
            );
            if parallelism > 1 {
                let x = |r: Option<f64>| r.map_or("n/a".into(), |r| format!("{r:.2}x"));
                println!(
                    "      throughput at parallelism {parallelism}: Sluice {} and Flink {} their own at parallelism 1",
                    x(scaling.0),
                    x(scaling.1)
                );
            }
            for e in [sluice.as_ref().err(), flink.as_ref().and_then(|f| f.as_ref().err())].into_iter().flatten() {
                println!("      {e}");
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    if args.dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_lists() {
        assert_eq!(parse_queries("0-2,q5").unwrap(), vec![0, 1, 2, 5]);
        assert!(parse_queries("23").is_err());
        assert!(parse_queries("5-2").is_err());
    }

    #[test]
    fn scripts_have_no_comments_and_set_the_parallelism() {
        let s = script(13, Path::new("/e"), Path::new("/side.csv"), 2);
        assert!(s.contains("SET 'parallelism.default' = '2';"));
        assert!(s.contains("'path' = '/e'") && s.contains("'path' = '/side.csv'"));
        assert!(!s.lines().any(|l| l.trim_start().starts_with("--")));
    }
}
