-- the bounds of a partitioned SESSION window aggregation, renamed, grouped again: an
-- updating result
CREATE TABLE ev (
  k STRING, v INT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/late_events.json', 'format' = 'json');
CREATE TABLE out_t (s TIMESTAMP(3), e TIMESTAMP(3), keys BIGINT, total BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT starttime, endtime, COUNT(*), SUM(total)
FROM (
  SELECT k, window_start AS starttime, window_end AS endtime, SUM(v) AS total
  FROM TABLE(SESSION(TABLE ev PARTITION BY k, DESCRIPTOR(ts), INTERVAL '20' SECOND))
  GROUP BY k, window_start, window_end
)
GROUP BY starttime, endtime;
