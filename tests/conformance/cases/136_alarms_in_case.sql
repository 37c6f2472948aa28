-- IN inside CASE in the SELECT list over the alarm feed: which severe LinkDown alarms come from a top-5 atoll
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
CREATE TABLE atoll_ranking (atoll_id STRING, ranking INT, latitude DOUBLE, longitude DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${DATA}/atoll_ranking.csv', 'format' = 'csv');
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, tier STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT alarm_id, atoll_id,
  CASE WHEN atoll_id IN (SELECT atoll_id FROM atoll_ranking WHERE ranking <= 5) THEN 'top' ELSE 'other' END AS tier
FROM netcool_alarms
WHERE severity = 5 AND alarm_type = 'LinkDown';
