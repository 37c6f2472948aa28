use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use sluice_connector_api::{ChangeBatch, ConnectorError, SinkContext, SinkWriter, SourceContext, SourcePoll, TableSpec};
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
        sink_index: 0,
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

#[test]
fn partition_names_are_escaped_and_unescaped_as_flink_does() {
    use super::partition::{partition_time, split_partition_name};
    use super::{escape_path_name, unescape_path_name};
    assert_eq!(escape_path_name("23:59"), "23%3A59");
    assert_eq!(escape_path_name("a/b=c%d e"), "a%2Fb%3Dc%25d e");
    assert_eq!(escape_path_name("q\"#'*:?\\{[]^~!@$&()+,;<>|`"), "q%22%23%27%2A%3A%3F%5C%7B%5B%5D%5E~!@$&()+,;<>|`");
    assert_eq!(escape_path_name("tab\there\u{1}x\u{7f}y Zürich 日本"), "tab%09here%01x%7Fy Zürich 日本");
    for s in ["23:59", "a/b=c%d e", "q\"#'*:?\\{[]^", "Zürich 日本", "%", "100%"] {
        assert_eq!(unescape_path_name(&escape_path_name(s)), s);
    }
    // Flink's lenient unescaping: a '%' without two hex digits and a character after
    // them stays as it is.
    assert_eq!(unescape_path_name("a%zz%4"), "a%zz%4");
    assert_eq!(split_partition_name("hm=23%3A59"), Some(("hm".into(), "23:59".into())));
    assert_eq!(split_partition_name("a==b"), Some(("a=".into(), "b".into())));
    assert_eq!(split_partition_name("a="), None);
    assert_eq!(split_partition_name("part-0"), None);
    let keys = ["dt".to_string(), "hr".to_string()];
    let at = |d: &str, h: &str| partition_time(Some("$dt $hr:00:00"), &keys, &[d.to_string(), h.to_string()]);
    assert_eq!(at("2024-03-01", "10"), sluice_types::temporal::parse_timestamp("2024-03-01 10:00:00"));
    assert_eq!(at("2024-3-1", "7"), sluice_types::temporal::parse_timestamp("2024-03-01 07:00:00"));
    assert_eq!(at("2024-03-01", "x"), None);
    assert_eq!(partition_time(None, &keys, &["2024-03-01".into()]), sluice_types::temporal::parse_timestamp("2024-03-01"));
}

fn partitioned_table(path: &str, extra: &[(&str, &str)]) -> TableSpec {
    let mut table = iot_table(path, extra);
    table.physical_columns = vec![
        ("hostname".into(), DataType::string()),
        ("usage".into(), DataType::double()),
        ("dt".into(), DataType::string()),
        ("hr".into(), DataType::string()),
    ];
    table.partition_keys = vec!["dt".into(), "hr".into()];
    table
}

