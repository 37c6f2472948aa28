//! Kafka security settings as Flink users write them (the Java client's keys) and as
//! librdkafka spells them, against Apache Kafka with secured listeners:
//! - SASL_PLAINTEXT: `sasl.jaas.config` with the SCRAM and Plain login modules;
//! - SSL with client certificates (Aiven's default): the Java stores of Aiven's guide
//!   (`client.keystore.p12`, `client.truststore.jks`), PKCS12 and PEM stores, and the
//!   `ca.pem`/`service.cert`/`service.key` of `avn service user-creds-download`;
//! - SASL_SSL with SCRAM;
//! through the `kafka` and `upsert-kafka` connectors and `sluice gen`. No output of any
//! run, failed or not, shows a password.

use std::process::Command;

use sluice_testkit::{Certificates, KafkaBroker, STORE_PASSWORD};

mod common;

use common::kafka::{produce, read_topic};
use common::{output_text, run_sql};

const USER: &str = "avnadmin";
const PASSWORD: &str = "s3cret-Pa55";

/// Runs `sluice run` on `sql`; its success and everything it printed, which must never
/// hold a password.
fn run(name: &str, sql: &str) -> (bool, String) {
    let out = run_sql(&format!("kafka-security-{name}"), sql, &[]);
    let (ok, log) = (out.status.success(), output_text(&out));
    assert_no_secret(name, &log);
    (ok, log)
}

fn assert_no_secret(name: &str, log: &str) {
    for secret in [PASSWORD, STORE_PASSWORD, WRONG_PASSWORD] {
        assert!(!log.contains(secret), "{name}: the output shows a password:\n{log}");
    }
}

const WRONG_PASSWORD: &str = "not-the-Pa55word";

/// A filter from `input` to `output`, both through the SASL listener with `security`.
fn job(broker: &KafkaBroker, input: &str, output: &str, security: &str) -> String {
    filter_job(&broker.sasl_bootstrap(), input, output, security)
}

/// Keeps the even ids of `input` in `output`, both at `b` with `security`.
fn filter_job(b: &str, input: &str, output: &str, security: &str) -> String {
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
    let broker = KafkaBroker::start_secure(USER, PASSWORD, None);
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
    // A refused login is not retried, even under a restart strategy: retrying cannot mend it.
    let restarts = "SET 'execution.checkpointing.interval' = '1 s';\nSET 'restart-strategy.type' = 'fixed-delay';\n";
    let wrong = job(&broker, "in", "out-wrong", &jaas("scram.ScramLoginModule", WRONG_PASSWORD));
    let (ok, log) = run("wrong", &format!("{restarts}{wrong}"));
    assert!(!ok && !log.contains("restarting from"), "{log}");
    assert!(log.to_lowercase().contains("authentication"), "{log}");
    assert!(!log.contains("can be retried") && !log.contains("may succeed"), "{log}");
}

/// The even ids of `topic`, as a sorted list of the JSON values.
fn values(broker: &KafkaBroker, topic: &str) -> Vec<String> {
    let mut v: Vec<String> = read_topic(broker, topic, 1).into_iter().filter_map(|(_, _, v)| v).collect();
    v.sort();
    v
}

