//! The Flink SQL dialect: a hand-written lexer and recursive-descent parser that turns a
//! script into `ast::Statement`s, every node carrying the `Span` of its text, and the
//! `Diagnostic` type that renders an error with `file:line:col` and a caret.
//!
//! This crate owns syntax only. It resolves no names and checks no types. Every AST node
//! prints back as SQL (`Display`, in `display`) that parses to the same tree, which the
//! round-trip tests and the `fuzz/` target check.

pub mod ast;
mod diagnostic;
mod display;
pub mod flink_sql;
mod node_spans;
pub mod lexer;
mod parser;
pub mod secrets;
mod span;

pub use diagnostic::{Diagnostic, ErrorClass};
pub use parser::{is_reserved, MAX_NESTING};
pub use span::{line_col, Span};

use sluice_types::DataType;

/// Parses a whole script: statements separated by `;` (empty statements are allowed and
/// the last `;` is optional). `EXECUTE STATEMENT SET BEGIN ..; ..; END` is one statement.
pub fn parse_statements(sql: &str) -> Result<Vec<ast::Statement>, Diagnostic> {
    parser::Parser::new(sql)?.script()
}

/// Parses exactly one expression, e.g. `usage > 90 AND host LIKE 'a%'`.
pub fn parse_expr(sql: &str) -> Result<ast::Expr, Diagnostic> {
    let mut p = parser::Parser::new(sql)?;
    let e = p.expr()?;
    p.expect_eof()?;
    Ok(e)
}

/// Parses exactly one data type, e.g. `ARRAY<ROW<name STRING, qty INT NOT NULL>>`.
pub fn parse_data_type(sql: &str) -> Result<DataType, Diagnostic> {
    let mut p = parser::Parser::new(sql)?;
    let (t, _) = p.data_type()?;
    p.expect_eof()?;
    Ok(t)
}

/// Parses exactly one query, e.g. `SELECT a FROM t WHERE b > 1`.
pub fn parse_query(sql: &str) -> Result<ast::Query, Diagnostic> {
    let mut p = parser::Parser::new(sql)?;
    let q = p.query()?;
    p.expect_eof()?;
    Ok(q)
}
