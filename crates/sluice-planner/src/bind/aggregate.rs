//! Aggregation: `GROUP BY`, aggregate calls in SELECT and HAVING, `SELECT DISTINCT`.
//!
//! The shape is always: a projection computing the group keys, the aggregate arguments
//! and the `FILTER` conditions; an `Aggregate` over it (group keys, then aggregates); an
//! optional filter for HAVING; and a projection for the SELECT list. A `GROUP BY` of the
//! window columns of a window TVF, or of a legacy `TUMBLE(...)` call, makes it a window
//! aggregation.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, AggregateKind};
use sluice_sql::ast::{self, Expr, ExprKind, GroupByItem, SelectItem};
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::agg_call::{aggregate_kind, aggregate_name, check_arity, result_type};
use super::expr::{ExprContext, AGGREGATES, GROUPING_FUNCTIONS};
use super::legacy_window::{legacy_auxiliary, LegacyWindow};
use super::query::{derived_name, visit};
use super::scope::{Scope, ScopeColumn};
use super::subquery::valued_subqueries;
use super::window_agg::to_window_aggregate;
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::explain::expr_text;
use crate::logical::{GroupWindow, LogicalPlan, PlanField, PlanSchema};

mod grouping_sets;

pub use grouping_sets::GroupingSets;

/// One distinct aggregate call of a query, bound over the aggregation's input.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSig {
    pub kind: AggregateKind,
    pub args: Vec<ScalarExpr>,
    pub distinct: bool,
    pub filter: Option<ScalarExpr>,
    pub separator: Option<String>,
    pub output_type: DataType,
}

/// What expressions after a `GROUP BY` can see: group keys and aggregate calls, each a
/// column of the aggregation's output (`output`: keys, then calls, then the legacy
/// window's start, end and rowtime).
pub struct Grouping<'s> {
    pub scope: &'s Scope,
    pub schema: &'s PlanSchema,
    pub keys: Vec<ScalarExpr>,
    pub calls: Vec<CallSig>,
    pub legacy: Option<LegacyWindow>,
    pub output: PlanSchema,
    /// In a SELECT with OVER aggregates: the calls, at columns `over_base..`, and the
    /// column of `ROW_NUMBER()`. Empty after a GROUP BY.
    pub over: Vec<CallSig>,
    pub over_base: usize,
    pub row_number: Option<usize>,
    /// With more than one grouping set: the sets and the `$e` column (between the keys
    /// and the calls), for `GROUPING(...)`.
    pub grouping_sets: Option<GroupingSets>,
}

impl Grouping<'_> {
    fn column(&self, index: usize) -> ScalarExpr {
        ScalarExpr::Column { index, data_type: self.output.fields[index].data_type.clone() }
    }

    /// The column of the first aggregate call: after the keys and `$e`, if any.
    fn calls_base(&self) -> usize {
        self.keys.len() + usize::from(self.grouping_sets.is_some())
    }
}

/// Whether a SELECT aggregates: GROUP BY, HAVING or an aggregate call. (A `SELECT
/// DISTINCT` of plain columns is a projection made distinct afterwards.)
pub fn is_aggregate_select(select: &ast::Select) -> bool {
    if !select.group_by.is_empty() || select.having.is_some() {
        return true;
    }
    select.projection.iter().any(|item| match item {
        SelectItem::Expr { expr, .. } => contains_group_aggregate(expr),
        _ => false,
    })
}

fn contains_group_aggregate(expr: &Expr) -> bool {
    let mut found = false;
    visit(expr, &mut |e| {
        if let ExprKind::Function(call) = &e.kind {
            if call.over.is_none() && AGGREGATES.contains(&call.name.base().value.to_uppercase().as_str()) {
                found = true;
            }
        }
    });
    found
}

