//! Subqueries in a WHERE clause and a SELECT list, decorrelated into joins as Flink's
//! planner does (`FlinkSubQueryRemoveRule`, Calcite's `SubQueryRemoveRule`):
//! - A `[NOT] IN (query)` or `[NOT] EXISTS (query)` that is one of the AND-ed
//!   conditions of a WHERE clause becomes a semi join (anti join when negated) of the
//!   query's rows with the subquery's. `x IN (SELECT y ...)` matches on `x = y`;
//!   `x NOT IN (SELECT y ...)` on `(x = y) IS NOT FALSE`, so that a NULL on either side
//!   rejects the row, as SQL's three-valued NOT IN does (with NOT NULL columns this is
//!   `x = y` again, a keyed anti join).
//! - A subquery may refer to the enclosing query's columns in its WHERE clause (a
//!   correlated subquery). In a plain `SELECT ... FROM ... WHERE` those conditions
//!   become join conditions (with Calcite's NULL rule for an OR over enclosing columns,
//!   see `correlation_conditions`). In a subquery with GROUP BY or aggregates they must
//!   be equalities, whose subquery side becomes a grouping key and an output column, as
//!   Flink's `SubQueryDecorrelator` does. References from anywhere else in a subquery
//!   are "not supported yet".
//! - An `IN` or `EXISTS` anywhere else (under OR, in the SELECT list) is a value, joined
//!   as Calcite's `SubQueryRemoveRule` joins it (`join_in_value`, `join_exists_value`),
//!   quirks included; correlated only on equalities.
//! - A scalar subquery that returns one row at most by its shape (an aggregate without
//!   GROUP BY; correlated, one row per correlation value) is LEFT JOINed to the query's
//!   rows, on TRUE or on the correlation, and its value is a column of the joined row;
//!   a correlated bare COUNT gives 0 where no row matches. When the subquery's result
//!   changes, the joined rows are retracted and joined again, as in Flink.

use std::borrow::Cow;

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, AggregateKind, JoinType};
use sluice_types::{DataType, ScalarValue, TypeKind};
use sluice_sql::ast::{self, BinaryOp, Expr, ExprKind, SelectItem, SetExpr, UnaryOp};
use sluice_sql::Span;

use super::aggregate::{is_aggregate_select, Grouping};
use super::expr::{coerce, ExprContext};
use super::join::{and_all, key_column, plan_join, shift_columns, sides, split_and, window_join_bounds, with_columns, Sides};
use super::over::has_over;
use super::query::visit;
use super::scope::{Scope, ScopeColumn};
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema};
use crate::rewrite::substitute;

/// The enclosing query's columns, visible to the WHERE clause of a correlated subquery
/// after the subquery's own columns (from `offset` on).
#[derive(Clone)]
pub(super) struct Correlation {
    scope: Scope,
    schema: PlanSchema,
    offset: usize,
}

/// A WHERE clause split into its AND-ed conditions.
#[derive(Default)]
pub(super) struct WhereParts<'a> {
    /// `[NOT] IN (query)` and `[NOT] EXISTS (query)`: semi and anti joins.
    pub subqueries: Vec<&'a Expr>,
    /// Conditions that use a subquery as a value (a scalar subquery, or IN and EXISTS
    /// under OR, NOT or a comparison): checked once the subquery is joined.
    pub valued: Vec<&'a Expr>,
    /// The others, as one condition (the clause itself when it has no subquery).
    pub plain: Option<Cow<'a, Expr>>,
}

pub(super) fn split_where(selection: Option<&Expr>) -> WhereParts<'_> {
    let mut parts = WhereParts::default();
    let Some(selection) = selection else { return parts };
    let mut plain: Vec<&Expr> = Vec::new();
    for c in conjuncts(selection) {
        if subquery_predicate(c).is_some() {
            parts.subqueries.push(c);
        } else if !valued_subqueries(c).is_empty() {
            parts.valued.push(c);
        } else {
            plain.push(c);
        }
    }
    parts.plain = if parts.subqueries.is_empty() && parts.valued.is_empty() {
        Some(Cow::Borrowed(selection))
    } else {
        and_exprs(plain).map(Cow::Owned)
    };
    parts
}

/// The AND-ed conditions of `e`.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary { op: BinaryOp::And, left, right } => {
                stack.push(right);
                stack.push(left);
            }
            ExprKind::Nested(inner) if is_and(inner) => stack.push(inner),
            _ => out.push(e),
        }
    }
    out
}

/// The conditions joined with AND again.
fn and_exprs(conditions: Vec<&Expr>) -> Option<Expr> {
    conditions.into_iter().cloned().reduce(|acc, next| {
        let span = acc.span.to(next.span);
        Expr { kind: ExprKind::Binary { op: BinaryOp::And, left: Box::new(acc), right: Box::new(next) }, span }
    })
}

fn is_and(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Binary { op: BinaryOp::And, .. } => true,
        ExprKind::Nested(inner) => is_and(inner),
        _ => false,
    }
}

