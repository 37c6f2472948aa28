-- a correlated scalar subquery in WHERE over the same stream: alarms at their atoll's highest LinkDown severity so far (rows leave as the maximum grows)
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
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, severity INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT alarm_id, atoll_id, severity FROM netcool_alarms AS a
WHERE atoll_id <= 'ATL003'
  AND severity >= (SELECT MAX(severity) FROM netcool_alarms AS b WHERE b.atoll_id = a.atoll_id AND b.alarm_type = 'LinkDown');
