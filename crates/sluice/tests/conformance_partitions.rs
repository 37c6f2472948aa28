//! Partitioned filesystem tables (`PARTITIONED BY`) against Apache Flink: every case under
//! `tests/conformance/partitions/cases` writes partitioned folders (and most read them
//! back), and must leave what Flink left: the same rows in the JSON files under `${OUT}`
//! (`expected/NAME.expected.json`) and the same folders and success files
//! (`expected/NAME.layout.txt`, every path but the part files, whose names are random).
//! Both were made by Flink 2.3 with `tests/conformance/partitions/flink_expect.py`.

mod common;

use common::*;

fn cases() -> Vec<std::path::PathBuf> {
    let cases = case_scripts(&repo_root().join("tests/conformance/partitions/cases"));
    assert!(!cases.is_empty(), "no partition cases found");
    cases
}

fn expected_layout(name: &str) -> Vec<String> {
    let path = repo_root().join("tests/conformance/partitions/expected").join(format!("{name}.layout.txt"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().map(String::from).collect()
}

/// How a run differs from Flink's rows and layout, if it does.
fn check(name: &str, run: &CaseRun) -> Option<String> {
    let expected = read_expected(&repo_root().join("tests/conformance/partitions/expected").join(format!("{name}.expected.json")));
    let rows = match &run.rows {
        Err(e) => return Some(format!("{name}: {e}")),
        Ok(rows) => rows,
    };
    if let Some(d) = diff(&expected, rows) {
        return Some(format!("{name}: rows differ: {d}"));
    }
    let want = expected_layout(name);
    if want != run.layout {
        let missing: Vec<&String> = want.iter().filter(|e| !run.layout.contains(e)).collect();
        let extra: Vec<&String> = run.layout.iter().filter(|e| !want.contains(e)).collect();
        return Some(format!("{name}: the folders differ from Flink's: missing {missing:?}, unexpected {extra:?}"));
    }
    None
}

#[test]
fn partitioned_tables_match_flink() {
    let data = repo_root().join("tests/conformance/data");
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        match check(&name, &run_case(&case, &data)) {
            None => eprintln!("{name:<40} match"),
            Some(f) => failures.push(f),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The cases of one INSERT, run with a checkpoint after every two rows, stopped after
/// checkpoint 2 and resumed: the part files are committed exactly once and every
/// partition still gets its success file, so rows and folders are Flink's.
#[test]
fn partitioned_sinks_stopped_and_resumed_match_flink() {
    let data = repo_root().join("tests/conformance/data");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        let script = std::fs::read_to_string(&case).expect("case");
        if script.to_ascii_lowercase().matches("insert into").count() != 1 {
            continue;
        }
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let run = run_case_restarted(&case, &data, 2, 2);
        if !(run.stderr.contains("stopped with checkpoint") && run.stderr.contains("resuming job")) {
            failures.push(format!("{name}: the first run did not stop at a checkpoint and resume:\n{}", run.stderr));
            continue;
        }
        if let Some(f) = check(&name, &run) {
            failures.push(f);
        }
        checked += 1;
    }
    assert!(checked >= 2, "too few single-INSERT partition cases ran");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Every case at parallelism 2: each instance writes its own part files into the shared
/// partition folders, and the rows and folders are still Flink's.
#[test]
fn partitioned_tables_at_parallelism_2_match_flink() {
    let data = repo_root().join("tests/conformance/data");
    let scratch = std::env::temp_dir().join(format!("sluice-partition-cases-p2-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let script = std::fs::read_to_string(&case).expect("case");
        // Its own file name, so its scratch folder differs from the other tests' runs.
        let parallel = scratch.join(format!("{name}_p2.sql"));
        std::fs::write(&parallel, format!("SET 'parallelism.default' = '2';\n{script}")).expect("write case");
        if let Some(f) = check(&name, &run_case(&parallel, &data)) {
            failures.push(f);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
