//! What the console shows of a running deployment, from its worker's snapshots
//! (`worker::JobMetrics`): the operator graph with rates, a ring buffer of the last
//! hour's rates (`History`), and the answer to "why no output yet?" (`diagnose`).
//! Everything here is computed from facts the worker reported; nothing asks the worker.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::CreateVersion;
use crate::worker::JobMetrics;

/// How many samples a deployment's history keeps: an hour at one sample per `SAMPLE_MS`.
pub const SAMPLE_MS: i64 = 5_000;
const HISTORY_LEN: usize = (3_600_000 / SAMPLE_MS) as usize;

/// The rates of one operator between two snapshots.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct NodeRates {
    pub rows_in_per_s: f64,
    pub rows_out_per_s: f64,
}

/// One job of a deployment: its last snapshot and each node's rates since the one
/// before.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct JobRuntime {
    pub metrics: JobMetrics,
    /// By node, as `metrics.nodes`.
    pub rates: Vec<NodeRates>,
}

/// `GET .../deployments/{id}/runtime`: the operator graph of each job with its
/// counters, rates, watermarks, partitions and the last rows written.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeploymentRuntime {
    pub jobs: Vec<JobRuntime>,
}

/// One sample of a deployment's own rates.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RatePoint {
    pub at_ms: i64,
    /// Rows the sources read per second.
    pub rows_in_per_s: f64,
    /// Rows the sinks wrote per second.
    pub rows_out_per_s: f64,
    /// Kafka records not read yet, over every partition.
    pub lag_records: i64,
    /// How far the smallest sink watermark is behind the wall clock, in seconds.
    pub watermark_lag_s: Option<f64>,
    /// How long the last checkpoint took.
    pub checkpoint_ms: Option<u64>,
    /// Rows the sinks received so far (for "written recently").
    pub rows_written: u64,
}

/// `GET .../deployments/{id}/history`: the last hour's samples, oldest first.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DeploymentHistory {
    pub interval_ms: i64,
    pub points: Vec<RatePoint>,
}

fn is_sink(name: &str) -> bool {
    name.starts_with("Sink: ")
}

/// Per node, the rates between `before` and `now` (zero when there is no `before`,
/// or it is of another worker, whose counters started over).
pub fn rates(before: Option<&JobMetrics>, now: &JobMetrics) -> Vec<NodeRates> {
    now.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let Some(b) = before.filter(|b| b.at_ms < now.at_ms).and_then(|b| b.nodes.get(i).filter(|p| p.name == n.name)) else {
                return NodeRates::default();
            };
            let secs = (now.at_ms - before.map_or(0, |b| b.at_ms)) as f64 / 1000.0;
            let per_s = |a: u64, b: u64| if a >= b { (a - b) as f64 / secs } else { 0.0 };
            NodeRates { rows_in_per_s: per_s(n.rows_in, b.rows_in), rows_out_per_s: per_s(n.rows_out, b.rows_out) }
        })
        .collect()
}

/// A deployment's sample from its jobs' snapshots now and at the previous sample.
pub fn sample(before: &[JobMetrics], now: &[JobMetrics], at_ms: i64) -> RatePoint {
    let mut point = RatePoint { at_ms, ..Default::default() };
    let mut watermark: Option<i64> = None;
    for job in now {
        let prev = before.iter().find(|b| b.job == job.job);
        for (n, r) in job.nodes.iter().zip(rates(prev, job)) {
            if n.source.is_some() {
                point.rows_in_per_s += r.rows_out_per_s;
            }
            if is_sink(&n.name) {
                point.rows_out_per_s += r.rows_in_per_s;
                point.rows_written += n.rows_in;
                if let Some(w) = n.watermark_ms {
                    watermark = Some(watermark.map_or(w, |m: i64| m.min(w)));
                }
            }
            if let Some(s) = &n.source {
                point.lag_records += s.partition_lag.iter().map(|p| p.2.max(0)).sum::<i64>();
            }
        }
        if let Some(c) = &job.checkpoint {
            if c.last_id.is_some() {
                point.checkpoint_ms = Some(point.checkpoint_ms.unwrap_or(0).max(c.last_duration_ms));
            }
        }
        point.watermark_lag_s = watermark.map(|w| (job.at_ms - w) as f64 / 1000.0);
    }
    point
}

