//! Binding: from the syntax tree to typed logical plans. Names are resolved against the
//! catalog, CTEs and FROM-clause scopes; expressions become `ScalarExpr`s typed by
//! `sluice_expr::resolve_call`, which applies Flink's implicit casts.

mod agg_call;
mod aggregate;
mod expr;
mod hints;
mod join;
mod legacy_window;
mod literal;
mod lookup_join;
mod match_recognize;
mod over;
mod query;
mod scope;
mod set_op;
mod subquery;
mod top_n;
mod udf;
mod window_agg;
mod window_props;
mod window_tvf;

use sluice_sql::ast;

use crate::catalog::Catalog;
pub use agg_call::aggregate_name;
pub use expr::ExprContext;
pub use query::scan;
pub use scope::{Scope, ScopeColumn};
pub use top_n::prune_rank_number;

/// Binds the queries of one statement.
pub struct Binder<'a> {
    pub catalog: &'a Catalog,
    /// CTEs in scope, innermost last: name, declared column names, query.
    ctes: Vec<(String, Vec<ast::Ident>, ast::Query)>,
    /// Guards against views or CTEs that refer to themselves.
    depth: usize,
    /// Set while a `MATCH_RECOGNIZE` condition or measure is bound.
    match_scope: Option<match_recognize::MatchScope>,
    /// Set while the WHERE clause of a correlated subquery is bound.
    correlation: Option<subquery::Correlation>,
    /// The enclosing queries of the subquery being bound, innermost last (to say that a
    /// reference to them is not supported where it is not).
    outer_scopes: Vec<(Scope, crate::logical::PlanSchema)>,
    /// Scalar subqueries joined so far: their span and their value over the joined row.
    subquery_values: Vec<(sluice_sql::Span, sluice_expr::ScalarExpr)>,
}

impl<'a> Binder<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        Binder {
            catalog,
            ctes: Vec::new(),
            depth: 0,
            match_scope: None,
            correlation: None,
            outer_scopes: Vec::new(),
            subquery_values: Vec::new(),
        }
    }
}

