//! Window Top-N and deduplication: a filter `rn <= N` (or `rn < N`, `rn = N`) on a
//! `ROW_NUMBER()` partitioned by `window_start` and `window_end` of a window TVF or
//! window aggregation becomes a `WindowRank`.

use sluice_expr::{Func, ScalarExpr};
use sluice_types::TypeKind;

use crate::error::PlanResult;
use crate::logical::LogicalPlan;

/// Rewrites `Filter(rn <= N, projections over RowNumber)` into a window rank when the
/// row number is partitioned by a window; other plans come back unchanged.
pub fn to_window_rank(plan: LogicalPlan) -> PlanResult<LogicalPlan> {
    let LogicalPlan::Filter { input, predicate } = plan else { return Ok(plan) };
    let Some(rn) = row_number_column(&input) else {
        return Ok(LogicalPlan::Filter { input, predicate });
    };
    let mut conjuncts = Vec::new();
    split_and(predicate.clone(), &mut conjuncts);
    let Some(pos) = conjuncts.iter().position(|c| limit_of(c, rn).is_some()) else {
        return Ok(LogicalPlan::Filter { input, predicate });
    };
    let limit = limit_of(&conjuncts[pos], rn).unwrap_or(0);
    let Some(ranked) = replace_row_number(*input.clone(), limit) else {
        return Ok(LogicalPlan::Filter { input, predicate });
    };
    // `rn = N` for N > 1 ranks the first N and keeps the N-th (Flink's rank range
    // [N, N]): the condition stays as a filter on the emitted row number.
    if !is_rank_equality(&conjuncts[pos], limit) {
        conjuncts.remove(pos);
    }
    Ok(match conjuncts.into_iter().reduce(|a, b| and(a, b)) {
        Some(rest) => LogicalPlan::Filter { input: Box::new(ranked), predicate: rest },
        None => ranked,
    })
}

/// The column of `plan` that is the row number of a `RowNumber` under plain projections.
fn row_number_column(plan: &LogicalPlan) -> Option<usize> {
    match plan {
        LogicalPlan::RowNumber { schema, .. } => Some(schema.len() - 1),
        LogicalPlan::Project { input, exprs, .. } => {
            let inner = row_number_column(input)?;
            exprs.iter().position(|e| matches!(e, ScalarExpr::Column { index, .. } if *index == inner))
        }
        _ => None,
    }
}

/// `rn <= N` -> N, `rn < N` -> N - 1, `rn = N` -> N.
fn limit_of(e: &ScalarExpr, rn: usize) -> Option<usize> {
    let ScalarExpr::Call { func, args, .. } = e else { return None };
    let [ScalarExpr::Column { index, .. }, value] = args.as_slice() else { return None };
    if *index != rn {
        return None;
    }
    let n = literal_int(value)?;
    match func {
        Func::LtEq if n >= 1 => Some(n as usize),
        Func::Lt if n >= 2 => Some(n as usize - 1),
        Func::Eq if n >= 1 => Some(n as usize),
        _ => None,
    }
}

/// Whether `e` (a limit condition) is `rn = N` with N > 1, which a rank alone does not
/// express.
fn is_rank_equality(e: &ScalarExpr, limit: usize) -> bool {
    matches!(e, ScalarExpr::Call { func: Func::Eq, .. }) && limit > 1
}

fn literal_int(e: &ScalarExpr) -> Option<i64> {
    match e {
        ScalarExpr::Literal { value, .. } => value.as_i64(),
        ScalarExpr::Cast { expr, data_type, .. } if data_type.kind.is_integer() => literal_int(expr),
        _ => None,
    }
}

fn split_and(e: ScalarExpr, out: &mut Vec<ScalarExpr>) {
    match e {
        ScalarExpr::Call { func: Func::And, args, .. } => args.into_iter().for_each(|a| split_and(a, out)),
        other => out.push(other),
    }
}

fn and(a: ScalarExpr, b: ScalarExpr) -> ScalarExpr {
    let nullable = a.data_type().nullable || b.data_type().nullable;
    let data_type = sluice_types::DataType::new(TypeKind::Boolean).with_nullable(nullable);
    ScalarExpr::Call { func: Func::And, args: vec![a, b], data_type }
}

/// The plan with its `RowNumber` replaced by a `WindowRank` of `limit` rows, when the
/// row number is partitioned by `window_start` and `window_end`.
fn replace_row_number(plan: LogicalPlan, limit: usize) -> Option<LogicalPlan> {
    match plan {
        LogicalPlan::RowNumber { input, keys, order, schema, .. } => {
            let start = keys.iter().copied().find(|k| window_role(&input, *k) == Some(0))?;
            let end = keys.iter().copied().find(|k| window_role(&input, *k) == Some(1))?;
            let others = keys.into_iter().filter(|k| *k != start && *k != end).collect();
            let ltz = matches!(window_time_type(&input), Some(TypeKind::TimestampLtz { .. }));
            Some(LogicalPlan::WindowRank { input, window_start: start, window_end: end, keys: others, order, limit, ltz, schema })
        }
        LogicalPlan::Project { input, exprs, schema } => {
            Some(LogicalPlan::Project { input: Box::new(replace_row_number(*input, limit)?), exprs, schema })
        }
        _ => None,
    }
}

/// The kind of the rowtime of the window that `plan`'s window columns come from.
fn window_time_type(plan: &LogicalPlan) -> Option<TypeKind> {
    match plan {
        LogicalPlan::WindowTvf { schema, .. } | LogicalPlan::Aggregate { window: Some(_), schema, .. } => {
            schema.fields.last().map(|f| f.data_type.kind.clone())
        }
        LogicalPlan::Project { input, .. } | LogicalPlan::Filter { input, .. } | LogicalPlan::WindowRank { input, .. } => {
            window_time_type(input)
        }
        _ => None,
    }
}

/// Whether column `col` of `plan` is a window's start (0), end (1) or time (2).
fn window_role(plan: &LogicalPlan, col: usize) -> Option<usize> {
    match plan {
        LogicalPlan::WindowTvf { input, .. } => col.checked_sub(input.schema().len()),
        LogicalPlan::Aggregate { keys, aggregates, window: Some(_), .. } => col.checked_sub(keys.len() + aggregates.len()),
        LogicalPlan::WindowRank { input, .. } => window_role(input, col),
        LogicalPlan::Project { input, exprs, .. } => match exprs.get(col)? {
            ScalarExpr::Column { index, .. } => window_role(input, *index),
            _ => None,
        },
        LogicalPlan::Filter { input, .. } => window_role(input, col),
        _ => None,
    }
}

