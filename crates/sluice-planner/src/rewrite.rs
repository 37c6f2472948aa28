//! Rewrites of typed expressions used when plans are combined.

use sluice_expr::ScalarExpr;

use sluice_runtime::spec::SortKey;

use crate::logical::{LogicalPlan, PlanSchema};

/// Simplifies a plan before it is explained or lowered: a projection over a projection
/// becomes one projection (so that one Calc computes both), where that computes nothing
/// twice; and a projection over a join, a Top-N or a deduplication that keep rows in
/// state passes on which columns are read (`prune_below`), so that they keep no others.
pub fn optimize(plan: LogicalPlan) -> LogicalPlan {
    // A second pass prunes below the projections the first one merged (a query's select
    // list over the projection that adds a deduplication's row number).
    optimize_once(optimize_once(plan))
}

fn optimize_once(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Project { input, exprs, schema } => {
            let (input, exprs) = prune_below(*input, exprs);
            let input = optimize_once(input);
            if let LogicalPlan::Project { input: inner_input, exprs: inner_exprs, .. } = &input {
                if can_merge(&exprs, inner_exprs) {
                    let merged = exprs.iter().map(|e| substitute(e, inner_exprs)).collect();
                    let plan = LogicalPlan::Project { input: inner_input.clone(), exprs: merged, schema };
                    return crate::bind::prune_rank_number(plan);
                }
            }
            crate::bind::prune_rank_number(LogicalPlan::Project { input: Box::new(input), exprs, schema })
        }
        LogicalPlan::Filter { input, predicate } => LogicalPlan::Filter { input: Box::new(optimize_once(*input)), predicate },
        LogicalPlan::Unnest { input, collection, with_ordinality, outer, schema } => {
            LogicalPlan::Unnest { input: Box::new(optimize_once(*input)), collection, with_ordinality, outer, schema }
        }
        LogicalPlan::Union { inputs, schema } => {
            LogicalPlan::Union { inputs: inputs.into_iter().map(optimize_once).collect(), schema }
        }
        LogicalPlan::Aggregate { input, keys, aggregates, window, schema, span, state_ttl } => {
            LogicalPlan::Aggregate { input: Box::new(optimize_once(*input)), keys, aggregates, window, schema, span, state_ttl }
        }
        LogicalPlan::WindowTvf { input, kind, time_column, partition_keys, schema, span } => {
            LogicalPlan::WindowTvf { input: Box::new(optimize_once(*input)), kind, time_column, partition_keys, schema, span }
        }
        LogicalPlan::OverAggregate { input, keys, time_column, frame, aggregates, schema, span } => LogicalPlan::OverAggregate {
            input: Box::new(optimize_once(*input)),
            keys,
            time_column,
            frame,
            aggregates,
            schema,
            span,
        },
        LogicalPlan::RowNumber { input, keys, order, schema, span } => {
            LogicalPlan::RowNumber { input: Box::new(optimize_once(*input)), keys, order, schema, span }
        }
        LogicalPlan::WindowRank { input, window_start, window_end, keys, order, limit, ltz, schema } => LogicalPlan::WindowRank {
            input: Box::new(optimize_once(*input)),
            window_start,
            window_end,
            keys,
            order,
            limit,
            ltz,
            schema,
        },
        LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, span, state_ttl } => LogicalPlan::Join {
            left: Box::new(optimize_once(*left)),
            right: Box::new(optimize_once(*right)),
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
                left: Box::new(optimize_once(*left)),
                right: Box::new(optimize_once(*right)),
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
                left: Box::new(optimize_once(*left)),
                right: Box::new(optimize_once(*right)),
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
            left: Box::new(optimize_once(*left)),
            right: Box::new(optimize_once(*right)),
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
            LogicalPlan::ReplicateRows { input: Box::new(optimize_once(*input)), count, columns, schema }
        }
        LogicalPlan::MatchRecognize { input, spec, schema, span } => {
            LogicalPlan::MatchRecognize { input: Box::new(optimize_once(*input)), spec, schema, span }
        }
        LogicalPlan::LookupJoin { input, table, left, keys, key_columns, residual, schema, span } => {
            LogicalPlan::LookupJoin { input: Box::new(optimize_once(*input)), table, left, keys, key_columns, residual, schema, span }
        }
        LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, span } => {
            LogicalPlan::Rank { input: Box::new(optimize_once(*input)), keys, order, limit, emit_rank, schema, span }
        }
        LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, schema, span } => {
            LogicalPlan::Deduplicate { input: Box::new(optimize_once(*input)), keys, keep_last, rowtime, schema, span }
        }
        LogicalPlan::TemporalSort { input, rowtime, then_by, schema, span } => {
            LogicalPlan::TemporalSort { input: Box::new(optimize_once(*input)), rowtime, then_by, schema, span }
        }
        LogicalPlan::Expand { input, projections, schema } => {
            LogicalPlan::Expand { input: Box::new(optimize_once(*input)), projections, schema }
        }
        leaf @ (LogicalPlan::Scan { .. } | LogicalPlan::Values { .. }) => leaf,
    }
}

