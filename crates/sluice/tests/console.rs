//! The web console in a browser: `sluice server` with a Kafka broker, and Playwright
//! (the npm package `playwright-core`, no browser download) driving Debian's Chromium
//! through the pages, as scripts in crates/sluice-server/console/tests/. Both are
//! installed by scripts/browser.sh (sourced by scripts/services.sh). Screenshots of each
//! page go to the target dir (`CARGO_TARGET_TMPDIR/console-screenshots`). Waits have
//! generous guards against hangs; nothing asserts a duration.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::kafka::produce;
use serde_json::{json, Value};
use sluice_testkit::KafkaBroker;


/// A running `sluice server` in a scratch folder; SIGTERM when dropped.
struct Server {
    child: Child,
    url: String,
    token: String,
    log: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("sluice-console-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = format!("sqlite://{}", dir.join("sluice.db").display());
        let out = Command::new(env!("CARGO_BIN_EXE_sluice")).args(["token", "create", "--scope", "write", "--store", &store]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let args: Vec<std::ffi::OsString> = ["--listen", "127.0.0.1:0", "--checkpoint-interval", "1 s", "--store", store.as_str()]
            .iter()
            .map(Into::into)
            .chain(["--state-dir".into(), dir.join("state").into()])
            .collect();
        let common::server::Started { child, url, log } = common::server::start(&args);
        Server { child, url, token, log, dir }
    }

    fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let request = ureq::request(method, &format!("{}{path}", self.url)).set("Authorization", &format!("Bearer {}", self.token));
        let result = match body {
            Some(b) => request.set("Content-Type", "application/json").send_string(&b.to_string()),
            None => request.call(),
        };
        match result {
            Ok(r) => serde_json::from_str(&r.into_string().unwrap()).unwrap(),
            Err(e) => panic!("{method} {path}: {e}\n{}", self.log.lock().unwrap().join("\n")),
        }
    }

    /// Runs a browser script against this server; panics with its output when it fails.
    fn browse(&self, script: &str, env: &[(&str, &str)]) {
        let tools = std::env::var_os("SLUICE_PLAYWRIGHT").map(PathBuf::from).unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/sluice-tools/playwright")
        });
        let chromium = std::env::var("SLUICE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            tools.join("node_modules/playwright-core").is_dir() && Path::new(&chromium).is_file(),
            "playwright-core ({}) or Chromium ({chromium}) is missing: run scripts/services.sh",
            tools.display()
        );
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let script = common::repo_root().join("crates/sluice-server/console/tests").join(script);
        let started = Instant::now();
        let out = Command::new("node")
            .arg(&script)
            .env("NODE_PATH", tools.join("node_modules"))
            .env("SLUICE_CHROMIUM", &chromium)
            .env("SLUICE_URL", &self.url)
            .env("SLUICE_TOKEN", &self.token)
            .env("SCREENSHOTS", &shots)
            .envs(env.iter().copied())
            .output()
            .expect("run node (scripts/services.sh installs it)");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        eprintln!("{} took {:.1} s:\n{text}", script.display(), started.elapsed().as_secs_f64());
        assert!(out.status.success(), "{} failed:\n{text}\nserver log:\n{}", script.display(), self.log.lock().unwrap().join("\n"));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `body` while a thread produces rows `make(i)` into `topic` every 200 ms.
fn producing(broker: &KafkaBroker, topic: &str, make: fn(i64) -> (i32, String), body: impl FnOnce()) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let rows: Vec<(i32, String)> = (i..i + 5).map(make).collect();
                produce(broker, topic, &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
                i += 5;
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
        stop.store(true, Ordering::Relaxed);
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
    });
}

fn pizza(i: i64) -> (i32, String) {
    let toppings = ["🍍 pineapple", "🧅 onion", "🍓 strawberry", "🫑 pepper", "🍌 banana"];
    let t = |k: i64| toppings[(k % 5) as usize];
    let pizzas = json!([{"pizzaName": "Margherita", "additionalToppings": [t(i), t(i + 1)]}, {"pizzaName": "Diavola", "additionalToppings": [t(i + 2)]}]);
    (0, json!({"id": i, "shop": "Luigis Pizza", "name": format!("customer {i}"), "phoneNumber": "555", "address": "Via Roma 1", "pizzas": pizzas}).to_string())
}

