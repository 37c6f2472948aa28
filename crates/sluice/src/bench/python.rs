//! `sluice bench --python`: Python UDFs on Sluice beside PyFlink 2.3 in the same run.
//!
//! - `plus_one(x)`, a trivial `@udf` on BIGINT, over a `datagen` sequence into `blackhole`;
//! - the same as a pandas UDF (`func_type="pandas"`);
//! - the Netcool seed's unchanged `is_anomalous` (a pickled scikit-learn IsolationForest,
//!   called row by row), beside a plain Python loop calling it on the same rows.
//!
//! Sluice's figure is the job's own time (`[sluice] job ... in X s`: the worker's start and
//! the module's import happen at planning, before it); Flink's is the INSERT job's time
//! with the JVM start and the DDL excluded, as in the other benchmarks, but with the start
//! of its Python worker included.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use super::{flink_python, measure_child, run_flink_job, BenchArgs, FLINK_JOB};
use crate::summary::thousands;

const UDFS: &str = r#"from pyflink.table import DataTypes
from pyflink.table.udf import udf


@udf(result_type=DataTypes.BIGINT())
def plus_one(x):
    return x + 1


@udf(result_type=DataTypes.BIGINT(), func_type="pandas")
def plus_one_pandas(x):
    return x + 1
"#;

/// The seed's model: trains the IsolationForest and writes `my_module.py`.
const NETCOOL_MODEL: &str = include_str!("../../../../tests/python/netcool_model.py");

/// Times the seed's UDF called in a plain Python loop over the rows of a CSV file
/// (atoll, type, severity), after reading them: prints `LOOP_SECONDS s`.
const PLAIN_LOOP: &str = r#"import csv, sys, time
sys.path.insert(0, sys.argv[1])
try:
    import pyflink.table.udf
except ImportError:
    sys.path.insert(0, sys.argv[3])
import my_module
f = my_module.is_anomalous
f = getattr(f, "_func", f)
rows = [[int(v) for v in r] for r in csv.reader(open(sys.argv[2]))]
start = time.perf_counter()
flags = [f(a, t, s) for a, t, s in rows]
print("LOOP_SECONDS %.4f" % (time.perf_counter() - start))
print("LOOP_ROWS %d" % len(flags))
"#;

/// The Python with pyarrow, pandas and scikit-learn: `--python-executable`, `$SLUICE_PYTHON`,
/// or the venv `scripts/services.sh` makes.
fn sluice_python(explicit: Option<&Path>) -> Result<PathBuf> {
    let candidate = explicit.map(Path::to_path_buf).or_else(|| std::env::var_os("SLUICE_PYTHON").map(PathBuf::from)).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/sluice-tools/python-venv/bin/python"))
    });
    let Some(python) = candidate.filter(|p| p.exists()) else {
        bail!("no Python with pyarrow, pandas and scikit-learn: run scripts/services.sh or pass --python-executable");
    };
    let ok = Command::new(&python)
        .args(["-c", "import pyarrow, pandas, sklearn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!("{} lacks pyarrow, pandas or scikit-learn (scripts/services.sh installs them)", python.display());
    }
    Ok(python)
}

pub(super) fn bench(args: &BenchArgs) -> Result<()> {
    let python = sluice_python(args.python_executable.as_deref())?;
    let flink = if args.no_flink { None } else { flink_python(args.flink_python.as_deref()) };
    let dir = args.work_dir()?;
    let udfs = dir.join("bench_udfs.py");
    std::fs::write(&udfs, UDFS)?;
    let rows = args.rows.unwrap_or(5_000_000);
    println!("python  {}", python.display());

    let cases = [
        ("no UDF (x + 1 in SQL)", "x + 1", None),
        ("scalar UDF plus_one(x)", "plus_one(x)", Some("plus_one")),
        ("pandas UDF plus_one_pandas(x)", "plus_one_pandas(x)", Some("plus_one_pandas")),
    ];
    for (label, expr, function) in cases {
        let script = dir.join("bench-python.sql");
        std::fs::write(&script, udf_script(&python, &udfs, rows, expr, function))?;
        let sluice_rate = rows as f64 / sluice_job(&script)?;
        println!("sluice  {label:<32} {:>12} rows  {:>12} rows/s", thousands(rows), thousands(sluice_rate as u64));
        let (Some(function), Some(flink)) = (function, flink.as_ref()) else { continue };
        // PyFlink's scalar UDFs run at about 100,000 rows/s: fewer rows keep the run short,
        // enough that the start of its Python worker weighs little.
        let flink_rows = if function == "plus_one" { rows.min(2_000_000) } else { rows };
        let flink_script = dir.join("bench-python-flink.sql");
        std::fs::write(&flink_script, udf_script(flink, &udfs, flink_rows, expr, Some(function)))?;
        let seconds = flink_job(flink, &dir, &flink_script)?;
        let flink_rate = flink_rows as f64 / seconds;
        println!(
            "flink   {label:<32} {:>12} rows  {:>12} rows/s  ratio: sluice is {:.1}x Flink",
            thousands(flink_rows),
            thousands(flink_rate as u64),
            sluice_rate / flink_rate
        );
    }
    if flink.is_none() && !args.no_flink {
        println!("flink   not installed (run ../shared/flink-oracle/install-flink.sh, or pass --flink-python)");
    }
    seed(&python, &dir, args.rows.map_or(20_000, |r| r.min(200_000)))
}

