//! Turning one partition's messages into rows: the value and key formats decode into
//! their own columns, and a batch is assembled from them in the table's column order,
//! with the metadata columns after. A row knows which decoded value and key row it
//! came from, so a tombstone (no value) and a record whose key failed after its value
//! decoded are both handled without copying rows one by one.

use std::sync::Arc;

use arrow_array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::SchemaRef;
use sluice_connector_api::{ChangeBatch, ConnectorError, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, RowKind};

use super::config::{KafkaConfig, KafkaFlavor};
use super::format::RowDecoder;
use super::metadata::{MessageMeta, MetaKind, MetadataBuilder};

/// Where an output column comes from: an index into the value or key decoder's columns.
#[derive(Clone, Copy, Debug)]
enum ColumnSource {
    Value(usize),
    Key(usize),
    /// A key column that the value holds too (`value.fields-include` = `ALL` in
    /// `upsert-kafka`): from the value, or from the key for a tombstone.
    ValueElseKey(usize, usize),
}

/// How every partition of a source builds its rows.
pub struct AssemblyPlan {
    columns: Vec<ColumnSource>,
    value_fields: Vec<(String, DataType)>,
    value_wanted: Vec<usize>,
    key_fields: Vec<(String, DataType)>,
    key_wanted: Vec<usize>,
    /// Every row needs its key decoded (a projected column comes only from the key).
    key_always: bool,
    /// A tombstone needs its key decoded.
    key_on_tombstone: bool,
    upsert: bool,
    value_option: &'static str,
    meta: Vec<MetaKind>,
    schema: SchemaRef,
    time_zone: SessionTimeZone,
}

impl AssemblyPlan {
    pub fn new(
        config: &KafkaConfig,
        table: &TableSpec,
        projection: &[usize],
        meta: Vec<MetaKind>,
        schema: SchemaRef,
        time_zone: SessionTimeZone,
    ) -> Result<AssemblyPlan, ConnectorError> {
        let upsert = config.flavor == KafkaFlavor::Upsert;
        let value_idx = config.value_fields(table.physical_columns.len());
        let mut value_wanted: Vec<usize> = Vec::new();
        let mut key_wanted: Vec<usize> = Vec::new();
        let want = |list: &mut Vec<usize>, i: usize| match list.iter().position(|&w| w == i) {
            Some(p) => p,
            None => {
                list.push(i);
                list.len() - 1
            }
        };
        let mut columns = Vec::with_capacity(projection.len());
        for &p in projection {
            if p >= table.physical_columns.len() {
                return Err(ConnectorError::Schema(format!("projection index {p} is out of range")));
            }
            let v = value_idx.iter().position(|&i| i == p);
            let k = config.key_fields.iter().position(|&i| i == p);
            columns.push(match (v, k) {
                (Some(v), Some(k)) if upsert => {
                    ColumnSource::ValueElseKey(want(&mut value_wanted, v), want(&mut key_wanted, k))
                }
                (Some(v), _) => ColumnSource::Value(want(&mut value_wanted, v)),
                (None, Some(k)) => ColumnSource::Key(want(&mut key_wanted, k)),
                (None, None) => {
                    return Err(ConnectorError::Schema(format!(
                        "column \"{}\" is in neither the key nor the value format",
                        table.physical_columns[p].0
                    )))
                }
            });
        }
        let key_always = columns.iter().any(|c| matches!(c, ColumnSource::Key(_)));
        let key_on_tombstone = key_always || columns.iter().any(|c| matches!(c, ColumnSource::ValueElseKey(..)));
        Ok(AssemblyPlan {
            columns,
            value_fields: config.value_format_fields(table),
            value_wanted,
            key_fields: config.key_format_fields(table),
            key_wanted,
            key_always,
            key_on_tombstone,
            upsert,
            value_option: if config.flavor == KafkaFlavor::Plain { "format" } else { "value.format" },
            meta,
            schema,
            time_zone,
        })
    }
}

/// The rows of one partition since the last batch was cut.
pub struct PartitionRows {
    value: RowDecoder,
    key: Option<RowDecoder>,
    value_map: Vec<Option<u32>>,
    key_map: Vec<Option<u32>>,
    kinds: Vec<RowKind>,
    has_deletes: bool,
    meta: MetadataBuilder,
}

impl PartitionRows {
    pub fn new(plan: &AssemblyPlan, config: &KafkaConfig, topic: &str, partition: i32) -> Result<PartitionRows, ConnectorError> {
        let value = RowDecoder::new(&config.value_format, &plan.value_fields, &plan.value_wanted, plan.value_option)?;
        let key = match &config.key_format {
            Some(spec) if plan.key_on_tombstone => {
                Some(RowDecoder::new(spec, &plan.key_fields, &plan.key_wanted, "key.format")?)
            }
            _ => None,
        };
        Ok(PartitionRows {
            value,
            key,
            value_map: Vec::new(),
            key_map: Vec::new(),
            kinds: Vec::new(),
            has_deletes: false,
            meta: MetadataBuilder::new(plan.meta.clone(), topic, partition, plan.time_zone),
        })
    }

    pub fn len(&self) -> usize {
        self.value_map.len()
    }

