//! Flink's `VARIANT`: semi-structured data in the binary variant encoding that Flink
//! (after Spark and Parquet) uses, built from JSON text by `PARSE_JSON`.
//!
//! A value is two byte strings: the *metadata*, a dictionary of the object keys, and the
//! *value*, a tree of typed nodes whose objects name their keys by dictionary id. A
//! variant travels in Arrow as one `Binary` cell holding the metadata followed by the
//! value (the metadata's own header says where it ends). Sluice writes exactly the bytes
//! Flink's builder writes, because Flink compares two variants by their bytes: the same
//! keys in another order in the text give another dictionary, so another variant.
//!
//! What Flink's builder does, and so what this one does:
//! - object fields are sorted by key (Java's `String` order, by UTF-16 units); a repeated
//!   key is an error, or with `allowDuplicateKeys` the last one wins;
//! - dictionary ids are given in the order keys first appear in the text;
//! - an integer is stored in the smallest of 1, 2, 4 or 8 bytes; a number without an
//!   exponent that fits no 64-bit integer, or has a fraction, is a decimal when it has at
//!   most 38 digits and scale at most 38 (in 4, 8 or 16 bytes), else a double; a number
//!   with an exponent is a double;
//! - the JSON text is read as Jackson reads it: the first value counts, a number at the
//!   top must be followed by white space or the end, and text after a string, an object
//!   or an array is ignored.
//!
//! `write_variant_text` prints a variant as Flink's `BinaryVariant.toString()`: compact
//! JSON with sorted keys, decimals without trailing zeros, doubles as Java prints them.

use crate::java_text::write_java_double;

const PRIMITIVE: u8 = 0;
const SHORT_STR: u8 = 1;
const OBJECT: u8 = 2;
const ARRAY: u8 = 3;

const NULL: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const INT1: u8 = 3;
const INT2: u8 = 4;
const INT4: u8 = 5;
const INT8: u8 = 6;
const DOUBLE: u8 = 7;
const DECIMAL4: u8 = 8;
const DECIMAL8: u8 = 9;
const DECIMAL16: u8 = 10;
const DATE: u8 = 11;
const TIMESTAMP_LTZ: u8 = 12;
const TIMESTAMP: u8 = 13;
const FLOAT: u8 = 14;
const BINARY: u8 = 15;
const LONG_STR: u8 = 16;
const TIME: u8 = 17;
const TIMESTAMP_LTZ_NS: u8 = 18;
const TIMESTAMP_NS: u8 = 19;
const UUID: u8 = 20;

const MAX_SHORT_STR: usize = 0x3F;
const VERSION: u8 = 1;
/// Values and metadata above 16 MiB are refused, as in Flink.
const SIZE_LIMIT: usize = 0xFF_FFFF + 1;
/// Jackson's default limit on nesting.
const MAX_DEPTH: usize = 1000;

/// Why a text is no variant (the reason `PARSE_JSON` fails the job with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VariantParseError {
    /// The text is not JSON as Jackson reads it.
    Json(String),
    /// An object repeats a key and duplicates were not allowed.
    DuplicateKey,
    /// The value or its metadata is larger than 16 MiB.
    SizeLimit,
}

impl std::fmt::Display for VariantParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VariantParseError::Json(m) => f.write_str(m),
            VariantParseError::DuplicateKey => f.write_str("VARIANT_DUPLICATE_KEY"),
            VariantParseError::SizeLimit => f.write_str("VARIANT_SIZE_LIMIT"),
        }
    }
}

/// Why `v['key']` or `v[i]` cannot be answered: the variant is of the wrong kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariantAccessError {
    /// A string key on something that is not an object.
    NotAnObject,
    /// An integer index on something that is not an array.
    NotAnArray,
}

