-- global aggregate without GROUP BY keys over an updating input: how many atolls, and the fewest and most alarms of one atoll
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
CREATE TABLE out_t (num_atolls BIGINT, min_alarms BIGINT, max_alarms BIGINT, all_alarms BIGINT, avg_alarms BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT COUNT(*), MIN(cnt), MAX(cnt), SUM(cnt), AVG(cnt)
FROM (
  SELECT atoll_id, COUNT(*) AS cnt
  FROM netcool_alarms
  GROUP BY atoll_id
);
