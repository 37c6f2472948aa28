//! Shared by the data-driven test tiers: running `sluice run` on a case and reading its
//! rows the way `../shared/flink-oracle/oracle.py` does, so that expected rows produced
//! by Apache Flink compare equal.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod kafka;
pub mod server;

/// The repository root.
pub fn repo_root() -> PathBuf {
    // Read at run time: a test binary reused from another checkout (a shared target
    // folder) must still look at this checkout's files.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
    manifest.join("../..").canonicalize().expect("repo root")
}

pub fn sluice_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_sluice"))
}

/// Runs `sluice run [args] job.sql` on `sql`, written to a scratch folder named after
/// `name`.
pub fn run_sql(name: &str, sql: &str, args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("sluice-sql-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let script = dir.join("job.sql");
    std::fs::write(&script, sql).expect("write the script");
    let out = Command::new(sluice_bin()).arg("run").args(args).arg(&script).output().expect("run sluice");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// All a run printed: its stdout, then its stderr.
pub fn output_text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The steps of the checkpoint and commit protocol a test can crash the job at
/// (`SLUICE_CHECKPOINT_CRASH` = `STEP@CHECKPOINT`), in protocol order.
pub const CRASH_STEPS: [&str; 4] = ["before-snapshot", "after-save", "after-commit", "after-complete"];

/// A multiset of normalised rows.
pub type Rows = BTreeMap<Vec<Option<String>>, i64>;

/// `%.9g` as C and Python print it.
pub fn g9(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{:.8e}", v);
    let (mantissa, exp) = sci.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent digits");
    if !(-4..9).contains(&exp) {
        let m = strip_zeros(mantissa);
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        let decimals = (8 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, v))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn is_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == digits_start {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    i == b.len()
}

/// `yyyy-MM-dd[ T]HH:mm[:ss[.f]]Z?` normalised to `yyyy-MM-dd HH:mm:ss.SSS`.
fn norm_timestamp(s: &str) -> Option<String> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let b = s.as_bytes();
    if b.len() < 16 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)
        && (b[10] == b' ' || b[10] == b'T') && digits(11..13) && b[13] == b':' && digits(14..16))
    {
        return None;
    }
    let (date, hm) = (&s[0..10], &s[11..16]);
    let rest = &s[16..];
    let (sec, frac) = if rest.is_empty() {
        ("00", "")
    } else {
        let r = rest.strip_prefix(':')?;
        if r.len() < 2 || !r[..2].bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let (sec, after) = r.split_at(2);
        let frac = if after.is_empty() {
            ""
        } else {
            let f = after.strip_prefix('.')?;
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            f
        };
        (sec, frac)
    };
    let mut frac = frac.to_string();
    while frac.len() < 3 {
        frac.push('0');
    }
    Some(format!("{date} {hm}:{sec}.{}", &frac[..3]))
}

pub fn norm_str(s: &str) -> Option<String> {
    if s == "null" {
        return None;
    }
    if let Some(t) = norm_timestamp(s) {
        return Some(t);
    }
    if is_number(s) {
        return Some(g9(s.parse::<f64>().unwrap_or(f64::NAN)));
    }
    if s == "TRUE" || s == "FALSE" {
        return Some(s.to_lowercase());
    }
    Some(s.to_string())
}

pub fn norm(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(g9(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => norm_str(s),
        // oracle.py normalises a nested value with Python's str(): `['a', None]`, `{'k': 1}`.
        other => norm_str(&python_repr(other)),
    }
}

/// Python's `repr` of a decoded JSON value, as `str()` prints the items of a list or dict.
fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            let s = format!("{f:?}");
            match s.split_once('e') {
                Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e:0>2}"),
                Some((m, e)) => format!("{m}e-{:0>2}", &e[1..]),
                None => s,
            }
        }
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
            let mut out = String::from(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push(quote);
            out
        }
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let items: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", python_repr(&Value::String(k.clone())), python_repr(v))).collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Rows of every JSON-lines file under `dir` (hidden and `_` files skipped), values in
/// the order of their sorted keys.
pub fn rows_from_files(dir: &Path) -> Rows {
    let mut rows = Rows::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if name.starts_with('.') || name.starts_with('_') || name.ends_with(".crc") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("output file is UTF-8");
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let obj: serde_json::Map<String, Value> =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("bad JSON line {line:?}: {e}"));
                let mut keys: Vec<&String> = obj.keys().collect();
                keys.sort();
                let row = keys.iter().map(|k| norm(&obj[*k])).collect();
                *rows.entry(row).or_default() += 1;
            }
        }
    }
    rows
}

