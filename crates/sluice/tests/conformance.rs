//! The Flink-conformance tier: every case under `tests/conformance/cases` runs on Sluice
//! and its rows must equal the rows Apache Flink produced (`tests/conformance/expected`,
//! made with `../shared/flink-oracle/oracle.py expect`). Cases listed in
//! `tests/conformance/pending.txt` belong to features not built yet: they must fail with
//! a "not supported yet" diagnostic, never with wrong rows. Cases listed in
//! `tests/conformance/known_differences.txt` run but differ from Flink in a known way
//! (each line says why): their rows must equal, exactly, the rows recorded for Sluice in
//! `expected/NAME.sluice.json`, and still differ from Flink's. Re-record those with
//! `SLUICE_BLESS_KNOWN=1` after an intended change.

mod common;

use std::path::Path;

use common::*;

#[test]
fn flink_conformance() {
    let root = repo_root().join("tests/conformance");
    let pending = listed_cases(&root.join("pending.txt"));
    let known = known_differences(&root);
    let cases = case_scripts(&root.join("cases"));
    assert!(!cases.is_empty(), "no conformance cases found");
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        let run = run_case(case, &root.join("data"));
        if pending.contains(&name) {
            match run.rows {
                Err(e) if e.contains("not supported yet") => {
                    eprintln!("{name:<32} pending (not supported yet)");
                }
                Err(e) => failures.push(format!("{name}: pending case failed without a \"not supported yet\" diagnostic:\n{e}")),
                Ok(_) => failures.push(format!("{name}: listed in pending.txt but runs: compare it and remove it from the list")),
            }
            continue;
        }
        let expected = read_expected(&root.join("expected").join(format!("{name}.expected.json")));
        if known.contains(&name) {
            match run.rows {
                Err(e) => failures.push(format!("{name}: {e}")),
                Ok(rows) => match check_known_difference(&root, &name, &expected, &rows) {
                    Ok(how) => eprintln!("{name:<32} known difference, exactly as recorded: {how}"),
                    Err(e) => failures.push(e),
                },
            }
            continue;
        }
        match run.rows {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(rows) => match diff(&expected, &rows) {
                None => {
                    passed += 1;
                    eprintln!("{name:<32} match");
                }
                Some(d) => failures.push(format!("{name}: differs: {d}")),
            },
        }
    }
    eprintln!("{passed}/{} conformance cases match Flink, {} pending", cases.len(), pending.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    let _ = Path::new(".");
}

/// The input of the `nexmark_q*` cases is what the `nexmark` source makes with
/// `tests/nexmark/make_events.sql`: the Flink-checked rows of those cases hold for the
/// source's own stream, not just for a file.
#[test]
fn nexmark_events_file_is_the_sources_stream() {
    let root = repo_root();
    let out = std::env::temp_dir().join(format!("sluice-nexmark-events-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let sql = std::fs::read_to_string(root.join("tests/nexmark/make_events.sql"))
        .expect("make_events.sql")
        .replace("${OUT}", &out.display().to_string());
    let run = run_sql("nexmark-events", &sql, &[]);
    assert!(run.status.success(), "{}", output_text(&run));
    let made: String = std::fs::read_dir(&out)
        .expect("the output folder")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("a part file"))
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    let committed = std::fs::read_to_string(root.join("tests/conformance/data/nexmark_events.json")).expect("the events file");
    assert!(made == committed, "tests/conformance/data/nexmark_events.json is not what tests/nexmark/make_events.sql makes");
}
