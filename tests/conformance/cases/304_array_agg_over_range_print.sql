-- ARRAY_AGG in an OVER window over everything before each row per key (an unbounded RANGE frame:
-- rows of one time are peers and see each other), through print.
CREATE TABLE ev (id INT, k STRING, v INT, d DOUBLE, m DECIMAL(10, 2), s STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/over_values.json', 'format' = 'json');
CREATE TABLE out_t (id INT, k STRING, all_v ARRAY<INT>) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT id, k, ARRAY_AGG(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
FROM ev;