/// Folds Flink's `+I[..]`/`-U[..]`/`+U[..]`/`-D[..]` lines into the final multiset.
pub fn rows_from_changelog(stdout: &str) -> Rows {
    let mut rows = Rows::new();
    for line in stdout.lines() {
        let line = line.trim();
        // An optional `identifier> ` prefix, as oracle.py allows.
        let body = match line.find("> ") {
            Some(i) if !line[..i].contains('[') => &line[i + 2..],
            _ => line,
        };
        if body.len() < 4 || !body.ends_with(']') {
            continue;
        }
        let (op, rest) = body.split_at(2);
        if !matches!(op, "+I" | "-U" | "+U" | "-D") || !rest.starts_with('[') {
            continue;
        }
        let inner = &rest[1..rest.len() - 1];
        let row: Vec<Option<String>> = if inner.is_empty() { vec![] } else { inner.split(", ").map(norm_str).collect() };
        let delta = if op == "+I" || op == "+U" { 1 } else { -1 };
        let count = rows.entry(row.clone()).or_default();
        *count += delta;
        if *count == 0 {
            rows.remove(&row);
        }
    }
    rows
}

/// The stored `[[row, count], ...]` of an expected file.
pub fn read_expected(path: &Path) -> Rows {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let pairs: Vec<(Vec<Option<String>>, i64)> = serde_json::from_str(&text).expect("expected rows file");
    let mut rows = Rows::new();
    for (row, n) in pairs {
        *rows.entry(row).or_default() += n;
    }
    rows
}

pub fn write_expected(path: &Path, rows: &Rows) {
    let mut pairs: Vec<(String, &Vec<Option<String>>, i64)> =
        rows.iter().map(|(r, n)| (serde_json::to_string(&(r, n)).expect("json"), r, *n)).collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let list: Vec<Value> = pairs.iter().map(|(_, r, n)| serde_json::json!([r, n])).collect();
    std::fs::write(path, serde_json::to_string_pretty(&list).expect("json") + "\n").expect("write expected");
}

/// The outcome of running one case.
pub struct CaseRun {
    pub rows: Result<Rows, String>,
    pub stdout: String,
    pub stderr: String,
    /// What the run left under `${OUT}`, as `layout` lists it.
    pub layout: Vec<String>,
}

/// Every folder and file under `dir`, as sorted paths relative to it (folders ending in
/// `/`), leaving out the part files themselves (`part-...`, whose names are random), as
/// `tests/conformance/partitions/flink_expect.py` lists Flink's output.
pub fn layout(dir: &Path) -> Vec<String> {
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else { continue };
        for entry in read.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().into_owned();
            if path.is_dir() {
                entries.push(format!("{rel}/"));
                stack.push(path);
            } else if !entry.file_name().to_string_lossy().starts_with("part-") {
                entries.push(rel);
            }
        }
    }
    entries.sort();
    entries
}

/// Runs a case script with `${DATA}` and `${OUT}` filled in.
pub fn run_case(case: &Path, data: &Path) -> CaseRun {
    run_case_with(case, data, None, (1, 1))
}

/// Runs a case with a checkpoint after every batch of `batch_size` rows, stopped (as
/// Ctrl-C stops it) after checkpoint `stop_at`, then run again from there. The rows are
/// those of both runs together.
pub fn run_case_restarted(case: &Path, data: &Path, batch_size: usize, stop_at: u64) -> CaseRun {
    run_case_with(case, data, Some((batch_size, stop_at)), (1, 1))
}

