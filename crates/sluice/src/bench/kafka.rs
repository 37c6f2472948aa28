//! `sluice bench --kafka`: the seed pipelines as they run in production, Kafka to Kafka.
//!
//! 1. A broker: Apache Kafka started here (tuned for throughput, from the jars
//!    `scripts/services.sh` caches), or the one `--bootstrap-servers` names.
//! 2. The input: `sluice gen metric --rate 0` writes the IoT rows, without keys, over
//!    `--partitions` partitions of one topic.
//! 3. The broker's own ceiling on this machine, through librdkafka in this process: every
//!    input message consumed raw, and as many messages of the same size produced raw.
//! 4. Each pipeline (the alert filter, the 5-minute tumble) on Sluice and then on Flink,
//!    reading the same topic from the start to the end offsets it has when the job starts
//!    and writing JSON into a fresh topic each. For each run: wall time, the engine
//!    process's CPU-seconds, the broker's CPU-seconds, rows per CPU-second and peak
//!    memory; the output message counts of both engines are compared.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use sluice_testkit::{KafkaBroker, Tuning};

use super::{flink_python, measure_child, BenchArgs, Measurement, Query, FLINK_JOB};
use crate::gen::block_on::block_on;
use crate::summary::thousands;

const INPUT_TOPIC: &str = "bench-iot";
/// How long a metadata or offsets request may take.
const PATIENCE: Duration = Duration::from_secs(30);

/// The broker the benchmark talks to, and its process when this run started it.
struct Cluster {
    bootstrap: String,
    /// Kept alive for the run; its pid gives the broker's CPU time.
    broker: Option<KafkaBroker>,
}

impl Cluster {
    /// The broker process's CPU-seconds so far, when it runs here.
    fn cpu_seconds(&self) -> Option<f64> {
        self.broker.as_ref().and_then(|b| process_cpu_seconds(b.pid()))
    }
}

/// What one engine's run of one pipeline cost.
struct Run {
    wall: f64,
    cpu: f64,
    peak_rss_mb: Option<f64>,
    broker_cpu: Option<f64>,
    rows_out: u64,
}

pub fn bench(args: &BenchArgs) -> Result<()> {
    let rows = args.rows.unwrap_or(10_000_000);
    let queries: Vec<Query> = match args.query {
        Some(q @ (Query::Filter | Query::Tumble)) => vec![q],
        Some(other) => bail!("--kafka runs the filter and the tumble pipelines, not {other:?}"),
        None => vec![Query::Filter, Query::Tumble],
    };
    let dir = args.work_dir()?;
    let cluster = match &args.bootstrap_servers {
        Some(b) => Cluster { bootstrap: b.clone(), broker: None },
        None => {
            eprintln!("[bench] starting Apache Kafka (single-node KRaft, Java)");
            let broker = KafkaBroker::start_with(Tuning::Throughput);
            Cluster { bootstrap: broker.bootstrap(), broker: Some(broker) }
        }
    };
    let exe = std::env::current_exe().context("locating the sluice binary")?;

    // The input, written by `sluice gen` as a user would.
    let before = cluster.cpu_seconds();
    let count = rows.to_string();
    let partitions = args.partitions.to_string();
    let (gen, _) = measure_child(Command::new(&exe).args([
        "gen", "metric", "--topic", INPUT_TOPIC, "--count", &count, "--rate", "0", "--no-key", "--quiet",
        "--partitions", &partitions, "--bootstrap-servers", &cluster.bootstrap,
    ]))?;
    let in_topic = end_offsets(&cluster.bootstrap, INPUT_TOPIC)?;
    let written: i64 = in_topic.iter().sum();
    if written as u64 != rows {
        bail!("{INPUT_TOPIC} holds {written} messages, {rows} were generated (a topic left from another run?)");
    }
    println!(
        "input      {} IoT messages over {} partitions by `sluice gen --rate 0`: {:.2} s, {:.2} CPU-s{}",
        thousands(rows),
        in_topic.len(),
        gen.seconds,
        gen.cpu_seconds,
        broker_part(before, cluster.cpu_seconds())
    );

    let ceiling = broker_ceiling(&cluster, rows)?;

    for query in queries {
        let name = format!("{query:?}").to_lowercase();
        eprintln!("[bench] {name}: {}", query.sql().1);
        let sluice_topic = format!("bench-out-{name}-sluice");
        create_topic(&cluster.bootstrap, &sluice_topic, args.partitions)?;
        let script = dir.join(format!("kafka-{name}-sluice.sql"));
        std::fs::write(&script, script_text(&cluster.bootstrap, &sluice_topic, query, "sluice"))?;
        let before = cluster.cpu_seconds();
        let (m, _) = measure_child(Command::new(&exe).arg("run").arg(&script))?;
        std::fs::write(script.with_extension("stderr"), &m.stderr)?;
        let sluice = Run {
            wall: m.seconds,
            cpu: m.cpu_seconds,
            peak_rss_mb: m.peak_rss_kib.map(|k| k as f64 / 1024.0),
            broker_cpu: delta(before, cluster.cpu_seconds()),
            rows_out: end_offsets(&cluster.bootstrap, &sluice_topic)?.iter().sum::<i64>() as u64,
        };
        print_run(&name, "sluice", rows, &sluice, ceiling.for_pipeline(rows, sluice.rows_out));
        let flink = if args.no_flink {
            None
        } else if let Some(python) = flink_python(args.flink_python.as_deref()) {
            let flink_topic = format!("bench-out-{name}-flink");
            create_topic(&cluster.bootstrap, &flink_topic, args.partitions)?;
            let script = dir.join(format!("kafka-{name}-flink.sql"));
            std::fs::write(&script, script_text(&cluster.bootstrap, &flink_topic, query, "flink"))?;
            let before = cluster.cpu_seconds();
            let mut run = run_flink(&python, &dir, &script)?;
            run.broker_cpu = delta(before, cluster.cpu_seconds());
            run.rows_out = end_offsets(&cluster.bootstrap, &flink_topic)?.iter().sum::<i64>() as u64;
            print_run(&name, "flink", rows, &run, ceiling.for_pipeline(rows, run.rows_out));
            Some(run)
        } else {
            println!("flink      not installed (run scripts/flink.sh, or pass --flink-python)");
            None
        };
        if let Some(f) = &flink {
            if f.rows_out != sluice.rows_out {
                println!("warning    {name}: Sluice wrote {} messages, Flink {}", sluice.rows_out, f.rows_out);
            }
            println!(
                "ratio      {name}: Sluice {:.1}x Flink in rows per CPU-second, {:.1}x in wall time",
                f.cpu / sluice.cpu,
                f.wall / sluice.wall
            );
        }
    }
    Ok(())
}

