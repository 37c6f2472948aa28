CREATE TABLE iot_in (hostname VARCHR, usage DOUBLE)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