impl Binder<'_> {
    /// Binds the rest of an aggregating SELECT over `plan` (FROM and WHERE).
    pub fn bind_aggregate_select(&mut self, select: &ast::Select, plan: LogicalPlan, scope: Scope) -> PlanResult<LogicalPlan> {
        let input_schema = plan.schema().clone();
        let input_cx = ExprContext { scope: &scope, schema: &input_schema, grouped: None };

        // Group keys, the legacy window, and each item's grouping sets (key indexes).
        let mut keys = Vec::new();
        let mut key_names = Vec::new();
        let mut legacy: Option<LegacyWindow> = None;
        let mut item_sets: Vec<Vec<Vec<usize>>> = Vec::new();
        for item in &select.group_by {
            let sets = match item {
                GroupByItem::Expr(e) => {
                    if let Some(w) = self.bind_legacy_window(e, &input_cx)? {
                        if legacy.is_some() {
                            return Err(user("a GROUP BY can have only one group window", e.span));
                        }
                        legacy = Some(w);
                        continue;
                    }
                    vec![vec![self.group_key(e, &input_cx, &mut keys, &mut key_names)?]]
                }
                GroupByItem::GroupingSets(list, _) => {
                    let mut sets = Vec::with_capacity(list.len());
                    for set in list {
                        sets.push(self.group_keys(set, &input_cx, &mut keys, &mut key_names)?);
                    }
                    sets
                }
                GroupByItem::Rollup(list, _) => grouping_sets::rollup(&self.group_keys(list, &input_cx, &mut keys, &mut key_names)?),
                GroupByItem::Cube(list, s) => grouping_sets::cube(&self.group_keys(list, &input_cx, &mut keys, &mut key_names)?, *s)?,
            };
            item_sets.push(sets);
        }
        let sets_span = select.group_by.iter().find_map(|g| match g {
            GroupByItem::GroupingSets(_, s) | GroupByItem::Rollup(_, s) | GroupByItem::Cube(_, s) => Some(*s),
            GroupByItem::Expr(_) => None,
        });
        let sets = match sets_span {
            Some(span) => grouping_sets::combine(&item_sets, keys.len(), span)?,
            None => Vec::new(),
        };
        // With one grouping set it is a plain GROUP BY.
        let sets_span = sets_span.filter(|_| sets.len() > 1);
        if let (Some(span), Some(_)) = (sets_span, &legacy) {
            return Err(not_supported("GROUPING SETS, ROLLUP or CUBE with a group window", span));
        }

        // Aggregate calls, in order of appearance, each once.
        let mut calls: Vec<CallSig> = Vec::new();
        let mut exprs: Vec<&Expr> = Vec::new();
        for item in &select.projection {
            match item {
                SelectItem::Expr { expr, .. } => exprs.push(expr),
                SelectItem::Wildcard(span) | SelectItem::QualifiedWildcard(_, span) => {
                    return Err(user("\"*\" cannot be used in a query with GROUP BY or aggregates", *span)
                        .with_hint("List the group keys and aggregates to select."))
                }
            }
        }
        exprs.extend(select.having.as_ref());
        for expr in &exprs {
            let mut found: Vec<(ast::FunctionCall, Span)> = Vec::new();
            let mut over: Option<Span> = None;
            visit(expr, &mut |e| {
                if let ExprKind::Function(call) = &e.kind {
                    let name = call.name.base().value.to_uppercase();
                    if call.over.is_some() {
                        over.get_or_insert(e.span);
                    } else if AGGREGATES.contains(&name.as_str()) {
                        found.push(((**call).clone(), e.span));
                    }
                }
            });
            if let Some(span) = over {
                return Err(not_supported("an OVER window in a query with GROUP BY or aggregates", span));
            }
            for (call, span) in found {
                let sig = self.aggregate_signature(&call, &input_cx, span)?;
                if !calls.contains(&sig) {
                    calls.push(sig);
                }
            }
        }

        // The projection under the aggregate: keys, then arguments and filters.
        // With grouping sets the Expand nulls key columns, so arguments get their own.
        let mut pre: Vec<ScalarExpr> = keys.clone();
        let mut pre_names = key_names.clone();
        let shared = if sets_span.is_some() { keys.len() } else { 0 };
        let column_of = |e: &ScalarExpr, pre: &mut Vec<ScalarExpr>, names: &mut Vec<String>| -> usize {
            if let Some(i) = pre.iter().skip(shared).position(|p| p == e) {
                return i + shared;
            }
            let name = match e {
                ScalarExpr::Column { index, .. } => input_schema.fields[*index].name.clone(),
                _ => format!("$f{}", pre.len()),
            };
            names.push(if names.contains(&name) { format!("$f{}", pre.len()) } else { name });
            pre.push(e.clone());
            pre.len() - 1
        };
        let mut aggregates = Vec::with_capacity(calls.len());
        let mut agg_fields = Vec::with_capacity(calls.len());
        for sig in &calls {
            let args = sig.args.iter().map(|a| column_of(a, &mut pre, &mut pre_names)).collect();
            let filter = sig.filter.as_ref().map(|f| column_of(f, &mut pre, &mut pre_names));
            aggregates.push(AggregateCall {
                kind: sig.kind,
                args,
                distinct: sig.distinct,
                filter,
                separator: sig.separator.clone(),
                arg_type: sig.args.first().map(|a| a.data_type().clone()),
                output_type: sig.output_type.clone(),
            });
            agg_fields.push(PlanField::new(call_text(sig, &input_schema), sig.output_type.clone()));
        }
        let window = match &legacy {
            Some(w) => {
                let time = ScalarExpr::Column { index: w.time_column, data_type: w.time_type.clone() };
                Some(GroupWindow { kind: w.kind, time_column: column_of(&time, &mut pre, &mut pre_names), legacy: true, proctime: w.proctime, attached: None })
            }
            None => None,
        };
        let pre_plan = plan.project(pre, pre_names);
        let span = group_span(select);
        let (mut plan, grouping_sets) = match sets_span {
            None => {
                let mut fields: Vec<PlanField> = pre_plan.schema().fields[..keys.len()]
                    .iter()
                    .map(|f| PlanField::new(f.name.clone(), f.data_type.clone()))
                    .collect();
                fields.extend(agg_fields);
                if let Some(w) = &legacy {
                    fields.extend(w.output_fields());
                }
                let plan = LogicalPlan::Aggregate {
                    input: Box::new(pre_plan),
                    keys: (0..keys.len()).collect(),
                    aggregates,
                    window,
                    schema: PlanSchema::new(fields),
                    span,
                    state_ttl: None,
                };
                (if legacy.is_none() { to_window_aggregate(plan)? } else { plan }, None)
            }
            Some(sets_span) => {
                let (plan, info) = grouping_sets::aggregate(pre_plan, keys.len(), sets, aggregates, agg_fields, span, sets_span)?;
                (plan, Some(info))
            }
        };

        // HAVING and the SELECT list over the aggregation's output.
        let grouping = Grouping {
            scope: &scope,
            schema: &input_schema,
            keys,
            calls,
            legacy,
            output: plan.schema().clone(),
            over: Vec::new(),
            over_base: 0,
            row_number: None,
            grouping_sets,
        };
        // Subqueries used as values in HAVING and the SELECT list are joined to the
        // aggregation's output; they may not refer to the query's columns.
        let mut valued: Vec<&Expr> = select.having.iter().flat_map(|h| valued_subqueries(h)).collect();
        for item in &select.projection {
            if let SelectItem::Expr { expr, .. } = item {
                valued.extend(valued_subqueries(expr));
            }
        }
        if !valued.is_empty() {
            let hidden = Scope {
                columns: (0..plan.schema().len()).map(|i| ScopeColumn { qualifier: None, name: format!("$agg{i}") }).collect(),
            };
            self.outer_scopes.push((scope.clone(), input_schema.clone()));
            let joined = self.join_scalar_subqueries(plan, hidden, valued, Some(&grouping));
            self.outer_scopes.pop();
            plan = joined?.0;
        }
        let no_scope = Scope::default();
        let view = plan.schema().clone();
        let cx = ExprContext { scope: &no_scope, schema: &view, grouped: Some(&grouping) };
        if let Some(having) = &select.having {
            let p = self.bind_expr(having, &cx)?;
            if !matches!(p.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                return Err(user(format!("HAVING clause must be BOOLEAN, not {}", p.data_type()), having.span));
            }
            plan = LogicalPlan::Filter { input: Box::new(plan), predicate: p };
        }
        let mut out = Vec::with_capacity(select.projection.len());
        let mut names = Vec::with_capacity(select.projection.len());
        for (position, item) in select.projection.iter().enumerate() {
            if let SelectItem::Expr { expr, alias } = item {
                out.push(self.bind_expr(expr, &cx)?);
                names.push(match alias {
                    Some(a) => a.value.clone(),
                    None => derived_name(expr).unwrap_or_else(|| format!("EXPR${position}")),
                });
            }
        }
        let plan = plan.project(out, names);
        Ok(if select.distinct { distinct(plan, span) } else { plan })
    }

    /// A GROUP BY expression as a key index, added to `keys` the first time it is seen.
    fn group_key(&mut self, e: &Expr, input: &ExprContext, keys: &mut Vec<ScalarExpr>, names: &mut Vec<String>) -> PlanResult<usize> {
        let key = self.bind_expr(e, input)?;
        if let Some(i) = keys.iter().position(|k| *k == key) {
            return Ok(i);
        }
        names.push(derived_name(e).unwrap_or_else(|| format!("$f{}", keys.len())));
        keys.push(key);
        Ok(keys.len() - 1)
    }

    /// The expressions of a grouping set, ROLLUP or CUBE as key indexes.
    fn group_keys(&mut self, list: &[Expr], input: &ExprContext, keys: &mut Vec<ScalarExpr>, names: &mut Vec<String>) -> PlanResult<Vec<usize>> {
        let mut out = Vec::with_capacity(list.len());
        for e in list {
            if self.bind_legacy_window(e, input)?.is_some() {
                return Err(not_supported("a group window in GROUPING SETS, ROLLUP or CUBE", e.span));
            }
            let k = self.group_key(e, input, keys, names)?;
            if !out.contains(&k) {
                out.push(k);
            }
        }
        Ok(out)
    }

    /// `GROUPING(a, ...)` / `GROUPING_ID(a, ...)` after a GROUP BY: which of its
    /// arguments the row's grouping set leaves out, as Flink's bit vector (0 without
    /// grouping sets).
    fn bind_grouping_call(&mut self, call: &ast::FunctionCall, name: &str, g: &Grouping, input: &ExprContext, span: Span) -> PlanResult<ScalarExpr> {
        if name == "GROUP_ID" {
            return Err(not_supported("GROUP_ID()", span));
        }
        if !g.over.is_empty() {
            return Err(user(format!("function \"{name}\" is only allowed in a query with GROUP BY"), span));
        }
        if call.args.is_empty() || call.star || call.distinct || call.filter.is_some() {
            return Err(user(format!("\"{name}\" takes one or more GROUP BY expressions"), span));
        }
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            let bound = self.bind_expr(a, input)?;
            let Some(k) = g.keys.iter().position(|k| *k == bound) else {
                return Err(user(format!("the arguments of \"{name}\" must be GROUP BY expressions"), a.span)
                    .with_hint("Pass columns or expressions that appear in the GROUP BY."));
            };
            args.push(k);
        }
        Ok(match &g.grouping_sets {
            Some(sets) => sets.grouping_expr(&args, &g.output.fields[sets.id_column].data_type),
            None => ScalarExpr::Literal { value: ScalarValue::BigInt(0), data_type: grouping_sets::grouping_type() },
        })
    }

    /// An aggregate call bound over the aggregation's input.
    pub(super) fn aggregate_signature(&mut self, call: &ast::FunctionCall, input: &ExprContext, span: Span) -> PlanResult<CallSig> {
        let name = call.name.base().value.to_uppercase();
        let Some(kind) = aggregate_kind(&name) else {
            return Err(not_supported(&format!("aggregate function \"{name}\""), span));
        };
        check_arity(&name, kind, call.args.len(), call.star, span)?;
        let mut separator = None;
        let mut args = Vec::with_capacity(call.args.len());
        for (i, a) in call.args.iter().enumerate() {
            let bound = self.bind_expr(a, input)?;
            if kind == AggregateKind::ListAgg && i == 1 {
                match &bound {
                    ScalarExpr::Literal { value: ScalarValue::String(s), .. } => separator = Some(s.clone()),
                    _ => return Err(user("the separator of \"LISTAGG\" must be a character literal", a.span)),
                }
            } else {
                args.push(bound);
            }
        }
        let filter = match &call.filter {
            Some(f) => {
                let cond = self.bind_expr(f, input)?;
                if !matches!(cond.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                    return Err(user(format!("FILTER condition must be BOOLEAN, not {}", cond.data_type()), f.span));
                }
                Some(cond)
            }
            None => None,
        };
        let mut output_type = result_type(&name, kind, args.first().map(|a| a.data_type()), span)?;
        if kind == AggregateKind::Percentile {
            output_type = percentile_type(&args, span)?;
            let double = DataType::double();
            let wanted = [double.clone(), output_type.clone(), DataType::bigint()];
            args = args.into_iter().zip(wanted).map(|(a, t)| super::expr::coerce(a, &t, span)).collect::<PlanResult<Vec<_>>>()?;
        }
        if let AggregateKind::Bitmap { op: sluice_runtime::spec::BitmapAggOp::Build, .. } = kind {
            // TINYINT and SMALLINT widen to INT, as Flink's signature takes them.
            args = args
                .into_iter()
                .map(|a| {
                    let int = DataType::new(TypeKind::Int).with_nullable(a.data_type().nullable || a.data_type().kind == TypeKind::Null);
                    super::expr::coerce(a, &int, span)
                })
                .collect::<PlanResult<Vec<_>>>()?;
        }
        if kind == AggregateKind::Lag {
            (args, output_type) = lag_args(args, span)?;
        }
        let args = json_aggregate_args(kind, args, span)?;
        Ok(CallSig { kind, args, distinct: call.distinct, filter, separator, output_type })
    }

    /// After a GROUP BY: an aggregate call, group key or legacy window function becomes
    /// a column of the aggregation's output; `None` binds the expression as usual (its
    /// parts come back here).
    pub fn bind_grouped(&mut self, expr: &Expr, g: &Grouping) -> PlanResult<Option<ScalarExpr>> {
        let input = ExprContext { scope: g.scope, schema: g.schema, grouped: None };
        if let ExprKind::Function(call) = &expr.kind {
            let name = call.name.base().value.to_uppercase();
            if call.over.is_some() {
                if name == "ROW_NUMBER" {
                    if let Some(c) = g.row_number {
                        return Ok(Some(g.column(c)));
                    }
                }
                let sig = self.aggregate_signature(call, &input, expr.span)?;
                return match g.over.iter().position(|c| *c == sig) {
                    Some(i) => Ok(Some(g.column(g.over_base + i))),
                    None => Err(not_supported("an OVER window in a query with GROUP BY or aggregates", expr.span)),
                };
            }
            if call.over.is_none() && AGGREGATES.contains(&name.as_str()) {
                let sig = self.aggregate_signature(call, &input, expr.span)?;
                let i = g
                    .calls
                    .iter()
                    .position(|c| *c == sig)
                    .ok_or_else(|| user(format!("aggregate function \"{name}\" is not allowed here"), expr.span))?;
                return Ok(Some(g.column(g.calls_base() + i)));
            }
            if GROUPING_FUNCTIONS.contains(&name.as_str()) {
                return self.bind_grouping_call(call, &name, g, &input, expr.span).map(Some);
            }
            if let Some((base, part)) = legacy_auxiliary(&name) {
                let args = call.args.iter().map(|a| self.bind_expr(a, &input)).collect::<PlanResult<Vec<_>>>()?;
                return match &g.legacy {
                    Some(w) if w.function == base && w.args == args => {
                        Ok(Some(g.column(g.keys.len() + g.calls.len() + part)))
                    }
                    _ => Err(user(format!("\"{name}\" does not match a {base} window in the GROUP BY"), expr.span)
                        .with_hint(format!("Group by {base}(...) with the same arguments to use \"{name}\"."))),
                };
            }
        }
        match self.bind_expr(expr, &input) {
            Ok(e) => {
                if let Some(i) = g.keys.iter().position(|k| *k == e) {
                    return Ok(Some(g.column(i)));
                }
                if matches!(expr.kind, ExprKind::Identifier(_) | ExprKind::CompoundIdentifier(_)) {
                    return Err(user(format!("expression \"{}\" is not being grouped", expr_source(expr)), expr.span)
                        .with_hint("Add it to the GROUP BY, or use it inside an aggregate function."));
                }
                if e.referenced_columns().is_empty() {
                    return Ok(Some(e));
                }
                Ok(None)
            }
            Err(e) if matches!(expr.kind, ExprKind::Identifier(_) | ExprKind::CompoundIdentifier(_)) => Err(e),
            Err(_) => Ok(None),
        }
    }
}

