//! `PERCENTILE(x, percentage [, frequency])` and `PERCENTILE(x, ARRAY[p1, p2, ..] [,
//! frequency])`, as Flink's `PercentileAggFunction`: a count per distinct value (as a
//! DOUBLE), and the percentile at position `p * (n - 1) + 1` of the sorted values, with
//! linear interpolation between neighbours. The percentages arrive as a constant argument
//! column; a NULL value or a frequency that is NULL or not positive is skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, ListBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_buffer::BooleanBuffer;
use arrow_schema::DataType as ArrowType;

use sluice_connector_api::state::{StateReader, StateWriter};

use super::retract::RetractAccumulator;
use super::state::{load_exact, state_error};
use super::selection::for_each_selected;
use super::{AggregateError, GroupAccumulator};

const NAME: &str = "PERCENTILE";

/// A double ordered as Java's `Double.compareTo` (a total order).
#[derive(Clone, Copy, Debug)]
struct Key(f64);

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The columns of one batch: values as DOUBLE, the percentages, the frequencies.
struct Bound {
    values: Float64Array,
    percentages: ArrayRef,
    frequencies: Option<arrow_array::Int64Array>,
}

pub struct PercentileAccumulator {
    /// `ARRAY[..]` of percentages: the result is an array.
    multi: bool,
    output: ArrowType,
    percentages: Option<Vec<f64>>,
    groups: Vec<BTreeMap<Key, i64>>,
    bound: Option<Bound>,
    results: Vec<Option<Vec<Option<f64>>>>,
    failed: Option<AggregateError>,
}

impl PercentileAccumulator {
    pub fn new(multi: bool, output: ArrowType) -> Self {
        PercentileAccumulator {
            multi,
            output,
            percentages: None,
            groups: Vec::new(),
            bound: None,
            results: Vec::new(),
            failed: None,
        }
    }

    fn bind_columns(&mut self, args: &[ArrayRef]) -> Result<Bound, AggregateError> {
        // The planner casts the value to DOUBLE, the percentages to DOUBLE (or an array of
        // DOUBLE) and the frequency to BIGINT.
        let values = args.first().and_then(|a| a.as_primitive_opt::<Float64Type>()).cloned();
        let percentages = args.get(1).cloned();
        let frequencies = match args.get(2) {
            Some(f) => Some(f.as_primitive_opt::<Int64Type>().cloned().ok_or_else(|| AggregateError::internal(NAME, "frequency is not BIGINT"))?),
            None => None,
        };
        match (values, percentages) {
            (Some(values), Some(percentages)) => Ok(Bound { values, percentages, frequencies }),
            _ => Err(AggregateError::internal(NAME, "arguments are not DOUBLE")),
        }
    }

    /// The percentages, read once from the first row, as Flink does.
    fn read_percentages(&mut self, bound: &Bound, row: usize) -> Result<(), AggregateError> {
        if self.percentages.is_some() || bound.percentages.is_null(row) {
            return Ok(());
        }
        let list: Vec<f64> = if self.multi {
            let l = bound.percentages.as_list::<i32>().value(row);
            let l = l.as_primitive_opt::<Float64Type>().ok_or_else(|| AggregateError::internal(NAME, "percentages are not DOUBLE"))?;
            l.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
        } else {
            let p = bound.percentages.as_primitive_opt::<Float64Type>();
            vec![p.ok_or_else(|| AggregateError::internal(NAME, "percentage is not DOUBLE"))?.value(row)]
        };
        if let Some(bad) = list.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(AggregateError::Runtime(format!(
                "Percentage of PERCENTILE should be between [0.0, 1.0], but was '{bad}'."
            )));
        }
        self.percentages = Some(list);
        Ok(())
    }

    fn apply_row(&mut self, bound: &Bound, row: usize, group: usize, retract: bool) -> Result<(), AggregateError> {
        self.read_percentages(bound, row)?;
        let frequency = match &bound.frequencies {
            Some(f) if f.is_null(row) || f.value(row) <= 0 => return Ok(()),
            Some(f) => f.value(row),
            None => 1,
        };
        if bound.values.is_null(row) {
            return Ok(());
        }
        let key = Key(bound.values.value(row));
        let counts = &mut self.groups[group];
        let n = counts.get(&key).copied().unwrap_or(0) + if retract { -frequency } else { frequency };
        if n == 0 {
            counts.remove(&key);
        } else {
            counts.insert(key, n);
        }
        Ok(())
    }

    /// Flink's `PercentileAccumulator.getValue`.
    fn percentiles(&self, group: usize) -> Option<Vec<Option<f64>>> {
        let percentages = self.percentages.as_ref()?;
        if self.multi && percentages.is_empty() {
            return None;
        }
        let sorted: Vec<(f64, i64)> = self.groups[group].iter().map(|(k, c)| (k.0, *c)).collect();
        let total: i64 = sorted.iter().map(|(_, c)| c).sum();
        if total <= 0 {
            return None;
        }
        let mut positions: Vec<(f64, usize)> =
            percentages.iter().enumerate().map(|(i, p)| (p * (total - 1) as f64 + 1.0, i)).collect();
        positions.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out = vec![None; percentages.len()];
        let (mut j, mut before) = (0usize, sorted[0].1);
        for (position, index) in positions {
            let (lower, higher) = (position.floor() as i64, position.ceil() as i64);
            while before < lower && j + 1 < sorted.len() {
                j += 1;
                before += sorted[j].1;
            }
            let value = if before >= higher || j + 1 >= sorted.len() {
                sorted[j].0
            } else {
                (higher as f64 - position) * sorted[j].0 + (position - lower as f64) * sorted[j + 1].0
            };
            out[index] = Some(value);
        }
        Some(out)
    }

    fn column(&self, results: &[Option<Vec<Option<f64>>>]) -> ArrayRef {
        if self.multi {
            let field = match &self.output {
                ArrowType::List(f) => f.clone(),
                _ => Arc::new(arrow_schema::Field::new("element", ArrowType::Float64, true)),
            };
            let mut b = ListBuilder::new(Float64Builder::new()).with_field(field);
            for r in results {
                match r {
                    Some(values) => {
                        values.iter().for_each(|v| b.values().append_option(*v));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        } else {
            Arc::new(results.iter().map(|r| r.as_ref().and_then(|v| v.first().copied().flatten())).collect::<Float64Array>())
        }
    }
}

impl PercentileAccumulator {
    /// The percentages (a count, then the values; a count of -1 when not read yet), then
    /// per group a length and its values and counts.
    fn save_groups(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        match &self.percentages {
            Some(p) => out.natives(&[p.len() as i64]).natives(p),
            None => out.natives(&[-1i64]).natives::<f64>(&[]),
        };
        let lengths: Vec<u32> = groups.iter().map(|g| self.groups[*g as usize].len() as u32).collect();
        let keys: Vec<f64> = groups.iter().flat_map(|g| self.groups[*g as usize].keys().map(|k| k.0)).collect();
        let counts: Vec<i64> = groups.iter().flat_map(|g| self.groups[*g as usize].values().copied()).collect();
        out.natives(&lengths).natives(&keys).natives(&counts);
        Ok(())
    }

    fn load_groups(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let count = load_exact::<i64>(input, 1)?;
        let percentages = input.natives::<f64>().map_err(state_error)?;
        if count[0] >= 0 {
            self.percentages = Some(percentages);
        }
        let lengths = load_exact::<u32>(input, groups.len())?;
        let total = lengths.iter().map(|n| *n as usize).sum();
        let keys = load_exact::<f64>(input, total)?;
        let counts = load_exact::<i64>(input, total)?;
        let mut entries = keys.into_iter().zip(counts);
        for (g, n) in groups.iter().zip(lengths) {
            self.groups[*g as usize] = entries.by_ref().take(n as usize).map(|(k, c)| (Key(k), c)).collect();
        }
        Ok(())
    }
}

impl GroupAccumulator for PercentileAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, BTreeMap::new);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let bound = self.bind_columns(args)?;
        let mut rows = Vec::new();
        for_each_selected(group_ids.len(), None, selected, |row| rows.push(row));
        for row in rows {
            self.apply_row(&bound, row, group_ids[row] as usize, false)?;
        }
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let from = self.groups[src as usize].clone();
        let to = &mut self.groups[dst as usize];
        for (k, c) in from {
            let n = to.get(&k).copied().unwrap_or(0) + c;
            if n == 0 {
                to.remove(&k);
            } else {
                to.insert(k, n);
            }
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let results: Vec<_> = groups.iter().map(|g| self.percentiles(*g as usize)).collect();
        Ok(self.column(&results))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize].clear();
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        self.save_groups(groups, out)
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        self.load_groups(groups, input)
    }
}

