use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{Field, Schema};
use sluice_connector_api::{ConnectorError, SourceContext, SourcePoll, TableSpec};
use sluice_types::{DataType, RowField, TypeKind};

use super::config::FakeDataConfig;
use super::{factory, Subject};

fn table(columns: &[(&str, DataType)], options: &[(&str, &str)]) -> TableSpec {
    let mut opts: BTreeMap<String, String> =
        options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    opts.insert("connector".into(), "fake-data".into());
    TableSpec {
        name: "t".into(),
        physical_columns: columns.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
        options: opts,
        primary_key: vec![],
        partition_keys: vec![],
    }
}

fn context(table: &TableSpec, projection: Vec<usize>, metadata: Vec<(&str, DataType)>, subtask: usize, parallelism: usize) -> SourceContext {
    let mut fields: Vec<Field> =
        projection.iter().map(|&i| table.physical_columns[i].1.to_field(&table.physical_columns[i].0)).collect();
    fields.extend(metadata.iter().map(|(k, t)| t.to_field(k)));
    SourceContext {
        projection,
        metadata: metadata.into_iter().map(|(k, t)| (k.to_string(), t)).collect(),
        output_schema: Arc::new(Schema::new(fields)),
        batch_size: 100,
        time_zone: Default::default(),
        subtask,
        parallelism,
        job: String::new(),
        source_index: 0,
        checkpointing: false,
    }
}

fn read_all(table: &TableSpec, ctx: &SourceContext) -> Vec<RecordBatch> {
    let mut source = factory().create_source(table, ctx).expect("a source");
    let mut batches = Vec::new();
    loop {
        match source.poll_next().expect("no error") {
            SourcePoll::Batch(b) => batches.push(b.data),
            SourcePoll::Pending => {}
            SourcePoll::Finished => return batches,
            other => panic!("fake-data has no splits: {other:?}"),
        }
    }
}

fn all_columns(table: &TableSpec) -> Vec<usize> {
    (0..table.physical_columns.len()).collect()
}

fn string() -> DataType {
    DataType::string()
}

#[test]
fn pizza_orders_decode_into_the_seed_schema_with_the_timestamp_metadata() {
    let pizzas = DataType::new(TypeKind::Array(Box::new(DataType::new(TypeKind::Row(vec![
        RowField { name: "pizzaName".into(), data_type: string() },
        RowField { name: "additionalToppings".into(), data_type: DataType::new(TypeKind::Array(Box::new(string()))) },
    ])))));
    let t = table(
        &[
            ("id", DataType::int()),
            ("shop", string()),
            ("name", string()),
            ("phoneNumber", string()),
            ("address", string()),
            ("pizzas", pizzas),
            ("orderTimestamp", DataType::timestamp(3)),
        ],
        &[("subject", "pizza"), ("number-of-rows", "250"), ("max-delay", "3 s")],
    );
    factory().validate(&t, true).expect("valid");
    assert!(factory().is_bounded(&t));
    let ctx = context(&t, all_columns(&t), vec![("timestamp", DataType::timestamp(3))], 0, 1);
    let batches = read_all(&t, &ctx);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 250);
    let mut next_id = 0;
    for batch in &batches {
        for c in 0..batch.num_columns() {
            assert_eq!(batch.column(c).null_count(), 0, "column {c} has NULLs");
        }
        for id in batch.column(0).as_primitive::<Int32Type>().values().iter() {
            assert_eq!(*id, next_id);
            next_id += 1;
        }
        let order_ts = batch.column(6).as_primitive::<TimestampMicrosecondType>();
        let meta = batch.column(7).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(order_ts.values(), meta.values());
        assert!(batch.column(5).as_list::<i32>().value_length(0) >= 1);
    }
    // The first order is at the fixed default start, less at most the delay.
    let first = batches[0].column(6).as_primitive::<TimestampMicrosecondType>().value(0);
    let start = Subject::Pizza.default_start_millis() * 1000;
    assert!(first <= start && first >= start - 3_000_000, "{first}");
    // Same options, same rows.
    assert_eq!(batches, read_all(&t, &ctx));
}

