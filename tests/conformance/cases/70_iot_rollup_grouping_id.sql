-- ROLLUP and a plain key crossed with GROUPING SETS over the IoT data: an aggregate argument that is also a rolled-up key (COUNT(DISTINCT cpu)), GROUPING_ID with its arguments out of key order, HAVING on GROUPING
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (kind STRING, hostname STRING, cpu STRING, readings BIGINT, cpus BIGINT, peak DOUBLE, low DOUBLE, gid BIGINT, g_cpu BIGINT)
WITH ('connector' = 'print');
INSERT INTO out_t
SELECT 'rollup', hostname, cpu, COUNT(*), COUNT(DISTINCT cpu), MAX(usage), MIN(usage), GROUPING_ID(cpu, hostname), GROUPING(cpu)
FROM iot_in
GROUP BY ROLLUP (hostname, cpu)
HAVING GROUPING(hostname) = 1 OR COUNT(*) > 560
UNION ALL
SELECT 'crossed', hostname, cpu, COUNT(*), COUNT(DISTINCT cpu), MAX(usage), MIN(usage), GROUPING_ID(hostname, cpu), GROUPING(cpu)
FROM iot_in
WHERE usage > 50
GROUP BY hostname, GROUPING SETS ((cpu), ());
