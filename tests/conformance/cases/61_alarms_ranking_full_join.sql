-- regular FULL OUTER join of two append-only sources: unmatched rows of either side come out padded with nulls
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
CREATE TABLE out_t (alarm_id STRING, alarm_atoll STRING, ranking_atoll STRING, ranking INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT a.alarm_id, a.atoll_id, r.atoll_id, r.ranking
FROM (
  SELECT alarm_id, atoll_id FROM netcool_alarms
  WHERE severity = 5 AND alarm_type = 'LinkDown' AND atoll_id <= 'ATL012'
) AS a
FULL OUTER JOIN (
  SELECT atoll_id, ranking FROM atoll_ranking WHERE atoll_id >= 'ATL006' AND atoll_id <= 'ATL020'
) AS r ON a.atoll_id = r.atoll_id;
