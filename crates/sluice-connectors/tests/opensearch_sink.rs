//! The `opensearch` and `elasticsearch-7` sinks against a real OpenSearch-compatible
//! server (`osmem-server`, started per test).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::Schema;
use serde_json::json;
use sluice_connector_api::{ChangeBatch, SinkChangelogMode, SinkContext, SinkWriter, TableSpec};
use sluice_connectors::opensearch::{self, OpenSearchSink, SearchFlavor};
use sluice_testkit::OpenSearch;
use sluice_types::temporal::SessionTimeZone;
use sluice_types::{DataType, RowKind};

fn columns() -> Vec<(String, DataType)> {
    vec![
        ("id".into(), DataType::bigint()),
        ("name".into(), DataType::string()),
        ("region".into(), DataType::string()),
        ("ts".into(), DataType::timestamp(3)),
    ]
}

fn table(options: &[(&str, &str)], pk: &[&str]) -> TableSpec {
    let options: BTreeMap<String, String> = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    TableSpec {
        name: "out".into(),
        physical_columns: columns(),
        options,
        primary_key: pk.iter().map(|s| s.to_string()).collect(),
        partition_keys: Vec::new(),
    }
}

fn ctx(table: &TableSpec) -> SinkContext {
    let fields: Vec<_> = table.physical_columns.iter().map(|(n, t)| t.to_field(n)).collect();
    SinkContext {
        input_schema: Arc::new(Schema::new(fields)),
        metadata: Vec::new(),
        time_zone: SessionTimeZone::default(),
        subtask: 0,
        parallelism: 1,
        checkpointing: false,
        job: "test".into(),
        sink_index: 0,
    }
}

/// 2024-03-07 14:05:09.5 as wall-clock micros.
const TS: i64 = 1_709_820_309_500_000;
const DAY: i64 = 86_400_000_000;

fn batch(rows: &[(i64, &str, &str, i64)]) -> RecordBatch {
    let schema = ctx(&table(&[], &[])).input_schema;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
        Arc::new(StringArray::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
        Arc::new(TimestampMicrosecondArray::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
    ];
    RecordBatch::try_new(schema, cols).unwrap()
}

fn sink(os: &OpenSearch, index: &str, extra: &[(&str, &str)], pk: &[&str]) -> (TableSpec, OpenSearchSink) {
    let url = os.url();
    let mut options = vec![("connector", "opensearch"), ("hosts", url.as_str()), ("index", index)];
    options.extend_from_slice(extra);
    let t = table(&options, pk);
    let s = OpenSearchSink::new(&t, &ctx(&t), SearchFlavor::OpenSearch).unwrap();
    (t, s)
}

#[test]
fn appends_without_a_key_get_server_assigned_ids() {
    let os = OpenSearch::start();
    let (t, mut s) = sink(&os, "events", &[], &[]);
    assert_eq!(opensearch::factory().sink_changelog_mode(&t), SinkChangelogMode::InsertOnly);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS), (1, "a", "eu", TS), (2, "b", "us", TS)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.count("events"), 3);
    let mut docs = os.all_sources("events");
    docs.sort_by_key(|d| d["id"].as_i64());
    // The documents are Flink's JSON: TIMESTAMP as "yyyy-MM-dd HH:mm:ss.f".
    assert_eq!(docs[2], json!({"id": 2, "name": "b", "region": "us", "ts": "2024-03-07 14:05:09.5"}));
}

#[test]
fn upserts_replace_and_deletes_remove_by_primary_key() {
    let os = OpenSearch::start();
    let (t, mut s) = sink(&os, "users", &[], &["id"]);
    assert_eq!(opensearch::factory().sink_changelog_mode(&t), SinkChangelogMode::Upsert);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS), (2, "b", "us", TS), (3, "c", "us", TS)]))).unwrap();
    let changes = batch(&[(1, "a", "eu", TS), (1, "a2", "eu", TS), (2, "b", "us", TS), (3, "c", "us", TS), (3, "c3", "ap", TS)]);
    let kinds = vec![RowKind::UpdateBefore, RowKind::UpdateAfter, RowKind::Delete, RowKind::UpdateBefore, RowKind::UpdateAfter];
    s.write(&ChangeBatch::new(changes, kinds)).unwrap();
    s.flush().unwrap();
    assert_eq!(os.count("users"), 2);
    assert_eq!(os.get("users", "1").unwrap()["name"], "a2");
    assert_eq!(os.get("users", "3").unwrap()["region"], "ap");
    assert!(os.get("users", "2").is_none());
    s.finish().unwrap();
}

