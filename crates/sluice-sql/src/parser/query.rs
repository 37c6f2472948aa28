//! Queries: `WITH`, `SELECT`, set operations, `VALUES`, `ORDER BY`, `LIMIT`/`OFFSET`/
//! `FETCH`, and the FROM clause with joins, table functions, `UNNEST`, temporal
//! (`FOR SYSTEM_TIME AS OF`) references and `MATCH_RECOGNIZE`.

use super::{PResult, Parser};
use crate::ast::*;
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// `[WITH ..] body [ORDER BY ..] [LIMIT n] [OFFSET n [ROWS]] [FETCH FIRST n ROWS ONLY]`.
    pub(crate) fn query(&mut self) -> PResult<Query> {
        self.nested(|p| {
            let start = p.span();
            let with = if p.eat_kw("WITH") { p.comma_separated(|p| p.cte())? } else { Vec::new() };
            let body = p.set_expr(0)?;
            let order_by = if p.eat_kws(&["ORDER", "BY"]) { p.order_by_list()? } else { Vec::new() };
            let mut limit = None;
            let mut offset = None;
            if p.eat_kw("LIMIT") {
                limit = Some(p.expr()?);
            }
            if p.eat_kw("OFFSET") {
                offset = Some(p.expr()?);
                if !p.eat_kw("ROWS") {
                    p.eat_kw("ROW");
                }
            }
            if limit.is_none() && p.eat_kw("FETCH") {
                if !p.eat_kw("FIRST") {
                    p.expect_kw("NEXT")?;
                }
                limit = Some(p.expr()?);
                if !p.eat_kw("ROWS") {
                    p.expect_kw("ROW")?;
                }
                p.expect_kw("ONLY")?;
            }
            Ok(Query { with, body, order_by, limit, offset, span: p.span_from(start) })
        })
    }

    fn cte(&mut self) -> PResult<Cte> {
        let start = self.span();
        let name = self.ident()?;
        let columns = if self.is(&TokenKind::LParen) { self.paren_ident_list()? } else { Vec::new() };
        self.expect_kw("AS")?;
        self.expect(&TokenKind::LParen)?;
        let query = self.query()?;
        self.expect(&TokenKind::RParen)?;
        Ok(Cte { name, columns, query: Box::new(query), span: self.span_from(start) })
    }

    /// Set operations: `UNION`/`EXCEPT` bind at level 1, `INTERSECT` at level 2.
    fn set_expr(&mut self, min: u8) -> PResult<SetExpr> {
        let start = self.span();
        let mut left = self.set_primary()?;
        loop {
            let (op, level) = if self.is_kw("UNION") {
                (SetOperator::Union, 1)
            } else if self.is_kw("EXCEPT") || self.is_kw("MINUS") {
                (SetOperator::Except, 1)
            } else if self.is_kw("INTERSECT") {
                (SetOperator::Intersect, 2)
            } else {
                return Ok(left);
            };
            if level < min {
                return Ok(left);
            }
            self.pos += 1;
            let all = if self.eat_kw("ALL") {
                true
            } else {
                self.eat_kw("DISTINCT");
                false
            };
            let right = self.nested(|p| p.set_expr(level + 1))?;
            left = SetExpr::SetOperation { op, all, left: Box::new(left), right: Box::new(right), span: self.span_from(start) };
        }
    }

    fn set_primary(&mut self) -> PResult<SetExpr> {
        if self.is_kw("SELECT") {
            return Ok(SetExpr::Select(Box::new(self.select()?)));
        }
        if self.is_kw("VALUES") {
            let start = self.advance().span;
            let rows = self.comma_separated(|p| {
                if p.is(&TokenKind::LParen) {
                    p.expect(&TokenKind::LParen)?;
                    let row = p.comma_separated(|p| p.expr())?;
                    p.expect(&TokenKind::RParen)?;
                    Ok(row)
                } else {
                    Ok(vec![p.expr()?])
                }
            })?;
            return Ok(SetExpr::Values { rows, span: self.span_from(start) });
        }
        if self.is(&TokenKind::LParen) {
            self.pos += 1;
            let q = self.query()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(SetExpr::Query(Box::new(q)));
        }
        Err(self.expected("\"SELECT\", \"VALUES\" or \"(\""))
    }

    fn select(&mut self) -> PResult<Select> {
        let start = self.expect_kw("SELECT")?;
        let hints = self.hints()?;
        let distinct = if self.eat_kw("DISTINCT") {
            true
        } else {
            self.eat_kw("ALL");
            false
        };
        let projection = self.comma_separated(|p| p.select_item())?;
        let from = if self.eat_kw("FROM") { Some(self.table_ref_with_joins()?) } else { None };
        let selection = if self.eat_kw("WHERE") { Some(self.expr()?) } else { None };
        let group_by = if self.eat_kws(&["GROUP", "BY"]) { self.comma_separated(|p| p.group_by_item())? } else { Vec::new() };
        let having = if self.eat_kw("HAVING") { Some(self.expr()?) } else { None };
        let windows = if self.eat_kw("WINDOW") {
            self.comma_separated(|p| {
                let start = p.span();
                let name = p.ident()?;
                p.expect_kw("AS")?;
                let spec = p.window_spec()?;
                Ok(NamedWindow { name, spec, span: p.span_from(start) })
            })?
        } else {
            Vec::new()
        };
        Ok(Select { hints, distinct, projection, from, selection, group_by, having, windows, span: self.span_from(start) })
    }

    fn select_item(&mut self) -> PResult<SelectItem> {
        if self.is(&TokenKind::Star) {
            return Ok(SelectItem::Wildcard(self.advance().span));
        }
        // `t.*` / `db.t.*`
        let mut n = 0;
        while matches!(self.peek_nth(n).kind, TokenKind::Word { .. }) && self.peek_nth(n + 1).kind == TokenKind::Dot {
            n += 2;
        }
        if n > 0 && self.peek_nth(n).kind == TokenKind::Star {
            let start = self.span();
            let mut parts = Vec::new();
            for _ in 0..n / 2 {
                parts.push(self.any_word_ident()?);
                self.expect(&TokenKind::Dot)?;
            }
            self.expect(&TokenKind::Star)?;
            return Ok(SelectItem::QualifiedWildcard(ObjectName { parts }, self.span_from(start)));
        }
        let expr = self.expr()?;
        let alias = self.opt_alias()?;
        Ok(SelectItem::Expr { expr, alias })
    }

    /// `[AS] alias`.
    pub(crate) fn opt_alias(&mut self) -> PResult<Option<Ident>> {
        if self.eat_kw("AS") {
            return Ok(Some(self.any_word_ident()?));
        }
        if self.at_ident() {
            return Ok(Some(self.ident()?));
        }
        Ok(None)
    }

    fn group_by_item(&mut self) -> PResult<GroupByItem> {
        let start = self.span();
        if self.is_kw("GROUPING") && self.is_kw_at(1, "SETS") {
            self.pos += 2;
            self.expect(&TokenKind::LParen)?;
            let sets = self.comma_separated(|p| {
                if p.is(&TokenKind::LParen) {
                    p.pos += 1;
                    let set = if p.is(&TokenKind::RParen) { Vec::new() } else { p.comma_separated(|p| p.expr())? };
                    p.expect(&TokenKind::RParen)?;
                    Ok(set)
                } else {
                    Ok(vec![p.expr()?])
                }
            })?;
            self.expect(&TokenKind::RParen)?;
            return Ok(GroupByItem::GroupingSets(sets, self.span_from(start)));
        }
        for kw in ["ROLLUP", "CUBE"] {
            if self.is_kw(kw) && self.peek_nth(1).kind == TokenKind::LParen {
                self.pos += 2;
                let list = self.comma_separated(|p| p.expr())?;
                self.expect(&TokenKind::RParen)?;
                let span = self.span_from(start);
                return Ok(if kw == "ROLLUP" { GroupByItem::Rollup(list, span) } else { GroupByItem::Cube(list, span) });
            }
        }
        Ok(GroupByItem::Expr(self.expr()?))
    }

    /// A FROM item with any joins after it.
    pub(crate) fn table_ref_with_joins(&mut self) -> PResult<TableRef> {
        let mut left = self.table_factor()?;
        loop {
            let start = left.span();
            let kind = if self.eat(&TokenKind::Comma) || self.eat_kws(&["CROSS", "JOIN"]) {
                Some((JoinKind::Cross, false))
            } else if self.eat_kw("JOIN") || self.eat_kws(&["INNER", "JOIN"]) {
                Some((JoinKind::Inner, true))
            } else if self.is_kw("LEFT") || self.is_kw("RIGHT") || self.is_kw("FULL") {
                let kind = match self.advance().kind {
                    TokenKind::Word { value, .. } if value.eq_ignore_ascii_case("LEFT") => JoinKind::Left,
                    TokenKind::Word { value, .. } if value.eq_ignore_ascii_case("RIGHT") => JoinKind::Right,
                    _ => JoinKind::Full,
                };
                self.eat_kw("OUTER");
                self.expect_kw("JOIN")?;
                Some((kind, true))
            } else {
                None
            };
            let Some((kind, needs_constraint)) = kind else { return Ok(left) };
            let right = self.nested(|p| p.table_factor())?;
            let constraint = if !needs_constraint {
                JoinConstraint::None
            } else if self.eat_kw("ON") {
                JoinConstraint::On(self.expr()?)
            } else if self.eat_kw("USING") {
                JoinConstraint::Using(self.paren_ident_list()?)
            } else {
                return Err(self.expected("\"ON\" or \"USING\"")
                    .with_hint("A join needs a condition, for example JOIN r ON a.id = r.id; use CROSS JOIN for a cross product."));
            };
            left = TableRef::Join(Box::new(Join { left, right, kind, constraint, span: self.span_from(start) }));
        }
    }

    /// One FROM item, without joins, with an optional `MATCH_RECOGNIZE` after it.
    fn table_factor(&mut self) -> PResult<TableRef> {
        self.nested(|p| {
            let start = p.span();
            let mut item = p.table_primary()?;
            if p.is_kw("MATCH_RECOGNIZE") {
                let spec = p.match_recognize()?;
                let alias = p.table_alias()?;
                item = TableRef::MatchRecognize { input: Box::new(item), spec: Box::new(spec), alias, span: p.span_from(start) };
            }
            Ok(item)
        })
    }

    fn table_primary(&mut self) -> PResult<TableRef> {
        let start = self.span();
        let lateral = self.eat_kw("LATERAL");
        if self.is_kw("TABLE") && self.peek_nth(1).kind == TokenKind::LParen {
            self.pos += 2;
            let name = self.object_name()?;
            self.expect(&TokenKind::LParen)?;
            let args = if self.is(&TokenKind::RParen) { Vec::new() } else { self.comma_separated(|p| p.function_arg())? };
            self.expect(&TokenKind::RParen)?;
            self.expect(&TokenKind::RParen)?;
            let alias = self.table_alias()?;
            return Ok(TableRef::Function { lateral, name, args, alias, span: self.span_from(start) });
        }
        if self.is(&TokenKind::LParen) {
            if lateral || self.at_query_start() {
                self.expect(&TokenKind::LParen)?;
                let subquery = self.query()?;
                self.expect(&TokenKind::RParen)?;
                let alias = self.table_alias()?;
                return Ok(TableRef::Derived { lateral, subquery: Box::new(subquery), alias, span: self.span_from(start) });
            }
            self.pos += 1;
            let inner = self.table_ref_with_joins()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(inner);
        }
        if lateral {
            return Err(self.expected("\"TABLE(\" or \"(\" after \"LATERAL\""));
        }
        if self.is_kw("UNNEST") && self.peek_nth(1).kind == TokenKind::LParen {
            self.pos += 2;
            let exprs = self.comma_separated(|p| p.expr())?;
            self.expect(&TokenKind::RParen)?;
            let with_ordinality = self.eat_kws(&["WITH", "ORDINALITY"]);
            let alias = self.table_alias()?;
            return Ok(TableRef::Unnest { exprs, with_ordinality, alias, span: self.span_from(start) });
        }
        let name = self.object_name()?;
        let hints = self.hints()?;
        let system_time = if self.eat_kws(&["FOR", "SYSTEM_TIME", "AS", "OF"]) { Some(Box::new(self.expr()?)) } else { None };
        let alias = self.table_alias()?;
        Ok(TableRef::Named { name, hints, system_time, alias, span: self.span_from(start) })
    }

    /// `[AS] alias [(col, ..)]`.
    fn table_alias(&mut self) -> PResult<Option<TableAlias>> {
        let Some(name) = self.opt_alias()? else { return Ok(None) };
        let columns = if self.is(&TokenKind::LParen) { self.paren_ident_list()? } else { Vec::new() };
        Ok(Some(TableAlias { name, columns }))
    }

    /// `TABLE t [PARTITION BY ..]`, `DESCRIPTOR(c, ..)`, `name => arg` or an expression.
    fn function_arg(&mut self) -> PResult<FunctionArg> {
        let start = self.span();
        if matches!(self.peek_kind(), TokenKind::Word { .. }) && self.peek_nth(1).kind == TokenKind::Arrow {
            let name = self.any_word_ident()?;
            self.pos += 1;
            let arg = self.nested(|p| p.function_arg())?;
            return Ok(FunctionArg::Named { name, arg: Box::new(arg), span: self.span_from(start) });
        }
        if self.is_kw("TABLE") && matches!(self.peek_nth(1).kind, TokenKind::Word { .. }) {
            self.pos += 1;
            let name = self.object_name()?;
            let partition_by = if self.eat_kws(&["PARTITION", "BY"]) {
                if self.eat(&TokenKind::LParen) {
                    let list = self.comma_separated(|p| p.expr())?;
                    self.expect(&TokenKind::RParen)?;
                    list
                } else {
                    vec![self.expr()?]
                }
            } else {
                Vec::new()
            };
            return Ok(FunctionArg::Table { name, partition_by, span: self.span_from(start) });
        }
        if self.is_kw("DESCRIPTOR") && self.peek_nth(1).kind == TokenKind::LParen {
            self.pos += 1;
            let columns = self.paren_ident_list()?;
            return Ok(FunctionArg::Descriptor { columns, span: self.span_from(start) });
        }
        Ok(FunctionArg::Expr(self.expr()?))
    }
}
