-- A regular join turns its inputs' time attributes into plain timestamps (its rows come
-- out in no time order), so a window over its result is rejected, as Flink rejects it.
CREATE TABLE a (k INT, v STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE b (k INT, w STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE VIEW j AS SELECT a.ts, b.w FROM a JOIN b ON a.k = b.k AND b.ts >= a.ts;
SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE j, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
