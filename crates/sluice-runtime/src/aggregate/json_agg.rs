//! `JSON_ARRAYAGG` and `JSON_OBJECTAGG`, for window aggregation and (with retraction) for
//! the updating `GROUP BY`.
//!
//! The planner hands over each value already written as JSON text (one column, or the
//! key and the value for `JSON_OBJECTAGG`), NULL for a SQL NULL, so the state is text:
//! an array keeps its elements in arrival order, an object its entries by key. Objects
//! print their keys sorted, as Flink's `JSON_OBJECTAGG` does (like its `JSON_OBJECT`), and
//! a key that comes twice fails the job, as in Flink.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, StringArray};
use arrow_buffer::BooleanBuffer;

use sluice_connector_api::state::{StateReader, StateWriter};

use super::retract::{delegate_results, RetractAccumulator, Results};
use super::state::{corrupt, load_column, load_exact, save_column};
use super::selection::for_each_selected;
use super::{AggregateError, GroupAccumulator};

/// One group's JSON aggregate.
#[derive(Clone, Default)]
enum JsonState {
    #[default]
    Empty,
    Array(Vec<Box<str>>),
    Object(BTreeMap<Vec<u16>, (Box<str>, Box<str>)>),
}

/// The shared state of `JSON_ARRAYAGG` / `JSON_OBJECTAGG` over many groups.
pub struct JsonAggAccumulator {
    object: bool,
    absent_on_null: bool,
    groups: Vec<JsonState>,
    bound: Vec<StringArray>,
    results: Results<Option<String>>,
    /// The first failure of a row applied by `RetractAccumulator::apply`, reported by
    /// `take_results`.
    failed: Option<AggregateError>,
}

fn name(object: bool) -> &'static str {
    if object { "JSON_OBJECTAGG" } else { "JSON_ARRAYAGG" }
}

impl JsonAggAccumulator {
    pub fn new(object: bool, absent_on_null: bool) -> Self {
        JsonAggAccumulator { object, absent_on_null, groups: Vec::new(), bound: Vec::new(), results: Results::new(), failed: None }
    }

    fn strings(&self, args: &[ArrayRef]) -> Result<Vec<StringArray>, AggregateError> {
        let want = if self.object { 2 } else { 1 };
        if args.len() < want {
            return Err(AggregateError::internal(name(self.object), "missing argument columns"));
        }
        args[..want]
            .iter()
            .map(|a| a.as_string_opt::<i32>().cloned().ok_or_else(|| AggregateError::internal(name(self.object), "argument is not JSON text")))
            .collect()
    }

    /// Adds (or with `retract` takes back) row `row` of `cols` to `group`.
    fn apply_row(&mut self, cols: &[StringArray], row: usize, group: usize, retract: bool) -> Result<(), AggregateError> {
        let value = cols.last().and_then(|v| v.is_valid(row).then(|| v.value(row)));
        if value.is_none() && self.absent_on_null {
            return Ok(());
        }
        let text: Box<str> = value.unwrap_or("null").into();
        let state = &mut self.groups[group];
        if self.object {
            let keys = &cols[0];
            if keys.is_null(row) {
                return Err(AggregateError::Runtime("a key of JSON_OBJECTAGG is NULL".into()));
            }
            let key = keys.value(row);
            let sort_key: Vec<u16> = key.encode_utf16().collect();
            if !matches!(state, JsonState::Object(_)) {
                *state = JsonState::Object(BTreeMap::new());
            }
            if let JsonState::Object(map) = state {
                if retract {
                    map.remove(&sort_key);
                } else {
                    match map.entry(sort_key) {
                        std::collections::btree_map::Entry::Occupied(_) => {
                            return Err(AggregateError::Runtime(format!(
                                "Key '{key}' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique."
                            )));
                        }
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            slot.insert((key.into(), text));
                        }
                    }
                }
            }
        } else {
            if !matches!(state, JsonState::Array(_)) {
                *state = JsonState::Array(Vec::new());
            }
            if let JsonState::Array(items) = state {
                if retract {
                    if let Some(i) = items.iter().position(|x| *x == text) {
                        items.remove(i);
                    }
                } else {
                    items.push(text);
                }
            }
        }
        Ok(())
    }

    fn text(&self, group: usize) -> String {
        let mut out = String::new();
        match &self.groups[group] {
            JsonState::Array(items) => {
                out.push('[');
                out.push_str(&items.join(","));
                out.push(']');
            }
            JsonState::Object(map) => {
                out.push('{');
                for (i, (key, value)) in map.values().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(key, &mut out);
                    out.push(':');
                    out.push_str(value);
                }
                out.push('}');
            }
            JsonState::Empty => out.push_str(if self.object { "{}" } else { "[]" }),
        }
        out
    }
}

