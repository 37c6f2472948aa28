//! Top-N and deduplication: a filter `rn <= N` (or `rn < N`, `rn = N`) on a
//! `ROW_NUMBER()` becomes a rank node, as Flink's planner recognises them:
//! - partitioned by `window_start` and `window_end` of a window TVF or window
//!   aggregation: a `WindowRank` (window Top-N / window deduplication);
//! - otherwise, with `rn = 1` and an `ORDER BY` of a single time attribute: a
//!   `Deduplicate` (keep the first row per key when ascending, the last when
//!   descending; on processing time, or on event time for a rowtime);
//! - otherwise an unbounded `Rank` (Top-N), an updating result.
//!
//! A `ROW_NUMBER()` without such a filter stays a `RowNumber`, which Flink does not run
//! either (it only supports ROW_NUMBER as Top-N or deduplication).

use sluice_expr::{Func, ScalarExpr};
use sluice_runtime::spec::SortKey;
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use crate::error::PlanResult;
use crate::logical::{LogicalPlan, PlanSchema, TimeAttribute};

/// Rewrites `Filter(rn <= N, projections over RowNumber)` into a window rank when the
/// row number is partitioned by a window, into a deduplication or an unbounded Top-N
/// otherwise; other plans come back unchanged.
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

/// The plan with its `RowNumber` replaced by a rank of `limit` rows: a `WindowRank`
/// when the row number is partitioned by `window_start` and `window_end`, else a
/// `Deduplicate` or a `Rank`. The replacement has the row number's columns.
fn replace_row_number(plan: LogicalPlan, limit: usize) -> Option<LogicalPlan> {
    match plan {
        LogicalPlan::RowNumber { input, keys, order, schema, span } => {
            let start = keys.iter().copied().find(|k| window_role(&input, *k) == Some(0));
            let end = keys.iter().copied().find(|k| window_role(&input, *k) == Some(1));
            let (Some(start), Some(end)) = (start, end) else {
                return Some(unbounded_rank(*input, keys, order, limit, schema, span));
            };
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


/// A row number without a window, filtered to the first `limit` rows. With `limit` 1
/// and an order on one time attribute it is Flink's deduplication: ascending keeps the
/// first row per key, descending the last; its row number is always 1. Anything else is
/// Flink's (unbounded) Top-N, which emits its row number.
fn unbounded_rank(
    input: LogicalPlan,
    keys: Vec<usize>,
    order: Vec<SortKey>,
    limit: usize,
    schema: PlanSchema,
    span: Span,
) -> LogicalPlan {
    let time = match order.as_slice() {
        [key] if limit == 1 => input.schema().fields.get(key.column).and_then(|f| f.time_attribute).map(|t| (key, t)),
        _ => None,
    };
    let Some((key, time)) = time else {
        return LogicalPlan::Rank { input: Box::new(input), keys, order, limit, emit_rank: true, schema, span };
    };
    let rowtime = (time == TimeAttribute::Rowtime).then_some(key.column);
    let keep_last = !key.ascending;
    let dedup_schema = input.schema().clone();
    let mut exprs: Vec<ScalarExpr> = dedup_schema
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() })
        .collect();
    exprs.push(ScalarExpr::Literal { value: ScalarValue::BigInt(1), data_type: DataType::bigint().with_nullable(false) });
    let dedup = LogicalPlan::Deduplicate { input: Box::new(input), keys, keep_last, rowtime, schema: dedup_schema, span };
    LogicalPlan::Project { input: Box::new(dedup), exprs, schema }
}

/// Drops the row number of a `Rank` that nothing above reads, as Flink's planner only
/// outputs the rank number when the query selects it: a `Project(Rank)` or
/// `Project(Filter(Rank))` whose projection (and filter) leave the rank column alone
/// becomes the same plan over a `Rank` without `emit_rank`, which emits `-D`/`+I` for
/// rows entering and leaving the top instead of per-rank updates. Meant for each
/// projection of an already simplified plan (`rewrite::optimize`); any other plan comes
/// back unchanged.
pub fn prune_rank_number(plan: LogicalPlan) -> LogicalPlan {
    let LogicalPlan::Project { input, exprs, schema } = plan else { return plan };
    let input = match *input {
        LogicalPlan::Rank { input: inner, keys, order, limit, emit_rank: true, schema: rank_schema, span }
            if !exprs.iter().any(|e| references(e, rank_schema.len() - 1)) =>
        {
            without_rank_number(*inner, keys, order, limit, rank_schema, span)
        }
        LogicalPlan::Filter { input: filtered, predicate } => match *filtered {
            LogicalPlan::Rank { input: inner, keys, order, limit, emit_rank: true, schema: rank_schema, span }
                if !exprs.iter().chain([&predicate]).any(|e| references(e, rank_schema.len() - 1)) =>
            {
                let rank = without_rank_number(*inner, keys, order, limit, rank_schema, span);
                LogicalPlan::Filter { input: Box::new(rank), predicate }
            }
            other => LogicalPlan::Filter { input: Box::new(other), predicate },
        },
        other => other,
    };
    LogicalPlan::Project { input: Box::new(input), exprs, schema }
}

#[allow(dead_code)]
fn without_rank_number(
    input: LogicalPlan,
    keys: Vec<usize>,
    order: Vec<SortKey>,
    limit: usize,
    mut schema: PlanSchema,
    span: Span,
) -> LogicalPlan {
    schema.fields.pop();
    LogicalPlan::Rank { input: Box::new(input), keys, order, limit, emit_rank: false, schema, span }
}

/// Whether `e` reads column `col`.
#[allow(dead_code)]
fn references(e: &ScalarExpr, col: usize) -> bool {
    e.referenced_columns().contains(&col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::PlanField;

    fn rank_under(columns: &[usize]) -> LogicalPlan {
        let fields = vec![PlanField::new("k", DataType::new(TypeKind::Int)), PlanField::new("v", DataType::bigint())];
        let input = LogicalPlan::Values { rows: vec![], schema: PlanSchema::new(fields.clone()) };
        let mut rank_fields = fields;
        rank_fields.push(PlanField::new("$rn", DataType::bigint().with_nullable(false)));
        let rank = LogicalPlan::Rank {
            input: Box::new(input),
            keys: vec![0],
            order: vec![SortKey { column: 1, ascending: false, nulls_first: false }],
            limit: 2,
            emit_rank: true,
            schema: PlanSchema::new(rank_fields),
            span: Span::default(),
        };
        let exprs = columns.iter().map(|c| ScalarExpr::Column { index: *c, data_type: rank.schema().fields[*c].data_type.clone() }).collect();
        let names = columns.iter().map(|c| rank.schema().fields[*c].name.clone()).collect();
        rank.project(exprs, names)
    }

    fn emits_rank(plan: &LogicalPlan) -> Option<bool> {
        match plan {
            LogicalPlan::Project { input, .. } | LogicalPlan::Filter { input, .. } => emits_rank(input),
            LogicalPlan::Rank { emit_rank, schema, .. } => Some(*emit_rank && schema.len() == 3),
            _ => None,
        }
    }

    #[test]
    fn an_unread_row_number_is_dropped() {
        assert_eq!(emits_rank(&prune_rank_number(rank_under(&[0, 1]))), Some(false));
    }

    #[test]
    fn a_selected_row_number_stays() {
        assert_eq!(emits_rank(&prune_rank_number(rank_under(&[1, 2]))), Some(true));
    }
}