#[test]
fn a_subset_of_metric_fields_in_other_order_with_ltz_metadata() {
    let t = table(
        &[("usage", DataType::double()), ("hostname", string()), ("occurred_at", DataType::bigint()), ("extra", string())],
        &[("subject", "metric"), ("number-of-rows", "1000"), ("seed", "9")],
    );
    let ctx = context(&t, vec![2, 0, 3], vec![("timestamp", DataType::timestamp_ltz(3))], 0, 1);
    let batches = read_all(&t, &ctx);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1000);
    let batch = &batches[0];
    assert_eq!(batch.schema().field(3).data_type(), &DataType::timestamp_ltz(3).to_arrow());
    let occurred = batch.column(0).as_primitive::<Int64Type>();
    let meta = batch.column(3).as_primitive::<TimestampMicrosecondType>();
    for i in 0..batch.num_rows() {
        assert_eq!(occurred.value(i) * 1000, meta.value(i));
        assert!((0.0..=100.0).contains(&batch.column(1).as_primitive::<Float64Type>().value(i)));
    }
    // A column that is not a field of the record is NULL, as with Flink's JSON format.
    assert_eq!(batch.column(2).null_count(), batch.num_rows());
    assert_eq!(occurred.value(0), Subject::Metric.default_start_millis());
}

#[test]
fn transactions_and_alarms_decode() {
    let t = table(
        &[("client", DataType::int()), ("amount", DataType::int()), ("ts", string())],
        &[("subject", "transactions"), ("number-of-rows", "300"), ("start-time", "2024-01-01 00:00:00"), ("time-step", "1 s")],
    );
    let batches = read_all(&t, &context(&t, all_columns(&t), vec![], 0, 1));
    let ts = batches[0].column(2).as_string::<i32>();
    assert_eq!(ts.value(0), "2024-01-01 00:00:00");
    assert_eq!(ts.value(1), "2024-01-01 00:00:01");

    let t = table(
        &[
            ("alarm_id", string()),
            ("atoll_id", string()),
            ("alarm_type", string()),
            ("severity", DataType::int()),
            ("event_time", DataType::timestamp(3)),
            ("firstoccurrence", DataType::timestamp(3)),
            ("lastoccurrence", DataType::timestamp(3)),
            ("latitude", DataType::double()),
            ("longitude", DataType::double()),
        ],
        &[("subject", "alarms"), ("number-of-rows", "500")],
    );
    for batch in read_all(&t, &context(&t, all_columns(&t), vec![], 0, 1)) {
        for c in 0..batch.num_columns() {
            assert_eq!(batch.column(c).null_count(), 0, "column {c} has NULLs");
        }
    }
}

#[test]
fn json_format_options_of_a_kafka_table_apply() {
    // `shop` declared as INT cannot be read from a shop name: an error, unless the JSON
    // options say to ignore parse errors (then it is NULL), as Flink's JSON format does.
    let columns = [("shop", DataType::int()), ("name", string())];
    let strict = table(&columns, &[("subject", "pizza"), ("number-of-rows", "3"), ("value.format", "json")]);
    let mut source = factory().create_source(&strict, &context(&strict, vec![0, 1], vec![], 0, 1)).unwrap();
    assert!(matches!(source.poll_next(), Err(ConnectorError::BadRecord { .. })));
    let lenient = table(
        &columns,
        &[("subject", "pizza"), ("number-of-rows", "3"), ("value.format", "json"), ("value.json.ignore-parse-errors", "true")],
    );
    factory().validate(&lenient, true).expect("valid");
    let batches = read_all(&lenient, &context(&lenient, vec![0, 1], vec![], 0, 1));
    assert_eq!(batches[0].column(0).null_count(), 3);
    assert_eq!(batches[0].column(1).null_count(), 0);
}

#[test]
fn subtasks_split_number_of_rows() {
    let t = table(&[("id", DataType::int())], &[("subject", "pizza"), ("number-of-rows", "10")]);
    let mut ids: Vec<i32> = (0..3)
        .flat_map(|s| read_all(&t, &context(&t, vec![0], vec![], s, 3)))
        .flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..10).collect::<Vec<_>>());
}

