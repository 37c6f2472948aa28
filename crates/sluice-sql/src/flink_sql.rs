//! SQL printed the way Flink prints it back, for `SHOW CREATE TABLE` and `SHOW CREATE
//! VIEW`.
//!
//! Flink validates an expression or a query with Calcite and prints the validated tree
//! (`SqlNode#toSqlString`). That text differs from the `Display` of the AST on purpose:
//! every identifier is back-quoted, keywords and function names are upper case, the
//! parentheses written by the user are dropped and only those Calcite's operator
//! precedences need are put back, a few forms are normalised (`SUBSTRING(s FROM 2)` is
//! `SUBSTRING(s, 2)`, `TRIM(s)` is `TRIM(BOTH ' ' FROM s)`, `BETWEEN` is
//! `BETWEEN ASYMMETRIC`), and a query is laid out one clause per line.
//!
//! This module only prints. Names are printed as the tree holds them: the planner
//! qualifies columns and tables first (`orders.id`, `default_catalog.default_database.t
//! AS t`), as Flink's validator does before printing a view.

use crate::ast::*;

/// Built-in functions that Flink 2.3 resolves through its newer function stack, which
/// Calcite prints as a back-quoted identifier (`` `TO_TIMESTAMP_LTZ`(`a`, 3) ``); every
/// other function name prints bare (`UPPER(`s`)`). Measured with Flink 2.3: each function
/// of its `SHOW FUNCTIONS` list in a view, printed by `SHOW CREATE VIEW`.
const QUOTED_FUNCTIONS: &[&str] = &[
    "AGG_DECIMAL_MINUS", "AGG_DECIMAL_PLUS", "ARRAY_APPEND", "ARRAY_CONCAT", "ARRAY_CONTAINS",
    "ARRAY_DISTINCT", "ARRAY_EXCEPT", "ARRAY_INTERSECT", "ARRAY_JOIN", "ARRAY_MAX", "ARRAY_MIN",
    "ARRAY_POSITION", "ARRAY_PREPEND", "ARRAY_REMOVE", "ARRAY_REVERSE", "ARRAY_SLICE", "ARRAY_SORT",
    "ARRAY_UNION", "BITMAP_AND", "BITMAP_ANDNOT", "BITMAP_AND_AGG", "BITMAP_AND_CARDINALITY_AGG",
    "BITMAP_BUILD", "BITMAP_BUILD_AGG", "BITMAP_BUILD_CARDINALITY_AGG", "BITMAP_CARDINALITY",
    "BITMAP_FROM_BYTES", "BITMAP_OR", "BITMAP_OR_AGG", "BITMAP_OR_CARDINALITY_AGG", "BITMAP_TO_ARRAY",
    "BITMAP_TO_BYTES", "BITMAP_TO_STRING", "BITMAP_XOR", "BITMAP_XOR_AGG", "BITMAP_XOR_CARDINALITY_AGG",
    "BTRIM", "CURRENT_WATERMARK", "ELT", "ENDSWITH", "GREATEST", "HIVE_AGG_DECIMAL_PLUS", "IFNULL",
    "INET_ATON", "INET_NTOA", "JSON", "JSON_QUOTE", "JSON_STRING", "JSON_UNQUOTE", "LEAST",
    "MAP_ENTRIES", "MAP_FROM_ARRAYS", "MAP_KEYS", "MAP_UNION", "MAP_VALUES", "OBJECT_OF",
    "OBJECT_UPDATE", "PARSE_JSON", "PERCENTILE", "PRINTF", "REGEXP_COUNT", "REGEXP_EXTRACT_ALL",
    "REGEXP_INSTR", "REGEXP_SUBSTR", "SOURCE_WATERMARK", "SPLIT", "STARTSWITH", "TO_TIMESTAMP_LTZ",
    "TRANSLATE3", "TRY_PARSE_JSON", "TYPEOF", "UNHEX", "URL_DECODE", "URL_ENCODE",
];

/// Functions Calcite prints without parentheses when they take no arguments.
const NILADIC: &[&str] = &[
    "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME", "CURRENT_USER",
    "CURRENT_CATALOG", "SESSION_USER",
];

/// `name` back-quoted, with back-quotes inside doubled.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal as Flink prints it: single quotes, inner quotes doubled.
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An expression as Flink prints it (a computed column, a watermark, a view's item).
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, 0, 0);
    out
}