#[test]
fn the_console_goes_through_the_pizza_seed_workflow() {
    let broker = KafkaBroker::start();
    broker.create_topic("pizzas", 1);
    broker.create_topic("pizza_stream_out_filter", 1);
    let server = Server::start("pizza");
    producing(&broker, "pizzas", pizza, || server.browse("seed.cjs", &[("BOOTSTRAP", &broker.bootstrap())]));
    // The browser stopped the deployment with a savepoint.
    let apps = server.api("GET", "/api/v1/applications", None);
    let app = apps["applications"][0]["id"].as_str().unwrap().to_string();
    let deployments = server.api("GET", &format!("/api/v1/applications/{app}/deployments"), None);
    let d = &deployments["deployments"][0];
    assert_eq!(d["status"], "FINISHED", "{d}");
    assert!(d["last_savepoint"].is_string(), "{d}");
}

/// Seed 001's IoT metrics, into partitions 0 and 1 of three: partition 2 stays empty.
fn iot(i: i64) -> (i32, String) {
    let base: i64 = 1_642_760_400_000;
    let host = ["dopey", "happy"][(i % 2) as usize];
    let row = json!({"hostname": host, "cpu": "cpu1", "usage": (i * 37 % 100) as f64, "occurred_at": base + i * 9000});
    ((i % 2) as i32, row.to_string())
}

#[test]
fn why_no_output_names_the_empty_partition_that_holds_the_tumble_window_back() {
    let broker = KafkaBroker::start();
    broker.create_topic("iot-data-input", 3);
    broker.create_topic("iot-avg-output", 1);
    let rows: Vec<(i32, String)> = (0..80).map(iot).collect();
    produce(&broker, "iot-data-input", &rows.iter().map(|(p, r)| (*p, r.as_str())).collect::<Vec<_>>());
    let server = Server::start("iot");
    let kafka = server.api(
        "POST",
        "/api/v1/integrations",
        Some(json!({"integration_type": "kafka", "name": "demo-kafka", "bootstrap_servers": broker.bootstrap()})),
    );
    let app = server.api("POST", "/api/v1/applications", Some(json!({"name": "IotAverages"})));
    let app = app["id"].as_str().unwrap();
    let version = server.api(
        "POST",
        &format!("/api/v1/applications/{app}/versions"),
        Some(json!({
            "sources": [{"integration_id": kafka["id"], "create_table": "CREATE TABLE iot_in (\n    hostname VARCHAR, cpu VARCHAR, usage DOUBLE, occurred_at BIGINT,\n    time_ltz AS TO_TIMESTAMP_LTZ(occurred_at, 3),\n    WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECOND\n) WITH (\n    'connector' = 'kafka', 'properties.bootstrap.servers' = '', 'topic' = 'iot-data-input',\n    'scan.startup.mode' = 'earliest-offset', 'value.format' = 'json'\n)"}],
            "sinks": [{"integration_id": kafka["id"], "create_table": "CREATE TABLE iot_avg_out (\n    window_start TIMESTAMP(3), window_end TIMESTAMP(3), hostname VARCHAR, cpu VARCHAR, avg_usage DOUBLE, max_usage DOUBLE\n) WITH (\n    'connector' = 'kafka', 'properties.bootstrap.servers' = '', 'topic' = 'iot-avg-output', 'value.format' = 'json'\n)"}],
            "statement": "insert into iot_avg_out\nselect window_start, window_end, hostname, cpu, avg(usage), max(usage)\nfrom TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES))\ngroup by window_start, window_end, hostname, cpu"
        })),
    );
    let d = server.api(
        "POST",
        &format!("/api/v1/applications/{app}/deployments"),
        Some(json!({"version_id": version["id"], "parallelism": 1, "restart_enabled": true})),
    );
    server.browse("why.cjs", &[("DEPLOYMENT", &format!("{app}/{}", d["id"].as_str().unwrap()))]);
    // The same answer straight from the API.
    let why = server.api("GET", &format!("/api/v1/applications/{app}/deployments/{}/diagnosis", d["id"].as_str().unwrap()), None);
    let idle = why["findings"].as_array().unwrap().iter().find(|f| f["kind"] == "idle_partition").unwrap_or_else(|| panic!("{why}"));
    assert!(idle["message"].as_str().unwrap().contains("partition 2 of topic \"iot-data-input\""), "{why}");
    assert_eq!(why["rows_written"], 0, "{why}");
}
