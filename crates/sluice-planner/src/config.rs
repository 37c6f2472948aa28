use std::collections::BTreeMap;

use sluice_types::temporal::{parse_time_zone, SessionTimeZone};

/// Flink's session-wide source idleness (`0`, the default, disables it).
pub const IDLE_TIMEOUT_KEY: &str = "table.exec.source.idle-timeout";

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
        if key == IDLE_TIMEOUT_KEY {
            crate::duration::parse_duration(value).map_err(|e| format!("invalid duration \"{value}\" for \"{key}\": {e}"))?;
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

    /// `table.local-time-zone`, UTC by default (Flink's default is the JVM's zone; Sluice
    /// picks UTC so that results do not depend on the machine).
    pub fn time_zone(&self) -> SessionTimeZone {
        self.get("table.local-time-zone").and_then(parse_time_zone).unwrap_or_default()
    }
}
