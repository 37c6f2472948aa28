use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use sluice_connector_api::{ConnectorError, SourceContext, SourcePoll, TableSpec};
use sluice_types::{DataType, RowField, TypeKind};

use super::factory;

fn table(columns: &[(&str, DataType)], options: &[(&str, &str)]) -> TableSpec {
    let mut opts: BTreeMap<String, String> =
        options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    opts.insert("connector".into(), "datagen".into());
    TableSpec {
        name: "t".into(),
        physical_columns: columns.iter().map(|(n, t)| (n.to_string(), t.clone())).collect(),
        options: opts,
        primary_key: vec![],
        partition_keys: vec![],
    }
}

fn context(table: &TableSpec, subtask: usize, parallelism: usize) -> SourceContext {
    let fields: Vec<_> = table.physical_columns.iter().map(|(n, t)| t.to_field(n)).collect();
    SourceContext {
        projection: (0..table.physical_columns.len()).collect(),
        metadata: vec![],
        output_schema: Arc::new(Schema::new(fields)),
        batch_size: 64,
        time_zone: Default::default(),
        subtask,
        parallelism,
        job: String::new(),
        source_index: 0,
        checkpointing: false,
    }
}

/// Reads a bounded source to its end (the rate is high, so polls rarely wait).
fn read_all_subtask(table: &TableSpec, subtask: usize, parallelism: usize) -> Vec<RecordBatch> {
    let mut source = factory().create_source(table, &context(table, subtask, parallelism)).expect("a source");
    let mut batches = Vec::new();
    loop {
        match source.poll_next().expect("no error") {
            SourcePoll::Batch(b) => {
                assert!(b.is_append_only());
                batches.push(b.data);
            }
            SourcePoll::Pending => {}
            SourcePoll::Finished => return batches,
            other => panic!("datagen has no splits: {other:?}"),
        }
    }
}

fn read_all(table: &TableSpec) -> Vec<RecordBatch> {
    read_all_subtask(table, 0, 1)
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(|b| b.num_rows()).sum()
}

fn string(n: u32) -> DataType {
    DataType::new(TypeKind::Varchar { length: n })
}

#[test]
fn every_type_gets_its_arrow_layout_and_number_of_rows_ends_the_source() {
    let columns = [
        ("b", DataType::boolean()),
        ("ti", DataType::new(TypeKind::TinyInt)),
        ("si", DataType::new(TypeKind::SmallInt)),
        ("i", DataType::int()),
        ("bi", DataType::bigint()),
        ("f", DataType::new(TypeKind::Float)),
        ("d", DataType::double()),
        ("dec", DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })),
        ("c", DataType::new(TypeKind::Char { length: 5 })),
        ("s", DataType::string()),
        ("bin", DataType::new(TypeKind::Varbinary { length: 16 })),
        ("dt", DataType::new(TypeKind::Date)),
        ("tm", DataType::new(TypeKind::Time { precision: 0 })),
        ("ts", DataType::timestamp(3)),
        ("ltz", DataType::timestamp_ltz(3)),
        ("arr", DataType::new(TypeKind::Array(Box::new(DataType::int())))),
        ("m", DataType::new(TypeKind::Map(Box::new(DataType::string()), Box::new(DataType::double())))),
        ("ms", DataType::new(TypeKind::Multiset(Box::new(DataType::string())))),
        (
            "r",
            DataType::new(TypeKind::Row(vec![
                RowField { name: "x".into(), data_type: DataType::int() },
                RowField {
                    name: "tags".into(),
                    data_type: DataType::new(TypeKind::Array(Box::new(DataType::string()))),
                },
            ])),
        ),
    ];
    let t = table(&columns, &[("number-of-rows", "150"), ("rows-per-second", "1000000")]);
    factory().validate(&t, true).expect("valid");
    assert!(factory().is_bounded(&t));
    let batches = read_all(&t);
    assert_eq!(rows(&batches), 150);
    let batch = &batches[0];
    for (i, (name, data_type)) in columns.iter().enumerate() {
        assert_eq!(batch.column(i).data_type(), &data_type.to_arrow(), "column {name}");
        assert_eq!(batch.column(i).null_count(), 0, "column {name}");
    }
    // Collections have Flink's default three elements, strings 100 characters, CHAR(n) n.
    let arr = batch.column(15).as_list::<i32>();
    assert_eq!(arr.value_length(0), 3);
    let s = batch.column(9).as_string::<i32>();
    assert_eq!(s.value(0).len(), 100);
    assert!(s.value(0).bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(batch.column(8).as_string::<i32>().value(0).len(), 5);
    assert_eq!(batch.column(16).as_map().value_length(0), 3);
}

