//! `CsvDecoder`: one CSV record into Arrow columns.

use arrow_array::ArrayRef;
use sluice_types::{DataType, TypeKind};

use crate::column::{commit_record, flush_columns, ColData, Column};
use crate::convert::{append_scalar, ConvEnv, Fail, Tok};
use crate::{CsvOptions, FormatError};

/// Decodes CSV records (one line each, or a quoted record spanning lines) into columns
/// by position, as Flink's CSV format does: an empty field is NULL for every type but
/// STRING (where it is the empty string), `csv.null-literal` marks NULL, and a record
/// with the wrong number of fields is an error unless `csv.ignore-parse-errors` is set
/// (then missing fields are NULL and extra ones dropped).
pub struct CsvDecoder {
    columns: Vec<Column>,
    names: Vec<String>,
    opts: CsvOptions,
    rows: usize,
    /// Field boundaries of the current record: (start, end) into `text`.
    fields: Vec<(usize, usize)>,
    text: Vec<u8>,
}

impl CsvDecoder {
    pub fn new(columns: &[(String, DataType)], options: &CsvOptions) -> Result<Self, FormatError> {
        let mut built = Vec::with_capacity(columns.len());
        for (_, ty) in columns {
            match &ty.kind {
                TypeKind::Row(_) | TypeKind::Map(..) | TypeKind::Multiset(_) => {
                    return Err(FormatError::UnsupportedType { ty: ty.to_string() })
                }
                TypeKind::Array(e) if matches!(e.kind, TypeKind::Array(_) | TypeKind::Row(_) | TypeKind::Map(..)) => {
                    return Err(FormatError::UnsupportedType { ty: ty.to_string() })
                }
                _ => {}
            }
            built.push(Column::new(ty)?);
        }
        Ok(CsvDecoder {
            columns: built,
            names: columns.iter().map(|(n, _)| n.clone()).collect(),
            opts: options.clone(),
            rows: 0,
            fields: Vec::new(),
            text: Vec::new(),
        })
    }

    /// Whether `line` is a comment to skip (`csv.allow-comments` and a leading `#`).
    pub fn is_comment(&self, line: &[u8]) -> bool {
        self.opts.allow_comments && line.first() == Some(&b'#')
    }

    /// The length of the first record in `buf` including its line break, honouring quoted
    /// fields that span lines; `None` when the record is not complete yet.
    pub fn record_len(&self, buf: &[u8]) -> Option<usize> {
        let Some(q) = self.opts.quote_character else {
            return memchr::memchr(b'\n', buf).map(|i| i + 1);
        };
        let mut in_quotes = false;
        let mut i = 0;
        while i < buf.len() {
            let c = buf[i];
            if Some(c) == self.opts.escape_character && in_quotes {
                i += 2;
                continue;
            }
            if c == q {
                in_quotes = !in_quotes;
            } else if c == b'\n' && !in_quotes {
                return Some(i + 1);
            }
            i += 1;
        }
        None
    }

    /// Decodes one record (without its line break). On `Err(reason)` nothing is kept.
    pub fn decode(&mut self, record: &[u8]) -> Result<(), String> {
        let result = self.decode_record(record);
        commit_record(&mut self.columns, &mut self.rows, result)
    }

    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// Takes the rows decoded so far as arrays in column order.
    pub fn flush(&mut self) -> Result<Vec<ArrayRef>, FormatError> {
        flush_columns(&mut self.columns, &mut self.rows)
    }

