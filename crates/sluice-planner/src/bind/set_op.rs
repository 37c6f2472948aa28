//! Set operations, rewritten as Flink's planner rewrites them:
//! - `UNION ALL` is a `Union`; `UNION` a GROUP BY of every column over it
//!   (`UnionToDistinctRule`).
//! - `INTERSECT` is a GROUP BY of every column over a semi join and `EXCEPT` over an anti
//!   join, both on every column with `IS NOT DISTINCT FROM`
//!   (`ReplaceIntersectWithSemiJoinRule`, `ReplaceMinusWithAntiJoinRule`).
//! - `INTERSECT ALL` counts each distinct row on both sides (a `UNION ALL` of the inputs
//!   with a marker column per side, grouped by every column) and replicates the rows
//!   present on both sides the smaller number of times; `EXCEPT ALL` sums +1 per left
//!   and -1 per right row and replicates the rows with a positive sum that many times
//!   (`RewriteIntersectAllRule`, `RewriteMinusAllRule`).
//!
//! Over updating or unbounded inputs each is therefore an updating result, as in Flink.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, AggregateKind};
use sluice_sql::ast::SetOperator;
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::aggregate::distinct;
use super::expr::coerce;
use super::Binder;
use crate::error::{user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema};

impl Binder<'_> {
    pub(super) fn bind_set_operation(
        &mut self,
        op: SetOperator,
        all: bool,
        left: LogicalPlan,
        right: LogicalPlan,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        if op == SetOperator::Union {
            if all {
                return self.union(vec![left, right], span, "UNION ALL");
            }
            // A chain `a UNION b UNION c` is one GROUP BY over one union of all branches, as
            // Calcite's UnionMergeRule makes it, not a GROUP BY per UNION.
            let union = self.union(vec![distinct_union_input(left), distinct_union_input(right)], span, "UNION")?;
            return Ok(distinct(union, span));
        }
        let name = match (op, all) {
            (SetOperator::Intersect, false) => "INTERSECT",
            (SetOperator::Intersect, true) => "INTERSECT ALL",
            (_, false) => "EXCEPT",
            (_, true) => "EXCEPT ALL",
        };
        let (mut inputs, schema) = common_inputs(vec![left, right], span, name)?;
        let (Some(right), Some(left)) = (inputs.pop(), inputs.pop()) else {
            return Err(user(format!("{name} needs two inputs"), span));
        };
        let width = schema.len();
        if !all {
            let keys: Vec<usize> = (0..width).collect();
            let fields = left.schema().fields.iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect();
            let semi = LogicalPlan::SemiJoin {
                left: Box::new(left),
                right: Box::new(right),
                anti: op == SetOperator::Except,
                left_keys: keys.clone(),
                right_keys: keys,
                null_safe: vec![true; width],
                residual: None,
                schema: PlanSchema::new(fields),
                span,
            };
            return Ok(distinct(semi, span));
        }
        if op == SetOperator::Intersect {
            intersect_all(left, right, &schema, span)
        } else {
            except_all(left, right, &schema, span)
        }
    }

    /// `UNION ALL` of `inputs`, cast to their common column types. Nested unions are
    /// flattened so that one operator reads every branch.
    pub(super) fn union(&mut self, inputs: Vec<LogicalPlan>, span: Span, name: &str) -> PlanResult<LogicalPlan> {
        let mut flat = Vec::new();
        for input in inputs {
            match input {
                LogicalPlan::Union { inputs, .. } => flat.extend(inputs),
                other => flat.push(other),
            }
        }
        let (inputs, schema) = common_inputs(flat, span, name)?;
        Ok(LogicalPlan::Union { inputs, schema })
    }
}

/// The union under a `UNION` (distinct) input, whose own GROUP BY the enclosing `UNION`
/// makes again; any other plan as it is.
fn distinct_union_input(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Aggregate { input, keys, aggregates, window: None, schema, .. }
            if aggregates.is_empty()
                && keys.len() == schema.len()
                && keys.iter().enumerate().all(|(i, k)| i == *k)
                && matches!(*input, LogicalPlan::Union { .. })
                && input.schema().len() == schema.len() =>
        {
            *input
        }
        other => other,
    }
}

