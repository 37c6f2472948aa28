//! `sluice gen`, run as a user runs it: the dry run's shapes and determinism, option
//! errors, and production to a real Apache Kafka broker read back with an
//! rdkafka consumer.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;
use sluice_testkit::KafkaBroker;

mod common;

fn sluice(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sluice")).args(args).output().expect("run the sluice binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a dry run that must succeed and returns its lines parsed as JSON objects.
fn dry_run(args: &[&str]) -> Vec<serde_json::Map<String, Value>> {
    let mut all = vec!["gen", "--dry-run", "--quiet"];
    all.extend_from_slice(args);
    let output = sluice(&all);
    assert!(output.status.success(), "sluice {all:?} failed: {}", stderr(&output));
    stdout(&output)
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            other => panic!("not a JSON object: {line} ({other:?})"),
        })
        .collect()
}

fn field_names(object: &serde_json::Map<String, Value>) -> Vec<&str> {
    object.keys().map(String::as_str).collect::<BTreeSet<_>>().into_iter().collect()
}

#[test]
fn dry_run_writes_each_subjects_shape() {
    let expected: [(&str, &[&str]); 4] = [
        ("metric", &["cpu", "hostname", "occurred_at", "usage"]),
        ("pizza", &["address", "id", "name", "orderTimestamp", "phoneNumber", "pizzas", "shop"]),
        ("transactions", &["amount", "client", "ts"]),
        (
            "alarms",
            &[
                "alarm_id", "alarm_type", "atoll_id", "event_time", "firstoccurrence", "lastoccurrence", "latitude",
                "longitude", "severity",
            ],
        ),
    ];
    for (subject, fields) in expected {
        let records = dry_run(&[subject, "--count", "25", "--rate", "0"]);
        assert_eq!(records.len(), 25, "{subject}");
        for record in &records {
            assert_eq!(field_names(record), fields, "{subject}: {record:?}");
        }
    }
    let pizzas = dry_run(&["pizza", "--count", "5", "--rate", "0"]);
    for pizza in pizzas {
        let items = pizza["pizzas"].as_array().expect("pizzas is an array");
        assert!(!items.is_empty());
        assert!(items.iter().all(|p| p["pizzaName"].is_string() && p["additionalToppings"].is_array()));
    }
}

#[test]
fn dry_run_is_the_same_for_a_seed_and_differs_across_seeds() {
    let run = |args: &[&str]| {
        let output = sluice(args);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let first = run(&["gen", "metric", "--dry-run", "-q", "--count", "200", "--rate", "0", "--seed", "7"]);
    let again = run(&["gen", "--subject", "metric", "--dry-run", "-q", "--count", "200", "--rate", "0", "--seed", "7"]);
    let other = run(&["gen", "metric", "--dry-run", "-q", "--count", "200", "--rate", "0", "--seed", "8"]);
    assert_eq!(first.lines().count(), 200);
    assert_eq!(first, again);
    assert_ne!(first, other);
    // With a rate and a start time the output is just as reproducible.
    let args = ["gen", "alarms", "--dry-run", "-q", "--count", "30", "--rate", "2000", "--start-time", "2024-01-01 00:00:00"];
    let paced = run(&args);
    assert_eq!(paced.lines().count(), 30);
    assert_eq!(paced, run(&args));
    assert!(paced.contains("\"event_time\": \"2024-01-01 00:"), "{paced}");
}

#[test]
fn a_reader_that_goes_away_ends_an_endless_dry_run_quietly() {
    // `sluice gen metric --dry-run --rate 0 | head -3`
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["gen", "metric", "--dry-run", "--rate", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sluice gen");
    let stdout = child.stdout.take().expect("stdout is piped");
    let lines: Vec<String> = BufReader::new(stdout).lines().take(3).map(|l| l.expect("a line")).collect();
    assert_eq!(lines.len(), 3);
    let output = child.wait_with_output().expect("wait for sluice gen");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("error"), "{}", stderr(&output));
}

#[test]
fn max_delay_shuffles_event_time_within_the_bound() {
    let records = dry_run(&["metric", "--count", "2000", "--rate", "0", "--max-delay", "8 s", "--time-step", "100 ms"]);
    let times: Vec<i64> = records.iter().map(|r| r["occurred_at"].as_i64().expect("occurred_at is a number")).collect();
    let mut latest = i64::MIN;
    let mut out_of_order = 0;
    for &time in &times {
        if time < latest {
            out_of_order += 1;
            assert!(latest - time <= 8_000, "{time} is more than 8 s behind {latest}");
        }
        latest = latest.max(time);
    }
    assert!(out_of_order > 100, "only {out_of_order} records out of order");
    let in_order = dry_run(&["metric", "--count", "200", "--rate", "0", "--time-step", "100 ms"]);
    let times: Vec<i64> = in_order.iter().map(|r| r["occurred_at"].as_i64().unwrap_or_default()).collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] == 100), "{times:?}");
}

