//! Printing expressions with the fewest parentheses that keep their meaning.

use std::fmt::{self, Display, Formatter, Write};

use super::{join, Quoted};
use crate::ast::*;
use crate::parser::expr_prec as prec;
use crate::parser::NILADIC_FUNCTIONS;

/// The binding power of the operator at the top of `e` (atoms bind tightest).
fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => prec::OR,
            BinaryOp::And => prec::AND,
            BinaryOp::Eq | BinaryOp::NotEq | BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => prec::CMP,
            BinaryOp::Plus | BinaryOp::Minus | BinaryOp::Concat => prec::ADD,
            BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => prec::MUL,
        },
        ExprKind::Unary { op: UnaryOp::Not, .. } => prec::NOT,
        ExprKind::Unary { .. } => prec::UNARY,
        ExprKind::IsNull { .. }
        | ExprKind::IsBool { .. }
        | ExprKind::IsDistinctFrom { .. }
        | ExprKind::Between { .. }
        | ExprKind::InList { .. }
        | ExprKind::InSubquery { .. }
        | ExprKind::IsJson { .. }
        | ExprKind::Overlaps { .. }
        | ExprKind::Like { .. } => prec::CMP,
        ExprKind::Index { .. } | ExprKind::Field { .. } => prec::POSTFIX,
        _ => prec::ATOM,
    }
}

/// `e`, parenthesised if it binds more loosely than `min`.
struct At<'a>(&'a Expr, u8);

