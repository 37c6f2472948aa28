//! `span()` for the AST nodes whose span is not a plain field.

use crate::ast::{SetExpr, Statement};
use crate::span::Span;

impl Statement {
    /// The text of the whole statement (without its `;`).
    pub fn span(&self) -> Span {
        match self {
            Statement::Set { span, .. }
            | Statement::Reset { span, .. }
            | Statement::Drop { span, .. }
            | Statement::Show { span, .. }
            | Statement::Describe { span, .. }
            | Statement::StatementSet { span, .. }
            | Statement::Explain { span, .. }
            | Statement::Use { span, .. } => *span,
            Statement::CreateTable(t) => t.span,
            Statement::CreateView(v) => v.span,
            Statement::CreateFunction(c) => c.span,
            Statement::Insert(i) => i.span,
            Statement::Query(q) => q.span,
        }
    }
}

impl SetExpr {
    pub fn span(&self) -> Span {
        match self {
            SetExpr::Select(s) => s.span,
            SetExpr::Query(q) => q.span,
            SetExpr::SetOperation { span, .. } | SetExpr::Values { span, .. } => *span,
        }
    }
}
