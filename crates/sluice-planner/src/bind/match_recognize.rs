//! `MATCH_RECOGNIZE`: the pattern, the `DEFINE` conditions and the measures.
//!
//! Conditions and measures are bound like any expression over the input row, except for
//! what only makes sense in a match, which becomes an extra input column
//! (`MatchInput`) that the operator fills in per partial match:
//! - `V.col` is the current row in `V`'s own `DEFINE`, otherwise the last row taken as
//!   `V` (`LAST(V.col, 0)`);
//! - `FIRST(e, n)` / `LAST(e, n)`, where `e` reads one variable's rows (or every row of
//!   the match when it names none);
//! - aggregates over one variable's rows, or over every row;
//! - `MATCH_ROWTIME()` and `MATCH_PROCTIME()`.
//!
//! An unqualified column is the current row in a `DEFINE` and the last row of the match
//! in a measure.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, MatchDefinition, MatchExpr, MatchInput, MatchPattern, MatchSkip, SortKey, MILLI};
use sluice_sql::ast::{self, AfterMatchSkip, Expr, ExprKind, Pattern, RowsPerMatch, TableRef};
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::agg_call::{aggregate_kind, check_arity, result_type};
use super::expr::{ExprContext, AGGREGATES};
use super::scope::{field_path, Scope};
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema, TimeAttribute};

/// The state of binding a `DEFINE` or a measure.
pub(super) struct MatchScope {
    vars: Vec<String>,
    /// The variable whose `DEFINE` is bound; `None` in a measure.
    defining: Option<usize>,
    input_len: usize,
    inputs: Vec<MatchInput>,
    input_types: Vec<DataType>,
    /// Inside `FIRST`/`LAST`/an aggregate: the row is one row, and `V.col` is that row's
    /// column. Records the variable named (`Some(None)` before any).
    inner: Option<Option<(usize, Span)>>,
}

impl MatchScope {
    fn var(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v == name).or_else(|| self.vars.iter().position(|v| v.eq_ignore_ascii_case(name)))
    }

    fn add_input(&mut self, input: MatchInput, data_type: DataType) -> ScalarExpr {
        if let Some(i) = self.inputs.iter().position(|x| *x == input) {
            return ScalarExpr::Column { index: self.input_len + i, data_type: self.input_types[i].clone() };
        }
        self.inputs.push(input);
        self.input_types.push(data_type.clone());
        ScalarExpr::Column { index: self.input_len + self.inputs.len() - 1, data_type }
    }
}

