CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesystem', 'pth' = 'data/bad.json', 'format' = 'json');
