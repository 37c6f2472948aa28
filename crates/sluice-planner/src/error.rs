//! Helpers to build planning diagnostics in the house style.

use sluice_sql::{Diagnostic, ErrorClass, Span};

pub type PlanResult<T> = Result<T, Diagnostic>;

/// `"<construct>" is not supported yet`, pointing at the construct, for features a later
/// version implements. The hint says what works instead, where there is something.
pub fn not_supported(construct: &str, span: Span) -> Diagnostic {
    Diagnostic::user(format!("{construct} is not supported yet"), span)
        .with_label("not supported yet")
        .with_hint("Sluice parses this construct but cannot run it in this version; see the README for what is supported.")
}

pub fn user(message: impl Into<String>, span: Span) -> Diagnostic {
    Diagnostic::user(message, span)
}

/// A user error pointing at `span` with `label` when the place is known, else without a
/// place (e.g. an updating source table, which has no span in the query).
pub fn user_at(message: impl Into<String>, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(span) => Diagnostic::user(message, span).with_label(label),
        None => Diagnostic::without_span(ErrorClass::User, message),
    }
}
