CREATE TABLE iot_in (hostname STRING, usage DOUBLE)
WITH ('connector' = 'filesytem', 'path' = 'data/bad.json', 'format' = 'json');
