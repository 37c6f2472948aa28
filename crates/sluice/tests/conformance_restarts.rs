//! Every conformance case, run with a checkpoint after every small batch, stopped midway
//! (as Ctrl-C stops a job: a last checkpoint, then exit) and run again from there, must
//! give exactly the rows of an uninterrupted run: each stateful operator's state and
//! each source's position survive the restart, nothing is lost and nothing repeated.

mod common;

use common::*;

/// The cases to run, by name: all but the pending ones, or those whose name starts with
/// `SLUICE_CONFORMANCE_CASE`.
fn cases(root: &std::path::Path) -> Vec<(String, std::path::PathBuf)> {
    let pending = listed_cases(&root.join("pending.txt"));
    let only = std::env::var("SLUICE_CONFORMANCE_CASE").ok();
    case_scripts(&root.join("cases"))
        .into_iter()
        .map(|p| (p.file_stem().unwrap().to_string_lossy().to_string(), p))
        .filter(|(name, _)| !pending.contains(name) && only.as_ref().is_none_or(|o| name.starts_with(o.as_str())))
        .collect()
}

/// The most rows any source of a run read, from the summary lines of its `stderr`.
fn rows_read(stderr: &str) -> usize {
    stderr
        .lines()
        .filter_map(|l| l.split(" rows read").next()?.rsplit(": ").next()?.replace(',', "").parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

/// About ten batches per source, so a checkpoint after each; the stop comes after a few
/// of them have built up state.
fn batch_size(rows_read: usize) -> usize {
    (rows_read / 10).max(2)
}

/// Whether a restarted run stopped at a checkpoint and resumed from it.
fn stopped(run: &CaseRun) -> bool {
    run.stderr.contains("stopped with checkpoint") && run.stderr.contains("resuming job")
}

#[test]
fn every_case_stopped_midway_and_resumed_gives_the_uninterrupted_rows() {
    let root = repo_root().join("tests/conformance");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, case) in &cases(&root) {
        let whole = run_case(case, &root.join("data"));
        let Ok(want) = whole.rows else { continue };
        let rows_read = rows_read(&whole.stderr);
        let batch_size = batch_size(rows_read);
        // Checkpoints come after every poll (an interval of 1 ns), so the stop does not
        // depend on timing; a case with too few batches to reach checkpoint 4 stops after
        // the first.
        let mut restarted = run_case_restarted(case, &root.join("data"), batch_size, 4);
        if !stopped(&restarted) {
            restarted = run_case_restarted(case, &root.join("data"), batch_size, 1);
        }
        // (A handful of rows may all be read before the first checkpoint.)
        if !stopped(&restarted) && rows_read >= 10 {
            failures.push(format!("{name}: the first run did not stop at a checkpoint and resume:\n{}", restarted.stderr));
        }
        match &restarted.rows {
            Ok(got) => {
                if let Some(d) = diff(&want, got) {
                    failures.push(format!("{name}: {d}\n{}", restarted.stderr));
                }
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        checked += 1;
    }
    assert!(checked > 0, "no case ran");
    assert!(failures.is_empty(), "{} of {checked} cases differ after a restart:\n{}", failures.len(), failures.join("\n\n"));
}

/// Every case run at parallelism 2 with a checkpoint after every round of polls,
/// stopped midway, and resumed from that checkpoint at parallelism 1 and at 4 (its
/// keyed state handed out again by key group, its sources' positions by split) must give
/// the rows of an uninterrupted run. Changelogs are folded into final rows, as the
/// parallel tier compares them; cases whose rows depend on the order of rows across
/// instances (`parallel_differences.txt`) must give as many rows. Every keyed operator
/// takes state saved at another parallelism, so a refusal is a failure too.
#[test]
fn every_case_saved_at_parallelism_2_resumes_at_1_and_4_with_the_same_rows() {
    let root = repo_root().join("tests/conformance");
    let order_dependent = listed_cases(&root.join("parallel_differences.txt"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, case) in &cases(&root) {
        let whole = run_case(case, &root.join("data"));
        let Ok(want) = whole.rows else { continue };
        let rows_read = rows_read(&whole.stderr);
        let batch_size = batch_size(rows_read);
        for then in [1, 4] {
            let label = format!("{name} saved at parallelism 2, resumed at {then}");
            let mut restarted = run_case_rescaled(case, &root.join("data"), batch_size, 4, 2, then);
            if !stopped(&restarted) {
                restarted = run_case_rescaled(case, &root.join("data"), batch_size, 1, 2, then);
            }
            if !stopped(&restarted) && rows_read >= 10 && restarted.rows.is_ok() {
                failures.push(format!("{label}: the first run did not stop at a checkpoint and resume:\n{}", restarted.stderr));
            }
            match &restarted.rows {
                Ok(got) if order_dependent.contains(name) => {
                    let (got, expected) = (got.values().sum::<i64>(), want.values().sum::<i64>());
                    if got != expected {
                        failures.push(format!("{label}: {got} rows where an uninterrupted run gives {expected}"));
                    }
                }
                Ok(got) => match diff(&want, got) {
                    None => eprintln!("{label:<64} match"),
                    Some(d) => failures.push(format!("{label}: {d}\n{}", restarted.stderr)),
                },
                Err(e) => failures.push(format!("{label}: {e}")),
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no case ran");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}
