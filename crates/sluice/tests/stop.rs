//! An unbounded job runs until Ctrl-C and then stops cleanly: sinks are flushed, the
//! summary says "stopped", and the exit status is 0.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::*;

/// Starts `sluice run` on an unbounded job printing generated IoT rows, with stdout and
/// stderr piped; returns the child and its scratch folder.
fn start_unbounded_print_job(name: &str) -> (std::process::Child, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("sluice-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("unbounded.sql");
    std::fs::write(
        &script,
        "CREATE TABLE iot_in (hostname STRING, usage DOUBLE) \
         WITH ('connector' = 'fake-data', 'subject' = 'metric', 'rows-per-second' = '2000');\n\
         CREATE TABLE out_t (hostname STRING, usage DOUBLE) WITH ('connector' = 'print');\n\
         INSERT INTO out_t SELECT hostname, usage FROM iot_in;\n",
    )
    .unwrap();
    let child = Command::new(sluice_bin())
        .arg("run")
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sluice");
    (child, dir)
}

#[test]
fn ctrl_c_stops_an_unbounded_job_cleanly() {
    let (mut child, dir) = start_unbounded_print_job("stop");
    // Wait until rows flow, then interrupt.
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for _ in 0..20 {
        let line = lines.next().expect("a printed row").expect("utf-8");
        assert!(line.starts_with("+I["), "unexpected output {line:?}");
    }
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) }, 0);
    // Drain stdout so the child never blocks on a full pipe.
    let drained = std::thread::spawn(move || lines.count());
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    drained.join().unwrap();
    assert!(status.success(), "exit {status}: {stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_reader_that_stops_reading_ends_the_job_quietly() {
    // `sluice run script.sql | head -3`: the reader goes away after three rows.
    let (mut child, dir) = start_unbounded_print_job("pipe");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for _ in 0..3 {
        lines.next().expect("a printed row").expect("utf-8");
    }
    drop(lines);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status}; stderr:\n{stderr}");
    assert!(!stderr.contains("error"), "stderr:\n{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
