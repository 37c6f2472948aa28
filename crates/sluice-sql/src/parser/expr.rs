//! Expressions, by precedence climbing. From loosest to tightest:
//! `OR` < `AND` < `NOT` < comparisons, `IS`, `LIKE`, `IN`, `BETWEEN` < `||`, `+`, `-`
//! < `*`, `/`, `%` < unary `-`, `+` < postfix `[i]` and `.field`.
//!
//! Calls with special syntax (`CAST(x AS t)`, `EXTRACT(u FROM x)`, `TRIM(..)`,
//! `POSITION(a IN b)`, `SUBSTRING(x FROM a FOR b)`, `OVERLAY(..)`, `FLOOR(x TO u)`) get
//! their own nodes; everything else named `f(..)` is a `FunctionCall`.

use super::{PResult, Parser, MAX_LOGICAL_TERMS, MAX_TREE_DEPTH};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;
use crate::span::Span;

/// Binding powers, shared with the printer.
pub(crate) mod prec {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const CMP: u8 = 4;
    pub const ADD: u8 = 5;
    pub const MUL: u8 = 6;
    pub const UNARY: u8 = 7;
    pub const POSTFIX: u8 = 8;
    pub const ATOM: u8 = 9;
}

/// Functions that SQL lets you call without parentheses.
pub const NILADIC_FUNCTIONS: &[&str] = &[
    "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME",
    "CURRENT_USER", "CURRENT_CATALOG", "CURRENT_DATABASE", "SESSION_USER",
];

/// Time unit keywords (with Flink's accepted plurals).
pub(crate) fn time_unit(word: &str) -> Option<TimeUnit> {
    let w = word.to_ascii_uppercase();
    Some(match w.as_str() {
        "MILLENNIUM" => TimeUnit::Millennium,
        "CENTURY" => TimeUnit::Century,
        "DECADE" => TimeUnit::Decade,
        "YEAR" | "YEARS" => TimeUnit::Year,
        "QUARTER" => TimeUnit::Quarter,
        "MONTH" | "MONTHS" => TimeUnit::Month,
        "WEEK" => TimeUnit::Week,
        "DAY" | "DAYS" => TimeUnit::Day,
        "HOUR" | "HOURS" => TimeUnit::Hour,
        "MINUTE" | "MINUTES" => TimeUnit::Minute,
        "SECOND" | "SECONDS" => TimeUnit::Second,
        "MILLISECOND" => TimeUnit::Millisecond,
        "MICROSECOND" => TimeUnit::Microsecond,
        "NANOSECOND" => TimeUnit::Nanosecond,
        "DOW" => TimeUnit::DayOfWeek,
        "DOY" => TimeUnit::DayOfYear,
        "EPOCH" => TimeUnit::Epoch,
        _ => return None,
    })
}

fn binary_op(kind: &TokenKind) -> Option<(BinaryOp, u8)> {
    Some(match kind {
        TokenKind::Eq => (BinaryOp::Eq, prec::CMP),
        TokenKind::NotEq => (BinaryOp::NotEq, prec::CMP),
        TokenKind::Lt => (BinaryOp::Lt, prec::CMP),
        TokenKind::LtEq => (BinaryOp::LtEq, prec::CMP),
        TokenKind::Gt => (BinaryOp::Gt, prec::CMP),
        TokenKind::GtEq => (BinaryOp::GtEq, prec::CMP),
        TokenKind::Plus => (BinaryOp::Plus, prec::ADD),
        TokenKind::Minus => (BinaryOp::Minus, prec::ADD),
        TokenKind::Concat => (BinaryOp::Concat, prec::ADD),
        TokenKind::Star => (BinaryOp::Multiply, prec::MUL),
        TokenKind::Slash => (BinaryOp::Divide, prec::MUL),
        TokenKind::Percent => (BinaryOp::Modulo, prec::MUL),
        _ => return None,
    })
}

/// Chains of `AND` or `OR` longer than this are rebalanced; shorter ones keep the
/// left-deep shape they were written in (and that EXPLAIN shows).
const BALANCE_FROM: usize = 64;

