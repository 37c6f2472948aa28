//! An OpenSearch-compatible server for tests: `osmem-server` (PyPI), which keeps its
//! indices in memory and speaks the REST API (`_bulk`, `_search`, `_count`, `_doc`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::free_port;

/// A running `osmem-server` on a free loopback port, stopped on drop. Every instance
/// starts empty, so tests do not share indices.
pub struct OpenSearch {
    child: Child,
    port: u16,
    log: PathBuf,
    agent: ureq::Agent,
}

impl OpenSearch {
    /// Starts a server and waits until it answers HTTP.
    pub fn start() -> OpenSearch {
        let binary = osmem_binary().unwrap_or_else(|| {
            panic!(
                "the OpenSearch tests need `osmem-server`: run scripts/services.sh, which installs it \
                 from PyPI into ~/.cache/sluice-tools/venv, or set SLUICE_OSMEM to its path"
            )
        });
        let port = free_port();
        let log = std::env::temp_dir().join(format!("sluice-osmem-{}-{port}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).expect("create the server's log file");
        let child = Command::new(&binary)
            .args(["-addr", &format!("127.0.0.1:{port}"), "-no-stdin-watch"])
            .args(["-parent-pid", &std::process::id().to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone the log file handle"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        let mut server = OpenSearch { child, port, log, agent };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.agent.get(&self.url()).call().is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("osmem-server exited with {status} before answering:\n{}", self.log_text());
            }
            if Instant::now() > deadline {
                panic!("osmem-server did not answer within 60 s:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:PORT`, for the `hosts` option.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends a request with an optional JSON body; returns the status and the parsed
    /// body (`Null` when it is not JSON). 4xx and 5xx answers are returned, not panics.
    pub fn request(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> (u16, serde_json::Value) {
        let url = format!("{}/{}", self.url(), path.trim_start_matches('/'));
        let req = self.agent.request(method, &url).set("Content-Type", "application/json");
        let result = match body {
            Some(b) => req.send_string(&b.to_string()),
            None => req.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {url} failed: {e}"),
        };
        let status = response.status();
        let text = response.into_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Creates `index` with `body` (settings and mappings), panicking on failure.
    pub fn create_index(&self, index: &str, body: &serde_json::Value) {
        let (status, answer) = self.request("PUT", index, Some(body));
        assert!(status < 300, "creating index {index} failed with {status}: {answer}");
    }

    /// The number of documents in `index` (0 when it does not exist).
    pub fn count(&self, index: &str) -> u64 {
        let (status, answer) = self.request("GET", &format!("{index}/_count"), None);
        if status == 404 {
            return 0;
        }
        assert!(status < 300, "counting {index} failed with {status}: {answer}");
        answer["count"].as_u64().unwrap_or_else(|| panic!("no count in {answer}"))
    }

    /// Runs `query` (a full `_search` body) on `index` and returns the answer.
    pub fn search(&self, index: &str, query: &serde_json::Value) -> serde_json::Value {
        let (status, answer) = self.request("POST", &format!("{index}/_search"), Some(query));
        assert!(status < 300, "searching {index} failed with {status}: {answer}");
        answer
    }

    /// The `_source` of every document in `index`, up to 10,000.
    pub fn all_sources(&self, index: &str) -> Vec<serde_json::Value> {
        let answer = self.search(index, &serde_json::json!({"size": 10000, "query": {"match_all": {}}}));
        answer["hits"]["hits"]
            .as_array()
            .map(|hits| hits.iter().map(|h| h["_source"].clone()).collect())
            .unwrap_or_default()
    }

    /// The `_source` of document `id` in `index`, or `None` if there is none.
    pub fn get(&self, index: &str, id: &str) -> Option<serde_json::Value> {
        let (status, answer) = self.request("GET", &format!("{index}/_doc/{id}"), None);
        if status == 404 || answer["found"] == serde_json::Value::Bool(false) {
            return None;
        }
        assert!(status < 300, "getting {index}/{id} failed with {status}: {answer}");
        Some(answer["_source"].clone())
    }

    /// The names of all indices.
    pub fn indices(&self) -> Vec<String> {
        let (status, answer) = self.request("GET", "_cat/indices?format=json", None);
        assert!(status < 300, "listing indices failed with {status}: {answer}");
        let mut names: Vec<String> = answer
            .as_array()
            .map(|rows| rows.iter().filter_map(|r| r["index"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// What the server has logged so far, for failure messages.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for OpenSearch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `SLUICE_OSMEM` if set, else the binary inside the `osmem_server` package of the venv
/// that `scripts/services.sh` creates, else `osmem-server` on `PATH`.
fn osmem_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SLUICE_OSMEM") {
        return Some(PathBuf::from(p));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let lib = PathBuf::from(home).join(".cache/sluice-tools/venv/lib");
        if let Ok(entries) = std::fs::read_dir(&lib) {
            let mut candidates: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
                .map(|e| e.path().join("site-packages/osmem_server/bin/osmem-server"))
                .filter(|p| p.is_file())
                .collect();
            candidates.sort();
            if let Some(p) = candidates.pop() {
                return Some(p);
            }
        }
    }
    crate::process::tool_path("osmem-server", "SLUICE_OSMEM")
}
