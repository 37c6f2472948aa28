-- EXCEPT over an updating input: an atoll's maximum severity is revised as alarms arrive, and leaves the result once it reaches the ranked atolls' 5
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
CREATE TABLE out_t (atoll_id STRING, sev INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT atoll_id, MAX(severity) AS sev FROM netcool_alarms WHERE alarm_type = 'LinkDown' GROUP BY atoll_id
EXCEPT
SELECT atoll_id, 5 FROM atoll_ranking WHERE ranking <= 20;
