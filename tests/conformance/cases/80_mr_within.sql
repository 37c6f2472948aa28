-- WITHIN INTERVAL '10' SECOND: matches spanning under 10 s are kept, longer ones are cut (one candidate spans exactly 10 s)
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE sensors (
  sensor STRING, temp INT, ts STRING,
  rt AS TO_TIMESTAMP(ts),
  WATERMARK FOR rt AS rt - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/mr_sensors.json', 'format' = 'json');
CREATE TABLE out_t (sensor STRING, start_time TIMESTAMP(3), alarm_time TIMESTAMP(3), start_temp INT, n_rising BIGINT, alarm_temp INT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT *
FROM sensors
  MATCH_RECOGNIZE (
    PARTITION BY sensor
    ORDER BY rt
    MEASURES
      A.rt AS start_time,
      C.rt AS alarm_time,
      A.temp AS start_temp,
      COUNT(B.temp) AS n_rising,
      C.temp AS alarm_temp
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (A B+ C) WITHIN INTERVAL '10' SECOND
    DEFINE
      A AS A.temp < 50,
      B AS B.temp >= A.temp AND B.temp < 50,
      C AS C.temp >= 50
  ) AS T;
