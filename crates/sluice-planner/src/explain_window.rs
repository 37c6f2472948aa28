//! EXPLAIN text of aggregations and windows: `WindowAggregate(groupBy=[..], window=[..],
//! select=[..])` in the spirit of Flink's plans.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{AggregateCall, JoinType, OverFrame, SortKey, WindowKind, MILLI};

use crate::bind::aggregate_name;
use crate::explain::{expr_text, fields_with_time};
use crate::logical::{GroupWindow, JoinInterval, LogicalPlan, PlanSchema};

/// A duration in microseconds as Flink prints it: `5 min`, `10 s`, `1500 ms`.
pub fn duration_text(micros: i64) -> String {
    let ms = micros / MILLI;
    for (unit, name) in [(86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1_000, "s")] {
        if ms != 0 && ms % unit == 0 {
            return format!("{} {name}", ms / unit);
        }
    }
    format!("{ms} ms")
}

/// `TUMBLE(time_col=[ts], size=[5 min])` and the like.
pub fn window_text(kind: &WindowKind, time: &str) -> String {
    window_text_with(kind, &format!("time_col=[{time}]"))
}

/// A window given by the bounds rows come with: `HOP(win_start=[s], win_end=[e], ...)`.
pub fn bounds_window_text(kind: &WindowKind, start: &str, end: &str) -> String {
    window_text_with(kind, &format!("win_start=[{start}], win_end=[{end}]"))
}

fn window_text_with(kind: &WindowKind, head: &str) -> String {
    let time = head;
    let offset = |o: i64| if o == 0 { String::new() } else { format!(", offset=[{}]", duration_text(o)) };
    match kind {
        WindowKind::Tumble { size, offset: o } => {
            format!("TUMBLE({time}, size=[{}]{})", duration_text(*size), offset(*o))
        }
        WindowKind::Hop { size, slide, offset: o } => format!(
            "HOP({time}, slide=[{}], size=[{}]{})",
            duration_text(*slide),
            duration_text(*size),
            offset(*o)
        ),
        WindowKind::Cumulate { step, max_size, offset: o } => format!(
            "CUMULATE({time}, step=[{}], max_size=[{}]{})",
            duration_text(*step),
            duration_text(*max_size),
            offset(*o)
        ),
        WindowKind::Session { gap } => format!("SESSION({time}, gap=[{}])", duration_text(*gap)),
    }
}

/// One aggregate call over `input`: `COUNT(DISTINCT x) FILTER $f3`.
pub fn call_text(call: &AggregateCall, input: &PlanSchema) -> String {
    let name = |c: usize| input.fields.get(c).map(|f| f.name.clone()).unwrap_or_else(|| format!("${c}"));
    let args: Vec<String> = call.args.iter().map(|c| name(*c)).collect();
    let mut text = format!(
        "{}({}{})",
        aggregate_name(call.kind),
        if call.distinct { "DISTINCT " } else { "" },
        if args.is_empty() { "*".to_string() } else { args.join(", ") }
    );
    if let Some(sep) = &call.separator {
        text = format!("{}, '{}')", &text[..text.len() - 1], sep.replace('\'', "''"));
    }
    if let Some(f) = call.filter {
        text.push_str(&format!(" FILTER {}", name(f)));
    }
    text
}

/// The line of an `Aggregate` node.
pub fn aggregate_text(
    input: &PlanSchema,
    keys: &[usize],
    aggregates: &[AggregateCall],
    window: Option<&GroupWindow>,
    schema: &PlanSchema,
) -> String {
    let key_names: Vec<String> = keys.iter().map(|k| input.fields[*k].name.clone()).collect();
    let mut select = key_names.clone();
    for (call, field) in aggregates.iter().zip(&schema.fields[keys.len()..]) {
        let text = call_text(call, input);
        select.push(if text == field.name { text } else { format!("{text} AS {}", field.name) });
    }
    match window {
        Some(w) => {
            let n = keys.len() + aggregates.len();
            let tail = PlanSchema::new(schema.fields[n..].to_vec());
            select.push(fields_with_time(&tail));
            format!(
                "WindowAggregate(groupBy=[{}], window=[{}], select=[{}])",
                key_names.join(", "),
                match &w.attached {
                    Some(a) => bounds_window_text(&w.kind, &a.start, &a.end),
                    None => window_text(&w.kind, &input.fields[w.time_column].name),
                },
                select.join(", ")
            )
        }
        None => format!("GroupAggregate(groupBy=[{}], select=[{}])", key_names.join(", "), select.join(", ")),
    }
}

