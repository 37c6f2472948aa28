use std::time::Duration;

/// What went wrong with a Python function. `Setup` is the user's to fix (the executable,
/// the module, a missing package); the others happen while a job runs and fail it (or let
/// the job's restart strategy retry it).
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    /// The function could not be loaded: no such executable, no pyarrow, the module does not
    /// import, the object is not a PyFlink UDF, `open` raised.
    #[error("python function \"{function}\" cannot be loaded: {message}")]
    Setup { function: String, message: String, detail: Option<String> },
    /// The function raised on a row (or, for pandas functions, on a batch).
    #[error("python function \"{function}\" failed{}: {message}{}", on_row(.args), traceback_text(.traceback))]
    Raised { function: String, message: String, args: Option<Vec<String>>, traceback: String },
    /// The worker process ended while the engine waited for it.
    #[error("the Python worker of function \"{function}\" died ({status}){}", stderr_tail(.stderr))]
    Died { function: String, status: String, stderr: Vec<String> },
    /// The worker did not answer within `python.fn-execution.timeout` and was killed.
    #[error(
        "python function \"{function}\" did not answer within {} (python.fn-execution.timeout); its worker was stopped",
        seconds(.timeout)
    )]
    Timeout { function: String, timeout: Duration },
    /// The worker answered something the engine did not ask for (a bug).
    #[error("internal error in python function \"{function}\": {message}")]
    Protocol { function: String, message: String },
}

fn on_row(args: &Option<Vec<String>>) -> String {
    match args {
        Some(args) => format!(" on the row ({})", args.join(", ")),
        None => String::new(),
    }
}

fn traceback_text(traceback: &str) -> String {
    if traceback.is_empty() {
        String::new()
    } else {
        format!("\n{traceback}")
    }
}

fn stderr_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!("; its last output:\n{}", lines.join("\n"))
    }
}

fn seconds(d: &Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{s} s")
    }
}