/// The last hour of every deployment, and the snapshots each was last sampled from.
#[derive(Default)]
pub struct History {
    inner: Mutex<HashMap<String, (Vec<JobMetrics>, VecDeque<RatePoint>)>>,
    /// The snapshots sampled before the last ones, for rates against the newest.
    earlier: Mutex<HashMap<String, Vec<JobMetrics>>>,
}

impl History {
    /// Adds a sample of `deployment` made from its snapshots `now`.
    pub fn record(&self, deployment: &str, now: Vec<JobMetrics>, at_ms: i64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (last, points) = inner.entry(deployment.to_string()).or_default();
        if now.is_empty() || now.iter().all(|j| last.iter().any(|l| l.job == j.job && l.at_ms == j.at_ms)) {
            // No new snapshot since the last sample.
            return;
        }
        points.push_back(sample(last, &now, at_ms));
        if points.len() > HISTORY_LEN {
            points.pop_front();
        }
        let earlier = std::mem::replace(last, now);
        self.earlier.lock().unwrap_or_else(|p| p.into_inner()).insert(deployment.to_string(), earlier);
    }

    /// The sampled snapshot of `job` to compute rates against for a snapshot taken at
    /// `at_ms`: the newest sampled one before it.
    pub fn before(&self, deployment: &str, job: &str, at_ms: i64) -> Option<JobMetrics> {
        let pick = |list: &[JobMetrics]| list.iter().find(|j| j.job == job && j.at_ms < at_ms).cloned();
        let last = self.last_snapshots(deployment);
        pick(&last).or_else(|| pick(self.earlier.lock().unwrap_or_else(|p| p.into_inner()).get(deployment)?))
    }

    /// The samples of `deployment`, oldest first.
    pub fn points(&self, deployment: &str) -> Vec<RatePoint> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.get(deployment).map(|(_, p)| p.iter().cloned().collect()).unwrap_or_default()
    }

    /// The snapshots the last sample was made from.
    pub fn last_snapshots(&self, deployment: &str) -> Vec<JobMetrics> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.get(deployment).map(|(s, _)| s.clone()).unwrap_or_default()
    }

    /// Forgets deployments that are gone.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).retain(|k, _| keep(k));
        self.earlier.lock().unwrap_or_else(|p| p.into_inner()).retain(|k, _| keep(k));
    }
}

/// One reason a sink has written nothing recently.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Finding {
    /// `no_input`, `idle_partition`, `lagging_partition`, `window_waiting`,
    /// `filtered_out`, `checkpoint_pending` or `late_rows`.
    pub kind: String,
    /// The operator it is about, as the graph names it.
    pub node: String,
    /// What is going on and what would change it, in words.
    pub message: String,
    /// The setting that fixes it, when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

/// `GET .../deployments/{id}/diagnosis`: whether the sinks wrote rows in the last
/// `window_s` seconds, and what holds rows back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Diagnosis {
    /// Rows the sinks received so far.
    pub rows_written: u64,
    /// Whether that grew within the last `window_s` seconds.
    pub wrote_recently: bool,
    pub window_s: u64,
    /// Plain-words summary: the first finding, or that all is well.
    pub summary: String,
    pub findings: Vec<Finding>,
}

/// How long without a written row counts as "nothing recently".
pub const RECENT_MS: i64 = 30_000;

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()).unwrap_or_else(|| ms.to_string())
}

/// A duration as a person says it: `850 ms`, `12 s`, `5 min 3 s`, `2 h 10 min`.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{} s", (ms + 999) / 1000)
    } else if ms < 3_600_000 {
        let s = (ms + 999) / 1000;
        format!("{} min {} s", s / 60, s % 60)
    } else {
        let m = (ms + 59_999) / 60_000;
        format!("{} h {} min", m / 60, m % 60)
    }
}

/// The table a source or sink node is named after.
fn table_of(node: &str) -> &str {
    node.strip_prefix("Source: ").or_else(|| node.strip_prefix("Sink: ")).unwrap_or(node)
}

/// Whether the version's `CREATE TABLE` of `table` has `sink.delivery-guarantee` set to
/// `exactly-once` (its rows are committed with checkpoints).
fn exactly_once(version: Option<&CreateVersion>, table: &str) -> bool {
    let Some(v) = version else { return false };
    v.sinks.iter().chain(&v.sources).any(|t| {
        let text = t.create_table.to_ascii_lowercase();
        let head = text.split('(').next().unwrap_or("");
        head.split_whitespace().last().map(|n| n.trim_matches('`')) == Some(&table.to_ascii_lowercase()) && text.contains("'exactly-once'")
    })
}