impl JsonAggAccumulator {
    /// Per group a kind (0 empty, 1 array, 2 object) and a length, then every text: array
    /// items, or an object's keys and values alternating.
    fn save_groups(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let mut kinds = Vec::with_capacity(groups.len());
        let mut lengths = Vec::with_capacity(groups.len());
        let mut texts: Vec<&str> = Vec::new();
        for g in groups {
            match &self.groups[*g as usize] {
                JsonState::Empty => {
                    kinds.push(0u8);
                    lengths.push(0u32);
                }
                JsonState::Array(items) => {
                    kinds.push(1);
                    lengths.push(items.len() as u32);
                    texts.extend(items.iter().map(|t| &**t));
                }
                JsonState::Object(map) => {
                    kinds.push(2);
                    lengths.push(map.len() as u32);
                    for (k, v) in map.values() {
                        texts.push(k);
                        texts.push(v);
                    }
                }
            }
        }
        out.natives(&kinds);
        out.natives(&lengths);
        save_column(out, Arc::new(texts.into_iter().map(Some).collect::<StringArray>()))
    }

    fn load_groups(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let kinds = load_exact::<u8>(input, groups.len())?;
        let lengths = load_exact::<u32>(input, groups.len())?;
        let total: usize = kinds.iter().zip(&lengths).map(|(k, n)| if *k == 2 { 2 * *n as usize } else { *n as usize }).sum();
        let column = load_column(input, total)?;
        let texts = column.as_string_opt::<i32>().ok_or_else(|| corrupt("JSON aggregate texts"))?;
        let mut texts = texts.iter().map(|t| t.unwrap_or_default());
        for ((g, kind), n) in groups.iter().zip(kinds).zip(lengths) {
            self.groups[*g as usize] = match kind {
                0 => JsonState::Empty,
                1 => JsonState::Array(texts.by_ref().take(n as usize).map(Box::from).collect()),
                2 => {
                    let mut map = BTreeMap::new();
                    for _ in 0..n {
                        let (k, v) = (texts.next().unwrap_or_default(), texts.next().unwrap_or_default());
                        map.insert(k.encode_utf16().collect(), (Box::from(k), Box::from(v)));
                    }
                    JsonState::Object(map)
                }
                _ => return Err(corrupt("JSON aggregate kind")),
            };
        }
        Ok(())
    }
}

