//! Rewrites of typed expressions used when plans are combined.

use sluice_expr::ScalarExpr;

use crate::logical::LogicalPlan;

/// Simplifies a plan before it is explained or lowered: a projection over a projection
/// becomes one projection (so that one Calc computes both), where that computes nothing
/// twice.
pub fn optimize(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Project { input, exprs, schema } => {
            let input = optimize(*input);
            if let LogicalPlan::Project { input: inner_input, exprs: inner_exprs, .. } = &input {
                if can_merge(&exprs, inner_exprs) {
                    let merged = exprs.iter().map(|e| substitute(e, inner_exprs)).collect();
                    let plan = LogicalPlan::Project { input: inner_input.clone(), exprs: merged, schema };
                    return crate::bind::prune_rank_number(plan);
                }
            }
            crate::bind::prune_rank_number(LogicalPlan::Project { input: Box::new(input), exprs, schema })
        }
        LogicalPlan::Filter { input, predicate } => LogicalPlan::Filter { input: Box::new(optimize(*input)), predicate },
        LogicalPlan::Unnest { input, collection, with_ordinality, outer, schema } => {
            LogicalPlan::Unnest { input: Box::new(optimize(*input)), collection, with_ordinality, outer, schema }
        }
        LogicalPlan::Union { inputs, schema } => {
            LogicalPlan::Union { inputs: inputs.into_iter().map(optimize).collect(), schema }
        }
        LogicalPlan::Aggregate { input, keys, aggregates, window, schema, span, state_ttl } => {
            LogicalPlan::Aggregate { input: Box::new(optimize(*input)), keys, aggregates, window, schema, span, state_ttl }
        }
        LogicalPlan::WindowTvf { input, kind, time_column, partition_keys, schema, span } => {
            LogicalPlan::WindowTvf { input: Box::new(optimize(*input)), kind, time_column, partition_keys, schema, span }
        }
        LogicalPlan::OverAggregate { input, keys, time_column, frame, aggregates, schema, span } => LogicalPlan::OverAggregate {
            input: Box::new(optimize(*input)),
            keys,
            time_column,
            frame,
            aggregates,
            schema,
            span,
        },
        LogicalPlan::RowNumber { input, keys, order, schema, span } => {
            LogicalPlan::RowNumber { input: Box::new(optimize(*input)), keys, order, schema, span }
        }
        LogicalPlan::WindowRank { input, window_start, window_end, keys, order, limit, ltz, schema } => LogicalPlan::WindowRank {
            input: Box::new(optimize(*input)),
            window_start,
            window_end,
            keys,
            order,
            limit,
            ltz,
            schema,
        },
        LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, span, state_ttl } => LogicalPlan::Join {
            left: Box::new(optimize(*left)),
            right: Box::new(optimize(*right)),
            join_type,
            left_keys,
            right_keys,
            interval,
            residual,
            schema,
            span,
            state_ttl,
        },
        LogicalPlan::TemporalJoin { left, right, left_join, left_keys, right_keys, left_time, right_time, residual, schema, span } => {
            LogicalPlan::TemporalJoin {
                left: Box::new(optimize(*left)),
                right: Box::new(optimize(*right)),
                left_join,
                left_keys,
                right_keys,
                left_time,
                right_time,
                residual,
                schema,
                span,
            }
        }
        LogicalPlan::SemiJoin { left, right, anti, left_keys, right_keys, null_safe, residual, schema, span } => {
            LogicalPlan::SemiJoin {
                left: Box::new(optimize(*left)),
                right: Box::new(optimize(*right)),
                anti,
                left_keys,
                right_keys,
                null_safe,
                residual,
                schema,
                span,
            }
        }
        LogicalPlan::WindowJoin {
            left,
            right,
            join_type,
            semi,
            left_keys,
            right_keys,
            null_safe,
            left_window,
            right_window,
            kind,
            ltz,
            residual,
            schema,
            span,
        } => LogicalPlan::WindowJoin {
            left: Box::new(optimize(*left)),
            right: Box::new(optimize(*right)),
            join_type,
            semi,
            left_keys,
            right_keys,
            null_safe,
            left_window,
            right_window,
            kind,
            ltz,
            residual,
            schema,
            span,
        },
        LogicalPlan::ReplicateRows { input, count, columns, schema } => {
            LogicalPlan::ReplicateRows { input: Box::new(optimize(*input)), count, columns, schema }
        }
        LogicalPlan::MatchRecognize { input, spec, schema, span } => {
            LogicalPlan::MatchRecognize { input: Box::new(optimize(*input)), spec, schema, span }
        }
        LogicalPlan::LookupJoin { input, table, left, keys, key_columns, residual, schema, span } => {
            LogicalPlan::LookupJoin { input: Box::new(optimize(*input)), table, left, keys, key_columns, residual, schema, span }
        }
        LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, span } => {
            LogicalPlan::Rank { input: Box::new(optimize(*input)), keys, order, limit, emit_rank, schema, span }
        }
        LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, schema, span } => {
            LogicalPlan::Deduplicate { input: Box::new(optimize(*input)), keys, keep_last, rowtime, schema, span }
        }
        LogicalPlan::TemporalSort { input, rowtime, then_by, schema, span } => {
            LogicalPlan::TemporalSort { input: Box::new(optimize(*input)), rowtime, then_by, schema, span }
        }
        LogicalPlan::Expand { input, projections, schema } => {
            LogicalPlan::Expand { input: Box::new(optimize(*input)), projections, schema }
        }
        leaf @ (LogicalPlan::Scan { .. } | LogicalPlan::Values { .. }) => leaf,
    }
}

