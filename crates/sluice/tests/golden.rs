//! Golden tests of what a user sees: each `tests/sql/NAME.sql` runs with
//! `sluice run --quiet` from inside `tests/sql`, and its exit status, stdout and stderr
//! must equal `tests/sql/NAME.out`. Error messages, EXPLAIN, DESCRIBE and printed rows are
//! covered this way. After an intended change, re-bless with
//! `SLUICE_BLESS=1 cargo test -p sluice --test golden`.

mod common;

use std::process::Command;

use common::*;

#[test]
fn golden_outputs() {
    let dir = repo_root().join("tests/sql");
    let bless = std::env::var_os("SLUICE_BLESS").is_some();
    let scripts = case_scripts(&dir);
    assert!(!scripts.is_empty());
    let mut failures = Vec::new();
    for script in &scripts {
        let name = script.file_name().unwrap().to_string_lossy().to_string();
        let output = Command::new(sluice_bin())
            .args(["run", "--quiet", &name])
            .current_dir(&dir)
            .output()
            .expect("run sluice");
        let actual = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let expected_path = script.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &actual).expect("bless");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!("{name}:\n--- expected\n{expected}\n--- actual\n{actual}"));
        } else {
            eprintln!("{name:<32} ok");
        }
    }
    assert!(failures.is_empty(), "{} golden outputs differ (re-bless with SLUICE_BLESS=1 if intended):\n{}", failures.len(), failures.join("\n"));
}