/// A query as Flink prints an expanded view: one clause per line.
pub fn query(q: &Query) -> String {
    let mut out = String::new();
    write_query(&mut out, q);
    out
}

/// Calcite's left and right binding powers of the operator at the top of `e`, for the
/// nodes printed as operators; `None` for atoms and function calls, which never need
/// parentheses.
fn precedence(e: &Expr) -> Option<(u8, u8)> {
    Some(match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => (22, 23),
            BinaryOp::And => (24, 25),
            BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => (30, 31),
            BinaryOp::Plus | BinaryOp::Minus => (40, 41),
            BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo | BinaryOp::Concat => (60, 61),
        },
        ExprKind::Unary { op: UnaryOp::Not, .. } => (26, 27),
        ExprKind::Unary { .. } => (80, 81),
        ExprKind::IsNull { .. } | ExprKind::IsBool { .. } | ExprKind::IsJson { .. } => (28, 29),
        ExprKind::IsDistinctFrom { .. } => (30, 31),
        ExprKind::Between { .. } | ExprKind::InList { .. } | ExprKind::InSubquery { .. } | ExprKind::Like { .. } => (32, 33),
        ExprKind::Overlaps { .. } => (30, 31),
        ExprKind::Nested(inner) => return precedence(inner),
        _ => return None,
    })
}

/// Writes `e` in a context that binds `left` on its left and `right` on its right,
/// wrapped in parentheses where Calcite would wrap it.
fn write_expr(out: &mut String, e: &Expr, left: u8, right: u8) {
    if let ExprKind::Nested(inner) = &e.kind {
        return write_expr(out, inner, left, right);
    }
    if let Some((l, r)) = precedence(e) {
        if left > l || (r <= right && right != 0) {
            out.push('(');
            write_bare(out, e, 0, 0);
            out.push(')');
            return;
        }
    }
    write_bare(out, e, left, right);
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item, 0, 0);
    }
}

/// The operands of an `AND`/`OR` chain, so that a chain the parser balanced prints
/// flat, as Calcite prints the left-deep chain it parses.
fn chain<'a>(e: &'a Expr, op: BinaryOp, into: &mut Vec<&'a Expr>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary { op: o, left, right } if *o == op => {
                stack.push(right);
                stack.push(left);
            }
            ExprKind::Nested(inner) if matches!(&inner.kind, ExprKind::Binary { op: o, .. } if *o == op) => stack.push(inner),
            _ => into.push(e),
        }
    }
}

