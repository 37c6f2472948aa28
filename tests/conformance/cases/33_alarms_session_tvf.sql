-- alarm sessions per atoll separated by 10 quiet minutes (SESSION TVF with PARTITION BY)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (atoll_id STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, max_sev INT, types STRING)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT atoll_id, window_start, window_end, COUNT(*), MAX(severity), LISTAGG(DISTINCT alarm_type)
FROM TABLE(SESSION(TABLE netcool_alarms PARTITION BY atoll_id, DESCRIPTOR(event_time), INTERVAL '10' MINUTES))
GROUP BY atoll_id, window_start, window_end;