/// Why the sinks of `jobs` wrote nothing recently, from the workers' facts. `written_before`
/// is how many rows the sinks had received `RECENT_MS` ago (from the history), if known.
pub fn diagnose(jobs: &[JobMetrics], version: Option<&CreateVersion>, written_before: Option<u64>) -> Diagnosis {
    let mut findings = Vec::new();
    let rows_written: u64 = jobs.iter().flat_map(|j| &j.nodes).filter(|n| is_sink(&n.name)).map(|n| n.rows_in).sum();
    for job in jobs {
        let nodes = &job.nodes;
        for n in nodes {
            if let Some(s) = &n.source {
                if n.rows_out == 0 && s.records == 0 {
                    findings.push(Finding {
                        kind: "no_input".into(),
                        node: n.name.clone(),
                        message: format!(
                            "{} has read no row yet: its topic is empty, or 'scan.startup.mode' starts past the rows already there (latest-offset).",
                            n.name
                        ),
                        option: None,
                    });
                }
            }
            // A watermark assigner that sees the partitions of the source before it.
            if !n.splits.is_empty() {
                let source = n.inputs.first().and_then(|i| nodes.get(*i));
                let table = source.map(|s| table_of(&s.name).to_string()).unwrap_or_default();
                let partition_name = |split: u32| {
                    source
                        .and_then(|s| s.source.as_ref())
                        .and_then(|s| s.partitions.iter().find(|p| p.split == split))
                        .map(|p| format!("partition {} of topic \"{}\"", p.partition, p.topic))
                        .unwrap_or_else(|| format!("split {split}"))
                };
                let counting: Vec<_> = n.splits.iter().filter(|s| !s.idle && !s.finished).collect();
                let option = "'scan.watermark.idle-timeout'";
                let fix = match n.split_idle_timeout_ms {
                    Some(t) => format!("It is released once it has had no row for the idle timeout ({}).", duration(t as i64)),
                    None => format!(
                        "Set {option} = '30 s' in the WITH clause of table {table} (or SET 'table.exec.source.idle-timeout' = '30 s') so that a partition without rows stops holding the watermark back."
                    ),
                };
                for s in counting.iter().filter(|s| s.watermark_ms.is_none()) {
                    findings.push(Finding {
                        kind: "idle_partition".into(),
                        node: n.name.clone(),
                        message: format!(
                            "{} has had no row, so the watermark of table {table} stays where it is: the smallest watermark of all partitions counts, and this one has none. {fix}",
                            partition_name(s.split)
                        ),
                        option: Some(option.into()),
                    });
                }
                let max = counting.iter().filter_map(|s| s.watermark_ms).max();
                if counting.iter().all(|s| s.watermark_ms.is_some()) {
                    if let (Some(slowest), Some(max)) = (counting.iter().min_by_key(|s| s.watermark_ms), max) {
                        let behind = max - slowest.watermark_ms.unwrap_or(max);
                        if behind >= 60_000 && counting.len() > 1 {
                            findings.push(Finding {
                                kind: "lagging_partition".into(),
                                node: n.name.clone(),
                                message: format!(
                                    "{} is {} behind the others (its watermark is {}): it holds the watermark of table {table} back. {fix}",
                                    partition_name(slowest.split),
                                    duration(behind),
                                    at(slowest.watermark_ms.unwrap_or(0))
                                ),
                                option: Some(option.into()),
                            });
                        }
                    }
                }
            }
            if let Some(fires) = n.next_window_fires_at_ms {
                // The window's input watermark: the smallest of its inputs'.
                let input = n.inputs.iter().filter_map(|i| nodes.get(*i)).map(|i| i.watermark_ms).min().flatten();
                let message = match input {
                    None => format!(
                        "{} holds rows in a window that fires when the watermark reaches {}, and no watermark has arrived yet.",
                        n.name,
                        at(fires)
                    ),
                    Some(w) => format!(
                        "{} holds rows in a window that fires when the watermark reaches {}; the watermark is at {}, {} short.",
                        n.name,
                        at(fires),
                        at(w),
                        duration(fires - w)
                    ),
                };
                findings.push(Finding { kind: "window_waiting".into(), node: n.name.clone(), message, option: None });
            }
            let filters = ["Calc", "Join", "LookupJoin", "TemporalJoin", "IntervalJoin", "WindowJoin", "Correlate", "Unnest"];
            let stateless_like = filters.iter().any(|f| n.name.starts_with(f));
            if stateless_like && n.rows_in > 0 && n.rows_out == 0 {
                let what = if n.name.contains("Join") { "join" } else { "filter" };
                findings.push(Finding {
                    kind: "filtered_out".into(),
                    node: n.name.clone(),
                    message: format!("The {what} {} received {} rows and passed none of them on.", n.name, n.rows_in),
                    option: None,
                });
            }
            if n.late_rows_dropped > 0 {
                let keep = n.max_late_by_ms.map(|l| format!(" A watermark delay about {} longer (WATERMARK FOR ... AS ... - INTERVAL ...) would have kept them.", duration(l))).unwrap_or_default();
                findings.push(Finding {
                    kind: "late_rows".into(),
                    node: n.name.clone(),
                    message: format!("{} dropped {} rows that arrived after the watermark had passed their window.{keep}", n.name, n.late_rows_dropped),
                    option: None,
                });
            }
            if is_sink(&n.name) && n.rows_in > 0 && exactly_once(version, table_of(&n.name)) {
                let completed = job.checkpoint.as_ref().map_or(0, |c| c.completed);
                let recent = written_before.is_some_and(|b| rows_written > b);
                if completed == 0 || recent {
                    let last = job.checkpoint.as_ref().and_then(|c| c.last_id).map(|id| format!(" (last checkpoint: {id})")).unwrap_or_default();
                    findings.push(Finding {
                        kind: "checkpoint_pending".into(),
                        node: n.name.clone(),
                        message: format!(
                            "{} writes exactly-once: its rows become visible to read_committed readers when the next checkpoint commits them{last}.",
                            n.name
                        ),
                        option: Some("'execution.checkpointing.interval'".into()),
                    });
                }
            }
        }
    }
    let wrote_recently = written_before.is_some_and(|b| rows_written > b);
    let summary = if wrote_recently {
        "The sinks wrote rows in the last 30 s.".to_string()
    } else if let Some(f) = findings.iter().find(|f| f.kind != "checkpoint_pending" && f.kind != "late_rows").or(findings.first()) {
        format!("No row written in the last 30 s. {}", f.message)
    } else if jobs.is_empty() {
        "The deployment has not reported yet: it is starting or does not run.".to_string()
    } else {
        "Nothing holds rows back: the sources have had no new rows.".to_string()
    };
    Diagnosis { rows_written, wrote_recently, window_s: (RECENT_MS / 1000) as u64, summary, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::{NodeMetrics, PartitionMetrics, SourceMetrics, SplitMetrics};

    /// The IoT job of the browser test: a source over three partitions, one of them
    /// empty, a watermark assigner, a tumble window and a sink.
    fn iot(empty_idle: bool, idle_timeout: Option<u64>) -> JobMetrics {
        let partitions = (0..3).map(|p| PartitionMetrics { split: p as u32, topic: "iot".into(), partition: p, offset: Some(if p == 2 { 0 } else { 40 }) }).collect();
        JobMetrics {
            job: "insert-into_default_catalog.default_database.iot_avg".into(),
            at_ms: 1_642_761_000_000,
            nodes: vec![
                NodeMetrics { name: "Source: iot_metrics".into(), rows_out: 80, source: Some(SourceMetrics { records: 80, partitions, ..Default::default() }), ..Default::default() },
                NodeMetrics {
                    name: "WatermarkAssigner".into(),
                    rows_in: 80,
                    rows_out: 80,
                    inputs: vec![0],
                    splits: vec![
                        SplitMetrics { split: 0, watermark_ms: Some(1_642_760_700_000), idle: false, finished: false },
                        SplitMetrics { split: 1, watermark_ms: Some(1_642_760_690_000), idle: false, finished: false },
                        SplitMetrics { split: 2, watermark_ms: None, idle: empty_idle, finished: false },
                    ],
                    split_idle_timeout_ms: idle_timeout,
                    ..Default::default()
                },
                NodeMetrics { name: "WindowAggregate".into(), rows_in: 80, inputs: vec![1], next_window_fires_at_ms: Some(1_642_760_699_999), ..Default::default() },
                NodeMetrics { name: "Sink: iot_avg".into(), inputs: vec![2], ..Default::default() },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_partition_that_holds_the_watermark_back_is_named_with_the_option_that_releases_it() {
        let d = diagnose(&[iot(false, None)], None, Some(0));
        assert!(!d.wrote_recently);
        let f = &d.findings[0];
        assert_eq!(f.kind, "idle_partition");
        assert!(f.message.contains("partition 2 of topic \"iot\""), "{}", f.message);
        assert!(f.message.contains("'scan.watermark.idle-timeout'") && f.message.contains("table.exec.source.idle-timeout"), "{}", f.message);
        assert_eq!(d.summary, format!("No row written in the last 30 s. {}", f.message));
        let w = d.findings.iter().find(|f| f.kind == "window_waiting").expect("the window waits");
        assert!(w.message.contains("no watermark has arrived yet"), "{}", w.message);
    }

    #[test]
    fn an_idle_partition_is_not_blamed_and_the_window_says_how_much_time_is_missing() {
        let mut job = iot(true, Some(30_000));
        job.nodes[2].inputs = vec![1];
        job.nodes[1].watermark_ms = Some(1_642_760_690_000);
        let d = diagnose(&[job], None, None);
        assert!(d.findings.iter().all(|f| f.kind != "idle_partition"), "{:?}", d.findings);
        let w = d.findings.iter().find(|f| f.kind == "window_waiting").unwrap();
        assert!(w.message.contains("2022-01-21 10:24:59.999") && w.message.contains("10 s short"), "{}", w.message);
    }

    #[test]
    fn a_filter_that_passed_nothing_and_late_rows_are_explained() {
        let job = JobMetrics {
            job: "j".into(),
            nodes: vec![
                NodeMetrics { name: "Source: t".into(), rows_out: 10, source: Some(SourceMetrics { records: 10, ..Default::default() }), ..Default::default() },
                NodeMetrics { name: "Calc(where=[>(v, 100)])".into(), rows_in: 10, inputs: vec![0], ..Default::default() },
                NodeMetrics { name: "WindowAggregate".into(), rows_in: 5, late_rows_dropped: 3, max_late_by_ms: Some(12_000), inputs: vec![1], ..Default::default() },
                NodeMetrics { name: "Sink: out".into(), inputs: vec![2], ..Default::default() },
            ],
            ..Default::default()
        };
        let d = diagnose(&[job], None, Some(0));
        let kinds: Vec<&str> = d.findings.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["filtered_out", "late_rows"]);
        assert!(d.findings[0].message.contains("received 10 rows and passed none"), "{}", d.findings[0].message);
        assert!(d.findings[1].message.contains("12 s longer"), "{}", d.findings[1].message);
    }

    #[test]
    fn an_exactly_once_sink_waits_for_its_first_checkpoint() {
        let version = CreateVersion {
            sources: vec![],
            sinks: vec![crate::api::VersionTable {
                create_table: "CREATE TABLE kept (id BIGINT) WITH ('connector' = 'kafka', 'sink.delivery-guarantee' = 'exactly-once')".into(),
                integration_id: None,
            }],
            statement: String::new(),
        };
        let job = JobMetrics {
            job: "j".into(),
            nodes: vec![
                NodeMetrics { name: "Source: t".into(), rows_out: 4, source: Some(SourceMetrics { records: 4, ..Default::default() }), ..Default::default() },
                NodeMetrics { name: "Sink: kept".into(), rows_in: 4, inputs: vec![0], ..Default::default() },
            ],
            ..Default::default()
        };
        let d = diagnose(&[job], Some(&version), Some(0));
        assert_eq!(d.findings.len(), 1, "{:?}", d.findings);
        assert_eq!(d.findings[0].kind, "checkpoint_pending");
        assert!(d.wrote_recently);
    }

    #[test]
    fn rates_and_samples_come_from_two_snapshots_of_the_same_worker() {
        let mut before = iot(false, None);
        before.at_ms -= 2000;
        before.nodes[0].rows_out = 40;
        before.nodes[3].rows_in = 0;
        let mut now = iot(false, None);
        now.nodes[3].rows_in = 10;
        now.nodes[3].watermark_ms = Some(now.at_ms - 5000);
        let r = rates(Some(&before), &now);
        assert_eq!(r[0].rows_out_per_s, 20.0);
        let p = sample(&[before], &[now], 7);
        assert_eq!((p.rows_in_per_s, p.rows_out_per_s, p.rows_written, p.watermark_lag_s), (20.0, 5.0, 10, Some(5.0)));
        assert_eq!(rates(None, &iot(false, None))[0], NodeRates::default());
    }
}
