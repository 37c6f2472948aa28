-- EXPLAIN of regular joins: a LEFT join of an updating GROUP BY with a bounded table, and
-- a FULL join of two GROUP BYs whose keys are the join keys. The join keeps the inputs'
-- rows per join key; its output is updating.
CREATE TABLE iot_in (hostname STRING, usage DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '../conformance/data/cpu_thresholds.csv', 'format' = 'csv');
EXPLAIN SELECT c.hostname, c.n, t.threshold
FROM (SELECT hostname, COUNT(*) AS n FROM iot_in GROUP BY hostname) AS c
LEFT JOIN thresholds AS t ON c.hostname = t.host AND c.n < t.threshold;
EXPLAIN SELECT a.hostname, a.peak, b.hosts
FROM (SELECT hostname, MAX(usage) AS peak FROM iot_in GROUP BY hostname) AS a
FULL JOIN (SELECT host, COUNT(*) AS hosts FROM thresholds GROUP BY host) AS b ON a.hostname = b.host;
EXPLAIN SELECT i.hostname, i.ts, t.threshold FROM iot_in AS i, thresholds AS t WHERE i.hostname = t.host AND i.usage > t.threshold;