impl std::fmt::Display for VariantAccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VariantAccessError::NotAnObject => f.write_str(
                "String key access on variant requires an object variant, but a non-object variant was provided.",
            ),
            VariantAccessError::NotAnArray => f.write_str(
                "Integer index access on variant requires an array variant, but a non-array variant was provided.",
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Building from JSON text.

/// Parses JSON text into a variant cell (metadata then value).
pub fn parse_json(text: &str, allow_duplicate_keys: bool) -> Result<Vec<u8>, VariantParseError> {
    let mut b = Builder { text: text.as_bytes(), i: 0, out: Vec::new(), keys: Vec::new(), ids: Default::default(), allow_duplicate_keys, depth: 0 };
    b.ws();
    if b.i >= b.text.len() {
        return Err(VariantParseError::Json("Unexpected null token".into()));
    }
    b.value(true)?;
    b.finish()
}

struct Field {
    key: String,
    id: usize,
    offset: usize,
}

struct Builder<'a> {
    text: &'a [u8],
    i: usize,
    out: Vec<u8>,
    keys: Vec<String>,
    ids: std::collections::HashMap<String, usize>,
    allow_duplicate_keys: bool,
    depth: usize,
}

fn json_error(msg: impl Into<String>) -> VariantParseError {
    VariantParseError::Json(msg.into())
}

/// The smallest of 1, 2 or 3 bytes that holds `v`.
fn int_size(v: usize) -> usize {
    if v <= 0xFF {
        1
    } else if v <= 0xFFFF {
        2
    } else {
        3
    }
}

fn put_uint(out: &mut Vec<u8>, v: usize, size: usize) {
    out.extend_from_slice(&(v as u64).to_le_bytes()[..size]);
}

/// Java's `String.compareTo`: by UTF-16 code units.
fn java_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

