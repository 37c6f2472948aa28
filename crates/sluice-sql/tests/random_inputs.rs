//! Property tests: on random token soups, random mutations of the seed statements and
//! arbitrary text, the parser returns `Ok` or `Err` and never panics; whenever it
//! returns `Ok`, printing and parsing again gives the same tree.

mod common;

use common::assert_round_trip;
use proptest::prelude::*;
use sluice_sql::lexer::tokenize;
use sluice_sql::{parse_data_type, parse_expr, parse_statements};

const SEEDS: &str = include_str!("seeds.sql");

const VOCABULARY: &[&str] = &[
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "UNION", "ALL", "AS", "JOIN",
    "LEFT", "CROSS", "ON", "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "CASE", "WHEN",
    "THEN", "ELSE", "END", "CAST", "INTERVAL", "SECOND", "MINUTE", "DAY", "TO", "TABLE", "TUMBLE",
    "DESCRIPTOR", "UNNEST", "LATERAL", "MATCH_RECOGNIZE", "PATTERN", "DEFINE", "MEASURES", "OVER",
    "PARTITION", "ROWS", "RANGE", "PRECEDING", "CURRENT", "ROW", "ARRAY", "MAP", "INT", "STRING",
    "TIMESTAMP", "CREATE", "WITH", "WATERMARK", "FOR", "PRIMARY", "KEY", "ENFORCED", "INSERT", "INTO",
    "SET", "EXECUTE", "STATEMENT", "BEGIN", "EXTRACT", "TRIM", "FLOOR", "SUBSTRING", "COUNT", "DISTINCT",
    "FILTER", "EXISTS", "VALUES", "a", "b", "t", "`q`", "'s'", "'🍍'", "1", "2.5", "1e3", "X'0A'",
    "(", ")", "[", "]", "<", ">", "=", "<>", "+", "-", "*", "/", "%", "||", ".", ",", ";", "=>", "{",
    "}", "?", "|", "/*+", "*/", "OPTIONS", "DATE", "TIME", "FIRST", "LAST", "NULLS", "ASC", "DESC",
];

/// Parses `sql`; on success the round trip must hold. Panics are failures.
fn check(sql: &str) {
    if let Ok(stmts) = parse_statements(sql) {
        assert_round_trip(&stmts);
    }
    if let Ok(e) = parse_expr(sql) {
        let printed = e.to_string();
        let again = parse_expr(&printed).unwrap_or_else(|d| panic!("{printed:?} does not parse: {d}"));
        assert_eq!(
            common::erase_spans(&format!("{e:?}")),
            common::erase_spans(&format!("{again:?}")),
            "{sql:?} printed as {printed:?}"
        );
    }
    let _ = parse_data_type(sql);
}

/// The seed script cut into token texts (keeping the gaps so mutations stay readable).
fn seed_tokens() -> Vec<String> {
    let tokens = tokenize(SEEDS).expect("the seeds lex");
    tokens
        .iter()
        .map(|t| SEEDS.get(t.span.start as usize..t.span.end as usize).unwrap_or("").to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[derive(Clone, Debug)]
enum Mutation {
    Truncate(usize),
    Delete(usize),
    Duplicate(usize),
    Swap(usize),
    Insert(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        any::<usize>().prop_map(Mutation::Swap),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
    ]
}

fn apply(tokens: &mut Vec<String>, m: &Mutation) {
    if tokens.is_empty() {
        return;
    }
    let n = tokens.len();
    match *m {
        Mutation::Truncate(i) => tokens.truncate(i % n),
        Mutation::Delete(i) => {
            tokens.remove(i % n);
        }
        Mutation::Duplicate(i) => {
            let t = tokens[i % n].clone();
            tokens.insert(i % n, t);
        }
        Mutation::Swap(i) => tokens.swap(i % n, (i + 1) % n),
        Mutation::Insert(i, w) => tokens.insert(i % n, VOCABULARY[w % VOCABULARY.len()].to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_panics(words in prop::collection::vec(prop::sample::select(VOCABULARY), 0..40)) {
        check(&words.join(" "));
    }

    #[test]
    fn mutated_seeds_never_panic(mutations in prop::collection::vec(mutation(), 1..6)) {
        let mut tokens = seed_tokens();
        for m in &mutations {
            apply(&mut tokens, m);
        }
        check(&tokens.join(" "));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        check(&text);
    }

    #[test]
    fn sql_like_text_never_panics(text in "[a-zA-Z0-9_ '`\"(),.;*+/%<>=!|\\[\\]{}?-]{0,60}") {
        check(&text);
    }
}

#[test]
fn every_truncation_of_the_seeds_is_handled() {
    let tokens = seed_tokens();
    for i in 0..tokens.len() {
        check(&tokens[..i].join(" "));
    }
}

#[test]
fn every_single_token_deletion_and_duplication_is_handled() {
    let tokens = seed_tokens();
    let mut parsed = 0;
    for i in 0..tokens.len() {
        let mut deleted = tokens.clone();
        deleted.remove(i);
        let mut duplicated = tokens.clone();
        duplicated.insert(i, tokens[i].clone());
        for sql in [deleted.join(" "), duplicated.join(" ")] {
            if let Ok(stmts) = parse_statements(&sql) {
                assert_round_trip(&stmts);
                parsed += 1;
            }
        }
    }
    // Some mutations stay valid SQL (a deleted alias or `AS`, a deleted column); the
    // round trip must have been exercised on them.
    assert!(parsed > 20, "only {parsed} mutations parsed");
}