fn write_bare(out: &mut String, e: &Expr, left: u8, right: u8) {
    match &e.kind {
        ExprKind::Identifier(i) => out.push_str(&ident(&i.value)),
        ExprKind::CompoundIdentifier(parts) => {
            let names: Vec<String> = parts.iter().map(|p| ident(&p.value)).collect();
            out.push_str(&names.join("."));
        }
        ExprKind::Literal(l) => write_literal(out, l),
        ExprKind::Interval { value, negative, qualifier } => {
            out.push_str("INTERVAL ");
            if *negative {
                out.push('-');
            }
            out.push_str(&string_literal(value));
            out.push(' ');
            out.push_str(qualifier.leading.as_str());
            if let Some(t) = qualifier.trailing {
                out.push_str(" TO ");
                out.push_str(t.as_str());
            }
        }
        ExprKind::Unary { op, expr } => {
            out.push_str(match op {
                UnaryOp::Not => "NOT ",
                UnaryOp::Minus => "- ",
                UnaryOp::Plus => "+ ",
            });
            let (_, r) = precedence(e).unwrap_or((0, 0));
            write_expr(out, expr, r, right);
        }
        ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), .. } => {
            let mut operands = Vec::new();
            chain(e, *op, &mut operands);
            let (l, r) = precedence(e).unwrap_or((0, 0));
            let last = operands.len().saturating_sub(1);
            for (i, operand) in operands.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                    out.push_str(op.as_str());
                    out.push(' ');
                }
                let lp = if i == 0 { left } else { r };
                let rp = if i == last { right } else { l };
                write_expr(out, operand, lp, rp);
            }
        }
        ExprKind::Binary { op, left: a, right: b } => {
            let (l, r) = precedence(e).unwrap_or((0, 0));
            write_expr(out, a, left, l);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_expr(out, b, r, right);
        }
        ExprKind::IsNull { expr, negated } => {
            write_expr(out, expr, left, 28);
            out.push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        ExprKind::IsBool { expr, value, negated } => {
            write_expr(out, expr, left, 28);
            out.push_str(" IS ");
            if *negated {
                out.push_str("NOT ");
            }
            out.push_str(match value {
                Some(true) => "TRUE",
                Some(false) => "FALSE",
                None => "UNKNOWN",
            });
        }
        ExprKind::IsJson { expr, kind, negated } => {
            write_expr(out, expr, left, 28);
            out.push_str(if *negated { " IS NOT JSON " } else { " IS JSON " });
            out.push_str(match kind {
                JsonType::Value => "VALUE",
                JsonType::Scalar => "SCALAR",
                JsonType::Array => "ARRAY",
                JsonType::Object => "OBJECT",
            });
        }
        ExprKind::IsDistinctFrom { left: a, right: b, negated } => {
            write_expr(out, a, left, 30);
            out.push_str(if *negated { " IS NOT DISTINCT FROM " } else { " IS DISTINCT FROM " });
            write_expr(out, b, 31, right);
        }
        ExprKind::Between { expr, low, high, negated, symmetric } => {
            write_expr(out, expr, left, 32);
            out.push_str(if *negated { " NOT BETWEEN " } else { " BETWEEN " });
            out.push_str(if *symmetric { "SYMMETRIC " } else { "ASYMMETRIC " });
            write_expr(out, low, 0, 0);
            out.push_str(" AND ");
            write_expr(out, high, 33, right);
        }
        ExprKind::InList { expr, list, negated } => {
            write_expr(out, expr, left, 32);
            out.push_str(if *negated { " NOT IN (" } else { " IN (" });
            write_list(out, list);
            out.push(')');
        }
        ExprKind::InSubquery { expr, query, negated } => {
            write_expr(out, expr, left, 32);
            out.push_str(if *negated { " NOT IN (" } else { " IN (" });
            write_query(out, query);
            out.push(')');
        }
        ExprKind::Exists { query, negated } => {
            out.push_str(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
            write_query(out, query);
            out.push(')');
        }
        ExprKind::ScalarSubquery(query) => {
            out.push('(');
            write_query(out, query);
            out.push(')');
        }
        ExprKind::Like { expr, pattern, escape, negated, similar } => {
            write_expr(out, expr, left, 32);
            out.push_str(match (negated, similar) {
                (false, false) => " LIKE ",
                (true, false) => " NOT LIKE ",
                (false, true) => " SIMILAR TO ",
                (true, true) => " NOT SIMILAR TO ",
            });
            write_expr(out, pattern, 33, right);
            if let Some(esc) = escape {
                out.push_str(" ESCAPE ");
                write_expr(out, esc, 33, right);
            }
        }
        ExprKind::Case { operand, branches, else_result } => {
            out.push_str("CASE");
            for (when, then) in branches {
                out.push_str(" WHEN ");
                // Calcite's validator turns `CASE x WHEN v` into `CASE WHEN x = v`.
                if let Some(op) = operand {
                    write_expr(out, op, 0, 30);
                    out.push_str(" = ");
                    write_expr(out, when, 31, 0);
                } else {
                    write_expr(out, when, 0, 0);
                }
                out.push_str(" THEN ");
                write_expr(out, then, 0, 0);
            }
            out.push_str(" ELSE ");
            match else_result {
                Some(e) => write_expr(out, e, 0, 0),
                None => out.push_str("NULL"),
            }
            out.push_str(" END");
        }
        ExprKind::Cast { expr, data_type, try_cast, .. } => {
            out.push_str(if *try_cast { "TRY_CAST(" } else { "CAST(" });
            write_expr(out, expr, 0, 0);
            out.push_str(" AS ");
            out.push_str(&cast_type(data_type));
            out.push(')');
        }
        ExprKind::Function(call) => write_call(out, call),
        ExprKind::Extract { unit, expr } => {
            out.push_str("EXTRACT(");
            out.push_str(unit.as_str());
            out.push_str(" FROM ");
            write_expr(out, expr, 0, 0);
            out.push(')');
        }
        ExprKind::Trim { side, chars, expr } => {
            out.push_str("TRIM(");
            out.push_str(match side {
                TrimSide::Both => "BOTH ",
                TrimSide::Leading => "LEADING ",
                TrimSide::Trailing => "TRAILING ",
            });
            match chars {
                Some(c) => write_expr(out, c, 0, 0),
                None => out.push_str("' '"),
            }
            out.push_str(" FROM ");
            write_expr(out, expr, 0, 0);
            out.push(')');
        }
        ExprKind::Position { needle, haystack } => {
            out.push_str("POSITION(");
            write_expr(out, needle, 0, 0);
            out.push_str(" IN ");
            write_expr(out, haystack, 0, 0);
            out.push(')');
        }
        ExprKind::Substring { expr, from, length } => {
            out.push_str("SUBSTRING(");
            write_expr(out, expr, 0, 0);
            out.push_str(", ");
            write_expr(out, from, 0, 0);
            if let Some(l) = length {
                out.push_str(", ");
                write_expr(out, l, 0, 0);
            }
            out.push(')');
        }
        ExprKind::Overlay { expr, placing, from, length } => {
            out.push_str("OVERLAY(");
            write_expr(out, expr, 0, 0);
            out.push_str(" PLACING ");
            write_expr(out, placing, 0, 0);
            out.push_str(" FROM ");
            write_expr(out, from, 0, 0);
            if let Some(l) = length {
                out.push_str(" FOR ");
                write_expr(out, l, 0, 0);
            }
            out.push(')');
        }
        ExprKind::FloorCeil { expr, unit, ceil } => {
            out.push_str(if *ceil { "CEIL(" } else { "FLOOR(" });
            write_expr(out, expr, 0, 0);
            out.push_str(" TO ");
            out.push_str(unit.as_str());
            out.push(')');
        }
        ExprKind::TimeUnit(unit) => out.push_str(unit.as_str()),
        ExprKind::Index { expr, index } => {
            write_expr(out, expr, left, 100);
            out.push('[');
            write_expr(out, index, 0, 0);
            out.push(']');
        }
        ExprKind::Field { expr, field } => {
            write_expr(out, expr, left, 100);
            out.push('.');
            out.push_str(&ident(&field.value));
        }
        ExprKind::Row(items) => {
            out.push_str("ROW(");
            write_list(out, items);
            out.push(')');
        }
        ExprKind::Array(items) => {
            out.push_str("ARRAY[");
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Map(items) => {
            out.push_str("MAP[");
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Nested(inner) => write_expr(out, inner, left, right),
        ExprKind::Overlaps { left: a, right: b } => {
            out.push('(');
            write_list(out, &[a.0.clone(), a.1.clone()]);
            out.push_str(") OVERLAPS (");
            write_list(out, &[b.0.clone(), b.1.clone()]);
            out.push(')');
        }
        ExprKind::Json(call) => write_json(out, call),
    }
}

fn write_literal(out: &mut String, l: &Literal) {
    match l {
        Literal::Number(n) => out.push_str(&n.to_ascii_uppercase()),
        Literal::String(s) => out.push_str(&string_literal(s)),
        Literal::Boolean(true) => out.push_str("TRUE"),
        Literal::Boolean(false) => out.push_str("FALSE"),
        Literal::Null => out.push_str("NULL"),
        Literal::Date(s) => {
            out.push_str("DATE ");
            out.push_str(&string_literal(s));
        }
        Literal::Time(s) => {
            out.push_str("TIME ");
            out.push_str(&string_literal(s));
        }
        Literal::Timestamp(s) => {
            out.push_str("TIMESTAMP ");
            out.push_str(&string_literal(s));
        }
        Literal::Binary(hex) => {
            out.push_str("X'");
            out.push_str(&hex.to_ascii_uppercase());
            out.push('\'');
        }
    }
}

/// The type of a `CAST` as Calcite prints its type spec: Flink's own names (`STRING`,
/// `BYTES`, `TIMESTAMP_LTZ(p)`) as they are, `INT` as `INTEGER`.
fn cast_type(t: &sluice_types::DataType) -> String {
    use sluice_types::TypeKind;
    let base = match &t.kind {
        TypeKind::Int => "INTEGER".to_string(),
        _ => t.kind.to_string(),
    };
    if t.nullable {
        base
    } else {
        format!("{base} NOT NULL")
    }
}

fn function_name(name: &ObjectName) -> String {
    if name.parts.len() > 1 {
        let parts: Vec<String> = name.parts.iter().map(|p| ident(&p.value)).collect();
        return parts.join(".");
    }
    let upper = name.base().value.to_ascii_uppercase();
    if QUOTED_FUNCTIONS.contains(&upper.as_str()) {
        ident(&upper)
    } else {
        upper
    }
}

fn write_call(out: &mut String, call: &FunctionCall) {
    let name = function_name(&call.name);
    if call.args.is_empty() && !call.star && NILADIC.contains(&name.as_str()) {
        out.push_str(&name);
        return;
    }
    out.push_str(&name);
    out.push('(');
    if call.distinct {
        out.push_str("DISTINCT ");
    }
    if call.star {
        out.push('*');
    }
    write_list(out, &call.args);
    out.push(')');
    if let Some(ignore) = call.ignore_nulls {
        out.push_str(if ignore { " IGNORE NULLS" } else { " RESPECT NULLS" });
    }
    if let Some(filter) = &call.filter {
        out.push_str(" FILTER (WHERE ");
        write_expr(out, filter, 0, 0);
        out.push(')');
    }
    match &call.over {
        None => {}
        Some(Over::Named(w)) => {
            out.push_str(" OVER ");
            out.push_str(&ident(&w.value));
        }
        Some(Over::Spec(spec)) => {
            out.push_str(" OVER (");
            write_window_spec(out, spec);
            out.push(')');
        }
    }
}

fn write_window_spec(out: &mut String, spec: &WindowSpec) {
    let mut parts: Vec<String> = Vec::new();
    if let Some(base) = &spec.base {
        parts.push(ident(&base.value));
    }
    if !spec.partition_by.is_empty() {
        let mut s = String::from("PARTITION BY ");
        write_list(&mut s, &spec.partition_by);
        parts.push(s);
    }
    if !spec.order_by.is_empty() {
        let mut s = String::from("ORDER BY ");
        write_order_by(&mut s, &spec.order_by);
        parts.push(s);
    }
    if let Some(frame) = &spec.frame {
        let mut s = String::from(match frame.units {
            FrameUnits::Rows => "ROWS ",
            FrameUnits::Range => "RANGE ",
        });
        match &frame.end {
            Some(end) => {
                s.push_str("BETWEEN ");
                write_bound(&mut s, &frame.start);
                s.push_str(" AND ");
                write_bound(&mut s, end);
            }
            None => write_bound(&mut s, &frame.start),
        }
        parts.push(s);
    }
    out.push_str(&parts.join(" "));
}

fn write_bound(out: &mut String, b: &FrameBound) {
    match b {
        FrameBound::UnboundedPreceding => out.push_str("UNBOUNDED PRECEDING"),
        FrameBound::UnboundedFollowing => out.push_str("UNBOUNDED FOLLOWING"),
        FrameBound::CurrentRow => out.push_str("CURRENT ROW"),
        FrameBound::Preceding(e) => {
            write_expr(out, e, 0, 0);
            out.push_str(" PRECEDING");
        }
        FrameBound::Following(e) => {
            write_expr(out, e, 0, 0);
            out.push_str(" FOLLOWING");
        }
    }
}

fn write_order_by(out: &mut String, items: &[OrderByExpr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, &item.expr, 0, 0);
        if item.asc == Some(false) {
            out.push_str(" DESC");
        }
        match item.nulls_first {
            Some(true) => out.push_str(" NULLS FIRST"),
            Some(false) => out.push_str(" NULLS LAST"),
            None => {}
        }
    }
}

fn write_json(out: &mut String, call: &JsonCall) {
    out.push_str(call.function.as_str());
    out.push('(');
    match call.function {
        JsonFunctionName::Object => {
            for (i, pair) in call.args.chunks(2).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let [k, v] = pair {
                    out.push_str("KEY ");
                    write_expr(out, k, 0, 0);
                    out.push_str(" VALUE ");
                    write_expr(out, v, 0, 0);
                }
            }
        }
        _ => write_list(out, &call.args),
    }
    if let Some((t, _)) = &call.returning {
        out.push_str(" RETURNING ");
        out.push_str(&cast_type(t));
    }
    match call.wrapper {
        Some(JsonWrapper::Without) => out.push_str(" WITHOUT ARRAY WRAPPER"),
        Some(JsonWrapper::Conditional) => out.push_str(" WITH CONDITIONAL ARRAY WRAPPER"),
        Some(JsonWrapper::Unconditional) => out.push_str(" WITH UNCONDITIONAL ARRAY WRAPPER"),
        None => {}
    }
    for (behavior, what) in [(&call.on_empty, "EMPTY"), (&call.on_error, "ERROR")] {
        if let Some(b) = behavior {
            out.push(' ');
            match b {
                JsonBehavior::Null => out.push_str("NULL"),
                JsonBehavior::Error => out.push_str("ERROR"),
                JsonBehavior::True => out.push_str("TRUE"),
                JsonBehavior::False => out.push_str("FALSE"),
                JsonBehavior::Unknown => out.push_str("UNKNOWN"),
                JsonBehavior::EmptyArray => out.push_str("EMPTY ARRAY"),
                JsonBehavior::EmptyObject => out.push_str("EMPTY OBJECT"),
                JsonBehavior::Default(e) => {
                    out.push_str("DEFAULT ");
                    write_expr(out, e, 0, 0);
                }
            }
            out.push_str(" ON ");
            out.push_str(what);
        }
    }
    match call.absent_on_null {
        Some(true) => out.push_str(" ABSENT ON NULL"),
        Some(false) => out.push_str(" NULL ON NULL"),
        None => {}
    }
    out.push(')');
}

