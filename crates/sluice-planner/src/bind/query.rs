//! Queries: SELECT, FROM, set operations, VALUES, CTEs and views.

use std::sync::Arc;

use sluice_expr::ScalarExpr;
use sluice_sql::ast::{self, Expr, ExprKind, JoinConstraint, JoinKind, Literal, SelectItem, SetExpr, TableRef};
use sluice_sql::Span;
use sluice_types::{DataType, TypeKind};

use super::aggregate::is_aggregate_select;
use super::join::joins_tables;
use super::over::has_over;
use super::top_n::to_window_rank;
use super::expr::{coerce, ExprContext};
use super::scope::{Scope, ScopeColumn};
use super::subquery::{split_where, valued_subqueries};
use super::Binder;
use crate::catalog::{CatalogEntry, CatalogTable, TableColumnKind};
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema, TimeAttribute};
use crate::suggest::did_you_mean;

const MAX_DEPTH: usize = 64;

impl Binder<'_> {
    /// Binds a query; the plan's schema names its output columns.
    pub fn bind_query(&mut self, query: &ast::Query) -> PlanResult<LogicalPlan> {
        if let Some(offset) = &query.offset {
            return Err(not_supported("OFFSET", offset.span));
        }
        let limit = match &query.limit {
            Some(limit) => Some((limit_value(limit)?, limit.span)),
            None => None,
        };
        let pushed = query.with.len();
        for cte in &query.with {
            self.ctes.push((cte.name.value.clone(), cte.columns.clone(), (*cte.query).clone()));
        }
        let result = self.bind_set_expr(&query.body);
        self.ctes.truncate(self.ctes.len() - pushed);
        let plan = result?;
        let Some((limit, span)) = limit else {
            return match query.order_by.first() {
                Some(first) => temporal_sort(plan, &query.order_by, first.expr.span),
                None => Ok(plan),
            };
        };
        // `[ORDER BY keys] LIMIT n`: Flink's Top-N over the whole result (no partition),
        // ties (and, without ORDER BY, every row) in arrival order, so that a LIMIT
        // alone keeps the first n rows.
        let order = query.order_by.iter().map(|o| order_key(o, plan.schema())).collect::<PlanResult<Vec<_>>>()?;
        let schema = plan.schema().clone();
        Ok(LogicalPlan::Rank { input: Box::new(plan), keys: Vec::new(), order, limit, emit_rank: false, schema, span })
    }

    pub(super) fn bind_set_expr(&mut self, body: &SetExpr) -> PlanResult<LogicalPlan> {
        match body {
            SetExpr::Select(select) => self.bind_select(select),
            SetExpr::Query(q) => self.bind_query(q),
            SetExpr::Values { rows, span } => self.bind_values(rows, *span),
            SetExpr::SetOperation { op, all, left, right, span } => {
                let l = self.bind_set_expr(left)?;
                let r = self.bind_set_expr(right)?;
                self.bind_set_operation(*op, *all, l, r, *span)
            }
        }
    }

    fn bind_values(&mut self, rows: &[Vec<Expr>], span: Span) -> PlanResult<LogicalPlan> {
        let empty_scope = Scope::default();
        let empty_schema = PlanSchema::default();
        let cx = ExprContext { scope: &empty_scope, schema: &empty_schema, grouped: None };
        let width = rows.first().map(|r| r.len()).unwrap_or(0);
        let mut bound = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != width {
                return Err(user(format!("VALUES rows have different numbers of columns: {} and {}", width, row.len()), span));
            }
            bound.push(row.iter().map(|e| self.bind_expr(e, &cx)).collect::<PlanResult<Vec<_>>>()?);
        }
        let mut fields = Vec::with_capacity(width);
        for i in 0..width {
            let types: Vec<DataType> = bound.iter().map(|r| r[i].data_type().clone()).collect();
            let common = sluice_expr::common_type(&types)
                .ok_or_else(|| user(format!("VALUES column {} has incompatible types", i + 1), span))?;
            for row in bound.iter_mut() {
                let e = std::mem::replace(&mut row[i], ScalarExpr::Literal { value: sluice_types::ScalarValue::Null, data_type: common.clone() });
                row[i] = coerce(e, &common, span)?;
            }
            fields.push(PlanField::new(format!("EXPR${i}"), common));
        }
        Ok(LogicalPlan::Values { rows: bound, schema: PlanSchema::new(fields) })
    }

    pub(super) fn bind_select(&mut self, select: &ast::Select) -> PlanResult<LogicalPlan> {
        let plan = self.bind_select_body(select)?;
        super::hints::apply_state_ttl(plan, select)
    }

    fn bind_select_body(&mut self, select: &ast::Select) -> PlanResult<LogicalPlan> {
        // Subqueries in the WHERE clause become joins; the other conditions filter as usual.
        let parts = split_where(select.selection.as_ref());
        // An inner join takes the WHERE clause into its condition, as Flink pushes it.
        let mut selection = parts.plain.as_deref();
        let (mut plan, scope) = match &select.from {
            Some(TableRef::Join(join))
                if selection.is_some() && joins_tables(join) && matches!(join.kind, JoinKind::Inner | JoinKind::Cross) =>
            {
                self.bind_join(join, selection.take())?
            }
            Some(from) => self.bind_from(from)?,
            None => (LogicalPlan::Values { rows: vec![vec![]], schema: PlanSchema::default() }, Scope::default()),
        };
        if let Some(predicate) = selection {
            let cx = ExprContext { scope: &scope, schema: plan.schema(), grouped: None };
            let p = self.bind_expr(predicate, &cx)?;
            if !matches!(p.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                return Err(user(format!("WHERE clause must be BOOLEAN, not {}", p.data_type()), predicate.span));
            }
            plan = to_window_rank(LogicalPlan::Filter { input: Box::new(plan), predicate: p })?;
        }
        for predicate in &parts.subqueries {
            plan = self.apply_subquery_predicate(plan, &scope, predicate)?;
        }
        // Columns a wildcard expands to: not those of joined scalar subqueries.
        let visible = scope.columns.len();
        let mut scalars: Vec<_> = parts.valued.iter().flat_map(|c| valued_subqueries(c)).collect();
        if !is_aggregate_select(select) && !has_over(select) {
            for item in &select.projection {
                if let SelectItem::Expr { expr, .. } = item {
                    scalars.extend(valued_subqueries(expr));
                }
            }
        }
        let (mut plan, scope) = if scalars.is_empty() { (plan, scope) } else { self.join_scalar_subqueries(plan, scope, scalars, None)? };
        for predicate in &parts.valued {
            let cx = ExprContext { scope: &scope, schema: plan.schema(), grouped: None };
            let p = self.bind_expr(predicate, &cx)?;
            if !matches!(p.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                return Err(user(format!("WHERE clause must be BOOLEAN, not {}", p.data_type()), predicate.span));
            }
            plan = LogicalPlan::Filter { input: Box::new(plan), predicate: p };
        }
        if is_aggregate_select(select) {
            return self.bind_aggregate_select(select, plan, scope);
        }
        if has_over(select) {
            if select.distinct {
                return Err(not_supported("SELECT DISTINCT with an OVER window", select.span));
            }
            return self.bind_over_select(select, plan, scope);
        }
        let mut exprs = Vec::new();
        let mut names = Vec::new();
        for (position, item) in select.projection.iter().enumerate() {
            match item {
                SelectItem::Wildcard(_) => {
                    for (i, col) in scope.columns.iter().enumerate().take(visible) {
                        exprs.push(ScalarExpr::Column { index: i, data_type: plan.schema().fields[i].data_type.clone() });
                        names.push(col.name.clone());
                    }
                }
                SelectItem::QualifiedWildcard(name, span) => {
                    let q = &name.base().value;
                    let before = exprs.len();
                    for (i, col) in scope.columns.iter().enumerate().take(visible) {
                        if col.qualifier.as_deref() == Some(q.as_str()) {
                            exprs.push(ScalarExpr::Column { index: i, data_type: plan.schema().fields[i].data_type.clone() });
                            names.push(col.name.clone());
                        }
                    }
                    if exprs.len() == before {
                        return Err(user(format!("table \"{q}\" not found in FROM"), *span));
                    }
                }
                SelectItem::Expr { expr, alias } => {
                    let cx = ExprContext { scope: &scope, schema: plan.schema(), grouped: None };
                    exprs.push(self.bind_expr(expr, &cx)?);
                    names.push(match alias {
                        Some(a) => a.value.clone(),
                        None => derived_name(expr).unwrap_or_else(|| format!("EXPR${position}")),
                    });
                }
            }
        }
        let plan = plan.project(exprs, names);
        // SELECT DISTINCT is a GROUP BY of every column, as in Flink.
        Ok(if select.distinct { super::aggregate::distinct(plan, select.span) } else { plan })
    }

    /// Binds a FROM item to a plan and the names it makes visible.
    pub fn bind_from(&mut self, from: &TableRef) -> PlanResult<(LogicalPlan, Scope)> {
        match from {
            TableRef::Named { name, hints, system_time, alias, span } => {
                if let Some(t) = system_time {
                    return Err(not_supported("FOR SYSTEM_TIME AS OF (temporal and lookup joins)", t.span));
                }
                let table_name = &name.base().value;
                let qualifier = alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| table_name.clone());
                let mut plan = self.bind_named(name, hints, *span)?;
                if let Some(a) = alias {
                    plan = rename_columns(plan, &a.columns, *span)?;
                }
                let scope = Scope::qualified(Some(&qualifier), plan.schema());
                Ok((plan, scope))
            }
            TableRef::Derived { lateral, subquery, alias, span } => {
                if *lateral {
                    return Err(not_supported("LATERAL subqueries", *span));
                }
                let mut plan = self.nested(|b| b.bind_query(subquery), *span)?;
                if let Some(a) = alias {
                    plan = rename_columns(plan, &a.columns, *span)?;
                }
                let scope = Scope::qualified(alias.as_ref().map(|a| a.name.value.as_str()), plan.schema());
                Ok((plan, scope))
            }
            TableRef::Function { name, span, args, alias, lateral } => {
                let n = name.base().value.to_uppercase();
                if !*lateral && ["TUMBLE", "HOP", "CUMULATE", "SESSION"].contains(&n.as_str()) {
                    self.bind_window_tvf(&n, args, alias.as_ref(), *span)
                } else {
                    Err(not_supported(&format!("the table function \"{}\"", name.base().value), *span))
                }
            }
            TableRef::Unnest { .. } => {
                // An uncorrelated UNNEST: unnest over a single empty row.
                let input = LogicalPlan::Values { rows: vec![vec![]], schema: PlanSchema::default() };
                self.bind_unnest(input, Scope::default(), from, false)
            }
            TableRef::MatchRecognize { .. } => self.bind_match_recognize(from),
            TableRef::Join(join) => {
                let unnest_right = matches!(join.right, TableRef::Unnest { .. });
                let on_true = match &join.constraint {
                    JoinConstraint::On(Expr { kind: ExprKind::Literal(Literal::Boolean(true)), .. }) => true,
                    JoinConstraint::None => true,
                    _ => false,
                };
                if unnest_right && on_true && matches!(join.kind, JoinKind::Cross | JoinKind::Inner | JoinKind::Left) {
                    let (left, scope) = self.bind_from(&join.left)?;
                    return self.bind_unnest(left, scope, &join.right, join.kind == JoinKind::Left);
                }
                if let TableRef::Function { lateral: true, span, .. } = &join.right {
                    if on_true && matches!(join.kind, JoinKind::Cross | JoinKind::Inner | JoinKind::Left) {
                        let (left, scope) = self.bind_from(&join.left)?;
                        return self.bind_lateral_table(left, scope, &join.right, join.kind == JoinKind::Left);
                    }
                    return Err(not_supported("LATERAL TABLE joined on a condition other than TRUE", *span));
                }
                if let TableRef::Named { system_time: Some(_), .. } = &join.right {
                    return self.bind_lookup_join(join);
                }
                self.bind_join(join, None)
            }
        }
    }

    /// `[CROSS|LEFT] JOIN LATERAL TABLE(f(args))`: the Python table function's rows for
    /// each input row, unnested.
    fn bind_lateral_table(&mut self, input: LogicalPlan, scope: Scope, call: &TableRef, outer: bool) -> PlanResult<(LogicalPlan, Scope)> {
        let TableRef::Function { name, args, alias, span, .. } = call else {
            return Err(user("expected LATERAL TABLE", call.span()));
        };
        let function_name = &name.base().value;
        let Some(f) = self.catalog.function(function_name).cloned() else {
            return Err(not_supported(&format!("the table function \"{function_name}\""), *span)
                .with_hint("Register a Python table function first: CREATE FUNCTION f AS 'module.f' LANGUAGE PYTHON."));
        };
        let cx = ExprContext { scope: &scope, schema: input.schema(), grouped: None };
        let mut bound = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::FunctionArg::Expr(e) => bound.push(self.bind_expr(e, &cx)?),
                _ => return Err(not_supported("a TABLE, DESCRIPTOR or named argument of a Python table function", *span)),
            }
        }
        let collection = super::udf::bind_python_table_call(&f, bound, *span)?;
        self.unnest_columns(input, scope, collection, false, alias.as_ref(), outer, *span)
    }

    fn bind_unnest(&mut self, input: LogicalPlan, scope: Scope, unnest: &TableRef, outer: bool) -> PlanResult<(LogicalPlan, Scope)> {
        let TableRef::Unnest { exprs, with_ordinality, alias, span } = unnest else {
            return Err(user("expected UNNEST", unnest.span()));
        };
        if exprs.len() != 1 {
            return Err(not_supported("UNNEST of several collections at once", *span));
        }
        let cx = ExprContext { scope: &scope, schema: input.schema(), grouped: None };
        let collection = self.bind_expr(&exprs[0], &cx)?;
        self.unnest_columns(input, scope, collection, *with_ordinality, alias.as_ref(), outer, exprs[0].span)
    }

    /// The rows of `input` joined with the elements of `collection` (`outer`: an input row
    /// without elements is kept, with NULLs).
    #[allow(clippy::too_many_arguments)]
    fn unnest_columns(
        &mut self,
        input: LogicalPlan,
        scope: Scope,
        collection: ScalarExpr,
        with_ordinality: bool,
        alias: Option<&ast::TableAlias>,
        outer: bool,
        collection_span: Span,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        let mut element_fields: Vec<PlanField> = match &collection.data_type().kind {
            TypeKind::Array(elem) | TypeKind::Multiset(elem) => match &elem.kind {
                TypeKind::Row(fields) => fields
                    .iter()
                    .map(|f| {
                        let mut t = f.data_type.clone();
                        t.nullable |= elem.nullable || outer;
                        PlanField::new(f.name.clone(), t)
                    })
                    .collect(),
                _ => {
                    let mut t = (**elem).clone();
                    t.nullable |= outer;
                    vec![PlanField::new("EXPR$0", t)]
                }
            },
            TypeKind::Map(k, v) => vec![PlanField::new("KEY", (**k).clone()), PlanField::new("VALUE", (**v).clone())],
            other => {
                return Err(user(format!("UNNEST needs an ARRAY, MAP or MULTISET, not {other}"), collection_span))
            }
        };
        if matches!(collection.data_type().kind, TypeKind::Multiset(_)) {
            return Err(not_supported("UNNEST of a MULTISET", collection_span));
        }
        if with_ordinality {
            element_fields.push(PlanField::new("ORDINALITY", DataType::new(TypeKind::Int).with_nullable(outer)));
        }
        if let Some(a) = alias {
            if !a.columns.is_empty() {
                if a.columns.len() != element_fields.len() {
                    return Err(user(
                        format!("UNNEST produces {} columns but the alias names {}", element_fields.len(), a.columns.len()),
                        a.name.span,
                    ));
                }
                for (f, c) in element_fields.iter_mut().zip(&a.columns) {
                    f.name = c.value.clone();
                }
            }
        }
        let qualifier = alias.as_ref().map(|a| a.name.value.clone());
        let mut fields = input.schema().fields.clone();
        fields.extend(element_fields.iter().cloned());
        let mut out_scope = scope;
        out_scope.columns.extend(
            element_fields.iter().map(|f| ScopeColumn { qualifier: qualifier.clone(), name: f.name.clone() }),
        );
        let plan = LogicalPlan::Unnest {
            input: Box::new(input),
            collection,
            with_ordinality,
            outer,
            schema: PlanSchema::new(fields),
        };
        Ok((plan, out_scope))
    }

    /// A table, view or CTE by name.
    pub(super) fn bind_named(&mut self, name: &ast::ObjectName, hints: &[ast::Hint], span: Span) -> PlanResult<LogicalPlan> {
        let base = &name.base().value;
        if name.parts.len() == 1 {
            if let Some(pos) = self.ctes.iter().rposition(|(n, _, _)| n == base) {
                let (_, columns, query) = self.ctes[pos].clone();
                // A CTE sees only the CTEs defined before it.
                let saved = self.ctes.split_off(pos);
                let result = self.nested(|b| b.bind_query(&query), span);
                self.ctes.extend(saved);
                return rename_columns(result?, &columns, span);
            }
        }
        match self.catalog.get(base) {
            Some(CatalogEntry::Table(table)) => {
                let table = apply_options_hint(table, hints)?;
                Ok(scan(table))
            }
            Some(CatalogEntry::View(view)) => {
                let plan = self.nested(|b| b.bind_query(&view.query), span)?;
                rename_columns(plan, &view.columns, span)
            }
            None => {
                let mut names: Vec<&str> = self.catalog.names();
                names.extend(self.ctes.iter().map(|(n, _, _)| n.as_str()));
                let mut d = user(format!("table \"{base}\" not found"), name.span());
                if let Some(label) = did_you_mean(base, names) {
                    d = d.with_label(label);
                }
                Err(d.with_hint("Create it with CREATE TABLE before it is used."))
            }
        }
    }

    pub(super) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PlanResult<T>, span: Span) -> PlanResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(user("views or queries are nested too deeply (a view that refers to itself?)", span));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }
}

