//! The JSON document model behind the JSON functions: a small tree that keeps object keys
//! in their order and numbers as written (Flink's Jackson nodes do both), a lenient
//! parser (like Jackson's `readTree`, text after the first value is ignored), compact
//! printing, and the JSON path subset Flink's functions accept (`$`, `.key`, `['key']`,
//! `[n]`, `[*]`, `.*`, `..key`, `[a, b]`, `[from:to]`, with the `lax`/`strict` prefix).

/// One JSON value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Entries in document order; a repeated key replaces the earlier value in place.
    Object(Vec<(String, Json)>),
}

impl Json {
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Json::Array(_) | Json::Object(_))
    }

    /// Compact JSON text, as Jackson writes it.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => write_json_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Json::Object(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A JSON string literal with Jackson's escapes (control characters, `"` and `\`); the
/// one writer is `sluice_types::variant::write_json_string`, which VARIANT text uses too.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    sluice_types::variant::write_json_string(s, out);
}

/// Parses the first JSON value of `text`; `None` when there is none.
pub(crate) fn parse(text: &str) -> Option<Json> {
    let mut p = JsonParser { b: text.as_bytes(), i: 0, depth: 0 };
    p.ws();
    p.value()
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

/// Deeper documents are refused rather than risking the stack (Jackson's default limit
/// is 1,000 levels too).
const MAX_DEPTH: usize = 1000;

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.enter()?;
                self.i += 1;
                let mut entries: Vec<(String, Json)> = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return None;
                        }
                        let v = self.value()?;
                        match entries.iter_mut().find(|(k, _)| *k == key) {
                            Some(slot) => slot.1 = v,
                            None => entries.push((key, v)),
                        }
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b'}') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(Json::Object(entries))
            }
            b'[' => {
                self.enter()?;
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b',') {
                            continue;
                        }
                        if self.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
                self.depth -= 1;
                Some(Json::Array(items))
            }
            b'"' => self.string().map(Json::String),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn word(&mut self, w: &str, v: Json) -> Option<Json> {
        if self.b[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            let next = self.b.get(self.i);
            if next.is_some_and(|c| c.is_ascii_alphanumeric()) {
                return None;
            }
            Some(v)
        } else {
            None
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.b.len() && p.b[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i > s
        };
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        if !digits(self) {
            return None;
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        std::str::from_utf8(&self.b[start..self.i]).ok().map(|s| Json::Number(s.to_string()))
    }

    fn string(&mut self) -> Option<String> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i] != b'"' && self.b[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.b[start..self.i]).ok()?);
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                _ => {
                    self.i += 1;
                    let c = *self.b.get(self.i)?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{08}'),
                        b'f' => out.push('\u{0C}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            if (0xD800..0xDC00).contains(&unit) && self.b[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let low = self.hex4()?;
                                let c = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                                out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                            } else {
                                out.push(char::from_u32(unit).unwrap_or('\u{FFFD}'));
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
        self.i += 4;
        u32::from_str_radix(h, 16).ok()
    }
}

// ---------------------------------------------------------------------------------------
// Paths.

/// `lax` (the default) or `strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathMode {
    Lax,
    Strict,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Keys(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Wildcard,
    DeepScan(String),
}

/// A parsed JSON path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JsonPath {
    pub mode: PathMode,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Whether the path may select several values (the result is then a list).
    fn indefinite(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Keys(_) | Step::Indexes(_) | Step::Slice(..) | Step::Wildcard | Step::DeepScan(_)))
    }
}