impl Builder<'_> {
    fn ws(&mut self) {
        while self.i < self.text.len() && matches!(self.text[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.i).copied()
    }

    fn unexpected(&self, expecting: &str) -> VariantParseError {
        match self.peek() {
            None => json_error(format!("Unexpected end-of-input: expected {expecting}")),
            Some(_) => {
                let c = std::str::from_utf8(&self.text[self.i..]).ok().and_then(|s| s.chars().next()).unwrap_or('?');
                json_error(format!("Unexpected character ('{c}' (code {})): expected {expecting}", c as u32))
            }
        }
    }

    fn value(&mut self, root: bool) -> Result<(), VariantParseError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                self.append_string(&s);
                Ok(())
            }
            Some(b't') => self.word("true", &[(TRUE << 2) | PRIMITIVE]),
            Some(b'f') => self.word("false", &[(FALSE << 2) | PRIMITIVE]),
            Some(b'n') => self.word("null", &[(NULL << 2) | PRIMITIVE]),
            Some(b'-' | b'0'..=b'9') => self.number(root),
            _ => Err(self.unexpected("JSON value")),
        }
    }

    fn enter(&mut self) -> Result<(), VariantParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(json_error(format!("Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<(), VariantParseError> {
        self.enter()?;
        self.i += 1;
        let start = self.out.len();
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(self.unexpected("double-quote to start field name"));
                }
                let key = self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(self.unexpected("a colon to separate field name and value"));
                }
                self.i += 1;
                self.ws();
                let id = self.add_key(&key);
                fields.push(Field { key, id, offset: self.out.len() - start });
                self.value(false)?;
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("comma to separate Object entries")),
                }
            }
        }
        self.depth -= 1;
        self.finish_object(start, fields)
    }

    fn array(&mut self) -> Result<(), VariantParseError> {
        self.enter()?;
        self.i += 1;
        let start = self.out.len();
        let mut offsets = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                offsets.push(self.out.len() - start);
                self.value(false)?;
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    _ => return Err(self.unexpected("comma to separate Array entries")),
                }
            }
        }
        self.depth -= 1;
        self.finish_array(start, offsets);
        Ok(())
    }

    fn add_key(&mut self, key: &str) -> usize {
        if let Some(id) = self.ids.get(key) {
            return *id;
        }
        let id = self.keys.len();
        self.ids.insert(key.to_string(), id);
        self.keys.push(key.to_string());
        id
    }

    /// Sorts the fields written since `start` by key, drops or refuses repeated keys and
    /// puts the object header in front of their data.
    fn finish_object(&mut self, start: usize, mut fields: Vec<Field>) -> Result<(), VariantParseError> {
        // A stable sort: fields with one key keep their order in the text.
        fields.sort_by(|a, b| java_order(&a.key, &b.key));
        let max_id = fields.iter().map(|f| f.id).max().unwrap_or(0);
        let repeated = fields.windows(2).any(|w| w[0].key == w[1].key);
        if repeated {
            if !self.allow_duplicate_keys {
                return Err(VariantParseError::DuplicateKey);
            }
            // Keep the last of each key, then pack the kept values in their written order.
            let mut kept: Vec<Field> = Vec::with_capacity(fields.len());
            for f in fields {
                match kept.last_mut() {
                    Some(last) if last.key == f.key => *last = f,
                    _ => kept.push(f),
                }
            }
            kept.sort_by_key(|f| f.offset);
            let data = self.out.split_off(start);
            for f in &mut kept {
                let size = value_size(&data, f.offset).ok_or_else(|| json_error("internal: malformed field"))?;
                let new_offset = self.out.len() - start;
                self.out.extend_from_slice(&data[f.offset..f.offset + size]);
                f.offset = new_offset;
            }
            kept.sort_by(|a, b| java_order(&a.key, &b.key));
            fields = kept;
        }
        let size = fields.len();
        let data_size = self.out.len() - start;
        let large = size > 0xFF;
        let id_size = int_size(max_id);
        let offset_size = int_size(data_size);
        let mut header = Vec::with_capacity(1 + 4 + size * (id_size + offset_size) + offset_size);
        header.push(((large as u8) << 6) | (((id_size - 1) as u8) << 4) | (((offset_size - 1) as u8) << 2) | OBJECT);
        put_uint(&mut header, size, if large { 4 } else { 1 });
        for f in &fields {
            put_uint(&mut header, f.id, id_size);
        }
        for f in &fields {
            put_uint(&mut header, f.offset, offset_size);
        }
        put_uint(&mut header, data_size, offset_size);
        self.out.splice(start..start, header).for_each(drop);
        self.check_size()
    }

    fn finish_array(&mut self, start: usize, offsets: Vec<usize>) {
        let size = offsets.len();
        let data_size = self.out.len() - start;
        let large = size > 0xFF;
        let offset_size = int_size(data_size);
        let mut header = Vec::with_capacity(1 + 4 + (size + 1) * offset_size);
        header.push(((large as u8) << 4) | (((offset_size - 1) as u8) << 2) | ARRAY);
        put_uint(&mut header, size, if large { 4 } else { 1 });
        for o in offsets {
            put_uint(&mut header, o, offset_size);
        }
        put_uint(&mut header, data_size, offset_size);
        self.out.splice(start..start, header).for_each(drop);
    }

    fn check_size(&self) -> Result<(), VariantParseError> {
        if self.out.len() > SIZE_LIMIT {
            return Err(VariantParseError::SizeLimit);
        }
        Ok(())
    }

    fn append_string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        if bytes.len() > MAX_SHORT_STR {
            self.out.push((LONG_STR << 2) | PRIMITIVE);
            self.out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        } else {
            self.out.push(((bytes.len() as u8) << 2) | SHORT_STR);
        }
        self.out.extend_from_slice(bytes);
    }

    /// `true`, `false` or `null`, not followed by a character that would continue a name.
    fn word(&mut self, word: &str, encoded: &[u8]) -> Result<(), VariantParseError> {
        let rest = &self.text[self.i..];
        let end = rest.iter().position(|c| !is_name_char(*c)).unwrap_or(rest.len());
        if &rest[..end] != word.as_bytes() {
            let token = String::from_utf8_lossy(&rest[..end.max(1)]);
            return Err(json_error(format!(
                "Unrecognized token '{token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
            )));
        }
        self.i += end;
        self.out.extend_from_slice(encoded);
        Ok(())
    }

    fn digits(&mut self) -> usize {
        let s = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - s
    }

    fn number(&mut self, root: bool) -> Result<(), VariantParseError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = self.digits();
        if n == 0 {
            return Err(json_error("Unexpected character: expected digit (0-9) to follow minus sign, for valid numeric value"));
        }
        if n > 1 && self.text[int_start] == b'0' {
            return Err(json_error("Invalid numeric value: Leading zeroes not allowed"));
        }
        let mut fraction = false;
        let mut exponent = false;
        if self.peek() == Some(b'.') {
            self.i += 1;
            fraction = true;
            if self.digits() == 0 {
                return Err(json_error("Unexpected character: Decimal point not followed by a digit"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            exponent = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(json_error("Unexpected character: Exponent indicator not followed by a digit"));
            }
        }
        if root && self.peek().is_some_and(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            return Err(self.unexpected("space separating root-level values"));
        }
        // Only ASCII was consumed. The text outlives this borrow of the builder.
        let all = self.text;
        let text = std::str::from_utf8(&all[start..self.i]).unwrap_or("");
        if !fraction && !exponent {
            if let Ok(v) = text.parse::<i64>() {
                self.append_integer(v);
                return Ok(());
            }
        }
        if !exponent && self.append_decimal(text) {
            return Ok(());
        }
        let v: f64 = text.parse().map_err(|_| json_error(format!("Invalid numeric value: {text}")))?;
        self.out.push((DOUBLE << 2) | PRIMITIVE);
        self.out.extend_from_slice(&v.to_bits().to_le_bytes());
        Ok(())
    }

    fn append_integer(&mut self, v: i64) {
        if v == v as i8 as i64 {
            self.out.push((INT1 << 2) | PRIMITIVE);
            self.out.extend_from_slice(&(v as i8).to_le_bytes());
        } else if v == v as i16 as i64 {
            self.out.push((INT2 << 2) | PRIMITIVE);
            self.out.extend_from_slice(&(v as i16).to_le_bytes());
        } else if v == v as i32 as i64 {
            self.out.push((INT4 << 2) | PRIMITIVE);
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.out.push((INT8 << 2) | PRIMITIVE);
            self.out.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// A plain number (`-12.50`) as a decimal, when its precision and scale are at most 38.
    fn append_decimal(&mut self, text: &str) -> bool {
        let (negative, body) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
        let scale = frac_part.len();
        let all: String = format!("{int_part}{frac_part}");
        let significant = all.trim_start_matches('0');
        // Java's BigDecimal precision: the digits of the unscaled value, 1 for zero.
        let precision = significant.len().max(1);
        if scale > 38 || precision > 38 {
            return false;
        }
        let Ok(mut unscaled) = (if significant.is_empty() { Ok(0) } else { significant.parse::<i128>() }) else {
            return false;
        };
        if negative {
            unscaled = -unscaled;
        }
        if scale <= 9 && precision <= 9 {
            self.out.push((DECIMAL4 << 2) | PRIMITIVE);
            self.out.push(scale as u8);
            self.out.extend_from_slice(&(unscaled as i32).to_le_bytes());
        } else if scale <= 18 && precision <= 18 {
            self.out.push((DECIMAL8 << 2) | PRIMITIVE);
            self.out.push(scale as u8);
            self.out.extend_from_slice(&(unscaled as i64).to_le_bytes());
        } else {
            self.out.push((DECIMAL16 << 2) | PRIMITIVE);
            self.out.push(scale as u8);
            self.out.extend_from_slice(&unscaled.to_le_bytes());
        }
        true
    }

    /// A JSON string at `"`, unescaped. Lone surrogates become `?`, as Java's UTF-8
    /// encoder writes them.
    fn string(&mut self) -> Result<String, VariantParseError> {
        self.i += 1;
        let mut units: Vec<u16> = Vec::new();
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.text.len() && !matches!(self.text[self.i], b'"' | b'\\') && self.text[self.i] >= 0x20 {
                self.i += 1;
            }
            if self.i > start {
                flush_units(&mut units, &mut out);
                out.push_str(&String::from_utf8_lossy(&self.text[start..self.i]));
            }
            match self.peek() {
                None => return Err(json_error("Unexpected end-of-input: was expecting closing quote for a string value")),
                Some(b'"') => {
                    self.i += 1;
                    flush_units(&mut units, &mut out);
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or_else(|| json_error("Unexpected end-of-input in character escape sequence"))?;
                    self.i += 1;
                    let plain = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{08}',
                        b'f' => '\u{0C}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(self.i..self.i + 4).and_then(|h| std::str::from_utf8(h).ok());
                            let unit = hex
                                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                                .and_then(|h| u16::from_str_radix(h, 16).ok())
                                .ok_or_else(|| json_error("Unexpected character: expected a hex-digit for character escape sequence"))?;
                            self.i += 4;
                            units.push(unit);
                            continue;
                        }
                        other => {
                            return Err(json_error(format!(
                                "Unrecognized character escape '{}' (code {other})",
                                other as char
                            )))
                        }
                    };
                    flush_units(&mut units, &mut out);
                    out.push(plain);
                }
                Some(c) => {
                    return Err(json_error(format!(
                        "Illegal unquoted character ((CTRL-CHAR, code {c})): has to be escaped using backslash to be included in string value"
                    )))
                }
            }
        }
    }

    /// Adds the metadata in front of the value.
    fn finish(self) -> Result<Vec<u8>, VariantParseError> {
        let strings: usize = self.keys.iter().map(|k| k.len()).sum();
        let n = self.keys.len();
        let max = strings.max(n);
        if max > SIZE_LIMIT {
            return Err(VariantParseError::SizeLimit);
        }
        let offset_size = int_size(max);
        let mut cell = Vec::with_capacity(1 + (n + 2) * offset_size + strings + self.out.len());
        cell.push(VERSION | (((offset_size - 1) as u8) << 6));
        put_uint(&mut cell, n, offset_size);
        let mut at = 0;
        for k in &self.keys {
            put_uint(&mut cell, at, offset_size);
            at += k.len();
        }
        put_uint(&mut cell, at, offset_size);
        for k in &self.keys {
            cell.extend_from_slice(k.as_bytes());
        }
        if cell.len() > SIZE_LIMIT {
            return Err(VariantParseError::SizeLimit);
        }
        cell.extend_from_slice(&self.out);
        Ok(cell)
    }
}