/// The scan of a table: its declared columns with their time attributes.
pub fn scan(table: Arc<CatalogTable>) -> LogicalPlan {
    let rowtime = table.watermark.as_ref().map(|w| w.column);
    let fields = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| PlanField {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            time_attribute: if Some(i) == rowtime {
                Some(TimeAttribute::Rowtime)
            } else if matches!(c.kind, TableColumnKind::Computed { is_proctime: true, .. }) {
                Some(TimeAttribute::Proctime)
            } else {
                None
            },
        })
        .collect();
    LogicalPlan::Scan { table, schema: PlanSchema::new(fields) }
}

/// `/*+ OPTIONS('k'='v') */` overrides table options for one query.
fn apply_options_hint(table: Arc<CatalogTable>, hints: &[ast::Hint]) -> PlanResult<Arc<CatalogTable>> {
    let mut options: Vec<&ast::TableOption> = Vec::new();
    for hint in hints {
        if hint.name.value.eq_ignore_ascii_case("OPTIONS") {
            options.extend(hint.options.iter());
        }
    }
    if options.is_empty() {
        return Ok(table);
    }
    let mut t = (*table).clone();
    for o in options {
        if o.key == "connector" {
            return Err(user("the OPTIONS hint cannot change \"connector\"", o.key_span));
        }
        t.options.insert(o.key.clone(), o.value.clone());
        t.option_spans.insert(o.key.clone(), o.value_span);
    }
    Ok(Arc::new(t))
}

