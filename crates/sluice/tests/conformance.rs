//! The Flink-conformance tier: every case under `tests/conformance/cases` runs on Sluice
//! and its rows must equal the rows Apache Flink produced (`tests/conformance/expected`,
//! made with `../shared/flink-oracle/oracle.py expect`). Cases listed in
//! `tests/conformance/pending.txt` belong to features not built yet: they must fail with
//! a "not supported yet" diagnostic, never with wrong rows. Cases listed in
//! `tests/conformance/known_differences.txt` run but differ from Flink in a known way
//! (each line says why and how many rows at most); they must not get worse.

mod common;

use std::path::Path;

use common::*;

#[test]
fn flink_conformance() {
    let root = repo_root().join("tests/conformance");
    let pending: Vec<String> = std::fs::read_to_string(root.join("pending.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let known: Vec<(String, i64)> = std::fs::read_to_string(root.join("known_differences.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next().unwrap_or_default().to_string();
            let most = parts.next().and_then(|n| n.parse().ok()).expect("known_differences.txt: NAME MAX_ROWS REASON");
            (name, most)
        })
        .collect();
    let mut cases: Vec<_> = std::fs::read_dir(root.join("cases"))
        .expect("cases folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    cases.sort();
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
        if let Some((_, most)) = known.iter().find(|(n, _)| *n == name) {
            match run.rows {
                Err(e) => failures.push(format!("{name}: {e}")),
                Ok(rows) => {
                    let missing = missing_rows(&expected, &rows);
                    if missing > *most {
                        failures.push(format!("{name}: {missing} rows differ, more than the {most} known: {:?}", diff(&expected, &rows)));
                    } else {
                        eprintln!("{name:<32} {missing} rows differ (known, at most {most})");
                    }
                }
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
