-- A STATE_TTL hint overrides table.exec.state.ttl for the query's GROUP BY; a key that
-- names no input of the query is refused.
CREATE TABLE alarms (alarm_id STRING, severity INT, event_time TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT /*+ STATE_TTL('a' = '1d') */ severity, COUNT(*) AS n FROM alarms a GROUP BY severity;
CREATE TABLE ranking (atoll_id STRING, rank_no INT)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE alarms2 (alarm_id STRING, atoll_id STRING, severity INT)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
EXPLAIN SELECT /*+ STATE_TTL('a' = '1 h', 'r' = '20d') */ a.alarm_id, r.rank_no
FROM alarms2 a LEFT JOIN ranking r ON a.atoll_id = r.atoll_id;
