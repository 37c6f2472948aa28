CREATE TABLE base (k STRING, n INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE derived (doubled AS n * 2) WITH ('path' = 'data/other.json') LIKE base (EXCLUDING WATERMARKS);
SHOW CREATE TABLE derived;
