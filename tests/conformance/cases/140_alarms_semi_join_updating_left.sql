-- IN and NOT IN whose left input is an updating GROUP BY: each count update passes through the semi join as -U/+U, and the anti join retracts it as the subquery grows
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
CREATE TABLE out_t (q STRING, atoll_id STRING, n BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'ranked', atoll_id, n FROM (SELECT atoll_id, COUNT(*) AS n FROM netcool_alarms WHERE severity = 5 GROUP BY atoll_id)
WHERE atoll_id IN (SELECT atoll_id FROM atoll_ranking WHERE ranking <= 10)
UNION ALL
SELECT 'never-down', atoll_id, n FROM (SELECT atoll_id, COUNT(*) AS n FROM netcool_alarms WHERE alarm_type = 'FanFailure' GROUP BY atoll_id)
WHERE atoll_id NOT IN (SELECT atoll_id FROM netcool_alarms WHERE alarm_type = 'LinkDown' AND severity = 5 AND atoll_id IS NOT NULL);