/// Characters that continue a bare word (Java identifier parts, roughly).
fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn flush_units(units: &mut Vec<u16>, out: &mut String) {
    if units.is_empty() {
        return;
    }
    for c in char::decode_utf16(units.drain(..)) {
        out.push(c.unwrap_or('?'));
    }
}

// ---------------------------------------------------------------------------------------
// Reading.

fn read_uint(b: &[u8], pos: usize, size: usize) -> Option<usize> {
    let bytes = b.get(pos..pos + size)?;
    let mut v = 0usize;
    for (i, byte) in bytes.iter().enumerate() {
        v |= (*byte as usize) << (8 * i);
    }
    Some(v)
}

fn read_int(b: &[u8], pos: usize, size: usize) -> Option<i64> {
    let bytes = b.get(pos..pos + size)?;
    let mut buf = [if bytes.last().is_some_and(|x| *x & 0x80 != 0) { 0xFF } else { 0 }; 8];
    buf[..size].copy_from_slice(bytes);
    Some(i64::from_le_bytes(buf))
}

/// A variant cell split into its dictionary and its value.
struct Cell<'a> {
    metadata: &'a [u8],
    value: &'a [u8],
}

fn split(cell: &[u8]) -> Option<Cell<'_>> {
    let header = *cell.first()?;
    let offset_size = ((header >> 6) & 3) as usize + 1;
    let n = read_uint(cell, 1, offset_size)?;
    let strings_at = 1 + offset_size + (n + 1) * offset_size;
    let strings = read_uint(cell, 1 + offset_size + n * offset_size, offset_size)?;
    let end = strings_at.checked_add(strings)?;
    Some(Cell { metadata: cell.get(..end)?, value: cell.get(end..)? })
}

