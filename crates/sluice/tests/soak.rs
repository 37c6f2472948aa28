//! The kill -9 soak: Kafka → Sluice → Kafka (exactly-once) and PostgreSQL, through a
//! filter, a 5-minute TUMBLE, an updating GROUP BY into upsert-kafka, a MATCH_RECOGNIZE
//! and a lookup join against PostgreSQL. The job is killed with SIGKILL at random moments
//! and started again each time, until it finishes. What `read_committed` readers see of
//! the output topics, and the PostgreSQL table, must equal a fault-free run: the same
//! multiset of rows for append-only results, the same final table for the upserts.
//! (Sums are of integers: a DOUBLE sum's last bits depend on where batches and
//! watermarks fall, in Sluice as in Flink, with or without a restart.)
//!
//! CI runs a short version. `scripts/soak.sh` runs the long one: `SLUICE_SOAK_KILLS`
//! (default 5 here) kills over `SLUICE_SOAK_ROWS` input rows (default 40,000);
//! `SLUICE_SOAK_SEED` replays the kill times of an earlier run, whose seed it printed.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::kafka::{produce, read_topic};
use sluice_testkit::{KafkaBroker, Postgres};

const HOSTS: [&str; 7] = ["doc", "grumpy", "sleepy", "bashful", "happy", "sneezy", "dopey"];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// A small deterministic generator (splitmix64), so that a seed replays a run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// CPU samples keyed by host, with times rising strictly across all of them, so that
/// each partition's times rise and no row is ever late whatever the interleaving of
/// partitions (every result is then determined by the input alone).
fn input(broker: &KafkaBroker, rows: u64) {
    let mut random = Random(7);
    let mut messages = Vec::with_capacity(rows as usize);
    let mut clock = 1_633_956_772_000i64;
    for _ in 0..rows {
        let h = random.below(HOSTS.len() as u64) as usize;
        clock += 1 + random.below(3000) as i64;
        let usage = random.below(100_000) as f64 / 1000.0;
        let cpu = 1 + random.below(4);
        messages.push((
            (h % 3) as i32,
            format!(r#"{{"hostname":"{}","cpu":"cpu{cpu}","usage":{usage},"occurred_at":{clock}}}"#, HOSTS[h]),
        ));
    }
    produce(broker, "samples", &messages.iter().map(|(p, m)| (*p, m.as_str())).collect::<Vec<_>>());
}

/// The soak job, writing into topics and a table named with `suffix`.
fn script(dir: &Path, broker: &KafkaBroker, pg: &Postgres, suffix: &str) -> PathBuf {
    let b = broker.bootstrap();
    let exactly_once = |name: &str| {
        format!("'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'soak-{name}-{suffix}'")
    };
    let sql = format!(
        "SET 'table.local-time-zone' = 'UTC';
SET 'execution.checkpointing.interval' = '1 s';
SET 'execution.checkpointing.dir' = 'file://{ck}';
SET 'sluice.exec.batch-size' = '500';
CREATE TABLE samples (
  hostname STRING, cpu STRING, usage DOUBLE, occurred_at BIGINT,
  proctime AS PROCTIME(), time_ltz AS TO_TIMESTAMP_LTZ(occurred_at, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECOND
) WITH ('connector' = 'kafka', 'properties.bootstrap.servers' = '{b}', 'topic' = 'samples',
  'value.format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
CREATE TABLE thresholds (hostname STRING, allowed_top INT, PRIMARY KEY (hostname) NOT ENFORCED)
  WITH ('connector' = 'jdbc', 'url' = '{pg}', 'table-name' = 'thresholds', 'username' = 'postgres');
CREATE TABLE alerts (hostname STRING, cpu STRING, usage DOUBLE, time_ltz TIMESTAMP_LTZ(3))
  WITH ('connector' = 'kafka', 'properties.bootstrap.servers' = '{b}', 'topic' = 'alerts-{suffix}',
  'value.format' = 'json', {alerts});
CREATE TABLE windows (hostname STRING, window_start TIMESTAMP(3), samples BIGINT, total_milli BIGINT, max_usage DOUBLE)
  WITH ('connector' = 'kafka', 'properties.bootstrap.servers' = '{b}', 'topic' = 'windows-{suffix}',
  'value.format' = 'json', {windows});
CREATE TABLE totals (hostname STRING, cpu STRING, samples BIGINT, peak DOUBLE, PRIMARY KEY (hostname, cpu) NOT ENFORCED)
  WITH ('connector' = 'upsert-kafka', 'properties.bootstrap.servers' = '{b}', 'topic' = 'totals-{suffix}',
  'key.format' = 'json', 'value.format' = 'json', {totals});
CREATE TABLE trends (hostname STRING, start_ts TIMESTAMP_LTZ(3), low DOUBLE, peak DOUBLE, rises BIGINT)
  WITH ('connector' = 'kafka', 'properties.bootstrap.servers' = '{b}', 'topic' = 'trends-{suffix}',
  'value.format' = 'json', {trends});
CREATE TABLE breaches (hostname STRING, cpu STRING, usage DOUBLE, threshold INT, occurred_at BIGINT)
  WITH ('connector' = 'jdbc', 'url' = '{pg}', 'table-name' = 'breaches_{suffix}', 'username' = 'postgres');
EXECUTE STATEMENT SET BEGIN
INSERT INTO alerts SELECT hostname, cpu, usage, time_ltz FROM samples WHERE usage > 99;
INSERT INTO windows SELECT hostname, window_start, COUNT(*), SUM(CAST(usage * 1000 AS BIGINT)), MAX(usage)
  FROM TABLE(TUMBLE(TABLE samples, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES))
  GROUP BY hostname, window_start, window_end;
INSERT INTO totals SELECT hostname, cpu, COUNT(*), MAX(usage) FROM samples GROUP BY hostname, cpu;
INSERT INTO trends SELECT * FROM samples MATCH_RECOGNIZE (
  PARTITION BY hostname ORDER BY time_ltz
  MEASURES FIRST(A.time_ltz) AS start_ts, A.usage AS low, MAX(B.usage) AS peak, COUNT(B.usage) AS rises
  AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A B+ C) WITHIN INTERVAL '1' HOUR
  DEFINE A AS A.usage < 10, B AS B.usage > A.usage, C AS C.usage < A.usage);
INSERT INTO breaches SELECT s.hostname, s.cpu, s.usage, t.allowed_top, s.occurred_at
  FROM samples AS s JOIN thresholds FOR SYSTEM_TIME AS OF s.proctime AS t ON s.hostname = t.hostname
  WHERE s.usage > t.allowed_top + 9;
END;
",
        ck = dir.join("checkpoints").display(),
        pg = pg.url("postgres"),
        alerts = exactly_once("alerts"),
        windows = exactly_once("windows"),
        totals = exactly_once("totals"),
        trends = exactly_once("trends"),
    );
    let path = dir.join(format!("soak-{suffix}.sql"));
    std::fs::write(&path, sql).unwrap();
    path
}

/// Everything the job wrote, as `read_committed` readers and PostgreSQL see it.
#[derive(Debug, PartialEq)]
struct Output {
    alerts: BTreeMap<String, usize>,
    windows: BTreeMap<String, usize>,
    totals: BTreeMap<String, String>,
    trends: BTreeMap<String, usize>,
    breaches: BTreeMap<Vec<Option<String>>, usize>,
}

fn multiset(broker: &KafkaBroker, topic: &str) -> BTreeMap<String, usize> {
    let mut rows = BTreeMap::new();
    for (_, _, value) in read_topic(broker, topic, 1) {
        *rows.entry(value.expect("a value")).or_default() += 1;
    }
    rows
}

fn output(broker: &KafkaBroker, pg: &Postgres, suffix: &str) -> Output {
    let mut totals = BTreeMap::new();
    for (_, key, value) in read_topic(broker, &format!("totals-{suffix}"), 1) {
        let key = key.expect("a key");
        match value {
            Some(v) => totals.insert(key, v),
            None => totals.remove(&key),
        };
    }
    let mut breaches = BTreeMap::new();
    for row in pg.query(&format!("SELECT hostname, cpu, usage::text, threshold::text, occurred_at::text FROM breaches_{suffix}")) {
        *breaches.entry(row).or_default() += 1;
    }
    Output {
        alerts: multiset(broker, &format!("alerts-{suffix}")),
        windows: multiset(broker, &format!("windows-{suffix}")),
        totals,
        trends: multiset(broker, &format!("trends-{suffix}")),
        breaches,
    }
}

/// What differs between two results, a few entries of each kind.
fn compare<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    what: &str,
    got: &BTreeMap<K, V>,
    want: &BTreeMap<K, V>,
    problems: &mut Vec<String>,
) {
    let missing: Vec<_> = want.iter().filter(|(k, v)| got.get(k) != Some(v)).take(3).collect();
    let extra: Vec<_> = got.iter().filter(|(k, v)| want.get(k) != Some(v)).take(3).collect();
    if !missing.is_empty() || !extra.is_empty() {
        problems.push(format!("{what}: {} entries of {} differ; expected {missing:?}; got {extra:?}", 
            want.iter().filter(|(k, v)| got.get(k) != Some(v)).count() + got.keys().filter(|k| !want.contains_key(k)).count(),
            want.len()));
    }
}

fn prepare(broker: &KafkaBroker, pg: &Postgres, suffix: &str) {
    for topic in ["alerts", "windows", "totals", "trends"] {
        broker.create_topic(&format!("{topic}-{suffix}"), 1);
    }
    pg.execute(&format!(
        "CREATE TABLE breaches_{suffix} (hostname VARCHAR, cpu VARCHAR, usage DOUBLE PRECISION, threshold INT, occurred_at BIGINT)"
    ));
}

fn sluice(script: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command
        .arg("run")
        .arg(script)
        .env_remove("SLUICE_CHECKPOINT_CRASH")
        .env_remove("SLUICE_CHECKPOINT_STOP")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn stderr_of(child: std::process::Child) -> (bool, String) {
    let out = child.wait_with_output().expect("wait for sluice");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn killed_with_sigkill_at_random_moments_the_job_writes_exactly_the_fault_free_output() {
    let kills = env_number("SLUICE_SOAK_KILLS", 5);
    let rows = env_number("SLUICE_SOAK_ROWS", 40_000);
    let seed = env_number(
        "SLUICE_SOAK_SEED",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1),
    );
    eprintln!("soak: {kills} kills over {rows} rows, seed {seed} (SLUICE_SOAK_SEED={seed} replays the kill times)");
    let broker = KafkaBroker::start();
    let pg = Postgres::start();
    broker.create_topic("samples", 3);
    input(&broker, rows);
    pg.execute("CREATE TABLE thresholds (hostname VARCHAR PRIMARY KEY, allowed_top INT)");
    pg.execute(
        "INSERT INTO thresholds VALUES ('doc', 20), ('grumpy', 30), ('sleepy', 40), ('bashful', 60), ('happy', 70), \
         ('sneezy', 80), ('dopey', 90)",
    );
    let dir = std::env::temp_dir().join(format!("sluice-soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    // The fault-free run, and how long it takes.
    prepare(&broker, &pg, "ref");
    let clean_dir = dir.join("ref");
    std::fs::create_dir_all(&clean_dir).unwrap();
    let started = Instant::now();
    let (ok, log) = stderr_of(sluice(&script(&clean_dir, &broker, &pg, "ref")).spawn().unwrap());
    let clean_time = started.elapsed();
    assert!(ok, "the fault-free run failed:\n{log}");
    eprintln!("soak: the fault-free run took {clean_time:?}:\n{log}");
    assert!(!log.contains("late rows"), "the input must have no late rows, or results depend on timing:\n{log}");
    let want = output(&broker, &pg, "ref");
    assert!(!want.alerts.is_empty() && !want.windows.is_empty() && !want.trends.is_empty() && !want.breaches.is_empty());
    assert_eq!(want.totals.len(), HOSTS.len() * 4, "{:?}", want.totals);

    // The same job, killed again and again until it finishes.
    prepare(&broker, &pg, "soak");
    let soak_dir = dir.join("soak");
    std::fs::create_dir_all(&soak_dir).unwrap();
    let job = script(&soak_dir, &broker, &pg, "soak");
    let mut random = Random(seed);
    let mut killed = 0;
    let mut runs = 0;
    loop {
        runs += 1;
        let mut child = sluice(&job).spawn().unwrap();
        if killed < kills {
            // Anywhere in the first part of a run, start-up included, so that the kills
            // spread over the whole input.
            let span = clean_time.as_millis() as u64 / (kills + 1) + 300;
            let after = Duration::from_millis(100 + random.below(span));
            std::thread::sleep(after);
            if child.try_wait().expect("poll sluice").is_none() {
                // SAFETY: sending SIGKILL to our own child process.
                unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGKILL) };
                let _ = child.wait();
                killed += 1;
                continue;
            }
        }
        let (ok, log) = stderr_of(child);
        assert!(ok, "run {runs} (after {killed} kills) failed:\n{log}");
        // Finished: every row is in. (A kill drawn after the end of the work left is
        // not made; more rows give room for more kills.)
        break;
    }
    eprintln!("soak: {killed} kills in {runs} runs; the fault-free run took {clean_time:?}");
    let got = output(&broker, &pg, "soak");
    assert!(killed > 0, "no kill landed inside a run");
    let mut problems = Vec::new();
    compare("alerts", &got.alerts, &want.alerts, &mut problems);
    compare("windows", &got.windows, &want.windows, &mut problems);
    compare("totals", &got.totals, &want.totals, &mut problems);
    compare("trends", &got.trends, &want.trends, &mut problems);
    compare("breaches", &got.breaches, &want.breaches, &mut problems);
    assert!(problems.is_empty(), "after {killed} kills (seed {seed}):\n{}", problems.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
