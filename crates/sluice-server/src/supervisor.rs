//! `Supervisor`: one worker process per deployment that should run. A worker is the
//! `sluice` binary itself running `sluice run` on the deployment's generated script,
//! with checkpoints and savepoints in the deployment's folder. The supervisor reads the
//! worker's log for its state, restarts a failed worker from its last checkpoint with
//! backoff, and resumes what should run after the server itself restarts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncSeekExt, BufReader};
use tokio::sync::mpsc;

use crate::api::DeploymentStatus;
use crate::store::Store;

/// What a client asked of a running deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// SIGTERM: the worker takes a final checkpoint and a savepoint, then exits.
    Stop,
    /// SIGKILL: no savepoint.
    Cancel,
}

pub struct SupervisorConfig {
    /// Where each deployment gets its folder (`<root>/<id>/`).
    pub root: PathBuf,
    /// The `sluice` binary the workers run.
    pub worker_bin: PathBuf,
    /// `execution.checkpointing.interval` of every worker.
    pub checkpoint_interval: String,
    /// The first restart's delay; each further failure in a row doubles it, up to 30 s.
    pub restart_backoff: Duration,
}

pub struct Supervisor {
    store: Arc<Store>,
    config: SupervisorConfig,
    controls: Mutex<HashMap<String, mpsc::UnboundedSender<Control>>>,
}

