-- Interval joins: BETWEEN, strict bounds (moved by 1 ms), outer joins, a comma join whose
-- WHERE holds the condition, join keys of different types (cast to a common type).
CREATE TABLE a (k INT, v STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE b (k BIGINT, w STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k
  AND b.ts BETWEEN a.ts - INTERVAL '2' SECOND AND a.ts + INTERVAL '1' MINUTE
WHERE a.v = 'x' AND b.w <> a.v;
EXPLAIN SELECT a.k, b.w, b.ts AS bts FROM a LEFT JOIN b ON a.k = b.k AND b.ts > a.ts AND b.ts < a.ts + INTERVAL '10' SECOND AND b.w = 'y';
EXPLAIN SELECT * FROM a FULL JOIN b ON a.k = b.k AND a.ts >= b.ts - INTERVAL '1' HOUR AND a.ts <= b.ts;
EXPLAIN SELECT a.v, b.w FROM a, b WHERE a.k = b.k AND a.ts BETWEEN b.ts - INTERVAL '3' SECOND AND b.ts;
