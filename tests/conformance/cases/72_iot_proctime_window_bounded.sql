-- A processing-time TUMBLE over a bounded file: the windows are still open when the input
-- ends, and Flink quiesces processing-time timers at the end of input, so nothing fires.
CREATE TABLE iot_in (
    hostname STRING,
    cpu STRING,
    usage DOUBLE,
    occurred_at BIGINT,
    pt AS PROCTIME()
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname STRING, window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(pt), INTERVAL '1' HOUR))
GROUP BY hostname, window_start, window_end;
