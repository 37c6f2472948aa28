//! The breadth of the dialect: each snippet parses and round-trips, and the trees of
//! the trickier ones have the expected shape.

mod common;

use common::assert_round_trip;
use sluice_sql::ast::*;
use sluice_sql::{parse_data_type, parse_expr, parse_statements};
use sluice_types::{DataType, TypeKind, MAX_VARCHAR_LENGTH};

const STATEMENTS: &[&str] = &[
    "SET",
    "SET 'table.exec.mini-batch.enabled' = 'true'",
    "SET table.exec.state.ttl = 1000",
    "RESET 'table.local-time-zone'",
    "RESET",
    "CREATE TABLE IF NOT EXISTS db.t (id INT NOT NULL PRIMARY KEY NOT ENFORCED COMMENT 'the id', v STRING) COMMENT 'x' PARTITIONED BY (v) WITH ('connector' = 'print')",
    "CREATE TABLE t (id INT, CONSTRAINT pk PRIMARY KEY (id) NOT ENFORCED) WITH ()",
    "CREATE TABLE t (ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL, p INT METADATA, c AS p + 1 COMMENT 'c') WITH (connector = 'datagen')",
    "CREATE TABLE t2 WITH ('connector' = 'print') LIKE t (INCLUDING ALL)",
    "CREATE TABLE t3 WITH ('connector' = 'print') AS SELECT * FROM t",
    "CREATE TEMPORARY VIEW IF NOT EXISTS v (a, b) AS SELECT 1, 2",
    "CREATE VIEW v AS SELECT a FROM t UNION ALL SELECT a FROM u INTERSECT SELECT a FROM w",
    "CREATE SYSTEM FUNCTION f AS 'com.x.F'",
    "CREATE TEMPORARY SYSTEM FUNCTION IF NOT EXISTS f AS 'com.x.F' LANGUAGE JAVA",
    "DROP TABLE IF EXISTS t",
    "DROP TEMPORARY VIEW v",
    "DROP FUNCTION f",
    "REGISTER FUNCTION is_anomalous AS 'my_module.is_anomalous' LANGUAGE PYTHON",
    "DROP TEMPORARY SYSTEM FUNCTION IF EXISTS is_anomalous",
    "SHOW TABLES",
    "SHOW VIEWS",
    "SHOW FUNCTIONS",
    "SHOW CATALOGS",
    "SHOW DATABASES",
    "SHOW CREATE TABLE t",
    "SHOW CREATE VIEW v",
    "DESCRIBE t",
    "DESC cat.db.t",
    "USE CATALOG c",
    "SHOW CURRENT CATALOG",
    "SHOW CURRENT DATABASE",
    "CREATE TABLE t2 (x INT) WITH ('connector' = 'print') LIKE t (EXCLUDING ALL INCLUDING GENERATED OVERWRITING OPTIONS)",
    "SELECT - -INTERVAL '5' SECOND, -(INTERVAL '-5' SECOND), -INTERVAL '-5' SECOND FROM t",
    "USE db1",
    "INSERT OVERWRITE t PARTITION (dt = '2020', h = 1) SELECT * FROM s",
    "INSERT INTO t /*+ OPTIONS('sink.parallelism' = '2') */ (a, b) SELECT a, b FROM s",
    "INSERT INTO t (SELECT * FROM s)",
    "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    "EXECUTE INSERT INTO t SELECT 1",
    "BEGIN STATEMENT SET; INSERT INTO a SELECT * FROM x; INSERT INTO b SELECT * FROM y; END",
    "EXPLAIN PLAN FOR SELECT 1",
    "EXPLAIN CHANGELOG_MODE, ESTIMATED_COST SELECT * FROM t",
    "EXPLAIN JSON_EXECUTION_PLAN INSERT INTO t SELECT 1",
    "WITH a AS (SELECT 1 AS x), b (y) AS (SELECT x FROM a) SELECT * FROM b ORDER BY y DESC NULLS LAST LIMIT 10 OFFSET 5",
    "SELECT a FROM t ORDER BY a OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY",
    "SELECT DISTINCT t.*, u.a AS `select`, `weird name` FROM t, u",
    "SELECT /*+ STATE_TTL('o' = '1d'), BROADCAST(u) */ * FROM t LEFT OUTER JOIN u USING (id) RIGHT JOIN w ON TRUE FULL JOIN z ON z.a = t.a",
    "SELECT * FROM t INNER JOIN (u CROSS JOIN w) ON t.a = u.a",
    "SELECT * FROM t, LATERAL TABLE(split(t.s)) AS T(word, len)",
    "SELECT * FROM t LEFT JOIN LATERAL TABLE(split(t.s)) ON TRUE",
    "SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.a = t.a) AS x",
    "SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '5' MINUTES))",
    "SELECT * FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '1' HOUR))",
    "SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (a, b), DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
    "SELECT a, COUNT(*) FROM t GROUP BY GROUPING SETS ((a, b), (a), ()), CUBE (a, b) HAVING COUNT(*) > 1",
    "SELECT SUM(x) OVER w, LAST_VALUE(x) IGNORE NULLS OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS (PARTITION BY a ORDER BY ts)",
    "SELECT ROW_NUMBER() OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) FROM t",
    "SELECT * FROM t WHERE a IN (SELECT a FROM u) AND NOT EXISTS (SELECT 1 FROM w) AND b NOT IN (1, 2) AND c = (SELECT MAX(c) FROM u)",
    "SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY k ORDER BY ts MEASURES FIRST(A.ts) AS s, LAST(B.ts, 1) AS e ALL ROWS PER MATCH AFTER MATCH SKIP TO FIRST B PATTERN ((A | B){2,3}? C*? D?? E{,3} F{2,}) WITHIN INTERVAL '1' HOUR SUBSET AB = (A, B) DEFINE A AS A.v > PREV(A.v), B AS B.v < 10)",
    "SELECT * FROM t MATCH_RECOGNIZE (ORDER BY ts MEASURES A.v AS v AFTER MATCH SKIP TO NEXT ROW PATTERN (A) DEFINE A AS TRUE) m",
    "VALUES (1), (2)",
    "(SELECT 1) UNION (SELECT 2) EXCEPT SELECT 3",
    "SELECT value, `timestamp`, window_start, ts, `time` FROM t",
    "SELECT LEFT(s, 2), RIGHT(s, 1), IF(a > 1, 'x', 'y'), REPLACE(s, 'a', 'b'), TRUNCATE(x, 2), MOD(a, 3), POWER(a, 2) FROM t",
    "SELECT CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP, CURRENT_ROW_TIMESTAMP(), NOW(), PROCTIME() FROM t",
    "CREATE TABLE k (key BYTES, value STRING, `timestamp` TIMESTAMP(3), time TIME, date DATE, comment STRING COMMENT 'c', position INT, year INT, user STRING) WITH ('connector' = 'kafka')",
    "SELECT key, value, time, date, comment, position, year, user, row, first, last FROM k WHERE value <> '' GROUP BY value, key",
    "SELECT '🍍 pineapple' AS `🍕`, name FROM pizzas WHERE name LIKE '%🍌%' ESCAPE '\\'",
];