#[test]
fn bad_option_values_are_clap_errors() {
    for (args, mentions) in [
        (&["gen", "metric", "--rate", "abc"][..], "--rate"),
        (&["gen", "metric", "--max-delay", "soon"], "--max-delay"),
        (&["gen", "metric", "--start-time", "yesterday"], "--start-time"),
        (&["gen", "metric", "--partitions", "0"], "--partitions"),
        (&["gen", "metric", "-X", "linger.ms"], "KEY=VALUE"),
        (&["gen", "cpu"], "\"cpu\""),
        (&["gen"], "SUBJECT"),
        (&["gen", "metric", "--subject", "pizza"], "--subject"),
    ] {
        let output = sluice(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(mentions), "{args:?}: {}", stderr(&output));
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn help_shows_examples() {
    let output = sluice(&["gen", "--help"]);
    assert!(output.status.success());
    let help = stdout(&output);
    assert!(help.contains("sluice gen metric --topic iot-data-input --rate 100 --max-delay 8s"), "{help}");
    assert!(help.contains("--bootstrap-servers"));
    assert!(help.contains("--dry-run"));
}

#[test]
fn a_key_field_that_does_not_exist_is_named_with_the_fields_there_are() {
    let output = sluice(&["gen", "metric", "--key", "host", "--bootstrap-servers", "127.0.0.1:9"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains("field \"host\" is not in a \"metric\" record"), "{error}");
    assert!(error.contains("\"hostname\""), "{error}");
}

#[test]
fn an_unreachable_broker_fails_with_a_clear_message() {
    let port = sluice_testkit::free_port();
    let bootstrap = format!("127.0.0.1:{port}");
    let output = sluice(&["gen", "metric", "--count", "5", "--bootstrap-servers", &bootstrap, "-X", "message.timeout.ms=1500"]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(error.contains(&format!("cannot reach Kafka at \"{bootstrap}\"")), "{error}");
    assert!(error.contains("hint: "), "{error}");
}

/// Every message of `topic` (which has `partitions` partitions): (partition, key, value),
/// with a missing key or value as "". Reads up to the partitions' end offsets, so extra
/// messages would be seen too.
fn read_topic(broker: &KafkaBroker, topic: &str, partitions: i32) -> Vec<(i32, String, String)> {
    common::kafka::read_topic(broker, topic, partitions)
        .into_iter()
        .map(|(p, k, v)| (p, k.unwrap_or_default(), v.unwrap_or_default()))
        .collect()
}

#[test]
fn count_messages_reach_a_real_broker_keyed_and_spread_over_partitions() {
    let broker = KafkaBroker::start();
    broker.create_topic("iot", 3);
    let output = sluice(&["gen", "metric", "--topic", "iot", "--count", "600", "--rate", "0", "--bootstrap-servers", &broker.bootstrap()]);
    assert!(output.status.success(), "{}\nbroker log:\n{}", stderr(&output), broker.log_text());
    let summary = stderr(&output);
    assert!(summary.contains("600 messages sent, 600 delivered, 0 delivery errors"), "{summary}");

    let messages = read_topic(&broker, "iot", 3);
    assert_eq!(messages.len(), 600);
    let mut partition_of_key: HashMap<String, i32> = HashMap::new();
    for (partition, key, value) in &messages {
        let record: Value = serde_json::from_str(value).expect("each message is JSON");
        assert_eq!(record["hostname"].as_str(), Some(key.as_str()), "the key is the hostname: {value}");
        assert!(record["usage"].is_f64() && record["occurred_at"].is_i64(), "{value}");
        let first = *partition_of_key.entry(key.clone()).or_insert(*partition);
        assert_eq!(first, *partition, "key {key} is in two partitions");
    }
    let used: BTreeSet<i32> = messages.iter().map(|(p, _, _)| *p).collect();
    assert!(used.len() >= 2, "all 600 messages went to partitions {used:?}");
    assert_eq!(partition_of_key.len(), 7, "the seven hosts: {partition_of_key:?}");

    // The messages are the dry run's records, in order within each key.
    let dry = stdout(&sluice(&["gen", "metric", "--dry-run", "-q", "--count", "600", "--rate", "0"]));
    let mut sent_by_key: HashMap<String, Vec<String>> = HashMap::new();
    for line in dry.lines() {
        let record: Value = serde_json::from_str(line).expect("JSON");
        sent_by_key.entry(record["hostname"].as_str().unwrap_or_default().to_string()).or_default().push(line.to_string());
    }
    let mut read_by_key: HashMap<String, Vec<String>> = HashMap::new();
    for (_, key, value) in messages {
        read_by_key.entry(key).or_default().push(value);
    }
    assert_eq!(read_by_key, sent_by_key);
}

#[test]
fn a_missing_topic_is_created_with_the_partitions_asked_for() {
    let broker = KafkaBroker::start();
    let output = sluice(&[
        "gen", "pizza", "--count", "40", "--rate", "0", "--partitions", "2", "--bootstrap-servers", &broker.bootstrap(),
    ]);
    assert!(output.status.success(), "{}\nbroker log:\n{}", stderr(&output), broker.log_text());
    assert!(stderr(&output).contains("created topic \"pizzas\" with 2 partitions"), "{}", stderr(&output));

    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", broker.bootstrap()).create().expect("create a consumer");
    let metadata = consumer.fetch_metadata(Some("pizzas"), Duration::from_secs(10)).expect("fetch metadata");
    let topic = metadata.topics().iter().find(|t| t.name() == "pizzas").expect("the topic exists");
    assert_eq!(topic.partitions().len(), 2);

    let messages = read_topic(&broker, "pizzas", 2);
    assert_eq!(messages.len(), 40);
    let ids: BTreeSet<i64> = messages
        .iter()
        .map(|(_, key, value)| {
            let record: Value = serde_json::from_str(value).expect("JSON");
            assert_eq!(record["shop"].as_str(), Some(key.as_str()), "the key is the shop");
            record["id"].as_i64().expect("an id")
        })
        .collect();
    assert_eq!(ids, (0..40).collect::<BTreeSet<i64>>());
}

#[test]
fn key_picks_another_field_and_no_key_sends_none() {
    let broker = KafkaBroker::start();
    broker.create_topic("by-cpu", 2);
    broker.create_topic("unkeyed", 2);
    let bootstrap = broker.bootstrap();
    for (topic, key_args) in [("by-cpu", &["--key", "cpu"][..]), ("unkeyed", &["--no-key"])] {
        let mut args = vec!["gen", "metric", "-q", "--topic", topic, "--count", "50", "--rate", "0", "--bootstrap-servers", &bootstrap];
        args.extend_from_slice(key_args);
        let output = sluice(&args);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let by_cpu = read_topic(&broker, "by-cpu", 2);
    assert_eq!(by_cpu.len(), 50);
    for (_, key, value) in by_cpu {
        let record: Value = serde_json::from_str(&value).expect("JSON");
        assert_eq!(record["cpu"].as_str(), Some(key.as_str()));
    }
    let unkeyed = read_topic(&broker, "unkeyed", 2);
    assert_eq!(unkeyed.len(), 50);
    assert!(unkeyed.iter().all(|(_, key, _)| key.is_empty()), "{unkeyed:?}");
}

/// A `sluice gen` running in the background, with its stderr collected by a thread.
struct Background {
    child: std::process::Child,
    stderr: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Background {
    fn start(args: &[&str]) -> Background {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start sluice gen");
        let pipe = child.stderr.take().expect("stderr is piped");
        let (sender, stderr) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Background { child, stderr, seen: Vec::new() }
    }

    /// Waits for a stderr line containing `text` (the process must not end first).
    fn wait_for_line(&mut self, text: &str) {
        loop {
            match self.stderr.recv() {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!("sluice gen ended before printing {text:?}:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn interrupt(&self) {
        // SAFETY: sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) }, 0);
    }

    /// Waits for the process to end: its exit code and its whole stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().expect("wait for sluice gen");
        self.seen.extend(self.stderr.iter());
        (status.code(), self.seen.join("\n"))
    }
}

/// Waits until `topic` holds at least `at_least` messages, so production is under way.
fn wait_for_messages(broker: &KafkaBroker, topic: &str, at_least: usize) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .set("group.id", "sluice-gen-watch")
        .create()
        .expect("create a consumer");
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, 0, Offset::Beginning).expect("add a partition");
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = 0;
    while seen < at_least {
        assert!(Instant::now() < deadline, "only {seen} messages arrived in \"{topic}\"");
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(200)) {
            seen += 1;
        }
    }
}

#[test]
fn ctrl_c_delivers_what_is_queued_and_exits_cleanly() {
    let broker = KafkaBroker::start();
    broker.create_topic("tx", 1);
    let mut gen = Background::start(&["gen", "transactions", "--topic", "tx", "--rate", "400", "--bootstrap-servers", &broker.bootstrap()]);
    gen.wait_for_line("producing to \"tx\"");
    wait_for_messages(&broker, "tx", 20);
    gen.interrupt();
    let (code, stderr) = gen.finish();
    assert_eq!(code, Some(0), "{stderr}");
    let summary = stderr.lines().find(|l| l.contains("done: ")).unwrap_or_else(|| panic!("no summary: {stderr}"));
    // "[gen] done: N messages sent, N delivered, 0 delivery errors in ..."
    let numbers: Vec<u64> = summary.split_whitespace().filter_map(|w| w.trim_end_matches(',').parse().ok()).collect();
    let (sent, delivered, failed) = (numbers[0], numbers[1], numbers[2]);
    assert!(sent >= 20 && sent == delivered && failed == 0, "{summary}");
    assert_eq!(read_topic(&broker, "tx", 1).len() as u64, sent);
}

#[test]
fn a_broker_that_goes_away_ends_the_run_with_an_error_after_the_message_timeout() {
    let broker = KafkaBroker::start();
    broker.create_topic("alarms", 1);
    let bootstrap = broker.bootstrap();
    let mut gen = Background::start(&["gen", "alarms", "--rate", "500", "--bootstrap-servers", &bootstrap, "-X", "message.timeout.ms=1500"]);
    gen.wait_for_line("producing to \"alarms\"");
    wait_for_messages(&broker, "alarms", 20);
    drop(broker);
    let (code, stderr) = gen.finish();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error: no message could be delivered for"), "{stderr}");
    assert!(stderr.contains("[gen] done: "), "the summary is printed before the error: {stderr}");
}