/// Where errors about the aggregation point: the GROUP BY list, else the whole SELECT.
fn group_span(select: &ast::Select) -> Span {
    let spans: Vec<Span> = select
        .group_by
        .iter()
        .map(|g| match g {
            GroupByItem::Expr(e) => e.span,
            GroupByItem::GroupingSets(_, s) | GroupByItem::Rollup(_, s) | GroupByItem::Cube(_, s) => *s,
        })
        .collect();
    match (spans.first(), spans.last()) {
        (Some(a), Some(b)) => a.to(*b),
        _ => select.span,
    }
}

/// `SELECT DISTINCT`: a GROUP BY of every column, without aggregates.
pub(super) fn distinct(plan: LogicalPlan, span: Span) -> LogicalPlan {
    let schema = PlanSchema::new(plan.schema().fields.iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect());
    let keys = (0..schema.len()).collect();
    LogicalPlan::Aggregate { input: Box::new(plan), keys, aggregates: Vec::new(), window: None, schema, span, state_ttl: None }
}

/// `COUNT(*)`, `SUM(amount)`, `COUNT(DISTINCT x)`: the name of an aggregate's column.
fn call_text(sig: &CallSig, input: &PlanSchema) -> String {
    let args: Vec<String> = sig.args.iter().map(|a| expr_text(a, input)).collect();
    let args = if args.is_empty() { "*".to_string() } else { args.join(", ") };
    let filter = sig.filter.as_ref().map(|f| format!(" FILTER {}", expr_text(f, input))).unwrap_or_default();
    format!("{}({}{}){filter}", aggregate_name(sig.kind), if sig.distinct { "DISTINCT " } else { "" }, args)
}

