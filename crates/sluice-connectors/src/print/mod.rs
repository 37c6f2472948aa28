//! The `print` connector: writes each row as Flink's print sink does, `+I[...]` and so
//! on, one per line, to standard output (or standard error), with Flink's prefix of the
//! `print-identifier` and the subtask number when there are several.

use std::io::Write;
use std::sync::Arc;

use sluice_connector_api::{
    ChangeBatch, ConnectorError, ConnectorFactory, SinkChangelogMode, SinkContext, SinkWriter, TableSpec,
};
use sluice_formats::print_row::format_row_in_zone;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::DataType;

use crate::options::{check_known_keys, get_parsed, parse_bool};

const KNOWN_KEYS: &[&str] = &["print-identifier", "standard-error", "sink.parallelism"];

/// The factory to register under `print`.
pub fn factory() -> Arc<dyn ConnectorFactory> {
    Arc::new(PrintFactory)
}

pub struct PrintFactory;

impl ConnectorFactory for PrintFactory {
    fn name(&self) -> &'static str {
        "print"
    }

    fn validate(&self, table: &TableSpec, as_source: bool) -> Result<(), ConnectorError> {
        if as_source {
            return Err(ConnectorError::Unsupported { connector: "print".into(), role: "source" });
        }
        check_known_keys("print", &table.options, KNOWN_KEYS)?;
        get_parsed(&table.options, "standard-error", parse_bool)?;
        get_parsed(&table.options, "sink.parallelism", crate::options::parse_u64)?;
        Ok(())
    }

    fn is_bounded(&self, _table: &TableSpec) -> bool {
        false
    }

    fn sink_changelog_mode(&self, _table: &TableSpec) -> SinkChangelogMode {
        SinkChangelogMode::All
    }


    fn create_sink(
        &self,
        table: &TableSpec,
        ctx: &SinkContext,
    ) -> Result<Box<dyn SinkWriter>, ConnectorError> {
        self.validate(table, false)?;
        let stderr = get_parsed(&table.options, "standard-error", parse_bool)?.unwrap_or(false);
        let prefix = line_prefix(table.option("print-identifier"), ctx.subtask, ctx.parallelism);
        let target = if stderr { Target::Stderr } else { Target::Stdout };
        Ok(Box::new(PrintSink::new(
            table.physical_columns.iter().map(|(_, t)| t.clone()).collect(),
            prefix,
            ctx.time_zone,
            target,
        )))
    }
}

/// The text before each row: `id> `, `id:2> `, `2> ` or nothing, as Flink's
/// `PrintSinkOutputWriter` writes it (subtask numbers count from 1).
pub fn line_prefix(identifier: Option<&str>, subtask: usize, parallelism: usize) -> String {
    match (identifier, parallelism > 1) {
        (Some(id), true) => format!("{id}:{}> ", subtask + 1),
        (Some(id), false) => format!("{id}> "),
        (None, true) => format!("{}> ", subtask + 1),
        (None, false) => String::new(),
    }
}

/// Where the rows go.
pub enum Target {
    Stdout,
    Stderr,
    /// Kept in memory (for tests and the server's live preview).
    Memory(Arc<std::sync::Mutex<Vec<u8>>>),
}

/// Formats rows and writes them in one locked write per batch.
pub struct PrintSink {
    types: Vec<DataType>,
    prefix: String,
    zone: SessionTimeZone,
    target: Target,
    text: String,
}

impl PrintSink {
    pub fn new(types: Vec<DataType>, prefix: String, zone: SessionTimeZone, target: Target) -> Self {
        PrintSink { types, prefix, zone, target, text: String::new() }
    }

    fn emit(&mut self) -> Result<(), ConnectorError> {
        let bytes = self.text.as_bytes();
        let result = match &self.target {
            Target::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|_| out.flush())
            }
            Target::Stderr => std::io::stderr().lock().write_all(bytes),
            Target::Memory(m) => {
                match m.lock() {
                    Ok(mut v) => v.extend_from_slice(bytes),
                    Err(p) => p.into_inner().extend_from_slice(bytes),
                }
                Ok(())
            }
        };
        self.text.clear();
        result.map_err(|e| ConnectorError::io("cannot write the rows of the print sink", e))
    }
}

impl SinkWriter for PrintSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        self.text.clear();
        for row in 0..batch.num_rows() {
            self.text.push_str(&self.prefix);
            format_row_in_zone(&batch.data, &self.types, row, batch.kind(row), &self.zone, &mut self.text);
            self.text.push('\n');
        }
        self.emit()
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use arrow_array::{Int32Array, RecordBatch, StringArray};
    use arrow_schema::Schema;
    use sluice_types::RowKind;

    use super::*;

    #[test]
    fn prints_rows_with_kinds_and_prefix() {
        assert_eq!(line_prefix(Some("out"), 1, 2), "out:2> ");
        assert_eq!(line_prefix(None, 0, 1), "");
        let types = vec![DataType::int(), DataType::string()];
        let fields: Vec<_> = types.iter().zip(["a", "b"]).map(|(t, n)| t.to_field(n)).collect();
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            vec![
                Arc::new(Int32Array::from(vec![Some(1), None])),
                Arc::new(StringArray::from(vec!["x", "y"])),
            ],
        )
        .unwrap();
        let mem = Arc::new(Mutex::new(Vec::new()));
        let mut sink = PrintSink::new(types, "out> ".into(), SessionTimeZone::default(), Target::Memory(mem.clone()));
        sink.write(&ChangeBatch::new(batch, vec![RowKind::Insert, RowKind::Delete])).unwrap();
        sink.finish().unwrap();
        let text = String::from_utf8(mem.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "out> +I[1, x]\nout> -D[null, y]\n");
    }
}
