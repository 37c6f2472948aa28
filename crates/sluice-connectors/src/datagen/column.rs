//! `ColumnGenerator`: makes one Arrow column of random or sequence values for a batch of
//! rows, a whole column at a time, for every Flink type `datagen` supports (nested
//! arrays, maps, multisets and rows recurse with default settings).

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, StringBuilder};
use arrow_array::types::{
    Date32Type, Decimal128Type, DurationMillisecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, IntervalYearMonthType, Time32MillisecondType, TimestampMicrosecondType,
};
use arrow_array::{ArrayRef, BooleanArray, ListArray, MapArray, PrimitiveArray, StructArray};
use arrow_buffer::{BooleanBuffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::DataType as ArrowType;
use rand::rngs::SmallRng;
use rand::Rng;
use sluice_types::temporal::{SessionTimeZone, MICROS_PER_DAY};
use sluice_types::{DataType, TypeKind};

use super::config::{integer_range, FieldConfig, FieldKind, RandomSpec};

/// The time random dates and timestamps count back from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    /// Now, as an instant in epoch microseconds.
    pub now_micros: i64,
    pub time_zone: SessionTimeZone,
}

const HEX: &[u8; 16] = b"0123456789abcdef";
/// The range of random multiset counts.
const MULTISET_COUNTS: (f64, f64) = (1.0, 10.0);

pub(crate) struct ColumnGenerator {
    data_type: DataType,
    kind: FieldKind,
    null_rate: f64,
}

impl ColumnGenerator {
    pub(crate) fn new(field: &FieldConfig) -> Self {
        ColumnGenerator { data_type: field.data_type.clone(), kind: field.kind.clone(), null_rate: field.null_rate }
    }

    /// A generator for values nested in a collection or row: random, default bounds, no
    /// NULLs.
    fn nested(data_type: &DataType) -> Self {
        let length = match data_type.kind {
            TypeKind::Array(_) | TypeKind::Multiset(_) | TypeKind::Map(..) => 3,
            TypeKind::Char { length } | TypeKind::Varchar { length } => (length as usize).min(100),
            TypeKind::Binary { length } | TypeKind::Varbinary { length } => (length as usize).min(100),
            _ => 0,
        };
        ColumnGenerator {
            data_type: data_type.clone(),
            kind: FieldKind::Random(RandomSpec { length: Some(length), ..RandomSpec::default() }),
            null_rate: 0.0,
        }
    }

    fn with_bounds(data_type: DataType, (min, max): (f64, f64)) -> Self {
        ColumnGenerator {
            data_type,
            kind: FieldKind::Random(RandomSpec { min: Some(min), max: Some(max), ..RandomSpec::default() }),
            null_rate: 0.0,
        }
    }

