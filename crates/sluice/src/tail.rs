//! The live tail of a `sluice server` worker: the last rows its sinks wrote, as JSON
//! values, kept in a bounded queue that each metrics snapshot carries.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType};
use arrow_array::Array;
use arrow_schema::DataType;
use serde_json::Value;
use sluice_connector_api::ChangeBatch;
use sluice_server::worker::{TailRow, TAIL_ROWS};

/// The rows seen last, shared by the sink tap and the snapshot writer.
pub type Tail = Arc<Mutex<VecDeque<TailRow>>>;

/// Keeps the last rows of `batch` (at most `TAIL_ROWS` in all).
pub fn keep(tail: &Tail, sink: &str, batch: &ChangeBatch) {
    let rows = batch.num_rows();
    let from = rows.saturating_sub(TAIL_ROWS);
    if from == rows {
        return;
    }
    let at_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    let columns: Vec<String> = batch.data.schema().fields().iter().map(|f| f.name().clone()).collect();
    let mut kept = tail.lock().unwrap_or_else(|p| p.into_inner());
    for row in from..rows {
        let values = batch.data.columns().iter().map(|c| value(c.as_ref(), row)).collect();
        kept.push_back(TailRow { at_ms, sink: sink.to_string(), kind: batch.kind(row).short_string().to_string(), columns: columns.clone(), values });
        if kept.len() > TAIL_ROWS {
            kept.pop_front();
        }
    }
}

/// The rows kept so far, oldest first.
pub fn rows(tail: &Tail) -> Vec<TailRow> {
    tail.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
}

/// One cell as JSON: numbers as numbers, times as `yyyy-MM-dd HH:mm:ss.fff`, other types
/// as their type's name (the tail shows them; they are not charted).
fn value(array: &dyn Array, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    let number = |v: f64| serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null);
    match array.data_type() {
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Int8 => array.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => array.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => array.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => array.as_primitive::<Int64Type>().value(i).into(),
        DataType::Float32 => number(array.as_primitive::<Float32Type>().value(i) as f64),
        DataType::Float64 => number(array.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, scale) => {
            let v = array.as_primitive::<Decimal128Type>().value(i);
            number(v as f64 / 10f64.powi(*scale as i32))
        }
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Value::String(array.as_string::<i64>().value(i).to_string()),
        DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, _) => {
            let mut s = String::new();
            sluice_types::temporal::write_timestamp(&mut s, array.as_primitive::<TimestampMicrosecondType>().value(i), sluice_types::temporal::Fraction::Fixed(3), false);
            Value::String(s)
        }
        DataType::Date32 => array.as_primitive::<Date32Type>().value(i).into(),
        other => Value::String(format!("({other})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, RecordBatch, StringArray};
    use arrow_schema::{Field, Schema};

    #[test]
    fn keeps_the_last_rows_with_numbers_as_numbers() {
        let schema = Arc::new(Schema::new(vec![Field::new("host", DataType::Utf8, true), Field::new("cpu", DataType::Float64, true)]));
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(vec![Some("a"), None])), Arc::new(Float64Array::from(vec![Some(1.5), Some(2.0)]))],
        )
        .unwrap();
        let tail: Tail = Default::default();
        for _ in 0..TAIL_ROWS {
            keep(&tail, "Sink: out", &ChangeBatch::inserts(batch.clone()));
        }
        let rows = rows(&tail);
        assert_eq!(rows.len(), TAIL_ROWS);
        let last = rows.last().unwrap();
        assert_eq!((last.kind.as_str(), last.columns.clone()), ("+I", vec!["host".to_string(), "cpu".to_string()]));
        assert_eq!(last.values, vec![Value::Null, serde_json::json!(2.0)]);
    }
}