/// A column reference as written.
fn expr_source(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Identifier(i) => i.value.clone(),
        ExprKind::CompoundIdentifier(parts) => parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join("."),
        _ => String::new(),
    }
}

/// The JSON aggregates collect JSON text: the value becomes its JSON (a nested
/// `JSON_OBJECT`/`JSON_ARRAY` as JSON, not as a string), an object key a string.
fn json_aggregate_args(kind: AggregateKind, mut args: Vec<ScalarExpr>, span: Span) -> PlanResult<Vec<ScalarExpr>> {
    if !matches!(kind, AggregateKind::JsonArrayAgg { .. } | AggregateKind::JsonObjectAgg { .. }) {
        return Ok(args);
    }
    let value = args.pop().ok_or_else(|| user("a JSON aggregate needs a value", span))?;
    let node = sluice_expr::resolve_call("JSON NODE", vec![value]).map_err(|e| super::expr::function_error(e, "JSON_ARRAYAGG", span))?;
    if let Some(key) = args.pop() {
        if !matches!(key.data_type().kind, TypeKind::Char { .. } | TypeKind::Varchar { .. }) {
            return Err(user(format!("the key of JSON_OBJECTAGG must be a character string, not {}", key.data_type()), span));
        }
        return Ok(vec![key, node]);
    }
    Ok(vec![node])
}

