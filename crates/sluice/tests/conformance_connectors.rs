//! The connector-conformance tier: Flink SQL scripts that read and write real services
//! (Apache Kafka, PostgreSQL, an OpenSearch-compatible server), whose expected rows
//! Apache Flink 2.3 produced through its own connectors (Kafka, JDBC, Elasticsearch 7)
//! against the same services, loaded the same way.
//!
//! A case is `tests/conformance/connectors/cases/NAME.sql`. Its placeholders are
//! `${KAFKA}` (bootstrap servers), `${POSTGRES}` (a `jdbc:postgresql://` URL),
//! `${OPENSEARCH}` (an `http://` URL) and `${DATA}` (`tests/conformance/data`). Comment
//! lines at its top say what the services hold before the script runs and where its
//! rows are read from afterwards:
//!
//! ```text
//! -- topic NAME: file=DATA_FILE partitions=N [key=FIELD] [timestamp=FIELD]
//! -- topic NAME: partitions=N                      (an empty output topic)
//! -- postgres: SQL                                 (one statement)
//! -- postgres-csv TABLE: DATA_FILE                 (rows into an existing table)
//! -- result: topic NAME | upsert-topic NAME | postgres SELECT ... | opensearch INDEX | print
//! ```
//!
//! Each line of a data file becomes one message keyed by `key`, in the partition its
//! key hashes to (round-robin without a key), so every partition holds an in-order share
//! and every key's rows keep their order; it is stamped with the time in `timestamp` (epoch milliseconds, or `yyyy-MM-dd HH:mm:ss[.SSS]` in UTC). A `topic`
//! result is the multiset of its JSON values; an `upsert-topic` result is the last value
//! per key, tombstones deleting; a `postgres` result is the query's rows; an `opensearch`
//! result is every document's source.
//!
//! `SLUICE_CONFORMANCE_FLINK=1` runs the cases on Flink instead (PyFlink from
//! `FLINK_PYTHON` or `~/.cache/flink-oracle-venv`, with the connector jars that
//! `scripts/flink.sh` installs) and writes their expected rows; run it twice to see
//! that Flink's answer is stable.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::kafka::read_topic;
use common::*;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use serde_json::Value;
use sluice_testkit::{KafkaBroker, OpenSearch, Postgres};

/// What a case's header says.
#[derive(Default)]
struct Header {
    topics: Vec<TopicInput>,
    postgres: Vec<PostgresSetup>,
    result: Option<ResultSource>,
}

struct TopicInput {
    name: String,
    partitions: u32,
    file: Option<String>,
    key: Option<String>,
    timestamp: Option<String>,
}

enum PostgresSetup {
    Sql(String),
    Csv { table: String, file: String },
}

enum ResultSource {
    Topic(String),
    UpsertTopic(String),
    Postgres(String),
    OpenSearch(String),
    Print,
}

fn parse_header(sql: &str) -> Result<Header, String> {
    let mut header = Header::default();
    for line in sql.lines().map(str::trim).take_while(|l| l.starts_with("--")) {
        let line = line.trim_start_matches("--").trim();
        if let Some(rest) = line.strip_prefix("topic ") {
            let (name, options) = rest.split_once(':').ok_or_else(|| format!("bad topic line: {line}"))?;
            let mut topic =
                TopicInput { name: name.trim().to_string(), partitions: 1, file: None, key: None, timestamp: None };
            for option in options.split_whitespace() {
                match option.split_once('=') {
                    Some(("file", v)) => topic.file = Some(v.to_string()),
                    Some(("partitions", v)) => topic.partitions = v.parse().map_err(|_| format!("bad partitions: {line}"))?,
                    Some(("key", v)) => topic.key = Some(v.to_string()),
                    Some(("timestamp", v)) => topic.timestamp = Some(v.to_string()),
                    _ => return Err(format!("unknown topic option {option:?}: {line}")),
                }
            }
            header.topics.push(topic);
        } else if let Some(sql) = line.strip_prefix("postgres:") {
            header.postgres.push(PostgresSetup::Sql(sql.trim().to_string()));
        } else if let Some(rest) = line.strip_prefix("postgres-csv ") {
            let (table, file) = rest.split_once(':').ok_or_else(|| format!("bad postgres-csv line: {line}"))?;
            header.postgres.push(PostgresSetup::Csv { table: table.trim().to_string(), file: file.trim().to_string() });
        } else if let Some(rest) = line.strip_prefix("result:") {
            let rest = rest.trim();
            let (kind, arg) = rest.split_once(' ').map(|(k, a)| (k, a.trim().to_string())).unwrap_or((rest, String::new()));
            header.result = Some(match kind {
                "topic" => ResultSource::Topic(arg),
                "upsert-topic" => ResultSource::UpsertTopic(arg),
                "postgres" => ResultSource::Postgres(arg),
                "opensearch" => ResultSource::OpenSearch(arg),
                "print" => ResultSource::Print,
                other => return Err(format!("unknown result kind {other:?}")),
            });
        }
    }
    if header.result.is_none() {
        return Err("the header names no `-- result:`".into());
    }
    Ok(header)
}