impl Cell<'_> {
    fn key(&self, id: usize) -> Option<&str> {
        let header = self.metadata[0];
        let offset_size = ((header >> 6) & 3) as usize + 1;
        let n = read_uint(self.metadata, 1, offset_size)?;
        if id >= n {
            return None;
        }
        let strings_at = 1 + offset_size + (n + 1) * offset_size;
        let from = read_uint(self.metadata, 1 + offset_size + id * offset_size, offset_size)?;
        let to = read_uint(self.metadata, 1 + offset_size + (id + 1) * offset_size, offset_size)?;
        std::str::from_utf8(self.metadata.get(strings_at + from..strings_at + to)?).ok()
    }
}

/// The layout of an object or array node at `pos`.
struct Container {
    size: usize,
    id_size: usize,
    offset_size: usize,
    ids_at: usize,
    offsets_at: usize,
    data_at: usize,
}

fn container(value: &[u8], pos: usize) -> Option<Container> {
    let header = *value.get(pos)?;
    let info = header >> 2;
    let object = header & 3 == OBJECT;
    let (large, id_size, offset_size) = if object {
        ((info >> 4) & 1 == 1, ((info >> 2) & 3) as usize + 1, (info & 3) as usize + 1)
    } else {
        ((info >> 2) & 1 == 1, 0, (info & 3) as usize + 1)
    };
    let size_bytes = if large { 4 } else { 1 };
    let size = read_uint(value, pos + 1, size_bytes)?;
    let ids_at = pos + 1 + size_bytes;
    let offsets_at = ids_at + size * id_size;
    let data_at = offsets_at + (size + 1) * offset_size;
    Some(Container { size, id_size, offset_size, ids_at, offsets_at, data_at })
}