#[test]
fn aivens_certificates_connect_in_flinks_and_librdkafkas_spellings() {
    let certs = Certificates::generate().with_java_truststores();
    let broker = KafkaBroker::start_secure(USER, PASSWORD, Some(&certs));
    broker.create_topic("in", 1);
    let rows: Vec<String> = (0..10).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    produce(&broker, "in", &rows.iter().map(|r| (0, r.as_str())).collect::<Vec<_>>());
    let f = |file: &str| certs.file(file);
    let p = STORE_PASSWORD;
    let ssl = broker.ssl_bootstrap();
    let sasl_ssl = broker.sasl_ssl_bootstrap();
    let spellings = [
        (
            // Aiven's Java guide: a PKCS12 keystore and a JKS truststore made by keytool.
            "java-guide",
            &ssl,
            format!(
                "'properties.security.protocol' = 'SSL', 'properties.ssl.endpoint.identification.algorithm' = '',
                 'properties.ssl.truststore.location' = '{}', 'properties.ssl.truststore.password' = '{p}',
                 'properties.ssl.keystore.type' = 'PKCS12', 'properties.ssl.keystore.location' = '{}',
                 'properties.ssl.keystore.password' = '{p}', 'properties.ssl.key.password' = '{p}'",
                f("client.truststore.jks"),
                f("client.keystore.p12")
            ),
        ),
        (
            "pkcs12-truststore-pem-keystore",
            &ssl,
            format!(
                "'properties.security.protocol' = 'SSL',
                 'properties.ssl.truststore.type' = 'PKCS12', 'properties.ssl.truststore.location' = '{}',
                 'properties.ssl.truststore.password' = '{p}',
                 'properties.ssl.keystore.type' = 'PEM', 'properties.ssl.keystore.location' = '{}'",
                f("client.truststore.p12"),
                f("client.keystore.pem")
            ),
        ),
        (
            // `avn service user-creds-download` in librdkafka's keys.
            "librdkafka",
            &ssl,
            format!(
                "'properties.security.protocol' = 'SSL', 'properties.ssl.ca.location' = '{}',
                 'properties.ssl.certificate.location' = '{}', 'properties.ssl.key.location' = '{}'",
                f("ca.pem"),
                f("service.cert"),
                f("service.key")
            ),
        ),
        (
            "sasl-ssl-scram",
            &sasl_ssl,
            format!(
                "'properties.security.protocol' = 'SASL_SSL', 'properties.sasl.mechanism' = 'SCRAM-SHA-512',
                 'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{USER}\" password=\"{PASSWORD}\";',
                 'properties.ssl.truststore.type' = 'PEM', 'properties.ssl.truststore.location' = '{}'",
                f("ca.pem")
            ),
        ),
    ];
    let evens: Vec<String> = (0..10).step_by(2).map(|i| format!(r#"{{"id":{i}}}"#)).collect();
    for (name, bootstrap, security) in &spellings {
        let output = format!("out-{name}");
        broker.create_topic(&output, 1);
        let (ok, log) = run(name, &filter_job(bootstrap, "in", &output, security));
        assert!(ok, "{name}: {log}");
        assert_eq!(values(&broker, &output), evens, "{name}");
    }

    // upsert-kafka through the SSL listener, with the Java guide's stores.
    broker.create_topic("counts", 1);
    let security = &spellings[0].2;
    let (ok, log) = run(
        "upsert",
        &format!(
            "CREATE TABLE src (id INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '{ssl}',
               'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json', {security});
             CREATE TABLE counts (parity INT, n BIGINT, PRIMARY KEY (parity) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
               'topic' = 'counts', 'properties.bootstrap.servers' = '{ssl}', 'key.format' = 'json', 'value.format' = 'json', {security});
             INSERT INTO counts SELECT id % 2, COUNT(*) FROM src GROUP BY id % 2;\n"
        ),
    );
    assert!(ok, "upsert: {log}");
    let last: Vec<String> = values(&broker, "counts").into_iter().filter(|v| v.contains(r#""n":5"#)).collect();
    assert_eq!(last.len(), 2, "{:?}", values(&broker, "counts"));

    // Without a client certificate the SSL listener refuses the connection.
    broker.create_topic("out-no-cert", 1);
    let no_cert = format!("'properties.security.protocol' = 'SSL', 'properties.ssl.ca.location' = '{}'", f("ca.pem"));
    let (ok, log) = run("no-cert", &filter_job(&ssl, "in", "out-no-cert", &no_cert));
    assert!(!ok && log.contains("TLS handshake failed") && log.contains("properties.ssl.keystore.location"), "{log}");
    assert!(!log.contains("can be retried") && !log.contains("may succeed"), "{log}");

    // A truststore without the broker's CA: the broker's certificate is not trusted.
    let other = Certificates::generate();
    let untrusted = spellings[2].2.replacen(&f("ca.pem"), &other.file("ca.pem"), 1);
    let (ok, log) = run("untrusted", &filter_job(&ssl, "in", "out-no-cert", &untrusted));
    assert!(!ok && log.contains("TLS handshake failed") && log.contains("properties.ssl.truststore.location"), "{log}");

    // A wrong truststore password fails while the job is planned, naming the option.
    let wrong = spellings[0].2.replacen(&format!("'properties.ssl.truststore.password' = '{p}'"), &format!("'properties.ssl.truststore.password' = '{WRONG_PASSWORD}'"), 1);
    let (ok, log) = run("wrong-store-password", &filter_job(&ssl, "in", "out-no-cert", &wrong));
    assert!(!ok && log.contains("ssl.truststore.password") && log.contains("integrity"), "{log}");
}

#[test]
fn sluice_gen_produces_through_tls_in_javas_spelling() {
    let certs = Certificates::generate().with_java_truststores();
    let broker = KafkaBroker::start_secure(USER, PASSWORD, Some(&certs));
    let p = STORE_PASSWORD;
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["gen", "metric", "--topic", "metrics", "--count", "200", "--rate", "0", "--partitions", "1"])
        .args(["--bootstrap-servers", &broker.ssl_bootstrap()])
        .args(["-X", "security.protocol=SSL"])
        .args(["-X", &format!("ssl.truststore.location={}", certs.file("client.truststore.jks"))])
        .args(["-X", &format!("ssl.truststore.password={p}")])
        .args(["-X", "ssl.keystore.type=PKCS12"])
        .args(["-X", &format!("ssl.keystore.location={}", certs.file("client.keystore.p12"))])
        .args(["-X", &format!("ssl.keystore.password={p}")])
        .output()
        .expect("run sluice gen");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_no_secret("gen", &log);
    assert!(out.status.success(), "{log}");
    assert_eq!(read_topic(&broker, "metrics", 1).len(), 200);

    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["gen", "metric", "--count", "1", "--bootstrap-servers", &broker.ssl_bootstrap(), "-X", "securty.protocol=SSL"])
        .output()
        .expect("run sluice gen");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && log.contains("did you mean -X security.protocol?"), "{log}");
}

