//! OVER windows in the SELECT list: aggregates over a frame ordered by the rowtime
//! (`OverAggregate`), and `ROW_NUMBER()` (`RowNumber`, for window Top-N). Named windows
//! (`WINDOW w AS (...)`) and `OVER w` are resolved here.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, OverFrame, SortKey};
use sluice_sql::ast::{self, Expr, ExprKind, FrameBound, FrameUnits, Over, SelectItem, WindowSpec};
use sluice_sql::Span;
use sluice_types::DataType;

use super::aggregate::{CallSig, Grouping};
use super::expr::ExprContext;
use super::query::{derived_name, visit};
use super::scope::Scope;
use super::window_tvf::window_duration;
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::explain::expr_text;
use crate::logical::{LogicalPlan, PlanField, PlanSchema, TimeAttribute};

/// Whether a SELECT list has an OVER call.
pub fn has_over(select: &ast::Select) -> bool {
    let mut found = false;
    for item in &select.projection {
        if let SelectItem::Expr { expr, .. } = item {
            visit(expr, &mut |e| {
                if let ExprKind::Function(call) = &e.kind {
                    found |= call.over.is_some();
                }
            });
        }
    }
    found
}

/// An OVER window bound over the input.
#[derive(Clone, Debug, PartialEq)]
struct BoundWindow {
    keys: Vec<usize>,
    order: Vec<SortKey>,
    /// `None` for ROW_NUMBER.
    frame: Option<OverFrame>,
}

