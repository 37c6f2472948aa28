-- GROUP BY over UNION ALL of two sources: alarms from the main feed and a second feed of reports, per severity
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
CREATE TABLE alarm_reports (
  alarm_id STRING,
  atoll_id STRING,
  severity INT,
  event_time TIMESTAMP(3),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarm_reports.json', 'format' = 'json');
CREATE TABLE out_t (severity INT, num_alarms BIGINT, num_atolls BIGINT, first_seen TIMESTAMP(3)) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT severity, COUNT(*), COUNT(DISTINCT atoll_id), MIN(event_time)
FROM (
  SELECT alarm_id, atoll_id, severity, event_time FROM netcool_alarms WHERE atoll_id <= 'ATL005'
  UNION ALL
  SELECT alarm_id, atoll_id, severity, event_time FROM alarm_reports
)
GROUP BY severity;
