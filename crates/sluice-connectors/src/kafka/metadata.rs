//! The metadata columns of a Kafka message, with Flink's keys and types: read into
//! Arrow columns per partition batch, and `timestamp` and `headers` written by the sink.

use std::sync::Arc;

use arrow_array::builder::{BinaryBuilder, MapBuilder, MapFieldNames, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, Int32Array, Int64Array, PrimitiveArray, StringArray};
use arrow_schema::Field;
use sluice_connector_api::{ConnectorError, MetadataColumn};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, TypeKind, MAX_VARCHAR_LENGTH};

/// The metadata columns both Kafka connectors offer.
pub fn metadata_columns() -> Vec<MetadataColumn> {
    let string = || DataType::not_null(TypeKind::Varchar { length: MAX_VARCHAR_LENGTH });
    let bytes = DataType::new(TypeKind::Varbinary { length: MAX_VARCHAR_LENGTH });
    vec![
        MetadataColumn { key: "topic", data_type: string(), writable: false },
        MetadataColumn { key: "partition", data_type: DataType::not_null(TypeKind::Int), writable: false },
        MetadataColumn {
            key: "headers",
            data_type: DataType::not_null(TypeKind::Map(Box::new(string()), Box::new(bytes))),
            writable: true,
        },
        MetadataColumn { key: "leader-epoch", data_type: DataType::new(TypeKind::Int), writable: false },
        MetadataColumn { key: "offset", data_type: DataType::not_null(TypeKind::BigInt), writable: false },
        MetadataColumn { key: "timestamp", data_type: DataType::not_null(TypeKind::TimestampLtz { precision: 3 }), writable: true },
        MetadataColumn { key: "timestamp-type", data_type: string(), writable: false },
    ]
}

/// One metadata column a source produces.
#[derive(Clone, Debug)]
pub enum MetaKind {
    Topic,
    Partition,
    Headers,
    LeaderEpoch,
    Offset,
    /// `local`: the column is a `TIMESTAMP` (wall-clock in the session time zone) rather
    /// than a `TIMESTAMP_LTZ`, as Flink's cast from the `TIMESTAMP_LTZ(3)` would give.
    Timestamp { local: bool, arrow: arrow_schema::DataType },
    TimestampType,
}

impl MetaKind {
    /// Checks a requested metadata column against the keys and types the connector offers.
    pub fn resolve(key: &str, ty: &DataType, connector: &str) -> Result<MetaKind, ConnectorError> {
        let offered = metadata_columns();
        let Some(column) = offered.iter().find(|c| c.key == key) else {
            let keys: Vec<String> = offered.iter().map(|c| format!("\"{}\"", c.key)).collect();
            return Err(ConnectorError::Schema(format!(
                "connector \"{connector}\" has no metadata column \"{key}\"; it offers {}",
                keys.join(", ")
            )));
        };
        if key == "timestamp" {
            return match ty.kind {
                TypeKind::TimestampLtz { .. } => Ok(MetaKind::Timestamp { local: false, arrow: ty.to_arrow() }),
                TypeKind::Timestamp { .. } => Ok(MetaKind::Timestamp { local: true, arrow: ty.to_arrow() }),
                _ => Err(type_error(connector, key, &column.data_type, ty)),
            };
        }
        if ty.to_arrow() != column.data_type.to_arrow() {
            return Err(type_error(connector, key, &column.data_type, ty));
        }
        Ok(match key {
            "topic" => MetaKind::Topic,
            "partition" => MetaKind::Partition,
            "headers" => MetaKind::Headers,
            "leader-epoch" => MetaKind::LeaderEpoch,
            "offset" => MetaKind::Offset,
            _ => MetaKind::TimestampType,
        })
    }
}

fn type_error(connector: &str, key: &str, offered: &DataType, asked: &DataType) -> ConnectorError {
    ConnectorError::Schema(format!(
        "metadata column \"{key}\" of connector \"{connector}\" is a {offered}, not {asked}"
    ))
}

/// What a message says about itself, for the metadata columns.
pub struct MessageMeta<'a> {
    pub offset: i64,
    pub timestamp_millis: i64,
    pub timestamp_type: &'static str,
    pub leader_epoch: Option<i32>,
    pub headers: &'a [(&'a str, Option<&'a [u8]>)],
}

/// Collects the metadata of one partition's rows until the batch is cut.
pub struct MetadataBuilder {
    kinds: Vec<MetaKind>,
    topic: String,
    partition: i32,
    time_zone: SessionTimeZone,
    rows: usize,
    offsets: Vec<i64>,
    timestamps: Vec<i64>,
    types: Vec<&'static str>,
    epochs: Vec<Option<i32>>,
    headers: Option<MapBuilder<StringBuilder, BinaryBuilder>>,
}