#[test]
fn min_and_max_bound_random_numbers() {
    let t = table(
        &[
            ("age", DataType::new(TypeKind::SmallInt)),
            ("score", DataType::double()),
            ("price", DataType::new(TypeKind::Decimal { precision: 6, scale: 2 })),
            ("big", DataType::bigint()),
        ],
        &[
            ("number-of-rows", "2000"),
            ("rows-per-second", "1000000"),
            ("fields.age.min", "18"),
            ("fields.age.max", "21"),
            ("fields.score.min", "-1.5"),
            ("fields.score.max", "2.5"),
            ("fields.price.min", "0.5"),
            ("fields.price.max", "9.99"),
            ("fields.big.min", "-3"),
            ("fields.big.max", "3"),
        ],
    );
    let mut seen_ages = std::collections::BTreeSet::new();
    for batch in read_all(&t) {
        for v in batch.column(0).as_primitive::<Int16Type>().values().iter() {
            assert!((18..=21).contains(v), "{v}");
            seen_ages.insert(*v);
        }
        for v in batch.column(1).as_primitive::<Float64Type>().values().iter() {
            assert!((-1.5..=2.5).contains(v), "{v}");
        }
        for v in batch.column(2).as_primitive::<Decimal128Type>().values().iter() {
            assert!((50..=999).contains(v), "{v}");
        }
        for v in batch.column(3).as_primitive::<Int64Type>().values().iter() {
            assert!((-3..=3).contains(v), "{v}");
        }
    }
    assert_eq!(seen_ages.into_iter().collect::<Vec<_>>(), vec![18, 19, 20, 21]);
}

#[test]
fn a_sequence_counts_from_start_to_end_and_ends_the_source() {
    let columns = [("id", DataType::int()), ("label", DataType::string())];
    let options = [
        ("rows-per-second", "1000000"),
        ("fields.id.kind", "sequence"),
        ("fields.id.start", "5"),
        ("fields.id.end", "204"),
        ("fields.label.kind", "sequence"),
        ("fields.label.start", "1000"),
        ("fields.label.end", "5000"),
    ];
    let t = table(&columns, &options);
    assert!(factory().is_bounded(&t));
    let batches = read_all(&t);
    let ids: Vec<i32> =
        batches.iter().flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec()).collect();
    assert_eq!(ids, (5..=204).collect::<Vec<_>>());
    let first = batches[0].column(1).as_string::<i32>();
    assert_eq!(first.value(0), "1000");
    assert_eq!(first.value(1), "1001");

    // Three subtasks split the sequence without gaps or repeats.
    let mut split: Vec<i32> = (0..3)
        .flat_map(|s| read_all_subtask(&t, s, 3))
        .flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec())
        .collect();
    split.sort_unstable();
    assert_eq!(split, (5..=204).collect::<Vec<_>>());

    // number-of-rows below the sequence length wins.
    let mut with_limit = options.to_vec();
    with_limit.push(("number-of-rows", "7"));
    assert_eq!(rows(&read_all(&table(&columns, &with_limit))), 7);
}

