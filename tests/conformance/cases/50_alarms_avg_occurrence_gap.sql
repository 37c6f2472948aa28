-- seed 001: average time between first and last occurrence per alarm type (non-windowed AVG of TIMESTAMPDIFF)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING,
  atoll_id STRING,
  alarm_type STRING,
  severity INT,
  event_time TIMESTAMP(3),
  firstoccurrence TIMESTAMP(3),
  lastoccurrence TIMESTAMP(3),
  latitude DOUBLE,
  longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (alarm_type STRING, avg_seconds INT, num_alarms BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT alarm_type, AVG(TIMESTAMPDIFF(SECOND, firstoccurrence, lastoccurrence)) AS avg_seconds, COUNT(*) AS num_alarms
FROM netcool_alarms
GROUP BY alarm_type;