/// The inputs of a set operation cast to their common column types, and the result's
/// columns: the first input's names, the common types, and a time attribute only where
/// every input has the same one.
fn common_inputs(inputs: Vec<LogicalPlan>, span: Span, name: &str) -> PlanResult<(Vec<LogicalPlan>, PlanSchema)> {
    let Some(first) = inputs.first() else { return Err(user(format!("{name} without inputs"), span)) };
    let width = first.schema().len();
    if let Some(bad) = inputs.iter().find(|p| p.schema().len() != width) {
        return Err(user(
            format!("{name} inputs have different numbers of columns: {} and {}", width, bad.schema().len()),
            span,
        ));
    }
    let mut fields = Vec::with_capacity(width);
    for i in 0..width {
        let types: Vec<DataType> = inputs.iter().map(|p| p.schema().fields[i].data_type.clone()).collect();
        let common = sluice_expr::common_type(&types).ok_or_else(|| {
            user(
                format!(
                    "{name} column {} has incompatible types: {}",
                    i + 1,
                    types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" and ")
                ),
                span,
            )
        })?;
        let first = &inputs[0].schema().fields[i];
        let time_attribute = if inputs.iter().all(|p| p.schema().fields[i].time_attribute == first.time_attribute) {
            first.time_attribute
        } else {
            None
        };
        fields.push(PlanField { name: first.name.clone(), data_type: common, time_attribute });
    }
    let schema = PlanSchema::new(fields);
    let mut cast = Vec::with_capacity(inputs.len());
    for plan in inputs {
        if plan.schema().fields.iter().zip(&schema.fields).all(|(a, b)| a.data_type == b.data_type) {
            cast.push(plan);
            continue;
        }
        let mut exprs = Vec::with_capacity(width);
        for (i, f) in schema.fields.iter().enumerate() {
            exprs.push(coerce(column(plan.schema(), i), &f.data_type, span)?);
        }
        cast.push(plan.project(exprs, names(&schema)));
    }
    Ok((cast, schema))
}

/// `INTERSECT ALL`: per distinct row, `COUNT` of a left marker and of a right marker over
/// the union of both inputs; the rows with both counts at least one, replicated
/// `LEAST(left count, right count)` times.
fn intersect_all(left: LogicalPlan, right: LogicalPlan, schema: &PlanSchema, span: Span) -> PlanResult<LogicalPlan> {
    let width = schema.len();
    let flag = |v: Option<bool>| ScalarExpr::Literal {
        value: v.map_or(ScalarValue::Null, ScalarValue::Boolean),
        data_type: DataType::new(TypeKind::Boolean).with_nullable(v.is_none()),
    };
    let boolean = DataType::new(TypeKind::Boolean);
    let left = marked(left, [flag(Some(true)), flag(None)], &boolean, span)?;
    let right = marked(right, [flag(None), flag(Some(true))], &boolean, span)?;
    let count = |arg: usize| AggregateCall {
        kind: AggregateKind::Count,
        args: vec![arg],
        distinct: false,
        filter: None,
        separator: None,
        arg_type: Some(boolean.clone()),
        output_type: DataType::bigint().with_nullable(false),
    };
    let counted = grouped(left, right, width, vec![count(width), count(width + 1)], span);
    let (l, r) = (column(counted.schema(), width), column(counted.schema(), width + 1));
    let one = bigint(1);
    let both = call("AND", vec![call(">=", vec![l.clone(), one.clone()])?, call(">=", vec![r.clone(), one])?])?;
    let filtered = LogicalPlan::Filter { input: Box::new(counted), predicate: both };
    let least = call("CASE", vec![call(">", vec![l.clone(), r.clone()])?, r, l])?;
    let mut exprs: Vec<ScalarExpr> = (0..width).map(|i| column(filtered.schema(), i)).collect();
    exprs.push(least);
    let mut out_names = names(schema);
    out_names.push("$count".into());
    Ok(replicate(filtered.project(exprs, out_names), schema))
}

