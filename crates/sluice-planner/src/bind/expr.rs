//! Expressions: from `ast::Expr` to typed `ScalarExpr` over a scope.

use sluice_expr::{FunctionError, ScalarExpr};
use sluice_sql::ast::{self, BinaryOp, Expr, ExprKind, TrimSide, UnaryOp};
use sluice_sql::{Diagnostic, Span};
use sluice_types::{DataType, ScalarValue, TypeKind};

use super::aggregate::Grouping;
use super::literal::{bind_literal, interval_value};
use super::scope::{field_access, Scope};
use super::Binder;
use crate::error::{not_supported, user, PlanResult};
use crate::logical::PlanSchema;
use crate::suggest::did_you_mean;

/// Aggregate functions: bound by the aggregation planner, never as scalar calls.
pub const AGGREGATES: &[&str] = &[
    "COUNT", "SUM", "SUM0", "AVG", "MIN", "MAX", "LISTAGG", "FIRST_VALUE", "LAST_VALUE", "STDDEV_POP",
    "STDDEV_SAMP", "STDDEV", "VAR_POP", "VAR_SAMP", "VARIANCE", "COLLECT", "ARRAY_AGG", "JSON_ARRAYAGG",
    "JSON_OBJECTAGG", "BOOL_AND", "BOOL_OR", "JSON_ARRAYAGG_ABSENT_ON_NULL", "JSON_ARRAYAGG_NULL_ON_NULL",
    "JSON_OBJECTAGG_ABSENT_ON_NULL", "JSON_OBJECTAGG_NULL_ON_NULL", "PERCENTILE",
    "BITMAP_BUILD_AGG", "BITMAP_BUILD_CARDINALITY_AGG", "BITMAP_AND_AGG", "BITMAP_AND_CARDINALITY_AGG", "BITMAP_OR_AGG",
    "BITMAP_OR_CARDINALITY_AGG", "BITMAP_XOR_AGG", "BITMAP_XOR_CARDINALITY_AGG",
];

/// Grouping functions: only meaningful after a GROUP BY, bound by the aggregation planner.
pub const GROUPING_FUNCTIONS: &[&str] = &["GROUPING", "GROUPING_ID", "GROUP_ID"];

/// Window and ranking functions used with `OVER`.
pub const WINDOW_FUNCTIONS: &[&str] = &["ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE", "LAG", "LEAD"];

/// Functions that only make sense inside `MATCH_RECOGNIZE` or group windows.
const SPECIAL_CONTEXT: &[&str] = &[
    "FIRST", "LAST", "PREV", "NEXT", "CLASSIFIER", "MATCH_NUMBER", "MATCH_ROWTIME", "MATCH_PROCTIME", "TUMBLE_START",
    "TUMBLE_END", "TUMBLE_ROWTIME", "TUMBLE_PROCTIME", "HOP_START", "HOP_END", "HOP_ROWTIME", "HOP_PROCTIME",
    "SESSION_START", "SESSION_END", "SESSION_ROWTIME", "SESSION_PROCTIME", "TUMBLE", "HOP", "SESSION", "CUMULATE",
];

/// What an expression is bound against: the names in scope and their types.
pub struct ExprContext<'s> {
    pub scope: &'s Scope,
    pub schema: &'s PlanSchema,
    /// Set for expressions after a `GROUP BY` (SELECT list, HAVING): they are bound over
    /// the aggregation's output, where group keys and aggregate calls are columns.
    pub grouped: Option<&'s Grouping<'s>>,
}

