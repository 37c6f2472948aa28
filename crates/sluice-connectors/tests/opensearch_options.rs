//! Option validation of the `opensearch` and `elasticsearch-7` sinks, and the sink DDL
//! of the seed pipelines. No server is needed: validation does not connect.

use std::collections::BTreeMap;

use sluice_connector_api::{ConnectorError, SinkChangelogMode, TableSpec};
use sluice_connectors::opensearch::{self, Backoff, FailureHandler, OpenSearchConfig, SearchFlavor};
use sluice_types::{DataType, TypeKind};

fn spec(columns: Vec<(&str, DataType)>, options: &[(&str, &str)], pk: &[&str]) -> TableSpec {
    TableSpec {
        name: "sink".into(),
        physical_columns: columns.into_iter().map(|(n, t)| (n.to_string(), t)).collect(),
        options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        primary_key: pk.iter().map(|s| s.to_string()).collect(),
        partition_keys: Vec::new(),
    }
}

fn table(extra: &[(&str, &str)]) -> TableSpec {
    let mut options = vec![("connector", "opensearch"), ("hosts", "http://localhost:9200"), ("index", "idx")];
    options.extend_from_slice(extra);
    spec(vec![("id", DataType::bigint()), ("name", DataType::string()), ("ts", DataType::timestamp(3))], &options, &[])
}

fn error(extra: &[(&str, &str)]) -> String {
    opensearch::factory().validate(&table(extra), false).unwrap_err().to_string()
}

#[test]
fn defaults_follow_flink() {
    let c = OpenSearchConfig::parse(&table(&[]), SearchFlavor::OpenSearch).unwrap();
    assert_eq!(c.max_actions, Some(1000));
    assert_eq!(c.max_bytes, Some(2 << 20));
    assert_eq!(c.interval, Some(std::time::Duration::from_secs(1)));
    assert_eq!(c.backoff, Backoff::Disabled);
    assert_eq!(c.failure_handler, FailureHandler::Fail);
    assert_eq!(c.key_delimiter, "_");
    assert_eq!(c.hosts, vec!["http://localhost:9200".to_string()]);

    let c = OpenSearchConfig::parse(
        &table(&[
            ("hosts", "http://a:9200;https://b:9243/"),
            ("connection.path-prefix", "/v1/"),
            ("sink.bulk-flush.max-actions", "0"),
            ("sink.bulk-flush.max-size", "0"),
            ("sink.bulk-flush.interval", "0"),
            ("sink.bulk-flush.backoff.strategy", "exponential"),
            ("sink.bulk-flush.backoff.delay", "100 ms"),
            ("failure-handler", "retry-rejected"),
        ]),
        SearchFlavor::OpenSearch,
    )
    .unwrap();
    assert_eq!(c.hosts, vec!["http://a:9200/v1".to_string(), "https://b:9243/v1".to_string()]);
    assert_eq!((c.max_actions, c.max_bytes, c.interval), (None, None, None));
    assert_eq!(c.backoff, Backoff::Exponential { max_retries: 8, delay: std::time::Duration::from_millis(100) });
    assert_eq!(c.backoff.delay(3), std::time::Duration::from_millis(400));
    assert_eq!(c.failure_handler, FailureHandler::RetryRejected);
}

#[test]
fn bad_options_are_named() {
    assert!(error(&[("sink.bulk-flush.max-action", "5")]).contains("unknown option \"sink.bulk-flush.max-action\""));
    assert!(error(&[("failure-handler", "com.example.MyHandler")]).contains("custom Java failure handler"));
    assert!(error(&[("format", "csv")]).contains("\"json\" only"));
    assert!(error(&[("hosts", "localhost:9200")]).contains("'http://host_name:port'"));
    assert!(error(&[("hosts", "http://localhost")]).contains("needs a port"));
    assert!(error(&[("sink.bulk-flush.max-size", "1500kb")]).contains("MB granularity"));
    assert!(error(&[("sink.bulk-flush.max-actions", "-5")]).contains("at least 1"));
    assert!(error(&[("sink.bulk-flush.interval", "soon")]).contains("\"sink.bulk-flush.interval\""));
    assert!(error(&[("sink.bulk-flush.backoff.strategy", "LINEAR")]).contains("\"CONSTANT\""));
    assert!(error(&[("sink.bulk-flush.backoff.max-retries", "0")]).contains("at least 1"));
    assert!(error(&[("username", "elastic")]).contains("\"password\""));
    assert!(error(&[("json.timestamp-format.standard", "RFC")]).contains("ISO-8601"));
    let missing = opensearch::factory()
        .validate(&spec(vec![("id", DataType::bigint())], &[("connector", "opensearch"), ("index", "i")], &[]), false)
        .unwrap_err();
    assert!(matches!(missing, ConnectorError::MissingOption { ref key, .. } if key == "hosts"), "{missing}");
}

