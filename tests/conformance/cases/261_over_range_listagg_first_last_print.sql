-- LISTAGG, FIRST_VALUE and LAST_VALUE in an OVER window over the last five seconds per key (a bounded
-- RANGE frame: rows of one time are peers, and rows leave the frame by time), through print
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, l1 STRING, l2 STRING, f1 INT, l3 STRING, f2 DOUBLE, l4 DECIMAL(10, 2))
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k,
  LISTAGG(s) OVER w, LISTAGG(s, '|') OVER w,
  FIRST_VALUE(v) OVER w, LAST_VALUE(s) OVER w, FIRST_VALUE(d) OVER w, LAST_VALUE(m) OVER w
FROM ev
WINDOW w AS (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '5' SECOND PRECEDING AND CURRENT ROW);
