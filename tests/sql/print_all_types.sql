-- Every type through the print connector; the expected lines are what Flink 2.3 printed for this script.
CREATE TABLE src (id INT, ts TIMESTAMP(3), d DOUBLE, s STRING, b BOOLEAN, dc DECIMAL(10,2), arr ARRAY<INT>, r ROW<a INT, b STRING>, m MAP<STRING, INT>, dt DATE, ltz TIMESTAMP_LTZ(3))
WITH ('connector' = 'filesystem', 'path' = 'data/types.json', 'format' = 'json');
CREATE TABLE out_p (id INT, ts TIMESTAMP(3), d DOUBLE, s STRING, b BOOLEAN, dc DECIMAL(10,2), arr ARRAY<INT>, r ROW<a INT, b STRING>, m MAP<STRING, INT>, dt DATE, ltz TIMESTAMP_LTZ(3), c1 STRING, c2 STRING, c3 STRING) WITH ('connector' = 'print');
INSERT INTO out_p SELECT id, ts, d, s, b, dc, arr, r, m, dt, ltz, CAST(ts AS STRING), CAST(d AS STRING), CAST(b AS STRING) FROM src;