impl Container {
    fn offset(&self, value: &[u8], i: usize) -> Option<usize> {
        Some(self.data_at + read_uint(value, self.offsets_at + i * self.offset_size, self.offset_size)?)
    }

    fn id(&self, value: &[u8], i: usize) -> Option<usize> {
        read_uint(value, self.ids_at + i * self.id_size, self.id_size)
    }
}

/// The number of bytes of the node at `pos`.
fn value_size(value: &[u8], pos: usize) -> Option<usize> {
    let header = *value.get(pos)?;
    let info = header >> 2;
    match header & 3 {
        SHORT_STR => Some(1 + info as usize),
        OBJECT | ARRAY => {
            let c = container(value, pos)?;
            let data = read_uint(value, c.offsets_at + c.size * c.offset_size, c.offset_size)?;
            Some(c.data_at - pos + data)
        }
        _ => Some(
            1 + match info {
                NULL | TRUE | FALSE => 0,
                INT1 => 1,
                INT2 => 2,
                INT4 | DATE | FLOAT => 4,
                INT8 | DOUBLE | TIMESTAMP_LTZ | TIMESTAMP | TIME | TIMESTAMP_LTZ_NS | TIMESTAMP_NS => 8,
                DECIMAL4 => 5,
                DECIMAL8 => 9,
                DECIMAL16 => 17,
                BINARY | LONG_STR => 4 + read_uint(value, pos + 1, 4)?,
                UUID => 16,
                _ => return None,
            },
        ),
    }
}

/// `v['key']`: the field's variant (same dictionary), `None` when the object has no such
/// key, an error when `v` is not an object.
pub fn object_field(cell: &[u8], key: &str) -> Result<Option<Vec<u8>>, VariantAccessError> {
    let Some(c) = split(cell) else { return Ok(None) };
    if c.value.first().map(|h| h & 3) != Some(OBJECT) {
        return Err(VariantAccessError::NotAnObject);
    }
    let Some(layout) = container(c.value, 0) else { return Ok(None) };
    for i in 0..layout.size {
        let found = layout.id(c.value, i).and_then(|id| c.key(id)) == Some(key);
        if found {
            return Ok(sub_variant(&c, layout.offset(c.value, i)));
        }
    }
    Ok(None)
}

/// `v[index]`, counting from 1: the element's variant, `None` outside the array, an
/// error when `v` is not an array.
pub fn array_element(cell: &[u8], index: i64) -> Result<Option<Vec<u8>>, VariantAccessError> {
    let Some(c) = split(cell) else { return Ok(None) };
    if c.value.first().map(|h| h & 3) != Some(ARRAY) {
        return Err(VariantAccessError::NotAnArray);
    }
    let Some(layout) = container(c.value, 0) else { return Ok(None) };
    if index < 1 || index as u64 > layout.size as u64 {
        return Ok(None);
    }
    Ok(sub_variant(&c, layout.offset(c.value, index as usize - 1)))
}

fn sub_variant(c: &Cell<'_>, pos: Option<usize>) -> Option<Vec<u8>> {
    let pos = pos?;
    let size = value_size(c.value, pos)?;
    let mut out = Vec::with_capacity(c.metadata.len() + size);
    out.extend_from_slice(c.metadata);
    out.extend_from_slice(c.value.get(pos..pos + size)?);
    Some(out)
}

// ---------------------------------------------------------------------------------------
// Printing.

/// The text of a variant cell, as Flink's `BinaryVariant.toString()` writes it.
pub fn variant_text(cell: &[u8]) -> String {
    let mut out = String::new();
    write_variant_text(cell, &mut out);
    out
}