/// The subquery predicate `e` is, under parentheses and NOTs, and whether it is negated.
fn subquery_predicate(e: &Expr) -> Option<(&Expr, bool)> {
    match &e.kind {
        ExprKind::Nested(inner) => subquery_predicate(inner),
        ExprKind::Unary { op: UnaryOp::Not, expr } => subquery_predicate(expr).map(|(p, negated)| (p, !negated)),
        ExprKind::InSubquery { .. } | ExprKind::Exists { .. } => Some((e, false)),
        _ => None,
    }
}

/// The subqueries `e` uses as values (scalar subqueries, IN and EXISTS), not those
/// inside other subqueries; scalar subqueries first, as an IN may compare one.
pub(super) fn valued_subqueries(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    visit(e, &mut |x| {
        if matches!(x.kind, ExprKind::ScalarSubquery(_) | ExprKind::InSubquery { .. } | ExprKind::Exists { .. }) {
            out.push(x);
        }
    });
    out.sort_by_key(|x| !matches!(x.kind, ExprKind::ScalarSubquery(_)));
    out
}

/// A bound subquery: its rows, the values it yields (over `plan`) and its conditions on
/// the enclosing query (over `plan`'s columns, then the enclosing query's).
struct BoundSubquery {
    plan: LogicalPlan,
    items: Vec<ScalarExpr>,
    correlation: Vec<ScalarExpr>,
    /// An aggregate without GROUP BY of its own, grouped by its correlation columns
    /// instead: one row per value of the enclosing columns at most.
    one_row_per_correlation: bool,
}

