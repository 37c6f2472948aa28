//! Checkpoints, recovery and exactly-once Kafka output, run as a user runs them against
//! Apache Kafka: `sluice run` on a script with `execution.checkpointing.interval`, killed
//! at each step of the checkpoint protocol by the `SLUICE_CHECKPOINT_CRASH` test hook
//! (the process aborts, as a crash would), then run again. What `read_committed`
//! readers see of the output topic must be exactly the fault-free result: nothing lost,
//! nothing twice.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::kafka::{committed_ids, produce};
use common::{final_counts, output_text as text, CRASH_STEPS};
use sluice_testkit::KafkaBroker;

fn sluice(script: &Path, crash: Option<&str>, extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.arg("run").arg(script).args(extra);
    match crash {
        Some(c) => command.env("SLUICE_CHECKPOINT_CRASH", c),
        None => command.env_remove("SLUICE_CHECKPOINT_CRASH"),
    };
    command.output().expect("run the sluice binary")
}

/// 6,000 rows `{"id": i, "v": i % 10}` over three partitions.
fn input(broker: &KafkaBroker, topic: &str, ids: std::ops::Range<i64>) {
    let rows: Vec<(i32, String)> = ids.map(|i| ((i % 3) as i32, format!(r#"{{"id":{i},"v":{}}}"#, i % 10))).collect();
    produce(broker, topic, &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
}

/// The filter job, Kafka to Kafka with exactly-once delivery and a checkpoint about
/// every batch of 200 rows.
fn job(dir: &Path, broker: &KafkaBroker, input: &str, output: &str, prefix: &str) -> PathBuf {
    let sql = format!(
        "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '200';
CREATE TABLE events (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = '{input}', 'properties.bootstrap.servers' = '{b}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json');
CREATE TABLE kept (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = '{output}', 'properties.bootstrap.servers' = '{b}', 'value.format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{prefix}');
INSERT INTO kept SELECT id, v FROM events WHERE v < 7;
",
        dir.join("checkpoints").display(),
        b = broker.bootstrap()
    );
    let path = dir.join("job.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

fn expected(ids: std::ops::Range<i64>) -> BTreeMap<i64, usize> {
    ids.filter(|i| i % 10 < 7).map(|i| (i, 1)).collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sluice-checkpoints-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_crash_at_any_step_of_a_checkpoint_loses_and_repeats_nothing() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    input(&broker, "events", 0..6000);
    for (n, step) in CRASH_STEPS.iter().enumerate() {
        let output = format!("kept-{n}");
        broker.create_topic(&output, 1);
        let dir = scratch(step);
        let script = job(&dir, &broker, "events", &output, &format!("kept-{n}"));
        let crashed = sluice(&script, Some(&format!("{step}@4")), &[]);
        assert!(!crashed.status.success(), "the crash hook did not fire at {step}:\n{}", text(&crashed));
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 4")), "{}", text(&crashed));
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        let log = text(&resumed);
        assert!(log.contains("resuming job \"insert-into_kept\" from checkpoint"), "{log}");
        // A checkpoint saved but never committed is not resumed from.
        let from: u64 = log.split("from checkpoint ").nth(1).and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
        let want = if matches!(*step, "after-commit" | "after-complete") { 4 } else { 3 };
        assert_eq!(from, want, "after a crash at {step}: {log}");
        assert_eq!(committed_ids(&broker, &output), expected(0..6000), "after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn running_again_resumes_after_the_last_row_and_fresh_starts_over() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept", 1);
    input(&broker, "events", 0..3000);
    let dir = scratch("resume");
    let script = job(&dir, &broker, "events", "kept", "kept-resume");
    let first = sluice(&script, None, &[]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("checkpoints taken"), "{}", text(&first));
    // Nothing new: the second run reads nothing and writes nothing.
    let again = sluice(&script, None, &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("0 rows read"), "{}", text(&again));
    assert_eq!(committed_ids(&broker, "kept"), expected(0..3000));
    // New rows: only they are read.
    input(&broker, "events", 3000..4500);
    let more = sluice(&script, None, &[]);
    assert!(text(&more).contains("1,500 rows read"), "{}", text(&more));
    assert_eq!(committed_ids(&broker, "kept"), expected(0..4500));
    // --fresh forgets the checkpoints: everything is read (and written) again.
    let fresh = sluice(&script, None, &["--fresh"]);
    assert!(fresh.status.success(), "{}", text(&fresh));
    assert!(text(&fresh).contains("4,500 rows read") && !text(&fresh).contains("resuming"), "{}", text(&fresh));
    assert!(committed_ids(&broker, "kept").values().all(|n| *n == 2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exactly_once_needs_checkpoints_and_a_transactional_id_prefix_and_state_must_fit() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 1);
    let dir = scratch("errors");
    let script = job(&dir, &broker, "events", "kept", "p");
    let sql = std::fs::read_to_string(&script).unwrap();

    let no_checkpoints = dir.join("a.sql");
    std::fs::write(&no_checkpoints, sql.replace("SET 'execution.checkpointing.interval' = '1 ns';", "")).unwrap();
    let out = sluice(&no_checkpoints, None, &[]);
    assert!(!out.status.success() && text(&out).contains("execution.checkpointing.interval"), "{}", text(&out));

    let no_prefix = dir.join("b.sql");
    std::fs::write(&no_prefix, sql.replace(", 'sink.transactional-id-prefix' = 'p'", "")).unwrap();
    let out = sluice(&no_prefix, None, &[]);
    assert!(!out.status.success() && text(&out).contains("sink.transactional-id-prefix"), "{}", text(&out));

    let remote = dir.join("d.sql");
    std::fs::write(&remote, sql.replace(&format!("file://{}", dir.join("checkpoints").display()), "hdfs://namenode/ckpt")).unwrap();
    let out = sluice(&remote, None, &[]);
    assert!(!out.status.success() && text(&out).contains("\"hdfs://\" storage are not supported"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `sluice run` in the background, its stderr lines collected by a thread.
struct Background {
    child: std::process::Child,
    stderr: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Background {
    fn start(script: &Path) -> Background {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .arg("run")
            .arg(script)
            .env_remove("SLUICE_CHECKPOINT_CRASH")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start sluice");
        let (tx, stderr) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Background { child, stderr, seen: Vec::new() }
    }

    /// Waits for a stderr line containing `needle` (a minute at most: a guard against a
    /// hang, not a measured duration).
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!("no line containing {needle:?} ({e}); seen:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Ctrl-C; returns whether it exited cleanly and the rest of its stderr.
    fn interrupt(mut self) -> (bool, String) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let status = self.child.wait().expect("wait");
        self.seen.extend(self.stderr.iter());
        (status.success(), self.seen.join("\n"))
    }

    fn finish(mut self) -> (bool, String) {
        let status = self.child.wait().expect("wait");
        self.seen.extend(self.stderr.iter());
        (status.success(), self.seen.join("\n"))
    }
}

/// The filter job without an end: it runs until stopped.
fn unbounded_job(dir: &Path, broker: &KafkaBroker, output: &str, prefix: &str) -> PathBuf {
    let script = job(dir, broker, "events", output, prefix);
    let sql = std::fs::read_to_string(&script).unwrap().replace(", 'scan.bounded.mode' = 'latest-offset'", "");
    let sql = sql.replace("'1 ns'", "'20 ms'");
    std::fs::write(&script, sql).unwrap();
    script
}

#[test]
fn ctrl_c_stops_with_a_checkpoint_and_the_next_run_resumes_there() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept", 1);
    input(&broker, "events", 0..2000);
    let dir = scratch("ctrl-c");
    let script = unbounded_job(&dir, &broker, "kept", "kept-ctrl-c");
    let mut first = Background::start(&script);
    first.wait_for("rows read");
    let (ok, log) = first.interrupt();
    assert!(ok, "{log}");
    assert!(log.contains("stopped with checkpoint"), "{log}");
    input(&broker, "events", 2000..3000);
    let mut second = Background::start(&script);
    second.wait_for("resuming job");
    // Until every new row is in: the second run wrote the rest, once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while committed_ids(&broker, "kept").len() < expected(0..3000).len() {
        assert!(std::time::Instant::now() < deadline, "the resumed job did not write the new rows");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (ok, log) = second.interrupt();
    assert!(ok, "{log}");
    assert_eq!(committed_ids(&broker, "kept"), expected(0..3000));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn of_two_copies_of_a_job_only_the_newer_can_commit() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept", 1);
    input(&broker, "events", 0..2000);
    let dir = scratch("zombie");
    let script = unbounded_job(&dir, &broker, "kept", "kept-zombie");
    let mut older = Background::start(&script);
    older.wait_for("rows read");
    // The newer copy fences the older one's producer: the older one's next commit fails.
    let mut newer = Background::start(&script);
    newer.wait_for("started");
    let (ok, log) = older.finish();
    // Kafka 4 answers the fenced producer's next commit or send with FENCED or with an
    // error librdkafka 2.12 does not name ("Unknown broker error"); either way it fails.
    assert!(!ok && log.contains("error: job"), "the older copy went on: {log}");
    input(&broker, "events", 2000..2600);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while committed_ids(&broker, "kept").len() < expected(0..2600).len() {
        assert!(std::time::Instant::now() < deadline, "the newer copy did not write the new rows");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (ok, log) = newer.interrupt();
    assert!(ok, "{log}");
    assert_eq!(committed_ids(&broker, "kept"), expected(0..2600));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The ids in PostgreSQL table `kept`, with how often each is there.
fn table_ids(pg: &sluice_testkit::Postgres) -> BTreeMap<i64, usize> {
    let mut ids = BTreeMap::new();
    for row in pg.query("SELECT id FROM kept") {
        *ids.entry(row[0].as_deref().unwrap().parse::<i64>().unwrap()).or_default() += 1;
    }
    ids
}

#[test]
fn a_crash_at_any_step_leaves_each_row_once_in_a_postgresql_table_without_a_key() {
    let broker = KafkaBroker::start();
    let pg = sluice_testkit::Postgres::start();
    broker.create_topic("events", 3);
    input(&broker, "events", 0..4000);
    for step in ["after-save", "after-commit", "before-snapshot"] {
        pg.execute("DROP TABLE IF EXISTS kept; DROP TABLE IF EXISTS sluice_checkpoints; CREATE TABLE kept (id BIGINT, v INT)");
        let dir = scratch(&format!("jdbc-{step}"));
        let script = job(&dir, &broker, "events", "unused", "unused");
        let sql = std::fs::read_to_string(&script).unwrap().replace(
            &format!(
                "'connector' = 'kafka', 'topic' = 'unused', 'properties.bootstrap.servers' = '{}', 'value.format' = 'json',\n  \
                 'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'unused'",
                broker.bootstrap()
            ),
            &format!("'connector' = 'jdbc', 'url' = '{}', 'table-name' = 'kept', 'username' = 'postgres'", pg.url("postgres")),
        );
        assert!(sql.contains("'jdbc'"), "{sql}");
        std::fs::write(&script, sql).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@3")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 3")), "{}", text(&crashed));
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert_eq!(table_ids(&pg), expected(0..4000), "after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Rows `{"id": i, "v": i % 10}` with event time `i` milliseconds, over three partitions.
fn timed_input(broker: &KafkaBroker, topic: &str, ids: std::ops::Range<i64>) {
    input(broker, topic, ids)
}

/// A job with state: a 1-second TUMBLE count per `v` into Kafka and an updating count per
/// `v` into upsert-kafka, both exactly-once, with a checkpoint about every 200 rows.
fn stateful_job(dir: &Path, broker: &KafkaBroker, windows: &str, totals: &str, prefix: &str) -> PathBuf {
    let sql = format!(
        "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '200';
CREATE TABLE events (id BIGINT, v INT, ts AS TO_TIMESTAMP_LTZ(id, 3), WATERMARK FOR ts AS ts) WITH (
  'connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '{b}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json');
CREATE TABLE windows (v INT, window_start TIMESTAMP(3), n BIGINT, s BIGINT) WITH (
  'connector' = 'kafka', 'topic' = '{windows}', 'properties.bootstrap.servers' = '{b}', 'value.format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{prefix}-w');
CREATE TABLE totals (v INT, n BIGINT, biggest BIGINT, PRIMARY KEY (v) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = '{totals}', 'properties.bootstrap.servers' = '{b}',
  'key.format' = 'json', 'value.format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{prefix}-t');
EXECUTE STATEMENT SET BEGIN
INSERT INTO windows SELECT v, window_start, COUNT(*), SUM(id)
  FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' SECOND)) GROUP BY v, window_start, window_end;
INSERT INTO totals SELECT v, COUNT(*), MAX(id) FROM events GROUP BY v;
END;
",
        dir.join("checkpoints").display(),
        b = broker.bootstrap()
    );
    let path = dir.join("job.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

/// `(v, window start, count, sum)` rows of the windows topic, sorted, and the last value
/// per key of the totals topic, as `read_committed` readers see them.
fn stateful_output(broker: &KafkaBroker, windows: &str, totals: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let mut rows: Vec<String> =
        common::kafka::read_topic(broker, windows, 1).into_iter().map(|(_, _, v)| v.expect("a value")).collect();
    rows.sort();
    let mut table = BTreeMap::new();
    for (_, key, value) in common::kafka::read_topic(broker, totals, 1) {
        let key = key.expect("a key");
        match value {
            Some(v) => table.insert(key, v),
            None => table.remove(&key),
        };
    }
    (rows, table)
}

#[test]
fn a_crash_at_any_step_keeps_windows_and_group_state_exactly_once() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    timed_input(&broker, "events", 0..6000);
    // The fault-free run.
    broker.create_topic("windows-ref", 1);
    broker.create_topic("totals-ref", 1);
    let dir = scratch("stateful-ref");
    let script = stateful_job(&dir, &broker, "windows-ref", "totals-ref", "ref");
    let clean = sluice(&script, None, &[]);
    assert!(clean.status.success(), "{}", text(&clean));
    let (windows, totals) = stateful_output(&broker, "windows-ref", "totals-ref");
    assert_eq!(windows.len(), 60, "{windows:?}");
    assert_eq!(totals.len(), 10, "{totals:?}");
    assert_eq!(totals["{\"v\":3}"], "{\"v\":3,\"n\":600,\"biggest\":5993}");
    let _ = std::fs::remove_dir_all(&dir);
    for (n, step) in CRASH_STEPS.iter().enumerate() {
        let (w, t) = (format!("windows-{n}"), format!("totals-{n}"));
        broker.create_topic(&w, 1);
        broker.create_topic(&t, 1);
        let dir = scratch(&format!("stateful-{step}"));
        let script = stateful_job(&dir, &broker, &w, &t, &format!("s{n}"));
        for crash_at in [5, 12] {
            let crashed = sluice(&script, Some(&format!("{step}@{crash_at}")), &[]);
            assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint {crash_at}")), "{}", text(&crashed));
        }
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert!(text(&resumed).contains("resuming job"), "{}", text(&resumed));
        let (w_rows, t_rows) = stateful_output(&broker, &w, &t);
        assert_eq!(w_rows, windows, "windows after crashes at {step}");
        assert_eq!(t_rows, totals, "totals after crashes at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The stateful job at parallelism 2: barriers cross the exchanges to the keyed
/// operators, each subtask's sink commits its own transaction, and a crash at any step
/// of a checkpoint, resumed at parallelism 2, leaves read_committed readers exactly the
/// rows of a fault-free run at parallelism 1.
#[test]
fn at_parallelism_2_a_crash_at_any_step_keeps_windows_and_group_state_exactly_once() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    timed_input(&broker, "events", 0..6000);
    broker.create_topic("windows-ref", 1);
    broker.create_topic("totals-ref", 1);
    let dir = scratch("parallel-ref");
    let script = stateful_job(&dir, &broker, "windows-ref", "totals-ref", "pref");
    let clean = sluice(&script, None, &[]);
    assert!(clean.status.success(), "{}", text(&clean));
    let (windows, totals) = stateful_output(&broker, "windows-ref", "totals-ref");
    assert_eq!(windows.len(), 60, "{windows:?}");
    let _ = std::fs::remove_dir_all(&dir);
    for (n, step) in CRASH_STEPS.iter().enumerate() {
        let (w, t) = (format!("pwindows-{n}"), format!("ptotals-{n}"));
        broker.create_topic(&w, 1);
        broker.create_topic(&t, 1);
        let dir = scratch(&format!("parallel-{step}"));
        let script = stateful_job(&dir, &broker, &w, &t, &format!("p{n}"));
        let body = std::fs::read_to_string(&script).unwrap();
        std::fs::write(&script, format!("SET 'parallelism.default' = '2';\n{body}")).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@5")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 5")), "{}", text(&crashed));
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert!(text(&resumed).contains("at parallelism 2"), "{}", text(&resumed));
        let (w_rows, t_rows) = stateful_output(&broker, &w, &t);
        assert_eq!(w_rows, windows, "windows after a crash at {step}");
        assert_eq!(t_rows, totals, "totals after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The filter job at parallelism 2 (both subtasks read partitions, so both producers
/// write), crashed at any step of a checkpoint and resumed at parallelism 1: the
/// transaction the second subtask's producer left open is aborted by fencing its
/// transactional id, so `read_committed` readers see every row once and are not held
/// back until the broker's transaction timeout (which `committed_ids` would hit).
#[test]
fn a_crash_at_parallelism_2_resumed_at_1_aborts_what_the_removed_subtask_left_open() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    input(&broker, "events", 0..6000);
    for (n, step) in CRASH_STEPS.iter().enumerate() {
        let output = format!("narrowed-{n}");
        broker.create_topic(&output, 1);
        let dir = scratch(&format!("narrowed-{step}"));
        let script = job(&dir, &broker, "events", &output, &format!("narrow{n}"));
        let body = std::fs::read_to_string(&script).unwrap();
        std::fs::write(&script, format!("SET 'parallelism.default' = '2';\n{body}")).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@5")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 5")), "{}", text(&crashed));
        std::fs::write(&script, &body).unwrap();
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert!(text(&resumed).contains("at parallelism 2"), "{}", text(&resumed));
        assert_eq!(committed_ids(&broker, &output), expected(0..6000), "after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The filter job at parallelism 2 (both subtasks read partitions, so both producers
/// write), crashed right after the first of its two transactions of checkpoint 5
/// committed, then resumed at parallelism 2 and at 1. Two transactions cannot commit as
/// one; each subtask's sink saved its rows with the checkpoint, so the restarted job
/// commits what the crash left uncommitted (the removed subtask's too, through a writer
/// with its transactional id) and `read_committed` readers see every row once.
#[test]
fn a_crash_between_the_commits_of_two_subtasks_loses_and_repeats_nothing() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    input(&broker, "events", 0..6000);
    for resume_at in [2, 1] {
        let output = format!("between-{resume_at}");
        broker.create_topic(&output, 1);
        let dir = scratch(&format!("between-{resume_at}"));
        let script = job(&dir, &broker, "events", &output, &format!("between{resume_at}"));
        let body = std::fs::read_to_string(&script).unwrap();
        std::fs::write(&script, format!("SET 'parallelism.default' = '2';\n{body}")).unwrap();
        let crashed = sluice(&script, Some("between-commits@5"), &[]);
        assert!(text(&crashed).contains("crashing at between-commits of checkpoint 5"), "{}", text(&crashed));
        std::fs::write(&script, format!("SET 'parallelism.default' = '{resume_at}';\n{body}")).unwrap();
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        // Saved whole, the checkpoint counts as complete, and the commit the crash cut
        // off is completed.
        let log = text(&resumed);
        assert!(log.contains("from checkpoint 5 ") && log.contains("completed the commit of checkpoint 5"), "{log}");
        assert_eq!(committed_ids(&broker, &output), expected(0..6000), "resumed at parallelism {resume_at}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The filter job writing both a Kafka topic (exactly-once) and a PostgreSQL table, as
/// the IoT seed does, crashed after one of the two committed checkpoint 8 and before the
/// other did: the restarted job completes the other's commit from the rows saved with
/// the checkpoint, so the topic and the table each hold every row once.
#[test]
fn a_crash_between_the_kafka_and_the_postgresql_commit_loses_and_repeats_nothing() {
    let broker = KafkaBroker::start();
    let pg = sluice_testkit::Postgres::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept", 1);
    input(&broker, "events", 0..4000);
    pg.execute("DROP TABLE IF EXISTS kept; DROP TABLE IF EXISTS sluice_checkpoints; CREATE TABLE kept (id BIGINT, v INT)");
    let dir = scratch("two-outputs");
    let script = job(&dir, &broker, "events", "kept", "two-outputs");
    let sql = std::fs::read_to_string(&script).unwrap().replace(
        "INSERT INTO kept SELECT id, v FROM events WHERE v < 7;",
        &format!(
            "CREATE TABLE kept_pg (id BIGINT, v INT) WITH (
  'connector' = 'jdbc', 'url' = '{}', 'table-name' = 'kept', 'username' = 'postgres');
EXECUTE STATEMENT SET BEGIN
INSERT INTO kept SELECT id, v FROM events WHERE v < 7;
INSERT INTO kept_pg SELECT id, v FROM events WHERE v < 7;
END;",
            pg.url("postgres")
        ),
    );
    std::fs::write(&script, sql).unwrap();
    let crashed = sluice(&script, Some("between-commits@8"), &[]);
    assert!(text(&crashed).contains("crashing at between-commits of checkpoint 8"), "{}", text(&crashed));
    let resumed = sluice(&script, None, &[]);
    assert!(resumed.status.success(), "{}", text(&resumed));
    let log = text(&resumed);
    assert!(log.contains("from checkpoint 8 ") && log.contains("completed the commit of checkpoint 8"), "{log}");
    assert_eq!(committed_ids(&broker, "kept"), expected(0..4000), "the topic");
    assert_eq!(table_ids(&pg), expected(0..4000), "the table");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The files job at parallelism 2 over two input files (one per reader, so both
/// writers write part files), crashed at any step of a checkpoint and resumed at
/// parallelism 1: the one writer left finishes the second writer's pending files of
/// the checkpoint it resumes from and deletes its later ones, so every row is in a
/// visible part file exactly once.
#[test]
fn part_files_of_a_removed_subtask_are_finished_after_a_crash_at_parallelism_2_resumed_at_1() {
    for step in CRASH_STEPS {
        let dir = scratch(&format!("narrowed-files-{step}"));
        let data = dir.join("events");
        std::fs::create_dir_all(&data).unwrap();
        for (file, ids) in [("a.json", 0..1500), ("b.json", 1500..3000)] {
            let rows: String = ids.map(|i| format!("{{\"id\":{i},\"v\":{}}}\n", i % 10)).collect();
            std::fs::write(data.join(file), rows).unwrap();
        }
        let out = dir.join("out");
        let body = format!(
            "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '100';
CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE kept (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json',
  'sink.rolling-policy.file-size' = '2KB');
INSERT INTO kept SELECT id, v FROM events WHERE v < 7;
",
            dir.join("checkpoints").display(),
            data.display(),
            out.display()
        );
        let script = dir.join("job.sql");
        std::fs::write(&script, format!("SET 'parallelism.default' = '2';\n{body}")).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@6")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 6")), "{}", text(&crashed));
        let names: Vec<String> =
            std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        assert!(names.iter().any(|n| n.contains("-1-")), "the second writer wrote no part file: {names:?}");
        std::fs::write(&script, &body).unwrap();
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert!(text(&resumed).contains("at parallelism 2"), "{}", text(&resumed));
        let mut ids = BTreeMap::new();
        for entry in std::fs::read_dir(&out).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.starts_with('.'), "a part file left unfinished after a crash at {step}: {name}");
            for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                *ids.entry(row["id"].as_i64().unwrap()).or_default() += 1;
            }
        }
        assert_eq!(ids, expected(0..3000), "after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A counting job over a file of `{"id": i, "v": i % 10}` rows, in batches of 100.
fn counting_job(dir: &Path, filter: &str, key: &str) -> PathBuf {
    let data = dir.join("events.json");
    if !data.exists() {
        let rows: String = (0..3000).map(|i| format!("{{\"id\":{i},\"v\":{}}}\n", i % 10)).collect();
        std::fs::write(&data, rows).unwrap();
    }
    let sql = format!(
        "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '100';
CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE counts (k INT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO counts SELECT {key}, COUNT(*) FROM events WHERE v < {filter} GROUP BY {key};
",
        dir.join("checkpoints").display(),
        data.display()
    );
    let path = dir.join("job.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

fn stop_after(script: &Path, checkpoint: u64) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.arg("run").arg(script).env_remove("SLUICE_CHECKPOINT_CRASH").env("SLUICE_CHECKPOINT_STOP", checkpoint.to_string());
    command.output().expect("run the sluice binary")
}

#[test]
fn a_savepoint_keeps_state_across_a_changed_filter_and_refuses_a_changed_group_key() {
    let dir = scratch("upgrade");
    let first = stop_after(&counting_job(&dir, "7", "v"), 5);
    assert!(text(&first).contains("stopped with checkpoint"), "{}", text(&first));
    let before = final_counts(&String::from_utf8_lossy(&first.stdout));
    assert!(!before.is_empty() && before.values().all(|n| *n < 300), "{before:?}");

    // A changed GROUP BY key: the saved counts mean something else. Refused, saying what.
    let regrouped = sluice(&counting_job(&dir, "7", "CAST(id % 3 AS INT)"), None, &[]);
    let log = text(&regrouped);
    assert!(!regrouped.status.success(), "{log}");
    assert!(log.contains("the query changed in a way its state cannot follow") && log.contains("GroupAggregate"), "{log}");
    assert!(log.contains("GROUP BY [\"v\"]"), "{log}");

    // A changed filter constant: the counts go on from the savepoint.
    let resumed = sluice(&counting_job(&dir, "8", "v"), None, &[]);
    assert!(resumed.status.success() && text(&resumed).contains("resuming job"), "{}", text(&resumed));
    let after = final_counts(&String::from_utf8_lossy(&resumed.stdout));
    for v in 0..7 {
        assert_eq!(after[&v], 300, "key {v} lost or repeated rows across the savepoint: {after:?}");
    }
    // Key 7 passes the new filter only for the rows read after the savepoint.
    assert!(after[&7] > 0 && after[&7] < 300, "{after:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_job_saved_at_parallelism_2_resumes_at_4_but_not_with_another_max_parallelism() {
    let dir = scratch("rescale");
    let script = counting_job(&dir, "10", "v");
    let body = std::fs::read_to_string(&script).unwrap();
    let at = |settings: &str| {
        std::fs::write(&script, format!("{settings}\n{body}")).unwrap();
        script.clone()
    };
    let first = stop_after(&at("SET 'parallelism.default' = '2';"), 3);
    assert!(text(&first).contains("stopped with checkpoint"), "{}", text(&first));
    let before = final_counts(&String::from_utf8_lossy(&first.stdout));
    assert!(!before.is_empty() && before.values().all(|n| *n < 300), "{before:?}");
    // Keyed state is split into key groups: another number of them cannot take it.
    let refused = sluice(&at("SET 'parallelism.default' = '4'; SET 'pipeline.max-parallelism' = '64';"), None, &[]);
    let log = text(&refused);
    assert!(!refused.status.success(), "{log}");
    assert!(log.contains("'pipeline.max-parallelism' = '128'") && log.contains("taken with"), "{log}");
    let resumed = sluice(&at("SET 'parallelism.default' = '4';"), None, &[]);
    let log = text(&resumed);
    assert!(resumed.status.success() && log.contains("at parallelism 2"), "{log}");
    let after = final_counts(&String::from_utf8_lossy(&resumed.stdout));
    assert_eq!(after, (0..10).map(|v| (v, 300)).collect::<BTreeMap<i64, i64>>(), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn log_events_are_json_lines_with_log_format_json_and_rust_log_filters_them() {
    let dir = scratch("log-format");
    let first = stop_after(&counting_job(&dir, "7", "v"), 3);
    assert!(first.status.success(), "{}", text(&first));
    let run = |log_format: &str, rust_log: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
        command.args(["run", "--quiet", "--log-format", log_format]).arg(dir.join("job.sql"));
        command.env_remove("SLUICE_CHECKPOINT_CRASH").env_remove("SLUICE_CHECKPOINT_STOP").env("RUST_LOG", rust_log);
        command.output().expect("run the sluice binary")
    };
    // The resumed run logs where it resumed, as one JSON object on a line of its own.
    let resumed = run("json", "info");
    assert!(resumed.status.success(), "{}", text(&resumed));
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    let event = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["message"].as_str().is_some_and(|m| m.starts_with("resuming job")))
        .unwrap_or_else(|| panic!("no JSON event for the resumption in:\n{stderr}"));
    assert_eq!(event["level"], "INFO", "{event}");
    assert_eq!(event["target"], "sluice::checkpoint", "{event}");
    assert!(event["timestamp"].is_string(), "{event}");
    // RUST_LOG=warn leaves out information.
    let quiet = run("text", "warn");
    assert!(quiet.status.success() && !text(&quiet).contains("resuming job"), "{}", text(&quiet));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Lines of every kind of malformed record, and how many of each a test writes.
fn malformed(i: usize) -> Vec<u8> {
    match i % 5 {
        0 => format!("{{\"id\":{i},\"v\":").into_bytes(),
        1 => format!("{{\"id\":\"x{i}\",\"v\":1}}").into_bytes(),
        2 => vec![b'{', 0xff, 0xfe, b'}'],
        3 => format!("[{i}]").into_bytes(),
        _ => format!("{{\"id\":{i},\"v\":\"seven\"}}").into_bytes(),
    }
}

/// A job reading JSON from `input` (a file or a folder) into a blackhole with a
/// checkpoint after every poll of `batch` rows, its malformed records to the dead-letter
/// folder `dead`.
fn dead_letter_job(dir: &Path, input: &Path, dead: &Path, batch: usize) -> String {
    format!(
        "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '{batch}';
CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json',
  'sluice.dead-letter' = 'file://{}');
CREATE TABLE kept (n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO kept SELECT id FROM events;
",
        dir.join("checkpoints").display(),
        input.display(),
        dead.display()
    )
}

/// How often each position is in the dead-letter files of `dead`, which must all be
/// final, each record with its reason and raw bytes. `when` goes into failure messages.
fn dead_letter_positions(dead: &Path, when: &str) -> BTreeMap<String, u64> {
    let mut positions = BTreeMap::new();
    for entry in std::fs::read_dir(dead).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".jsonl"), "a dead-letter file left unfinished{when}: {name}");
        for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(record["reason"].as_str().is_some_and(|r| !r.is_empty()), "{line:.200}");
            assert!(record.get("value").is_some() || record.get("value_base64").is_some(), "{line:.200}");
            *positions.entry(record["position"].as_str().unwrap().to_string()).or_insert(0) += 1;
        }
    }
    positions
}

#[test]
fn a_million_malformed_records_go_to_the_dead_letters_exactly_once_across_a_crash() {
    let dir = scratch("dead-letters");
    let data = dir.join("events.json");
    // 1,000,000 malformed records among 200,000 good ones, a 10 MB line and empty lines.
    let mut file = std::io::BufWriter::new(std::fs::File::create(&data).unwrap());
    let (mut good, mut bad, mut blank) = (0u64, 0u64, 0u64);
    for i in 0..1_200_000usize {
        use std::io::Write;
        if i % 6 == 0 {
            writeln!(file, "{{\"id\":{i},\"v\":{}}}", i % 10).unwrap();
            good += 1;
        } else {
            file.write_all(&malformed(i)).unwrap();
            file.write_all(b"\n").unwrap();
            bad += 1;
        }
        if i % 100_000 == 1 {
            file.write_all(b"\n\n").unwrap();
            blank += 2;
        }
        if i == 600_001 {
            let mut huge = b"{\"id\":".to_vec();
            huge.resize(10 << 20, b'9');
            file.write_all(&huge).unwrap();
            file.write_all(b"\n").unwrap();
            bad += 1;
        }
    }
    drop(file);
    assert!(blank > 0);
    let dead = dir.join("dead");
    let script = dir.join("job.sql");
    std::fs::write(&script, dead_letter_job(&dir, &data, &dead, 5000)).unwrap();
    // A crash after a checkpoint is saved but before it is committed: the dead letters
    // of that checkpoint are dropped on restart and sent again from the re-read records.
    let crashed = sluice(&script, Some("after-save@5"), &[]);
    assert!(text(&crashed).contains("crashing at after-save of checkpoint 5"), "{}", text(&crashed));
    let resumed = sluice(&script, None, &[]);
    let log = text(&resumed);
    assert!(resumed.status.success(), "{log}");
    assert!(log.contains("malformed records to its dead letters"), "{log}");
    // Every malformed record is in the dead letters once, with its position and reason.
    let positions = dead_letter_positions(&dead, "");
    assert_eq!(positions.values().sum::<u64>(), bad, "dead letters written");
    assert_eq!(positions.len() as u64, bad, "each malformed record once");
    // The good rows are all read, over the two runs: the first up to its last completed
    // checkpoint, the second the rest.
    let read = |log: &str| -> u64 {
        log.lines()
            .filter_map(|l| l.split(" rows read").next()?.rsplit(": ").next()?.replace(',', "").parse().ok())
            .last()
            .unwrap_or(0)
    };
    assert!(read(&log) > 0 && read(&log) <= good, "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Dead letters of a job at parallelism 2 reading two files (one per reader, each with
/// its own dead-letter files), crashed at a step of a checkpoint and resumed at
/// parallelism 1: the one reader left settles the files of the two instances the run
/// before had, so every malformed record ends in a final file once.
#[test]
fn dead_letters_of_a_job_resumed_at_another_parallelism_hold_each_record_once() {
    for step in ["after-save", "after-complete"] {
        let dir = scratch(&format!("dead-rescaled-{step}"));
        let mut bad = 0u64;
        for f in 0..2 {
            let mut lines = String::new();
            for i in 0..3000usize {
                if i % 3 == 0 {
                    lines.push_str(&String::from_utf8_lossy(&malformed(i)));
                    bad += 1;
                } else {
                    lines.push_str(&format!("{{\"id\":{},\"v\":1}}", f * 10_000 + i));
                }
                lines.push('\n');
            }
            std::fs::create_dir_all(dir.join("in")).unwrap();
            std::fs::write(dir.join("in").join(format!("part-{f}.json")), lines).unwrap();
        }
        let dead = dir.join("dead");
        let body = dead_letter_job(&dir, &dir.join("in"), &dead, 100);
        let script = dir.join("job.sql");
        std::fs::write(&script, format!("SET 'parallelism.default' = '2';\n{body}")).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@6")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 6")), "{}", text(&crashed));
        std::fs::write(&script, &body).unwrap();
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        assert!(text(&resumed).contains("at parallelism 2"), "{}", text(&resumed));
        let positions = dead_letter_positions(&dead, &format!(" after a crash at {step}"));
        assert_eq!(positions.len() as u64, bad, "after a crash at {step}");
        assert!(positions.values().all(|n| *n == 1), "a record twice after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_restart_strategy_runs_a_failed_job_again_from_its_last_checkpoint() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    input(&broker, "events", 0..4000);
    for (n, (strategy, step)) in [
        ("SET 'restart-strategy.type' = 'fixed-delay';\nSET 'restart-strategy.fixed-delay.delay' = '100 ms';\n", "after-save"),
        ("SET 'restart-strategy.type' = 'exponential-delay';\nSET 'restart-strategy.exponential-delay.initial-backoff' = '50 ms';\n", "after-commit"),
        ("", "before-snapshot"),
    ]
    .iter()
    .enumerate()
    {
        let output = format!("restarted-{n}");
        broker.create_topic(&output, 1);
        let dir = scratch(&format!("restart-{n}"));
        let script = job(&dir, &broker, "events", &output, &output);
        let sql = std::fs::read_to_string(&script).unwrap();
        std::fs::write(&script, format!("{strategy}{sql}")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
        command.arg("run").arg(&script).env_remove("SLUICE_CHECKPOINT_CRASH").env("SLUICE_CHECKPOINT_FAIL", format!("{step}@4"));
        let out = command.output().unwrap();
        let log = text(&out);
        if strategy.is_empty() {
            // No strategy: the failure ends the run, as before.
            assert!(!out.status.success() && log.contains("test hook: failing at"), "{log}");
            continue;
        }
        assert!(out.status.success(), "{log}");
        assert!(log.contains("restarting from its last checkpoint") && log.contains("resuming job"), "{log}");
        assert_eq!(committed_ids(&broker, &output), expected(0..4000), "after a failure at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A job started from `execution.state-recovery.path` that fails and restarts goes on
/// from its own latest checkpoint, as Flink's failover does, not from that path again
/// (which re-read and re-wrote everything since it, seen through the job service).
#[test]
fn a_job_started_from_a_savepoint_restarts_from_its_own_latest_checkpoint() {
    let dir = scratch("recovered-restart");
    let script = counting_job(&dir, "7", "v");
    let first = stop_after(&script, 3);
    let log = text(&first);
    // "stopped with checkpoint N in FOLDER: ..."
    let (id, store) = log
        .lines()
        .find_map(|l| l.split("stopped with checkpoint ").nth(1))
        .and_then(|rest| rest.split_once(" in "))
        .map(|(id, rest)| (id.to_string(), rest.split(':').next().unwrap_or("").to_string()))
        .unwrap_or_else(|| panic!("no stop at a checkpoint: {log}"));
    let path = Path::new(&store).join(format!("chk-{id}"));
    let sql = std::fs::read_to_string(&script).unwrap().replace(&dir.join("checkpoints").display().to_string(), &dir.join("elsewhere").display().to_string());
    let other = dir.join("other.sql");
    std::fs::write(
        &other,
        format!(
            "SET 'execution.state-recovery.path' = '{}';\nSET 'restart-strategy.type' = 'fixed-delay';\n\
             SET 'restart-strategy.fixed-delay.delay' = '10 ms';\n{sql}",
            path.display()
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.arg("run").arg(&other).env_remove("SLUICE_CHECKPOINT_STOP").env("SLUICE_CHECKPOINT_FAIL", "after-commit@6");
    let out = command.output().unwrap();
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    let resumed: Vec<&str> = log.lines().filter(|l| l.contains("resuming job")).collect();
    assert_eq!(resumed.len(), 2, "{log}");
    assert!(resumed[0].contains(&format!("from checkpoint {id} ")) && resumed[0].contains(&format!("chk-{id}")), "{log}");
    assert!(resumed[1].contains(&dir.join("elsewhere").display().to_string()), "the restart went back to the savepoint: {log}");
    let counts = final_counts(&String::from_utf8_lossy(&out.stdout));
    assert!((0..7).all(|v| counts[&v] == 300), "{counts:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_stops_with_a_savepoint_that_another_checkpoint_folder_resumes_from() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept", 1);
    input(&broker, "events", 0..2000);
    let dir = scratch("savepoint");
    let script = unbounded_job(&dir, &broker, "kept", "kept-savepoint");
    let savepoints = dir.join("savepoints");
    let sql = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("SET 'execution.checkpointing.savepoint-dir' = 'file://{}';\n{sql}", savepoints.display())).unwrap();
    let mut first = Background::start(&script);
    first.wait_for("rows read");
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(first.child.id() as libc::pid_t, libc::SIGTERM) };
    let (ok, log) = first.finish();
    assert!(ok, "{log}");
    let line = log.lines().find(|l| l.contains("savepoint written to")).unwrap_or_else(|| panic!("no savepoint: {log}"));
    let path = line.split("savepoint written to ").nth(1).and_then(|s| s.split(':').next()).unwrap().to_string();
    assert!(Path::new(&path).join("_metadata").exists(), "{path}");
    // A copy of the job with other checkpoints resumes from the savepoint.
    input(&broker, "events", 2000..2600);
    let other = dir.join("other.sql");
    let sql = std::fs::read_to_string(&script)
        .unwrap()
        .replace(&dir.join("checkpoints").display().to_string(), &dir.join("elsewhere").display().to_string());
    std::fs::write(&other, format!("SET 'execution.state-recovery.path' = '{path}';\n{sql}")).unwrap();
    let mut second = Background::start(&other);
    second.wait_for("resuming job");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while committed_ids(&broker, "kept").len() < expected(0..2600).len() {
        assert!(std::time::Instant::now() < deadline, "the job resumed from the savepoint did not write the new rows");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (ok, log) = second.interrupt();
    assert!(ok, "{log}");
    assert_eq!(committed_ids(&broker, "kept"), expected(0..2600));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn part_files_hold_each_row_once_after_a_crash_at_any_step() {
    for step in CRASH_STEPS {
        let dir = scratch(&format!("files-{step}"));
        let data = dir.join("events.json");
        let rows: String = (0..3000).map(|i| format!("{{\"id\":{i},\"v\":{}}}\n", i % 10)).collect();
        std::fs::write(&data, rows).unwrap();
        let out = dir.join("out");
        let sql = format!(
            "SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = 'file://{}';
SET 'sluice.exec.batch-size' = '100';
CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE kept (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json',
  'sink.rolling-policy.file-size' = '2KB');
INSERT INTO kept SELECT id, v FROM events WHERE v < 7;
",
            dir.join("checkpoints").display(),
            data.display(),
            out.display()
        );
        let script = dir.join("job.sql");
        std::fs::write(&script, sql).unwrap();
        let crashed = sluice(&script, Some(&format!("{step}@6")), &[]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 6")), "{}", text(&crashed));
        let resumed = sluice(&script, None, &[]);
        assert!(resumed.status.success(), "{}", text(&resumed));
        let mut ids = BTreeMap::new();
        for entry in std::fs::read_dir(&out).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!name.starts_with('.'), "a part file left unfinished after a crash at {step}: {name}");
            for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
                let row: serde_json::Value = serde_json::from_str(line).unwrap();
                *ids.entry(row["id"].as_i64().unwrap()).or_default() += 1;
            }
        }
        assert_eq!(ids, expected(0..3000), "after a crash at {step}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_jdbc_scan_resumes_after_the_rows_of_its_checkpoint() {
    let broker = KafkaBroker::start();
    let pg = sluice_testkit::Postgres::start();
    pg.execute("CREATE TABLE events (id BIGINT, v INT); INSERT INTO events SELECT i, i % 10 FROM generate_series(0, 2999) AS i");
    broker.create_topic("kept", 1);
    let dir = scratch("jdbc-scan");
    let script = job(&dir, &broker, "unused", "kept", "kept-jdbc-scan");
    let sql = std::fs::read_to_string(&script).unwrap().replace(
        &format!(
            "'connector' = 'kafka', 'topic' = 'unused', 'properties.bootstrap.servers' = '{}',\n  \
             'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json'",
            broker.bootstrap()
        ),
        &format!("'connector' = 'jdbc', 'url' = '{}', 'table-name' = 'events', 'username' = 'postgres'", pg.url("postgres")),
    );
    assert!(sql.contains("'jdbc'"), "{sql}");
    std::fs::write(&script, sql).unwrap();
    let crashed = sluice(&script, Some("after-save@4"), &[]);
    assert!(text(&crashed).contains("crashing at after-save of checkpoint 4"), "{}", text(&crashed));
    let resumed = sluice(&script, None, &[]);
    assert!(resumed.status.success() && text(&resumed).contains("resuming job"), "{}", text(&resumed));
    assert_eq!(committed_ids(&broker, "kept"), expected(0..3000));
    let _ = std::fs::remove_dir_all(&dir);
}
