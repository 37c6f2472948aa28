CREATE TABLE iot_in (hostname STRING, usage DOUBLE, ts TIMESTAMP(3), pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT hostname, AVG(usage) OVER (PARTITION BY hostname ORDER BY pt ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM iot_in;
