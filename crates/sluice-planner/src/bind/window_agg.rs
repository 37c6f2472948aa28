//! Window aggregation over a window TVF: `GROUP BY window_start, window_end, ...`.
//!
//! The window TVF is merged into the aggregate, as Flink does: the filters and
//! projections between them move below the window (they must not use the window
//! columns), the window columns come out of the window aggregate, and a projection
//! restores the GROUP BY's column order.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, WindowKind};
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::window_props::{window_props, WindowProps};
use super::window_tvf::window_fields;
use crate::error::{not_supported, PlanResult};
use crate::logical::{AttachedWindow, GroupWindow, LogicalPlan, PlanField, PlanSchema};
use crate::rewrite::substitute;

/// Where a column of a plan above a window TVF comes from, once the TVF is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Column of the plan without the TVF.
    Col(usize),
    /// `window_start` (0), `window_end` (1) or `window_time` (2).
    Window(usize),
}

/// A plan with its window TVF taken out.
struct Stripped {
    plan: LogicalPlan,
    slots: Vec<Slot>,
    kind: WindowKind,
    time_column: usize,
    /// The SESSION partition keys, as columns of `plan` (`None`: projected away).
    partition: Vec<Option<usize>>,
}

/// Turns an `Aggregate` over a window TVF whose keys include `window_start` and
/// `window_end` into a window aggregate. Other plans come back unchanged.
pub fn to_window_aggregate(plan: LogicalPlan) -> PlanResult<LogicalPlan> {
    let LogicalPlan::Aggregate { input, keys, aggregates, window: None, schema, span, state_ttl } = plan else {
        return Ok(plan);
    };
    let unchanged = |input, keys, aggregates, schema| LogicalPlan::Aggregate { input, keys, aggregates, window: None, schema, span, state_ttl };
    let Some(s) = strip(&input) else {
        if let Some(props) = window_props(&input) {
            return attached_aggregate(*input, props, keys, aggregates, schema, span);
        }
        return Ok(unchanged(input, keys, aggregates, schema));
    };
    let slots: Vec<Slot> = keys.iter().map(|k| s.slots[*k]).collect();
    if !slots.contains(&Slot::Window(0)) || !slots.contains(&Slot::Window(1)) {
        return Ok(unchanged(input, keys, aggregates, schema));
    }
    let plain: Vec<usize> = slots.iter().filter_map(|s| if let Slot::Col(j) = s { Some(*j) } else { None }).collect();
    let column = |c: usize| -> PlanResult<usize> {
        match s.slots[c] {
            Slot::Col(j) => Ok(j),
            Slot::Window(_) => Err(not_supported("a window column as an aggregate argument", span)),
        }
    };
    let mut calls = Vec::with_capacity(aggregates.len());
    for a in &aggregates {
        calls.push(AggregateCall {
            args: a.args.iter().map(|c| column(*c)).collect::<PlanResult<_>>()?,
            filter: a.filter.map(column).transpose()?,
            ..a.clone()
        });
    }
    // Flink aggregates SESSION windows as windows only when the other keys are exactly
    // the PARTITION BY columns; any other grouping is an ordinary, updating GROUP BY over
    // the session table (WindowTableFunction, then GroupAggregate, in its plan).
    if matches!(s.kind, WindowKind::Session { .. }) {
        let partition: Option<Vec<usize>> = s.partition.iter().copied().collect();
        let same = partition.is_some_and(|p| p.iter().all(|c| plain.contains(c)) && plain.iter().all(|c| p.contains(c)));
        if !same {
            return Ok(unchanged(input, keys, aggregates, schema));
        }
    }

    let nkeys = keys.len();
    let mut fields = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        if let Slot::Col(_) = slot {
            fields.push(schema.fields[i].clone());
        }
    }
    fields.extend(schema.fields[nkeys..].iter().cloned());
    let time_field = &s.plan.schema().fields[s.time_column];
    let time_type = time_field.data_type.clone();
    let proctime = time_field.time_attribute == Some(crate::logical::TimeAttribute::Proctime);
    fields.extend(window_fields(&time_type, proctime, ["window_start", "window_end", "window_time"]));
    let nplain = plain.len();
    let naggs = calls.len();
    let window = LogicalPlan::Aggregate {
        input: Box::new(s.plan),
        keys: plain,
        aggregates: calls,
        window: Some(GroupWindow { kind: s.kind, time_column: s.time_column, legacy: false, proctime, attached: None }),
        schema: PlanSchema::new(fields),
        span,
        state_ttl: None,
    };

    // Back to the GROUP BY's order: keys (window columns among them), then aggregates.
    let out = window.schema().clone();
    let col = |index: usize| ScalarExpr::Column { index, data_type: out.fields[index].data_type.clone() };
    let mut exprs = Vec::with_capacity(schema.len());
    let mut next_plain = 0;
    for slot in &slots {
        exprs.push(match slot {
            Slot::Col(_) => {
                next_plain += 1;
                col(next_plain - 1)
            }
            Slot::Window(w) => col(nplain + naggs + w),
        });
    }
    exprs.extend((0..naggs).map(|a| col(nplain + a)));
    Ok(window.project(exprs, schema.names().iter().map(|n| n.to_string()).collect()))
}

