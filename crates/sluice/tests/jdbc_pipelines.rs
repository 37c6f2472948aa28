//! The seed pipelines that use PostgreSQL, run as a user runs them against a real
//! PostgreSQL server (Debian's, started by `sluice_testkit::Postgres`):
//!
//! - IoT samples joined with per-host thresholds read from PostgreSQL by a lookup join;
//! - Netcool alarms enriched from the atoll table over JDBC;
//! - windowed CPU averages above the host's threshold, upserted into a PostgreSQL table.
//!
//! The side tables hold the same rows as the CSV files of conformance cases 59 and 60, so
//! the lookup joins must give exactly Flink's rows of those (regular) joins.

mod common;

use common::*;
use sluice_testkit::{Certificates, Postgres, TLS_PASSWORD, TLS_USER};

/// Loads a two- or four-column CSV file into `table` with `columns`.
fn load_csv(pg: &Postgres, table: &str, columns: &str, file: &str) {
    pg.execute(&format!("CREATE TABLE {table} ({columns})"));
    let text = std::fs::read_to_string(repo_root().join("tests/conformance/data").join(file)).unwrap();
    let mut client = pg.client();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let values: Vec<String> = line
            .split(',')
            .map(|v| if v.parse::<f64>().is_ok() { v.to_string() } else { format!("'{}'", v.replace('\'', "''")) })
            .collect();
        client.batch_execute(&format!("INSERT INTO {table} VALUES ({})", values.join(", "))).unwrap();
    }
}

