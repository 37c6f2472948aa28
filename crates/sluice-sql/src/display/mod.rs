//! `Display` for the AST: prints SQL that parses back to the same tree.
//!
//! The printer adds no parentheses that the tree does not record (the parser keeps
//! explicit ones as `ExprKind::Nested`), except where a hand-built tree would otherwise
//! print with a different meaning. Identifiers are back-quoted when they were quoted in
//! the source or would not lex as one word.

mod expr;
mod query;
mod statement;

use std::fmt::{self, Display, Formatter};

use crate::ast::{Ident, ObjectName, TableOption};

/// Writes `items` separated by `sep`.
pub(crate) fn join<T: Display>(f: &mut Formatter<'_>, items: &[T], sep: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// A string literal with `'` doubled.
pub(crate) struct Quoted<'a>(pub &'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.replace('\'', "''"))
    }
}

fn lexes_as_word(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else { return false };
    let start_ok = first.is_alphabetic() || first == '_' || (!first.is_ascii() && !first.is_whitespace());
    start_ok && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace()))
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.quoted || !lexes_as_word(&self.value) {
            write!(f, "`{}`", self.value.replace('`', "``"))
        } else {
            f.write_str(&self.value)
        }
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        join(f, &self.parts, ".")
    }
}

impl Display for TableOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", Quoted(&self.key), Quoted(&self.value))
    }
}
