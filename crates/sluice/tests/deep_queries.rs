//! Queries far deeper than people write by hand, as generators write them: tens of
//! thousands of `OR`ed comparisons, long arithmetic chains, thousands of joins. Each must
//! plan and run, or fail with a clear limit pointing at the expression; none may abort
//! the process with a stack overflow.

mod common;

use std::process::Output;

use common::*;

fn run(name: &str, sql: &str) -> Output {
    run_sql(&format!("deep-{name}"), sql, &["--quiet"])
}

/// Ten rows with ids 0 to 9.
const TEN: &str = "CREATE TABLE t (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '9');
CREATE TABLE out_t (id INT) WITH ('connector' = 'print');\n";

#[test]
fn fifty_thousand_ored_comparisons_plan_and_run() {
    // Matches ids 0, 2, 4, ... of the ten: five rows.
    let ors: Vec<String> = (0..50_000).map(|i| format!("id = {}", i * 2)).collect();
    let out = run("ors", &format!("{TEN}INSERT INTO out_t SELECT id FROM t WHERE {};\n", ors.join(" OR ")));
    assert!(out.status.success(), "{}", output_text(&out));
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    ids.sort();
    assert_eq!(ids, ["+I[0]", "+I[2]", "+I[4]", "+I[6]", "+I[8]"]);

    // ANDed too, and EXPLAIN prints it.
    let ands: Vec<String> = (0..50_000).map(|i| format!("id <> {}", i * 2 + 1)).collect();
    let out = run("ands", &format!("{TEN}EXPLAIN SELECT id FROM t WHERE {};\n", ands.join(" AND ")));
    assert!(out.status.success(), "{}", output_text(&out));
}

#[test]
fn a_long_arithmetic_chain_runs_and_a_longer_one_is_refused_at_its_span() {
    let sum = |n: usize| vec!["id"; n].join(" + ");
    let out = run("plus", &format!("{TEN}INSERT INTO out_t SELECT {} FROM t WHERE id = 1;\n", sum(9_000)));
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "+I[9000]");

    let out = run("too-long", &format!("{TEN}INSERT INTO out_t SELECT {} FROM t;\n", sum(50_000)));
    let log = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("the expression is too long") && log.contains("job.sql:4:") && log.contains("10000 levels"), "{log}");
}

#[test]
fn two_thousand_joins_plan_and_three_hundred_run() {
    let joins = |n: usize| -> String {
        let chain: Vec<String> = (1..n).map(|i| format!("JOIN t AS t{i} ON t{i}.id = t0.id")).collect();
        format!("SELECT t0.id FROM t AS t0 {}", chain.join(" "))
    };
    let out = run("explain-joins", &format!("{TEN}EXPLAIN {};\n", joins(2_000)));
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).matches("Join(").count() >= 1999);

    let out = run("joins", &format!("{TEN}INSERT INTO out_t {};\n", joins(300)));
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 10);
}
