-- temporal functions over alarms: TIMESTAMPDIFF, DATE_FORMAT, EXTRACT, FLOOR TO, TIMESTAMPADD, casts
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE netcool_alarms (
  alarm_id STRING, atoll_id STRING, alarm_type STRING, severity INT,
  event_time TIMESTAMP(3), firstoccurrence TIMESTAMP(3), lastoccurrence TIMESTAMP(3),
  latitude DOUBLE, longitude DOUBLE
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/alarms.json', 'format' = 'json');
CREATE TABLE out_t (alarm_id STRING, secs INT, mins INT, fmt STRING, fmt2 STRING, hr BIGINT, dow BIGINT,
  fl TIMESTAMP(3), ce TIMESTAMP(3), added TIMESTAMP(3), as_str STRING, as_date DATE, ux BIGINT, later BOOLEAN)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT alarm_id,
  TIMESTAMPDIFF(SECOND, firstoccurrence, lastoccurrence),
  TIMESTAMPDIFF(MINUTE, firstoccurrence, lastoccurrence),
  DATE_FORMAT(event_time, 'yyyy/MM/dd HH:mm:ss'),
  DATE_FORMAT(firstoccurrence, 'dd-MM-yy hh:mm a, EEE'),
  EXTRACT(HOUR FROM event_time),
  EXTRACT(DOW FROM event_time),
  FLOOR(event_time TO MINUTE),
  CEIL(event_time TO HOUR),
  TIMESTAMPADD(MINUTE, 90, event_time),
  CAST(event_time AS STRING),
  CAST(event_time AS DATE),
  UNIX_TIMESTAMP(CAST(event_time AS STRING)),
  lastoccurrence > event_time + INTERVAL '10' MINUTE
FROM netcool_alarms
WHERE severity >= 4;
