//! The job service end to end: `sluice server` on a free port with a temporary SQLite
//! store, driven through the `sluice application|deployment` commands and the REST API,
//! running a Kafka filter pipeline (exactly-once output) in supervised worker processes.
//! Waits have generous guards against hangs; nothing asserts a duration.

mod common;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::kafka::produce;
use serde_json::{json, Value};
use sluice_testkit::KafkaBroker;

const GUARD: Duration = Duration::from_secs(120);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sluice-server-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `sluice server`; SIGTERM when dropped.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["server", "--listen", "127.0.0.1:0", "--checkpoint-interval", "100 ms", "--restart-backoff-ms", "500"])
            .arg("--store")
            .arg(store_url(dir))
            .arg("--state-dir")
            .arg(dir.join("state"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sluice server");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().unwrap();
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.split_whitespace().next().unwrap_or("").to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let url = rx.recv_timeout(GUARD).unwrap_or_else(|_| panic!("the server did not start: {:?}", log.lock().unwrap()));
        Server { child, url, log, dir: dir.to_path_buf() }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// SIGTERM, as a service manager stops it; waits until it has exited.
    fn stop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }

    /// A `sluice` client command against this server.
    fn cli(&self, token: &str, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(args)
            .env("SLUICE_URL", &self.url)
            .env("SLUICE_TOKEN", token)
            .output()
            .expect("run sluice");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn cli_ok(&self, token: &str, args: &[&str]) -> String {
        let (ok, out, err) = self.cli(token, args);
        assert!(ok, "sluice {args:?} failed:\n{out}{err}\nserver log:\n{}", self.log());
        out
    }

    /// A request with a token (or none), and the answer's status and JSON.
    fn api(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let mut request = ureq::request(method, &format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let result = match body {
            Some(b) => request.set("Content-Type", "application/json").send_string(&b.to_string()),
            None => request.call(),
        };
        let (code, text) = match result {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
            Err(e) => panic!("{method} {path}: {e}"),
        };
        (code, serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}")))
    }

    /// Polls a deployment until `done` holds, collecting every status seen.
    fn wait_deployment(&self, token: &str, app: &str, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> (Value, Vec<String>) {
        let deadline = Instant::now() + GUARD;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let (code, d) = self.api("GET", &format!("/api/v1/applications/{app}/deployments/{id}"), Some(token), None);
            assert_eq!(code, 200, "{d}");
            let status = d["status"].as_str().unwrap().to_string();
            if seen.last() != Some(&status) {
                seen.push(status);
            }
            if done(&d) {
                return (d, seen);
            }
            assert!(Instant::now() < deadline, "deployment never {what}: statuses {seen:?}: {d}\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn store_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("sluice.db").display())
}

fn token(dir: &Path, scope: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["token", "create", "--scope", scope, "--store", &store_url(dir)])
        .output()
        .expect("sluice token create");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Rows `{"id": i, "v": i % 10}` over three partitions.
fn input(broker: &KafkaBroker, ids: std::ops::Range<i64>) {
    let rows: Vec<(i32, String)> = ids.map(|i| ((i % 3) as i32, format!(r#"{{"id":{i},"v":{}}}"#, i % 10))).collect();
    produce(broker, "events", &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
}

/// How many times each id is in `topic`, as a `read_committed` reader sees it.
fn committed_ids(broker: &KafkaBroker, topic: &str) -> BTreeMap<i64, usize> {
    let mut ids = BTreeMap::new();
    for (_, _, value) in common::kafka::read_topic(broker, topic, 1) {
        let row: Value = serde_json::from_str(&value.expect("a value")).unwrap();
        *ids.entry(row["id"].as_i64().unwrap()).or_default() += 1;
    }
    ids
}

fn expected(ids: std::ops::Range<i64>) -> BTreeMap<i64, usize> {
    ids.filter(|i| i % 10 < 7).map(|i| (i, 1)).collect()
}

/// Waits until `topic` holds every id of `want`, then checks that each is there once.
fn wait_output(broker: &KafkaBroker, topic: &str, want: &BTreeMap<i64, usize>, server: &Server) {
    let deadline = Instant::now() + GUARD;
    loop {
        let got = committed_ids(broker, topic);
        if want.keys().all(|k| got.contains_key(k)) {
            assert_eq!(&got, want, "rows lost or repeated");
            return;
        }
        assert!(Instant::now() < deadline, "{} of {} ids in {topic}\n{}", got.len(), want.len(), server.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An application version in the format of Aiven's version files (seed 004).
fn version_json(broker: &KafkaBroker, output: &str) -> Value {
    let b = broker.bootstrap();
    json!({
        "sources": [{"create_table": format!(
            "CREATE TABLE events (id BIGINT, v INT) WITH (\n  'connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '{b}',\n  'scan.startup.mode' = 'earliest-offset', 'value.format' = 'json')")}],
        "sinks": [{"create_table": format!(
            "CREATE TABLE kept (id BIGINT, v INT) WITH (\n  'connector' = 'kafka', 'topic' = '{output}', 'properties.bootstrap.servers' = '{b}', 'value.format' = 'json',\n  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '{output}')")}],
        "statement": "INSERT INTO kept\nSELECT id, v FROM events WHERE v < 7"
    })
}

#[test]
fn the_api_wants_a_token_validates_sql_and_names_the_field_of_a_bad_request() {
    let dir = scratch("api");
    let write = token(&dir, "write");
    let read = token(&dir, "read");
    let server = Server::start(&dir);

    let (code, health) = server.api("GET", "/healthz", None, None);
    assert_eq!((code, health["status"].as_str()), (200, Some("ok")));
    let (code, body) = server.api("GET", "/api/v1/applications", None, None);
    assert_eq!(code, 401, "{body}");
    assert!(body["message"].as_str().unwrap().contains("token"), "{body}");
    assert_eq!(server.api("GET", "/api/v1/applications", Some("sluice_wrong"), None).0, 401);
    assert_eq!(server.api("GET", "/api/openapi.json", None, None).0, 401);
    let (code, doc) = server.api("GET", "/api/openapi.json", Some(&read), None);
    assert_eq!(code, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/applications/{application_id}/deployments"]["post"].is_object(), "{doc}");

    // A read token reads; writing needs a write token.
    let (code, _) = server.api("POST", "/api/v1/applications", Some(&read), Some(json!({"name": "x"})));
    assert_eq!(code, 403);

    // Bad bodies: 400 with the field.
    let (code, e) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({})));
    assert_eq!((code, e["field"].as_str()), (400, Some("name")), "{e}");
    let (code, e) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({"name": "  "})));
    assert_eq!((code, e["field"].as_str()), (400, Some("name")), "{e}");
    let (code, e) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({"name": "a", "colour": 1})));
    assert_eq!((code, e["field"].as_str()), (400, Some("colour")), "{e}");

    let app = server.cli_ok(&write, &["application", "create", r#"{"name": "Filtering"}"#]).trim().to_string();
    let (code, e) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({"name": "Filtering"})));
    assert_eq!(code, 409, "{e}");
    let listed: Value = serde_json::from_str(&server.cli_ok(&write, &["application", "list", "--json"])).unwrap();
    assert_eq!(listed["applications"][0]["id"], app.as_str());

    // Validation reuses the planner: errors point at a line and column of their piece.
    let version = json!({
        "sources": [{"create_table": "CREATE TABLE events (id BIGINT, v INT)\nWITH ('connector' = 'datagen')"}],
        "sinks": [{"create_table": "CREATE TABLE kept (id BIGINT, v INT) WITH ('connector' = 'blackhole')"}],
        "statement": "INSERT INTO kept\nSELECT id, vv FROM events"
    });
    let (code, v) = server.api("POST", &format!("/api/v1/applications/{app}/versions/validate"), Some(&write), Some(version.clone()));
    assert_eq!((code, v["valid"].as_bool()), (200, Some(false)), "{v}");
    let error = &v["errors"][0];
    assert_eq!((error["field"].as_str(), error["line"].as_u64(), error["column"].as_u64()), (Some("statement"), Some(2), Some(12)), "{v}");
    assert!(error["message"].as_str().unwrap().contains("vv"), "{v}");
    // Creating it is refused the same way, and the CLI prints where.
    let file = dir.join("bad.json");
    std::fs::write(&file, version.to_string()).unwrap();
    let (ok, _, err) = server.cli(&write, &["application", "version", "create", "--application-id", &app, &format!("@{}", file.display())]);
    assert!(!ok && err.contains("statement:2:12"), "{err}");
    let mut good = version.clone();
    good["statement"] = json!("INSERT INTO kept\nSELECT id, v FROM events");
    let (code, v) = server.api("POST", &format!("/api/v1/applications/{app}/versions/validate"), Some(&write), Some(good.clone()));
    assert_eq!((code, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let mut parse_error = good.clone();
    parse_error["sinks"][0]["create_table"] = json!("CREATE TABLE kept (id BIGINT,, v INT) WITH ('connector' = 'blackhole')");
    let (_, v) = server.api("POST", &format!("/api/v1/applications/{app}/versions/validate"), Some(&write), Some(parse_error));
    assert_eq!((v["errors"][0]["field"].as_str(), v["errors"][0]["line"].as_u64()), (Some("sinks[0].create_table"), Some(1)), "{v}");
    let (code, e) = server.api("POST", &format!("/api/v1/applications/{app}/versions"), Some(&write), Some(json!({"sources": [], "sinks": [], "statement": "x"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("sources")), "{e}");

    // Versions are numbered.
    let one: Value = serde_json::from_str(&server.cli_ok(&write, &["application", "version", "create", "--application-id", &app, &good.to_string(), "--json"])).unwrap();
    let two: Value = serde_json::from_str(&server.cli_ok(&write, &["application", "version", "create", "--application-id", &app, &good.to_string(), "--json"])).unwrap();
    assert_eq!((one["version"].as_u64(), two["version"].as_u64()), (Some(1), Some(2)));

    // Deployments: the field at fault.
    let path = format!("/api/v1/applications/{app}/deployments");
    let (code, e) = server.api("POST", &path, Some(&write), Some(json!({"version_id": "nope"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("version_id")), "{e}");
    let (code, e) = server.api("POST", &path, Some(&write), Some(json!({"version_id": one["id"], "parallelism": 0})));
    assert_eq!((code, e["field"].as_str()), (400, Some("parallelism")), "{e}");
    let (code, e) = server.api("POST", &path, Some(&write), Some(json!({"version_id": one["id"], "parallelism": "two"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("parallelism")), "{e}");
    let (code, e) = server.api("POST", &path, Some(&write), Some(json!({"version_id": one["id"], "starting_savepoint": "/nowhere"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("starting_savepoint")), "{e}");
    let (code, e) = server.api("GET", "/api/v1/applications/nope", Some(&read), None);
    assert_eq!(code, 404, "{e}");

    // A worker that fails without restart_enabled: FAILED, with the worker's error.
    let data = dir.join("in.json");
    std::fs::write(&data, "{\"id\": 1, \"v\": 2}\n").unwrap();
    let mut from_file = good.clone();
    from_file["sources"][0]["create_table"] =
        json!(format!("CREATE TABLE events (id BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json')", data.display()));
    let (code, v) = server.api("POST", &format!("/api/v1/applications/{app}/versions"), Some(&write), Some(from_file));
    assert_eq!(code, 201, "{v}");
    std::fs::remove_file(&data).unwrap();
    let (code, d) = server.api("POST", &path, Some(&write), Some(json!({"version_id": v["id"], "restart_enabled": false})));
    assert_eq!(code, 201, "{d}");
    let (failed, _) = server.wait_deployment(&write, &app, d["id"].as_str().unwrap(), "FAILED", |d| d["status"] == "FAILED");
    assert!(failed["error_msg"].as_str().unwrap().contains("in.json"), "{failed}");
    assert_eq!(failed["restarts"].as_u64(), Some(0), "{failed}");

    let (ok, _, err) = server.cli("", &["application", "list"]);
    assert!(!ok && err.contains("token"), "{err}");
    server.cli_ok(&write, &["application", "delete", &app]);
    assert_eq!(server.api("GET", &format!("/api/v1/applications/{app}"), Some(&read), None).0, 404);
}

#[test]
fn a_stopped_deployment_leaves_a_savepoint_that_a_new_deployment_resumes_from() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept-stop", 1);
    input(&broker, 0..2000);
    let dir = scratch("savepoint");
    let write = token(&dir, "write");
    let server = Server::start(&dir);

    // The seed's workflow, through the CLI.
    let app = server.cli_ok(&write, &["application", "create", r#"{"name": "BasicFiltering"}"#]).trim().to_string();
    let file = dir.join("01-basic-filtering.json");
    std::fs::write(&file, version_json(&broker, "kept-stop").to_string()).unwrap();
    let at_file = format!("@{}", file.display());
    assert_eq!(server.cli_ok(&write, &["application", "version", "validate", "--application-id", &app, &at_file]).trim(), "valid");
    server.cli_ok(&write, &["application", "version", "create", "--application-id", &app, &at_file]);
    let got: Value = serde_json::from_str(&server.cli_ok(&write, &["application", "get", &app, "--json"])).unwrap();
    let version = got["application_versions"][0]["id"].as_str().unwrap().to_string();
    let body = json!({"parallelism": 1, "restart_enabled": true, "version_id": version}).to_string();
    let first = server.cli_ok(&write, &["deployment", "create", "--application-id", &app, &body]).trim().to_string();
    let running = server.cli_ok(&write, &["deployment", "get", "--application-id", &app, "--deployment-id", &first, "--wait", "RUNNING", "--json"]);
    assert_eq!(serde_json::from_str::<Value>(&running).unwrap()["status"], "RUNNING");
    wait_output(&broker, "kept-stop", &expected(0..2000), &server);

    let stopped = server.cli_ok(&write, &["deployment", "stop", "--application-id", &app, "--deployment-id", &first, "--wait", "FINISHED", "--json"]);
    let stopped: Value = serde_json::from_str(&stopped).unwrap();
    let savepoint = stopped["last_savepoint"].as_str().unwrap_or_else(|| panic!("no savepoint: {stopped}")).to_string();
    assert!(Path::new(&savepoint).join("_metadata").is_file(), "{savepoint}");
    let (ok, _, err) = server.cli(&write, &["deployment", "stop", "--application-id", &app, "--deployment-id", &first]);
    assert!(!ok && err.contains("FINISHED"), "{err}");

    // New rows while nothing runs; a new deployment from the savepoint writes them once.
    input(&broker, 2000..3000);
    let body = json!({"version_id": version, "starting_savepoint": savepoint}).to_string();
    let second = server.cli_ok(&write, &["deployment", "create", "--application-id", &app, &body]).trim().to_string();
    server.cli_ok(&write, &["deployment", "get", "--application-id", &app, "--deployment-id", &second, "--wait", "RUNNING"]);
    wait_output(&broker, "kept-stop", &expected(0..3000), &server);
    let listed: Value = serde_json::from_str(&server.cli_ok(&write, &["deployment", "list", "--application-id", &app, "--json"])).unwrap();
    assert_eq!(listed["deployments"].as_array().unwrap().len(), 2);

    // Cancel: no savepoint, CANCELED.
    let canceled = server.cli_ok(&write, &["deployment", "cancel", "--application-id", &app, "--deployment-id", &second, "--wait", "CANCELED", "--json"]);
    let canceled: Value = serde_json::from_str(&canceled).unwrap();
    assert!(canceled["last_savepoint"].is_null(), "{canceled}");
    assert_eq!(committed_ids(&broker, "kept-stop"), expected(0..3000));
}

#[test]
fn a_killed_worker_restarts_from_its_checkpoint_and_a_restarted_server_resumes_its_deployments() {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept-kill", 1);
    input(&broker, 0..2000);
    let dir = scratch("kill");
    let write = token(&dir, "write");
    let mut server = Server::start(&dir);

    let (_, app) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({"name": "Filtering"})));
    let app = app["id"].as_str().unwrap().to_string();
    let (code, version) = server.api("POST", &format!("/api/v1/applications/{app}/versions"), Some(&write), Some(version_json(&broker, "kept-kill")));
    assert_eq!(code, 201, "{version}");
    let (code, d) = server.api(
        "POST",
        &format!("/api/v1/applications/{app}/deployments"),
        Some(&write),
        Some(json!({"version_id": version["id"], "parallelism": 1, "restart_enabled": true})),
    );
    assert_eq!((code, d["status"].as_str()), (201, Some("CREATED")), "{d}");
    let id = d["id"].as_str().unwrap().to_string();
    let (d, _) = server.wait_deployment(&write, &app, &id, "RUNNING", |d| d["status"] == "RUNNING");
    wait_output(&broker, "kept-kill", &expected(0..2000), &server);

    // SIGKILL the worker: RESTARTING, then RUNNING again in a new worker.
    let pid = d["worker_pid"].as_u64().expect("a worker pid") as libc::pid_t;
    // SAFETY: the worker is a process of this test's server.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let (after, seen) = server.wait_deployment(&write, &app, &id, "restarted", |d| {
        d["status"] == "RUNNING" && d["restarts"].as_u64() == Some(1) && d["worker_pid"].as_u64().is_some_and(|p| p as libc::pid_t != pid)
    });
    assert!(seen.iter().any(|s| s == "RESTARTING"), "{seen:?}");
    assert!(after["error_msg"].is_string(), "{after}");
    input(&broker, 2000..3000);
    wait_output(&broker, "kept-kill", &expected(0..3000), &server);

    // The server stops (its workers stop with it) and starts again: the deployment runs.
    let old_worker = after["worker_pid"].as_u64().unwrap();
    server.stop();
    input(&broker, 3000..4000);
    let log = std::mem::take(&mut *server.log.lock().unwrap());
    let restarted = Server::start(&dir);
    std::mem::forget(std::mem::replace(&mut server, restarted));
    let (resumed, _) = server.wait_deployment(&write, &app, &id, "resumed", |d| {
        d["status"] == "RUNNING" && d["worker_pid"].as_u64().is_some_and(|p| p != old_worker)
    });
    assert_eq!(resumed["restarts"].as_u64(), Some(1), "{resumed}\n{log:?}");
    wait_output(&broker, "kept-kill", &expected(0..4000), &server);
    let (_, d) = server.api("POST", &format!("/api/v1/applications/{app}/deployments/{id}/stop"), Some(&write), None);
    assert_eq!(d["status"], "SAVING_AND_STOP", "{d}");
    server.wait_deployment(&write, &app, &id, "FINISHED", |d| d["status"] == "FINISHED");
}
