-- A STATE_TTL hint overrides table.exec.state.ttl for the query's GROUP BY; a key that
-- names no input of the query is refused.
CREATE TABLE alarms (alarm_id STRING, severity INT, event_time TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT /*+ STATE_TTL('a' = '1d') */ severity, COUNT(*) AS n FROM alarms a GROUP BY severity;
