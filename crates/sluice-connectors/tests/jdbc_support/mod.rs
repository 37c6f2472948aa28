//! Helpers shared by the jdbc tests: table specs and contexts.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_schema::{Schema, SchemaRef};
use sluice_connector_api::{LookupContext, SinkContext, SourceContext, TableSpec};
use sluice_types::DataType;

pub fn table(columns: &[(&str, DataType)], key: &[&str], options: &[(&str, &str)]) -> TableSpec {
    TableSpec {
        name: "t".to_string(),
        physical_columns: columns.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain([("connector".to_string(), "jdbc".to_string())])
            .collect::<BTreeMap<_, _>>(),
        primary_key: key.iter().map(|s| s.to_string()).collect(),
        partition_keys: Vec::new(),
    }
}

pub fn schema(spec: &TableSpec, indices: &[usize]) -> SchemaRef {
    Arc::new(Schema::new(
        indices.iter().map(|&i| spec.physical_columns[i].1.to_field(&spec.physical_columns[i].0)).collect::<Vec<_>>(),
    ))
}

pub fn source_ctx(spec: &TableSpec, subtask: usize, parallelism: usize) -> SourceContext {
    let projection: Vec<usize> = (0..spec.physical_columns.len()).collect();
    SourceContext {
        output_schema: schema(spec, &projection),
        projection,
        metadata: Vec::new(),
        batch_size: 3,
        time_zone: Default::default(),
        subtask,
        parallelism,
        job: String::new(),
        source_index: 0,
        checkpointing: false,
    }
}

pub fn sink_ctx(spec: &TableSpec) -> SinkContext {
    let all: Vec<usize> = (0..spec.physical_columns.len()).collect();
    SinkContext { input_schema: schema(spec, &all), metadata: Vec::new(), time_zone: Default::default(), subtask: 0, parallelism: 1, checkpointing: false, job: "test".into(), sink_index: 0 }
}

pub fn lookup_ctx(spec: &TableSpec, keys: &[usize], projection: &[usize]) -> LookupContext {
    LookupContext {
        key_columns: keys.to_vec(),
        projection: projection.to_vec(),
        output_schema: schema(spec, projection),
        time_zone: Default::default(),
    }
}
