//! Helpers shared by the parser tests: span erasure and the round-trip check.

#![allow(dead_code)]

use sluice_sql::ast::Statement;
use sluice_sql::parse_statements;

/// The `Debug` form of a value with every `Span { start: .., end: .. }` replaced by
/// `Span`, so that trees can be compared ignoring positions.
pub fn erase_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span { start: ") {
        out.push_str(&rest[..i]);
        out.push_str("Span");
        let after = &rest[i..];
        match after.find('}') {
            Some(j) => rest = &after[j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

pub fn shape(stmts: &[Statement]) -> String {
    erase_spans(&format!("{stmts:?}"))
}

/// Prints the statements, parses the text again and checks that the trees are equal
/// (ignoring spans) and that printing is idempotent. Returns the printed text.
pub fn assert_round_trip(stmts: &[Statement]) -> String {
    let printed: Vec<String> = stmts.iter().map(|s| s.to_string()).collect();
    let text = printed.join(";\n");
    let reparsed = match parse_statements(&text) {
        Ok(r) => r,
        Err(e) => panic!("printed SQL does not parse: {}\n{}", e.render("printed.sql", &text), text),
    };
    let (a, b) = (shape(stmts), shape(&reparsed));
    if a != b {
        let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let from = at.saturating_sub(150);
        panic!(
            "tree changed after printing:\n{text}\n--- before: ...{}\n--- after:  ...{}",
            a.get(from..(at + 150).min(a.len())).unwrap_or(""),
            b.get(from..(at + 150).min(b.len())).unwrap_or("")
        );
    }
    let again: Vec<String> = reparsed.iter().map(|s| s.to_string()).collect();
    assert_eq!(printed, again, "printing is not idempotent");
    text
}