/// A `GROUP BY` over a start and an end column of an earlier window (renamed, through
/// views and subqueries, after a window aggregation or a window join): a window
/// aggregation again, with the window the rows come with. Other groupings come back as
/// updating aggregations.
fn attached_aggregate(
    input: LogicalPlan,
    props: WindowProps,
    keys: Vec<usize>,
    aggregates: Vec<AggregateCall>,
    schema: PlanSchema,
    span: sluice_sql::Span,
) -> PlanResult<LogicalPlan> {
    let start = keys.iter().position(|k| props.starts.contains(k));
    let end = keys.iter().position(|k| props.ends.contains(k));
    // Flink keeps the window properties only of event-time windows with aligned bounds:
    // over the bounds of SESSION or processing-time windows a GROUP BY is an ordinary
    // (updating) one, as its plan shows (GroupAggregate).
    let aligned = !matches!(props.kind, WindowKind::Session { .. }) && !props.proctime;
    let (Some(start), Some(end), true) = (start, end, aligned) else {
        let window = None;
        return Ok(LogicalPlan::Aggregate { input: Box::new(input), keys, aggregates, window, schema, span, state_ttl: None });
    };
    let names = (input.schema().fields[keys[start]].name.clone(), input.schema().fields[keys[end]].name.clone());
    let (input, time_column) = attached_time(input, &props, keys[end], span)?;

    // The end is the window's; the start stays a group key.
    let plain: Vec<usize> = keys.iter().enumerate().filter(|(i, _)| *i != end).map(|(_, k)| *k).collect();
    let start_key = if start < end { start } else { start - 1 };
    let nplain = plain.len();
    let naggs = aggregates.len();
    let mut fields: Vec<PlanField> = (0..keys.len()).filter(|i| *i != end).map(|i| schema.fields[i].clone()).collect();
    fields.extend(schema.fields[keys.len()..].iter().cloned());
    let time_type = input.schema().fields[time_column].data_type.clone();
    fields.extend(window_fields(&time_type, false, ["window_start", "window_end", "window_time"]));
    let window = LogicalPlan::Aggregate {
        input: Box::new(input),
        keys: plain,
        aggregates,
        window: Some(GroupWindow {
            kind: props.kind,
            time_column,
            legacy: false,
            proctime: false,
            attached: Some(AttachedWindow { start_key, start: names.0, end: names.1 }),
        }),
        schema: PlanSchema::new(fields),
        span,
        state_ttl: None,
    };
    let out = window.schema().clone();
    let col = |index: usize| ScalarExpr::Column { index, data_type: out.fields[index].data_type.clone() };
    let mut exprs: Vec<ScalarExpr> = (0..keys.len())
        .map(|i| match i.cmp(&end) {
            std::cmp::Ordering::Less => col(i),
            std::cmp::Ordering::Equal => col(nplain + naggs + 1),
            std::cmp::Ordering::Greater => col(i - 1),
        })
        .collect();
    exprs.extend((0..naggs).map(|a| col(nplain + a)));
    Ok(window.project(exprs, schema.names().iter().map(|n| n.to_string()).collect()))
}

/// The input with a column holding each row's `window_time`: one of its own, one of the
/// plan under its projection, or else `window_end - 1 ms` computed from `end`.
fn attached_time(input: LogicalPlan, props: &WindowProps, end: usize, span: sluice_sql::Span) -> PlanResult<(LogicalPlan, usize)> {
    if let Some(t) = props.times.first() {
        return Ok((input, *t));
    }
    let mut names: Vec<String> = input.schema().names().iter().map(|n| n.to_string()).collect();
    let unique = |names: &[String]| if names.iter().any(|n| n == "window_time") { format!("$f{}", names.len()) } else { "window_time".to_string() };
    if let LogicalPlan::Project { input: inner, mut exprs, .. } = input.clone() {
        if let Some(t) = window_props(&inner).and_then(|p| p.times.first().copied()) {
            exprs.push(ScalarExpr::Column { index: t, data_type: inner.schema().fields[t].data_type.clone() });
            names.push(unique(&names));
            let n = exprs.len() - 1;
            return Ok((inner.project(exprs, names), n));
        }
    }
    if props.ltz {
        return Err(not_supported("a window aggregation over TIMESTAMP_LTZ window bounds without their window_time", span)
            .with_hint("Select window_time with window_start and window_end."));
    }
    let end_type = input.schema().fields[end].data_type.clone();
    let milli = ScalarExpr::Literal { value: ScalarValue::IntervalDayTime(1), data_type: DataType::not_null(TypeKind::IntervalDayTime) };
    let time = sluice_expr::resolve_call("-", vec![ScalarExpr::Column { index: end, data_type: end_type }, milli])
        .map_err(|e| crate::lower::internal(&e.to_string()))?;
    let mut exprs: Vec<ScalarExpr> = input
        .schema()
        .fields
        .iter()
        .enumerate()
        .map(|(index, f)| ScalarExpr::Column { index, data_type: f.data_type.clone() })
        .collect();
    exprs.push(time);
    names.push(unique(&names));
    let n = exprs.len() - 1;
    Ok((input.project(exprs, names), n))
}