/// Appends the text of a variant cell. Bytes that are no variant print as `"<INVALID>"`.
pub fn write_variant_text(cell: &[u8], out: &mut String) {
    match split(cell) {
        Some(c) => write_node(&c, 0, out, 0),
        None => out.push_str("\"<INVALID>\""),
    }
}

fn write_node(c: &Cell<'_>, pos: usize, out: &mut String, depth: usize) {
    let start = out.len();
    if depth > MAX_DEPTH || try_write_node(c, pos, out, depth).is_none() {
        out.truncate(start);
        out.push_str("\"<INVALID>\"");
    }
}

fn try_write_node(c: &Cell<'_>, pos: usize, out: &mut String, depth: usize) -> Option<()> {
    let v = c.value;
    let header = *v.get(pos)?;
    let info = header >> 2;
    match header & 3 {
        SHORT_STR => write_json_string(std::str::from_utf8(v.get(pos + 1..pos + 1 + info as usize)?).ok()?, out),
        OBJECT => {
            let layout = container(v, pos)?;
            out.push('{');
            for i in 0..layout.size {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(c.key(layout.id(v, i)?)?, out);
                out.push(':');
                write_node(c, layout.offset(v, i)?, out, depth + 1);
            }
            out.push('}');
        }
        ARRAY => {
            let layout = container(v, pos)?;
            out.push('[');
            for i in 0..layout.size {
                if i > 0 {
                    out.push(',');
                }
                write_node(c, layout.offset(v, i)?, out, depth + 1);
            }
            out.push(']');
        }
        _ => match info {
            NULL => out.push_str("null"),
            TRUE => out.push_str("true"),
            FALSE => out.push_str("false"),
            INT1 | INT2 | INT4 | INT8 => {
                let size = match info {
                    INT1 => 1,
                    INT2 => 2,
                    INT4 => 4,
                    _ => 8,
                };
                out.push_str(itoa::Buffer::new().format(read_int(v, pos + 1, size)?));
            }
            DOUBLE => {
                let bits = u64::from_le_bytes(v.get(pos + 1..pos + 9)?.try_into().ok()?);
                write_java_double(out, f64::from_bits(bits));
            }
            FLOAT => {
                let bits = u32::from_le_bytes(v.get(pos + 1..pos + 5)?.try_into().ok()?);
                crate::java_text::write_java_float(out, f32::from_bits(bits));
            }
            DECIMAL4 | DECIMAL8 | DECIMAL16 => {
                let scale = *v.get(pos + 1)? as i32;
                let unscaled: i128 = match info {
                    DECIMAL4 => read_int(v, pos + 2, 4)? as i128,
                    DECIMAL8 => read_int(v, pos + 2, 8)? as i128,
                    _ => i128::from_le_bytes(v.get(pos + 2..pos + 18)?.try_into().ok()?),
                };
                write_plain_decimal(unscaled, scale, out);
            }
            LONG_STR => {
                let len = read_uint(v, pos + 1, 4)?;
                write_json_string(std::str::from_utf8(v.get(pos + 5..pos + 5 + len)?).ok()?, out);
            }
            _ => return None,
        },
    }
    Some(())
}

/// Java's `BigDecimal.stripTrailingZeros().toPlainString()`.
fn write_plain_decimal(mut unscaled: i128, mut scale: i32, out: &mut String) {
    if unscaled == 0 {
        out.push('0');
        return;
    }
    while unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    if unscaled < 0 {
        out.push('-');
    }
    let digits = unscaled.unsigned_abs().to_string();
    if scale <= 0 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (-scale) as usize));
    } else if digits.len() as i32 > scale {
        let point = digits.len() - scale as usize;
        out.push_str(&digits[..point]);
        out.push('.');
        out.push_str(&digits[point..]);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (scale as usize) - digits.len()));
        out.push_str(&digits);
    }
}

