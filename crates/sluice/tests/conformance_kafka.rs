//! The Flink-conformance cases again, with their JSON inputs read from Kafka instead of
//! files. Each data file is written, line by line, into a one-partition topic of a real
//! Apache Kafka broker; each case's `filesystem` JSON sources are rewritten
//! into `kafka` sources over those topics, bounded at the offsets the job starts with.
//! The rows must still equal the rows Apache Flink produced from the files (or, for a
//! known difference, Sluice's recorded rows): the Kafka reader changes where rows come
//! from, never what a query returns. Every case with JSON inputs runs and is asserted on
//! its own, except the versioned tables listed in `VERSIONED_FROM_FILES`.

mod common;


use common::kafka::produce;
use common::*;
use regex::Regex;
use sluice_testkit::KafkaBroker;

/// Cases whose JSON inputs are versioned tables (with a PRIMARY KEY), which a `kafka`
/// table cannot be; they run from files in the file tier only.
const VERSIONED_FROM_FILES: &[&str] = &["73_transactions_temporal_join", "74_transactions_temporal_left_join"];

fn produce_file(broker: &KafkaBroker, topic: &str, path: &std::path::Path) {
    broker.create_topic(topic, 1);
    let text = std::fs::read_to_string(path).expect("data file");
    let lines: Vec<(i32, &str)> = text.lines().filter(|l| !l.trim().is_empty()).map(|l| (0, l)).collect();
    produce(broker, topic, &lines);
}

#[test]
fn flink_conformance_over_kafka() {
    let root = repo_root().join("tests/conformance");
    let listed = |file: &str| -> Vec<String> {
        std::fs::read_to_string(root.join(file))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| !n.starts_with('#'))
            .map(String::from)
            .collect()
    };
    let pending = listed("pending.txt");
    let known = known_differences(&root);

    let broker = KafkaBroker::start();
    let source = Regex::new(
        r"'connector'\s*=\s*'filesystem',\s*'path'\s*=\s*'\$\{DATA\}/([A-Za-z0-9_]+)\.json',\s*'format'\s*=\s*'json'",
    )
    .unwrap();
    let kafka = format!(
        "'connector' = 'kafka', 'topic' = '$1', 'properties.bootstrap.servers' = '{}', \
         'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json'",
        broker.bootstrap()
    );

    // Any JSON file source, however its options are laid out.
    let json_file_source = Regex::new(r"'connector'\s*=\s*'filesystem'[^;]*?\.json'").unwrap();

    let cases = case_scripts(&root.join("cases"));
    let work = std::env::temp_dir().join(format!("sluice-kafka-cases-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut topics: Vec<String> = Vec::new();
    let (mut failures, mut passed) = (Vec::new(), 0);
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let sql = std::fs::read_to_string(case).unwrap();
        if pending.contains(&name) || !json_file_source.is_match(&sql) {
            continue;
        }
        // A plain `kafka` table takes no PRIMARY KEY (as in Flink); a versioned table
        // over Kafka is an `upsert-kafka` one, which reads a different topic layout. A
        // key on another table (a sink) does not matter here.
        if sql.split(';').any(|statement| statement.contains("PRIMARY KEY") && json_file_source.is_match(statement)) {
            if !VERSIONED_FROM_FILES.contains(&name.as_str()) {
                failures.push(format!("{name}: a case with a PRIMARY KEY; add it to VERSIONED_FROM_FILES or run it over Kafka"));
            }
            continue;
        }
        for c in source.captures_iter(&sql) {
            let topic = c[1].to_string();
            if !topics.contains(&topic) {
                produce_file(&broker, &topic, &root.join("data").join(format!("{topic}.json")));
                topics.push(topic);
            }
        }
        let rewritten_sql = source.replace_all(&sql, kafka.as_str()).into_owned();
        if json_file_source.is_match(&rewritten_sql) {
            failures.push(format!("{name}: a JSON file source the rewrite into Kafka does not match; the case would read files"));
            continue;
        }
        let rewritten = work.join(format!("{name}.sql"));
        std::fs::write(&rewritten, rewritten_sql).unwrap();
        let expected = read_expected(&root.join("expected").join(format!("{name}.expected.json")));
        let rows = run_case(&rewritten, &root.join("data")).rows;
        if known.contains(&name) {
            match rows.and_then(|rows| check_known_difference(&root, &name, &expected, &rows)) {
                Ok(_) => passed += 1,
                Err(e) => failures.push(format!("{name} (over Kafka): {e}")),
            }
            continue;
        }
        match rows {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(rows) => match diff(&expected, &rows) {
                None => {
                    passed += 1;
                    eprintln!("{name:<32} match (over Kafka)");
                }
                Some(d) => failures.push(format!("{name}: rows differ from Flink's when read from Kafka: {d}")),
            },
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    eprintln!("{passed} cases ran over Kafka; {} versioned tables still read files", VERSIONED_FROM_FILES.len());
    assert!(failures.is_empty(), "{} cases failed over Kafka:\n{}", failures.len(), failures.join("\n\n"));
}