pub(crate) fn parse_path(path: &str) -> Result<JsonPath, String> {
    let bad = || format!("invalid JSON path '{path}'");
    let t = path.trim();
    let lower = t.to_ascii_lowercase();
    let (mode, rest) = if lower.starts_with("strict ") || lower.starts_with("strict\t") {
        (PathMode::Strict, t[6..].trim_start())
    } else if lower.starts_with("lax ") || lower.starts_with("lax\t") {
        (PathMode::Lax, t[3..].trim_start())
    } else {
        (PathMode::Lax, t)
    };
    let rest = rest.strip_prefix('$').ok_or_else(bad)?;
    let c: Vec<char> = rest.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    let name_end = |from: usize| {
        let mut j = from;
        while j < c.len() && c[j] != '.' && c[j] != '[' {
            j += 1;
        }
        j
    };
    while i < c.len() {
        match c[i] {
            '.' if c.get(i + 1) == Some(&'.') => {
                let j = name_end(i + 2);
                let name: String = c[i + 2..j].iter().collect();
                if name.is_empty() {
                    return Err(bad());
                }
                steps.push(Step::DeepScan(name));
                i = j;
            }
            '.' => {
                let j = name_end(i + 1);
                let name: String = c[i + 1..j].iter().collect();
                let name = name.trim().to_string();
                match name.as_str() {
                    "" => return Err(bad()),
                    "*" => steps.push(Step::Wildcard),
                    _ => steps.push(Step::Key(name)),
                }
                i = j;
            }
            '[' => {
                let close = c[i..].iter().position(|&x| x == ']').ok_or_else(bad)? + i;
                let inner: String = c[i + 1..close].iter().collect();
                let inner = inner.trim();
                steps.push(bracket(inner).ok_or_else(bad)?);
                i = close + 1;
            }
            w if w.is_whitespace() => i += 1,
            _ => return Err(bad()),
        }
    }
    Ok(JsonPath { mode, steps })
}

fn bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::Wildcard);
    }
    if inner.starts_with('\'') || inner.starts_with('"') {
        let keys: Option<Vec<String>> = inner
            .split(',')
            .map(|k| {
                let k = k.trim();
                k.strip_prefix('\'').and_then(|s| s.strip_suffix('\''))
                    .or_else(|| k.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                    .map(str::to_string)
            })
            .collect();
        let mut keys = keys?;
        return Some(if keys.len() == 1 { Step::Key(keys.remove(0)) } else { Step::Keys(keys) });
    }
    if let Some((a, b)) = inner.split_once(':') {
        let num = |s: &str| if s.trim().is_empty() { Some(None) } else { s.trim().parse().ok().map(Some) };
        return Some(Step::Slice(num(a)?, num(b)?));
    }
    let idx: Option<Vec<i64>> = inner.split(',').map(|s| s.trim().parse().ok()).collect();
    let mut idx = idx?;
    Some(if idx.len() == 1 { Step::Index(idx.remove(0)) } else { Step::Indexes(idx) })
}

/// What a path selects in a document.
pub(crate) enum Selected<'a> {
    /// A definite path found its value.
    One(&'a Json),
    /// An indefinite path: the values it found, possibly none.
    Many(Vec<&'a Json>),
    /// A definite path found nothing.
    Missing,
}

fn index_of(len: usize, k: i64) -> Option<usize> {
    let k = if k < 0 { len as i64 + k } else { k };
    (k >= 0 && (k as usize) < len).then_some(k as usize)
}

fn deep_scan<'a>(v: &'a Json, key: &str, out: &mut Vec<&'a Json>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Json::Object(entries) => {
                for (k, child) in entries {
                    if k == key {
                        out.push(child);
                    }
                }
                for (_, child) in entries.iter().rev() {
                    stack.push(child);
                }
            }
            Json::Array(items) => items.iter().rev().for_each(|c| stack.push(c)),
            _ => {}
        }
    }
}