#[test]
fn composite_keys_are_joined_with_the_delimiter() {
    let os = OpenSearch::start();
    let (_, mut s) = sink(&os, "composite", &[("document-id.key-delimiter", "$")], &["id", "region", "ts"]);
    s.write(&ChangeBatch::inserts(batch(&[(7, "x", "eu", TS), (8, "y", "us", TS - 9_500_000)]))).unwrap();
    s.finish().unwrap();
    // A TIMESTAMP key is spelled as Java's LocalDateTime.toString.
    assert_eq!(os.get("composite", "7$eu$2024-03-07T14:05:09.500").unwrap()["name"], "x");
    assert_eq!(os.get("composite", "8$us$2024-03-07T14:05").unwrap()["name"], "y");

    let (_, mut s) = sink(&os, "default-delim", &[], &["id", "region"]);
    s.write(&ChangeBatch::inserts(batch(&[(7, "x", "eu", TS)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.get("default-delim", "7_eu").unwrap()["name"], "x");
}

#[test]
fn a_dynamic_index_is_named_per_row() {
    let os = OpenSearch::start();
    let (_, mut s) = sink(&os, "alarms-{ts|yyyy-MM-dd}", &[], &[]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS), (2, "b", "eu", TS + DAY), (3, "c", "eu", TS + DAY)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.count("alarms-2024-03-07"), 1);
    assert_eq!(os.count("alarms-2024-03-08"), 2);

    let (_, mut s) = sink(&os, "by-region-{region}", &[], &[]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS), (2, "b", "us", TS)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.count("by-region-eu"), 1);
    assert_eq!(os.count("by-region-us"), 1);
}

#[test]
fn bulk_flushes_by_max_actions_and_at_finish() {
    let os = OpenSearch::start();
    let extra = [("sink.bulk-flush.max-actions", "2"), ("sink.bulk-flush.interval", "0")];
    let (_, mut s) = sink(&os, "flushes", &extra, &[]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS), (2, "b", "eu", TS), (3, "c", "eu", TS)]))).unwrap();
    // Two actions made a full request; the third waits for the next flush.
    assert_eq!(os.count("flushes"), 2);
    assert_eq!(s.stats().requests, 1);
    s.finish().unwrap();
    assert_eq!(os.count("flushes"), 3);
    assert_eq!(s.stats().written, 3);

    // With the defaults (1000 actions, 2 MB, 1 s) nothing is sent before a flush.
    let (_, mut s) = sink(&os, "buffered", &[("sink.bulk-flush.interval", "0")], &[]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS)]))).unwrap();
    assert_eq!(os.count("buffered"), 0);
    s.flush().unwrap();
    assert_eq!(os.count("buffered"), 1);
}

/// An index whose `region` field is an integer, so a row with a non-numeric region is rejected.
fn strict_index(os: &OpenSearch, index: &str) {
    os.create_index(index, &json!({"mappings": {"properties": {"region": {"type": "integer"}}}}));
}

#[test]
fn a_rejected_document_fails_the_job_with_the_server_reason() {
    let os = OpenSearch::start();
    strict_index(&os, "strict");
    let (_, mut s) = sink(&os, "strict", &[], &["id"]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "12", TS), (2, "b", "not-a-number", TS)]))).unwrap();
    let err = s.finish().unwrap_err().to_string();
    assert!(err.contains("document \"2\""), "{err}");
    assert!(err.contains("index \"strict\""), "{err}");
    assert!(err.contains("mapper_parsing_exception"), "{err}");
    assert!(err.contains("failure-handler"), "{err}");
    assert_eq!(os.count("strict"), 1);
}

#[test]
fn the_ignore_handler_counts_rejected_documents() {
    let os = OpenSearch::start();
    strict_index(&os, "lenient");
    let (_, mut s) = sink(&os, "lenient", &[("failure-handler", "ignore")], &[]);
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "1", TS), (2, "b", "x", TS), (3, "c", "y", TS), (4, "d", "4", TS)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.count("lenient"), 2);
    let stats = s.stats();
    assert_eq!(stats.ignored, 2);
    assert_eq!(stats.written, 2);
}