fn write_query(out: &mut String, q: &Query) {
    if !q.with.is_empty() {
        out.push_str("WITH ");
        for (i, cte) in q.with.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&ident(&cte.name.value));
            if !cte.columns.is_empty() {
                let cols: Vec<String> = cte.columns.iter().map(|c| ident(&c.value)).collect();
                out.push_str(&format!(" ({})", cols.join(", ")));
            }
            out.push_str(" AS (");
            write_query(out, &cte.query);
            out.push(')');
        }
        out.push(' ');
    }
    write_set_expr(out, &q.body);
    if !q.order_by.is_empty() {
        out.push_str("\nORDER BY ");
        write_order_by(out, &q.order_by);
    }
    if let Some(offset) = &q.offset {
        out.push_str("\nOFFSET ");
        write_expr(out, offset, 0, 0);
        out.push_str(" ROWS");
    }
    if let Some(limit) = &q.limit {
        out.push_str("\nFETCH NEXT ");
        write_expr(out, limit, 0, 0);
        out.push_str(" ROWS ONLY");
    }
}

fn write_set_expr(out: &mut String, body: &SetExpr) {
    match body {
        SetExpr::Select(s) => write_select(out, s),
        SetExpr::Query(q) => {
            out.push('(');
            write_query(out, q);
            out.push(')');
        }
        SetExpr::SetOperation { op, all, left, right, .. } => {
            write_set_expr(out, left);
            out.push('\n');
            out.push_str(match op {
                SetOperator::Union => "UNION",
                SetOperator::Intersect => "INTERSECT",
                SetOperator::Except => "EXCEPT",
            });
            if *all {
                out.push_str(" ALL");
            }
            out.push('\n');
            write_set_expr(out, right);
        }
        SetExpr::Values { rows, .. } => {
            out.push_str("VALUES ");
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                out.push_str("ROW(");
                write_list(out, row);
                out.push(')');
            }
        }
    }
}

