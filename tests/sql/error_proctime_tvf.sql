-- A window TVF on processing time must be aggregated, as in Flink.
CREATE TABLE iot_in (hostname STRING, usage DOUBLE, pt AS PROCTIME())
WITH ('connector' = 'fake-data', 'subject' = 'metric', 'number-of-rows' = '10');
SELECT * FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(pt), INTERVAL '1' SECOND));
