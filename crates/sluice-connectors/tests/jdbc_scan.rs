//! The jdbc scan source against a real PostgreSQL: every supported type decoded, and
//! `scan.partition.*` ranges split across readers.

mod jdbc_support;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use jdbc_support::{source_ctx, table};
use sluice_connector_api::{SourcePoll, SourceReader};
use sluice_connectors::jdbc;
use sluice_testkit::Postgres;
use sluice_types::{DataType, TypeKind};

fn read_all(reader: &mut dyn SourceReader) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    loop {
        match reader.poll_next().unwrap() {
            SourcePoll::Batch(b) => out.push(b.data),
            SourcePoll::Finished => return out,
            other => panic!("unexpected poll {other:?}"),
        }
    }
}

#[test]
fn scan_decodes_every_type() {
    let pg = Postgres::start();
    pg.execute(
        "CREATE TABLE typed (id int4, small int2, big int8, flag bool, f4 float4, f8 float8, amount numeric(10,2), \
         name text, code varchar(5), ch char(3), day date, at_time time, ts timestamp, tsz timestamptz, raw bytea, tags text[]);
         INSERT INTO typed VALUES (1, 2, 30000000000, true, 1.5, 2.25, 12.345, 'héllo', 'ab', 'x', '2024-02-29', '12:34:56.789', \
           '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00', '\\x0102', ARRAY['a', NULL, 'c']);
         INSERT INTO typed (id) VALUES (2);",
    );
    let spec = table(
        &[
            ("id", DataType::int()),
            ("small", DataType::new(TypeKind::SmallInt)),
            ("big", DataType::bigint()),
            ("flag", DataType::boolean()),
            ("f4", DataType::new(TypeKind::Float)),
            ("f8", DataType::double()),
            ("amount", DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })),
            ("name", DataType::string()),
            ("code", DataType::new(TypeKind::Varchar { length: 5 })),
            ("ch", DataType::new(TypeKind::Char { length: 3 })),
            ("day", DataType::new(TypeKind::Date)),
            ("at_time", DataType::new(TypeKind::Time { precision: 3 })),
            ("ts", DataType::timestamp(6)),
            ("tsz", DataType::timestamp_ltz(3)),
            ("raw", DataType::new(TypeKind::Varbinary { length: 100 })),
            ("tags", DataType::new(TypeKind::Array(Box::new(DataType::string())))),
        ],
        &[],
        &[("url", &pg.url("postgres")), ("table-name", "typed"), ("username", "postgres")],
    );
    let mut reader = jdbc::factory().create_source(&spec, &source_ctx(&spec, 0, 1)).unwrap();
    let batches = read_all(reader.as_mut());
    let batch = arrow_select::concat::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(batch.num_rows(), 2);
    let row = (0..2).find(|&r| batch.column(0).as_primitive::<Int32Type>().value(r) == 1).unwrap();
    let other = 1 - row;
    assert_eq!(batch.column(1).as_primitive::<Int16Type>().value(row), 2);
    assert_eq!(batch.column(2).as_primitive::<Int64Type>().value(row), 30_000_000_000);
    assert!(batch.column(3).as_boolean().value(row));
    assert_eq!(batch.column(4).as_primitive::<Float32Type>().value(row), 1.5);
    assert_eq!(batch.column(5).as_primitive::<Float64Type>().value(row), 2.25);
    assert_eq!(batch.column(6).as_primitive::<Decimal128Type>().value(row), 1235);
    assert_eq!(batch.column(7).as_string::<i32>().value(row), "héllo");
    assert_eq!(batch.column(8).as_string::<i32>().value(row), "ab");
    assert_eq!(batch.column(9).as_string::<i32>().value(row), "x  ");
    assert_eq!(batch.column(10).as_primitive::<Date32Type>().value(row), 19782);
    assert_eq!(batch.column(11).as_primitive::<Time32MillisecondType>().value(row), 45_296_789);
    assert_eq!(batch.column(12).as_primitive::<TimestampMicrosecondType>().value(row), 1_704_164_645_123_456);
    assert_eq!(batch.column(13).as_primitive::<TimestampMicrosecondType>().value(row), 1_704_164_645_000_000);
    assert_eq!(batch.column(14).as_binary::<i32>().value(row), &[1u8, 2]);
    let tags = batch.column(15).as_list::<i32>().value(row);
    let tags = tags.as_string::<i32>();
    assert_eq!((tags.len(), tags.value(0), tags.is_null(1), tags.value(2)), (3, "a", true, "c"));
    for c in 1..batch.num_columns() {
        assert!(batch.column(c).is_null(other), "column {c} of the second row is NULL");
    }
}

#[test]
fn partitions_split_the_table_between_readers() {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE nums (id int8, v text); INSERT INTO nums SELECT g, 'v' || g FROM generate_series(1, 20) g");
    let spec = table(
        &[("id", DataType::bigint()), ("v", DataType::string())],
        &[],
        &[
            ("url", &pg.url("postgres")),
            ("table-name", "public.nums"),
            ("username", "postgres"),
            ("scan.partition.column", "id"),
            ("scan.partition.num", "4"),
            ("scan.partition.lower-bound", "1"),
            ("scan.partition.upper-bound", "20"),
            ("scan.fetch-size", "2"),
        ],
    );
    let mut seen = Vec::new();
    for subtask in 0..2 {
        let mut reader = jdbc::factory().create_source(&spec, &source_ctx(&spec, subtask, 2)).unwrap();
        let mut mine = Vec::new();
        for b in read_all(reader.as_mut()) {
            assert!(b.num_rows() <= 2, "scan.fetch-size bounds the rows per batch");
            mine.extend(b.column(0).as_primitive::<Int64Type>().values().iter().copied());
        }
        assert_eq!(mine.len(), 10, "subtask {subtask} reads two of the four ranges");
        seen.extend(mine);
    }
    seen.sort();
    assert_eq!(seen, (1..=20).collect::<Vec<i64>>());
}
