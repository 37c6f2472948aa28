//! Printing queries, SELECT, FROM items and MATCH_RECOGNIZE.

use std::fmt::{self, Display, Formatter, Write};

use super::expr::list;
use super::join;
use crate::ast::*;

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.with.is_empty() {
            write!(f, "WITH {} ", list(&self.with))?;
        }
        write!(f, "{}", self.body)?;
        if !self.order_by.is_empty() {
            write!(f, " ORDER BY {}", list(&self.order_by))?;
        }
        if let Some(l) = &self.limit {
            write!(f, " LIMIT {l}")?;
        }
        if let Some(o) = &self.offset {
            write!(f, " OFFSET {o}")?;
        }
        Ok(())
    }
}

impl Display for Cte {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            write!(f, " ({})", list(&self.columns))?;
        }
        write!(f, " AS ({})", self.query)
    }
}

fn set_level(e: &SetExpr) -> u8 {
    match e {
        SetExpr::SetOperation { op: SetOperator::Intersect, .. } => 2,
        SetExpr::SetOperation { .. } => 1,
        _ => 3,
    }
}

/// A set-operation operand, parenthesised when it would otherwise regroup.
struct SetOperand<'a>(&'a SetExpr, u8);

impl Display for SetOperand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if set_level(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Display for SetExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SetExpr::Select(s) => write!(f, "{s}"),
            SetExpr::Query(q) => write!(f, "({q})"),
            SetExpr::SetOperation { op, all, left, right, .. } => {
                let level = set_level(self);
                let op = match op {
                    SetOperator::Union => "UNION",
                    SetOperator::Intersect => "INTERSECT",
                    SetOperator::Except => "EXCEPT",
                };
                let all = if *all { " ALL" } else { "" };
                write!(f, "{} {op}{all} {}", SetOperand(left, level), SetOperand(right, level + 1))
            }
            SetExpr::Values { rows, .. } => {
                f.write_str("VALUES ")?;
                for (i, row) in rows.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "({})", list(row))?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        if !self.hints.is_empty() {
            write!(f, "/*+ {} */ ", list(&self.hints))?;
        }
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        join(f, &self.projection, ", ")?;
        if let Some(from) = &self.from {
            write!(f, " FROM {from}")?;
        }
        if let Some(w) = &self.selection {
            write!(f, " WHERE {w}")?;
        }
        if !self.group_by.is_empty() {
            write!(f, " GROUP BY {}", list(&self.group_by))?;
        }
        if let Some(h) = &self.having {
            write!(f, " HAVING {h}")?;
        }
        if !self.windows.is_empty() {
            f.write_str(" WINDOW ")?;
            for (i, w) in self.windows.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{} AS {}", w.name, w.spec)?;
            }
        }
        Ok(())
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Expr { expr, alias } => {
                write!(f, "{expr}")?;
                if let Some(a) = alias {
                    write!(f, " AS {a}")?;
                }
                Ok(())
            }
            SelectItem::Wildcard(_) => f.write_char('*'),
            SelectItem::QualifiedWildcard(name, _) => write!(f, "{name}.*"),
        }
    }
}

impl Display for GroupByItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            GroupByItem::Expr(e) => write!(f, "{e}"),
            GroupByItem::GroupingSets(sets, _) => {
                f.write_str("GROUPING SETS (")?;
                for (i, set) in sets.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "({})", list(set))?;
                }
                f.write_char(')')
            }
            GroupByItem::Rollup(items, _) => write!(f, "ROLLUP ({})", list(items)),
            GroupByItem::Cube(items, _) => write!(f, "CUBE ({})", list(items)),
        }
    }
}

impl Display for Hint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if self.options.is_empty() && self.args.is_empty() {
            return Ok(());
        }
        let mut parts: Vec<String> = self.options.iter().map(|o| o.to_string()).collect();
        parts.extend(self.args.iter().map(|(a, _)| a.clone()));
        write!(f, "({})", parts.join(", "))
    }
}

impl Display for TableAlias {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, " AS {}", self.name)?;
        if !self.columns.is_empty() {
            write!(f, " ({})", list(&self.columns))?;
        }
        Ok(())
    }
}

fn alias(f: &mut Formatter<'_>, alias: &Option<TableAlias>) -> fmt::Result {
    match alias {
        Some(a) => write!(f, "{a}"),
        None => Ok(()),
    }
}

impl Display for TableRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TableRef::Named { name, hints, system_time, alias: a, .. } => {
                write!(f, "{name}")?;
                if !hints.is_empty() {
                    write!(f, " /*+ {} */", list(hints))?;
                }
                if let Some(t) = system_time {
                    write!(f, " FOR SYSTEM_TIME AS OF {t}")?;
                }
                alias(f, a)
            }
            TableRef::Derived { lateral, subquery, alias: a, .. } => {
                write!(f, "{}({subquery})", if *lateral { "LATERAL " } else { "" })?;
                alias(f, a)
            }
            TableRef::Function { lateral, name, args, alias: a, .. } => {
                write!(f, "{}TABLE({name}({}))", if *lateral { "LATERAL " } else { "" }, list(args))?;
                alias(f, a)
            }
            TableRef::Unnest { exprs, with_ordinality, alias: a, .. } => {
                write!(f, "UNNEST({})", list(exprs))?;
                if *with_ordinality {
                    f.write_str(" WITH ORDINALITY")?;
                }
                alias(f, a)
            }
            TableRef::Join(j) => write!(f, "{j}"),
            TableRef::MatchRecognize { input, spec, alias: a, .. } => {
                if matches!(**input, TableRef::Join(_) | TableRef::MatchRecognize { .. }) {
                    write!(f, "({input})")?;
                } else {
                    write!(f, "{input}")?;
                }
                write!(f, " {spec}")?;
                alias(f, a)
            }
        }
    }
}

