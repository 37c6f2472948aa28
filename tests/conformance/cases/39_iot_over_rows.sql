-- the last five samples of each host and cpu (OVER ROWS)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, usage DOUBLE, max5 DOUBLE, min5 DOUBLE, sum5 DOUBLE, cnt BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT * FROM (
  SELECT hostname, cpu, usage,
    MAX(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS max5,
    MIN(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS min5,
    SUM(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS sum5,
    COUNT(usage) OVER (PARTITION BY hostname, cpu ORDER BY time_ltz ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) AS cnt
  FROM iot_in
) WHERE usage > 99;
