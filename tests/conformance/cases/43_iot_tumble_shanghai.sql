-- hourly windows on a TIMESTAMP_LTZ rowtime follow the session time zone (+08:00)
SET 'table.local-time-zone' = 'Asia/Shanghai';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (window_start TIMESTAMP(3), window_end TIMESTAMP(3), window_time TIMESTAMP_LTZ(3), hostname VARCHAR, n BIGINT, mx DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT window_start, window_end, window_time, hostname, COUNT(*), MAX(usage)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(time_ltz), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, window_time, hostname;
