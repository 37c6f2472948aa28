//! Windows on processing time fire as the wall clock passes their end, while the job
//! runs, as Flink's processing-time timers do. (At the end of a bounded input the open
//! windows do not fire, as in Flink: conformance case 72.)

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::*;

#[test]
fn a_processing_time_tumble_fires_each_second() {
    let dir = std::env::temp_dir().join(format!("sluice-proctime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("proctime.sql");
    std::fs::write(
        &script,
        "SET 'table.local-time-zone' = 'UTC';
         CREATE TABLE iot_in (hostname STRING, usage DOUBLE, pt AS PROCTIME())
         WITH ('connector' = 'fake-data', 'subject' = 'metric', 'rows-per-second' = '2000');
         CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
         INSERT INTO out_t SELECT window_start, window_end, COUNT(*)
         FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(pt), INTERVAL '1' SECOND))
         GROUP BY window_start, window_end;\n",
    )
    .unwrap();
    let mut child = Command::new(sluice_bin())
        .arg("run")
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sluice");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut starts = Vec::new();
    for _ in 0..3 {
        let line = lines.next().expect("a window row").expect("utf-8");
        // +I[2026-11-21T13:07:37, 2026-11-21T13:07:38, 1002]
        let inner = line.strip_prefix("+I[").and_then(|l| l.strip_suffix(']')).unwrap_or_else(|| panic!("{line}"));
        let parts: Vec<&str> = inner.split(", ").collect();
        assert_eq!(parts.len(), 3, "{line}");
        let (start, end) = (java_time(parts[0]), java_time(parts[1]));
        assert_eq!((end - start).num_milliseconds(), 1000, "{line}");
        assert!(parts[2].parse::<u64>().unwrap() > 0, "{line}");
        starts.push(start);
    }
    // One row per window, in window order.
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    let drained = std::thread::spawn(move || lines.count());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    drained.join().unwrap();
    assert!(status.success(), "exit {status}: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A timestamp as Java's `LocalDateTime.toString` (and so Flink's print sink) writes it:
/// without the seconds when they are zero (`2026-12-07T13:57` is 13:57:00).
fn java_time(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}
