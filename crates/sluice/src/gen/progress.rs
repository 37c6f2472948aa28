//! `Progress`: the lines `sluice gen` writes on stderr while it runs: every few seconds
//! how many messages went out, the recent rate and the delivery errors, a broker error
//! at most once per interval, and one summary line at the end.

use std::time::{Duration, Instant};

/// How often a progress line (and at most one broker error) is printed.
pub const REPORT_EVERY: Duration = Duration::from_secs(5);

/// Counters at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Messages handed to Kafka (or written, in a dry run).
    pub sent: u64,
    /// Messages the broker acknowledged; `None` in a dry run.
    pub delivered: Option<u64>,
    /// Messages that could not be delivered.
    pub failed: u64,
}

pub struct Progress {
    quiet: bool,
    start: Instant,
    last_report: Instant,
    last_sent: u64,
    last_error_report: Option<Instant>,
}

impl Progress {
    pub fn new(quiet: bool, now: Instant) -> Progress {
        Progress { quiet, start: now, last_report: now, last_sent: 0, last_error_report: None }
    }

    /// Prints a progress line when the interval has passed since the last one.
    pub fn tick(&mut self, now: Instant, counts: Counts) {
        let since = now.saturating_duration_since(self.last_report);
        if self.quiet || since < REPORT_EVERY {
            return;
        }
        let rate = per_second(counts.sent.saturating_sub(self.last_sent), since);
        eprintln!("[gen] {} ({rate}/s)", describe(counts));
        self.last_report = now;
        self.last_sent = counts.sent;
    }

    /// Prints a broker or delivery error, unless one was printed within the interval.
    /// Errors are printed even with `--quiet`: a silent hang is worse than noise.
    pub fn error(&mut self, now: Instant, message: &str) {
        if self.last_error_report.is_some_and(|at| now.saturating_duration_since(at) < REPORT_EVERY) {
            return;
        }
        eprintln!("[gen] kafka: {message}");
        self.last_error_report = Some(now);
    }

    /// A note such as where the messages go, unless quiet.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("[gen] {message}");
        }
    }

    /// The summary line; printed even with `--quiet` when something failed.
    pub fn finish(&self, now: Instant, counts: Counts) {
        if self.quiet && counts.failed == 0 {
            return;
        }
        let elapsed = now.saturating_duration_since(self.start);
        eprintln!(
            "[gen] done: {} in {:.1} s ({}/s)",
            describe(counts),
            elapsed.as_secs_f64(),
            per_second(counts.sent, elapsed)
        );
    }
}

fn describe(counts: Counts) -> String {
    match counts.delivered {
        None => format!("{} messages written", counts.sent),
        Some(delivered) => {
            format!("{} messages sent, {delivered} delivered, {} delivery errors", counts.sent, counts.failed)
        }
    }
}

fn per_second(count: u64, over: Duration) -> u64 {
    let seconds = over.as_secs_f64();
    if seconds <= 0.0 {
        return 0;
    }
    (count as f64 / seconds).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_dry_runs_and_kafka_runs() {
        assert_eq!(describe(Counts { sent: 5, delivered: None, failed: 0 }), "5 messages written");
        assert_eq!(
            describe(Counts { sent: 5, delivered: Some(3), failed: 1 }),
            "5 messages sent, 3 delivered, 1 delivery errors"
        );
        assert_eq!(per_second(50, Duration::from_secs(2)), 25);
        assert_eq!(per_second(50, Duration::ZERO), 0);
    }
}