impl Binder<'_> {
    pub fn bind_expr(&mut self, expr: &Expr, cx: &ExprContext) -> PlanResult<ScalarExpr> {
        let span = expr.span;
        if self.match_scope.is_some() {
            if let Some(e) = self.bind_in_match(expr, cx)? {
                return Ok(e);
            }
        }
        if let Some(g) = cx.grouped {
            if let Some(e) = self.bind_grouped(expr, g)? {
                return Ok(e);
            }
        }
        match &expr.kind {
            ExprKind::Identifier(ident) => self.resolve_name(std::slice::from_ref(ident), cx, span),
            ExprKind::CompoundIdentifier(parts) => self.resolve_name(parts, cx, span),
            ExprKind::Literal(l) => bind_literal(l, span),
            ExprKind::Interval { value, negative, qualifier } => interval_value(value, *negative, qualifier, span),
            ExprKind::Nested(inner) => self.bind_expr(inner, cx),
            ExprKind::Unary { op, expr: inner } => {
                let arg = self.bind_expr(inner, cx)?;
                match op {
                    UnaryOp::Plus => Ok(arg),
                    UnaryOp::Minus => match negate_literal(&arg) {
                        Some(folded) => Ok(folded),
                        None => self.call("NEGATE", vec![arg], span),
                    },
                    UnaryOp::Not => self.call("NOT", vec![arg], span),
                }
            }
            ExprKind::Binary { op, left, right } => {
                let l = self.bind_expr(left, cx)?;
                let r = self.bind_expr(right, cx)?;
                let name = match op {
                    BinaryOp::Concat => "||",
                    other => other.as_str(),
                };
                self.call(name, vec![l, r], span)
            }
            ExprKind::IsNull { expr: inner, negated } => {
                let arg = self.bind_expr(inner, cx)?;
                self.call(if *negated { "IS NOT NULL" } else { "IS NULL" }, vec![arg], span)
            }
            ExprKind::IsBool { expr: inner, value, negated } => {
                let arg = self.bind_expr(inner, cx)?;
                let name = match (value, negated) {
                    (Some(true), false) => "IS TRUE",
                    (Some(true), true) => "IS NOT TRUE",
                    (Some(false), false) => "IS FALSE",
                    (Some(false), true) => "IS NOT FALSE",
                    (None, false) => "IS NULL",
                    (None, true) => "IS NOT NULL",
                };
                self.call(name, vec![arg], span)
            }
            ExprKind::IsDistinctFrom { left, right, negated } => {
                let l = self.bind_expr(left, cx)?;
                let r = self.bind_expr(right, cx)?;
                self.call(if *negated { "IS NOT DISTINCT FROM" } else { "IS DISTINCT FROM" }, vec![l, r], span)
            }
            ExprKind::Between { expr: inner, low, high, negated, symmetric } => {
                let v = self.bind_expr(inner, cx)?;
                let lo = self.bind_expr(low, cx)?;
                let hi = self.bind_expr(high, cx)?;
                let (lo, hi) = if *symmetric {
                    (self.call("LEAST", vec![lo.clone(), hi.clone()], span)?, self.call("GREATEST", vec![lo, hi], span)?)
                } else {
                    (lo, hi)
                };
                let ge = self.call(">=", vec![v.clone(), lo], span)?;
                let le = self.call("<=", vec![v, hi], span)?;
                let between = self.call("AND", vec![ge, le], span)?;
                if *negated {
                    self.call("NOT", vec![between], span)
                } else {
                    Ok(between)
                }
            }
            ExprKind::InList { expr: inner, list, negated } => {
                let mut args = vec![self.bind_expr(inner, cx)?];
                for item in list {
                    args.push(self.bind_expr(item, cx)?);
                }
                let e = self.call("IN", args, span)?;
                if *negated {
                    self.call("NOT", vec![e], span)
                } else {
                    Ok(e)
                }
            }
            ExprKind::InSubquery { .. } => self.subquery_value(span, cx, "IN with a subquery"),
            ExprKind::Exists { .. } => self.subquery_value(span, cx, "EXISTS"),
            ExprKind::ScalarSubquery(_) => self.subquery_value(span, cx, "a scalar subquery"),
            ExprKind::Like { expr: inner, pattern, escape, negated, similar } => {
                let mut args = vec![self.bind_expr(inner, cx)?, self.bind_expr(pattern, cx)?];
                if let Some(e) = escape {
                    args.push(self.bind_expr(e, cx)?);
                }
                let name = match (similar, negated) {
                    (true, false) => "SIMILAR TO",
                    (true, true) => "NOT SIMILAR TO",
                    (false, false) => "LIKE",
                    (false, true) => "NOT LIKE",
                };
                self.call(name, args, span)
            }
            ExprKind::Case { operand, branches, else_result } => self.bind_case(operand.as_deref(), branches, else_result.as_deref(), cx, span),
            ExprKind::Cast { expr: inner, data_type, type_span, try_cast } => {
                let arg = self.bind_expr(inner, cx)?;
                let cast = sluice_expr::cast(arg, data_type.clone(), *try_cast).map_err(|e| function_error(e, "CAST", *type_span))?;
                // A CAST of a time attribute is a plain timestamp even to the same type
                // (Flink's way to drop a rowtime), so it must not look like a column.
                match cast {
                    ScalarExpr::Column { index, ref data_type }
                        if cx.schema.fields.get(index).is_some_and(|f| f.time_attribute.is_some()) =>
                    {
                        let data_type = data_type.clone();
                        Ok(ScalarExpr::Cast { expr: Box::new(cast), data_type, try_cast: *try_cast })
                    }
                    other => Ok(other),
                }
            }
            ExprKind::Function(call) => self.bind_function(call, cx, span),
            ExprKind::Extract { unit, expr: inner } => {
                let arg = self.bind_expr(inner, cx)?;
                self.call("EXTRACT", vec![unit_literal(unit.as_str()), arg], span)
            }
            ExprKind::Trim { side, chars, expr: inner } => {
                let side = match side {
                    TrimSide::Both => "BOTH",
                    TrimSide::Leading => "LEADING",
                    TrimSide::Trailing => "TRAILING",
                };
                let chars = match chars {
                    Some(c) => self.bind_expr(c, cx)?,
                    None => string_literal(" "),
                };
                let arg = self.bind_expr(inner, cx)?;
                self.call("TRIM", vec![unit_literal(side), chars, arg], span)
            }
            ExprKind::Position { needle, haystack } => {
                let n = self.bind_expr(needle, cx)?;
                let h = self.bind_expr(haystack, cx)?;
                self.call("POSITION", vec![n, h], span)
            }
            ExprKind::Substring { expr: inner, from, length } => {
                let mut args = vec![self.bind_expr(inner, cx)?, self.bind_expr(from, cx)?];
                if let Some(l) = length {
                    args.push(self.bind_expr(l, cx)?);
                }
                self.call("SUBSTRING", args, span)
            }
            ExprKind::Overlay { expr: inner, placing, from, length } => {
                let mut args = vec![self.bind_expr(inner, cx)?, self.bind_expr(placing, cx)?, self.bind_expr(from, cx)?];
                if let Some(l) = length {
                    args.push(self.bind_expr(l, cx)?);
                }
                self.call("OVERLAY", args, span)
            }
            ExprKind::FloorCeil { expr: inner, unit, ceil } => {
                let arg = self.bind_expr(inner, cx)?;
                self.call(if *ceil { "CEIL" } else { "FLOOR" }, vec![arg, unit_literal(unit.as_str())], span)
            }
            ExprKind::TimeUnit(unit) => Ok(unit_literal(unit.as_str())),
            ExprKind::Index { expr: inner, index } => {
                let base = self.bind_expr(inner, cx)?;
                let idx = self.bind_expr(index, cx)?;
                self.call("ITEM", vec![base, idx], span)
            }
            ExprKind::Field { expr: inner, field } => {
                let base = self.bind_expr(inner, cx)?;
                field_access(base, field)
            }
            ExprKind::Row(items) => {
                let args = items.iter().map(|e| self.bind_expr(e, cx)).collect::<PlanResult<Vec<_>>>()?;
                self.call("ROW", args, span)
            }
            ExprKind::Array(items) => {
                let args = items.iter().map(|e| self.bind_expr(e, cx)).collect::<PlanResult<Vec<_>>>()?;
                self.call("ARRAY", args, span)
            }
            ExprKind::Map(items) => {
                let args = items.iter().map(|e| self.bind_expr(e, cx)).collect::<PlanResult<Vec<_>>>()?;
                self.call("MAP", args, span)
            }
            ExprKind::IsJson { expr: inner, kind, negated } => {
                let arg = self.bind_expr(inner, cx)?;
                let kind = match kind {
                    ast::JsonType::Value => sluice_expr::JsonType::Value,
                    ast::JsonType::Scalar => sluice_expr::JsonType::Scalar,
                    ast::JsonType::Array => sluice_expr::JsonType::Array,
                    ast::JsonType::Object => sluice_expr::JsonType::Object,
                };
                let is_json = sluice_expr::resolve_json(sluice_expr::JsonFunction::IsJson(kind), vec![arg])
                    .map_err(|e| function_error(e, "IS JSON", span))?;
                if *negated {
                    self.call("NOT", vec![is_json], span)
                } else {
                    Ok(is_json)
                }
            }
            ExprKind::Json(call) => self.bind_json(call, cx, span),
            ExprKind::Overlaps { left, right } => {
                let args = [&left.0, &left.1, &right.0, &right.1]
                    .into_iter()
                    .map(|e| self.bind_expr(e, cx))
                    .collect::<PlanResult<Vec<_>>>()?;
                self.call("PERIOD OVERLAPS", args, span)
            }
        }
    }

    /// A JSON function with its clauses; `DEFAULT` expressions become extra arguments
    /// (the `ON EMPTY` one first).
    fn bind_json(&mut self, call: &ast::JsonCall, cx: &ExprContext, span: Span) -> PlanResult<ScalarExpr> {
        use sluice_expr::{JsonBehavior as B, JsonFunction as F, JsonWrapper as W};
        // `JSON(text)` is only allowed as a value of JSON_OBJECT / JSON_ARRAY, as in Flink.
        let constructor = matches!(call.function, ast::JsonFunctionName::Object | ast::JsonFunctionName::Array);
        let mut args = Vec::with_capacity(call.args.len());
        for (i, a) in call.args.iter().enumerate() {
            let is_value = call.function == ast::JsonFunctionName::Array || i % 2 == 1;
            match &a.kind {
                ExprKind::Function(f) if constructor && is_value && is_json_marker(f) => {
                    let inner = f.args.iter().map(|x| self.bind_expr(x, cx)).collect::<PlanResult<Vec<_>>>()?;
                    args.push(self.call("JSON", inner, a.span)?);
                }
                _ => args.push(self.bind_expr(a, cx)?),
            }
        }
        let mut behavior = |b: &Option<ast::JsonBehavior>, default: B, this: &mut Self| -> PlanResult<B> {
            Ok(match b {
                None => default,
                Some(ast::JsonBehavior::Null) => B::Null,
                Some(ast::JsonBehavior::Error) => B::Error,
                Some(ast::JsonBehavior::True) => B::True,
                Some(ast::JsonBehavior::False) => B::False,
                Some(ast::JsonBehavior::Unknown) => B::Unknown,
                Some(ast::JsonBehavior::EmptyArray) => B::EmptyArray,
                Some(ast::JsonBehavior::EmptyObject) => B::EmptyObject,
                Some(ast::JsonBehavior::Default(e)) => {
                    args.push(this.bind_expr(e, cx)?);
                    B::Default
                }
            })
        };
        let on_empty = behavior(&call.on_empty, B::Null, self)?;
        let default_error = if call.function == ast::JsonFunctionName::Exists { B::False } else { B::Null };
        let on_error = behavior(&call.on_error, default_error, self)?;
        let returning = call.returning.as_ref().map(|(t, _)| t.clone());
        let name = call.function.as_str();
        let function = match call.function {
            ast::JsonFunctionName::Value => F::Value { returning, on_empty, on_error },
            ast::JsonFunctionName::Query => {
                let wrapper = match call.wrapper {
                    None | Some(ast::JsonWrapper::Without) => W::Without,
                    Some(ast::JsonWrapper::Conditional) => W::Conditional,
                    Some(ast::JsonWrapper::Unconditional) => W::Unconditional,
                };
                F::Query { returning, wrapper, on_empty, on_error }
            }
            ast::JsonFunctionName::Exists => F::Exists { on_error },
            ast::JsonFunctionName::Object => F::Object { absent_on_null: call.absent_on_null.unwrap_or(false) },
            ast::JsonFunctionName::Array => F::Array { absent_on_null: call.absent_on_null.unwrap_or(true) },
        };
        sluice_expr::resolve_json(function, args).map_err(|e| function_error(e, name, span))
    }

    /// Resolves a built-in call, turning a resolution failure into a diagnostic at `span`.
    pub fn call(&self, name: &str, args: Vec<ScalarExpr>, span: Span) -> PlanResult<ScalarExpr> {
        sluice_expr::resolve_call(name, args).map_err(|e| function_error(e, name, span))
    }

    fn bind_case(
        &mut self,
        operand: Option<&Expr>,
        branches: &[(Expr, Expr)],
        else_result: Option<&Expr>,
        cx: &ExprContext,
        span: Span,
    ) -> PlanResult<ScalarExpr> {
        let operand = operand.map(|o| self.bind_expr(o, cx)).transpose()?;
        let mut conditions = Vec::with_capacity(branches.len());
        let mut results = Vec::with_capacity(branches.len() + 1);
        for (when, then) in branches {
            let w = self.bind_expr(when, cx)?;
            let cond = match &operand {
                Some(o) => self.call("=", vec![o.clone(), w], when.span)?,
                None => w,
            };
            if !matches!(cond.data_type().kind, TypeKind::Boolean | TypeKind::Null) {
                return Err(user(format!("CASE condition must be BOOLEAN, not {}", cond.data_type()), when.span));
            }
            conditions.push(cond);
            results.push(self.bind_expr(then, cx)?);
        }
        let else_expr = match else_result {
            Some(e) => self.bind_expr(e, cx)?,
            None => ScalarExpr::Literal { value: ScalarValue::Null, data_type: DataType::new(TypeKind::Null) },
        };
        let mut args = Vec::with_capacity(conditions.len() * 2 + 1);
        for (c, r) in conditions.into_iter().zip(results) {
            args.push(c);
            args.push(r);
        }
        if else_result.is_some() {
            args.push(else_expr);
        }
        self.call("CASE", args, span)
    }

    fn bind_function(&mut self, call: &ast::FunctionCall, cx: &ExprContext, span: Span) -> PlanResult<ScalarExpr> {
        let name = call.name.base().value.to_uppercase();
        if call.over.is_some() {
            return Err(not_supported("an OVER window", span));
        }
        if AGGREGATES.contains(&name.as_str()) {
            return Err(user(format!("aggregate function \"{name}\" is not allowed here"), span)
                .with_hint("Aggregates belong in a SELECT with GROUP BY, a window aggregation or an OVER clause."));
        }
        if WINDOW_FUNCTIONS.contains(&name.as_str()) {
            return Err(user(format!("function \"{name}\" needs an OVER clause"), span));
        }
        if GROUPING_FUNCTIONS.contains(&name.as_str()) {
            return Err(user(format!("function \"{name}\" is only allowed in a query with GROUP BY"), span)
                .with_hint("Use it in the SELECT list or HAVING clause of a GROUP BY query."));
        }
        if SPECIAL_CONTEXT.contains(&name.as_str()) {
            return Err(not_supported(&format!("function \"{name}\" in this position"), span));
        }
        if is_json_marker(call) {
            return Err(user("JSON() can only be used as a value of JSON_OBJECT or JSON_ARRAY", span)
                .with_hint("Flink allows JSON(text) only inside JSON_ARRAY(..) or as the VALUE of JSON_OBJECT(..)."));
        }
        if call.distinct || call.star || call.filter.is_some() {
            return Err(user(format!("DISTINCT, * and FILTER apply to aggregate functions, not to \"{name}\""), span));
        }
        let args = call.args.iter().map(|a| self.bind_expr(a, cx)).collect::<PlanResult<Vec<_>>>()?;
        if name == "CURRENT_WATERMARK" && args.len() == 1 {
            check_rowtime_argument(&args[0], cx, call.args[0].span)?;
        }
        // A user function shadows a built-in only when it is a TEMPORARY SYSTEM function,
        // as in Flink's order of resolution.
        if let Some(f) = self.catalog.function(&name) {
            if f.system || matches!(sluice_expr::resolve_call(&name, args.clone()), Err(FunctionError::NotFound(_))) {
                let f = f.clone();
                return super::udf::bind_python_call(&f, args, span);
            }
        }
        self.call(&name, args, span)
    }
}

