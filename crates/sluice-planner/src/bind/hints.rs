//! Query hints on a SELECT: `/*+ STATE_TTL('input' = '1d', ...) */` sets the state
//! time-to-live of that query's regular joins (each side's rows by the name or alias of
//! that input) and of its updating `GROUP BY` (by the name of its input), overriding
//! `table.exec.state.ttl` as in Flink.

use std::time::Duration;

use sluice_sql::ast::{self, TableRef};

use crate::duration::parse_duration;
use crate::error::{user, PlanResult};
use crate::logical::LogicalPlan;

/// The `STATE_TTL` entries of a SELECT's hints: input name (as written) and TTL.
pub fn state_ttl_hints(hints: &[ast::Hint]) -> PlanResult<Vec<(String, Duration, sluice_sql::Span)>> {
    let mut out = Vec::new();
    for hint in hints.iter().filter(|h| h.name.value.eq_ignore_ascii_case("STATE_TTL")) {
        if hint.options.is_empty() {
            return Err(user("STATE_TTL needs 'input' = 'duration' pairs", hint.span)
                .with_hint("Name the input table or alias and its TTL, e.g. /*+ STATE_TTL('orders' = '1d') */."));
        }
        for option in &hint.options {
            let ttl = parse_duration(&option.value).map_err(|e| {
                user(format!("invalid duration \"{}\" in STATE_TTL: {e}", option.value), option.value_span)
            })?;
            out.push((option.key.clone(), ttl, option.key_span));
        }
    }
    Ok(out)
}

/// The names a FROM clause makes visible: aliases, else table names.
pub fn input_names(from: &TableRef, out: &mut Vec<String>) {
    match from {
        TableRef::Named { name, alias, .. } => {
            out.push(alias.as_ref().map_or_else(|| name.base().value.clone(), |a| a.name.value.clone()))
        }
        TableRef::Derived { alias, .. } | TableRef::Function { alias, .. } | TableRef::MatchRecognize { alias, .. } => {
            if let Some(a) = alias {
                out.push(a.name.value.clone());
            }
        }
        TableRef::Unnest { .. } => {}
        TableRef::Join(join) => {
            input_names(&join.left, out);
            input_names(&join.right, out);
        }
    }
}

/// Applies a SELECT's `STATE_TTL` hints to its updating `GROUP BY`. A key that names no
/// input of the SELECT is an error, as in Flink.
pub fn apply_state_ttl(plan: LogicalPlan, select: &ast::Select) -> PlanResult<LogicalPlan> {
    let hints = state_ttl_hints(&select.hints)?;
    if hints.is_empty() {
        return Ok(plan);
    }
    let mut names = Vec::new();
    if let Some(from) = &select.from {
        input_names(from, &mut names);
    }
    for (key, _, span) in &hints {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(key)) {
            return Err(user(format!("STATE_TTL names \"{key}\", which is not an input of this query"), *span)
                .with_hint(format!("The inputs here are: {}.", names.join(", "))));
        }
    }
    let ttl_of = |names: &[String]| {
        hints.iter().filter(|(k, _, _)| names.iter().any(|n| n.eq_ignore_ascii_case(k))).map(|(_, t, _)| *t).max()
    };
    // One input: its TTL is the aggregate's. With several (a join), the aggregate above
    // the join takes the longest, so no state it needs is dropped early.
    let plan = set_aggregate_ttl(plan, ttl_of(&names));
    Ok(match &select.from {
        Some(TableRef::Join(join)) => set_join_ttl(plan, join, &ttl_of),
        _ => plan,
    })
}

/// Sets the TTL of each side of the regular join that `join` (the FROM clause) became,
/// and of the joins nested in it, from the names of each side's inputs.
fn set_join_ttl(plan: LogicalPlan, join: &ast::Join, ttl_of: &dyn Fn(&[String]) -> Option<Duration>) -> LogicalPlan {
    match plan {
        LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval: None, residual, schema, span, .. } => {
            let (mut left_names, mut right_names) = (Vec::new(), Vec::new());
            input_names(&join.left, &mut left_names);
            input_names(&join.right, &mut right_names);
            let nested = |plan: LogicalPlan, side: &TableRef| match side {
                TableRef::Join(inner) => set_join_ttl(plan, inner, ttl_of),
                _ => plan,
            };
            LogicalPlan::Join {
                left: Box::new(nested(*left, &join.left)),
                right: Box::new(nested(*right, &join.right)),
                join_type,
                left_keys,
                right_keys,
                interval: None,
                residual,
                schema,
                span,
                state_ttl: [ttl_of(&left_names), ttl_of(&right_names)],
            }
        }
        LogicalPlan::Project { input, exprs, schema } => {
            LogicalPlan::Project { input: Box::new(set_join_ttl(*input, join, ttl_of)), exprs, schema }
        }
        LogicalPlan::Filter { input, predicate } => {
            LogicalPlan::Filter { input: Box::new(set_join_ttl(*input, join, ttl_of)), predicate }
        }
        LogicalPlan::Aggregate { input, keys, aggregates, window, schema, span, state_ttl } => LogicalPlan::Aggregate {
            input: Box::new(set_join_ttl(*input, join, ttl_of)),
            keys,
            aggregates,
            window,
            schema,
            span,
            state_ttl,
        },
        other => other,
    }
}

fn set_aggregate_ttl(plan: LogicalPlan, ttl: Option<Duration>) -> LogicalPlan {
    match plan {
        LogicalPlan::Aggregate { input, keys, aggregates, window: None, schema, span, .. } => {
            LogicalPlan::Aggregate { input, keys, aggregates, window: None, schema, span, state_ttl: ttl }
        }
        LogicalPlan::Project { input, exprs, schema } => {
            LogicalPlan::Project { input: Box::new(set_aggregate_ttl(*input, ttl)), exprs, schema }
        }
        LogicalPlan::Filter { input, predicate } => {
            LogicalPlan::Filter { input: Box::new(set_aggregate_ttl(*input, ttl)), predicate }
        }
        other => other,
    }
}
