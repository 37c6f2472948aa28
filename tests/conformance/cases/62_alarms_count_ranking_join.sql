-- LEFT join with an updating left input: alarm count per atoll with the atoll's ranking (null for unranked atolls)
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
CREATE TABLE out_t (atoll_id STRING, num_alarms BIGINT, ranking INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT c.atoll_id, c.num_alarms, r.ranking
FROM (
  SELECT atoll_id, COUNT(*) AS num_alarms FROM netcool_alarms GROUP BY atoll_id
) AS c
LEFT JOIN atoll_ranking AS r ON c.atoll_id = r.atoll_id;
