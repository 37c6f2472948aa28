//! Query hints on a SELECT: `/*+ STATE_TTL('input' = '1d', ...) */` sets the state
//! time-to-live of that query's updating `GROUP BY` (keyed by the name or alias of its
//! input), overriding `table.exec.state.ttl` as in Flink.

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
    // One input: its TTL is the aggregate's. With several (a join), the aggregate above
    // the join takes the longest, so no state it needs is dropped early.
    let ttl = hints.iter().map(|(_, t, _)| *t).max();
    Ok(set_aggregate_ttl(plan, ttl))
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