impl Display for At<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if precedence(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Identifier(i) => write!(f, "{i}"),
            ExprKind::CompoundIdentifier(parts) => join(f, parts, "."),
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::Interval { value, negative, qualifier } => {
                let sign = if *negative { "-" } else { "" };
                write!(f, "INTERVAL {} {}", Quoted(&format!("{sign}{value}")), qualifier.leading.as_str())?;
                if let Some(t) = qualifier.trailing {
                    write!(f, " TO {}", t.as_str())?;
                }
                Ok(())
            }
            ExprKind::Unary { op: UnaryOp::Not, expr } => write!(f, "NOT {}", At(expr, prec::NOT)),
            ExprKind::Unary { op, expr } => {
                let inner = At(expr, prec::UNARY).to_string();
                let sign = if *op == UnaryOp::Minus { '-' } else { '+' };
                f.write_char(sign)?;
                // `- -1` must not print as the comment `--1`.
                if inner.starts_with(['-', '+']) {
                    f.write_char(' ')?;
                }
                f.write_str(&inner)
            }
            ExprKind::Binary { op, left, right } => {
                let p = precedence(self);
                write!(f, "{} {} {}", At(left, p), op.as_str(), At(right, p + 1))
            }
            ExprKind::IsNull { expr, negated } => write!(f, "{} IS {}NULL", At(expr, prec::CMP), not(*negated)),
            ExprKind::IsBool { expr, value, negated } => {
                let v = match value {
                    Some(true) => "TRUE",
                    Some(false) => "FALSE",
                    None => "UNKNOWN",
                };
                write!(f, "{} IS {}{v}", At(expr, prec::CMP), not(*negated))
            }
            ExprKind::IsDistinctFrom { left, right, negated } => {
                write!(f, "{} IS {}DISTINCT FROM {}", At(left, prec::CMP), not(*negated), At(right, prec::ADD))
            }
            ExprKind::Between { expr, low, high, negated, symmetric } => write!(
                f,
                "{} {}BETWEEN {}{} AND {}",
                At(expr, prec::CMP),
                not(*negated),
                if *symmetric { "SYMMETRIC " } else { "" },
                At(low, prec::ADD),
                At(high, prec::ADD)
            ),
            ExprKind::InList { expr, list, negated } => {
                write!(f, "{} {}IN (", At(expr, prec::CMP), not(*negated))?;
                join(f, list, ", ")?;
                f.write_char(')')
            }
            ExprKind::InSubquery { expr, query, negated } => {
                write!(f, "{} {}IN ({query})", At(expr, prec::CMP), not(*negated))
            }
            ExprKind::Exists { query, negated } => write!(f, "{}EXISTS ({query})", not(*negated)),
            ExprKind::ScalarSubquery(q) => write!(f, "({q})"),
            ExprKind::Like { expr, pattern, escape, negated, similar } => {
                let op = if *similar { "SIMILAR TO" } else { "LIKE" };
                write!(f, "{} {}{op} {}", At(expr, prec::CMP), not(*negated), At(pattern, prec::ADD))?;
                if let Some(e) = escape {
                    write!(f, " ESCAPE {}", At(e, prec::ADD))?;
                }
                Ok(())
            }
            ExprKind::Case { operand, branches, else_result } => {
                f.write_str("CASE")?;
                if let Some(o) = operand {
                    write!(f, " {o}")?;
                }
                for (cond, result) in branches {
                    write!(f, " WHEN {cond} THEN {result}")?;
                }
                if let Some(e) = else_result {
                    write!(f, " ELSE {e}")?;
                }
                f.write_str(" END")
            }
            ExprKind::Cast { expr, data_type, try_cast, .. } => {
                write!(f, "{}({expr} AS {data_type})", if *try_cast { "TRY_CAST" } else { "CAST" })
            }
            ExprKind::Function(call) => write!(f, "{call}"),
            ExprKind::Extract { unit, expr } => write!(f, "EXTRACT({} FROM {expr})", unit.as_str()),
            ExprKind::Trim { side, chars, expr } => {
                let side = match side {
                    TrimSide::Both => "BOTH",
                    TrimSide::Leading => "LEADING",
                    TrimSide::Trailing => "TRAILING",
                };
                write!(f, "TRIM({side} ")?;
                if let Some(c) = chars {
                    write!(f, "{c} ")?;
                }
                write!(f, "FROM {expr})")
            }
            ExprKind::Position { needle, haystack } => write!(f, "POSITION({} IN {haystack})", At(needle, prec::ADD)),
            ExprKind::Substring { expr, from, length } => {
                write!(f, "SUBSTRING({expr} FROM {from}")?;
                if let Some(l) = length {
                    write!(f, " FOR {l}")?;
                }
                f.write_char(')')
            }
            ExprKind::Overlay { expr, placing, from, length } => {
                write!(f, "OVERLAY({expr} PLACING {placing} FROM {from}")?;
                if let Some(l) = length {
                    write!(f, " FOR {l}")?;
                }
                f.write_char(')')
            }
            ExprKind::FloorCeil { expr, unit, ceil } => {
                write!(f, "{}({expr} TO {})", if *ceil { "CEIL" } else { "FLOOR" }, unit.as_str())
            }
            ExprKind::TimeUnit(u) => f.write_str(u.as_str()),
            ExprKind::Index { expr, index } => write!(f, "{}[{index}]", At(expr, prec::POSTFIX)),
            ExprKind::Field { expr, field } => {
                if matches!(expr.kind, ExprKind::Identifier(_) | ExprKind::CompoundIdentifier(_)) {
                    write!(f, "({expr}).{field}")
                } else {
                    write!(f, "{}.{field}", At(expr, prec::POSTFIX))
                }
            }
            ExprKind::Row(items) => {
                f.write_str("ROW(")?;
                join(f, items, ", ")?;
                f.write_char(')')
            }
            ExprKind::Array(items) => {
                f.write_str("ARRAY[")?;
                join(f, items, ", ")?;
                f.write_char(']')
            }
            ExprKind::Map(items) => {
                f.write_str("MAP[")?;
                join(f, items, ", ")?;
                f.write_char(']')
            }
            ExprKind::Nested(e) => write!(f, "({e})"),
            ExprKind::IsJson { expr, kind, negated } => {
                let kind = match kind {
                    JsonType::Value => "VALUE",
                    JsonType::Scalar => "SCALAR",
                    JsonType::Array => "ARRAY",
                    JsonType::Object => "OBJECT",
                };
                write!(f, "{} IS {}JSON {kind}", At(expr, prec::CMP), not(*negated))
            }
            ExprKind::Json(call) => write!(f, "{call}"),
            ExprKind::Overlaps { left, right } => {
                write!(f, "({}, {}) OVERLAPS ({}, {})", left.0, left.1, right.0, right.1)
            }
        }
    }
}

