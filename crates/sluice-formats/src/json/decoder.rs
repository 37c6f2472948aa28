//! `JsonDecoder`: JSON records straight into Arrow columns.

use arrow_array::ArrayRef;
use sluice_types::{DataType, TypeKind};

use super::cursor::{unescape, Cursor};
use crate::column::{commit_record, flush_columns, ColData, Column};
use crate::convert::{append_scalar, float_literal, int_literal, ConvEnv, Fail, Tok};
use crate::{FormatError, JsonOptions};

/// Decodes JSON objects, one record at a time, into column builders.
///
/// Keys are matched exactly (case-sensitive) against the wanted columns; other keys are
/// skipped by scanning over their values. Values are converted as Flink's JSON format
/// does (see `convert`), and with `json.ignore-parse-errors` a value that does not convert
/// becomes NULL. Nothing is allocated per row or per field name.
pub struct JsonDecoder {
    columns: Vec<Column>,
    names: Vec<String>,
    seen: Vec<u32>,
    generation: u32,
    /// The column the next key most likely names (the one after the last match).
    next_guess: usize,
    rows: usize,
    scratch: Vec<u8>,
    env: ConvEnv,
    fail_on_missing: bool,
    ignore_errors: bool,
}

impl JsonDecoder {
    /// A decoder producing `columns` (name and type), in this order.
    pub fn new(columns: &[(String, DataType)], options: &JsonOptions) -> Result<Self, FormatError> {
        let mut built = Vec::with_capacity(columns.len());
        for (_, ty) in columns {
            built.push(Column::new(ty)?);
        }
        Ok(JsonDecoder {
            columns: built,
            names: columns.iter().map(|(n, _)| n.clone()).collect(),
            seen: vec![0; columns.len()],
            generation: 0,
            next_guess: 0,
            rows: 0,
            scratch: Vec::new(),
            env: ConvEnv {
                exact_numbers: columns.iter().any(|(_, t)| has_decimal(t)),
                timestamp_separator: Some(match options.timestamp_standard {
                    crate::options::TimestampStandard::Sql => b' ',
                    crate::options::TimestampStandard::Iso8601 => b'T',
                }),
            },
            fail_on_missing: options.fail_on_missing_field,
            ignore_errors: options.ignore_parse_errors,
        })
    }

    /// Decodes one JSON object (one line or one message). On `Err(reason)` the decoder is
    /// exactly as before the call (no half row is kept), so the caller can skip the record.
    /// Content after the object is ignored, as Jackson's `readTree` does.
    pub fn decode(&mut self, record: &[u8]) -> Result<(), String> {
        let result = self.decode_record(record);
        commit_record(&mut self.columns, &mut self.rows, result)
    }

    /// Rows decoded since the last flush.
    pub fn num_rows(&self) -> usize {
        self.rows
    }

    /// Takes the rows decoded so far as arrays in column order; the decoder is then empty.
    pub fn flush(&mut self) -> Result<Vec<ArrayRef>, FormatError> {
        flush_columns(&mut self.columns, &mut self.rows)
    }

    fn decode_record(&mut self, record: &[u8]) -> Result<(), Fail> {
        if std::str::from_utf8(record).is_err() {
            return Err(Fail::Record("the record is not valid UTF-8".into()));
        }
        let mut p = Parser {
            cur: Cursor::new(record),
            scratch: &mut self.scratch,
            env: self.env,
            fail_on_missing: self.fail_on_missing,
            ignore_errors: self.ignore_errors,
        };
        if p.cur.peek()? != b'{' {
            return Err(p.cur.unexpected("a JSON object '{'"));
        }
        p.cur.i += 1;
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.generation = 1;
        }
        p.read_fields(
            &mut self.columns,
            &self.names,
            &mut self.seen,
            self.generation,
            &mut self.next_guess,
        )
    }
}

fn has_decimal(t: &DataType) -> bool {
    match &t.kind {
        TypeKind::Decimal { .. } => true,
        TypeKind::Array(e) | TypeKind::Multiset(e) => has_decimal(e),
        TypeKind::Map(k, v) => has_decimal(k) || has_decimal(v),
        TypeKind::Row(fields) => fields.iter().any(|f| has_decimal(&f.data_type)),
        _ => false,
    }
}

