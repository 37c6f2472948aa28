CREATE TABLE t (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE out_t (k STRING, w TIMESTAMP(3)) WITH ('connector' = 'blackhole');
INSERT INTO out_t SELECT k, CURRENT_WATERMARK(CAST(ts AS TIMESTAMP(3))) FROM t;
