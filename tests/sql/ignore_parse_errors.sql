CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json', 'json.ignore-parse-errors' = 'true');
CREATE TABLE alerts (hostname STRING, usage DOUBLE) WITH ('connector' = 'print');
INSERT INTO alerts SELECT hostname, usage FROM iot_in WHERE usage > 90;