#[test]
fn statements_parse_and_round_trip() {
    for sql in STATEMENTS {
        let stmts = match parse_statements(sql) {
            Ok(s) => s,
            Err(e) => panic!("{}", e.render("snippet.sql", sql)),
        };
        assert_eq!(stmts.len(), 1, "{sql}");
        assert_round_trip(&stmts);
    }
}

const EXPRESSIONS: &[&str] = &[
    "a OR b AND NOT c = d",
    "NOT NOT a",
    "a = b IS NULL",
    "a + b * c - d / e % f || g",
    "-a * -b - - 1",
    "x IS NOT DISTINCT FROM y + 1",
    "x NOT BETWEEN SYMMETRIC 1 AND 2 + 3 AND y",
    "s NOT LIKE 'a%' ESCAPE '!' OR s SIMILAR TO 'b'",
    "a IS TRUE AND b IS NOT FALSE AND c IS UNKNOWN",
    "CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END",
    "CASE a WHEN 1 THEN 'one' END",
    "CAST(x AS ROW<a INT NOT NULL, b ARRAY<STRING>>) IS NULL",
    "EXTRACT(DOW FROM ts) + EXTRACT(EPOCH FROM ts)",
    "TRIM(LEADING 'x' FROM s) || TRIM(s) || TRIM(TRAILING FROM s)",
    "OVERLAY(s PLACING 'ab' FROM 2 FOR 1)",
    "SUBSTRING(s, 1, 2)",
    "CEIL(ts TO HOUR) = FLOOR(ts TO DAY)",
    "FLOOR(x) + CEIL(y)",
    "TIMESTAMPADD(MINUTE, 5, ts) > TIMESTAMPDIFF(DAY, a, b)",
    "arr[1].name",
    "(r).f.g",
    "m['k'][2]",
    "ROW(1, 'a') = (1, 'a')",
    "ARRAY[1, 2] = ARRAY[]",
    "MAP['a', 1, 'b', 2]",
    "DATE '2024-01-01' < TIMESTAMP '2024-01-01 00:00:00' OR TIME '10:00:00' IS NULL",
    "X'0AFF' IS NOT NULL",
    "INTERVAL '1 02:03' DAY TO MINUTE + INTERVAL '1' SECOND(3) + INTERVAL 5 SECONDS",
    "-INTERVAL '1' DAY",
    "INTERVAL '-1' YEAR TO MONTH",
    "COUNT(DISTINCT a) FILTER (WHERE b > 1)",
    "1.5e3 + .5 - 1e-3",
    "((a))",
    "a.b.c.d",
    "j IS JSON AND j IS NOT JSON OBJECT OR j IS JSON SCALAR",
    "JSON_VALUE(j, '$.a' RETURNING INT DEFAULT -1 ON EMPTY ERROR ON ERROR)",
    "JSON_VALUE(j, 'strict $.a' NULL ON ERROR)",
    "JSON_QUERY(j, '$.a' WITH CONDITIONAL ARRAY WRAPPER EMPTY ARRAY ON EMPTY EMPTY OBJECT ON ERROR)",
    "JSON_QUERY(j, '$' RETURNING ARRAY<STRING> WITH WRAPPER)",
    "JSON_EXISTS(j, '$.a' UNKNOWN ON ERROR)",
    "JSON_OBJECT(KEY 'a' VALUE 1, 'b' VALUE JSON_ARRAY(1, NULL NULL ON NULL) ABSENT ON NULL)",
    "JSON_OBJECT()",
    "JSON_ARRAYAGG(x NULL ON NULL) FILTER (WHERE x > 1) + JSON_OBJECTAGG(KEY k VALUE v ABSENT ON NULL)",
    "(a, b) OVERLAPS (c, INTERVAL '1' HOUR) AND NOT (d, e) OVERLAPS (f, g)",
    "JSON_ARRAY()",
];