/// `PERCENTILE`'s percentage is a literal between 0 and 1, or an array of them (the result
/// is then an `ARRAY<DOUBLE>`); the frequency, when given, is an integer.
fn percentile_type(args: &[ScalarExpr], span: Span) -> PlanResult<DataType> {
    let in_range = |v: &ScalarValue| match v {
        ScalarValue::Null => true,
        other => literal_f64(other).is_some_and(|p| (0.0..=1.0).contains(&p)),
    };
    let bad = || {
        user("the percentage of \"PERCENTILE\" must be a numeric literal between 0.0 and 1.0, or an array of them", span)
    };
    if let Some(f) = args.get(2) {
        if !f.data_type().kind.is_integer() {
            return Err(user(format!("the frequency of \"PERCENTILE\" must be an integer, not {}", f.data_type()), span));
        }
    }
    match args.get(1).and_then(|p| p.as_literal()) {
        Some(ScalarValue::Array(items)) if items.iter().all(in_range) => {
            Ok(DataType::new(TypeKind::Array(Box::new(DataType::double()))))
        }
        Some(v) if !matches!(v, ScalarValue::Array(_)) && in_range(v) && !v.is_null() => Ok(DataType::double()),
        _ => Err(bad()),
    }
}

fn literal_f64(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Double(d) => Some(*d),
        ScalarValue::Float(f) => Some(*f as f64),
        ScalarValue::Decimal { value, scale, .. } => Some(*value as f64 / 10f64.powi(*scale as i32)),
        other => other.as_i64().map(|i| i as f64),
    }
}

