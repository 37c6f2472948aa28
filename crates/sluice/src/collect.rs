//! The sink of a bare `SELECT`: rows are printed as they arrive, in Flink's streaming
//! tableau layout with an `op` column for the change kind.

use std::io::Write;

use sluice_connector_api::{ChangeBatch, ConnectorError, SinkWriter};
use sluice_expr::EvalContext;
use sluice_planner::PlanSchema;
use sluice_types::{DataType, TypeKind};

use crate::tableau;

/// Widest column, as in Flink's SQL client; longer values end in `...`.
const MAX_WIDTH: usize = 30;

const NULL_TEXT: &str = "<NULL>";

pub struct CollectSink {
    columns: Vec<String>,
    types: Vec<DataType>,
    widths: Vec<usize>,
    ctx: EvalContext,
    header_printed: bool,
    rows: u64,
}

impl CollectSink {
    pub fn new(schema: &PlanSchema, ctx: EvalContext) -> Self {
        let mut columns = vec!["op".to_string()];
        let mut widths = vec![2];
        let mut types = Vec::new();
        for f in &schema.fields {
            columns.push(f.name.clone());
            let null_width = if f.data_type.nullable { NULL_TEXT.len() } else { 0 };
            widths.push(f.name.chars().count().max(type_width(&f.data_type)).max(null_width).min(MAX_WIDTH));
            types.push(f.data_type.clone());
        }
        CollectSink { columns, types, widths, ctx, header_printed: false, rows: 0 }
    }

    fn write_out(&self, text: &str) -> Result<(), ConnectorError> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
            .map_err(|e| ConnectorError::io("writing results to stdout", e))
    }
}

fn type_width(t: &DataType) -> usize {
    match &t.kind {
        TypeKind::Boolean => 5,
        TypeKind::TinyInt => 4,
        TypeKind::SmallInt => 6,
        TypeKind::Int => 11,
        TypeKind::BigInt => 20,
        TypeKind::Float | TypeKind::Double => 20,
        TypeKind::Decimal { precision, .. } => *precision as usize + 2,
        TypeKind::Date => 10,
        TypeKind::Time { .. } => 8,
        TypeKind::Timestamp { precision } | TypeKind::TimestampLtz { precision } => 20 + *precision as usize,
        TypeKind::Char { length } | TypeKind::Varchar { length } => (*length as usize).min(MAX_WIDTH),
        _ => MAX_WIDTH,
    }
}

fn clip(mut s: String) -> String {
    if s.chars().count() > MAX_WIDTH {
        s = s.chars().take(MAX_WIDTH - 3).collect::<String>() + "...";
    }
    s
}

impl SinkWriter for CollectSink {
    fn write(&mut self, batch: &ChangeBatch) -> Result<(), ConnectorError> {
        let mut text = String::new();
        if !self.header_printed {
            self.header_printed = true;
            text.push_str(&tableau::header(&self.columns, &self.widths));
        }
        for row in 0..batch.num_rows() {
            let mut cells = vec![batch.kind(row).short_string().to_string()];
            for (col, ty) in self.types.iter().enumerate() {
                let array = batch.data.column(col);
                let mut cell = String::new();
                if array.is_null(row) {
                    cell.push_str(NULL_TEXT);
                } else {
                    sluice_expr::write_value_as_string(array.as_ref(), ty, row, &self.ctx, &mut cell);
                }
                cells.push(clip(cell));
            }
            text.push_str(&tableau::row_line(&cells, &self.widths));
            self.rows += 1;
        }
        self.write_out(&text)
    }

    fn finish(&mut self) -> Result<(), ConnectorError> {
        let mut text = String::new();
        if self.header_printed {
            text.push_str(&tableau::footer(&self.widths));
            text.push_str(&format!("{} row{} in set\n", self.rows, if self.rows == 1 { "" } else { "s" }));
        } else {
            text.push_str("Empty set\n");
        }
        self.write_out(&text)
    }
}