/// Drops the columns nothing above reads from what a stateful operator under a projection
/// keeps, as Flink's planner pushes projections down (`ProjectJoinTransposeRule` and the
/// like): a regular or interval join, whose two sides then keep only the columns the
/// projection, the join keys, the interval's time columns and the residual condition read;
/// a Top-N or a deduplication, which then keep only those the projection, the partition
/// keys and the order read. Returns the operator over projected inputs and `exprs` over
/// its new columns, or both unchanged when every column is read.
fn prune_below(input: LogicalPlan, exprs: Vec<ScalarExpr>) -> (LogicalPlan, Vec<ScalarExpr>) {
    let mut read: Vec<usize> = exprs.iter().flat_map(|e| e.referenced_columns()).collect();
    match input {
        LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, span, state_ttl } => {
            let n = left.schema().len();
            read.extend(residual.iter().flat_map(|r| r.referenced_columns()));
            read.extend(&left_keys);
            read.extend(right_keys.iter().map(|k| k + n));
            read.extend(interval.iter().flat_map(|i| [i.left_time, i.right_time + n]));
            let keep = sorted(read);
            if keep.len() == schema.len() {
                let join = LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, span, state_ttl };
                return (join, exprs);
            }
            let (left_keep, right_keep): (Vec<usize>, Vec<usize>) = keep.iter().partition(|&&c| c < n);
            let right_keep: Vec<usize> = right_keep.iter().map(|c| c - n).collect();
            let to = moved(&schema, &keep);
            let left_at = |c: usize| left_keep.binary_search(&c).unwrap_or_default();
            let right_at = |c: usize| right_keep.binary_search(&c).unwrap_or_default();
            let join = LogicalPlan::Join {
                left: Box::new(project_columns(*left, &left_keep)),
                right: Box::new(project_columns(*right, &right_keep)),
                join_type,
                left_keys: left_keys.iter().map(|&k| left_at(k)).collect(),
                right_keys: right_keys.iter().map(|&k| right_at(k)).collect(),
                interval: interval.map(|i| crate::logical::JoinInterval {
                    left_time: left_at(i.left_time),
                    right_time: right_at(i.right_time),
                    ..i
                }),
                residual: residual.map(|r| substitute(&r, &to)),
                schema: kept(&schema, &keep),
                span,
                state_ttl,
            };
            (join, exprs.iter().map(|e| substitute(e, &to)).collect())
        }
        LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, span } => {
            let n = input.schema().len();
            read.extend(&keys);
            read.extend(order.iter().map(|o| o.column));
            let keep = sorted(read.iter().copied().filter(|&c| c < n).collect());
            if keep.len() == n {
                return (LogicalPlan::Rank { input, keys, order, limit, emit_rank, schema, span }, exprs);
            }
            // The row number, when emitted, follows the input's columns.
            let out: Vec<usize> = keep.iter().copied().chain(emit_rank.then_some(n)).collect();
            let to = moved(&schema, &out);
            let at = |c: usize| keep.binary_search(&c).unwrap_or_default();
            let rank = LogicalPlan::Rank {
                input: Box::new(project_columns(*input, &keep)),
                keys: keys.iter().map(|&k| at(k)).collect(),
                order: order.iter().map(|o| SortKey { column: at(o.column), ..*o }).collect(),
                limit,
                emit_rank,
                schema: kept(&schema, &out),
                span,
            };
            (rank, exprs.iter().map(|e| substitute(e, &to)).collect())
        }
        LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, schema, span } => {
            read.extend(&keys);
            read.extend(rowtime);
            let keep = sorted(read);
            if keep.len() == schema.len() {
                return (LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, schema, span }, exprs);
            }
            let to = moved(&schema, &keep);
            let at = |c: usize| keep.binary_search(&c).unwrap_or_default();
            let dedup = LogicalPlan::Deduplicate {
                input: Box::new(project_columns(*input, &keep)),
                keys: keys.iter().map(|&k| at(k)).collect(),
                keep_last,
                rowtime: rowtime.map(at),
                schema: kept(&schema, &keep),
                span,
            };
            (dedup, exprs.iter().map(|e| substitute(e, &to)).collect())
        }
        LogicalPlan::Filter { input, predicate } => {
            // Through a filter, which reads its predicate's columns as well.
            let n = exprs.len();
            let mut carried = exprs;
            carried.push(predicate.clone());
            let (input, mut carried) = prune_below(*input, carried);
            let predicate = carried.pop().filter(|_| carried.len() == n).unwrap_or(predicate);
            (LogicalPlan::Filter { input: Box::new(input), predicate }, carried)
        }
        other => (other, exprs),
    }
}

fn sorted(mut columns: Vec<usize>) -> Vec<usize> {
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// The fields of `schema` at `keep`, in that order.
fn kept(schema: &PlanSchema, keep: &[usize]) -> PlanSchema {
    PlanSchema::new(keep.iter().map(|&c| schema.fields[c].clone()).collect())
}

/// For `substitute`: each column of `schema` as the column it becomes when only `keep`
/// is kept (a dropped column, which nothing reads, stays as it was).
fn moved(schema: &PlanSchema, keep: &[usize]) -> Vec<ScalarExpr> {
    let mut to: Vec<ScalarExpr> = schema
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() })
        .collect();
    for (at, &c) in keep.iter().enumerate() {
        to[c] = ScalarExpr::Column { index: at, data_type: schema.fields[c].data_type.clone() };
    }
    to
}

/// `plan` projected onto its columns `keep` (sorted), or `plan` when that is all of them.
fn project_columns(plan: LogicalPlan, keep: &[usize]) -> LogicalPlan {
    let schema = plan.schema();
    if keep.len() == schema.len() {
        return plan;
    }
    let exprs = keep
        .iter()
        .map(|&c| ScalarExpr::Column { index: c, data_type: schema.fields[c].data_type.clone() })
        .collect();
    let schema = kept(schema, keep);
    LogicalPlan::Project { input: Box::new(plan), exprs, schema }
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
        // An expression nothing reads any more is dropped, unless it is non-deterministic.
        trivial || (*n <= 1 && e.is_constant_or_deterministic())
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