/// A worker that ran this long before failing counts as healthy: its next failure
/// starts the backoff over.
const HEALTHY_RUN: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl Supervisor {
    pub fn new(store: Arc<Store>, config: SupervisorConfig) -> Arc<Supervisor> {
        Arc::new(Supervisor { store, config, controls: Mutex::new(HashMap::new()) })
    }

    pub fn folder(&self, id: &str) -> PathBuf {
        self.config.root.join(id)
    }

    fn controls(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Control>>> {
        self.controls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts supervising a deployment (it must be stored, with `should_run`).
    pub fn start(self: &Arc<Self>, id: &str) {
        let (tx, rx) = mpsc::unbounded_channel();
        self.controls().insert(id.to_string(), tx);
        let this = self.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            if let Err(e) = this.supervise(&id, rx).await {
                tracing::error!("deployment {id}: supervisor failed: {e}");
                let _ = this.store.set_error(&id, Some(&e));
                let _ = this.store.set_status(&id, DeploymentStatus::Failed);
            }
            this.controls().remove(&id);
        });
    }

    /// Sends a stop or cancel to a supervised deployment; false when none runs.
    pub fn send(&self, id: &str, control: Control) -> bool {
        self.controls().get(id).is_some_and(|tx| tx.send(control).is_ok())
    }

    /// After the server starts: stale workers of an earlier server are ended, and every
    /// deployment that should run is started again (from its checkpoints).
    pub async fn reconcile(self: &Arc<Self>) -> Result<(), crate::store::StoreError> {
        for row in self.store.deployments(None)? {
            let d = &row.deployment;
            if let Some(pid) = d.worker_pid {
                end_stale_worker(pid, &self.folder(&d.id)).await;
                self.store.set_worker(&d.id, None)?;
            }
            if row.should_run {
                tracing::info!("deployment {}: resuming", d.id);
                self.start(&d.id);
            } else if !d.status.is_terminal() {
                let status = match d.status {
                    DeploymentStatus::Cancelling => DeploymentStatus::Canceled,
                    _ => DeploymentStatus::Finished,
                };
                self.store.set_status(&d.id, status)?;
            }
        }
        Ok(())
    }

    async fn supervise(&self, id: &str, mut controls: mpsc::UnboundedReceiver<Control>) -> Result<(), String> {
        let folder = self.folder(id);
        tokio::fs::create_dir_all(&folder).await.map_err(|e| format!("cannot create \"{}\": {e}", folder.display()))?;
        let mut failures: u32 = 0;
        // The secret values in the worker's script, masked in whatever it reports.
        let mut secrets: Vec<String>;
        loop {
            let Some(row) = self.store.deployment(id).map_err(|e| e.to_string())? else { return Ok(()) };
            if !row.should_run {
                return Ok(());
            }
            let d = row.deployment;
            if d.status != DeploymentStatus::Restarting {
                self.store.set_status(id, DeploymentStatus::Initializing).map_err(|e| e.to_string())?;
            }
            let version = self
                .store
                .version(&d.version_id)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("version \"{}\" is gone", d.version_id))?;
            let script = folder.join("job.sql");
            let stored = crate::api::CreateVersion { sources: version.sources, sinks: version.sinks, statement: version.statement };
            let resolved = match crate::validate::resolve(&stored, &self.store, false).map_err(|e| e.to_string())? {
                Ok(resolved) => resolved,
                Err(errors) => {
                    let lines: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
                    return Err(format!("the version's integrations do not fit its tables:\n{}", lines.join("\n")));
                }
            };
            secrets = resolved.secrets;
            let body = crate::validate::script(&resolved.version);
            let header = format!(
                "-- Deployment {id} of application {} version {}, generated by sluice server.\n\
                 SET 'execution.checkpointing.interval' = '{}';\n\
                 SET 'execution.checkpointing.dir' = 'file://{}';\n\
                 SET 'execution.checkpointing.savepoint-dir' = 'file://{}';\n\
                 SET 'parallelism.default' = '{}';\n\n",
                d.application_id,
                version.version,
                self.config.checkpoint_interval,
                folder.join("checkpoints").display(),
                folder.join("savepoints").display(),
                d.parallelism
            );
            // The script holds the integrations' secrets: readable by the server's user only.
            write_private(&script, &format!("{header}{body}")).map_err(|e| format!("cannot write \"{}\": {e}", script.display()))?;

            let mut command = tokio::process::Command::new(&self.config.worker_bin);
            command.arg("run").arg(&script);
            // A new worker's counters start at zero; the last one's snapshots go.
            let metrics = folder.join("metrics");
            let _ = std::fs::remove_dir_all(&metrics);
            command.env(crate::worker::METRICS_DIR_ENV, &metrics);
            // A starting savepoint counts only until the deployment has checkpoints of its
            // own: a restart resumes from those.
            if let Some(savepoint) = d.starting_savepoint.as_deref().filter(|_| !has_checkpoints(&folder.join("checkpoints"))) {
                command.arg("-D").arg(format!("execution.state-recovery.path={savepoint}"));
            }
            let open = |name: &str| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(folder.join(name))
                    .map_err(|e| format!("cannot open the worker's file \"{name}\": {e}"))
            };
            // Files, not pipes: a worker that outlives its server keeps writing its log.
            let (out, log) = (open("worker.out")?, open("worker.log")?);
            let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
            command.stdin(Stdio::null()).stdout(out).stderr(log).kill_on_drop(false);
            // SAFETY: prctl is async-signal-safe; it only asks the kernel to send SIGTERM
            // to the worker when the server thread that spawned it ends, so that a worker
            // never outlives its server (it stops with a final checkpoint instead).
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
            let mut child = command.spawn().map_err(|e| format!("cannot start worker \"{}\": {e}", self.config.worker_bin.display()))?;
            let pid = child.id();
            self.store.set_worker(id, pid).map_err(|e| e.to_string())?;
            tracing::info!("deployment {id}: worker {} started", pid.unwrap_or(0));
            let started = Instant::now();
            let mut reader = tokio::fs::File::open(folder.join("worker.log")).await.map_err(|e| format!("cannot read the worker's log: {e}"))?;
            reader.seek(std::io::SeekFrom::Start(log_start)).await.map_err(|e| format!("cannot read the worker's log: {e}"))?;
            let mut reader = BufReader::new(reader);
            let mut pending = String::new();
            let mut requested: Option<Control> = None;
            let mut tail: Vec<String> = Vec::new();
            let mut exit = None;
            let status = loop {
                // Every complete line written so far.
                while reader.read_line(&mut pending).await.map_err(|e| format!("cannot read the worker's log: {e}"))? > 0 {
                    if !pending.ends_with('\n') {
                        break;
                    }
                    let line = std::mem::take(&mut pending);
                    let line = line.trim_end();
                    if line.contains("[sluice] job \"") && line.contains("\" started") && requested.is_none() {
                        self.store.set_status(id, DeploymentStatus::Running).map_err(|e| e.to_string())?;
                    }
                    if let Some(path) = line.split("savepoint written to ").nth(1).and_then(|s| s.split(": resume").next()) {
                        self.store.set_savepoint(id, path).map_err(|e| e.to_string())?;
                    }
                    if line.starts_with("error") || !tail.is_empty() {
                        tail.push(line.to_string());
                        if tail.len() > 20 {
                            tail.remove(0);
                        }
                    }
                }
                if let Some(status) = exit {
                    break status;
                }
                tokio::select! {
                    status = child.wait() => {
                        exit = Some(status.map_err(|e| format!("cannot wait for the worker: {e}"))?);
                    }
                    control = controls.recv(), if requested.is_none() => {
                        let Some(control) = control else { continue };
                        requested = Some(control);
                        self.store.set_should_run(id, false).map_err(|e| e.to_string())?;
                        let (signal, status) = match control {
                            Control::Stop => (libc::SIGTERM, DeploymentStatus::SavingAndStop),
                            Control::Cancel => (libc::SIGKILL, DeploymentStatus::Cancelling),
                        };
                        self.store.set_status(id, status).map_err(|e| e.to_string())?;
                        if let Some(pid) = pid {
                            // SAFETY: signalling our own child, which has not been reaped yet
                            // (this task is the only one that waits for it).
                            unsafe { libc::kill(pid as libc::pid_t, signal) };
                        }
                    }
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            };
            self.store.set_worker(id, None).map_err(|e| e.to_string())?;
            tracing::info!("deployment {id}: worker {} ended: {status}", pid.unwrap_or(0));
            match requested {
                Some(Control::Stop) => {
                    self.store.set_status(id, DeploymentStatus::Finished).map_err(|e| e.to_string())?;
                    return Ok(());
                }
                Some(Control::Cancel) => {
                    self.store.set_status(id, DeploymentStatus::Canceled).map_err(|e| e.to_string())?;
                    return Ok(());
                }
                None if status.success() => {
                    // Bounded input ended.
                    self.store.set_should_run(id, false).map_err(|e| e.to_string())?;
                    self.store.set_status(id, DeploymentStatus::Finished).map_err(|e| e.to_string())?;
                    return Ok(());
                }
                None => {}
            }
            let message = if tail.is_empty() { format!("the worker ended: {status}") } else { tail.join("\n") };
            let message = sluice_sql::secrets::mask(&message, &secrets);
            self.store.set_error(id, Some(&message)).map_err(|e| e.to_string())?;
            if !d.restart_enabled {
                self.store.set_should_run(id, false).map_err(|e| e.to_string())?;
                self.store.set_status(id, DeploymentStatus::Failed).map_err(|e| e.to_string())?;
                return Ok(());
            }
            if started.elapsed() >= HEALTHY_RUN {
                failures = 0;
            }
            failures += 1;
            let delay = self.config.restart_backoff.saturating_mul(1 << (failures - 1).min(10)).min(MAX_BACKOFF);
            tracing::warn!("deployment {id}: worker failed ({status}); restarting from its last checkpoint in {delay:?}");
            self.store.set_status(id, DeploymentStatus::Restarting).map_err(|e| e.to_string())?;
            self.store.count_restart(id).map_err(|e| e.to_string())?;
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                control = controls.recv() => {
                    // Nothing runs to save or kill: the last checkpoint stays.
                    self.store.set_should_run(id, false).map_err(|e| e.to_string())?;
                    let status = match control {
                        Some(Control::Cancel) => DeploymentStatus::Canceled,
                        _ => DeploymentStatus::Finished,
                    };
                    self.store.set_status(id, status).map_err(|e| e.to_string())?;
                    return Ok(());
                }
            }
        }
    }
}