/// As `run_case_restarted`, with the first run at parallelism `first` and the run that
/// resumes at `then`: the checkpoint's state is handed out again to `then` instances.
pub fn run_case_rescaled(case: &Path, data: &Path, batch_size: usize, stop_at: u64, first: usize, then: usize) -> CaseRun {
    run_case_with(case, data, Some((batch_size, stop_at)), (first, then))
}

fn run_case_with(case: &Path, data: &Path, restart: Option<(usize, u64)>, parallelism: (usize, usize)) -> CaseRun {
    // Unique per run: tests of one binary run cases side by side.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let work = std::env::temp_dir().join(format!(
        "sluice-case-{}-{run}-{}{}",
        std::process::id(),
        case.file_stem().unwrap().to_string_lossy(),
        if restart.is_some() { format!("-restarted-p{}-p{}", parallelism.0, parallelism.1) } else { String::new() }
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work dir");
    let out = work.join("out");
    let mut script = std::fs::read_to_string(case).expect("case script")
        .replace("${DATA}", &data.display().to_string())
        .replace("${OUT}", &out.display().to_string());
    if let Some((batch_size, _)) = restart {
        script = format!(
            "SET 'execution.checkpointing.interval' = '1 ns';\nSET 'execution.checkpointing.dir' = 'file://{}';\n\
             SET 'sluice.exec.batch-size' = '{batch_size}';\n{script}",
            work.join("checkpoints").display()
        );
    }
    let rendered = work.join("case.sql");
    std::fs::write(&rendered, &script).expect("write case");
    let run = |stop: Option<u64>| {
        if parallelism != (1, 1) {
            let p = if stop.is_some() { parallelism.0 } else { parallelism.1 };
            std::fs::write(&rendered, format!("SET 'parallelism.default' = '{p}';\n{script}")).expect("write case");
        }
        let mut command = Command::new(sluice_bin());
        command.arg("run").arg(&rendered);
        match stop {
            Some(n) => command.env("SLUICE_CHECKPOINT_STOP", n.to_string()),
            None => command.env_remove("SLUICE_CHECKPOINT_STOP"),
        };
        command.output().expect("run sluice")
    };
    let mut outputs = Vec::new();
    if let Some((_, stop_at)) = restart {
        outputs.push(run(Some(stop_at)));
    }
    outputs.push(run(None));
    let stdout: String = outputs.iter().map(|o| String::from_utf8_lossy(&o.stdout)).collect();
    let stderr: String = outputs.iter().map(|o| String::from_utf8_lossy(&o.stderr)).collect();
    let rows = if let Some(failed) = outputs.iter().find(|o| !o.status.success()) {
        Err(format!("sluice failed ({}):\n{stderr}", failed.status))
    } else if script.contains("'print'") {
        Ok(rows_from_changelog(&stdout))
    } else {
        Ok(rows_from_files(&out))
    };
    let layout = layout(&out);
    let _ = std::fs::remove_dir_all(&work);
    CaseRun { rows, stdout, stderr, layout }
}

/// The cases of `tests/conformance/known_differences.txt` (`NAME REASON` per line).
pub fn known_differences(root: &Path) -> Vec<String> {
    listed_cases(&root.join("known_differences.txt"))
}