/// The plan without its window TVF, when `plan` is filters and projections over one.
fn strip(plan: &LogicalPlan) -> Option<Stripped> {
    match plan {
        LogicalPlan::WindowTvf { input, kind, time_column, partition_keys, .. } => {
            let n = input.schema().len();
            let mut slots: Vec<Slot> = (0..n).map(Slot::Col).collect();
            slots.extend((0..3).map(Slot::Window));
            Some(Stripped {
                plan: (**input).clone(),
                slots,
                kind: *kind,
                time_column: *time_column,
                partition: partition_keys.iter().map(|k| Some(*k)).collect(),
            })
        }
        LogicalPlan::Filter { input, predicate } => {
            let s = strip(input)?;
            let predicate = remap(predicate, &s)?;
            Some(Stripped { plan: LogicalPlan::Filter { input: Box::new(s.plan), predicate }, ..s })
        }
        LogicalPlan::Project { input, exprs, schema } => {
            let s = strip(input)?;
            let mut out = Vec::with_capacity(exprs.len());
            let mut names = Vec::with_capacity(exprs.len());
            let mut slots = Vec::with_capacity(exprs.len());
            for (e, f) in exprs.iter().zip(&schema.fields) {
                if let ScalarExpr::Column { index, .. } = e {
                    if let Slot::Window(w) = s.slots[*index] {
                        slots.push(Slot::Window(w));
                        continue;
                    }
                }
                out.push(remap(e, &s)?);
                names.push(f.name.clone());
                slots.push(Slot::Col(out.len() - 1));
            }
            let position =
                |out: &[ScalarExpr], c: usize| out.iter().position(|e| matches!(e, ScalarExpr::Column { index, .. } if *index == c));
            let time_column = match position(&out, s.time_column) {
                Some(p) => p,
                None => {
                    let t = s.plan.schema().fields[s.time_column].data_type.clone();
                    out.push(ScalarExpr::Column { index: s.time_column, data_type: t });
                    let name = s.plan.schema().fields[s.time_column].name.clone();
                    names.push(if names.contains(&name) { format!("$f{}", out.len() - 1) } else { name });
                    out.len() - 1
                }
            };
            let partition = s.partition.iter().map(|p| p.and_then(|p| position(&out, p))).collect();
            Some(Stripped { plan: s.plan.project(out, names), slots, kind: s.kind, time_column, partition })
        }
        LogicalPlan::Unnest { input, collection, with_ordinality, outer, schema } => {
            // Window columns pass through an UNNEST (Flink plans the correlate below the
            // window aggregate), as long as the collection does not use them.
            let s = strip(input)?;
            let collection = remap(collection, &s)?;
            let base = s.plan.schema().len();
            let mut fields = s.plan.schema().fields.clone();
            let elements = &schema.fields[input.schema().len()..];
            fields.extend(elements.iter().cloned());
            let mut slots = s.slots.clone();
            slots.extend((0..elements.len()).map(|i| Slot::Col(base + i)));
            let plan = LogicalPlan::Unnest {
                input: Box::new(s.plan),
                collection,
                with_ordinality: *with_ordinality,
                outer: *outer,
                schema: PlanSchema::new(fields),
            };
            Some(Stripped { plan, slots, ..s })
        }
        _ => None,
    }
}

/// `expr` over the plan without the TVF; `None` when it uses a window column.
fn remap(expr: &ScalarExpr, s: &Stripped) -> Option<ScalarExpr> {
    if expr.referenced_columns().iter().any(|c| matches!(s.slots.get(*c), Some(Slot::Window(_)) | None)) {
        return None;
    }
    let inputs: Vec<ScalarExpr> = s
        .slots
        .iter()
        .map(|slot| match slot {
            Slot::Col(j) => ScalarExpr::Column { index: *j, data_type: s.plan.schema().fields[*j].data_type.clone() },
            Slot::Window(_) => ScalarExpr::Literal { value: ScalarValue::Null, data_type: DataType::new(TypeKind::Null) },
        })
        .collect();
    Some(substitute(expr, &inputs))
}
