//! `sluice gen`: produces the seed pipelines' fake data (pizza orders, IoT CPU metrics,
//! client transactions, network alarms) to a Kafka topic at a chosen rate, like Aiven's
//! fake-data-producer-for-apache-kafka, or prints it as JSON lines with `--dry-run`.
//!
//! The records come from `FakeDataGenerator`, the same pure generator behind the
//! `fake-data` connector, so a pipeline reads the same shapes from Kafka as from the
//! built-in source. This module only parses the options and picks the output:
//! `producer` (Kafka, with `topic` creating a missing topic and `delivery` counting
//! acknowledgements) or `dry_run` (stdout). Both pace themselves with `rate`'s token
//! bucket and report through `progress`.

pub(crate) mod block_on;
mod delivery;
mod dry_run;
mod key;
mod options;
mod producer;
mod progress;
mod rate;
mod stop;
mod topic;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use clap::Args;
use sluice_connectors::fake_data::{FakeDataGenerator, Subject};

use options::{parse_duration, parse_property, parse_start_time, parse_subject, TimeChoice};
use producer::KafkaTarget;
use progress::Progress;

/// How many messages are written between two looks at the clock, the rate limiter and
/// the producer's events.
const BATCH: u64 = 1024;

pub const EXAMPLES: &str = "\
Examples:
  sluice gen metric --topic iot-data-input --rate 100 --max-delay 8s
  sluice gen pizza --bootstrap-servers localhost:9092 --rate 10
  sluice gen transactions --count 1000 --partitions 3
  sluice gen alarms --dry-run --count 5
  sluice gen metric --rate 0 --count 10000000          (as fast as possible)
  sluice gen pizza --bootstrap-servers my-kafka.aivencloud.com:12345 \\
      -X security.protocol=SSL -X ssl.ca.location=ca.pem \\
      -X ssl.certificate.location=service.cert -X ssl.key.location=service.key

Default topics and keys:
  pizza         topic \"pizzas\",          key \"shop\"
  metric        topic \"iot-data-input\",  key \"hostname\"
  transactions  topic \"client_amount\",   key \"client\"
  alarms        topic \"alarms\",          key \"alarm_id\"

With a rate, event time starts at the wall clock and advances one rate-interval per
message; with --rate 0 it starts where the seed data starts, so runs repeat exactly.
Progress and errors go to stderr. Ctrl-C stops after delivering what is queued.";

#[derive(Args, Debug)]
pub struct GenArgs {
    /// What to generate: pizza, metric, transactions or alarms
    #[arg(value_name = "SUBJECT", value_parser = parse_subject, required_unless_present = "subject_option", conflicts_with = "subject_option")]
    subject: Option<Subject>,
    /// The subject, as an option instead of the first argument
    #[arg(long = "subject", id = "subject_option", value_name = "SUBJECT", value_parser = parse_subject)]
    subject_option: Option<Subject>,
    /// The Kafka topic [default: per subject, see below]
    #[arg(long)]
    topic: Option<String>,
    /// The Kafka cluster to connect to
    #[arg(long, value_name = "HOST:PORT[,...]", default_value = "localhost:9092")]
    bootstrap_servers: String,
    /// A librdkafka property, such as security.protocol=SASL_SSL (repeatable)
    #[arg(short = 'X', value_name = "KEY=VALUE", value_parser = parse_property)]
    properties: Vec<(String, String)>,
    /// Messages per second; 0 sends as fast as possible
    #[arg(long, default_value_t = 10)]
    rate: u64,
    /// How many messages to send; 0 sends until Ctrl-C
    #[arg(long, default_value_t = 0)]
    count: u64,
    /// Event-time disorder: each record's time lies up to this much in the past (e.g. "10 s")
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    max_delay: Option<Duration>,
    /// The partition count of the topic when it has to be created [default: 1]
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    partitions: Option<i32>,
    /// The replication factor of the topic when it has to be created; -1 is the broker's default
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    replication_factor: i32,
    /// The same seed and options give the same records
    #[arg(long, default_value_t = 42, allow_negative_numbers = true)]
    seed: i64,
    /// The first record's event time, "yyyy-MM-dd HH:mm:ss" in UTC [default: now with a rate, the seed data's start with --rate 0]
    #[arg(long, value_name = "TIME", value_parser = parse_start_time)]
    start_time: Option<i64>,
    /// Event-time spacing between records [default: 1/rate with a rate, the seed data's with --rate 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    time_step: Option<Duration>,
    /// The record field that becomes the message key [default: per subject, see below]
    #[arg(long, value_name = "FIELD")]
    key: Option<String>,
    /// Send messages without a key
    #[arg(long, conflicts_with = "key")]
    no_key: bool,
    /// Print the records as JSON lines on stdout instead of sending them
    #[arg(long)]
    dry_run: bool,
    /// Print no progress on stderr (errors are still printed)
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `sluice gen`; errors are printed here.
pub fn run(args: GenArgs) -> ExitCode {
    match generate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn generate(args: &GenArgs) -> Result<()> {
    let Some(subject) = args.subject.or(args.subject_option) else {
        bail!("no subject given\n\nhint: Name one: pizza, metric, transactions or alarms.");
    };
    let choice = TimeChoice {
        seed: args.seed,
        max_delay: args.max_delay,
        start_millis: args.start_time,
        time_step: args.time_step,
        rate: args.rate,
    };
    let mut generator = FakeDataGenerator::new(options::generator_settings(subject, &choice));
    let stop = stop::ctrl_c_flag();
    let mut progress = Progress::new(args.quiet, Instant::now());
    if args.dry_run {
        let written = dry_run::write_lines(&mut generator, args.rate, args.count, &stop, &mut progress)
            .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))?;
        progress.finish(Instant::now(), progress::Counts { sent: written, delivered: None, failed: 0 });
        return Ok(());
    }
    let key_field = match (&args.key, args.no_key) {
        (_, true) => None,
        (Some(field), false) => Some(field.as_str()),
        (None, false) => Some(key::default_key_field(subject)),
    };
    if let Some(field) = key_field {
        check_key_field(&generator, field)?;
    }
    let target = KafkaTarget {
        topic: args.topic.as_deref().unwrap_or(options::default_topic(subject)),
        bootstrap: &args.bootstrap_servers,
        properties: &args.properties,
        partitions: args.partitions,
        replication_factor: args.replication_factor,
        key_field,
    };
    producer::produce(&mut generator, &target, args.rate, args.count, &stop, &mut progress)
}

/// Fails early when the key field is not in the subject's records (a typo in `--key`),
/// naming the fields there are. Checks a record from a copy of the generator, so the
/// output does not change.
fn check_key_field(generator: &FakeDataGenerator, field: &str) -> Result<()> {
    let mut probe = FakeDataGenerator::new(generator.settings().clone());
    let mut record = Vec::new();
    probe.next_record(&mut record);
    if key::field_value(&record, field).is_some() {
        return Ok(());
    }
    let subject: Subject = generator.settings().subject;
    let fields: Vec<String> = key::field_names(&record).iter().map(|f| format!("\"{f}\"")).collect();
    bail!(
        "field \"{field}\" is not in a \"{subject}\" record\n\nhint: Use one of {}, or --no-key.",
        fields.join(", ")
    )
}
