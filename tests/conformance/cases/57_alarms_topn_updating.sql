-- Top-N over an updating input: the three atolls with most alarms per severity (ties broken by atoll id)
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
CREATE TABLE out_t (severity INT, atoll_id STRING, num_alarms BIGINT, rn BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT severity, atoll_id, num_alarms, rn FROM (
  SELECT severity, atoll_id, num_alarms,
    ROW_NUMBER() OVER (PARTITION BY severity ORDER BY num_alarms DESC, atoll_id ASC) AS rn
  FROM (
    SELECT severity, atoll_id, COUNT(*) AS num_alarms
    FROM netcool_alarms
    GROUP BY severity, atoll_id
  )
) WHERE rn <= 3;