/// A JSON string literal, escaped as Jackson writes it.
fn write_json_string(s: &str, out: &mut String) {
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
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

impl GroupAccumulator for JsonAggAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize(num_groups, JsonState::Empty);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let cols = self.strings(args)?;
        let mut rows = Vec::new();
        for_each_selected(group_ids.len(), None, selected, |row| rows.push(row));
        for row in rows {
            self.apply_row(&cols, row, group_ids[row] as usize, false)?;
        }
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let from = self.groups[src as usize].clone();
        let to = &mut self.groups[dst as usize];
        match (from, to) {
            (JsonState::Empty, _) => {}
            (from, to @ JsonState::Empty) => *to = from,
            (JsonState::Array(a), JsonState::Array(b)) => b.extend(a),
            (JsonState::Object(a), JsonState::Object(b)) => b.extend(a),
            _ => {}
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        Ok(Arc::new(groups.iter().map(|g| Some(self.text(*g as usize))).collect::<StringArray>()))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = JsonState::Empty;
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

impl RetractAccumulator for JsonAggAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize(num_groups, JsonState::Empty);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = self.strings(args)?;
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let cols = std::mem::take(&mut self.bound);
        if let Err(e) = self.apply_row(&cols, row, group as usize, retract) {
            self.failed.get_or_insert(e);
        }
        self.bound = cols;
    }

    fn push_result(&mut self, group: u32) {
        let text = self.text(group as usize);
        self.results.push(Some(text));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let values = self.results.take();
        Ok(Arc::new(values.into_iter().collect::<StringArray>()))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize] = JsonState::Empty;
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(v.iter().copied().collect::<StringArray>())
    }

    #[test]
    fn arrays_and_objects() {
        let mut a = JsonAggAccumulator::new(false, true);
        GroupAccumulator::resize(&mut a, 2);
        GroupAccumulator::update(&mut a, &[strings(&[Some("1"), None, Some("\"x\""), Some("2")])], &[0, 0, 0, 1], None).unwrap();
        a.merge(1, 0);
        let out = a.evaluate(&[0, 1]).unwrap();
        assert_eq!(out.as_string::<i32>().value(0), r#"[1,"x",2]"#);
        let mut o = JsonAggAccumulator::new(true, false);
        RetractAccumulator::resize(&mut o, 1);
        o.bind(&[strings(&[Some("b"), Some("a"), Some("b")]), strings(&[Some("1"), None, Some("3")])]).unwrap();
        o.apply(0, 0, false);
        o.apply(1, 0, false);
        o.push_result(0);
        o.apply(0, 0, true);
        o.apply(2, 0, false);
        o.push_result(0);
        let out = o.take_results().unwrap();
        assert_eq!(out.as_string::<i32>().value(0), r#"{"a":null,"b":1}"#);
        assert_eq!(out.as_string::<i32>().value(1), r#"{"a":null,"b":3}"#);
        o.apply(2, 0, false);
        assert!(o.take_results().is_err());
    }
}

#[cfg(test)]
mod state_tests {
    use super::*;
    use crate::aggregate::percentile::PercentileAccumulator;
    use arrow_array::Float64Array;
    use sluice_connector_api::state::{StateReader, StateWriter};

    /// Saves groups 1 and 0 of `original`, loads them into groups 0 and 1 of `restored`.
    fn round_trip(original: &dyn GroupAccumulator, restored: &mut dyn GroupAccumulator) {
        let mut out = StateWriter::new(1);
        original.save(&[1, 0], &mut out).unwrap();
        let blob = out.finish();
        let (mut input, _) = StateReader::open(&blob, "test", &[1]).unwrap();
        restored.load(&[0, 1], &mut input).unwrap();
        input.end().unwrap();
        assert_eq!(restored.evaluate(&[0, 1]).unwrap().to_data(), original.evaluate(&[1, 0]).unwrap().to_data());
    }

    #[test]
    fn json_aggregates_and_percentile_survive_a_checkpoint() {
        let keys: ArrayRef = Arc::new(StringArray::from(vec![Some("b"), Some("a"), Some("c")]));
        let values: ArrayRef = Arc::new(StringArray::from(vec![Some("1"), None, Some("\"x\"")]));
        for object in [false, true] {
            let args = if object { vec![keys.clone(), values.clone()] } else { vec![values.clone()] };
            let mut a = JsonAggAccumulator::new(object, false);
            GroupAccumulator::resize(&mut a, 2);
            GroupAccumulator::update(&mut a, &args, &[1, 1, 0], None).unwrap();
            let mut b = JsonAggAccumulator::new(object, false);
            GroupAccumulator::resize(&mut b, 2);
            round_trip(&a, &mut b);
        }
        let v: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 5.0, 2.0, 9.0]));
        let p: ArrayRef = Arc::new(Float64Array::from(vec![0.5; 4]));
        let mut a = PercentileAccumulator::new(false, arrow_schema::DataType::Float64);
        GroupAccumulator::resize(&mut a, 2);
        GroupAccumulator::update(&mut a, &[v, p], &[1, 1, 0, 1], None).unwrap();
        let mut b = PercentileAccumulator::new(false, arrow_schema::DataType::Float64);
        GroupAccumulator::resize(&mut b, 2);
        round_trip(&a, &mut b);
    }
}
