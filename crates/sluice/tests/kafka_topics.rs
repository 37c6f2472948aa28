//! Which topics and partitions a `kafka` source reads, against a real Apache Kafka
//! broker: a `topic-pattern` covers every matching topic, and with
//! `scan.topic-partition-discovery.interval` a topic created while the job runs is
//! picked up from its first offset.

use std::io::BufRead;
use std::process::{Command, Stdio};

use sluice_testkit::KafkaBroker;

mod common;

use common::kafka::produce;

fn script(name: &str, sql: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sluice-kafka-topics-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("job.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

#[test]
fn a_topic_pattern_reads_every_matching_topic() {
    let broker = KafkaBroker::start();
    for t in ["orders-eu", "orders-us", "returns"] {
        broker.create_topic(t, 1);
    }
    produce(&broker, "orders-eu", &[(0, r#"{"id":1}"#), (0, r#"{"id":2}"#)]);
    produce(&broker, "orders-us", &[(0, r#"{"id":3}"#)]);
    produce(&broker, "returns", &[(0, r#"{"id":99}"#)]);
    let sql = format!(
        "CREATE TABLE orders (id INT, src STRING METADATA FROM 'topic' VIRTUAL) WITH (
            'connector' = 'kafka', 'topic-pattern' = 'orders-.*', 'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
         CREATE TABLE out_t (id INT, src STRING) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT id, src FROM orders;\n",
        broker.bootstrap()
    );
    let path = script("pattern", &sql);
    let out = Command::new(env!("CARGO_BIN_EXE_sluice")).arg("run").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rows: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    rows.sort();
    assert_eq!(rows, ["+I[1, orders-eu]", "+I[2, orders-eu]", "+I[3, orders-us]"]);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn a_topic_created_while_the_job_runs_is_discovered() {
    let broker = KafkaBroker::start();
    broker.create_topic("metrics-a", 1);
    produce(&broker, "metrics-a", &[(0, r#"{"id":1}"#)]);
    let sql = format!(
        "CREATE TABLE metrics (id INT) WITH (
            'connector' = 'kafka', 'topic-pattern' = 'metrics-.*', 'properties.bootstrap.servers' = '{}',
            'scan.startup.mode' = 'earliest-offset', 'scan.topic-partition-discovery.interval' = '200 ms',
            'format' = 'json');
         CREATE TABLE out_t (id INT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT id FROM metrics;\n",
        broker.bootstrap()
    );
    let path = script("discovery", &sql);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .arg("run")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "+I[1]");
    broker.create_topic("metrics-b", 1);
    produce(&broker, "metrics-b", &[(0, r#"{"id":2}"#)]);
    assert_eq!(lines.next().unwrap().unwrap(), "+I[2]");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let drained = std::thread::spawn(move || lines.count());
    assert!(child.wait().unwrap().success());
    drained.join().unwrap();
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}
