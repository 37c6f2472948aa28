//! Typical mistakes produce a diagnostic with the right message, span and hint.

use sluice_sql::{line_col, parse_data_type, parse_expr, parse_statements, Diagnostic, ErrorClass};

fn error(sql: &str) -> Diagnostic {
    match parse_statements(sql) {
        Ok(stmts) => panic!("expected an error, parsed {stmts:?}"),
        Err(e) => e,
    }
}

fn at(sql: &str, d: &Diagnostic) -> (usize, usize) {
    line_col(sql, d.span.expect("diagnostic has a span").start)
}

#[test]
fn missing_comma_in_column_list() {
    let sql = "CREATE TABLE t (\n  a INT\n  b STRING\n) WITH ('connector' = 'print')";
    let d = error(sql);
    assert_eq!(d.class, ErrorClass::User);
    assert_eq!(d.message, "expected \",\" or \")\", found \"b\"");
    assert_eq!(at(sql, &d), (3, 3));
    assert!(d.hint.as_deref().unwrap_or("").contains("commas"), "{d:?}");
}

#[test]
fn misspelt_type_name() {
    let sql = "CREATE TABLE t (name VARCHR) WITH ('connector' = 'print')";
    let d = error(sql);
    assert_eq!(d.message, "unknown data type \"VARCHR\"");
    assert_eq!(at(sql, &d), (1, 22));
    assert_eq!(d.label.as_deref(), Some("did you mean \"VARCHAR\"?"));
    let rendered = d.render("t.sql", sql);
    assert!(rendered.contains("--> t.sql:1:22"), "{rendered}");
    assert!(rendered.contains("^^^^^^ did you mean \"VARCHAR\"?"), "{rendered}");
}

#[test]
fn unterminated_string_points_at_its_start() {
    let sql = "SELECT a\nFROM t\nWHERE b = 'abc";
    let d = error(sql);
    assert_eq!(d.message, "unterminated string literal");
    assert_eq!(at(sql, &d), (3, 11));
}

#[test]
fn unterminated_comment_and_hint() {
    let sql = "SELECT 1 /* never closed";
    let d = error(sql);
    assert_eq!(d.message, "unterminated comment");
    assert_eq!(at(sql, &d), (1, 10));
    let sql = "SELECT /*+ OPTIONS('a'='b') 1";
    let d = error(sql);
    assert_eq!(d.message, "unterminated hint");
    assert_eq!(at(sql, &d), (1, 8));
}

#[test]
fn watermark_without_for() {
    let sql = "CREATE TABLE t (ts TIMESTAMP(3), WATERMARK ts AS ts - INTERVAL '5' SECOND) WITH ('connector' = 'print')";
    let d = error(sql);
    assert_eq!(d.message, "expected \"FOR\", found \"ts\"");
    assert!(d.hint.as_deref().unwrap_or("").contains("WATERMARK FOR ts AS"), "{d:?}");
}

#[test]
fn primary_key_must_be_not_enforced() {
    let sql = "CREATE TABLE t (id INT, PRIMARY KEY (id)) WITH ('connector' = 'print')";
    let d = error(sql);
    assert_eq!(d.message, "expected \"NOT ENFORCED\", found \")\"");
    assert_eq!(at(sql, &d), (1, 41));
    assert!(d.hint.is_some());
}

#[test]
fn row_type_needs_field_names() {
    let d = parse_data_type("ROW<INT, STRING>").unwrap_err();
    assert_eq!(d.message, "the field \"INT\" of the ROW type has no type");
    assert_eq!(d.span.unwrap().start, 4);
}

#[test]
fn reserved_word_as_name_suggests_quoting() {
    let sql = "SELECT a FROM from";
    let d = error(sql);
    assert_eq!(d.message, "expected an identifier, found \"from\"");
    assert!(d.hint.as_deref().unwrap_or("").contains("`from`"), "{d:?}");
}

#[test]
fn missing_semicolon_between_statements() {
    let sql = "SET 'a' = 'b'\nSELECT 1";
    let d = error(sql);
    assert_eq!(d.message, "expected \";\" or end of input, found \"SELECT\"");
    assert_eq!(at(sql, &d), (2, 1));
}

#[test]
fn join_without_condition() {
    let sql = "SELECT * FROM a JOIN b WHERE x";
    let d = error(sql);
    assert_eq!(d.message, "expected \"ON\" or \"USING\", found \"WHERE\"");
    assert!(d.hint.is_some());
}

#[test]
fn bad_statement_start() {
    let d = error("SELEC 1");
    assert_eq!(d.message, "expected a statement, found \"SELEC\"");
    assert_eq!(d.span.unwrap().start, 0);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let sql = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let d = parse_expr(&sql).unwrap_err();
    assert_eq!(d.message, "the statement is nested too deeply");
    let sql = format!("SELECT {}1", "- ".repeat(5000));
    assert!(parse_statements(&sql).is_err());
    let sql = format!("SELECT {}1", "NOT ".repeat(5000));
    assert!(parse_statements(&sql).is_err());
    let sql = format!("SELECT * FROM {}t{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse_statements(&sql).is_err());
    let t = format!("{}INT{}", "ARRAY<".repeat(5000), ">".repeat(5000));
    assert!(parse_data_type(&t).is_err());
    let sql = format!("SELECT {}", "(SELECT ".repeat(3000));
    assert!(parse_statements(&sql).is_err());
}

#[test]
fn double_quotes_are_explained() {
    let d = error("SELECT \"a\" FROM t");
    assert_eq!(d.message, "double-quoted strings are not supported");
    assert!(d.hint.as_deref().unwrap_or("").contains("back-quotes"));
}
