-- a TUMBLE window aggregation with ROLLUP: per host and cpu, per host, and per window, with
-- GROUPING_ID; late rows dropped per window as without grouping sets
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), hostname VARCHAR, cpu VARCHAR, g BIGINT, n BIGINT, peak DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, window_end, hostname, cpu, GROUPING_ID(hostname, cpu), COUNT(*), MAX(usage)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '5' MINUTES))
GROUP BY window_start, window_end, ROLLUP (hostname, cpu);