fn write_select(out: &mut String, s: &Select) {
    out.push_str("SELECT ");
    if s.distinct {
        out.push_str("DISTINCT ");
    }
    for (i, item) in s.projection.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match item {
            SelectItem::Expr { expr, alias } => {
                write_expr(out, expr, 0, 0);
                if let Some(a) = alias {
                    out.push_str(" AS ");
                    out.push_str(&ident(&a.value));
                }
            }
            SelectItem::Wildcard(_) => out.push('*'),
            SelectItem::QualifiedWildcard(name, _) => {
                let parts: Vec<String> = name.parts.iter().map(|p| ident(&p.value)).collect();
                out.push_str(&parts.join("."));
                out.push_str(".*");
            }
        }
    }
    if let Some(from) = &s.from {
        out.push_str("\nFROM ");
        write_table_ref(out, from);
    }
    if let Some(w) = &s.selection {
        out.push_str("\nWHERE ");
        write_expr(out, w, 0, 0);
    }
    if !s.group_by.is_empty() {
        out.push_str("\nGROUP BY ");
        for (i, item) in s.group_by.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match item {
                GroupByItem::Expr(e) => write_expr(out, e, 0, 0),
                GroupByItem::GroupingSets(sets, _) => {
                    out.push_str("GROUPING SETS(");
                    for (j, set) in sets.iter().enumerate() {
                        if j > 0 {
                            out.push_str(", ");
                        }
                        out.push('(');
                        write_list(out, set);
                        out.push(')');
                    }
                    out.push(')');
                }
                GroupByItem::Rollup(items, _) => {
                    out.push_str("ROLLUP(");
                    write_list(out, items);
                    out.push(')');
                }
                GroupByItem::Cube(items, _) => {
                    out.push_str("CUBE(");
                    write_list(out, items);
                    out.push(')');
                }
            }
        }
    }
    if let Some(h) = &s.having {
        out.push_str("\nHAVING ");
        write_expr(out, h, 0, 0);
    }
}

