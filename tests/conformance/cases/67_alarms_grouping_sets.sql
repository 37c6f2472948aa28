-- GROUPING SETS, ROLLUP and CUBE on non-windowed aggregates, with GROUPING() and GROUPING_ID() telling the levels apart
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
CREATE TABLE out_t (kind STRING, severity INT, alarm_type STRING, num_alarms BIGINT, g_sev BIGINT, g_id BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'sets', severity, alarm_type, COUNT(*), GROUPING(severity), GROUPING_ID(severity, alarm_type)
FROM netcool_alarms WHERE atoll_id <= 'ATL010'
GROUP BY GROUPING SETS ((severity), (alarm_type), ())
UNION ALL
SELECT 'rollup', severity, alarm_type, COUNT(*), GROUPING(severity), GROUPING_ID(severity, alarm_type)
FROM netcool_alarms WHERE atoll_id <= 'ATL010'
GROUP BY ROLLUP (severity, alarm_type)
UNION ALL
SELECT 'cube', severity, alarm_type, COUNT(*), GROUPING(severity), GROUPING_ID(severity, alarm_type)
FROM netcool_alarms WHERE atoll_id <= 'ATL010'
GROUP BY CUBE (severity, alarm_type);