/// The checkpoints and savepoints in a deployment's folder.
pub fn checkpoints(folder: &Path) -> crate::api::DeploymentCheckpoints {
    use crate::api::{Checkpoint, DeploymentCheckpoints, Savepoint};
    fn size(dir: &Path) -> u64 {
        std::fs::read_dir(dir).map(|e| e.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()).unwrap_or(0)
    }
    fn modified(path: &Path) -> Option<String> {
        let at: chrono::DateTime<chrono::Utc> = std::fs::metadata(path).ok()?.modified().ok()?.into();
        Some(at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    }
    let entries = |dir: &Path| -> Vec<std::fs::DirEntry> {
        let mut entries: Vec<_> = std::fs::read_dir(dir).map(|e| e.flatten().collect()).unwrap_or_default();
        entries.sort_by_key(|e| e.file_name());
        entries
    };
    let mut checkpoints = Vec::new();
    for job in entries(&folder.join("checkpoints")) {
        for chk in entries(&job.path()) {
            let name = chk.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_prefix("chk-").and_then(|n| n.parse::<u64>().ok()) else { continue };
            let completed = chk.path().join("_COMPLETED");
            if !completed.is_file() {
                continue;
            }
            checkpoints.push(Checkpoint {
                job: job.file_name().to_string_lossy().into_owned(),
                id,
                path: chk.path().display().to_string(),
                size_bytes: size(&chk.path()),
                completed_at: modified(&completed),
            });
        }
    }
    checkpoints.sort_by(|a, b| (&a.job, a.id).cmp(&(&b.job, b.id)));
    let mut savepoints: Vec<Savepoint> = entries(&folder.join("savepoints"))
        .into_iter()
        .filter(|e| e.path().join("_metadata").is_file())
        .map(|e| Savepoint { path: e.path().display().to_string(), size_bytes: size(&e.path()), created_at: modified(&e.path().join("_metadata")) })
        .collect();
    savepoints.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    DeploymentCheckpoints { checkpoints, savepoints }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new().create(true).write(true).truncate(true).mode(0o600).open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}

fn has_checkpoints(root: &Path) -> bool {
    // `<root>/<job>/chk-N`
    let Ok(jobs) = std::fs::read_dir(root) else { return false };
    jobs.flatten().any(|job| {
        std::fs::read_dir(job.path())
            .map(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("chk-")))
            .unwrap_or(false)
    })
}

/// Ends a worker left by an earlier server (it got SIGTERM when that server ended), if
/// the process is still there and still runs this deployment's script.
async fn end_stale_worker(pid: u32, folder: &Path) {
    let is_worker = || {
        std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(&*folder.to_string_lossy()))
            .unwrap_or(false)
    };
    if !is_worker() {
        return;
    }
    tracing::info!("ending worker {pid} of an earlier server");
    // SAFETY: the process runs this deployment's script, checked above.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(60);
    while is_worker() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if is_worker() {
        // SAFETY: as above.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        while is_worker() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
