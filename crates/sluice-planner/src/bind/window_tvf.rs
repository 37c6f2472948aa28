//! Window table-valued functions in FROM: `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size))`,
//! `HOP`, `CUMULATE` and `SESSION`, with positional or named arguments.

use sluice_expr::ScalarExpr;
use sluice_runtime::spec::{WindowKind, MILLI};
use sluice_sql::ast::{Expr, FunctionArg, Ident, ObjectName, TableAlias};
use sluice_sql::Span;
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::expr::ExprContext;
use super::scope::Scope;
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::{LogicalPlan, PlanField, PlanSchema, TimeAttribute};

/// The three columns a window adds: `window_start`, `window_end` (wall-clock
/// TIMESTAMP(3)) and `window_time`, a time attribute of the time column's kind: a
/// rowtime, or for a window on processing time a `TIMESTAMP_LTZ(3)` proctime.
pub fn window_fields(time_type: &DataType, proctime: bool, names: [&str; 3]) -> Vec<PlanField> {
    let window_time = match time_type.kind {
        TypeKind::TimestampLtz { .. } => DataType::not_null(TypeKind::TimestampLtz { precision: 3 }),
        _ => DataType::not_null(TypeKind::Timestamp { precision: 3 }),
    };
    let attribute = if proctime { TimeAttribute::Proctime } else { TimeAttribute::Rowtime };
    vec![
        PlanField::new(names[0], DataType::not_null(TypeKind::Timestamp { precision: 3 })),
        PlanField::new(names[1], DataType::not_null(TypeKind::Timestamp { precision: 3 })),
        PlanField { name: names[2].to_string(), data_type: window_time, time_attribute: Some(attribute) },
    ]
}

/// Checks that column `index` of `schema` is a time attribute a window can use: event
/// time (a WATERMARK) or processing time (`PROCTIME()`).
pub fn check_time_attribute(schema: &PlanSchema, index: usize, span: Span) -> PlanResult<()> {
    let field = &schema.fields[index];
    match field.time_attribute {
        Some(TimeAttribute::Rowtime | TimeAttribute::Proctime) => Ok(()),
        None => Err(user(
            format!(
                "the window function requires the time column \"{}\" to be a time attribute, but it is {}",
                field.name, field.data_type
            ),
            span,
        )
        .with_hint("Declare a WATERMARK for the column in CREATE TABLE, or use a column that has one; an expression on a time attribute is a plain timestamp.")),
    }
}

/// A window size, slide, gap or offset: a day-time interval literal, in microseconds.
pub fn window_duration(binder: &mut Binder, expr: &Expr, what: &str, allow_zero: bool) -> PlanResult<i64> {
    let empty_scope = Scope::default();
    let empty_schema = PlanSchema::default();
    let cx = ExprContext { scope: &empty_scope, schema: &empty_schema, grouped: None };
    let value = binder.bind_expr(expr, &cx)?;
    match value {
        ScalarExpr::Literal { value: ScalarValue::IntervalDayTime(ms), .. } => {
            if ms < 0 || (ms == 0 && !allow_zero) {
                return Err(user(format!("the window {what} must be positive"), expr.span));
            }
            ms.checked_mul(MILLI).ok_or_else(|| user(format!("the window {what} is too large"), expr.span))
        }
        ScalarExpr::Literal { value: ScalarValue::IntervalYearMonth(_), .. } => {
            Err(not_supported("windows sized in months or years", expr.span)
                .with_hint("Use a day-time interval such as INTERVAL '30' DAY."))
        }
        other => Err(user(
            format!("the window {what} must be an interval literal such as INTERVAL '5' MINUTE, not {}", other.data_type()),
            expr.span,
        )),
    }
}

