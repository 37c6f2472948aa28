//! `MATCH_RECOGNIZE ( PARTITION BY .. ORDER BY .. MEASURES .. ONE ROW PER MATCH
//! AFTER MATCH SKIP .. PATTERN ( .. ) [WITHIN ..] [SUBSET ..] DEFINE .. )` and row
//! patterns with quantifiers `* + ? {n} {n,} {,m} {n,m}`, each optionally reluctant (`?`).

use super::{PResult, Parser};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::lexer::TokenKind;

impl Parser<'_> {
    pub(crate) fn match_recognize(&mut self) -> PResult<MatchRecognize> {
        let start = self.expect_kw("MATCH_RECOGNIZE")?;
        self.expect(&TokenKind::LParen)?;
        let partition_by = if self.eat_kws(&["PARTITION", "BY"]) { self.comma_separated(|p| p.expr())? } else { Vec::new() };
        let order_by = if self.eat_kws(&["ORDER", "BY"]) { self.order_by_list()? } else { Vec::new() };
        let measures = if self.eat_kw("MEASURES") {
            self.comma_separated(|p| {
                // `FINAL` / `RUNNING` semantics are not modelled; `FINAL` is the default
                // for ONE ROW PER MATCH.
                let expr = p.expr()?;
                p.expect_kw("AS").map_err(|d| d.with_hint("Every measure needs a name: MEASURES LAST(A.price) AS last_price."))?;
                let alias = p.any_word_ident()?;
                Ok(Measure { expr, alias })
            })?
        } else {
            Vec::new()
        };
        let rows_per_match = if self.eat_kws(&["ONE", "ROW", "PER", "MATCH"]) {
            RowsPerMatch::OneRow
        } else if self.eat_kws(&["ALL", "ROWS", "PER", "MATCH"]) {
            RowsPerMatch::AllRows
        } else {
            RowsPerMatch::OneRow
        };
        let after_match = if self.eat_kws(&["AFTER", "MATCH", "SKIP"]) {
            if self.eat_kws(&["PAST", "LAST", "ROW"]) {
                AfterMatchSkip::PastLastRow
            } else if self.eat_kws(&["TO", "NEXT", "ROW"]) {
                AfterMatchSkip::ToNextRow
            } else if self.eat_kws(&["TO", "FIRST"]) {
                AfterMatchSkip::ToFirst(self.any_word_ident()?)
            } else if self.eat_kws(&["TO", "LAST"]) || self.eat_kw("TO") {
                // `SKIP TO v` means `SKIP TO LAST v`.
                AfterMatchSkip::ToLast(self.any_word_ident()?)
            } else {
                return Err(self.expected("\"PAST LAST ROW\", \"TO NEXT ROW\", \"TO FIRST v\" or \"TO LAST v\""));
            }
        } else {
            // Flink's default, not the SQL standard's PAST LAST ROW (Calcite leaves the
            // clause out and Flink's planner then skips to the next row).
            AfterMatchSkip::ToNextRow
        };
        if !self.is_kw("PATTERN") {
            return Err(self.expected("\"PATTERN\"").with_hint(
                "MATCH_RECOGNIZE clauses come in this order: PARTITION BY, ORDER BY, MEASURES, ONE ROW PER MATCH, AFTER MATCH SKIP, PATTERN, WITHIN, SUBSET, DEFINE.",
            ));
        }
        self.pos += 1;
        self.expect(&TokenKind::LParen)?;
        let pattern = self.pattern_alternation()?;
        self.expect(&TokenKind::RParen)?;
        let within = if self.eat_kw("WITHIN") { Some(self.interval()?) } else { None };
        let subsets = if self.eat_kw("SUBSET") {
            self.comma_separated(|p| {
                let name = p.any_word_ident()?;
                p.expect(&TokenKind::Eq)?;
                p.expect(&TokenKind::LParen)?;
                let vars = p.comma_separated(|p| p.any_word_ident())?;
                p.expect(&TokenKind::RParen)?;
                Ok((name, vars))
            })?
        } else {
            Vec::new()
        };
        self.expect_kw("DEFINE")?;
        let define = self.comma_separated(|p| {
            let name = p.any_word_ident()?;
            p.expect_kw("AS")?;
            Ok((name, p.expr()?))
        })?;
        self.expect(&TokenKind::RParen)?;
        Ok(MatchRecognize {
            partition_by,
            order_by,
            measures,
            rows_per_match,
            after_match,
            pattern,
            within,
            subsets,
            define,
            span: self.span_from(start),
        })
    }

    fn pattern_alternation(&mut self) -> PResult<Pattern> {
        self.nested(|p| {
            let mut alts = vec![p.pattern_concat()?];
            while p.eat(&TokenKind::Pipe) {
                alts.push(p.pattern_concat()?);
            }
            Ok(if alts.len() == 1 { alts.remove(0) } else { Pattern::Alternation(alts) })
        })
    }

    fn pattern_concat(&mut self) -> PResult<Pattern> {
        let mut items = vec![self.pattern_quantified()?];
        while matches!(self.peek_kind(), TokenKind::Word { .. } | TokenKind::LParen) {
            items.push(self.pattern_quantified()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Pattern::Concat(items) })
    }

    fn pattern_quantified(&mut self) -> PResult<Pattern> {
        let start = self.span();
        let primary = if self.eat(&TokenKind::LParen) {
            let inner = self.pattern_alternation()?;
            self.expect(&TokenKind::RParen)?;
            Pattern::Group(Box::new(inner))
        } else if matches!(self.peek_kind(), TokenKind::Word { .. }) {
            Pattern::Var(self.any_word_ident()?)
        } else if matches!(self.peek_kind(), TokenKind::Caret | TokenKind::Dollar) {
            return Err(Diagnostic::user("pattern anchors \"^\" and \"$\" are not supported", self.span()));
        } else {
            return Err(self.expected("a pattern variable or \"(\""));
        };
        let (min, max) = match self.peek_kind() {
            TokenKind::Star => (0, None),
            TokenKind::Plus => (1, None),
            TokenKind::Question => (0, Some(1)),
            TokenKind::LBrace => {
                self.pos += 1;
                let min = if self.is(&TokenKind::Comma) { 0 } else { self.unsigned_int("a repetition count")?.0 };
                let max = if self.eat(&TokenKind::Comma) {
                    if self.is(&TokenKind::RBrace) { None } else { Some(self.unsigned_int("a repetition count")?.0) }
                } else {
                    Some(min)
                };
                if !self.is(&TokenKind::RBrace) {
                    return Err(self.expected("\"}\""));
                }
                if let Some(max) = max {
                    if max < min || max == 0 {
                        return Err(Diagnostic::user("invalid repetition range", self.span_from(start))
                            .with_hint("In {n,m} the maximum must be at least 1 and not below the minimum."));
                    }
                }
                (min, max)
            }
            _ => return Ok(primary),
        };
        self.pos += 1;
        let reluctant = self.eat(&TokenKind::Question);
        Ok(Pattern::Quantified { pattern: Box::new(primary), min, max, reluctant, span: self.span_from(start) })
    }
}
