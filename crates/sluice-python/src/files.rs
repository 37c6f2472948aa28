//! The worker program and the `pyflink` shim, embedded in the binary and written out once
//! into a folder named by their hash.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

const FILES: &[(&str, &str)] = &[
    ("sluice_udf_worker.py", include_str!("../python/sluice_udf_worker.py")),
    ("shim/pyflink/__init__.py", include_str!("../python/pyflink/__init__.py")),
    ("shim/pyflink/table/__init__.py", include_str!("../python/pyflink/table/__init__.py")),
    ("shim/pyflink/table/types.py", include_str!("../python/pyflink/table/types.py")),
    ("shim/pyflink/table/udf.py", include_str!("../python/pyflink/table/udf.py")),
];

/// Where Sluice caches what it writes for Python: `$SLUICE_CACHE_DIR`, or `~/.cache/sluice`,
/// or the temp folder.
pub(crate) fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SLUICE_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("sluice");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".cache").join("sluice");
    }
    std::env::temp_dir().join("sluice")
}

/// The worker folder: `sluice_udf_worker.py` and `shim/pyflink/...`.
pub(crate) struct WorkerFiles {
    pub worker: PathBuf,
    pub shim: PathBuf,
}

pub(crate) fn worker_files() -> Result<WorkerFiles, String> {
    let mut hash = Sha256::new();
    for (path, text) in FILES {
        hash.update(path.as_bytes());
        hash.update(text.as_bytes());
    }
    let digest: String = hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    let dir = cache_root().join(format!("python-worker-{digest}"));
    if !dir.join("sluice_udf_worker.py").is_file() {
        let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        for (path, text) in FILES {
            let file = tmp.join(path);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    Ok(WorkerFiles { worker: dir.join("sluice_udf_worker.py"), shim: dir.join("shim") })
}
