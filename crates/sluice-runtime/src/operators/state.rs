//! The checkpoint encoding shared by operators that hold rows. Keys are kept in memory
//! as `arrow-row` bytes, which may change between arrow releases, so they are saved as
//! the Arrow columns they encode and encoded again on restore. Stored rows are gathered
//! from the batches they pin into one batch, so a restored operator holds only the rows
//! its state refers to.

use std::collections::BTreeSet;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_row::RowConverter;
use arrow_schema::DataType as ArrowType;
use sluice_connector_api::state::{StateReader, StateWriter};

use super::window_rank::batch_store::{BatchStore, RowRef};
use crate::operator::KeyGroupFilter;

/// Writes keys a `row_converter` encoded (none for a converter of no columns: a global
/// key) as Arrow columns.
pub(crate) fn save_keys(out: &mut StateWriter, converter: &Option<RowConverter>, keys: &[&[u8]]) -> Result<(), String> {
    let columns: Vec<ArrayRef> = match converter {
        None => Vec::new(),
        Some(c) => {
            let parser = c.parser();
            c.convert_rows(keys.iter().map(|k| parser.parse(k))).map_err(|e| format!("cannot decode state keys: {e}"))?
        }
    };
    out.columns(&columns, keys.len())?;
    Ok(())
}

/// Reads keys `save_keys` wrote, encoded with `converter` again, with whether the
/// instance `keep` describes owns each (all, without `keep`).
pub(crate) fn load_owned_keys(
    input: &mut StateReader,
    converter: &Option<RowConverter>,
    keep: Option<&KeyGroupFilter>,
) -> Result<(Vec<Vec<u8>>, Vec<bool>), String> {
    let (columns, rows) = input.columns()?;
    let owned = match keep {
        Some(keep) => keep.owns(&columns, rows).map_err(|e| e.to_string())?,
        None => vec![true; rows],
    };
    Ok((load_key_columns(columns, rows, converter)?, owned))
}

fn load_key_columns(columns: Vec<ArrayRef>, rows: usize, converter: &Option<RowConverter>) -> Result<Vec<Vec<u8>>, String> {
    match converter {
        None if columns.is_empty() => Ok(vec![Vec::new(); rows]),
        None => Err("the saved keys have columns where the query has none".into()),
        Some(c) => {
            let encoded = c.convert_columns(&columns).map_err(|e| format!("the saved keys do not fit the query's key columns: {e}"))?;
            Ok(encoded.iter().map(|r| r.as_ref().to_vec()).collect())
        }
    }
}

/// Writes stored rows (`None` for an entry without one) as one batch of `types`, with
/// which entries have a row.
pub(crate) fn save_stored(out: &mut StateWriter, store: &BatchStore, rows: &[Option<RowRef>], types: &[ArrowType]) -> Result<(), String> {
    out.bools(rows.iter().map(Option::is_some));
    let columns = types
        .iter()
        .enumerate()
        .map(|(c, t)| store.gather_column(c, rows, t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    out.columns(&columns, rows.len())?;
    Ok(())
}

/// Reads rows `save_stored` wrote into `store` as one batch, each present row retained
/// once. Returns the batch (row `i` is entry `i`, NULLs where absent) and the entries'
/// rows.
pub(crate) fn load_stored(input: &mut StateReader, store: &mut BatchStore) -> Result<(RecordBatch, Vec<Option<RowRef>>), String> {
    let present = input.bools()?;
    let batch = input.batch()?;
    if batch.num_rows() != present.len() {
        return Err("the saved rows do not match their entries".into());
    }
    let id = store.insert(batch.clone());
    let rows = present
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.then(|| {
                store.retain(id);
                RowRef { batch: id, row: i as u32 }
            })
        })
        .collect();
    store.drop_if_unused(id);
    Ok((batch, rows))
}

/// Writes event-time timers as `(time, key)`, keys numbered as the snapshot numbers them.
pub(crate) fn save_timers(out: &mut StateWriter, timers: impl Iterator<Item = (i64, u64)>) {
    let (times, keys): (Vec<i64>, Vec<u64>) = timers.unzip();
    out.natives(&times).natives(&keys);
}

/// Reads timers `save_timers` wrote, for keys numbered `0..keys`.
pub(crate) fn load_timers(input: &mut StateReader, keys: usize) -> Result<BTreeSet<(i64, usize)>, String> {
    let times = input.natives::<i64>()?;
    let ordinals = input.natives::<u64>()?;
    if times.len() != ordinals.len() || ordinals.iter().any(|k| *k >= keys as u64) {
        return Err("the saved timers do not match the saved keys".into());
    }
    Ok(times.into_iter().zip(ordinals.into_iter().map(|k| k as usize)).collect())
}
