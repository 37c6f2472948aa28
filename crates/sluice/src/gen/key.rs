//! The message key: which field of a generated record becomes the Kafka key.
//!
//! Kafka keeps order per partition, and the default partitioner sends equal keys to the
//! same partition, so the key is chosen to be the entity whose events a pipeline orders
//! or groups: the host of a CPU sample, the client of a transaction, the shop of a pizza
//! order, the alarm of an alarm event. The key is read back from the record's own JSON
//! text, so the generator stays the single writer of records.

use sluice_connectors::fake_data::Subject;

/// The field that keys a subject's messages unless `--key` names another.
pub fn default_key_field(subject: Subject) -> &'static str {
    match subject {
        Subject::Pizza => "shop",
        Subject::Metric => "hostname",
        Subject::Transactions => "client",
        Subject::Alarms => "alarm_id",
    }
}

/// The key bytes of top-level field `name` in one JSON object: a string's content
/// (without the quotes, escapes left as written) or the text of any other value.
/// `None` when the object has no such field.
pub fn field_value<'a>(record: &'a [u8], name: &str) -> Option<&'a [u8]> {
    TopLevelFields::new(record).find(|(key, _)| *key == name.as_bytes()).map(|(_, value)| value)
}

/// The names of an object's top-level fields, in order, for error hints.
pub fn field_names(record: &[u8]) -> Vec<String> {
    TopLevelFields::new(record).map(|(key, _)| String::from_utf8_lossy(key).into_owned()).collect()
}

/// Walks the `"key": value` pairs of one JSON object without building a tree: nested
/// objects and arrays are skipped by depth, strings by their closing quote. It stops at
/// the first byte that does not fit, so malformed text yields fewer fields, never a panic.
struct TopLevelFields<'a> {
    text: &'a [u8],
    pos: usize,
    /// Whether a field has been read, so the next one must follow a comma.
    after_field: bool,
}

impl<'a> TopLevelFields<'a> {
    fn new(text: &'a [u8]) -> Self {
        let mut fields = TopLevelFields { text, pos: 0, after_field: false };
        fields.skip_whitespace();
        if fields.text.get(fields.pos) == Some(&b'{') {
            fields.pos += 1;
        } else {
            fields.pos = text.len();
        }
        fields
    }

    fn skip_whitespace(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    /// At an opening quote: the string's content, leaving `pos` after the closing quote.
    fn string(&mut self) -> Option<&'a [u8]> {
        let start = self.pos + 1;
        let mut i = start;
        while let Some(&b) = self.text.get(i) {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return self.text.get(start..i);
                }
                _ => i += 1,
            }
        }
        None
    }

    /// At the start of a value: its key bytes, leaving `pos` just after it.
    fn value(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        match self.text.get(start)? {
            b'"' => self.string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while let Some(&b) = self.text.get(self.pos) {
                    match b {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return self.text.get(start..self.pos);
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                None
            }
            _ => {
                while self.text.get(self.pos).is_some_and(|b| !matches!(b, b',' | b'}') && !b.is_ascii_whitespace()) {
                    self.pos += 1;
                }
                self.text.get(start..self.pos)
            }
        }
    }
}

impl<'a> Iterator for TopLevelFields<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_whitespace();
        if self.after_field {
            if self.text.get(self.pos) != Some(&b',') {
                self.pos = self.text.len();
                return None;
            }
            self.pos += 1;
            self.skip_whitespace();
        }
        self.after_field = true;
        if self.text.get(self.pos) != Some(&b'"') {
            self.pos = self.text.len();
            return None;
        }
        let key = self.string();
        self.skip_whitespace();
        if key.is_none() || self.text.get(self.pos) != Some(&b':') {
            self.pos = self.text.len();
            return None;
        }
        self.pos += 1;
        self.skip_whitespace();
        match self.value() {
            Some(value) => Some((key?, value)),
            None => {
                self.pos = self.text.len();
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_connectors::fake_data::{FakeDataGenerator, GeneratorSettings};

    #[test]
    fn reads_strings_numbers_and_skips_nested_values() {
        let record = br#"{"id": 7, "pizzas":[{"shop":"inner"},{"x":"a\"b"}], "shop":"Marios Pizza", "n":-1.5}"#;
        assert_eq!(field_value(record, "shop"), Some(&b"Marios Pizza"[..]));
        assert_eq!(field_value(record, "id"), Some(&b"7"[..]));
        assert_eq!(field_value(record, "n"), Some(&b"-1.5"[..]));
        assert_eq!(field_value(record, "pizzas"), Some(&br#"[{"shop":"inner"},{"x":"a\"b"}]"#[..]));
        assert_eq!(field_value(record, "missing"), None);
        assert_eq!(field_names(record), ["id", "pizzas", "shop", "n"]);
    }

    #[test]
    fn malformed_text_gives_no_field_instead_of_panicking() {
        for text in [&b""[..], b"[1,2]", b"{\"a\"", b"{\"a\":", b"{\"a\":\"open", b"{\"a\":[1,", b"{\"a\":1 \"b\":2}"] {
            assert_eq!(field_value(text, "b"), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn every_subject_has_its_default_key_field() {
        for subject in Subject::ALL {
            let mut generator = FakeDataGenerator::new(GeneratorSettings::new(subject));
            for _ in 0..50 {
                let mut record = Vec::new();
                generator.next_record(&mut record);
                let key = field_value(&record, default_key_field(subject));
                assert!(key.is_some_and(|k| !k.is_empty()), "{subject}: {}", String::from_utf8_lossy(&record));
            }
        }
    }
}
