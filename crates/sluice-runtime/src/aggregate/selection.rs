use arrow_array::Array;
use arrow_buffer::{BooleanBuffer, NullBuffer};

/// Calls `f` with each row index below `len` that takes part in an aggregate: its value
/// is not NULL (when `nulls` is given) and it is selected (when `selected` is given).
/// Without NULLs and selection this is a plain counted loop the compiler can vectorise.
#[inline]
pub(crate) fn for_each_selected(
    len: usize,
    nulls: Option<&NullBuffer>,
    selected: Option<&BooleanBuffer>,
    f: impl FnMut(usize),
) {
    match (nulls.filter(|n| n.null_count() > 0), selected) {
        (None, None) => (0..len).for_each(f),
        (Some(n), None) => n.inner().set_indices().for_each(f),
        (None, Some(s)) => s.set_indices().for_each(f),
        (Some(n), Some(s)) => (n.inner() & s).set_indices().for_each(f),
    }
}

/// The rows of a BOOLEAN column that are TRUE (NULL counts as not TRUE), as Flink's
/// `FILTER (WHERE ...)` reads it.
pub fn true_rows(column: &arrow_array::BooleanArray) -> BooleanBuffer {
    match column.nulls() {
        Some(n) => column.values() & n.inner(),
        None => column.values().clone(),
    }
}

/// A validity buffer of the given groups' flags, or `None` when every flag is set.
pub(crate) fn nulls_from_flags(flags: impl Iterator<Item = bool>) -> Option<NullBuffer> {
    let buffer = BooleanBuffer::from_iter(flags);
    let nulls = NullBuffer::new(buffer);
    (nulls.null_count() > 0).then_some(nulls)
}
