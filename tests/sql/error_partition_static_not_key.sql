CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
CREATE TABLE parts (hostname STRING, usage DOUBLE, dt STRING) PARTITIONED BY (dt)
WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-never-written', 'format' = 'json');
INSERT INTO parts PARTITION (hostname = 'a') SELECT usage, 'x' FROM iot_in;
