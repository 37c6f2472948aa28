//! `MIN` and `MAX` with retraction (a sorted multiset of values per group, as Flink's
//! `MinWithRetractAggFunction` keeps a map view of value counts), and a single-value
//! version for inputs that never retract.

use std::collections::BTreeMap;

use arrow_array::{Array, ArrayRef, ArrowNativeTypeOp, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::NullBuffer;
use arrow_row::Rows;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::results::{delegate_results, primitive_column, NativeEq, Results};
use super::RetractAccumulator;
use crate::aggregate::numeric::primitive_arg;
use crate::aggregate::value_codec::ValueCodec;
use crate::aggregate::AggregateError;
use crate::aggregate::state::{corrupt, load_encoded, load_exact, load_flags, load_slots, save_encoded, save_flags, save_slots};

/// `MIN`/`MAX` of any comparable type with retraction. Values are kept as `arrow-row`
/// bytes, whose byte order is the values' order (Java's order for numbers, including
/// `-0.0 < 0.0` and NaN above everything; byte-wise for strings), each with its count.
pub struct OrderedMinMax {
    is_max: bool,
    codec: ValueCodec,
    sets: Vec<BTreeMap<Box<[u8]>, u64>>,
    rows: Option<Rows>,
    nulls: Option<NullBuffer>,
    results: Results<Option<Box<[u8]>>>,
}

impl OrderedMinMax {
    pub fn new(is_max: bool, input: &ArrowType) -> Result<Self, AggregateError> {
        let name = if is_max { "MAX" } else { "MIN" };
        Ok(OrderedMinMax {
            is_max,
            codec: ValueCodec::new(name, std::slice::from_ref(input))?,
            sets: Vec::new(),
            rows: None,
            nulls: None,
            results: Results::new(),
        })
    }
}

impl RetractAccumulator for OrderedMinMax {
    fn resize(&mut self, num_groups: usize) {
        self.sets.resize_with(num_groups, BTreeMap::new);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal("MIN/MAX", "missing argument"))?;
        self.rows = Some(self.codec.encode(std::slice::from_ref(column))?);
        self.nulls = column.logical_nulls().filter(|n| n.null_count() > 0);
        Ok(())
    }

    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(rows) = &self.rows else { return };
        if self.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return;
        }
        let value = rows.row(row);
        let set = &mut self.sets[group as usize];
        if retract {
            // A value that was never added is ignored.
            if let Some(count) = set.get_mut(value.data()) {
                *count -= 1;
                if *count == 0 {
                    set.remove(value.data());
                }
            }
        } else if let Some(count) = set.get_mut(value.data()) {
            *count += 1;
        } else {
            set.insert(value.data().into(), 1);
        }
    }

    fn push_result(&mut self, group: u32) {
        let set = &self.sets[group as usize];
        let best = if self.is_max { set.last_key_value() } else { set.first_key_value() };
        self.results.push(best.map(|(k, _)| k.clone()));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values = self.results.take();
        let mut columns = self.codec.decode_bytes(values.iter().map(|v| v.as_deref()))?;
        columns.pop().ok_or_else(|| AggregateError::internal("MIN/MAX", "no column decoded"))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let sets: Vec<_> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.len() as u32).collect();
        let counts: Vec<u64> = sets.iter().flat_map(|s| s.values().copied()).collect();
        out.natives(&counts);
        save_encoded(out, &self.codec, &lengths, sets.iter().flat_map(|s| s.keys().map(|k| &**k)))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let counts = input.natives::<u64>().map_err(AggregateError::State)?;
        let lists = load_encoded(input, &self.codec, groups.len())?;
        if lists.iter().map(Vec::len).sum::<usize>() != counts.len() {
            return Err(corrupt("MIN/MAX values"));
        }
        let mut counts = counts.into_iter();
        for (g, list) in groups.iter().zip(lists) {
            self.sets[*g as usize] = list.into_iter().zip(counts.by_ref()).collect();
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.sets[group as usize] = BTreeMap::new();
    }
}

/// `MIN`/`MAX` of a fixed-width type over an input that never retracts: one value per
/// group, as Flink's plain `MaxAggFunction` keeps. Retractions are not expected here
/// (the operator rejects them before they arrive).
pub struct AppendMinMax<T: ArrowPrimitiveType> {
    is_max: bool,
    best: Vec<T::Native>,
    seen: Vec<bool>,
    values: Option<PrimitiveArray<T>>,
    results: Results<NativeEq<T>>,
    output: ArrowType,
}

impl<T: ArrowPrimitiveType> AppendMinMax<T> {
    pub fn new(is_max: bool, output: ArrowType) -> Self {
        AppendMinMax { is_max, best: Vec::new(), seen: Vec::new(), values: None, results: Results::new(), output }
    }
}

impl<T: ArrowPrimitiveType> RetractAccumulator for AppendMinMax<T> {
    fn resize(&mut self, num_groups: usize) {
        self.best.resize(num_groups, T::Native::ZERO);
        self.seen.resize(num_groups, false);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = primitive_arg::<T>(args, "MIN/MAX")?;
        self.values = Some(values.clone());
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, _retract: bool) {
        let Some(values) = &self.values else { return };
        if values.is_null(row) {
            return;
        }
        let (v, g) = (values.value(row), group as usize);
        let better = if self.is_max { v.is_gt(self.best[g]) } else { v.is_lt(self.best[g]) };
        if !self.seen[g] || better {
            self.best[g] = v;
            self.seen[g] = true;
        }
    }

