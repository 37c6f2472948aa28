-- An inner join of two insert-only inputs is insert-only, so a filesystem sink takes it;
-- a LEFT join retracts its NULL-padded rows when matches arrive, so the same sink
-- refuses it at planning, naming the join.
CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '../conformance/data/cpu_thresholds.csv', 'format' = 'csv');
CREATE TABLE alerts (hostname STRING, usage DOUBLE, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-golden-join-alerts', 'format' = 'json');
EXPLAIN INSERT INTO alerts SELECT i.hostname, i.usage, t.threshold FROM iot_in AS i JOIN thresholds AS t ON i.hostname = t.host;
INSERT INTO alerts SELECT i.hostname, i.usage, t.threshold FROM iot_in AS i LEFT JOIN thresholds AS t ON i.hostname = t.host;
