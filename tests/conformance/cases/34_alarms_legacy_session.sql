-- legacy SESSION group window with SESSION_START and SESSION_END
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (atoll_id STRING, s TIMESTAMP(3), e TIMESTAMP(3), n BIGINT, avg_sev INT, min_type STRING, max_type STRING, lat_sd DOUBLE)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT atoll_id, SESSION_START(event_time, INTERVAL '10' MINUTE), SESSION_END(event_time, INTERVAL '10' MINUTE),
  COUNT(*), AVG(severity), MIN(alarm_type), MAX(alarm_type), STDDEV_POP(latitude)
FROM netcool_alarms
GROUP BY atoll_id, SESSION(event_time, INTERVAL '10' MINUTE);
