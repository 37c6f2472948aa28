CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT UPER(hostname) FROM iot_in;