/// `CURRENT_WATERMARK(x)`: `x` must be a rowtime attribute of the input, not any
/// timestamp (a CAST of one is not), as Flink's type check says.
fn check_rowtime_argument(arg: &ScalarExpr, cx: &ExprContext, span: Span) -> PlanResult<()> {
    let rowtime = match arg {
        ScalarExpr::Column { index, .. } => {
            cx.schema.fields.get(*index).is_some_and(|f| f.time_attribute == Some(crate::logical::TimeAttribute::Rowtime))
        }
        _ => false,
    };
    if rowtime {
        return Ok(());
    }
    Err(user(format!("the argument of CURRENT_WATERMARK() must be a rowtime attribute, but was '{}'", arg.data_type()), span)
        .with_hint("Pass the column the table's WATERMARK is declared on (or a window's rowtime), not a computed timestamp."))
}

/// `JSON(text)`: raw JSON for a JSON constructor.
fn is_json_marker(call: &ast::FunctionCall) -> bool {
    call.name.parts.len() == 1 && call.name.base().value.eq_ignore_ascii_case("JSON") && call.over.is_none()
}

/// Casts `expr` to `to` for a union of branches; identity when the type already matches.
pub fn coerce(expr: ScalarExpr, to: &DataType, span: Span) -> PlanResult<ScalarExpr> {
    if expr.data_type() == to {
        return Ok(expr);
    }
    sluice_expr::cast(expr, to.clone(), false).map_err(|e| function_error(e, "CAST", span))
}

