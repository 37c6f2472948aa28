//! jdbc option and start-up errors: an unknown key, a missing table, a wrong column
//! type, and an unreachable server, each named in the message.

mod jdbc_support;

use jdbc_support::{sink_ctx, source_ctx, table};
use sluice_connector_api::ConnectorError;
use sluice_connectors::jdbc;
use sluice_testkit::{free_port, Postgres};
use sluice_types::DataType;

#[test]
fn unknown_key_and_bad_values_fail_validation() {
    let spec = table(&[("id", DataType::int())], &[], &[("url", "jdbc:postgresql://h:1/d"), ("table-name", "t"), ("sink.buffer-flush.max-row", "5")]);
    match jdbc::factory().validate(&spec, false) {
        Err(ConnectorError::UnknownOption { key, .. }) => assert_eq!(key, "sink.buffer-flush.max-row"),
        other => panic!("expected an unknown option, got {other:?}"),
    }
    let spec = table(&[("id", DataType::int())], &[], &[("url", "jdbc:mysql://h:1/d"), ("table-name", "t")]);
    assert!(jdbc::factory().validate(&spec, true).unwrap_err().to_string().contains("only PostgreSQL"));
    let spec = table(&[("id", DataType::int())], &[], &[("url", "jdbc:postgresql://h:1/d"), ("table-name", "t"), ("lookup.cache", "FULL")]);
    assert!(jdbc::factory().validate(&spec, true).unwrap_err().to_string().contains("\"lookup.cache\""));
    let spec = table(&[("id", DataType::int())], &[], &[("table-name", "t")]);
    assert!(matches!(jdbc::factory().validate(&spec, true), Err(ConnectorError::MissingOption { .. })));
}

#[test]
fn missing_table_and_wrong_column_type_fail_at_start() {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE present (id int4, name text)");
    let url = pg.url("postgres");
    let spec = table(&[("id", DataType::int())], &[], &[("url", &url), ("table-name", "absent"), ("username", "postgres")]);
    let err = jdbc::factory().create_source(&spec, &source_ctx(&spec, 0, 1)).err().unwrap().to_string();
    assert!(err.contains("\"absent\"") && err.contains("does not exist"), "{err}");
    let spec = table(&[("id", DataType::int()), ("name", DataType::bigint())], &[], &[("url", &url), ("table-name", "present"), ("username", "postgres")]);
    let err = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).err().unwrap().to_string();
    assert!(err.contains("\"name\"") && err.contains("\"text\"") && err.contains("BIGINT"), "{err}");
    let spec = table(&[("id", DataType::int()), ("nme", DataType::string())], &["id"], &[("url", &url), ("table-name", "present"), ("username", "postgres")]);
    let err = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).err().unwrap().to_string();
    assert!(err.contains("nme"), "{err}");
    let spec = table(&[("id", DataType::int()), ("name", DataType::string())], &["id"], &[("url", &url), ("table-name", "present"), ("username", "postgres")]);
    let err = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).err().unwrap().to_string();
    assert!(err.contains("unique constraint"), "an upsert needs a unique key in PostgreSQL: {err}");
}

#[test]
fn unreachable_server_names_host_and_port() {
    let port = free_port();
    let url = format!("jdbc:postgresql://127.0.0.1:{port}/db");
    let spec = table(&[("id", DataType::int())], &[], &[("url", &url), ("table-name", "t"), ("connection.max-retry-timeout", "1 s")]);
    let err = jdbc::factory().create_source(&spec, &source_ctx(&spec, 0, 1)).err().unwrap().to_string();
    assert!(err.contains(&format!("\"127.0.0.1:{port}\"")), "{err}");
}
