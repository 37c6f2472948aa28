use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowPrimitiveType, ByteArrayType};
use arrow_array::{Array, ArrayRef, ArrowNativeTypeOp, BinaryArray, BooleanArray, GenericByteArray, PrimitiveArray, StringArray};
use arrow_buffer::{BooleanBuffer, ScalarBuffer};
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::numeric::primitive_arg;
use super::selection::{for_each_selected, nulls_from_flags};
use super::{AggregateError, GroupAccumulator};
use super::state::{load_column, load_flags, load_slots, save_column, save_flags, save_slots, state_error};

/// `MIN(x)` or `MAX(x)` over a fixed-width column (numbers, dates, times, timestamps,
/// decimals, intervals). NULL for a group without a non-NULL value.
pub struct PrimitiveMinMax<T: ArrowPrimitiveType> {
    is_max: bool,
    best: Vec<T::Native>,
    seen: Vec<bool>,
    output: ArrowType,
}

impl<T: ArrowPrimitiveType> PrimitiveMinMax<T> {
    pub fn new(is_max: bool, output: ArrowType) -> Self {
        PrimitiveMinMax { is_max, best: Vec::new(), seen: Vec::new(), output }
    }

    #[inline]
    fn offer(best: &mut T::Native, seen: &mut bool, v: T::Native, is_max: bool) {
        let better = if is_max { v.is_gt(*best) } else { v.is_lt(*best) };
        if !*seen || better {
            *best = v;
            *seen = true;
        }
    }
}

