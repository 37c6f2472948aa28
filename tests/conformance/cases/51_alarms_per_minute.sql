-- seed 002: alarm patterns per minute, grouped on a DATE_FORMAT string (non-windowed, one hour of alarms)
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
CREATE TABLE out_t (minute_bucket STRING, num_alarms BIGINT, num_types BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT DATE_FORMAT(event_time, 'yyyy-MM-dd HH:mm') AS minute_bucket, COUNT(*) AS num_alarms, COUNT(DISTINCT alarm_type) AS num_types
FROM netcool_alarms
WHERE event_time >= TIMESTAMP '2021-10-11 13:00:00' AND event_time < TIMESTAMP '2021-10-11 14:00:00'
GROUP BY DATE_FORMAT(event_time, 'yyyy-MM-dd HH:mm');