struct Parser<'a, 's> {
    cur: Cursor<'a>,
    scratch: &'s mut Vec<u8>,
    env: ConvEnv,
    fail_on_missing: bool,
    ignore_errors: bool,
}

impl<'a> Parser<'a, '_> {
    /// Reads the fields of an object whose `{` is consumed, through its `}`, into
    /// `columns`; fields the object lacks become NULL.
    fn read_fields(
        &mut self,
        columns: &mut [Column],
        names: &[String],
        seen: &mut [u32],
        generation: u32,
        guess: &mut usize,
    ) -> Result<(), Fail> {
        if self.cur.peek()? == b'}' {
            self.cur.i += 1;
        } else {
            loop {
                if self.cur.peek()? != b'"' {
                    return Err(self.cur.unexpected("a field name"));
                }
                let (raw_key, escaped) = self.cur.string_raw()?;
                let idx = if escaped {
                    self.scratch.clear();
                    unescape(raw_key, self.scratch)?;
                    find_key(names, self.scratch, *guess)
                } else {
                    find_key(names, raw_key, *guess)
                };
                self.cur.expect(b':', "':' after a field name")?;
                match idx {
                    Some(k) => {
                        let col = &mut columns[k];
                        if seen[k] == generation {
                            // A repeated key: the last value wins, as in Jackson's tree.
                            let len = col.len();
                            col.truncate(len - 1);
                        }
                        seen[k] = generation;
                        *guess = k + 1;
                        self.read_value(col).map_err(|f| f.in_field(&names[k]))?;
                    }
                    None => self.cur.skip_value()?,
                }
                match self.cur.peek()? {
                    b',' => self.cur.i += 1,
                    b'}' => {
                        self.cur.i += 1;
                        break;
                    }
                    _ => return Err(self.cur.unexpected("',' or '}'")),
                }
            }
        }
        for (k, col) in columns.iter_mut().enumerate() {
            if seen[k] != generation {
                if self.fail_on_missing {
                    return Err(Fail::Record(format!("field \"{}\" is missing", names[k])));
                }
                if !col.nullable {
                    return Err(Fail::Record(format!(
                        "field \"{}\" is missing but its column is NOT NULL",
                        names[k]
                    )));
                }
                col.push_null();
            }
        }
        *guess = 0;
        Ok(())
    }

    /// Reads one value of any kind into `col`.
    fn read_value(&mut self, col: &mut Column) -> Result<(), Fail> {
        let first = self.cur.peek()?;
        if first == b'n' {
            self.cur.literal(b"null")?;
            return push_null(col);
        }
        let before = col.len();
        match self.read_non_null(col, first) {
            Ok(true) => Ok(()),
            Ok(false) => push_null(col),
            Err(Fail::Value(m)) if self.ignore_errors => {
                if !col.nullable {
                    return Err(Fail::Record(m));
                }
                col.truncate(before);
                col.push_null();
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// `Ok(false)`: the value converts to NULL and nothing was appended.
    fn read_non_null(&mut self, col: &mut Column, first: u8) -> Result<bool, Fail> {
        // The hot, flat cases first: numbers into numeric columns, strings into strings.
        match (&mut col.data, first) {
            (ColData::I64(v), b'-' | b'0'..=b'9') => {
                let (raw, int) = self.cur.number()?;
                if int {
                    if let Some(x) = int_literal(raw) {
                        v.push(x);
                        col.mark_valid();
                        return Ok(true);
                    }
                }
                return append_scalar(col, Tok::Num { raw, int }, self.env);
            }
            (ColData::F64(v), b'-' | b'0'..=b'9') => {
                let (raw, _) = self.cur.number()?;
                v.push(float_literal(raw));
                col.mark_valid();
                return Ok(true);
            }
            (ColData::Utf8 { offsets, data }, b'"') => {
                let (raw, escaped) = self.cur.string_raw()?;
                if escaped {
                    unescape(raw, data)?;
                } else {
                    data.extend_from_slice(raw);
                }
                offsets.push(data.len() as i32);
                col.mark_valid();
                return Ok(true);
            }
            (ColData::Utf8 { offsets, data }, b'{' | b'[') => {
                self.cur.copy_compact(data, self.env.exact_numbers)?;
                offsets.push(data.len() as i32);
                col.mark_valid();
                return Ok(true);
            }
            _ => {}
        }
        match &mut col.data {
            ColData::List { offsets, child, .. } => {
                if first != b'[' {
                    return self.mismatch("an array");
                }
                self.cur.i += 1;
                if self.cur.peek()? == b']' {
                    self.cur.i += 1;
                } else {
                    loop {
                        self.read_value(child)?;
                        match self.cur.peek()? {
                            b',' => self.cur.i += 1,
                            b']' => {
                                self.cur.i += 1;
                                break;
                            }
                            _ => return Err(self.cur.unexpected("',' or ']'")),
                        }
                    }
                }
                offsets.push(child.len() as i32);
            }
            ColData::Struct { names, children, seen, generation, .. } => {
                if first != b'{' {
                    return self.mismatch("an object");
                }
                self.cur.i += 1;
                *generation = generation.wrapping_add(1);
                if *generation == 0 {
                    seen.iter_mut().for_each(|s| *s = 0);
                    *generation = 1;
                }
                let mut guess = 0;
                self.read_fields(children, names, seen, *generation, &mut guess)?;
            }
            ColData::Map { offsets, keys, values, .. } => {
                if first != b'{' {
                    return self.mismatch("an object");
                }
                self.cur.i += 1;
                if self.cur.peek()? == b'}' {
                    self.cur.i += 1;
                } else {
                    loop {
                        if self.cur.peek()? != b'"' {
                            return Err(self.cur.unexpected("a field name"));
                        }
                        let (raw, escaped) = self.cur.string_raw()?;
                        let key: &[u8] = if escaped {
                            self.scratch.clear();
                            unescape(raw, self.scratch)?;
                            self.scratch
                        } else {
                            raw
                        };
                        if !append_scalar(keys, Tok::Text(key), self.env)? {
                            return Err(Fail::Record("a map key converts to NULL".into()));
                        }
                        self.cur.expect(b':', "':' after a map key")?;
                        self.read_value(values)?;
                        match self.cur.peek()? {
                            b',' => self.cur.i += 1,
                            b'}' => {
                                self.cur.i += 1;
                                break;
                            }
                            _ => return Err(self.cur.unexpected("',' or '}'")),
                        }
                    }
                }
                offsets.push(keys.len() as i32);
            }
            _ => {
                let tok = match first {
                    b'"' => {
                        let (raw, escaped) = self.cur.string_raw()?;
                        if escaped {
                            self.scratch.clear();
                            unescape(raw, self.scratch)?;
                            Tok::Text(self.scratch)
                        } else {
                            Tok::Text(raw)
                        }
                    }
                    b't' => {
                        self.cur.literal(b"true")?;
                        Tok::Bool(true)
                    }
                    b'f' => {
                        self.cur.literal(b"false")?;
                        Tok::Bool(false)
                    }
                    b'{' | b'[' => {
                        self.cur.skip_value()?;
                        Tok::Container
                    }
                    _ => {
                        let (raw, int) = self.cur.number()?;
                        Tok::Num { raw, int }
                    }
                };
                return append_scalar(col, tok, self.env);
            }
        }
        col.mark_valid();
        Ok(true)
    }

    /// Skips a value of the wrong kind for a nested column and reports it.
    fn mismatch(&mut self, what: &str) -> Result<bool, Fail> {
        let start = self.cur.i;
        self.cur.skip_value()?;
        let text = String::from_utf8_lossy(&self.cur.b[start..self.cur.i]);
        let shown: String = text.chars().take(40).collect();
        Err(Fail::Value(format!("expected {what}, found {shown}")))
    }
}

fn push_null(col: &mut Column) -> Result<(), Fail> {
    if !col.nullable {
        return Err(Fail::Record("null in a NOT NULL column".into()));
    }
    col.push_null();
    Ok(())
}

#[inline]
fn find_key(names: &[String], key: &[u8], guess: usize) -> Option<usize> {
    if let Some(n) = names.get(guess) {
        if n.as_bytes() == key {
            return Some(guess);
        }
    }
    names.iter().position(|n| n.as_bytes() == key)
}
