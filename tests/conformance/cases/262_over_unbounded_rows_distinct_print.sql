-- DISTINCT aggregates in an OVER window from the first row of each key (ROWS UNBOUNDED PRECEDING, which
-- only adds), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, c1 BIGINT, s1 INT, a1 INT, c2 BIGINT, l1 STRING, c3 BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k,
  COUNT(DISTINCT v) OVER w, SUM(DISTINCT v) OVER w, AVG(DISTINCT v) OVER w, COUNT(DISTINCT s) OVER w,
  LISTAGG(DISTINCT s) OVER w, COUNT(*) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