/// `EXCEPT ALL`: per distinct row, the `SUM` of +1 per left and -1 per right row; the
/// rows with a positive sum, replicated that many times.
fn except_all(left: LogicalPlan, right: LogicalPlan, schema: &PlanSchema, span: Span) -> PlanResult<LogicalPlan> {
    let width = schema.len();
    let marker = DataType::bigint().with_nullable(false);
    let left = marked(left, [bigint(1)], &marker, span)?;
    let right = marked(right, [bigint(-1)], &marker, span)?;
    let sum = AggregateCall {
        kind: AggregateKind::Sum,
        args: vec![width],
        distinct: false,
        filter: None,
        separator: None,
        arg_type: Some(marker.clone()),
        output_type: super::agg_call::result_type("SUM", AggregateKind::Sum, Some(&marker), span)?,
    };
    let summed = grouped(left, right, width, vec![sum], span);
    let positive = call(">", vec![column(summed.schema(), width), bigint(0)])?;
    let filtered = LogicalPlan::Filter { input: Box::new(summed), predicate: positive };
    Ok(replicate(filtered, schema))
}

/// `input` with the marker columns appended (named `$marker0`, ...), cast to `marker_type`.
fn marked<const N: usize>(
    input: LogicalPlan,
    markers: [ScalarExpr; N],
    marker_type: &DataType,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let mut exprs: Vec<ScalarExpr> = (0..input.schema().len()).map(|i| column(input.schema(), i)).collect();
    let mut out_names = names(input.schema());
    for (i, m) in markers.into_iter().enumerate() {
        let target = marker_type.clone().with_nullable(true);
        exprs.push(coerce(m, &target, span)?);
        out_names.push(format!("$marker{i}"));
    }
    Ok(input.project(exprs, out_names))
}

/// The union of the two marked inputs grouped by their first `width` columns (the
/// original ones), with `aggregates` over the markers.
fn grouped(left: LogicalPlan, right: LogicalPlan, width: usize, aggregates: Vec<AggregateCall>, span: Span) -> LogicalPlan {
    let union_schema = PlanSchema::new(
        left.schema().fields.iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect(),
    );
    let mut fields: Vec<PlanField> = union_schema.fields[..width].to_vec();
    for (i, a) in aggregates.iter().enumerate() {
        fields.push(PlanField::new(format!("$agg{i}"), a.output_type.clone()));
    }
    let union = LogicalPlan::Union { inputs: vec![left, right], schema: union_schema };
    LogicalPlan::Aggregate {
        input: Box::new(union),
        keys: (0..width).collect(),
        aggregates,
        window: None,
        schema: PlanSchema::new(fields),
        span,
        state_ttl: None,
    }
}

/// The first `schema.len()` columns of `input`, each row as many times as the column after
/// them says.
fn replicate(input: LogicalPlan, schema: &PlanSchema) -> LogicalPlan {
    let width = schema.len();
    let fields = input.schema().fields[..width].iter().map(|f| PlanField::new(f.name.clone(), f.data_type.clone())).collect();
    LogicalPlan::ReplicateRows { input: Box::new(input), count: width, columns: (0..width).collect(), schema: PlanSchema::new(fields) }
}

fn column(schema: &PlanSchema, index: usize) -> ScalarExpr {
    ScalarExpr::Column { index, data_type: schema.fields[index].data_type.clone() }
}

fn names(schema: &PlanSchema) -> Vec<String> {
    schema.names().iter().map(|s| s.to_string()).collect()
}

fn bigint(v: i64) -> ScalarExpr {
    ScalarExpr::Literal { value: ScalarValue::BigInt(v), data_type: DataType::bigint().with_nullable(false) }
}

fn call(name: &str, args: Vec<ScalarExpr>) -> PlanResult<ScalarExpr> {
    sluice_expr::resolve_call(name, args).map_err(|e| crate::lower::internal(&format!("{name}: {e}")))
}
