//! A position in one JSON record and the byte-level scanning of its tokens: whitespace,
//! strings (with escapes), numbers, literals, and skipping or compacting whole values.

use crate::convert::Fail;
use crate::java_number::write_java_double;

use super::super::convert::float_literal;

/// Nesting deeper than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

pub(crate) struct Cursor<'a> {
    pub b: &'a [u8],
    pub i: usize,
}

pub(crate) fn eof() -> Fail {
    Fail::Record("unexpected end of input".into())
}

impl<'a> Cursor<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Cursor { b, i: 0 }
    }

    #[inline]
    pub fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The next non-whitespace byte, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Result<u8, Fail> {
        self.ws();
        self.b.get(self.i).copied().ok_or_else(eof)
    }

    pub fn unexpected(&self, what: &str) -> Fail {
        match self.b.get(self.i) {
            None => eof(),
            Some(_) => {
                let rest = std::str::from_utf8(&self.b[self.i..]).unwrap_or("");
                let c = rest.chars().next().unwrap_or('?');
                Fail::Record(format!("expected {what} at byte {}, found '{c}'", self.i))
            }
        }
    }

    #[inline]
    pub fn expect(&mut self, c: u8, what: &str) -> Result<(), Fail> {
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    /// Consumes `word` (`true`, `false`, `null`) at the cursor.
    pub fn literal(&mut self, word: &[u8]) -> Result<(), Fail> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.unexpected("a value"))
        }
    }

    /// Scans a string at the cursor (which is on the opening quote). Returns the raw text
    /// between the quotes and whether it contains escapes.
    #[inline]
    pub fn string_raw(&mut self) -> Result<(&'a [u8], bool), Fail> {
        let start = self.i + 1;
        // Most keys and values are short: look at the first bytes one by one before
        // paying for a vectorized search.
        let short_end = (start + 16).min(self.b.len());
        for at in start..short_end {
            match self.b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Ok((&self.b[start..at], false));
                }
                b'\\' => break,
                _ => {}
            }
        }
        let mut pos = start;
        let mut escaped = false;
        loop {
            match memchr::memchr2(b'"', b'\\', &self.b[pos..]) {
                None => return Err(eof()),
                Some(k) => {
                    let at = pos + k;
                    if self.b[at] == b'"' {
                        self.i = at + 1;
                        return Ok((&self.b[start..at], escaped));
                    }
                    escaped = true;
                    pos = at + 2;
                    if pos > self.b.len() {
                        return Err(eof());
                    }
                }
            }
        }
    }

    /// Scans a number at the cursor. Returns its text and whether it is an integer
    /// (no fraction, no exponent). The grammar is JSON's: no leading `+`, no leading zeros.
    #[inline]
    pub fn number(&mut self) -> Result<(&'a [u8], bool), Fail> {
        let b = self.b;
        let start = self.i;
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_len = i - int_start;
        if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
            self.i = start;
            return Err(self.unexpected("a number"));
        }
        let mut int = true;
        if b.get(i) == Some(&b'.') {
            int = false;
            i += 1;
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == s {
                self.i = i;
                return Err(self.unexpected("a digit"));
            }
        }
        if matches!(b.get(i), Some(b'e') | Some(b'E')) {
            int = false;
            i += 1;
            if matches!(b.get(i), Some(b'+') | Some(b'-')) {
                i += 1;
            }
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == s {
                self.i = i;
                return Err(self.unexpected("a digit"));
            }
        }
        self.i = i;
        Ok((&b[start..i], int))
    }

    /// Skips one value of any kind.
    pub fn skip_value(&mut self) -> Result<(), Fail> {
        self.walk(None, 0, false)
    }

    /// Copies one value as compact JSON text (no whitespace between tokens) into `out`,
    /// as Jackson's `JsonNode.toString()` prints a nested value read into a STRING column.
    pub fn copy_compact(&mut self, out: &mut Vec<u8>, exact_numbers: bool) -> Result<(), Fail> {
        self.walk(Some(out), 0, exact_numbers)
    }

    fn walk(&mut self, mut out: Option<&mut Vec<u8>>, depth: usize, exact: bool) -> Result<(), Fail> {
        if depth > MAX_DEPTH {
            return Err(Fail::Record(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        match self.peek()? {
            b'"' => {
                let start = self.i;
                self.string_raw()?;
                if let Some(o) = out {
                    o.extend_from_slice(&self.b[start..self.i]);
                }
            }
            b'{' => {
                self.i += 1;
                if let Some(o) = out.as_deref_mut() {
                    o.push(b'{');
                }
                if self.peek()? == b'}' {
                    self.i += 1;
                } else {
                    loop {
                        if self.peek()? != b'"' {
                            return Err(self.unexpected("a field name"));
                        }
                        let start = self.i;
                        self.string_raw()?;
                        if let Some(o) = out.as_deref_mut() {
                            o.extend_from_slice(&self.b[start..self.i]);
                            o.push(b':');
                        }
                        self.expect(b':', "':'")?;
                        self.walk(out.as_deref_mut(), depth + 1, exact)?;
                        match self.peek()? {
                            b',' => {
                                self.i += 1;
                                if let Some(o) = out.as_deref_mut() {
                                    o.push(b',');
                                }
                            }
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.unexpected("',' or '}'")),
                        }
                    }
                }
                if let Some(o) = out {
                    o.push(b'}');
                }
            }
            b'[' => {
                self.i += 1;
                if let Some(o) = out.as_deref_mut() {
                    o.push(b'[');
                }
                if self.peek()? == b']' {
                    self.i += 1;
                } else {
                    loop {
                        self.walk(out.as_deref_mut(), depth + 1, exact)?;
                        match self.peek()? {
                            b',' => {
                                self.i += 1;
                                if let Some(o) = out.as_deref_mut() {
                                    o.push(b',');
                                }
                            }
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(self.unexpected("',' or ']'")),
                        }
                    }
                }
                if let Some(o) = out {
                    o.push(b']');
                }
            }
            b't' => self.copy_literal(out, b"true")?,
            b'f' => self.copy_literal(out, b"false")?,
            b'n' => self.copy_literal(out, b"null")?,
            _ => {
                let (raw, int) = self.number()?;
                if let Some(o) = out {
                    if int || exact {
                        o.extend_from_slice(raw);
                    } else {
                        write_java_double(o, float_literal(raw));
                    }
                }
            }
        }
        Ok(())
    }

    fn copy_literal(&mut self, out: Option<&mut Vec<u8>>, word: &[u8]) -> Result<(), Fail> {
        self.literal(word)?;
        if let Some(o) = out {
            o.extend_from_slice(word);
        }
        Ok(())
    }
}

/// Appends the unescaped text of a raw JSON string body to `out`. Lone surrogates become
/// U+FFFD so the result is always valid UTF-8.
pub(crate) fn unescape(raw: &[u8], out: &mut Vec<u8>) -> Result<(), Fail> {
    let mut i = 0;
    while i < raw.len() {
        let Some(k) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            break;
        };
        out.extend_from_slice(&raw[i..i + k]);
        i += k + 1;
        let Some(&c) = raw.get(i) else { return Err(eof()) };
        i += 1;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex4(raw, i)?;
                i += 4;
                let code = if (0xD800..0xDC00).contains(&hi)
                    && raw.get(i) == Some(&b'\\')
                    && raw.get(i + 1) == Some(&b'u')
                {
                    match hex4(raw, i + 2) {
                        Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                            i += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        _ => 0xFFFD,
                    }
                } else {
                    hi
                };
                let ch = char::from_u32(code).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            other => {
                return Err(Fail::Record(format!(
                    "unrecognized character escape '\\{}'",
                    other as char
                )))
            }
        };
        out.push(simple);
    }
    Ok(())
}

fn hex4(raw: &[u8], i: usize) -> Result<u32, Fail> {
    let digits = raw.get(i..i + 4).ok_or_else(eof)?;
    let mut v = 0u32;
    for &d in digits {
        let x = (d as char)
            .to_digit(16)
            .ok_or_else(|| Fail::Record("invalid \\u escape: expected 4 hex digits".into()))?;
        v = v * 16 + x;
    }
    Ok(v)
}
