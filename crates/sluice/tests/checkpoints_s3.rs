//! Checkpoints and savepoints in an S3 bucket, against a real S3-compatible server
//! (SeaweedFS's S3 gateway, `sluice_testkit::S3Server`): a job checkpointing into
//! `s3://BUCKET/PATH` that crashes resumes from the bucket with exactly the fault-free
//! output, keeps only `num-retained` checkpoints there, and a savepoint written to a
//! bucket restores a job with another checkpoint folder. Credentials are Flink's
//! `s3.*` keys, and the secret key never shows in what Sluice prints.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::kafka::{committed_ids, produce};
use common::{final_counts, output_text as text};
use sluice_runtime::checkpoint::{Storage, StorageOptions};
use sluice_testkit::{KafkaBroker, S3Server, S3_ACCESS_KEY, S3_SECRET_KEY};

fn sluice(script: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sluice"));
    command.arg("run").arg(script);
    for hook in ["SLUICE_CHECKPOINT_CRASH", "SLUICE_CHECKPOINT_STOP", "SLUICE_CHECKPOINT_FAIL"] {
        command.env_remove(hook);
    }
    // The session's keys must be what reaches the server, not the environment's.
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"] {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    let out = command.output().expect("run the sluice binary");
    assert!(!text(&out).contains(S3_SECRET_KEY), "the secret key was printed:\n{}", text(&out));
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sluice-checkpoints-s3-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The options that reach `s3`.
fn options(s3: &S3Server) -> StorageOptions {
    StorageOptions(vec![
        ("s3.endpoint".into(), s3.endpoint()),
        ("s3.access-key".into(), S3_ACCESS_KEY.into()),
        ("s3.secret-key".into(), S3_SECRET_KEY.into()),
        ("s3.path.style.access".into(), "true".into()),
    ])
}

/// Every object under `url`, as the server lists them.
fn objects(s3: &S3Server, url: &str) -> Vec<String> {
    let mut keys = Storage::open(url, &options(s3)).unwrap().list().unwrap_or_else(|e| panic!("{e}\n{}", s3.log_text()));
    keys.sort();
    keys
}

/// Creates bucket `name` and waits until the S3 gateway serves it. The gateway opens
/// its port before it has loaded its identities and learnt the filer's buckets; a
/// request in between is refused (400), so a job started at once could fail.
fn bucket(s3: &S3Server, name: &str) {
    s3.create_bucket(name);
    let storage = Storage::open(&format!("s3://{name}/"), &options(s3)).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while let Err(e) = storage.list() {
        assert!(std::time::Instant::now() < deadline, "the S3 gateway never served bucket {name}: {e}\n{}", s3.log_text());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The filter job, Kafka to Kafka with exactly-once delivery, a checkpoint about every
/// 200 rows into `checkpoints` (a bucket URL), two of them retained.
fn kafka_job(dir: &Path, s3: &S3Server, broker: &KafkaBroker, output: &str, checkpoints: &str) -> PathBuf {
    let sql = format!(
        "{keys}SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = '{checkpoints}';
SET 'execution.checkpointing.num-retained' = '2';
SET 'sluice.exec.batch-size' = '200';
CREATE TABLE events (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '{b}',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json');
CREATE TABLE kept (id BIGINT, v INT) WITH (
  'connector' = 'kafka', 'topic' = '{output}', 'properties.bootstrap.servers' = '{b}', 'value.format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{output}');
INSERT INTO kept SELECT id, v FROM events WHERE v < 7;
",
        keys = s3.session_keys(),
        b = broker.bootstrap()
    );
    let path = dir.join(format!("{output}.sql"));
    std::fs::write(&path, sql).unwrap();
    path
}

#[test]
fn a_job_checkpointing_into_a_bucket_resumes_from_it_after_a_crash_and_keeps_num_retained() {
    let s3 = S3Server::start();
    bucket(&s3, "checkpoints");
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    let rows: Vec<(i32, String)> = (0..3000i64).map(|i| ((i % 3) as i32, format!(r#"{{"id":{i},"v":{}}}"#, i % 10))).collect();
    produce(&broker, "events", &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
    let expected: BTreeMap<i64, usize> = (0..3000).filter(|i| i % 10 < 7).map(|i| (i, 1)).collect();
    let dir = scratch("crash");
    for (step, resumes_from) in [("after-save", 3), ("after-commit", 4)] {
        let output = format!("kept-{step}");
        broker.create_topic(&output, 1);
        let url = format!("s3://checkpoints/jobs/{step}");
        let script = kafka_job(&dir, &s3, &broker, &output, &url);
        let crashed = sluice(&script, &[("SLUICE_CHECKPOINT_CRASH", &format!("{step}@4"))]);
        assert!(text(&crashed).contains(&format!("crashing at {step} of checkpoint 4")), "{}", text(&crashed));
        // Checkpoint 4 is whole in the bucket, not yet marked complete.
        let saved = objects(&s3, &format!("{url}/insert-into_kept"));
        assert!(saved.contains(&"chk-4/_metadata".to_string()) && !saved.contains(&"chk-4/_COMPLETED".to_string()), "{saved:?}");
        let resumed = sluice(&script, &[]);
        let log = text(&resumed);
        assert!(resumed.status.success(), "{log}");
        let line = log.lines().find(|l| l.contains("resuming job")).unwrap_or_else(|| panic!("no resume: {log}"));
        assert!(line.contains(&format!("from checkpoint {resumes_from} ")) && line.contains(&format!("{url}/insert-into_kept/chk-{resumes_from}")), "{line}");
        assert_eq!(committed_ids(&broker, &output), expected, "after a crash at {step}");
        // Two complete checkpoints are kept, each whole; nothing else is left behind but
        // the record of the parallelism the job runs at.
        let left = objects(&s3, &format!("{url}/insert-into_kept"));
        let complete: Vec<&String> = left.iter().filter(|k| k.ends_with("/_COMPLETED")).collect();
        assert_eq!(complete.len(), 2, "{left:?}");
        assert!(left.contains(&"_parallelism".to_string()), "{left:?}");
        for key in left.iter().filter(|k| *k != "_parallelism") {
            let chk = key.split('/').next().unwrap();
            assert!(left.contains(&format!("{chk}/_metadata")) && left.contains(&format!("{chk}/_COMPLETED")), "{left:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Counts per `v` of 3,000 rows from a file, printed, with checkpoints in `checkpoints`.
fn counting_job(dir: &Path, s3: &S3Server, checkpoints: &str, extra: &str) -> PathBuf {
    let data = dir.join("events.json");
    if !data.exists() {
        let rows: String = (0..3000).map(|i| format!("{{\"id\":{i},\"v\":{}}}\n", i % 10)).collect();
        std::fs::write(&data, rows).unwrap();
    }
    let sql = format!(
        "{keys}{extra}SET 'execution.checkpointing.interval' = '1 ns';
SET 'execution.checkpointing.dir' = '{checkpoints}';
SET 'sluice.exec.batch-size' = '100';
CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE counts (k INT, n BIGINT) WITH ('connector' = 'print');
INSERT INTO counts SELECT v, COUNT(*) FROM events WHERE v < 7 GROUP BY v;
",
        data.display(),
        keys = s3.session_keys()
    );
    let path = dir.join("job.sql");
    std::fs::write(&path, sql).unwrap();
    path
}

#[test]
fn a_savepoint_in_a_bucket_restores_a_job_with_other_checkpoints() {
    let s3 = S3Server::start();
    bucket(&s3, "state");
    let dir = scratch("savepoint");
    let savepoints = "SET 'execution.checkpointing.savepoint-dir' = 's3://state/savepoints';\n";
    let first = sluice(&counting_job(&dir, &s3, "s3://state/checkpoints", savepoints), &[("SLUICE_CHECKPOINT_STOP", "3")]);
    let log = text(&first);
    assert!(first.status.success(), "{log}");
    let before = final_counts(&String::from_utf8_lossy(&first.stdout));
    assert!(!before.is_empty() && before.values().all(|n| *n < 300), "{before:?}");
    let line = log.lines().find(|l| l.contains("savepoint written to")).unwrap_or_else(|| panic!("no savepoint: {log}"));
    let path = line.split("savepoint written to ").nth(1).and_then(|s| s.split(": ").next()).unwrap().to_string();
    // The stop's own final checkpoint is the savepoint.
    let id = path.strip_prefix("s3://state/savepoints/savepoint-insert-into_counts-").unwrap_or_else(|| panic!("{path}"));
    assert!(log.contains(&format!("stopped with checkpoint {id} in s3://state/checkpoints/insert-into_counts")), "{log}");
    let saved = objects(&s3, &path);
    assert!(saved.len() > 2 && saved[..2] == ["_COMPLETED", "_metadata"] && saved[2..].iter().all(|k| k.ends_with(".state")), "{saved:?}");
    // Another checkpoint folder, restored from the savepoint: the counts go on from it.
    let recover = format!("SET 'execution.state-recovery.path' = '{path}';\n");
    let resumed = sluice(&counting_job(&dir, &s3, "s3://state/elsewhere", &recover), &[]);
    let log = text(&resumed);
    assert!(resumed.status.success(), "{log}");
    assert!(log.contains(&format!("from checkpoint {id} taken at")) && log.contains(&path), "{log}");
    let after = final_counts(&String::from_utf8_lossy(&resumed.stdout));
    assert_eq!(after, (0..7).map(|v| (v, 300)).collect::<BTreeMap<_, _>>(), "rows lost or repeated across the savepoint");
    assert!(objects(&s3, "s3://state/elsewhere/insert-into_counts").iter().any(|k| k.ends_with("/_COMPLETED")));
    let _ = std::fs::remove_dir_all(&dir);
}
