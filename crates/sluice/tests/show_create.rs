//! `SHOW CREATE TABLE` and `SHOW CREATE VIEW` against Flink's own text: each
//! `tests/show_create/NAME.sql` runs with `sluice run --quiet`, and its stdout must equal
//! `NAME.flink.txt`, which Apache Flink 2.3 printed for the same script
//! (`tests/show_create/make_expected.py`). Secret option values, which Sluice masks and
//! Flink does not, are checked by `secrets_are_masked` below and by the golden test
//! `tests/sql/show_create_secrets.sql`.

mod common;

use std::process::Command;

use common::*;

#[test]
fn show_create_prints_flinks_text() {
    let dir = repo_root().join("tests/show_create");
    let scripts = case_scripts(&dir);
    assert!(!scripts.is_empty());
    let mut failures = Vec::new();
    for script in &scripts {
        let name = script.file_name().unwrap().to_string_lossy().to_string();
        let output = Command::new(sluice_bin()).args(["run", "--quiet", &name]).current_dir(&dir).output().expect("run sluice");
        let expected = std::fs::read_to_string(script.with_extension("flink.txt")).expect("Flink's text beside the case");
        let actual = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || actual != expected {
            failures.push(format!(
                "{name}: exit {:?}\n--- Flink\n{expected}--- Sluice\n{actual}--- stderr\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
        } else {
            eprintln!("{name:<32} ok");
        }
    }
    assert!(failures.is_empty(), "{} cases differ from Flink:\n{}", failures.len(), failures.join("\n"));
}

/// Credentials in a table's options never print: not in SHOW CREATE TABLE, DESCRIBE or
/// EXPLAIN (Flink prints them in SHOW CREATE TABLE; Sluice masks them on purpose).
#[test]
fn secrets_are_masked() {
    let secrets = ["s3cr3t-jaas-pw", "db-pw-789"];
    let sql = format!(
        "CREATE TABLE k (id INT, v STRING) WITH (
  'connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = 'localhost:9092', 'format' = 'json',
  'properties.security.protocol' = 'SASL_SSL', 'properties.sasl.mechanism' = 'PLAIN',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"{}\";');
CREATE TABLE pg (id INT, v STRING) WITH ('connector' = 'jdbc', 'url' = 'jdbc:postgresql://localhost:5432/db',
  'table-name' = 't', 'username' = 'u', 'password' = '{}');
CREATE TABLE out_t (id INT, v STRING) WITH ('connector' = 'blackhole');
SHOW CREATE TABLE k;
SHOW CREATE TABLE pg;
DESCRIBE k;
DESCRIBE pg;
EXPLAIN INSERT INTO out_t SELECT id, v FROM pg;
EXPLAIN INSERT INTO out_t SELECT id, v FROM k;
",
        secrets[0], secrets[1]
    );
    let out = run_sql("show_create_secrets", &sql, &["--quiet"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for secret in secrets {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "{secret} printed:\n{stdout}\n{stderr}");
    }
    assert!(stdout.contains("'password' = '******'"), "{stdout}\n{stderr}");
    assert!(stdout.contains("'properties.sasl.jaas.config' = '******'"), "{stdout}\n{stderr}");
    assert!(stdout.contains("'username' = 'u'"), "options that are not secrets print: {stdout}");
}
