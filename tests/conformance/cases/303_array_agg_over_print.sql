-- ARRAY_AGG in an OVER window with a bounded ROWS frame: values leave the array as the frame
-- slides, through print.
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, last3 ARRAY<STRING>, vs ARRAY<INT>) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k, ARRAY_AGG(s) OVER w, ARRAY_AGG(v) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW);
