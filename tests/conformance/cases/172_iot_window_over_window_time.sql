-- two levels of TUMBLE aggregation: per host and minute, then per minute over the first level's
-- window_start, window_end (kept as they are) into an append-only filesystem sink; late rows dropped by the first level
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), hosts BIGINT, hot_hosts BIGINT, peak DOUBLE, samples BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, window_end, COUNT(*), COUNT(*) FILTER (WHERE max_usage > 99), MAX(max_usage), SUM(n)
FROM (
  SELECT hostname, window_start, window_end, window_time, MAX(usage) AS max_usage, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '1' MINUTE))
  GROUP BY hostname, window_start, window_end, window_time
)
GROUP BY window_start, window_end;