impl Binder<'_> {
    pub(super) fn bind_match_recognize(&mut self, from: &TableRef) -> PlanResult<(LogicalPlan, Scope)> {
        let TableRef::MatchRecognize { input, spec, alias, span } = from else {
            return Err(user("expected MATCH_RECOGNIZE", from.span()));
        };
        let (plan, _) = self.bind_from(input)?;
        let schema = plan.schema().clone();
        // Inside MATCH_RECOGNIZE the input's columns are named without a qualifier.
        let scope = Scope::qualified(None, &schema);
        let cx = ExprContext { scope: &scope, schema: &schema, grouped: None };

        if spec.rows_per_match == RowsPerMatch::AllRows {
            return Err(not_supported("ALL ROWS PER MATCH", spec.span).with_hint("Flink supports only ONE ROW PER MATCH."));
        }
        if let Some((name, _)) = spec.subsets.first() {
            return Err(not_supported("SUBSET", name.span));
        }

        let mut partition_keys = Vec::new();
        for e in &spec.partition_by {
            match self.bind_expr(e, &cx)? {
                ScalarExpr::Column { index, .. } => partition_keys.push(index),
                _ => return Err(user("PARTITION BY in MATCH_RECOGNIZE takes column names", e.span)),
            }
        }

        // ORDER BY: a rowtime attribute, ascending, then further columns.
        let Some(first) = spec.order_by.first() else {
            return Err(user("MATCH_RECOGNIZE needs an ORDER BY on a time attribute", spec.span)
                .with_hint("Order the rows by the table's rowtime column, e.g. ORDER BY order_time."));
        };
        let time_column = match self.bind_expr(&first.expr, &cx)? {
            ScalarExpr::Column { index, .. } => index,
            _ => return Err(user("the first ORDER BY column of MATCH_RECOGNIZE must be a time attribute", first.expr.span)),
        };
        let time_field = &schema.fields[time_column];
        let proctime = match time_field.time_attribute {
            Some(TimeAttribute::Rowtime) => false,
            Some(TimeAttribute::Proctime) => true,
            None => {
                return Err(user(
                    format!(
                        "the first ORDER BY column of MATCH_RECOGNIZE must be a time attribute, but \"{}\" is {}",
                        time_field.name, time_field.data_type
                    ),
                    first.expr.span,
                )
                .with_hint("Order by a column that has a WATERMARK, or by a window's window_time."))
            }
        };
        if first.asc == Some(false) {
            return Err(user("MATCH_RECOGNIZE must be ordered by its time attribute ascending", first.expr.span));
        }
        let mut order = Vec::new();
        for o in &spec.order_by[1..] {
            let column = match self.bind_expr(&o.expr, &cx)? {
                ScalarExpr::Column { index, .. } => index,
                _ => return Err(user("ORDER BY in MATCH_RECOGNIZE takes column names", o.expr.span)),
            };
            let ascending = o.asc != Some(false);
            order.push(SortKey { column, ascending, nulls_first: o.nulls_first.unwrap_or(ascending) });
        }

        // The variables, in order of appearance.
        let mut vars: Vec<String> = Vec::new();
        collect_vars(&spec.pattern, &mut vars);
        let var_of = |name: &ast::Ident| -> PlanResult<usize> {
            vars.iter().position(|v| *v == name.value).ok_or_else(|| {
                user(format!("pattern variable \"{}\" is not in the PATTERN", name.value), name.span)
                    .with_hint(format!("The PATTERN names {}.", vars.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")))
            })
        };
        let pattern = bind_pattern(&spec.pattern, &vars)?;
        check_pattern_shape(&spec.pattern, spec.span)?;

        let skip = match &spec.after_match {
            AfterMatchSkip::PastLastRow => MatchSkip::PastLastRow,
            AfterMatchSkip::ToNextRow => MatchSkip::ToNextRow,
            AfterMatchSkip::ToFirst(v) => MatchSkip::ToFirst(var_of(v)?),
            AfterMatchSkip::ToLast(v) => MatchSkip::ToLast(var_of(v)?),
        };

        let within = match &spec.within {
            None => None,
            Some(e) => {
                let v = self.bind_expr(e, &cx)?;
                match v {
                    ScalarExpr::Literal { value: ScalarValue::IntervalDayTime(ms), .. } if ms > 0 => Some(ms.saturating_mul(MILLI)),
                    _ => {
                        return Err(user("WITHIN takes a positive day-time interval literal, such as INTERVAL '10' MINUTE", e.span))
                    }
                }
            }
        };

        let mut conditions: Vec<Option<MatchExpr>> = vec![None; vars.len()];
        for (name, e) in &spec.define {
            let v = var_of(name)?;
            if conditions[v].is_some() {
                return Err(user(format!("pattern variable \"{}\" is defined twice", name.value), name.span));
            }
            let m = self.bind_match_expr_top(e, &scope, &schema, &vars, Some(v))?;
            if !matches!(m.expr.data_type().kind, TypeKind::Boolean) {
                return Err(user(
                    format!("the DEFINE of \"{}\" must be a BOOLEAN condition, not {}", name.value, m.expr.data_type()),
                    e.span,
                ));
            }
            conditions[v] = Some(m);
        }

        let mut fields: Vec<PlanField> = partition_keys
            .iter()
            .map(|k| {
                let f = &schema.fields[*k];
                PlanField { time_attribute: None, ..f.clone() }
            })
            .collect();
        let mut measures = Vec::new();
        for m in &spec.measures {
            let bound = self.bind_match_expr_top(&m.expr, &scope, &schema, &vars, None)?;
            let time_attribute = match (&bound.expr, bound.inputs.as_slice()) {
                (ScalarExpr::Column { index, .. }, [only]) if *index == schema.len() => match only {
                    MatchInput::MatchRowtime { .. } => Some(TimeAttribute::Rowtime),
                    MatchInput::MatchProctime => Some(TimeAttribute::Proctime),
                    _ => None,
                },
                _ => None,
            };
            if fields.iter().any(|f| f.name == m.alias.value) {
                return Err(user(format!("duplicate column name \"{}\" in MATCH_RECOGNIZE", m.alias.value), m.alias.span));
            }
            fields.push(PlanField { name: m.alias.value.clone(), data_type: bound.expr.data_type().clone(), time_attribute });
            measures.push(bound);
        }
        let out_schema = PlanSchema::new(fields);
        let plan = LogicalPlan::MatchRecognize {
            input: Box::new(plan),
            spec: Box::new(MatchDefinition { partition_keys, time_column, proctime, order, variables: vars, pattern, conditions, measures, skip, within }),
            schema: out_schema.clone(),
            span: *span,
        };
        let qualifier = alias.as_ref().map(|a| a.name.value.clone());
        let mut plan = plan;
        if let Some(a) = alias {
            plan = super::query::rename_columns(plan, &a.columns, *span)?;
        }
        let scope = Scope::qualified(qualifier.as_deref(), plan.schema());
        Ok((plan, scope))
    }

    fn bind_match_expr_top(
        &mut self,
        e: &Expr,
        scope: &Scope,
        schema: &PlanSchema,
        vars: &[String],
        defining: Option<usize>,
    ) -> PlanResult<MatchExpr> {
        let saved = self.match_scope.replace(MatchScope {
            vars: vars.to_vec(),
            defining,
            input_len: schema.len(),
            inputs: Vec::new(),
            input_types: Vec::new(),
            inner: None,
        });
        let cx = ExprContext { scope, schema, grouped: None };
        let r = self.bind_expr(e, &cx);
        let m = std::mem::replace(&mut self.match_scope, saved);
        let expr = r?;
        let m = m.ok_or_else(|| user("lost the MATCH_RECOGNIZE scope", e.span))?;
        Ok(MatchExpr { expr, inputs: m.inputs })
    }

    /// The `bind_expr` hook while a `MATCH_RECOGNIZE` clause is bound: `Some` for what
    /// only a match has.
    pub(super) fn bind_in_match(&mut self, e: &Expr, cx: &ExprContext) -> PlanResult<Option<ScalarExpr>> {
        let Some(m) = &self.match_scope else { return Ok(None) };
        match &e.kind {
            ExprKind::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let Some(v) = m.var(&parts[0].value) else { return Ok(None) };
                let column = cx.scope.resolve(&parts[1..2], cx.schema)?;
                let column = field_path(column, &parts[2..])?;
                if let Some(inner) = &m.inner {
                    if let Some((w, wspan)) = inner {
                        if *w != v {
                            return Err(user(
                                format!("this expression reads two pattern variables, \"{}\" and \"{}\"", m.vars[*w], m.vars[v]),
                                wspan.to(parts[0].span),
                            ));
                        }
                    }
                    let m = self.match_scope.as_mut().expect("checked above");
                    m.inner = Some(Some((v, parts[0].span)));
                    return Ok(Some(column));
                }
                if m.defining == Some(v) {
                    return Ok(Some(column));
                }
                let ty = column.data_type().clone().nullable();
                let m = self.match_scope.as_mut().expect("checked above");
                Ok(Some(m.add_input(MatchInput::Navigate { var: Some(v), from_first: false, offset: 0, expr: column }, ty)))
            }
            ExprKind::Function(call) => {
                let name = call.name.base().value.to_uppercase();
                let span = e.span;
                match name.as_str() {
                    "PREV" | "NEXT" => {
                        // Calcite turns PREV(Y.col, n) in the DEFINE of another variable
                        // into LAST(Y.col, n); any other PREV or NEXT is a physical offset,
                        // which Flink refuses.
                        let physical = || {
                            not_supported(&format!("{name} (Flink does not support physical offsets within partition)"), span)
                                .with_hint("Use LAST(V.col, n) for the n-th last row taken as V so far.")
                        };
                        if m.inner.is_some() {
                            return Err(user(format!("{name} cannot be nested in FIRST, LAST or an aggregate"), span));
                        }
                        let defining = m.defining;
                        if name == "NEXT" || defining.is_none() || call.args.is_empty() || call.args.len() > 2 {
                            return Err(physical());
                        }
                        let offset = match call.args.get(1) {
                            None => 1,
                            Some(o) => literal_offset(o, &name)?,
                        };
                        let (expr, var) = self.bind_match_inner(&call.args[0], cx)?;
                        let m = self.match_scope.as_mut().expect("checked above");
                        match var {
                            Some(v) if Some(v) != defining => {
                                let ty = expr.data_type().clone().nullable();
                                Ok(Some(m.add_input(MatchInput::Navigate { var: Some(v), from_first: false, offset, expr }, ty)))
                            }
                            _ if offset == 0 => Ok(Some(expr)),
                            _ => Err(physical()),
                        }
                    }
                    "CLASSIFIER" | "MATCH_NUMBER" => Err(not_supported(&format!("{name}()"), span)),
                    "MATCH_ROWTIME" | "MATCH_PROCTIME" => {
                        if m.inner.is_some() {
                            return Err(user(format!("{name}() cannot be nested in FIRST, LAST or an aggregate"), span));
                        }
                        if call.args.len() > 1 || (name == "MATCH_PROCTIME" && !call.args.is_empty()) {
                            return Err(user(format!("{name} takes no arguments here"), span));
                        }
                        let (input, ty) = if name == "MATCH_ROWTIME" {
                            // MATCH_ROWTIME() is a TIMESTAMP(3); MATCH_ROWTIME(rowtime) has
                            // the type of its rowtime argument.
                            let ty = match call.args.first() {
                                None => DataType::not_null(TypeKind::Timestamp { precision: 3 }),
                                Some(a) => match self.bind_expr(a, cx)? {
                                    ScalarExpr::Column { index, .. } if cx.schema.fields[index].time_attribute == Some(TimeAttribute::Rowtime) => {
                                        m_rowtime(&cx.schema.fields[index].data_type)
                                    }
                                    _ => return Err(user(format!("{name} takes a rowtime attribute as its argument"), a.span)),
                                },
                            };
                            (MatchInput::MatchRowtime { data_type: ty.clone() }, ty)
                        } else {
                            (MatchInput::MatchProctime, DataType::not_null(TypeKind::TimestampLtz { precision: 3 }))
                        };
                        let m = self.match_scope.as_mut().expect("checked above");
                        Ok(Some(m.add_input(input, ty)))
                    }
                    "FIRST" | "LAST" => {
                        if m.inner.is_some() {
                            return Err(user(format!("{name} cannot be nested in FIRST, LAST or an aggregate"), span));
                        }
                        if call.args.is_empty() || call.args.len() > 2 {
                            return Err(user(format!("{name} takes a value and an optional offset: {name}(A.price, 1)"), span));
                        }
                        let offset = match call.args.get(1) {
                            None => 0,
                            Some(o) => literal_offset(o, &name)?,
                        };
                        let (expr, var) = self.bind_match_inner(&call.args[0], cx)?;
                        let m = self.match_scope.as_mut().expect("checked above");
                        let from_first = name == "FIRST";
                        // The current row, in its own variable's DEFINE.
                        if !from_first && offset == 0 && var.is_some() && var == m.defining {
                            return Ok(Some(expr));
                        }
                        if !from_first && offset == 0 && var.is_none() && m.defining.is_some() {
                            return Ok(Some(expr));
                        }
                        let ty = expr.data_type().clone().nullable();
                        Ok(Some(m.add_input(MatchInput::Navigate { var, from_first, offset, expr }, ty)))
                    }
                    _ if AGGREGATES.contains(&name.as_str()) && call.over.is_none() => {
                        if m.inner.is_some() {
                            return Err(user(format!("aggregate \"{name}\" cannot be nested in FIRST, LAST or an aggregate"), span));
                        }
                        let kind = aggregate_kind(&name)
                            .filter(|k| {
                                !matches!(
                                    k,
                                    sluice_runtime::spec::AggregateKind::JsonArrayAgg { .. }
                                        | sluice_runtime::spec::AggregateKind::JsonObjectAgg { .. }
                                )
                            })
                            .ok_or_else(|| not_supported(&format!("{name} in MATCH_RECOGNIZE"), span))?;
                        if call.filter.is_some() {
                            return Err(not_supported("FILTER on an aggregate in MATCH_RECOGNIZE", span));
                        }
                        if call.distinct {
                            return Err(not_supported("DISTINCT aggregates in MATCH_RECOGNIZE", span));
                        }
                        check_arity(&name, kind, call.args.len(), call.star, span)?;
                        let mut args = Vec::new();
                        let mut var: Option<usize> = None;
                        for a in &call.args {
                            let (expr, v) = self.bind_match_inner(a, cx)?;
                            if let (Some(x), Some(y)) = (var, v) {
                                if x != y {
                                    return Err(user("the arguments of an aggregate read two pattern variables", a.span));
                                }
                            }
                            var = var.or(v);
                            args.push(expr);
                        }
                        let mut separator = None;
                        if kind == sluice_runtime::spec::AggregateKind::ListAgg && args.len() == 2 {
                            match args.pop() {
                                Some(ScalarExpr::Literal { value: ScalarValue::String(s), .. }) => separator = Some(s),
                                _ => return Err(user("the separator of LISTAGG must be a string literal", call.args[1].span)),
                            }
                        }
                        let arg_type = args.first().map(|a| a.data_type().clone());
                        let output_type = result_type(&name, kind, arg_type.as_ref(), span)?;
                        let call = AggregateCall {
                            kind,
                            args: (0..args.len()).collect(),
                            distinct: false,
                            filter: None,
                            separator,
                            arg_type,
                            output_type: output_type.clone(),
                        };
                        let m = self.match_scope.as_mut().expect("checked above");
                        Ok(Some(m.add_input(MatchInput::Aggregate { var, call, args }, output_type)))
                    }
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// Binds the argument of `FIRST`/`LAST`/an aggregate: an expression over one row,
    /// and the variable it reads (`None`: every row of the match).
    fn bind_match_inner(&mut self, e: &Expr, cx: &ExprContext) -> PlanResult<(ScalarExpr, Option<usize>)> {
        let m = self.match_scope.as_mut().ok_or_else(|| user("FIRST and LAST belong in MATCH_RECOGNIZE", e.span))?;
        let saved = m.inner.replace(None);
        let r = self.bind_expr(e, cx);
        let m = self.match_scope.as_mut().ok_or_else(|| user("lost the MATCH_RECOGNIZE scope", e.span))?;
        let var = std::mem::replace(&mut m.inner, saved).flatten().map(|(v, _)| v);
        Ok((r?, var))
    }
}

/// The offset argument of a navigation function.
fn literal_offset(o: &Expr, name: &str) -> PlanResult<usize> {
    match &o.kind {
        ExprKind::Literal(ast::Literal::Number(n)) => {
            n.parse::<usize>().map_err(|_| user(format!("the offset of {name} must be a non-negative whole number"), o.span))
        }
        _ => Err(user(format!("the offset of {name} must be a literal number"), o.span)),
    }
}

/// The type of `MATCH_ROWTIME(col)`: the rowtime's own type, NOT NULL.
fn m_rowtime(t: &DataType) -> DataType {
    DataType { nullable: false, ..t.clone() }
}

fn collect_vars(p: &Pattern, out: &mut Vec<String>) {
    match p {
        Pattern::Var(v) => {
            if !out.contains(&v.value) {
                out.push(v.value.clone());
            }
        }
        Pattern::Concat(items) | Pattern::Alternation(items) => items.iter().for_each(|i| collect_vars(i, out)),
        Pattern::Quantified { pattern, .. } => collect_vars(pattern, out),
        Pattern::Group(inner) => collect_vars(inner, out),
    }
}

fn bind_pattern(p: &Pattern, vars: &[String]) -> PlanResult<MatchPattern> {
    Ok(match p {
        Pattern::Var(v) => MatchPattern::Var(vars.iter().position(|x| *x == v.value).unwrap_or(0)),
        Pattern::Concat(items) => MatchPattern::Concat(items.iter().map(|i| bind_pattern(i, vars)).collect::<PlanResult<_>>()?),
        Pattern::Alternation(items) => {
            MatchPattern::Alternation(items.iter().map(|i| bind_pattern(i, vars)).collect::<PlanResult<_>>()?)
        }
        Pattern::Group(inner) => bind_pattern(inner, vars)?,
        Pattern::Quantified { pattern, min, max, reluctant, span } => {
            let inner = bind_pattern(pattern, vars)?;
            if !matches!(inner, MatchPattern::Var(_)) {
                return Err(not_supported("a quantifier on a group of pattern variables", *span)
                    .with_hint("Flink quantifies single variables only: write A+ B+ rather than (A B)+."));
            }
            if *reluctant && *min == 0 && *max == Some(1) {
                return Err(not_supported("the reluctant optional quantifier ??", *span)
                    .with_hint("Flink does not support it either; use ? (greedy) instead."));
            }
            if max.is_some_and(|m| m < *min) {
                return Err(user(format!("the quantifier {{{min},{}}} has its maximum below its minimum", max.unwrap_or(0)), *span));
            }
            if *max == Some(0) {
                return Err(user("a quantifier with a maximum of 0 matches nothing", *span));
            }
            MatchPattern::Quantified { pattern: Box::new(inner), min: *min, max: *max, greedy: !*reluctant }
        }
    })
}

/// Whether a quantifier is compiled greedy by Flink: a choice of how many rows to take,
/// not `?`, not reluctant.
fn is_greedy(p: &Pattern) -> bool {
    matches!(p, Pattern::Quantified { min, max, reluctant: false, .. } if *max != Some(*min) && !(*min == 0 && *max == Some(1)))
}

/// Flink's checks on the sequence of quantified variables: the last one may not be
/// greedy, an optional `X?` or `X*` may not follow a greedy quantifier, and the pattern
/// must take at least one row.
fn check_pattern_shape(p: &Pattern, span: Span) -> PlanResult<()> {
    let items: Vec<&Pattern> = match p {
        Pattern::Concat(items) => items.iter().collect(),
        other => vec![other],
    };
    if let Some(q @ Pattern::Quantified { span, .. }) = items.last() {
        if is_greedy(q) {
            return Err(not_supported("a greedy quantifier on the last variable of the pattern", *span).with_hint(
                "Flink refuses it too. End the pattern with a plain variable or a reluctant quantifier (B+?), or add a \
                 variable after it whose DEFINE is the negation of the looping one.",
            ));
        }
    }
    for pair in items.windows(2) {
        if let Pattern::Quantified { min: 0, max: None | Some(1), span: s, .. } = pair[1] {
            if is_greedy(pair[0]) {
                return Err(not_supported("an optional variable (X? or X*) right after a greedy quantifier", *s).with_hint(
                    "Flink refuses it too (\"Optional pattern cannot be preceded by greedy pattern\"). Make the previous \
                     quantifier reluctant (B+?), or use X{0,n} instead.",
                ));
            }
        }
    }
    let optional = |p: &Pattern| matches!(p, Pattern::Quantified { min: 0, .. });
    if items.iter().all(|p| optional(p)) {
        return Err(user("this pattern can match no rows at all", span).with_hint(
            "As in Flink, a pattern needs at least one variable that is not optional (\"Patterns that can produce empty \
             matches are not supported\").",
        ));
    }
    Ok(())
}
