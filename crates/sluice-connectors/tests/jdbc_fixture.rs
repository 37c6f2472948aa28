//! The PostgreSQL fixture itself: it starts, runs SQL, counts statements and survives a
//! restart with its data.

use sluice_testkit::Postgres;

#[test]
fn fixture_runs_sql_counts_statements_and_restarts() {
    let mut pg = Postgres::start();
    pg.execute("CREATE TABLE t (id INT PRIMARY KEY, name TEXT); INSERT INTO t VALUES (1, 'a'), (2, NULL)");
    assert_eq!(
        pg.query("SELECT id, name FROM t ORDER BY id"),
        vec![vec![Some("1".to_string()), Some("a".to_string())], vec![Some("2".to_string()), None]]
    );
    pg.reset_statement_calls();
    let mut client = pg.client();
    for _ in 0..3 {
        client.query("SELECT name FROM t WHERE id = $1", &[&1i32]).unwrap();
    }
    assert_eq!(pg.statement_calls("SELECT name FROM t WHERE%"), 3);
    pg.restart();
    assert_eq!(pg.query("SELECT count(*) FROM t"), vec![vec![Some("2".to_string())]]);
    assert!(client.query("SELECT 1", &[]).is_err(), "a client from before the restart is disconnected");
    assert!(pg.url("db").ends_with(&format!(":{}/db", pg.port())));
}
