CREATE TABLE t (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT k, LAG(v, 1, 0) OVER (PARTITION BY k ORDER BY ts) FROM t;
