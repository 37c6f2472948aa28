//! Seed pipelines over a real Apache Kafka broker, run as a user runs them:
//! `sluice gen` fills a topic, `sluice run` executes the Flink SQL script, and the
//! output topic is read back with an independent rdkafka consumer.
//!
//! - the IoT filter, topic to topic, checked row by row against the generated data;
//! - a tumbling window over a topic whose partitions are far apart in event time: with
//!   per-partition watermarks no row is late;
//! - a GROUP BY into `upsert-kafka`, read back by key, and the same topic read as an
//!   upsert source through ChangelogNormalize;
//! - consumer-group offsets: a second run reads only what arrived since the first;
//! - a malformed message fails the job with its topic, partition and offset, or is
//!   skipped and counted under `value.json.ignore-parse-errors`;
//! - a partition without rows stops holding the watermark back after
//!   `scan.watermark.idle-timeout`, and the idle job stops cleanly on Ctrl-C;
//! - a broker outage is logged and survived: after a restart the source reads on from
//!   where it was; after a restart that lost the broker's storage it resets its
//!   position as `auto.offset.reset` says.
//! - a bounded job reads every message that a batching producer (`sluice gen --rate 0`)
//!   wrote over three partitions.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;
use sluice_testkit::KafkaBroker;

mod common;

use common::kafka::{produce, read_topic};

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice")).args(args).output().expect("run the sluice binary")
}

