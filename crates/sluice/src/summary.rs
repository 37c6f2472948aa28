//! Progress lines and end-of-job summaries, on stderr.

use std::time::{Duration, Instant};

use sluice_runtime::checkpoint::CheckpointStats;
use sluice_runtime::{JobReport, NodeReport};

fn rows_read(nodes: &[NodeReport]) -> u64 {
    nodes.iter().filter(|n| n.source_stats.is_some()).map(|n| n.metrics.rows_out).sum()
}

fn rows_written(nodes: &[NodeReport]) -> u64 {
    nodes.iter().filter(|n| n.name.starts_with("Sink:")).map(|n| n.metrics.rows_in).sum()
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn print_progress(name: &str, nodes: &[NodeReport], checkpoints: Option<&CheckpointStats>, last: &mut Option<(Instant, u64)>) {
    let read = rows_read(nodes);
    let now = Instant::now();
    let rate = match last {
        Some((t, r)) if now > *t => (read.saturating_sub(*r)) as f64 / now.duration_since(*t).as_secs_f64(),
        _ => 0.0,
    };
    *last = Some((now, read));
    let watermark = nodes
        .iter()
        .filter_map(|n| n.metrics.watermark)
        .filter(|w| *w != i64::MAX)
        .min()
        .map(|w| {
            let mut s = String::from(", watermark ");
            sluice_types::temporal::write_timestamp(&mut s, w, sluice_types::temporal::Fraction::Fixed(3), false);
            s
        })
        .unwrap_or_default();
    let late: u64 = nodes.iter().map(|n| n.late_rows_dropped).sum();
    let late = if late > 0 { format!(", {} late rows dropped", thousands(late)) } else { String::new() };
    let mut gauges = String::new();
    for n in nodes {
        for (what, value) in &n.gauges {
            gauges.push_str(&format!(", {} {what}", thousands(*value)));
        }
    }
    let checkpoint = checkpoints.map(checkpoint_text).unwrap_or_default();
    eprintln!(
        "[sluice] {name}: {} rows read ({} rows/s), {} rows written{watermark}{late}{gauges}{checkpoint}",
        thousands(read),
        thousands(rate as u64),
        thousands(rows_written(nodes))
    );
}

/// The counters of a running job as a worker reports them to `sluice server`, and the
/// last rows its sinks wrote. Times are milliseconds there (the engine's are micros).
pub fn metrics_snapshot(
    name: &str,
    nodes: &[NodeReport],
    checkpoints: Option<&CheckpointStats>,
    tail: Vec<sluice_server::worker::TailRow>,
) -> sluice_server::worker::JobMetrics {
    use sluice_server::worker::{CheckpointMetrics, JobMetrics, NodeMetrics, PartitionMetrics, SourceMetrics, SplitMetrics};
    let ms = |micros: i64| micros.div_euclid(1000);
    JobMetrics {
        tail,
        job: name.to_string(),
        at_ms: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
        nodes: nodes
            .iter()
            .map(|n| NodeMetrics {
                name: n.name.clone(),
                rows_in: n.metrics.rows_in,
                rows_out: n.metrics.rows_out,
                watermark_ms: n.metrics.watermark.filter(|w| *w != i64::MAX).map(ms),
                late_rows_dropped: n.late_rows_dropped,
                state: n.gauges.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                state_bytes: n.metrics.state_bytes,
                source: n.source_stats.as_ref().map(|s| SourceMetrics {
                    records: s.records,
                    bytes: s.bytes,
                    skipped_bad_records: s.skipped_bad_records,
                    dead_letters: s.dead_letters,
                    partition_lag: s.partition_lag.clone(),
                    partitions: s
                        .partitions
                        .iter()
                        .map(|p| PartitionMetrics { split: p.split, topic: p.topic.clone(), partition: p.partition, offset: p.offset })
                        .collect(),
                }),
                inputs: n.inputs.clone(),
                idle: n.idle,
                splits: n
                    .facts
                    .splits
                    .iter()
                    .map(|s| SplitMetrics { split: s.split, watermark_ms: s.watermark.map(ms), idle: s.idle, finished: s.finished })
                    .collect(),
                split_idle_timeout_ms: n.facts.split_idle_timeout.map(|t| t.as_millis() as u64),
                next_window_fires_at_ms: n.facts.next_window_end.filter(|w| *w != i64::MAX).map(ms),
                max_late_by_ms: n.facts.max_late_by.map(ms),
            })
            .collect(),
        checkpoint: checkpoints.map(|c| CheckpointMetrics {
            completed: c.completed,
            last_id: c.last_id,
            last_duration_ms: c.last_duration.as_millis() as u64,
            last_bytes: c.last_bytes,
        }),
    }
}

/// `, checkpoint 42 (12 ms, 1.2 kB)`, or nothing before the first.
fn checkpoint_text(stats: &CheckpointStats) -> String {
    let Some(id) = stats.last_id else { return String::new() };
    format!(", checkpoint {id} ({}, {})", duration_text(stats.last_duration), bytes_text(stats.last_bytes))
}

/// A duration as a person writes it: `850 ms`, `2.5 s`, `10 s`.
pub fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn bytes_text(n: u64) -> String {
    match n {
        0..=999 => format!("{n} B"),
        1_000..=999_999 => format!("{:.1} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

/// The end-of-job line (unless `quiet`), then what was skipped or dropped (always: rows
/// that did not make it into the result are never left unreported).
pub fn print_summary(name: &str, report: &JobReport, quiet: bool) {
    let secs = report.elapsed.as_secs_f64();
    let read = rows_read(&report.nodes);
    let rate = if secs > 0.0 { read as f64 / secs } else { 0.0 };
    if !quiet {
        eprintln!(
        "[sluice] job \"{name}\" {} in {:.2} s: {} rows read ({} rows/s), {} rows written",
        if report.stopped { "stopped" } else { "finished" },
        secs,
        thousands(read),
        thousands(rate as u64),
        thousands(rows_written(&report.nodes))
    );
        if let Some(stats) = &report.checkpoints {
            if stats.last_id.is_some() {
                eprintln!(
                    "[sluice]   {} checkpoints taken{}, the longest {} ({})",
                    thousands(stats.completed),
                    checkpoint_text(stats).replacen(", checkpoint", ", the last", 1),
                    duration_text(stats.longest),
                    bytes_text(stats.longest_bytes)
                );
            }
        }
    }
    for node in &report.nodes {
        if let Some(stats) = &node.source_stats {
            if stats.skipped_bad_records > 0 {
                eprintln!(
                    "[sluice]   {}: skipped {} malformed records",
                    node.name,
                    thousands(stats.skipped_bad_records)
                );
                for example in &stats.skipped_examples {
                    eprintln!("[sluice]     e.g. {example}");
                }
            }
            if stats.dead_letters > 0 {
                eprintln!(
                    "[sluice]   {}: sent {} malformed records to its dead letters ('sluice.dead-letter')",
                    node.name,
                    thousands(stats.dead_letters)
                );
            }
        }
        if node.late_rows_dropped > 0 {
            eprintln!(
                "[sluice]   {}: dropped {} late rows (behind the watermark)",
                node.name,
                thousands(node.late_rows_dropped)
            );
        }
    }
}
