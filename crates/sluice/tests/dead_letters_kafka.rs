//! Dead letters in a Kafka topic (`'sluice.dead-letter' = 'kafka://HOST:PORT/TOPIC'`),
//! against Apache Kafka: each malformed record becomes one message holding its raw bytes,
//! with its position, the reason and the time in headers. With checkpoints the dead
//! letters of a checkpoint are one transaction, so after a crash at any step of the
//! checkpoint protocol and a restart, a `read_committed` reader of the topic sees each
//! bad record exactly once; without checkpoints each is sent at least once.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::kafka::produce;
use common::{output_text as text, CRASH_STEPS};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sluice_testkit::KafkaBroker;

fn sluice(script: &Path, crash: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.arg("run").arg(script).env_remove("SLUICE_CHECKPOINT_STOP").env_remove("SLUICE_CHECKPOINT_FAIL");
    match crash {
        Some(c) => command.env("SLUICE_CHECKPOINT_CRASH", c),
        None => command.env_remove("SLUICE_CHECKPOINT_CRASH"),
    };
    command.output().expect("run the sluice binary")
}

/// Record `i` of the input: every 7th one (from the 3rd) cannot be decoded.
fn record(i: i64) -> String {
    match i % 7 {
        3 if i % 2 == 0 => format!("{{\"id\":{i},\"v\":"),
        3 => format!("{{\"id\":\"x{i}\",\"v\":1}}"),
        _ => format!("{{\"id\":{i},\"v\":{}}}", i % 10),
    }
}

const ROWS: i64 = 3000;

/// The job: Kafka to Kafka (exactly-once when `checkpoints`), its dead letters to `dead`.
fn job(dir: &Path, broker: &KafkaBroker, name: &str, dead: &str, checkpoints: bool) -> PathBuf {
    let settings = if checkpoints {
        format!(
            "SET 'execution.checkpointing.interval' = '1 ns';\nSET 'execution.checkpointing.dir' = 'file://{}';\n",
            dir.join(format!("checkpoints-{name}")).display()
        )
    } else {
        String::new()
    };
    let delivery = if checkpoints { "exactly-once" } else { "at-least-once" };
    let sql = format!(
        "{settings}SET 'sluice.exec.batch-size' = '100';
CREATE TABLE events (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '{b}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json',
  'sluice.dead-letter' = 'kafka://{b}/{dead}');
CREATE TABLE kept (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = 'kept-{name}', 'properties.bootstrap.servers' = '{b}', 'value.format' = 'json',
  'sink.delivery-guarantee' = '{delivery}', 'sink.transactional-id-prefix' = 'kept-{name}');
INSERT INTO kept SELECT id, v FROM events;
",
        b = broker.bootstrap()
    );
    let path = dir.join(format!("{name}.sql"));
    std::fs::write(&path, sql).unwrap();
    path
}

/// A dead letter as read back.
#[derive(Debug)]
struct Letter {
    value: Vec<u8>,
    headers: BTreeMap<String, String>,
}