impl Binder<'_> {
    /// Binds a SELECT list with OVER calls over `plan` (FROM and WHERE).
    pub fn bind_over_select(&mut self, select: &ast::Select, plan: LogicalPlan, scope: Scope) -> PlanResult<LogicalPlan> {
        let input_schema = plan.schema().clone();
        let input_cx = ExprContext { scope: &scope, schema: &input_schema, grouped: None };
        let mut calls: Vec<(ast::FunctionCall, Span)> = Vec::new();
        for item in &select.projection {
            if let SelectItem::Expr { expr, .. } = item {
                visit(expr, &mut |e| {
                    if let ExprKind::Function(call) = &e.kind {
                        if call.over.is_some() {
                            calls.push(((**call).clone(), e.span));
                        }
                    }
                });
            }
        }
        let row_number = calls.iter().any(|(c, _)| c.name.base().value.eq_ignore_ascii_case("ROW_NUMBER"));
        let mut window: Option<(BoundWindow, Span)> = None;
        for (call, span) in &calls {
            let name = call.name.base().value.to_uppercase();
            if row_number && name != "ROW_NUMBER" {
                return Err(not_supported("ROW_NUMBER together with other OVER functions", *span));
            }
            let spec = resolve_spec(call.over.as_ref(), &select.windows, *span)?;
            if let (true, Some(frame)) = (name == "LAG", &spec.frame) {
                // Calcite's check, as Flink 2.3 reports it for LAG too.
                return Err(user("ROW/RANGE not allowed with RANK, DENSE_RANK or ROW_NUMBER functions", frame.span)
                    .with_hint("LAG looks back over the whole partition: leave out the ROWS/RANGE frame."));
            }
            let bound = self.bind_window(&spec, &input_cx, row_number)?;
            match &window {
                Some((w, _)) if *w != bound => {
                    return Err(not_supported("OVER aggregates over different windows in one SELECT", *span)
                        .with_hint("Use one window for every OVER call of a SELECT, or compute each in its own subquery."))
                }
                Some(_) => {}
                None => window = Some((bound, *span)),
            }
        }
        let Some((window, span)) = window else {
            return Err(user("expected an OVER call", select.span));
        };

        // The input columns, then the arguments and filters of the aggregates.
        let n = input_schema.len();
        let mut pre: Vec<ScalarExpr> = (0..n)
            .map(|i| ScalarExpr::Column { index: i, data_type: input_schema.fields[i].data_type.clone() })
            .collect();
        let mut pre_fields = input_schema.fields.clone();
        let mut sigs: Vec<CallSig> = Vec::new();
        let mut aggregates = Vec::new();
        let mut agg_fields = Vec::new();
        if !row_number {
            for (call, span) in &calls {
                let name = call.name.base().value.to_uppercase();
                if name == "LEAD" {
                    // A row's LEAD is a later row, which a stream has not seen yet.
                    return Err(user("LEAD Function is not supported in stream mode.", *span)
                        .with_hint("Flink refuses it too; LAG looks back instead."));
                }
                if super::expr::WINDOW_FUNCTIONS.contains(&name.as_str()) && name != "LAG" {
                    return Err(not_supported(&format!("the window function \"{name}\""), *span));
                }
                if call.filter.is_some() {
                    return Err(user("OVER must be applied to aggregate function", *span).with_hint(
                        "Flink does not allow FILTER (WHERE ...) on an OVER aggregate; aggregate a CASE WHEN ... THEN x END instead.",
                    ));
                }
                let sig = self.aggregate_signature(call, &input_cx, *span)?;
                if matches!(
                    sig.kind,
                    sluice_runtime::spec::AggregateKind::JsonArrayAgg { .. } | sluice_runtime::spec::AggregateKind::JsonObjectAgg { .. }
                ) {
                    let function = super::agg_call::aggregate_name(sig.kind);
                    return Err(user(format!("\"{function}\" is not supported in OVER windows"), *span)
                        .with_hint("Flink does not support JSON_ARRAYAGG and JSON_OBJECTAGG in OVER windows either."));
                }
                if sigs.contains(&sig) {
                    continue;
                }
                let mut column = |e: &ScalarExpr| -> usize {
                    if let Some(i) = pre.iter().position(|p| p == e) {
                        return i;
                    }
                    pre_fields.push(PlanField::new(format!("$f{}", pre.len()), e.data_type().clone()));
                    pre.push(e.clone());
                    pre.len() - 1
                };
                let args = sig.args.iter().map(&mut column).collect();
                let filter = sig.filter.as_ref().map(&mut column);
                aggregates.push(AggregateCall {
                    kind: sig.kind,
                    args,
                    distinct: sig.distinct,
                    filter,
                    separator: sig.separator.clone(),
                    arg_type: sig.args.first().map(|a| a.data_type().clone()),
                    output_type: sig.output_type.clone(),
                });
                let text = format!(
                    "{}({})",
                    name,
                    if sig.args.is_empty() {
                        "*".to_string()
                    } else {
                        sig.args.iter().map(|a| expr_text(a, &input_schema)).collect::<Vec<_>>().join(", ")
                    }
                );
                agg_fields.push(PlanField::new(text, sig.output_type.clone()));
                sigs.push(sig);
            }
        }
        let input = if pre.len() > n {
            let names = pre_fields.iter().map(|f| f.name.clone()).collect();
            plan.project(pre, names)
        } else {
            plan
        };
        let over_base = input.schema().len();
        let mut fields = input.schema().fields.clone();
        let over_plan = if row_number {
            fields.push(PlanField::new("$rn", DataType::bigint().with_nullable(false)));
            LogicalPlan::RowNumber {
                input: Box::new(input),
                keys: window.keys.clone(),
                order: window.order.clone(),
                schema: PlanSchema::new(fields),
                span,
            }
        } else {
            let Some(frame) = window.frame else {
                return Err(user("an OVER aggregate needs ORDER BY", span));
            };
            fields.extend(agg_fields);
            LogicalPlan::OverAggregate {
                input: Box::new(input),
                keys: window.keys.clone(),
                time_column: window.order[0].column,
                frame,
                aggregates,
                schema: PlanSchema::new(fields),
                span,
            }
        };

        // The SELECT list: input columns, and the OVER calls as columns.
        let grouping = Grouping {
            scope: &scope,
            schema: &input_schema,
            keys: (0..n).map(|i| ScalarExpr::Column { index: i, data_type: input_schema.fields[i].data_type.clone() }).collect(),
            calls: Vec::new(),
            legacy: None,
            output: over_plan.schema().clone(),
            over: sigs,
            over_base,
            row_number: row_number.then_some(over_base),
            grouping_sets: None,
        };
        let no_scope = Scope::default();
        let view = grouping.output.clone();
        let cx = ExprContext { scope: &no_scope, schema: &view, grouped: Some(&grouping) };
        let mut exprs = Vec::new();
        let mut names = Vec::new();
        for (position, item) in select.projection.iter().enumerate() {
            match item {
                SelectItem::Wildcard(_) => {
                    for (i, col) in scope.columns.iter().enumerate() {
                        exprs.push(grouping.keys[i].clone());
                        names.push(col.name.clone());
                    }
                }
                SelectItem::QualifiedWildcard(name, span) => {
                    let q = &name.base().value;
                    let before = exprs.len();
                    for (i, col) in scope.columns.iter().enumerate() {
                        if col.qualifier.as_deref() == Some(q.as_str()) {
                            exprs.push(grouping.keys[i].clone());
                            names.push(col.name.clone());
                        }
                    }
                    if exprs.len() == before {
                        return Err(user(format!("table \"{q}\" not found in FROM"), *span));
                    }
                }
                SelectItem::Expr { expr, alias } => {
                    exprs.push(self.bind_expr(expr, &cx)?);
                    names.push(match alias {
                        Some(a) => a.value.clone(),
                        None => derived_name(expr).unwrap_or_else(|| format!("EXPR${position}")),
                    });
                }
            }
        }
        Ok(over_plan.project(exprs, names))
    }

    fn bind_window(&mut self, spec: &WindowSpec, input: &ExprContext, row_number: bool) -> PlanResult<BoundWindow> {
        let mut keys = Vec::with_capacity(spec.partition_by.len());
        for k in &spec.partition_by {
            match self.bind_expr(k, input)? {
                ScalarExpr::Column { index, .. } => keys.push(index),
                _ => return Err(not_supported("an expression in PARTITION BY of an OVER window (use a column)", k.span)),
            }
        }
        let mut order = Vec::with_capacity(spec.order_by.len());
        for o in &spec.order_by {
            let column = match self.bind_expr(&o.expr, input)? {
                ScalarExpr::Column { index, .. } => index,
                _ => return Err(not_supported("an expression in ORDER BY of an OVER window (use a column)", o.expr.span)),
            };
            let ascending = o.asc.unwrap_or(true);
            order.push(SortKey { column, ascending, nulls_first: o.nulls_first.unwrap_or(ascending) });
        }
        if row_number {
            if order.is_empty() {
                return Err(user("ROW_NUMBER needs ORDER BY in its OVER clause", spec.span));
            }
            if let Some(f) = &spec.frame {
                return Err(user("ROW_NUMBER does not take a window frame", f.span));
            }
            return Ok(BoundWindow { keys, order, frame: None });
        }
        let (Some(first), 1) = (spec.order_by.first(), spec.order_by.len()) else {
            return Err(user("OVER windows' ordering in stream mode must be defined on a time attribute", spec.span)
                .with_hint("Order the OVER window by exactly one rowtime column, ascending."));
        };
        let field = &input.schema.fields[order[0].column];
        match field.time_attribute {
            Some(TimeAttribute::Rowtime) => {}
            Some(TimeAttribute::Proctime) => return Err(not_supported("an OVER window on processing time", first.expr.span)),
            None => {
                return Err(user(
                    format!("OVER windows' ordering in stream mode must be defined on a time attribute, but \"{}\" is {}", field.name, field.data_type),
                    first.expr.span,
                ))
            }
        }
        if !order[0].ascending {
            return Err(user("OVER windows' ordering on a time attribute must be ascending", first.expr.span));
        }
        let frame = match &spec.frame {
            None => OverFrame::Range { preceding: None },
            Some(f) => {
                if !matches!(f.end, None | Some(FrameBound::CurrentRow)) {
                    return Err(not_supported("an OVER frame that does not end at the current row", f.span));
                }
                match (f.units, &f.start) {
                    (FrameUnits::Rows, FrameBound::UnboundedPreceding) => OverFrame::Rows { preceding: None },
                    (FrameUnits::Rows, FrameBound::CurrentRow) => OverFrame::Rows { preceding: Some(0) },
                    (FrameUnits::Rows, FrameBound::Preceding(e)) => OverFrame::Rows { preceding: Some(row_count(e)?) },
                    (FrameUnits::Range, FrameBound::UnboundedPreceding) => OverFrame::Range { preceding: None },
                    (FrameUnits::Range, FrameBound::CurrentRow) => OverFrame::Range { preceding: Some(0) },
                    (FrameUnits::Range, FrameBound::Preceding(e)) => {
                        OverFrame::Range { preceding: Some(window_duration(self, e, "range", true)?) }
                    }
                    _ => return Err(not_supported("an OVER frame that starts after the current row", f.span)),
                }
            }
        };
        Ok(BoundWindow { keys, order, frame: Some(frame) })
    }
}

