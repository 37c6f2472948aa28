CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE alerts (hostname STRING, usage DOUBLE) PARTITIONED BY (hostname) WITH ('connector' = 'print');
INSERT INTO alerts SELECT hostname, usage FROM iot_in;
