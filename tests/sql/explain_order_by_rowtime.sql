CREATE TABLE t (id INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/sort_events.json', 'format' = 'json');
EXPLAIN SELECT id, ts FROM t ORDER BY ts, id DESC;
