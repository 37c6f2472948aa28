-- unbounded Top-N over an append-only source: the three highest usage samples per host, with the rank
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, cpu VARCHAR, usage DOUBLE, time_ltz TIMESTAMP_LTZ(3), rn BIGINT) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT hostname, cpu, usage, time_ltz, rn FROM (
  SELECT hostname, cpu, usage, time_ltz,
    ROW_NUMBER() OVER (PARTITION BY hostname ORDER BY usage DESC) AS rn
  FROM iot_in
) WHERE rn <= 3;