/// Replaces every `Column { i }` in `expr` by `inputs[i]`: the expression over a
/// projection's input instead of over its output.
pub fn substitute(expr: &ScalarExpr, inputs: &[ScalarExpr]) -> ScalarExpr {
    match expr {
        ScalarExpr::Column { index, .. } => inputs[*index].clone(),
        ScalarExpr::Literal { .. } => expr.clone(),
        ScalarExpr::Call { func, args, data_type } => ScalarExpr::Call {
            func: func.clone(),
            args: args.iter().map(|a| substitute(a, inputs)).collect(),
            data_type: data_type.clone(),
        },
        ScalarExpr::Cast { expr: inner, data_type, try_cast } => ScalarExpr::Cast {
            expr: Box::new(substitute(inner, inputs)),
            data_type: data_type.clone(),
            try_cast: *try_cast,
        },
        ScalarExpr::Case { branches, else_result, data_type } => ScalarExpr::Case {
            branches: branches.iter().map(|(w, t)| (substitute(w, inputs), substitute(t, inputs))).collect(),
            else_result: else_result.as_ref().map(|e| Box::new(substitute(e, inputs))),
            data_type: data_type.clone(),
        },
        ScalarExpr::Field { expr: inner, index, data_type } => ScalarExpr::Field {
            expr: Box::new(substitute(inner, inputs)),
            index: *index,
            data_type: data_type.clone(),
        },
    }
}

/// Whether `outer` can be evaluated directly over the input of `inner` without computing
/// any non-trivial inner expression twice, or dropping a non-deterministic one.
pub fn can_merge(outer: &[ScalarExpr], inner: &[ScalarExpr]) -> bool {
    let mut uses = vec![0usize; inner.len()];
    for e in outer {
        for c in e.referenced_columns() {
            if c < uses.len() {
                uses[c] += 1;
            }
        }
    }
    inner.iter().zip(&uses).all(|(e, n)| {
        let trivial = matches!(e, ScalarExpr::Column { .. } | ScalarExpr::Literal { .. });
        trivial || (*n == 1 && e.is_constant_or_deterministic())
    })
}

trait Deterministic {
    fn is_constant_or_deterministic(&self) -> bool;
}

impl Deterministic for ScalarExpr {
    fn is_constant_or_deterministic(&self) -> bool {
        match self {
            ScalarExpr::Call { func, args, .. } => {
                func.is_deterministic() && args.iter().all(|a| a.is_constant_or_deterministic())
            }
            other => other.children().iter().all(|c| c.is_constant_or_deterministic()),
        }
    }
}
