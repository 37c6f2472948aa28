-- Regular joins print their changelog. The samples are read before the thresholds: an
-- inner join emits +I as matches arrive; a LEFT join first emits each sample padded with
-- NULLs, then retracts it (-D) and inserts the join (+I) when its match arrives, and a
-- sample whose match fails the residual condition stays padded.
CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE thresholds (host STRING, threshold INT)
WITH ('connector' = 'filesystem', 'path' = '../conformance/data/cpu_thresholds.csv', 'format' = 'csv');
SELECT i.hostname, i.usage, t.threshold FROM iot_in AS i JOIN thresholds AS t ON i.hostname = t.host;
SELECT i.hostname, i.usage, t.threshold FROM iot_in AS i LEFT JOIN thresholds AS t ON i.hostname = t.host AND i.usage > t.threshold + 30;
SELECT t.host, t.threshold, i.usage FROM iot_in AS i RIGHT JOIN thresholds AS t ON i.hostname = t.host WHERE t.threshold < 50;
SELECT i.hostname, t.host FROM iot_in AS i FULL JOIN thresholds AS t ON i.hostname = t.host AND t.threshold >= 40;
