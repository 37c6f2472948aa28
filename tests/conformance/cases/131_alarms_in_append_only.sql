-- a semi join of two append-only inputs is append-only, so it may feed a filesystem sink: severe alarms of top-ranked atolls, correlated on the atoll and the alarm's position
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
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, alarm_type STRING, event_time TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT alarm_id, atoll_id, alarm_type, event_time FROM netcool_alarms AS a
WHERE severity = 5
  AND EXISTS (SELECT 1 FROM atoll_ranking AS r WHERE r.atoll_id = a.atoll_id AND r.ranking <= 12 AND r.latitude > a.latitude - 1);
