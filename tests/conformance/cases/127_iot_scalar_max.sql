-- a scalar subquery over the same stream: readings within one point of the maximum so far (rows leave as the maximum grows)
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname STRING, cpu STRING, usage DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, cpu, usage FROM iot_in
WHERE hostname = 'doc' AND cpu = 'cpu1' AND usage > (SELECT MAX(usage) FROM iot_in WHERE hostname = 'doc') - 2;
