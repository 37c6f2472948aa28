SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE iot_filtered_alert (hostname VARCHAR, time_ltz TIMESTAMP(3), cpu VARCHAR, usage DOUBLE)
WITH ('connector' = 'blackhole');
SHOW TABLES;
DESCRIBE iot_in;
EXPLAIN INSERT INTO iot_filtered_alert SELECT hostname, time_ltz, cpu, usage FROM iot_in WHERE usage > 90;
