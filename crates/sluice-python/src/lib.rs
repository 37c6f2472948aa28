//! Python user-defined functions. A function registered with `CREATE FUNCTION ... LANGUAGE
//! PYTHON` is a `PythonFunction`: a pool of worker processes (the small Python program in
//! `python/sluice_udf_worker.py`, embedded in the binary and written out at run time) that
//! receive whole Arrow record batches of arguments over a pipe and answer with the result
//! column. A crash, a hang or an exception in Python stays in its worker: the engine gets
//! a `PythonError` naming the function, and a dead worker is replaced by a new one on the
//! next batch.
//!
//! This crate knows nothing of SQL: the planner gives it the function's module path and the
//! result schema, and the expression evaluator calls it through `sluice_expr::ScalarUdf`.

mod error;
mod files;
mod function;
mod protocol;
mod settings;
mod worker;

pub use error::PythonError;
/// The folder of Sluice's `pyflink` shim package (written out on first use), for running
/// a UDF module outside Sluice the way its workers do.
pub fn shim_folder() -> Result<std::path::PathBuf, String> {
    files::worker_files().map(|f| f.shim)
}

pub use function::{FunctionKind, PythonFunction, Signature};
pub use settings::{
    PythonSettings, DEFAULT_TIMEOUT, PYTHON_EXECUTABLE_KEY, PYTHON_FILES_KEY, PYTHON_REQUIREMENTS_KEY,
    PYTHON_TIMEOUT_KEY,
};
