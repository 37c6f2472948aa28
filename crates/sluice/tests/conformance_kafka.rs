//! The Flink-conformance cases again, with their JSON inputs read from Kafka instead of
//! files. Each data file is written, line by line, into a one-partition topic of a real
//! Apache Kafka broker; each case's `filesystem` JSON sources are rewritten
//! into `kafka` sources over those topics, bounded at the offsets the job starts with.
//! The rows must still equal the rows Apache Flink produced from the files: the Kafka
//! reader changes where rows come from, never what a query returns.

mod common;


use common::kafka::produce;
use common::*;
use regex::Regex;
use sluice_testkit::KafkaBroker;

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
    let skip: Vec<String> = [listed("pending.txt"), listed("known_differences.txt")].concat();

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

    let mut cases: Vec<_> = std::fs::read_dir(root.join("cases"))
        .expect("cases folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    cases.sort();
    let work = std::env::temp_dir().join(format!("sluice-kafka-cases-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut topics: Vec<String> = Vec::new();
    let (mut failures, mut passed) = (Vec::new(), 0);
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let sql = std::fs::read_to_string(case).unwrap();
        // A plain `kafka` table takes no PRIMARY KEY (as in Flink); a versioned table
        // over Kafka is an `upsert-kafka` one, which reads a different topic layout.
        if skip.contains(&name) || !source.is_match(&sql) || sql.contains("PRIMARY KEY") {
            continue;
        }
        for c in source.captures_iter(&sql) {
            let topic = c[1].to_string();
            if !topics.contains(&topic) {
                produce_file(&broker, &topic, &root.join("data").join(format!("{topic}.json")));
                topics.push(topic);
            }
        }
        let rewritten = work.join(format!("{name}.sql"));
        std::fs::write(&rewritten, source.replace_all(&sql, kafka.as_str()).as_ref()).unwrap();
        let expected = read_expected(&root.join("expected").join(format!("{name}.expected.json")));
        match run_case(&rewritten, &root.join("data")).rows {
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
    assert!(failures.is_empty(), "{} cases failed over Kafka:\n{}", failures.len(), failures.join("\n\n"));
    assert!(passed >= 30, "only {passed} cases ran over Kafka");
}
