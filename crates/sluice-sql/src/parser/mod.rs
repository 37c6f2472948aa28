//! The recursive-descent parser over the token list from `lexer`.
//!
//! The parser is split by concept: `statements` (DDL, DML, utility statements), `query`
//! (SELECT, set operations, FROM items), `expr` (expressions, by precedence climbing),
//! `types` (data types), `match_recognize` and `hints`. This file holds the cursor and
//! the small helpers they share.
//!
//! Keywords are not reserved by the lexer: a word is a keyword where the grammar expects
//! one and an identifier elsewhere, except for the words in `RESERVED`, which would make
//! the grammar ambiguous (they start or end a clause) and must be back-quoted to be used
//! as names.

mod expr;
mod hints;
mod json;
mod match_recognize;
mod query;
mod statements;
mod types;

pub(crate) use expr::{prec as expr_prec, NILADIC_FUNCTIONS};

use crate::ast::{Ident, ObjectName};
use crate::diagnostic::Diagnostic;
use crate::lexer::{tokenize, Token, TokenKind};
use crate::span::Span;

pub(crate) type PResult<T> = Result<T, Diagnostic>;

/// How deeply expressions, queries, types and patterns may nest before the parser gives
/// up with an error (instead of overflowing the stack).
pub const MAX_NESTING: usize = 100;

/// How deep the tree of one expression may grow through chains of binary operators
/// (`a + b + c` is a left-deep tree as deep as it has terms), summed over nested chains.
/// Every pass over a query recurses once per level, on a stack of
/// `sluice_planner::QUERY_STACK_BYTES`, which holds about 50,000 levels in a debug build;
/// this keeps well inside it. `AND`/`OR` chains count only their balanced depth (see
/// `balance_logical`), so tens of thousands of `OR`ed terms are fine.
pub const MAX_TREE_DEPTH: usize = 10_000;

/// How many terms one `AND` or `OR` chain may have.
pub const MAX_LOGICAL_TERMS: usize = 200_000;

/// Words that cannot be used as bare identifiers or implicit aliases, because they start
/// or continue a clause.
const RESERVED: &[&str] = &[
    "ALL", "AND", "AS", "BETWEEN", "BY", "CASE", "CROSS", "DISTINCT", "ELSE", "END", "ESCAPE",
    "EXCEPT", "EXISTS", "FALSE", "FETCH", "FILTER", "FOR", "FROM", "FULL", "GROUP", "HAVING",
    "IN", "INNER", "INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "LATERAL", "LEFT", "LIKE",
    "LIMIT", "MATCH_RECOGNIZE", "MINUS", "NATURAL", "NOT", "NULL", "OFFSET", "ON", "OR",
    "ORDER", "OUTER", "OVER", "PARTITION", "RIGHT", "SELECT", "SIMILAR", "THEN", "TRUE",
    "UNION", "USING", "VALUES", "WHEN", "WHERE", "WINDOW", "WITH",
];

