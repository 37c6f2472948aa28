//! Parse → print → parse: the parser never panics, and whatever it accepts prints as
//! SQL that parses again and prints identically (printing is idempotent).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sluice_sql::parse_statements;

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let Ok(stmts) = parse_statements(sql) else { return };
    let printed: Vec<String> = stmts.iter().map(|s| s.to_string()).collect();
    let text = printed.join(";\n");
    let reparsed = match parse_statements(&text) {
        Ok(r) => r,
        Err(e) => panic!("printed SQL does not parse: {e}\n{text}"),
    };
    let again: Vec<String> = reparsed.iter().map(|s| s.to_string()).collect();
    assert_eq!(printed, again, "printing is not idempotent");
});