/// A JSON string literal as Jackson's generator writes it: `"`, `\` and control characters
/// escaped (`\n`, `\t`, `\u001F`), everything else as it is.
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(json: &str) -> String {
        variant_text(&parse_json(json, false).unwrap())
    }

    #[test]
    fn prints_as_flink_does() {
        // Each expected text is what Flink 2.3 printed for PARSE_JSON of the input.
        assert_eq!(text(r#"{"b": 1, "a": [1, 2.5, "x", null, true]}"#), r#"{"a":[1,2.5,"x",null,true],"b":1}"#);
        assert_eq!(
            text("[1.0, 10.000, 1e-2, 0.000001, 1.23e-10, 1.5E300, 100, 0.10, -1.50, 123456789012345678901234567890123456789, 9223372036854775808, 1e0, -0.0, 1E+2, 0.00000000000000000000000000000000000001, -1e400, 0.00000000000000000000000000000000000000001]"),
            "[1,10,0.01,0.000001,1.23E-10,1.5E300,100,0.1,-1.5,1.2345678901234568E38,9223372036854775808,1.0,0,100.0,0.00000000000000000000000000000000000001,-Infinity,1.0E-41]"
        );
        assert_eq!(text(r#"{"B":1,"a":2,"_":3,"":6,"é":5,"\uffff":1,"\ud83d\ude00":2}"#), r#"{"":6,"B":1,"_":3,"a":2,"é":5,"😀":2,"￿":1}"#);
        assert_eq!(text(r#""q\t\\ \/ \u0001 \u001f \u007f""#), "\"q\\t\\\\ / \\u0001 \\u001F \u{7f}\"");
        assert_eq!(text("  1 "), "1");
        assert_eq!(text(r#"{"a":1}x"#), r#"{"a":1}"#);
    }

    #[test]
    fn refuses_what_jackson_refuses() {
        for bad in ["", "  ", "{bad", "1x", "1,", "1]", "true1", "nullx", "01", "-01", "1.", "1e", "[1,]", "[1 2]", "{\"a\" 1}", "{'a':1}", "NaN", "-", "\"\\x\"", "\"a\u{1}\"", "/*c*/1"] {
            assert!(parse_json(bad, true).is_err(), "{bad:?} should fail");
        }
        assert_eq!(parse_json(r#"{"a":1,"a":2}"#, false), Err(VariantParseError::DuplicateKey));
        assert_eq!(text_dup(r#"{"a":1,"b":[1],"a":{"c":2,"c":3}}"#), r#"{"a":{"c":3},"b":[1]}"#);
    }

    fn text_dup(json: &str) -> String {
        variant_text(&parse_json(json, true).unwrap())
    }

    #[test]
    fn equal_text_in_another_key_order_is_another_variant() {
        assert_ne!(parse_json(r#"{"a":1,"b":2}"#, false), parse_json(r#"{"b":2,"a":1}"#, false));
        assert_ne!(parse_json("1.5", false), parse_json("15e-1", false));
        assert_ne!(parse_json("1", false), parse_json("1.0", false));
    }

    #[test]
    fn bytes_follow_the_variant_spec() {
        // {"b":1,"a":true}: dictionary [b, a]; fields sorted a (id 1), b (id 0).
        let cell = parse_json(r#"{"b":1,"a":true}"#, false).unwrap();
        assert_eq!(cell, vec![0x01, 2, 0, 1, 2, b'b', b'a', 0x02, 2, 1, 0, 2, 0, 3, 0x0C, 1, 0x04]);
    }

    #[test]
    fn access_by_key_and_index() {
        let cell = parse_json(r#"{"a": {"b": [10, 20]}, "c": null}"#, false).unwrap();
        let a = object_field(&cell, "a").unwrap().unwrap();
        let b = object_field(&a, "b").unwrap().unwrap();
        assert_eq!(variant_text(&array_element(&b, 1).unwrap().unwrap()), "10");
        assert_eq!(array_element(&b, 0).unwrap(), None);
        assert_eq!(array_element(&b, 3).unwrap(), None);
        assert_eq!(object_field(&cell, "zz").unwrap(), None);
        assert_eq!(variant_text(&object_field(&cell, "c").unwrap().unwrap()), "null");
        assert_eq!(array_element(&cell, 1), Err(VariantAccessError::NotAnArray));
        assert_eq!(object_field(&b, "x"), Err(VariantAccessError::NotAnObject));
        assert_eq!(variant_text(b"garbage"), "\"<INVALID>\"");
    }
}
