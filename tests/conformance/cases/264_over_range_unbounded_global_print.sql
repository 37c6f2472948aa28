-- Aggregates of many kinds in an OVER window over every row so far without PARTITION BY (RANGE UNBOUNDED
-- PRECEDING: rows of one time are peers), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, mn STRING, mx STRING, mnm DECIMAL(10, 2), sm DECIMAL(38, 2), am DECIMAL(38, 6),
  sd DOUBLE, ad DOUBLE, sv INT, av INT, vs DOUBLE, l1 STRING, f1 STRING, l2 INT, n BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id,
  MIN(s) OVER w, MAX(s) OVER w, MIN(m) OVER w, SUM(m) OVER w, AVG(m) OVER w,
  SUM(d) OVER w, AVG(d) OVER w, SUM(v) OVER w, AVG(v) OVER w, VAR_SAMP(d) OVER w,
  LISTAGG(k, '') OVER w, FIRST_VALUE(s) OVER w, LAST_VALUE(v) OVER w, COUNT(s) OVER w
FROM ev
WINDOW w AS (ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);
