-- a window aggregation over a window aggregation: late rows are dropped by the first, the second
-- groups the first's rows by their renamed bounds
CREATE TABLE ev (
  k STRING, v INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/late_events.json', 'format' = 'json');
CREATE TABLE out_t (s TIMESTAMP(3), e TIMESTAMP(3), keys_seen BIGINT, total INT, most BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT s, e, COUNT(*), SUM(total), MAX(n)
FROM (
  SELECT k, window_start AS s, window_end AS e, SUM(v) AS total, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
  GROUP BY k, window_start, window_end
)
GROUP BY s, e;
