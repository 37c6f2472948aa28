//! Starting `sluice server` for a test.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// How long a server may take to start.
const GUARD: std::time::Duration = std::time::Duration::from_secs(120);

/// A started `sluice server`: the process, its URL, and its stderr lines (kept up to
/// date by a thread).
pub struct Started {
    pub child: Child,
    pub url: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// Starts `sluice server` with `args` and waits for the line saying where it listens.
pub fn start(args: &[std::ffi::OsString]) -> Started {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .arg("server")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sluice server");
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let pipe = child.stderr.take().expect("piped stderr");
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on ").nth(1) {
                let _ = tx.send(addr.split_whitespace().next().unwrap_or("").to_string());
            }
            // A test that panicked while reading the log poisons it; keep logging.
            kept.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
    let url = rx.recv_timeout(GUARD).unwrap_or_else(|_| panic!("the server did not start: {:?}", log.lock().unwrap()));
    Started { child, url, log }
}