/// Runs `sluice run` on `sql` and returns (success, stdout, stderr).
fn run_script(name: &str, sql: &str) -> (bool, String, String) {
    let dir = std::env::temp_dir().join(format!("sluice-kafka-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script: PathBuf = dir.join("job.sql");
    std::fs::write(&script, sql).unwrap();
    let out = sluice(&["run", script.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn gen_metrics(broker: &KafkaBroker, topic: &str, count: usize) -> Vec<Value> {
    let count = count.to_string();
    let args = ["gen", "metric", "--count", &count, "--rate", "0", "--quiet", "--seed", "7"];
    let kafka = ["--topic", topic, "--bootstrap-servers", &broker.bootstrap()];
    let out = sluice(&[&args[..], &kafka[..]].concat());
    assert!(out.status.success(), "sluice gen failed: {}", String::from_utf8_lossy(&out.stderr));
    let dry = sluice(&[&args[..], &["--dry-run"]].concat());
    assert!(dry.status.success());
    String::from_utf8(dry.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn iot_source(broker: &KafkaBroker, topic: &str, extra: &str) -> String {
    format!(
        "CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE, occurred_at BIGINT) WITH (
            'connector' = 'kafka', 'topic' = '{topic}',
            'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
            'value.format' = 'json'{extra});\n",
        broker.bootstrap()
    )
}

#[test]
fn iot_filter_from_topic_to_topic() {
    let broker = KafkaBroker::start();
    broker.create_topic("iot-data-input", 3);
    broker.create_topic("iot-filtered-alert", 1);
    let records = gen_metrics(&broker, "iot-data-input", 3000);
    let sql = iot_source(&broker, "iot-data-input", "")
        + &format!(
            "CREATE TABLE alerts (hostname STRING, cpu STRING, usage DOUBLE, occurred_at BIGINT) WITH (
                'connector' = 'kafka', 'topic' = 'iot-filtered-alert',
                'properties.bootstrap.servers' = '{}', 'format' = 'json');
             INSERT INTO alerts SELECT * FROM iot_in WHERE usage > 90;\n",
            broker.bootstrap()
        );
    let (ok, _, stderr) = run_script("filter", &sql);
    assert!(ok, "{stderr}");

    let mut expected: Vec<String> = records
        .iter()
        .filter(|r| r["usage"].as_f64().unwrap() > 90.0)
        .map(|r| format!("{}|{}|{}|{}", r["hostname"], r["cpu"], r["usage"], r["occurred_at"]))
        .collect();
    let mut actual: Vec<String> = read_topic(&broker, "iot-filtered-alert", 1)
        .into_iter()
        .map(|(_, _, v)| {
            let r: Value = serde_json::from_str(&v.expect("a value")).unwrap();
            format!("{}|{}|{}|{}", r["hostname"], r["cpu"], r["usage"], r["occurred_at"])
        })
        .collect();
    expected.sort();
    actual.sort();
    assert!(!expected.is_empty());
    assert_eq!(actual, expected);
}

#[test]
fn partitions_far_apart_in_event_time_lose_no_rows() {
    let broker = KafkaBroker::start();
    broker.create_topic("skewed", 2);
    // Partition 0 runs a minute ahead of partition 1, and all of it is written first. A
    // single watermark over both would make every row of partition 1 late.
    let mut messages = Vec::new();
    for i in 0..60 {
        messages.push((0, format!(r#"{{"hostname":"doc","cpu":"cpu1","usage":1.0,"occurred_at":{}}}"#, 1_633_000_060_000i64 + i * 1000)));
    }
    for i in 0..60 {
        messages.push((1, format!(r#"{{"hostname":"doc","cpu":"cpu1","usage":1.0,"occurred_at":{}}}"#, 1_633_000_000_000i64 + i * 1000)));
    }
    let refs: Vec<(i32, &str)> = messages.iter().map(|(p, m)| (*p, m.as_str())).collect();
    produce(&broker, "skewed", &refs[..60]);
    produce(&broker, "skewed", &refs[60..]);
    let sql = format!(
        "CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE, occurred_at BIGINT,
            ts AS TO_TIMESTAMP_LTZ(occurred_at, 3), WATERMARK FOR ts AS ts) WITH (
            'connector' = 'kafka', 'topic' = 'skewed', 'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
            'value.format' = 'json');
         SET 'table.local-time-zone' = 'UTC';
         CREATE TABLE out_t (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(ts), INTERVAL '30' SECOND))
           GROUP BY window_start, window_end;\n",
        broker.bootstrap()
    );
    let (ok, stdout, stderr) = run_script("skewed", &sql);
    assert!(ok, "{stderr}");
    let mut rows: Vec<&str> = stdout.lines().collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            "+I[2021-09-30T11:06:30, 20]",
            "+I[2021-09-30T11:07, 30]",
            "+I[2021-09-30T11:07:30, 30]",
            "+I[2021-09-30T11:08, 30]",
            "+I[2021-09-30T11:08:30, 10]",
        ],
        "{stderr}"
    );
    assert!(!stderr.contains("late"), "no row may be dropped as late: {stderr}");
}

#[test]
fn group_by_into_upsert_kafka_and_back() {
    let broker = KafkaBroker::start();
    broker.create_topic("metrics", 2);
    broker.create_topic("host_counts", 1);
    let records = gen_metrics(&broker, "metrics", 500);
    let sql = iot_source(&broker, "metrics", "")
        + &format!(
            "CREATE TABLE host_counts (hostname STRING, n BIGINT, PRIMARY KEY (hostname) NOT ENFORCED) WITH (
                'connector' = 'upsert-kafka', 'topic' = 'host_counts',
                'properties.bootstrap.servers' = '{}', 'key.format' = 'json', 'value.format' = 'json');
             INSERT INTO host_counts SELECT hostname, COUNT(*) FROM iot_in GROUP BY hostname;\n",
            broker.bootstrap()
        );
    let (ok, _, stderr) = run_script("upsert", &sql);
    assert!(ok, "{stderr}");

    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for r in &records {
        *expected.entry(r["hostname"].as_str().unwrap().to_string()).or_default() += 1;
    }
    // The last value per key is the final count; keys are the primary key as JSON.
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for (_, key, value) in read_topic(&broker, "host_counts", 1) {
        let key: Value = serde_json::from_str(&key.expect("a key")).unwrap();
        let value: Value = serde_json::from_str(&value.expect("no deletes here")).unwrap();
        assert_eq!(key["hostname"], value["hostname"]);
        last.insert(key["hostname"].as_str().unwrap().to_string(), value["n"].as_i64().unwrap());
    }
    assert_eq!(last, expected);

    // Read back as an upsert source: ChangelogNormalize makes a changelog whose final
    // state is the same counts.
    let sql = format!(
        "CREATE TABLE host_counts (hostname STRING, n BIGINT, PRIMARY KEY (hostname) NOT ENFORCED) WITH (
            'connector' = 'upsert-kafka', 'topic' = 'host_counts',
            'properties.bootstrap.servers' = '{}', 'key.format' = 'json', 'value.format' = 'json',
            'scan.bounded.mode' = 'latest-offset');
         CREATE TABLE out_t (hostname STRING, n BIGINT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT * FROM host_counts;\n",
        broker.bootstrap()
    );
    let (ok, stdout, stderr) = run_script("upsert-source", &sql);
    assert!(ok, "{stderr}");
    let mut state: BTreeMap<String, i64> = BTreeMap::new();
    let mut inserts = 0;
    for line in stdout.lines() {
        let (kind, rest) = line.split_at(2);
        let inner = rest.trim_start_matches('[').trim_end_matches(']');
        let (host, n) = inner.split_once(", ").unwrap();
        match kind {
            "+I" => {
                inserts += 1;
                assert!(state.insert(host.to_string(), n.parse().unwrap()).is_none(), "second +I for {host}");
            }
            "-U" => assert_eq!(state.remove(host), Some(n.parse().unwrap()), "{line}"),
            "+U" => assert!(state.insert(host.to_string(), n.parse().unwrap()).is_none(), "+U without -U: {line}"),
            other => panic!("unexpected change {other}: {line}"),
        }
    }
    assert_eq!(inserts, expected.len());
    assert_eq!(state, expected);
}

#[test]
fn group_offsets_resume_where_the_last_run_ended() {
    let broker = KafkaBroker::start();
    broker.create_topic("orders", 2);
    let first: Vec<String> = (0..10).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    produce(&broker, "orders", &first.iter().map(|m| (0, m.as_str())).collect::<Vec<_>>());
    let sql = format!(
        "CREATE TABLE orders (id INT) WITH (
            'connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '{}',
            'properties.group.id' = 'sluice-job', 'properties.auto.offset.reset' = 'earliest',
            'scan.startup.mode' = 'group-offsets', 'scan.bounded.mode' = 'latest-offset',
            'format' = 'json');
         CREATE TABLE out_t (id INT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT id FROM orders;\n",
        broker.bootstrap()
    );
    let (ok, stdout, stderr) = run_script("offsets1", &sql);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 10, "{stdout}");

    let second: Vec<String> = (10..15).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    produce(&broker, "orders", &second.iter().map(|m| (1, m.as_str())).collect::<Vec<_>>());
    let (ok, stdout, stderr) = run_script("offsets2", &sql);
    assert!(ok, "{stderr}");
    let mut ids: Vec<&str> = stdout.lines().collect();
    ids.sort();
    assert_eq!(ids, ["+I[10]", "+I[11]", "+I[12]", "+I[13]", "+I[14]"]);
}

#[test]
fn a_malformed_message_fails_the_job_or_is_counted() {
    let broker = KafkaBroker::start();
    broker.create_topic("dirty", 1);
    produce(&broker, "dirty", &[(0, r#"{"id":1}"#), (0, "{not json"), (0, r#"{"id":3}"#)]);
    let script = |extra: &str| {
        format!(
            "CREATE TABLE dirty (id INT) WITH (
                'connector' = 'kafka', 'topic' = 'dirty', 'properties.bootstrap.servers' = '{}',
                'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
                'value.format' = 'json'{extra});
             CREATE TABLE out_t (id INT) WITH ('connector' = 'print');
             INSERT INTO out_t SELECT id FROM dirty;\n",
            broker.bootstrap()
        )
    };
    let (ok, _, stderr) = run_script("dirty-fail", &script(""));
    assert!(!ok);
    assert!(stderr.contains("topic dirty partition 0 offset 1"), "{stderr}");

    let (ok, stdout, stderr) = run_script("dirty-skip", &script(", 'value.json.ignore-parse-errors' = 'true'"));
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), ["+I[1]", "+I[3]"]);
    assert!(stderr.contains("skipped 1"), "the summary must count the skipped message: {stderr}");
}

/// A running `sluice run` job with its output lines arriving on channels.
struct Job {
    child: std::process::Child,
    stdout: std::sync::mpsc::Receiver<String>,
    stderr: std::sync::mpsc::Receiver<String>,
    _dir: tempdir::Dir,
}

mod tempdir {
    /// A scratch folder removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Job {
    fn start(name: &str, sql: &str) -> Job {
        use std::io::BufRead;
        let dir = std::env::temp_dir().join(format!("sluice-kafka-job-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("job.sql");
        std::fs::write(&script, sql).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .arg("run")
            .arg(&script)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start sluice");
        let lines = |r: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(r).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().unwrap()));
        let stderr = lines(Box::new(child.stderr.take().unwrap()));
        Job { child, stdout, stderr, _dir: tempdir::Dir(dir) }
    }

    /// The next line on `stream` that contains `needle`, waiting up to a minute (a
    /// guard against hanging, not a measured duration).
    fn wait_for(stream: &std::sync::mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match stream.recv_timeout(left) {
                Ok(line) => {
                    seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!("no line containing {needle:?} ({e}); seen so far:\n{}", seen.join("\n")),
            }
        }
    }

    /// Ctrl-C, then the exit status must be a clean stop.
    fn interrupt(mut self) -> String {
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) }, 0);
        let status = self.child.wait().expect("wait");
        let rest: Vec<String> = self.stderr.iter().collect();
        assert!(status.success(), "exit {status}: {}", rest.join("\n"));
        rest.join("\n")
    }
}

#[test]
fn an_idle_partition_stops_holding_back_the_watermark() {
    let broker = KafkaBroker::start();
    broker.create_topic("half_empty", 2);
    let sql = format!(
        "CREATE TABLE iot_in (hostname STRING, occurred_at BIGINT,
            ts AS TO_TIMESTAMP_LTZ(occurred_at, 3), WATERMARK FOR ts AS ts) WITH (
            'connector' = 'kafka', 'topic' = 'half_empty', 'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'value.format' = 'json',
            'scan.watermark.idle-timeout' = '100 ms');
         SET 'table.local-time-zone' = 'UTC';
         CREATE TABLE out_t (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(ts), INTERVAL '30' SECOND))
           GROUP BY window_start, window_end;\n",
        broker.bootstrap()
    );
    let job = Job::start("idle", &sql);
    let mut seen = Vec::new();
    Job::wait_for(&job.stderr, "started", &mut seen);
    // Partition 1 never gets a row. Once it has been silent for the idle timeout, the
    // watermark follows partition 0 alone and the first window fires while the job runs.
    std::thread::sleep(Duration::from_millis(500));
    let rows: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"hostname":"doc","occurred_at":{}}}"#, 1_633_000_020_000i64 + i * 1000))
        .collect();
    produce(&broker, "half_empty", &rows.iter().map(|r| (0, r.as_str())).collect::<Vec<_>>());
    let first = Job::wait_for(&job.stdout, "+I[", &mut seen);
    assert_eq!(first, "+I[2021-09-30T11:07, 30]");
    job.interrupt();
}

