//! One worker process: spawned, described, started, and called batch by batch. Two
//! threads read its stdout (frames, into a channel, so that a wait can time out) and its
//! stderr (logged, and the last lines kept for the error when it dies).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arrow_array::RecordBatch;
use arrow_schema::Schema;

use crate::protocol::{self, BATCH, DESCRIBE, ERROR, READY, SCHEMA};
use crate::PythonError;

/// How many of a worker's last stderr lines an error shows.
const STDERR_TAIL: usize = 20;

enum Frame {
    Message(u8, Vec<u8>),
    Closed,
}

/// An error message a worker sent (`E` frame).
#[derive(serde::Deserialize)]
struct WorkerError {
    kind: String,
    message: String,
    #[serde(default)]
    row: Option<Vec<String>>,
    #[serde(default)]
    traceback: Option<String>,
}

pub(crate) struct Worker {
    function: String,
    child: Child,
    stdin: Option<ChildStdin>,
    frames: Receiver<Frame>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Disconnects when the stderr thread has read everything.
    stderr_done: Receiver<()>,
    timeout: Duration,
}

/// What a worker was asked to load.
pub(crate) struct Launch<'a> {
    pub function: &'a str,
    pub interpreter: &'a std::path::Path,
    pub worker: &'a std::path::Path,
    pub spec: String,
    pub timeout: Duration,
}

impl Worker {
    /// Starts the process and reads what the function declared (the `D` frame, JSON).
    pub(crate) fn spawn(launch: Launch) -> Result<(Worker, Vec<u8>), PythonError> {
        let function = launch.function.to_string();
        let mut child = Command::new(launch.interpreter)
            .arg(launch.worker)
            .arg(&launch.spec)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| PythonError::Setup {
                function: function.clone(),
                message: format!("cannot start python.executable \"{}\": {e}", launch.interpreter.display()),
                detail: None,
            })?;
        let (stdin, stdout, stderr) = match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => return Err(PythonError::Protocol { function, message: "the worker's pipes are missing".into() }),
        };
        let (tx, frames) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("python-{function}-out"))
            .spawn(move || {
                let mut stdout = BufReader::with_capacity(1 << 16, stdout);
                loop {
                    let frame = match protocol::read_frame(&mut stdout) {
                        Ok(Some((tag, payload))) => Frame::Message(tag, payload),
                        Ok(None) | Err(_) => Frame::Closed,
                    };
                    let closed = matches!(frame, Frame::Closed);
                    if tx.send(frame).is_err() || closed {
                        return;
                    }
                }
            })
            .map_err(|e| PythonError::Protocol { function: function.clone(), message: e.to_string() })?;
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let keep = tail.clone();
        let name = function.clone();
        let (done, stderr_done) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name(format!("python-{function}-err"))
            .spawn(move || {
                let _done = done;
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { return };
                    tracing::info!(target: "sluice::python", "{name}: {line}");
                    if let Ok(mut tail) = keep.lock() {
                        if tail.len() == STDERR_TAIL {
                            tail.pop_front();
                        }
                        tail.push_back(line);
                    }
                }
            })
            .map_err(|e| PythonError::Protocol { function: function.clone(), message: e.to_string() })?;
        let mut worker = Worker {
            function,
            child,
            stdin: Some(stdin),
            frames,
            stderr: tail,
            stderr_done,
            timeout: launch.timeout,
        };
        let description = worker.expect(DESCRIBE)?;
        Ok((worker, description))
    }

    /// Sends the result schema; the worker runs `open(FunctionContext)` and says ready.
    pub(crate) fn start(&mut self, result: &Schema) -> Result<(), PythonError> {
        let payload = protocol::encode_schema(result).map_err(|e| self.protocol(e.to_string()))?;
        self.send(SCHEMA, &payload)?;
        self.expect(READY).map(|_| ())
    }

    /// One batch of arguments in, one batch of results out.
    pub(crate) fn call(&mut self, args: &RecordBatch) -> Result<RecordBatch, PythonError> {
        let payload = protocol::encode_batch(args).map_err(|e| self.protocol(e.to_string()))?;
        self.send(protocol::BATCH, &payload)?;
        let result = self.expect(BATCH)?;
        protocol::decode_batch(result).map_err(|e| self.protocol(format!("cannot read the result batch: {e}")))
    }

    fn send(&mut self, tag: u8, payload: &[u8]) -> Result<(), PythonError> {
        let Some(stdin) = self.stdin.as_mut() else { return Err(self.died()) };
        if protocol::write_frame(stdin, tag, payload).is_err() {
            return Err(self.died());
        }
        Ok(())
    }

    /// Waits for a frame with `tag`; an `E` frame is the function's error.
    fn expect(&mut self, tag: u8) -> Result<Vec<u8>, PythonError> {
        match self.frames.recv_timeout(self.timeout) {
            Ok(Frame::Message(t, payload)) if t == tag => Ok(payload),
            Ok(Frame::Message(ERROR, payload)) => Err(self.worker_error(&payload)),
            Ok(Frame::Message(t, _)) => Err(self.protocol(format!("unexpected frame {:?}", t as char))),
            Ok(Frame::Closed) | Err(RecvTimeoutError::Disconnected) => Err(self.died()),
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                Err(PythonError::Timeout { function: self.function.clone(), timeout: self.timeout })
            }
        }
    }

    fn worker_error(&mut self, payload: &[u8]) -> PythonError {
        let function = self.function.clone();
        let e: WorkerError = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => return self.protocol(format!("unreadable error message: {e}")),
        };
        match e.kind.as_str() {
            "setup" | "open" => PythonError::Setup {
                function,
                message: if e.kind == "open" { format!("open() raised {}", e.message) } else { e.message },
                detail: e.traceback,
            },
            _ => PythonError::Raised {
                function,
                message: e.message,
                args: e.row,
                traceback: e.traceback.unwrap_or_default().trim_end().to_string(),
            },
        }
    }

    fn died(&mut self) -> PythonError {
        // The stdin pipe is closed so that a worker still alive ends; wait for its status.
        self.stdin = None;
        let status = match self.child.wait() {
            Ok(s) => describe_status(s),
            Err(e) => e.to_string(),
        };
        // The stderr thread may still hold the last lines: wait until it has read them all
        // (bounded, in case a child of the worker keeps the pipe open).
        let _ = self.stderr_done.recv_timeout(Duration::from_secs(2));
        let stderr = self.stderr.lock().map(|t| t.iter().cloned().collect()).unwrap_or_default();
        PythonError::Died { function: self.function.clone(), status, stderr }
    }

    fn protocol(&mut self, message: String) -> PythonError {
        self.kill();
        PythonError::Protocol { function: self.function.clone(), message }
    }

    fn kill(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin lets the worker run `close()` and exit; one that does not is killed.
        self.stdin = None;
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.frames.recv_timeout(Duration::from_secs(5));
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        _ => status.to_string(),
    }
}
