//! Kafka security settings as Flink users write them (the Java client's keys), against
//! Apache Kafka with a SASL_PLAINTEXT listener: `sasl.jaas.config` with the SCRAM and
//! Plain login modules, and librdkafka's own keys, for reading and writing; a wrong
//! password fails with an authentication error that never shows the password.
//! (TLS listeners are not tested here yet.)

use std::process::Command;

use sluice_testkit::KafkaBroker;

mod common;

use common::kafka::{produce, read_topic};

const USER: &str = "avnadmin";
const PASSWORD: &str = "s3cret-Pa55";

fn run(name: &str, sql: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("sluice-kafka-security-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("job.sql");
    std::fs::write(&script, sql).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sluice")).arg("run").arg(&script).output().expect("run sluice");
    let _ = std::fs::remove_dir_all(&dir);
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// A filter from `input` to `output`, both through the SASL listener with `security`.
fn job(broker: &KafkaBroker, input: &str, output: &str, security: &str) -> String {
    let b = broker.sasl_bootstrap();
    format!(
        "CREATE TABLE src (id INT) WITH ('connector' = 'kafka', 'topic' = '{input}', 'properties.bootstrap.servers' = '{b}',
           'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json', {security});
         CREATE TABLE dst (id INT) WITH ('connector' = 'kafka', 'topic' = '{output}', 'properties.bootstrap.servers' = '{b}',
           'format' = 'json', {security});
         INSERT INTO dst SELECT id FROM src WHERE id % 2 = 0;\n"
    )
}

#[test]
fn flinks_and_librdkafkas_spellings_log_in_and_a_wrong_password_is_never_shown() {
    let broker = KafkaBroker::start_with_scram(USER, PASSWORD);
    broker.create_topic("in", 1);
    let rows: Vec<String> = (0..10).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    produce(&broker, "in", &rows.iter().map(|r| (0, r.as_str())).collect::<Vec<_>>());
    let jaas = |module: &str, password: &str| {
        format!(
            "'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = '{}',
             'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.{module} required username=\"{USER}\" password=\"{password}\";'",
            if module.starts_with("scram") { "SCRAM-SHA-256" } else { "PLAIN" }
        )
    };
    let spellings = [
        ("scram", jaas("scram.ScramLoginModule", PASSWORD)),
        ("plain", jaas("plain.PlainLoginModule", PASSWORD)),
        (
            "librdkafka",
            format!(
                "'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanisms' = 'SCRAM-SHA-512',
                 'properties.sasl.username' = '{USER}', 'properties.sasl.password' = '{PASSWORD}'"
            ),
        ),
    ];
    for (name, security) in &spellings {
        let output = format!("out-{name}");
        broker.create_topic(&output, 1);
        let (ok, log) = run(name, &job(&broker, "in", &output, security));
        assert!(ok, "{name}: {log}");
        let ids: Vec<String> = read_topic(&broker, &output, 1).into_iter().filter_map(|(_, _, v)| v).collect();
        assert_eq!(ids.len(), 5, "{name}: {ids:?}");
    }

    broker.create_topic("out-wrong", 1);
    let (ok, log) = run("wrong", &job(&broker, "in", "out-wrong", &jaas("scram.ScramLoginModule", "not-the-password")));
    assert!(!ok, "{log}");
    assert!(log.to_lowercase().contains("authentication"), "{log}");
    assert!(!log.contains("not-the-password") || log.contains("CREATE TABLE"), "{log}");
}
