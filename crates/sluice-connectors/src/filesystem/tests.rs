use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SourceContext, SourcePoll, TableSpec};
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, TypeKind};

use super::factory;

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "sluice-fs-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn iot_table(path: &str, extra: &[(&str, &str)]) -> TableSpec {
    let mut options: std::collections::BTreeMap<String, String> = [
        ("connector".to_string(), "filesystem".to_string()),
        ("path".to_string(), path.to_string()),
        ("format".to_string(), "json".to_string()),
    ]
    .into();
    for (k, v) in extra {
        options.insert(k.to_string(), v.to_string());
    }
    TableSpec {
        name: "iot".into(),
        physical_columns: vec![
            ("hostname".into(), DataType::string()),
            ("cpu".into(), DataType::string()),
            ("usage".into(), DataType::double()),
            ("occurred_at".into(), DataType::bigint()),
        ],
        options,
        primary_key: vec![],
        partition_keys: vec![],
    }
}

fn source_ctx(table: &TableSpec, projection: Vec<usize>, metadata: Vec<(String, DataType)>) -> SourceContext {
    let mut fields: Vec<_> = projection
        .iter()
        .map(|i| table.physical_columns[*i].1.to_field(&table.physical_columns[*i].0))
        .collect();
    fields.extend(metadata.iter().map(|(k, t)| t.to_field(k)));
    SourceContext {
        projection,
        metadata,
        output_schema: Arc::new(Schema::new(fields)),
        batch_size: 2,
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        job: String::new(),
        source_index: 0,
        checkpointing: false,
    }
}

fn read_all(table: &TableSpec, ctx: &SourceContext) -> Result<(Vec<RecordBatch>, sluice_connector_api::SourceStats), ConnectorError> {
    let mut src = factory().create_source(table, ctx)?;
    let mut out = Vec::new();
    loop {
        match src.poll_next()? {
            SourcePoll::Batch(b) => out.push(b.data),
            SourcePoll::Pending => panic!("a bounded source must not be pending"),
            SourcePoll::Finished => return Ok((out, src.stats())),
            other => panic!("files have no splits: {other:?}"),
        }
    }
}

const LINES: &str = "{\"hostname\":\"dopey\",\"cpu\":\"cpu4\",\"usage\":78.885,\"occurred_at\":1633956773100}\n\
\n\
{\"hostname\":\"sleepy\",\"cpu\":\"cpu1\",\"usage\":95.5,\"occurred_at\":1633956773200}\r\n\
{\"hostname\":\"happy\",\"usage\":\"bad\"}\n\
{\"hostname\":\"doc\",\"cpu\":\"cpu2\",\"usage\":1,\"occurred_at\":3}";

#[test]
fn reads_a_folder_with_projection_metadata_and_skips() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/b.json"), LINES).unwrap();
    std::fs::write(dir.join("a.json"), "{\"usage\":5.0,\"hostname\":\"first\"}\n").unwrap();
    std::fs::write(dir.join(".hidden"), "garbage\n").unwrap();
    std::fs::write(dir.join("_SUCCESS"), "garbage\n").unwrap();
    let table = iot_table(dir.to_str().unwrap(), &[("json.ignore-parse-errors", "true")]);
    let metadata = vec![
        ("file.name".to_string(), DataType::not_null(TypeKind::Varchar { length: sluice_types::MAX_VARCHAR_LENGTH })),
        ("file.size".to_string(), DataType::not_null(TypeKind::BigInt)),
    ];
    let ctx = source_ctx(&table, vec![2, 0], metadata);
    let (batches, stats) = read_all(&table, &ctx).unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    // ignore-parse-errors nulls the bad "usage" value instead of dropping the row.
    assert_eq!(rows, 5);
    assert_eq!(batches[0].column(1).as_string::<i32>().value(0), "first");
    assert_eq!(batches[0].column(2).as_string::<i32>().value(0), "a.json");
    assert_eq!(batches[1].column(0).as_primitive::<Float64Type>().value(0), 78.885);
    assert_eq!(batches[1].column(3).as_primitive::<Int64Type>().value(0), LINES.len() as i64);
    let last = batches.last().unwrap();
    assert_eq!(last.column(1).as_string::<i32>().value(last.num_rows() - 1), "doc");
    assert_eq!(stats.records, 5);
    assert_eq!(stats.skipped_bad_records, 0);
}

#[test]
fn malformed_records_fail_or_are_skipped_with_location() {
    let dir = temp_dir();
    let file = dir.join("x.json");
    std::fs::write(&file, "{\"hostname\":\"a\"}\n{\"hostname\":\n{\"hostname\":\"c\"}\n").unwrap();
    let table = iot_table(file.to_str().unwrap(), &[]);
    let ctx = source_ctx(&table, vec![0], vec![]);
    match read_all(&table, &ctx) {
        Err(ConnectorError::BadRecord { location, reason }) => {
            assert_eq!(location, format!("{}:2", file.display()));
            assert!(reason.contains("expected"), "{reason}");
        }
        other => panic!("expected a bad record, got {other:?}"),
    }
    let table = iot_table(file.to_str().unwrap(), &[("json.ignore-parse-errors", "true")]);
    let (batches, stats) = read_all(&table, &ctx).unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 2);
    assert_eq!(stats.skipped_bad_records, 1);
    assert!(stats.skipped_examples[0].starts_with(&format!("{}:2: ", file.display())));
}