/// A left-deep chain of one logical operator, `((a OR b) OR c) OR ...`, with more than
/// `BALANCE_FROM` terms, as a balanced tree of the same terms in the same order. `AND` and
/// `OR` are associative (in three-valued logic too), so the value is the same, and the
/// tree is as deep as the logarithm of its length: every later pass recurses that deep,
/// not once per term.
fn balance_logical(e: Expr) -> Expr {
    let op = match &e.kind {
        ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), .. } => *op,
        _ => return e,
    };
    // How long the chain is, walking down the left spine without recursing.
    let mut length = 1;
    let mut node = &e;
    while let ExprKind::Binary { op: o, left, .. } = &node.kind {
        if *o != op {
            break;
        }
        length += 1;
        node = left;
    }
    if length <= BALANCE_FROM {
        return e;
    }
    let mut terms = Vec::with_capacity(length);
    let mut node = e;
    loop {
        match node.kind {
            ExprKind::Binary { op: o, left, right } if o == op => {
                terms.push(*right);
                node = *left;
            }
            kind => {
                terms.push(Expr { kind, span: node.span });
                break;
            }
        }
    }
    terms.reverse();
    balanced(op, terms)
}

/// `terms` (at least one) joined by `op` into a balanced tree.
fn balanced(op: BinaryOp, mut terms: Vec<Expr>) -> Expr {
    if terms.len() == 1 {
        if let Some(only) = terms.pop() {
            return only;
        }
    }
    let right = terms.split_off(terms.len() / 2);
    let (left, right) = (balanced(op, terms), balanced(op, right));
    let span = left.span.to(right.span);
    Expr { kind: ExprKind::Binary { op, left: boxed(left), right: boxed(right) }, span }
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Parser<'_> {
    /// A whole expression.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.expr_bp(0)
    }

    /// An expression whose operators all bind at least as tightly as `min`.
    pub(crate) fn expr_bp(&mut self, min: u8) -> PResult<Expr> {
        self.nested(|p| {
            let outer = p.tree_depth;
            let result = p.chain(min);
            p.tree_depth = outer;
            result
        })
    }

    /// The operands and operators of one level, left-deep as SQL groups them; a long
    /// `AND`/`OR` chain is rebalanced, and other chains count against `MAX_TREE_DEPTH`.
    fn chain(&mut self, min: u8) -> PResult<Expr> {
        let start = self.span();
        let outer = self.tree_depth;
        let mut lhs = self.prefix(min)?;
        // Operators applied so far at this level: logical ones add at most
        // `BALANCE_FROM` levels (past that the chain is rebalanced), others one each.
        let (mut logical, mut other) = (0usize, 0usize);
        loop {
            let is_logical = self.is_kw("AND") || self.is_kw("OR");
            self.tree_depth = outer + other + logical.min(BALANCE_FROM) + 1;
            let (e, applied) = self.infix(lhs, min)?;
            if !applied {
                return Ok(balance_logical(e));
            }
            lhs = e;
            if is_logical {
                logical += 1;
            } else {
                other += 1;
            }
            if logical >= MAX_LOGICAL_TERMS || self.tree_depth > MAX_TREE_DEPTH {
                let (limit, what) = if is_logical {
                    (MAX_LOGICAL_TERMS, "AND/OR terms in one chain")
                } else {
                    (MAX_TREE_DEPTH, "levels of operators in one expression")
                };
                return Err(Diagnostic::user("the expression is too long", self.span_from(start))
                    .with_label("limit reached here")
                    .with_hint(format!(
                        "Sluice accepts at most {limit} {what}; split the expression, or put the values in a table \
                         and join it."
                    )));
            }
        }
    }

    fn prefix(&mut self, min: u8) -> PResult<Expr> {
        let start = self.span();
        if self.is_kw("NOT") {
            if min > prec::NOT {
                return Err(self.expected("an expression")
                    .with_hint("NOT binds more loosely than comparisons and arithmetic; wrap the NOT expression in parentheses."));
            }
            self.pos += 1;
            let operand = self.expr_bp(prec::NOT)?;
            return Ok(Expr { span: self.span_from(start), kind: ExprKind::Unary { op: UnaryOp::Not, expr: boxed(operand) } });
        }
        let sign = match self.peek_kind() {
            TokenKind::Minus => Some(UnaryOp::Minus),
            TokenKind::Plus => Some(UnaryOp::Plus),
            _ => None,
        };
        if let Some(op) = sign {
            self.pos += 1;
            if op == UnaryOp::Minus && self.is_kw("INTERVAL") {
                let mut e = self.nested(|p| p.interval())?;
                if let ExprKind::Interval { negative, .. } = &mut e.kind {
                    *negative = !*negative;
                }
                e.span = self.span_from(start);
                return Ok(e);
            }
            let mut operand = self.expr_bp(prec::UNARY)?;
            // `- -INTERVAL '5' SECOND`: a minus on an interval literal is the literal
            // negated, however it was spelled, so that printing it (`INTERVAL '5'
            // SECOND`) reads back the same.
            if op == UnaryOp::Minus {
                if let ExprKind::Interval { negative, .. } = &mut operand.kind {
                    *negative = !*negative;
                    operand.span = self.span_from(start);
                    return Ok(operand);
                }
            }
            return Ok(Expr { span: self.span_from(start), kind: ExprKind::Unary { op, expr: boxed(operand) } });
        }
        let primary = self.primary()?;
        self.postfix(primary)
    }

    /// `[i]` and `.field` after an expression.
    fn postfix(&mut self, mut e: Expr) -> PResult<Expr> {
        loop {
            if self.eat(&TokenKind::LBracket) {
                let index = self.expr()?;
                self.expect(&TokenKind::RBracket)?;
                let span = e.span.to(Span { start: e.span.start, end: self.prev_end() });
                e = Expr { kind: ExprKind::Index { expr: boxed(e), index: boxed(index) }, span };
            } else if self.is(&TokenKind::Dot) && matches!(self.peek_nth(1).kind, TokenKind::Word { .. }) {
                self.pos += 1;
                let field = self.any_word_ident()?;
                let span = e.span.to(field.span);
                e = match e.kind {
                    ExprKind::Identifier(first) => ExprKind::CompoundIdentifier(vec![first, field]),
                    ExprKind::CompoundIdentifier(mut parts) => {
                        parts.push(field);
                        ExprKind::CompoundIdentifier(parts)
                    }
                    kind => ExprKind::Field { expr: boxed(Expr { kind, span: e.span }), field },
                }
                .with_span(span);
            } else {
                return Ok(e);
            }
        }
    }

    /// Applies one infix or postfix operator of binding power at least `min` to `lhs`;
    /// returns `(expr, false)` when there is none.
    fn infix(&mut self, lhs: Expr, min: u8) -> PResult<(Expr, bool)> {
        let start = lhs.span;
        if let Some((op, p)) = binary_op(self.peek_kind()) {
            if p < min {
                return Ok((lhs, false));
            }
            self.pos += 1;
            let rhs = self.expr_bp(p + 1)?;
            let span = start.to(rhs.span);
            return Ok((Expr { kind: ExprKind::Binary { op, left: boxed(lhs), right: boxed(rhs) }, span }, true));
        }
        let word_op = |p: &Self, kw: &str| p.is_kw(kw);
        if word_op(self, "AND") || word_op(self, "OR") {
            let (op, p) = if self.is_kw("AND") { (BinaryOp::And, prec::AND) } else { (BinaryOp::Or, prec::OR) };
            if p < min {
                return Ok((lhs, false));
            }
            self.pos += 1;
            let rhs = self.expr_bp(p + 1)?;
            let span = start.to(rhs.span);
            return Ok((Expr { kind: ExprKind::Binary { op, left: boxed(lhs), right: boxed(rhs) }, span }, true));
        }
        if prec::CMP < min {
            return Ok((lhs, false));
        }
        // Comparison-level keyword operators.
        let kind = if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if self.eat_kw("NULL") {
                ExprKind::IsNull { expr: boxed(lhs), negated }
            } else if self.eat_kw("TRUE") {
                ExprKind::IsBool { expr: boxed(lhs), value: Some(true), negated }
            } else if self.eat_kw("FALSE") {
                ExprKind::IsBool { expr: boxed(lhs), value: Some(false), negated }
            } else if self.eat_kw("UNKNOWN") {
                ExprKind::IsBool { expr: boxed(lhs), value: None, negated }
            } else if self.eat_kws(&["DISTINCT", "FROM"]) {
                let rhs = self.expr_bp(prec::ADD)?;
                ExprKind::IsDistinctFrom { left: boxed(lhs), right: boxed(rhs), negated }
            } else if self.eat_kw("JSON") {
                ExprKind::IsJson { expr: boxed(lhs), kind: self.json_type(), negated }
            } else {
                return Err(self.expected(
                    "\"NULL\", \"TRUE\", \"FALSE\", \"UNKNOWN\", \"DISTINCT FROM\" or \"JSON\" after \"IS\"",
                ));
            }
        } else {
            let negated = self.is_kw("NOT")
                && ["IN", "LIKE", "BETWEEN", "SIMILAR"].iter().any(|kw| self.is_kw_at(1, kw));
            if negated {
                self.pos += 1;
            }
            if self.eat_kw("IN") {
                self.in_rhs(lhs, negated)?
            } else if self.eat_kw("LIKE") {
                self.like_rhs(lhs, negated, false)?
            } else if self.eat_kws(&["SIMILAR", "TO"]) {
                self.like_rhs(lhs, negated, true)?
            } else if self.eat_kw("BETWEEN") {
                let symmetric = if self.eat_kw("SYMMETRIC") {
                    true
                } else {
                    self.eat_kw("ASYMMETRIC");
                    false
                };
                let low = self.expr_bp(prec::ADD)?;
                self.expect_kw("AND")?;
                let high = self.expr_bp(prec::ADD)?;
                ExprKind::Between { expr: boxed(lhs), low: boxed(low), high: boxed(high), negated, symmetric }
            } else if !negated && self.is_kw("OVERLAPS") {
                let period = |e: Expr| match e.kind {
                    ExprKind::Row(mut items) if items.len() == 2 => {
                        let end = items.pop()?;
                        let start = items.pop()?;
                        Some((start, end))
                    }
                    _ => None,
                };
                let Some(left) = period(lhs) else {
                    return Err(self.expected("a period \"(start, end)\" before \"OVERLAPS\""));
                };
                self.pos += 1;
                let rhs = self.expr_bp(prec::CMP + 1)?;
                let Some(right) = period(rhs) else {
                    return Err(self.expected("a period \"(start, end)\" after \"OVERLAPS\""));
                };
                ExprKind::Overlaps { left: Box::new(left), right: Box::new(right) }
            } else if negated {
                return Err(self.expected("\"IN\", \"LIKE\", \"SIMILAR TO\" or \"BETWEEN\" after \"NOT\""));
            } else {
                return Ok((lhs, false));
            }
        };
        Ok((Expr { kind, span: self.span_from(start) }, true))
    }

    fn in_rhs(&mut self, lhs: Expr, negated: bool) -> PResult<ExprKind> {
        self.expect(&TokenKind::LParen)?;
        if self.at_query_start() {
            let query = self.query()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(ExprKind::InSubquery { expr: boxed(lhs), query: Box::new(query), negated });
        }
        let list = self.comma_separated(|p| p.expr())?;
        self.expect(&TokenKind::RParen)?;
        Ok(ExprKind::InList { expr: boxed(lhs), list, negated })
    }

    fn like_rhs(&mut self, lhs: Expr, negated: bool, similar: bool) -> PResult<ExprKind> {
        let pattern = self.expr_bp(prec::ADD)?;
        let escape = if self.eat_kw("ESCAPE") { Some(boxed(self.expr_bp(prec::ADD)?)) } else { None };
        Ok(ExprKind::Like { expr: boxed(lhs), pattern: boxed(pattern), escape, negated, similar })
    }

    /// Whether a query starts here (after any number of `(`).
    pub(crate) fn at_query_start(&self) -> bool {
        let mut n = 0;
        while matches!(self.peek_nth(n).kind, TokenKind::LParen) {
            n += 1;
        }
        ["SELECT", "WITH", "VALUES"].iter().any(|kw| self.is_kw_at(n, kw))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let tok = self.peek().clone();
        let start = tok.span;
        let kind = match &tok.kind {
            TokenKind::Number(n) => {
                self.pos += 1;
                ExprKind::Literal(Literal::Number(n.clone()))
            }
            TokenKind::String(s) => {
                self.pos += 1;
                ExprKind::Literal(Literal::String(s.clone()))
            }
            TokenKind::Binary(s) => {
                self.pos += 1;
                if !s.chars().all(|c| c.is_ascii_hexdigit()) || s.len() % 2 != 0 {
                    return Err(Diagnostic::user("invalid binary literal", start)
                        .with_hint("A binary literal has an even number of hex digits, for example X'0AFF'."));
                }
                ExprKind::Literal(Literal::Binary(s.clone()))
            }
            TokenKind::LParen => return self.paren_expr(),
            TokenKind::Word { value, quoted: false } => {
                let upper = value.to_ascii_uppercase();
                match self.keyword_primary(&upper)? {
                    Some(kind) => kind,
                    None => return self.name_or_call(),
                }
            }
            TokenKind::Word { quoted: true, .. } => return self.name_or_call(),
            _ => return Err(self.expected("an expression")),
        };
        Ok(Expr { kind, span: self.span_from(start) })
    }

    /// `( expr )`, `( a, b )` or `( query )`.
    fn paren_expr(&mut self) -> PResult<Expr> {
        let start = self.span();
        if self.at_query_start() {
            self.pos += 1;
            let query = self.query()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(Expr { kind: ExprKind::ScalarSubquery(Box::new(query)), span: self.span_from(start) });
        }
        self.pos += 1;
        let first = self.expr()?;
        let kind = if self.eat(&TokenKind::Comma) {
            let mut items = vec![first];
            items.extend(self.comma_separated(|p| p.expr())?);
            ExprKind::Row(items)
        } else {
            ExprKind::Nested(boxed(first))
        };
        self.expect(&TokenKind::RParen)?;
        Ok(Expr { kind, span: self.span_from(start) })
    }

    /// Expressions that start with a keyword. `None` when the word is a plain name here.
    fn keyword_primary(&mut self, upper: &str) -> PResult<Option<ExprKind>> {
        let next = self.peek_nth(1).kind.clone();
        let next_is_paren = next == TokenKind::LParen;
        let next_is_string = matches!(next, TokenKind::String(_));
        let kind = match upper {
            "NULL" => {
                self.pos += 1;
                ExprKind::Literal(Literal::Null)
            }
            "TRUE" | "FALSE" => {
                self.pos += 1;
                ExprKind::Literal(Literal::Boolean(upper == "TRUE"))
            }
            "DATE" | "TIME" | "TIMESTAMP" if next_is_string => {
                self.pos += 1;
                let (s, _) = self.string_literal()?;
                ExprKind::Literal(match upper {
                    "DATE" => Literal::Date(s),
                    "TIME" => Literal::Time(s),
                    _ => Literal::Timestamp(s),
                })
            }
            "INTERVAL" => return Ok(Some(self.interval()?.kind)),
            "CASE" => self.case_expr()?,
            "EXISTS" if next_is_paren => {
                self.pos += 2;
                let query = self.query()?;
                self.expect(&TokenKind::RParen)?;
                ExprKind::Exists { query: Box::new(query), negated: false }
            }
            "CAST" | "TRY_CAST" if next_is_paren => {
                self.pos += 2;
                let expr = self.expr()?;
                self.expect_kw("AS")?;
                let (data_type, type_span) = self.data_type()?;
                self.expect(&TokenKind::RParen)?;
                ExprKind::Cast { expr: boxed(expr), data_type, type_span, try_cast: upper == "TRY_CAST" }
            }
            "EXTRACT" if next_is_paren => {
                self.pos += 2;
                let (unit, _) = self.time_unit_word()?;
                self.expect_kw("FROM")?;
                let expr = self.expr()?;
                self.expect(&TokenKind::RParen)?;
                ExprKind::Extract { unit, expr: boxed(expr) }
            }
            "POSITION" if next_is_paren => {
                self.pos += 2;
                let needle = self.expr_bp(prec::ADD)?;
                if self.eat(&TokenKind::Comma) {
                    // `POSITION(a, b)`: the same function with a comma.
                    let haystack = self.expr()?;
                    self.expect(&TokenKind::RParen)?;
                    return Ok(Some(ExprKind::Position { needle: boxed(needle), haystack: boxed(haystack) }));
                }
                self.expect_kw("IN")?;
                let haystack = self.expr()?;
                self.expect(&TokenKind::RParen)?;
                ExprKind::Position { needle: boxed(needle), haystack: boxed(haystack) }
            }
            "TRIM" if next_is_paren => {
                self.pos += 2;
                self.trim_body()?
            }
            "SUBSTRING" if next_is_paren && self.special_form_ahead(&["FROM"]) => {
                self.pos += 2;
                let expr = self.expr()?;
                self.expect_kw("FROM")?;
                let from = self.expr()?;
                let length = if self.eat_kw("FOR") { Some(boxed(self.expr()?)) } else { None };
                self.expect(&TokenKind::RParen)?;
                ExprKind::Substring { expr: boxed(expr), from: boxed(from), length }
            }
            "OVERLAY" if next_is_paren && self.special_form_ahead(&["PLACING"]) => {
                self.pos += 2;
                let expr = self.expr()?;
                self.expect_kw("PLACING")?;
                let placing = self.expr()?;
                self.expect_kw("FROM")?;
                let from = self.expr()?;
                let length = if self.eat_kw("FOR") { Some(boxed(self.expr()?)) } else { None };
                self.expect(&TokenKind::RParen)?;
                ExprKind::Overlay { expr: boxed(expr), placing: boxed(placing), from: boxed(from), length }
            }
            "FLOOR" | "CEIL" | "CEILING" if next_is_paren && self.special_form_ahead(&["TO"]) => {
                self.pos += 2;
                let expr = self.expr()?;
                self.expect_kw("TO")?;
                let (unit, _) = self.time_unit_word()?;
                self.expect(&TokenKind::RParen)?;
                ExprKind::FloorCeil { expr: boxed(expr), unit, ceil: upper != "FLOOR" }
            }
            "JSON_VALUE" | "JSON_QUERY" | "JSON_EXISTS" | "JSON_OBJECT" | "JSON_ARRAY" if next_is_paren => {
                self.pos += 2;
                let function = match upper {
                    "JSON_VALUE" => JsonFunctionName::Value,
                    "JSON_QUERY" => JsonFunctionName::Query,
                    "JSON_EXISTS" => JsonFunctionName::Exists,
                    "JSON_OBJECT" => JsonFunctionName::Object,
                    _ => JsonFunctionName::Array,
                };
                self.json_call(function)?
            }
            "JSON_ARRAYAGG" | "JSON_OBJECTAGG" if next_is_paren => {
                let name = self.any_word_ident()?;
                self.pos += 1;
                self.json_aggregate(name, upper == "JSON_OBJECTAGG")?
            }
            "ROW" if next_is_paren => {
                self.pos += 2;
                let items = if self.is(&TokenKind::RParen) { Vec::new() } else { self.comma_separated(|p| p.expr())? };
                self.expect(&TokenKind::RParen)?;
                ExprKind::Row(items)
            }
            "ARRAY" | "MAP" if next == TokenKind::LBracket => {
                self.pos += 2;
                let items = if self.is(&TokenKind::RBracket) { Vec::new() } else { self.comma_separated(|p| p.expr())? };
                self.expect(&TokenKind::RBracket)?;
                if upper == "ARRAY" {
                    ExprKind::Array(items)
                } else {
                    ExprKind::Map(items)
                }
            }
            _ if NILADIC_FUNCTIONS.contains(&upper) && !next_is_paren => {
                let name = self.any_word_ident()?;
                ExprKind::Function(Box::new(FunctionCall {
                    name: ObjectName { parts: vec![name] },
                    args: Vec::new(),
                    distinct: false,
                    star: false,
                    filter: None,
                    over: None,
                    ignore_nulls: None,
                }))
            }
            _ if super::is_reserved(upper) && !next_is_paren => {
                return Err(self.expected("an expression"));
            }
            _ => return Ok(None),
        };
        Ok(Some(kind))
    }

    /// Whether the keyword appears at the top level inside the parentheses that start
    /// one token ahead (for `SUBSTRING(x FROM ..)` versus `SUBSTRING(x, ..)`).
    fn special_form_ahead(&self, kws: &[&str]) -> bool {
        let mut depth = 0usize;
        let mut n = 1;
        loop {
            match &self.peek_nth(n).kind {
                TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RParen | TokenKind::RBracket => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return false;
                    }
                }
                TokenKind::Eof | TokenKind::Semicolon => return false,
                TokenKind::Word { value, quoted: false } if depth == 1 && kws.iter().any(|k| value.eq_ignore_ascii_case(k)) => {
                    return true;
                }
                _ => {}
            }
            n += 1;
        }
    }

    /// After `TRIM(`: `[BOTH|LEADING|TRAILING] [chars] FROM expr)` or `expr)`.
    fn trim_body(&mut self) -> PResult<ExprKind> {
        let side = if self.eat_kw("BOTH") {
            Some(TrimSide::Both)
        } else if self.eat_kw("LEADING") {
            Some(TrimSide::Leading)
        } else if self.eat_kw("TRAILING") {
            Some(TrimSide::Trailing)
        } else {
            None
        };
        let kind = if self.eat_kw("FROM") {
            let expr = self.expr()?;
            ExprKind::Trim { side: side.unwrap_or(TrimSide::Both), chars: None, expr: boxed(expr) }
        } else {
            let first = self.expr()?;
            if self.eat_kw("FROM") {
                let expr = self.expr()?;
                ExprKind::Trim { side: side.unwrap_or(TrimSide::Both), chars: Some(boxed(first)), expr: boxed(expr) }
            } else if side.is_some() {
                return Err(self.expected("\"FROM\""));
            } else {
                ExprKind::Trim { side: TrimSide::Both, chars: None, expr: boxed(first) }
            }
        };
        self.expect(&TokenKind::RParen)?;
        Ok(kind)
    }

    /// A time unit keyword (plurals accepted) and its span.
    pub(crate) fn time_unit_word(&mut self) -> PResult<(TimeUnit, Span)> {
        if let TokenKind::Word { value, quoted: false } = self.peek_kind() {
            if let Some(unit) = time_unit(value) {
                return Ok((unit, self.advance().span));
            }
        }
        Err(self.expected("a time unit such as SECOND, MINUTE, HOUR or DAY"))
    }

    /// `INTERVAL [-]'value' unit [(p)] [TO unit [(p)]]` or `INTERVAL 5 unit`.
    pub(crate) fn interval(&mut self) -> PResult<Expr> {
        let start = self.expect_kw("INTERVAL")?;
        let mut negative = false;
        if self.eat(&TokenKind::Minus) {
            negative = true;
        } else {
            self.eat(&TokenKind::Plus);
        }
        let mut value = match self.peek_kind().clone() {
            TokenKind::String(s) => s,
            TokenKind::Number(n) => n,
            _ => {
                return Err(self.expected("an interval value such as '10'")
                    .with_hint("Write an interval as INTERVAL '10' SECOND or INTERVAL '1 02:03' DAY TO MINUTE."));
            }
        };
        self.pos += 1;
        let trimmed = value.trim_start();
        if let Some(rest) = trimmed.strip_prefix('-') {
            negative = !negative;
            value = rest.to_string();
        } else if let Some(rest) = trimmed.strip_prefix('+') {
            value = rest.to_string();
        }
        let (leading, _) = self.time_unit_word().map_err(|d| {
            d.with_hint("Write an interval as INTERVAL '10' SECOND or INTERVAL '1 02:03' DAY TO MINUTE.")
        })?;
        self.skip_precision()?;
        let trailing = if self.eat_kw("TO") {
            let (unit, _) = self.time_unit_word()?;
            self.skip_precision()?;
            Some(unit)
        } else {
            None
        };
        Ok(Expr {
            kind: ExprKind::Interval { value, negative, qualifier: IntervalQualifier { leading, trailing } },
            span: self.span_from(start),
        })
    }

    fn case_expr(&mut self) -> PResult<ExprKind> {
        self.expect_kw("CASE")?;
        let operand = if self.is_kw("WHEN") { None } else { Some(boxed(self.expr()?)) };
        let mut branches = Vec::new();
        while self.eat_kw("WHEN") {
            let cond = self.expr()?;
            self.expect_kw("THEN")?;
            let result = self.expr()?;
            branches.push((cond, result));
        }
        if branches.is_empty() {
            return Err(self.expected("\"WHEN\""));
        }
        let else_result = if self.eat_kw("ELSE") { Some(boxed(self.expr()?)) } else { None };
        self.expect_kw("END")?;
        Ok(ExprKind::Case { operand, branches, else_result })
    }

    /// An identifier, `a.b.c`, or a call `name(..)` / `db.name(..)`.
    fn name_or_call(&mut self) -> PResult<Expr> {
        let start = self.span();
        let first = self.any_word_ident()?;
        let mut parts = vec![first];
        while self.is(&TokenKind::Dot) && matches!(self.peek_nth(1).kind, TokenKind::Word { .. }) {
            self.pos += 1;
            parts.push(self.any_word_ident()?);
        }
        if self.is(&TokenKind::LParen) {
            let call = self.call_rest(ObjectName { parts })?;
            return Ok(Expr { kind: ExprKind::Function(Box::new(call)), span: self.span_from(start) });
        }
        let kind = if parts.len() == 1 {
            match parts.pop() {
                Some(ident) => ExprKind::Identifier(ident),
                None => return Err(self.expected("an identifier")),
            }
        } else {
            ExprKind::CompoundIdentifier(parts)
        };
        Ok(Expr { kind, span: self.span_from(start) })
    }

    /// After the function name: `([DISTINCT|ALL] args | *) [IGNORE|RESPECT NULLS]
    /// [FILTER (WHERE ..)] [OVER ..]`.
    fn call_rest(&mut self, name: ObjectName) -> PResult<FunctionCall> {
        self.expect(&TokenKind::LParen)?;
        let mut call = FunctionCall {
            name,
            args: Vec::new(),
            distinct: false,
            star: false,
            filter: None,
            over: None,
            ignore_nulls: None,
        };
        let base = call.name.base().value.to_ascii_uppercase();
        let unit_first = call.name.parts.len() == 1 && matches!(base.as_str(), "TIMESTAMPDIFF" | "TIMESTAMPADD");
        if self.is(&TokenKind::Star) && self.peek_nth(1).kind == TokenKind::RParen {
            self.pos += 1;
            call.star = true;
        } else if !self.is(&TokenKind::RParen) {
            if self.eat_kw("DISTINCT") {
                call.distinct = true;
            } else {
                self.eat_kw("ALL");
            }
            if unit_first && matches!(self.peek_nth(1).kind, TokenKind::Comma) {
                let (unit, span) = self.time_unit_word()?;
                call.args.push(Expr { kind: ExprKind::TimeUnit(unit), span });
                self.expect(&TokenKind::Comma)?;
            }
            call.args.extend(self.comma_separated(|p| p.expr())?);
            call.ignore_nulls = self.null_treatment();
        }
        self.expect(&TokenKind::RParen)?;
        self.call_trailer(&mut call)?;
        Ok(call)
    }

    /// After a call's `)`: `[IGNORE|RESPECT NULLS] [FILTER (WHERE ..)] [OVER ..]`.
    pub(super) fn call_trailer(&mut self, call: &mut FunctionCall) -> PResult<()> {
        if call.ignore_nulls.is_none() {
            call.ignore_nulls = self.null_treatment();
        }
        if self.is_kw("FILTER") && self.peek_nth(1).kind == TokenKind::LParen {
            self.pos += 2;
            self.expect_kw("WHERE")?;
            call.filter = Some(self.expr()?);
            self.expect(&TokenKind::RParen)?;
        }
        if self.eat_kw("OVER") {
            call.over = Some(if self.is(&TokenKind::LParen) { Over::Spec(self.window_spec()?) } else { Over::Named(self.ident()?) });
        }
        Ok(())
    }

    fn null_treatment(&mut self) -> Option<bool> {
        if self.eat_kws(&["IGNORE", "NULLS"]) {
            Some(true)
        } else if self.eat_kws(&["RESPECT", "NULLS"]) {
            Some(false)
        } else {
            None
        }
    }

    /// `( [base] [PARTITION BY ..] [ORDER BY ..] [frame] )`.
    pub(crate) fn window_spec(&mut self) -> PResult<WindowSpec> {
        let start = self.expect(&TokenKind::LParen)?;
        let base = if self.at_ident()
            && !["PARTITION", "ORDER", "ROWS", "RANGE"].iter().any(|kw| self.is_kw(kw))
        {
            Some(self.ident()?)
        } else {
            None
        };
        let partition_by = if self.eat_kws(&["PARTITION", "BY"]) { self.comma_separated(|p| p.expr())? } else { Vec::new() };
        let order_by = if self.eat_kws(&["ORDER", "BY"]) { self.order_by_list()? } else { Vec::new() };
        let frame = if self.is_kw("ROWS") || self.is_kw("RANGE") { Some(self.window_frame()?) } else { None };
        self.expect(&TokenKind::RParen)?;
        Ok(WindowSpec { base, partition_by, order_by, frame, span: self.span_from(start) })
    }

    fn window_frame(&mut self) -> PResult<WindowFrame> {
        let start = self.span();
        let units = if self.eat_kw("ROWS") {
            FrameUnits::Rows
        } else {
            self.expect_kw("RANGE")?;
            FrameUnits::Range
        };
        let (first, end) = if self.eat_kw("BETWEEN") {
            let s = self.frame_bound()?;
            self.expect_kw("AND")?;
            (s, Some(self.frame_bound()?))
        } else {
            (self.frame_bound()?, None)
        };
        Ok(WindowFrame { units, start: first, end, span: self.span_from(start) })
    }

    fn frame_bound(&mut self) -> PResult<FrameBound> {
        if self.eat_kws(&["UNBOUNDED", "PRECEDING"]) {
            return Ok(FrameBound::UnboundedPreceding);
        }
        if self.eat_kws(&["UNBOUNDED", "FOLLOWING"]) {
            return Ok(FrameBound::UnboundedFollowing);
        }
        if self.eat_kws(&["CURRENT", "ROW"]) {
            return Ok(FrameBound::CurrentRow);
        }
        let e = self.expr_bp(prec::ADD)?;
        if self.eat_kw("PRECEDING") {
            Ok(FrameBound::Preceding(boxed(e)))
        } else if self.eat_kw("FOLLOWING") {
            Ok(FrameBound::Following(boxed(e)))
        } else {
            Err(self.expected("\"PRECEDING\" or \"FOLLOWING\""))
        }
    }

    /// `expr [ASC|DESC] [NULLS FIRST|LAST], ...`
    pub(crate) fn order_by_list(&mut self) -> PResult<Vec<OrderByExpr>> {
        self.comma_separated(|p| {
            let expr = p.expr()?;
            let asc = if p.eat_kw("ASC") {
                Some(true)
            } else if p.eat_kw("DESC") {
                Some(false)
            } else {
                None
            };
            let nulls_first = if p.eat_kws(&["NULLS", "FIRST"]) {
                Some(true)
            } else if p.eat_kws(&["NULLS", "LAST"]) {
                Some(false)
            } else {
                None
            };
            Ok(OrderByExpr { expr, asc, nulls_first })
        })
    }
}

trait WithSpan {
    fn with_span(self, span: Span) -> Expr;
}

impl WithSpan for ExprKind {
    fn with_span(self, span: Span) -> Expr {
        Expr { kind: self, span }
    }
}
