-- usage far above the host's last-minute baseline (OVER RANGE, named window)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, time_ltz TIMESTAMP_LTZ(3), usage DOUBLE, baseline DOUBLE, n BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT hostname, time_ltz, usage, baseline, n FROM (
  SELECT hostname, time_ltz, usage,
    AVG(usage) OVER w AS baseline,
    COUNT(*) OVER w AS n
  FROM iot_in
  WINDOW w AS (PARTITION BY hostname ORDER BY time_ltz RANGE BETWEEN INTERVAL '1' MINUTE PRECEDING AND CURRENT ROW)
) WHERE usage > baseline * 1.3;
