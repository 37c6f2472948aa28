//! How rows move between the instances of an operator when a job runs with a parallelism
//! above 1: each input of a node says which instance a row must reach
//! (`Distribution`), and a keyed distribution sends each row to the instance that owns
//! its key group, as Flink does. The key group of a row is its key's hash modulo the
//! job's maximum parallelism (`pipeline.max-parallelism`, 128 by default), and an
//! instance owns a contiguous range of key groups, so that state saved per key group can
//! later be handed to another number of instances.

use std::hash::BuildHasher;

use arrow_array::{RecordBatch, UInt32Array};
use arrow_row::{RowConverter, SortField};
use sluice_connector_api::ChangeBatch;
use sluice_types::RowKind;

use crate::hash::KeyHasher;
use crate::RuntimeError;

/// Flink's default `pipeline.max-parallelism`: the number of key groups.
pub const DEFAULT_MAX_PARALLELISM: usize = 128;

/// Which instance of a node an input row must reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// The instance in the same subtask as the sender: no exchange (a chain, as Flink
    /// chains operators).
    Forward,
    /// The instance that owns the key group of these input columns.
    Hash(Vec<usize>),
    /// Instance 0 only: a global operator or a sink that needs one writer.
    Single,
}

impl Distribution {
    /// How EXPLAIN names the exchange in front of an input, `None` for a chain.
    pub fn exchange_text(&self, column_names: &[String]) -> Option<String> {
        match self {
            Distribution::Forward => None,
            Distribution::Single => Some("SINGLE".into()),
            Distribution::Hash(keys) => Some(format!(
                "HASH[{}]",
                keys.iter().map(|k| column_names.get(*k).cloned().unwrap_or_else(|| format!("${k}"))).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// The key group (`0..max_parallelism`) of a key's hash.
pub fn key_group(hash: u64, max_parallelism: usize) -> usize {
    (hash % max_parallelism.max(1) as u64) as usize
}

/// The instance that owns a key group: instance `i` of `parallelism` owns the groups
/// `ceil(i * max / parallelism)..ceil((i + 1) * max / parallelism)`, Flink's ranges.
pub fn instance_of_key_group(group: usize, parallelism: usize, max_parallelism: usize) -> usize {
    group * parallelism / max_parallelism.max(1)
}

/// The key group of each row of `batch`, from the `arrow-row` bytes of its `keys`
/// columns (the encoding the operators' key tables use, so keys equal there land in the
/// same group).
pub fn key_groups(batch: &RecordBatch, keys: &[usize], max_parallelism: usize) -> Result<Vec<usize>, RuntimeError> {
    let columns = keys
        .iter()
        .map(|k| {
            batch.columns().get(*k).cloned().ok_or_else(|| {
                RuntimeError::Internal(format!("an exchange keyed by column {k} of a batch with {} columns", batch.num_columns()))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fields = columns.iter().map(|c| SortField::new(c.data_type().clone())).collect();
    let converter = RowConverter::new(fields).map_err(|e| RuntimeError::Internal(format!("exchange keys: {e}")))?;
    let rows = converter.convert_columns(&columns).map_err(|e| RuntimeError::Internal(format!("exchange keys: {e}")))?;
    let hasher = KeyHasher::default();
    Ok(rows.iter().map(|row| key_group(hasher.hash_one(row.data()), max_parallelism)).collect())
}

/// Splits `batch` by the instance that owns each row's key: `(instance, rows)` pairs in
/// instance order, each keeping the rows' order and change kinds.
pub fn partition(
    batch: &ChangeBatch,
    keys: &[usize],
    parallelism: usize,
    max_parallelism: usize,
) -> Result<Vec<(usize, ChangeBatch)>, RuntimeError> {
    let groups = key_groups(&batch.data, keys, max_parallelism)?;
    let mut rows: Vec<Vec<u32>> = vec![Vec::new(); parallelism];
    for (row, group) in groups.into_iter().enumerate() {
        rows[instance_of_key_group(group, parallelism, max_parallelism)].push(row as u32);
    }
    let mut parts = Vec::new();
    for (instance, indices) in rows.into_iter().enumerate() {
        if indices.is_empty() {
            continue;
        }
        if indices.len() == batch.num_rows() {
            parts.push((instance, batch.clone()));
            continue;
        }
        parts.push((instance, take(batch, indices)?));
    }
    Ok(parts)
}

fn take(batch: &ChangeBatch, indices: Vec<u32>) -> Result<ChangeBatch, RuntimeError> {
    let kinds: Option<Vec<RowKind>> = batch.kinds.as_ref().map(|k| indices.iter().map(|i| k[*i as usize]).collect());
    let indices = UInt32Array::from(indices);
    let data = arrow_select::take::take_record_batch(&batch.data, &indices)
        .map_err(|e| RuntimeError::Internal(format!("exchange: {e}")))?;
    Ok(match kinds {
        Some(kinds) => ChangeBatch::new(data, kinds),
        None => ChangeBatch::inserts(data),
    })
}

/// What a keyed operator with two inputs joined on `left_keys = right_keys` needs: both
/// sides hashed by their keys when the key columns have the same Arrow types (so equal
/// values encode, and hash, alike), else both gathered on one instance.
pub fn join_distribution(
    input: usize,
    left_keys: &[usize],
    right_keys: &[usize],
    left: &arrow_schema::Schema,
    right: &arrow_schema::Schema,
) -> Distribution {
    let same_types = !left_keys.is_empty()
        && left_keys.len() == right_keys.len()
        && left_keys.iter().zip(right_keys).all(|(l, r)| match (left.fields().get(*l), right.fields().get(*r)) {
            (Some(l), Some(r)) => l.data_type() == r.data_type(),
            _ => false,
        });
    if !same_types {
        return Distribution::Single;
    }
    Distribution::Hash(if input == 0 { left_keys.to_vec() } else { right_keys.to_vec() })
}

/// A keyed distribution on `keys`, or one instance when there are none (a global
/// aggregate, a Top-N without PARTITION BY).
pub fn keyed(keys: &[usize]) -> Distribution {
    if keys.is_empty() {
        Distribution::Single
    } else {
        Distribution::Hash(keys.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn key_groups_split_into_flinks_contiguous_ranges() {
        // 128 groups over 3 instances: 0..43, 43..86, 86..128.
        let owners: Vec<usize> = (0..128).map(|g| instance_of_key_group(g, 3, 128)).collect();
        assert_eq!(owners.iter().filter(|o| **o == 0).count(), 43);
        assert_eq!(owners.iter().filter(|o| **o == 1).count(), 43);
        assert_eq!(owners.iter().filter(|o| **o == 2).count(), 42);
        assert!(owners.windows(2).all(|w| w[0] <= w[1]));
        assert!((0..128).all(|g| instance_of_key_group(g, 1, 128) == 0));
    }

    #[test]
    fn partition_keeps_each_key_on_one_instance_and_rows_in_order() {
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Utf8, true), Field::new("v", DataType::Int64, true)]));
        let keys: Vec<&str> = (0..1000).map(|i| ["a", "b", "c", "d", "e", "f", "g"][i % 7]).collect();
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(keys)), Arc::new(Int64Array::from_iter_values(0..1000))],
        )
        .unwrap();
        let kinds: Vec<RowKind> = (0..1000).map(|i| if i % 2 == 0 { RowKind::Insert } else { RowKind::UpdateAfter }).collect();
        let batch = ChangeBatch::new(batch, kinds);
        let parts = partition(&batch, &[0], 4, 128).unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut total = 0;
        for (instance, part) in &parts {
            total += part.num_rows();
            let k = part.data.column(0).as_any().downcast_ref::<StringArray>().unwrap();
            let v = part.data.column(1).as_any().downcast_ref::<Int64Array>().unwrap();
            for row in 0..part.num_rows() {
                assert_eq!(*seen.entry(k.value(row).to_string()).or_insert(*instance), *instance);
                assert_eq!(part.kind(row), batch.kind(v.value(row) as usize));
                if row > 0 {
                    assert!(v.value(row - 1) < v.value(row));
                }
            }
        }
        assert_eq!(total, 1000);
        assert!(parts.len() > 1, "seven keys all landed on one of four instances");
        assert_eq!(partition(&batch, &[0], 1, 128).unwrap().len(), 1);
    }

    #[test]
    fn joins_on_keys_of_different_types_are_gathered() {
        let l = Schema::new(vec![Field::new("a", DataType::Int32, true)]);
        let r = Schema::new(vec![Field::new("b", DataType::Int64, true)]);
        assert_eq!(join_distribution(0, &[0], &[0], &l, &r), Distribution::Single);
        assert_eq!(join_distribution(1, &[0], &[0], &l, &l), Distribution::Hash(vec![0]));
        assert_eq!(join_distribution(0, &[], &[], &l, &l), Distribution::Single);
    }
}
