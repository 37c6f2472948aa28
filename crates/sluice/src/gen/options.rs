//! Parsers for `sluice gen`'s option values (so clap reports a bad value with the
//! option's name), and the generator settings they make.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sluice_connectors::fake_data::{GeneratorSettings, Subject};

/// `pizza`, `metric`, `transactions` or `alarms` (any case).
pub fn parse_subject(text: &str) -> Result<Subject, String> {
    Subject::parse(text).ok_or_else(|| {
        format!("unknown subject \"{text}\"; use \"pizza\", \"metric\", \"transactions\" or \"alarms\"")
    })
}

/// A duration in Flink's syntax: `10 s`, `8s`, `500 ms`, `1 min`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    sluice_connectors::options::parse_duration(text)
}

/// `yyyy-MM-dd HH:mm:ss[.SSS]`, read as UTC, to epoch milliseconds.
pub fn parse_start_time(text: &str) -> Result<i64, String> {
    sluice_types::temporal::parse_timestamp(text)
        .map(|micros| micros.div_euclid(1000))
        .ok_or_else(|| "expected a time like \"2021-10-11 12:53:00\"".to_string())
}

/// A librdkafka property as `key=value`.
pub fn parse_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, such as \"security.protocol=SSL\", not \"{text}\"")),
    }
}

/// What the user chose about event time; unset fields take the defaults below.
pub struct TimeChoice {
    pub seed: i64,
    pub max_delay: Option<Duration>,
    pub start_millis: Option<i64>,
    pub time_step: Option<Duration>,
    /// Messages per second, 0 for unlimited.
    pub rate: u64,
}

/// The generator settings, with the same defaults as the `fake-data` connector: at a
/// fixed rate the first record is stamped with the wall clock and records are one
/// rate-interval apart, so event time keeps pace with real time (as the seed producers'
/// did); unthrottled, the output starts where the seed data starts and uses its
/// spacing, so it is the same on every run.
pub fn generator_settings(subject: Subject, choice: &TimeChoice) -> GeneratorSettings {
    let start_millis = match choice.start_millis {
        Some(millis) => millis,
        None if choice.rate == 0 => subject.default_start_millis(),
        None => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64),
    };
    let time_step_micros = match choice.time_step {
        Some(step) => step.as_micros().min(i64::MAX as u128) as i64,
        None if choice.rate == 0 => subject.default_time_step_micros(),
        None => (1_000_000 / choice.rate.min(i64::MAX as u64) as i64).max(1),
    };
    GeneratorSettings {
        subject,
        seed: choice.seed as u64,
        start_millis,
        time_step_micros,
        max_delay_millis: choice.max_delay.map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64),
    }
}

/// The topic a subject goes to unless `--topic` is given: the seed pipelines' names.
pub fn default_topic(subject: Subject) -> &'static str {
    match subject {
        Subject::Pizza => "pizzas",
        Subject::Metric => "iot-data-input",
        Subject::Transactions => "client_amount",
        Subject::Alarms => "alarms",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values() {
        assert_eq!(parse_subject("Metric"), Ok(Subject::Metric));
        assert!(parse_subject("cpu").is_err_and(|e| e.contains("\"cpu\"")));
        assert_eq!(parse_duration("8s"), Ok(Duration::from_secs(8)));
        assert_eq!(parse_duration("10 s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_start_time("2021-10-11 12:53:00"), Ok(1_633_956_780_000));
        assert!(parse_start_time("yesterday").is_err());
        assert_eq!(parse_property("sasl.password=a=b"), Ok(("sasl.password".into(), "a=b".into())));
        assert!(parse_property("linger.ms").is_err());
        assert!(parse_property("=5").is_err());
    }

    #[test]
    fn unthrottled_runs_default_to_the_seed_timeline_and_throttled_ones_to_the_rate() {
        let mut choice = TimeChoice { seed: 7, max_delay: None, start_millis: None, time_step: None, rate: 0 };
        let settings = generator_settings(Subject::Metric, &choice);
        assert_eq!(settings.start_millis, Subject::Metric.default_start_millis());
        assert_eq!(settings.time_step_micros, Subject::Metric.default_time_step_micros());
        assert_eq!(settings.seed, 7);
        choice.rate = 100;
        choice.max_delay = Some(Duration::from_secs(8));
        let settings = generator_settings(Subject::Metric, &choice);
        assert_eq!(settings.time_step_micros, 10_000);
        assert_eq!(settings.max_delay_millis, 8_000);
        assert!(settings.start_millis > Subject::Metric.default_start_millis());
    }
}