/// The rows of `query` into a Kafka topic, reading the input topic from the start to the
/// end offsets it has when the job starts. Each run reads with a group of its own.
fn script_text(bootstrap: &str, out_topic: &str, query: Query, engine: &str) -> String {
    let (columns, select) = query.sql();
    format!(
        "SET 'table.local-time-zone' = 'UTC';\n\
         CREATE TABLE iot_in (\n  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,\n  \
         time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),\n  \
         WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS\n) \
         WITH ('connector' = 'kafka', 'topic' = '{INPUT_TOPIC}', 'properties.bootstrap.servers' = '{bootstrap}',\n  \
         'properties.group.id' = 'bench-{engine}-{out_topic}', 'scan.startup.mode' = 'earliest-offset',\n  \
         'scan.bounded.mode' = 'latest-offset', 'value.format' = 'json');\n\
         CREATE TABLE bench_out ({columns})\n\
         WITH ('connector' = 'kafka', 'topic' = '{out_topic}', 'properties.bootstrap.servers' = '{bootstrap}',\n  \
         'value.format' = 'json');\n\
         INSERT INTO bench_out {select};\n"
    )
}

/// The broker's own consume and produce rates through librdkafka, with no SQL.
struct Ceiling {
    consume_per_s: f64,
    produce_per_s: f64,
}

impl Ceiling {
    /// The best rows per second a pipeline that reads `rows` and writes `out` messages
    /// can reach on this broker: the time to consume the one plus produce the other.
    fn for_pipeline(&self, rows: u64, out: u64) -> f64 {
        rows as f64 / (rows as f64 / self.consume_per_s + out as f64 / self.produce_per_s)
    }
}

fn broker_ceiling(cluster: &Cluster, rows: u64) -> Result<Ceiling> {
    // Consume every input message.
    let consumer: BaseConsumer = client(&cluster.bootstrap)
        .set("group.id", "bench-ceiling")
        .set("enable.auto.commit", "false")
        .set("fetch.queue.backoff.ms", "1")
        .create()
        .context("creating the ceiling's consumer")?;
    let ends = end_offsets(&cluster.bootstrap, INPUT_TOPIC)?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..ends.len() {
        tpl.add_partition_offset(INPUT_TOPIC, p as i32, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let (broker_before, cpu_before, start) = (cluster.cpu_seconds(), self_cpu_seconds(), Instant::now());
    let (mut seen, mut bytes, mut done) = (0u64, 0u64, vec![false; ends.len()]);
    for (p, end) in ends.iter().enumerate() {
        done[p] = *end == 0;
    }
    while !done.iter().all(|d| *d) {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                seen += 1;
                bytes += m.payload_len() as u64;
                if m.offset() + 1 >= ends[m.partition() as usize] {
                    done[m.partition() as usize] = true;
                }
            }
            Some(Err(e)) => bail!("consuming {INPUT_TOPIC}: {e}"),
            None if start.elapsed() > Duration::from_secs(600) => bail!("consuming {INPUT_TOPIC} stalled"),
            None => {}
        }
    }
    let consume = (start.elapsed().as_secs_f64(), self_cpu_seconds() - cpu_before);
    let consume_broker = delta(broker_before, cluster.cpu_seconds());
    drop(consumer);

    // Produce as many messages of the same mean size into a scratch topic.
    let scratch = "bench-ceiling-produce";
    let partitions = ends.len() as i32;
    create_topic(&cluster.bootstrap, scratch, partitions)?;
    let payload = vec![b'x'; (bytes / seen.max(1)) as usize];
    let producer: BaseProducer = client(&cluster.bootstrap)
        .set("linger.ms", "5")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .context("creating the ceiling's producer")?;
    let (broker_before, cpu_before, start) = (cluster.cpu_seconds(), self_cpu_seconds(), Instant::now());
    for _ in 0..rows {
        let mut record = BaseRecord::<(), [u8]>::to(scratch).payload(&payload);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, r)) => {
                    record = r;
                    producer.poll(Duration::from_millis(1));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(600)).context("delivering the ceiling's messages")?;
    let produce = (start.elapsed().as_secs_f64(), self_cpu_seconds() - cpu_before);
    let produce_broker = delta(broker_before, cluster.cpu_seconds());
    let ceiling = Ceiling { consume_per_s: seen as f64 / consume.0, produce_per_s: rows as f64 / produce.0 };
    println!(
        "ceiling    consume {} msgs ({:.1} MB): {:.2} s, {} msg/s, client {:.2} CPU-s{}",
        thousands(seen),
        bytes as f64 / 1e6,
        consume.0,
        thousands(ceiling.consume_per_s as u64),
        consume.1,
        broker_part_delta(consume_broker)
    );
    println!(
        "ceiling    produce {} msgs of {} bytes: {:.2} s, {} msg/s, client {:.2} CPU-s{}",
        thousands(rows),
        payload.len(),
        produce.0,
        thousands(ceiling.produce_per_s as u64),
        produce.1,
        broker_part_delta(produce_broker)
    );
    Ok(ceiling)
}

