CREATE TABLE iot_in (hostname STRING, cpu STRING, usage DOUBLE, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/bad.json', 'format' = 'json');
-- A window aggregation with grouping sets aggregates the window TVF's rows after the Expand.
EXPLAIN SELECT window_start, window_end, hostname, cpu, COUNT(*)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, ROLLUP (hostname, cpu);
-- The window bounds must be in every grouping set.
SELECT window_start, window_end, hostname, COUNT(*)
FROM TABLE(TUMBLE(TABLE iot_in, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY GROUPING SETS ((window_start, window_end, hostname), (hostname));
