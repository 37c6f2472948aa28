//! `FakeDataGenerator`: the pure record generator behind the `fake-data` connector, also
//! used by `sluice gen` (a Kafka producer) and the benchmark (which writes IoT rows to a
//! file). It writes one JSON record at a time into a caller's buffer and says the
//! record's event time.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::subject::Subject;
use super::{alarms, metric, pizza, transactions};

/// What to generate and how event time moves.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorSettings {
    pub subject: Subject,
    /// The same seed (and settings) gives the same records, byte for byte.
    pub seed: u64,
    /// The event time of the first record (before any delay), epoch milliseconds.
    pub start_millis: i64,
    /// Event-time spacing between consecutive records, in microseconds (for alarms the
    /// mean spacing of a bursty arrival).
    pub time_step_micros: i64,
    /// Each record's event time lies up to this much before its place in the sequence,
    /// so records arrive out of order, but never by more than this: a watermark of
    /// "largest event time seen minus `max_delay_millis`" drops none of them.
    pub max_delay_millis: i64,
}

impl GeneratorSettings {
    /// The reproducible defaults of a subject: seed 42, the seed data's start time and
    /// spacing, in order.
    pub fn new(subject: Subject) -> Self {
        GeneratorSettings {
            subject,
            seed: 42,
            start_millis: subject.default_start_millis(),
            time_step_micros: subject.default_time_step_micros(),
            max_delay_millis: 0,
        }
    }
}

/// Generates the records of one subject. With `for_subtask`, several generators split
/// one logical sequence: subtask `s` of `p` takes records `s`, `s + p`, `s + 2p`, ... (so
/// pizza ids stay unique and event time advances at the same overall pace).
pub struct FakeDataGenerator {
    settings: GeneratorSettings,
    rng: SmallRng,
    /// The index in the logical sequence of the next record.
    next_index: u64,
    stride: u64,
    /// For alarms: where the random walk of event time stands, in microseconds.
    alarm_clock_micros: i64,
}

impl FakeDataGenerator {
    pub fn new(settings: GeneratorSettings) -> Self {
        Self::for_subtask(settings, 0, 1)
    }

    /// The generator of subtask `subtask` among `parallelism` (see the type's doc).
    pub fn for_subtask(settings: GeneratorSettings, subtask: usize, parallelism: usize) -> Self {
        let parallelism = parallelism.max(1) as u64;
        let subtask = subtask as u64 % parallelism;
        // Subtask 0 uses the seed as given, so one reader reproduces `new` exactly.
        let seed = settings.seed ^ subtask.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let alarm_clock_micros = settings
            .start_millis
            .saturating_mul(1000)
            .saturating_add(settings.time_step_micros.saturating_mul(subtask as i64));
        FakeDataGenerator {
            rng: SmallRng::seed_from_u64(seed),
            next_index: subtask,
            stride: parallelism,
            alarm_clock_micros,
            settings,
        }
    }

    pub fn settings(&self) -> &GeneratorSettings {
        &self.settings
    }

    /// The index in the logical sequence of the next record.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Appends the next record's JSON (one object, no newline) to `out` and returns its
    /// event time in epoch milliseconds (the time written in the record).
    pub fn next_record(&mut self, out: &mut Vec<u8>) -> i64 {
        let index = self.next_index;
        self.next_index += self.stride;
        let step = self.settings.time_step_micros;
        let base_micros = match self.settings.subject {
            Subject::Alarms => {
                let now = self.alarm_clock_micros;
                let gap = alarms::next_gap_micros(&mut self.rng, step.saturating_mul(self.stride as i64));
                self.alarm_clock_micros = now.saturating_add(gap);
                now
            }
            _ => self
                .settings
                .start_millis
                .saturating_mul(1000)
                .saturating_add(step.saturating_mul(index as i64)),
        };
        let mut base_millis = base_micros.div_euclid(1000);
        let mut delay = match self.settings.max_delay_millis {
            d if d > 0 => self.rng.gen_range(0..=d),
            _ => 0,
        };
        if self.settings.subject == Subject::Transactions {
            // Whole seconds only, so that truncating keeps the delay bound exact.
            base_millis -= base_millis.rem_euclid(1000);
            delay -= delay % 1000;
        }
        let event_millis = base_millis - delay;
        let rng = &mut self.rng;
        match self.settings.subject {
            Subject::Pizza => pizza::write(rng, index, event_millis, out),
            Subject::Metric => metric::write(rng, event_millis, out),
            Subject::Transactions => transactions::write(rng, event_millis, out),
            Subject::Alarms => alarms::write(rng, base_millis, event_millis, out),
        }
    }
}

impl Iterator for FakeDataGenerator {
    type Item = (Vec<u8>, i64);

    /// Convenience for tests and tools: each record in its own buffer. The connector
    /// uses `next_record` with one reused buffer instead.
    fn next(&mut self) -> Option<Self::Item> {
        let mut out = Vec::with_capacity(256);
        let time = self.next_record(&mut out);
        Some((out, time))
    }
}