    /// One column with a value for each row; `indices` are the rows' positions in the
    /// whole output (sequences count from them).
    pub(crate) fn generate(&self, rng: &mut SmallRng, indices: &[u64], clock: &Clock) -> ArrayRef {
        let n = indices.len();
        let valid: Option<Vec<bool>> = if self.data_type.nullable && self.null_rate > 0.0 {
            Some((0..n).map(|_| !rng.gen_bool(self.null_rate)).collect())
        } else {
            None
        };
        let nulls = valid.as_ref().map(|v| NullBuffer::from(v.as_slice()));
        let arrow_type = self.data_type.to_arrow();
        let random = match &self.kind {
            FieldKind::Random(spec) => Some(spec),
            FieldKind::Sequence { .. } => None,
        };
        let default_spec = RandomSpec::default();
        let spec = random.unwrap_or(&default_spec);
        match &self.data_type.kind {
            TypeKind::Boolean => {
                let values: BooleanBuffer = (0..n).map(|_| rng.gen::<bool>()).collect();
                Arc::new(BooleanArray::new(values, nulls))
            }
            TypeKind::TinyInt => primitive::<Int8Type>(self.integers(rng, indices).map(|v| v as i8), nulls, arrow_type),
            TypeKind::SmallInt => {
                primitive::<Int16Type>(self.integers(rng, indices).map(|v| v as i16), nulls, arrow_type)
            }
            TypeKind::Int => primitive::<Int32Type>(self.integers(rng, indices).map(|v| v as i32), nulls, arrow_type),
            TypeKind::BigInt => primitive::<Int64Type>(self.integers(rng, indices), nulls, arrow_type),
            TypeKind::Float => {
                let values = self.floats(rng, indices, f32::MIN_POSITIVE as f64, f32::MAX as f64);
                primitive::<Float32Type>(values.map(|v| v as f32), nulls, arrow_type)
            }
            TypeKind::Double => {
                let values = self.floats(rng, indices, f64::MIN_POSITIVE, f64::MAX);
                primitive::<Float64Type>(values, nulls, arrow_type)
            }
            TypeKind::Decimal { precision, scale } => {
                let values = self.decimals(rng, indices, *precision, *scale);
                primitive::<Decimal128Type>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::Char { .. } | TypeKind::Varchar { .. } => self.strings(rng, indices, spec, valid.as_deref()),
            TypeKind::Binary { .. } | TypeKind::Varbinary { .. } => binaries(rng, n, spec, valid.as_deref()),
            TypeKind::Date => {
                let today = clock.time_zone.to_local(clock.now_micros).div_euclid(MICROS_PER_DAY);
                let past_days = (spec.max_past.as_secs() / 86_400) as i64;
                let values: Vec<i32> = (0..n).map(|_| (today - rng.gen_range(0..=past_days)) as i32).collect();
                primitive::<Date32Type>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::Time { precision } => {
                let unit = 10i32.pow(3u32.saturating_sub(*precision as u32));
                let values: Vec<i32> = (0..n)
                    .map(|_| {
                        let ms = rng.gen_range(0..86_400_000);
                        ms - ms % unit
                    })
                    .collect();
                primitive::<Time32MillisecondType>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::Timestamp { precision } | TypeKind::TimestampLtz { precision } => {
                let now = match self.data_type.kind {
                    TypeKind::Timestamp { .. } => clock.time_zone.to_local(clock.now_micros),
                    _ => clock.now_micros,
                };
                let unit = 10i64.pow(6u32.saturating_sub(*precision as u32));
                let past = spec.max_past.as_micros().min(i64::MAX as u128) as i64;
                let values: Vec<i64> = (0..n)
                    .map(|_| {
                        let t = now - rng.gen_range(0..=past);
                        t - t.rem_euclid(unit)
                    })
                    .collect();
                primitive::<TimestampMicrosecondType>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::IntervalDayTime => {
                let (lo, hi) = bounds(spec, 0.0, i32::MAX as f64);
                let values: Vec<i64> = (0..n).map(|_| rng.gen_range(lo as i64..=hi as i64)).collect();
                primitive::<DurationMillisecondType>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::IntervalYearMonth => {
                let (lo, hi) = bounds(spec, 0.0, 1200.0);
                let values: Vec<i32> = (0..n).map(|_| rng.gen_range(lo as i32..=hi as i32)).collect();
                primitive::<IntervalYearMonthType>(values.into_iter(), nulls, arrow_type)
            }
            TypeKind::Array(element) => {
                let ArrowType::List(field) = arrow_type else { unreachable!("ARRAY is a List") };
                let offsets = collection_offsets(n, spec, valid.as_deref());
                let total = *offsets.last().unwrap_or(&0) as usize;
                let values = ColumnGenerator::nested(element).generate(rng, &positions(total), clock);
                Arc::new(ListArray::new(field, OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls))
            }
            TypeKind::Map(key, value) => {
                let keys = ColumnGenerator::nested(&key.clone().with_nullable(false));
                let values = ColumnGenerator::nested(value);
                map_array(rng, n, spec, valid.as_deref(), nulls, arrow_type, &keys, &values, clock)
            }
            TypeKind::Multiset(element) => {
                let keys = ColumnGenerator::nested(&element.clone().with_nullable(false));
                let counts = ColumnGenerator::with_bounds(DataType::not_null(TypeKind::Int), MULTISET_COUNTS);
                map_array(rng, n, spec, valid.as_deref(), nulls, arrow_type, &keys, &counts, clock)
            }
            TypeKind::Row(row_fields) | TypeKind::Structured { fields: row_fields, .. } => {
                let ArrowType::Struct(fields) = arrow_type else { unreachable!("ROW is a Struct") };
                let children: Vec<ArrayRef> = row_fields
                    .iter()
                    .map(|f| ColumnGenerator::nested(&f.data_type).generate(rng, indices, clock))
                    .collect();
                Arc::new(StructArray::new(fields, children, nulls))
            }
            TypeKind::Null => Arc::new(arrow_array::NullArray::new(n)),
            // A table cannot declare a BITMAP column (Flink has no BITMAP in DDL either).
            TypeKind::Bitmap => Arc::new(arrow_array::BinaryArray::new_null(n)),
            // Nor a VARIANT one: Flink's datagen has no generator for it; NULLs keep the shape.
            TypeKind::Variant => Arc::new(arrow_array::BinaryArray::new_null(n)),
        }
    }

    fn integers<'a>(&'a self, rng: &'a mut SmallRng, indices: &'a [u64]) -> Box<dyn Iterator<Item = i64> + 'a> {
        match &self.kind {
            FieldKind::Sequence { start, .. } => Box::new(indices.iter().map(move |i| start.saturating_add(*i as i64))),
            FieldKind::Random(spec) => {
                let (low, high) = integer_range(&self.data_type.kind).unwrap_or((i64::MIN as i128, i64::MAX as i128));
                let lo = spec.min.map_or(low as i64, |v| v as i64);
                let hi = spec.max.map_or(high as i64, |v| v as i64);
                Box::new(indices.iter().map(move |_| rng.gen_range(lo..=hi)))
            }
        }
    }

    fn floats<'a>(
        &'a self,
        rng: &'a mut SmallRng,
        indices: &'a [u64],
        default_min: f64,
        default_max: f64,
    ) -> Box<dyn Iterator<Item = f64> + 'a> {
        match &self.kind {
            FieldKind::Sequence { start, .. } => Box::new(indices.iter().map(move |i| (*start as f64) + *i as f64)),
            FieldKind::Random(spec) => {
                let (lo, hi) = bounds(spec, default_min, default_max);
                Box::new(indices.iter().map(move |_| uniform(rng, lo, hi)))
            }
        }
    }

    fn decimals(&self, rng: &mut SmallRng, indices: &[u64], precision: u8, scale: i8) -> Vec<i128> {
        let factor = 10f64.powi(scale as i32);
        let limit = 10i128.checked_pow(precision as u32).map_or(i128::MAX, |p| p - 1);
        match &self.kind {
            FieldKind::Sequence { start, .. } => {
                let factor = 10i128.checked_pow(scale.max(0) as u32).unwrap_or(1);
                indices
                    .iter()
                    .map(|i| ((*start as i128 + *i as i128).saturating_mul(factor)).clamp(-limit, limit))
                    .collect()
            }
            FieldKind::Random(spec) => {
                let lo = spec.min.map_or(-limit, |v| ((v * factor).ceil() as i128).clamp(-limit, limit));
                let hi = spec.max.map_or(limit, |v| ((v * factor).floor() as i128).clamp(-limit, limit)).max(lo);
                indices.iter().map(|_| rng.gen_range(lo..=hi)).collect()
            }
        }
    }

    fn strings(&self, rng: &mut SmallRng, indices: &[u64], spec: &RandomSpec, valid: Option<&[bool]>) -> ArrayRef {
        let mut builder = StringBuilder::with_capacity(indices.len(), indices.len() * spec.length.unwrap_or(0));
        let mut text = String::new();
        for (row, index) in indices.iter().enumerate() {
            if valid.is_some_and(|v| !v[row]) {
                builder.append_null();
                continue;
            }
            text.clear();
            match &self.kind {
                FieldKind::Sequence { start, .. } => {
                    let mut buf = itoa::Buffer::new();
                    text.push_str(buf.format(start.saturating_add(*index as i64)));
                }
                FieldKind::Random(_) => {
                    for _ in 0..random_length(rng, spec) {
                        text.push(HEX[rng.gen_range(0..16)] as char);
                    }
                }
            }
            builder.append_value(&text);
        }
        Arc::new(builder.finish())
    }
}

fn primitive<T: arrow_array::ArrowPrimitiveType>(
    values: impl Iterator<Item = T::Native>,
    nulls: Option<NullBuffer>,
    arrow_type: ArrowType,
) -> ArrayRef {
    Arc::new(PrimitiveArray::<T>::new(values.collect(), nulls).with_data_type(arrow_type))
}

/// The user's bounds, or the defaults.
fn bounds(spec: &RandomSpec, default_min: f64, default_max: f64) -> (f64, f64) {
    let lo = spec.min.unwrap_or(default_min);
    let hi = spec.max.unwrap_or(default_max).max(lo);
    (lo, hi)
}

/// A uniform draw from `[lo, hi]` that does not overflow for the widest ranges.
fn uniform(rng: &mut SmallRng, lo: f64, hi: f64) -> f64 {
    let u: f64 = rng.gen();
    (lo * (1.0 - u) + hi * u).clamp(lo, hi)
}

fn random_length(rng: &mut SmallRng, spec: &RandomSpec) -> usize {
    let length = spec.length.unwrap_or(0);
    if spec.var_len && length > 1 {
        rng.gen_range(1..=length)
    } else {
        length
    }
}

fn binaries(rng: &mut SmallRng, n: usize, spec: &RandomSpec, valid: Option<&[bool]>) -> ArrayRef {
    let mut builder = BinaryBuilder::with_capacity(n, n * spec.length.unwrap_or(0));
    let mut bytes = Vec::new();
    for row in 0..n {
        if valid.is_some_and(|v| !v[row]) {
            builder.append_null();
            continue;
        }
        bytes.clear();
        for _ in 0..random_length(rng, spec) {
            bytes.push(rng.gen::<u8>());
        }
        builder.append_value(&bytes);
    }
    Arc::new(builder.finish())
}

fn positions(n: usize) -> Vec<u64> {
    (0..n as u64).collect()
}

/// List offsets with `length` elements per row and none for NULL rows.
fn collection_offsets(n: usize, spec: &RandomSpec, valid: Option<&[bool]>) -> Vec<i32> {
    let length = spec.length.unwrap_or(0).min(i32::MAX as usize / n.max(1)) as i32;
    let mut offsets = Vec::with_capacity(n + 1);
    let mut end = 0i32;
    offsets.push(end);
    for row in 0..n {
        if valid.is_none_or(|v| v[row]) {
            end += length;
        }
        offsets.push(end);
    }
    offsets
}

#[allow(clippy::too_many_arguments)]
fn map_array(
    rng: &mut SmallRng,
    n: usize,
    spec: &RandomSpec,
    valid: Option<&[bool]>,
    nulls: Option<NullBuffer>,
    arrow_type: ArrowType,
    keys: &ColumnGenerator,
    values: &ColumnGenerator,
    clock: &Clock,
) -> ArrayRef {
    let ArrowType::Map(entries_field, ordered) = arrow_type else { unreachable!("MAP is a Map") };
    let ArrowType::Struct(entry_fields) = entries_field.data_type().clone() else {
        unreachable!("map entries are a Struct")
    };
    let offsets = collection_offsets(n, spec, valid);
    let total = *offsets.last().unwrap_or(&0) as usize;
    let at = positions(total);
    let key_array = keys.generate(rng, &at, clock);
    let value_array = values.generate(rng, &at, clock);
    let entries = StructArray::new(entry_fields, vec![key_array, value_array], None);
    Arc::new(MapArray::new(entries_field, OffsetBuffer::new(ScalarBuffer::from(offsets)), entries, nulls, ordered))
}
