-- every aggregate function but COLLECT (Flink writes its multiset in hash order) in a 10 minute tumbling window per alarm type
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE,
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (
  alarm_type STRING, window_start TIMESTAMP(3), n BIGINT, n_sev BIGINT, n_atolls BIGINT,
  sum_sev INT, avg_sev INT, min_lat DOUBLE, max_lat DOUBLE,
  first_atoll STRING, last_atoll STRING, atolls STRING,
  sd_pop DOUBLE, sd_samp DOUBLE, v_pop DOUBLE, v_samp DOUBLE, sd_sev INT,
  severe BIGINT, sum_severe INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT alarm_type, window_start, COUNT(*), COUNT(severity), COUNT(DISTINCT atoll_id),
  SUM(severity), AVG(severity), MIN(latitude), MAX(latitude),
  FIRST_VALUE(atoll_id), LAST_VALUE(atoll_id), LISTAGG(atoll_id, '|'),
  STDDEV_POP(latitude), STDDEV_SAMP(latitude), VAR_POP(latitude), VAR_SAMP(latitude), STDDEV_POP(severity),
  COUNT(*) FILTER (WHERE severity >= 4), SUM(severity) FILTER (WHERE severity >= 4)
FROM TABLE(TUMBLE(TABLE netcool_alarms, DESCRIPTOR(event_time), INTERVAL '10' MINUTES))
GROUP BY alarm_type, window_start, window_end;