/// `n` of `ROWS BETWEEN n PRECEDING`.
fn row_count(e: &Expr) -> PlanResult<u64> {
    if let ExprKind::Literal(ast::Literal::Number(n)) = &e.kind {
        if let Ok(v) = n.parse::<u64>() {
            return Ok(v);
        }
    }
    Err(user("the number of preceding rows must be a non-negative integer literal", e.span))
}

/// The window an OVER call uses: its own spec, a named window, or a named window refined.
fn resolve_spec(over: Option<&Over>, windows: &[ast::NamedWindow], span: Span) -> PlanResult<WindowSpec> {
    let named = |name: &ast::Ident| -> PlanResult<WindowSpec> {
        windows
            .iter()
            .find(|w| w.name.value == name.value)
            .map(|w| w.spec.clone())
            .ok_or_else(|| user(format!("window \"{}\" not found", name.value), name.span).with_hint("Define it with WINDOW name AS (...) after the FROM and WHERE clauses."))
    };
    match over {
        Some(Over::Named(name)) => named(name),
        Some(Over::Spec(spec)) => match &spec.base {
            Some(base) => {
                let mut merged = named(base)?;
                if !spec.partition_by.is_empty() {
                    merged.partition_by = spec.partition_by.clone();
                }
                if !spec.order_by.is_empty() {
                    merged.order_by = spec.order_by.clone();
                }
                if spec.frame.is_some() {
                    merged.frame = spec.frame.clone();
                }
                Ok(merged)
            }
            None => Ok(spec.clone()),
        },
        None => Err(user("expected an OVER clause", span)),
    }
}