    /// Adds a message. `Ok(false)`: it makes no row (a tombstone in a plain source).
    /// `Err(reason)`: it cannot be decoded, and nothing of it is kept.
    pub fn push(
        &mut self,
        plan: &AssemblyPlan,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        meta: &MessageMeta<'_>,
    ) -> Result<bool, String> {
        let (value_row, kind) = match value {
            Some(bytes) => {
                self.value.decode(bytes)?;
                (Some(self.value.num_rows() as u32 - 1), RowKind::Insert)
            }
            None if plan.upsert => (None, RowKind::Delete),
            None => {
                // Flink's json and csv formats skip a null message; raw reads it as NULL.
                if !self.value.decode_null() {
                    return Ok(false);
                }
                (Some(self.value.num_rows() as u32 - 1), RowKind::Insert)
            }
        };
        let need_key = plan.key_always || (value_row.is_none() && plan.key_on_tombstone);
        let key_row = match (self.key.as_mut(), need_key) {
            (Some(decoder), true) => match key {
                Some(bytes) => {
                    decoder.decode(bytes).map_err(|r| format!("the key cannot be decoded: {r}"))?;
                    Some(decoder.num_rows() as u32 - 1)
                }
                None if decoder.decode_null() => Some(decoder.num_rows() as u32 - 1),
                None => None,
            },
            _ => None,
        };
        self.value_map.push(value_row);
        self.key_map.push(key_row);
        self.kinds.push(kind);
        self.has_deletes |= kind == RowKind::Delete;
        self.meta.push(meta);
        Ok(true)
    }

    /// Cuts the rows so far into a batch.
    pub fn flush(&mut self, plan: &AssemblyPlan) -> Result<ChangeBatch, ConnectorError> {
        let n = self.value_map.len();
        let value_cols = self.value.flush()?;
        let key_cols = match self.key.as_mut() {
            Some(k) => k.flush()?,
            None => Vec::new(),
        };
        let value_identity = is_identity(&self.value_map, value_cols.first().map(|a| a.len()));
        let key_identity = is_identity(&self.key_map, key_cols.first().map(|a| a.len()));
        let value_idx = (!value_identity).then(|| indices(&self.value_map));
        let key_idx = (!key_identity).then(|| indices(&self.key_map));
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(plan.columns.len() + plan.meta.len());
        for source in &plan.columns {
            let array = match *source {
                ColumnSource::Value(i) => pick(&value_cols, i, value_idx.as_ref())?,
                ColumnSource::Key(i) => pick(&key_cols, i, key_idx.as_ref())?,
                ColumnSource::ValueElseKey(v, k) => {
                    if !self.has_deletes && value_identity {
                        pick(&value_cols, v, None)?
                    } else {
                        merge(&value_cols[v], &key_cols, k, &self.value_map, &self.key_map)?
                    }
                }
            };
            arrays.push(array);
        }
        arrays.extend(self.meta.finish()?);
        self.value_map.clear();
        self.key_map.clear();
        let kinds = std::mem::take(&mut self.kinds);
        self.has_deletes = false;
        let options = RecordBatchOptions::new().with_row_count(Some(n));
        let batch = RecordBatch::try_new_with_options(plan.schema.clone(), arrays, &options).map_err(|e| {
            ConnectorError::Schema(format!("Kafka rows do not fit the table's schema: {e}"))
        })?;
        Ok(if plan.upsert { ChangeBatch::new(batch, kinds) } else { ChangeBatch::inserts(batch) })
    }
}

fn is_identity(map: &[Option<u32>], decoded: Option<usize>) -> bool {
    let decoded = decoded.unwrap_or(0);
    decoded == map.len() && map.iter().enumerate().all(|(i, r)| *r == Some(i as u32))
}

fn indices(map: &[Option<u32>]) -> UInt32Array {
    map.iter().copied().collect()
}

fn pick(cols: &[ArrayRef], i: usize, idx: Option<&UInt32Array>) -> Result<ArrayRef, ConnectorError> {
    let col = cols.get(i).ok_or_else(|| ConnectorError::External("internal error: a decoded column is missing".into()))?;
    match idx {
        None => Ok(col.clone()),
        Some(idx) => arrow_select::take::take(col.as_ref(), idx, None)
            .map_err(|e| ConnectorError::External(format!("internal error assembling Kafka rows: {e}"))),
    }
}

/// A key column held by both formats: the value's where there is one, else the key's.
fn merge(
    value: &ArrayRef,
    key_cols: &[ArrayRef],
    k: usize,
    value_map: &[Option<u32>],
    key_map: &[Option<u32>],
) -> Result<ArrayRef, ConnectorError> {
    let nulls = new_null_array(value.data_type(), 1);
    let key = key_cols.get(k).cloned().unwrap_or_else(|| nulls.clone());
    let sources: [&dyn arrow_array::Array; 3] = [value.as_ref(), key.as_ref(), nulls.as_ref()];
    let idx: Vec<(usize, usize)> = value_map
        .iter()
        .zip(key_map)
        .map(|(v, k)| match (v, k) {
            (Some(v), _) => (0, *v as usize),
            (None, Some(k)) if !key_cols.is_empty() => (1, *k as usize),
            _ => (2, 0),
        })
        .collect();
    arrow_select::interleave::interleave(&sources, &idx)
        .map(|a| -> ArrayRef { Arc::clone(&a) })
        .map_err(|e| ConnectorError::External(format!("internal error assembling Kafka rows: {e}")))
}