fn print_run(name: &str, engine: &str, rows: u64, run: &Run, ceiling: f64) {
    let rate = rows as f64 / run.wall;
    println!(
        "{engine:<10} {name:<7} {:>12} rows in, {:>10} out  {:>8.2} s  {:>7.2} CPU-s  {:>11} rows/CPU-s  \
         peak {}{}  ({:.0}% of the broker's ceiling of {} rows/s)",
        thousands(rows),
        thousands(run.rows_out),
        run.wall,
        run.cpu,
        thousands((rows as f64 / run.cpu) as u64),
        run.peak_rss_mb.map(|m| format!("{m:.0} MB")).unwrap_or_else(|| "n/a".into()),
        broker_part_delta(run.broker_cpu),
        100.0 * rate / ceiling,
        thousands(ceiling as u64)
    );
}

/// Runs a script on PyFlink and reads the job's figures from what it prints.
fn run_flink(python: &Path, dir: &Path, script: &Path) -> Result<Run> {
    let job = dir.join("bench_kafka_flink.py");
    std::fs::write(&job, FLINK_JOB)?;
    let output = Command::new(python)
        .arg(&job)
        .arg(script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("running Flink")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let missing = text.contains("Could not find any factory for identifier 'kafka'");
        let hint = if missing { " (Flink's Kafka connector is missing: run scripts/flink.sh)" } else { "" };
        bail!("the Flink run failed ({}){hint}\n{text}", output.status);
    }
    let figure = |key: &str| -> Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| anyhow!("the Flink run printed no {key}"))
    };
    Ok(Run {
        wall: figure("JOB_SECONDS ")?,
        cpu: figure("JOB_CPU_SECONDS ")?,
        peak_rss_mb: figure("JVM_PEAK_MB ").ok(),
        broker_cpu: None,
        rows_out: 0,
    })
}


fn client(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

fn create_topic(bootstrap: &str, topic: &str, partitions: i32) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = client(bootstrap).create()?;
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(PATIENCE));
    for result in block_on(admin.create_topics([&new], &options))? {
        match result {
            Ok(_) => {}
            Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {
                bail!("topic \"{topic}\" exists already: run the benchmark against a fresh broker")
            }
            Err((name, code)) => bail!("cannot create topic \"{name}\": {code}"),
        }
    }
    Ok(())
}

/// The end offset of each partition of `topic`.
fn end_offsets(bootstrap: &str, topic: &str) -> Result<Vec<i64>> {
    let consumer: BaseConsumer = client(bootstrap).create()?;
    let metadata = consumer.fetch_metadata(Some(topic), PATIENCE)?;
    let partitions = metadata.topics().first().map(|t| t.partitions().len()).unwrap_or(0);
    if partitions == 0 {
        bail!("topic \"{topic}\" has no partitions");
    }
    (0..partitions as i32)
        .map(|p| Ok(consumer.fetch_watermarks(topic, p, PATIENCE)?.1))
        .collect()
}

fn delta(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    Some(after? - before?)
}

fn broker_part(before: Option<f64>, after: Option<f64>) -> String {
    broker_part_delta(delta(before, after))
}

fn broker_part_delta(cpu: Option<f64>) -> String {
    cpu.map(|c| format!(", broker {c:.2} CPU-s")).unwrap_or_default()
}

/// User plus system CPU-seconds of a process, from `/proc/PID/stat`.
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks as f64 / per_second as f64)
}

/// This process's CPU-seconds so far (every thread, librdkafka's included).
fn self_cpu_seconds() -> f64 {
    // SAFETY: rusage is plain data filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    Measurement::cpu_of(&usage)
}
