-- legacy HOP group window: a sliding 5 minute average severity every minute, with HAVING
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (alarm_type STRING, s TIMESTAMP(3), e TIMESTAMP(3), avg_sev DOUBLE, n BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT alarm_type, HOP_START(event_time, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE),
  HOP_END(event_time, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE),
  AVG(CAST(severity AS DOUBLE)), COUNT(*)
FROM netcool_alarms
GROUP BY alarm_type, HOP(event_time, INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)
HAVING COUNT(*) > 3;
