-- regular LEFT join of two append-only sources: critical power failures with the atoll's ranking, null where the atoll has none
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
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, event_time TIMESTAMP(3), ranking INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.alarm_id, a.atoll_id, a.event_time, r.ranking
FROM netcool_alarms AS a
LEFT JOIN atoll_ranking AS r ON a.atoll_id = r.atoll_id
WHERE a.severity = 5 AND a.alarm_type = 'PowerFailure' AND a.atoll_id <= 'ATL010';
