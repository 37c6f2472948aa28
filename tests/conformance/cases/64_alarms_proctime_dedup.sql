-- processing-time deduplication keeping the first row per key: the first report of each alarm id
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
  proc AS PROCTIME(),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT, event_time TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT alarm_id, atoll_id, alarm_type, severity, event_time FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY alarm_id ORDER BY proc ASC) AS rn
  FROM netcool_alarms
  WHERE alarm_id < 'A00100'
) WHERE rn = 1;