fn unit_literal(unit: &str) -> ScalarExpr {
    string_literal(unit)
}

fn string_literal(s: &str) -> ScalarExpr {
    ScalarExpr::Literal {
        value: ScalarValue::String(s.to_string()),
        data_type: DataType::not_null(TypeKind::Char { length: s.chars().count().max(1) as u32 }),
    }
}

/// `-literal` folded into the literal, so that `-1` is `INT` and not `NEGATE(1)`.
fn negate_literal(e: &ScalarExpr) -> Option<ScalarExpr> {
    let ScalarExpr::Literal { value, data_type } = e else { return None };
    let value = match value {
        ScalarValue::Int(v) => ScalarValue::Int(v.checked_neg()?),
        // `-2147483648` is an INT, as in Calcite, which types a negative literal by its value.
        ScalarValue::BigInt(v) => match i32::try_from(v.checked_neg()?) {
            Ok(int) => return Some(ScalarExpr::Literal { value: ScalarValue::Int(int), data_type: DataType { kind: TypeKind::Int, ..data_type.clone() } }),
            Err(_) => ScalarValue::BigInt(v.checked_neg()?),
        },
        ScalarValue::Double(v) => ScalarValue::Double(-v),
        ScalarValue::Decimal { value, precision, scale } => {
            ScalarValue::Decimal { value: -value, precision: *precision, scale: *scale }
        }
        ScalarValue::IntervalDayTime(v) => ScalarValue::IntervalDayTime(-v),
        ScalarValue::IntervalYearMonth(v) => ScalarValue::IntervalYearMonth(-v),
        _ => return None,
    };
    Some(ScalarExpr::Literal { value, data_type: data_type.clone() })
}

/// Turns a function resolution failure into a diagnostic at the call.
pub fn function_error(e: FunctionError, name: &str, span: Span) -> Diagnostic {
    match e {
        FunctionError::NotFound(n) => {
            let names = sluice_expr::function_names();
            let mut d = user(format!("no function named \"{n}\""), span);
            if let Some(label) = did_you_mean(&n, names.iter().copied()) {
                d = d.with_label(label);
            }
            d.with_hint("See the README for the list of built-in functions.")
        }
        FunctionError::NoMatchingSignature { name, got, expected } => {
            let d = user(format!("cannot apply \"{name}\" to arguments of type {got}"), span);
            if expected.is_empty() {
                d
            } else {
                d.with_hint(format!("Supported signatures: {}.", expected.join(", ")))
            }
        }
        // A function name, or (with spaces) a description of the construct.
        FunctionError::NotSupportedYet(n) if n.contains(' ') => not_supported(&n, span),
        FunctionError::NotSupportedYet(n) => not_supported(&format!("function \"{n}\""), span),
        FunctionError::BadArgument(message) => user(message, span).with_label(format!("in \"{name}\"")),
    }
}
