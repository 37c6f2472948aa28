use std::collections::BTreeMap;

use std::path::PathBuf;

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
pub const RECOVERY_IGNORE_UNCLAIMED_KEY: &str = "execution.state-recovery.ignore-unclaimed-state";
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
        if [IDLE_TIMEOUT_KEY, STATE_TTL_KEY, MINI_BATCH_LATENCY_KEY, CHECKPOINT_INTERVAL_KEY, CHECKPOINT_TIMEOUT_KEY].contains(&key) {
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
        if key == CHECKPOINT_DIR_KEY || key == CHECKPOINT_DIR_OLD_KEY || key == RECOVERY_PATH_KEY {
            local_folder(value).map_err(|e| format!("invalid value \"{value}\" for \"{key}\": {e}"))?;
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
            Some(dir) => local_folder(dir)?,
            None => default_checkpoint_root(),
        };
        Ok(Some(CheckpointConfig {
            job: job.to_string(),
            interval: interval.max(std::time::Duration::from_millis(1)),
            root,
            retained: self.get(CHECKPOINT_RETAINED_KEY).and_then(|v| v.trim().parse().ok()).unwrap_or(1),
            recovery_path: self.get(RECOVERY_PATH_KEY).map(local_folder).transpose()?,
            ignore_unclaimed_state: self.get(RECOVERY_IGNORE_UNCLAIMED_KEY).is_some_and(|v| v.eq_ignore_ascii_case("true")),
            fresh,
        }))
    }

    /// `table.local-time-zone`, UTC by default (Flink's default is the JVM's zone; Sluice
    /// picks UTC so that results do not depend on the machine).
    pub fn time_zone(&self) -> SessionTimeZone {
        self.get("table.local-time-zone").and_then(parse_time_zone).unwrap_or_default()
    }
}

/// A checkpoint folder as Flink spells it: a path or a `file://` URL. Object stores
/// (`s3://`, `gs://`, `az://`) are not supported yet.
fn local_folder(value: &str) -> Result<PathBuf, String> {
    let value = value.trim();
    if let Some(path) = value.strip_prefix("file://") {
        return Ok(PathBuf::from(path));
    }
    match value.split_once("://") {
        Some((scheme, _)) => Err(format!(
            "checkpoints in \"{scheme}://\" storage are not supported yet; use a local folder or a file:// URL"
        )),
        None if value.is_empty() => Err("the folder is empty".into()),
        None => Ok(PathBuf::from(value)),
    }
}

/// `$XDG_STATE_HOME/sluice/checkpoints`, else `~/.local/state/sluice/checkpoints`.
fn default_checkpoint_root() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"))
    });
    state.unwrap_or_else(std::env::temp_dir).join("sluice/checkpoints")
}
