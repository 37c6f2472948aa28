-- scalar expressions over the IoT data: arithmetic, CASE, CAST, IN, BETWEEN, LIKE, COALESCE, NULLIF, IF
SET 'table.local-time-zone' = 'UTC';
CREATE TABLE iot_in (
  hostname VARCHAR, cpu VARCHAR, usage DOUBLE, `occurred_at` BIGINT,
  time_ltz AS TO_TIMESTAMP_LTZ(`occurred_at`, 3),
  WATERMARK FOR time_ltz AS time_ltz - INTERVAL '10' SECONDS
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/iot.json', 'format' = 'json');
CREATE TABLE out_t (hostname VARCHAR, level VARCHAR, usage_int INT, usage_pct VARCHAR, doubled DOUBLE,
  in_set BOOLEAN, mid BOOLEAN, like_s BOOLEAN, c STRING, n INT, iff STRING, m BIGINT, neg DOUBLE, div_i INT)
WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'json');
INSERT INTO out_t
SELECT hostname,
  CASE WHEN usage > 90 THEN 'critical' WHEN usage > 70 THEN 'high' ELSE 'normal' END,
  CAST(usage AS INT),
  CAST(usage AS VARCHAR) || '%',
  usage * 2 + 1,
  cpu IN ('cpu1', 'cpu3'),
  usage BETWEEN 40 AND 60,
  hostname LIKE '%py',
  COALESCE(NULLIF(cpu, 'cpu2'), 'two'),
  CHAR_LENGTH(hostname),
  IF(usage >= 50, 'upper', 'lower'),
  `occurred_at` % 1000,
  -usage,
  CAST(usage AS INT) / 7
FROM iot_in
WHERE `occurred_at` % 10 = 3;
