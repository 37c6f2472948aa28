-- IN over a second table: severe alarms of the five best-ranked atolls, and ranked atolls that never raised a severity-5 LinkDown (NOT EXISTS over an updating aggregate)
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
CREATE TABLE out_t (q STRING, id STRING, atoll_id STRING, n INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'alarm', alarm_id, atoll_id, severity FROM netcool_alarms
WHERE severity = 5 AND atoll_id IN (SELECT atoll_id FROM atoll_ranking WHERE ranking <= 5)
UNION ALL
SELECT 'quiet', CAST(NULL AS STRING), atoll_id, ranking FROM atoll_ranking AS r
WHERE NOT EXISTS (
  SELECT 1 FROM (SELECT atoll_id, MAX(severity) AS m FROM netcool_alarms WHERE alarm_type = 'LinkDown' GROUP BY atoll_id) AS a
  WHERE a.atoll_id = r.atoll_id AND a.m >= 5
);
