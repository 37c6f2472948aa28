//! Subqueries in a WHERE clause and a SELECT list, decorrelated into joins as Flink's
//! planner does (`FlinkSubQueryRemoveRule`, Calcite's `SubQueryRemoveRule`):
//! - A `[NOT] IN (query)` or `[NOT] EXISTS (query)` that is one of the AND-ed
//!   conditions of a WHERE clause becomes a semi join (anti join when negated) of the
//!   query's rows with the subquery's. `x IN (SELECT y ...)` matches on `x = y`;
//!   `x NOT IN (SELECT y ...)` on `(x = y) IS NOT FALSE`, so that a NULL on either side
//!   rejects the row, as SQL's three-valued NOT IN does (with NOT NULL columns this is
//!   `x = y` again, a keyed anti join).
//! - A subquery may refer to the enclosing query's columns in its WHERE clause (a
//!   correlated subquery) when it is a plain `SELECT ... FROM ... WHERE` without GROUP
//!   BY, aggregates or DISTINCT: its conditions on the enclosing columns become join
//!   conditions. References from anywhere else in a subquery are "not supported yet".
//! - An uncorrelated scalar subquery that returns one row at most (an aggregate without
//!   GROUP BY) is LEFT JOINed to the query's rows on TRUE, and its value is a column of
//!   the joined row. When the subquery's result changes, the joined rows are retracted
//!   and joined again, as in Flink.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::JoinType;
use sluice_sql::ast::{self, BinaryOp, Expr, ExprKind, SelectItem, SetExpr, UnaryOp};
use sluice_sql::Span;

use super::aggregate::is_aggregate_select;
use super::expr::{coerce, ExprContext};
use super::join::{and_all, key_column, plan_join, shift_columns, sides, split_and, with_columns, Sides};
use super::over::has_over;
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
    /// Conditions holding a scalar subquery: checked once the subquery is joined.
    pub scalar: Vec<&'a Expr>,
    /// The others, as one condition.
    pub plain: Option<Expr>,
}

pub(super) fn split_where(selection: Option<&Expr>) -> WhereParts<'_> {
    let mut parts = WhereParts::default();
    let Some(selection) = selection else { return parts };
    let mut conjuncts = Vec::new();
    let mut stack = vec![selection];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary { op: BinaryOp::And, left, right } => {
                stack.push(right);
                stack.push(left);
            }
            ExprKind::Nested(inner) if is_and(inner) => stack.push(inner),
            _ => conjuncts.push(e),
        }
    }
    let mut plain: Vec<&Expr> = Vec::new();
    for c in conjuncts {
        if subquery_predicate(c).is_some() {
            parts.subqueries.push(c);
        } else if !scalar_subqueries(c).is_empty() {
            parts.scalar.push(c);
        } else {
            plain.push(c);
        }
    }
    parts.plain = plain.into_iter().cloned().reduce(|acc, next| {
        let span = acc.span.to(next.span);
        Expr { kind: ExprKind::Binary { op: BinaryOp::And, left: Box::new(acc), right: Box::new(next) }, span }
    });
    parts
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

/// The scalar subqueries in `e` (not inside other subqueries).
pub(super) fn scalar_subqueries(e: &Expr) -> Vec<(&ast::Query, Span)> {
    let mut out = Vec::new();
    collect_scalar(e, &mut out);
    out
}

fn collect_scalar<'a>(e: &'a Expr, out: &mut Vec<(&'a ast::Query, Span)>) {
    if let ExprKind::ScalarSubquery(q) = &e.kind {
        out.push((q.as_ref(), e.span));
        return;
    }
    let mut children: Vec<&'a Expr> = Vec::new();
    ast_children(e, &mut children);
    for c in children {
        collect_scalar(c, out);
    }
}

/// The expressions directly inside `e` (not inside subqueries).
fn ast_children<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Unary { expr, .. }
        | ExprKind::IsNull { expr, .. }
        | ExprKind::IsBool { expr, .. }
        | ExprKind::Cast { expr, .. }
        | ExprKind::Extract { expr, .. }
        | ExprKind::FloorCeil { expr, .. }
        | ExprKind::Field { expr, .. }
        | ExprKind::Nested(expr)
        | ExprKind::InSubquery { expr, .. } => out.push(expr),
        ExprKind::Binary { left, right, .. } | ExprKind::IsDistinctFrom { left, right, .. } => {
            out.push(left);
            out.push(right);
        }
        ExprKind::Between { expr, low, high, .. } => out.extend([expr.as_ref(), low, high]),
        ExprKind::InList { expr, list, .. } => {
            out.push(expr);
            out.extend(list.iter());
        }
        ExprKind::Like { expr, pattern, escape, .. } => {
            out.push(expr);
            out.push(pattern);
            out.extend(escape.as_deref());
        }
        ExprKind::Case { operand, branches, else_result } => {
            out.extend(operand.as_deref());
            for (w, t) in branches {
                out.push(w);
                out.push(t);
            }
            out.extend(else_result.as_deref());
        }
        ExprKind::Function(call) => {
            out.extend(call.args.iter());
            out.extend(call.filter.as_ref());
        }
        ExprKind::Trim { chars, expr, .. } => {
            out.extend(chars.as_deref());
            out.push(expr);
        }
        ExprKind::Position { needle, haystack } => out.extend([needle.as_ref(), haystack]),
        ExprKind::Substring { expr, from, length } => {
            out.extend([expr.as_ref(), from]);
            out.extend(length.as_deref());
        }
        ExprKind::Overlay { expr, placing, from, length } => {
            out.extend([expr.as_ref(), placing, from]);
            out.extend(length.as_deref());
        }
        ExprKind::Index { expr, index } => out.extend([expr.as_ref(), index]),
        ExprKind::Row(items) | ExprKind::Array(items) | ExprKind::Map(items) => out.extend(items.iter()),
        ExprKind::Identifier(_)
        | ExprKind::CompoundIdentifier(_)
        | ExprKind::Literal(_)
        | ExprKind::Interval { .. }
        | ExprKind::Exists { .. }
        | ExprKind::ScalarSubquery(_)
        | ExprKind::TimeUnit(_) => {}
    }
}

