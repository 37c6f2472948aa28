-- Aggregates of several kinds over a bounded ROWS frame of the last four rows of each key, with an
-- argument computed from the row, through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, n BIGINT, sm BIGINT, mx STRING, mn DOUBLE, av DOUBLE, sd DOUBLE, l1 STRING, f1 STRING, l2 DOUBLE)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k,
  COUNT(s) OVER w, SUM(CAST(v AS BIGINT) * 2) OVER w, MAX(s || k) OVER w, MIN(d) OVER w, AVG(d) OVER w,
  STDDEV_SAMP(d + v) OVER w, LISTAGG(UPPER(s), '-') OVER w, FIRST_VALUE(s) OVER w, LAST_VALUE(d) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW);
