-- An unbounded GROUP BY revises its rows; a filesystem sink only takes inserts.
CREATE TABLE alarms (alarm_id STRING, severity INT, event_time TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE alarm_counts (severity INT, num_alarms BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO alarm_counts
SELECT severity, COUNT(*) AS num_alarms
FROM alarms
GROUP BY severity;
