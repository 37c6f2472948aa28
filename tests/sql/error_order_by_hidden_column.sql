CREATE TABLE t (k STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT k FROM t ORDER BY n DESC LIMIT 3;