    #[inline]
    fn push_result(&mut self, group: u32) {
        let g = group as usize;
        self.results.push(NativeEq(self.seen[g].then_some(self.best[g])));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values: Vec<Option<T::Native>> = self.results.take().into_iter().map(|v| v.0).collect();
        Ok(primitive_column::<T>(&values, &self.output))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        save_slots(out, &self.best, groups);
        save_flags(out, &self.seen, groups);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        load_slots(input, &mut self.best, groups)?;
        load_flags(input, &mut self.seen, groups)
    }

    fn reset(&mut self, group: u32) {
        self.best[group as usize] = T::Native::ZERO;
        self.seen[group as usize] = false;
    }
}

/// A native value ordered as Arrow's total order (`-0.0 < 0.0`, NaN above everything,
/// as Java's `Double.compareTo`), so floats can key a `BTreeMap`.
#[derive(Clone, Copy, Debug)]
struct TotalOrd<N: ArrowNativeTypeOp>(N);

impl<N: ArrowNativeTypeOp> PartialEq for TotalOrd<N> {
    fn eq(&self, other: &Self) -> bool {
        self.0.is_eq(other.0)
    }
}

impl<N: ArrowNativeTypeOp> Eq for TotalOrd<N> {}

impl<N: ArrowNativeTypeOp> PartialOrd for TotalOrd<N> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<N: ArrowNativeTypeOp> Ord for TotalOrd<N> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.compare(other.0)
    }
}

/// `MIN`/`MAX` with retraction of a fixed-width type: a sorted multiset of native values
/// per group (no encoding or allocation per value, unlike `OrderedMinMax`).
pub struct PrimitiveRetractMinMax<T: ArrowPrimitiveType> {
    is_max: bool,
    sets: Vec<BTreeMap<TotalOrd<T::Native>, u64>>,
    values: Option<PrimitiveArray<T>>,
    results: Results<NativeEq<T>>,
    output: ArrowType,
}

impl<T: ArrowPrimitiveType> PrimitiveRetractMinMax<T> {
    pub fn new(is_max: bool, output: ArrowType) -> Self {
        PrimitiveRetractMinMax { is_max, sets: Vec::new(), values: None, results: Results::new(), output }
    }
}

impl<T: ArrowPrimitiveType> RetractAccumulator for PrimitiveRetractMinMax<T> {
    fn resize(&mut self, num_groups: usize) {
        self.sets.resize_with(num_groups, BTreeMap::new);
    }

    fn bind(&mut self, args: &[ArrayRef]) -> Result<(), AggregateError> {
        let values = primitive_arg::<T>(args, "MIN/MAX")?;
        self.values = Some(values.clone());
        Ok(())
    }

    #[inline]
    fn apply(&mut self, row: usize, group: u32, retract: bool) {
        let Some(values) = &self.values else { return };
        if values.is_null(row) {
            return;
        }
        let v = TotalOrd(values.value(row));
        let set = &mut self.sets[group as usize];
        if retract {
            // A value that was never added is ignored.
            if let Some(count) = set.get_mut(&v) {
                *count -= 1;
                if *count == 0 {
                    set.remove(&v);
                }
            }
        } else {
            *set.entry(v).or_insert(0) += 1;
        }
    }

    #[inline]
    fn push_result(&mut self, group: u32) {
        let set = &self.sets[group as usize];
        let best = if self.is_max { set.last_key_value() } else { set.first_key_value() };
        self.results.push(NativeEq(best.map(|(k, _)| k.0)));
    }

    delegate_results!(results);

    fn take_results(&mut self) -> Result<ArrayRef, AggregateError> {
        let values: Vec<Option<T::Native>> = self.results.take().into_iter().map(|v| v.0).collect();
        Ok(primitive_column::<T>(&values, &self.output))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let sets: Vec<_> = groups.iter().map(|g| &self.sets[*g as usize]).collect();
        let lengths: Vec<u32> = sets.iter().map(|s| s.len() as u32).collect();
        let values: Vec<T::Native> = sets.iter().flat_map(|s| s.keys().map(|k| k.0)).collect();
        let counts: Vec<u64> = sets.iter().flat_map(|s| s.values().copied()).collect();
        out.natives(&lengths).natives(&values).natives(&counts);
        Ok(())
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let lengths = load_exact::<u32>(input, groups.len())?;
        let total = lengths.iter().map(|l| *l as usize).sum();
        let values = load_exact::<T::Native>(input, total)?;
        let counts = load_exact::<u64>(input, total)?;
        let mut entries = values.into_iter().zip(counts);
        for (g, n) in groups.iter().zip(lengths) {
            self.sets[*g as usize] = entries.by_ref().take(n as usize).map(|(v, c)| (TotalOrd(v), c)).collect();
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.sets[group as usize] = BTreeMap::new();
    }
}
