CREATE TABLE iot_in (hostname STRING, usage DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT hostname, COUNT(*) FROM iot_in GROUP BY hostname;
