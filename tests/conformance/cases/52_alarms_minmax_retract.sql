-- MIN/MAX/SUM/COUNT per severity over an updating input (alarm counts per atoll), so the outer aggregate retracts
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
CREATE TABLE out_t (severity INT, min_per_atoll BIGINT, max_per_atoll BIGINT, total BIGINT, num_atolls BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT severity, MIN(cnt), MAX(cnt), SUM(cnt), COUNT(*)
FROM (
  SELECT severity, atoll_id, COUNT(*) AS cnt
  FROM netcool_alarms
  GROUP BY severity, atoll_id
)
GROUP BY severity;
