use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Int32Array, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow_schema::{DataType as ArrowType, SchemaRef};
use arrow_select::take::take;
use sluice_connector_api::ChangeBatch;
use sluice_expr::{EvalContext, ScalarExpr};
use sluice_types::RowKind;

use crate::{Operator, Output, RuntimeError};

/// `input CROSS JOIN UNNEST(expr) [WITH ORDINALITY]`: each input row is repeated once per
/// element of its array (or entry of its map), followed by the element's columns (a `ROW`
/// element gives one column per field; a map entry gives key and value), then the
/// 1-based ordinality if asked. With `outer` (`LEFT JOIN UNNEST .. ON TRUE`) a row whose
/// collection is NULL or empty is kept once, with NULL element columns.
pub struct UnnestOperator {
    collection: ScalarExpr,
    with_ordinality: bool,
    outer: bool,
    schema: SchemaRef,
    ctx: EvalContext,
}

impl UnnestOperator {
    pub fn new(collection: ScalarExpr, with_ordinality: bool, outer: bool, schema: SchemaRef, ctx: EvalContext) -> Self {
        UnnestOperator { collection, with_ordinality, outer, schema, ctx }
    }
}

impl Operator for UnnestOperator {
    fn name(&self) -> &str {
        "Unnest"
    }

    fn is_stateless(&self) -> bool {
        true
    }

    fn on_batch(&mut self, _input: usize, batch: ChangeBatch, out: &mut Output) -> Result<(), RuntimeError> {
        let internal = |e: arrow_schema::ArrowError| RuntimeError::Internal(format!("Unnest: {e}"));
        let collection = self
            .collection
            .evaluate(&batch.data, &self.ctx)
            .map_err(|e| RuntimeError::Eval { node: "Unnest".into(), source: e })?;
        let (offsets, values, element_columns): (Vec<i64>, ArrayRef, Vec<ArrayRef>) = match collection.data_type() {
            ArrowType::List(_) => {
                let list = collection.as_list::<i32>();
                let offsets = list.value_offsets().iter().map(|o| *o as i64).collect();
                (offsets, list.values().clone(), Vec::new())
            }
            ArrowType::LargeList(_) => {
                let list = collection.as_list::<i64>();
                (list.value_offsets().to_vec(), list.values().clone(), Vec::new())
            }
            ArrowType::Map(_, _) => {
                let map = collection.as_map();
                let offsets = map.value_offsets().iter().map(|o| *o as i64).collect();
                let entries: ArrayRef = Arc::new(map.entries().clone());
                (offsets, entries, Vec::new())
            }
            other => return Err(RuntimeError::Internal(format!("UNNEST of {other}"))),
        };
        let _ = element_columns;
        let rows = batch.num_rows();
        let mut parents: Vec<u32> = Vec::with_capacity(values.len());
        let mut children: Vec<Option<u32>> = Vec::with_capacity(values.len());
        let mut ordinals: Vec<Option<i32>> = Vec::new();
        for row in 0..rows {
            let (start, end) = (offsets[row], offsets[row + 1]);
            if collection.is_null(row) || start == end {
                if self.outer {
                    parents.push(row as u32);
                    children.push(None);
                    if self.with_ordinality {
                        ordinals.push(None);
                    }
                }
                continue;
            }
            for (i, child) in (start..end).enumerate() {
                parents.push(row as u32);
                children.push(Some(child as u32));
                if self.with_ordinality {
                    ordinals.push(Some(i as i32 + 1));
                }
            }
        }
        if parents.is_empty() {
            return Ok(());
        }
        let parent_idx = UInt32Array::from(parents.clone());
        let child_idx = UInt32Array::from(children);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for column in batch.data.columns() {
            columns.push(take(column.as_ref(), &parent_idx, None).map_err(internal)?);
        }
        let elements = take(values.as_ref(), &child_idx, None).map_err(internal)?;
        match elements.data_type() {
            ArrowType::Struct(_) => {
                let s = elements.as_struct();
                for field in s.columns() {
                    // A NULL element (or an outer row) makes every field NULL.
                    let field = match s.nulls() {
                        Some(nulls) if nulls.null_count() > 0 => {
                            let merged = arrow_buffer::NullBuffer::union(Some(nulls), field.nulls());
                            let data = field.to_data().into_builder().nulls(merged).build().map_err(internal)?;
                            arrow_array::make_array(data)
                        }
                        _ => field.clone(),
                    };
                    columns.push(field);
                }
            }
            _ => columns.push(elements),
        }
        if self.with_ordinality {
            columns.push(Arc::new(Int32Array::from(ordinals)));
        }
        let options = RecordBatchOptions::new().with_row_count(Some(parent_idx.len()));
        let data = RecordBatch::try_new_with_options(self.schema.clone(), columns, &options).map_err(internal)?;
        let kinds = batch.kinds.map(|k| parents.iter().map(|p| k[*p as usize]).collect::<Arc<[RowKind]>>());
        out.emit(ChangeBatch { data, kinds });
        Ok(())
    }
}