#[test]
fn a_sequence_and_a_fixed_seed_make_bounded_output_repeatable() {
    let t = table(
        &[("id", DataType::bigint()), ("v", DataType::int()), ("s", string(10))],
        &[("rows-per-second", "1000000"), ("fields.id.kind", "sequence"), ("fields.id.start", "1"), ("fields.id.end", "300")],
    );
    assert_eq!(read_all(&t), read_all(&t));
}

#[test]
fn null_rate_makes_nulls_except_in_not_null_columns() {
    let t = table(
        &[("a", DataType::int()), ("b", DataType::string()), ("c", DataType::not_null(TypeKind::Int)), ("d", DataType::int())],
        &[
            ("number-of-rows", "1000"),
            ("rows-per-second", "1000000"),
            ("fields.a.null-rate", "1.0"),
            ("fields.b.null-rate", "0.5"),
            ("fields.c.null-rate", "0.5"),
        ],
    );
    let batches = read_all(&t);
    let nulls = |i: usize| batches.iter().map(|b| b.column(i).null_count()).sum::<usize>();
    assert_eq!(nulls(0), 1000);
    assert!((300..=700).contains(&nulls(1)), "{}", nulls(1));
    assert_eq!(nulls(2), 0);
    assert_eq!(nulls(3), 0);
}

#[test]
fn string_lengths_and_var_len() {
    let t = table(
        &[("fixed", DataType::string()), ("var", string(20))],
        &[
            ("number-of-rows", "500"),
            ("rows-per-second", "1000000"),
            ("fields.fixed.length", "7"),
            ("fields.var.var-len", "true"),
        ],
    );
    let mut lengths = std::collections::BTreeSet::new();
    for batch in read_all(&t) {
        let fixed = batch.column(0).as_string::<i32>();
        let var = batch.column(1).as_string::<i32>();
        for i in 0..batch.num_rows() {
            assert_eq!(fixed.value(i).len(), 7);
            let l = var.value(i).len();
            assert!((1..=20).contains(&l), "{l}");
            lengths.insert(l);
        }
    }
    assert!(lengths.len() > 5, "var-len should vary the length: {lengths:?}");
}

#[test]
fn timestamps_lie_within_max_past_of_now() {
    let t = table(
        &[("ts", DataType::timestamp_ltz(3)), ("exact", DataType::timestamp_ltz(3))],
        &[("number-of-rows", "300"), ("rows-per-second", "1000000"), ("fields.ts.max-past", "1 h")],
    );
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64;
    let batches = read_all(&t);
    let after = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as i64;
    let hour = 3_600_000_000i64;
    let mut spread = false;
    for batch in &batches {
        for v in batch.column(0).as_primitive::<TimestampMicrosecondType>().values().iter() {
            assert!(*v >= before - hour - 1000 && *v <= after, "{v}");
            assert_eq!(v % 1000, 0, "TIMESTAMP_LTZ(3) has whole milliseconds");
            spread |= *v < before - 60_000_000;
        }
        for v in batch.column(1).as_primitive::<TimestampMicrosecondType>().values().iter() {
            assert!(*v >= before - 1000 && *v <= after, "{v}");
        }
    }
    assert!(spread, "max-past should spread the timestamps over the hour");
}

#[test]
fn unbounded_without_rows_or_sequence() {
    let t = table(&[("a", DataType::int())], &[("rows-per-second", "1000000")]);
    assert!(!factory().is_bounded(&t));
    let mut source = factory().create_source(&t, &context(&t, 0, 1)).unwrap();
    for _ in 0..3 {
        assert!(!matches!(source.poll_next().unwrap(), SourcePoll::Finished));
    }
}

fn validate(columns: &[(&str, DataType)], options: &[(&str, &str)]) -> ConnectorError {
    factory().validate(&table(columns, options), true).expect_err("invalid options")
}

