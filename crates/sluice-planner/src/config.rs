use std::collections::BTreeMap;

use sluice_types::temporal::{parse_time_zone, SessionTimeZone};

/// Flink's session-wide source idleness (`0`, the default, disables it).
pub const IDLE_TIMEOUT_KEY: &str = "table.exec.source.idle-timeout";

/// `table.exec.state.ttl`: how long state of an idle key is kept (`0`: forever).
pub const STATE_TTL_KEY: &str = "table.exec.state.ttl";
/// `table.exec.mini-batch.*`: buffer input rows and fold each key's rows at once.
pub const MINI_BATCH_ENABLED_KEY: &str = "table.exec.mini-batch.enabled";
pub const MINI_BATCH_LATENCY_KEY: &str = "table.exec.mini-batch.allow-latency";
pub const MINI_BATCH_SIZE_KEY: &str = "table.exec.mini-batch.size";
/// Sluice's cap on the partial matches one `MATCH_RECOGNIZE` partition may hold.
pub const MAX_PARTIAL_MATCHES_KEY: &str = "sluice.match-recognize.max-partial-matches";
const DEFAULT_MAX_PARTIAL_MATCHES: usize = 100_000;

/// The session's `SET` options. Keys are Flink's; unknown keys are kept (Flink accepts
/// any key) and read by whoever understands them.
#[derive(Clone, Debug, Default)]
pub struct SessionConfig {
    values: BTreeMap<String, String>,
}

impl SessionConfig {
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        if key == "table.local-time-zone" && parse_time_zone(value).is_none() {
            return Err(format!("invalid time zone \"{value}\""));
        }
        if key == "parallelism.default" && value.parse::<u32>().map_or(true, |p| p == 0) {
            return Err(format!("invalid parallelism \"{value}\": expected a positive integer"));
        }
        if key == IDLE_TIMEOUT_KEY || key == STATE_TTL_KEY || key == MINI_BATCH_LATENCY_KEY {
            crate::duration::parse_duration(value).map_err(|e| format!("invalid duration \"{value}\" for \"{key}\": {e}"))?;
        }
        if key == MINI_BATCH_ENABLED_KEY && !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected true or false"));
        }
        if key == MAX_PARTIAL_MATCHES_KEY && value.trim().parse::<usize>().map_or(true, |v| v == 0) {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected a positive whole number"));
        }
        if key == MINI_BATCH_SIZE_KEY && value.trim().parse::<i64>().is_err() {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected a whole number of rows"));
        }
        self.values.insert(key.to_string(), value.to_string());
        Ok(())
    }

    pub fn reset(&mut self, key: Option<&str>) {
        match key {
            Some(k) => {
                self.values.remove(k);
            }
            None => self.values.clear(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|s| s.as_str())
    }

    pub fn entries(&self) -> impl Iterator<Item = (&String, &String)> {
        self.values.iter()
    }

    /// `sluice.match-recognize.max-partial-matches` (100,000 unless set).
    pub fn max_partial_matches(&self) -> usize {
        self.get(MAX_PARTIAL_MATCHES_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_MAX_PARTIAL_MATCHES)
    }

    /// `table.exec.state.ttl`, when set to more than zero.
    pub fn state_ttl(&self) -> Option<std::time::Duration> {
        let ttl = crate::duration::parse_duration(self.get(STATE_TTL_KEY)?).ok()?;
        (!ttl.is_zero()).then_some(ttl)
    }

    /// The mini-batch size when `table.exec.mini-batch.enabled` is true, checked as Flink
    /// checks it: `allow-latency` and `size` must both be set and positive.
    pub fn mini_batch(&self) -> Result<Option<usize>, String> {
        if !self.get(MINI_BATCH_ENABLED_KEY).is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let latency = self.get(MINI_BATCH_LATENCY_KEY).and_then(|v| crate::duration::parse_duration(v).ok());
        if latency.map_or(true, |l| l.is_zero()) {
            return Err(format!("\"{MINI_BATCH_LATENCY_KEY}\" must be set to a positive duration when \"{MINI_BATCH_ENABLED_KEY}\" is true"));
        }
        match self.get(MINI_BATCH_SIZE_KEY).and_then(|v| v.trim().parse::<i64>().ok()) {
            Some(size) if size > 0 => Ok(Some(size as usize)),
            _ => Err(format!("\"{MINI_BATCH_SIZE_KEY}\" must be set to a positive number of rows when \"{MINI_BATCH_ENABLED_KEY}\" is true")),
        }
    }

    /// `table.local-time-zone`, UTC by default (Flink's default is the JVM's zone; Sluice
    /// picks UTC so that results do not depend on the machine).
    pub fn time_zone(&self) -> SessionTimeZone {
        self.get("table.local-time-zone").and_then(parse_time_zone).unwrap_or_default()
    }
}