#[test]
fn dead_letters_reach_a_secured_cluster_with_the_tables_login() {
    let broker = KafkaBroker::start_secure(USER, PASSWORD, None);
    broker.create_topic("mixed", 1);
    broker.create_topic("dead", 1);
    broker.create_topic("dead-wrong", 1);
    let rows = [r#"{"id":1}"#, r#"{"id":"two"}"#, r#"{"id":4}"#, r#"{"id":"#, r#"{"id":6}"#];
    produce(&broker, "mixed", &rows.iter().map(|r| (0, *r)).collect::<Vec<_>>());
    let b = broker.sasl_bootstrap();
    let login = |password: &str| {
        format!(
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{USER}\" password=\"{password}\";"
        )
    };
    let job = |output: &str, dead: &str, extra: &str| {
        let security = format!(
            "'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = 'SCRAM-SHA-256',
             'properties.sasl.jaas.config' = '{}', 'sluice.dead-letter' = 'kafka://{b}/{dead}'{extra}",
            login(PASSWORD)
        );
        // Checkpoints make the dead letters transactional, so the transactions' own
        // client logs in too.
        let store = std::env::temp_dir().join(format!("sluice-kafka-security-{output}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&store);
        let checkpoints = format!(
            "SET 'execution.checkpointing.interval' = '1 ns';\nSET 'execution.checkpointing.dir' = 'file://{}';\n",
            store.display()
        );
        format!("{checkpoints}{}", filter_job(&b, "mixed", output, &security))
    };

    // The dead-letter topic is on the table's cluster: the table's login reaches it.
    broker.create_topic("out-dead", 1);
    let (ok, log) = run("dead-letters", &job("out-dead", "dead", ""));
    assert!(ok, "{log}");
    assert_eq!(values(&broker, "out-dead"), vec![r#"{"id":4}"#, r#"{"id":6}"#], "{log}");
    let mut dead: Vec<String> = read_topic(&broker, "dead", 1).into_iter().filter_map(|(_, _, v)| v).collect();
    dead.sort();
    assert_eq!(dead, vec![r#"{"id":"#.to_string(), r#"{"id":"two"}"#.to_string()], "{log}");

    // `sluice.dead-letter.properties.*` override it: a wrong password fails the job,
    // without showing either password.
    broker.create_topic("out-dead-wrong", 1);
    let wrong = format!(", 'sluice.dead-letter.properties.sasl.jaas.config' = '{}'", login(WRONG_PASSWORD));
    let (ok, log) = run("dead-letters-wrong", &job("out-dead-wrong", "dead-wrong", &wrong));
    assert!(!ok && log.to_lowercase().contains("authentication"), "{log}");
    assert!(read_topic(&broker, "dead-wrong", 1).is_empty());
}
