//! Flink's `python.*` keys, and the interpreter they select.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// Comma-separated files and folders put on the workers' `sys.path` (a `.py` file adds its
/// folder).
pub const PYTHON_FILES_KEY: &str = "python.files";
/// The interpreter the workers run (`python3` on the `PATH` unless set).
pub const PYTHON_EXECUTABLE_KEY: &str = "python.executable";
/// A pip requirements file, installed once into a virtualenv cached by the file's hash.
pub const PYTHON_REQUIREMENTS_KEY: &str = "python.requirements";
/// Sluice's key: how long one batch (or a worker's start and `open`) may take.
pub const PYTHON_TIMEOUT_KEY: &str = "python.fn-execution.timeout";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The session's Python settings, read when a worker starts.
#[derive(Clone, Debug, PartialEq)]
pub struct PythonSettings {
    pub executable: Option<String>,
    pub files: Vec<PathBuf>,
    pub requirements: Option<PathBuf>,
    pub timeout: Duration,
    /// Passed to `open(FunctionContext)` as the job parameters.
    pub job_parameters: Vec<(String, String)>,
}

impl Default for PythonSettings {
    fn default() -> Self {
        PythonSettings {
            executable: None,
            files: Vec::new(),
            requirements: None,
            timeout: DEFAULT_TIMEOUT,
            job_parameters: Vec::new(),
        }
    }
}

impl PythonSettings {
    /// Reads `python.files` (comma-separated) and `python.requirements` (Flink's
    /// `file[#cache-dir]`; the cache folder is Sluice's own).
    pub fn with_files(mut self, files: Option<&str>, requirements: Option<&str>) -> Self {
        self.files = files
            .map(|f| f.split(',').map(str::trim).filter(|s| !s.is_empty()).map(strip_file_scheme).collect())
            .unwrap_or_default();
        self.requirements = requirements
            .map(|r| r.split('#').next().unwrap_or(r).trim())
            .filter(|r| !r.is_empty())
            .map(strip_file_scheme);
        self
    }

    /// The entries to put on `sys.path`: each folder (and `.zip`, `.whl`, `.egg` archive)
    /// of `python.files`, the folder of each other file, and the current folder last.
    pub(crate) fn module_paths(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in &self.files {
            let archive = f.extension().is_some_and(|e| ["zip", "whl", "egg"].iter().any(|a| e.eq_ignore_ascii_case(a)));
            let file = f.is_file() || f.extension().is_some_and(|e| e == "py");
            let folder = if archive || !file { f.clone() } else { f.parent().map(Path::to_path_buf).unwrap_or_default() };
            let folder = if folder.as_os_str().is_empty() { PathBuf::from(".") } else { folder };
            let text = std::fs::canonicalize(&folder).unwrap_or(folder).to_string_lossy().into_owned();
            if !out.contains(&text) {
                out.push(text);
            }
        }
        if let Ok(cwd) = std::env::current_dir() {
            let cwd = cwd.to_string_lossy().into_owned();
            if !out.contains(&cwd) {
                out.push(cwd);
            }
        }
        out
    }

    /// The interpreter to run: `python.executable`, or the cached virtualenv made for
    /// `python.requirements` (created on first use from that executable, with its packages
    /// visible).
    pub(crate) fn interpreter(&self) -> Result<PathBuf, String> {
        let base = self.executable.clone().unwrap_or_else(|| "python3".to_string());
        let Some(requirements) = &self.requirements else { return Ok(PathBuf::from(base)) };
        let text = std::fs::read(requirements)
            .map_err(|e| format!("cannot read python.requirements \"{}\": {e}", requirements.display()))?;
        let mut hash = Sha256::new();
        hash.update(base.as_bytes());
        hash.update([0]);
        hash.update(&text);
        let digest: String = hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        let venv = crate::files::cache_root().join(format!("python-requirements-{digest}"));
        let python = venv.join("bin").join("python");
        if venv.join(".complete").is_file() {
            return Ok(python);
        }
        let tmp = venv.with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        tracing::info!("installing python.requirements \"{}\" into {}", requirements.display(), venv.display());
        run(Command::new(&base).args(["-m", "venv", "--system-site-packages"]).arg(&tmp), "python -m venv")?;
        run(
            Command::new(tmp.join("bin").join("python")).args(["-m", "pip", "install", "-q", "-r"]).arg(requirements),
            "pip install -r",
        )?;
        std::fs::File::create(tmp.join(".complete"))
            .and_then(|mut f| f.write_all(b"ok"))
            .map_err(|e| format!("cannot write to {}: {e}", tmp.display()))?;
        if std::fs::rename(&tmp, &venv).is_err() {
            // Another process made it first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Ok(python)
    }
}

fn strip_file_scheme(s: &str) -> PathBuf {
    PathBuf::from(s.strip_prefix("file://").unwrap_or(s))
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
    Err(format!("{what} failed ({}):\n{}", out.status, tail.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flink_spellings_of_files_and_requirements() {
        let s = PythonSettings::default().with_files(Some("file:///a/m.py, /b ,"), Some("/r/req.txt#/cache/dir"));
        assert_eq!(s.files, vec![PathBuf::from("/a/m.py"), PathBuf::from("/b")]);
        assert_eq!(s.requirements, Some(PathBuf::from("/r/req.txt")));
        let paths = s.module_paths();
        assert_eq!(&paths[..2], ["/a".to_string(), "/b".to_string()]);
    }
}
