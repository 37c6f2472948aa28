//! The seed pipelines that write to OpenSearch / Elasticsearch, run as a user runs them
//! against `osmem-server`, an in-memory OpenSearch-compatible server (PyPI), started by
//! `sluice_testkit::OpenSearch`:
//!
//! - the transactions per client per minute into an `elasticsearch-7` index keyed by
//!   (client, window_start): the documents are exactly the rows Flink produced for
//!   conformance case 07;
//! - the replication of `happy`/`sleepy` high-load IoT samples into an `opensearch`
//!   index, with `time_ltz` formatted as `yyyy/MM/dd HH:mm:ss`;
//! - the same over HTTPS with basic authentication, as a managed OpenSearch has it.
//!   osmem-server has no TLS, so `sluice_testkit::HttpsProxy` stands in front of it and
//!   checks the certificate handshake and the `Authorization` header.

mod common;

use common::*;
use serde_json::Value;
use sluice_testkit::{Certificates, HttpsProxy, OpenSearch};

fn run(name: &str, sql: &str) {
    let (ok, log) = try_run(name, sql);
    assert!(ok, "{log}");
}

/// Runs `sluice run` on `sql`: whether it succeeded, and what it printed.
fn try_run(name: &str, sql: &str) -> (bool, String) {
    let out = run_sql(&format!("os-{name}"), sql, &[]);
    (out.status.success(), output_text(&out))
}

fn data(file: &str) -> String {
    repo_root().join("tests/conformance/data").join(file).display().to_string()
}

#[test]
fn transactions_per_client_per_minute_into_elasticsearch() {
    let es = OpenSearch::start();
    let sql = format!(
        "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE transactions (
  client INT, amount INT, ts STRING,
  row_time AS TO_TIMESTAMP(ts),
  WATERMARK FOR row_time AS row_time - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE total_amount (client INT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), total_amount INT,
  PRIMARY KEY (client, window_start) NOT ENFORCED)
WITH ('connector' = 'elasticsearch-7', 'hosts' = '{}', 'index' = 'client_amount');
INSERT INTO total_amount
SELECT client, window_start, window_end, SUM(amount)
FROM TABLE(TUMBLE(TABLE transactions, DESCRIPTOR(row_time), INTERVAL '1' MINUTE))
GROUP BY client, window_start, window_end;
",
        data("transactions.json"),
        es.url()
    );
    run("transactions", &sql);
    let mut rows = Rows::new();
    for doc in es.all_sources("client_amount") {
        let obj = doc.as_object().expect("a document is an object");
        let mut keys: Vec<&String> = obj.keys().collect();
        keys.sort();
        *rows.entry(keys.iter().map(|k| norm(&obj[*k])).collect()).or_default() += 1;
    }
    let expected = read_expected(&repo_root().join("tests/conformance/expected/07_transactions_tumble.expected.json"));
    if let Some(d) = diff(&expected, &rows) {
        panic!("the index differs from Flink's rows of case 07: {d}");
    }
    // The document id is the primary key: client and window start.
    assert!(es.get("client_amount", "1_2024-05-11T18:04").is_some());
}

#[test]
fn high_load_samples_replicated_into_opensearch() {
    let os = OpenSearch::start();
    let sql = format!(
        "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE high_load (hostname STRING, cpu STRING, usage DOUBLE, time_ltz STRING)
WITH ('connector' = 'opensearch', 'hosts' = '{}', 'index' = 'iot-high-load');
INSERT INTO high_load
SELECT hostname, cpu, usage, DATE_FORMAT(time_ltz, 'yyyy/MM/dd HH:mm:ss')
FROM iot_in WHERE hostname IN ('happy', 'sleepy') AND usage > 90;
",
        data("iot.json"),
        os.url()
    );
    run("high-load", &sql);
    let text = std::fs::read_to_string(data("iot.json")).unwrap();
    let expected = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| matches!(r["hostname"].as_str(), Some("happy" | "sleepy")) && r["usage"].as_f64().unwrap_or(0.0) > 90.0)
        .count() as u64;
    assert!(expected > 0);
    assert_eq!(os.count("iot-high-load"), expected);
    let docs = os.all_sources("iot-high-load");
    for doc in &docs {
        let t = doc["time_ltz"].as_str().expect("time_ltz is a string");
        // yyyy/MM/dd HH:mm:ss
        assert_eq!(t.len(), 19, "{t}");
        assert_eq!((&t[4..5], &t[7..8], &t[10..11], &t[13..14]), ("/", "/", " ", ":"), "{t}");
    }
}

#[test]
fn https_with_basic_authentication_a_ca_file_or_allow_insecure() {
    const PASSWORD: &str = "os-Pa55word";
    let os = OpenSearch::start();
    let certs = Certificates::generate();
    let other_ca = Certificates::generate();
    let proxy = HttpsProxy::start(os.port(), &certs, "avnadmin", PASSWORD);
    let job = |index: &str, extra: &str| {
        format!(
            "CREATE TABLE alerts (host STRING, usage DOUBLE) WITH ('connector' = 'opensearch', 'hosts' = '{}',
               'index' = '{index}', 'username' = 'avnadmin', 'password' = '{PASSWORD}'{extra});
             INSERT INTO alerts VALUES ('happy', 95.5), ('sleepy', 99.0);\n",
            proxy.url()
        )
    };
    let ca = format!(", 'sluice.ssl.ca-location' = '{}'", certs.file("ca.pem"));
    let (ok, log) = try_run("https-ca", &job("with-ca", &ca));
    assert!(ok, "{log}");
    assert_eq!(os.count("with-ca"), 2);
    let (ok, log) = try_run("https-insecure", &job("insecure", ", 'allow-insecure' = 'true'"));
    assert!(ok, "{log}");
    assert_eq!(os.count("insecure"), 2);
    assert_eq!(proxy.refused(), 0);

    // Refused at once, with what to check, and never showing the password: a CA that did
    // not sign the server's certificate (the system's CAs did not either), and a wrong
    // password.
    let untrusted = format!(", 'sluice.ssl.ca-location' = '{}'", other_ca.file("ca.pem"));
    let (ok, log) = try_run("https-untrusted", &job("untrusted", &untrusted));
    assert!(!ok && log.contains("cannot set up TLS") && log.contains("sluice.ssl.ca-location"), "{log}");
    assert!(!log.contains("retry"), "a certificate failure is not retried: {log}");
    let wrong = job("wrong", &ca).replace(PASSWORD, "not-the-Pa55word");
    let (ok, log) = try_run("https-wrong-password", &wrong);
    assert!(!ok && log.contains("401") && log.contains("\"password\""), "{log}");
    assert!(proxy.refused() >= 1);
    assert!(!log.contains(PASSWORD) && !log.contains("not-the-Pa55word"), "{log}");
    assert_eq!(os.count("untrusted") + os.count("wrong"), 0);
}