#[test]
fn expressions_round_trip() {
    for sql in EXPRESSIONS {
        let e = match parse_expr(sql) {
            Ok(e) => e,
            Err(err) => panic!("{}", err.render("expr.sql", sql)),
        };
        let printed = e.to_string();
        let again = parse_expr(&printed).unwrap_or_else(|err| panic!("{printed}: {err}"));
        assert_eq!(
            common::erase_spans(&format!("{e:?}")),
            common::erase_spans(&format!("{again:?}")),
            "{sql} printed as {printed}"
        );
        assert_eq!(printed, again.to_string());
    }
}

#[test]
fn precedence_shapes() {
    let e = parse_expr("a OR b AND NOT c = d").unwrap();
    assert_eq!(format!("{e}"), "a OR b AND NOT c = d");
    let ExprKind::Binary { op: BinaryOp::Or, right, .. } = &e.kind else { panic!("{e:?}") };
    let ExprKind::Binary { op: BinaryOp::And, right, .. } = &right.kind else { panic!() };
    let ExprKind::Unary { op: UnaryOp::Not, expr } = &right.kind else { panic!() };
    assert!(matches!(expr.kind, ExprKind::Binary { op: BinaryOp::Eq, .. }));

    let e = parse_expr("a - b - c").unwrap();
    let ExprKind::Binary { left, .. } = &e.kind else { panic!() };
    assert!(matches!(left.kind, ExprKind::Binary { op: BinaryOp::Minus, .. }));

    let e = parse_expr("x BETWEEN 1 AND 2 AND y").unwrap();
    assert!(matches!(e.kind, ExprKind::Binary { op: BinaryOp::And, .. }));
}

#[test]
fn intervals_are_normalised() {
    let e = parse_expr("INTERVAL '-1' DAY").unwrap();
    let ExprKind::Interval { value, negative, qualifier } = &e.kind else { panic!() };
    assert_eq!((value.as_str(), *negative, qualifier.leading), ("1", true, TimeUnit::Day));
    let e = parse_expr("- INTERVAL '5' MINUTES").unwrap();
    let ExprKind::Interval { value, negative, .. } = &e.kind else { panic!() };
    assert_eq!((value.as_str(), *negative), ("5", true));
    let e = parse_expr("INTERVAL '1 02:03' DAY TO MINUTE").unwrap();
    let ExprKind::Interval { value, qualifier, .. } = &e.kind else { panic!() };
    assert_eq!(value, "1 02:03");
    assert_eq!(qualifier.trailing, Some(TimeUnit::Minute));
}

#[test]
fn special_calls() {
    let e = parse_expr("TIMESTAMPDIFF(SECOND, a, b)").unwrap();
    let ExprKind::Function(call) = &e.kind else { panic!() };
    assert!(matches!(call.args[0].kind, ExprKind::TimeUnit(TimeUnit::Second)));
    let e = parse_expr("COUNT(*)").unwrap();
    let ExprKind::Function(call) = &e.kind else { panic!() };
    assert!(call.star && call.args.is_empty());
    let e = parse_expr("CURRENT_TIMESTAMP").unwrap();
    assert!(matches!(e.kind, ExprKind::Function(_)));
    assert_eq!(e.to_string(), "CURRENT_TIMESTAMP");
    let e = parse_expr("SUBSTRING(s, 1, 2)").unwrap();
    assert!(matches!(e.kind, ExprKind::Function(_)));
    let e = parse_expr("timestamp").unwrap();
    assert!(matches!(e.kind, ExprKind::Identifier(_)));
}

