//! The lexer: script text to a flat list of tokens, each with its byte span.
//!
//! Lexical rules follow Calcite as Flink configures it: keywords are case-insensitive
//! words (the parser decides which words are keywords), identifiers may be back-quoted
//! (`` `a``b` `` is `` a`b ``), strings use single quotes with `''` as the escape, and
//! `/*+ ... */` opens a hint whose contents are lexed as ordinary tokens between a
//! `HintStart` and a `HintEnd`.

use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// One token of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    /// A word: a keyword or an identifier. `quoted` is true for back-quoted identifiers,
    /// which are never keywords.
    Word { value: String, quoted: bool },
    /// A number as written: `42`, `1.5`, `.5`, `1e-3`.
    Number(String),
    /// A string literal with its quotes removed and `''` unescaped.
    String(String),
    /// `X'0AFF'`: the hex digits.
    Binary(String),
    /// `/*+`
    HintStart,
    /// `*/` closing a hint.
    HintEnd,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Concat,
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Semicolon,
    /// `=>` for named arguments.
    Arrow,
    /// `|` (pattern alternation).
    Pipe,
    /// `?` (reluctant pattern quantifiers).
    Question,
    /// `^` and `$` pattern anchors are lexed so that the parser can reject them clearly.
    Caret,
    Dollar,
    Eof,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Word { value, quoted: true } => format!("identifier \"{value}\""),
            TokenKind::Word { value, .. } => format!("\"{value}\""),
            TokenKind::Number(n) => format!("number {n}"),
            TokenKind::String(s) => {
                let short: String = s.chars().take(20).collect();
                format!("string '{short}'")
            }
            TokenKind::Binary(_) => "binary literal".to_string(),
            TokenKind::HintStart => "\"/*+\"".to_string(),
            TokenKind::HintEnd => "\"*/\"".to_string(),
            TokenKind::Eof => "end of input".to_string(),
            other => format!("\"{}\"", other.symbol()),
        }
    }

    /// The text of a punctuation token.
    pub fn symbol(&self) -> &'static str {
        match self {
            TokenKind::Eq => "=",
            TokenKind::NotEq => "<>",
            TokenKind::Lt => "<",
            TokenKind::LtEq => "<=",
            TokenKind::Gt => ">",
            TokenKind::GtEq => ">=",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Percent => "%",
            TokenKind::Concat => "||",
            TokenKind::Dot => ".",
            TokenKind::Comma => ",",
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::Semicolon => ";",
            TokenKind::Arrow => "=>",
            TokenKind::Pipe => "|",
            TokenKind::Question => "?",
            TokenKind::Caret => "^",
            TokenKind::Dollar => "$",
            TokenKind::HintStart => "/*+",
            TokenKind::HintEnd => "*/",
            _ => "",
        }
    }
}

/// Splits `sql` into tokens. The last token is always `Eof`.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, Diagnostic> {
    Lexer { src: sql, bytes: sql.as_bytes(), pos: 0, in_hint: None, tokens: Vec::new() }.run()
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The start of the open hint, if inside `/*+ ... */`.
    in_hint: Option<usize>,
    tokens: Vec<Token>,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || (!c.is_ascii() && !c.is_whitespace())
}

fn is_ident_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || (!c.is_ascii() && !c.is_whitespace())
}