fn write_alias(out: &mut String, alias: &Option<TableAlias>) {
    if let Some(a) = alias {
        out.push_str(" AS ");
        out.push_str(&ident(&a.name.value));
        if !a.columns.is_empty() {
            let cols: Vec<String> = a.columns.iter().map(|c| ident(&c.value)).collect();
            out.push_str(&format!(" ({})", cols.join(", ")));
        }
    }
}

fn write_table_ref(out: &mut String, t: &TableRef) {
    match t {
        TableRef::Named { name, alias, system_time, .. } => {
            let parts: Vec<String> = name.parts.iter().map(|p| ident(&p.value)).collect();
            out.push_str(&parts.join("."));
            if let Some(at) = system_time {
                out.push_str(" FOR SYSTEM_TIME AS OF ");
                write_expr(out, at, 0, 0);
            }
            write_alias(out, alias);
        }
        TableRef::Derived { lateral, subquery, alias, .. } => {
            if *lateral {
                out.push_str("LATERAL ");
            }
            out.push('(');
            write_query(out, subquery);
            out.push(')');
            write_alias(out, alias);
        }
        TableRef::Function { lateral, name, args, alias, .. } => {
            if *lateral {
                out.push_str("LATERAL ");
            }
            out.push_str("TABLE(");
            out.push_str(&function_name(name));
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_function_arg(out, arg);
            }
            out.push_str("))");
            write_alias(out, alias);
        }
        TableRef::Unnest { exprs, with_ordinality, alias, .. } => {
            out.push_str("UNNEST(");
            write_list(out, exprs);
            out.push(')');
            if *with_ordinality {
                out.push_str(" WITH ORDINALITY");
            }
            write_alias(out, alias);
        }
        TableRef::Join(j) => {
            write_table_ref(out, &j.left);
            if j.kind == JoinKind::Cross && matches!(j.constraint, JoinConstraint::None) {
                out.push_str(",\n");
                write_table_ref(out, &j.right);
                return;
            }
            out.push('\n');
            out.push_str(match j.kind {
                JoinKind::Inner => "INNER JOIN ",
                JoinKind::Left => "LEFT JOIN ",
                JoinKind::Right => "RIGHT JOIN ",
                JoinKind::Full => "FULL JOIN ",
                JoinKind::Cross => "CROSS JOIN ",
            });
            write_table_ref(out, &j.right);
            match &j.constraint {
                JoinConstraint::On(cond) => {
                    out.push_str(" ON ");
                    write_expr(out, cond, 0, 0);
                }
                JoinConstraint::Using(cols) => {
                    let cols: Vec<String> = cols.iter().map(|c| ident(&c.value)).collect();
                    out.push_str(&format!(" USING ({})", cols.join(", ")));
                }
                JoinConstraint::None => {}
            }
        }
        TableRef::MatchRecognize { input, alias, .. } => {
            // Not printed in Flink's form: the planner refuses SHOW CREATE VIEW over it.
            write_table_ref(out, input);
            write_alias(out, alias);
        }
    }
}

fn write_function_arg(out: &mut String, arg: &FunctionArg) {
    match arg {
        FunctionArg::Table { name, .. } => {
            let parts: Vec<String> = name.parts.iter().map(|p| ident(&p.value)).collect();
            out.push_str("TABLE ");
            out.push_str(&parts.join("."));
        }
        FunctionArg::Descriptor { columns, .. } => {
            let cols: Vec<String> = columns.iter().map(|c| ident(&c.value)).collect();
            out.push_str(&format!("DESCRIPTOR({})", cols.join(", ")));
        }
        FunctionArg::Expr(e) => write_expr(out, e, 0, 0),
        FunctionArg::Named { name, arg, .. } => {
            out.push_str(&ident(&name.value));
            out.push_str(" => ");
            write_function_arg(out, arg);
        }
    }
}