/// The Netcool seed's UDF on Sluice and in a plain Python loop over the same rows.
fn seed(python: &Path, dir: &Path, rows: u64) -> Result<()> {
    let model = dir.join("netcool_model.py");
    std::fs::write(&model, NETCOOL_MODEL)?;
    let trained = Command::new(python).arg(&model).arg("train").arg(dir).output().context("training the model")?;
    if !trained.status.success() {
        bail!("training the seed's model failed:\n{}", String::from_utf8_lossy(&trained.stderr));
    }
    // The rows, as numbers, written once by Sluice and read by both.
    let features = dir.join("features");
    let _ = std::fs::remove_dir_all(&features);
    let make = dir.join("bench-seed-features.sql");
    std::fs::write(
        &make,
        format!(
            "CREATE TABLE alarms (atoll_id STRING, alarm_type STRING, severity INT)
WITH ('connector' = 'fake-data', 'subject' = 'alarms', 'number-of-rows' = '{rows}');
CREATE TABLE features (atoll_id INT, alarm_type INT, alarm_severity INT)
WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');
INSERT INTO features SELECT CAST(SUBSTRING(atoll_id FROM 4) AS INT),
    CASE alarm_type WHEN 'LinkDown' THEN 1 WHEN 'PowerFailure' THEN 2 WHEN 'HighTemperature' THEN 3
        WHEN 'PacketLoss' THEN 4 ELSE 5 END, severity
FROM alarms;\n",
            features.display()
        ),
    )?;
    let exe = std::env::current_exe().context("locating the sluice binary")?;
    measure_child(Command::new(&exe).arg("run").arg(&make))?;
    let csv = std::fs::read_dir(&features)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .context("the features file")?;
    let script = dir.join("bench-seed.sql");
    std::fs::write(
        &script,
        format!(
            "SET 'python.executable' = '{}';
SET 'python.files' = '{}';
CREATE TABLE netcool_alarms (atoll_id INT, alarm_type INT, alarm_severity INT)
WITH ('connector' = 'filesystem', 'path' = '{}', 'format' = 'csv');
CREATE TABLE flags (atoll_id INT, alarm_type INT, alarm_severity INT, is_anomalous BOOLEAN) WITH ('connector' = 'blackhole');
REGISTER FUNCTION is_anomalous AS 'my_module.is_anomalous' LANGUAGE PYTHON;
INSERT INTO flags SELECT *, is_anomalous(atoll_id, alarm_type, alarm_severity) AS is_anomalous FROM netcool_alarms;\n",
            python.display(),
            dir.join("my_module.py").display(),
            csv.display()
        ),
    )?;
    let sluice_seconds = sluice_job(&script)?;
    let lp = dir.join("plain_loop.py");
    std::fs::write(&lp, PLAIN_LOOP)?;
    let shim = sluice_python::shim_folder().map_err(anyhow::Error::msg)?;
    let out = Command::new(python).arg(&lp).arg(dir).arg(&csv).arg(&shim).output().context("running the plain loop")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let loop_seconds: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("LOOP_SECONDS "))
        .and_then(|s| s.trim().parse().ok())
        .with_context(|| format!("the plain loop printed no timing: {}", String::from_utf8_lossy(&out.stderr)))?;
    println!(
        "sluice  seed is_anomalous (IsolationForest) {:>12} rows  {:>12} rows/s",
        thousands(rows),
        thousands((rows as f64 / sluice_seconds) as u64)
    );
    let apart = 100.0 * (sluice_seconds / loop_seconds - 1.0);
    let (by, side) = if apart >= 0.0 { (apart, "longer") } else { (-apart, "less") };
    println!(
        "python  plain loop calling is_anomalous     {:>12} rows  {:>12} rows/s  sluice takes {by:.1}% {side} than the loop",
        thousands(rows),
        thousands((rows as f64 / loop_seconds) as u64),
    );
    Ok(())
}

fn udf_script(python: &Path, udfs: &Path, rows: u64, expr: &str, function: Option<&str>) -> String {
    let register = match function {
        Some(f) => format!(
            "SET 'python.executable' = '{}';\nSET 'python.files' = '{}';\n\
             CREATE TEMPORARY FUNCTION {f} AS 'bench_udfs.{f}' LANGUAGE PYTHON;\n",
            python.display(),
            udfs.display()
        ),
        None => String::new(),
    };
    format!(
        "{register}CREATE TABLE src (x BIGINT) WITH ('connector' = 'datagen', 'fields.x.kind' = 'sequence', \
         'fields.x.start' = '1', 'fields.x.end' = '{rows}', 'rows-per-second' = '1000000000000');\n\
         CREATE TABLE sink (y BIGINT) WITH ('connector' = 'blackhole');\n\
         INSERT INTO sink SELECT {expr} FROM src;\n"
    )
}

/// Runs a script with `sluice run`; the job's own seconds, from the rows it read and
/// its rate (`[sluice] job ... : N rows read (R rows/s)`), which is measured finer than
/// the printed seconds.
fn sluice_job(script: &Path) -> Result<f64> {
    let exe = std::env::current_exe().context("locating the sluice binary")?;
    let (m, _) = measure_child(Command::new(&exe).arg("run").arg(script))?;
    let number = |s: &str| s.trim().replace(',', "").parse::<f64>().ok();
    m.stderr
        .lines()
        .filter(|l| l.starts_with("[sluice] job "))
        .find_map(|l| {
            let (_, counts) = l.split_once(" s: ")?;
            let (read, rest) = counts.split_once(" rows read (")?;
            let (rate, _) = rest.split_once(" rows/s")?;
            Some(number(read)? / number(rate)?)
        })
        .with_context(|| format!("the run printed no job rate:\n{}", m.stderr))
}

fn flink_job(python: &Path, dir: &Path, script: &Path) -> Result<f64> {
    let job = dir.join("bench_flink.py");
    std::fs::write(&job, FLINK_JOB)?;
    Ok(run_flink_job(Command::new(python).arg(&job).arg(script))?.seconds)
}