#[test]
fn dynamic_index_patterns_are_checked() {
    assert!(error(&[("index", "x-{nope|yyyy}")]).contains("unknown field \"nope\""));
    assert!(error(&[("index", "x-{name|yyyy-MM-dd}")]).contains("needs a TIMESTAMP"));
    assert!(error(&[("index", "x-{ts|yyyy-qq}")]).contains("'q'"));
    assert!(error(&[("index", "x-{ts|yyyy}-{name}")]).contains("single"));
    assert!(opensearch::factory().validate(&table(&[("index", "x-{ts|yyyy-MM-dd}")]), false).is_ok());
    assert!(opensearch::factory().validate(&table(&[("index", "x-{name}")]), false).is_ok());
    assert!(opensearch::factory().validate(&table(&[("index", "x-{now()|yyyy.MM}")]), false).is_ok());
}

#[test]
fn sink_only_and_key_types() {
    let f = opensearch::factory();
    let err = f.validate(&table(&[]), true).unwrap_err();
    assert!(matches!(err, ConnectorError::Unsupported { role: "source", .. }), "{err}");
    let t = spec(
        vec![("tags", DataType::new(TypeKind::Array(Box::new(DataType::string())))), ("n", DataType::int())],
        &[("connector", "opensearch"), ("hosts", "http://h:9200"), ("index", "i")],
        &["tags"],
    );
    assert!(f.validate(&t, false).unwrap_err().to_string().contains("cannot form a document id"));
}

/// The IoT pipeline's replication of high-load samples to OpenSearch: `time_ltz` is
/// already text (`DATE_FORMAT(..., 'yyyy/MM/dd HH:mm:ss')`) when it reaches the sink.
#[test]
fn the_iot_high_load_replication_ddl_validates() {
    let t = spec(
        vec![
            ("hostname", DataType::string()),
            ("cpu", DataType::string()),
            ("usage", DataType::double()),
            ("occurred_at", DataType::bigint()),
            ("time_ltz", DataType::string()),
        ],
        &[
            ("connector", "opensearch"),
            ("hosts", "https://os-example.aivencloud.com:24947"),
            ("index", "cpu_load_stats_real_high"),
            ("username", "avnadmin"),
            ("password", "secret"),
        ],
        &[],
    );
    let f = opensearch::factory();
    f.validate(&t, false).unwrap();
    assert_eq!(f.sink_changelog_mode(&t), SinkChangelogMode::InsertOnly);
}

/// Transactions per client per minute, an upsert into an Elasticsearch index.
#[test]
fn the_transactions_per_minute_ddl_validates() {
    let t = spec(
        vec![
            ("client_id", DataType::not_null(TypeKind::Varchar { length: u32::MAX })),
            ("window_start", DataType::not_null(TypeKind::Timestamp { precision: 3 })),
            ("window_end", DataType::timestamp(3)),
            ("tx_count", DataType::bigint()),
            ("total_amount", DataType::new(TypeKind::Decimal { precision: 10, scale: 2 })),
        ],
        &[
            ("connector", "elasticsearch-7"),
            ("hosts", "http://localhost:9200"),
            ("index", "transactions_per_minute"),
            ("sink.bulk-flush.max-actions", "100"),
            ("sink.bulk-flush.interval", "1s"),
            ("format", "json"),
        ],
        &["client_id", "window_start"],
    );
    let f = opensearch::elasticsearch7_factory();
    assert_eq!(f.name(), "elasticsearch-7");
    f.validate(&t, false).unwrap();
    assert_eq!(f.sink_changelog_mode(&t), SinkChangelogMode::Upsert);
}