impl<'a> Lexer<'a> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn current_char(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token { kind, span: Span::new(start, self.pos) });
    }

    fn run(mut self) -> Result<Vec<Token>, Diagnostic> {
        while let Some(c) = self.current_char() {
            let start = self.pos;
            if c.is_whitespace() {
                self.pos += c.len_utf8();
                continue;
            }
            match c {
                '-' if self.byte(start + 1) == Some(b'-') => self.line_comment(),
                '/' if self.byte(start + 1) == Some(b'*') => self.block_comment()?,
                '*' if self.byte(start + 1) == Some(b'/') && self.in_hint.is_some() => {
                    self.pos += 2;
                    self.in_hint = None;
                    self.push(TokenKind::HintEnd, start);
                }
                '\'' => {
                    let s = self.string(start)?;
                    self.push(TokenKind::String(s), start);
                }
                '`' => self.quoted_ident(start)?,
                '"' => {
                    return Err(Diagnostic::user("double-quoted strings are not supported", Span::new(start, start + 1))
                        .with_label("double quote")
                        .with_hint("Use single quotes for strings ('text') and back-quotes for identifiers (`name`)."));
                }
                'x' | 'X' if self.byte(start + 1) == Some(b'\'') => {
                    self.pos += 1;
                    let s = self.string(start)?;
                    self.push(TokenKind::Binary(s), start);
                }
                'n' | 'N' if self.byte(start + 1) == Some(b'\'') => {
                    self.pos += 1;
                    let s = self.string(start)?;
                    self.push(TokenKind::String(s), start);
                }
                c if c.is_ascii_digit() => self.number(start),
                '.' if self.byte(start + 1).is_some_and(|b| b.is_ascii_digit()) => self.number(start),
                c if is_ident_start(c) => self.word(start),
                _ => self.punctuation(c, start)?,
            }
        }
        if let Some(hint_start) = self.in_hint {
            return Err(Diagnostic::user("unterminated hint", Span::new(hint_start, hint_start + 3))
                .with_label("hint starts here")
                .with_hint("Close the hint with \"*/\"."));
        }
        let end = self.src.len();
        self.tokens.push(Token { kind: TokenKind::Eof, span: Span::new(end, end) });
        Ok(self.tokens)
    }

    fn line_comment(&mut self) {
        while let Some(b) = self.byte(self.pos) {
            if b == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn block_comment(&mut self) -> Result<(), Diagnostic> {
        let start = self.pos;
        if self.byte(start + 2) == Some(b'+') {
            if self.in_hint.is_some() {
                return Err(Diagnostic::user("hints cannot be nested", Span::new(start, start + 3)));
            }
            self.pos += 3;
            self.in_hint = Some(start);
            self.push(TokenKind::HintStart, start);
            return Ok(());
        }
        match self.src.get(start + 2..).and_then(|rest| rest.find("*/")) {
            Some(rel) => {
                self.pos = start + 2 + rel + 2;
                Ok(())
            }
            None => Err(Diagnostic::user("unterminated comment", Span::new(start, start + 2))
                .with_label("comment starts here")
                .with_hint("Close the comment with \"*/\".")),
        }
    }

    /// Reads a `'...'` string whose opening quote is at `self.pos`; `start` is where the
    /// token starts (before an `X` or `N` prefix).
    fn string(&mut self, start: usize) -> Result<String, Diagnostic> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.src.get(self.pos..).unwrap_or("");
            match rest.find('\'') {
                None => {
                    return Err(Diagnostic::user("unterminated string literal", Span::new(start, start + 1))
                        .with_label("string starts here")
                        .with_hint("Close the string with a single quote; write a quote inside a string as ''."));
                }
                Some(i) => {
                    out.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.byte(self.pos) == Some(b'\'') {
                        out.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(out);
                    }
                }
            }
        }
    }

    fn quoted_ident(&mut self, start: usize) -> Result<(), Diagnostic> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.src.get(self.pos..).unwrap_or("");
            match rest.find('`') {
                None => {
                    return Err(Diagnostic::user("unterminated quoted identifier", Span::new(start, start + 1))
                        .with_label("identifier starts here")
                        .with_hint("Close the identifier with a back-quote; write a back-quote inside it as ``."));
                }
                Some(i) => {
                    out.push_str(&rest[..i]);
                    self.pos += i + 1;
                    if self.byte(self.pos) == Some(b'`') {
                        out.push('`');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(Diagnostic::user("empty quoted identifier", Span::new(start, self.pos)));
        }
        self.push(TokenKind::Word { value: out, quoted: true }, start);
        Ok(())
    }

    fn number(&mut self, start: usize) {
        let digits = |lx: &mut Self| {
            while lx.byte(lx.pos).is_some_and(|b| b.is_ascii_digit()) {
                lx.pos += 1;
            }
        };
        digits(self);
        if self.byte(self.pos) == Some(b'.') && self.byte(self.pos + 1).is_none_or(|b| b.is_ascii_digit() || !b.is_ascii_alphabetic()) {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.byte(self.pos), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.byte(self.pos + 1), Some(b'+' | b'-')));
            if self.byte(self.pos + 1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1 + sign;
                digits(self);
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
        self.push(TokenKind::Number(text), start);
    }

    fn word(&mut self, start: usize) {
        while let Some(c) = self.current_char() {
            if !is_ident_part(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        let value = self.src.get(start..self.pos).unwrap_or("").to_string();
        self.push(TokenKind::Word { value, quoted: false }, start);
    }

    fn punctuation(&mut self, c: char, start: usize) -> Result<(), Diagnostic> {
        let next = self.byte(start + 1);
        let (kind, len) = match (c, next) {
            ('<', Some(b'>')) => (TokenKind::NotEq, 2),
            ('!', Some(b'=')) => (TokenKind::NotEq, 2),
            ('<', Some(b'=')) => (TokenKind::LtEq, 2),
            ('>', Some(b'=')) => (TokenKind::GtEq, 2),
            ('=', Some(b'>')) => (TokenKind::Arrow, 2),
            ('|', Some(b'|')) => (TokenKind::Concat, 2),
            ('<', _) => (TokenKind::Lt, 1),
            ('>', _) => (TokenKind::Gt, 1),
            ('=', _) => (TokenKind::Eq, 1),
            ('+', _) => (TokenKind::Plus, 1),
            ('-', _) => (TokenKind::Minus, 1),
            ('*', _) => (TokenKind::Star, 1),
            ('/', _) => (TokenKind::Slash, 1),
            ('%', _) => (TokenKind::Percent, 1),
            ('.', _) => (TokenKind::Dot, 1),
            (',', _) => (TokenKind::Comma, 1),
            ('(', _) => (TokenKind::LParen, 1),
            (')', _) => (TokenKind::RParen, 1),
            ('[', _) => (TokenKind::LBracket, 1),
            (']', _) => (TokenKind::RBracket, 1),
            ('{', _) => (TokenKind::LBrace, 1),
            ('}', _) => (TokenKind::RBrace, 1),
            (';', _) => (TokenKind::Semicolon, 1),
            ('|', _) => (TokenKind::Pipe, 1),
            ('?', _) => (TokenKind::Question, 1),
            ('^', _) => (TokenKind::Caret, 1),
            ('$', _) => (TokenKind::Dollar, 1),
            _ => {
                return Err(Diagnostic::user(
                    format!("unexpected character \"{c}\""),
                    Span::new(start, start + c.len_utf8()),
                ));
            }
        };
        self.pos += len;
        self.push(kind, start);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<TokenKind> {
        tokenize(sql).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn strings_and_identifiers() {
        let k = kinds("SELECT `a``b`, 'it''s 🍍' FROM t");
        assert_eq!(k[1], TokenKind::Word { value: "a`b".into(), quoted: true });
        assert_eq!(k[3], TokenKind::String("it's 🍍".into()));
    }

    #[test]
    fn numbers_comments_hints() {
        let k = kinds("1.5e3 .5 -- c\n /* x */ /*+ OPTIONS('a'='b') */ x'0A'");
        assert_eq!(k[0], TokenKind::Number("1.5e3".into()));
        assert_eq!(k[1], TokenKind::Number(".5".into()));
        assert_eq!(k[2], TokenKind::HintStart);
        assert_eq!(k[9], TokenKind::HintEnd);
        assert_eq!(k[10], TokenKind::Binary("0A".into()));
    }

    #[test]
    fn unterminated_string_points_at_start() {
        let err = tokenize("select 'abc").unwrap_err();
        assert_eq!(err.span.unwrap().start, 7);
    }

    #[test]
    fn angle_brackets_stay_single() {
        let k = kinds("ARRAY<ROW<a INT>>");
        assert_eq!(k[6], TokenKind::Gt);
        assert_eq!(k[7], TokenKind::Gt);
    }
}
