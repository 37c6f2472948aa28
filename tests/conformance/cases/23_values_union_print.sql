-- VALUES, UNION ALL, a view and a CTE, printed
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE VIEW hot AS SELECT hostname, usage FROM iot_in WHERE usage > 99.5;
CREATE TABLE out_t (name STRING, v DOUBLE, tag STRING) WITH ('connector' = 'print');
INSERT INTO out_t
WITH extra AS (SELECT * FROM (VALUES ('alpha', 1.5, 'v'), ('beta', CAST(NULL AS DOUBLE), 'v')) AS t(name, v, tag))
SELECT hostname, usage, 'hot' FROM hot
UNION ALL
SELECT name, v, tag FROM extra;
