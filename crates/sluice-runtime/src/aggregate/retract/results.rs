use std::sync::Arc;

use arrow_array::{ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow_buffer::ScalarBuffer;
use arrow_schema::DataType as ArrowType;

use crate::aggregate::selection::nulls_from_flags;

/// Results recorded for output rows, in push order. `V` compares as Flink compares
/// result values (floats are recorded as their bits for that reason).
pub(crate) struct Results<V> {
    pub values: Vec<V>,
}

impl<V: PartialEq> Results<V> {
    pub fn new() -> Self {
        Results { values: Vec::new() }
    }

    #[inline]
    pub fn push(&mut self, v: V) {
        self.values.push(v);
    }

    pub fn pop(&mut self, n: usize) {
        let len = self.values.len().saturating_sub(n);
        self.values.truncate(len);
    }

    pub fn remove_before_last(&mut self) {
        let len = self.values.len();
        if len >= 2 {
            self.values.swap_remove(len - 2);
        }
    }

    pub fn last_two_equal(&self) -> bool {
        match self.values.as_slice() {
            [.., a, b] => a == b,
            _ => false,
        }
    }

    pub fn take(&mut self) -> Vec<V> {
        std::mem::take(&mut self.values)
    }
}

/// Implements the result-recording methods of `RetractAccumulator` by delegating to a
/// `Results` field.
macro_rules! delegate_results {
    ($field:ident) => {
        fn pop_results(&mut self, n: usize) {
            self.$field.pop(n);
        }

        fn remove_before_last(&mut self) {
            self.$field.remove_before_last();
        }

        fn last_two_equal(&self) -> bool {
            self.$field.last_two_equal()
        }
    };
}
pub(crate) use delegate_results;

/// A primitive result column from optional natives.
pub(crate) fn primitive_column<T: ArrowPrimitiveType>(values: &[Option<T::Native>], output: &ArrowType) -> ArrayRef {
    let raw: ScalarBuffer<T::Native> = values.iter().map(|v| v.unwrap_or_default()).collect();
    let nulls = nulls_from_flags(values.iter().map(Option::is_some));
    Arc::new(PrimitiveArray::<T>::new(raw, nulls).with_data_type(output.clone()))
}

/// A double as a value that compares by its bits, as Flink's binary row equality does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct F64Bits(pub u64);

impl F64Bits {
    pub fn of(v: f64) -> Self {
        F64Bits(v.to_bits())
    }

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// An optional native value that compares as Arrow's total order does (so NaN equals
/// NaN and -0.0 differs from 0.0, as comparing bits would).
#[derive(Clone, Copy, Debug)]
pub(crate) struct NativeEq<T: ArrowPrimitiveType>(pub Option<T::Native>);

impl<T: ArrowPrimitiveType> PartialEq for NativeEq<T> {
    fn eq(&self, other: &Self) -> bool {
        use arrow_array::ArrowNativeTypeOp;
        match (self.0, other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => a.is_eq(b),
            _ => false,
        }
    }
}
