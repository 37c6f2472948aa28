//! Hints: `/*+ OPTIONS('k' = 'v'), BROADCAST(t) */` after `SELECT` or a table name.
//!
//! Arguments written as `'k' = 'v'` (or `k = 'v'`) become options; any other argument
//! (an identifier or a literal) is kept as written.

use super::{PResult, Parser};
use crate::ast::{Hint, TableOption};
use crate::lexer::TokenKind;

impl Parser<'_> {
    /// Zero or more hint blocks.
    pub(crate) fn hints(&mut self) -> PResult<Vec<Hint>> {
        let mut hints = Vec::new();
        while self.eat(&TokenKind::HintStart) {
            if !self.is(&TokenKind::HintEnd) {
                hints.extend(self.comma_separated(|p| p.hint())?);
            }
            self.expect(&TokenKind::HintEnd)?;
        }
        Ok(hints)
    }

    fn hint(&mut self) -> PResult<Hint> {
        let start = self.span();
        let name = self.any_word_ident()?;
        let mut hint = Hint { name, options: Vec::new(), args: Vec::new(), span: start };
        if self.eat(&TokenKind::LParen) {
            if !self.is(&TokenKind::RParen) {
                loop {
                    self.hint_arg(&mut hint)?;
                    if !self.eat(&TokenKind::Comma) {
                        break;
                    }
                }
            }
            self.expect(&TokenKind::RParen)?;
        }
        hint.span = self.span_from(start);
        Ok(hint)
    }

    fn hint_arg(&mut self, hint: &mut Hint) -> PResult<()> {
        let tok = self.peek().clone();
        let key = match &tok.kind {
            TokenKind::String(s) => s.clone(),
            TokenKind::Word { value, .. } => value.clone(),
            TokenKind::Number(n) => n.clone(),
            _ => return Err(self.expected("a hint argument")),
        };
        self.pos += 1;
        if self.eat(&TokenKind::Eq) {
            let (value, value_span) = self.string_literal()?;
            hint.options.push(TableOption { key, key_span: tok.span, value, value_span });
        } else {
            hint.args.push((self.text(tok.span).to_string(), tok.span));
        }
        Ok(())
    }

    /// `( 'k' = 'v', ... )` as in `WITH (..)`.
    pub(crate) fn table_options(&mut self) -> PResult<Vec<TableOption>> {
        self.expect(&TokenKind::LParen)?;
        if self.eat(&TokenKind::RParen) {
            return Ok(Vec::new());
        }
        let options = self.comma_separated(|p| {
            let (key, key_span) = p.option_key()?;
            p.expect(&TokenKind::Eq).map_err(|d| {
                d.with_hint("Table options are written as 'key' = 'value', for example 'connector' = 'kafka'.")
            })?;
            let (value, value_span) = p.string_literal().map_err(|d| {
                d.with_hint("Option values are strings, even numbers: 'sink.parallelism' = '2'.")
            })?;
            Ok(TableOption { key, key_span, value, value_span })
        })?;
        self.expect(&TokenKind::RParen)?;
        Ok(options)
    }

    /// An option key: a string, or dotted words (`connector`, `scan.startup.mode`).
    fn option_key(&mut self) -> PResult<(String, crate::span::Span)> {
        if let TokenKind::String(_) = self.peek_kind() {
            return self.string_literal();
        }
        let start = self.span();
        let mut key = self.any_word_ident()?.value;
        while self.eat(&TokenKind::Dot) {
            key.push('.');
            key.push_str(&self.any_word_ident()?.value);
        }
        Ok((key, self.span_from(start)))
    }
}
