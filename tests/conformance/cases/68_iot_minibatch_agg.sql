-- mini-batch aggregation: the final rows equal those without mini-batch (samples per host and cpu; the usage
-- total is DECIMAL because a DOUBLE sum or average depends on the order of the partial sums)
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '1 s';
SET 'table.exec.mini-batch.size' = '1000';
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, num_samples BIGINT, min_usage DOUBLE, max_usage DOUBLE, total_usage DECIMAL(38, 3), num_busy BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, cpu, COUNT(*), MIN(usage), MAX(usage), SUM(CAST(usage AS DECIMAL(10, 3))), COUNT(*) FILTER (WHERE usage > 90)
FROM iot_in
GROUP BY hostname, cpu;