/// A bound subquery: its rows, the values it yields (over `plan`) and its conditions on
/// the enclosing query (over `plan`'s columns, then the enclosing query's).
struct BoundSubquery {
    plan: LogicalPlan,
    items: Vec<ScalarExpr>,
    correlation: Vec<ScalarExpr>,
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
                "Sluice decorrelates subqueries that refer to the enclosing query only in the WHERE clause of a plain SELECT ... FROM ... WHERE (no GROUP BY, aggregates or DISTINCT).",
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
                    && !is_aggregate_select(s)
                    && !has_over(s)
                    && s.windows.is_empty() =>
            {
                Some(s)
            }
            _ => None,
        };
        let Some(select) = plain else {
            let plan = self.bind_query(query)?;
            let items = (0..plan.schema().len())
                .map(|index| ScalarExpr::Column { index, data_type: plan.schema().fields[index].data_type.clone() })
                .collect();
            return Ok(BoundSubquery { plan, items, correlation: Vec::new() });
        };
        let Some(from) = &select.from else { return Err(user("a subquery without FROM", span)) };
        let (mut plan, inner_scope) = self.bind_from(from)?;
        let parts = split_where(select.selection.as_ref());
        if let Some(c) = parts.scalar.first() {
            return Err(not_supported("a scalar subquery inside an IN or EXISTS subquery", c.span));
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
        Ok(BoundSubquery { plan, items, correlation })
    }

    /// LEFT JOINs the scalar subqueries `subqueries` to `plan`, each adding one hidden
    /// column to `scope` that the subquery's expression is bound to.
    pub(super) fn join_scalar_subqueries(
        &mut self,
        mut plan: LogicalPlan,
        mut scope: Scope,
        subqueries: Vec<(&ast::Query, Span)>,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        for (query, span) in subqueries {
            self.outer_scopes.push((scope.clone(), plan.schema().clone()));
            let saved = self.correlation.take();
            let sub = self.nested(|b| b.bind_query(query), span);
            self.correlation = saved;
            self.outer_scopes.pop();
            let sub = sub?;
            if sub.schema().len() != 1 {
                return Err(user(format!("a scalar subquery must return one column, not {}", sub.schema().len()), span));
            }
            if !at_most_one_row(&sub) {
                return Err(not_supported("a scalar subquery that may return more than one row", span).with_hint(
                    "Sluice runs scalar subqueries that return one row by their shape: an aggregate without GROUP BY, such as (SELECT MAX(x) FROM t).",
                ));
            }
            let width = plan.schema().len();
            plan = plan_join(plan, sub, JoinType::Left, Vec::new(), span)?;
            scope.columns.push(ScopeColumn { qualifier: None, name: format!("$scalar{width}") });
            self.scalar_columns.push((span, width));
        }
        Ok((plan, scope))
    }

    /// The column a scalar subquery was joined as, when it was.
    pub(super) fn scalar_subquery_column(&self, span: Span, cx: &ExprContext) -> PlanResult<ScalarExpr> {
        match self.scalar_columns.iter().rev().find(|(s, _)| *s == span) {
            Some((_, index)) if *index < cx.schema.len() => {
                Ok(ScalarExpr::Column { index: *index, data_type: cx.schema.fields[*index].data_type.clone() })
            }
            _ => Err(not_supported("a scalar subquery in this position", span).with_hint(
                "Sluice runs scalar subqueries in the WHERE clause, and in the SELECT list of a query without GROUP BY.",
            )),
        }
    }
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
    // A regular join materialises time attributes, and so does a semi join.
    let fields: Vec<PlanField> =
        left.schema().fields.iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect();
    let null_safe = vec![false; left_keys.len()];
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
    if semi.schema().len() == nl {
        return Ok(semi);
    }
    let exprs = (0..nl).map(|index| ScalarExpr::Column { index, data_type: semi.schema().fields[index].data_type.clone() }).collect();
    let names = semi.schema().fields[..nl].iter().map(|f| f.name.clone()).collect();
    Ok(semi.project(exprs, names))
}