/// Whether `word` (any case) is in `RESERVED`.
pub fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The depth that the chains being parsed add up to (see `MAX_TREE_DEPTH`).
    tree_depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str) -> PResult<Self> {
        Ok(Parser { src, tokens: tokenize(src)?, pos: 0, depth: 0, tree_depth: 0 })
    }

    // ----- cursor -----

    fn eof_token(&self) -> &Token {
        // `tokenize` always ends the list with `Eof`.
        static EOF: Token = Token { kind: TokenKind::Eof, span: Span { start: 0, end: 0 } };
        self.tokens.last().unwrap_or(&EOF)
    }

    pub(crate) fn peek(&self) -> &Token {
        self.peek_nth(0)
    }

    pub(crate) fn peek_nth(&self, n: usize) -> &Token {
        self.tokens.get(self.pos + n).unwrap_or_else(|| self.eof_token())
    }

    pub(crate) fn peek_kind(&self) -> &TokenKind {
        &self.peek().kind
    }

    pub(crate) fn at_eof(&self) -> bool {
        matches!(self.peek_kind(), TokenKind::Eof)
    }

    pub(crate) fn advance(&mut self) -> Token {
        let tok = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    /// The span of the current token.
    pub(crate) fn span(&self) -> Span {
        self.peek().span
    }

    /// Where the previously consumed token ended.
    pub(crate) fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            return 0;
        }
        self.tokens.get(self.pos - 1).map(|t| t.span.end).unwrap_or(0)
    }

    /// A span from `start` to the end of the previously consumed token.
    pub(crate) fn span_from(&self, start: Span) -> Span {
        Span { start: start.start, end: self.prev_end().max(start.start) }
    }

    /// The source text of a span.
    pub(crate) fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start as usize..span.end as usize).unwrap_or("")
    }

    // ----- keywords and punctuation -----

    /// Whether the token `n` ahead is the unquoted word `kw` (any case).
    pub(crate) fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        matches!(&self.peek_nth(n).kind, TokenKind::Word { value, quoted: false } if value.eq_ignore_ascii_case(kw))
    }

    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }

    /// Consumes the keyword if it is next.
    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the keywords if all of them come next, in order.
    pub(crate) fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws.iter().enumerate().all(|(i, kw)| self.is_kw_at(i, kw)) {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> PResult<Span> {
        if self.is_kw(kw) {
            Ok(self.advance().span)
        } else {
            Err(self.expected(&format!("\"{kw}\"")))
        }
    }

    pub(crate) fn expect_kws(&mut self, kws: &[&str]) -> PResult<()> {
        for kw in kws {
            self.expect_kw(kw)?;
        }
        Ok(())
    }

    pub(crate) fn is(&self, kind: &TokenKind) -> bool {
        self.peek_kind() == kind
    }

    pub(crate) fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.is(kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, kind: &TokenKind) -> PResult<Span> {
        if self.is(kind) {
            Ok(self.advance().span)
        } else {
            Err(self.expected(&format!("\"{}\"", kind.symbol())))
        }
    }

    /// `expected X, found Y` at the current token.
    pub(crate) fn expected(&self, what: &str) -> Diagnostic {
        let tok = self.peek();
        Diagnostic::user(format!("expected {what}, found {}", tok.kind.describe()), tok.span)
            .with_label(format!("expected {what}"))
    }

    // ----- names -----

    /// An identifier: a back-quoted name or any unquoted word that is not reserved.
    pub(crate) fn ident(&mut self) -> PResult<Ident> {
        match &self.peek().kind {
            TokenKind::Word { value, quoted } if *quoted || !is_reserved(value) => {
                let ident = Ident { value: value.clone(), quoted: *quoted, span: self.span() };
                self.pos += 1;
                Ok(ident)
            }
            TokenKind::Word { value, .. } => {
                let lower = value.to_lowercase();
                Err(self.expected("an identifier").with_hint(format!(
                    "\"{value}\" is a reserved word; to use it as a name, quote it with back-quotes: `{lower}`."
                )))
            }
            _ => Err(self.expected("an identifier")),
        }
    }

    /// Any word, reserved or not (for names after `AS`, field names and the like).
    pub(crate) fn any_word_ident(&mut self) -> PResult<Ident> {
        match &self.peek().kind {
            TokenKind::Word { value, quoted } => {
                let ident = Ident { value: value.clone(), quoted: *quoted, span: self.span() };
                self.pos += 1;
                Ok(ident)
            }
            _ => Err(self.expected("an identifier")),
        }
    }

    /// Whether the next token could be an identifier (for optional aliases).
    pub(crate) fn at_ident(&self) -> bool {
        matches!(&self.peek().kind, TokenKind::Word { value, quoted } if *quoted || !is_reserved(value))
    }

    /// `a.b.c`
    pub(crate) fn object_name(&mut self) -> PResult<ObjectName> {
        let mut parts = vec![self.ident()?];
        while self.is(&TokenKind::Dot) && matches!(self.peek_nth(1).kind, TokenKind::Word { .. }) {
            self.pos += 1;
            parts.push(self.any_word_ident()?);
        }
        Ok(ObjectName { parts })
    }

    /// `( ident, ... )`
    pub(crate) fn paren_ident_list(&mut self) -> PResult<Vec<Ident>> {
        self.expect(&TokenKind::LParen)?;
        let list = self.comma_separated(|p| p.ident())?;
        self.expect(&TokenKind::RParen)?;
        Ok(list)
    }

    pub(crate) fn comma_separated<T>(&mut self, mut f: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut items = vec![f(self)?];
        while self.eat(&TokenKind::Comma) {
            items.push(f(self)?);
        }
        Ok(items)
    }

    /// A string literal's value and span.
    pub(crate) fn string_literal(&mut self) -> PResult<(String, Span)> {
        match &self.peek().kind {
            TokenKind::String(s) => {
                let out = (s.clone(), self.span());
                self.pos += 1;
                Ok(out)
            }
            _ => Err(self.expected("a string literal")),
        }
    }

    /// A non-negative integer that fits in `u32`.
    pub(crate) fn unsigned_int(&mut self, what: &str) -> PResult<(u32, Span)> {
        match &self.peek().kind {
            TokenKind::Number(n) => {
                let span = self.span();
                let value = n.parse::<u32>().map_err(|_| {
                    Diagnostic::user(format!("expected {what}, found number {n}"), span)
                        .with_label(format!("expected {what}"))
                })?;
                self.pos += 1;
                Ok((value, span))
            }
            _ => Err(self.expected(what)),
        }
    }

    /// Runs `f` one nesting level deeper, failing cleanly past `MAX_NESTING`.
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(Diagnostic::user("the statement is nested too deeply", self.span())
                .with_label("nesting limit reached here")
                .with_hint(format!("Sluice accepts at most {MAX_NESTING} nested expressions, queries or types.")));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    /// Fails unless the whole input has been consumed.
    pub(crate) fn expect_eof(&self) -> PResult<()> {
        if self.at_eof() {
            Ok(())
        } else {
            Err(self.expected("end of input"))
        }
    }
}
