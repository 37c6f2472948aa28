CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE alerts (hostname STRING, usage DOUBLE) WITH ('connector' = 'print');
INSERT INTO alerts SELECT hostname, usge FROM iot_in WHERE usage > 90;