fn partitioned_batch(table: &TableSpec, rows: &[(&str, f64, &str, &str)]) -> ChangeBatch {
    let fields: Vec<_> = table.physical_columns.iter().map(|(n, t)| t.to_field(n)).collect();
    let columns: Vec<arrow_array::ArrayRef> = vec![
        Arc::new(arrow_array::StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
        Arc::new(arrow_array::Float64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
        Arc::new(arrow_array::StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        Arc::new(arrow_array::StringArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
    ];
    ChangeBatch::inserts(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap())
}

fn sink_ctx_for(table: &TableSpec, checkpointing: bool) -> SinkContext {
    let fields: Vec<_> = table.physical_columns.iter().map(|(n, t)| t.to_field(n)).collect();
    SinkContext {
        input_schema: Arc::new(Schema::new(fields)),
        metadata: vec![],
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        checkpointing,
        job: "test".into(),
        sink_index: 0,
    }
}

/// Hours since the epoch of `2024-03-01 HH:00` UTC, in milliseconds.
fn hour_ms(h: i64) -> i64 {
    sluice_types::temporal::parse_timestamp("2024-03-01 00:00:00").unwrap() / 1000 + h * 3_600_000
}

#[test]
fn a_partition_is_committed_once_its_checkpoint_completed_and_the_watermark_passed_it() {
    let dir = temp_dir().join("out");
    let table = partitioned_table(
        dir.to_str().unwrap(),
        &[
            ("sink.partition-commit.trigger", "partition-time"),
            ("partition.time-extractor.timestamp-pattern", "$dt $hr:00:00"),
            ("sink.partition-commit.delay", "1 h"),
            ("sink.partition-commit.policy.kind", "success-file"),
        ],
    );
    let mut sink = factory().create_sink(&table, &sink_ctx_for(&table, true)).unwrap();
    sink.recover(None).unwrap();
    let success = |hr: &str| dir.join(format!("dt=2024-03-01/hr={hr}/_SUCCESS")).is_file();
    let files = |hr: &str| -> Vec<String> {
        std::fs::read_dir(dir.join(format!("dt=2024-03-01/hr={hr}")))
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    };
    sink.write(&partitioned_batch(&table, &[("a", 1.0, "2024-03-01", "10"), ("b", 2.0, "2024-03-01", "11")])).unwrap();
    // The watermark is past hour 10 plus the delay, but its rows are not committed yet.
    sink.on_watermark(hour_ms(11) + 1).unwrap();
    sink.pre_commit(1).unwrap();
    assert!(!success("10"));
    assert!(files("10").iter().all(|f| f.starts_with('.') && f.ends_with(".chk-1.pending")), "{:?}", files("10"));
    sink.commit(1).unwrap();
    assert!(success("10"), "hour 10 is complete: its rows are committed and the watermark passed 11:00");
    assert!(!success("11"), "hour 11 waits for the watermark to pass 12:00");
    assert!(files("10").iter().any(|f| f.starts_with("part-")));
    // The partition columns are not in the files.
    let part = files("10").into_iter().find(|f| f.starts_with("part-")).unwrap();
    let text = std::fs::read_to_string(dir.join("dt=2024-03-01/hr=10").join(part)).unwrap();
    assert_eq!(text.trim(), r#"{"hostname":"a","usage":1.0}"#);
    // Hour 11 is committed at the next checkpoint whose watermark has passed 12:00.
    sink.on_watermark(hour_ms(12)).unwrap();
    sink.pre_commit(2).unwrap();
    sink.commit(2).unwrap();
    assert!(!success("11"), "the watermark must be past 12:00, not at it");
    sink.on_watermark(hour_ms(12) + 1).unwrap();
    sink.pre_commit(3).unwrap();
    sink.commit(3).unwrap();
    assert!(success("11"));
    // A partition written later is committed at the end of input, whatever the watermark.
    sink.write(&partitioned_batch(&table, &[("c", 3.0, "2024-03-01", "23")])).unwrap();
    sink.pre_commit(4).unwrap();
    sink.commit(4).unwrap();
    assert!(!success("23"));
    sink.on_watermark(i64::MAX).unwrap();
    sink.finish().unwrap();
    assert!(success("23"));
}

#[test]
fn a_resumed_sink_commits_the_partitions_a_crash_left_without_success_file() {
    let dir = temp_dir().join("out");
    let options = [("sink.partition-commit.policy.kind", "success-file"), ("sink.partition-commit.success-file.name", "_DONE")];
    let table = partitioned_table(dir.to_str().unwrap(), &options);
    let mut first = factory().create_sink(&table, &sink_ctx_for(&table, true)).unwrap();
    first.recover(None).unwrap();
    first.write(&partitioned_batch(&table, &[("a", 1.0, "2024-03-01", "10"), ("b", 2.0, "", "x/y")])).unwrap();
    first.pre_commit(1).unwrap();
    // The process dies after checkpoint 1 was saved, before its commit.
    drop(first);
    let mut second = factory().create_sink(&table, &sink_ctx_for(&table, true)).unwrap();
    second.recover(Some(1)).unwrap();
    assert!(dir.join("dt=2024-03-01/hr=10").read_dir().unwrap().flatten().any(|e| e.file_name().to_string_lossy().starts_with("part-")));
    assert!(!dir.join("dt=2024-03-01/hr=10/_DONE").exists());
    // A stop (no end of input) commits nothing; the end of input commits everything.
    second.finish().unwrap();
    assert!(!dir.join("dt=2024-03-01/hr=10/_DONE").exists());
    let mut third = factory().create_sink(&table, &sink_ctx_for(&table, true)).unwrap();
    third.recover(Some(1)).unwrap();
    third.on_watermark(i64::MAX).unwrap();
    third.finish().unwrap();
    assert!(dir.join("dt=2024-03-01/hr=10/_DONE").is_file());
    assert!(dir.join("dt=__DEFAULT_PARTITION__/hr=x%2Fy/_DONE").is_file());
}

/// Two writers of one sink (a job at parallelism 2) share the partition commit: a
/// partition gets its success file only when the lower of their watermarks passed it,
/// and at the end of the input only once both ended.
#[test]
fn writers_at_parallelism_2_commit_a_partition_together() {
    let dir = temp_dir().join("out");
    let table = partitioned_table(
        dir.to_str().unwrap(),
        &[
            ("sink.partition-commit.trigger", "partition-time"),
            ("partition.time-extractor.timestamp-pattern", "$dt $hr:00:00"),
            ("sink.partition-commit.policy.kind", "success-file"),
        ],
    );
    let ctx = |subtask| SinkContext { subtask, parallelism: 2, ..sink_ctx_for(&table, true) };
    let mut writers: Vec<_> = (0..2).map(|t| factory().create_sink(&table, &ctx(t)).unwrap()).collect();
    for w in &mut writers {
        w.recover(None).unwrap();
    }
    let success = |hr: &str| dir.join(format!("dt=2024-03-01/hr={hr}/_SUCCESS")).is_file();
    let checkpoint = |writers: &mut Vec<Box<dyn SinkWriter>>, id: u64| {
        for w in writers.iter_mut() {
            w.pre_commit(id).unwrap();
        }
        for w in writers.iter_mut() {
            w.commit(id).unwrap();
        }
    };
    writers[0].write(&partitioned_batch(&table, &[("a", 1.0, "2024-03-01", "10")])).unwrap();
    writers[1].write(&partitioned_batch(&table, &[("b", 2.0, "2024-03-01", "10")])).unwrap();
    // The first writer is past hour 10, the second is not: hour 10 waits.
    writers[0].on_watermark(hour_ms(11) + 1).unwrap();
    writers[1].on_watermark(hour_ms(9)).unwrap();
    checkpoint(&mut writers, 1);
    assert!(!success("10"), "the second writer's watermark has not passed hour 10");
    writers[1].on_watermark(hour_ms(11) + 1).unwrap();
    checkpoint(&mut writers, 2);
    assert!(success("10"));
    // At the end of the input, a partition waits for every writer to end.
    writers[1].write(&partitioned_batch(&table, &[("c", 3.0, "2024-03-01", "20")])).unwrap();
    checkpoint(&mut writers, 3);
    writers[1].on_watermark(i64::MAX).unwrap();
    writers[1].finish().unwrap();
    assert!(!success("20"), "the first writer has not ended");
    writers[0].on_watermark(i64::MAX).unwrap();
    writers[0].finish().unwrap();
    assert!(success("20"));
}

#[test]
fn partition_options_are_checked() {
    let table = |extra: &[(&str, &str)]| partitioned_table("/tmp/none", extra);
    let err = |extra: &[(&str, &str)]| factory().validate(&table(extra), false).unwrap_err().to_string();
    assert!(err(&[("sink.partition-commit.policy.kind", "metastore,success-file")]).contains("no metastore"));
    assert!(err(&[("sink.partition-commit.policy.kind", "custom")]).contains("Java class"));
    assert!(err(&[("sink.partition-commit.trigger", "event-time")]).contains("'process-time' and 'partition-time'"));
    assert!(err(&[("sink.partition-commit.delay", "soon")]).contains("sink.partition-commit.delay"));
    assert!(err(&[("partition.fields.dt.date-formatter", "yyyyMMdd")]).contains("unknown option"));
    factory().validate(&table(&[("sink.partition-commit.policy.kind", "success-file")]), false).unwrap();
    // A DECIMAL partition can be written, not read back (as in Flink).
    let mut decimal = table(&[]);
    decimal.physical_columns[2].1 = DataType::new(TypeKind::Decimal { precision: 10, scale: 2 });
    factory().validate(&decimal, false).unwrap();
    assert!(factory().validate(&decimal, true).unwrap_err().to_string().contains("cannot be read back"));
}
