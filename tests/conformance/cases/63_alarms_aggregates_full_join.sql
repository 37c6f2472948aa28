-- FULL OUTER join of two updating inputs: atolls with many critical alarms against atolls with many link-down alarms (HAVING makes keys come and go)
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
CREATE TABLE out_t (critical_atoll STRING, num_critical BIGINT, linkdown_atoll STRING, num_linkdown BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT c.atoll_id, c.num_critical, l.atoll_id, l.num_linkdown
FROM (
  SELECT atoll_id, COUNT(*) AS num_critical FROM netcool_alarms WHERE severity = 5
  GROUP BY atoll_id HAVING COUNT(*) >= 33
) AS c
FULL OUTER JOIN (
  SELECT atoll_id, COUNT(*) AS num_linkdown FROM netcool_alarms WHERE alarm_type = 'LinkDown'
  GROUP BY atoll_id HAVING COUNT(*) >= 34
) AS l ON c.atoll_id = l.atoll_id;