impl Display for Join {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            JoinKind::Inner => "JOIN",
            JoinKind::Left => "LEFT JOIN",
            JoinKind::Right => "RIGHT JOIN",
            JoinKind::Full => "FULL JOIN",
            JoinKind::Cross => "CROSS JOIN",
        };
        write!(f, "{} {kind} ", self.left)?;
        if matches!(self.right, TableRef::Join(_)) {
            write!(f, "({})", self.right)?;
        } else {
            write!(f, "{}", self.right)?;
        }
        match &self.constraint {
            JoinConstraint::On(e) => write!(f, " ON {e}"),
            JoinConstraint::Using(cols) => write!(f, " USING ({})", list(cols)),
            JoinConstraint::None => Ok(()),
        }
    }
}

impl Display for FunctionArg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FunctionArg::Table { name, partition_by, .. } => {
                write!(f, "TABLE {name}")?;
                if !partition_by.is_empty() {
                    write!(f, " PARTITION BY ({})", list(partition_by))?;
                }
                Ok(())
            }
            FunctionArg::Descriptor { columns, .. } => write!(f, "DESCRIPTOR({})", list(columns)),
            FunctionArg::Expr(e) => write!(f, "{e}"),
            FunctionArg::Named { name, arg, .. } => write!(f, "{name} => {arg}"),
        }
    }
}

impl Display for MatchRecognize {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("MATCH_RECOGNIZE (")?;
        if !self.partition_by.is_empty() {
            write!(f, "PARTITION BY {} ", list(&self.partition_by))?;
        }
        if !self.order_by.is_empty() {
            write!(f, "ORDER BY {} ", list(&self.order_by))?;
        }
        if !self.measures.is_empty() {
            let measures: Vec<String> = self.measures.iter().map(|m| format!("{} AS {}", m.expr, m.alias)).collect();
            write!(f, "MEASURES {} ", measures.join(", "))?;
        }
        f.write_str(match self.rows_per_match {
            RowsPerMatch::OneRow => "ONE ROW PER MATCH ",
            RowsPerMatch::AllRows => "ALL ROWS PER MATCH ",
        })?;
        match &self.after_match {
            AfterMatchSkip::PastLastRow => f.write_str("AFTER MATCH SKIP PAST LAST ROW ")?,
            AfterMatchSkip::ToNextRow => f.write_str("AFTER MATCH SKIP TO NEXT ROW ")?,
            AfterMatchSkip::ToFirst(v) => write!(f, "AFTER MATCH SKIP TO FIRST {v} ")?,
            AfterMatchSkip::ToLast(v) => write!(f, "AFTER MATCH SKIP TO LAST {v} ")?,
        }
        write!(f, "PATTERN ({})", self.pattern)?;
        if let Some(w) = &self.within {
            write!(f, " WITHIN {w}")?;
        }
        if !self.subsets.is_empty() {
            let subsets: Vec<String> = self.subsets.iter().map(|(n, vars)| format!("{n} = ({})", list(vars))).collect();
            write!(f, " SUBSET {}", subsets.join(", "))?;
        }
        let define: Vec<String> = self.define.iter().map(|(n, e)| format!("{n} AS {e}")).collect();
        write!(f, " DEFINE {})", define.join(", "))
    }
}

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Var(v) => write!(f, "{v}"),
            Pattern::Concat(items) => {
                for (i, p) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    if matches!(p, Pattern::Alternation(_) | Pattern::Concat(_)) {
                        write!(f, "({p})")?;
                    } else {
                        write!(f, "{p}")?;
                    }
                }
                Ok(())
            }
            Pattern::Alternation(alts) => {
                for (i, p) in alts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    if matches!(p, Pattern::Alternation(_)) {
                        write!(f, "({p})")?;
                    } else {
                        write!(f, "{p}")?;
                    }
                }
                Ok(())
            }
            Pattern::Quantified { pattern, min, max, reluctant, .. } => {
                if matches!(**pattern, Pattern::Var(_) | Pattern::Group(_)) {
                    write!(f, "{pattern}")?;
                } else {
                    write!(f, "({pattern})")?;
                }
                match (min, max) {
                    (0, None) => f.write_char('*')?,
                    (1, None) => f.write_char('+')?,
                    (0, Some(1)) => f.write_char('?')?,
                    (n, None) => write!(f, "{{{n},}}")?,
                    (n, Some(m)) if n == m => write!(f, "{{{n}}}")?,
                    (0, Some(m)) => write!(f, "{{,{m}}}")?,
                    (n, Some(m)) => write!(f, "{{{n},{m}}}")?,
                }
                if *reluctant {
                    f.write_char('?')?;
                }
                Ok(())
            }
            Pattern::Group(p) => write!(f, "({p})"),
        }
    }
}