impl Binder<'_> {
    /// Resolves a column name: in the expression's own scope, else (in the WHERE clause
    /// of a correlated subquery) in the enclosing query's.
    pub(super) fn resolve_name(&self, parts: &[ast::Ident], cx: &ExprContext, span: Span) -> PlanResult<ScalarExpr> {
        let error = match cx.scope.resolve(parts, cx.schema) {
            Ok(e) => return Ok(e),
            Err(e) => e,
        };
        if let Some(c) = &self.correlation {
            if let Ok(e) = c.scope.resolve(parts, &c.schema) {
                let moved: Vec<ScalarExpr> = c
                    .schema
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| ScalarExpr::Column { index: c.offset + i, data_type: f.data_type.clone() })
                    .collect();
                return Ok(substitute(&e, &moved));
            }
        }
        if self.outer_scopes.iter().any(|(scope, schema)| scope.resolve(parts, schema).is_ok()) {
            return Err(not_supported("a reference to the enclosing query from this part of a subquery", span).with_hint(
                "Sluice decorrelates subqueries that refer to the enclosing query in their WHERE clause only: with any condition in a plain SELECT ... FROM ... WHERE, with equalities in one with GROUP BY or aggregates.",
            ));
        }
        Err(error)
    }

    /// The semi or anti join of `plan` (whose names are `scope`) for a WHERE condition
    /// `[NOT] IN (query)` or `[NOT] EXISTS (query)`.
    pub(super) fn apply_subquery_predicate(&mut self, plan: LogicalPlan, scope: &Scope, predicate: &Expr) -> PlanResult<LogicalPlan> {
        let Some((inner, negated)) = subquery_predicate(predicate) else {
            return Err(user("expected IN or EXISTS with a subquery", predicate.span));
        };
        let span = predicate.span;
        let outer_width = plan.schema().len();
        match &inner.kind {
            ExprKind::Exists { query, negated: n } => {
                let sub = self.bind_subquery(query, scope, plan.schema(), span)?;
                if always_one_row(query) {
                    // EXISTS is TRUE whatever the rows: keep every row, or none.
                    return Ok(if negated != *n {
                        LogicalPlan::Filter { input: Box::new(plan), predicate: literal(ScalarValue::Boolean(false)) }
                    } else {
                        plan
                    });
                }
                let conditions = self.correlation_conditions(&sub, plan.schema());
                plan_semi_join(plan, sub.plan, negated != *n, conditions, span)
            }
            ExprKind::InSubquery { expr, query, negated: n } => {
                let anti = negated != *n;
                let cx = ExprContext { scope, schema: plan.schema(), grouped: None };
                let values = match &expr.kind {
                    ExprKind::Row(items) => items.iter().map(|e| self.bind_expr(e, &cx)).collect::<PlanResult<Vec<_>>>()?,
                    _ => vec![self.bind_expr(expr, &cx)?],
                };
                let sub = self.bind_subquery(query, scope, plan.schema(), span)?;
                if sub.items.len() != values.len() {
                    return Err(user(
                        format!("IN compares {} value(s) with a subquery of {} column(s)", values.len(), sub.items.len()),
                        query.span,
                    ));
                }
                let mut conditions = self.correlation_conditions(&sub, plan.schema());
                let moved = moved_right(&sub.plan, outer_width);
                let mut equalities = Vec::new();
                let mut nullable = false;
                for (value, item) in values.into_iter().zip(&sub.items) {
                    let item = substitute(item, &moved);
                    nullable |= value.data_type().nullable || item.data_type().nullable;
                    equalities.push(self.call("=", vec![value, item], expr.span)?);
                }
                if anti && nullable {
                    // NOT IN: a NULL on either side makes `x = y` unknown, which rejects x.
                    let all = and_all(equalities)?.ok_or_else(|| user("IN without values", span))?;
                    conditions.push(self.call("IS NOT FALSE", vec![all], span)?);
                } else {
                    conditions.extend(equalities);
                }
                plan_semi_join(plan, sub.plan, anti, conditions, span)
            }
            _ => Err(user("expected IN or EXISTS with a subquery", span)),
        }
    }

    /// The subquery's conditions on the enclosing query (of columns `outer`), over the
    /// enclosing query's columns followed by the subquery's.
    fn correlation_conditions(&self, sub: &BoundSubquery, outer: &PlanSchema) -> Vec<ScalarExpr> {
        // Bound over (subquery, enclosing): subquery column i moves to outer.len() + i,
        // enclosing column j to j.
        let mut exprs = moved_right(&sub.plan, outer.len());
        exprs.extend(outer.fields.iter().enumerate().map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() }));
        let mut conditions: Vec<ScalarExpr> = sub.correlation.iter().map(|c| substitute(c, &exprs)).collect();
        // Flink's own decorrelator does not take an OR over enclosing columns; Calcite's,
        // which it falls back to, joins the subquery with the distinct values of the
        // enclosing columns it reads and joins those back with `=`: a row whose such
        // column is NULL then never matches, whatever the condition says.
        if conditions.iter().any(|c| or_over_outer(c, outer.len())) {
            let mut referenced: Vec<usize> =
                conditions.iter().flat_map(|c| c.referenced_columns()).filter(|i| *i < outer.len()).collect();
            referenced.sort_unstable();
            referenced.dedup();
            for index in referenced {
                let column = ScalarExpr::Column { index, data_type: outer.fields[index].data_type.clone() };
                if column.data_type().nullable {
                    if let Ok(not_null) = self.call("IS NOT NULL", vec![column], Span::default()) {
                        conditions.push(not_null);
                    }
                }
            }
        }
        conditions
    }

    /// Binds the subquery of an IN or EXISTS whose enclosing query has `scope` over
    /// `schema`.
    fn bind_subquery(&mut self, query: &ast::Query, scope: &Scope, schema: &PlanSchema, span: Span) -> PlanResult<BoundSubquery> {
        self.outer_scopes.push((scope.clone(), schema.clone()));
        let saved = self.correlation.take();
        let result = self.nested(|b| b.bind_subquery_inner(query, scope, schema, span), span);
        self.correlation = saved;
        self.outer_scopes.pop();
        result
    }

    fn bind_subquery_inner(&mut self, query: &ast::Query, scope: &Scope, schema: &PlanSchema, span: Span) -> PlanResult<BoundSubquery> {
        let plain = match &query.body {
            SetExpr::Select(s)
                if query.with.is_empty()
                    && query.order_by.is_empty()
                    && query.limit.is_none()
                    && query.offset.is_none()
                    && s.from.is_some()
                    && !has_over(s)
                    && s.windows.is_empty() =>
            {
                Some(s)
            }
            _ => None,
        };
        if let Some(select) = plain.filter(|s| is_aggregate_select(s)) {
            return self.bind_correlated_aggregate(select, scope, schema, span);
        }
        let Some(select) = plain else {
            let plan = self.bind_query(query)?;
            let items = (0..plan.schema().len())
                .map(|index| ScalarExpr::Column { index, data_type: plan.schema().fields[index].data_type.clone() })
                .collect();
            return Ok(BoundSubquery { plan, items, correlation: Vec::new(), one_row_per_correlation: false });
        };
        let Some(from) = &select.from else { return Err(user("a subquery without FROM", span)) };
        let (mut plan, inner_scope) = self.bind_from(from)?;
        let parts = split_where(select.selection.as_ref());
        if let Some(c) = parts.valued.first() {
            return Err(not_supported("a subquery used as a value inside an IN or EXISTS subquery", c.span));
        }
        let mut correlation = Vec::new();
        if let Some(condition) = &parts.plain {
            let offset = plan.schema().len();
            self.correlation = Some(Correlation { scope: scope.clone(), schema: schema.clone(), offset });
            let cx = ExprContext { scope: &inner_scope, schema: plan.schema(), grouped: None };
            let bound = self.bind_expr(condition, &cx);
            self.correlation = None;
            let mut conjuncts = Vec::new();
            split_and(bound?, &mut conjuncts);
            let mut local = Vec::new();
            for c in conjuncts {
                if c.referenced_columns().iter().any(|i| *i >= offset) {
                    correlation.push(c);
                } else {
                    local.push(c);
                }
            }
            if let Some(p) = and_all(local)? {
                plan = LogicalPlan::Filter { input: Box::new(plan), predicate: p };
            }
        }
        for nested in parts.subqueries {
            plan = self.apply_subquery_predicate(plan, &inner_scope, nested)?;
        }
        let cx = ExprContext { scope: &inner_scope, schema: plan.schema(), grouped: None };
        let mut items = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::Expr { expr, .. } => items.push(self.bind_expr(expr, &cx)?),
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    items.extend((0..plan.schema().len()).map(|index| ScalarExpr::Column {
                        index,
                        data_type: plan.schema().fields[index].data_type.clone(),
                    }));
                }
            }
        }
        Ok(BoundSubquery { plan, items, correlation, one_row_per_correlation: false })
    }

    /// A subquery with GROUP BY or aggregates whose WHERE clause may compare its columns
    /// with the enclosing query's, as Flink's `SubQueryDecorrelator` decorrelates it: the
    /// subquery's side of each such equality becomes one more grouping key and one more
    /// output column (after the SELECT list), which the join matches with the enclosing
    /// side. Other conditions on the enclosing query are not supported here.
    fn bind_correlated_aggregate(
        &mut self,
        select: &ast::Select,
        scope: &Scope,
        schema: &PlanSchema,
        span: Span,
    ) -> PlanResult<BoundSubquery> {
        let Some(from) = &select.from else { return Err(user("a subquery without FROM", span)) };
        let (from_plan, inner_scope) = self.bind_from(from)?;
        let offset = from_plan.schema().len();
        let conditions = select.selection.as_ref().map(conjuncts).unwrap_or_default();
        let mut local: Vec<&Expr> = Vec::new();
        let mut keys: Vec<Expr> = Vec::new();
        let mut outer_values: Vec<ScalarExpr> = Vec::new();
        let correlation = Correlation { scope: scope.clone(), schema: schema.clone(), offset };
        for c in conditions {
            if subquery_predicate(c).is_some() || !valued_subqueries(c).is_empty() {
                local.push(c);
                continue;
            }
            let cx = ExprContext { scope: &inner_scope, schema: from_plan.schema(), grouped: None };
            self.correlation = Some(correlation.clone());
            let bound = self.bind_expr(c, &cx);
            self.correlation = None;
            if !bound?.referenced_columns().iter().any(|i| *i >= offset) {
                local.push(c);
                continue;
            }
            let unsupported = || {
                not_supported("a condition on the enclosing query other than an equality in a subquery with GROUP BY or aggregates", c.span)
                    .with_hint("Compare a column of the subquery with one of the enclosing query with =, as in WHERE r.k = o.k.")
            };
            let mut inner = c;
            while let ExprKind::Nested(e) = &inner.kind {
                inner = e;
            }
            let ExprKind::Binary { op: BinaryOp::Eq, left, right } = &inner.kind else { return Err(unsupported()) };
            self.correlation = Some(correlation.clone());
            let sides = (self.bind_expr(left, &cx), self.bind_expr(right, &cx));
            self.correlation = None;
            let (l, r) = (sides.0?, sides.1?);
            let reads = |e: &ScalarExpr| {
                let columns = e.referenced_columns();
                (columns.iter().any(|i| *i < offset), columns.iter().any(|i| *i >= offset))
            };
            let (subquery_side, enclosing) = match (reads(&l), reads(&r)) {
                ((true, false), (false, true)) => (left, r),
                ((false, true), (true, false)) => (right, l),
                _ => return Err(unsupported()),
            };
            let back: Vec<ScalarExpr> = (0..offset)
                .map(|_| ScalarExpr::Literal { value: sluice_types::ScalarValue::Null, data_type: sluice_types::DataType::new(sluice_types::TypeKind::Null) })
                .chain(schema.fields.iter().enumerate().map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() }))
                .collect();
            keys.push((**subquery_side).clone());
            outer_values.push(substitute(&enclosing, &back));
        }
        let mut rewritten = select.clone();
        rewritten.selection = and_exprs(local);
        let width = rewritten.projection.len();
        let one_row_per_correlation = !keys.is_empty() && select.group_by.is_empty() && !select.distinct;
        for (i, key) in keys.iter().enumerate() {
            rewritten.group_by.push(ast::GroupByItem::Expr(key.clone()));
            let alias = ast::Ident { value: format!("$corr{i}"), quoted: true, span: key.span };
            rewritten.projection.push(SelectItem::Expr { expr: key.clone(), alias: Some(alias) });
        }
        let plan = self.bind_select(&rewritten)?;
        let items = (0..width)
            .map(|index| ScalarExpr::Column { index, data_type: plan.schema().fields[index].data_type.clone() })
            .collect();
        let inner_width = plan.schema().len();
        let moved: Vec<ScalarExpr> = schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| ScalarExpr::Column { index: inner_width + i, data_type: f.data_type.clone() })
            .collect();
        let mut correlation = Vec::new();
        for (i, value) in outer_values.iter().enumerate() {
            let key = ScalarExpr::Column { index: width + i, data_type: plan.schema().fields[width + i].data_type.clone() };
            correlation.push(self.call("=", vec![key, substitute(value, &moved)], span)?);
        }
        Ok(BoundSubquery { plan, items, correlation, one_row_per_correlation })
    }

    /// LEFT JOINs the scalar subqueries `subqueries` to `plan`, on TRUE or (correlated)
    /// on their correlation columns. Each adds its columns to `scope`, hidden, and its
    /// value is recorded for `scalar_subquery_value`.
    pub(super) fn join_scalar_subqueries(
        &mut self,
        mut plan: LogicalPlan,
        mut scope: Scope,
        subqueries: Vec<&Expr>,
        grouped: Option<&Grouping>,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        for node in subqueries {
            let span = node.span;
            let query = match &node.kind {
                ExprKind::ScalarSubquery(query) => query,
                ExprKind::InSubquery { expr, query, negated } => {
                    (plan, scope) = self.join_in_value((plan, scope), expr, query, *negated, span, grouped)?;
                    continue;
                }
                ExprKind::Exists { query, negated } => {
                    (plan, scope) = self.join_exists_value(plan, scope, query, *negated, span)?;
                    continue;
                }
                _ => return Err(user("expected a subquery", span)),
            };
            let sub = self.bind_subquery(query, &scope, plan.schema(), span)?;
            if sub.items.len() != 1 {
                return Err(user(format!("a scalar subquery must return one column, not {}", sub.items.len()), span));
            }
            let correlated = !sub.correlation.is_empty();
            let single = if correlated { sub.one_row_per_correlation } else { at_most_one_row(&sub.plan) };
            if !single {
                return Err(not_supported("a scalar subquery that may return more than one row", span).with_hint(
                    "Sluice runs scalar subqueries that return one row by their shape: an aggregate without GROUP BY, such as (SELECT MAX(x) FROM t), correlated or not.",
                ));
            }
            let ScalarExpr::Column { index: item, .. } = sub.items[0] else {
                return Err(not_supported("this scalar subquery", span));
            };
            // In a correlated subquery a bare COUNT counts 0 where no row matches, as
            // Calcite's decorrelation makes it (an uncorrelated one gives NULL in a
            // stream: its global aggregate emits no row until a row arrives).
            let bare_count = correlated && is_bare_count(query);
            if correlated && !bare_count && mentions_count(query) {
                return Err(not_supported("a correlated scalar subquery computing with COUNT", span)
                    .with_hint("Select the COUNT itself, e.g. (SELECT COUNT(*) FROM r WHERE r.k = o.k)."));
            }
            let width = plan.schema().len();
            let conditions = self.correlation_conditions(&sub, plan.schema());
            let mut conjuncts = Vec::new();
            for c in conditions {
                split_and(c, &mut conjuncts);
            }
            plan = plan_join(plan, sub.plan, JoinType::Left, conjuncts, span)?;
            let column = ScalarExpr::Column { index: width + item, data_type: plan.schema().fields[width + item].data_type.clone() };
            let value = if bare_count {
                let zero = ScalarExpr::Literal { value: sluice_types::ScalarValue::BigInt(0), data_type: sluice_types::DataType::bigint().with_nullable(false) };
                let missing = self.call("IS NULL", vec![column.clone()], span)?;
                self.call("CASE", vec![missing, zero, column], span)?
            } else {
                column
            };
            (plan, scope) = self.record_value(plan, scope, width, span, value);
        }
        Ok((plan, scope))
    }

    /// `x [NOT] IN (query)` as a value, as Calcite's `SubQueryRemoveRule` rewrites it
    /// outside a WHERE conjunction: the rows are joined with the subquery's `COUNT(*) AS
    /// c, COUNT(y) AS ck` (per correlation key) and LEFT joined on `x = y` (and the
    /// correlation) with its distinct values `y` marked `i`, and the value is `CASE WHEN
    /// c = 0 THEN FALSE WHEN x IS NULL THEN NULL WHEN i IS NOT NULL THEN TRUE WHEN ck < c
    /// THEN NULL ELSE FALSE END` (no counts for a correlation key: FALSE). Uncorrelated,
    /// the counts are INNER joined, and in a stream the global count emits nothing until
    /// the subquery has a row, so while it is empty no row passes, as in Flink.
    fn join_in_value(
        &mut self,
        (plan, scope): (LogicalPlan, Scope),
        expr: &Expr,
        query: &ast::Query,
        negated: bool,
        span: Span,
        grouped: Option<&Grouping>,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        let cx = ExprContext { scope: &scope, schema: plan.schema(), grouped };
        if matches!(expr.kind, ExprKind::Row(_)) {
            return Err(not_supported("IN of several values with a subquery in this position", span));
        }
        let x = self.bind_expr(expr, &cx)?;
        let sub = self.bind_subquery(query, &scope, plan.schema(), span)?;
        if sub.items.len() != 1 {
            return Err(user(format!("IN compares 1 value with a subquery of {} column(s)", sub.items.len()), query.span));
        }
        let keys = correlation_keys(&sub, plan.schema())
            .ok_or_else(|| not_supported("a correlated IN subquery in this position other than on equalities", span).with_hint(SUBQUERY_AS_VALUE))?;
        let correlated = !keys.is_empty();
        // The subquery's values and correlation keys: y, k0, k1, ...
        let mut exprs = vec![sub.items[0].clone()];
        exprs.extend(keys.iter().map(|(_, inner)| inner.clone()));
        let names = std::iter::once("y".to_string()).chain((0..keys.len()).map(|k| format!("k{k}"))).collect();
        let values = sub.plan.project(exprs, names);
        let y_type = values.schema().fields[0].data_type.clone();
        let count = |args: Vec<usize>, arg_type: Option<DataType>| AggregateCall {
            kind: AggregateKind::Count,
            args,
            distinct: false,
            filter: None,
            separator: None,
            arg_type,
            output_type: DataType::bigint().with_nullable(false),
        };
        let mut counts_fields: Vec<PlanField> = values.schema().fields[1..].to_vec();
        counts_fields.push(PlanField::new("c", DataType::bigint().with_nullable(false)));
        counts_fields.push(PlanField::new("ck", DataType::bigint().with_nullable(false)));
        let counts = LogicalPlan::Aggregate {
            input: Box::new(values.clone()),
            keys: (1..=keys.len()).collect(),
            aggregates: vec![count(Vec::new(), None), count(vec![0], Some(y_type.clone()))],
            window: None,
            schema: PlanSchema::new(counts_fields),
            span,
            state_ttl: None,
        };
        let width = plan.schema().len();
        // The correlation keys of a joined input whose key `k` is column `base + first + k`.
        let on_keys = |this: &Self, base: usize, first: usize| -> PlanResult<Vec<ScalarExpr>> {
            let mut conditions = Vec::new();
            for (k, (outer, inner)) in keys.iter().enumerate() {
                let column = ScalarExpr::Column { index: base + first + k, data_type: inner.data_type().clone() };
                split_and(this.call("=", vec![outer.clone(), column], span)?, &mut conditions);
            }
            Ok(conditions)
        };
        let conditions = on_keys(self, width, 0)?;
        let join_type = if correlated { JoinType::Left } else { JoinType::Inner };
        let plan = plan_join(plan, counts, join_type, conditions, span)?;
        let (c_index, ck_index) = (width + keys.len(), width + keys.len() + 1);
        let mut marked_exprs: Vec<ScalarExpr> = (0..values.schema().len())
            .map(|index| ScalarExpr::Column { index, data_type: values.schema().fields[index].data_type.clone() })
            .collect();
        marked_exprs.push(literal(ScalarValue::Boolean(true)));
        let mut marked_names: Vec<String> = values.schema().names().iter().map(|n| n.to_string()).collect();
        marked_names.push("i".into());
        let distinct_values = super::aggregate::distinct(values.project(marked_exprs, marked_names), span);
        let joined_width = plan.schema().len();
        let mut conditions = Vec::new();
        let y_joined = ScalarExpr::Column { index: joined_width, data_type: y_type };
        split_and(self.call("=", vec![x.clone(), y_joined], span)?, &mut conditions);
        conditions.extend(on_keys(self, joined_width, 1)?);
        let plan = plan_join(plan, distinct_values, JoinType::Left, conditions, span)?;
        let column = |index: usize| ScalarExpr::Column { index, data_type: plan.schema().fields[index].data_type.clone() };
        let (c, ck, i) = (column(c_index), column(ck_index), column(joined_width + 1 + keys.len()));
        let unknown = ScalarExpr::Literal { value: ScalarValue::Null, data_type: DataType::new(TypeKind::Boolean) };
        let mut args = Vec::new();
        if correlated {
            args.push(self.call("IS NULL", vec![c.clone()], span)?);
            args.push(literal(ScalarValue::Boolean(false)));
        }
        args.extend([
            self.call("=", vec![c.clone(), literal(ScalarValue::BigInt(0))], span)?,
            literal(ScalarValue::Boolean(false)),
            self.call("IS NULL", vec![x], span)?,
            unknown.clone(),
            self.call("IS NOT NULL", vec![i], span)?,
            literal(ScalarValue::Boolean(true)),
            self.call("<", vec![ck, c], span)?,
            unknown,
            literal(ScalarValue::Boolean(false)),
        ]);
        let mut value = self.call("CASE", args, span)?;
        if negated {
            value = self.call("NOT", vec![value], span)?;
        }
        Ok(self.record_value(plan, scope, width, span, value))
    }

    /// `[NOT] EXISTS (query)` as a value (Calcite's rewrite): the rows LEFT joined (on
    /// the correlation) with the subquery's distinct correlation keys marked `TRUE AS i`,
    /// and the value `i IS NOT NULL`.
    fn join_exists_value(
        &mut self,
        plan: LogicalPlan,
        scope: Scope,
        query: &ast::Query,
        negated: bool,
        span: Span,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        let sub = self.bind_subquery(query, &scope, plan.schema(), span)?;
        if always_one_row(query) {
            self.subquery_values.push((span, literal(ScalarValue::Boolean(!negated))));
            return Ok((plan, scope));
        }
        let keys = correlation_keys(&sub, plan.schema())
            .ok_or_else(|| not_supported("a correlated EXISTS subquery in this position other than on equalities", span).with_hint(SUBQUERY_AS_VALUE))?;
        let mut exprs: Vec<ScalarExpr> = keys.iter().map(|(_, inner)| inner.clone()).collect();
        exprs.push(literal(ScalarValue::Boolean(true)));
        let names = (0..keys.len()).map(|k| format!("k{k}")).chain(std::iter::once("i".to_string())).collect();
        let marked = sub.plan.project(exprs, names);
        let width = plan.schema().len();
        let mut conditions = Vec::new();
        for (k, (outer, inner)) in keys.iter().enumerate() {
            let column = ScalarExpr::Column { index: width + k, data_type: inner.data_type().clone() };
            split_and(self.call("=", vec![outer.clone(), column], span)?, &mut conditions);
        }
        let plan = plan_join(plan, super::aggregate::distinct(marked, span), JoinType::Left, conditions, span)?;
        let i = ScalarExpr::Column { index: width + keys.len(), data_type: plan.schema().fields[width + keys.len()].data_type.clone() };
        let mut value = self.call("IS NOT NULL", vec![i], span)?;
        if negated {
            value = self.call("NOT", vec![value], span)?;
        }
        Ok(self.record_value(plan, scope, width, span, value))
    }

    /// Hides the columns a subquery's join added after `width` and records its value.
    fn record_value(&mut self, plan: LogicalPlan, mut scope: Scope, width: usize, span: Span, value: ScalarExpr) -> (LogicalPlan, Scope) {
        for i in width..plan.schema().len() {
            scope.columns.push(ScopeColumn { qualifier: None, name: format!("$subquery{i}") });
        }
        self.subquery_values.push((span, value));
        (plan, scope)
    }

    /// The value of a subquery joined by `join_scalar_subqueries`.
    pub(super) fn subquery_value(&self, span: Span, cx: &ExprContext, what: &str) -> PlanResult<ScalarExpr> {
        match self.subquery_values.iter().rev().find(|(s, _)| *s == span) {
            Some((_, value)) if value.referenced_columns().iter().all(|i| *i < cx.schema.len()) => Ok(value.clone()),
            _ => Err(not_supported(&format!("{what} in this position"), span).with_hint(SUBQUERY_AS_VALUE)),
        }
    }
}