/// The arguments of a window TVF call, sorted out from positional or named form.
struct TvfArgs<'a> {
    table: Option<(&'a ObjectName, &'a [Expr], Span)>,
    descriptor: Option<(&'a [Ident], Span)>,
    /// Interval arguments by parameter name.
    values: Vec<(String, &'a Expr)>,
}

impl Binder<'_> {
    /// Binds `TUMBLE`, `HOP`, `CUMULATE` or `SESSION` in FROM.
    pub fn bind_window_tvf(
        &mut self,
        function: &str,
        args: &[FunctionArg],
        alias: Option<&TableAlias>,
        span: Span,
    ) -> PlanResult<(LogicalPlan, Scope)> {
        let params: &[&str] = match function {
            "TUMBLE" => &["SIZE", "OFFSET"],
            "HOP" => &["SLIDE", "SIZE", "OFFSET"],
            "CUMULATE" => &["STEP", "SIZE", "OFFSET"],
            _ => &["GAP"],
        };
        let parsed = sort_args(function, args, params, span)?;
        let (table, partition_by, table_span) =
            parsed.table.ok_or_else(|| user(format!("{function} needs a table: TABLE name"), span))?;
        let (columns, descriptor_span) = parsed
            .descriptor
            .ok_or_else(|| user(format!("{function} needs a time column: DESCRIPTOR(column)"), span))?;
        let input = self.bind_named(table, &[], table_span)?;
        let input_scope = Scope::qualified(Some(&table.base().value), input.schema());
        if columns.len() != 1 {
            return Err(user("DESCRIPTOR of a window function names exactly one column", descriptor_span));
        }
        let time_column = input
            .schema()
            .fields
            .iter()
            .position(|f| f.name == columns[0].value)
            .ok_or_else(|| user(format!("column \"{}\" not found in \"{}\"", columns[0].value, table.base().value), columns[0].span))?;
        check_time_attribute(input.schema(), time_column, columns[0].span)?;

        let get = |name: &str, binder: &mut Self, allow_zero: bool| -> PlanResult<Option<i64>> {
            match parsed.values.iter().find(|(n, _)| n == name) {
                Some((_, e)) => window_duration(binder, e, &name.to_lowercase(), allow_zero).map(Some),
                None => Ok(None),
            }
        };
        let missing = |name: &str| user(format!("{function} needs its {} argument", name.to_lowercase()), span);
        let offset = get("OFFSET", self, true)?.unwrap_or(0);
        let kind = match function {
            "TUMBLE" => WindowKind::Tumble { size: get("SIZE", self, false)?.ok_or_else(|| missing("SIZE"))?, offset },
            "HOP" => {
                let slide = get("SLIDE", self, false)?.ok_or_else(|| missing("SLIDE"))?;
                let size = get("SIZE", self, false)?.ok_or_else(|| missing("SIZE"))?;
                if size % slide != 0 {
                    return Err(user("the size of a HOP window must be an integral multiple of its slide", span));
                }
                WindowKind::Hop { size, slide, offset }
            }
            "CUMULATE" => {
                let step = get("STEP", self, false)?.ok_or_else(|| missing("STEP"))?;
                let max_size = get("SIZE", self, false)?.ok_or_else(|| missing("SIZE"))?;
                if max_size % step != 0 {
                    return Err(user("the size of a CUMULATE window must be an integral multiple of its step", span));
                }
                WindowKind::Cumulate { step, max_size, offset }
            }
            _ => WindowKind::Session { gap: get("GAP", self, false)?.ok_or_else(|| missing("GAP"))? },
        };
        let mut partition_keys = Vec::with_capacity(partition_by.len());
        if !partition_by.is_empty() && function != "SESSION" {
            return Err(user(format!("{function} does not take PARTITION BY; only SESSION windows do"), partition_by[0].span));
        }
        let cx = ExprContext { scope: &input_scope, schema: input.schema(), grouped: None };
        for key in partition_by {
            match self.bind_expr(key, &cx)? {
                ScalarExpr::Column { index, .. } => partition_keys.push(index),
                _ => return Err(user("a PARTITION BY key of SESSION must be a column", key.span)),
            }
        }

        // The descriptor column stays a time attribute, as in Flink: `SELECT *` of a window
        // TVF has two rowtime attributes, which a sink refuses.
        let mut fields = input.schema().fields.clone();
        let proctime = fields[time_column].time_attribute == Some(TimeAttribute::Proctime);
        let time_type = fields[time_column].data_type.clone();
        fields.extend(window_fields(&time_type, proctime, ["window_start", "window_end", "window_time"]));
        let plan = LogicalPlan::WindowTvf {
            input: Box::new(input),
            kind,
            time_column,
            partition_keys,
            schema: PlanSchema::new(fields),
            span,
        };
        let plan = match alias {
            Some(a) if !a.columns.is_empty() => super::query::rename_columns(plan, &a.columns, span)?,
            _ => plan,
        };
        let scope = Scope::qualified(alias.map(|a| a.name.value.as_str()), plan.schema());
        Ok((plan, scope))
    }
}

fn sort_args<'a>(function: &str, args: &'a [FunctionArg], params: &[&str], span: Span) -> PlanResult<TvfArgs<'a>> {
    let mut out = TvfArgs { table: None, descriptor: None, values: Vec::new() };
    let mut positional = 0usize;
    for arg in args {
        let (name, arg) = match arg {
            FunctionArg::Named { name, arg, .. } => (Some(name), arg.as_ref()),
            other => (None, other),
        };
        let upper = name.map(|n| n.value.to_uppercase());
        match arg {
            FunctionArg::Table { name: t, partition_by, span } => out.table = Some((t, partition_by.as_slice(), *span)),
            FunctionArg::Descriptor { columns, span } => out.descriptor = Some((columns.as_slice(), *span)),
            FunctionArg::Expr(e) => {
                let param = match upper {
                    Some(u) if u == "DATA" || u == "TIMECOL" => {
                        return Err(user(format!("{function} argument \"{u}\" must be a TABLE or DESCRIPTOR"), e.span))
                    }
                    Some(u) => {
                        if !params.contains(&u.as_str()) {
                            return Err(user(format!("{function} has no parameter \"{u}\""), e.span)
                                .with_hint(format!("Its parameters are DATA, TIMECOL, {}.", params.join(", "))));
                        }
                        u
                    }
                    None => {
                        let p = params
                            .get(positional)
                            .ok_or_else(|| user(format!("too many arguments to {function}"), e.span))?;
                        positional += 1;
                        p.to_string()
                    }
                };
                out.values.push((param, e));
            }
            FunctionArg::Named { span, .. } => return Err(user("nested named arguments", *span)),
        }
    }
    if args.is_empty() {
        return Err(user(format!("{function} needs arguments: TABLE, DESCRIPTOR and intervals"), span));
    }
    Ok(out)
}
