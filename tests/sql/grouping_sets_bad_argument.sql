CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT hostname, COUNT(*), GROUPING(cpu) FROM iot_in GROUP BY ROLLUP (hostname);