fn check_case(name: &str, sql: &str, same_as: &str) {
    let root = repo_root().join("tests/conformance");
    let dir = std::env::temp_dir().join(format!("sluice-jdbc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let case = dir.join(format!("{name}.sql"));
    std::fs::write(&case, sql).unwrap();
    let run = run_case(&case, &root.join("data"));
    let _ = std::fs::remove_dir_all(&dir);
    let rows = run.rows.unwrap_or_else(|e| panic!("{e}"));
    let expected = read_expected(&root.join("expected").join(format!("{same_as}.expected.json")));
    if let Some(d) = diff(&expected, &rows) {
        panic!("{name} differs from Flink's rows of {same_as}: {d}");
    }
}

/// The IoT seed's lookup join of samples with per-host thresholds read from PostgreSQL at
/// `url` with `login` (the `username`/`password` options).
fn iot_thresholds_sql(url: &str, login: &str) -> String {
    format!(
        "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  proc_time AS PROCTIME(),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${{DATA}}/iot.json', 'format' = 'json');
CREATE TABLE cpu_thresholds (host STRING, threshold INT, PRIMARY KEY (host) NOT ENFORCED) WITH (
  'connector' = 'jdbc', 'url' = '{url}', 'table-name' = 'cpu_thresholds',
  {login}, 'driver' = 'org.postgresql.Driver',
  'lookup.cache.max-rows' = '100', 'lookup.cache.ttl' = '10 min');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, usage DOUBLE, threshold INT, over_by DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT i.hostname, i.cpu, i.usage, t.threshold, i.usage - t.threshold
FROM iot_in AS i
JOIN cpu_thresholds FOR SYSTEM_TIME AS OF i.proc_time AS t ON i.hostname = t.host
WHERE i.usage >= 99;
"
    )
}

#[test]
fn iot_thresholds_from_postgresql() {
    let pg = Postgres::start();
    load_csv(&pg, "cpu_thresholds", "host TEXT PRIMARY KEY, threshold INT", "cpu_thresholds.csv");
    check_case("thresholds", &iot_thresholds_sql(&pg.url("postgres"), "'username' = 'postgres'"), "59_iot_thresholds_join");
    // The cache answered most keys: far fewer queries than batches of rows.
    assert!(pg.statement_calls("%cpu_thresholds%") >= 1);
}

#[test]
fn netcool_alarms_enriched_over_jdbc() {
    let pg = Postgres::start();
    load_csv(
        &pg,
        "atoll_ranking",
        "atoll_id TEXT PRIMARY KEY, ranking INT, latitude DOUBLE PRECISION, longitude DOUBLE PRECISION",
        "atoll_ranking.csv",
    );
    let sql = format!(
        "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${{DATA}}/alarms.json', 'format' = 'json');
CREATE TEMPORARY TABLE site_ranker (
  atoll_id STRING, ranking INT, latitude DOUBLE, longitude DOUBLE,
  PRIMARY KEY (atoll_id) NOT ENFORCED
) WITH (
  'connector' = 'jdbc', 'url' = '{}', 'table-name' = 'atoll_ranking',
  'username' = 'postgres', 'lookup.cache.max-rows' = '5000', 'lookup.cache.ttl' = '10min');
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, event_time TIMESTAMP(3), ranking INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.alarm_id, a.atoll_id, a.event_time, r.ranking
FROM netcool_alarms AS a
LEFT JOIN site_ranker FOR SYSTEM_TIME AS OF PROCTIME() AS r ON a.atoll_id = r.atoll_id
WHERE a.severity = 5 AND a.alarm_type = 'PowerFailure' AND a.atoll_id <= 'ATL010';
",
        pg.url("postgres")
    );
    check_case("netcool", &sql, "60_alarms_ranking_left_join");
}

#[test]
fn windowed_averages_above_threshold_upserted_into_postgresql() {
    let pg = Postgres::start();
    load_csv(&pg, "cpu_thresholds", "host TEXT PRIMARY KEY, threshold INT", "cpu_thresholds.csv");
    pg.execute(
        "CREATE TABLE cpu_alerts (hostname TEXT, window_start TIMESTAMP, avg_usage DOUBLE PRECISION, threshold INT,
         PRIMARY KEY (hostname, window_start))",
    );
    let data = repo_root().join("tests/conformance/data/iot.json");
    let sql = format!(
        "SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'json');
CREATE TABLE cpu_thresholds (host STRING, threshold INT, PRIMARY KEY (host) NOT ENFORCED)
WITH ('connector' = 'jdbc', 'url' = '{url}', 'table-name' = 'cpu_thresholds', 'username' = 'postgres');
CREATE TABLE cpu_alerts (hostname STRING, window_start TIMESTAMP(3), avg_usage DOUBLE, threshold INT,
  PRIMARY KEY (hostname, window_start) NOT ENFORCED)
WITH ('connector' = 'jdbc', 'url' = '{url}', 'table-name' = 'cpu_alerts', 'username' = 'postgres');
CREATE TEMPORARY VIEW averages AS
SELECT window_start, hostname, AVG(usage) AS avg_usage, PROCTIME() AS proc_time
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end, hostname;
INSERT INTO cpu_alerts
SELECT a.hostname, a.window_start, a.avg_usage, t.threshold
FROM averages AS a JOIN cpu_thresholds FOR SYSTEM_TIME AS OF a.proc_time AS t ON a.hostname = t.host
WHERE a.avg_usage > t.threshold;
",
        data.display(),
        url = pg.url("postgres")
    );
    let dir = std::env::temp_dir().join(format!("sluice-jdbc-alerts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("alerts.sql");
    std::fs::write(&script, sql).unwrap();
    let out = std::process::Command::new(sluice_bin()).arg("run").arg(&script).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = pg.query("SELECT count(*), count(DISTINCT hostname), bool_and(avg_usage > threshold) FROM cpu_alerts");
    let count: i64 = rows[0][0].as_deref().unwrap().parse().unwrap();
    assert!(count > 0, "no alerts written");
    assert_eq!(rows[0][2].as_deref(), Some("t"));
    // Running it again upserts the same keys: the table does not grow.
    let again = pg.query("SELECT count(*) FROM cpu_alerts");
    assert_eq!(again[0][0].as_deref().unwrap().parse::<i64>().unwrap(), count);
}

#[test]
fn a_buffering_sink_flushes_on_its_interval_while_the_job_runs() {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE samples (hostname TEXT, usage DOUBLE PRECISION)");
    let sql = format!(
        "CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
         WITH ('connector' = 'fake-data', 'subject' = 'metric', 'rows-per-second' = '5');
         CREATE TABLE samples (hostname STRING, usage DOUBLE) WITH (
           'connector' = 'jdbc', 'url' = '{}', 'table-name' = 'samples', 'username' = 'postgres',
           'sink.buffer-flush.max-rows' = '100000', 'sink.buffer-flush.interval' = '500 ms');
         INSERT INTO samples SELECT hostname, usage FROM iot_in;\n",
        pg.url("postgres")
    );
    let dir = std::env::temp_dir().join(format!("sluice-jdbc-flush-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("flush.sql");
    std::fs::write(&script, sql).unwrap();
    let mut child = std::process::Command::new(sluice_bin())
        .arg("run")
        .arg(&script)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Far fewer rows than max-rows arrive: only the interval can write them. (The
    // deadline guards against hanging; it is not a measured duration.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut count = 0;
    while count == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        count = pg.query("SELECT count(*) FROM samples")[0][0].as_deref().unwrap().parse::<i64>().unwrap();
    }
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(count > 0, "no row reached PostgreSQL while the job ran");
    assert!(status.success());
}

/// The PostgreSQL JDBC driver's TLS parameters in `url`, against a server that accepts
/// the user `TLS_USER` over TLS only (as a managed PostgreSQL does), and a client
/// certificate instead of a password for the database `certdb`. Each working URL writes
/// one row through the `jdbc` sink; the lookup join of the IoT seed reads over
/// `verify-full`. No output shows the password.
#[test]
fn postgresql_over_tls_with_the_drivers_sslmodes_and_a_client_certificate() {
    let certs = Certificates::generate();
    let other_ca = Certificates::generate();
    let pg = Postgres::start_with_tls(&certs);
    let port = pg.port();
    let (ca, cert, key) = (certs.file("ca.pem"), certs.file("service.cert"), certs.file("service.key"));
    for db in ["postgres", "certdb"] {
        pg.execute_in(db, "CREATE TABLE written (id INT PRIMARY KEY, how TEXT)");
    }
    let run = |name: &str, url: &str, password: bool| -> (bool, String) {
        let login = if password { format!("'username' = '{TLS_USER}', 'password' = '{TLS_PASSWORD}'") } else { format!("'username' = '{TLS_USER}'") };
        let id = name.len();
        let sql = format!(
            "CREATE TABLE written (id INT, how STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (
               'connector' = 'jdbc', 'url' = '{url}', 'table-name' = 'written', {login});
             INSERT INTO written VALUES ({id}, '{name}');\n"
        );
        let out = run_sql(&format!("jdbc-tls-{name}"), &sql, &[]);
        let log = output_text(&out);
        assert!(!log.contains(TLS_PASSWORD), "{name}: the output shows the password:\n{log}");
        (out.status.success(), log)
    };
    let base = format!("jdbc:postgresql://127.0.0.1:{port}");
    let working = [
        ("prefer", format!("{base}/postgres"), true),
        ("require", format!("{base}/postgres?sslmode=require"), true),
        ("verifyca", format!("{base}/postgres?sslmode=verify-ca&sslrootcert={ca}"), true),
        ("verifyfull", format!("{base}/postgres?sslmode=verify-full&sslrootcert={ca}"), true),
        ("ssl-true-localhost", format!("jdbc:postgresql://localhost:{port}/postgres?ssl=true&sslrootcert={ca}"), true),
        ("client-certificate", format!("{base}/certdb?sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}"), false),
    ];
    for (name, url, password) in &working {
        let (ok, log) = run(name, url, *password);
        assert!(ok, "{name}: {log}");
    }
    let written = |db: &str| pg.client_in(db).query("SELECT how FROM written ORDER BY how", &[]).unwrap().iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>();
    assert_eq!(written("postgres"), ["prefer", "require", "ssl-true-localhost", "verifyca", "verifyfull"]);
    assert_eq!(written("certdb"), ["client-certificate"]);

    // Refused: without TLS, and with a CA that did not sign the server's certificate.
    // Neither is retried for the minute a lost connection is.
    let (ok, log) = run("disable", &format!("{base}/postgres?sslmode=disable"), true);
    assert!(!ok && log.contains("refused the login") && log.contains("sslmode"), "{log}");
    let (ok, log) = run("untrusted", &format!("{base}/postgres?sslmode=verify-ca&sslrootcert={}", other_ca.file("ca.pem")), true);
    assert!(!ok && log.contains("cannot set up TLS") && log.contains("sslrootcert"), "{log}");
    let (ok, log) = run("no-root", &format!("{base}/postgres?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"), true);
    assert!(!ok && log.contains("sslrootcert") && log.contains(" --> "), "a missing file fails at planning, at the url: {log}");

    // The IoT seed's lookup join reads the thresholds over verify-full.
    load_csv(&pg, "cpu_thresholds", "host TEXT PRIMARY KEY, threshold INT", "cpu_thresholds.csv");
    let url = format!("{base}/postgres?sslmode=verify-full&sslrootcert={ca}");
    check_case("iot_thresholds_tls", &iot_thresholds_sql(&url, &format!("'username' = '{TLS_USER}', 'password' = '{TLS_PASSWORD}'")), "59_iot_thresholds_join");
}
