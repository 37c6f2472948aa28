use std::collections::BTreeMap;

use std::path::PathBuf;

use sluice_python::{PythonSettings, PYTHON_EXECUTABLE_KEY, PYTHON_FILES_KEY, PYTHON_REQUIREMENTS_KEY, PYTHON_TIMEOUT_KEY};
use sluice_runtime::checkpoint::CheckpointConfig;
use sluice_types::temporal::{parse_time_zone, SessionTimeZone};

/// Flink's session-wide source idleness (`0`, the default, disables it).
pub const IDLE_TIMEOUT_KEY: &str = "table.exec.source.idle-timeout";

/// `table.exec.state.ttl`: how long state of an idle key is kept (`0`: forever).
pub const STATE_TTL_KEY: &str = "table.exec.state.ttl";
/// `table.exec.mini-batch.*`: buffer input rows and fold each key's rows at once.
pub const MINI_BATCH_ENABLED_KEY: &str = "table.exec.mini-batch.enabled";
pub const MINI_BATCH_LATENCY_KEY: &str = "table.exec.mini-batch.allow-latency";
pub const MINI_BATCH_SIZE_KEY: &str = "table.exec.mini-batch.size";
/// Flink's checkpointing keys (and the older spelling of the folder's).
pub const CHECKPOINT_INTERVAL_KEY: &str = "execution.checkpointing.interval";
pub const CHECKPOINT_MODE_KEY: &str = "execution.checkpointing.mode";
pub const CHECKPOINT_DIR_KEY: &str = "execution.checkpointing.dir";
pub const CHECKPOINT_DIR_OLD_KEY: &str = "state.checkpoints.dir";
pub const CHECKPOINT_RETAINED_KEY: &str = "execution.checkpointing.num-retained";
pub const CHECKPOINT_TIMEOUT_KEY: &str = "execution.checkpointing.timeout";
pub const RECOVERY_PATH_KEY: &str = "execution.state-recovery.path";
pub const SAVEPOINT_DIR_KEY: &str = "execution.checkpointing.savepoint-dir";
pub const RECOVERY_IGNORE_UNCLAIMED_KEY: &str = "execution.state-recovery.ignore-unclaimed-state";
/// Flink's restart strategy: how a failed job is retried in the same process, from its
/// last checkpoint.
pub const RESTART_TYPE_KEY: &str = "restart-strategy.type";
pub const RESTART_FIXED_ATTEMPTS_KEY: &str = "restart-strategy.fixed-delay.attempts";
pub const RESTART_FIXED_DELAY_KEY: &str = "restart-strategy.fixed-delay.delay";
pub const RESTART_EXP_INITIAL_KEY: &str = "restart-strategy.exponential-delay.initial-backoff";
pub const RESTART_EXP_MAX_KEY: &str = "restart-strategy.exponential-delay.max-backoff";
pub const RESTART_EXP_MULTIPLIER_KEY: &str = "restart-strategy.exponential-delay.backoff-multiplier";
pub const RESTART_EXP_ATTEMPTS_KEY: &str = "restart-strategy.exponential-delay.attempts-before-reset-backoff";
pub const RESTART_EXP_RESET_KEY: &str = "restart-strategy.exponential-delay.reset-backoff-threshold";
/// Flink's parallelism keys: how many instances of each operator a job runs
/// (`job_parallelism`).
pub const PARALLELISM_KEY: &str = "parallelism.default";
pub const DEFAULT_PARALLELISM_KEY: &str = "table.exec.resource.default-parallelism";
/// Flink's number of key groups, the most instances a keyed operator can have.
pub const MAX_PARALLELISM_KEY: &str = "pipeline.max-parallelism";
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
        if key == PARALLELISM_KEY && value.parse::<u32>().map_or(true, |p| p == 0) {
            return Err(format!("invalid parallelism \"{value}\": expected a positive integer"));
        }
        if [IDLE_TIMEOUT_KEY, STATE_TTL_KEY, MINI_BATCH_LATENCY_KEY, CHECKPOINT_INTERVAL_KEY, CHECKPOINT_TIMEOUT_KEY, PYTHON_TIMEOUT_KEY]
            .contains(&key)
        {
            crate::duration::parse_duration(value).map_err(|e| format!("invalid duration \"{value}\" for \"{key}\": {e}"))?;
        }
        if (key == MINI_BATCH_ENABLED_KEY || key == RECOVERY_IGNORE_UNCLAIMED_KEY)
            && !value.eq_ignore_ascii_case("true")
            && !value.eq_ignore_ascii_case("false")
        {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected true or false"));
        }
        if (key == MAX_PARTIAL_MATCHES_KEY || key == CHECKPOINT_RETAINED_KEY) && value.trim().parse::<usize>().map_or(true, |v| v == 0) {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected a positive whole number"));
        }
        if key == CHECKPOINT_MODE_KEY && !matches!(value.trim().to_ascii_uppercase().as_str(), "EXACTLY_ONCE" | "AT_LEAST_ONCE") {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected EXACTLY_ONCE or AT_LEAST_ONCE"));
        }
        if key == CHECKPOINT_DIR_KEY || key == CHECKPOINT_DIR_OLD_KEY || key == RECOVERY_PATH_KEY || key == SAVEPOINT_DIR_KEY {
            checkpoint_folder(value).map_err(|e| format!("invalid value \"{value}\" for \"{key}\": {e}"))?;
        }
        if [RESTART_FIXED_DELAY_KEY, RESTART_EXP_INITIAL_KEY, RESTART_EXP_MAX_KEY, RESTART_EXP_RESET_KEY].contains(&key) {
            crate::duration::parse_duration(value).map_err(|e| format!("invalid duration \"{value}\" for \"{key}\": {e}"))?;
        }
        if (key == RESTART_FIXED_ATTEMPTS_KEY || key == RESTART_EXP_ATTEMPTS_KEY) && value.trim().parse::<u32>().is_err() {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected a whole number of attempts"));
        }
        if key == RESTART_EXP_MULTIPLIER_KEY && value.trim().parse::<f64>().map_or(true, |m| !m.is_finite() || m < 1.0) {
            return Err(format!("invalid value \"{value}\" for \"{key}\": expected a number of at least 1"));
        }
        if key == RESTART_TYPE_KEY && RestartStrategy::kind(value).is_none() {
            return Err(format!(
                "invalid value \"{value}\" for \"{key}\": expected none, fixed-delay or exponential-delay"
            ));
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

    /// The `python.*` keys, for Python functions' workers.
    pub fn python_settings(&self) -> PythonSettings {
        let timeout = self
            .get(PYTHON_TIMEOUT_KEY)
            .and_then(|v| crate::duration::parse_duration(v).ok())
            .filter(|d| !d.is_zero())
            .unwrap_or(sluice_python::DEFAULT_TIMEOUT);
        PythonSettings {
            executable: self.get(PYTHON_EXECUTABLE_KEY).map(str::to_string),
            timeout,
            ..PythonSettings::default()
        }
        .with_files(self.get(PYTHON_FILES_KEY), self.get(PYTHON_REQUIREMENTS_KEY))
    }

    /// How many instances of each operator a job runs, and what to tell the user when
    /// it runs fewer than asked. `table.exec.resource.default-parallelism` wins when set
    /// above 0 (its -1 means "the default"), else `parallelism.default`, else 1.
    pub fn job_parallelism(&self) -> Result<(usize, Option<String>), String> {
        let read = |key: &str| -> Result<Option<usize>, String> {
            let Some(value) = self.get(key) else { return Ok(None) };
            match value.trim().parse::<i64>() {
                Ok(-1) => Ok(None),
                Ok(p) if p > 0 => Ok(Some(p as usize)),
                _ => Err(format!("invalid value \"{value}\" for \"{key}\": expected a positive whole number (or -1 for the default)")),
            }
        };
        let parallelism = read(DEFAULT_PARALLELISM_KEY)?.or(read(PARALLELISM_KEY)?).unwrap_or(1);
        let max = self.max_parallelism()?;
        if parallelism > max {
            return Err(format!(
                "parallelism {parallelism} is above \"{MAX_PARALLELISM_KEY}\" ({max}): a keyed operator cannot have more instances than key groups; lower the parallelism or raise \"{MAX_PARALLELISM_KEY}\""
            ));
        }
        Ok((parallelism, None))
    }

    /// `pipeline.max-parallelism`: the number of key groups (128 unless set, as in Flink).
    pub fn max_parallelism(&self) -> Result<usize, String> {
        match self.get(MAX_PARALLELISM_KEY) {
            None => Ok(sluice_runtime::exchange::DEFAULT_MAX_PARALLELISM),
            Some(value) => match value.trim().parse::<i64>() {
                Ok(-1) => Ok(sluice_runtime::exchange::DEFAULT_MAX_PARALLELISM),
                Ok(m) if (1..=32768).contains(&m) => Ok(m as usize),
                _ => Err(format!("invalid value \"{value}\" for \"{MAX_PARALLELISM_KEY}\": expected a whole number from 1 to 32768")),
            },
        }
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

    /// Whether `execution.checkpointing.interval` turns checkpoints on.
    pub fn checkpointing(&self) -> bool {
        self.get(CHECKPOINT_INTERVAL_KEY)
            .and_then(|v| crate::duration::parse_duration(v).ok())
            .is_some_and(|d| !d.is_zero())
    }

    /// The checkpointing of job `job`, when `execution.checkpointing.interval` is set:
    /// checkpoints go to `execution.checkpointing.dir` (or `state.checkpoints.dir`),
    /// by default `~/.local/state/sluice/checkpoints`. `fresh` starts over.
    pub fn checkpoint_config(&self, job: &str, fresh: bool) -> Result<Option<CheckpointConfig>, String> {
        if !self.checkpointing() {
            return Ok(None);
        }
        let interval = self.get(CHECKPOINT_INTERVAL_KEY).map(crate::duration::parse_duration).transpose()?.unwrap_or_default();
        let root = match self.get(CHECKPOINT_DIR_KEY).or(self.get(CHECKPOINT_DIR_OLD_KEY)) {
            Some(dir) => checkpoint_folder(dir)?,
            None => default_checkpoint_root().display().to_string(),
        };
        let storage_options = sluice_runtime::checkpoint::StorageOptions(
            self.entries()
                .filter(|(k, _)| sluice_runtime::checkpoint::StorageOptions::is_storage_key(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        Ok(Some(CheckpointConfig {
            job: job.to_string(),
            interval,
            root,
            retained: self.get(CHECKPOINT_RETAINED_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(1),
            recovery_path: self.get(RECOVERY_PATH_KEY).map(checkpoint_folder).transpose()?,
            ignore_unclaimed_state: self.get(RECOVERY_IGNORE_UNCLAIMED_KEY).is_some_and(|v| v.eq_ignore_ascii_case("true")),
            fresh,
            savepoint_dir: self.get(SAVEPOINT_DIR_KEY).map(checkpoint_folder).transpose()?,
            storage_options,
        }))
    }

    /// `restart-strategy.type` and its keys, with Flink's defaults: no restart unless set
    /// (Flink restarts checkpointed jobs by default; a command-line run fails fast
    /// instead, so that a broken job says so).
    pub fn restart_strategy(&self) -> RestartStrategy {
        let duration = |key: &str, default: u64| {
            self.get(key).and_then(|v| crate::duration::parse_duration(v).ok()).unwrap_or(std::time::Duration::from_millis(default))
        };
        match self.get(RESTART_TYPE_KEY).and_then(RestartStrategy::kind) {
            Some("fixed-delay") => RestartStrategy::FixedDelay {
                attempts: self.get(RESTART_FIXED_ATTEMPTS_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(1),
                delay: duration(RESTART_FIXED_DELAY_KEY, 1_000),
            },
            Some("exponential-delay") => RestartStrategy::ExponentialDelay {
                initial: duration(RESTART_EXP_INITIAL_KEY, 1_000),
                max: duration(RESTART_EXP_MAX_KEY, 60_000),
                multiplier: self.get(RESTART_EXP_MULTIPLIER_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(1.5),
                attempts: self.get(RESTART_EXP_ATTEMPTS_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(u32::MAX),
                reset_after: duration(RESTART_EXP_RESET_KEY, 3_600_000),
            },
            _ => RestartStrategy::None,
        }
    }

    /// `table.local-time-zone`, UTC by default (Flink's default is the JVM's zone; Sluice
    /// picks UTC so that results do not depend on the machine).
    pub fn time_zone(&self) -> SessionTimeZone {
        self.get("table.local-time-zone").and_then(parse_time_zone).unwrap_or_default()
    }
}

/// A checkpoint folder as Flink spells it: a path, a `file://` URL (given as its path),
/// or an object store URL (`s3://`, `gs://`, `az://`, see `sluice_runtime::checkpoint::storage`).
fn checkpoint_folder(value: &str) -> Result<String, String> {
    let value = value.trim();
    if let Some(path) = value.strip_prefix("file://") {
        return Ok(path.to_string());
    }
    match value.split_once("://") {
        Some((scheme, _)) if !sluice_runtime::checkpoint::storage::SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => Err(format!(
            "checkpoints in \"{scheme}://\" storage are not supported; use a local folder, a file:// URL, or an s3://, gs:// or az:// URL"
        )),
        Some(_) => Ok(value.to_string()),
        None if value.is_empty() => Err("the folder is empty".into()),
        None => Ok(value.to_string()),
    }
}

/// `$XDG_STATE_HOME/sluice/checkpoints`, else `~/.local/state/sluice/checkpoints`.
fn default_checkpoint_root() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"))
    });
    state.unwrap_or_else(std::env::temp_dir).join("sluice/checkpoints")
}

/// How a failed job is retried in-process, from its last checkpoint (Flink's
/// `restart-strategy.*`).
#[derive(Clone, Debug, PartialEq)]
pub enum RestartStrategy {
    None,
    /// `attempts` restarts, each after `delay`.
    FixedDelay { attempts: u32, delay: std::time::Duration },
    /// Restarts after `initial`, then `multiplier` times longer each time up to `max`;
    /// after `attempts` restarts in a row it gives up, and a run of `reset_after` without
    /// a failure starts the count and the backoff over.
    ExponentialDelay { initial: std::time::Duration, max: std::time::Duration, multiplier: f64, attempts: u32, reset_after: std::time::Duration },
}

impl RestartStrategy {
    /// The strategy a `restart-strategy.type` value names, in Flink's spellings.
    fn kind(value: &str) -> Option<&'static str> {
        match value.trim().to_ascii_lowercase().as_str() {
            "none" | "off" | "disable" => Some("none"),
            "fixed-delay" | "fixeddelay" => Some("fixed-delay"),
            "exponential-delay" | "exponentialdelay" => Some("exponential-delay"),
            _ => None,
        }
    }

    /// The wait before restart number `attempt` (from 1) of failures in a row, or `None`
    /// when the strategy gives up.
    pub fn delay(&self, attempt: u32) -> Option<std::time::Duration> {
        match *self {
            RestartStrategy::None => None,
            RestartStrategy::FixedDelay { attempts, delay } => (attempt <= attempts).then_some(delay),
            RestartStrategy::ExponentialDelay { initial, max, multiplier, attempts, .. } => {
                if attempt > attempts {
                    return None;
                }
                let factor = multiplier.powi(attempt.saturating_sub(1).min(1_000) as i32);
                Some(initial.mul_f64(factor).min(max))
            }
        }
    }

    /// How long a job must run without failing for the count of failures in a row to
    /// start over.
    pub fn reset_after(&self) -> Option<std::time::Duration> {
        match self {
            RestartStrategy::ExponentialDelay { reset_after, .. } => Some(*reset_after),
            _ => None,
        }
    }
}

#[cfg(test)]
mod restart_tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn restart_strategies_follow_flinks_keys_and_defaults() {
        let mut c = SessionConfig::default();
        assert_eq!(c.restart_strategy(), RestartStrategy::None);
        c.set(RESTART_TYPE_KEY, "fixed-delay").unwrap();
        c.set(RESTART_FIXED_ATTEMPTS_KEY, "3").unwrap();
        c.set(RESTART_FIXED_DELAY_KEY, "200 ms").unwrap();
        let s = c.restart_strategy();
        assert_eq!((s.delay(1), s.delay(3), s.delay(4)), (Some(Duration::from_millis(200)), Some(Duration::from_millis(200)), None));
        c.set(RESTART_TYPE_KEY, "exponential-delay").unwrap();
        c.set(RESTART_EXP_INITIAL_KEY, "1 s").unwrap();
        c.set(RESTART_EXP_MAX_KEY, "3 s").unwrap();
        c.set(RESTART_EXP_MULTIPLIER_KEY, "2").unwrap();
        let s = c.restart_strategy();
        assert_eq!(s.delay(1), Some(Duration::from_secs(1)));
        assert_eq!(s.delay(2), Some(Duration::from_secs(2)));
        assert_eq!(s.delay(5), Some(Duration::from_secs(3)));
        assert!(c.set(RESTART_TYPE_KEY, "sometimes").is_err());
        assert!(c.set(RESTART_EXP_MULTIPLIER_KEY, "0.5").is_err());
        assert!(c.set(RESTART_FIXED_ATTEMPTS_KEY, "-1").is_err());
    }
}
