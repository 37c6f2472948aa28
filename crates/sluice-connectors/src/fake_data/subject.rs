//! The four data sets `fake-data` can generate, named by the `subject` option.

use std::fmt;

/// Which seed data set to generate. Each one writes JSON records in exactly the shape of
/// the seed producers (see the subject modules for the fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// Pizza orders with nested pizzas and toppings (`orderTimestamp` text).
    Pizza,
    /// IoT CPU usage samples of seven hosts (`occurred_at` epoch milliseconds).
    Metric,
    /// Client transactions with a second-precision `ts` text.
    Transactions,
    /// Netcool-style network alarms of atolls, arriving in bursts.
    Alarms,
}

/// 2021-10-11 12:53:00 UTC, where the seed IoT, pizza and alarm data start.
const SEED_EPOCH_2021: i64 = 1_633_956_780_000;
/// 2024-05-11 18:00:00 UTC, where the seed transactions start.
const SEED_EPOCH_2024: i64 = 1_715_450_400_000;

impl Subject {
    pub const ALL: [Subject; 4] =
        [Subject::Pizza, Subject::Metric, Subject::Transactions, Subject::Alarms];

    /// The subject named by the `subject` option value (case-insensitive).
    pub fn parse(name: &str) -> Option<Subject> {
        let name = name.trim();
        Subject::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// The `subject` option value.
    pub fn name(self) -> &'static str {
        match self {
            Subject::Pizza => "pizza",
            Subject::Metric => "metric",
            Subject::Transactions => "transactions",
            Subject::Alarms => "alarms",
        }
    }

    /// The event-time spacing between records when `time-step` is not set and the rate
    /// is unlimited; these match the seed data (for alarms it is the mean spacing).
    pub fn default_time_step_micros(self) -> i64 {
        match self {
            Subject::Pizza => 400_000,
            Subject::Metric => 350_000,
            Subject::Transactions => 333_333,
            Subject::Alarms => 4_600_000,
        }
    }

    /// The event time of the first record when `start-time` is not set and the output
    /// must be reproducible: where the seed data set starts, in epoch milliseconds.
    pub fn default_start_millis(self) -> i64 {
        match self {
            Subject::Transactions => SEED_EPOCH_2024,
            _ => SEED_EPOCH_2021,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