/// Every committed message of the one-partition `topic` (librdkafka reads
/// `read_committed` unless told otherwise; set here all the same).
fn read_dead(broker: &KafkaBroker, topic: &str) -> Vec<Letter> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", "sluice-test-dead-letters")
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .create()
        .expect("consumer");
    let (_, end) = consumer.fetch_watermarks(topic, 0, Duration::from_secs(10)).expect("watermarks");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning).unwrap();
    consumer.assign(&tpl).unwrap();
    let mut letters = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // The position, not the last offset: commit markers are never delivered.
        let position = consumer.position().ok().and_then(|p| match p.find_partition(topic, 0)?.offset() {
            Offset::Offset(n) => Some(n),
            _ => None,
        });
        if position.is_some_and(|p| p >= end) {
            return letters;
        }
        assert!(Instant::now() < deadline, "timed out reading {topic} up to {end}");
        let Some(message) = consumer.poll(Duration::from_millis(100)) else { continue };
        let m = message.expect("message");
        let mut headers = BTreeMap::new();
        if let Some(hs) = m.headers() {
            for h in hs.iter() {
                headers.insert(h.key.to_string(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned());
            }
        }
        letters.push(Letter { value: m.payload().unwrap_or_default().to_vec(), headers });
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sluice-dead-letters-kafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The bad records by position (`topic events partition P offset O`), as produced.
fn bad_records(offsets: &BTreeMap<i64, (i32, i64)>) -> BTreeMap<String, String> {
    (0..ROWS)
        .filter(|i| i % 7 == 3)
        .map(|i| {
            let (p, o) = offsets[&i];
            (format!("topic events partition {p} offset {o}"), record(i))
        })
        .collect()
}

/// Checks that `letters` hold each of `bad` exactly once, with its raw bytes, a reason
/// and a time.
fn check_once(letters: &[Letter], bad: &BTreeMap<String, String>, after: &str) {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for letter in letters {
        let position = letter.headers.get("sluice.position").map(String::as_str).unwrap_or_else(|| panic!("{letter:?}"));
        *seen.entry(position).or_default() += 1;
        assert_eq!(bad.get(position).map(|v| v.as_bytes()), Some(letter.value.as_slice()), "{after}: {letter:?}");
        assert!(letter.headers.get("sluice.reason").is_some_and(|r| !r.is_empty()), "{letter:?}");
        assert!(letter.headers.get("sluice.time").is_some_and(|t| t.ends_with('Z')), "{letter:?}");
        assert_eq!(letter.headers.get("sluice.table").map(String::as_str), Some("events"), "{letter:?}");
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{after}: dead letters written twice: {twice:?}");
    assert_eq!(seen.len(), bad.len(), "{after}: dead letters lost");
}

#[test]
fn dead_letters_in_a_topic_hold_each_bad_record_once_across_a_crash_at_any_step() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    // One partition per third of the ids, in order, so offsets are known: id i is at
    // offset i / 3 of partition i % 3.
    let rows: Vec<(i32, String)> = (0..ROWS).map(|i| ((i % 3) as i32, record(i))).collect();
    produce(&broker, "events", &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
    let offsets: BTreeMap<i64, (i32, i64)> = (0..ROWS).map(|i| (i, ((i % 3) as i32, i / 3))).collect();
    let bad = bad_records(&offsets);
    let dir = scratch("crash");
    for step in CRASH_STEPS {
        let dead = format!("dead-{step}");
        broker.create_topic(&dead, 1);
        broker.create_topic(&format!("kept-{step}"), 1);
        let script = job(&dir, &broker, step, &dead, true);
        let crashed = sluice(&script, Some(&format!("{step}@5")));
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 5")), "{}", text(&crashed));
        let resumed = sluice(&script, None);
        let log = text(&resumed);
        assert!(resumed.status.success(), "{log}");
        assert!(log.contains("resuming job"), "{log}");
        assert!(log.contains("malformed records to its dead letters"), "{log}");
        check_once(&read_dead(&broker, &dead), &bad, &format!("a crash at {step}"));
    }
    // Without checkpoints: at least once, and here (no crash) exactly once.
    broker.create_topic("dead-plain", 1);
    broker.create_topic("kept-plain", 1);
    let plain = sluice(&job(&dir, &broker, "plain", "dead-plain", false), None);
    assert!(plain.status.success(), "{}", text(&plain));
    check_once(&read_dead(&broker, "dead-plain"), &bad, "a run without checkpoints");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dead_letter_topic_must_exist_and_be_written_as_a_url() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 1);
    let dir = scratch("missing");
    let script = job(&dir, &broker, "missing", "no-such-topic", true);
    let out = sluice(&script, None);
    assert!(!out.status.success());
    assert!(text(&out).contains("the dead-letter topic \"no-such-topic\" does not exist"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