/// The services one case needs, started for it alone.
struct Services {
    kafka: Option<KafkaBroker>,
    postgres: Option<Postgres>,
    opensearch: Option<OpenSearch>,
}

impl Services {
    fn start(sql: &str, header: &Header, data: &Path) -> Services {
        let kafka = sql.contains("${KAFKA}").then(KafkaBroker::start);
        let postgres = sql.contains("${POSTGRES}").then(Postgres::start);
        let opensearch = sql.contains("${OPENSEARCH}").then(OpenSearch::start);
        if let Some(broker) = &kafka {
            for topic in &header.topics {
                broker.create_topic(&topic.name, topic.partitions);
                if let Some(file) = &topic.file {
                    produce_file(broker, topic, &data.join(file));
                }
            }
        }
        if let Some(pg) = &postgres {
            for step in &header.postgres {
                match step {
                    PostgresSetup::Sql(sql) => pg.execute(sql),
                    PostgresSetup::Csv { table, file } => load_csv(pg, table, &data.join(file)),
                }
            }
        }
        Services { kafka, postgres, opensearch }
    }

    fn render(&self, sql: &str, data: &Path) -> String {
        let mut sql = sql.replace("${DATA}", &data.display().to_string());
        if let Some(k) = &self.kafka {
            sql = sql.replace("${KAFKA}", &k.bootstrap());
        }
        if let Some(pg) = &self.postgres {
            sql = sql.replace("${POSTGRES}", &pg.url("postgres"));
        }
        if let Some(os) = &self.opensearch {
            sql = sql.replace("${OPENSEARCH}", &os.url());
        }
        sql
    }

    fn result_rows(&self, result: &ResultSource, stdout: &str) -> Rows {
        let kafka = || self.kafka.as_ref().expect("a topic result needs ${KAFKA} in the script");
        match result {
            ResultSource::Print => rows_from_changelog(stdout),
            ResultSource::Topic(topic) => {
                let mut rows = Rows::new();
                for (_, _, value) in read_topic(kafka(), topic, partitions_of(kafka(), topic)) {
                    *rows.entry(json_row(&value.unwrap_or_default())).or_default() += 1;
                }
                rows
            }
            ResultSource::UpsertTopic(topic) => {
                let mut last = std::collections::BTreeMap::new();
                for (_, key, value) in read_topic(kafka(), topic, partitions_of(kafka(), topic)) {
                    match value {
                        Some(v) => last.insert(key, v),
                        None => last.remove(&key),
                    };
                }
                let mut rows = Rows::new();
                for value in last.values() {
                    *rows.entry(json_row(value)).or_default() += 1;
                }
                rows
            }
            ResultSource::Postgres(query) => {
                let pg = self.postgres.as_ref().expect("a postgres result needs ${POSTGRES} in the script");
                let mut rows = Rows::new();
                for row in pg.query(query) {
                    *rows.entry(row.iter().map(|v| v.as_deref().and_then(norm_str)).collect()).or_default() += 1;
                }
                rows
            }
            ResultSource::OpenSearch(index) => {
                let os = self.opensearch.as_ref().expect("an opensearch result needs ${OPENSEARCH} in the script");
                let mut rows = Rows::new();
                for source in os.all_sources(index) {
                    *rows.entry(object_row(&source)).or_default() += 1;
                }
                rows
            }
        }
    }
}

fn partitions_of(broker: &KafkaBroker, topic: &str) -> i32 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = ClientConfig::new().set("bootstrap.servers", broker.bootstrap()).create().unwrap();
    let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(30)).expect("topic metadata");
    metadata.topics().first().map(|t| t.partitions().len() as i32).unwrap_or(1)
}

/// A JSON object's values in the order of its sorted keys, as `rows_from_files` reads.
fn json_row(text: &str) -> Vec<Option<String>> {
    let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("bad JSON message {text:?}: {e}"));
    object_row(&value)
}

fn object_row(value: &Value) -> Vec<Option<String>> {
    let Value::Object(map) = value else { panic!("not a JSON object: {value}") };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys.iter().map(|k| norm(&map[*k])).collect()
}

/// Writes each line of `file` as one message (see the module doc for the partition).
fn produce_file(broker: &KafkaBroker, topic: &TopicInput, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"));
        let key = topic.key.as_ref().map(|k| match &record[k.as_str()] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let timestamp = topic.timestamp.as_ref().map(|field| epoch_millis(&record[field.as_str()]));
        // Rows with a key go to one partition per key, in file order, so that each key's
        // rows reach an aggregate in the same order on every run (a DOUBLE sum's last
        // digits depend on it); rows without a key go round-robin.
        let partition = match &key {
            Some(k) => (k.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
                % topic.partitions as u64) as i32,
            None => (i as u32 % topic.partitions) as i32,
        };
        let mut message = BaseRecord::<String, str>::to(&topic.name).partition(partition).payload(line);
        if let Some(k) = &key {
            message = message.key(k);
        }
        if let Some(t) = timestamp {
            message = message.timestamp(t);
        }
        producer.send(message).map_err(|(e, _)| e).expect("queue a message");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(120)).expect("deliver the messages");
}