/// `LAG(x [, offset [, default]])`: the offset as an INT, the default as `x`'s type, which
/// it must already have in Flink's terms (the same Java class: Flink asks for an explicit
/// cast otherwise). The result is NOT NULL only for a NOT NULL `x` and default.
fn lag_args(args: Vec<ScalarExpr>, span: Span) -> PlanResult<(Vec<ScalarExpr>, DataType)> {
    let mut args = args.into_iter();
    let Some(value) = args.next() else { return Err(user("LAG needs a value", span)) };
    let value_type = value.data_type().clone();
    let mut out = vec![value];
    let mut nullable = true;
    if let Some(offset) = args.next() {
        if !matches!(offset.data_type().kind, TypeKind::TinyInt | TypeKind::SmallInt | TypeKind::Int | TypeKind::Null) {
            return Err(user(format!("the offset of LAG must be an INT, not {}", offset.data_type()), span));
        }
        out.push(super::expr::coerce(offset, &DataType::new(TypeKind::Int), span)?);
    }
    if let Some(default) = args.next() {
        let t = default.data_type().clone();
        if t.kind != TypeKind::Null && java_class(&t.kind) != java_class(&value_type.kind) {
            return Err(user(format!("Please explicitly cast default value {t} to {value_type}."), span)
                .with_hint("Flink asks for the default of LAG in the value's own type: CAST it."));
        }
        nullable = t.nullable || t.kind == TypeKind::Null;
        out.push(super::expr::coerce(default, &value_type.nullable(), span)?);
    }
    let output = if value_type.nullable || nullable { value_type.nullable() } else { value_type };
    Ok((out, output))
}

/// The class Flink's internal data structures hold a value of this kind in: types with
/// the same class need no cast between them in `LAG`'s default.
fn java_class(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::TinyInt => "Byte",
        TypeKind::SmallInt => "Short",
        TypeKind::Int | TypeKind::Date | TypeKind::Time { .. } => "Integer",
        TypeKind::BigInt => "Long",
        TypeKind::Float => "Float",
        TypeKind::Double => "Double",
        TypeKind::Boolean => "Boolean",
        TypeKind::Decimal { .. } => "DecimalData",
        TypeKind::Char { .. } | TypeKind::Varchar { .. } => "StringData",
        TypeKind::Timestamp { .. } => "TimestampData",
        _ => "other",
    }
}