const SUBQUERY_AS_VALUE: &str = "Sluice runs subqueries in WHERE, HAVING and the SELECT list; a correlated IN or EXISTS outside an AND-ed WHERE condition only when its correlation is equalities.";

fn literal(value: ScalarValue) -> ScalarExpr {
    let data_type = match &value {
        ScalarValue::Boolean(_) => DataType::new(TypeKind::Boolean).with_nullable(false),
        _ => DataType::bigint().with_nullable(false),
    };
    ScalarExpr::Literal { value, data_type }
}

/// Whether `query` returns a row whatever its input, as Calcite sees it (its minimum row
/// count is one): an aggregate without GROUP BY or HAVING. `EXISTS` of it is TRUE, as in
/// Flink, although in a stream such an aggregate emits nothing until a row arrives.
fn always_one_row(query: &ast::Query) -> bool {
    let SetExpr::Select(select) = &query.body else { return false };
    query.limit.is_none()
        && query.offset.is_none()
        && select.group_by.is_empty()
        && select.having.is_none()
        && is_aggregate_select(select)
}

/// Whether the SELECT list of `query` is one bare `COUNT(...)`.
fn is_bare_count(query: &ast::Query) -> bool {
    let SetExpr::Select(select) = &query.body else { return false };
    let [SelectItem::Expr { expr, .. }] = select.projection.as_slice() else { return false };
    let mut e = expr;
    while let ExprKind::Nested(inner) = &e.kind {
        e = inner;
    }
    matches!(&e.kind, ExprKind::Function(call) if call.over.is_none() && call.name.base().value.eq_ignore_ascii_case("COUNT"))
}