#[test]
fn defaults_follow_the_rate() {
    let bounded = FakeDataConfig::from_table(&table(&[], &[("subject", "metric"), ("number-of-rows", "5")])).unwrap();
    assert_eq!(bounded.rows_per_second, None);
    assert_eq!(bounded.settings.start_millis, Subject::Metric.default_start_millis());
    assert_eq!(bounded.settings.time_step_micros, Subject::Metric.default_time_step_micros());
    assert_eq!(bounded.settings.seed, 42);

    let live = table(&[], &[("subject", "metric"), ("rows-per-second", "50")]);
    assert!(!factory().is_bounded(&live));
    let live = FakeDataConfig::from_table(&live).unwrap();
    assert_eq!(live.rows_per_second, Some(50));
    assert_eq!(live.settings.time_step_micros, 20_000);
    assert!(live.settings.start_millis > Subject::Metric.default_start_millis());

    let unbounded = FakeDataConfig::from_table(&table(&[], &[("subject", "alarms")])).unwrap();
    assert_eq!(unbounded.rows_per_second, Some(1000));
}

fn validate(options: &[(&str, &str)]) -> ConnectorError {
    factory().validate(&table(&[("id", DataType::int())], options), true).expect_err("invalid options")
}

#[test]
fn option_errors() {
    assert!(matches!(validate(&[]), ConnectorError::MissingOption { key, .. } if key == "subject"));
    let err = validate(&[("subject", "weather")]);
    assert_eq!(
        err.to_string(),
        "invalid value \"weather\" for option \"subject\": use \"pizza\", \"metric\", \"transactions\" or \"alarms\""
    );
    match validate(&[("subject", "pizza"), ("max-dealy", "1 s")]) {
        ConnectorError::UnknownOption { key, known, .. } => {
            assert_eq!(key, "max-dealy");
            assert!(known.contains(&"max-delay".to_string()));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(validate(&[("subject", "pizza"), ("max-delay", "soon")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("start-time", "yesterday")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("seed", "x")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("rows-per-second", "0")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("format", "csv")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("json.ignore-parse-erors", "true")]), ConnectorError::UnknownOption { .. }));
    assert!(matches!(validate(&[("subject", "pizza"), ("topic", "pizza-orders")]), ConnectorError::UnknownOption { .. }));
    let t = table(&[("id", DataType::int())], &[("subject", "pizza")]);
    assert!(matches!(factory().validate(&t, false), Err(ConnectorError::Unsupported { role: "sink", .. })));
    let bad_meta = context(&t, vec![0], vec![("offset", DataType::bigint())], 0, 1);
    assert!(matches!(factory().create_source(&t, &bad_meta), Err(ConnectorError::Schema(_))));
    let bad_type = context(&t, vec![0], vec![("timestamp", DataType::bigint())], 0, 1);
    assert!(matches!(factory().create_source(&t, &bad_type), Err(ConnectorError::Schema(_))));
}

/// Every row as a batch of its own, so rows compare whatever the batching.
fn texts(batches: &[RecordBatch]) -> Vec<RecordBatch> {
    batches.iter().flat_map(|b| (0..b.num_rows()).map(move |row| b.slice(row, 1))).collect()
}

#[test]
fn a_restored_source_goes_on_exactly_where_the_snapshot_was_taken() {
    for subject in ["pizza", "metric", "transactions", "alarms"] {
        let columns: &[(&str, DataType)] = match subject {
            "pizza" => &[("id", DataType::int())],
            "metric" => &[("usage", DataType::double())],
            "transactions" => &[("amount", DataType::int())],
            _ => &[("alarm_id", DataType::string())],
        };
        let t = table(columns, &[("subject", subject), ("number-of-rows", "1000"), ("max-delay", "5 s")]);
        let ctx = context(&t, vec![0], vec![("timestamp", DataType::timestamp_ltz(3))], 0, 1);
        let whole = texts(&read_all(&t, &ctx));
        assert_eq!(whole.len(), 1000);
        for polls in [0, 1, 3, 9] {
            let (before, after) =
                crate::resume_test_util::cut_and_resume(|| factory().create_source(&t, &ctx).unwrap(), polls);
            let mut joined = texts(&before);
            joined.extend(texts(&after));
            assert!(joined == whole, "{subject}, cut after {polls} polls: {} rows, {} expected", joined.len(), whole.len());
        }
        let mut source = factory().create_source(&t, &ctx).unwrap();
        assert!(source.restore(&[9, 9]).is_err(), "a foreign position is an error");
    }
}
