CREATE TABLE iot_in (hostname STRING, usage DOUBLE, ts TIMESTAMP(3), pt AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
SELECT window_start, hostname, COUNT(*) FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(pt), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end, hostname;
