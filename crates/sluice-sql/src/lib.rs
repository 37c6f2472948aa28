//! The Flink SQL dialect: a hand-written lexer and recursive-descent parser that turns a
//! script into `ast::Statement`s, every node carrying the `Span` of its text, and the
//! `Diagnostic` type that renders an error with `file:line:col` and a caret.
//!
//! This crate owns syntax only. It resolves no names and checks no types.

pub mod ast;
mod diagnostic;
mod span;

pub use diagnostic::{Diagnostic, ErrorClass};
pub use span::{line_col, Span};