fn flaky_job(broker: &KafkaBroker) -> String {
    format!(
        "CREATE TABLE flaky (id INT) WITH (
            'connector' = 'kafka', 'topic' = 'flaky', 'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
         CREATE TABLE out_t (id INT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT id FROM flaky;\n",
        broker.bootstrap()
    )
}

#[test]
fn a_broker_outage_is_logged_and_survived() {
    let mut broker = KafkaBroker::start();
    broker.create_topic("flaky", 1);
    produce(&broker, "flaky", &[(0, r#"{"id":1}"#)]);
    let job = Job::start("outage", &flaky_job(&broker));
    let mut seen = Vec::new();
    assert_eq!(Job::wait_for(&job.stdout, "+I[", &mut seen), "+I[1]");
    broker.stop();
    Job::wait_for(&job.stderr, "[sluice] kafka: cannot reach", &mut seen);
    broker.resume();
    Job::wait_for(&job.stderr, "reachable again", &mut seen);
    // The broker kept its data: the source reads on from offset 1, nothing again.
    produce(&broker, "flaky", &[(0, r#"{"id":2}"#)]);
    assert_eq!(Job::wait_for(&job.stdout, "+I[", &mut seen), "+I[2]");
    let rest = job.interrupt();
    assert!(rest.contains("stopped"), "{rest}");
    assert!(!rest.contains("reading on from"), "{rest}");
}

#[test]
fn a_broker_that_lost_its_storage_resets_the_position_as_auto_offset_reset_says() {
    let mut broker = KafkaBroker::start();
    broker.create_topic("flaky", 1);
    produce(&broker, "flaky", &[(0, r#"{"id":1}"#)]);
    let job = Job::start("storage-lost", &flaky_job(&broker));
    let mut seen = Vec::new();
    assert_eq!(Job::wait_for(&job.stdout, "+I[", &mut seen), "+I[1]");
    broker.stop();
    Job::wait_for(&job.stderr, "[sluice] kafka: cannot reach", &mut seen);
    // The broker comes back empty. Once the topic is there again, the source's position
    // (offset 1) lies past its end, and it resets to the earliest offset, as Flink's
    // `auto.offset.reset` for `earliest-offset` says, logging why.
    broker.resume_empty();
    broker.create_topic("flaky", 1);
    Job::wait_for(&job.stderr, "reachable again", &mut seen);
    let reset = Job::wait_for(&job.stderr, "reading on from the earliest offset", &mut seen);
    assert!(reset.contains("partition 0 of topic \"flaky\" was at offset 1"), "{reset}");
    produce(&broker, "flaky", &[(0, r#"{"id":2}"#)]);
    assert_eq!(Job::wait_for(&job.stdout, "+I[", &mut seen), "+I[2]");
    let rest = job.interrupt();
    assert!(rest.contains("stopped"), "{rest}");
}

#[test]
fn a_bounded_job_reads_every_message_a_batching_producer_wrote() {
    let broker = KafkaBroker::start();
    broker.create_topic("many", 3);
    // Without a key and without sticky partitioning, librdkafka picks a random partition
    // per message (its sticky default may fill only two of three), and still batches.
    let args = [
        "gen", "metric", "--topic", "many", "--count", "100000", "--rate", "0", "--quiet", "--no-key",
        "-X", "sticky.partitioning.linger.ms=0",
    ];
    let out = sluice(&[&args[..], &["--bootstrap-servers", &broker.bootstrap()][..]].concat());
    assert!(out.status.success(), "sluice gen failed: {}", String::from_utf8_lossy(&out.stderr));
    let written = read_topic(&broker, "many", 3);
    let spread: Vec<usize> = (0..3).map(|p| written.iter().filter(|(q, _, _)| *q == p).count()).collect();
    assert!(spread.iter().all(|n| *n > 0) && spread.iter().sum::<usize>() == 100_000, "{spread:?}");
    let sql = format!(
        "{}CREATE TABLE counts (n BIGINT, total DOUBLE) WITH ('connector' = 'print');
         INSERT INTO counts SELECT COUNT(*), SUM(usage) FROM iot_in;\n",
        iot_source(&broker, "many", "")
    );
    let (ok, stdout, stderr) = run_script("bounded-100k", &sql);
    assert!(ok, "{stderr}");
    let last = stdout.lines().rfind(|l| l.starts_with("+I[") || l.starts_with("+U[")).unwrap_or_default();
    assert!(last.starts_with("+U[100000, ") || last.starts_with("+I[100000, "), "{stdout}");
}

/// The offset consumer group `group` has committed for partition 0 of `topic`, if any.
fn committed(broker: &KafkaBroker, group: &str, topic: &str) -> Option<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition(topic, 0);
    let got = consumer.committed_offsets(tpl, Duration::from_secs(10)).expect("committed offsets");
    match got.find_partition(topic, 0).map(|p| p.offset()) {
        Some(Offset::Offset(n)) => Some(n),
        _ => None,
    }
}

#[test]
fn offsets_are_committed_only_for_rows_the_sinks_have() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 1);
    let rows: Vec<String> = (0..20).map(|i| format!(r#"{{"id":{i},"k":"k{}"}}"#, i % 3)).collect();
    produce(&broker, "events", &rows.iter().map(|r| (0, r.as_str())).collect::<Vec<_>>());
    let job = |group: &str, query: &str| {
        format!(
            "CREATE TABLE events (id INT, k STRING) WITH (
                'connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '{}',
                'properties.group.id' = '{group}', 'scan.startup.mode' = 'earliest-offset',
                'format' = 'json');
             CREATE TABLE out_t (k STRING, n BIGINT) WITH ('connector' = 'print');
             INSERT INTO out_t {query};\n",
            broker.bootstrap()
        )
    };
    // A stateless job: every row read has reached the sink, so stopping it commits.
    let stateless = Job::start("commit-stateless", &job("plain", "SELECT k, CAST(id AS BIGINT) FROM events"));
    let mut seen = Vec::new();
    Job::wait_for(&stateless.stdout, "+I[k1, 19]", &mut seen);
    stateless.interrupt();
    assert_eq!(committed(&broker, "plain", "events"), Some(20));

    // A GROUP BY holds its counts in state, which a stop loses (there are no checkpoints
    // yet): it commits nothing, so a restart reads every row again.
    let stateful = Job::start("commit-stateful", &job("counting", "SELECT k, COUNT(*) FROM events GROUP BY k"));
    Job::wait_for(&stateful.stdout, "[k1, 7]", &mut seen);
    stateful.interrupt();
    assert_eq!(committed(&broker, "counting", "events"), None);
}
