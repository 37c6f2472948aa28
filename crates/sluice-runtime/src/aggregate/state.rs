//! Saving accumulator state in checkpoints. Each accumulator writes the slots of the
//! groups it is asked for, in order, with `sluice_connector_api::state`; values kept as
//! `arrow-row` bytes are written as Arrow columns, since those bytes may change between
//! arrow releases.

use arrow_array::ArrayRef;
use arrow_buffer::ArrowNativeType;
use arrow_row::{OwnedRow, Row};
use sluice_connector_api::state::{StateReader, StateWriter};

use super::value_codec::ValueCodec;
use super::AggregateError;

pub(crate) fn state_error(message: String) -> AggregateError {
    AggregateError::State(message)
}

/// Saved structure whose parts do not fit together (a damaged or foreign file).
pub(crate) fn corrupt(what: &str) -> AggregateError {
    state_error(format!("the saved {what} are inconsistent"))
}

fn count_mismatch(found: usize, expected: usize) -> AggregateError {
    state_error(format!(
        "the saved aggregate state has {found} groups where {expected} were expected"
    ))
}

/// Writes `slots[g]` of each group `g`.
pub(crate) fn save_slots<T: ArrowNativeType>(out: &mut StateWriter, slots: &[T], groups: &[u32]) {
    let picked: Vec<T> = groups.iter().map(|g| slots[*g as usize]).collect();
    out.natives(&picked);
}

/// Reads what `save_slots` wrote into `slots` of `groups`.
pub(crate) fn load_slots<T: ArrowNativeType>(
    input: &mut StateReader,
    slots: &mut [T],
    groups: &[u32],
) -> Result<(), AggregateError> {
    let saved = load_exact::<T>(input, groups.len())?;
    for (g, v) in groups.iter().zip(saved) {
        slots[*g as usize] = v;
    }
    Ok(())
}

pub(crate) fn save_flags(out: &mut StateWriter, flags: &[bool], groups: &[u32]) {
    out.bools(groups.iter().map(|g| flags[*g as usize]));
}

pub(crate) fn load_flags(
    input: &mut StateReader,
    flags: &mut [bool],
    groups: &[u32],
) -> Result<(), AggregateError> {
    let saved = input.bools().map_err(state_error)?;
    if saved.len() != groups.len() {
        return Err(count_mismatch(saved.len(), groups.len()));
    }
    for (g, v) in groups.iter().zip(saved) {
        flags[*g as usize] = v;
    }
    Ok(())
}

/// Writes one column of values (any Arrow type).
pub(crate) fn save_column(out: &mut StateWriter, column: ArrayRef) -> Result<(), AggregateError> {
    let rows = column.len();
    out.columns(&[column], rows).map_err(state_error)?;
    Ok(())
}

/// Reads a column `save_column` wrote, of `rows` values.
pub(crate) fn load_column(
    input: &mut StateReader,
    rows: usize,
) -> Result<ArrayRef, AggregateError> {
    let (mut columns, found) = input.columns().map_err(state_error)?;
    match columns.pop() {
        Some(c) if columns.is_empty() && found == rows => Ok(c),
        _ => Err(count_mismatch(found, rows)),
    }
}

/// Writes values a `ValueCodec` encoded, some absent, as Arrow columns and presence flags.
pub(crate) fn save_rows<'a>(
    out: &mut StateWriter,
    codec: &'a ValueCodec,
    values: impl ExactSizeIterator<Item = Option<Row<'a>>> + Clone,
) -> Result<(), AggregateError> {
    let rows = values.len();
    out.bools(values.clone().map(|v| v.is_some()));
    let columns = codec.decode(values)?;
    out.columns(&columns, rows).map_err(state_error)?;
    Ok(())
}

/// Reads what `save_rows` wrote, encoding the values with `codec` again.
pub(crate) fn load_rows(
    input: &mut StateReader,
    codec: &ValueCodec,
) -> Result<Vec<Option<OwnedRow>>, AggregateError> {
    let present = input.bools().map_err(state_error)?;
    let (columns, rows) = input.columns().map_err(state_error)?;
    if rows != present.len() {
        return Err(count_mismatch(rows, present.len()));
    }
    let encoded = codec.encode(&columns)?;
    if encoded.num_rows() != rows {
        return Err(count_mismatch(encoded.num_rows(), rows));
    }
    Ok(present
        .iter()
        .enumerate()
        .map(|(i, p)| p.then(|| encoded.row(i).owned()))
        .collect())
}

/// Writes per-group lists of values a `ValueCodec` encoded: the list lengths, then the
/// values as Arrow columns.
pub(crate) fn save_encoded<'a>(
    out: &mut StateWriter,
    codec: &ValueCodec,
    lengths: &[u32],
    values: impl Iterator<Item = &'a [u8]>,
) -> Result<(), AggregateError> {
    out.natives(lengths);
    let columns = codec.decode_bytes(values.map(Some))?;
    let rows = lengths.iter().map(|l| *l as usize).sum();
    out.columns(&columns, rows).map_err(state_error)?;
    Ok(())
}

/// Reads what `save_encoded` wrote for `groups` groups: each group's values, encoded
/// with `codec` again.
pub(crate) fn load_encoded(input: &mut StateReader, codec: &ValueCodec, groups: usize) -> Result<Vec<Vec<Box<[u8]>>>, AggregateError> {
    let lengths = input.natives::<u32>().map_err(state_error)?;
    let (columns, rows) = input.columns().map_err(state_error)?;
    if lengths.len() != groups || lengths.iter().map(|l| *l as usize).sum::<usize>() != rows {
        return Err(corrupt("aggregate values"));
    }
    let encoded = codec.encode(&columns)?;
    if encoded.num_rows() != rows {
        return Err(corrupt("aggregate values"));
    }
    let mut next = 0;
    Ok(lengths
        .iter()
        .map(|&n| {
            let list = (next..next + n as usize).map(|i| Box::from(encoded.row(i).data())).collect();
            next += n as usize;
            list
        })
        .collect())
}

/// Reads `expected` values `natives` wrote, or fails.
pub(crate) fn load_exact<T: ArrowNativeType>(input: &mut StateReader, expected: usize) -> Result<Vec<T>, AggregateError> {
    let values = input.natives::<T>().map_err(state_error)?;
    if values.len() != expected {
        return Err(count_mismatch(values.len(), expected));
    }
    Ok(values)
}