/// Whether the SELECT list of `query` calls COUNT anywhere.
fn mentions_count(query: &ast::Query) -> bool {
    let SetExpr::Select(select) = &query.body else { return false };
    let mut found = false;
    for item in &select.projection {
        if let SelectItem::Expr { expr, .. } = item {
            visit(expr, &mut |e| {
                if let ExprKind::Function(call) = &e.kind {
                    found |= call.name.base().value.eq_ignore_ascii_case("COUNT");
                }
            });
        }
    }
    found
}

/// A subquery's correlation as equalities: per condition, the enclosing side (over the
/// enclosing query's columns `outer`) and the subquery's side (over its plan). `None`
/// when a condition is not such an equality.
fn correlation_keys(sub: &BoundSubquery, outer: &PlanSchema) -> Option<Vec<(ScalarExpr, ScalarExpr)>> {
    let inner_width = sub.plan.schema().len();
    let back: Vec<ScalarExpr> = (0..inner_width)
        .map(|index| ScalarExpr::Column { index, data_type: sub.plan.schema().fields[index].data_type.clone() })
        .chain(outer.fields.iter().enumerate().map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() }))
        .collect();
    let mut keys = Vec::new();
    for c in &sub.correlation {
        let ScalarExpr::Call { func: sluice_expr::Func::Eq, args, .. } = c else { return None };
        let reads = |e: &ScalarExpr| {
            let columns = e.referenced_columns();
            (columns.iter().any(|i| *i < inner_width), columns.iter().any(|i| *i >= inner_width))
        };
        let (inner, outer_side) = match (reads(&args[0]), reads(&args[1])) {
            ((true, false), (false, true)) => (&args[0], &args[1]),
            ((false, true), (true, false)) => (&args[1], &args[0]),
            _ => return None,
        };
        keys.push((substitute(outer_side, &back), inner.clone()));
    }
    Some(keys)
}