/// `ts ASC, x DESC`.
pub fn order_text(order: &[SortKey], input: &PlanSchema) -> String {
    order
        .iter()
        .map(|k| format!("{} {}", input.fields[k.column].name, if k.ascending { "ASC" } else { "DESC" }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line of an `OverAggregate` node.
pub fn over_text(
    input: &PlanSchema,
    keys: &[usize],
    time_column: usize,
    frame: &OverFrame,
    aggregates: &[AggregateCall],
    schema: &PlanSchema,
) -> String {
    let frame = match frame {
        OverFrame::Range { preceding: None } => "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".to_string(),
        OverFrame::Range { preceding: Some(p) } => format!("RANGE BETWEEN {} PRECEDING AND CURRENT ROW", duration_text(*p)),
        OverFrame::Rows { preceding: None } => "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".to_string(),
        OverFrame::Rows { preceding: Some(n) } => format!("ROWS BETWEEN {n} PRECEDING AND CURRENT ROW"),
    };
    let n = input.len();
    let mut select: Vec<String> = input.names().iter().map(|s| s.to_string()).collect();
    for (call, field) in aggregates.iter().zip(&schema.fields[n..]) {
        let text = call_text(call, input);
        select.push(if text == field.name { text } else { format!("{text} AS {}", field.name) });
    }
    format!(
        "OverAggregate(partitionBy=[{}], orderBy=[{} ASC], window=[{frame}], select=[{}])",
        keys.iter().map(|k| input.fields[*k].name.clone()).collect::<Vec<_>>().join(", "),
        input.fields[time_column].name,
        select.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_text(5 * 60 * 1_000_000), "5 min");
        assert_eq!(duration_text(10 * 1_000_000), "10 s");
        assert_eq!(duration_text(1_500_000), "1500 ms");
        assert_eq!(duration_text(2 * 3_600 * 1_000_000), "2 h");
    }
}

/// `IntervalJoin(joinType=[InnerJoin], windowBounds=[..], equi=[..], where=[..], select=[..])`
/// (`Join` for a regular join). The bounds are Flink's: the left time minus the right
/// time lies between `leftLowerBound` and `leftUpperBound`, in milliseconds.
#[allow(clippy::too_many_arguments)]
pub fn join_text(
    left: &PlanSchema,
    right: &PlanSchema,
    join_type: JoinType,
    left_keys: &[usize],
    right_keys: &[usize],
    interval: Option<&JoinInterval>,
    residual: Option<&ScalarExpr>,
    schema: &PlanSchema,
) -> String {
    let kind = match join_type {
        JoinType::Inner => "InnerJoin",
        JoinType::Left => "LeftOuterJoin",
        JoinType::Right => "RightOuterJoin",
        JoinType::Full => "FullOuterJoin",
    };
    let mut text = match interval {
        Some(i) => format!(
            "IntervalJoin(joinType=[{kind}], windowBounds=[isRowTime=true, leftLowerBound={}, leftUpperBound={}, leftTimeIndex={}, rightTimeIndex={}]",
            -i.upper / MILLI,
            -i.lower / MILLI,
            i.left_time,
            i.right_time
        ),
        None => format!("Join(joinType=[{kind}]"),
    };
    let keys: Vec<String> = left_keys
        .iter()
        .zip(right_keys)
        .map(|(l, r)| format!("=({}, {})", left.fields[*l].name, right.fields[*r].name))
        .collect();
    if !keys.is_empty() {
        text.push_str(&format!(", equi=[{}]", keys.join(", ")));
    }
    if let Some(r) = residual {
        text.push_str(&format!(", where=[{}]", expr_text(r, schema)));
    }
    text.push_str(&format!(", select=[{}])", fields_with_time(schema)));
    text
}

/// `WindowJoin(leftWindow=[..], rightWindow=[..], joinType=[..], where=[..], select=[..])`.
pub fn window_join_text(plan: &LogicalPlan) -> String {
    let LogicalPlan::WindowJoin { left, right, join_type, semi, left_keys, right_keys, null_safe, left_window, right_window, kind, residual, schema, .. } =
        plan
    else {
        return String::new();
    };
    let (l, r) = (left.schema(), right.schema());
    let joined = PlanSchema::new(l.fields.iter().chain(&r.fields).cloned().collect());
    let bounds = |s: &PlanSchema, (start, end): (usize, usize)| bounds_window_text(kind, &s.fields[start].name, &s.fields[end].name);
    let join = match (semi, join_type) {
        (Some(false), _) => "LeftSemiJoin",
        (Some(true), _) => "LeftAntiJoin",
        (None, JoinType::Inner) => "InnerJoin",
        (None, JoinType::Left) => "LeftOuterJoin",
        (None, JoinType::Right) => "RightOuterJoin",
        (None, JoinType::Full) => "FullOuterJoin",
    };
    let mut conditions: Vec<String> = left_keys
        .iter()
        .zip(right_keys)
        .zip(null_safe)
        .map(|((a, b), safe)| format!("{}({}, {})", if *safe { "IS NOT DISTINCT FROM" } else { "=" }, l.fields[*a].name, r.fields[*b].name))
        .collect();
    conditions.extend(residual.iter().map(|x| expr_text(x, &joined)));
    let condition = match conditions.len() {
        0 => "true".to_string(),
        1 => conditions.remove(0),
        _ => format!("AND({})", conditions.join(", ")),
    };
    format!(
        "WindowJoin(leftWindow=[{}], rightWindow=[{}], joinType=[{join}], where=[{condition}], select=[{}])",
        bounds(l, *left_window),
        bounds(r, *right_window),
        fields_with_time(schema)
    )
}
