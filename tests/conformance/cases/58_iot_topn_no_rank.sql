-- unbounded Top-N without the rank column in the output: the two lowest usage samples per cpu
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (cpu VARCHAR, hostname VARCHAR, usage DOUBLE) WITH ('connector' = 'print');
INSERT INTO out_t
SELECT cpu, hostname, usage FROM (
  SELECT cpu, hostname, usage,
    ROW_NUMBER() OVER (PARTITION BY cpu ORDER BY usage ASC) AS rn
  FROM iot_in
) WHERE rn <= 2;