impl<T: ArrowPrimitiveType> GroupAccumulator for PrimitiveMinMax<T> {
    fn resize(&mut self, num_groups: usize) {
        self.best.resize(num_groups, T::Native::ZERO);
        self.seen.resize(num_groups, false);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = primitive_arg::<T>(args, "MIN/MAX")?;
        let raw = values.values();
        let (best, seen, is_max) = (&mut self.best, &mut self.seen, self.is_max);
        for_each_selected(group_ids.len(), values.nulls(), selected, |row| {
            let g = group_ids[row] as usize;
            Self::offer(&mut best[g], &mut seen[g], raw[row], is_max);
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        let (s, d) = (src as usize, dst as usize);
        if self.seen[s] {
            let v = self.best[s];
            Self::offer(&mut self.best[d], &mut self.seen[d], v, self.is_max);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let values: ScalarBuffer<T::Native> = groups.iter().map(|g| self.best[*g as usize]).collect();
        let nulls = nulls_from_flags(groups.iter().map(|g| self.seen[*g as usize]));
        Ok(Arc::new(PrimitiveArray::<T>::new(values, nulls).with_data_type(self.output.clone())))
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

/// `MIN(x)` or `MAX(x)` over STRING (`Utf8`) or BYTES (`Binary`) columns, compared
/// byte-wise (for strings this is Java's `String.compareTo` order within the Basic
/// Multilingual Plane).
pub struct BytesMinMax {
    is_max: bool,
    utf8: bool,
    best: Vec<Option<Box<[u8]>>>,
}

impl BytesMinMax {
    pub fn new(is_max: bool, utf8: bool) -> Self {
        BytesMinMax { is_max, utf8, best: Vec::new() }
    }

    fn offer(best: &mut Option<Box<[u8]>>, v: &[u8], is_max: bool) {
        let better = match best {
            None => true,
            Some(b) if is_max => v > &**b,
            Some(b) => v < &**b,
        };
        if better {
            *best = Some(v.into());
        }
    }

    fn update_with<T: ByteArrayType>(&mut self, values: &GenericByteArray<T>, group_ids: &[u32], selected: Option<&BooleanBuffer>) {
        let (best, is_max) = (&mut self.best, self.is_max);
        for_each_selected(group_ids.len(), values.nulls(), selected, |row| {
            let v: &[u8] = values.value(row).as_ref();
            Self::offer(&mut best[group_ids[row] as usize], v, is_max);
        });
    }
}

impl GroupAccumulator for BytesMinMax {
    fn resize(&mut self, num_groups: usize) {
        self.best.resize(num_groups, None);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let column = args.first().ok_or_else(|| AggregateError::internal("MIN/MAX", "missing argument"))?;
        if let Some(values) = column.as_string_opt::<i32>() {
            self.update_with(values, group_ids, selected);
        } else if let Some(values) = column.as_binary_opt::<i32>() {
            self.update_with(values, group_ids, selected);
        } else {
            return Err(AggregateError::internal("MIN/MAX", "argument column is not a string"));
        }
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        if let Some(v) = self.best[src as usize].clone() {
            Self::offer(&mut self.best[dst as usize], &v, self.is_max);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        let binary: BinaryArray = groups.iter().map(|g| self.best[*g as usize].as_deref()).collect();
        if !self.utf8 {
            return Ok(Arc::new(binary));
        }
        // The bytes were read from a string column, so this only fails on a bug.
        let strings = StringArray::try_from_binary(binary).map_err(|e| AggregateError::internal("MIN/MAX", e.to_string()))?;
        Ok(Arc::new(strings))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let binary: BinaryArray = groups.iter().map(|g| self.best[*g as usize].as_deref()).collect();
        save_column(out, Arc::new(binary))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let column = load_column(input, groups.len())?;
        let binary = column.as_binary_opt::<i32>().ok_or_else(|| state_error("MIN/MAX state is not binary".into()))?;
        for (g, v) in groups.iter().zip(binary.iter()) {
            self.best[*g as usize] = v.map(Into::into);
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.best[group as usize] = None;
    }
}

/// `MIN`/`MAX` of BOOLEAN: FALSE < TRUE.
pub struct BoolMinMax {
    is_max: bool,
    best: Vec<Option<bool>>,
}

impl BoolMinMax {
    pub fn new(is_max: bool) -> Self {
        BoolMinMax { is_max, best: Vec::new() }
    }

    fn offer(best: &mut Option<bool>, v: bool, is_max: bool) {
        *best = Some(match *best {
            None => v,
            Some(b) => if is_max { b | v } else { b & v },
        });
    }
}

impl GroupAccumulator for BoolMinMax {
    fn resize(&mut self, num_groups: usize) {
        self.best.resize(num_groups, None);
    }

    fn update(&mut self, args: &[ArrayRef], group_ids: &[u32], selected: Option<&BooleanBuffer>) -> Result<(), AggregateError> {
        let values = args
            .first()
            .and_then(|a| a.as_boolean_opt())
            .ok_or_else(|| AggregateError::internal("MIN/MAX", "argument column is not boolean"))?;
        let (best, is_max) = (&mut self.best, self.is_max);
        for_each_selected(group_ids.len(), values.nulls(), selected, |row| {
            Self::offer(&mut best[group_ids[row] as usize], values.value(row), is_max);
        });
        Ok(())
    }

    fn merge(&mut self, src: u32, dst: u32) {
        if let Some(v) = self.best[src as usize] {
            Self::offer(&mut self.best[dst as usize], v, self.is_max);
        }
    }

    fn evaluate(&self, groups: &[u32]) -> Result<ArrayRef, AggregateError> {
        Ok(Arc::new(groups.iter().map(|g| self.best[*g as usize]).collect::<BooleanArray>()))
    }

    fn save(&self, groups: &[u32], out: &mut StateWriter) -> Result<(), AggregateError> {
        let flags: BooleanArray = groups.iter().map(|g| self.best[*g as usize]).collect();
        save_column(out, Arc::new(flags))
    }

    fn load(&mut self, groups: &[u32], input: &mut StateReader) -> Result<(), AggregateError> {
        let column = load_column(input, groups.len())?;
        let flags = column.as_boolean_opt().ok_or_else(|| state_error("MIN/MAX state is not boolean".into()))?;
        for (g, v) in groups.iter().zip(flags.iter()) {
            self.best[*g as usize] = v;
        }
        Ok(())
    }

    fn reset(&mut self, group: u32) {
        self.best[group as usize] = None;
    }
}
