//! The `filesystem` connector: reads and writes newline-delimited `json` or `csv` files
//! in a file or a folder, with Flink's option keys (`path`, `format`,
//! `source.monitor-interval`, `sink.rolling-policy.*`) and metadata columns (`file.path`,
//! `file.name`, `file.size`, `file.modification-time`). A `PARTITIONED BY` table is a
//! folder per partition value (`partition`).

mod config;
mod lookup;
mod partition;
mod sink;
mod source;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use sluice_connector_api::{
    ConnectorError, ConnectorFactory, LookupContext, LookupSource, MetadataColumn, SinkContext, SinkWriter,
    SourceContext, SourceReader, TableSpec,
};
use sluice_types::{DataType, TypeKind};

pub use config::{FileFormat, FilesystemConfig};
pub use lookup::FileLookup;
pub use partition::{escape_path_name, unescape_path_name, DEFAULT_PARTITION_NAME};
pub use sink::FileSink;
pub use source::{list_files, FileSource};

/// The metadata keys the source can produce.
pub const METADATA_KEYS: &[&str] = &["file.path", "file.name", "file.size", "file.modification-time"];

/// The factory to register under `filesystem`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(FilesystemFactory)
}

pub struct FilesystemFactory;

impl ConnectorFactory for FilesystemFactory {
    fn splits_across_readers(&self, _table: &TableSpec) -> bool {
        true
    }

    fn writes_in_parallel(&self, _table: &TableSpec) -> bool {
        true
    }

    fn supports_partitioning(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "filesystem"
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        let config = FilesystemConfig::parse(table)?;
        // Building the codec checks that the format can handle every column type.
        let columns = data_columns(table, &config);
        match &config.format {
            FileFormat::Json(o) => {
                if as_source {
                    sluice_formats::JsonDecoder::new(&columns, o)?;
                } else {
                    sluice_formats::JsonEncoder::new(&columns, o)?;
                }
            }
            FileFormat::Csv(o) => {
                if as_source {
                    sluice_formats::CsvDecoder::new(&columns, o)?;
                } else {
                    sluice_formats::CsvEncoder::new(&columns, o)?;
                }
            }
        }
        if let (true, Some(p)) = (as_source, &config.partitions) {
            for k in &p.keys {
                let (name, data_type) = &table.physical_columns[*k];
                if !partition::readable_type(data_type) {
                    return Err(ConnectorError::Schema(format!(
                        "partition column \"{name}\" has type {data_type}, which cannot be read back from a folder name: \
                         Flink reads CHAR, VARCHAR, BOOLEAN, the integer types, FLOAT, DOUBLE, DATE and TIMESTAMP partitions"
                    )));
                }
            }
        }
        Ok(())
    }

    fn is_bounded(&self, table: &TableSpec) -> bool {
        FilesystemConfig::parse(table).map(|c| c.monitor_interval.is_none()).unwrap_or(true)
    }

    fn metadata_columns(&self, _table: &TableSpec) -> Vec<MetadataColumn> {
        vec![
            MetadataColumn { key: "file.path", data_type: DataType::not_null(TypeKind::Varchar { length: sluice_types::MAX_VARCHAR_LENGTH }), writable: false },
            MetadataColumn { key: "file.name", data_type: DataType::not_null(TypeKind::Varchar { length: sluice_types::MAX_VARCHAR_LENGTH }), writable: false },
            MetadataColumn { key: "file.size", data_type: DataType::not_null(TypeKind::BigInt), writable: false },
            MetadataColumn {
                key: "file.modification-time",
                data_type: DataType::not_null(TypeKind::TimestampLtz { precision: 3 }),
                writable: false,
            },
        ]
    }

    fn create_source(
        &self,
        table: &TableSpec,
        ctx: &SourceContext,
    ) -> Result<Box<dyn SourceReader>, ConnectorError> {
        let config = FilesystemConfig::parse(table)?;
        Ok(Box::new(FileSource::new(table, &config, ctx)?))
    }

    fn create_lookup(
        &self,
        table: &TableSpec,
        ctx: &LookupContext,
    ) -> Result<Box<dyn LookupSource>, ConnectorError> {
        let config = FilesystemConfig::parse(table)?;
        Ok(Box::new(FileLookup::new(table, config, ctx)?))
    }

    fn create_sink(
        &self,
        table: &TableSpec,
        ctx: &SinkContext,
    ) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        let config = FilesystemConfig::parse(table)?;
        Ok(Box::new(FileSink::new(table, &config, ctx)?))
    }
}

/// The columns the files hold: the physical columns less the partition columns, which
/// live in the folder names.
pub(crate) fn data_columns(table: &TableSpec, config: &FilesystemConfig) -> Vec<(String, DataType)> {
    let keys = config.partitions.as_ref().map(|p| p.keys.as_slice()).unwrap_or(&[]);
    table
        .physical_columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !keys.contains(i))
        .map(|(_, c)| c.clone())
        .collect()
}
