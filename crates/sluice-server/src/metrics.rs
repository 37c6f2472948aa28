//! `/metrics`: every deployment's status and restarts from the store, and for each one
//! that runs, the counters its worker last reported (`worker::JobMetrics`), in
//! Prometheus' text format. Rates (rows/s) are Prometheus' own `rate()` over the
//! `_total` counters; a worker that restarts starts its counters over, which
//! `rate()` takes as a counter reset.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::api::DeploymentStatus;
use crate::store::DeploymentRow;
use crate::worker::JobMetrics;

/// Metric families in the order they were first seen: name, help, type and samples.
#[derive(Default)]
struct Families {
    order: Vec<&'static str>,
    families: BTreeMap<&'static str, (&'static str, &'static str, Vec<String>)>,
}

impl Families {
    fn add(&mut self, name: &'static str, kind: &'static str, help: &'static str, labels: &[(&str, &str)], value: f64) {
        let family = self.families.entry(name).or_insert_with(|| {
            self.order.push(name);
            (help, kind, Vec::new())
        });
        let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
        family.2.push(format!("{name}{{{}}} {}", labels.join(","), number(value)));
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for name in &self.order {
            let (help, kind, samples) = &self.families[name];
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for s in samples {
                out.push_str(s);
                out.push('\n');
            }
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

const STATUSES: [DeploymentStatus; 9] = [
    DeploymentStatus::Created,
    DeploymentStatus::Initializing,
    DeploymentStatus::Running,
    DeploymentStatus::Restarting,
    DeploymentStatus::Failed,
    DeploymentStatus::Finished,
    DeploymentStatus::SavingAndStop,
    DeploymentStatus::Cancelling,
    DeploymentStatus::Canceled,
];

/// The text of `/metrics`: `deployments` with the snapshots of their workers, at `now_ms`.
pub fn render(deployments: &[(DeploymentRow, Vec<JobMetrics>)], now_ms: i64) -> String {
    let mut f = Families::default();
    for (row, jobs) in deployments {
        let d = &row.deployment;
        let base = [("deployment", d.id.as_str()), ("application", d.application_id.as_str())];
        for status in STATUSES {
            let labels = [base[0], base[1], ("status", status.as_str())];
            f.add("sluice_deployment_status", "gauge", "1 for the deployment's current status, 0 for the others.", &labels, (d.status == status) as u8 as f64);
        }
        f.add("sluice_deployment_restarts_total", "counter", "Restarts of the deployment's worker after a failure.", &base, d.restarts as f64);
        f.add("sluice_deployment_parallelism", "gauge", "Operator instances per job.", &base, d.parallelism as f64);
        for job in jobs {
            let with_job = [base[0], base[1], ("job", job.job.as_str())];
            for n in &job.nodes {
                let labels = [with_job[0], with_job[1], with_job[2], ("operator", n.name.as_str())];
                f.add("sluice_operator_rows_in_total", "counter", "Rows an operator received.", &labels, n.rows_in as f64);
                f.add("sluice_operator_rows_out_total", "counter", "Rows an operator emitted.", &labels, n.rows_out as f64);
                f.add("sluice_operator_late_rows_dropped_total", "counter", "Rows dropped for arriving after the watermark passed their window.", &labels, n.late_rows_dropped as f64);
                if let Some(w) = n.watermark_ms {
                    f.add("sluice_operator_watermark_seconds", "gauge", "An operator's output watermark, seconds since the epoch.", &labels, w as f64 / 1000.0);
                    f.add("sluice_operator_watermark_lag_seconds", "gauge", "How far an operator's watermark is behind the wall clock of the report.", &labels, (job.at_ms - w) as f64 / 1000.0);
                }
                if let Some(bytes) = n.state_bytes {
                    f.add("sluice_operator_state_bytes", "gauge", "Bytes of an operator's state in the job's last checkpoint.", &labels, bytes as f64);
                }
                for (what, value) in &n.state {
                    let labels = [labels[0], labels[1], labels[2], labels[3], ("state", what.as_str())];
                    f.add("sluice_operator_state_entries", "gauge", "Entries an operator holds in its state, by kind.", &labels, *value as f64);
                }
                if let Some(s) = &n.source {
                    f.add("sluice_source_records_total", "counter", "Records a source read.", &labels, s.records as f64);
                    f.add("sluice_source_bytes_total", "counter", "Bytes a source read.", &labels, s.bytes as f64);
                    f.add("sluice_source_skipped_records_total", "counter", "Records a source skipped as malformed.", &labels, s.skipped_bad_records as f64);
                    f.add("sluice_source_dead_letters_total", "counter", "Records a source sent to its dead letters.", &labels, s.dead_letters as f64);
                    for (topic, partition, lag) in &s.partition_lag {
                        let partition = partition.to_string();
                        let labels = [labels[0], labels[1], labels[2], labels[3], ("topic", topic.as_str()), ("partition", partition.as_str())];
                        f.add("sluice_kafka_consumer_lag_records", "gauge", "Records in a Kafka partition that the source has not read yet.", &labels, *lag as f64);
                    }
                }
            }
            if let Some(c) = &job.checkpoint {
                f.add("sluice_checkpoints_completed_total", "counter", "Checkpoints the job completed.", &with_job, c.completed as f64);
                f.add("sluice_checkpoint_duration_seconds", "gauge", "How long the last checkpoint took.", &with_job, c.last_duration_ms as f64 / 1000.0);
                f.add("sluice_checkpoint_size_bytes", "gauge", "The size of the last checkpoint: the job's state.", &with_job, c.last_bytes as f64);
            }
            f.add("sluice_job_report_age_seconds", "gauge", "How old the worker's last report is.", &with_job, (now_ms - job.at_ms).max(0) as f64 / 1000.0);
        }
    }
    f.render()
}