/// Whether `e` (over the enclosing columns, then the subquery's) holds an OR one of
/// whose operands reads an enclosing column.
fn or_over_outer(e: &ScalarExpr, outer_width: usize) -> bool {
    let reads_outer = |x: &ScalarExpr| x.referenced_columns().iter().any(|i| *i < outer_width);
    match e {
        ScalarExpr::Call { func: sluice_expr::Func::Or, args, .. } if args.iter().any(reads_outer) => true,
        other => other.children().into_iter().any(|c| or_over_outer(c, outer_width)),
    }
}

/// Whether `plan` returns one row at most, by its shape.
fn at_most_one_row(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Aggregate { keys, window: None, .. } => keys.is_empty(),
        LogicalPlan::Project { input, .. } | LogicalPlan::Filter { input, .. } => at_most_one_row(input),
        LogicalPlan::Values { rows, .. } => rows.len() <= 1,
        _ => false,
    }
}

/// Column references of a subquery's plan moved behind `outer_width` enclosing columns.
fn moved_right(plan: &LogicalPlan, outer_width: usize) -> Vec<ScalarExpr> {
    plan.schema()
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| ScalarExpr::Column { index: outer_width + i, data_type: f.data_type.clone() })
        .collect()
}

/// The semi (or anti) join of `left` and `right` on `conditions` (over left then right
/// columns): equalities between the two sides are its keys, the rest its residual.
fn plan_semi_join(
    left: LogicalPlan,
    mut right: LogicalPlan,
    anti: bool,
    conditions: Vec<ScalarExpr>,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let nl = left.schema().len();
    let joined = PlanSchema::new(left.schema().fields.iter().chain(&right.schema().fields).cloned().collect());
    let mut conjuncts = Vec::new();
    for c in conditions {
        split_and(c, &mut conjuncts);
    }
    // Conditions on the right rows alone filter them first.
    let (mut rest, mut right_filters) = (Vec::new(), Vec::new());
    for c in conjuncts {
        if sides(&c, nl) == Sides::Right {
            right_filters.push(shift_columns(&c, &joined, nl, -(nl as isize)));
        } else {
            rest.push(c);
        }
    }
    if let Some(p) = and_all(right_filters)? {
        right = LogicalPlan::Filter { input: Box::new(right), predicate: p };
    }
    let mut pairs = Vec::new();
    let mut residual = Vec::new();
    for c in rest {
        if let ScalarExpr::Call { func: sluice_expr::Func::Eq, args, .. } = &c {
            let pair = match (sides(&args[0], nl), sides(&args[1], nl)) {
                (Sides::Left, Sides::Right) => Some((&args[0], &args[1])),
                (Sides::Right, Sides::Left) => Some((&args[1], &args[0])),
                _ => None,
            };
            if let Some((l, r)) = pair {
                pairs.push((l.clone(), shift_columns(r, &joined, nl, -(nl as isize))));
                continue;
            }
        }
        residual.push(c);
    }
    // Correlated on equal window starts and ends: a window semi or anti join.
    let window = window_join_bounds(&left, &right, &mut pairs);
    let (mut left_extra, mut right_extra) = (Vec::new(), Vec::new());
    let (mut left_keys, mut right_keys) = (Vec::new(), Vec::new());
    for (l, r) in pairs {
        let (l, r) = if l.data_type().to_arrow() == r.data_type().to_arrow() {
            (l, r)
        } else {
            let common = sluice_expr::common_type(&[l.data_type().clone(), r.data_type().clone()]).ok_or_else(|| {
                user(format!("cannot compare values of types {} and {}", l.data_type(), r.data_type()), span)
            })?;
            let (ln, rn) = (l.data_type().nullable, r.data_type().nullable);
            (coerce(l, &common.clone().with_nullable(ln), span)?, coerce(r, &common.with_nullable(rn), span)?)
        };
        left_keys.push(key_column(l, left.schema(), &mut left_extra));
        right_keys.push(key_column(r, right.schema(), &mut right_extra));
    }
    let shift = left_extra.len() as isize;
    let residual = and_all(residual)?.map(|r| shift_columns(&r, &joined, nl, shift));
    let left = with_columns(left, left_extra);
    let right = with_columns(right, right_extra);
    let null_safe = vec![false; left_keys.len()];
    if let Some((left_window, right_window, props)) = window {
        // A window join keeps its time attributes.
        let schema = left.schema().clone();
        let semi = LogicalPlan::WindowJoin {
            left: Box::new(left),
            right: Box::new(right),
            join_type: sluice_runtime::spec::JoinType::Inner,
            semi: Some(anti),
            left_keys,
            right_keys,
            null_safe,
            left_window,
            right_window,
            kind: props.kind,
            ltz: props.ltz,
            residual,
            schema,
            span,
        };
        return Ok(keep_left_columns(semi, nl));
    }
    // A regular join materialises time attributes, and so does a semi join.
    let fields: Vec<PlanField> =
        left.schema().fields.iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect();
    let semi = LogicalPlan::SemiJoin {
        left: Box::new(left),
        right: Box::new(right),
        anti,
        left_keys,
        right_keys,
        null_safe,
        residual,
        schema: PlanSchema::new(fields),
        span,
    };
    Ok(keep_left_columns(semi, nl))
}

/// `semi` without the key columns computed after its `nl` left columns.
fn keep_left_columns(semi: LogicalPlan, nl: usize) -> LogicalPlan {
    if semi.schema().len() == nl {
        return semi;
    }
    let exprs = (0..nl).map(|index| ScalarExpr::Column { index, data_type: semi.schema().fields[index].data_type.clone() }).collect();
    let names = semi.schema().fields[..nl].iter().map(|f| f.name.clone()).collect();
    semi.project(exprs, names)
}
