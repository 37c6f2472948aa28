//! The job service end to end: `sluice server` on a free port with a temporary SQLite
//! store, driven through the `sluice integration|table|job|application|deployment`
//! commands, the REST API, and Aiven's own client `avn` (from PyPI, installed by
//! scripts/services.sh) running the seeds' commands unchanged, with pipelines over a real
//! Kafka broker in supervised worker processes. Waits have generous guards against hangs;
//! nothing asserts a duration.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::kafka::{committed_ids, produce};
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
        Server::start_with_store(dir, &store_url(dir))
    }

    /// A server whose metadata lives at `store` (a `sqlite://` or `postgres://` URL).
    fn start_with_store(dir: &Path, store: &str) -> Server {
        let args: Vec<std::ffi::OsString> = ["--listen", "127.0.0.1:0", "--checkpoint-interval", "100 ms", "--restart-backoff-ms", "500", "--store", store]
            .iter()
            .map(Into::into)
            .chain(["--state-dir".into(), dir.join("state").into()])
            .collect();
        let started = common::server::start(&args);
        Server { child: started.child, url: started.url, log: started.log, dir: dir.to_path_buf() }
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

    /// Aiven's client `avn` (`which`: "latest" or "2.15") against this server, as the
    /// seeds run it: the token from AIVEN_AUTH_TOKEN, the project from AIVEN_PROJECT.
    fn avn(&self, which: &str, token: &str, args: &[&str]) -> String {
        let out = Command::new(avn_bin(which))
            .arg("--url")
            .arg(&self.url)
            .args(args)
            .env("AIVEN_AUTH_TOKEN", token)
            .env("AIVEN_PROJECT", "my_aiven_project")
            .env("AIVEN_CONFIG_DIR", self.dir.join("aiven"))
            .output()
            .expect("run avn");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        assert!(out.status.success(), "avn {args:?} failed:\n{stdout}{stderr}\nserver log:\n{}", self.log());
        stdout
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

    /// A deployment's worker log, for failure messages.
    fn worker_log(&self, id: &str) -> String {
        std::fs::read_to_string(self.dir.join("state/deployments").join(id).join("worker.log")).unwrap_or_default()
    }

    /// `/metrics` as Prometheus reads it.
    fn metrics(&self, token: &str) -> String {
        let response = ureq::get(&format!("{}/metrics", self.url)).set("Authorization", &format!("Bearer {token}")).call().expect("GET /metrics");
        assert!(response.content_type().starts_with("text/plain"), "{}", response.content_type());
        response.into_string().unwrap()
    }

    /// Polls `/metrics` until a sample whose line contains every one of `labels` has a
    /// value of at least `least`; returns the whole text then.
    fn wait_metric(&self, token: &str, name: &str, labels: &[&str], least: f64) -> String {
        let deadline = Instant::now() + GUARD;
        loop {
            let text = self.metrics(token);
            let value = text
                .lines()
                .filter(|l| l.starts_with(&format!("{name}{{")) && labels.iter().all(|x| l.contains(x)))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .fold(f64::MIN, f64::max);
            if value >= least {
                return text;
            }
            assert!(Instant::now() < deadline, "{name} {labels:?} never reached {least}:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
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

/// The `avn` of a venv made by scripts/services.sh (`SLUICE_AVN`, `SLUICE_AVN_2_15`, or
/// ~/.cache/sluice-tools/avn-<which>).
fn avn_bin(which: &str) -> PathBuf {
    let env = if which == "latest" { "SLUICE_AVN" } else { "SLUICE_AVN_2_15" };
    let path = std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(format!(".cache/sluice-tools/avn-{which}/bin/avn"))
    });
    assert!(path.is_file(), "Aiven's client (aiven-client {which}) is not at {}: run scripts/services.sh, or set {env}", path.display());
    path
}

fn store_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("sluice.db").display())
}

fn token(dir: &Path, scope: &str) -> String {
    token_in(&store_url(dir), scope)
}

/// A new token of `scope` in the store at `store`.
fn token_in(store: &str, scope: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["token", "create", "--scope", scope, "--store", store])
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

    // The worker reports its counters; /metrics shows them per deployment and operator.
    let deployment = format!("deployment=\"{first}\"");
    server.wait_metric(&write, "sluice_operator_rows_in_total", &[&deployment, "operator=\"Sink: kept"], 1400.0);
    server.wait_metric(&write, "sluice_source_records_total", &[&deployment], 2000.0);
    server.wait_metric(&write, "sluice_checkpoints_completed_total", &[&deployment], 1.0);
    // The source's state (its partitions' offsets) as the last checkpoint saved it.
    server.wait_metric(&write, "sluice_operator_state_bytes", &[&deployment, "operator=\"Source: "], 1.0);
    let text = server.wait_metric(&write, "sluice_kafka_consumer_lag_records", &[&deployment, "topic=\"events\"", "partition=\"2\""], 0.0);
    assert!(text.contains(&format!("sluice_deployment_status{{{deployment},application=\"{app}\",status=\"RUNNING\"}} 1")), "{text}");
    assert!(text.contains("# TYPE sluice_operator_rows_out_total counter"), "{text}");
    let sample = regex::Regex::new(r#"^[a-z_]+\{([a-z_]+="([^"\\]|\\.)*",?)*\} -?[0-9.e+-]+$"#).unwrap();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(sample.is_match(line), "not a Prometheus sample: {line}");
    }

    let stopped = server.cli_ok(&write, &["deployment", "stop", "--application-id", &app, "--deployment-id", &first, "--wait", "FINISHED", "--json"]);
    let stopped: Value = serde_json::from_str(&stopped).unwrap();
    let savepoint = stopped["last_savepoint"].as_str().unwrap_or_else(|| panic!("no savepoint: {stopped}")).to_string();
    assert!(Path::new(&savepoint).join("_metadata").is_file(), "{savepoint}");
    let (ok, _, err) = server.cli(&write, &["deployment", "stop", "--application-id", &app, "--deployment-id", &first]);
    assert!(!ok && err.contains("FINISHED"), "{err}");
    let (code, history) = server.api("GET", &format!("/api/v1/applications/{app}/deployments/{first}/checkpoints"), Some(&write), None);
    assert_eq!(code, 200, "{history}");
    assert_eq!(history["savepoints"][0]["path"].as_str(), Some(savepoint.as_str()), "{history}");
    assert!(history["checkpoints"][0]["id"].as_u64().is_some_and(|id| id >= 1), "{history}");
    // A stopped deployment has no operator counters any more, only its status.
    let text = server.metrics(&write);
    assert!(!text.contains(&format!("sluice_operator_rows_in_total{{deployment=\"{first}\"")), "{text}");
    assert!(text.contains(&format!("sluice_deployment_status{{deployment=\"{first}\",application=\"{app}\",status=\"FINISHED\"}} 1")), "{text}");

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
    let dir = scratch("kill");
    killed_worker_and_restarted_server(&dir, &store_url(&dir));
}

