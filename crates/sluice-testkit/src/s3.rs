//! An S3-compatible object store for tests: SeaweedFS (`weed server -s3`), built by
//! `scripts/services.sh` from the Go module proxy into `~/.cache/sluice-tools`. One
//! master, one volume server, one filer and the S3 gateway in one process, on free
//! loopback ports, with its data in a temp folder, and one identity whose access and
//! secret key the tests give Sluice as `s3.access-key` / `s3.secret-key`.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{free_port, spawn_tied, tool_path};

/// The identity the server accepts.
pub const S3_ACCESS_KEY: &str = "sluice-test-access";
pub const S3_SECRET_KEY: &str = "sluice-test-secret-0123456789";

/// A running SeaweedFS server with its S3 gateway, stopped (and its data removed) on drop.
pub struct S3Server {
    child: Child,
    port: u16,
    /// The filer's HTTP port, through which `create_bucket` makes a bucket (a folder
    /// under `/buckets`).
    filer_port: u16,
    /// The master's gRPC port, which names a socket the master leaves in /tmp.
    master_grpc_port: u16,
    dir: PathBuf,
}

impl S3Server {
    /// Starts a server and waits until its S3 port takes connections.
    pub fn start() -> S3Server {
        let binary = tool_path("weed", "SLUICE_WEED").filter(|p| p.is_file()).unwrap_or_else(|| {
            panic!(
                "the object store tests need SeaweedFS's `weed`: run scripts/services.sh, which builds it from the \
                 Go module proxy into ~/.cache/sluice-tools, or set SLUICE_WEED to its path"
            )
        });
        let dir = std::env::temp_dir().join(format!("sluice-s3-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("create the S3 server's folder");
        let identities = serde_json::json!({"identities": [{
            "name": "sluice",
            "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]});
        std::fs::write(dir.join("s3.json"), identities.to_string()).expect("write the S3 identities");
        let log = std::fs::File::create(dir.join("weed.log")).expect("create the server's log file");
        let (port, filer_port, master_grpc_port) = (free_port(), free_port(), free_port());
        let mut command = Command::new(&binary);
        command
            .current_dir(&dir)
            .arg("server")
            .arg(format!("-dir={}", dir.display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false"])
            .args(["-master.volumeSizeLimitMB=16", "-volume.max=16"])
            .arg("-filer")
            .args(["-s3", "-s3.port.iceberg=0", "-s3.port.lance=0"])
            .arg(format!("-s3.config={}", dir.join("s3.json").display()))
            .arg(format!("-s3.port={port}"))
            .arg(format!("-filer.port={filer_port}"))
            .arg(format!("-master.port.grpc={master_grpc_port}"))
            .arg(format!("-filer.localSocket={}", dir.join("filer.sock").display()))
            .arg(format!("-s3.localSocket={}", dir.join("s3.sock").display()));
        for flag in ["master.port", "volume.port", "volume.port.grpc", "filer.port.grpc", "s3.port.grpc"] {
            command.arg(format!("-{flag}={}", free_port()));
        }
        command.stdin(Stdio::null()).stdout(log.try_clone().expect("clone the log file handle")).stderr(log);
        let child = spawn_tied(command).unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = S3Server { child, port, filer_port, master_grpc_port, dir };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("SeaweedFS exited with {status} before its S3 port opened:\n{}", self.log_text());
            }
            if Instant::now() > deadline {
                panic!("SeaweedFS's S3 port did not open within 120 s:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Creates bucket `name`, as an administrator would before pointing Sluice at it.
    pub fn create_bucket(&self, name: &str) {
        let url = format!("http://127.0.0.1:{}/buckets/{name}/?op=mkdir", self.filer_port);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            // The filer opens a moment after the S3 port in some starts.
            match ureq::post(&url).call() {
                Ok(_) => return,
                Err(e) if Instant::now() > deadline => panic!("cannot create bucket {name}: {e}\n{}", self.log_text()),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// `http://127.0.0.1:PORT`, for `s3.endpoint`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `SET` statements that point Sluice at this server.
    pub fn session_keys(&self) -> String {
        format!(
            "SET 's3.endpoint' = '{}';\nSET 's3.access-key' = '{S3_ACCESS_KEY}';\nSET 's3.secret-key' = '{S3_SECRET_KEY}';\nSET 's3.path.style.access' = 'true';\n",
            self.endpoint()
        )
    }

    /// The tail of the server's log, for failure messages.
    pub fn log_text(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("weed.log")).unwrap_or_default();
        let start = text.len().saturating_sub(4000);
        text.get(start..).unwrap_or(&text).to_string()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        // SIGTERM lets it remove the sockets it keeps in /tmp for its gRPC ports; SIGKILL
        // if it has not exited after a while (a guard against a hang).
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(format!("/tmp/seaweedfs-master-grpc-{}.sock", self.master_grpc_port));
    }
}