/// Renames a plan's columns to `columns` (from `AS t(a, b)`, a view or CTE column list).
pub(super) fn rename_columns(plan: LogicalPlan, columns: &[ast::Ident], span: Span) -> PlanResult<LogicalPlan> {
    if columns.is_empty() {
        return Ok(plan);
    }
    if columns.len() != plan.schema().len() {
        return Err(user(
            format!("{} column names given for {} columns", columns.len(), plan.schema().len()),
            columns.first().map(|c| c.span).unwrap_or(span),
        ));
    }
    let exprs = plan
        .schema()
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| ScalarExpr::Column { index: i, data_type: f.data_type.clone() })
        .collect();
    Ok(plan.project(exprs, columns.iter().map(|c| c.value.clone()).collect()))
}

/// The name Flink gives an unaliased select item: a column's own name, a field's name.
pub(super) fn derived_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Identifier(i) => Some(i.value.clone()),
        ExprKind::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
        ExprKind::Field { field, .. } => Some(field.value.clone()),
        ExprKind::Nested(inner) => derived_name(inner),
        _ => None,
    }
}

/// Calls `f` on `expr` and every expression nested in it (not into subqueries).
pub fn visit<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(expr);
    let mut each = |e: &'a Expr| visit(e, f);
    match &expr.kind {
        ExprKind::Unary { expr, .. }
        | ExprKind::IsNull { expr, .. }
        | ExprKind::IsBool { expr, .. }
        | ExprKind::Cast { expr, .. }
        | ExprKind::Extract { expr, .. }
        | ExprKind::FloorCeil { expr, .. }
        | ExprKind::Field { expr, .. }
        | ExprKind::Nested(expr) => each(expr),
        ExprKind::Binary { left, right, .. } | ExprKind::IsDistinctFrom { left, right, .. } => {
            each(left);
            each(right);
        }
        ExprKind::Between { expr, low, high, .. } => {
            each(expr);
            each(low);
            each(high);
        }
        ExprKind::InList { expr, list, .. } => {
            each(expr);
            list.iter().for_each(&mut each);
        }
        ExprKind::InSubquery { expr, .. } => each(expr),
        ExprKind::Like { expr, pattern, escape, .. } => {
            each(expr);
            each(pattern);
            if let Some(e) = escape {
                each(e);
            }
        }
        ExprKind::Case { operand, branches, else_result } => {
            if let Some(o) = operand {
                each(o);
            }
            for (w, t) in branches {
                each(w);
                each(t);
            }
            if let Some(e) = else_result {
                each(e);
            }
        }
        ExprKind::Function(call) => {
            call.args.iter().for_each(&mut each);
            if let Some(filter) = &call.filter {
                each(filter);
            }
        }
        ExprKind::Trim { chars, expr, .. } => {
            if let Some(c) = chars {
                each(c);
            }
            each(expr);
        }
        ExprKind::Position { needle, haystack } => {
            each(needle);
            each(haystack);
        }
        ExprKind::Substring { expr, from, length } => {
            each(expr);
            each(from);
            if let Some(l) = length {
                each(l);
            }
        }
        ExprKind::Overlay { expr, placing, from, length } => {
            each(expr);
            each(placing);
            each(from);
            if let Some(l) = length {
                each(l);
            }
        }
        ExprKind::Index { expr, index } => {
            each(expr);
            each(index);
        }
        ExprKind::Row(items) | ExprKind::Array(items) | ExprKind::Map(items) => items.iter().for_each(&mut each),
        ExprKind::IsJson { expr, .. } => each(expr),
        ExprKind::Overlaps { left, right } => {
            for e in [&left.0, &left.1, &right.0, &right.1] {
                each(e);
            }
        }
        ExprKind::Json(call) => {
            call.args.iter().for_each(&mut each);
            for b in [&call.on_empty, &call.on_error].into_iter().flatten() {
                if let ast::JsonBehavior::Default(e) = b {
                    each(e);
                }
            }
        }
        ExprKind::Identifier(_)
        | ExprKind::CompoundIdentifier(_)
        | ExprKind::Literal(_)
        | ExprKind::Interval { .. }
        | ExprKind::Exists { .. }
        | ExprKind::ScalarSubquery(_)
        | ExprKind::TimeUnit(_) => {}
    }
}