    fn split(&mut self, record: &[u8]) -> Result<(), Fail> {
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        let record = std::str::from_utf8(record)
            .map_err(|_| Fail::Record("the record is not valid UTF-8".into()))?
            .as_bytes();
        self.fields.clear();
        self.text.clear();
        let delim = self.opts.field_delimiter;
        let quote = self.opts.quote_character;
        let escape = self.opts.escape_character;
        let mut i = 0;
        loop {
            let start = self.text.len();
            if quote.is_some() && record.get(i) == quote.as_ref() {
                let q = record[i];
                i += 1;
                loop {
                    let Some(&c) = record.get(i) else {
                        return Err(Fail::Record("unterminated quoted field".into()));
                    };
                    if Some(c) == escape {
                        let Some(&n) = record.get(i + 1) else {
                            return Err(Fail::Record("escape character at end of record".into()));
                        };
                        self.text.push(n);
                        i += 2;
                    } else if c == q {
                        if record.get(i + 1) == Some(&q) {
                            self.text.push(q);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    } else {
                        self.text.push(c);
                        i += 1;
                    }
                }
                if i < record.len() && record[i] != delim {
                    return Err(Fail::Record(format!(
                        "expected a field delimiter after a quoted field at byte {i}"
                    )));
                }
            } else {
                while i < record.len() && record[i] != delim {
                    if Some(record[i]) == escape && i + 1 < record.len() {
                        i += 1;
                    }
                    self.text.push(record[i]);
                    i += 1;
                }
            }
            self.fields.push((start, self.text.len()));
            if i >= record.len() {
                break;
            }
            i += 1; // the delimiter
        }
        Ok(())
    }

    fn decode_record(&mut self, record: &[u8]) -> Result<(), Fail> {
        self.split(record)?;
        let n = self.columns.len();
        if self.fields.len() != n && !self.opts.ignore_parse_errors {
            return Err(Fail::Record(format!(
                "row length mismatch: {n} fields expected but the record has {}",
                self.fields.len()
            )));
        }
        let env = ConvEnv { exact_numbers: true, timestamp_separator: None };
        for k in 0..n {
            let col = &mut self.columns[k];
            let Some(&(s, e)) = self.fields.get(k) else {
                push_null(col).map_err(|f| f.in_field(&self.names[k]))?;
                continue;
            };
            let text = &self.text[s..e];
            let before = col.len();
            let result = read_field(col, text, &self.opts, env);
            match result {
                Ok(()) => {}
                Err(Fail::Value(m)) if self.opts.ignore_parse_errors && col.nullable => {
                    let _ = m;
                    col.truncate(before);
                    col.push_null();
                }
                Err(f) => return Err(f.in_field(&self.names[k])),
            }
        }
        Ok(())
    }
}

fn push_null(col: &mut Column) -> Result<(), Fail> {
    if !col.nullable {
        return Err(Fail::Record("null in a NOT NULL column".into()));
    }
    col.push_null();
    Ok(())
}

fn is_null_text(col: &Column, text: &[u8], opts: &CsvOptions) -> bool {
    if let Some(lit) = &opts.null_literal {
        if text == lit.as_bytes() {
            return true;
        }
    }
    text.is_empty() && !matches!(col.data, ColData::Utf8 { .. })
}

fn read_field(col: &mut Column, text: &[u8], opts: &CsvOptions, env: ConvEnv) -> Result<(), Fail> {
    if is_null_text(col, text, opts) {
        return push_null(col);
    }
    if let ColData::List { offsets, child, .. } = &mut col.data {
        let delim = opts.array_element_delimiter.as_bytes();
        if !text.is_empty() {
            let mut rest = text;
            loop {
                let (elem, next) = match find(rest, delim) {
                    Some(p) if !delim.is_empty() => (&rest[..p], Some(&rest[p + delim.len()..])),
                    _ => (rest, None),
                };
                if is_null_text(child, elem, opts) {
                    push_null(child)?;
                } else if !append_scalar(child, Tok::Text(elem), env)? {
                    push_null(child)?;
                }
                match next {
                    Some(n) => rest = n,
                    None => break,
                }
            }
        }
        offsets.push(child.len() as i32);
        col.mark_valid();
        return Ok(());
    }
    if !append_scalar(col, Tok::Text(text), env)? {
        push_null(col)?;
    }
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    match needle.len() {
        0 => None,
        1 => memchr::memchr(needle[0], hay),
        _ => hay.windows(needle.len()).position(|w| w == needle),
    }
}