#[test]
fn with_its_store_in_postgresql_a_restarted_server_resumes_its_deployments_and_never_prints_the_password() {
    let pg = sluice_testkit::Postgres::start();
    pg.execute("CREATE ROLE sluice_meta LOGIN PASSWORD 'meta-Secret-9'");
    pg.execute("CREATE DATABASE sluice_meta OWNER sluice_meta");
    let store = format!("postgres://sluice_meta:meta-Secret-9@127.0.0.1:{}/sluice_meta", pg.port());
    let dir = scratch("kill-pg");
    let log = killed_worker_and_restarted_server(&dir, &store);
    assert!(log.contains("store postgres://sluice_meta:***@127.0.0.1:"), "{log}");
    assert!(!log.contains("meta-Secret-9"), "the store's password was printed:\n{log}");
    // The metadata is in PostgreSQL, migrated to the current schema.
    pg.execute_in(
        "sluice_meta",
        "DO $$ BEGIN IF (SELECT count(*) FROM pg_tables WHERE tableowner = 'sluice_meta') < 8 \
           OR (SELECT max(version) FROM schema_migrations) < 2 THEN RAISE EXCEPTION 'the store is not in PostgreSQL'; END IF; END $$",
    );
    // A store that cannot be reached is an error that names it without its password.
    let bad = format!("postgres://sluice_meta:wrong-Secret-1@127.0.0.1:{}/sluice_meta", sluice_testkit::free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_sluice")).args(["token", "create", "--scope", "read", "--store", &bad]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("sluice_meta:***@") && !err.contains("wrong-Secret-1"), "{err}");
}

/// Kills a deployment's worker, then stops and restarts the server with its metadata at
/// `store`; returns the first server's log.
fn killed_worker_and_restarted_server(dir: &Path, store: &str) -> String {
    let broker = KafkaBroker::start();
    broker.create_topic("events", 3);
    broker.create_topic("kept-kill", 1);
    input(&broker, 0..2000);
    let write = token_in(store, "write");
    let mut server = Server::start_with_store(dir, store);

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
    let restarted = Server::start_with_store(dir, store);
    std::mem::forget(std::mem::replace(&mut server, restarted));
    let (resumed, _) = server.wait_deployment(&write, &app, &id, "resumed", |d| {
        d["status"] == "RUNNING" && d["worker_pid"].as_u64().is_some_and(|p| p != old_worker)
    });
    assert_eq!(resumed["restarts"].as_u64(), Some(1), "{resumed}\n{log:?}");
    wait_output(&broker, "kept-kill", &expected(0..4000), &server);
    let (_, d) = server.api("POST", &format!("/api/v1/applications/{app}/deployments/{id}/stop"), Some(&write), None);
    assert_eq!(d["status"], "SAVING_AND_STOP", "{d}");
    server.wait_deployment(&write, &app, &id, "FINISHED", |d| d["status"] == "FINISHED");
    log.join("\n")
}

#[test]
fn integrations_are_write_only_and_fill_in_the_connection_of_the_tables_that_name_them() {
    let dir = scratch("integrations");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    const SECRET: &str = "hunter2-sasl-secret";

    // The password comes from the environment, as the CLI's help advises.
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["integration", "create", "kafka", "--name", "demo-kafka", "--bootstrap-servers", "127.0.0.1:9"])
        .args(["--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-256", "--username", "avnadmin", "--json"])
        .env("SLUICE_URL", &server.url)
        .env("SLUICE_TOKEN", &write)
        .env("SLUICE_INTEGRATION_PASSWORD", SECRET)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kafka = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["password_set"], true, "{created}");
    let (code, got) = server.api("GET", &format!("/api/v1/integrations/{kafka}"), Some(&write), None);
    assert_eq!((code, got["bootstrap_servers"].as_str()), (200, Some("127.0.0.1:9")), "{got}");
    let listed = server.cli_ok(&write, &["integration", "list", "--json"]);
    assert!(listed.contains("demo-kafka"), "{listed}");
    for shown in [created.to_string(), got.to_string(), listed] {
        assert!(!shown.contains(SECRET), "a secret was shown: {shown}");
    }

    // Bad integrations: the field at fault.
    let path = "/api/v1/integrations";
    let (code, e) = server.api("POST", path, Some(&write), Some(json!({"integration_type": "kafka", "name": "k"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("bootstrap_servers")), "{e}");
    let (code, e) = server.api("POST", path, Some(&write), Some(json!({"integration_type": "mysql", "name": "k"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("integration_type")), "{e}");
    let (code, e) = server.api("POST", path, Some(&write), Some(json!({"integration_type": "postgresql", "name": "pg", "url": "postgres://x"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("url")), "{e}");
    let (code, e) = server.api("POST", path, Some(&write), Some(json!({"integration_type": "kafka", "name": "demo-kafka", "bootstrap_servers": "x:1"})));
    assert_eq!(code, 409, "{e}");
    let (code, pg) = server.api(
        "POST",
        path,
        Some(&write),
        Some(json!({"integration_type": "postgresql", "name": "demo-pg", "url": "jdbc:postgresql://127.0.0.1:9/db", "username": "u", "password": SECRET})),
    );
    assert_eq!(code, 201, "{pg}");
    assert!(!pg.to_string().contains(SECRET), "{pg}");

    // A version's tables name the integration and leave the connection empty (seed 004).
    let app = server.cli_ok(&write, &["application", "create", r#"{"name": "Integrated"}"#]).trim().to_string();
    let version = json!({
        "sources": [{"integration_id": kafka, "create_table":
            "CREATE TABLE events (id BIGINT, v INT) WITH (\n  'connector' = 'kafka',\n  'properties.bootstrap.servers' = '',\n  'topic' = 'events',\n  'value.format' = 'json')"}],
        "sinks": [{"integration_id": kafka, "create_table":
            "CREATE TABLE kept (id BIGINT, v INT) WITH ('connector' = 'kafka', 'topic' = 'kept', 'value.format' = 'json')"}],
        "statement": "INSERT INTO kept SELECT id, v FROM events WHERE v < 7"
    });
    let validate = format!("/api/v1/applications/{app}/versions/validate");
    let (code, v) = server.api("POST", &validate, Some(&write), Some(version.clone()));
    assert_eq!((code, v["valid"].as_bool()), (200, Some(true)), "{v}");
    let mut unknown = version.clone();
    unknown["sinks"][0]["integration_id"] = json!("nope");
    let (_, v) = server.api("POST", &validate, Some(&write), Some(unknown));
    assert_eq!(v["errors"][0]["field"], "sinks[0].integration_id", "{v}");
    let mut mismatch = version.clone();
    mismatch["sinks"][0]["integration_id"] = pg["id"].clone();
    let (_, v) = server.api("POST", &validate, Some(&write), Some(mismatch));
    assert_eq!(v["errors"][0]["field"], "sinks[0].create_table", "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("demo-pg"), "{v}");
    // An option the integration supplies but that is wrong shows as asterisks, never itself.
    let mut bad = version.clone();
    bad["statement"] = json!("INSERT INTO kept SELECT id, v FROM events WHERE nope < 7");
    let (_, v) = server.api("POST", &validate, Some(&write), Some(bad));
    assert_eq!(v["valid"], false, "{v}");
    let (code, created) = server.api("POST", &format!("/api/v1/applications/{app}/versions"), Some(&write), Some(version));
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["sources"][0]["integration_id"], kafka.as_str(), "{created}");

    // Tables of the older workflow: the field at fault, SQL errors with a position.
    let tables = "/api/v1/tables";
    let table = |extra: Value| {
        let mut body = json!({"integration_id": kafka, "name": "iot_in", "schema_sql": "hostname VARCHAR, usage DOUBLE",
            "kafka_topic": "iot-data-input", "kafka_value_format": "json"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let (code, e) = server.api("POST", tables, Some(&write), Some(table(json!({"integration_id": "nope"}))));
    assert_eq!((code, e["field"].as_str()), (400, Some("integration_id")), "{e}");
    let (code, e) = server.api("POST", tables, Some(&write), Some(table(json!({"kafka_topic": null}))));
    assert_eq!((code, e["field"].as_str()), (400, Some("kafka_topic")), "{e}");
    let (code, e) = server.api("POST", tables, Some(&write), Some(table(json!({"integration_id": pg["id"]}))));
    assert_eq!((code, e["field"].as_str()), (400, Some("kafka_topic")), "{e}");
    let (code, e) = server.api("POST", tables, Some(&write), Some(table(json!({"schema_sql": "hostname VARCHAR,, usage DOUBLE"}))));
    assert_eq!((code, e["field"].as_str()), (400, Some("schema_sql")), "{e}");
    assert!(e["errors"][0]["line"].is_u64(), "{e}");
    let id = server.cli_ok(&write, &[
        "table", "create", &kafka, "--table-name", "iot_in", "--kafka-topic", "iot-data-input", "--kafka-value-format", "json",
        "--schema-sql", "hostname VARCHAR, usage DOUBLE",
    ]);
    let id = id.trim();
    let got: Value = serde_json::from_str(&server.cli_ok(&write, &["table", "get", id, "--json"])).unwrap();
    assert_eq!((got["table_name"].as_str(), got["columns"][1]["data_type"].as_str()), (Some("iot_in"), Some("DOUBLE")), "{got}");
    assert!(!got.to_string().contains(SECRET) && !got.to_string().contains("127.0.0.1:9"), "the table holds no connection: {got}");
    let (code, e) = server.api("POST", tables, Some(&write), Some(table(json!({}))));
    assert_eq!(code, 409, "{e}");
    let (code, e) = server.api("POST", "/api/v1/jobs", Some(&write), Some(json!({"job_name": "j", "statement": "x", "table_ids": ["nope"]})));
    assert_eq!((code, e["field"].as_str()), (400, Some("table_ids")), "{e}");
    let (code, e) = server.api("DELETE", &format!("/api/v1/integrations/{kafka}"), Some(&write), None);
    assert_eq!(code, 409, "{e}");
    server.cli_ok(&write, &["table", "delete", id]);
    assert_eq!(server.api("GET", &format!("{tables}/{id}"), Some(&write), None).0, 404);
    assert!(!server.log().contains(SECRET), "{}", server.log());
}

#[test]
fn integrations_tables_and_applications_are_edited_in_place() {
    let dir = scratch("edits");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    const SECRET: &str = "edited-sasl-secret";
    let integrations = "/api/v1/integrations";
    let kafka_body = json!({"integration_type": "kafka", "name": "k1", "bootstrap_servers": "127.0.0.1:9",
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "username": "u", "password": SECRET});
    let (code, k1) = server.api("POST", integrations, Some(&write), Some(kafka_body.clone()));
    assert_eq!(code, 201, "{k1}");
    let (code, k2) = server.api("POST", integrations, Some(&write), Some(json!({"integration_type": "kafka", "name": "k2", "bootstrap_servers": "x:1"})));
    assert_eq!(code, 201, "{k2}");
    let k1_path = format!("{integrations}/{}", k1["id"].as_str().unwrap());

    // A password left out stays: the SASL settings still have one.
    let mut moved = kafka_body.clone();
    moved["bootstrap_servers"] = json!("127.0.0.1:19092");
    moved.as_object_mut().unwrap().remove("password");
    let (code, got) = server.api("PUT", &k1_path, Some(&write), Some(moved.clone()));
    assert_eq!((code, got["bootstrap_servers"].as_str(), got["password_set"].as_bool()), (200, Some("127.0.0.1:19092"), Some(true)), "{got}");
    assert_eq!((got["id"].clone(), got["created_at"].clone()), (k1["id"].clone(), k1["created_at"].clone()), "{got}");
    let (_, read) = server.api("GET", &k1_path, Some(&write), None);
    assert_eq!(read["bootstrap_servers"], "127.0.0.1:19092", "{read}");
    // An empty password removes it, which SASL refuses; without SASL it is gone.
    moved["password"] = json!("");
    let (code, e) = server.api("PUT", &k1_path, Some(&write), Some(moved.clone()));
    assert_eq!((code, e["field"].as_str()), (400, Some("username")), "{e}");
    let plain = json!({"integration_type": "kafka", "name": "k1", "bootstrap_servers": "127.0.0.1:19092", "password": ""});
    let (code, got) = server.api("PUT", &k1_path, Some(&write), Some(plain.clone()));
    assert_eq!((code, got["password_set"].as_bool()), (200, Some(false)), "{got}");
    // The kind stays, names stay unique, and an unknown id is not found.
    let (code, e) = server.api("PUT", &k1_path, Some(&write), Some(json!({"integration_type": "opensearch", "name": "k1", "url": "http://x:1"})));
    assert_eq!((code, e["field"].as_str()), (400, Some("integration_type")), "{e}");
    let mut taken = plain.clone();
    taken["name"] = json!("k2");
    assert_eq!(server.api("PUT", &k1_path, Some(&write), Some(taken)).0, 409);
    assert_eq!(server.api("PUT", &format!("{integrations}/nope"), Some(&write), Some(plain)).0, 404);

    // A table: new columns and topic, the same id; errors as on create.
    let tables = "/api/v1/tables";
    let body = json!({"integration_id": k1["id"], "name": "iot_in", "schema_sql": "hostname VARCHAR, usage DOUBLE",
        "kafka_topic": "iot-data-input", "kafka_value_format": "json"});
    let (code, t) = server.api("POST", tables, Some(&write), Some(body.clone()));
    assert_eq!(code, 201, "{t}");
    assert_eq!(t["definition"]["kafka_topic"], "iot-data-input", "{t}");
    let (_, other) = server.api("POST", tables, Some(&write), Some(json!({"integration_id": k2["id"], "name": "other",
        "schema_sql": "id INT", "kafka_topic": "o", "kafka_value_format": "json"})));
    let t_path = format!("{tables}/{}", t["table_id"].as_str().unwrap());
    let mut edited = body.clone();
    edited["schema_sql"] = json!("hostname VARCHAR, cpu VARCHAR, usage DOUBLE");
    edited["kafka_topic"] = json!("iot-data-v2");
    let (code, got) = server.api("PUT", &t_path, Some(&write), Some(edited.clone()));
    assert_eq!(code, 200, "{got}");
    assert_eq!((got["table_id"].clone(), got["columns"][1]["name"].as_str()), (t["table_id"].clone(), Some("cpu")), "{got}");
    let (_, read) = server.api("GET", &t_path, Some(&write), None);
    assert!(read["create_table"].as_str().unwrap().contains("'iot-data-v2'"), "{read}");
    for field in ["name", "integration_id", "schema_sql", "kafka_topic", "kafka_value_format"] {
        assert_eq!(read["definition"][field], edited[field], "{read}");
    }
    let mut bad = edited.clone();
    bad["schema_sql"] = json!("hostname VARCHAR,, usage DOUBLE");
    let (code, e) = server.api("PUT", &t_path, Some(&write), Some(bad));
    assert_eq!((code, e["field"].as_str()), (400, Some("schema_sql")), "{e}");
    assert!(e["errors"][0]["line"].is_u64(), "{e}");
    let (_, unchanged) = server.api("GET", &t_path, Some(&write), None);
    assert_eq!(unchanged, read, "a refused edit changes nothing");
    let mut taken = edited.clone();
    taken["name"] = other["table_name"].clone();
    assert_eq!(server.api("PUT", &t_path, Some(&write), Some(taken)).0, 409);
    assert_eq!(server.api("PUT", &format!("{tables}/nope"), Some(&write), Some(edited)).0, 404);

    // An application is renamed, here and at Aiven's route.
    let a = server.cli_ok(&write, &["application", "create", r#"{"name": "First"}"#]).trim().to_string();
    server.cli_ok(&write, &["application", "create", r#"{"name": "Second"}"#]);
    let a_path = format!("/api/v1/applications/{a}");
    let (code, got) = server.api("PUT", &a_path, Some(&write), Some(json!({"name": "Renamed"})));
    assert_eq!((code, got["name"].as_str(), got["id"].as_str()), (200, Some("Renamed"), Some(a.as_str())), "{got}");
    assert_eq!(server.api("PUT", &a_path, Some(&write), Some(json!({"name": "Second"}))).0, 409);
    assert_eq!(server.api("PUT", &a_path, Some(&write), Some(json!({"name": " "}))).0, 400);
    assert_eq!(server.api("PUT", "/api/v1/applications/nope", Some(&write), Some(json!({"name": "X"}))).0, 404);
    // Aiven's client, as a seed 004 user renames an application.
    let args = ["service", "flink", "update-application", "demo-flink", "--application-id", &a, r#"{"name": "ViaAvn"}"#];
    server.avn("latest", &write, &args);
    let (_, got) = server.api("GET", &a_path, Some(&write), None);
    assert_eq!(got["name"], "ViaAvn", "{got}");
    assert!(!server.log().contains(SECRET), "{}", server.log());
}

/// IoT metrics as seed 001's producer writes them: 80 rows 9 s apart from
/// 2022-01-21 10:20:00 UTC, so the windows of 10:20 and 10:25 close.
fn iot_rows() -> Vec<Value> {
    let base: i64 = 1_642_760_400_000;
    (0..80i64)
        .map(|i| {
            let (hostname, cpu) = (["dopey", "happy"][(i % 2) as usize], ["cpu1", "cpu2"][(i / 2 % 2) as usize]);
            json!({"hostname": hostname, "cpu": cpu, "usage": (i * 37 % 100) as f64 + 0.5, "occurred_at": base + i * 9000})
        })
        .collect()
}

/// Waits until `topic` has `count` records, and returns their values.
fn wait_records(broker: &KafkaBroker, topic: &str, count: usize, server: &Server) -> Vec<Value> {
    let deadline = Instant::now() + GUARD;
    loop {
        let values: Vec<Value> =
            common::kafka::read_topic(broker, topic, 1).into_iter().filter_map(|(_, _, v)| v).map(|v| serde_json::from_str(&v).unwrap()).collect();
        if values.len() >= count {
            return values;
        }
        assert!(Instant::now() < deadline, "{} of {count} records in {topic}: {values:?}\n{}", values.len(), server.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn seed_001_tables_and_jobs_run_unchanged_through_avn_2_15() {
    let broker = KafkaBroker::start();
    for topic in ["iot-data-input", "iot-filtered-alert", "iot-avg-output"] {
        broker.create_topic(topic, 1);
    }
    let dir = scratch("seed001");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    server.cli_ok(&write, &["integration", "create", "kafka", "--name", "demo-kafka", "--bootstrap-servers", &broker.bootstrap()]);
    let avn = |args: &[&str]| server.avn("2.15", &write, args);
    let json_of = |text: String| -> Value { serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")) };

    // KAFKA_FLINK_SI=$(avn service integration-list demo-flink --json | jq -r '.[] | select(.source == "demo-kafka") | .service_integration_id')
    let integrations = json_of(avn(&["service", "integration-list", "demo-flink", "--json"]));
    let si = integrations.as_array().unwrap().iter().find(|i| i["source"] == "demo-kafka").unwrap()["service_integration_id"]
        .as_str()
        .unwrap()
        .to_string();

    // The seed's three tables and two jobs, flag for flag.
    avn(&["service", "flink", "table", "create", "demo-flink", &si, "--table-name", "iot_in", "--kafka-topic", "iot-data-input",
        "--kafka-connector-type", "kafka", "--kafka-value-format", "json", "--kafka-startup-mode", "earliest-offset", "--schema-sql",
        " hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT, time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3), WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' seconds"]);
    avn(&["service", "flink", "table", "create", "demo-flink", &si, "--table-name", "iot_filtered_alert", "--kafka-topic", "iot-filtered-alert",
        "--kafka-connector-type", "kafka", "--kafka-value-format", "json", "--schema-sql",
        " hostname VARCHAR, time_ltz TIMESTAMP(3), cpu VARCHAR, usage DOUBLE "]);
    avn(&["service", "flink", "table", "create", "demo-flink", &si, "--table-name", "iot_avg_out", "--kafka-topic", "iot-avg-output",
        "--kafka-connector-type", "kafka", "--kafka-value-format", "json", "--schema-sql",
        " window_start TIMESTAMP(3), window_end TIMESTAMP(3), hostname VARCHAR, cpu VARCHAR, avg_usage DOUBLE, max_usage DOUBLE "]);
    let tables = json_of(avn(&["service", "flink", "table", "list", "demo-flink", "--json"]));
    let table_id = |name: &str| {
        tables.as_array().unwrap().iter().find(|t| t["table_name"] == name).unwrap_or_else(|| panic!("no {name}: {tables}"))["table_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (table_in, table_filter_out, table_agg_out) = (table_id("iot_in"), table_id("iot_filtered_alert"), table_id("iot_avg_out"));
    let filter = json_of(avn(&["service", "flink", "job", "create", "demo-flink", "my_first_filter", "--table-ids", &table_in, &table_filter_out,
        "--statement", " insert into iot_filtered_alert select hostname, time_ltz, cpu, usage from iot_in where usage > 90 ", "--json"]));
    avn(&["service", "flink", "job", "create", "demo-flink", "my_first_agg", "--table-ids", &table_in, &table_agg_out, "--statement",
        " insert into iot_avg_out select window_start, window_end, hostname, cpu, avg(usage), max(usage) from TABLE(TUMBLE( TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES)) group by window_start, window_end, hostname, cpu "]);
    let filter_id = filter[0]["job_id"].as_str().unwrap_or_else(|| panic!("{filter}")).to_string();

    // Both run (`sluice job get --wait` and avn's job list agree).
    let jobs = json_of(avn(&["service", "flink", "job", "list", "demo-flink", "--json"]));
    for job in jobs.as_array().unwrap() {
        server.cli_ok(&write, &["job", "get", job["id"].as_str().unwrap(), "--wait", "RUNNING"]);
    }
    let got = json_of(avn(&["service", "flink", "job", "get", "demo-flink", &filter_id, "--json"]));
    assert_eq!((got[0]["name"].as_str(), got[0]["state"].as_str()), (Some("my_first_filter"), Some("RUNNING")), "{got}");

    let rows = iot_rows();
    let texts: Vec<String> = rows.iter().map(Value::to_string).collect();
    produce(&broker, "iot-data-input", &texts.iter().map(|t| (0, t.as_str())).collect::<Vec<_>>());

    // The filter: every row over 90, once.
    let over: Vec<&Value> = rows.iter().filter(|r| r["usage"].as_f64().unwrap() > 90.0).collect();
    let alerts = wait_records(&broker, "iot-filtered-alert", over.len(), &server);
    let key = |r: &Value| format!("{} {} {}", r["hostname"], r["cpu"], r["usage"]);
    let mut want: Vec<String> = over.iter().map(|r| key(r)).collect();
    let mut have: Vec<String> = alerts.iter().map(key).collect();
    want.sort();
    have.sort();
    assert_eq!(have, want);
    assert_eq!(alerts[0]["time_ltz"].as_str().map(|t| t.starts_with("2022-01-21 10:2")), Some(true), "{}", alerts[0]);

    // The tumble: the two closed windows, per host and cpu.
    let mut groups: BTreeMap<(i64, String, String), Vec<f64>> = BTreeMap::new();
    for r in &rows {
        let window = (r["occurred_at"].as_i64().unwrap() - 1_642_760_400_000) / 300_000;
        if window < 2 {
            let g = (window, r["hostname"].as_str().unwrap().to_string(), r["cpu"].as_str().unwrap().to_string());
            groups.entry(g).or_default().push(r["usage"].as_f64().unwrap());
        }
    }
    let averages = wait_records(&broker, "iot-avg-output", groups.len(), &server);
    assert_eq!(averages.len(), groups.len(), "{averages:?}");
    for row in &averages {
        let start = row["window_start"].as_str().unwrap();
        let window = if start.starts_with("2022-01-21 10:20:00") { 0 } else { 1 };
        assert!(start.starts_with(["2022-01-21 10:20:00", "2022-01-21 10:25:00"][window]), "{row}");
        let usages = &groups[&(window as i64, row["hostname"].as_str().unwrap().to_string(), row["cpu"].as_str().unwrap().to_string())];
        let max = usages.iter().cloned().fold(f64::MIN, f64::max);
        let avg = usages.iter().sum::<f64>() / usages.len() as f64;
        assert_eq!(row["max_usage"].as_f64(), Some(max), "{row}");
        assert!((row["avg_usage"].as_f64().unwrap() - avg).abs() < 1e-9, "{row}: want avg {avg}");
    }

    // The CLI sees the same tables and jobs; cancelling a job ends it.
    let listed: Value = serde_json::from_str(&server.cli_ok(&write, &["table", "list", "--json"])).unwrap();
    assert_eq!(listed["tables"].as_array().unwrap().len(), 3);
    let cancelled = avn(&["service", "flink", "job", "cancel", "demo-flink", &filter_id]);
    assert!(cancelled.contains("cancelled"), "{cancelled}");
    server.cli_ok(&write, &["job", "get", &filter_id, "--wait", "CANCELED"]);
    let listed = server.cli_ok(&write, &["job", "list"]);
    assert!(listed.contains("CANCELED") && listed.contains("RUNNING"), "{listed}");
    // Jobs are not applications.
    let apps: Value = serde_json::from_str(&server.cli_ok(&write, &["application", "list", "--json"])).unwrap();
    assert_eq!(apps["applications"].as_array().unwrap().len(), 0, "{apps}");
}

/// Seed 004's `01-basic-filtering.json`, its integration ids still to be replaced.
const BASIC_FILTERING: &str = r#"{
    "sources": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizza_source (\n    id INT, \n    shop VARCHAR, \n    name VARCHAR, \n    phoneNumber VARCHAR, \n    address VARCHAR, \n    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>, orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp', orderProctime AS PROCTIME(), WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND\n) WITH (\n    'connector' = 'kafka',\n    'properties.bootstrap.servers' = '',\n    'scan.startup.mode' = 'earliest-offset',\n    'topic' = 'pizzas',\n    'value.format' = 'json'\n)"}],
    "sinks": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizza_filtered (\n    id INT, \n    name VARCHAR, \n    topping VARCHAR, \n    orderTimestamp TIMESTAMP(3)\n) WITH (\n    'connector' = 'kafka',\n    'properties.bootstrap.servers' = '',\n    'scan.startup.mode' = 'earliest-offset',\n    'topic' = 'pizza_stream_out_filter',\n    'value.format' = 'json'\n)"}],
    "statement": "insert into pizza_filtered\nselect\n    id,\n    name,\n    c.topping,\n    orderTimestamp\nfrom pizza_source\ncross join UNNEST(pizzas) b\ncross join UNNEST(b.additionalToppings) as c(topping)\nwhere c.topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')"
}"#;

/// Seed 004's `02-aggregating.json`: orders with more than three of the toppings, into
/// upsert-kafka with LISTAGG. One change: the seed declares `id INT PRIMARY KEY`, which
/// Flink refuses ("Flink doesn't support ENFORCED mode for PRIMARY KEY constraint"), and
/// so does Sluice; the key is declared NOT ENFORCED, as Flink asks.
const AGGREGATING: &str = r#"{
    "sources": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizza_source (\n    id INT, \n    shop VARCHAR, \n    name VARCHAR, \n    phoneNumber VARCHAR, \n    address VARCHAR, \n    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>, orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp', orderProctime AS PROCTIME(), WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND\n) WITH (\n    'connector' = 'kafka',\n    'properties.bootstrap.servers' = '',\n    'scan.startup.mode' = 'earliest-offset',\n    'topic' = 'pizzas',\n    'value.format' = 'json'\n)"}],
    "sinks": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizzas_aggs (\n    id INT PRIMARY KEY NOT ENFORCED, \n    name VARCHAR, \n    nr_bad_items BIGINT, \n    toppings VARCHAR, \n    orderTimestamp TIMESTAMP(3)\n) WITH (\n   'connector' = 'upsert-kafka',\n   'properties.bootstrap.servers' = '',\n   'topic' = 'pizza_stream_out_agg',\n   'value.format' = 'json',\n   'key.format' = 'json'\n)"}],
    "statement": "insert into pizzas_aggs\n        select\n            id,\n            name,\n            count(*) nr_bad_items,\n            LISTAGG(c.topping) list_bad_items,\n            orderTimestamp           \n        from pizza_source\n        cross join UNNEST(pizzas) b\n        cross join UNNEST(b.additionalToppings) as c(topping)\n        where c.topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')\n        group by id, name, orderTimestamp\n        having count(*) > 3"
}"#;

const TOPPINGS: [&str; 5] = ["🍍 pineapple", "🧅 onion", "🍓 strawberry", "🫑 pepper", "🍌 banana"];

/// Pizza orders with two pizzas each; returns the (id, topping) pairs the filter keeps.
fn pizza_orders(broker: &KafkaBroker, ids: std::ops::Range<i64>) -> Vec<(i64, String)> {
    let mut kept = Vec::new();
    let mut texts = Vec::new();
    for i in ids {
        let t = |k: i64| TOPPINGS[(k % 5) as usize];
        let pizzas = json!([{"pizzaName": "Margherita", "additionalToppings": [t(i), t(i + 1)]}, {"pizzaName": "Diavola", "additionalToppings": [t(i + 2)]}]);
        for topping in [t(i), t(i + 1), t(i + 2)] {
            if ["🍍 pineapple", "🍓 strawberry", "🍌 banana"].contains(&topping) {
                kept.push((i, topping.to_string()));
            }
        }
        texts.push(json!({"id": i, "shop": "Luigis Pizza", "name": format!("customer {i}"), "phoneNumber": "555", "address": "Via Roma 1", "pizzas": pizzas}).to_string());
    }
    produce(broker, "pizzas", &texts.iter().map(|t| (0, t.as_str())).collect::<Vec<_>>());
    kept
}

/// The (id, topping) pairs in `topic`, sorted, once `count` are there.
fn pizza_output(broker: &KafkaBroker, count: usize, server: &Server) -> Vec<(i64, String)> {
    let mut got: Vec<(i64, String)> = wait_records(broker, "pizza_stream_out_filter", count, server)
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r["topping"].as_str().unwrap().to_string()))
        .collect();
    got.sort();
    got
}

#[test]
fn seed_004_applications_run_unchanged_through_the_latest_avn_and_resume_from_a_savepoint() {
    let broker = KafkaBroker::start();
    broker.create_topic("pizzas", 1);
    broker.create_topic("pizza_stream_out_filter", 1);
    broker.create_topic("pizza_stream_out_agg", 1);
    let dir = scratch("seed004");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    let si = server.cli_ok(&write, &["integration", "create", "kafka", "--name", "demo-kafka", "--bootstrap-servers", &broker.bootstrap()]);
    let si = si.trim();
    let avn = |args: &[&str]| -> Value {
        let text = server.avn("latest", &write, args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let project = ["--project", "my_aiven_project"];

    // avn service flink create-application demo-flink --project $PROJECT "{\"name\":\"BasicFiltering\"}"
    avn(&[&["service", "flink", "create-application", "demo-flink"][..], &project, &[r#"{"name":"BasicFiltering"}"#]].concat());
    let apps = avn(&[&["service", "flink", "list-applications", "demo-flink"][..], &project].concat());
    let app = apps["applications"].as_array().unwrap().iter().find(|a| a["name"] == "BasicFiltering").unwrap()["id"].as_str().unwrap().to_string();
    // sed "s/KAFKA_INTEGRATION_ID/$KAFKA_FLINK_SI/" 'flink-app/01-basic-filtering.json' > tmp/01-basic-filtering.json
    let file = dir.join("01-basic-filtering.json");
    std::fs::write(&file, BASIC_FILTERING.replace("KAFKA_INTEGRATION_ID", si)).unwrap();
    let at_file = format!("@{}", file.display());
    avn(&[&["service", "flink", "create-application-version", "demo-flink"][..], &project, &["--application-id", &app, &at_file]].concat());
    let got = avn(&[&["service", "flink", "get-application", "demo-flink"][..], &project, &["--application-id", &app]].concat());
    let version = got["application_versions"].as_array().unwrap().iter().find(|v| v["version"] == 1).unwrap()["id"].as_str().unwrap().to_string();
    let deploy = |body: String| {
        avn(&[&["service", "flink", "create-application-deployment", "demo-flink"][..], &project, &["--application-id", &app, &body]].concat());
    };
    deploy(format!("{{\"parallelism\": 1,\"restart_enabled\": true,  \"version_id\": \"{version}\"}}"));
    let deployments = avn(&[&["service", "flink", "list-application-deployments", "demo-flink"][..], &project, &["--application-id", &app]].concat());
    let deployment =
        deployments["deployments"].as_array().unwrap().iter().find(|d| d["version_id"] == version.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    let status = |app: &str, id: &str| {
        avn(&[&["service", "flink", "get-application-deployment", "demo-flink"][..], &project, &["--application-id", app, "--deployment-id", id]].concat())
    };
    let poll = |id: &str, want: &str| -> Value {
        let deadline = Instant::now() + GUARD;
        loop {
            let d = status(&app, id);
            if d["status"] == want {
                return d;
            }
            assert!(Instant::now() < deadline && !(d["status"] == "FAILED"), "deployment never {want}: {d}\n{}", server.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    poll(&deployment, "RUNNING");
    let mut want = pizza_orders(&broker, 0..100);
    want.sort();
    assert_eq!(pizza_output(&broker, want.len(), &server), want);

    // Stop with a savepoint, order more pizzas, and deploy again from the savepoint.
    avn(&[&["service", "flink", "stop-application-deployment", "demo-flink"][..], &project, &["--application-id", &app, "--deployment-id", &deployment]].concat());
    let stopped = poll(&deployment, "FINISHED");
    let savepoint = stopped["last_savepoint"].as_str().unwrap_or_else(|| panic!("no savepoint: {stopped}")).to_string();
    want.extend(pizza_orders(&broker, 100..200));
    want.sort();
    deploy(json!({"parallelism": 1, "restart_enabled": true, "version_id": version, "starting_savepoint": savepoint}).to_string());
    let deployments = avn(&[&["service", "flink", "list-application-deployments", "demo-flink"][..], &project, &["--application-id", &app]].concat());
    let second = deployments["deployments"].as_array().unwrap().iter().find(|d| d["id"] != deployment.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    poll(&second, "RUNNING");
    // No row is lost or repeated across the savepoint.
    let got = pizza_output(&broker, want.len(), &server);
    if got != want {
        let repeated: Vec<_> = got.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].0).collect();
        panic!(
            "rows lost or repeated across the savepoint {savepoint}: {} rows, {} wanted; repeated ids {repeated:?}\nfirst worker:\n{}\nsecond worker:\n{}\nserver:\n{}",
            got.len(),
            want.len(),
            server.worker_log(&deployment),
            server.worker_log(&second),
            server.log()
        );
    }
    avn(&[&["service", "flink", "cancel-application-deployments", "demo-flink"][..], &project, &["--application-id", &app, "--deployment-id", &second]].concat());
    poll(&second, "CANCELED");
    avn(&[&["service", "flink", "delete-application-deployment", "demo-flink"][..], &project, &["--application-id", &app, "--deployment-id", &deployment]].concat());
    let left = avn(&[&["service", "flink", "list-application-deployments", "demo-flink"][..], &project, &["--application-id", &app]].concat());
    assert_eq!(left["deployments"].as_array().unwrap().len(), 1, "{left}");

    // 02-aggregating: orders with more than three such toppings, upserted by id.
    let greedy: Vec<String> = (200..210)
        .map(|i| {
            let pizzas = json!([{"pizzaName": "Hawaii", "additionalToppings": ["🍍 pineapple", "🍍 pineapple", "🍌 banana"]},
                {"pizzaName": "Fruit", "additionalToppings": ["🍓 strawberry", "🍌 banana", "🧅 onion"]}]);
            json!({"id": i, "shop": "Luigis Pizza", "name": format!("customer {i}"), "phoneNumber": "555", "address": "Via Roma 1", "pizzas": pizzas}).to_string()
        })
        .collect();
    produce(&broker, "pizzas", &greedy.iter().map(|t| (0, t.as_str())).collect::<Vec<_>>());
    avn(&[&["service", "flink", "create-application", "demo-flink"][..], &project, &[r#"{"name":"Aggregating"}"#]].concat());
    let apps = avn(&[&["service", "flink", "list-applications", "demo-flink"][..], &project].concat());
    let app = apps["applications"].as_array().unwrap().iter().find(|a| a["name"] == "Aggregating").unwrap()["id"].as_str().unwrap().to_string();
    let file = dir.join("02-aggregating.json");
    std::fs::write(&file, AGGREGATING.replace("KAFKA_INTEGRATION_ID", si)).unwrap();
    let version = avn(&[&["service", "flink", "create-application-version", "demo-flink"][..], &project, &["--application-id", &app, &format!("@{}", file.display())]].concat());
    let body = json!({"parallelism": 1, "restart_enabled": true, "version_id": version["id"]}).to_string();
    let d = avn(&[&["service", "flink", "create-application-deployment", "demo-flink"][..], &project, &["--application-id", &app, &body]].concat());
    let deadline = Instant::now() + GUARD;
    loop {
        let mut last: BTreeMap<i64, Value> = BTreeMap::new();
        for (_, key, value) in common::kafka::read_topic(&broker, "pizza_stream_out_agg", 1) {
            let key: Value = serde_json::from_str(&key.expect("a key")).unwrap();
            let id = key["id"].as_i64().unwrap();
            match value {
                Some(v) => last.insert(id, serde_json::from_str(&v).unwrap()),
                None => last.remove(&id),
            };
        }
        let done = last.len() == 10 && last.values().all(|v| v["nr_bad_items"] == 5);
        if done {
            assert_eq!(last.keys().copied().collect::<Vec<_>>(), (200..210).collect::<Vec<_>>());
            for v in last.values() {
                assert_eq!(v["toppings"].as_str().unwrap().split(',').count(), 5, "{v}");
            }
            break;
        }
        assert!(Instant::now() < deadline, "aggregates: {last:?}\n{}\n{}", status(&app, d["id"].as_str().unwrap()), server.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The source table of seed 004's applications, as its JSON files declare it.
const PIZZA_SOURCE: &str = "CREATE TABLE pizza_source (\n    id INT, \n    shop VARCHAR, \n    name VARCHAR, \n    phoneNumber VARCHAR, \n    address VARCHAR, \n    pizzas ARRAY <ROW (pizzaName VARCHAR, additionalToppings ARRAY <VARCHAR>)>, orderTimestamp TIMESTAMP(3) METADATA FROM 'timestamp', orderProctime AS PROCTIME(), WATERMARK FOR orderTimestamp AS orderTimestamp - INTERVAL '5' SECOND\n) WITH (\n    'connector' = 'kafka',\n    'properties.bootstrap.servers' = '',\n    'scan.startup.mode' = 'earliest-offset',\n    'topic' = 'pizzas',\n    'value.format' = 'json'\n)";

/// The raw data and the 5-second tumble both seed 004 applications below share.
const PIZZA_WINDOWS_SQL: &str = "with raw_data as (\n            select orderTimestamp,\n                id,\n                c.topping\n            from pizza_source\n                cross join UNNEST(pizzas) b\n                cross join UNNEST(b.additionalToppings) as c(topping)\n            )";

/// Seed 004's `03-windowing.json` (with the emoji toppings its text shows garbled).
fn windowing_app() -> Value {
    json!({
        "sources": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": PIZZA_SOURCE}],
        "sinks": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizza_windows (\n    window_time TIMESTAMP(3), \n    window_start TIMESTAMP(3), \n    window_end TIMESTAMP(3), \n    topping VARCHAR, \n    nr_orders BIGINT, \n    PRIMARY KEY(topping, window_start, window_end) NOT ENFORCED\n) WITH (\n   'connector' = 'upsert-kafka',\n   'properties.bootstrap.servers' = '',\n   'topic' = 'pizza_stream_out_agg_windows',\n   'value.format' = 'json',\n   'key.format' = 'json'\n)"}],
        "statement": format!("insert into pizza_windows\n        {PIZZA_WINDOWS_SQL}\n        SELECT window_time,\n            window_start,\n            window_end,\n            topping,\n            count(*) nr_orders\n        FROM TABLE(TUMBLE(TABLE raw_data, DESCRIPTOR(orderTimestamp), interval '5' seconds))\n        where topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')\n        group by window_time,\n            topping,\n            window_start,\n            window_end\n        having count(*) > 10")
    })
}

/// Seed 004's `04-trends.json`, including its sink's `'properties.bootstrap.servers' =
/// 'pizza_stream_out_trends'` (a slip in the seed that the integration's servers replace).
fn trends_app() -> Value {
    json!({
        "sources": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": PIZZA_SOURCE}],
        "sinks": [{"integration_id": "KAFKA_INTEGRATION_ID", "create_table": "CREATE TABLE pizza_orders_trend (\n    topping VARCHAR, \n    trend_start TIMESTAMP(3), \n    trend_detail VARCHAR, \n    PRIMARY KEY(topping, trend_start) NOT ENFORCED\n) WITH (\n   'connector' = 'upsert-kafka',\n   'properties.bootstrap.servers' = 'pizza_stream_out_trends',\n   'topic' = 'pizza_stream_out_trends',\n   'value.format' = 'json',\n   'key.format' = 'json'\n)"}],
        "statement": format!("insert into pizza_orders_trend\n        {PIZZA_WINDOWS_SQL}\n        , windowing as\n            (SELECT window_time,\n                window_start,\n                window_end,\n                topping,\n                count(*) nr_orders\n            FROM TABLE(TUMBLE(TABLE raw_data, DESCRIPTOR(orderTimestamp), interval '5' seconds))\n            where topping in ('🍍 pineapple', '🍓 strawberry','🍌 banana')\n            group by window_time,\n                topping,\n                window_start,\n                window_end)\n        select * from windowing\n        MATCH_RECOGNIZE (\n            PARTITION BY topping\n            ORDER BY window_time\n            MEASURES\n                START_ROW.window_time as start_tstamp,\n                LISTAGG(cast(nr_orders as string)) as various_nr_orders\n            ONE ROW PER MATCH\n            AFTER MATCH SKIP PAST LAST ROW\n            PATTERN (START_ROW NR_UP+ NR_DOWN{{2}})\n            DEFINE\n                NR_UP AS\n                    (LAST(NR_UP.nr_orders, 1) IS NULL AND NR_UP.nr_orders > START_ROW.nr_orders OR\n                    NR_UP.nr_orders > LAST(NR_UP.nr_orders, 1)),\n                NR_DOWN AS\n                    (LAST(NR_DOWN.nr_orders, 1) IS NULL AND NR_DOWN.nr_orders < LAST(NR_UP.nr_orders, 1)) OR\n                    NR_DOWN.nr_orders < LAST(NR_DOWN.nr_orders, 1)\n\n            )")
    })
}

/// The last value of each key of an upsert topic (a tombstone removes the key).
fn upsert_table(broker: &KafkaBroker, topic: &str) -> BTreeMap<String, Value> {
    let mut last = BTreeMap::new();
    for (_, key, value) in common::kafka::read_topic(broker, topic, 1) {
        let key = key.expect("an upsert-kafka record has a key");
        match value {
            Some(v) => last.insert(key, serde_json::from_str(&v).unwrap()),
            None => last.remove(&key),
        };
    }
    last
}

#[test]
fn seed_004_windowing_and_trends_applications_give_their_windows_and_the_up_up_down_down_trend() {
    let broker = KafkaBroker::start();
    for topic in ["pizzas", "pizza_stream_out_agg_windows", "pizza_stream_out_trends"] {
        broker.create_topic(topic, 1);
    }
    let dir = scratch("seed004w");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    let si = server.cli_ok(&write, &["integration", "create", "kafka", "--name", "demo-kafka", "--bootstrap-servers", &broker.bootstrap()]);
    let si = si.trim().to_string();
    let avn = |args: &[&str]| -> Value {
        let text = server.avn("latest", &write, args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let project = ["--project", "my_aiven_project"];

    // Five 5-second windows of orders, each order with one pizza and one topping, half an
    // hour ago (the broker takes no timestamp from more than an hour ahead). Pineapple goes
    // 11, 13, 15, 12, 11 (a trend: up, up, down, down), banana stays at 12, strawberry at 5
    // (under the windowing application's HAVING), and onion is filtered out. A last order a
    // minute later moves the watermark past every window. (Flink finds no trend here: its
    // planner folds the seed's `LAST(NR_UP.nr_orders, 1) IS NULL` on a NOT NULL count to
    // FALSE; Sluice follows the SQL standard, see conformance case 77.)
    let now = chrono::Utc::now().timestamp_millis();
    let base = (now - 30 * 60 * 1000) / 5000 * 5000;
    let counts = [("🍍 pineapple", [11, 13, 15, 12, 11]), ("🍌 banana", [12; 5]), ("🍓 strawberry", [5; 5]), ("🧅 onion", [3; 5])];
    let mut orders = Vec::new();
    let mut id = 0;
    for window in 0..5i64 {
        for (topping, per_window) in &counts {
            for _ in 0..per_window[window as usize] {
                let order = json!({"id": id, "shop": "Luigis Pizza", "name": format!("customer {id}"), "phoneNumber": "555", "address": "Via Roma 1",
                    "pizzas": [{"pizzaName": "Margherita", "additionalToppings": [topping]}]});
                orders.push((base + window * 5000 + id % 4000, order.to_string()));
                id += 1;
            }
        }
    }
    let last = json!({"id": id, "shop": "Luigis Pizza", "name": "late", "phoneNumber": "555", "address": "Via Roma 1", "pizzas": []});
    orders.push((base + 60_000, last.to_string()));
    common::kafka::produce_timed(&broker, "pizzas", &orders);

    let mut deployments = Vec::new();
    for (name, app_json) in [("Windowing", windowing_app()), ("Trends", trends_app())] {
        avn(&[&["service", "flink", "create-application", "demo-flink"][..], &project, &[&json!({"name": name}).to_string()]].concat());
        let apps = avn(&[&["service", "flink", "list-applications", "demo-flink"][..], &project].concat());
        let app = apps["applications"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["id"].as_str().unwrap().to_string();
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, app_json.to_string().replace("KAFKA_INTEGRATION_ID", &si)).unwrap();
        let version = avn(&[&["service", "flink", "create-application-version", "demo-flink"][..], &project, &["--application-id", &app, &format!("@{}", file.display())]].concat());
        let body = json!({"parallelism": 1, "restart_enabled": true, "version_id": version["id"]}).to_string();
        let d = avn(&[&["service", "flink", "create-application-deployment", "demo-flink"][..], &project, &["--application-id", &app, &body]].concat());
        deployments.push((app, d["id"].as_str().unwrap().to_string()));
    }

    let time = |millis: i64| chrono::DateTime::from_timestamp_millis(millis).unwrap().naive_utc();
    let mut want_windows = BTreeMap::new();
    for (topping, per_window) in &counts[..3] {
        for (window, n) in per_window.iter().enumerate() {
            if *n > 10 {
                let start = base + window as i64 * 5000;
                want_windows.insert((topping.to_string(), time(start), time(start + 5000), time(start + 4999)), *n as i64);
            }
        }
    }
    let parse = |v: &Value| chrono::NaiveDateTime::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d %H:%M:%S%.f").unwrap_or_else(|e| panic!("{e}: {v}"));
    let deadline = Instant::now() + GUARD;
    loop {
        let windows: BTreeMap<_, _> = upsert_table(&broker, "pizza_stream_out_agg_windows")
            .values()
            .map(|v| ((v["topping"].as_str().unwrap().to_string(), parse(&v["window_start"]), parse(&v["window_end"]), parse(&v["window_time"])), v["nr_orders"].as_i64().unwrap()))
            .collect();
        let trends: Vec<(String, chrono::NaiveDateTime, String)> = upsert_table(&broker, "pizza_stream_out_trends")
            .values()
            .map(|v| (v["topping"].as_str().unwrap().to_string(), parse(&v["trend_start"]), v["trend_detail"].as_str().unwrap().to_string()))
            .collect();
        if windows.len() >= want_windows.len() && !trends.is_empty() {
            assert_eq!(windows, want_windows);
            assert_eq!(trends, vec![("🍍 pineapple".to_string(), time(base + 4999), "11,13,15,12,11".to_string())]);
            break;
        }
        let statuses: Vec<Value> = deployments
            .iter()
            .map(|(app, id)| avn(&[&["service", "flink", "get-application-deployment", "demo-flink"][..], &project, &["--application-id", app, "--deployment-id", id]].concat()))
            .collect();
        assert!(Instant::now() < deadline, "windows {windows:?}\ntrends {trends:?}\n{statuses:?}\n{}", server.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Resident memory of a process, in kB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// The load of the issue: 20 deployments of a 100 rows/s generator on one server while a
/// client polls the API. It asserts that all run, that every request answers, and that
/// every worker's counters move; it prints the API's latency percentiles and the memory
/// per deployment (figures, never asserted: see the report of `--nocapture`).
#[test]
fn twenty_deployments_run_on_one_server_while_a_client_polls_the_api() {
    let dir = scratch("load");
    let write = token(&dir, "write");
    let server = Server::start(&dir);
    let (_, app) = server.api("POST", "/api/v1/applications", Some(&write), Some(json!({"name": "Load"})));
    let app = app["id"].as_str().unwrap().to_string();
    let version = json!({
        "sources": [{"create_table": "CREATE TABLE gen (id BIGINT, v DOUBLE) WITH ('connector' = 'datagen', 'rows-per-second' = '100')"}],
        "sinks": [{"create_table": "CREATE TABLE sink (id BIGINT, v DOUBLE) WITH ('connector' = 'blackhole')"}],
        "statement": "INSERT INTO sink SELECT id, v FROM gen WHERE v > 0"
    });
    let (code, version) = server.api("POST", &format!("/api/v1/applications/{app}/versions"), Some(&write), Some(version));
    assert_eq!(code, 201, "{version}");
    let deployments: Vec<String> = (0..20)
        .map(|_| {
            let body = json!({"version_id": version["id"], "parallelism": 1, "restart_enabled": true});
            let (code, d) = server.api("POST", &format!("/api/v1/applications/{app}/deployments"), Some(&write), Some(body));
            assert_eq!(code, 201, "{d}");
            d["id"].as_str().unwrap().to_string()
        })
        .collect();
    for id in &deployments {
        server.wait_deployment(&write, &app, id, "RUNNING", |d| d["status"] == "RUNNING");
    }
    // Every worker reports rows through its sink.
    for id in &deployments {
        server.wait_metric(&write, "sluice_operator_rows_in_total", &[&format!("deployment=\"{id}\""), "operator=\"Sink: sink"], 100.0);
    }

    // A client polls: the list, each deployment, and /metrics, in turn.
    let mut latencies: Vec<Duration> = Vec::new();
    let paths: Vec<String> = std::iter::once(format!("/api/v1/applications/{app}/deployments"))
        .chain(deployments.iter().map(|id| format!("/api/v1/applications/{app}/deployments/{id}")))
        .collect();
    for round in 0..10 {
        for path in &paths {
            let started = Instant::now();
            let (code, body) = server.api("GET", path, Some(&write), None);
            latencies.push(started.elapsed());
            assert_eq!(code, 200, "{path}: {body}");
            if path.ends_with("/deployments") {
                assert_eq!(body["deployments"].as_array().unwrap().len(), 20, "round {round}: {body}");
            } else {
                assert_eq!(body["status"], "RUNNING", "round {round}: {body}");
            }
        }
        let started = Instant::now();
        server.metrics(&write);
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1];
    let (_, listed) = server.api("GET", &format!("/api/v1/applications/{app}/deployments"), Some(&write), None);
    let workers: Vec<u32> = listed["deployments"].as_array().unwrap().iter().filter_map(|d| d["worker_pid"].as_u64()).map(|p| p as u32).collect();
    assert_eq!(workers.len(), 20, "{listed}");
    let server_kb = rss_kb(server.child.id());
    let workers_kb: u64 = workers.iter().map(|p| rss_kb(*p)).sum();
    eprintln!(
        "load: 20 deployments x 100 rows/s; {} API requests: p50 {:?}, p99 {:?}, max {:?}; server RSS {} MB; workers RSS {} MB in all, {:.1} MB per deployment",
        latencies.len(),
        at(0.50),
        at(0.99),
        at(1.0),
        server_kb / 1024,
        workers_kb / 1024,
        workers_kb as f64 / 1024.0 / 20.0
    );
    for id in &deployments {
        let (code, d) = server.api("POST", &format!("/api/v1/applications/{app}/deployments/{id}/cancel"), Some(&write), None);
        assert_eq!(code, 200, "{d}");
    }
    for id in &deployments {
        server.wait_deployment(&write, &app, id, "CANCELED", |d| d["status"] == "CANCELED");
    }
}
