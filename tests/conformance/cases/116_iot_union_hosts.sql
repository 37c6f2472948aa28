-- UNION of two filters of one source: each (host, cpu) pair that was ever nearly idle or nearly saturated, once
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname STRING, cpu STRING, kind STRING) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, cpu, 'hot' FROM iot_in WHERE usage > 98
UNION
SELECT hostname, cpu, 'idle' FROM iot_in WHERE usage < 2
UNION
SELECT hostname, cpu, 'hot' FROM iot_in WHERE usage > 99;