#[test]
fn data_types() {
    let cases: &[(&str, DataType)] = &[
        ("INT", DataType::int()),
        ("INTEGER NOT NULL", DataType::not_null(TypeKind::Int)),
        ("VARCHAR", DataType::string()),
        ("VARCHAR(10)", DataType::new(TypeKind::Varchar { length: 10 })),
        ("CHAR", DataType::new(TypeKind::Char { length: 1 })),
        ("STRING NULL", DataType::string()),
        ("BYTES", DataType::new(TypeKind::Varbinary { length: MAX_VARCHAR_LENGTH })),
        ("BINARY(4)", DataType::new(TypeKind::Binary { length: 4 })),
        ("DECIMAL", DataType::new(TypeKind::Decimal { precision: 10, scale: 0 })),
        ("NUMERIC(5, 2)", DataType::new(TypeKind::Decimal { precision: 5, scale: 2 })),
        ("DOUBLE PRECISION", DataType::double()),
        ("REAL", DataType::new(TypeKind::Float)),
        ("TIME", DataType::new(TypeKind::Time { precision: 0 })),
        ("TIMESTAMP", DataType::timestamp(6)),
        ("TIMESTAMP(3) WITHOUT TIME ZONE", DataType::timestamp(3)),
        ("TIMESTAMP(3) WITH LOCAL TIME ZONE", DataType::timestamp_ltz(3)),
        ("TIMESTAMP_LTZ", DataType::timestamp_ltz(6)),
        ("INTERVAL DAY TO SECOND(3)", DataType::new(TypeKind::IntervalDayTime)),
        ("INTERVAL YEAR(2) TO MONTH", DataType::new(TypeKind::IntervalYearMonth)),
        ("INT ARRAY NOT NULL", DataType::not_null(TypeKind::Array(Box::new(DataType::int())))),
        ("MULTISET<STRING>", DataType::new(TypeKind::Multiset(Box::new(DataType::string())))),
        (
            "MAP<STRING, INT NOT NULL>",
            DataType::new(TypeKind::Map(Box::new(DataType::string()), Box::new(DataType::not_null(TypeKind::Int)))),
        ),
    ];
    for (sql, expected) in cases {
        let got = parse_data_type(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(&got, expected, "{sql}");
        // Types print as Flink prints them, and that text parses to the same type.
        assert_eq!(&parse_data_type(&got.to_string()).unwrap(), expected, "{sql}");
    }
    let row = parse_data_type("ROW<a INT COMMENT 'x', `b c` ARRAY<ROW(d STRING)>>").unwrap();
    assert_eq!(row.to_string(), "ROW<`a` INT, `b c` ARRAY<ROW<`d` STRING>>>");
}

/// How deep `e` is through binary operators (`AND`, `OR`, arithmetic).
fn binary_depth(e: &Expr) -> usize {
    match &e.kind {
        ExprKind::Binary { left, right, .. } => 1 + binary_depth(left).max(binary_depth(right)),
        _ => 0,
    }
}

/// The terms of an `OR` tree, left to right.
fn or_terms(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Binary { op: BinaryOp::Or, left, right } => {
            or_terms(left, out);
            or_terms(right, out);
        }
        _ => out.push(e.to_string()),
    }
}

#[test]
fn long_or_chains_are_balanced_in_order_and_short_ones_keep_their_shape() {
    let terms: Vec<String> = (0..10_000).map(|i| format!("x = {i}")).collect();
    let long = parse_expr(&terms.join(" OR ")).unwrap();
    assert!(binary_depth(&long) <= 16, "depth {}", binary_depth(&long));
    let mut seen = Vec::new();
    or_terms(&long, &mut seen);
    assert_eq!(seen, terms);
    // Printed and parsed again, it is the same tree.
    let again = parse_expr(&long.to_string()).unwrap();
    assert_eq!(again.to_string(), long.to_string());

    let short = parse_expr("a OR b OR c").unwrap();
    assert_eq!(binary_depth(&short), 2);
    assert_eq!(short.to_string(), "a OR b OR c");
}

#[test]
fn an_arithmetic_chain_past_the_depth_limit_is_an_error_not_an_overflow() {
    let e = parse_expr(&vec!["x"; 20_000].join(" + ")).unwrap_err();
    assert!(e.message.contains("too long"), "{}", e.message);
}
