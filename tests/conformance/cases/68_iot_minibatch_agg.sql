-- mini-batch aggregation: the final rows equal those without mini-batch (samples per host and cpu)
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 s';
SET 'table.exec.mini-batch.size' = '1000';
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, num_samples BIGINT, min_usage DOUBLE, max_usage DOUBLE, avg_usage DOUBLE, num_busy BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, cpu, COUNT(*), MIN(usage), MAX(usage), AVG(usage), COUNT(*) FILTER (WHERE usage > 90)
FROM iot_in
GROUP BY hostname, cpu;