/// Epoch milliseconds of a JSON number, or of a `yyyy-MM-dd HH:mm:ss[.SSS]` text in UTC.
fn epoch_millis(value: &Value) -> i64 {
    if let Some(n) = value.as_i64() {
        return n;
    }
    let text = value.as_str().unwrap_or_else(|| panic!("not a time: {value}"));
    let format = if text.contains('.') { "%Y-%m-%d %H:%M:%S%.f" } else { "%Y-%m-%d %H:%M:%S" };
    chrono::NaiveDateTime::parse_from_str(text, format)
        .unwrap_or_else(|e| panic!("not a time {text:?}: {e}"))
        .and_utc()
        .timestamp_millis()
}

/// Inserts each line of a CSV file (no header) into `table`, every value as a quoted
/// literal that PostgreSQL casts to the column's type.
fn load_csv(pg: &Postgres, table: &str, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    let mut client = pg.client();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let values: Vec<String> = line.split(',').map(|v| format!("'{}'", v.replace('\'', "''"))).collect();
        client.batch_execute(&format!("INSERT INTO {table} VALUES ({})", values.join(", "))).unwrap();
    }
}

enum Engine {
    Sluice,
    Flink(PathBuf),
}

/// Runs the rendered script; returns its stdout, or the failure with stderr.
fn run(engine: &Engine, script: &Path) -> Result<String, String> {
    let output = match engine {
        Engine::Sluice => Command::new(sluice_bin()).arg("run").arg(script).output(),
        Engine::Flink(python) => {
            let job = script.with_file_name("flink_job.py");
            std::fs::write(&job, FLINK_JOB).expect("write the Flink job");
            Command::new(python).arg(&job).arg(script).output()
        }
    }
    .map_err(|e| format!("cannot start the engine: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("failed ({}):\n{}{stdout}", output.status, String::from_utf8_lossy(&output.stderr)))
    }
}

/// As `../shared/flink-oracle/oracle.py` runs a case: streaming mode, parallelism 1,
/// statements split at `;` ending a line, `SET` lines as configuration.
const FLINK_JOB: &str = r#"
import re, sys
from pyflink.table import EnvironmentSettings, TableEnvironment
t = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t.get_config().set("parallelism.default", "1")
last = None
for s in open(sys.argv[1], encoding="utf-8").read().split(";\n"):
    body = "\n".join(l for l in s.splitlines() if not l.strip().startswith("--")).strip().rstrip(";")
    if not body:
        continue
    m = re.match(r"^SET\s+'([^']+)'\s*=\s*'([^']*)'$", body, re.I)
    if m:
        t.get_config().set(m.group(1), m.group(2))
        continue
    last = t.execute_sql(body)
if last is not None:
    last.wait()
"#;

fn flink_python() -> PathBuf {
    std::env::var_os("FLINK_PYTHON").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/flink-oracle-venv/bin/python")
    })
}

#[test]
fn flink_conformance_over_real_connectors() {
    let root = repo_root().join("tests/conformance");
    let data = root.join("data");
    let folder = root.join("connectors");
    let engine = if std::env::var_os("SLUICE_CONFORMANCE_FLINK").is_some() {
        Engine::Flink(flink_python())
    } else {
        Engine::Sluice
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(folder.join("cases"))
        .expect("the connector cases folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    cases.sort();
    let only = std::env::var("SLUICE_CONFORMANCE_CASE").ok();
    let work = std::env::temp_dir().join(format!("sluice-connector-cases-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let sql = std::fs::read_to_string(case).unwrap();
        let header = match parse_header(&sql) {
            Ok(h) => h,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let services = Services::start(&sql, &header, &data);
        let script = work.join(format!("{name}.sql"));
        std::fs::write(&script, services.render(&sql, &data)).unwrap();
        ran += 1;
        let stdout = match run(&engine, &script) {
            Ok(stdout) => stdout,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let rows = services.result_rows(header.result.as_ref().expect("checked by parse_header"), &stdout);
        let expected = folder.join("expected").join(format!("{name}.expected.json"));
        match engine {
            Engine::Flink(_) => {
                write_expected(&expected, &rows);
                eprintln!("{name:<40} {} rows from Flink written", rows.values().sum::<i64>());
            }
            Engine::Sluice => match diff(&read_expected(&expected), &rows) {
                None => eprintln!("{name:<40} match"),
                Some(d) => failures.push(format!("{name}: rows differ from Flink's: {d}")),
            },
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    assert!(failures.is_empty(), "{} of {ran} connector cases failed:\n{}", failures.len(), failures.join("\n\n"));
    assert!(ran > 0 || only.is_some(), "no connector cases ran");
}
