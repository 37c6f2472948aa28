-- PERCENTILE in OVER windows: one percentage and an array of them over the last three rows per key (a
-- bounded ROWS frame), and a weighted one over the last five seconds (a bounded RANGE frame), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, p1 DOUBLE, p2 ARRAY<DOUBLE>, p3 DOUBLE)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.id, a.k, a.p1, a.p2, b.p3 FROM (
  SELECT id, k, PERCENTILE(v, 0.5) OVER w AS p1, PERCENTILE(d, ARRAY[0.25, 0.9]) OVER w AS p2
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
) a JOIN (
  SELECT id, PERCENTILE(m, 0.3, id) OVER w AS p3
  FROM ev
  WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW)
) b ON a.id = b.id;