impl RetractAccumulator for PercentileAccumulator {
    fn resize(&mut self, num_groups: usize) {
        self.groups.resize_with(num_groups, BTreeMap::new);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        self.bound = Some(self.bind_columns(args)?);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(bound) = self.bound.take() else { return };
        if let Err(e) = self.apply_row(&bound, row, group as usize, retract) {
            self.failed.get_or_insert(e);
        }
        self.bound = Some(bound);
    }

    fn push_result(&mut self, group: u32) {
        let r = self.percentiles(group as usize);
        self.results.push(r);
    }

    fn pop_results(&mut self, n: usize) {
        let len = self.results.len().saturating_sub(n);
        self.results.truncate(len);
    }

    fn remove_before_last(&mut self) {
        let len = self.results.len();
        if len >= 2 {
            self.results.swap_remove(len - 2);
        }
    }

    fn last_two_equal(&self) -> bool {
        let bits = |r: &Option<Vec<Option<f64>>>| r.as_ref().map(|v| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>());
        matches!(self.results.as_slice(), [.., a, b] if bits(a) == bits(b))
    }

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let results = std::mem::take(&mut self.results);
        Ok(self.column(&results))
    }

    fn reset(&mut self, group: u32) {
        self.groups[group as usize].clear();
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

    #[test]
    fn interpolates_like_flink() {
        let mut p = PercentileAccumulator::new(false, ArrowType::Float64);
        GroupAccumulator::resize(&mut p, 1);
        let values: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), Some(3.0), None, Some(2.0), Some(10.0)]));
        let pct: ArrayRef = Arc::new(Float64Array::from(vec![0.5; 5]));
        p.update(&[values.clone(), pct], &[0; 5], None).unwrap();
        assert_eq!(p.evaluate(&[0]).unwrap().as_primitive::<Float64Type>().value(0), 2.5);
        let mut q = PercentileAccumulator::new(false, ArrowType::Float64);
        GroupAccumulator::resize(&mut q, 1);
        let pct: ArrayRef = Arc::new(Float64Array::from(vec![0.9; 5]));
        q.update(&[values, pct], &[0; 5], None).unwrap();
        // position 0.9 * 3 + 1 = 3.7 between 3.0 and 10.0
        let v = q.evaluate(&[0]).unwrap().as_primitive::<Float64Type>().value(0);
        assert!((v - (0.3 * 3.0 + 0.7 * 10.0)).abs() < 1e-12);
        let bad: ArrayRef = Arc::new(Float64Array::from(vec![1.5]));
        let one: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
        let mut r = PercentileAccumulator::new(false, ArrowType::Float64);
        GroupAccumulator::resize(&mut r, 1);
        assert!(r.update(&[one, bad], &[0], None).is_err());
    }
}