/// The row count of `LIMIT n`: a non-negative integer literal.
fn limit_value(limit: &Expr) -> PlanResult<usize> {
    match &limit.kind {
        ExprKind::Literal(Literal::Number(n)) => n
            .parse::<usize>()
            .map_err(|_| user(format!("LIMIT must be a non-negative whole number, not {n}"), limit.span)),
        _ => Err(not_supported("a LIMIT that is not a number", limit.span)),
    }
}

/// One `ORDER BY` key of a query's result: a column of its SELECT list, by name or by
/// position (`ORDER BY 2`).
fn order_key(o: &ast::OrderByExpr, schema: &PlanSchema) -> PlanResult<sluice_runtime::spec::SortKey> {
    let ascending = o.asc.unwrap_or(true);
    let column = match &o.expr.kind {
        ExprKind::Literal(Literal::Number(n)) => match n.parse::<usize>() {
            Ok(i) if (1..=schema.len()).contains(&i) => i - 1,
            _ => {
                return Err(user(format!("ORDER BY {n}: the result has {} columns", schema.len()), o.expr.span))
            }
        },
        ExprKind::Identifier(id) => match schema.fields.iter().position(|f| f.name == id.value) {
            Some(i) => i,
            None => {
                return Err(not_supported(&format!("ORDER BY a column outside the SELECT list (\"{}\")", id.value), o.expr.span)
                    .with_hint("Select the column too, or order by a column the query returns."))
            }
        },
        _ => {
            return Err(not_supported("ORDER BY an expression", o.expr.span)
                .with_hint("Select the expression with an alias and order by the alias."))
        }
    };
    Ok(sluice_runtime::spec::SortKey { column, ascending, nulls_first: o.nulls_first.unwrap_or(ascending) })
}

/// `ORDER BY` without `LIMIT`: Flink sorts a stream only on a time attribute, ascending,
/// first (its TemporalSort); further keys order rows of one time.
fn temporal_sort(plan: LogicalPlan, order_by: &[ast::OrderByExpr], span: Span) -> PlanResult<LogicalPlan> {
    let mut keys = order_by.iter().map(|o| order_key(o, plan.schema())).collect::<PlanResult<Vec<_>>>()?;
    let first = keys.remove(0);
    let time = plan.schema().fields[first.column].time_attribute;
    if time.is_none() || !first.ascending {
        return Err(user("Sort on a non-time-attribute field is not supported.", span).with_hint(
            "Flink sorts a stream on a time attribute, ascending, first; for a Top-N add LIMIT n.",
        ));
    }
    if time == Some(TimeAttribute::Proctime) {
        return Err(not_supported("ORDER BY a processing-time attribute", span));
    }
    let schema = plan.schema().clone();
    Ok(LogicalPlan::TemporalSort { input: Box::new(plan), rowtime: first.column, then_by: keys, schema, span })
}
