CREATE TABLE alarms (alarm_id STRING, severity INT, event_time TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT /*+ STATE_TTL('alarm' = '1 d') */ severity, COUNT(*) AS n FROM alarms GROUP BY severity;
