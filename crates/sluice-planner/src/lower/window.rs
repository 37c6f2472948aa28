//! Lowering of window aggregations and window TVFs to their runtime operators.

use sluice_expr::EvalContext;
use sluice_runtime::operators::{IntervalJoinOperator, OverAggregateOperator, WindowAggregateOperator, WindowRankOperator, WindowTableOperator};
use sluice_runtime::spec::{
    AggregateCall, IntervalJoinSpec, OverAggregateSpec, OverFrame, WindowAggregateSpec, WindowKind, WindowRankSpec, WindowTableSpec, WindowTime,
};
use sluice_runtime::{Operator, RuntimeError};
use sluice_sql::{Diagnostic, ErrorClass};
use sluice_types::TypeKind;

use crate::logical::{GroupWindow, PlanSchema};

/// How the rowtime column is read: LTZ rowtimes are windowed on the session's wall clock.
pub fn window_time(input: &PlanSchema, column: usize, ctx: &EvalContext) -> WindowTime {
    let ltz = matches!(input.fields[column].data_type.kind, TypeKind::TimestampLtz { .. });
    WindowTime { column, time_zone: ltz.then_some(ctx.time_zone) }
}

pub fn window_aggregate(
    input: &PlanSchema,
    keys: &[usize],
    aggregates: &[AggregateCall],
    window: &GroupWindow,
    schema: &PlanSchema,
    ctx: &EvalContext,
) -> Result<Box<dyn Operator>, Diagnostic> {
    let spec = WindowAggregateSpec {
        window: window.runtime_kind(),
        time: window_time(input, window.time_column, ctx),
        keys: keys.to_vec(),
        aggregates: aggregates.to_vec(),
        two_phase: !window.legacy,
        output_schema: schema.to_arrow(),
    };
    let op = WindowAggregateOperator::new(spec).map_err(|e| operator_error("window aggregation", e))?;
    Ok(Box::new(op))
}

pub fn window_table(
    input: &PlanSchema,
    kind: WindowKind,
    time_column: usize,
    schema: &PlanSchema,
    ctx: &EvalContext,
) -> Result<Box<dyn Operator>, Diagnostic> {
    let spec = WindowTableSpec { window: kind, time: window_time(input, time_column, ctx), output_schema: schema.to_arrow() };
    let op = WindowTableOperator::new(spec).map_err(|e| operator_error("a window table-valued function", e))?;
    Ok(Box::new(op))
}

pub fn over_aggregate(
    keys: &[usize],
    time_column: usize,
    frame: OverFrame,
    aggregates: &[AggregateCall],
    schema: &PlanSchema,
) -> Result<Box<dyn Operator>, Diagnostic> {
    let spec = OverAggregateSpec {
        keys: keys.to_vec(),
        time_column,
        frame,
        aggregates: aggregates.to_vec(),
        output_schema: schema.to_arrow(),
    };
    let op = OverAggregateOperator::new(spec).map_err(|e| operator_error("OVER aggregation", e))?;
    Ok(Box::new(op))
}

pub fn window_rank(spec: WindowRankSpec) -> Result<Box<dyn Operator>, Diagnostic> {
    let op = WindowRankOperator::new(spec).map_err(|e| operator_error("window Top-N", e))?;
    Ok(Box::new(op))
}

pub fn interval_join(spec: IntervalJoinSpec) -> Result<Box<dyn Operator>, Diagnostic> {
    let op = IntervalJoinOperator::new(spec).map_err(|e| operator_error("an interval join", e))?;
    Ok(Box::new(op))
}

/// An operator that refuses its spec. While an operator is still being written it
/// reports "not built yet": the construct is then not supported yet.
pub fn operator_error(what: &str, e: RuntimeError) -> Diagnostic {
    let text = e.to_string();
    if text.contains("not built yet") {
        Diagnostic::without_span(ErrorClass::User, format!("{what} is not supported yet"))
            .with_hint("Sluice plans this query but its runtime operator is not built in this version.")
    } else {
        Diagnostic::without_span(ErrorClass::Internal, format!("cannot build the operator for {what}: {text}"))
    }
}
