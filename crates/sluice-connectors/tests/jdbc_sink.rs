//! The jdbc sink against a real PostgreSQL: append, upsert and delete reach the table,
//! buffering flushes by rows and at finish, and a server restart mid-run loses nothing.

mod jdbc_support;

use std::sync::Arc;

use arrow_array::{ArrayRef, Int32Array, RecordBatch, StringArray};
use jdbc_support::{schema, sink_ctx, table};
use sluice_connector_api::{ChangeBatch, TableSpec};
use sluice_connectors::jdbc;
use sluice_testkit::Postgres;
use sluice_types::{DataType, RowKind};

fn spec(pg: &Postgres, key: &[&str], extra: &[(&str, &str)]) -> TableSpec {
    let url = pg.url("postgres");
    let mut options = vec![("url", url.as_str()), ("table-name", "out"), ("username", "postgres")];
    options.extend_from_slice(extra);
    table(&[("id", DataType::int()), ("name", DataType::string())], key, &options)
}

fn batch(spec: &TableSpec, rows: &[(i32, Option<&str>)], kinds: Vec<RowKind>) -> ChangeBatch {
    let ids: ArrayRef = Arc::new(Int32Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>()));
    let names: ArrayRef = Arc::new(StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()));
    let data = RecordBatch::try_new(schema(spec, &[0, 1]), vec![ids, names]).unwrap();
    ChangeBatch::new(data, kinds)
}

fn count(pg: &Postgres) -> i64 {
    pg.query("SELECT count(*) FROM out")[0][0].as_ref().unwrap().parse().unwrap()
}

#[test]
fn append_buffers_by_rows_and_flushes_at_finish() {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE out (id int4, name text)");
    let spec = spec(&pg, &[], &[("sink.buffer-flush.max-rows", "100"), ("sink.buffer-flush.interval", "1 h")]);
    let mut sink = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).unwrap();
    let rows: Vec<(i32, Option<&str>)> = (0..250).map(|i| (i, Some("x"))).collect();
    sink.write(&batch(&spec, &rows, vec![RowKind::Insert; 250])).unwrap();
    assert_eq!(count(&pg), 200, "two full buffers are written, 50 rows wait");
    sink.write(&batch(&spec, &[(1000, None)], vec![RowKind::Insert])).unwrap();
    assert_eq!(count(&pg), 200);
    sink.finish().unwrap();
    assert_eq!(count(&pg), 251);
    assert_eq!(pg.query("SELECT name FROM out WHERE id = 1000"), vec![vec![None]]);
}

#[test]
fn upsert_and_delete_on_the_primary_key() {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE out (id int4 PRIMARY KEY, name text); INSERT INTO out VALUES (9, 'old')");
    let spec = spec(&pg, &["id"], &[]);
    let mut sink = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).unwrap();
    use RowKind::*;
    sink.write(&batch(
        &spec,
        &[(1, Some("a")), (2, Some("b")), (1, Some("a")), (1, Some("a2")), (2, Some("b")), (9, Some("new")), (3, Some("c"))],
        vec![Insert, Insert, UpdateBefore, UpdateAfter, Delete, UpdateAfter, Insert],
    ))
    .unwrap();
    sink.flush().unwrap();
    let rows = |pg: &Postgres| pg.query("SELECT id, name FROM out ORDER BY id");
    let s = |v: &str| Some(v.to_string());
    assert_eq!(rows(&pg), vec![vec![s("1"), s("a2")], vec![s("3"), s("c")], vec![s("9"), s("new")]]);
    sink.write(&batch(&spec, &[(3, Some("c")), (2, Some("back"))], vec![Delete, Insert])).unwrap();
    sink.finish().unwrap();
    assert_eq!(rows(&pg), vec![vec![s("1"), s("a2")], vec![s("2"), s("back")], vec![s("9"), s("new")]]);
}

#[test]
fn a_restart_mid_run_loses_no_rows() {
    let mut pg = Postgres::start();
    pg.execute("CREATE TABLE out (id int4 PRIMARY KEY, name text)");
    let spec = spec(&pg, &["id"], &[("sink.buffer-flush.max-rows", "10"), ("connection.max-retry-timeout", "30 s")]);
    let mut sink = jdbc::factory().create_sink(&spec, &sink_ctx(&spec)).unwrap();
    let rows: Vec<(i32, Option<&str>)> = (0..25).map(|i| (i, Some("before"))).collect();
    sink.write(&batch(&spec, &rows, vec![RowKind::Insert; 25])).unwrap();
    assert_eq!(count(&pg), 20);
    pg.restart();
    let rows: Vec<(i32, Option<&str>)> = (25..50).map(|i| (i, Some("after"))).collect();
    sink.write(&batch(&spec, &rows, vec![RowKind::Insert; 25])).unwrap();
    sink.finish().unwrap();
    assert_eq!(count(&pg), 50);
    assert_eq!(pg.query("SELECT count(*) FROM out WHERE name = 'after'"), vec![vec![Some("25".to_string())]]);
}