impl MetadataBuilder {
    pub fn new(kinds: Vec<MetaKind>, topic: &str, partition: i32, time_zone: SessionTimeZone) -> MetadataBuilder {
        let headers = kinds.iter().any(|k| matches!(k, MetaKind::Headers)).then(new_headers_builder);
        MetadataBuilder {
            kinds,
            topic: topic.to_string(),
            partition,
            time_zone,
            rows: 0,
            offsets: Vec::new(),
            timestamps: Vec::new(),
            types: Vec::new(),
            epochs: Vec::new(),
            headers,
        }
    }

    pub fn push(&mut self, meta: &MessageMeta<'_>) {
        if self.kinds.is_empty() {
            return;
        }
        self.rows += 1;
        for kind in &self.kinds {
            match kind {
                MetaKind::Offset => self.offsets.push(meta.offset),
                MetaKind::Timestamp { .. } => self.timestamps.push(meta.timestamp_millis),
                MetaKind::TimestampType => self.types.push(meta.timestamp_type),
                MetaKind::LeaderEpoch => self.epochs.push(meta.leader_epoch),
                MetaKind::Headers => {
                    if let Some(b) = self.headers.as_mut() {
                        for (k, v) in meta.headers {
                            b.keys().append_value(k);
                            match v {
                                Some(v) => b.values().append_value(v),
                                None => b.values().append_null(),
                            }
                        }
                        // Appending to a map builder whose key and value counts match cannot fail.
                        let _ = b.append(true);
                    }
                }
                MetaKind::Topic | MetaKind::Partition => {}
            }
        }
    }

    /// The metadata columns of the rows pushed since the last call.
    pub fn finish(&mut self) -> Result<Vec<ArrayRef>, ConnectorError> {
        let n = self.rows;
        self.rows = 0;
        let mut out = Vec::with_capacity(self.kinds.len());
        for kind in &self.kinds {
            let array: ArrayRef = match kind {
                MetaKind::Topic => Arc::new(StringArray::from_iter_values(std::iter::repeat_n(self.topic.as_str(), n))),
                MetaKind::Partition => Arc::new(Int32Array::from(vec![self.partition; n])),
                MetaKind::Offset => Arc::new(Int64Array::from(std::mem::take(&mut self.offsets))),
                MetaKind::LeaderEpoch => Arc::new(Int32Array::from(std::mem::take(&mut self.epochs))),
                MetaKind::TimestampType => Arc::new(StringArray::from(std::mem::take(&mut self.types))),
                MetaKind::Timestamp { local, arrow } => {
                    let micros: Vec<i64> = self
                        .timestamps
                        .iter()
                        .map(|ms| {
                            let instant = ms.saturating_mul(1000);
                            if *local {
                                self.time_zone.to_local(instant)
                            } else {
                                instant
                            }
                        })
                        .collect();
                    Arc::new(PrimitiveArray::<TimestampMicrosecondType>::from(micros).with_data_type(arrow.clone()))
                }
                MetaKind::Headers => match self.headers.as_mut() {
                    Some(b) => Arc::new(b.finish()),
                    None => return Err(ConnectorError::External("internal error: no headers builder".into())),
                },
            };
            out.push(array);
        }
        self.timestamps.clear();
        Ok(out)
    }
}

/// A builder of `MAP<STRING, BYTES>` laid out as `DataType::to_arrow` says.
fn new_headers_builder() -> MapBuilder<StringBuilder, BinaryBuilder> {
    let names = MapFieldNames { entry: "entries".into(), key: "key".into(), value: "value".into() };
    MapBuilder::new(Some(names), StringBuilder::new(), BinaryBuilder::new())
        .with_keys_field(Arc::new(Field::new("key", arrow_schema::DataType::Utf8, false)))
        .with_values_field(Arc::new(Field::new("value", arrow_schema::DataType::Binary, true)))
}

/// Reads the written `timestamp` metadata column of a sink row as epoch milliseconds.
pub fn timestamp_millis(column: &dyn Array, row: usize, time_zone: &SessionTimeZone) -> Option<i64> {
    if column.is_null(row) {
        return None;
    }
    let array = column.as_primitive_opt::<TimestampMicrosecondType>()?;
    let micros = array.value(row);
    let instant = match array.timezone() {
        Some(_) => micros,
        None => time_zone.to_instant(micros),
    };
    Some(instant.div_euclid(1000))
}

/// Reads the written `headers` metadata column of a sink row.
pub fn headers(column: &dyn Array, row: usize) -> Vec<(String, Option<Vec<u8>>)> {
    let Some(map) = column.as_map_opt() else { return Vec::new() };
    if map.is_null(row) {
        return Vec::new();
    }
    let entries = map.value(row);
    let (Some(keys), Some(values)) = (entries.column(0).as_string_opt::<i32>(), entries.column(1).as_binary_opt::<i32>()) else {
        return Vec::new();
    };
    (0..entries.len())
        .map(|i| {
            let v = (!values.is_null(i)).then(|| values.value(i).to_vec());
            (keys.value(i).to_string(), v)
        })
        .collect()
}
