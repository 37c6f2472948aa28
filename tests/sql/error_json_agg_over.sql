CREATE TABLE t (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, a STRING) WITH ('connector' = 'blackhole');
INSERT INTO out_t SELECT k, JSON_ARRAYAGG(k) OVER (PARTITION BY k ORDER BY ts) FROM t;