pub(crate) fn select<'a>(doc: &'a Json, path: &JsonPath) -> Selected<'a> {
    let mut current: Vec<&'a Json> = vec![doc];
    // Until the first step that may select several values, a miss is "no such path"; after
    // it, misses only drop values (`$.a[*].b` over `[]` is `[]`, over a missing `a` an error).
    let mut fanned_out = false;
    for step in &path.steps {
        let mut next = Vec::new();
        for &v in &current {
            match step {
                Step::Key(k) => next.extend(v.get(k)),
                Step::Keys(ks) => {
                    if let Json::Object(_) = v {
                        next.extend(ks.iter().filter_map(|k| v.get(k)));
                    }
                }
                Step::Index(k) => {
                    if let Json::Array(items) = v {
                        next.extend(index_of(items.len(), *k).map(|i| &items[i]));
                    }
                }
                Step::Indexes(ks) => {
                    if let Json::Array(items) = v {
                        next.extend(ks.iter().filter_map(|k| index_of(items.len(), *k)).map(|i| &items[i]));
                    }
                }
                Step::Slice(from, to) => {
                    if let Json::Array(items) = v {
                        let n = items.len() as i64;
                        let norm = |x: i64| if x < 0 { (n + x).max(0) } else { x.min(n) };
                        let (a, b) = (norm(from.unwrap_or(0)), norm(to.unwrap_or(n)));
                        if a < b {
                            next.extend(items[a as usize..b as usize].iter());
                        }
                    }
                }
                Step::Wildcard => match v {
                    Json::Array(items) => next.extend(items.iter()),
                    Json::Object(entries) => next.extend(entries.iter().map(|(_, c)| c)),
                    _ => {}
                },
                Step::DeepScan(k) => deep_scan(v, k, &mut next),
            }
        }
        let definite = matches!(step, Step::Key(_) | Step::Index(_));
        // Array steps on something that is not an array find no such path either (Flink's
        // `$[0:2]` over an object is an error, over `[]` an empty list).
        let array_step = matches!(step, Step::Index(_) | Step::Indexes(_) | Step::Slice(..));
        let not_arrays = array_step && !current.iter().any(|v| matches!(v, Json::Array(_)));
        if next.is_empty() && !fanned_out && (definite || not_arrays) {
            return Selected::Missing;
        }
        fanned_out |= !definite;
        current = next;
    }
    if path.indefinite() {
        Selected::Many(current)
    } else {
        match current.first() {
            Some(v) => Selected::One(v),
            None => Selected::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(j: &Json) -> String {
        let mut s = String::new();
        j.write(&mut s);
        s
    }

    #[test]
    fn parse_and_print() {
        let j = parse(r#" {"b": 1.50, "a": [true, null, "x\ny"], "b": 2} trailing"#).unwrap();
        assert_eq!(text(&j), r#"{"b":2,"a":[true,null,"x\ny"]}"#);
        assert!(parse("not json").is_none());
        assert!(parse("{\"a\": }").is_none());
        assert_eq!(parse("\"\\u00e9\\ud83c\\udf4d\""), Some(Json::String("é🍍".into())));
        let deep = "[".repeat(2000);
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn paths() {
        let doc = parse(r#"{"a": {"b": [1, 2, 3]}, "c": [{"d": 1}, {"d": 2}]}"#).unwrap();
        let one = |p: &str| match select(&doc, &parse_path(p).unwrap()) {
            Selected::One(v) => Some(text(v)),
            Selected::Many(vs) => Some(format!("{:?}", vs.iter().map(|v| text(v)).collect::<Vec<_>>())),
            Selected::Missing => None,
        };
        assert_eq!(one("$.a.b[1]").as_deref(), Some("2"));
        assert_eq!(one("strict $['a'].b[-1]").as_deref(), Some("3"));
        assert_eq!(one("lax $.a.x"), None);
        assert_eq!(one("$.c[*].d").as_deref(), Some(r#"["1", "2"]"#));
        assert_eq!(one("$..d").as_deref(), Some(r#"["1", "2"]"#));
        assert_eq!(one("$.a.b[0:2]").as_deref(), Some(r#"["1", "2"]"#));
        assert_eq!(one("$[0:2]"), None);
        assert_eq!(one("$.a.b[5:9]").as_deref(), Some("[]"));
        assert!(parse_path("a.b").is_err());
        assert_eq!(parse_path("strict $").unwrap().mode, PathMode::Strict);
    }
}
