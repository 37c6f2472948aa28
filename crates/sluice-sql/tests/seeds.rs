//! Every conformance case and every seed statement of the mission parses, and prints
//! back as SQL that parses to the same tree.

mod common;

use std::path::PathBuf;

use common::assert_round_trip;
use sluice_sql::ast::*;
use sluice_sql::parse_statements;

pub const SEEDS: &str = include_str!("seeds.sql");

fn parse_or_render(name: &str, sql: &str) -> Vec<Statement> {
    match parse_statements(sql) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.render(name, sql)),
    }
}

/// The conformance cases: the repo's copy (`tests/conformance/cases` at the root), else
/// the shared folder next to the repo.
fn cases_dir() -> PathBuf {
    // Read at run time: a test binary reused from another checkout (a shared target
    // folder) must still look at this checkout's files.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let candidates = [manifest.join("../../tests/conformance/cases"), manifest.join("../../../shared/conformance/cases")];
    for dir in &candidates {
        if dir.is_dir() {
            return dir.clone();
        }
    }
    panic!("no conformance cases found; looked in {candidates:?}");
}

#[test]
fn conformance_cases_parse_and_round_trip() {
    let dir = cases_dir();
    let mut count = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        let sql = std::fs::read_to_string(&path).unwrap();
        let stmts = parse_or_render(&path.display().to_string(), &sql);
        assert!(!stmts.is_empty(), "{} has no statements", path.display());
        assert_round_trip(&stmts);
        count += 1;
    }
    assert!(count >= 8, "expected at least 8 cases in {}, found {count}", dir.display());
}

#[test]
fn seed_statements_parse_and_round_trip() {
    let stmts = parse_or_render("seeds.sql", SEEDS);
    assert_eq!(stmts.len(), 16);
    assert_round_trip(&stmts);
}

#[test]
fn pizza_source_shape() {
    let stmts = parse_or_render("seeds.sql", SEEDS);
    let Statement::CreateTable(t) = &stmts[0] else { panic!("not a CREATE TABLE") };
    assert_eq!(t.name.base().value, "pizza_source");
    assert_eq!(t.columns.len(), 8);
    let pizzas = &t.columns[5];
    let ColumnKind::Physical { data_type, .. } = &pizzas.kind else { panic!() };
    assert_eq!(data_type.to_string(), "ARRAY<ROW<`pizzaName` STRING, `additionalToppings` ARRAY<STRING>>>");
    let ColumnKind::Metadata { from, is_virtual, .. } = &t.columns[6].kind else { panic!() };
    assert_eq!(from.as_ref().unwrap().0, "timestamp");
    assert!(!is_virtual);
    assert!(matches!(t.columns[7].kind, ColumnKind::Computed { .. }));
    let wm = t.watermark.as_ref().unwrap();
    assert_eq!(wm.column.value, "orderTimestamp");
    assert_eq!(wm.expr.to_string(), "orderTimestamp - INTERVAL '5' SECOND");
    assert_eq!(t.options.len(), 5);
    assert_eq!(t.options[2].key, "topic");
    assert_eq!(&SEEDS[t.options[2].value_span.start as usize..t.options[2].value_span.end as usize], "'pizzas'");
}

#[test]
fn statement_set_and_match_recognize_shapes() {
    let stmts = parse_or_render("seeds.sql", SEEDS);
    let Statement::StatementSet { inserts, .. } = &stmts[6] else { panic!("not a statement set") };
    assert_eq!(inserts.len(), 2);
    assert_eq!(inserts[1].table.base().value, "b");

    let Statement::Insert(insert) = &stmts[3] else { panic!() };
    let SetExpr::Select(select) = &insert.source.body else { panic!() };
    let Some(TableRef::MatchRecognize { spec, alias, .. }) = &select.from else { panic!() };
    assert_eq!(alias.as_ref().unwrap().name.value, "T");
    assert_eq!(spec.measures.len(), 5);
    assert_eq!(spec.after_match, AfterMatchSkip::PastLastRow);
    assert_eq!(spec.pattern.to_string(), "A B+ C{2}");
    assert_eq!(spec.define.len(), 2);
}

#[test]
fn temporal_join_and_window_tvfs() {
    let stmts = parse_or_render("seeds.sql", SEEDS);
    let Statement::Query(q) = &stmts[4] else { panic!() };
    let SetExpr::Select(s) = &q.body else { panic!() };
    let Some(TableRef::Join(j)) = &s.from else { panic!() };
    let TableRef::Named { system_time, alias, .. } = &j.right else { panic!() };
    assert_eq!(system_time.as_ref().unwrap().to_string(), "a.proc_time");
    assert_eq!(alias.as_ref().unwrap().name.value, "r");

    let Statement::Query(q) = &stmts[8] else { panic!() };
    let SetExpr::Select(s) = &q.body else { panic!() };
    let Some(TableRef::Function { name, args, .. }) = &s.from else { panic!() };
    assert_eq!(name.base().value, "SESSION");
    let FunctionArg::Table { partition_by, .. } = &args[0] else { panic!() };
    assert_eq!(partition_by.len(), 1);
    assert!(matches!(args[1], FunctionArg::Descriptor { .. }));
}
