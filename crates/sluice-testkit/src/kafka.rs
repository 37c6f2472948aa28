//! A real Kafka-protocol broker for tests: `tansu` with in-memory storage.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{free_port, tool_path};

/// A running `tansu` broker on a free loopback port, stopped on drop. Topics are not
/// created on first use (tansu 0.6 has no `auto.create.topics.enable`): create them
/// with `create_topic`.
pub struct KafkaBroker {
    child: Child,
    port: u16,
    binary: PathBuf,
    log: PathBuf,
}

impl KafkaBroker {
    /// Starts a broker and waits until it accepts connections.
    pub fn start() -> KafkaBroker {
        let binary = tool_path("tansu", "SLUICE_TANSU").unwrap_or_else(|| {
            panic!(
                "the Kafka tests need the `tansu` broker: run scripts/test.sh, which installs it \
                 (cargo install tansu --version 0.6.0 --locked --features dynostore --root ~/.cache/sluice-tools), \
                 or set SLUICE_TANSU to its path"
            )
        });
        let port = free_port();
        let log = std::env::temp_dir().join(format!("sluice-tansu-{}-{port}.log", std::process::id()));
        std::fs::File::create(&log).expect("create the broker's log file");
        let child = spawn(&binary, port, &log);
        let mut broker = KafkaBroker { child, port, binary, log };
        broker.wait_ready();
        broker
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the broker exited with {status} before accepting connections:\n{}", self.log_text());
            }
            if Instant::now() > deadline {
                panic!("the broker did not accept connections within 60 s:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `127.0.0.1:PORT`, for `properties.bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates `topic` with `partitions` partitions.
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        let output = Command::new(&self.binary)
            .args(["topic", "create", topic, "--partitions", &partitions.to_string()])
            .args(["--broker", &format!("tcp://127.0.0.1:{}", self.port)])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} topic create: {e}", self.binary.display()));
        assert!(
            output.status.success(),
            "creating topic {topic} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// What the broker has logged so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops the broker (as a crash would) and starts a new one on the same port. With
    /// in-memory storage, topics and messages are gone afterwards.
    pub fn restart(&mut self) {
        self.stop();
        self.resume();
    }

    /// Kills the broker, as a crash would; `resume` starts it again on the same port.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the broker again after `stop` (empty, with in-memory storage).
    pub fn resume(&mut self) {
        self.child = spawn(&self.binary, self.port, &self.log);
        self.wait_ready();
    }
}

impl Drop for KafkaBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Starts `tansu broker` on `port` with in-memory storage, appending its output to `log`.
fn spawn(binary: &Path, port: u16, log: &Path) -> Child {
    let url = format!("tcp://127.0.0.1:{port}");
    let log_file = std::fs::OpenOptions::new().append(true).open(log).expect("open the broker's log");
    Command::new(binary)
        .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
        .args(["--storage-engine", "memory://tansu/"])
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("clone the log file handle"))
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}
