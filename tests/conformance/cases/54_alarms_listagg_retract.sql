-- LISTAGG and COUNT(DISTINCT) over an updating input: atolls whose alarm count is in each band of 10
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
CREATE TABLE out_t (band BIGINT, atolls STRING, num_atolls BIGINT, num_counts BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT cnt / 10 AS band, LISTAGG(atoll_id, ';') AS atolls, COUNT(*) AS num_atolls, COUNT(DISTINCT cnt) AS num_counts
FROM (
  SELECT atoll_id, COUNT(*) AS cnt
  FROM netcool_alarms
  WHERE alarm_type = 'LinkDown'
  GROUP BY atoll_id
)
GROUP BY cnt / 10;
