//! Python UDFs end to end: `CREATE FUNCTION ... LANGUAGE PYTHON` over a module written for
//! PyFlink (run with Sluice's `pyflink` shim), scalar, pandas and class-based functions,
//! and what a user sees when Python fails: an exception on one row, a worker killed in the
//! middle of a batch, a hung function, a missing pyarrow, a module that does not import.

mod common;

use std::path::PathBuf;

use common::*;

/// A fresh folder holding `udfs.py`, removed when the test ends.
struct Workspace(PathBuf);

impl std::ops::Deref for Workspace {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn workspace(test: &str) -> Workspace {
    let dir = std::env::temp_dir().join(format!("sluice-pyudf-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("udfs.py"), UDFS).unwrap();
    Workspace(dir)
}

const UDFS: &str = r#"
import os, signal, sys, time
from pyflink.table import DataTypes
from pyflink.table.udf import udf, udtf, ScalarFunction

@udf(result_type=DataTypes.BIGINT())
def plus_one(x):
    return None if x is None else x + 1

@udf(result_type=DataTypes.BIGINT(), func_type="pandas")
def plus_one_pandas(x):
    return x + 1

@udf(result_type=DataTypes.STRING())
def describe(s, n):
    return "%r/%r" % (s, n)

class Scale(ScalarFunction):
    def open(self, function_context):
        self.factor = 10
        self.opened = getattr(self, "opened", 0) + 1

    def eval(self, x):
        if x is None:
            return None
        if x == 3:
            raise ValueError("three is not allowed")
        return x * self.factor + self.opened - 1

scale = udf(Scale(), result_type=DataTypes.INT())

@udf(result_type=DataTypes.INT())
def die_on_two(x):
    if x == 2:
        marker = os.environ.get("SLUICE_TEST_MARKER")
        if marker is None or not os.path.exists(marker):
            if marker is not None:
                open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
    return x

@udf(result_type=DataTypes.INT())
def hang(x):
    time.sleep(3600)
    return x

@udf(result_type=DataTypes.INT(), input_types=[DataTypes.DOUBLE()])
def kind_of(x):
    return 1 if isinstance(x, float) else 0

def not_a_udf(x):
    return x

no_result_type = udf(lambda x: x)

@udf(result_type="NOT_A_TYPE")
def bad_result_type(x):
    return x

@udf(result_type=DataTypes.BIGINT())
def wrong_value(x):
    return "abc" if x == 2 else x

@udf(result_type=DataTypes.STRING())
def interpreter_prefix():
    return sys.prefix

@udtf(result_types=[DataTypes.STRING(), DataTypes.INT()])
def split_words(s):
    if s is None:
        return
    for w in s.split(" "):
        yield w, len(w)
"#;

fn header(python: &PathBuf, dir: &PathBuf) -> String {
    format!(
        "SET 'python.executable' = '{}';\nSET 'python.files' = '{}';\n",
        python.display(),
        dir.join("udfs.py").display()
    )
}

#[test]
fn scalar_pandas_and_class_functions_run_with_nulls_as_none() {
    let python = test_python();
    let dir = workspace("scalar");
    let script = format!(
        "{}CREATE TEMPORARY FUNCTION plus_one AS 'udfs.plus_one' LANGUAGE PYTHON;
REGISTER FUNCTION plus_one_pandas AS 'udfs.plus_one_pandas' LANGUAGE PYTHON;
CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS describe AS 'udfs.describe' LANGUAGE PYTHON;
CREATE FUNCTION scale AS 'udfs.scale' LANGUAGE PYTHON;
CREATE FUNCTION kind_of AS 'udfs.kind_of' LANGUAGE PYTHON;
CREATE TABLE out_t (x BIGINT, a BIGINT, b BIGINT, d STRING, s INT, k INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT x, plus_one(x), plus_one_pandas(x), describe(name, x), scale(CAST(x AS INT)), kind_of(x)
FROM (VALUES (CAST(1 AS BIGINT), 'a'), (CAST(NULL AS BIGINT), CAST(NULL AS STRING)), (5, 'it''s')) AS t(x, name);
DROP FUNCTION kind_of;
DROP TEMPORARY FUNCTION IF EXISTS no_such_function;\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "scalar.sql", &script);
    assert!(ok, "{stderr}");
    let mut rows: Vec<&str> = stdout.lines().collect();
    rows.sort();
    // open() ran once in the worker (the result would be one more per extra open).
    assert_eq!(
        rows,
        vec!["+I[1, 2, 2, 'a'/1, 10, 1]", "+I[5, 6, 6, \"it's\"/5, 50, 1]", "+I[null, null, null, None/None, null, 0]"],
        "{stderr}"
    );
}

#[test]
fn table_functions_join_laterally() {
    let python = test_python();
    let dir = workspace("udtf");
    let script = format!(
        "{}CREATE FUNCTION split_words AS 'udfs.split_words' LANGUAGE PYTHON;
CREATE TEMPORARY VIEW t AS SELECT * FROM (VALUES (1, 'a bb'), (2, 'ccc'), (3, CAST(NULL AS STRING))) AS v(id, s);
CREATE TABLE out_t (tag STRING, id INT, word STRING, n INT) WITH ('connector' = 'print');
EXECUTE STATEMENT SET BEGIN
INSERT INTO out_t SELECT 'cross', id, word, n FROM t CROSS JOIN LATERAL TABLE(split_words(s)) AS T(word, n);
INSERT INTO out_t SELECT 'comma', id, f0, f1 FROM t, LATERAL TABLE(split_words(s));
INSERT INTO out_t SELECT 'left', id, word, n FROM t LEFT JOIN LATERAL TABLE(split_words(s)) AS T(word, n) ON TRUE;
END;\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "udtf.sql", &script);
    assert!(ok, "{stderr}");
    let mut rows: Vec<&str> = stdout.lines().collect();
    rows.sort();
    let mut expected = Vec::new();
    for tag in ["comma", "cross", "left"] {
        expected.push(format!("+I[{tag}, 1, a, 1]"));
        expected.push(format!("+I[{tag}, 1, bb, 2]"));
        expected.push(format!("+I[{tag}, 2, ccc, 3]"));
    }
    expected.push("+I[left, 3, null, null]".to_string());
    expected.sort();
    assert_eq!(rows, expected, "{stderr}");
}

#[test]
fn an_exception_names_the_function_the_row_and_the_traceback() {
    let python = test_python();
    let dir = workspace("raise");
    let script = format!(
        "{}CREATE FUNCTION scale AS 'udfs.scale' LANGUAGE PYTHON;
CREATE TABLE out_t (s INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT scale(x) FROM (VALUES (1), (2), (3), (4)) AS t(x);\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "raise.sql", &script);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("python function \"SCALE\" failed on the row (3): ValueError: three is not allowed"), "{stderr}");
    assert!(stderr.contains("udfs.py\", line"), "the traceback points into the module: {stderr}");
    assert!(stderr.contains("raise ValueError(\"three is not allowed\")"), "{stderr}");
    // The batch failed as a whole: no row of it was written.
    assert_eq!(stdout, "", "{stderr}");
}

#[test]
fn a_value_of_the_wrong_type_names_the_row() {
    let python = test_python();
    let dir = workspace("wrong-value");
    let script = format!(
        "{}CREATE FUNCTION wrong_value AS 'udfs.wrong_value' LANGUAGE PYTHON;
CREATE TABLE out_t (v BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT wrong_value(x) FROM (VALUES (1), (2)) AS t(x);\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "wrong.sql", &script);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("python function \"WRONG_VALUE\" failed on the row (2): returned 'abc', which is not of the declared result type"),
        "{stderr}"
    );
}

#[test]
fn a_worker_killed_mid_batch_fails_the_job_naming_the_function() {
    let python = test_python();
    let dir = workspace("killed");
    let script = format!(
        "{}CREATE FUNCTION die_on_two AS 'udfs.die_on_two' LANGUAGE PYTHON;
CREATE TABLE out_t (v INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT die_on_two(x) FROM (VALUES (1), (2), (3)) AS t(x);\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "killed.sql", &script);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("the Python worker of function \"DIE_ON_TWO\" died (killed by signal 9)"), "{stderr}");
    assert_eq!(stdout, "", "{stderr}");
}

#[test]
fn a_killed_worker_is_replaced_when_the_job_restarts_and_no_row_is_lost() {
    let python = test_python();
    let dir = workspace("restart");
    let marker = dir.join("killed-once");
    let script = format!(
        "{}SET 'execution.checkpointing.interval' = '1 h';
SET 'execution.checkpointing.dir' = '{}';
SET 'restart-strategy.type' = 'fixed-delay';
SET 'restart-strategy.fixed-delay.attempts' = '2';
SET 'restart-strategy.fixed-delay.delay' = '10 ms';
CREATE FUNCTION die_on_two AS 'udfs.die_on_two' LANGUAGE PYTHON;
CREATE TABLE out_t (v INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT die_on_two(x) FROM (VALUES (1), (2), (3)) AS t(x);\n",
        header(&python, &dir),
        dir.join("checkpoints").display()
    );
    let path = dir.join("restart.sql");
    std::fs::write(&path, script).unwrap();
    let out = std::process::Command::new(sluice_bin())
        .arg("run")
        .arg(&path)
        .current_dir(&*dir)
        .env("SLUICE_TEST_MARKER", &marker)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(marker.exists(), "the worker was killed once");
    assert!(stderr.contains("died (killed by signal 9)"), "the failure is reported: {stderr}");
    let mut rows: Vec<&str> = stdout.lines().collect();
    rows.sort();
    assert_eq!(rows, vec!["+I[1]", "+I[2]", "+I[3]"], "{stderr}");
}

#[test]
fn a_call_past_the_timeout_is_stopped() {
    let python = test_python();
    let dir = workspace("timeout");
    let script = format!(
        "{}SET 'python.fn-execution.timeout' = '1 s';
CREATE FUNCTION hang AS 'udfs.hang' LANGUAGE PYTHON;
CREATE TABLE out_t (v INT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT hang(x) FROM (VALUES (1)) AS t(x);\n",
        header(&python, &dir)
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "timeout.sql", &script);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("python function \"HANG\" did not answer within 1 s (python.fn-execution.timeout); its worker was stopped"),
        "{stderr}"
    );
}

#[test]
fn loading_errors_point_at_the_call() {
    let python = test_python();
    let dir = workspace("loading");
    let cases = [
        ("CREATE FUNCTION f AS 'no_such_module.f' LANGUAGE PYTHON;", "No module named 'no_such_module'"),
        ("CREATE FUNCTION f AS 'udfs.missing' LANGUAGE PYTHON;", "has no attribute \"missing\""),
        ("CREATE FUNCTION f AS 'udfs.not_a_udf' LANGUAGE PYTHON;", "is not a PyFlink user-defined function"),
        ("CREATE FUNCTION f AS 'udfs.no_result_type' LANGUAGE PYTHON;", "the function has no result_type"),
    ];
    for (create, expected) in cases {
        let script = format!("{}{create}\nSELECT 1 +\n  f(x) FROM (VALUES (1)) AS t(x);\n", header(&python, &dir));
        let (ok, _, stderr) = run_script_in(&dir, "loading.sql", &script);
        assert!(!ok);
        assert!(stderr.contains("python function \"F\" cannot be loaded"), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("loading.sql:5:3"), "the error points at the call: {stderr}");
    }
    let script = format!(
        "{}CREATE FUNCTION f AS 'udfs.bad_result_type' LANGUAGE PYTHON;\nSELECT 1 +\n  f(x) FROM (VALUES (1)) AS t(x);\n",
        header(&python, &dir)
    );
    let (ok, _, stderr) = run_script_in(&dir, "result_type.sql", &script);
    assert!(!ok);
    assert!(stderr.contains("the result_type \"NOT_A_TYPE\" of Python function \"F\" is not a Flink SQL type"), "{stderr}");
    assert!(stderr.contains("result_type.sql:5:3"), "{stderr}");
    let script = "CREATE FUNCTION f AS 'com.example.F';\n";
    let (ok, _, stderr) = run_script_in(&dir, "java.sql", script);
    assert!(!ok);
    assert!(stderr.contains("Java and Scala functions"), "{stderr}");
}

#[test]
fn an_interpreter_without_pyarrow_is_named() {
    let python = test_python();
    let dir = workspace("no-pyarrow");
    // A bare virtualenv: only the standard library.
    let venv = dir.join("bare");
    let status = std::process::Command::new(&python).args(["-m", "venv", "--without-pip"]).arg(&venv).status().unwrap();
    assert!(status.success());
    let script = format!(
        "SET 'python.executable' = '{}';\nSET 'python.files' = '{}';\nCREATE FUNCTION f AS 'udfs.plus_one' LANGUAGE PYTHON;\nSELECT f(1);\n",
        venv.join("bin/python").display(),
        dir.join("udfs.py").display()
    );
    let (ok, _, stderr) = run_script_in(&dir, "bare.sql", &script);
    assert!(!ok);
    assert!(stderr.contains("pyarrow is not installed for"), "{stderr}");
    assert!(stderr.contains("python.executable"), "{stderr}");
}

#[test]
fn requirements_are_installed_into_a_cached_virtualenv() {
    let python = test_python();
    let dir = workspace("requirements");
    // pyarrow is the worker's own need; pip takes it from its cache after the first time,
    // and the virtualenv itself is reused while the file is unchanged.
    let requirements = dir.join("requirements.txt");
    std::fs::write(&requirements, "# sluice python_udfs.rs\npyarrow==16.1.0\n").unwrap();
    let script = format!(
        "{}SET 'python.requirements' = '{}';
CREATE FUNCTION interpreter_prefix AS 'udfs.interpreter_prefix' LANGUAGE PYTHON;
CREATE TABLE out_t (p STRING) WITH ('connector' = 'print');
INSERT INTO out_t SELECT interpreter_prefix();\n",
        header(&python, &dir),
        requirements.display()
    );
    let (ok, stdout, stderr) = run_script_in(&dir, "requirements.sql", &script);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("python-requirements-"), "the worker runs in the requirements' virtualenv: {stdout}");
}

#[test]
fn python_settings_given_with_dash_d_reach_the_workers() {
    let python = test_python();
    let dir = workspace("dash-d");
    let path = dir.join("dash_d.sql");
    std::fs::write(
        &path,
        "CREATE FUNCTION plus_one AS 'udfs.plus_one' LANGUAGE PYTHON;
CREATE TABLE out_t (v BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT plus_one(41);\n",
    )
    .unwrap();
    let out = std::process::Command::new(sluice_bin())
        .arg("run")
        .arg("-D")
        .arg(format!("python.executable={}", python.display()))
        .arg("-D")
        .arg(format!("python.files={}", dir.join("udfs.py").display()))
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "+I[42]\n", "{stderr}");
}
