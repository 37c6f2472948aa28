//! `EXPLAIN`: the plan as an indented tree, in the spirit of Flink's output.

use std::fmt::Write;

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::SortKey;
use sluice_types::ScalarValue;

use crate::explain_window::{aggregate_text, join_text, order_text, over_text, window_join_text, window_text};
use crate::logical::{LogicalPlan, PlanSchema, TimeAttribute};
use crate::session::{Job, JobSink};

pub fn explain(job: &Job) -> String {
    let mut out = String::from("== Physical Plan ==\n");
    for (i, (plan, sink)) in job.pipelines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let fields = plan.schema().names().join(", ");
        match sink {
            JobSink::Table(t) => {
                let _ = writeln!(out, "Sink(table=[{}], fields=[{fields}])", t.name);
            }
            JobSink::Collect => {
                let _ = writeln!(out, "Collect(fields=[{fields}])");
            }
        }
        node(&mut out, plan, 1);
    }
    out
}

fn node(out: &mut String, plan: &LogicalPlan, depth: usize) {
    let indent = "   ".repeat(depth.saturating_sub(1));
    let _ = write!(out, "{indent}+- ");
    match plan {
        LogicalPlan::Scan { table, schema } => {
            let _ = writeln!(out, "TableSourceScan(table=[{}], fields=[{}])", table.name, fields_with_time(schema));
            if let Some(w) = &table.watermark {
                let _ = writeln!(
                    out,
                    "{indent}   (watermark for {} as {})",
                    table.columns[w.column].name, w.text
                );
            }
        }
        LogicalPlan::Values { rows, schema } => {
            let _ = writeln!(out, "Values(tuples=[{} rows], fields=[{}])", rows.len(), schema.names().join(", "));
        }
        LogicalPlan::Project { input, exprs, schema } => {
            if let LogicalPlan::Filter { input: inner, predicate } = input.as_ref() {
                let names = inner.schema();
                let _ = writeln!(
                    out,
                    "Calc(select=[{}], where=[{}])",
                    select_list(exprs, schema, names),
                    expr_text(predicate, names)
                );
                node(out, inner, depth + 1);
                return;
            }
            let _ = writeln!(out, "Calc(select=[{}])", select_list(exprs, schema, input.schema()));
            node(out, input, depth + 1);
        }
        LogicalPlan::Filter { input, predicate } => {
            let _ = writeln!(out, "Calc(where=[{}])", expr_text(predicate, input.schema()));
            node(out, input, depth + 1);
        }
        LogicalPlan::Unnest { input, collection, with_ordinality, outer, .. } => {
            let _ = writeln!(
                out,
                "Correlate(unnest=[{}]{}{})",
                expr_text(collection, input.schema()),
                if *with_ordinality { ", ordinality" } else { "" },
                if *outer { ", joinType=[LEFT]" } else { ", joinType=[INNER]" }
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::Union { inputs, schema } => {
            let _ = writeln!(out, "Union(all=[true], fields=[{}])", schema.names().join(", "));
            for i in inputs {
                node(out, i, depth + 1);
            }
        }
        LogicalPlan::Aggregate { input, keys, aggregates, window, schema, state_ttl, .. } => {
            let mut text = aggregate_text(input.schema(), keys, aggregates, window.as_ref(), schema);
            if let (Some(ttl), Some(')')) = (state_ttl, text.chars().last()) {
                text.pop();
                text.push_str(&format!(", stateTtl=[{} ms])", ttl.as_millis()));
            }
            let _ = writeln!(out, "{text}");
            node(out, input, depth + 1);
        }
        LogicalPlan::OverAggregate { input, keys, time_column, frame, aggregates, schema, .. } => {
            let names = input.schema();
            let _ = writeln!(out, "{}", over_text(names, keys, *time_column, frame, aggregates, schema));
            node(out, input, depth + 1);
        }
        LogicalPlan::RowNumber { input, keys, order, .. } => {
            let names = input.schema();
            let _ = writeln!(
                out,
                "Rank(rankType=[ROW_NUMBER], partitionBy=[{}], orderBy=[{}], select=[{}, $rn])",
                keys.iter().map(|k| names.fields[*k].name.clone()).collect::<Vec<_>>().join(", "),
                order_text(order, names),
                names.names().join(", ")
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::WindowRank { input, window_start, window_end, keys, order, limit, .. } => {
            let names = input.schema();
            let _ = writeln!(
                out,
                "WindowRank(window=[{}, {}], partitionBy=[{}], orderBy=[{}], rankRange=[rankStart=1, rankEnd={limit}], select=[{}, $rn])",
                names.fields[*window_start].name,
                names.fields[*window_end].name,
                keys.iter().map(|k| names.fields[*k].name.clone()).collect::<Vec<_>>().join(", "),
                order_text(order, names),
                names.names().join(", ")
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::Rank { input, keys, order, limit, emit_rank, .. } => {
            let names = input.schema();
            let _ = writeln!(
                out,
                "Rank(strategy=[{}], rankType=[ROW_NUMBER], rankRange=[rankStart=1, rankEnd={limit}], partitionBy=[{}], orderBy=[{}], select=[{}{}])",
                "RetractStrategy",
                keys.iter().map(|k| names.fields[*k].name.clone()).collect::<Vec<_>>().join(", "),
                order_text(order, names),
                names.names().join(", "),
                if *emit_rank { ", $rn" } else { "" }
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::TemporalSort { input, rowtime, then_by, .. } => {
            let names = input.schema();
            let first = SortKey { column: *rowtime, ascending: true, nulls_first: true };
            let order: Vec<SortKey> = std::iter::once(first).chain(then_by.iter().cloned()).collect();
            let _ = writeln!(out, "TemporalSort(orderBy=[{}])", order_text(&order, names));
            node(out, input, depth + 1);
        }
        LogicalPlan::Deduplicate { input, keys, keep_last, rowtime, .. } => {
            let names = input.schema();
            let _ = writeln!(
                out,
                "Deduplicate(keep=[{}], key=[{}], order=[{}])",
                if *keep_last { "LastRow" } else { "FirstRow" },
                keys.iter().map(|k| names.fields[*k].name.clone()).collect::<Vec<_>>().join(", "),
                if rowtime.is_some() { "ROWTIME" } else { "PROCTIME" }
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::Expand { input, projections, schema } => {
            let lists: Vec<String> = projections
                .iter()
                .map(|p| format!("{{{}}}", p.iter().map(|e| expr_text(e, input.schema())).collect::<Vec<_>>().join(", ")))
                .collect();
            let _ = writeln!(out, "Expand(projects=[{}], fields=[{}])", lists.join(", "), schema.names().join(", "));
            node(out, input, depth + 1);
        }
        LogicalPlan::Join { left, right, join_type, left_keys, right_keys, interval, residual, schema, state_ttl, .. } => {
            let mut text = join_text(left.schema(), right.schema(), *join_type, left_keys, right_keys, interval.as_ref(), residual.as_ref(), schema);
            if state_ttl.iter().any(Option::is_some) && text.ends_with(')') {
                let ms = |t: &Option<std::time::Duration>| t.map_or("default".to_string(), |t| format!("{} ms", t.as_millis()));
                text.pop();
                text.push_str(&format!(", stateTtl=[left={}, right={}])", ms(&state_ttl[0]), ms(&state_ttl[1])));
            }
            let _ = writeln!(out, "{text}");
            node(out, left, depth + 1);
            node(out, right, depth + 1);
        }
        LogicalPlan::SemiJoin { left, right, anti, left_keys, right_keys, null_safe, residual, schema, .. } => {
            let (l, r) = (left.schema(), right.schema());
            let joined = PlanSchema::new(l.fields.iter().chain(&r.fields).cloned().collect());
            let mut conditions: Vec<String> = left_keys
                .iter()
                .zip(right_keys)
                .zip(null_safe)
                .map(|((a, b), safe)| {
                    let op = if *safe { "IS NOT DISTINCT FROM" } else { "=" };
                    format!("{op}({}, {})", l.fields[*a].name, r.fields[*b].name)
                })
                .collect();
            conditions.extend(residual.iter().map(|x| expr_text(x, &joined)));
            let condition = match conditions.len() {
                0 => "true".to_string(),
                1 => conditions.remove(0),
                _ => format!("AND({})", conditions.join(", ")),
            };
            let _ = writeln!(
                out,
                "Join(joinType=[{}], where=[{condition}], select=[{}])",
                if *anti { "LeftAntiJoin" } else { "LeftSemiJoin" },
                schema.names().join(", ")
            );
            node(out, left, depth + 1);
            node(out, right, depth + 1);
        }
        LogicalPlan::WindowJoin { left, right, .. } => {
            let _ = writeln!(out, "{}", window_join_text(plan));
            node(out, left, depth + 1);
            node(out, right, depth + 1);
        }
        LogicalPlan::ReplicateRows { input, count, columns, schema } => {
            let names = input.schema();
            let args: Vec<&str> = std::iter::once(*count).chain(columns.iter().copied()).map(|c| names.fields[c].name.as_str()).collect();
            let _ = writeln!(out, "Correlate(invocation=[REPLICATE_ROWS({})], select=[{}])", args.join(", "), schema.names().join(", "));
            node(out, input, depth + 1);
        }
        LogicalPlan::TemporalJoin { left, right, left_join, left_keys, right_keys, left_time, right_time, residual, schema, .. } => {
            let (l, r) = (left.schema(), right.schema());
            let equi: Vec<String> =
                left_keys.iter().zip(right_keys).map(|(a, b)| format!("={}, {}", l.fields[*a].name, r.fields[*b].name)).collect();
            let _ = writeln!(
                out,
                "TemporalJoin(joinType=[{}], where=[AND({}, __TEMPORAL_JOIN_CONDITION({}, {})){}], select=[{}])",
                if *left_join { "LeftOuterJoin" } else { "InnerJoin" },
                equi.join(", "),
                l.fields[*left_time].name,
                r.fields[*right_time].name,
                residual.as_ref().map(|x| format!(", {}", expr_text(x, schema))).unwrap_or_default(),
                fields_with_time(schema)
            );
            node(out, left, depth + 1);
            node(out, right, depth + 1);
        }
        LogicalPlan::MatchRecognize { input, spec, schema, .. } => {
            let names = input.schema();
            let mut order = vec![format!("{} ASC", names.fields[spec.time_column].name)];
            order.extend(spec.order.iter().map(|k| {
                format!("{} {}", names.fields[k.column].name, if k.ascending { "ASC" } else { "DESC" })
            }));
            let skip = match spec.skip {
                sluice_runtime::spec::MatchSkip::PastLastRow => "SKIP PAST LAST ROW".to_string(),
                sluice_runtime::spec::MatchSkip::ToNextRow => "SKIP TO NEXT ROW".to_string(),
                sluice_runtime::spec::MatchSkip::ToFirst(v) => format!("SKIP TO FIRST {}", spec.variables[v]),
                sluice_runtime::spec::MatchSkip::ToLast(v) => format!("SKIP TO LAST {}", spec.variables[v]),
            };
            let defined: Vec<&str> = spec
                .variables
                .iter()
                .zip(&spec.conditions)
                .filter(|(_, c)| c.is_some())
                .map(|(v, _)| v.as_str())
                .collect();
            let _ = writeln!(
                out,
                "Match(partitionBy=[{}], orderBy=[{}], measures=[{}], rowsPerMatch=[ONE ROW PER MATCH], after=[{skip}], pattern=[{}]{}, define=[{}])",
                spec.partition_keys.iter().map(|k| names.fields[*k].name.as_str()).collect::<Vec<_>>().join(", "),
                order.join(", "),
                schema.fields[spec.partition_keys.len()..].iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
                pattern_text(&spec.pattern, &spec.variables),
                spec.within.map(|w| format!(", within=[{} ms]", w / 1000)).unwrap_or_default(),
                defined.join(", ")
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::LookupJoin { input, table, left, keys, key_columns, residual, schema, .. } => {
            let columns = table.spec().physical_columns;
            let pairs: Vec<String> = keys
                .iter()
                .zip(key_columns)
                .map(|(k, c)| format!("{}={}", columns[*c].0, expr_text(k, input.schema())))
                .collect();
            let _ = writeln!(
                out,
                "LookupJoin(table=[{}], joinType=[{}], lookup=[{}]{}, select=[{}])",
                table.name,
                if *left { "LeftOuterJoin" } else { "InnerJoin" },
                pairs.join(", "),
                residual.as_ref().map(|r| format!(", where=[{}]", expr_text(r, schema))).unwrap_or_default(),
                schema.names().join(", ")
            );
            node(out, input, depth + 1);
        }
        LogicalPlan::WindowTvf { input, kind, time_column, partition_keys, schema, .. } => {
            let names = input.schema();
            let partition: Vec<&str> = partition_keys.iter().map(|k| names.fields[*k].name.as_str()).collect();
            let _ = writeln!(
                out,
                "WindowTableFunction(window=[{}]{}, fields=[{}])",
                window_text(kind, &names.fields[*time_column].name),
                if partition.is_empty() { String::new() } else { format!(", partitionBy=[{}]", partition.join(", ")) },
                fields_with_time(schema)
            );
            node(out, input, depth + 1);
        }
    }
}

pub fn fields_with_time(schema: &PlanSchema) -> String {
    schema
        .fields
        .iter()
        .map(|f| match f.time_attribute {
            Some(TimeAttribute::Rowtime) => format!("{} *ROWTIME*", f.name),
            Some(TimeAttribute::Proctime) => format!("{} *PROCTIME*", f.name),
            None => f.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn select_list(exprs: &[ScalarExpr], schema: &PlanSchema, input: &PlanSchema) -> String {
    exprs
        .iter()
        .zip(&schema.fields)
        .map(|(e, f)| {
            let text = expr_text(e, input);
            if text == f.name {
                text
            } else {
                format!("{text} AS {}", f.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An expression in prefix form, with input columns by name: `>(usage, 90)`.
pub fn expr_text(e: &ScalarExpr, input: &PlanSchema) -> String {
    match e {
        ScalarExpr::Column { index, .. } => {
            input.fields.get(*index).map(|f| f.name.clone()).unwrap_or_else(|| format!("${index}"))
        }
        ScalarExpr::Literal { value, .. } => literal_text(value),
        ScalarExpr::Call { func, args, .. } => {
            let name = match func {
                sluice_expr::Func::Udf(udf) => udf.name().to_string(),
                _ => format!("{func:?}"),
            };
            let name = name.split(['(', ' ', '{']).next().unwrap_or("").to_string();
            format!("{}({})", name, args.iter().map(|a| expr_text(a, input)).collect::<Vec<_>>().join(", "))
        }
        ScalarExpr::Cast { expr, data_type, try_cast } => format!(
            "{}({} AS {})",
            if *try_cast { "TRY_CAST" } else { "CAST" },
            expr_text(expr, input),
            data_type
        ),
        ScalarExpr::Case { branches, else_result, .. } => {
            let mut s = String::from("CASE(");
            for (w, t) in branches {
                let _ = write!(s, "{}, {}, ", expr_text(w, input), expr_text(t, input));
            }
            match else_result {
                Some(e) => s.push_str(&expr_text(e, input)),
                None => s.push_str("null"),
            }
            s.push(')');
            s
        }
        ScalarExpr::Field { expr, index, .. } => {
            let field = match &expr.data_type().kind {
                sluice_types::TypeKind::Row(fields) | sluice_types::TypeKind::Structured { fields, .. } => fields.get(*index).map(|f| f.name.clone()),
                _ => None,
            };
            format!("{}.{}", expr_text(expr, input), field.unwrap_or_else(|| index.to_string()))
        }
        #[allow(unreachable_patterns)]
        other => format!("{other:?}"),
    }
}

fn literal_text(v: &ScalarValue) -> String {
    match v {
        ScalarValue::Null => "null".into(),
        ScalarValue::String(s) => format!("'{}'", s.replace('\'', "''")),
        ScalarValue::Boolean(b) => b.to_string(),
        ScalarValue::Int(v) => v.to_string(),
        ScalarValue::BigInt(v) => v.to_string(),
        ScalarValue::Double(v) => v.to_string(),
        ScalarValue::IntervalDayTime(ms) => format!("{ms}:INTERVAL SECOND"),
        ScalarValue::Decimal { value, scale, .. } if *scale > 0 => {
            let digits = value.unsigned_abs().to_string();
            let scale = *scale as usize;
            let padded = format!("{digits:0>width$}", width = scale + 1);
            let (int, frac) = padded.split_at(padded.len() - scale);
            format!("{}{int}.{frac}", if *value < 0 { "-" } else { "" })
        }
        ScalarValue::Decimal { value, .. } => value.to_string(),
        other => format!("{other:?}"),
    }
}

/// A row pattern as SQL: `A B+ C{2}`.
fn pattern_text(p: &sluice_runtime::spec::MatchPattern, vars: &[String]) -> String {
    use sluice_runtime::spec::MatchPattern;
    match p {
        MatchPattern::Var(v) => vars[*v].clone(),
        MatchPattern::Concat(items) => items.iter().map(|i| pattern_text(i, vars)).collect::<Vec<_>>().join(" "),
        MatchPattern::Alternation(items) => {
            format!("({})", items.iter().map(|i| pattern_text(i, vars)).collect::<Vec<_>>().join(" | "))
        }
        MatchPattern::Quantified { pattern, min, max, greedy } => {
            let q = match (min, max) {
                (0, None) => "*".to_string(),
                (1, None) => "+".to_string(),
                (0, Some(1)) => "?".to_string(),
                (n, None) => format!("{{{n},}}"),
                (n, Some(m)) if n == m => format!("{{{n}}}"),
                (n, Some(m)) => format!("{{{n},{m}}}"),
            };
            format!("{}{q}{}", pattern_text(pattern, vars), if *greedy { "" } else { "?" })
        }
    }
}

/// The dataflow of a job with a parallelism above 1: each node with how many instances
/// do work, and the exchange in front of each input that is not chained (`HASH[$k]` by
/// the input's columns, `SINGLE` to one instance).
pub fn physical(dataflow: &sluice_runtime::Dataflow, parallelism: usize) -> String {
    let instances = dataflow.instances(parallelism);
    let mut out = format!("\n== Parallel Execution ==\n{parallelism} subtasks, each with one instance of every node\n");
    for (id, node) in dataflow.nodes.iter().enumerate() {
        let _ = write!(out, "{id}: {} (parallelism {})", node.name, instances[id]);
        let inputs: Vec<String> = node
            .inputs
            .iter()
            .enumerate()
            .map(|(i, from)| match dataflow.input_distribution(id, i).exchange_text(&[]) {
                Some(exchange) => format!("{exchange} {from}"),
                None => from.to_string(),
            })
            .collect();
        if !inputs.is_empty() {
            let _ = write!(out, " <- {}", inputs.join(", "));
        }
        out.push('\n');
    }
    out
}
