-- AVG and SUM in OVER windows over TINYINT, SMALLINT, BIGINT and FLOAT arguments: Calcite turns AVG(x)
-- OVER w into SUM(x) OVER w / COUNT(x) OVER w, so the sum wraps or rounds in the argument's own type, over
-- a bounded ROWS frame and an unbounded RANGE frame, through print (FLOAT values kept small: Java 17
-- spells some large FLOATs with more digits than the shortest form)
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, a1 TINYINT, s1 TINYINT, a2 SMALLINT, a3 BIGINT, a4 FLOAT, s4 FLOAT,
  a5 TINYINT, a6 FLOAT, v6 FLOAT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.id, a.k, a.a1, a.s1, a.a2, a.a3, a.a4, a.s4, b.a5, b.a6, b.v6 FROM (
  SELECT id, k, AVG(CAST(v * 3 AS TINYINT)) OVER w AS a1, SUM(CAST(v * 3 AS TINYINT)) OVER w AS s1,
    AVG(CAST(v * 1000 AS SMALLINT)) OVER w AS a2, AVG(CAST(v AS BIGINT) * 4294967296) OVER w AS a3,
    AVG(CAST(CASE WHEN ABS(d) < 1000 THEN d END AS FLOAT)) OVER w AS a4, SUM(CAST(CASE WHEN ABS(d) < 1000 THEN d END AS FLOAT)) OVER w AS s4
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
) a JOIN (
  SELECT id, AVG(CAST(v * 5 AS TINYINT)) OVER w AS a5, AVG(CAST(CASE WHEN ABS(d) < 1000 THEN d / 3 END AS FLOAT)) OVER w AS a6,
    VAR_POP(CAST(CASE WHEN ABS(d) < 1000 THEN d END AS FLOAT)) OVER w AS v6
  FROM ev
  WINDOW w AS (ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) b ON a.id = b.id;
