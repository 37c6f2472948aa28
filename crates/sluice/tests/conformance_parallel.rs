//! Every conformance case run again with `parallelism.default` 2 and 4 (one `sluice run`
//! process per case and parallelism, the binary built once) must give exactly the rows
//! of the case at parallelism 1: Flink's rows, or for a known difference the rows
//! recorded for Sluice. Changelogs are folded into their final rows, as the other tiers
//! compare them, since the order of changes across keys differs between instances (as in
//! Flink). Pending cases must still fail with "not supported yet". Cases listed in
//! `tests/conformance/parallel_differences.txt` differ in a way Flink's rows also do at a
//! parallelism above 1 (each line says how): they must run and give as many rows.

mod common;

use common::*;

#[test]
fn every_case_gives_the_same_rows_at_parallelism_2_and_4() {
    let root = repo_root().join("tests/conformance");
    let pending = std::fs::read_to_string(root.join("pending.txt")).unwrap_or_default();
    let pending: Vec<&str> = pending.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let known = known_differences(&root);
    let order_dependent = listed_cases(&root.join("parallel_differences.txt"));
    let cases = case_scripts(&root.join("cases"));
    let only = std::env::var("SLUICE_CONFORMANCE_CASE").ok();
    let scratch = std::env::temp_dir().join(format!("sluice-parallel-cases-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch folder");
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().to_string();
        if only.as_ref().is_some_and(|o| !name.starts_with(o.as_str())) {
            continue;
        }
        let text = std::fs::read_to_string(case).expect("case script");
        let want = if known.contains(&name) {
            root.join("expected").join(format!("{name}.sluice.json"))
        } else {
            root.join("expected").join(format!("{name}.expected.json"))
        };
        for parallelism in [2, 4] {
            let script = scratch.join(format!("{name}-p{parallelism}.sql"));
            std::fs::write(&script, format!("SET 'parallelism.default' = '{parallelism}';\n{text}")).expect("write case");
            let run = run_case(&script, &root.join("data"));
            let label = format!("{name} at parallelism {parallelism}");
            if pending.contains(&name.as_str()) {
                match run.rows {
                    Err(e) if e.contains("not supported yet") => {}
                    Err(e) => failures.push(format!("{label}: pending case failed without \"not supported yet\":\n{e}")),
                    Ok(_) => failures.push(format!("{label}: a pending case runs")),
                }
                continue;
            }
            let want = read_expected(&want);
            match run.rows {
                Err(e) => failures.push(format!("{label}: {e}")),
                Ok(rows) if order_dependent.contains(&name) => {
                    let (got, expected) = (rows.values().sum::<i64>(), want.values().sum::<i64>());
                    if got != expected {
                        failures.push(format!("{label}: {got} rows where parallelism 1 gives {expected}"));
                    }
                }
                Ok(rows) => match diff(&want, &rows) {
                    None => eprintln!("{label:<48} match"),
                    Some(d) => failures.push(format!("{label}: differs: {d}")),
                },
            }
            if run.stderr.contains("not supported yet and is ignored") {
                failures.push(format!("{label}: still warns that parallelism is ignored"));
            }
        }
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(checked > 0, "no case ran");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}
