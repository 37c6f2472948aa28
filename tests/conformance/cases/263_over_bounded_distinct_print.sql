-- DISTINCT aggregates in bounded OVER frames (the last three rows, and the last four seconds), where a
-- value leaving the frame is taken back only when no row in the frame still holds it, through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, c1 BIGINT, s1 INT, m1 DECIMAL(38, 2), x1 INT, c2 BIGINT, s2 DECIMAL(38, 2))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k, c1, s1, m1, x1, c2, s2 FROM (
  SELECT id, k,
    COUNT(DISTINCT v) OVER w AS c1, SUM(DISTINCT v) OVER w AS s1, SUM(DISTINCT m) OVER w AS m1,
    MAX(DISTINCT v) OVER w AS x1
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
) JOIN (
  SELECT id AS id2, k AS k2, ts AS ts2,
    COUNT(DISTINCT s) OVER w2 AS c2, SUM(DISTINCT m) OVER w2 AS s2
  FROM ev
  WINDOW w2 AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '4' SECOND PRECEDING AND CURRENT ROW)
) ON id = id2;