/// The case names a list file holds: the first word of each line that is not blank or
/// a `#` comment (a missing file lists none).
pub fn listed_cases(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// The `.sql` case scripts in `dir`, in name order.
pub fn case_scripts(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cases folder {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    cases.sort();
    cases
}

/// Checks a known difference both ways: `rows` must equal Sluice's recorded rows
/// (`expected/NAME.sluice.json`, written from `rows` when `SLUICE_BLESS_KNOWN` is set)
/// and differ from Flink's `expected`. Returns how they differ from Flink's.
pub fn check_known_difference(root: &Path, name: &str, expected: &Rows, rows: &Rows) -> Result<String, String> {
    let recorded = root.join("expected").join(format!("{name}.sluice.json"));
    if std::env::var_os("SLUICE_BLESS_KNOWN").is_some() {
        write_expected(&recorded, rows);
    }
    if !recorded.is_file() {
        return Err(format!("{name}: a known difference needs its rows on Sluice in {}", recorded.display()));
    }
    if let Some(d) = diff(&read_expected(&recorded), rows) {
        return Err(format!("{name}: differs from its recorded rows on Sluice ({}): {d}", recorded.display()));
    }
    diff(expected, rows).ok_or_else(|| {
        format!("{name}: listed in known_differences.txt but now matches Flink: remove it and {}", recorded.display())
    })
}

/// A short description of how two multisets differ.
pub fn diff(want: &Rows, got: &Rows) -> Option<String> {
    if want == got {
        return None;
    }
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    for (r, n) in want {
        let g = got.get(r).copied().unwrap_or(0);
        if g < *n {
            missing.push((r, n - g));
        }
    }
    for (r, n) in got {
        let w = want.get(r).copied().unwrap_or(0);
        if w < *n {
            extra.push((r, n - w));
        }
    }
    let total: i64 = want.values().sum();
    Some(format!(
        "{} of {total} expected rows missing, {} unexpected; first missing: {:?}; first unexpected: {:?}",
        missing.iter().map(|(_, n)| n).sum::<i64>(),
        extra.iter().map(|(_, n)| n).sum::<i64>(),
        missing.first(),
        extra.first()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g9_matches_python() {
        assert_eq!(g9(98.874), "98.874");
        assert_eq!(g9(1.0), "1");
        assert_eq!(g9(1633956773100.0), "1.63395677e+12");
        assert_eq!(g9(0.0001), "0.0001");
        assert_eq!(g9(0.00001), "1e-05");
        assert_eq!(g9(123456789.0), "123456789");
        assert_eq!(g9(-2.5), "-2.5");
    }
}

/// The Python interpreter of the UDF tests: `SLUICE_PYTHON`, else the venv that
/// `scripts/services.sh` makes (`~/.cache/sluice-tools/python-venv`, with pyarrow, pandas and
/// scikit-learn). A test that needs it fails, saying so, when it is missing.
pub fn test_python() -> PathBuf {
    let python = std::env::var_os("SLUICE_PYTHON").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/sluice-tools/python-venv/bin/python"))
    });
    let Some(python) = python.filter(|p| p.exists()) else {
        panic!("no Python for the UDF tests: run scripts/services.sh (it installs pyarrow, pandas and scikit-learn into ~/.cache/sluice-tools/python-venv) or set SLUICE_PYTHON")
    };
    let check = Command::new(&python).args(["-c", "import pyarrow, pandas, sklearn"]).output();
    match check {
        Ok(out) if out.status.success() => python,
        Ok(out) => panic!(
            "{} lacks the UDF tests' packages (run scripts/services.sh): {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run {}: {e}", python.display()),
    }
}

/// Runs `sluice run` on `script` (written to `dir/name`); returns (success, stdout, stderr).
pub fn run_script_in(dir: &Path, name: &str, script: &str) -> (bool, String, String) {
    let path = dir.join(name);
    std::fs::write(&path, script).expect("write script");
    let out = Command::new(sluice_bin()).arg("run").arg(&path).current_dir(dir).output().expect("run sluice");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The last count a `print` sink showed per key, from `+I[k, n]` and `+U[k, n]` lines.
pub fn final_counts(stdout: &str) -> std::collections::BTreeMap<i64, i64> {
    let mut counts = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        let Some(body) = line.strip_prefix("+I[").or_else(|| line.strip_prefix("+U[")) else { continue };
        let mut cells = body.trim_end_matches(']').split(", ");
        let (Some(k), Some(n)) = (cells.next(), cells.next()) else { continue };
        if let (Ok(k), Ok(n)) = (k.parse(), n.parse()) {
            counts.insert(k, n);
        }
    }
    counts
}