#[test]
fn option_errors() {
    let cols = [("id", DataType::int()), ("name", DataType::string())];
    match validate(&cols, &[("rows-per-secnd", "5")]) {
        ConnectorError::UnknownOption { key, known, .. } => {
            assert_eq!(key, "rows-per-secnd");
            assert!(known.contains(&"rows-per-second".to_string()));
            assert!(known.contains(&"fields.id.min".to_string()));
        }
        other => panic!("{other:?}"),
    }
    // A field that is not a column, and an option that does not fit the column's type.
    assert!(matches!(validate(&cols, &[("fields.nme.kind", "random")]), ConnectorError::UnknownOption { .. }));
    assert!(matches!(validate(&cols, &[("fields.name.min", "1")]), ConnectorError::UnknownOption { .. }));
    assert!(matches!(
        validate(&cols, &[("fields.id.kind", "sequence"), ("fields.id.min", "1"), ("fields.id.start", "1"), ("fields.id.end", "2")]),
        ConnectorError::UnknownOption { .. }
    ));
    match validate(&cols, &[("fields.id.kind", "sequence"), ("fields.id.start", "1")]) {
        ConnectorError::MissingOption { key, .. } => assert_eq!(key, "fields.id.end"),
        other => panic!("{other:?}"),
    }
    let err = validate(&cols, &[("fields.id.kind", "sequential")]);
    assert_eq!(err.to_string(), "invalid value \"sequential\" for option \"fields.id.kind\": expected \"random\" or \"sequence\"");
    assert!(matches!(validate(&cols, &[("fields.id.min", "10"), ("fields.id.max", "1")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&cols, &[("fields.id.max", "3000000000")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&cols, &[("fields.id.null-rate", "2")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&cols, &[("number-of-rows", "many")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(validate(&cols, &[("rows-per-second", "0")]), ConnectorError::InvalidOption { .. }));
    assert!(matches!(
        validate(&[("s", string(5))], &[("fields.s.length", "6")]),
        ConnectorError::InvalidOption { .. }
    ));
    assert!(matches!(
        validate(
            &[("flag", DataType::boolean())],
            &[("fields.flag.kind", "sequence"), ("fields.flag.start", "0"), ("fields.flag.end", "1")]
        ),
        ConnectorError::InvalidOption { .. }
    ));
    assert!(matches!(
        factory().validate(&table(&cols, &[]), false),
        Err(ConnectorError::Unsupported { role: "sink", .. })
    ));
    assert!(super::scan_parallelism(&table(&cols, &[("scan.parallelism", "4")])).unwrap() == Some(4));
}

#[test]
fn a_restored_source_goes_on_with_the_sequence_where_it_was() {
    let options = [("rows-per-second", "1000000"), ("fields.id.kind", "sequence"), ("fields.id.start", "1"), ("fields.id.end", "1000")];
    let t = table(&[("id", DataType::int())], &options);
    let ids = |batches: &[RecordBatch]| -> Vec<i32> {
        batches.iter().flat_map(|b| b.column(0).as_primitive::<Int32Type>().values().to_vec()).collect()
    };
    for (subtask, parallelism) in [(0, 1), (1, 3)] {
        let whole = ids(&read_all_subtask(&t, subtask, parallelism));
        let ctx = context(&t, subtask, parallelism);
        let (before, after) = crate::resume_test_util::cut_and_resume(|| factory().create_source(&t, &ctx).unwrap(), 2);
        let position = {
            let mut probe = factory().create_source(&t, &ctx).unwrap();
            probe.poll_next().unwrap();
            probe.snapshot().unwrap()
        };
        let mut joined = ids(&before);
        joined.extend(ids(&after));
        assert_eq!(joined, whole, "subtask {subtask} of {parallelism}");
        // Another subtask's position is refused.
        if parallelism > 1 {
            let mut other = factory().create_source(&t, &context(&t, 0, parallelism)).unwrap();
            assert!(other.restore(&position).is_err());
        }
    }
}
