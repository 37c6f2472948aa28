-- INTERSECT in a view, counted by an updating GROUP BY: per severity, how many atolls raised it that are also ranked in the top 15
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
CREATE VIEW ranked_alarms AS
SELECT atoll_id, severity FROM netcool_alarms WHERE alarm_type = 'PowerFailure'
INTERSECT
SELECT atoll_id, s FROM atoll_ranking CROSS JOIN (VALUES (1), (3), (5)) AS t(s) WHERE ranking <= 15;
CREATE TABLE out_t (severity INT, atolls BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t SELECT severity, COUNT(*) FROM ranked_alarms GROUP BY severity;