#[test]
fn elasticsearch_7_writes_the_same_way_with_basic_auth_headers() {
    let os = OpenSearch::start();
    let url = os.url();
    let t = table(
        &[("connector", "elasticsearch-7"), ("hosts", &url), ("index", "tx"), ("username", "elastic"), ("password", "secret")],
        &["id"],
    );
    let mut s = opensearch::elasticsearch7_factory().create_sink(&t, &ctx(&t)).unwrap();
    s.write(&ChangeBatch::inserts(batch(&[(5, "e", "eu", TS)]))).unwrap();
    s.finish().unwrap();
    assert_eq!(os.get("tx", "5").unwrap()["name"], "e");
}

#[test]
fn an_unreachable_host_is_a_clear_error_after_the_retries() {
    let port = sluice_testkit::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let t = table(
        &[
            ("connector", "opensearch"),
            ("hosts", &url),
            ("index", "x"),
            ("sink.bulk-flush.backoff.strategy", "CONSTANT"),
            ("sink.bulk-flush.backoff.max-retries", "2"),
            ("sink.bulk-flush.backoff.delay", "10 ms"),
        ],
        &[],
    );
    let mut s = OpenSearchSink::new(&t, &ctx(&t), SearchFlavor::OpenSearch).unwrap();
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS)]))).unwrap();
    let err = s.finish().unwrap_err().to_string();
    assert!(err.contains(&format!("cannot write to opensearch at \"{url}\" after 2 retries")), "{err}");
}

#[test]
fn an_int_column_round_trips() {
    // A schema with an INT key, to check key text of other types.
    let os = OpenSearch::start();
    let url = os.url();
    let t = TableSpec {
        name: "n".into(),
        physical_columns: vec![("k".into(), DataType::int())],
        options: [("connector", "opensearch"), ("hosts", url.as_str()), ("index", "ints")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        primary_key: vec!["k".into()],
        partition_keys: Vec::new(),
    };
    let c = ctx(&t);
    let mut s = OpenSearchSink::new(&t, &c, SearchFlavor::OpenSearch).unwrap();
    let b = RecordBatch::try_new(c.input_schema.clone(), vec![Arc::new(Int32Array::from(vec![-3, 4]))]).unwrap();
    s.write(&ChangeBatch::inserts(b)).unwrap();
    s.finish().unwrap();
    assert_eq!(os.get("ints", "-3").unwrap(), json!({"k": -3}));
    assert_eq!(os.count("ints"), 2);
}

#[test]
fn a_timestamp_ltz_index_is_named_in_the_session_time_zone() {
    let os = OpenSearch::start();
    let url = os.url();
    let t = TableSpec {
        name: "ltz".into(),
        physical_columns: vec![("at".into(), DataType::timestamp_ltz(3))],
        options: [("connector", "opensearch"), ("hosts", url.as_str()), ("index", "ltz-{at|yyyy.MM.dd-HH.mm}")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        primary_key: Vec::new(),
        partition_keys: Vec::new(),
    };
    let mut c = ctx(&t);
    c.time_zone = sluice_types::temporal::parse_time_zone("Asia/Tokyo").unwrap();
    let mut s = OpenSearchSink::new(&t, &c, SearchFlavor::OpenSearch).unwrap();
    // The instant 2024-03-07 14:05:09.5 UTC is 23:05 in Tokyo.
    let at = TimestampMicrosecondArray::from(vec![TS]).with_timezone("UTC");
    let b = RecordBatch::try_new(c.input_schema.clone(), vec![Arc::new(at)]).unwrap();
    s.write(&ChangeBatch::inserts(b)).unwrap();
    s.finish().unwrap();
    assert_eq!(os.indices(), vec!["ltz-2024.03.07-23.05".to_string()]);
    // The document itself carries the instant as Flink's JSON format writes it.
    assert_eq!(os.all_sources("ltz-2024.03.07-23.05"), vec![json!({"at": "2024-03-07 14:05:09.5Z"})]);
}

#[test]
fn a_write_after_the_interval_sends_the_buffer() {
    let os = OpenSearch::start();
    let (_, mut s) = sink(&os, "interval", &[("sink.bulk-flush.interval", "1 ms")], &[]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    s.write(&ChangeBatch::inserts(batch(&[(1, "a", "eu", TS)]))).unwrap();
    assert_eq!(os.count("interval"), 1);
    s.finish().unwrap();
}
