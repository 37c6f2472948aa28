//! The jdbc lookup source against a real PostgreSQL, counting the queries the server
//! sees: without a cache every batch queries, with PARTIAL cached keys do not, expiry
//! re-queries, and missing keys are cached or not as the option says.

mod jdbc_support;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Int32Array, RecordBatch};
use arrow_schema::{DataType as ArrowType, Field, Schema};
use jdbc_support::{lookup_ctx, table};
use sluice_connector_api::{LookupSource, TableSpec};
use sluice_connectors::jdbc;
use sluice_testkit::Postgres;
use sluice_types::DataType;

const QUERY: &str = "SELECT name, id FROM dim WHERE%";

fn spec(pg: &Postgres, extra: &[(&str, &str)]) -> TableSpec {
    let url = pg.url("postgres");
    let mut options = vec![("url", url.as_str()), ("table-name", "dim"), ("username", "postgres")];
    options.extend_from_slice(extra);
    table(&[("id", DataType::int()), ("name", DataType::string())], &[], &options)
}

fn start(extra: &[(&str, &str)]) -> (Postgres, Box<dyn LookupSource>) {
    let pg = Postgres::start();
    pg.execute("CREATE TABLE dim (id int4, name text); INSERT INTO dim VALUES (1, 'one'), (2, 'two'), (2, 'deux')");
    let spec = spec(&pg, extra);
    let source = jdbc::factory().create_lookup(&spec, &lookup_ctx(&spec, &[0], &[1])).unwrap();
    pg.reset_statement_calls();
    (pg, source)
}

fn keys(ids: &[Option<i32>]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![Field::new("k", ArrowType::Int32, true)]));
    RecordBatch::try_new(schema, vec![Arc::new(Int32Array::from(ids.to_vec())) as ArrayRef]).unwrap()
}

/// Each key row's matches, as (key row, name), sorted.
fn lookup(source: &mut dyn LookupSource, ids: &[Option<i32>]) -> Vec<(u32, String)> {
    let result = source.lookup(&keys(ids)).unwrap();
    let names = result.rows.column(0).as_string::<i32>();
    let mut out: Vec<(u32, String)> =
        result.key_rows.iter().enumerate().map(|(i, k)| (*k, names.value(i).to_string())).collect();
    assert!(result.key_rows.windows(2).all(|w| w[0] <= w[1]), "key rows ascend");
    out.sort();
    out
}

#[test]
fn without_a_cache_every_batch_queries_once() {
    let (pg, mut source) = start(&[]);
    let got = lookup(source.as_mut(), &[Some(2), Some(1), Some(3), None, Some(2)]);
    let s = |k: u32, v: &str| (k, v.to_string());
    assert_eq!(got, vec![s(0, "deux"), s(0, "two"), s(1, "one"), s(4, "deux"), s(4, "two")]);
    assert_eq!(pg.statement_calls(QUERY), 1, "one query for the whole batch");
    lookup(source.as_mut(), &[Some(1)]);
    assert_eq!(pg.statement_calls(QUERY), 2);
    assert_eq!(source.stats().queries, 2);
    assert_eq!(source.stats().cache_hits, 0);
}

#[test]
fn partial_cache_skips_cached_keys_and_caches_missing_ones() {
    let (pg, mut source) = start(&[("lookup.cache", "PARTIAL"), ("lookup.partial-cache.max-rows", "100")]);
    assert_eq!(lookup(source.as_mut(), &[Some(1), Some(3)]), vec![(0, "one".to_string())]);
    assert_eq!(pg.statement_calls(QUERY), 1);
    assert_eq!(lookup(source.as_mut(), &[Some(3), Some(1)]), vec![(1, "one".to_string())]);
    assert_eq!(pg.statement_calls(QUERY), 1, "both keys, the missing one included, come from the cache");
    lookup(source.as_mut(), &[Some(1), Some(2)]);
    assert_eq!(pg.statement_calls(QUERY), 2, "only the new key is queried");
    assert_eq!(source.stats().cache_hits, 3);
}

#[test]
fn missing_keys_are_queried_again_when_not_cached() {
    let (pg, mut source) = start(&[
        ("lookup.cache", "PARTIAL"),
        ("lookup.partial-cache.max-rows", "100"),
        ("lookup.partial-cache.cache-missing-key", "false"),
    ]);
    lookup(source.as_mut(), &[Some(1), Some(3)]);
    lookup(source.as_mut(), &[Some(1), Some(3)]);
    assert_eq!(pg.statement_calls(QUERY), 2, "the missing key is queried again");
    pg.execute("INSERT INTO dim VALUES (3, 'three')");
    assert_eq!(lookup(source.as_mut(), &[Some(3)]), vec![(0, "three".to_string())]);
}

#[test]
fn legacy_ttl_expires_entries() {
    let (pg, mut source) = start(&[("lookup.cache.max-rows", "100"), ("lookup.cache.ttl", "300 ms")]);
    lookup(source.as_mut(), &[Some(1)]);
    lookup(source.as_mut(), &[Some(1)]);
    assert_eq!(pg.statement_calls(QUERY), 1);
    pg.execute("UPDATE dim SET name = 'uno' WHERE id = 1");
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(lookup(source.as_mut(), &[Some(1)]), vec![(0, "uno".to_string())]);
    assert_eq!(pg.statement_calls(QUERY), 2);
}

#[test]
fn large_batches_run_in_concurrent_chunks_with_the_same_answer() {
    let (pg, mut source) = start(&[]);
    pg.execute("INSERT INTO dim SELECT g, 'n' || g FROM generate_series(10, 2009) g");
    let ids: Vec<Option<i32>> = (10..2010).rev().map(Some).collect();
    let result = source.lookup(&keys(&ids)).unwrap();
    assert_eq!(result.rows.num_rows(), 2000);
    for (i, k) in result.key_rows.iter().enumerate() {
        let expected = format!("n{}", ids[*k as usize].unwrap());
        assert_eq!(result.rows.column(0).as_string::<i32>().value(i), expected);
    }
    assert_eq!(pg.statement_calls(QUERY), 4, "2000 keys in chunks of 500");
}