impl Display for JsonCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.function.as_str())?;
        match self.function {
            JsonFunctionName::Object => {
                for (i, pair) in self.args.chunks(2).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if let [k, v] = pair {
                        write!(f, "KEY {k} VALUE {v}")?;
                    }
                }
            }
            _ => join(f, &self.args, ", ")?,
        }
        if let Some((t, _)) = &self.returning {
            write!(f, " RETURNING {t}")?;
        }
        match self.wrapper {
            Some(JsonWrapper::Without) => f.write_str(" WITHOUT ARRAY WRAPPER")?,
            Some(JsonWrapper::Conditional) => f.write_str(" WITH CONDITIONAL ARRAY WRAPPER")?,
            Some(JsonWrapper::Unconditional) => f.write_str(" WITH UNCONDITIONAL ARRAY WRAPPER")?,
            None => {}
        }
        for (behavior, on) in [(&self.on_empty, "EMPTY"), (&self.on_error, "ERROR")] {
            let Some(b) = behavior else { continue };
            match b {
                JsonBehavior::Null => f.write_str(" NULL")?,
                JsonBehavior::Error => f.write_str(" ERROR")?,
                JsonBehavior::Default(e) => write!(f, " DEFAULT {e}")?,
                JsonBehavior::True => f.write_str(" TRUE")?,
                JsonBehavior::False => f.write_str(" FALSE")?,
                JsonBehavior::Unknown => f.write_str(" UNKNOWN")?,
                JsonBehavior::EmptyArray => f.write_str(" EMPTY ARRAY")?,
                JsonBehavior::EmptyObject => f.write_str(" EMPTY OBJECT")?,
            }
            write!(f, " ON {on}")?;
        }
        match self.absent_on_null {
            Some(true) => f.write_str(" ABSENT ON NULL")?,
            Some(false) => f.write_str(" NULL ON NULL")?,
            None => {}
        }
        f.write_char(')')
    }
}

fn not(negated: bool) -> &'static str {
    if negated {
        "NOT "
    } else {
        ""
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(n) => f.write_str(n),
            Literal::String(s) => write!(f, "{}", Quoted(s)),
            Literal::Boolean(true) => f.write_str("TRUE"),
            Literal::Boolean(false) => f.write_str("FALSE"),
            Literal::Null => f.write_str("NULL"),
            Literal::Date(s) => write!(f, "DATE {}", Quoted(s)),
            Literal::Time(s) => write!(f, "TIME {}", Quoted(s)),
            Literal::Timestamp(s) => write!(f, "TIMESTAMP {}", Quoted(s)),
            Literal::Binary(s) => write!(f, "X{}", Quoted(s)),
        }
    }
}

impl Display for FunctionCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        let niladic = self.name.parts.len() == 1
            && !self.name.base().quoted
            && NILADIC_FUNCTIONS.iter().any(|n| n.eq_ignore_ascii_case(&self.name.base().value));
        if !niladic || !self.args.is_empty() || self.star || self.distinct {
            f.write_char('(')?;
            if self.distinct {
                f.write_str("DISTINCT ")?;
            }
            if self.star {
                f.write_char('*')?;
            }
            join(f, &self.args, ", ")?;
            f.write_char(')')?;
        }
        match self.ignore_nulls {
            Some(true) => f.write_str(" IGNORE NULLS")?,
            Some(false) => f.write_str(" RESPECT NULLS")?,
            None => {}
        }
        if let Some(filter) = &self.filter {
            write!(f, " FILTER (WHERE {filter})")?;
        }
        match &self.over {
            Some(Over::Named(name)) => write!(f, " OVER {name}")?,
            Some(Over::Spec(spec)) => write!(f, " OVER {spec}")?,
            None => {}
        }
        Ok(())
    }
}

impl Display for WindowSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(base) = &self.base {
            parts.push(base.to_string());
        }
        if !self.partition_by.is_empty() {
            parts.push(format!("PARTITION BY {}", list(&self.partition_by)));
        }
        if !self.order_by.is_empty() {
            parts.push(format!("ORDER BY {}", list(&self.order_by)));
        }
        if let Some(frame) = &self.frame {
            parts.push(frame.to_string());
        }
        write!(f, "({})", parts.join(" "))
    }
}

impl Display for WindowFrame {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.units {
            FrameUnits::Rows => "ROWS ",
            FrameUnits::Range => "RANGE ",
        })?;
        match &self.end {
            Some(end) => write!(f, "BETWEEN {} AND {end}", self.start),
            None => write!(f, "{}", self.start),
        }
    }
}

impl Display for FrameBound {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            FrameBound::Preceding(e) => write!(f, "{} PRECEDING", At(e, prec::ADD)),
            FrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            FrameBound::Following(e) => write!(f, "{} FOLLOWING", At(e, prec::ADD)),
            FrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
        }
    }
}

impl Display for OrderByExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        match self.asc {
            Some(true) => f.write_str(" ASC")?,
            Some(false) => f.write_str(" DESC")?,
            None => {}
        }
        match self.nulls_first {
            Some(true) => f.write_str(" NULLS FIRST"),
            Some(false) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

/// `a, b, c` as a string.
pub(crate) fn list<T: Display>(items: &[T]) -> String {
    items.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}
