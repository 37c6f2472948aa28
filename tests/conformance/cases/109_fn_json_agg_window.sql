-- JSON_ARRAYAGG, JSON_OBJECTAGG and PERCENTILE in a TUMBLE window aggregation
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), hostname VARCHAR, cpus STRING, readings STRING, n BIGINT, med DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, hostname, JSON_ARRAYAGG(cpu), JSON_OBJECTAGG(KEY CONCAT(cpu, CAST(`occurred_at` AS STRING), CAST(usage AS STRING)) VALUE usage), COUNT(*),
  PERCENTILE(usage, 0.5)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '1' MINUTES))
GROUP BY window_start, window_end, hostname;
