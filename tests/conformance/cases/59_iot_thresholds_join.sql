-- regular inner join of two append-only sources: samples of 99% or more with the host's threshold from a CSV table
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE cpu_thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/cpu_thresholds.csv', 'format' = 'csv');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, usage DOUBLE, threshold INT, over_by DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT i.hostname, i.cpu, i.usage, t.threshold, i.usage - t.threshold
FROM iot_in AS i
JOIN cpu_thresholds AS t ON i.hostname = t.host
WHERE i.usage >= 99;
