-- INTERSECT ALL and EXCEPT ALL over the alarm feed: per atoll and type, how many severe alarms outnumber mild ones, and how many pair up
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
CREATE TABLE out_t (atoll_id STRING, alarm_type STRING) WITH ('connector' = 'print');
INSERT INTO out_t
(SELECT atoll_id, alarm_type FROM netcool_alarms WHERE severity >= 4 AND atoll_id <= 'ATL010'
 EXCEPT ALL
 SELECT atoll_id, alarm_type FROM netcool_alarms WHERE severity <= 2)
UNION ALL
(SELECT atoll_id, alarm_type FROM netcool_alarms WHERE severity = 3 AND atoll_id <= 'ATL005'
 INTERSECT ALL
 SELECT atoll_id, alarm_type FROM netcool_alarms WHERE severity = 1);