#[test]
fn option_errors() {
    let f = factory();
    let table = iot_table("/definitely/not/here", &[]);
    let ctx = source_ctx(&table, vec![0], vec![]);
    let err = f.create_source(&table, &ctx).err().unwrap();
    assert_eq!(err.to_string(), "no such file or folder \"/definitely/not/here\"");
    let bad = iot_table("/tmp", &[("json.ignore-errors", "true")]);
    assert!(matches!(f.validate(&bad, true), Err(ConnectorError::UnknownOption { .. })));
    let ok = iot_table("/tmp", &[("partition.default-name", "x"), ("sink.partition-commit.policy.kind", "success-file")]);
    assert!(f.validate(&ok, false).is_ok());
    let mut missing = iot_table("/tmp", &[]);
    missing.options.remove("path");
    assert!(matches!(f.validate(&missing, true), Err(ConnectorError::MissingOption { .. })));
    assert_eq!(f.sink_changelog_mode(&ok), sluice_connector_api::SinkChangelogMode::InsertOnly);
    assert!(f.is_bounded(&ok));
    assert!(!f.is_bounded(&iot_table("/tmp", &[("source.monitor-interval", "10 s")])));
}

#[test]
fn sink_writes_part_files_that_read_back() {
    let src_dir = temp_dir();
    std::fs::write(src_dir.join("in.json"), LINES.replace("\"bad\"", "2.5")).unwrap();
    let table = iot_table(src_dir.to_str().unwrap(), &[]);
    let ctx = source_ctx(&table, vec![0, 1, 2, 3], vec![]);
    let (batches, _) = read_all(&table, &ctx).unwrap();

    let out_dir = temp_dir().join("out");
    let sink_table = iot_table(out_dir.to_str().unwrap(), &[("sink.rolling-policy.file-size", "100b")]);
    let sink_ctx = SinkContext {
        input_schema: ctx.output_schema.clone(),
        metadata: vec![],
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        checkpointing: false,
        job: "test".into(),
    };
    let mut sink = factory().create_sink(&sink_table, &sink_ctx).unwrap();
    for b in &batches {
        sink.write(&ChangeBatch::inserts(b.clone())).unwrap();
    }
    sink.finish().unwrap();
    let names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.len() >= 2, "rolled by size: {names:?}");
    assert!(names.iter().all(|n| n.starts_with("part-") && n.ends_with("-0") || n.contains("-0-")), "{names:?}");
    let read_table = iot_table(out_dir.to_str().unwrap(), &[]);
    let (again, _) = read_all(&read_table, &ctx).unwrap();
    let mut text = Vec::new();
    for b in &again {
        for r in 0..b.num_rows() {
            text.push(b.column(0).as_string::<i32>().value(r).to_string());
        }
    }
    text.sort();
    assert_eq!(text, ["doc", "dopey", "happy", "sleepy"]);
    let usage: Vec<bool> = again.iter().flat_map(|b| (0..b.num_rows()).map(|r| b.column(2).is_null(r)).collect::<Vec<_>>()).collect();
    assert_eq!(usage.len(), 4);
}

#[test]
fn a_restored_source_goes_on_at_the_file_and_line_where_it_was() {
    let dir = temp_dir();
    let lines = |from: i64, to: i64| -> String {
        (from..to).map(|i| format!("{{\"hostname\":\"h{i}\",\"occurred_at\":{i}}}\n")).collect()
    };
    std::fs::write(dir.join("a.json"), lines(0, 7)).unwrap();
    std::fs::write(dir.join("b.json"), lines(7, 12)).unwrap();
    std::fs::write(dir.join("c.json"), lines(12, 20)).unwrap();
    let table = iot_table(dir.to_str().unwrap(), &[]);
    let ctx = source_ctx(&table, vec![3], vec![]);
    let times = |batches: &[RecordBatch]| -> Vec<i64> {
        batches.iter().flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec()).collect()
    };
    let whole = times(&read_all(&table, &ctx).unwrap().0);
    assert_eq!(whole, (0..20).collect::<Vec<_>>());
    // Cut after every number of polls: the rows before and after join up exactly.
    for polls in 0..12 {
        let (before, after) =
            crate::resume_test_util::cut_and_resume(|| factory().create_source(&table, &ctx).unwrap(), polls);
        let mut joined = times(&before);
        joined.extend(times(&after));
        assert_eq!(joined, whole, "cut after {polls} polls");
    }
    let mut source = factory().create_source(&table, &ctx).unwrap();
    assert!(source.restore(&[1, 2, 3]).is_err(), "a truncated position is an error");
}
